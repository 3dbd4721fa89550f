//! What the city's portal hears of its dossiers: their payment status as the API reports
//! it, and the callbacks queued (an outbox row in the paying transaction) when one is paid.
//! The paying path calls [`enqueue_if_dvc`]; this module needs nothing of it in return.

use super::entity::{counter, dossier, dvc_outbox, fee_item, fee_line, payment_request, receipt, ward};
use super::{receipts, BackendError};
use crate::domain::dossier_source::Source;
use crate::domain::payment::PaymentState;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use serde::{Deserialize, Serialize};

/// The actor name of a portal key: `dvc:<key id>`.
pub const ACTOR_PREFIX: &str = "dvc:";

/// What a callback reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DvcEvent {
    Paid,
    ReceiptIssued,
}

impl DvcEvent {
    pub fn as_str(self) -> &'static str {
        match self {
            DvcEvent::Paid => "paid",
            DvcEvent::ReceiptIssued => "receipt_issued",
        }
    }
}

/// The state of a portal dossier's payment, as the API reports it (see the OpenAPI document).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentRequestStatus {
    pub dossier_code: String,
    pub procedure_code: String,
    pub procedure_name: String,
    pub agency_code: String,
    pub agency_name: String,
    pub counter_number: i32,
    pub applicant_name: String,
    /// `draft` (waiting for the officer), `qr_issued`, `partially_paid` (part received; the
    /// code asks for the rest), `paid`, `receipt_issued`, `expired`, `cancelled`, or `free`
    /// (nothing to pay).
    pub state: String,
    pub amount: i64,
    pub lines: Vec<StatusLine>,
    pub payment_code: Option<String>,
    /// The VietQR payload, only while the code can be paid.
    pub qr_payload: Option<String>,
    pub expires_at: Option<String>,
    pub method: Option<String>,
    pub paid_at: Option<String>,
    pub amount_received: Option<i64>,
    pub bank_ref: Option<String>,
    pub receipt: Option<StatusReceipt>,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusLine {
    pub catalog_code: String,
    pub fee_name: String,
    pub kind: String,
    pub quantity: i32,
    pub pages: Option<i32>,
    pub amount: i64,
    pub exempt_reason: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusReceipt {
    pub form: String,
    pub series: String,
    pub number: String,
    pub label: String,
    pub issued_at: String,
}

/// The body of a callback to the portal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallbackEvent {
    pub event_id: String,
    pub event: DvcEvent,
    pub occurred_at: String,
    pub payment_request: PaymentRequestStatus,
}

pub(crate) async fn latest_request(db: &impl ConnectionTrait, dossier_id: i64) -> Result<Option<payment_request::Model>, BackendError> {
    Ok(payment_request::Entity::find()
        .filter(payment_request::Column::DossierId.eq(dossier_id))
        .order_by_desc(payment_request::Column::Id)
        .one(db)
        .await?)
}

/// The ids of dossiers that came from the portal, as a subquery.
pub(crate) fn portal_dossier_ids() -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(dossier::Column::Id)
        .from(dossier::Entity)
        .and_where(Expr::col(dossier::Column::Source).eq(Source::Dvc.as_str()))
        .to_owned()
}

