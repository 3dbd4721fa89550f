//! The reconciliation report (báo cáo đối soát) of a ward over a range of Vietnam calendar
//! days: one row per payment request with the notification that paid it and its receipt,
//! and one per bank notification that did not simply pay one (the exception queue's money).
//! Each row's state comes from `domain::reconciliation`; totals are by state, by count and
//! amount. The same report serves the page, the CSV and XLSX files and `wardpay report`.
//!
//! * [`live`]: rows as the records stand now (open days);
//! * [`closed`]: closed days, read as frozen, and the adjustments later changes owe them;
//! * [`export`]: the files;
//! * [`evidence`]: what stands behind a row (notifications as received, statement lines,
//!   audit entries).
//!
//! A report is planned first ([`plan`]): totals come from each closed day's frozen totals and
//! the open days' rows, and rows are then read a page or a day at a time, so a year's report
//! never holds a year of rows.

mod closed;
mod evidence;
mod export;
mod live;

pub use closed::freeze_day;
pub use evidence::evidence;
pub use export::{csv_header, csv_rows, csv_totals, to_csv, to_xlsx, XlsxReport};

use super::entity::ward;
use super::BackendError;
use crate::domain::reconciliation::RecState;
use crate::model::{ReconReport, ReconRow, ReconTotal};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, EntityTrait};
use std::collections::BTreeMap;

pub use super::day_range::{DayRange, MAX_DAYS};
/// Ids per `IN (…)` list: well under both engines' limits on bound parameters.
const CHUNK: usize = 1_000;

fn day_of(t: DateTime<Utc>) -> String {
    crate::time::to_vn(t).format("%Y-%m-%d").to_string()
}

/// Where one day's rows come from.
enum Part {
    /// A closed day: its rows are read from what was frozen, when asked for.
    Frozen { day: String, rows: usize },
    /// An open day: its rows as the records stand, and the adjustments that land on it.
    Live(Vec<ReconRow>),
}

/// A report's plan: its header and totals, and where each day's rows come from.
pub struct Plan {
    ward_id: i64,
    ward: ward::Model,
    range: DayRange,
    parts: Vec<Part>,
    totals: BTreeMap<RecState, ReconTotal>,
    total_due: i64,
    total_received: i64,
    covered: Vec<(String, String)>,
}

/// Totals of a set of rows, by state (count and amounts), with the report's two sums.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DayTotals {
    pub by_state: Vec<ReconTotal>,
    pub total_due: i64,
    pub total_received: i64,
}

impl DayTotals {
    pub fn of(rows: &[ReconRow]) -> DayTotals {
        let mut t = BTreeMap::new();
        let (mut due, mut received) = (0, 0);
        for r in rows {
            add_row(&mut t, r);
            if r.source == "payment_request" {
                due += r.amount_due;
            }
            received += r.amount_received;
        }
        DayTotals { by_state: t.into_values().collect(), total_due: due, total_received: received }
    }
}

fn add_row(t: &mut BTreeMap<RecState, ReconTotal>, r: &ReconRow) {
    let e = t.entry(r.state).or_insert(ReconTotal { state: r.state, count: 0, amount_due: 0, amount_received: 0 });
    e.count += 1;
    e.amount_due += r.amount_due;
    e.amount_received += r.amount_received;
}

