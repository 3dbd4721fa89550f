//! Treasury deposits without a database: the kinds of money (phí and lệ phí go to
//! different treasury accounts), the deposit interval and the due date it gives, and the
//! budget-code shapes. See docs/domain.md §11.

use crate::text::Text;
use chrono::{Datelike, Duration, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Phí and lệ phí are deposited on separate slips, into different treasury accounts.
pub use super::fees::FeeKind;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DepositInterval {
    Daily,
    Weekly,
    Monthly,
}

impl DepositInterval {
    pub const ALL: [DepositInterval; 3] = [DepositInterval::Daily, DepositInterval::Weekly, DepositInterval::Monthly];

    pub fn as_str(self) -> &'static str {
        match self {
            DepositInterval::Daily => "daily",
            DepositInterval::Weekly => "weekly",
            DepositInterval::Monthly => "monthly",
        }
    }

    pub fn parse(s: &str) -> Option<DepositInterval> {
        DepositInterval::ALL.into_iter().find(|i| i.as_str() == s)
    }

    /// How people read it, in both languages.
    pub fn label(self) -> Text {
        match self {
            DepositInterval::Daily => Text::new("Hằng ngày", "Daily"),
            DepositInterval::Weekly => Text::new("Hằng tuần", "Weekly"),
            DepositInterval::Monthly => Text::new("Hằng tháng", "Monthly"),
        }
    }

    /// The deposit period holding `day`: the day, its ISO week (Monday–Sunday), its month.
    pub fn period_of(self, day: NaiveDate) -> (NaiveDate, NaiveDate) {
        match self {
            DepositInterval::Daily => (day, day),
            DepositInterval::Weekly => {
                let monday = day - Duration::days(day.weekday().num_days_from_monday() as i64);
                (monday, monday + Duration::days(6))
            }
            DepositInterval::Monthly => {
                let first = day.with_day(1).unwrap_or(day);
                (first, next_month_first(first) - Duration::days(1))
            }
        }
    }

    /// When the money of the period ending `period_end` must be in the treasury: the next
    /// working day after a day or a week; the 5th of the next month for a month (NĐ 120/2016
    /// Điều 5: "chậm nhất là ngày 05 hằng tháng"), moved to a working day. Working days are
    /// those of `calendar`: Monday to Friday less the holidays the ward listed.
    pub fn due_date(self, period_end: NaiveDate, calendar: &WorkCalendar) -> NaiveDate {
        match self {
            DepositInterval::Daily | DepositInterval::Weekly => calendar.next_working_day(period_end),
            DepositInterval::Monthly => {
                let fifth = next_month_first(period_end).with_day(5).unwrap_or(period_end);
                if calendar.is_working_day(fifth) {
                    fifth
                } else {
                    calendar.next_working_day(fifth)
                }
            }
        }
    }
}

fn next_month_first(d: NaiveDate) -> NaiveDate {
    let (y, m) = if d.month() == 12 { (d.year() + 1, 1) } else { (d.year(), d.month() + 1) };
    NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(d)
}

/// The days the treasury and the ward work: Monday to Friday, less the holidays the ward
/// listed (Tết, national holidays, days off the government moves; they change every year,
/// so they are data, not rules).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WorkCalendar {
    holidays: BTreeSet<NaiveDate>,
}

impl WorkCalendar {
    pub fn with_holidays(holidays: impl IntoIterator<Item = NaiveDate>) -> WorkCalendar {
        WorkCalendar { holidays: holidays.into_iter().collect() }
    }

    pub fn is_working_day(&self, d: NaiveDate) -> bool {
        !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) && !self.holidays.contains(&d)
    }

    /// The first working day after `d`. A calendar lists finitely many holidays, so a
    /// working day comes within their number plus a weekend of days.
    pub fn next_working_day(&self, d: NaiveDate) -> NaiveDate {
        let mut n = d + Duration::days(1);
        while !self.is_working_day(n) {
            n += Duration::days(1);
        }
        n
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    #[error("mã chương gồm 3 chữ số, ví dụ 830 (chapter: 3 digits, e.g. 830)")]
    Chapter,
    #[error("mã nội dung kinh tế (tiểu mục) gồm 4 chữ số, ví dụ 2716 (NDKT: 4 digits, e.g. 2716)")]
    Ndkt,
    #[error("mã địa bàn hành chính gồm 5 chữ số (ĐBHC: 5 digits)")]
    Dbhc,
    #[error("mã Kho bạc gồm 4 chữ số (treasury code: 4 digits)")]
    Kbnn,
    #[error("số tài khoản Kho bạc 4–20 chữ số, có thể có dấu chấm (treasury account: 4–20 digits, dots allowed)")]
    Account,
}

fn digits(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
}

pub fn check_chapter(s: &str) -> Result<(), CodeError> {
    digits(s, 3).then_some(()).ok_or(CodeError::Chapter)
}

pub fn check_ndkt(s: &str) -> Result<(), CodeError> {
    digits(s, 4).then_some(()).ok_or(CodeError::Ndkt)
}

pub fn check_dbhc(s: &str) -> Result<(), CodeError> {
    digits(s, 5).then_some(()).ok_or(CodeError::Dbhc)
}

pub fn check_kbnn(s: &str) -> Result<(), CodeError> {
    digits(s, 4).then_some(()).ok_or(CodeError::Kbnn)
}

