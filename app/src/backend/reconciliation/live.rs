//! The report's rows as the records stand now: one per payment request shown on a screen,
//! with the notification that paid it and its receipt, and one per bank notification that
//! did not simply pay one; each row's state from `domain::reconciliation`, with the
//! ward's bank statements taken into account.

use super::{day_of, DayRange, CHUNK};
use crate::backend::days::BookingWindow;
use crate::backend::entity::{
    bank_exception, bank_notification, counter, dossier, payment_request, receipt, refund, statement_import, statement_line,
};
use crate::backend::{refunds, BackendError};
use crate::domain::mask;
use crate::domain::payment::PaymentState;
use crate::domain::reconciliation::{combined_record, exception_state, request_state, with_statement, BankRecord, RecState, RequestFacts};
use crate::domain::refund::RefundOrigin;
use crate::model::ReconRow;
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use std::collections::HashMap;

/// The rows of ward `ward_id` over `range` as the records stand now, and the day spans of
/// the statements that overlap it.
pub(super) async fn live_rows(
    db: &impl ConnectionTrait,
    ward_id: i64,
    range: DayRange,
) -> Result<(Vec<ReconRow>, Vec<(String, String)>), BackendError> {
    let (start, end) = range.bounds();
    let counters: HashMap<i64, i32> =
        counter::Entity::find().filter(counter::Column::WardId.eq(ward_id)).all(db).await?.into_iter().map(|c| (c.id, c.number)).collect();

    // Requests the screens showed (drafts nobody issued are not money matters).
    let requests = payment_request::Entity::find()
        .filter(payment_request::Column::WardId.eq(ward_id))
        .filter(payment_request::Column::CreatedAt.gte(start))
        .filter(payment_request::Column::CreatedAt.lt(end))
        .filter(Condition::any().add(payment_request::Column::IssuedAt.is_not_null()).add(payment_request::Column::PaidAt.is_not_null()))
        .order_by_asc(payment_request::Column::CreatedAt)
        .order_by_asc(payment_request::Column::Id)
        .all(db)
        .await?;
    let mut dossiers = HashMap::new();
    let mut receipts = HashMap::new();
    // The transfers booked to each request, oldest first (a request paid in parts has several).
    let mut paying: HashMap<i64, Vec<bank_notification::Model>> = HashMap::new();
    let mut resolutions: HashMap<i64, Option<String>> = HashMap::new();
    for chunk in requests.chunks(CHUNK) {
        let ids: Vec<i64> = chunk.iter().map(|p| p.id).collect();
        let dossier_ids: Vec<i64> = chunk.iter().map(|p| p.dossier_id).collect();
        for d in dossier::Entity::find().filter(dossier::Column::Id.is_in(dossier_ids)).all(db).await? {
            dossiers.insert(d.id, d);
        }
        // Oldest first: a replacement receipt, issued later, is the one that stands.
        for r in receipt::Entity::find()
            .filter(receipt::Column::PaymentRequestId.is_in(ids.clone()))
            .order_by_asc(receipt::Column::Id)
            .all(db)
            .await?
        {
            receipts.insert(r.payment_request_id, r);
        }
        let linked = bank_notification::Entity::find()
            .filter(bank_notification::Column::PaymentRequestId.is_in(ids))
            .order_by_asc(bank_notification::Column::ReceivedAt)
            .order_by_asc(bank_notification::Column::Id)
            .all(db)
            .await?;
        let linked_ids: Vec<i64> = linked.iter().map(|n| n.id).collect();
        for e in bank_exception::Entity::find().filter(bank_exception::Column::NotificationId.is_in(linked_ids)).all(db).await? {
            resolutions.insert(e.notification_id, e.resolution);
        }
        for n in linked {
            // The notifications that paid the request: matched at once, parts that added up,
            // booked as assisted, or an exception a supervisor resolved into this request.
            let pays = matches!(n.outcome.as_str(), "matched" | "assisted" | "partial")
                || matches!(resolutions.get(&n.id), Some(Some(r)) if r == "assigned" || r == "accepted_late");
            if pays {
                if let Some(pr_id) = n.payment_request_id {
                    paying.entry(pr_id).or_default().push(n);
                }
            }
        }
    }

    // What the ward's statements say: the days they cover, and the lines tied to the
    // notifications behind the rows (loaded with the exceptions' below).
    let covered = statement_spans(db, ward_id, range).await?;
    let exceptions = exceptions_of(db, ward_id, start, end).await?;
    let mut notes: HashMap<i64, bank_notification::Model> = HashMap::new();
    for chunk in exceptions.chunks(CHUNK) {
        let n_ids: Vec<i64> = chunk.iter().map(|e| e.notification_id).collect();
        for n in bank_notification::Entity::find().filter(bank_notification::Column::Id.is_in(n_ids)).all(db).await? {
            notes.insert(n.id, n);
        }
    }
    let mut on_statement: HashMap<i64, i64> = HashMap::new();
    if !covered.is_empty() {
        let ids: Vec<i64> = paying.values().flatten().chain(notes.values()).map(|n| n.id).collect();
        for chunk in ids.chunks(CHUNK) {
            for l in statement_line::Entity::find().filter(statement_line::Column::NotificationId.is_in(chunk.to_vec())).all(db).await? {
                if let Some(n) = l.notification_id {
                    on_statement.insert(n, l.amount);
                }
            }
        }
    }
    let bank_record = |n: &bank_notification::Model| {
        if n.source == "statement" {
            return BankRecord::OnlyOnStatement;
        }
        if on_statement.get(&n.id) == Some(&n.amount) {
            return BankRecord::Confirmed;
        }
        let day = day_of(n.received_at);
        if covered.iter().any(|(a, b)| *a <= day && day <= *b) {
            BankRecord::Missing
        } else {
            BankRecord::NotChecked
        }
    };

    let mut rows = Vec::with_capacity(requests.len());
    for pr in &requests {
        let state = PaymentState::parse(&pr.state).unwrap_or(PaymentState::Draft);
        let transfers = paying.get(&pr.id).map(Vec::as_slice).unwrap_or_default();
        // The last transfer stands for the row (provider, time); the references of all show.
        let n = transfers.last();
        // Settled: what was booked; otherwise the parts that came (waiting for the rest, or
        // going back after a cancel).
        let received = if state.is_settled() {
            pr.amount_received.unwrap_or(pr.amount)
        } else {
            transfers.iter().filter(|n| n.outcome == crate::backend::received::PART).map(|n| n.amount).sum()
        };
        let rec = request_state(RequestFacts {
            settled: state.is_settled(),
            method: pr.method.as_deref(),
            paying_outcome: n.map(|n| n.outcome.as_str()),
            partly_paid: state == PaymentState::PartiallyPaid,
            due: pr.amount,
            received,
        });
        let records: Vec<BankRecord> = transfers.iter().map(&bank_record).collect();
        let rec = if transfers.is_empty() { rec } else { with_statement(rec, combined_record(&records)) };
        let d = dossiers.get(&pr.dossier_id);
        let references: Vec<String> = transfers.iter().filter_map(|n| n.bank_reference.clone()).collect();
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
            // Nothing is due on money that goes back (as on a refunded exception's row).
            amount_due: if rec == RecState::Refunded { 0 } else { pr.amount },
            amount_received: received,
            difference: match rec {
                RecState::Unpaid => 0,
                RecState::Refunded => received,
                _ => received - pr.amount,
            },
            method: pr.method.clone(),
            provider: n.map(|n| n.provider.clone()),
            bank_reference: Some(references.join(", ")).filter(|r| !r.is_empty()).or_else(|| pr.bank_ref.clone()),
            received_at: n.map(|n| n.received_at.to_rfc3339()).or_else(|| pr.paid_at.map(|t| t.to_rfc3339())),
            receipt: receipts.get(&pr.id).map(crate::backend::receipts::label),
            officer: Some(pr.created_by.clone()),
            payment_request_id: Some(pr.id),
            notification_id: n.map(|n| n.id),
            adjusts: None,
        });
    }

    let mut due_of: HashMap<i64, payment_request::Model> = HashMap::new();
    for chunk in exceptions.chunks(CHUNK) {
        let pr_ids: Vec<i64> = chunk.iter().filter_map(|e| e.payment_request_id).collect();
        for pr in payment_request::Entity::find().filter(payment_request::Column::Id.is_in(pr_ids)).all(db).await? {
            due_of.insert(pr.id, pr);
        }
    }
    let missing_dossiers = distinct(due_of.values().map(|p| p.dossier_id).filter(|id| !dossiers.contains_key(id)));
    for chunk in missing_dossiers.chunks(CHUNK) {
        for d in dossier::Entity::find().filter(dossier::Column::Id.is_in(chunk.to_vec())).all(db).await? {
            dossiers.insert(d.id, d);
        }
    }
    for e in &exceptions {
        let n = notes.get(&e.notification_id);
        let kind_state = exception_state(&e.kind, e.resolution.as_deref());
        let rec = n.map_or(kind_state, |n| with_statement(kind_state, bank_record(n)));
        let pr = e.payment_request_id.and_then(|id| due_of.get(&id));
        let d = pr.and_then(|p| dossiers.get(&p.dossier_id));
        // What this money was for: the rest of an underpayment, or nothing at all.
        // (Decided by the exception's own kind: the statement's verdict does not change what
        // the money was due for.)
        let due = match kind_state {
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
            adjusts: None,
        });
    }
    rows.extend(revenue_refund_rows(db, ward_id, range, &counters).await?);
    rows.sort_by(|a, b| a.at.cmp(&b.at).then(a.source.cmp(&b.source)));
    Ok((rows, covered))
}

