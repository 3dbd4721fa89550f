//! Statistics over time: tallies of a ward's counter work that add up across days, weeks
//! and months, and across counters, procedures and officers. Pure: `backend::trends`
//! gathers a day's tally (from the records, or as frozen when the day closed).

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Width of a waiting-time bucket, in seconds: percentiles are exact to this.
pub const WAIT_BUCKET_SECS: i64 = 5;
/// Waits longer than this are counted in the last bucket.
pub const WAIT_MAX_SECS: i64 = 24 * 3600;

/// Figures of a set of dossiers (a day, a week, a counter…); tallies add up.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    pub dossiers: i64,
    /// Dossiers with nothing to pay.
    pub free: i64,
    /// Dossiers with at least one exempted fee line.
    pub exempt: i64,
    /// Paid by the citizen's own transfer (QR without help).
    pub paid_qr: i64,
    /// Paid by a transfer made with the help of support staff.
    pub paid_assisted: i64,
    pub paid_cash: i64,
    /// Đồng collected.
    pub collected: i64,
    /// Codes that ran out unpaid.
    pub expired: i64,
    pub cancelled: i64,
    /// Bank exceptions by kind (`underpaid`, `unknown_code`…).
    pub exceptions: BTreeMap<String, i64>,
    /// Seconds from code shown to paid, counted per bucket of [`WAIT_BUCKET_SECS`].
    pub wait: BTreeMap<u32, u32>,
}

impl Tally {
    pub fn merge(&mut self, o: &Tally) {
        self.dossiers += o.dossiers;
        self.free += o.free;
        self.exempt += o.exempt;
        self.paid_qr += o.paid_qr;
        self.paid_assisted += o.paid_assisted;
        self.paid_cash += o.paid_cash;
        self.collected += o.collected;
        self.expired += o.expired;
        self.cancelled += o.cancelled;
        for (k, v) in &o.exceptions {
            *self.exceptions.entry(k.clone()).or_default() += v;
        }
        for (k, v) in &o.wait {
            *self.wait.entry(*k).or_default() += v;
        }
    }

    pub fn add_wait(&mut self, secs: i64) {
        let b = (secs.clamp(0, WAIT_MAX_SECS) / WAIT_BUCKET_SECS) as u32;
        *self.wait.entry(b).or_default() += 1;
    }

    pub fn paid(&self) -> i64 {
        self.paid_qr + self.paid_assisted + self.paid_cash
    }

    /// Share of paid dossiers the citizen paid by transfer without help, per mille.
    pub fn cashless_permille(&self) -> Option<i64> {
        let paid = self.paid();
        (paid > 0).then(|| self.paid_qr * 1000 / paid)
    }

    /// The `q`-quantile (0 < q ≤ 1) of the waits, in seconds: the upper edge of the bucket
    /// where the count reaches `q` of all.
    pub fn wait_quantile(&self, q: f64) -> Option<i64> {
        let n: u64 = self.wait.values().map(|c| u64::from(*c)).sum();
        if n == 0 {
            return None;
        }
        let target = ((q * n as f64).ceil() as u64).clamp(1, n);
        let mut seen = 0u64;
        for (b, c) in &self.wait {
            seen += u64::from(*c);
            if seen >= target {
                return Some((i64::from(*b) + 1) * WAIT_BUCKET_SECS);
            }
        }
        None
    }

    pub fn exceptions_total(&self) -> i64 {
        self.exceptions.values().sum()
    }
}

/// A day's tallies: the ward, and by counter, procedure and officer.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayTally {
    pub total: Tally,
    pub by_counter: BTreeMap<String, Tally>,
    pub by_procedure: BTreeMap<String, Tally>,
    pub by_officer: BTreeMap<String, Tally>,
}

/// How days are grouped along the time axis.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Bucket {
    Day,
    /// ISO weeks, Monday first.
    Week,
    Month,
}

impl Bucket {
    pub fn parse(s: &str) -> Option<Bucket> {
        match s {
            "day" => Some(Bucket::Day),
            "week" => Some(Bucket::Week),
            "month" => Some(Bucket::Month),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Bucket::Day => "day",
            Bucket::Week => "week",
            Bucket::Month => "month",
        }
    }

    /// The bucket a day falls in: `2026-11-30`, `2026-W49`, `2026-11`.
    pub fn key(self, d: NaiveDate) -> String {
        match self {
            Bucket::Day => d.format("%Y-%m-%d").to_string(),
            Bucket::Week => {
                let w = d.iso_week();
                format!("{}-W{:02}", w.year(), w.week())
            }
            Bucket::Month => d.format("%Y-%m").to_string(),
        }
    }
}

