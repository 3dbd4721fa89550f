//! The reconciliation report (báo cáo đối soát) of a ward over a range of Vietnam calendar
//! days: one row per payment request with the notification that paid it and its receipt,
//! and one per bank notification that did not simply pay one (the exception queue's money).
//! Each row's state comes from `domain::reconciliation`; totals are by state, by count and
//! amount. The same report serves the page, the CSV download and `wardpay report`.

use super::entity::{bank_exception, bank_notification, counter, dossier, payment_request, receipt, ward};
use super::BackendError;
use crate::domain::mask;
use crate::domain::payment::PaymentState;
use crate::domain::reconciliation::{exception_state, request_state, RecState, RequestFacts};
use crate::model::{ReconReport, ReconRow, ReconTotal};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use std::collections::HashMap;

/// The longest range one report covers.
pub const MAX_DAYS: i64 = 366;
/// Ids per `IN (…)` list: well under both engines' limits on bound parameters.
const CHUNK: usize = 1_000;

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

    /// The UTC instants `[start, end)` the range covers.
    pub fn bounds(&self) -> (DateTime<Utc>, DateTime<Utc>) {
        let start = |d: NaiveDate| {
            crate::time::vn_day_bounds(&d.format("%Y-%m-%d").to_string()).map(|b| b.0).unwrap_or_default()
        };
        (start(self.from), start(self.to) + chrono::Duration::days(1))
    }
}

fn day_of(t: DateTime<Utc>) -> String {
    crate::time::to_vn(t).format("%Y-%m-%d").to_string()
}