/// Revenue given back (a refund against a receipt, paid): a row of its own on the day it
/// was booked, with the money going out of the collection account as a negative amount
/// received, so that a range's received total is what the ward kept. (Money that never
/// became revenue is refunded on its exception's row instead.)
async fn revenue_refund_rows(
    db: &impl ConnectionTrait,
    ward_id: i64,
    range: DayRange,
    counters: &HashMap<i64, i32>,
) -> Result<Vec<ReconRow>, BackendError> {
    let window = BookingWindow::load(db, ward_id, range.from, range.to).await?;
    let paid: Vec<refund::Model> = refunds::paid_between(db, ward_id, window.start, window.end)
        .await?
        .into_iter()
        .filter(|r| r.origin == RefundOrigin::Receipt.as_str())
        .filter(|r| r.paid_at.is_some_and(|at| window.holds(at)))
        .collect();
    // What each refund gave back: its receipt, request and dossier, in three lookups by id
    // lists whatever the number of refunds.
    let mut receipts = HashMap::new();
    for chunk in distinct(paid.iter().filter_map(|r| r.receipt_id)).chunks(CHUNK) {
        for rc in receipt::Entity::find().filter(receipt::Column::Id.is_in(chunk.to_vec())).all(db).await? {
            receipts.insert(rc.id, rc);
        }
    }
    let request_of =
        |r: &refund::Model| r.payment_request_id.or(r.receipt_id.and_then(|id| receipts.get(&id)).map(|c| c.payment_request_id));
    let mut requests = HashMap::new();
    for chunk in distinct(paid.iter().filter_map(request_of)).chunks(CHUNK) {
        for pr in payment_request::Entity::find().filter(payment_request::Column::Id.is_in(chunk.to_vec())).all(db).await? {
            requests.insert(pr.id, pr);
        }
    }
    let mut dossiers = HashMap::new();
    for chunk in distinct(requests.values().map(|p| p.dossier_id)).chunks(CHUNK) {
        for d in dossier::Entity::find().filter(dossier::Column::Id.is_in(chunk.to_vec())).all(db).await? {
            dossiers.insert(d.id, d);
        }
    }
    let mut rows = Vec::with_capacity(paid.len());
    for r in &paid {
        let Some(paid_at) = r.paid_at else { continue };
        let rc = r.receipt_id.and_then(|id| receipts.get(&id));
        let pr_id = request_of(r);
        let pr = pr_id.and_then(|id| requests.get(&id));
        let d = pr.and_then(|p| dossiers.get(&p.dossier_id));
        rows.push(ReconRow {
            state: RecState::Refunded,
            source: "refund".into(),
            day: window.day_of(paid_at).format("%Y-%m-%d").to_string(),
            at: paid_at.to_rfc3339(),
            counter: pr.and_then(|p| counters.get(&p.counter_id).copied()),
            dossier_code: d.map(|d| d.code.clone()),
            procedure: d.map(|d| d.procedure_name.clone()),
            payer: d.map(|d| mask::mask_name(&d.applicant_name)),
            payment_code: pr.map(|p| p.payment_code.clone()),
            amount_due: 0,
            amount_received: -r.amount,
            difference: -r.amount,
            method: None,
            provider: None,
            bank_reference: r.bank_reference.clone(),
            received_at: Some(paid_at.to_rfc3339()),
            receipt: rc.map(crate::backend::receipts::label),
            officer: Some(r.requested_by.clone()),
            payment_request_id: pr_id,
            notification_id: None,
            adjusts: None,
        });
    }
    Ok(rows)
}

