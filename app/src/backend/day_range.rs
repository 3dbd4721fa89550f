//! A checked range of Vietnam calendar days, as reports and statistics take it.

use super::BackendError;
use chrono::{DateTime, NaiveDate, Utc};

/// The longest range one report covers.
pub const MAX_DAYS: i64 = 366;

/// A checked range of Vietnam calendar days, both included.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DayRange {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl DayRange {
    /// `from` and `to` as `YYYY-MM-DD`: in order, not in the future, at most [`MAX_DAYS`].
    pub fn parse(from: &str, to: &str, now: DateTime<Utc>) -> Result<DayRange, BackendError> {
        let day = |field: &'static str, s: &str| {
            NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
                .map_err(|_| BackendError::invalid(field, format!("{s:?}: ngày phải có dạng YYYY-MM-DD (expected YYYY-MM-DD)")))
        };
        let (from, to) = (day("from", from)?, day("to", to)?);
        if from > to {
            return Err(BackendError::invalid("to", "ngày cuối trước ngày đầu (the range ends before it starts)"));
        }
        let today = crate::time::to_vn(now).date_naive();
        if to > today {
            return Err(BackendError::invalid("to", "không đối soát ngày chưa đến (that day has not come yet)"));
        }
        if (to - from).num_days() + 1 > MAX_DAYS {
            return Err(BackendError::invalid("to", format!("tối đa {MAX_DAYS} ngày mỗi báo cáo (at most {MAX_DAYS} days per report)")));
        }
        Ok(DayRange { from, to })
    }

    /// The first of this month and today (Vietnam time), as `YYYY-MM-DD`.
    pub fn month_so_far(now: DateTime<Utc>) -> (String, String) {
        use chrono::Datelike;
        let today = crate::time::to_vn(now).date_naive();
        let first = today.with_day(1).unwrap_or(today);
        (first.format("%Y-%m-%d").to_string(), today.format("%Y-%m-%d").to_string())
    }

    /// `from`..`to` as given, each defaulting to this month so far (Vietnam time) when absent
    /// or empty, then checked as [`DayRange::parse`] does.
    pub fn or_month_so_far(from: Option<String>, to: Option<String>, now: DateTime<Utc>) -> Result<DayRange, BackendError> {
        let (month_start, today) = Self::month_so_far(now);
        let from = from.filter(|f| !f.is_empty()).unwrap_or(month_start);
        let to = to.filter(|t| !t.is_empty()).unwrap_or(today);
        Self::parse(&from, &to, now)
    }

    /// The UTC instants `[start, end)` the range covers.
    pub fn bounds(&self) -> (DateTime<Utc>, DateTime<Utc>) {
        let start = |d: NaiveDate| crate::time::vn_day_bounds(&d.format("%Y-%m-%d").to_string()).map(|b| b.0).unwrap_or_default();
        (start(self.from), start(self.to) + chrono::Duration::days(1))
    }
}
