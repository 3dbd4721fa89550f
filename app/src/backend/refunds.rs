//! Refunds: money that must go back to the payer (an overpaid part, a payment after
//! cancel, a duplicate, another ward's money, or revenue given back from a receipt). One
//! person requests, another approves (the state machine refuses the requester), and the
//! accountant marks it paid with the outgoing transfer's bank reference. Every step is
//! audited; a refund never exceeds what was received.

use super::audit::{self, Entry};
use super::auth::StaffUser;
use super::entity::{bank_exception, bank_notification, payment_request, receipt, refund};
use super::{receipts, BackendError};
use crate::domain::refund::{check_amount, RefundEvent, RefundOrigin, RefundState};
use crate::model::{ReceiptContent, RefundAction, RefundRequestInput, RefundRow, Role};
use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, Set, TransactionTrait,
};

/// The payer's account as the bank told it (Casso and payOS carry the counter-account;
/// SePay does not), so a refund can be paid by a VietQR code.
#[derive(Default)]
struct Payer {
    name: Option<String>,
    account: Option<String>,
    bank_bin: Option<String>,
}

fn payer_of(n: &bank_notification::Model) -> Payer {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(&n.raw_body) else {
        return Payer::default();
    };
    let data = v.get("data").map(|d| if d.is_array() { d.get(0).cloned().unwrap_or_default() } else { d.clone() }).unwrap_or(v.clone());
    let text = |k: &str| {
        data.get(k)
            .and_then(|x| x.as_str().map(str::to_string).or_else(|| x.as_i64().map(|i| i.to_string())))
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    };
    let bin = text("counterAccountBankId").filter(|b| vietqr::banks::lookup(b).is_some());
    Payer { name: text("counterAccountName"), account: text("counterAccountNumber"), bank_bin: bin }
}

/// Money already held by refunds (requested, approved or paid) against the same money.
async fn held(txn: &impl ConnectionTrait, filter: sea_orm::Condition) -> Result<i64, BackendError> {
    Ok(refund::Entity::find()
        .filter(filter)
        .all(txn)
        .await?
        .iter()
        .filter(|r| RefundState::parse(&r.state).is_some_and(RefundState::holds_money))
        .map(|r| r.amount)
        .sum())
}

pub(crate) struct NewRefund {
    pub ward_id: i64,
    pub origin: RefundOrigin,
    pub exception_id: Option<i64>,
    pub receipt_id: Option<i64>,
    pub notification: Option<bank_notification::Model>,
    pub payment_request_id: Option<i64>,
    pub received: i64,
    pub amount: i64,
    pub reason: String,
}

/// Records a request inside the caller's transaction (an exception's resolution, or a
/// person's request below).
pub(crate) async fn insert_request(txn: &DatabaseTransaction, r: NewRefund, actor: &str) -> Result<refund::Model, BackendError> {
    use sea_orm::Condition;
    let same_money = match (&r.notification, r.receipt_id, r.payment_request_id) {
        (Some(n), _, _) if r.origin == RefundOrigin::Exception => Condition::all().add(refund::Column::NotificationId.eq(n.id)),
        (_, _, Some(pr)) => {
            Condition::all().add(refund::Column::PaymentRequestId.eq(pr)).add(refund::Column::Origin.eq(RefundOrigin::Receipt.as_str()))
        }
        _ => Condition::all().add(refund::Column::Id.eq(-1)),
    };
    let already = held(txn, same_money).await?;
    check_amount(r.amount, r.received, already).map_err(|e| BackendError::invalid("amount", e.to_string()))?;
    let payer = r.notification.as_ref().map(payer_of).unwrap_or_default();
    let row = refund::ActiveModel {
        ward_id: Set(r.ward_id),
        origin: Set(r.origin.as_str().into()),
        exception_id: Set(r.exception_id),
        receipt_id: Set(r.receipt_id),
        notification_id: Set(r.notification.as_ref().map(|n| n.id)),
        payment_request_id: Set(r.payment_request_id),
        amount: Set(r.amount),
        reason: Set(r.reason.clone()),
        payer_name: Set(payer.name),
        payer_account: Set(payer.account),
        payer_bank_bin: Set(payer.bank_bin),
        state: Set(RefundState::Requested.as_str().into()),
        requested_by: Set(actor.into()),
        requested_at: Set(Utc::now()),
        version: Set(0),
        ..Default::default()
    };
    let id = refund::Entity::insert(row).exec(txn).await?.last_insert_id;
    let saved = refund::Entity::find_by_id(id).one(txn).await?.ok_or(BackendError::NotFound("refund"))?;
    audit::append(
        txn,
        Entry::new(actor, Some(r.ward_id), "refund.request", format!("refund:{id}")).detail(serde_json::json!({
            "origin": r.origin.as_str(), "amount": r.amount, "received": r.received, "reason": r.reason,
            "exception_id": r.exception_id, "receipt_id": r.receipt_id,
        })),
    )
    .await?;
    Ok(saved)
}