/// Plans the report of ward `ward_id` over `range`.
///
/// A closed day is read as it was frozen at its close, so its report never changes
/// afterwards. A later change to one of its rows (an exception resolved, a statement's
/// verdict, a late payment) lands in the first open day after it as adjustment rows that
/// name the day they correct; when that day closes, its frozen report keeps them.
pub async fn plan(db: &impl ConnectionTrait, ward_id: i64, range: DayRange) -> Result<Plan, BackendError> {
    let w = ward::Entity::find_by_id(ward_id).one(db).await?.ok_or(BackendError::NotFound("ward"))?;
    let key = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
    let frozen = closed::frozen_days(db, ward_id, range.from - chrono::Duration::days(closed::LOOKBACK_DAYS), range.to).await?;
    let days: Vec<NaiveDate> = range.from.iter_days().take_while(|d| *d <= range.to).collect();
    let open: Vec<NaiveDate> = days.iter().copied().filter(|d| !frozen.contains_key(&key(*d))).collect();
    let mut live_by_day: BTreeMap<String, Vec<ReconRow>> = BTreeMap::new();
    if let (Some(first), Some(last)) = (open.first(), open.last()) {
        let (rows, _) = live::live_rows(db, ward_id, DayRange { from: *first, to: *last }).await?;
        for r in rows {
            if !frozen.contains_key(&r.day) {
                live_by_day.entry(r.day.clone()).or_default().push(r);
            }
        }
        for adj in closed::pending_adjustments(db, ward_id, &frozen, range.to).await? {
            if adj.day >= key(range.from) {
                live_by_day.entry(adj.day.clone()).or_default().push(adj);
            }
        }
    }
    let mut totals: BTreeMap<RecState, ReconTotal> = BTreeMap::new();
    let (mut total_due, mut total_received) = (0, 0);
    let mut parts = Vec::with_capacity(days.len());
    for d in &days {
        let k = key(*d);
        if let Some(f) = frozen.get(&k) {
            for t in &f.totals.by_state {
                let e = totals.entry(t.state).or_insert(ReconTotal { state: t.state, count: 0, amount_due: 0, amount_received: 0 });
                e.count += t.count;
                e.amount_due += t.amount_due;
                e.amount_received += t.amount_received;
            }
            total_due += f.totals.total_due;
            total_received += f.totals.total_received;
            parts.push(Part::Frozen { day: k, rows: f.row_count });
        } else {
            let rows = live_by_day.remove(&k).unwrap_or_default();
            let t = DayTotals::of(&rows);
            for r in &rows {
                add_row(&mut totals, r);
            }
            total_due += t.total_due;
            total_received += t.total_received;
            parts.push(Part::Live(rows));
        }
    }
    let covered = live::statement_spans(db, ward_id, range).await?;
    Ok(Plan { ward_id, ward: w, range, parts, totals, total_due, total_received, covered })
}

impl Plan {
    pub fn ward_id(&self) -> i64 {
        self.ward_id
    }

    pub fn row_count(&self) -> usize {
        self.parts
            .iter()
            .map(|p| match p {
                Part::Frozen { rows, .. } => *rows,
                Part::Live(r) => r.len(),
            })
            .sum()
    }

    /// How many days (parts) the report has; [`Plan::day_rows`] reads one.
    pub fn days(&self) -> usize {
        self.parts.len()
    }

    /// The rows of the `i`-th day of the range.
    pub async fn day_rows(&self, db: &impl ConnectionTrait, i: usize) -> Result<Vec<ReconRow>, BackendError> {
        match self.parts.get(i) {
            Some(Part::Frozen { day, .. }) => closed::frozen_rows(db, self.ward_id, day).await,
            Some(Part::Live(rows)) => Ok(rows.clone()),
            None => Ok(Vec::new()),
        }
    }

    /// Rows `offset .. offset + limit` in report order; only the days they fall in are read.
    pub async fn rows(&self, db: &impl ConnectionTrait, offset: usize, limit: usize) -> Result<Vec<ReconRow>, BackendError> {
        let mut out = Vec::new();
        let mut at = 0usize;
        for (i, p) in self.parts.iter().enumerate() {
            let n = match p {
                Part::Frozen { rows, .. } => *rows,
                Part::Live(r) => r.len(),
            };
            if at + n > offset && out.len() < limit {
                let rows = self.day_rows(db, i).await?;
                let skip = offset.saturating_sub(at);
                out.extend(rows.into_iter().skip(skip).take(limit - out.len()));
            }
            at += n;
            if out.len() >= limit {
                break;
            }
        }
        Ok(out)
    }

    /// The report with `rows` (a page starting at `offset`, or all of them).
    pub fn report(&self, rows: Vec<ReconRow>, offset: usize) -> ReconReport {
        let key = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
        ReconReport {
            ward_code: self.ward.code.clone(),
            ward_name: self.ward.name.clone(),
            collection_account: self.ward.bank_account.clone(),
            from: key(self.range.from),
            to: key(self.range.to),
            totals: self.totals.values().cloned().collect(),
            total_due: self.total_due,
            total_received: self.total_received,
            statements: self.covered.clone(),
            row_count: self.row_count(),
            offset,
            rows,
        }
    }
}

/// Rows of one counter, officer or procedure only (all of them when empty).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RowFilter {
    /// The counter's number.
    pub counter: Option<i32>,
    /// Who made the request (or resolved the exception).
    pub officer: Option<String>,
    /// The procedure's name, exactly as the row shows it.
    pub procedure: Option<String>,
}