/// The second axis: the whole ward, or one row per counter, procedure or officer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    Ward,
    Counter,
    Procedure,
    Officer,
}

impl GroupBy {
    pub fn parse(s: &str) -> Option<GroupBy> {
        match s {
            "ward" | "" => Some(GroupBy::Ward),
            "counter" => Some(GroupBy::Counter),
            "procedure" => Some(GroupBy::Procedure),
            "officer" => Some(GroupBy::Officer),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            GroupBy::Ward => "ward",
            GroupBy::Counter => "counter",
            GroupBy::Procedure => "procedure",
            GroupBy::Officer => "officer",
        }
    }
}

/// Tallies under their keys (periods or groups), in key order.
pub type Keyed = Vec<(String, Tally)>;

/// Days rolled up: the tally per time bucket (in order), per group, and in all.
pub fn roll_up<'a>(days: impl IntoIterator<Item = (NaiveDate, &'a DayTally)>, bucket: Bucket, by: GroupBy) -> (Keyed, Keyed, Tally) {
    let mut buckets: BTreeMap<String, Tally> = BTreeMap::new();
    let mut groups: BTreeMap<String, Tally> = BTreeMap::new();
    let mut total = Tally::default();
    for (d, t) in days {
        buckets.entry(bucket.key(d)).or_default().merge(&t.total);
        total.merge(&t.total);
        let split = match by {
            GroupBy::Ward => None,
            GroupBy::Counter => Some(&t.by_counter),
            GroupBy::Procedure => Some(&t.by_procedure),
            GroupBy::Officer => Some(&t.by_officer),
        };
        for (k, v) in split.into_iter().flatten() {
            groups.entry(k.clone()).or_default().merge(v);
        }
    }
    (buckets.into_iter().collect(), groups.into_iter().collect(), total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    #[test]
    fn buckets_name_days_iso_weeks_and_months() {
        assert_eq!(Bucket::Day.key(day(2026, 11, 30)), "2026-11-30");
        assert_eq!(Bucket::Week.key(day(2026, 11, 30)), "2026-W49", "a Monday starts ISO week 49");
        assert_eq!(Bucket::Week.key(day(2026, 11, 29)), "2026-W48");
        assert_eq!(Bucket::Week.key(day(2027, 1, 1)), "2026-W53", "the first days of a year can belong to the last week of the one before");
        assert_eq!(Bucket::Month.key(day(2026, 11, 30)), "2026-11");
    }

    #[test]
    fn quantiles_come_from_the_wait_buckets() {
        let mut t = Tally::default();
        for s in [12, 30, 31, 90, 600] {
            t.add_wait(s);
        }
        assert_eq!(t.wait_quantile(0.5), Some(35), "the third of five waits is in [30, 35)");
        assert_eq!(t.wait_quantile(0.9), Some(605));
        assert_eq!(Tally::default().wait_quantile(0.5), None);
    }

    #[test]
    fn the_cashless_rate_counts_only_transfers_without_help() {
        let t = Tally { paid_qr: 90, paid_assisted: 6, paid_cash: 4, ..Default::default() };
        assert_eq!(t.cashless_permille(), Some(900));
        assert_eq!(Tally::default().cashless_permille(), None);
    }

    #[test]
    fn a_roll_up_splits_by_group_and_keeps_the_totals() {
        let mut a = DayTally { total: Tally { dossiers: 3, paid_qr: 2, ..Default::default() }, ..Default::default() };
        a.by_counter.insert("Quầy 1".into(), Tally { dossiers: 2, paid_qr: 2, ..Default::default() });
        a.by_counter.insert("Quầy 2".into(), Tally { dossiers: 1, ..Default::default() });
        let b = a.clone();
        let (buckets, groups, total) = roll_up([(day(2026, 11, 2), &a), (day(2026, 11, 3), &b)], Bucket::Week, GroupBy::Counter);
        assert_eq!(buckets.len(), 1);
        assert_eq!(total.dossiers, 6);
        assert_eq!(groups.iter().map(|(_, t)| t.dossiers).sum::<i64>(), 6);
    }

    proptest! {
        #[test]
        fn merging_tallies_is_adding_them(xs in prop::collection::vec((0i64..50, 0i64..50, 0i64..3600), 1..20)) {
            let mut all = Tally::default();
            let mut sum = (0, 0, 0u32);
            for (d, p, w) in &xs {
                let mut t = Tally { dossiers: *d, paid_qr: *p, ..Default::default() };
                t.add_wait(*w);
                all.merge(&t);
                sum = (sum.0 + d, sum.1 + p, sum.2 + 1);
            }
            prop_assert_eq!((all.dossiers, all.paid_qr, all.wait.values().sum::<u32>()), sum);
        }
    }
}
