//! Money that reaches a payment request by bank transfer, in parts or with a surplus.
//!
//! The shared state machine decides what a transfer does ([`PaymentState::credit`]); this
//! module books it: a part leaves the request `PartiallyPaid` with a fresh code for the rest
//! (same request, same payment code, the amount still missing), the transfer that reaches
//! the sum pays the request and issues its receipt, and a surplus becomes a refund request
//! with the transfer as its evidence. Cancelling a partly paid request asks for the money
//! received back. Everything happens in the caller's transaction; screens are pushed by the
//! caller after commit.

use super::entity::{bank_notification, payment_request, ward};
use super::payments::{self, state_of, transition};
use super::refunds::{self, NewRefund};
use super::BackendError;
use crate::domain::payment::{PaymentEvent, PaymentMethod, PaymentState};
use crate::domain::refund::RefundOrigin;
use crate::model::ReceiptTransfer;
use chrono::{Duration, Utc};
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, Set};

/// The outcome label of a notification that paid part of a request.
pub const PART: &str = "partial";

/// What a transfer did to its request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Received {
    /// Less than what was missing: the request waits for the rest.
    Part { missing: i64 },
    /// The request is paid and its receipt issued; `surplus` went to refunds.
    Paid { surplus: i64 },
}

/// How long a code for the rest stays payable: as long as the code it replaces was given.
/// Every code is written by a transition that also stamps `state_changed_at`, so the two
/// together give that code's lifetime (the first code's, or a renewed one's).
fn code_lifetime(pr: &payment_request::Model) -> Duration {
    match pr.expires_at {
        Some(expires) if expires > pr.state_changed_at => expires - pr.state_changed_at,
        _ => Duration::minutes(10),
    }
}

/// Books transfer `notification_id` of `amount` to `pr` (a payable code of the right ward's
/// account, checked by the caller).
pub async fn receive(
    txn: &DatabaseTransaction,
    pr: &payment_request::Model,
    amount: i64,
    bank_ref: Option<String>,
    notification_id: i64,
) -> Result<Received, BackendError> {
    let state = state_of(pr)?;
    let before = if state == PaymentState::PartiallyPaid { pr.amount_received.unwrap_or(0) } else { 0 };
    let credited = state.credit(pr.amount, before, amount).map_err(|e| BackendError::Conflict(e.to_string()))?;
    if credited.next == PaymentState::PartiallyPaid {
        let w = ward::Entity::find_by_id(pr.ward_id).one(txn).await?.ok_or(BackendError::NotFound("ward"))?;
        let payload = payments::qr_payload(txn, &w, pr, credited.missing).await?;
        let now = Utc::now();
        let expires = now + code_lifetime(pr);
        let note = format!("đã nhận {} đồng, còn thiếu {} đồng", credited.received, credited.missing);
        transition(txn, pr, PaymentEvent::ReceivePart, "bank", Some(note), |am| {
            am.amount_received = Set(Some(credited.received));
            am.qr_payload = Set(Some(payload));
            am.expires_at = Set(Some(expires));
        })
        .await?;
        return Ok(Received::Part { missing: credited.missing });
    }
    let pay = PaymentEvent::Pay(PaymentMethod::QrTransfer);
    payments::settle(txn, pr, pay, PaymentMethod::QrTransfer, credited.received, bank_ref, None, "bank").await?;
    if credited.surplus > 0 {
        refund_surplus(txn, pr, notification_id, credited.surplus).await?;
    }
    Ok(Received::Paid { surplus: credited.surplus })
}

/// The part of a transfer above what was due is not revenue: a refund request for it, with
/// the transfer as evidence, waits for a person to approve (another person pays it out).
async fn refund_surplus(
    txn: &DatabaseTransaction,
    pr: &payment_request::Model,
    notification_id: i64,
    surplus: i64,
) -> Result<(), BackendError> {
    let n = bank_notification::Entity::find_by_id(notification_id).one(txn).await?.ok_or(BackendError::NotFound("bank notification"))?;
    let reason = format!(
        "Chuyển thừa {surplus} đồng so với số phải nộp {} đồng (mã {}): hoàn phần thừa cho người nộp (surplus above the amount due)",
        pr.amount, pr.payment_code
    );
    insert_refund(txn, pr, n, surplus, reason, "system").await
}

/// `amount` of transfer `n` goes back; the request records the whole transfer as received.
async fn insert_refund(
    txn: &DatabaseTransaction,
    pr: &payment_request::Model,
    n: bank_notification::Model,
    amount: i64,
    reason: String,
    actor: &str,
) -> Result<(), BackendError> {
    let refund = NewRefund {
        ward_id: pr.ward_id,
        origin: RefundOrigin::Exception,
        exception_id: None,
        receipt_id: None,
        payment_request_id: Some(pr.id),
        received: n.amount,
        notification: Some(n),
        amount,
        reason,
    };
    refunds::insert_request(txn, refund, actor).await.map(|_| ())
}

/// The parts booked to `pr` before it was paid, oldest first.
async fn parts_of(txn: &impl sea_orm::ConnectionTrait, request_id: i64) -> Result<Vec<bank_notification::Model>, BackendError> {
    Ok(bank_notification::Entity::find()
        .filter(bank_notification::Column::PaymentRequestId.eq(request_id))
        .filter(bank_notification::Column::Outcome.eq(PART))
        .order_by_asc(bank_notification::Column::ReceivedAt)
        .order_by_asc(bank_notification::Column::Id)
        .all(txn)
        .await?)
}

/// A partly paid request was cancelled by `actor`: every part received goes back to its
/// payer through a refund request another person approves.
pub async fn refund_parts_on_cancel(txn: &DatabaseTransaction, pr: &payment_request::Model, actor: &str) -> Result<(), BackendError> {
    for n in parts_of(txn, pr.id).await? {
        let reason = format!(
            "Hồ sơ huỷ khi mới nhận một phần ({} đồng, mã {}): hoàn cho người nộp (a partly paid request was cancelled)",
            n.amount, pr.payment_code
        );
        let amount = n.amount;
        insert_refund(txn, pr, n, amount, reason, actor).await?;
    }
    Ok(())
}

/// The transfers a receipt lists for `pr`, paid now with `received` in all and the last
/// transfer's reference `last_ref`: every part and the last transfer, when there was more
/// than one or they came to more than the amount; otherwise none (the receipt's own
/// reference says it all).
pub async fn receipt_transfers(
    txn: &DatabaseTransaction,
    pr: &payment_request::Model,
    received: i64,
    last_ref: Option<&str>,
) -> Result<Vec<ReceiptTransfer>, BackendError> {
    let parts = parts_of(txn, pr.id).await?;
    if parts.is_empty() && received <= pr.amount {
        return Ok(Vec::new());
    }
    let before: i64 = parts.iter().map(|n| n.amount).sum();
    let mut list: Vec<ReceiptTransfer> = parts
        .iter()
        .map(|n| ReceiptTransfer {
            reference: n.bank_reference.clone().or_else(|| Some(format!("{}:{}", n.provider, n.provider_txn_id))),
            amount: n.amount,
            received_at: n.received_at.to_rfc3339(),
        })
        .collect();
    list.push(ReceiptTransfer { reference: last_ref.map(str::to_string), amount: received - before, received_at: Utc::now().to_rfc3339() });
    Ok(list)
}