impl RowFilter {
    /// From the page's or a script's text fields (empty means no filter).
    pub fn parse(counter: Option<String>, officer: Option<String>, procedure: Option<String>) -> Result<RowFilter, BackendError> {
        let text = |s: Option<String>| s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
        let counter = match text(counter) {
            None => None,
            Some(c) => Some(
                c.parse::<i32>().map_err(|_| BackendError::invalid("counter", format!("{c:?}: số quầy là một số (a counter number)")))?,
            ),
        };
        Ok(RowFilter { counter, officer: text(officer), procedure: text(procedure) })
    }

    pub fn is_empty(&self) -> bool {
        self.counter.is_none() && self.officer.is_none() && self.procedure.is_none()
    }

    pub fn keeps(&self, r: &ReconRow) -> bool {
        self.counter.is_none_or(|c| r.counter == Some(c))
            && self.officer.as_deref().is_none_or(|o| r.officer.as_deref() == Some(o))
            && self.procedure.as_deref().is_none_or(|p| r.procedure.as_deref() == Some(p))
    }
}

/// The report of the rows `filter` keeps, rows `offset .. offset + limit`, totals over all
/// the kept rows. The days are read one at a time (only the page's rows are kept), since a
/// filtered view has no frozen totals of its own.
pub async fn report_filtered(
    db: &impl ConnectionTrait,
    ward_id: i64,
    range: DayRange,
    filter: &RowFilter,
    offset: usize,
    limit: usize,
) -> Result<ReconReport, BackendError> {
    let p = plan(db, ward_id, range).await?;
    p.filtered(db, filter, offset, limit).await
}

impl Plan {
    /// The report of the rows `filter` keeps (see [`report_filtered`]).
    pub async fn filtered(
        &self,
        db: &impl ConnectionTrait,
        filter: &RowFilter,
        offset: usize,
        limit: usize,
    ) -> Result<ReconReport, BackendError> {
        if filter.is_empty() {
            let rows = self.rows(db, offset, limit).await?;
            return Ok(self.report(rows, offset));
        }
        let p = self;
        let mut totals: BTreeMap<RecState, ReconTotal> = BTreeMap::new();
        let (mut due, mut received, mut count) = (0, 0, 0usize);
        let mut page = Vec::new();
        for i in 0..p.days() {
            for r in p.day_rows(db, i).await?.into_iter().filter(|r| filter.keeps(r)) {
                add_row(&mut totals, &r);
                if r.source == "payment_request" {
                    due += r.amount_due;
                }
                received += r.amount_received;
                if count >= offset && page.len() < limit {
                    page.push(r);
                }
                count += 1;
            }
        }
        let mut report = p.report(page, offset);
        report.totals = totals.into_values().collect();
        report.total_due = due;
        report.total_received = received;
        report.row_count = count;
        Ok(report)
    }
}

/// The whole report of ward `ward_id` over `range`, every row (for a day or a month; a
/// longer range is better read a page at a time with [`report_page`]).
pub async fn report(db: &impl ConnectionTrait, ward_id: i64, range: DayRange) -> Result<ReconReport, BackendError> {
    let p = plan(db, ward_id, range).await?;
    let rows = p.rows(db, 0, usize::MAX).await?;
    Ok(p.report(rows, 0))
}

/// The report with rows `offset .. offset + limit` only; totals cover the whole range.
pub async fn report_page(
    db: &impl ConnectionTrait,
    ward_id: i64,
    range: DayRange,
    offset: usize,
    limit: usize,
) -> Result<ReconReport, BackendError> {
    let p = plan(db, ward_id, range).await?;
    let rows = p.rows(db, offset, limit).await?;
    Ok(p.report(rows, offset))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-30T10:00:00+07:00").expect("time").with_timezone(&Utc)
    }

    #[test]
    fn ranges_are_checked() {
        assert!(DayRange::parse("2026-11-01", "2026-11-30", now()).is_ok());
        assert!(DayRange::parse("2026-11-30", "2026-11-01", now()).is_err(), "inverted");
        assert!(DayRange::parse("2026-11-01", "2026-12-01", now()).is_err(), "the future");
        assert!(DayRange::parse("2025-01-01", "2026-11-30", now()).is_err(), "more than a year");
        assert!(DayRange::parse("30/11/2026", "2026-11-30", now()).is_err(), "not YYYY-MM-DD");
    }

    #[test]
    fn a_range_covers_whole_vietnam_days() {
        let r = DayRange::parse("2026-11-30", "2026-11-30", now()).expect("range");
        let (a, b) = r.bounds();
        assert_eq!(a.to_rfc3339(), "2026-11-29T17:00:00+00:00");
        assert_eq!((b - a).num_hours(), 24);
    }
}
