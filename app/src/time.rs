//! Times are stored in UTC and shown in Asia/Ho_Chi_Minh.
//!
//! Vietnam has kept UTC+7 without daylight saving since 1975, so a fixed offset is exact
//! for every date WardPay handles and avoids shipping a time-zone database to the browser.

use chrono::{DateTime, FixedOffset, Utc};

pub fn vn_offset() -> FixedOffset {
    // 7 hours is always a valid offset; the Option only guards out-of-range values.
    FixedOffset::east_opt(7 * 3600).unwrap_or_else(|| FixedOffset::east_opt(0).expect("zero offset"))
}

pub fn to_vn(t: DateTime<Utc>) -> DateTime<FixedOffset> {
    t.with_timezone(&vn_offset())
}

/// The UTC instant at which the Vietnam calendar day containing `t` began.
pub fn vn_day_start_utc(t: DateTime<Utc>) -> DateTime<Utc> {
    let local = to_vn(t);
    let midnight = local.date_naive().and_hms_opt(0, 0, 0).unwrap_or_default();
    DateTime::<Utc>::from_naive_utc_and_offset(midnight - chrono::Duration::hours(7), Utc)
}

/// The UTC bounds `[start, end)` of the Vietnam calendar day `YYYY-MM-DD`.
pub fn vn_day_bounds(day: &str) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let date = chrono::NaiveDate::parse_from_str(day.trim(), "%Y-%m-%d").ok()?;
    let start = DateTime::<Utc>::from_naive_utc_and_offset(date.and_hms_opt(0, 0, 0)? - chrono::Duration::hours(7), Utc);
    Some((start, start + chrono::Duration::days(1)))
}

/// Today's Vietnam calendar day as `YYYY-MM-DD`.
pub fn vn_today(now: DateTime<Utc>) -> String {
    to_vn(now).format("%Y-%m-%d").to_string()
}

/// "25/11/2026 17:05" in Vietnam time, from an RFC 3339 string; the input unchanged if it does not parse.
pub fn format_vn_datetime(rfc3339: &str) -> String {
    match DateTime::parse_from_rfc3339(rfc3339) {
        Ok(t) => t.with_timezone(&vn_offset()).format("%d/%m/%Y %H:%M").to_string(),
        Err(_) => rfc3339.to_string(),
    }
}

/// "17:05:09" in Vietnam time.
pub fn format_vn_time(rfc3339: &str) -> String {
    match DateTime::parse_from_rfc3339(rfc3339) {
        Ok(t) => t.with_timezone(&vn_offset()).format("%H:%M:%S").to_string(),
        Err(_) => rfc3339.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_evening_is_next_morning_in_hanoi() {
        assert_eq!(format_vn_datetime("2026-11-25T17:30:00Z"), "26/11/2026 00:30");
        assert_eq!(format_vn_time("2026-11-25T01:02:03+00:00"), "08:02:03");
    }

    #[test]
    fn the_vietnam_day_starts_at_17_utc() {
        let t = DateTime::parse_from_rfc3339("2026-11-25T18:00:00Z").expect("time").with_timezone(&Utc);
        assert_eq!(vn_day_start_utc(t).to_rfc3339(), "2026-11-25T17:00:00+00:00");
        let t = DateTime::parse_from_rfc3339("2026-11-25T16:59:00Z").expect("time").with_timezone(&Utc);
        assert_eq!(vn_day_start_utc(t).to_rfc3339(), "2026-11-24T17:00:00+00:00");
    }

    #[test]
    fn day_bounds_are_vietnam_midnights() {
        let (a, b) = vn_day_bounds("2026-11-25").expect("day");
        assert_eq!(a.to_rfc3339(), "2026-11-24T17:00:00+00:00");
        assert_eq!(b.to_rfc3339(), "2026-11-25T17:00:00+00:00");
        assert!(vn_day_bounds("25/11/2026").is_none());
    }

    #[test]
    fn garbage_is_shown_as_is() {
        assert_eq!(format_vn_datetime("not a time"), "not a time");
    }
}
