//! Correcting a receipt without touching it (TT 91, Điều 20): a notice on form 04/SS-CTĐT
//! when only the payer's name, address or the amount in words was wrong, otherwise a
//! replacement receipt that names the one it replaces. Both are signed, audited and kept
//! in the register; the receipt itself is never updated.

use super::audit::{self, Entry};
use super::auth::StaffUser;
use super::entity::{receipt, receipt_notice, receipt_replacement, ward};
use super::{receipts, sequences, BackendError};
use crate::domain::mask;
use crate::domain::payment::PaymentMethod;
use crate::domain::receipt_rules::{self as rules, check_correction, CorrectionPath, DecisionError, ReceiptField, ReplacementState};
use crate::domain::words::{format_vnd, vnd_in_words_vi};
use crate::model::{
    CorrectionInput, FieldChange, NoticeView, ReceiptContent, ReceiptRef, ReplacedReceipt, ReplacementDecision, ReplacementView,
};
use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set, TransactionTrait,
};

pub const NOTICE_FORM: &str = "04/SS-CTĐT";
const MAX_TEXT: usize = 500;

fn notice_label(year: i32, number: i64) -> String {
    format!("{NOTICE_FORM} số {number}/{year}")
}

fn content_of(r: &receipt::Model) -> Result<ReceiptContent, BackendError> {
    serde_json::from_str(&r.content).map_err(|e| BackendError::invalid("receipt", e.to_string()))
}

/// The notices of a receipt, oldest first; for a public viewer the payer's details in them
/// are masked like the receipt's own.
pub async fn notices_of(db: &impl ConnectionTrait, r: &receipt::Model, full: bool) -> Result<Vec<NoticeView>, BackendError> {
    let rows = receipt_notice::Entity::find()
        .filter(receipt_notice::Column::ReceiptId.eq(r.id))
        .order_by_asc(receipt_notice::Column::Id)
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|n| view(n, r, full)).collect())
}

pub(crate) fn view(n: receipt_notice::Model, r: &receipt::Model, full: bool) -> NoticeView {
    let mut changes: Vec<FieldChange> = serde_json::from_str(&n.changes).unwrap_or_default();
    if !full {
        for c in &mut changes {
            match c.field {
                ReceiptField::PayerName => {
                    c.was = mask::mask_name(&c.was);
                    c.now = mask::mask_name(&c.now);
                }
                ReceiptField::PayerAddress => {
                    c.was = "***".into();
                    c.now = "***".into();
                }
                _ => {}
            }
        }
    }
    NoticeView {
        id: n.id,
        label: notice_label(n.year, n.number),
        receipt_id: r.id,
        receipt_label: receipts::label(r),
        reason: n.reason,
        changes,
        created_by: n.created_by,
        created_at: n.created_at.to_rfc3339(),
    }
}

fn reason(input: &CorrectionInput) -> Result<String, BackendError> {
    let reason = input.reason.trim().to_string();
    if reason.is_empty() || reason.chars().count() > MAX_TEXT {
        return Err(BackendError::invalid("reason", "cần nêu lý do, tối đa 500 ký tự (a reason is required, at most 500 characters)"));
    }
    Ok(reason)
}

/// The right value of a text field the caller says was wrong: given, trimmed, not empty,
/// and different from what the receipt says.
fn corrected(field: &'static str, given: &Option<String>, was: &str) -> Result<String, BackendError> {
    let now = given.as_deref().map(str::trim).unwrap_or_default().to_string();
    if now.is_empty() || now.chars().count() > 200 {
        return Err(BackendError::invalid(
            field,
            "cần giá trị đúng, tối đa 200 ký tự (the right value is required, at most 200 characters)",
        ));
    }
    if now == was {
        return Err(BackendError::invalid(
            field,
            "giá trị đúng trùng với giá trị trên biên lai (the right value is what the receipt already says)",
        ));
    }
    Ok(now)
}