fn reason_of(s: &str) -> Result<String, BackendError> {
    let t = s.trim().to_string();
    if t.is_empty() || t.chars().count() > 500 {
        return Err(BackendError::invalid("reason", "cần nêu lý do hoàn, tối đa 500 ký tự (a reason is required, at most 500 characters)"));
    }
    Ok(t)
}

/// `amount` of transfer `n` goes back; the request records the whole transfer as received.
pub(crate) async fn refund_transfer(
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
    insert_request(txn, refund, actor).await.map(|_| ())
}

/// A partly paid request was cancelled by `actor`: every part received goes back to its
/// payer through a refund request another person approves.
pub async fn refund_parts_on_cancel(txn: &DatabaseTransaction, pr: &payment_request::Model, actor: &str) -> Result<(), BackendError> {
    for n in super::received::parts_of(txn, pr.id).await? {
        let reason = format!(
            "Hồ sơ huỷ khi mới nhận một phần ({} đồng, mã {}): hoàn cho người nộp (a partly paid request was cancelled)",
            n.amount, pr.payment_code
        );
        let amount = n.amount;
        refund_transfer(txn, pr, n, amount, reason, actor).await?;
    }
    Ok(())
}

/// A person's request, from an exception (resolved elsewhere) or from a receipt.
pub async fn request(db: &DatabaseConnection, ward_id: i64, input: RefundRequestInput, by: &StaffUser) -> Result<RefundRow, BackendError> {
    let reason = reason_of(&input.reason)?;
    let txn = db.begin().await?;
    let new = match (input.exception_id, input.receipt_id) {
        (Some(e), None) => {
            let ex = bank_exception::Entity::find_by_id(e).one(&txn).await?.ok_or(BackendError::NotFound("exception"))?;
            // Money that reached no ward's account is sorted out by the ward that claims it.
            if ex.ward_id.is_some_and(|w| w != ward_id) {
                return Err(BackendError::NotFound("exception"));
            }
            let n = bank_notification::Entity::find_by_id(ex.notification_id)
                .one(&txn)
                .await?
                .ok_or(BackendError::NotFound("bank notification"))?;
            // Only money that is not revenue: an exception resolved as a refund, or the part of
            // an accepted overpayment above what was due. Money booked to a dossier goes back
            // through its receipt (and comes off the treasury deposit); an open exception is
            // resolved in the queue first.
            let received = match (ex.status.as_str(), ex.resolution.as_deref()) {
                ("resolved", Some("refund")) => n.amount,
                ("resolved", Some("accepted_late" | "assigned")) => {
                    let due = match ex.payment_request_id {
                        Some(id) => payment_request::Entity::find_by_id(id).one(&txn).await?.map_or(0, |p| p.amount),
                        None => 0,
                    };
                    (n.amount - due).max(0)
                }
                ("open", _) => {
                    return Err(BackendError::Conflict(
                        "ngoại lệ chưa xử lý: hãy chọn \"hoàn tiền\" ở hàng đợi ngoại lệ (resolve the exception as a refund first)".into(),
                    ))
                }
                _ => {
                    return Err(BackendError::Conflict(
                        "tiền này đã ghi cho hồ sơ: hoàn theo biên lai của hồ sơ (this money was booked to a dossier: refund it from its receipt)".into(),
                    ))
                }
            };
            NewRefund {
                ward_id,
                origin: RefundOrigin::Exception,
                exception_id: Some(ex.id),
                receipt_id: None,
                payment_request_id: ex.payment_request_id,
                received,
                notification: Some(n),
                amount: input.amount,
                reason,
            }
        }
        (None, Some(rid)) => {
            let r = receipt::Entity::find_by_id(rid)
                .one(&txn)
                .await?
                .filter(|r| r.ward_id == ward_id)
                .ok_or(BackendError::NotFound("receipt"))?;
            if receipt::Entity::find().filter(receipt::Column::ReplacesId.eq(r.id)).one(&txn).await?.is_some() {
                return Err(BackendError::Conflict(
                    "biên lai đã bị thay thế; hãy hoàn theo biên lai thay thế (refund against the replacement)".into(),
                ));
            }
            let n = bank_notification::Entity::find()
                .filter(bank_notification::Column::PaymentRequestId.eq(r.payment_request_id))
                .filter(bank_notification::Column::Outcome.eq("matched"))
                .one(&txn)
                .await?;
            NewRefund {
                ward_id,
                origin: RefundOrigin::Receipt,
                exception_id: None,
                receipt_id: Some(r.id),
                payment_request_id: Some(r.payment_request_id),
                received: r.amount,
                notification: n,
                amount: input.amount,
                reason,
            }
        }
        _ => return Err(BackendError::invalid("source", "chọn một ngoại lệ hoặc một biên lai (name one exception or one receipt)")),
    };
    let saved = insert_request(&txn, new, &by.username).await?;
    txn.commit().await?;
    row(db, saved).await
}

