//! The exception queue: bank notifications that did not simply pay a code. Nothing here is
//! dropped; a supervisor resolves each one and the resolution is kept with who and when.

use super::entity::{bank_exception, bank_notification, dossier, payment_request};
use super::{payments, refunds, Backend, BackendError};
use crate::domain::payment::{PaymentMethod, PaymentState};
use crate::domain::refund::RefundOrigin;
use crate::model::{ExceptionRow, Resolution};
use chrono::Utc;
use sea_orm::{ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set, TransactionTrait};

pub async fn list(db: &impl ConnectionTrait, ward_id: i64, only_open: bool) -> Result<Vec<ExceptionRow>, BackendError> {
    let mut q = bank_exception::Entity::find()
        .filter(Condition::any().add(bank_exception::Column::WardId.eq(ward_id)).add(bank_exception::Column::WardId.is_null()))
        .order_by_desc(bank_exception::Column::Id);
    if only_open {
        q = q.filter(bank_exception::Column::Status.eq("open"));
    }
    let mut rows = Vec::new();
    for e in q.all(db).await? {
        let n = bank_notification::Entity::find_by_id(e.notification_id).one(db).await?;
        let pr = match e.payment_request_id {
            Some(id) => payment_request::Entity::find_by_id(id).one(db).await?,
            None => None,
        };
        let d = match &pr {
            Some(pr) => dossier::Entity::find_by_id(pr.dossier_id).one(db).await?,
            None => None,
        };
        rows.push(ExceptionRow {
            id: e.id,
            kind: e.kind,
            amount: e.amount,
            status: e.status,
            created_at: e.created_at.to_rfc3339(),
            provider: n.as_ref().map(|n| n.provider.clone()).unwrap_or_default(),
            bank_reference: n.as_ref().and_then(|n| n.bank_reference.clone()),
            content: n.as_ref().map(|n| n.content.clone()).unwrap_or_default(),
            account_number: n.as_ref().map(|n| n.account_number.clone()).unwrap_or_default(),
            payment_code: pr.as_ref().map(|p| p.payment_code.clone()),
            dossier_code: d.map(|d| d.code),
            amount_due: pr.map(|p| p.amount),
            resolution: e.resolution,
            note: e.note,
            resolved_by: e.resolved_by,
            resolved_at: e.resolved_at.map(|t| t.to_rfc3339()),
        });
    }
    Ok(rows)
}

/// The ward an exception belongs to (`None` for money to an account of no ward).
pub async fn ward_of(db: &impl ConnectionTrait, exception_id: i64) -> Result<Option<i64>, BackendError> {
    Ok(bank_exception::Entity::find_by_id(exception_id).one(db).await?.ok_or(BackendError::NotFound("exception"))?.ward_id)
}

