//! Dossiers that arrive from the city's public-service portal (DVC Hà Nội).
//!
//! The portal pushes a dossier's payment request; WardPay records it as a `Draft` that
//! waits on the officer's dashboard, "ready to confirm" ([`pending_for_counter`]). The
//! officer's one key ([`confirm`]) issues the VietQR code. The portal may send the same
//! dossier again ([`upsert`], keyed by the portal's dossier code): unchanged content
//! changes nothing; changed content replaces the lines and the unpaid request. A code
//! already shown is cancelled, never edited, and the new amount gets its code at once, so
//! the citizen's screen goes from the old code to the new one (the officer had already
//! confirmed the dossier). A paid dossier cannot change (409). When a DVC dossier is paid, a callback
//! for the portal is queued in the same transaction ([`enqueue_if_dvc`]) and delivered
//! by the server's outbox worker; [`enqueue_missing`] is the worker's safety net.

use super::entity::{counter, dossier, dvc_outbox, fee_item, fee_line, payment_request, receipt, ward};
use super::payments::{self, Source};
use super::{receipts, Backend, BackendError};
use crate::domain::payment::{PaymentEvent, PaymentState};
use crate::model::{DossierRow, NewDossier, PaymentView};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait};
use serde::{Deserialize, Serialize};

/// `created_by` of a portal dossier is this prefix and the API key id that sent it.
pub const ACTOR_PREFIX: &str = "dvc:";