/// Approves, rejects or marks paid refund `id` at `version` (a stale version is a conflict:
/// someone acted first).
pub async fn act(
    db: &DatabaseConnection,
    ward_id: i64,
    id: i64,
    version: i32,
    action: RefundAction,
    by: &StaffUser,
) -> Result<RefundRow, BackendError> {
    let txn = db.begin().await?;
    let r = refund::Entity::find_by_id(id).one(&txn).await?.filter(|r| r.ward_id == ward_id).ok_or(BackendError::NotFound("refund"))?;
    let state = RefundState::parse(&r.state).ok_or(BackendError::NotFound("refund state"))?;
    let (event, note) = match &action {
        RefundAction::Approve { note } => {
            (RefundEvent::Approve, note.as_deref().map(str::trim).filter(|n| !n.is_empty()).map(str::to_string))
        }
        RefundAction::Reject { note } => {
            let n = note.trim();
            if n.is_empty() {
                return Err(BackendError::invalid("note", "cần lý do từ chối (a reason to reject is required)"));
            }
            (RefundEvent::Reject, Some(n.to_string()))
        }
        RefundAction::MarkPaid { bank_reference } => {
            if by.role != Role::Accountant {
                return Err(BackendError::Forbidden("chỉ kế toán ghi nhận đã chuyển trả (only the accountant records the transfer)"));
            }
            let reference = bank_reference.trim();
            if reference.chars().count() > 64 || !reference.chars().all(|c| c.is_ascii_alphanumeric() || "-_./:".contains(c)) {
                return Err(BackendError::invalid(
                    "bank_reference",
                    "mã giao dịch gồm chữ, số và - _ . / : (letters, digits and - _ . / :)",
                ));
            }
            (RefundEvent::MarkPaid { bank_reference: reference.to_string() }, None)
        }
    };
    let next = state.apply(&event, &r.requested_by, &by.username).map_err(|e| match e {
        crate::domain::refund::RefundError::SelfApproval => {
            BackendError::Forbidden("người đề nghị không được tự duyệt (the requester cannot approve their own refund)")
        }
        crate::domain::refund::RefundError::NoReference => BackendError::invalid("bank_reference", e.to_string()),
        e => BackendError::Conflict(e.to_string()),
    })?;
    let now = Utc::now();
    let mut q = refund::Entity::update_many()
        .col_expr(refund::Column::State, Expr::value(next.as_str()))
        .col_expr(refund::Column::Version, Expr::value(r.version + 1))
        .filter(refund::Column::Id.eq(id))
        .filter(refund::Column::Version.eq(version));
    q = match &event {
        RefundEvent::Approve | RefundEvent::Reject => q
            .col_expr(refund::Column::DecidedBy, Expr::value(by.username.clone()))
            .col_expr(refund::Column::DecidedAt, Expr::value(now))
            .col_expr(refund::Column::DecisionNote, Expr::value(note.clone())),
        RefundEvent::MarkPaid { bank_reference } => q
            .col_expr(refund::Column::PaidBy, Expr::value(by.username.clone()))
            .col_expr(refund::Column::PaidAt, Expr::value(now))
            .col_expr(refund::Column::BankReference, Expr::value(bank_reference.clone())),
    };
    if q.exec(&txn).await?.rows_affected == 0 {
        return Err(BackendError::Conflict(
            "đề nghị hoàn tiền vừa được người khác xử lý; hãy tải lại (someone acted first; reload)".into(),
        ));
    }
    let action_name = match event {
        RefundEvent::Approve => "refund.approve",
        RefundEvent::Reject => "refund.reject",
        RefundEvent::MarkPaid { .. } => "refund.paid",
    };
    audit::append(
        &txn,
        Entry::new(&by.username, Some(ward_id), action_name, format!("refund:{id}")).detail(serde_json::json!({
            "from": state.as_str(), "to": next.as_str(), "amount": r.amount, "requested_by": r.requested_by, "note": note, "event": event,
        })),
    )
    .await?;
    txn.commit().await?;
    let saved = refund::Entity::find_by_id(id).one(db).await?.ok_or(BackendError::NotFound("refund"))?;
    row(db, saved).await
}

