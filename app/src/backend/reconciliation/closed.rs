//! Closed days: their reconciliation as frozen at the close, and the adjustments later
//! changes owe them.
//!
//! A closed day owes adjustments only if something about it changed after its close: a
//! request of that day changed state, an exception of that day was resolved, or a bank
//! statement covering it was imported. Only such days are computed again and compared
//! with what the books hold for them (the frozen rows plus the adjustments already frozen
//! into later days), per row and state: every real row has a non-zero amount, so a state's
//! sum says whether the row is in it. A changed state comes out as the old state reversed
//! and the new one in full, a changed amount as the difference; each lands in the first
//! open day after the day it corrects.

use super::{live, DayRange, DayTotals};
use crate::backend::entity::{day_adjustment, day_report};
use crate::backend::BackendError;
use crate::domain::reconciliation::RecState;
use crate::model::ReconRow;
use chrono::{NaiveDate, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use std::collections::BTreeMap;

/// How far back a correction of a closed day is looked for.
pub(super) const LOOKBACK_DAYS: i64 = 62;

/// A closed day as frozen (without its rows, which are read only when shown).
pub(super) struct FrozenDay {
    pub row_count: usize,
    pub totals: DayTotals,
}

fn key(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn bad(e: serde_json::Error) -> BackendError {
    BackendError::invalid("day_report", e.to_string())
}

/// The ward's closed days from `from` to `to`.
pub(super) async fn frozen_days(
    db: &impl ConnectionTrait,
    ward_id: i64,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<BTreeMap<String, FrozenDay>, BackendError> {
    let rows: Vec<(String, i64, String)> = day_report::Entity::find()
        .select_only()
        .column(day_report::Column::Day)
        .column(day_report::Column::RowCount)
        .column(day_report::Column::Totals)
        .filter(day_report::Column::WardId.eq(ward_id))
        .filter(day_report::Column::Day.gte(key(from)))
        .filter(day_report::Column::Day.lte(key(to)))
        .into_tuple()
        .all(db)
        .await?;
    rows.into_iter()
        .map(|(day, n, totals)| {
            let totals: DayTotals = serde_json::from_str(&totals).map_err(bad)?;
            Ok((day, FrozenDay { row_count: usize::try_from(n).unwrap_or(0), totals }))
        })
        .collect()
}

/// A closed day's rows as frozen, adjustments that landed on it included.
pub(super) async fn frozen_rows(db: &impl ConnectionTrait, ward_id: i64, day: &str) -> Result<Vec<ReconRow>, BackendError> {
    let f = day_report::Entity::find()
        .filter(day_report::Column::WardId.eq(ward_id))
        .filter(day_report::Column::Day.eq(day))
        .one(db)
        .await?
        .ok_or(BackendError::NotFound("day report"))?;
    serde_json::from_str(&f.rows).map_err(bad)
}

/// The ward's closed days from `from` to `to` that something changed about after their
/// close: a request of the day changed state, an exception of the day was resolved, or a
/// statement covering the day was imported. One query per kind of change, each a join of
/// the frozen days' bounds with the ward's rows of those days.
async fn changed_after_close(
    db: &impl ConnectionTrait,
    ward_id: i64,
    from: &str,
    to: &str,
) -> Result<std::collections::BTreeSet<String>, BackendError> {
    let backend = db.get_database_backend();
    let p = |i: usize| {
        if backend == sea_orm::DbBackend::Postgres {
            format!("${i}")
        } else {
            "?".to_string()
        }
    };
    let queries = [
        format!(
            "SELECT DISTINCT d.day AS day FROM day_report d JOIN payment_request r ON r.ward_id = d.ward_id \
             AND r.created_at >= d.day_start AND r.created_at < d.day_end AND r.state_changed_at > d.created_at \
             WHERE d.ward_id = {} AND d.day >= {} AND d.day <= {}",
            p(1),
            p(2),
            p(3)
        ),
        format!(
            "SELECT DISTINCT d.day AS day FROM day_report d JOIN bank_exception e ON e.ward_id = d.ward_id \
             AND e.created_at >= d.day_start AND e.created_at < d.day_end AND e.resolved_at > d.created_at \
             WHERE d.ward_id = {} AND d.day >= {} AND d.day <= {}",
            p(1),
            p(2),
            p(3)
        ),
        format!(
            "SELECT DISTINCT d.day AS day FROM day_report d JOIN statement_import s ON s.ward_id = d.ward_id \
             AND s.first_day <= d.day AND s.last_day >= d.day AND s.imported_at > d.created_at \
             WHERE d.ward_id = {} AND d.day >= {} AND d.day <= {}",
            p(1),
            p(2),
            p(3)
        ),
    ];
    let mut out = std::collections::BTreeSet::new();
    for sql in queries {
        let stmt = sea_orm::Statement::from_sql_and_values(backend, sql, [ward_id.into(), from.into(), to.into()]);
        for row in db.query_all_raw(stmt).await? {
            out.insert(row.try_get::<String>("", "day")?);
        }
    }
    Ok(out)
}

/// What the books hold for closed `day`: its frozen rows, then the adjustments frozen into
/// later days that correct it.
async fn booked(db: &impl ConnectionTrait, ward_id: i64, day: &str) -> Result<Vec<ReconRow>, BackendError> {
    let mut rows: Vec<ReconRow> = frozen_rows(db, ward_id, day).await?.into_iter().filter(|r| r.adjusts.is_none()).collect();
    for a in day_adjustment::Entity::find()
        .filter(day_adjustment::Column::WardId.eq(ward_id))
        .filter(day_adjustment::Column::CorrectsDay.eq(day))
        .order_by_asc(day_adjustment::Column::Id)
        .all(db)
        .await?
    {
        rows.push(serde_json::from_str(&a.row).map_err(bad)?);
    }
    Ok(rows)
}

/// The adjustments closed days owe, each dated the first open day after the day it
/// corrects (none lands after `last`).
pub(super) async fn pending_adjustments(
    db: &impl ConnectionTrait,
    ward_id: i64,
    frozen: &BTreeMap<String, FrozenDay>,
    last: NaiveDate,
) -> Result<Vec<ReconRow>, BackendError> {
    let first_open_after = |d: &str| -> Option<String> {
        let mut next = NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()?.succ_opt()?;
        while next <= last {
            if !frozen.contains_key(&key(next)) {
                return Some(key(next));
            }
            next = next.succ_opt()?;
        }
        None
    };
    let (Some(first), Some(last_frozen)) = (frozen.keys().next(), frozen.keys().next_back()) else {
        return Ok(Vec::new());
    };
    let changed = changed_after_close(db, ward_id, first, last_frozen).await?;
    let mut out = Vec::new();
    for day in &changed {
        let Some(lands) = first_open_after(day) else { continue };
        let Ok(d) = NaiveDate::parse_from_str(day, "%Y-%m-%d") else {
            continue;
        };
        let (now, _) = live::live_rows(db, ward_id, DayRange { from: d, to: d }).await?;
        let was = booked(db, ward_id, day).await?;
        out.extend(diff(day, &lands, &was, &now));
    }
    Ok(out)
}

type Key = ((String, Option<i64>, Option<i64>), RecState);

fn sums(rows: &[ReconRow]) -> BTreeMap<Key, (i64, i64, &ReconRow)> {
    let mut m: BTreeMap<Key, (i64, i64, &ReconRow)> = BTreeMap::new();
    for r in rows {
        let e = m.entry(((r.source.clone(), r.payment_request_id, r.notification_id), r.state)).or_insert((0, 0, r));
        e.0 += r.amount_due;
        e.1 += r.amount_received;
    }
    m
}

/// The adjustment rows that take `was` (the books) to `now` (the records) for `day`,
/// dated `lands`: reversals first, then additions.
fn diff(day: &str, lands: &str, was: &[ReconRow], now: &[ReconRow]) -> Vec<ReconRow> {
    let (was, now) = (sums(was), sums(now));
    let mut keys: Vec<&Key> = now.keys().chain(was.keys()).collect();
    keys.sort();
    keys.dedup();
    let (mut reversals, mut additions) = (Vec::new(), Vec::new());
    for k in keys {
        let (due0, rec0) = was.get(k).map_or((0, 0), |e| (e.0, e.1));
        let (due1, rec1) = now.get(k).map_or((0, 0), |e| (e.0, e.1));
        let (due, received) = (due1 - due0, rec1 - rec0);
        if due == 0 && received == 0 {
            continue;
        }
        let Some(template) = now.get(k).or_else(|| was.get(k)).map(|e| e.2) else {
            continue;
        };
        let row = ReconRow {
            day: lands.to_string(),
            amount_due: due,
            amount_received: received,
            difference: received - due,
            adjusts: Some(day.to_string()),
            ..template.clone()
        };
        if due < 0 || received < 0 {
            reversals.push(row);
        } else {
            additions.push(row);
        }
    }
    reversals.extend(additions);
    reversals
}

/// Freezes the report of `day` as it stands, with the adjustments landing on it, and the
/// day's statistics (called in the day-close transaction).
pub async fn freeze_day(db: &impl ConnectionTrait, ward_id: i64, day: NaiveDate) -> Result<(), BackendError> {
    let p = super::plan(db, ward_id, DayRange { from: day, to: day }).await?;
    let rows = p.rows(db, 0, usize::MAX).await?;
    let now = Utc::now();
    for a in rows.iter().filter(|r| r.adjusts.is_some()) {
        day_adjustment::Entity::insert(day_adjustment::ActiveModel {
            ward_id: Set(ward_id),
            corrects_day: Set(a.adjusts.clone().unwrap_or_default()),
            lands_day: Set(key(day)),
            row: Set(serde_json::to_string(a).map_err(bad)?),
            ..Default::default()
        })
        .exec_without_returning(db)
        .await?;
    }
    let (day_start, day_end) = crate::time::vn_day_bounds(&key(day)).ok_or_else(|| BackendError::invalid("day", "not a day"))?;
    let stats = crate::backend::trends::day_tally(db, ward_id, day).await?;
    day_report::Entity::insert(day_report::ActiveModel {
        ward_id: Set(ward_id),
        day: Set(key(day)),
        day_start: Set(day_start),
        day_end: Set(day_end),
        row_count: Set(rows.len() as i64),
        totals: Set(serde_json::to_string(&DayTotals::of(&rows)).map_err(bad)?),
        rows: Set(serde_json::to_string(&rows).map_err(bad)?),
        stats: Set(serde_json::to_string(&stats).map_err(bad)?),
        created_at: Set(now),
        ..Default::default()
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(state: RecState, pr: i64, due: i64, received: i64) -> ReconRow {
        ReconRow {
            state,
            source: "payment_request".into(),
            day: "2026-11-01".into(),
            at: "2026-11-01T02:00:00+00:00".into(),
            counter: Some(1),
            dossier_code: None,
            procedure: None,
            payer: None,
            payment_code: None,
            amount_due: due,
            amount_received: received,
            difference: received - due,
            method: None,
            provider: None,
            bank_reference: None,
            received_at: None,
            receipt: None,
            officer: None,
            payment_request_id: Some(pr),
            notification_id: None,
            adjusts: None,
        }
    }

    #[test]
    fn a_changed_state_is_reversed_and_booked_anew_and_an_unchanged_row_owes_nothing() {
        let was = vec![row(RecState::Unpaid, 1, 10_000, 0), row(RecState::Matched, 2, 5_000, 5_000)];
        let now = vec![row(RecState::StatementOnly, 1, 10_000, 10_000), row(RecState::Matched, 2, 5_000, 5_000)];
        let adj = diff("2026-11-01", "2026-11-03", &was, &now);
        assert_eq!(adj.len(), 2);
        assert_eq!((adj[0].state, adj[0].amount_due, adj[0].amount_received), (RecState::Unpaid, -10_000, 0));
        assert_eq!((adj[1].state, adj[1].amount_due, adj[1].amount_received), (RecState::StatementOnly, 10_000, 10_000));
        assert!(adj.iter().all(|a| a.day == "2026-11-03" && a.adjusts.as_deref() == Some("2026-11-01")));
        // Once the books hold the adjustment, nothing more is owed.
        let mut books = was.clone();
        books.extend(adj);
        assert!(diff("2026-11-01", "2026-11-04", &books, &now).is_empty());
    }

    #[test]
    fn a_changed_amount_owes_its_difference() {
        let adj = diff("2026-11-01", "2026-11-02", &[row(RecState::Under, 1, 10_000, 4_000)], &[row(RecState::Under, 1, 10_000, 6_000)]);
        assert_eq!(adj.len(), 1);
        assert_eq!((adj[0].amount_due, adj[0].amount_received, adj[0].difference), (0, 2_000, 2_000));
    }
}