/// A payment request as the portal sends it, resolved to WardPay's ids by the connector.
#[derive(Clone, Debug)]
pub struct PortalDossier {
    /// The portal's dossier code (MaHoSo), kept as is.
    pub code: String,
    /// The portal's procedure code (MaTTHC).
    pub procedure_code: String,
    /// The portal's procedure name (TenTTHC); the first fee line's procedure when absent.
    pub procedure_name: Option<String>,
    /// Counter, applicant and fee lines; `request_key` is ignored (the dossier code is the key).
    pub dossier: NewDossier,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UpsertOutcome {
    Created,
    Updated,
    Unchanged,
}

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

/// A portal dossier by its code; `None` for unknown codes and for counter dossiers.
pub async fn find_by_code(db: &impl ConnectionTrait, code: &str) -> Result<Option<dossier::Model>, BackendError> {
    Ok(dossier::Entity::find()
        .filter(dossier::Column::Code.eq(code))
        .filter(dossier::Column::Source.eq(Source::Dvc.as_str()))
        .one(db)
        .await?)
}

async fn latest_request(db: &impl ConnectionTrait, dossier_id: i64) -> Result<Option<payment_request::Model>, BackendError> {
    Ok(payment_request::Entity::find()
        .filter(payment_request::Column::DossierId.eq(dossier_id))
        .order_by_desc(payment_request::Column::Id)
        .one(db)
        .await?)
}

/// A fee line as compared: fee item, quantity, pages, amount, exemption reason.
type LineKey = (i64, i32, Option<i32>, i64, Option<String>);

/// The fields that decide whether a re-sent dossier changed anything.
#[derive(PartialEq, Eq, Debug)]
struct Content {
    counter_id: i64,
    applicant_name: String,
    id_number: Option<String>,
    phone: Option<String>,
    procedure_code: String,
    procedure_name: String,
    lines: Vec<LineKey>,
}

/// Records the portal's payment request for a dossier, or brings a recorded one up to date.
/// Everything happens in one transaction: a refused request leaves nothing behind.
///
/// A dossier with something to pay gets a `Draft` request, without a code: the officer
/// issues it with [`confirm`]. A dossier already paid cannot change (409).
pub async fn upsert(backend: &Backend, input: PortalDossier, actor: &str) -> Result<(UpsertOutcome, dossier::Model), BackendError> {
    let db = &backend.db;
    let code = input.code.trim().to_string();
    if code.is_empty() {
        return Err(BackendError::invalid("dossier_code", "the dossier code is required"));
    }
    let procedure_code = input.procedure_code.trim().to_string();
    if procedure_code.is_empty() {
        return Err(BackendError::invalid("procedure_code", "the procedure code is required"));
    }
    let nd = &input.dossier;
    let payments::CheckedDossier { applicant, counter: c, lines, total } = payments::check_dossier(db, nd).await?;
    let procedure_name = payments::clean_opt(&input.procedure_name).unwrap_or_else(|| lines[0].item.procedure_name.clone());
    let content = Content {
        counter_id: c.id,
        applicant_name: applicant.clone(),
        id_number: payments::clean_opt(&nd.id_number),
        phone: payments::clean_opt(&nd.phone),
        procedure_code: procedure_code.clone(),
        procedure_name: procedure_name.clone(),
        lines: lines.iter().map(|l| (l.item.id, l.quantity as i32, l.pages.map(|p| p as i32), l.amount, l.exempt_reason.clone())).collect(),
    };

    // Lock every counter the dossier touches, lowest id first, before reading anything.
    let before = dossier::Entity::find().filter(dossier::Column::Code.eq(code.as_str())).one(db).await?;
    let mut locks = vec![c.id];
    locks.extend(before.as_ref().map(|d| d.counter_id));
    locks.sort_unstable();
    locks.dedup();
    let txn = db.begin().await?;
    for id in &locks {
        payments::lock_counter(&txn, *id).await?;
    }
    let w = ward::Entity::find_by_id(c.ward_id).one(&txn).await?.ok_or(BackendError::NotFound("ward"))?;
    let now = Utc::now();
    let existing = dossier::Entity::find().filter(dossier::Column::Code.eq(code.as_str())).one(&txn).await?;
    let (outcome, d) = match existing {
        None => {
            let d = dossier::ActiveModel {
                ward_id: Set(w.id),
                counter_id: Set(c.id),
                code: Set(code.clone()),
                request_key: Set(None),
                applicant_name: Set(applicant),
                id_number: Set(content.id_number.clone()),
                phone: Set(content.phone.clone()),
                procedure_code: Set(procedure_code),
                procedure_name: Set(procedure_name),
                source: Set(Source::Dvc.as_str().into()),
                total: Set(total),
                outcome: Set(if total == 0 { "free" } else { "pending" }.into()),
                created_at: Set(now),
                created_by: Set(actor.into()),
                ..Default::default()
            }
            .insert(&txn)
            .await
            .map_err(|e| match e.sql_err() {
                // Another request recorded the same code at another counter just now.
                Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => {
                    BackendError::Conflict(format!("dossier {code} was recorded by a concurrent request; send it again"))
                }
                _ => BackendError::Db(e),
            })?;
            payments::insert_lines(&txn, d.id, &lines).await?;
            if total > 0 {
                payments::new_request(&txn, &w, &d, actor).await?;
            }
            (UpsertOutcome::Created, d)
        }
        Some(d) => {
            if d.source != Source::Dvc.as_str() {
                return Err(BackendError::Conflict(format!("dossier {code} was recorded at the counter, not received from the portal")));
            }
            let pr = latest_request(&txn, d.id).await?;
            let pr_state = pr.as_ref().map(payments::state_of).transpose()?;
            if pr_state.is_some_and(|s| s.is_settled()) {
                return Err(BackendError::Conflict(format!("dossier {code} is already paid; its payment request cannot change")));
            }
            if pr_state == Some(PaymentState::PartiallyPaid) {
                return Err(BackendError::Conflict(format!(
                    "dossier {code} is partly paid; it cannot change until the rest is paid or the officer cancels it (and the money received is refunded)"
                )));
            }
            let old_lines =
                fee_line::Entity::find().filter(fee_line::Column::DossierId.eq(d.id)).order_by_asc(fee_line::Column::Id).all(&txn).await?;
            let current = Content {
                counter_id: d.counter_id,
                applicant_name: d.applicant_name.clone(),
                id_number: d.id_number.clone(),
                phone: d.phone.clone(),
                procedure_code: d.procedure_code.clone(),
                procedure_name: d.procedure_name.clone(),
                lines: old_lines.iter().map(|l| (l.fee_item_id, l.quantity, l.pages, l.amount, l.exempt_reason.clone())).collect(),
            };
            let live = match (&pr, pr_state) {
                (_, Some(PaymentState::Draft)) => true,
                (Some(p), Some(PaymentState::QrIssued)) => p.expires_at.is_some_and(|e| e > now),
                (None, None) => d.outcome == "free",
                _ => false,
            };
            if live && d.outcome != "cancelled" && current == content {
                txn.rollback().await?;
                return Ok((UpsertOutcome::Unchanged, d));
            }
            // A code the citizen may be looking at right now: replaced by a new one at once
            // (below), so the screens go from the old code to the new, never to nothing.
            let code_was_live = matches!((&pr, pr_state), (Some(p), Some(PaymentState::QrIssued)) if p.expires_at.is_some_and(|e| e > now));
            if let (Some(p), Some(PaymentState::Draft | PaymentState::QrIssued)) = (&pr, pr_state) {
                payments::transition(&txn, p, PaymentEvent::Cancel, actor, Some("updated by the portal".into()), |_| {}).await?;
            }
            fee_line::Entity::delete_many().filter(fee_line::Column::DossierId.eq(d.id)).exec(&txn).await?;
            dossier::Entity::update_many()
                .col_expr(dossier::Column::WardId, Expr::value(w.id))
                .col_expr(dossier::Column::CounterId, Expr::value(c.id))
                .col_expr(dossier::Column::ApplicantName, Expr::value(applicant))
                .col_expr(dossier::Column::IdNumber, Expr::value(content.id_number.clone()))
                .col_expr(dossier::Column::Phone, Expr::value(content.phone.clone()))
                .col_expr(dossier::Column::ProcedureCode, Expr::value(procedure_code))
                .col_expr(dossier::Column::ProcedureName, Expr::value(procedure_name))
                .col_expr(dossier::Column::Total, Expr::value(total))
                .col_expr(dossier::Column::Outcome, Expr::value(if total == 0 { "free" } else { "pending" }))
                .filter(dossier::Column::Id.eq(d.id))
                .exec(&txn)
                .await?;
            let d = dossier::Entity::find_by_id(d.id).one(&txn).await?.ok_or(BackendError::NotFound("dossier"))?;
            payments::insert_lines(&txn, d.id, &lines).await?;
            if total > 0 {
                let draft = payments::new_request(&txn, &w, &d, actor).await?;
                // The officer had confirmed this dossier: its new amount gets a code straight
                // away, if the (possibly new) counter shows no other payable code.
                if code_was_live {
                    match payments::ensure_counter_free(&txn, c.id).await {
                        Ok(()) => {
                            payments::issue_draft(&txn, &w, &draft, actor, backend.settings.qr_ttl_secs).await?;
                        }
                        // The dossier moved to a counter showing another citizen's code: it
                        // waits there as a draft for the officer to confirm.
                        Err(BackendError::Conflict(_)) => {
                            tracing::info!(dossier = %d.code, counter = c.id, "updated dossier waits: its new counter shows another code");
                        }
                        Err(e) => return Err(e),
                    }
                }
            }
            (UpsertOutcome::Updated, d)
        }
    };
    super::audit::append(
        &txn,
        super::audit::Entry::new(
            actor,
            Some(w.id),
            if outcome == UpsertOutcome::Created { "dossier.create" } else { "dossier.update" },
            format!("dossier:{}", d.code),
        )
        .detail(serde_json::json!({ "counter_id": d.counter_id, "source": "dvc", "procedure": d.procedure_code, "total": total })),
    )
    .await?;
    txn.commit().await?;
    tracing::info!(dossier = %d.code, total, outcome = ?outcome, "portal payment request recorded");
    for id in locks {
        backend.changes.counter(id);
    }
    Ok((outcome, d))
}

/// The officer's one key: issues the VietQR code of a `Draft` request (one payable code
/// per counter, as at the counter). Returns the payment as the screens show it.
pub async fn confirm(backend: &Backend, payment_request_id: i64, actor: &str) -> Result<PaymentView, BackendError> {
    let counter_id = payment_request::Entity::find_by_id(payment_request_id)
        .one(&backend.db)
        .await?
        .ok_or(BackendError::NotFound("payment request"))?
        .counter_id;
    let txn = backend.db.begin().await?;
    payments::lock_counter(&txn, counter_id).await?;
    let pr = payment_request::Entity::find_by_id(payment_request_id).one(&txn).await?.ok_or(BackendError::NotFound("payment request"))?;
    let state = payments::state_of(&pr)?;
    if state != PaymentState::Draft {
        return Err(BackendError::Conflict(format!("không thể xác nhận: {} (only a draft can be confirmed)", state.label_vi())));
    }
    let active = payments::current_payable(&txn, pr.counter_id).await?;
    if let Some(other) = active {
        let d = dossier::Entity::find_by_id(other.dossier_id).one(&txn).await?;
        return Err(BackendError::Conflict(format!(
            "quầy đang có mã QR chờ thanh toán (hồ sơ {}); huỷ mã đó trước (the counter already shows a payable code)",
            d.map(|d| d.code).unwrap_or_default()
        )));
    }
    let w = ward::Entity::find_by_id(pr.ward_id).one(&txn).await?.ok_or(BackendError::NotFound("ward"))?;
    let issued = payments::issue_draft(&txn, &w, &pr, actor, backend.settings.qr_ttl_secs).await?;
    txn.commit().await?;
    tracing::info!(payment_request = pr.id, actor, "portal payment request confirmed");
    backend.changes.counter(pr.counter_id);
    payments::payment_view(&backend.db, &issued, Utc::now()).await
}

/// The ids of dossiers that came from the portal, as a subquery.
fn portal_dossier_ids() -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(dossier::Column::Id)
        .from(dossier::Entity)
        .and_where(Expr::col(dossier::Column::Source).eq(Source::Dvc.as_str()))
        .to_owned()
}

