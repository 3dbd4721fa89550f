//! A receipt as its page, its PDF and its public link show it: whole for staff of its ward,
//! the payer masked for a holder of its link, with its corrections and its check link.

use super::entity::{receipt, ward};
use super::{receipt_check, receipt_corrections, receipts, BackendError};
use crate::model::{ReceiptContent, ReceiptDoc, ReceiptOpen};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

/// The receipt for its page. Staff of its ward (a signed-in session, which expires) see it
/// whole; anyone holding its public link sees it with the payer's name and ID masked;
/// nobody else sees it at all.
pub async fn load(
    db: &impl ConnectionTrait,
    id: i64,
    token: Option<&str>,
    viewer: &super::auth::Principal,
) -> Result<Option<ReceiptOpen>, BackendError> {
    let Some(r) = receipt::Entity::find_by_id(id).one(db).await? else { return Ok(None) };
    let w = ward::Entity::find_by_id(r.ward_id).one(db).await?.ok_or(BackendError::NotFound("ward"))?;
    let staff = matches!(viewer, super::auth::Principal::Staff(s) if s.covers_ward(r.ward_id));
    let public = token.is_some_and(|t| receipts::token_matches(&receipts::public_token(&w.receipt_key, r.id), t));
    if !public && !staff {
        return Err(BackendError::Forbidden("biên lai chỉ mở được bằng đường dẫn kèm mã (receipt link token required)"));
    }
    let full = staff;
    let mut content: ReceiptContent = serde_json::from_str(&r.content).map_err(|e| BackendError::invalid("receipt", e.to_string()))?;
    let signature_valid = receipts::signature_holds(db, &r, &w).await?;
    if !full {
        content.payer_name = crate::domain::mask::mask_name(&content.payer_name);
        content.payer_id = content.payer_id.as_deref().map(crate::domain::mask::mask_id_number);
        content.payer_address = None;
    }
    let replaced_by =
        receipt::Entity::find().filter(receipt::Column::ReplacesId.eq(r.id)).one(db).await?.map(|n| receipts::reference(&n, &w));
    if !full {
        if let Some(by) = replaced_by {
            return Ok(Some(ReceiptOpen::Replaced { label: receipts::label(&r), by }));
        }
    }
    let notices = receipt_corrections::notices_of(db, &r, full).await?;
    let status = crate::domain::receipt_rules::ReceiptStatus::of(replaced_by.is_some(), notices.len());
    let can_correct =
        matches!(viewer, super::auth::Principal::Staff(s) if s.covers_ward(r.ward_id) && s.role == crate::model::Role::Accountant);
    // A waiting replacement is shown to staff only; a second accountant or the supervisor
    // decides it.
    let pending_replacement = if full { receipt_corrections::pending_for(db, &r).await? } else { None };
    let can_decide = matches!(viewer, super::auth::Principal::Staff(s)
        if s.covers_ward(r.ward_id)
            && matches!(s.role, crate::model::Role::Accountant | crate::model::Role::Supervisor)
            && pending_replacement.as_ref().is_some_and(|p|
                crate::domain::receipt_rules::decide_replacement(p.state, &p.proposed_by, &s.username, true, None).is_ok()));
    let verify_path = receipt_check::verify_path(&r, &w);
    Ok(Some(ReceiptOpen::Doc(Box::new(ReceiptDoc {
        id: r.id,
        content,
        signature: r.signature,
        signature_valid,
        status,
        replaced_by,
        notices,
        can_correct,
        pending_replacement,
        can_decide,
        sig_alg: r.sig_alg,
        key_id: r.key_id,
        verify_path,
        verify_qr_svg: None,
    }))))
}
