//! Dates and amounts as Vietnamese statements write them.
//!
//! Amounts are whole đồng. `50.000`, `50,000`, `50 000`, `50.000 đ`, `50.000 VND`,
//! `+50.000`, `-50.000` and `(50.000)` all read; a thousands separator must separate groups
//! of three digits, and a decimal part must be zero (`50.000,00`), so a misplaced separator
//! is an error rather than a factor of a thousand.
//!
//! Dates are day first (`31/12/2026`, `31-12-2026`, `31.12.2026`, with an optional
//! `HH:MM[:SS]`), or ISO (`2026-12-31`, `2026-12-31 14:05:33`, `2026-12-31T14:05:33+07:00`).
//! A time with no zone is Vietnam time.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};

/// Why an amount could not be read.
pub fn parse_amount(raw: &str) -> Result<i64, String> {
    let mut s: String = raw.trim().to_string();
    for unit in ["VNĐ", "VND", "vnđ", "vnd", "đồng", "đ", "₫", "Đ"] {
        if let Some(rest) = s.strip_suffix(unit) {
            s = rest.trim_end().to_string();
        }
        if let Some(rest) = s.strip_prefix(unit) {
            s = rest.trim_start().to_string();
        }
    }
    let (negative, body) = if let Some(inner) = s.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
        (true, inner.trim().to_string())
    } else if let Some(rest) = s.strip_prefix('-') {
        (true, rest.trim().to_string())
    } else if let Some(rest) = s.strip_prefix('+') {
        (false, rest.trim().to_string())
    } else {
        (false, s)
    };
    // Spaces (also no-break and thin spaces) group thousands too.
    let body: String = body.chars().filter(|c| !c.is_whitespace() && *c != '\u{202f}').collect();
    if body.is_empty() || !body.chars().all(|c| c.is_ascii_digit() || c == '.' || c == ',') {
        return Err("số tiền không đọc được (not an amount)".into());
    }
    let (whole, fraction) = split_fraction(&body);
    if let Some(f) = fraction {
        if !f.chars().all(|c| c == '0') {
            return Err("số tiền có phần lẻ dưới một đồng (an amount below one đồng)".into());
        }
    }
    let digits = ungroup(whole).ok_or_else(|| "dấu phân cách hàng nghìn đặt sai (misplaced thousands separator)".to_string())?;
    let value: i64 = digits.parse().map_err(|_| "số tiền quá lớn (amount too large)".to_string())?;
    Ok(if negative { -value } else { value })
}

/// Splits a decimal part off: the last separator is a decimal point when the other kind
/// also appears before it (`1.234,00`, `1,234.00`), or when it is followed by one or two
/// digits (`50,00`, `50.5`).
fn split_fraction(s: &str) -> (&str, Option<&str>) {
    let Some(pos) = s.rfind(['.', ',']) else { return (s, None) };
    let sep = s.as_bytes()[pos];
    let after = &s[pos + 1..];
    let other = if sep == b'.' { ',' } else { '.' };
    let before = &s[..pos];
    let mixed = before.contains(other);
    let repeated = before.contains(sep as char);
    if !repeated && (mixed || (1..=2).contains(&after.len())) {
        (before, Some(after))
    } else {
        (s, None)
    }
}

/// `50.000.000` → `50000000`, checking each group after the first has three digits and
/// only one kind of separator is used.
fn ungroup(s: &str) -> Option<String> {
    let seps: Vec<char> = s.chars().filter(|c| *c == '.' || *c == ',').collect();
    if seps.windows(2).any(|w| w[0] != w[1]) {
        return None;
    }
    let mut groups = s.split(['.', ',']);
    let first = groups.next()?;
    if first.is_empty() || first.len() > 18 || (!seps.is_empty() && first.len() > 3) {
        return None;
    }
    let mut out = first.to_string();
    for g in groups {
        if g.len() != 3 {
            return None;
        }
        out.push_str(g);
    }
    Some(out)
}

/// A spreadsheet number as whole đồng.
pub fn amount_of_number(n: f64) -> Result<i64, String> {
    if !n.is_finite() || n.abs() > 1e15 {
        return Err("số tiền không đọc được (not an amount)".into());
    }
    if n.fract() != 0.0 {
        return Err("số tiền có phần lẻ dưới một đồng (an amount below one đồng)".into());
    }
    Ok(n as i64)
}