/// Portal dossiers at a counter that wait for the officer's confirmation, oldest first.
pub async fn pending_for_counter(db: &impl ConnectionTrait, counter_id: i64) -> Result<Vec<DossierRow>, BackendError> {
    let drafts = payment_request::Entity::find()
        .filter(payment_request::Column::CounterId.eq(counter_id))
        .filter(payment_request::Column::State.eq(PaymentState::Draft.as_str()))
        .filter(payment_request::Column::DossierId.in_subquery(portal_dossier_ids()))
        .order_by_asc(payment_request::Column::CreatedAt)
        .order_by_asc(payment_request::Column::Id)
        .all(db)
        .await?;
    let mut rows = Vec::with_capacity(drafts.len());
    for pr in drafts {
        if let Some(d) = dossier::Entity::find_by_id(pr.dossier_id).one(db).await? {
            rows.push(payments::dossier_row(db, &d).await?);
        }
    }
    Ok(rows)
}

/// The portal withdraws a dossier's payment request: an unpaid request is cancelled (a code
/// on the kiosk disappears). Cancelling again is harmless; a paid dossier cannot be cancelled.
pub async fn cancel_by_code(backend: &Backend, code: &str, actor: &str, reason: Option<String>) -> Result<dossier::Model, BackendError> {
    let d = find_by_code(&backend.db, code).await?.ok_or(BackendError::NotFound("dossier"))?;
    let txn = backend.db.begin().await?;
    payments::lock_counter(&txn, d.counter_id).await?;
    let d = dossier::Entity::find_by_id(d.id).one(&txn).await?.ok_or(BackendError::NotFound("dossier"))?;
    let reason = payments::clean_opt(&reason).or_else(|| Some("cancelled by the portal".into()));
    if let Some(pr) = latest_request(&txn, d.id).await? {
        match payments::state_of(&pr)? {
            PaymentState::Draft | PaymentState::QrIssued => {
                payments::transition(&txn, &pr, PaymentEvent::Cancel, actor, reason, |_| {}).await?;
            }
            // Money received: the officer cancels it at the counter, where the refund starts.
            PaymentState::PartiallyPaid => {
                return Err(BackendError::Conflict(format!(
                    "dossier {} is partly paid; the officer cancels it at the counter and the money received is refunded",
                    d.code
                )));
            }
            s if s.is_settled() => {
                return Err(BackendError::Conflict(format!("dossier {} is already paid and cannot be cancelled", d.code)));
            }
            _ => {}
        }
    }
    dossier::Entity::update_many()
        .col_expr(dossier::Column::Outcome, Expr::value("cancelled"))
        .filter(dossier::Column::Id.eq(d.id))
        .exec(&txn)
        .await?;
    let d = dossier::Entity::find_by_id(d.id).one(&txn).await?.ok_or(BackendError::NotFound("dossier"))?;
    txn.commit().await?;
    tracing::info!(dossier = %d.code, "portal payment request cancelled");
    backend.changes.counter(d.counter_id);
    Ok(d)
}

fn rfc(t: DateTime<Utc>) -> String {
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
    let mut state = payments::state_of(&pr)?;
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
    let code_live = match state {
        PaymentState::QrIssued => true,
        PaymentState::PartiallyPaid => pr.expires_at.is_some_and(|e| e > now),
        _ => false,
    };
    if code_live {
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