/// The report of ward `ward_id` over `range`.
pub async fn report(db: &impl ConnectionTrait, ward_id: i64, range: DayRange) -> Result<ReconReport, BackendError> {
    let w = ward::Entity::find_by_id(ward_id).one(db).await?.ok_or(BackendError::NotFound("ward"))?;
    let (start, end) = range.bounds();
    let counters: HashMap<i64, i32> = counter::Entity::find()
        .filter(counter::Column::WardId.eq(ward_id))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c.number))
        .collect();

    // Requests the screens showed (drafts nobody issued are not money matters).
    let requests = payment_request::Entity::find()
        .filter(payment_request::Column::WardId.eq(ward_id))
        .filter(payment_request::Column::CreatedAt.gte(start))
        .filter(payment_request::Column::CreatedAt.lt(end))
        .filter(
            Condition::any()
                .add(payment_request::Column::IssuedAt.is_not_null())
                .add(payment_request::Column::PaidAt.is_not_null()),
        )
        .order_by_asc(payment_request::Column::CreatedAt)
        .order_by_asc(payment_request::Column::Id)
        .all(db)
        .await?;
    let mut dossiers = HashMap::new();
    let mut receipts = HashMap::new();
    let mut paying: HashMap<i64, bank_notification::Model> = HashMap::new();
    let mut resolutions: HashMap<i64, Option<String>> = HashMap::new();
    for chunk in requests.chunks(CHUNK) {
        let ids: Vec<i64> = chunk.iter().map(|p| p.id).collect();
        let dossier_ids: Vec<i64> = chunk.iter().map(|p| p.dossier_id).collect();
        for d in dossier::Entity::find().filter(dossier::Column::Id.is_in(dossier_ids)).all(db).await? {
            dossiers.insert(d.id, d);
        }
        for r in receipt::Entity::find().filter(receipt::Column::PaymentRequestId.is_in(ids.clone())).all(db).await? {
            receipts.insert(r.payment_request_id, r);
        }
        let linked = bank_notification::Entity::find().filter(bank_notification::Column::PaymentRequestId.is_in(ids)).all(db).await?;
        let linked_ids: Vec<i64> = linked.iter().map(|n| n.id).collect();
        for e in bank_exception::Entity::find().filter(bank_exception::Column::NotificationId.is_in(linked_ids)).all(db).await? {
            resolutions.insert(e.notification_id, e.resolution);
        }
        for n in linked {
            // The notification that paid the request: matched at once, booked as assisted,
            // or an exception a supervisor resolved into this request.
            let pays = matches!(n.outcome.as_str(), "matched" | "assisted")
                || matches!(resolutions.get(&n.id), Some(Some(r)) if r == "assigned" || r == "accepted_late");
            if pays {
                if let Some(pr_id) = n.payment_request_id {
                    paying.insert(pr_id, n);
                }
            }
        }
    }

    let mut rows = Vec::with_capacity(requests.len());
    for pr in &requests {
        let state = PaymentState::parse(&pr.state).unwrap_or(PaymentState::Draft);
        let n = paying.get(&pr.id);
        let rec = request_state(RequestFacts {
            settled: state.is_settled(),
            method: pr.method.as_deref(),
            paying_outcome: n.map(|n| n.outcome.as_str()),
        });
        let d = dossiers.get(&pr.dossier_id);
        let received = if state.is_settled() { pr.amount_received.unwrap_or(pr.amount) } else { 0 };
        rows.push(ReconRow {
            state: rec,
            source: "payment_request".into(),
            day: day_of(pr.created_at),
            at: pr.created_at.to_rfc3339(),
            counter: counters.get(&pr.counter_id).copied(),
            dossier_code: d.map(|d| d.code.clone()),
            procedure: d.map(|d| d.procedure_name.clone()),
            payer: d.map(|d| mask::mask_name(&d.applicant_name)),
            payment_code: Some(pr.payment_code.clone()),
            amount_due: pr.amount,
            amount_received: received,
            difference: if rec == RecState::Unpaid { 0 } else { received - pr.amount },
            method: pr.method.clone(),
            provider: n.map(|n| n.provider.clone()),
            bank_reference: n.and_then(|n| n.bank_reference.clone()).or_else(|| pr.bank_ref.clone()),
            received_at: n.map(|n| n.received_at.to_rfc3339()).or_else(|| pr.paid_at.map(|t| t.to_rfc3339())),
            receipt: receipts.get(&pr.id).map(super::receipts::label),
            officer: Some(pr.created_by.clone()),
            payment_request_id: Some(pr.id),
            notification_id: n.map(|n| n.id),
        });
    }

    // Money that did not simply pay a request: the exception queue of the range, except what
    // a person booked onto a request (that money is in the request's row above).
    let exceptions = bank_exception::Entity::find()
        .filter(bank_exception::Column::WardId.eq(ward_id))
        .filter(bank_exception::Column::CreatedAt.gte(start))
        .filter(bank_exception::Column::CreatedAt.lt(end))
        .filter(
            Condition::any()
                .add(bank_exception::Column::Resolution.is_null())
                .add(bank_exception::Column::Resolution.is_not_in(["assigned", "accepted_late", "assisted"])),
        )
        .order_by_asc(bank_exception::Column::CreatedAt)
        .order_by_asc(bank_exception::Column::Id)
        .all(db)
        .await?;
    let mut due_of: HashMap<i64, payment_request::Model> = HashMap::new();
    let mut notes: HashMap<i64, bank_notification::Model> = HashMap::new();
    for chunk in exceptions.chunks(CHUNK) {
        let n_ids: Vec<i64> = chunk.iter().map(|e| e.notification_id).collect();
        for n in bank_notification::Entity::find().filter(bank_notification::Column::Id.is_in(n_ids)).all(db).await? {
            notes.insert(n.id, n);
        }
        let pr_ids: Vec<i64> = chunk.iter().filter_map(|e| e.payment_request_id).collect();
        for pr in payment_request::Entity::find().filter(payment_request::Column::Id.is_in(pr_ids)).all(db).await? {
            due_of.insert(pr.id, pr);
        }
    }
    let mut missing_dossiers: Vec<i64> = due_of.values().map(|p| p.dossier_id).filter(|id| !dossiers.contains_key(id)).collect();
    missing_dossiers.sort_unstable();
    missing_dossiers.dedup();
    for chunk in missing_dossiers.chunks(CHUNK) {
        for d in dossier::Entity::find().filter(dossier::Column::Id.is_in(chunk.to_vec())).all(db).await? {
            dossiers.insert(d.id, d);
        }
    }
    for e in &exceptions {
        let rec = exception_state(&e.kind, e.resolution.as_deref());
        let n = notes.get(&e.notification_id);
        let pr = e.payment_request_id.and_then(|id| due_of.get(&id));
        let d = pr.and_then(|p| dossiers.get(&p.dossier_id));
        // What this money was for: the rest of an underpayment, or nothing at all.
        let due = match rec {
            RecState::Under | RecState::Over => pr.map_or(0, |p| p.amount),
            _ => 0,
        };
        rows.push(ReconRow {
            state: rec,
            source: "notification".into(),
            day: day_of(e.created_at),
            at: e.created_at.to_rfc3339(),
            counter: pr.and_then(|p| counters.get(&p.counter_id).copied()),
            dossier_code: d.map(|d| d.code.clone()),
            procedure: d.map(|d| d.procedure_name.clone()),
            payer: d.map(|d| mask::mask_name(&d.applicant_name)),
            payment_code: pr.map(|p| p.payment_code.clone()),
            amount_due: due,
            amount_received: e.amount,
            difference: e.amount - due,
            method: None,
            provider: n.map(|n| n.provider.clone()),
            bank_reference: n.and_then(|n| n.bank_reference.clone().or_else(|| Some(n.provider_txn_id.clone()))),
            received_at: n.map(|n| n.received_at.to_rfc3339()),
            receipt: None,
            officer: e.resolved_by.clone(),
            payment_request_id: e.payment_request_id,
            notification_id: Some(e.notification_id),
        });
    }
    rows.sort_by(|a, b| a.at.cmp(&b.at).then(a.source.cmp(&b.source)));

    let mut totals: Vec<ReconTotal> = Vec::new();
    for state in RecState::ALL {
        let of_state = rows.iter().filter(|r| r.state == state);
        let (count, due, received) = of_state.fold((0, 0, 0), |(c, d, r), row| (c + 1, d + row.amount_due, r + row.amount_received));
        if count > 0 {
            totals.push(ReconTotal { state, count, amount_due: due, amount_received: received });
        }
    }
    Ok(ReconReport {
        ward_code: w.code,
        ward_name: w.name,
        collection_account: w.bank_account,
        from: range.from.format("%Y-%m-%d").to_string(),
        to: range.to.format("%Y-%m-%d").to_string(),
        total_due: rows.iter().filter(|r| r.source == "payment_request").map(|r| r.amount_due).sum(),
        total_received: rows.iter().map(|r| r.amount_received).sum(),
        totals,
        rows,
    })
}