/// The receipt and its ward, if the staff member may correct it; and whether it was replaced.
async fn load_for_correction(
    txn: &impl ConnectionTrait,
    receipt_id: i64,
    by: &StaffUser,
) -> Result<(receipt::Model, ward::Model, bool), BackendError> {
    let r = receipt::Entity::find_by_id(receipt_id).one(txn).await?.ok_or(BackendError::NotFound("receipt"))?;
    if !by.covers_ward(r.ward_id) {
        return Err(BackendError::NotFound("receipt"));
    }
    let w = ward::Entity::find_by_id(r.ward_id).one(txn).await?.ok_or(BackendError::NotFound("ward"))?;
    let replaced = receipt::Entity::find().filter(receipt::Column::ReplacesId.eq(r.id)).one(txn).await?.is_some();
    Ok((r, w, replaced))
}

/// Issues a notice (04/SS-CTĐT) correcting the payer's name, address or the amount in words.
pub async fn notify(db: &DatabaseConnection, input: CorrectionInput, by: &StaffUser) -> Result<NoticeView, BackendError> {
    let reason = reason(&input)?;
    let txn = db.begin().await?;
    let (r, w, replaced) = load_for_correction(&txn, input.receipt_id, by).await?;
    check_correction(CorrectionPath::Notice, &input.wrong, replaced).map_err(|e| BackendError::invalid("wrong", e.to_string()))?;
    let content = content_of(&r)?;
    let mut changes = Vec::new();
    for field in dedup(&input.wrong) {
        let (was, now) = match field {
            ReceiptField::PayerName => (content.payer_name.clone(), corrected("payer_name", &input.payer_name, &content.payer_name)?),
            ReceiptField::PayerAddress => {
                let was = content.payer_address.clone().unwrap_or_default();
                let now = corrected("payer_address", &input.payer_address, &was)?;
                (was, now)
            }
            // The words follow from the amount, which was right: the notice gives them.
            ReceiptField::AmountInWords => (content.total_words.clone(), vnd_in_words_vi(u64::try_from(content.total).unwrap_or(0))),
            _ => return Err(BackendError::invalid("wrong", "thông báo chỉ sửa tên, địa chỉ hoặc số tiền bằng chữ")),
        };
        changes.push(FieldChange { field, was, now });
    }
    let now = Utc::now();
    let year = crate::time::to_vn(now).format("%Y").to_string().parse::<i32>().unwrap_or(2026);
    let number = sequences::next_notice_number(&txn, w.id, year).await?;
    let canonical = serde_json::json!({
        "form": NOTICE_FORM,
        "number": number,
        "year": year,
        "unit_name": w.name,
        "unit_tax_code": w.tax_code,
        "receipt": { "form": r.form, "series": r.series, "number": receipts::format_number(r.number), "issued_at": r.issued_at.to_rfc3339() },
        "changes": changes,
        "reason": reason,
        "created_at": now.to_rfc3339(),
    })
    .to_string();
    let signature = receipts::sign_content(&w.receipt_key, &canonical)?;
    let n = receipt_notice::ActiveModel {
        ward_id: Set(w.id),
        receipt_id: Set(r.id),
        year: Set(year),
        number: Set(number),
        reason: Set(reason.clone()),
        changes: Set(serde_json::to_string(&changes).map_err(|e| BackendError::invalid("changes", e.to_string()))?),
        content: Set(canonical),
        signature: Set(signature),
        created_by: Set(by.username.clone()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::append(
        &txn,
        Entry::new(&by.username, Some(w.id), "receipt.notice", format!("receipt:{}", r.id)).detail(serde_json::json!({
            "notice": notice_label(year, number), "receipt": receipts::label(&r), "changes": changes, "reason": reason,
        })),
    )
    .await?;
    txn.commit().await?;
    Ok(view(n, &r, true))
}

fn dedup(fields: &[ReceiptField]) -> Vec<ReceiptField> {
    let mut out: Vec<ReceiptField> = Vec::new();
    for f in fields {
        if !out.contains(f) {
            out.push(*f);
        }
    }
    out
}

/// The corrected content of `old` as `input` asks, the changes it makes, and what was wrong.
fn corrected_content(
    old: &receipt::Model,
    input: &CorrectionInput,
) -> Result<(ReceiptContent, Vec<FieldChange>, Vec<ReceiptField>), BackendError> {
    let before = content_of(old)?;
    let mut content = before.clone();
    let mut changes = Vec::new();
    let wrong = dedup(&input.wrong);
    if wrong.contains(&ReceiptField::PayerName) {
        content.payer_name = corrected("payer_name", &input.payer_name, &before.payer_name)?;
        changes.push(FieldChange { field: ReceiptField::PayerName, was: before.payer_name.clone(), now: content.payer_name.clone() });
    }
    if wrong.contains(&ReceiptField::PayerAddress) {
        let was = before.payer_address.clone().unwrap_or_default();
        content.payer_address = Some(corrected("payer_address", &input.payer_address, &was)?);
        changes.push(FieldChange { field: ReceiptField::PayerAddress, was, now: content.payer_address.clone().unwrap_or_default() });
    }
    if wrong.contains(&ReceiptField::PayerId) {
        let was = before.payer_id.clone().unwrap_or_default();
        content.payer_id = Some(corrected("payer_id", &input.payer_id, &was)?);
        changes.push(FieldChange { field: ReceiptField::PayerId, was, now: content.payer_id.clone().unwrap_or_default() });
    }
    if let Some(amounts) = &input.line_amounts {
        if amounts.len() != content.lines.len() || amounts.iter().any(|a| *a < 0 || *a > 1_000_000_000) {
            return Err(BackendError::invalid(
                "line_amounts",
                format!(
                    "cần {} số tiền không âm, mỗi khoản một số (one non-negative amount per line: {})",
                    content.lines.len(),
                    content.lines.len()
                ),
            ));
        }
        for (line, amount) in content.lines.iter_mut().zip(amounts) {
            if line.amount != *amount {
                changes.push(FieldChange {
                    field: ReceiptField::Amount,
                    was: format!("{}: {}", line.fee_name, format_vnd(line.amount)),
                    now: format!("{}: {}", line.fee_name, format_vnd(*amount)),
                });
                line.amount = *amount;
            }
        }
        content.total = content.lines.iter().map(|l| l.amount).sum();
    }
    content.total_words = vnd_in_words_vi(u64::try_from(content.total).unwrap_or(0));
    Ok((content, changes, wrong))
}

/// A receipt has at most one replacement waiting for a second person.
const ALREADY_WAITING: &str = "biên lai này đã có đề nghị thay thế đang chờ duyệt (a replacement of this receipt is already waiting)";

async fn pending_of(db: &impl ConnectionTrait, receipt_id: i64) -> Result<Option<receipt_replacement::Model>, BackendError> {
    Ok(receipt_replacement::Entity::find().filter(receipt_replacement::Column::PendingReceiptId.eq(receipt_id)).one(db).await?)
}

fn replacement_view(p: receipt_replacement::Model, old: &receipt::Model, replacement: Option<ReceiptRef>) -> ReplacementView {
    ReplacementView {
        id: p.id,
        receipt_id: p.receipt_id,
        receipt_label: receipts::label(old),
        state: ReplacementState::parse(&p.state).unwrap_or(ReplacementState::Proposed),
        changes: serde_json::from_str(&p.changes).unwrap_or_default(),
        reason: p.reason,
        amount_before: p.amount_before,
        amount_after: p.amount_after,
        proposed_by: p.proposed_by,
        proposed_at: p.proposed_at.to_rfc3339(),
        decided_by: p.decided_by,
        decided_at: p.decided_at.map(|t| t.to_rfc3339()),
        note: p.note,
        replacement,
    }
}

/// The replacement waiting for a second person on receipt `r`, if any.
pub async fn pending_for(db: &impl ConnectionTrait, r: &receipt::Model) -> Result<Option<ReplacementView>, BackendError> {
    Ok(pending_of(db, r.id).await?.map(|p| replacement_view(p, r, None)))
}

/// Every replacement of the ward waiting for a second person, oldest first.
pub async fn pending_in_ward(db: &impl ConnectionTrait, ward_id: i64) -> Result<Vec<ReplacementView>, BackendError> {
    let waiting = receipt_replacement::Entity::find()
        .filter(receipt_replacement::Column::WardId.eq(ward_id))
        .filter(receipt_replacement::Column::State.eq(ReplacementState::Proposed.as_str()))
        .order_by_asc(receipt_replacement::Column::Id)
        .all(db)
        .await?;
    let mut out = Vec::with_capacity(waiting.len());
    for p in waiting {
        if let Some(r) = receipt::Entity::find_by_id(p.receipt_id).one(db).await? {
            out.push(replacement_view(p, &r, None));
        }
    }
    Ok(out)
}

/// Proposes a replacement receipt: checked as it would be issued, kept until a second
/// person approves it (then it is issued) or rejects it. One waiting proposal per receipt.
pub async fn propose_replacement(db: &DatabaseConnection, input: CorrectionInput, by: &StaffUser) -> Result<ReplacementView, BackendError> {
    let reason = reason(&input)?;
    let txn = db.begin().await?;
    let (old, w, replaced) = load_for_correction(&txn, input.receipt_id, by).await?;
    check_correction(CorrectionPath::Replacement, &input.wrong, replaced).map_err(|e| match e {
        crate::domain::receipt_rules::CorrectionError::AlreadyReplaced => BackendError::Conflict(e.to_string()),
        e => BackendError::invalid("wrong", e.to_string()),
    })?;
    let (content, changes, wrong) = corrected_content(&old, &input)?;
    if changes.is_empty() && !wrong.contains(&ReceiptField::Lines) && !wrong.contains(&ReceiptField::Other) {
        return Err(BackendError::invalid("wrong", "nội dung thay thế giống biên lai cũ (the replacement would change nothing)"));
    }
    if pending_of(&txn, old.id).await?.is_some() {
        return Err(BackendError::Conflict(ALREADY_WAITING.into()));
    }
    let now = Utc::now();
    let p = receipt_replacement::ActiveModel {
        ward_id: Set(w.id),
        receipt_id: Set(old.id),
        pending_receipt_id: Set(Some(old.id)),
        input: Set(serde_json::to_string(&input).map_err(|e| BackendError::invalid("input", e.to_string()))?),
        changes: Set(serde_json::to_string(&changes).map_err(|e| BackendError::invalid("changes", e.to_string()))?),
        reason: Set(reason.clone()),
        amount_before: Set(old.amount),
        amount_after: Set(content.total),
        state: Set(ReplacementState::Proposed.as_str().into()),
        proposed_by: Set(by.username.clone()),
        proposed_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| match e.sql_err() {
        // Two people proposing at once: the unique waiting slot lets one through.
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => BackendError::Conflict(ALREADY_WAITING.into()),
        _ => BackendError::Db(e),
    })?;
    audit::append(
        &txn,
        Entry::new(&by.username, Some(w.id), "receipt.replace_proposed", format!("receipt:{}", old.id)).detail(serde_json::json!({
            "proposal": p.id, "receipt": receipts::label(&old), "wrong": wrong, "changes": changes, "reason": reason,
            "amount_before": old.amount, "amount_after": content.total,
        })),
    )
    .await?;
    txn.commit().await?;
    Ok(replacement_view(p, &old, None))
}

/// A second person approves a proposed replacement (it is issued now, with the next
/// number) or rejects it with a reason. The proposer can do neither.
pub async fn decide_replacement(
    db: &DatabaseConnection,
    decision: ReplacementDecision,
    by: &StaffUser,
) -> Result<ReplacementView, BackendError> {
    let note = decision.note.as_deref().map(str::trim).filter(|n| !n.is_empty()).map(|n| n.chars().take(MAX_TEXT).collect::<String>());
    let txn = db.begin().await?;
    let p = receipt_replacement::Entity::find_by_id(decision.id)
        .one(&txn)
        .await?
        .filter(|p| by.covers_ward(p.ward_id))
        .ok_or(BackendError::NotFound("replacement"))?;
    let state = ReplacementState::parse(&p.state).unwrap_or(ReplacementState::Rejected);
    let next = rules::decide_replacement(state, &p.proposed_by, &by.username, decision.approve, note.as_deref()).map_err(|e| match e {
        DecisionError::OwnProposal => BackendError::Forbidden(
            "người đề nghị không tự duyệt hay từ chối đề nghị của mình; cần người thứ hai (you cannot decide your own proposal)",
        ),
        DecisionError::NotPending => BackendError::Conflict(e.to_string()),
        DecisionError::ReasonRequired => BackendError::invalid("note", e.to_string()),
    })?;
    let (old, w, replaced) = load_for_correction(&txn, p.receipt_id, by).await?;
    let now = Utc::now();
    let mut issued = None;
    if next == ReplacementState::Approved {
        if replaced {
            return Err(BackendError::Conflict(crate::domain::receipt_rules::CorrectionError::AlreadyReplaced.to_string()));
        }
        let input: CorrectionInput = serde_json::from_str(&p.input).map_err(|e| BackendError::invalid("input", e.to_string()))?;
        let (mut content, changes, wrong) = corrected_content(&old, &input)?;
        content.form = w.receipt_form.clone();
        content.issued_at = now.to_rfc3339();
        content.replaces = Some(ReplacedReceipt {
            form: old.form.clone(),
            series: old.series.clone(),
            number: receipts::format_number(old.number),
            issued_at: old.issued_at.to_rfc3339(),
            reason: p.reason.clone(),
        });
        let method = PaymentMethod::parse(&old.method).unwrap_or(PaymentMethod::QrTransfer);
        let new = receipts::issue(
            &txn,
            receipts::NewReceipt {
                ward: &w,
                payment_request_id: old.payment_request_id,
                content,
                method,
                bank_ref: old.bank_ref.clone(),
                issued_at: now,
                replaces: Some((old.id, &p.reason)),
                issued_by: Some(&by.username),
            },
        )
        .await
        .map_err(|e| match e {
            // Replaced meanwhile: the unique link lets one replacement through.
            BackendError::Db(ref db) if matches!(db.sql_err(), Some(sea_orm::SqlErr::UniqueConstraintViolation(_))) => {
                BackendError::Conflict(crate::domain::receipt_rules::CorrectionError::AlreadyReplaced.to_string())
            }
            e => e,
        })?;
        audit::append(
            &txn,
            Entry::new(&by.username, Some(w.id), "receipt.replace", format!("receipt:{}", old.id)).detail(serde_json::json!({
                "proposal": p.id, "proposed_by": p.proposed_by, "approved_by": by.username,
                "replaced": receipts::label(&old), "replacement": receipts::label(&new), "replacement_id": new.id,
                "wrong": wrong, "changes": changes, "reason": p.reason, "amount_before": old.amount, "amount_after": new.amount,
            })),
        )
        .await?;
        issued = Some(new);
    } else {
        audit::append(
            &txn,
            Entry::new(&by.username, Some(w.id), "receipt.replace_rejected", format!("receipt:{}", old.id)).detail(serde_json::json!({
                "proposal": p.id, "proposed_by": p.proposed_by, "receipt": receipts::label(&old), "note": note,
            })),
        )
        .await?;
    }
    // Only a waiting proposal moves: someone who decided first wins, the other is told.
    let moved = receipt_replacement::Entity::update_many()
        .col_expr(receipt_replacement::Column::State, Expr::value(next.as_str()))
        .col_expr(receipt_replacement::Column::PendingReceiptId, Expr::value(Option::<i64>::None))
        .col_expr(receipt_replacement::Column::DecidedBy, Expr::value(by.username.clone()))
        .col_expr(receipt_replacement::Column::DecidedAt, Expr::value(now))
        .col_expr(receipt_replacement::Column::Note, Expr::value(note.clone()))
        .col_expr(receipt_replacement::Column::ReplacementId, Expr::value(issued.as_ref().map(|r| r.id)))
        .filter(receipt_replacement::Column::Id.eq(p.id))
        .filter(receipt_replacement::Column::State.eq(ReplacementState::Proposed.as_str()))
        .exec(&txn)
        .await?;
    if moved.rows_affected != 1 {
        return Err(BackendError::Conflict(DecisionError::NotPending.to_string()));
    }
    txn.commit().await?;
    let saved = receipt_replacement::Entity::find_by_id(p.id).one(db).await?.ok_or(BackendError::NotFound("replacement"))?;
    Ok(replacement_view(saved, &old, issued.map(|r| receipts::reference(&r, &w))))
}
