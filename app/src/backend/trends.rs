//! Statistics over time for the supervisor: a day's tally is computed from that day's
//! records (a few hundred rows), or read as frozen when the day closed; a range of days is
//! then rolled up by day, ISO week or month, and by counter, procedure or officer
//! (`domain::trends`). A year is 365 small frozen tallies, never a year of rows.

use super::day_range::DayRange;
use super::entity::{bank_exception, counter, day_report, dossier, fee_line, payment_request};
use super::BackendError;
use crate::domain::payment::{PaymentMethod, PaymentState};
use crate::domain::trends::{roll_up, Bucket, DayTally, GroupBy, Tally};
use crate::model::{TrendReport, TrendRow};
use chrono::NaiveDate;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use std::collections::{BTreeMap, HashMap, HashSet};

/// Ids per `IN (…)` list.
const CHUNK: usize = 1_000;

/// The tally of ward `ward_id` on `day`, from its records as they stand.
pub async fn day_tally(db: &impl ConnectionTrait, ward_id: i64, day: NaiveDate) -> Result<DayTally, BackendError> {
    let key = day.format("%Y-%m-%d").to_string();
    let (start, end) = crate::time::vn_day_bounds(&key).ok_or_else(|| BackendError::invalid("day", "not a day"))?;
    let counters: HashMap<i64, i32> =
        counter::Entity::find().filter(counter::Column::WardId.eq(ward_id)).all(db).await?.into_iter().map(|c| (c.id, c.number)).collect();
    let dossiers = dossier::Entity::find()
        .filter(dossier::Column::WardId.eq(ward_id))
        .filter(dossier::Column::CreatedAt.gte(start))
        .filter(dossier::Column::CreatedAt.lt(end))
        .all(db)
        .await?;
    let mut exempt: HashSet<i64> = HashSet::new();
    for chunk in dossiers.chunks(CHUNK) {
        let ids: Vec<i64> = chunk.iter().map(|d| d.id).collect();
        let rows: Vec<i64> = fee_line::Entity::find()
            .select_only()
            .column(fee_line::Column::DossierId)
            .filter(fee_line::Column::DossierId.is_in(ids))
            .filter(fee_line::Column::ExemptReason.is_not_null())
            .into_tuple()
            .all(db)
            .await?;
        exempt.extend(rows);
    }
    let requests = payment_request::Entity::find()
        .filter(payment_request::Column::WardId.eq(ward_id))
        .filter(payment_request::Column::CreatedAt.gte(start))
        .filter(payment_request::Column::CreatedAt.lt(end))
        .all(db)
        .await?;
    let exceptions = bank_exception::Entity::find()
        .filter(bank_exception::Column::WardId.eq(ward_id))
        .filter(bank_exception::Column::CreatedAt.gte(start))
        .filter(bank_exception::Column::CreatedAt.lt(end))
        .all(db)
        .await?;

    // Where each dossier's figures go besides the ward's total.
    struct Keys {
        counter: String,
        procedure: String,
        officer: String,
    }
    let keys: HashMap<i64, Keys> = dossiers
        .iter()
        .map(|d| {
            let counter = counters.get(&d.counter_id).map_or_else(|| format!("#{}", d.counter_id), |n| format!("Quầy {n}"));
            (d.id, Keys { counter, procedure: d.procedure_name.clone(), officer: d.created_by.clone() })
        })
        .collect();
    let mut t = DayTally::default();
    let mut apply = |dossier_id: Option<i64>, f: &dyn Fn(&mut Tally)| {
        f(&mut t.total);
        if let Some(k) = dossier_id.and_then(|id| keys.get(&id)) {
            f(t.by_counter.entry(k.counter.clone()).or_default());
            f(t.by_procedure.entry(k.procedure.clone()).or_default());
            f(t.by_officer.entry(k.officer.clone()).or_default());
        }
    };
    for d in &dossiers {
        let (free, ex) = (d.total == 0, exempt.contains(&d.id));
        apply(Some(d.id), &|x: &mut Tally| {
            x.dossiers += 1;
            x.free += i64::from(free);
            x.exempt += i64::from(ex);
        });
    }
    for pr in &requests {
        let state = PaymentState::parse(&pr.state);
        let method = pr.method.as_deref().and_then(PaymentMethod::parse);
        let received = pr.amount_received.unwrap_or(pr.amount);
        let wait = match (pr.issued_at, pr.paid_at) {
            (Some(a), Some(b)) => Some((b - a).num_seconds()),
            _ => None,
        };
        apply(Some(pr.dossier_id), &|x: &mut Tally| match state {
            Some(PaymentState::Paid | PaymentState::ReceiptIssued) => {
                x.collected += received;
                match method {
                    Some(PaymentMethod::Assisted) => x.paid_assisted += 1,
                    Some(PaymentMethod::Cash) => x.paid_cash += 1,
                    _ => x.paid_qr += 1,
                }
                if let Some(w) = wait {
                    x.add_wait(w);
                }
            }
            Some(PaymentState::Expired) => x.expired += 1,
            Some(PaymentState::Cancelled) => x.cancelled += 1,
            _ => {}
        });
    }
    let dossier_of: HashMap<i64, i64> = requests.iter().map(|p| (p.id, p.dossier_id)).collect();
    for e in &exceptions {
        let kind = e.kind.clone();
        apply(e.payment_request_id.and_then(|id| dossier_of.get(&id).copied()), &|x: &mut Tally| {
            *x.exceptions.entry(kind.clone()).or_default() += 1;
        });
    }
    Ok(t)
}

