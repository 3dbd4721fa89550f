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

use super::entity::{dossier, fee_line, payment_request, ward};
use super::payments::{self, Source};
pub use super::portal_status::{
    enqueue_if_dvc, enqueue_missing, status, CallbackEvent, DvcEvent, PaymentRequestStatus, StatusLine, StatusReceipt, ACTOR_PREFIX,
};
use super::portal_status::{latest_request, portal_dossier_ids};
use super::{Backend, BackendError};
use crate::domain::payment::{PaymentEvent, PaymentState};
use crate::model::{DossierRow, NewDossier, PaymentView};
use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set, TransactionTrait};
use serde::{Deserialize, Serialize};

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

/// A portal dossier by its code; `None` for unknown codes and for counter dossiers.
pub async fn find_by_code(db: &impl ConnectionTrait, code: &str) -> Result<Option<dossier::Model>, BackendError> {
    Ok(dossier::Entity::find()
        .filter(dossier::Column::Code.eq(code))
        .filter(dossier::Column::Source.eq(Source::Dvc.as_str()))
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
        return Err(BackendError::Conflict(format!("không thể xác nhận: {} (only a draft can be confirmed)", state.label().vi)));
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
