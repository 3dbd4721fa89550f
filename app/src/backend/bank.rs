//! Bank notifications: persist, deduplicate and match them to payment requests.
//!
//! Called by the server's intake for a batch of already-authenticated notifications, inside
//! one transaction (group commit); nothing is acknowledged before that transaction commits.
//! A payment is never lost, counted twice or silently assigned: a transfer naming a payable
//! code of the ward's account is booked to it (a part, the whole, or the whole and a surplus
//! that goes to refunds); anything else becomes an exception record for people to resolve.

use super::entity::{bank_exception, bank_notification, payment_request, ward};
use super::transfers::{self, Received};
use super::BackendError;
pub use crate::domain::exception_kind::ExceptionKind;
use crate::domain::payment::PaymentState;
use bankfeed::{Direction, Notification};
use chrono::Utc;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, Set};

/// One notification to record, with the evidence received.
pub struct Incoming {
    pub notification: Notification,
    pub raw_body: String,
    pub headers_json: String,
    pub source: Source,
}

/// How WardPay learnt of a transfer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// The provider pushed it.
    Webhook,
    /// WardPay read it from the provider's query API.
    Poll,
    /// Only a bank statement showed it.
    Statement,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Webhook => "webhook",
            Source::Poll => "poll",
            Source::Statement => "statement",
        }
    }
}

/// What matching needs to know of a transfer, whoever reported it.
pub struct Transfer {
    /// Payment codes found in its texts, the first issued one wins.
    pub codes: Vec<String>,
    pub account_number: String,
    pub virtual_account: Option<String>,
    pub amount: i64,
    /// The reference booked on the request: the bank's, or the provider's id.
    pub booked_reference: Option<String>,
}

impl From<&Notification> for Transfer {
    fn from(n: &Notification) -> Transfer {
        Transfer {
            codes: n.payment_codes().iter().map(|c| c.as_str().to_string()).collect(),
            account_number: n.account_number.clone(),
            virtual_account: n.virtual_account.clone(),
            amount: n.amount_vnd,
            booked_reference: n.bank_reference.clone().or_else(|| Some(format!("{}:{}", n.provider.as_str(), n.provider_txn_id))),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Paid the request; its counter's screens must change.
    Matched {
        counter_id: i64,
    },
    /// Paid part of the request, which now waits for the rest; its screens must change.
    Part {
        counter_id: i64,
    },
    Exception {
        kind: ExceptionKind,
        ward_id: Option<i64>,
        counter_id: Option<i64>,
    },
    /// Seen before (same provider transaction id): nothing changed.
    Duplicate,
    /// Money going out, or a provider's test call: kept, not booked.
    Ignored,
}

impl Outcome {
    fn label(&self) -> &'static str {
        match self {
            Outcome::Matched { .. } => "matched",
            Outcome::Part { .. } => super::received::PART,
            Outcome::Exception { kind, .. } => kind.as_str(),
            Outcome::Duplicate => "duplicate",
            Outcome::Ignored => "ignored",
        }
    }
}

/// Records one notification in `txn` and applies it.
pub async fn record(txn: &DatabaseTransaction, inc: &Incoming) -> Result<Outcome, BackendError> {
    let n = &inc.notification;
    // The same bank transfer told by another source (the poller's id for it can differ from
    // the webhook's; a statement has only the bank's reference) is one payment.
    if let Some(reference) = &n.bank_reference {
        let seen = bank_notification::Entity::find()
            .filter(bank_notification::Column::BankReference.eq(reference.clone()))
            .filter(bank_notification::Column::AccountNumber.eq(n.account_number.clone()))
            .filter(bank_notification::Column::Source.ne(inc.source.as_str()))
            .one(txn)
            .await?;
        if seen.is_some() {
            return Ok(Outcome::Duplicate);
        }
    }
    let now = Utc::now();
    let row = bank_notification::ActiveModel {
        provider: Set(n.provider.as_str().into()),
        provider_txn_id: Set(n.provider_txn_id.clone()),
        bank_reference: Set(n.bank_reference.clone()),
        raw_body: Set(inc.raw_body.clone()),
        headers: Set(inc.headers_json.clone()),
        received_at: Set(now),
        amount: Set(n.amount_vnd),
        account_number: Set(n.account_number.clone()),
        content: Set(n.content.clone()),
        payment_request_id: Set(None),
        outcome: Set("pending".into()),
        source: Set(inc.source.as_str().into()),
        ..Default::default()
    };
    // The unique (provider, transaction id) index decides duplicates, even between two
    // copies of one notification in flight at once. One statement: the insert either
    // returns the new id or inserts nothing.
    let inserted = bank_notification::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([bank_notification::Column::Provider, bank_notification::Column::ProviderTxnId]).do_nothing().to_owned(),
        )
        .exec(txn)
        .await;
    let id = match inserted {
        Ok(r) => r.last_insert_id,
        Err(sea_orm::DbErr::RecordNotInserted) => return Ok(Outcome::Duplicate),
        Err(e) => return Err(e.into()),
    };
    let (outcome, request_id) =
        if n.direction == Direction::Out || n.is_test { (Outcome::Ignored, None) } else { apply(txn, &Transfer::from(n), id).await? };
    set_outcome(txn, id, &outcome, request_id).await?;
    Ok(outcome)
}

