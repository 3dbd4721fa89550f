//! A form's fields checked the same way everywhere: a refusal names the field and says, in
//! both languages, what it expects.

use super::BackendError;
use chrono::NaiveDate;

/// A calendar day written `YYYY-MM-DD`.
pub fn day(field: &'static str, s: &str) -> Result<NaiveDate, BackendError> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| BackendError::invalid(field, "ngày có dạng YYYY-MM-DD (expected YYYY-MM-DD)"))
}

/// A required text of at most `max` characters, trimmed.
pub fn text(field: &'static str, s: &str, max: usize) -> Result<String, BackendError> {
    let t = s.trim().to_string();
    if t.is_empty() || t.chars().count() > max {
        return Err(BackendError::invalid(field, format!("bắt buộc, tối đa {max} ký tự (required, at most {max} characters)")));
    }
    Ok(t)
}
