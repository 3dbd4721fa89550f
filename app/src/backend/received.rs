//! What a payment request has received by bank transfer: the parts booked to it before it
//! was paid, as the receipt lists them. A leaf the money modules share (it imports none).

use super::entity::{bank_notification, payment_request};
use super::BackendError;
use crate::domain::payment::PaymentState;
use crate::model::ReceiptTransfer;
use chrono::Utc;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder};

/// What the request's code asks for now: the whole amount, or after parts the rest.
pub fn still_due(pr: &payment_request::Model) -> i64 {
    if pr.state == PaymentState::PartiallyPaid.as_str() {
        pr.amount - pr.amount_received.unwrap_or(0)
    } else {
        pr.amount
    }
}

/// The outcome label of a notification that paid part of a request.
pub const PART: &str = "partial";

/// The parts booked to `pr` before it was paid, oldest first.
pub async fn parts_of(txn: &impl ConnectionTrait, request_id: i64) -> Result<Vec<bank_notification::Model>, BackendError> {
    Ok(bank_notification::Entity::find()
        .filter(bank_notification::Column::PaymentRequestId.eq(request_id))
        .filter(bank_notification::Column::Outcome.eq(PART))
        .order_by_asc(bank_notification::Column::ReceivedAt)
        .order_by_asc(bank_notification::Column::Id)
        .all(txn)
        .await?)
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