pub async fn list(db: &impl ConnectionTrait, ward_id: i64) -> Result<Vec<RefundRow>, BackendError> {
    let mut out = Vec::new();
    for r in refund::Entity::find().filter(refund::Column::WardId.eq(ward_id)).order_by_desc(refund::Column::Id).all(db).await? {
        out.push(row(db, r).await?);
    }
    Ok(out)
}

/// Refunds paid in `[start, end)`.
pub async fn paid_between(
    db: &impl ConnectionTrait,
    ward_id: i64,
    start: chrono::DateTime<Utc>,
    end: chrono::DateTime<Utc>,
) -> Result<Vec<refund::Model>, BackendError> {
    Ok(refund::Entity::find()
        .filter(refund::Column::WardId.eq(ward_id))
        .filter(refund::Column::State.eq(RefundState::Paid.as_str()))
        .filter(refund::Column::PaidAt.gte(start))
        .filter(refund::Column::PaidAt.lt(end))
        .order_by_asc(refund::Column::PaidAt)
        .all(db)
        .await?)
}

/// When the ward's first refund of revenue paid after `after` was paid, if any.
pub async fn first_revenue_refund_paid_after(
    db: &impl ConnectionTrait,
    ward_id: i64,
    after: chrono::DateTime<Utc>,
) -> Result<Option<chrono::DateTime<Utc>>, BackendError> {
    use sea_orm::QuerySelect;
    let paid: Option<Option<chrono::DateTime<Utc>>> = refund::Entity::find()
        .select_only()
        .column(refund::Column::PaidAt)
        .filter(refund::Column::WardId.eq(ward_id))
        .filter(refund::Column::State.eq(RefundState::Paid.as_str()))
        .filter(refund::Column::Origin.eq(RefundOrigin::Receipt.as_str()))
        .filter(refund::Column::PaidAt.gt(after))
        .order_by_asc(refund::Column::PaidAt)
        .into_tuple()
        .one(db)
        .await?;
    Ok(paid.flatten())
}