pub fn check_account(s: &str) -> Result<(), CodeError> {
    let d = s.bytes().filter(u8::is_ascii_digit).count();
    let ok = (4..=20).contains(&d) && s.bytes().all(|b| b.is_ascii_digit() || b == b'.');
    ok.then_some(()).ok_or(CodeError::Account)
}

/// Whether a dated row (`valid_from` inclusive, `valid_to` exclusive, both YYYY-MM-DD)
/// applies on `day` (same format: the strings compare as dates).
pub fn in_effect(valid_from: &str, valid_to: Option<&str>, day: &str) -> bool {
    valid_from <= day && valid_to.is_none_or(|to| day < to)
}

/// The end (exclusive) of each dated row, given their first days in ascending order: each
/// row applies until the next one's first day; the last has no end.
pub fn chained_ends(firsts: &[&str]) -> Vec<Option<String>> {
    firsts.iter().skip(1).map(|d| Some(d.to_string())).chain([None]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn periods_are_the_day_the_iso_week_and_the_month() {
        // 2026-12-02 is a Wednesday.
        assert_eq!(DepositInterval::Daily.period_of(d("2026-12-02")), (d("2026-12-02"), d("2026-12-02")));
        assert_eq!(DepositInterval::Weekly.period_of(d("2026-12-02")), (d("2026-11-30"), d("2026-12-06")));
        assert_eq!(DepositInterval::Monthly.period_of(d("2026-12-31")), (d("2026-12-01"), d("2026-12-31")));
        assert_eq!(DepositInterval::Monthly.period_of(d("2026-02-10")), (d("2026-02-01"), d("2026-02-28")));
    }

    #[test]
    fn due_dates_fall_on_working_days() {
        let weekdays = WorkCalendar::default();
        assert_eq!(DepositInterval::Daily.due_date(d("2026-12-02"), &weekdays), d("2026-12-03"));
        assert_eq!(DepositInterval::Daily.due_date(d("2026-12-04"), &weekdays), d("2026-12-07"), "Friday's money is due Monday");
        assert_eq!(DepositInterval::Weekly.due_date(d("2026-12-06"), &weekdays), d("2026-12-07"));
        assert_eq!(DepositInterval::Monthly.due_date(d("2026-11-30"), &weekdays), d("2026-12-07"), "5 Dec 2026 is a Saturday");
        assert_eq!(DepositInterval::Monthly.due_date(d("2026-12-31"), &weekdays), d("2027-01-05"));
    }

    #[test]
    fn a_deposit_due_on_a_listed_holiday_is_due_the_next_working_day() {
        // Tết 2027 as a ward might list it: Friday 5 to Wednesday 10 February off.
        let tet = WorkCalendar::with_holidays(["2027-02-05", "2027-02-08", "2027-02-09", "2027-02-10"].map(d));
        assert_eq!(DepositInterval::Daily.due_date(d("2027-02-04"), &tet), d("2027-02-11"), "Thursday's money waits for the holiday");
        assert_eq!(DepositInterval::Weekly.due_date(d("2027-02-07"), &tet), d("2027-02-11"));
        assert_eq!(DepositInterval::Daily.due_date(d("2027-02-11"), &tet), d("2027-02-12"), "after the holiday, the next day again");
        // 5 January 2027 is a Tuesday; listed as a day off, the monthly deposit moves to Wednesday.
        let moved = WorkCalendar::with_holidays([d("2027-01-05")]);
        assert_eq!(DepositInterval::Monthly.due_date(d("2026-12-31"), &moved), d("2027-01-06"));
        assert!(!tet.is_working_day(d("2027-02-08")) && tet.is_working_day(d("2027-02-11")) && !tet.is_working_day(d("2027-02-13")));
    }

    #[test]
    fn codes_have_their_published_shapes() {
        assert!(check_chapter("830").is_ok() && check_chapter("83").is_err() && check_chapter("8301").is_err());
        assert!(check_ndkt("2716").is_ok() && check_ndkt("DEMO-1001").is_err());
        assert!(check_dbhc("00001").is_ok() && check_dbhc("1").is_err());
        assert!(check_kbnn("0011").is_ok() && check_kbnn("KB").is_err());
        assert!(check_account("3511.0.1234567").is_ok() && check_account("3511").is_ok() && check_account("abc").is_err());
    }

    #[test]
    fn dated_rows_apply_from_their_first_day_until_the_next() {
        assert!(in_effect("2026-01-01", None, "2026-12-01"));
        assert!(!in_effect("2026-12-02", None, "2026-12-01"));
        assert!(in_effect("2026-01-01", Some("2026-12-02"), "2026-12-01"));
        assert!(!in_effect("2026-01-01", Some("2026-12-01"), "2026-12-01"), "valid_to is exclusive");
    }

    #[test]
    fn each_row_ends_where_the_next_begins() {
        assert_eq!(chained_ends(&["2026-01-01", "2026-07-01"]), vec![Some("2026-07-01".to_string()), None]);
        assert_eq!(chained_ends(&["2026-01-01"]), vec![None]);
    }

    #[test]
    fn kinds_and_intervals_round_trip() {
        for k in FeeKind::ALL {
            assert_eq!(FeeKind::parse(k.as_str()), Some(k));
        }
        for i in DepositInterval::ALL {
            assert_eq!(DepositInterval::parse(i.as_str()), Some(i));
        }
    }
}
