//! The evidence behind a reconciliation row, for the accountant who must show it: the
//! dossier and its payment request, every bank notification tied to it (with the raw body
//! and headers exactly as received, and where it came from: webhook, poll or statement),
//! the statement lines that show that money, and the audit entries of all of these.
//! Only for the caller's own ward.

use crate::backend::entity::{audit_log, bank_exception, bank_notification, dossier, payment_request, statement_line, ward};
use crate::backend::BackendError;
use crate::domain::mask;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{json, Value};

/// The evidence of payment request `request` and/or notification `notification`, both of
/// ward `ward_id` (anything of another ward is "not found", revealing nothing).
pub async fn evidence(
    db: &impl ConnectionTrait,
    ward_id: i64,
    request: Option<i64>,
    notification: Option<i64>,
) -> Result<Value, BackendError> {
    if request.is_none() && notification.is_none() {
        return Err(BackendError::invalid("payment_request", "name a payment_request or a notification"));
    }
    let w = ward::Entity::find_by_id(ward_id).one(db).await?.ok_or(BackendError::NotFound("ward"))?;
    let mut notes: Vec<bank_notification::Model> = Vec::new();
    if let Some(id) = notification {
        let n = bank_notification::Entity::find_by_id(id).one(db).await?.ok_or(BackendError::NotFound("notification"))?;
        // A notification belongs to a ward through its request, its exception, or the account.
        let via_request = match n.payment_request_id {
            Some(pr) => payment_request::Entity::find_by_id(pr).one(db).await?.is_some_and(|p| p.ward_id == ward_id),
            None => false,
        };
        let via_exception = bank_exception::Entity::find()
            .filter(bank_exception::Column::NotificationId.eq(n.id))
            .filter(bank_exception::Column::WardId.eq(ward_id))
            .one(db)
            .await?
            .is_some();
        if !(via_request || via_exception || n.account_number == w.bank_account) {
            return Err(BackendError::NotFound("notification"));
        }
        notes.push(n);
    }
    let mut subjects: Vec<String> = Vec::new();
    let mut out = json!({});
    let request_id = request.or_else(|| notes.first().and_then(|n| n.payment_request_id));
    if let Some(id) = request_id {
        let pr = payment_request::Entity::find_by_id(id).one(db).await?.filter(|p| p.ward_id == ward_id);
        let Some(pr) = pr else {
            return Err(BackendError::NotFound("payment request"));
        };
        let d = dossier::Entity::find_by_id(pr.dossier_id).one(db).await?;
        for n in bank_notification::Entity::find().filter(bank_notification::Column::PaymentRequestId.eq(pr.id)).all(db).await? {
            if !notes.iter().any(|x| x.id == n.id) {
                notes.push(n);
            }
        }
        subjects.push(format!("payment_request:{}", pr.id));
        if let Some(d) = &d {
            subjects.push(format!("dossier:{}", d.code));
            out["dossier"] = json!({
                "code": d.code, "procedure": d.procedure_name, "payer": mask::mask_name(&d.applicant_name),
                "total": d.total, "source": d.source, "created_at": d.created_at.to_rfc3339(), "created_by": d.created_by,
            });
        }
        out["payment_request"] = json!({
            "id": pr.id, "payment_code": pr.payment_code, "amount": pr.amount, "state": pr.state, "method": pr.method,
            "amount_received": pr.amount_received, "bank_ref": pr.bank_ref, "cash_reason": pr.cash_reason,
            "issued_at": pr.issued_at.map(|t| t.to_rfc3339()), "expires_at": pr.expires_at.map(|t| t.to_rfc3339()),
            "paid_at": pr.paid_at.map(|t| t.to_rfc3339()), "created_at": pr.created_at.to_rfc3339(), "created_by": pr.created_by,
        });
    }
    let ids: Vec<i64> = notes.iter().map(|n| n.id).collect();
    for e in bank_exception::Entity::find().filter(bank_exception::Column::NotificationId.is_in(ids.clone())).all(db).await? {
        subjects.push(format!("exception:{}", e.id));
    }
    out["notifications"] = notes
        .iter()
        .map(|n| {
            json!({
                "id": n.id, "provider": n.provider, "source": n.source, "provider_txn_id": n.provider_txn_id,
                "bank_reference": n.bank_reference, "received_at": n.received_at.to_rfc3339(), "amount": n.amount,
                "account_number": n.account_number, "content": n.content, "outcome": n.outcome,
                "raw_body": n.raw_body, "headers": serde_json::from_str::<Value>(&n.headers).unwrap_or(Value::String(n.headers.clone())),
            })
        })
        .collect();
    out["statement_lines"] = statement_line::Entity::find()
        .filter(statement_line::Column::NotificationId.is_in(ids))
        .filter(statement_line::Column::WardId.eq(ward_id))
        .all(db)
        .await?
        .into_iter()
        .map(|l| {
            json!({
                "import_id": l.import_id, "line": l.line_no, "booked_at": l.booked_at.to_rfc3339(), "amount": l.amount,
                "content": l.content, "reference": l.reference, "account": l.account, "found_notification": l.found,
            })
        })
        .collect();
    out["audit"] = audit_log::Entity::find()
        .filter(audit_log::Column::Subject.is_in(subjects))
        .order_by_asc(audit_log::Column::Seq)
        .all(db)
        .await?
        .into_iter()
        .filter(|a| a.ward_id.is_none_or(|w| w == ward_id))
        .map(|a| {
            json!({
                "seq": a.seq, "at": a.at.to_rfc3339(), "actor": a.actor, "action": a.action, "subject": a.subject,
                "detail": serde_json::from_str::<Value>(&a.detail).unwrap_or(Value::String(a.detail.clone())),
            })
        })
        .collect();
    Ok(out)
}