async fn set_outcome(txn: &DatabaseTransaction, id: i64, outcome: &Outcome, request_id: Option<i64>) -> Result<(), BackendError> {
    bank_notification::Entity::update_many()
        .col_expr(bank_notification::Column::Outcome, Expr::value(outcome.label()))
        .col_expr(bank_notification::Column::PaymentRequestId, Expr::value(request_id))
        .filter(bank_notification::Column::Id.eq(id))
        .exec(txn)
        .await?;
    Ok(())
}

/// Records a credit that only a bank statement showed, as notification evidence with
/// source `statement`, and matches it like any other (it can still pay its dossier).
/// `provider` is the export's provider, or `bank` for the bank's own file; `txn_id` is
/// unique for that provider. Returns the outcome and the notification's id.
#[allow(clippy::too_many_arguments)]
pub async fn record_statement_credit(
    txn: &DatabaseTransaction,
    provider: &str,
    txn_id: &str,
    transfer: &Transfer,
    bank_reference: Option<String>,
    content: &str,
    evidence: serde_json::Value,
) -> Result<(Outcome, i64), BackendError> {
    let row = bank_notification::ActiveModel {
        provider: Set(provider.into()),
        provider_txn_id: Set(txn_id.into()),
        bank_reference: Set(bank_reference),
        raw_body: Set(evidence.to_string()),
        headers: Set("{}".into()),
        received_at: Set(Utc::now()),
        amount: Set(transfer.amount),
        account_number: Set(transfer.account_number.clone()),
        content: Set(content.into()),
        payment_request_id: Set(None),
        outcome: Set("pending".into()),
        source: Set(Source::Statement.as_str().into()),
        ..Default::default()
    };
    let id = bank_notification::Entity::insert(row).exec(txn).await?.last_insert_id;
    let (outcome, request_id) = apply(txn, transfer, id).await?;
    set_outcome(txn, id, &outcome, request_id).await?;
    Ok((outcome, id))
}

async fn apply(txn: &DatabaseTransaction, n: &Transfer, notification_id: i64) -> Result<(Outcome, Option<i64>), BackendError> {
    let request = if n.codes.is_empty() {
        None
    } else {
        payment_request::Entity::find().filter(payment_request::Column::PaymentCode.is_in(n.codes.clone())).one(txn).await?
    };
    let Some(pr) = request else {
        let ward_id = ward_of_account(txn, &n.account_number).await?;
        return Ok((exception(txn, ExceptionKind::UnknownCode, ward_id, None, notification_id, n.amount).await?, None));
    };
    let w = ward::Entity::find_by_id(pr.ward_id).one(txn).await?.ok_or(BackendError::NotFound("ward"))?;
    let account_ok = n.account_number == w.bank_account || n.virtual_account.as_deref() == Some(w.bank_account.as_str());
    let kind = if !account_ok {
        Some(ExceptionKind::WrongAccount)
    } else {
        match PaymentState::parse(&pr.state) {
            Some(PaymentState::QrIssued) if pr.expires_at.is_some_and(|e| e <= Utc::now()) => Some(ExceptionKind::Late),
            // Any amount: a part waits for the rest, a surplus goes to refunds. A partly
            // paid request takes the rest even after its code for the rest ran out: it is
            // still waiting for exactly that money.
            Some(PaymentState::QrIssued | PaymentState::PartiallyPaid) => None,
            Some(PaymentState::Expired) => Some(ExceptionKind::Late),
            Some(PaymentState::Cancelled) | Some(PaymentState::Draft) => Some(ExceptionKind::AfterCancel),
            _ => Some(ExceptionKind::AlreadyPaid),
        }
    };
    if let Some(kind) = kind {
        let o = exception(txn, kind, Some(pr.ward_id), Some(&pr), notification_id, n.amount).await?;
        return Ok((o, Some(pr.id)));
    }
    match transfers::receive(txn, &pr, n.amount, n.booked_reference.clone(), notification_id).await {
        Ok(Received::Part { .. }) => Ok((Outcome::Part { counter_id: pr.counter_id }, Some(pr.id))),
        Ok(Received::Paid { .. }) => Ok((Outcome::Matched { counter_id: pr.counter_id }, Some(pr.id))),
        // An officer changed the request a moment before: record it for people to look at.
        Err(BackendError::Conflict(_)) => {
            let o = exception(txn, ExceptionKind::AfterCancel, Some(pr.ward_id), Some(&pr), notification_id, n.amount).await?;
            Ok((o, Some(pr.id)))
        }
        Err(e) => Err(e),
    }
}

async fn ward_of_account(txn: &DatabaseTransaction, account: &str) -> Result<Option<i64>, BackendError> {
    Ok(ward::Entity::find().filter(ward::Column::BankAccount.eq(account)).one(txn).await?.map(|w| w.id))
}

async fn exception(
    txn: &DatabaseTransaction,
    kind: ExceptionKind,
    ward_id: Option<i64>,
    pr: Option<&payment_request::Model>,
    notification_id: i64,
    amount: i64,
) -> Result<Outcome, BackendError> {
    let row = bank_exception::ActiveModel {
        ward_id: Set(ward_id),
        notification_id: Set(notification_id),
        payment_request_id: Set(pr.map(|p| p.id)),
        kind: Set(kind.as_str().into()),
        amount: Set(amount),
        status: Set("open".into()),
        created_at: Set(Utc::now()),
        ..Default::default()
    };
    bank_exception::Entity::insert(row).exec_without_returning(txn).await?;
    tracing::warn!(kind = kind.as_str(), notification_id, "bank notification needs a person");
    Ok(Outcome::Exception { kind, ward_id, counter_id: pr.map(|p| p.counter_id) })
}
