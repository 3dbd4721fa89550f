//! The public receipt check (`/verify`): did this ward issue this receipt, does it still
//! stand, and does its signature hold? Anyone may ask, so the answer names nothing of the
//! payer beyond a masked name, and a receipt is found only with its amount too (a guessed
//! number alone reveals nothing).

use super::entity::{receipt, receipt_notice, ward};
use super::{receipt_corrections, receipts, BackendError};
use crate::domain::mask;
use crate::domain::receipt_rules::ReceiptStatus;
use crate::model::{VerifyQuery, VerifyResult};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

fn digits(field: &'static str, s: &str, max_len: usize) -> Result<i64, BackendError> {
    let d: String = s.trim().chars().filter(|c| !matches!(c, '.' | ',' | ' ' | 'đ')).collect();
    if d.is_empty() || d.len() > max_len || !d.bytes().all(|b| b.is_ascii_digit()) {
        return Err(BackendError::invalid(field, format!("chỉ gồm chữ số, tối đa {max_len} (digits only, at most {max_len})")));
    }
    d.parse().map_err(|_| BackendError::invalid(field, "số không hợp lệ (not a number)"))
}

pub async fn check(db: &impl ConnectionTrait, q: &VerifyQuery) -> Result<Option<VerifyResult>, BackendError> {
    let form = q.form.trim().to_uppercase();
    let series = q.series.trim().to_uppercase();
    if form.is_empty() || form.len() > 20 || series.is_empty() || series.len() > 20 {
        return Err(BackendError::invalid(
            "series",
            "nhập mẫu số và ký hiệu như trên biên lai, ví dụ EBL01 và 26TAA (form and series as printed)",
        ));
    }
    let number = digits("number", &q.number, 8)?;
    let amount = digits("amount", &q.amount, 12)?;
    let tax_code = q.tax_code.as_deref().map(str::trim).filter(|t| !t.is_empty());
    let mut found = receipt::Entity::find()
        .filter(receipt::Column::Form.eq(form))
        .filter(receipt::Column::Series.eq(series))
        .filter(receipt::Column::Number.eq(number))
        .filter(receipt::Column::Amount.eq(amount))
        .order_by_asc(receipt::Column::Id)
        .all(db)
        .await?;
    if let Some(t) = tax_code {
        let wards: Vec<i64> = ward::Entity::find().filter(ward::Column::TaxCode.eq(t)).all(db).await?.into_iter().map(|w| w.id).collect();
        found.retain(|r| wards.contains(&r.ward_id));
    }
    let r = match found.len() {
        0 => return Ok(None),
        1 => found.remove(0),
        _ => {
            return Err(BackendError::invalid(
                "tax_code",
                "nhiều đơn vị thu có biên lai trùng số này: nhập thêm mã số thuế đơn vị thu in trên biên lai (several units match: add the unit's tax code)",
            ))
        }
    };
    let w = ward::Entity::find_by_id(r.ward_id).one(db).await?.ok_or(BackendError::NotFound("ward"))?;
    let replaced_by = receipt::Entity::find().filter(receipt::Column::ReplacesId.eq(r.id)).one(db).await?;
    let notices = receipt_notice::Entity::find().filter(receipt_notice::Column::ReceiptId.eq(r.id)).all(db).await?;
    let notice_labels: Vec<String> = notices.into_iter().map(|n| receipt_corrections::view(n, &r, false).label).collect();
    Ok(Some(VerifyResult {
        ward_name: w.name.clone(),
        unit_tax_code: w.tax_code.clone(),
        form: r.form.clone(),
        series: r.series.clone(),
        number: receipts::format_number(r.number),
        issued_at: r.issued_at.to_rfc3339(),
        total: r.amount,
        payer_masked: mask::mask_name(&r.payer_name),
        status: ReceiptStatus::of(replaced_by.is_some(), notice_labels.len()),
        replaced_by: replaced_by.map(|n| format!("{} {}", n.form, receipts::label(&n))),
        notices: notice_labels,
        signature_valid: receipts::signature_holds(db, &r, &w).await?,
        sig_alg: r.sig_alg.clone(),
        key_id: r.key_id.clone(),
    }))
}

/// `/verify?…` for a receipt, as its QR code and its page link it.
pub fn verify_path(r: &receipt::Model, w: &ward::Model) -> String {
    format!(
        "/verify?form={}&series={}&number={}&amount={}&mst={}",
        r.form,
        r.series,
        receipts::format_number(r.number),
        r.amount,
        w.tax_code
    )
}