/// The ids, once each, in order.
fn distinct(ids: impl Iterator<Item = i64>) -> Vec<i64> {
    let mut ids: Vec<i64> = ids.collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// Money that did not simply pay a request: the exception queue of the range, except what
/// a person booked onto a request (that money is in the request's row).
async fn exceptions_of(
    db: &impl ConnectionTrait,
    ward_id: i64,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<Vec<bank_exception::Model>, BackendError> {
    Ok(bank_exception::Entity::find()
        .filter(bank_exception::Column::WardId.eq(ward_id))
        .filter(bank_exception::Column::CreatedAt.gte(start))
        .filter(bank_exception::Column::CreatedAt.lt(end))
        .filter(Condition::any().add(bank_exception::Column::Resolution.is_null()).add(bank_exception::Column::Resolution.is_not_in([
            "assigned",
            "accepted_late",
            "assisted",
        ])))
        .order_by_asc(bank_exception::Column::CreatedAt)
        .order_by_asc(bank_exception::Column::Id)
        .all(db)
        .await?)
}

/// The day spans (first, last) of the ward's statements that overlap `range`.
pub(super) async fn statement_spans(
    db: &impl ConnectionTrait,
    ward_id: i64,
    range: DayRange,
) -> Result<Vec<(String, String)>, BackendError> {
    Ok(statement_import::Entity::find()
        .filter(statement_import::Column::WardId.eq(ward_id))
        .filter(statement_import::Column::FirstDay.lte(range.to.format("%Y-%m-%d").to_string()))
        .filter(statement_import::Column::LastDay.gte(range.from.format("%Y-%m-%d").to_string()))
        .all(db)
        .await?
        .into_iter()
        .map(|i| (i.first_day, i.last_day))
        .collect())
}
