//! Assisted transfers: money support staff sent for a citizen without an account or phone
//! is booked to the request only on the bank's own evidence, a transfer that waits unbooked
//! in the exception queue (docs/domain.md §4).

use super::entity::{bank_exception, bank_notification, payment_request, ward};
use super::BackendError;
use crate::domain::exception_kind::ExceptionKind;
use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter};

/// The bank notification that proves an assisted payment for `pr`: the transfer named
/// `reference` (the bank's reference or the provider's transaction id) reached this ward's
/// collection account after the request was made, for exactly the amount due, named no
/// payment code WardPay knows, and waits unbooked in the exception queue. A transfer tied
/// to another request (late, after a cancel, a second payment) is never taken here: that
/// money is a supervisor's to resolve. Every miss gets the same answer, so the refusal
/// tells nothing about other people's transfers.
pub async fn evidence_for_assisted(
    txn: &DatabaseTransaction,
    pr: &payment_request::Model,
    reference: &str,
) -> Result<(bank_notification::Model, bank_exception::Model), BackendError> {
    let w = ward::Entity::find_by_id(pr.ward_id).one(txn).await?.ok_or(BackendError::NotFound("ward"))?;
    let candidates = bank_notification::Entity::find()
        .filter(
            sea_orm::Condition::any()
                .add(bank_notification::Column::BankReference.eq(reference))
                .add(bank_notification::Column::ProviderTxnId.eq(reference)),
        )
        .filter(bank_notification::Column::AccountNumber.eq(w.bank_account.clone()))
        .filter(bank_notification::Column::Outcome.eq(ExceptionKind::UnknownCode.as_str()))
        .filter(bank_notification::Column::PaymentRequestId.is_null())
        .filter(bank_notification::Column::ReceivedAt.gte(pr.created_at))
        .filter(bank_notification::Column::Amount.eq(pr.amount))
        .all(txn)
        .await?;
    for n in candidates {
        let open = bank_exception::Entity::find()
            .filter(bank_exception::Column::NotificationId.eq(n.id))
            .filter(bank_exception::Column::WardId.eq(pr.ward_id))
            .filter(bank_exception::Column::Status.eq("open"))
            .one(txn)
            .await?;
        if let Some(e) = open {
            return Ok((n, e));
        }
    }
    Err(BackendError::invalid(
        "bank_ref",
        format!(
            "không có giao dịch {reference} chưa ghi nhận, đúng số tiền phải thu, vào tài khoản thu của phường sau khi mã được tạo (no unbooked transfer with this reference and amount reached the ward's account)"
        ),
    ))
}

/// Books notification `n` to request `request_id` as an assisted payment and closes the
/// exception `e` it waited in, with who did it. Both rows are claimed by conditional
/// updates first: of two desks naming the same transfer at once, one books it and the other
/// is told (on PostgreSQL a second writer re-checks the condition after the first commits).
pub async fn book_to(
    txn: &DatabaseTransaction,
    n: &bank_notification::Model,
    e: &bank_exception::Model,
    request_id: i64,
    actor: &str,
) -> Result<(), BackendError> {
    let taken = || BackendError::Conflict("giao dịch này vừa được ghi nhận cho khoản khác (that transfer was just booked)".into());
    let now = Utc::now();
    let claimed = bank_exception::Entity::update_many()
        .col_expr(bank_exception::Column::Status, Expr::value("resolved"))
        .col_expr(bank_exception::Column::Resolution, Expr::value(Some("assisted")))
        .col_expr(bank_exception::Column::Note, Expr::value(Some(format!("ghi nhận là chuyển khoản có hỗ trợ cho khoản {request_id}"))))
        .col_expr(bank_exception::Column::ResolvedBy, Expr::value(Some(actor.to_string())))
        .col_expr(bank_exception::Column::ResolvedAt, Expr::value(Some(now)))
        .filter(bank_exception::Column::Id.eq(e.id))
        .filter(bank_exception::Column::Status.eq("open"))
        .exec(txn)
        .await?;
    if claimed.rows_affected == 0 {
        return Err(taken());
    }
    let booked = bank_notification::Entity::update_many()
        .col_expr(bank_notification::Column::Outcome, Expr::value("assisted"))
        .col_expr(bank_notification::Column::PaymentRequestId, Expr::value(Some(request_id)))
        .filter(bank_notification::Column::Id.eq(n.id))
        .filter(bank_notification::Column::PaymentRequestId.is_null())
        .exec(txn)
        .await?;
    if booked.rows_affected == 0 {
        return Err(taken());
    }
    super::audit::append(
        txn,
        super::audit::Entry::new(actor, e.ward_id, "exception.resolve", format!("exception:{}", e.id)).detail(serde_json::json!({
            "kind": e.kind, "resolution": "assisted", "amount": e.amount, "payment_request_id": request_id,
        })),
    )
    .await?;
    Ok(())
}