pub async fn resolve(
    backend: &Backend,
    exception_id: i64,
    resolution: Resolution,
    note: Option<String>,
    actor: &str,
    caller_ward: Option<i64>,
) -> Result<(), BackendError> {
    let note = note.map(|n| n.trim().to_string()).filter(|n| !n.is_empty());
    let txn = backend.db.begin().await?;
    // Claim the exception first (a write): two supervisors cannot both resolve it.
    let claimed = bank_exception::Entity::update_many()
        .col_expr(bank_exception::Column::Status, sea_orm::sea_query::Expr::value("resolved"))
        .filter(bank_exception::Column::Id.eq(exception_id))
        .filter(bank_exception::Column::Status.eq("open"))
        .exec(&txn)
        .await?;
    if claimed.rows_affected == 0 {
        return Err(match bank_exception::Entity::find_by_id(exception_id).one(&txn).await? {
            None => BackendError::NotFound("exception"),
            Some(_) => BackendError::Conflict("ngoại lệ này đã được xử lý (already resolved)".into()),
        });
    }
    let e = bank_exception::Entity::find_by_id(exception_id).one(&txn).await?.ok_or(BackendError::NotFound("exception"))?;
    let n = bank_notification::Entity::find_by_id(e.notification_id).one(&txn).await?.ok_or(BackendError::NotFound("bank notification"))?;
    let mut touched_counter = None;
    let touched_ward: Option<i64>;
    match &resolution {
        Resolution::Refund => {
            let Some(reason) = note.clone() else {
                return Err(BackendError::invalid("note", "hoàn tiền cần ghi chú lý do (a refund needs a note)"));
            };
            // The money goes back through a refund request that another person approves.
            let ward_id = e
                .ward_id
                .or(caller_ward)
                .ok_or_else(|| BackendError::invalid("ward", "chọn phường nhận xử lý (a ward must take this refund)"))?;
            let new = refunds::NewRefund {
                ward_id,
                origin: RefundOrigin::Exception,
                exception_id: Some(e.id),
                receipt_id: None,
                payment_request_id: e.payment_request_id,
                received: n.amount,
                amount: n.amount,
                notification: Some(n.clone()),
                reason,
            };
            refunds::insert_request(&txn, new, actor).await?;
            touched_ward = Some(ward_id);
        }
        Resolution::AcceptLate | Resolution::AssignToDossier { .. } => {
            let pr = match &resolution {
                Resolution::AssignToDossier { dossier_code } => {
                    let d = dossier::Entity::find()
                        .filter(dossier::Column::Code.eq(dossier_code.trim()))
                        // Only a dossier of the exception's own ward, or (for money that reached
                        // no ward's account) of the resolving supervisor's ward.
                        .filter(match e.ward_id.or(caller_ward) {
                            Some(w) => dossier::Column::WardId.eq(w),
                            None => dossier::Column::Id.is_not_null(),
                        })
                        .one(&txn)
                        .await?
                        .ok_or_else(|| BackendError::invalid("dossier_code", format!("không có hồ sơ {dossier_code}")))?;
                    payment_request::Entity::find()
                        .filter(payment_request::Column::DossierId.eq(d.id))
                        .order_by_desc(payment_request::Column::Id)
                        .one(&txn)
                        .await?
                        .ok_or_else(|| BackendError::invalid("dossier_code", "hồ sơ này không có khoản phải thu"))?
                }
                _ => {
                    let id = e
                        .payment_request_id
                        .ok_or_else(|| BackendError::invalid("action", "giao dịch không gắn với mã nào; hãy gán cho một hồ sơ"))?;
                    payment_request::Entity::find_by_id(id).one(&txn).await?.ok_or(BackendError::NotFound("payment request"))?
                }
            };
            let state = PaymentState::parse(&pr.state).unwrap_or(PaymentState::Draft);
            if state.is_settled() {
                return Err(BackendError::Conflict("hồ sơ đã được thanh toán; hãy chọn hoàn tiền (already paid)".into()));
            }
            if state == PaymentState::PartiallyPaid {
                return Err(BackendError::Conflict(
                    "hồ sơ đã nhận một phần qua ngân hàng và đang chờ phần còn thiếu; hãy chọn hoàn tiền (the request is partly paid)"
                        .into(),
                ));
            }
            if n.amount < pr.amount {
                return Err(BackendError::invalid(
                    "amount",
                    format!("số tiền nhận {} ít hơn số phải thu {}; hãy chọn hoàn tiền", n.amount, pr.amount),
                ));
            }
            // An overpayment pays the dossier; the part above the amount due goes back
            // through a refund request raised here, approved by someone else.
            if n.amount > pr.amount {
                let new = refunds::NewRefund {
                    ward_id: pr.ward_id,
                    origin: RefundOrigin::Exception,
                    exception_id: Some(e.id),
                    receipt_id: None,
                    payment_request_id: Some(pr.id),
                    received: n.amount,
                    amount: n.amount - pr.amount,
                    notification: Some(n.clone()),
                    reason: format!("Hoàn phần nộp thừa: nhận {} đồng, phải thu {} đồng (overpaid part)", n.amount, pr.amount),
                };
                refunds::insert_request(&txn, new, actor).await?;
            }
            let bank_ref = n.bank_reference.clone().or_else(|| Some(format!("{}:{}", n.provider, n.provider_txn_id)));
            let event = payments::resolution_event(&pr)?;
            payments::settle(&txn, &pr, event, PaymentMethod::QrTransfer, n.amount, bank_ref, note.clone(), actor).await?;
            let mut nm: bank_notification::ActiveModel = n.into();
            nm.payment_request_id = Set(Some(pr.id));
            nm.update(&txn).await?;
            touched_counter = Some(pr.counter_id);
            touched_ward = Some(pr.ward_id);
        }
    }
    let mut am: bank_exception::ActiveModel = e.into();
    am.resolution = Set(Some(resolution.as_str().into()));
    am.note = Set(note);
    am.resolved_by = Set(Some(actor.into()));
    am.resolved_at = Set(Some(Utc::now()));
    let e = am.update(&txn).await?;
    super::audit::append(
        &txn,
        super::audit::Entry::new(actor, e.ward_id.or(touched_ward), "exception.resolve", format!("exception:{exception_id}")).detail(
            serde_json::json!({
                "kind": e.kind, "resolution": resolution.as_str(), "amount": e.amount, "note": e.note,
                "payment_request_id": touched_counter.and(e.payment_request_id),
            }),
        ),
    )
    .await?;
    txn.commit().await?;
    tracing::info!(exception = exception_id, resolution = resolution.as_str(), actor, "exception resolved");
    if let Some(c) = touched_counter {
        backend.changes.counter(c);
    } else if let Some(w) = e.ward_id {
        backend.changes.ward(w);
    }
    Ok(())
}

/// Refused bank notifications of the last `hours`, one row per provider, reason, ward and
/// hour, most recent first: those of `ward_id` and those that named no ward (`None`: every
/// ward, for an admin of all). Every kind of refusal keeps its own row, so a flood of one
/// kind cannot push another out of view.
pub async fn intake_log(
    db: &impl ConnectionTrait,
    ward_id: Option<i64>,
    hours: i64,
) -> Result<Vec<crate::model::IntakeLogRow>, BackendError> {
    use super::entity::intake_rejection;
    use sea_orm::QuerySelect;
    let mut q = intake_rejection::Entity::find().filter(intake_rejection::Column::LastAt.gte(Utc::now() - chrono::Duration::hours(hours)));
    if let Some(w) = ward_id {
        q = q.filter(intake_rejection::Column::WardId.is_in([w, 0]));
    }
    Ok(q.order_by_desc(intake_rejection::Column::LastAt)
        .limit(200)
        .all(db)
        .await?
        .into_iter()
        .map(|r| crate::model::IntakeLogRow {
            id: r.id,
            provider: r.provider,
            reason: r.reason,
            ward_id: (r.ward_id != 0).then_some(r.ward_id),
            count: r.count,
            first_at: r.first_at.to_rfc3339(),
            last_at: r.last_at.to_rfc3339(),
            status: r.status,
            error: r.sample_error,
        })
        .collect())
}