/// The report as CSV for a spreadsheet: UTF-8 with a byte-order mark (so Excel reads the
/// Vietnamese right), a header row, one line per row, then one total line per state.
pub fn to_csv(r: &ReconReport) -> String {
    fn field(s: &str) -> String {
        // Quote every text field; a leading = + - @ is prefixed so no cell runs as a formula.
        let s = if s.starts_with(['=', '+', '-', '@']) { format!("'{s}") } else { s.to_string() };
        format!("\"{}\"", s.replace('"', "\"\""))
    }
    let opt = |s: &Option<String>| field(s.as_deref().unwrap_or(""));
    let mut out = String::from("\u{feff}");
    out.push_str("Ngày,Trạng thái,state,Quầy,Mã hồ sơ,Thủ tục,Người nộp,Mã thanh toán,Phải thu,Đã nhận,Chênh lệch,Hình thức,Nguồn,Mã giao dịch,Thời điểm nhận,Biên lai,Cán bộ\r\n");
    for row in &r.rows {
        let cols = [
            field(&row.day),
            field(row.state.label_vi()),
            field(row.state.as_str()),
            row.counter.map(|c| c.to_string()).unwrap_or_default(),
            opt(&row.dossier_code),
            opt(&row.procedure),
            opt(&row.payer),
            opt(&row.payment_code),
            row.amount_due.to_string(),
            row.amount_received.to_string(),
            row.difference.to_string(),
            opt(&row.method),
            opt(&row.provider),
            opt(&row.bank_reference),
            opt(&row.received_at),
            opt(&row.receipt),
            opt(&row.officer),
        ];
        out.push_str(&cols.join(","));
        out.push_str("\r\n");
    }
    for t in &r.totals {
        out.push_str(&format!(
            "{},{},{},,,,,,{},{},{},,,,,,\r\n",
            field("Tổng"),
            field(t.state.label_vi()),
            field(t.state.as_str()),
            t.amount_due,
            t.amount_received,
            t.amount_received - t.amount_due,
        ));
    }
    out
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