async fn row(db: &impl ConnectionTrait, r: refund::Model) -> Result<RefundRow, BackendError> {
    let state = RefundState::parse(&r.state).unwrap_or(RefundState::Requested);
    let exception = match r.exception_id {
        Some(e) => bank_exception::Entity::find_by_id(e).one(db).await?,
        None => None,
    };
    let receipt = match r.receipt_id {
        Some(id) => receipt::Entity::find_by_id(id).one(db).await?,
        None => None,
    };
    let notification = match r.notification_id {
        Some(id) => bank_notification::Entity::find_by_id(id).one(db).await?,
        None => None,
    };
    let dossier_code = match (&receipt, r.payment_request_id) {
        (Some(rc), _) => serde_json::from_str::<ReceiptContent>(&rc.content).ok().map(|c| c.dossier_code),
        (None, Some(pr)) => match payment_request::Entity::find_by_id(pr).one(db).await? {
            Some(p) => super::entity::dossier::Entity::find_by_id(p.dossier_id).one(db).await?.map(|d| d.code),
            None => None,
        },
        _ => None,
    };
    let received = receipt.as_ref().map(|x| x.amount).or(notification.as_ref().map(|n| n.amount)).unwrap_or(0);
    let qr_svg = match (state, &r.payer_account, &r.payer_bank_bin) {
        (RefundState::Approved, Some(acct), Some(bin)) => {
            let qr = vietqr::VietQr::new(bin.clone(), acct.clone(), vietqr::Service::ToAccount)
                .with_amount(u64::try_from(r.amount).unwrap_or(0))
                .with_purpose(format!("Hoan tien WardPay {}", r.id));
            vietqr::encode(&qr).ok().and_then(|p| {
                let options = vietqr::SvgOptions { title: Some(format!("VietQR: {bin} {acct}, {} VND", r.amount)), ..Default::default() };
                vietqr::render_svg(&p, &options).ok()
            })
        }
        _ => None,
    };
    Ok(RefundRow {
        id: r.id,
        origin: RefundOrigin::parse(&r.origin).unwrap_or(RefundOrigin::Exception),
        exception_id: r.exception_id,
        exception_kind: exception.map(|e| e.kind),
        receipt_label: receipt.as_ref().map(receipts::label),
        dossier_code,
        received,
        amount: r.amount,
        reason: r.reason,
        payer_name: r.payer_name,
        payer_account: r.payer_account,
        payer_bank_bin: r.payer_bank_bin,
        incoming_reference: notification.and_then(|n| n.bank_reference),
        state,
        requested_by: r.requested_by,
        requested_at: r.requested_at.to_rfc3339(),
        decided_by: r.decided_by,
        decided_at: r.decided_at.map(|t| t.to_rfc3339()),
        decision_note: r.decision_note,
        paid_by: r.paid_by,
        paid_at: r.paid_at.map(|t| t.to_rfc3339()),
        bank_reference: r.bank_reference,
        version: r.version,
        qr_svg,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notification(raw: &str) -> bank_notification::Model {
        bank_notification::Model {
            id: 1,
            provider: "casso".into(),
            provider_txn_id: "1".into(),
            bank_reference: None,
            raw_body: raw.into(),
            headers: "{}".into(),
            received_at: Utc::now(),
            amount: 60_000,
            account_number: "113366668888".into(),
            content: String::new(),
            payment_request_id: None,
            outcome: "overpaid".into(),
            source: "webhook".into(),
        }
    }

    #[test]
    fn the_payers_account_comes_from_casso_and_payos_bodies() {
        let casso = r#"{"error":0,"data":{"id":9,"counterAccountName":"NGUYEN VAN AN","counterAccountNumber":"0011001234567","counterAccountBankId":"970436"}}"#;
        let p = payer_of(&notification(casso));
        assert_eq!(
            (p.name.as_deref(), p.account.as_deref(), p.bank_bin.as_deref()),
            (Some("NGUYEN VAN AN"), Some("0011001234567"), Some("970436"))
        );
        let payos = r#"{"code":"00","data":{"orderCode":1,"counterAccountBankId":"970415","counterAccountName":"TRAN THI B","counterAccountNumber":"123456789"}}"#;
        assert_eq!(payer_of(&notification(payos)).bank_bin.as_deref(), Some("970415"));
    }

    #[test]
    fn no_account_or_an_unknown_bank_gives_no_refund_qr() {
        let sepay = r#"{"id":1,"gateway":"VietinBank","transferAmount":60000,"accountNumber":"113366668888"}"#;
        assert!(payer_of(&notification(sepay)).account.is_none());
        let odd = r#"{"data":{"counterAccountNumber":"1","counterAccountBankId":"999999"}}"#;
        assert!(payer_of(&notification(odd)).bank_bin.is_none(), "a BIN outside the NAPAS directory is not trusted");
        assert!(payer_of(&notification("not json")).account.is_none());
    }
}