/// The ward's statistics over `range`, by `bucket`, split by `by`.
pub async fn report(
    db: &impl ConnectionTrait,
    ward_id: i64,
    range: DayRange,
    bucket: Bucket,
    by: GroupBy,
) -> Result<TrendReport, BackendError> {
    let key = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
    let frozen: Vec<(String, String)> = day_report::Entity::find()
        .select_only()
        .column(day_report::Column::Day)
        .column(day_report::Column::Stats)
        .filter(day_report::Column::WardId.eq(ward_id))
        .filter(day_report::Column::Day.gte(key(range.from)))
        .filter(day_report::Column::Day.lte(key(range.to)))
        .into_tuple()
        .all(db)
        .await?;
    let mut tallies: BTreeMap<NaiveDate, DayTally> = BTreeMap::new();
    for (d, stats) in frozen {
        let (Ok(day), Ok(t)) = (NaiveDate::parse_from_str(&d, "%Y-%m-%d"), serde_json::from_str::<DayTally>(&stats)) else { continue };
        tallies.insert(day, t);
    }
    for d in range.from.iter_days().take_while(|d| *d <= range.to) {
        if let std::collections::btree_map::Entry::Vacant(slot) = tallies.entry(d) {
            slot.insert(day_tally(db, ward_id, d).await?);
        }
    }
    let (buckets, groups, total) = roll_up(tallies.iter().map(|(d, t)| (*d, t)), bucket, by);
    Ok(TrendReport {
        from: key(range.from),
        to: key(range.to),
        bucket: bucket.as_str().into(),
        by: by.as_str().into(),
        buckets: buckets.into_iter().map(|(k, t)| row(k, &t)).collect(),
        groups: groups.into_iter().map(|(k, t)| row(k, &t)).collect(),
        total: row("total".into(), &total),
    })
}

fn row(key: String, t: &Tally) -> TrendRow {
    TrendRow {
        key,
        dossiers: t.dossiers,
        free: t.free,
        exempt: t.exempt,
        paid_qr: t.paid_qr,
        paid_assisted: t.paid_assisted,
        paid_cash: t.paid_cash,
        collected: t.collected,
        expired: t.expired,
        cancelled: t.cancelled,
        cashless_permille: t.cashless_permille(),
        exceptions: t.exceptions.iter().map(|(k, v)| (k.clone(), *v)).collect(),
        wait_p50_secs: t.wait_quantile(0.5),
        wait_p90_secs: t.wait_quantile(0.9),
    }
}
