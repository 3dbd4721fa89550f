//! Money that reaches a payment request by bank transfer, in parts or with a surplus.
//!
//! The shared state machine decides what a transfer does ([`PaymentState::credit`]); this
//! module books it: a part leaves the request `PartiallyPaid` with a fresh code for the rest
//! (same request, same payment code, the amount still missing), the transfer that reaches
//! the sum pays the request and issues its receipt, and a surplus becomes a refund request
//! with the transfer as its evidence (cancelling a partly paid request sends the parts back:
//! `refunds::refund_parts_on_cancel`). Everything happens in the caller's transaction; the
//! caller tells the change feed after commit.

use super::entity::{bank_notification, payment_request, ward};
use super::payments::{self, state_of, transition};
use super::refunds;
use super::BackendError;
use crate::domain::payment::{PaymentEvent, PaymentMethod, PaymentState};
use chrono::{Duration, Utc};
use sea_orm::{DatabaseTransaction, EntityTrait, Set};

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
    refunds::refund_transfer(txn, pr, n, surplus, reason, "system").await
}