/// A date with an optional time. `Ok((time, date_only))`.
pub fn parse_datetime(raw: &str) -> Result<(DateTime<Utc>, bool), String> {
    let s = raw.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok((t.with_timezone(&Utc), false));
    }
    let (date_part, time_part) = match s.split_once(['T', ' ']) {
        Some((d, t)) => (d.trim(), Some(t.trim())),
        None => (s, None),
    };
    let date = parse_date(date_part).ok_or_else(|| "ngày không đọc được, cần dạng 31/12/2026 (not a date)".to_string())?;
    match time_part.filter(|t| !t.is_empty()) {
        None => Ok((local(date.and_time(NaiveTime::MIN)), true)),
        Some(t) => {
            let time = ["%H:%M:%S", "%H:%M", "%H:%M:%S%.f"]
                .iter()
                .find_map(|f| NaiveTime::parse_from_str(t, f).ok())
                .ok_or_else(|| "giờ không đọc được (not a time of day)".to_string())?;
            Ok((local(date.and_time(time)), false))
        }
    }
}

/// A spreadsheet date cell (Vietnam local time). Midnight exactly is taken as a date alone.
pub fn datetime_of_cell(t: NaiveDateTime) -> (DateTime<Utc>, bool) {
    (local(t), t.time() == NaiveTime::MIN)
}

fn parse_date(s: &str) -> Option<NaiveDate> {
    ["%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d", "%Y/%m/%d"]
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(s, f).ok())
        // Two-digit years (`31/12/26`) are refused rather than guessed.
        .filter(|d| (2000..=2100).contains(&chrono::Datelike::year(d)))
}

fn local(t: NaiveDateTime) -> DateTime<Utc> {
    // A fixed offset maps every local time to exactly one instant.
    (t - chrono::Duration::hours(7)).and_utc()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vietnamese_amounts_read_as_whole_dong() {
        for (s, v) in [
            ("50.000", 50_000),
            ("50,000", 50_000),
            ("50.000 đ", 50_000),
            ("50.000đ", 50_000),
            ("50,000 VND", 50_000),
            ("1.250.000", 1_250_000),
            ("1 250 000", 1_250_000),
            ("50000", 50_000),
            ("+50.000", 50_000),
            ("-50.000", -50_000),
            ("(20.000)", -20_000),
            ("50.000,00", 50_000),
            ("50,000.00", 50_000),
            ("1.234.567,0", 1_234_567),
            ("0", 0),
        ] {
            assert_eq!(parse_amount(s), Ok(v), "{s}");
        }
    }

    #[test]
    fn ambiguous_or_fractional_amounts_are_refused() {
        for s in ["50.5", "50,50", "5.0000", "50.00.0", "1,234.567,00", "abc", "", "đ", "12a", "50.000,50", "1.234,567.00"] {
            assert!(parse_amount(s).is_err(), "{s} should be refused");
        }
    }

    #[test]
    fn day_first_and_iso_dates_read_in_vietnam_time() {
        let (t, only) = parse_datetime("31/12/2026").expect("date");
        assert!(only);
        assert_eq!(t.to_rfc3339(), "2026-12-30T17:00:00+00:00");
        let (t, only) = parse_datetime("31/12/2026 14:05:33").expect("date time");
        assert!(!only);
        assert_eq!(t.to_rfc3339(), "2026-12-31T07:05:33+00:00");
        assert_eq!(parse_datetime("2026-12-31 14:05").expect("iso").0.to_rfc3339(), "2026-12-31T07:05:00+00:00");
        assert_eq!(parse_datetime("2026-12-31T14:05:33+07:00").expect("rfc3339").0.to_rfc3339(), "2026-12-31T07:05:33+00:00");
        assert_eq!(parse_datetime("01-02-2026").expect("dashes").0.to_rfc3339(), "2026-01-31T17:00:00+00:00");
        for bad in ["31/13/2026", "2026/31/12", "12/31/2026", "hôm qua", "31/12/26", "31/12/2026 25:00"] {
            assert!(parse_datetime(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn spreadsheet_numbers_must_be_whole() {
        assert_eq!(amount_of_number(50000.0), Ok(50_000));
        assert!(amount_of_number(50000.5).is_err());
        assert!(amount_of_number(f64::NAN).is_err());
    }
}

#[cfg(test)]
mod properties {
    use super::parse_amount;
    use proptest::prelude::*;

    fn grouped(n: u64, sep: char) -> String {
        let digits = n.to_string();
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(sep);
            }
            out.push(c);
        }
        out
    }

    proptest! {
        #[test]
        fn any_amount_grouped_either_way_reads_back(n in 0u64..1_000_000_000_000, dot in any::<bool>(), unit in prop::sample::select(vec!["", " đ", " VND", "đ"])) {
            let s = format!("{}{unit}", grouped(n, if dot { '.' } else { ',' }));
            prop_assert_eq!(parse_amount(&s), Ok(n as i64));
        }
    }
}