pub(crate) fn rfc(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The API's view of a portal dossier now.
pub async fn status(db: &impl ConnectionTrait, d: &dossier::Model) -> Result<PaymentRequestStatus, BackendError> {
    let now = Utc::now();
    let w = ward::Entity::find_by_id(d.ward_id).one(db).await?.ok_or(BackendError::NotFound("ward"))?;
    let c = counter::Entity::find_by_id(d.counter_id).one(db).await?.ok_or(BackendError::NotFound("counter"))?;
    let pr = latest_request(db, d.id).await?;
    let mut lines = Vec::new();
    for l in fee_line::Entity::find().filter(fee_line::Column::DossierId.eq(d.id)).order_by_asc(fee_line::Column::Id).all(db).await? {
        let item = fee_item::Entity::find_by_id(l.fee_item_id).one(db).await?;
        lines.push(StatusLine {
            catalog_code: item.map(|i| i.procedure_code).unwrap_or_default(),
            fee_name: l.fee_name,
            kind: l.kind,
            quantity: l.quantity,
            pages: l.pages,
            amount: l.amount,
            exempt_reason: l.exempt_reason,
        });
    }
    let mut s = PaymentRequestStatus {
        dossier_code: d.code.clone(),
        procedure_code: d.procedure_code.clone(),
        procedure_name: d.procedure_name.clone(),
        agency_code: w.code.clone(),
        agency_name: w.name.clone(),
        counter_number: c.number,
        applicant_name: d.applicant_name.clone(),
        state: if d.outcome == "cancelled" { "cancelled" } else { "free" }.into(),
        amount: d.total,
        lines,
        payment_code: None,
        qr_payload: None,
        expires_at: None,
        method: None,
        paid_at: None,
        amount_received: None,
        bank_ref: None,
        receipt: None,
        created_at: rfc(d.created_at),
        updated_at: rfc(d.created_at),
    };
    let Some(pr) = pr else { return Ok(s) };
    let mut state =
        PaymentState::parse(&pr.state).ok_or_else(|| BackendError::invalid("state", format!("unknown state {:?}", pr.state)))?;
    if state == PaymentState::QrIssued && pr.expires_at.is_some_and(|e| e <= now) {
        state = PaymentState::Expired;
    }
    if d.outcome == "cancelled" && !state.is_settled() {
        state = PaymentState::Cancelled;
    }
    s.state = state.as_str().into();
    s.amount = pr.amount;
    s.updated_at = rfc(std::cmp::max(pr.state_changed_at, d.created_at));
    if state != PaymentState::Draft && pr.issued_at.is_some() || state.is_settled() {
        s.payment_code = Some(pr.payment_code.clone());
        s.expires_at = pr.expires_at.map(rfc);
    }
    if state.code_payable(pr.expires_at.is_some_and(|e| e <= now)) {
        s.qr_payload = pr.qr_payload.clone();
    }
    s.method = pr.method.clone();
    s.paid_at = pr.paid_at.map(rfc);
    s.amount_received = pr.amount_received;
    s.bank_ref = pr.bank_ref.clone();
    if let Some(r) =
        receipt::Entity::find().filter(receipt::Column::PaymentRequestId.eq(pr.id)).order_by_desc(receipt::Column::Id).one(db).await?
    {
        s.receipt = Some(StatusReceipt {
            form: r.form.clone(),
            series: r.series.clone(),
            number: receipts::format_number(r.number),
            label: receipts::label(&r),
            issued_at: rfc(r.issued_at),
        });
    }
    Ok(s)
}

/// Queues the portal's callback for `event` of a payment request, in the caller's (paying)
/// transaction, if the dossier came from the portal. Returns whether it did; queueing the
/// same event twice is harmless (one row per request and event).
pub async fn enqueue_if_dvc(txn: &impl ConnectionTrait, payment_request_id: i64, event: DvcEvent) -> Result<bool, BackendError> {
    let Some(pr) = payment_request::Entity::find_by_id(payment_request_id).one(txn).await? else {
        return Ok(false);
    };
    let Some(d) = dossier::Entity::find_by_id(pr.dossier_id).one(txn).await? else { return Ok(false) };
    if d.source != Source::Dvc.as_str() {
        return Ok(false);
    }
    let key_id = d.created_by.strip_prefix(ACTOR_PREFIX).unwrap_or(&d.created_by).to_string();
    let now = Utc::now();
    let event_id = uuid::Uuid::new_v4().to_string();
    let body = CallbackEvent { event_id: event_id.clone(), event, occurred_at: rfc(now), payment_request: status(txn, &d).await? };
    let payload = serde_json::to_string(&body).map_err(|e| BackendError::invalid("payload", e.to_string()))?;
    let row = dvc_outbox::ActiveModel {
        event_id: Set(event_id),
        payment_request_id: Set(pr.id),
        dossier_code: Set(d.code.clone()),
        key_id: Set(key_id),
        event: Set(event.as_str().into()),
        payload: Set(payload),
        status: Set("pending".into()),
        attempts: Set(0),
        next_attempt_at: Set(now),
        last_status: Set(None),
        last_error: Set(None),
        created_at: Set(now),
        delivered_at: Set(None),
        ..Default::default()
    };
    dvc_outbox::Entity::insert(row)
        .on_conflict_do_nothing_on([dvc_outbox::Column::PaymentRequestId, dvc_outbox::Column::Event])
        .exec_without_returning(txn)
        .await?;
    Ok(true)
}

/// The safety net: queues `receipt_issued` for every portal dossier paid since `since`
/// whose callback was never queued. Returns how many it queued.
pub async fn enqueue_missing(db: &sea_orm::DatabaseConnection, since: DateTime<Utc>) -> Result<usize, BackendError> {
    let missing: Vec<i64> = payment_request::Entity::find()
        .select_only()
        .column(payment_request::Column::Id)
        .filter(payment_request::Column::State.eq(PaymentState::ReceiptIssued.as_str()))
        .filter(payment_request::Column::StateChangedAt.gte(since))
        .filter(payment_request::Column::DossierId.in_subquery(portal_dossier_ids()))
        .filter(
            payment_request::Column::Id.not_in_subquery(
                Query::select()
                    .column(dvc_outbox::Column::PaymentRequestId)
                    .from(dvc_outbox::Entity)
                    .and_where(Expr::col(dvc_outbox::Column::Event).eq(DvcEvent::ReceiptIssued.as_str()))
                    .to_owned(),
            ),
        )
        .order_by_asc(payment_request::Column::Id)
        .limit(100)
        .into_tuple()
        .all(db)
        .await?;
    let mut queued = 0;
    for id in missing {
        // One statement writes, so no transaction is needed (and none can fail at its first
        // write because another writer went first, as a read-then-write one can on SQLite).
        if enqueue_if_dvc(db, id, DvcEvent::ReceiptIssued).await? {
            queued += 1;
        }
    }
    if queued > 0 {
        tracing::info!(queued, "queued portal callbacks that the paying path did not queue");
    }
    Ok(queued)
}
