//! The ward's fee catalog as the admin keeps it: national TTHC codes, budget sub-items,
//! which procedures the counter offers, and the standard catalog for a new ward. Amount
//! rules follow the law (Thông tư, Nghị quyết HĐND) and come with the catalog; they are not
//! edited on a screen.

use super::audit::{self, Entry};
use super::auth::StaffUser;
use super::entity::fee_item;
use super::BackendError;
use crate::domain::fees::FeeRule;
use crate::model::{FeeItemEdit, FeeItemRow};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set, TransactionTrait,
};

fn row(i: fee_item::Model) -> FeeItemRow {
    let rule_vi = serde_json::from_str::<FeeRule>(&i.rule).map(|r| r.describe_vi()).unwrap_or_else(|_| i.rule.clone());
    FeeItemRow {
        id: i.id,
        procedure_code: i.procedure_code,
        procedure_name: i.procedure_name,
        fee_name: i.fee_name,
        kind: i.kind,
        rule_vi,
        legal_basis: i.legal_basis,
        budget_subitem: i.budget_subitem,
        active: i.active,
    }
}

/// Every item of the ward, offered or not.
pub async fn list(db: &DatabaseConnection, ward_id: i64) -> Result<Vec<FeeItemRow>, BackendError> {
    Ok(fee_item::Entity::find()
        .filter(fee_item::Column::WardId.eq(ward_id))
        .order_by_asc(fee_item::Column::ProcedureName)
        .all(db)
        .await?
        .into_iter()
        .map(row)
        .collect())
}

pub async fn update(db: &DatabaseConnection, edit: FeeItemEdit, by: &StaffUser) -> Result<FeeItemRow, BackendError> {
    let code = edit.procedure_code.trim().to_string();
    let subitem = edit.budget_subitem.trim().to_string();
    let plain = |s: &str| !s.is_empty() && s.len() <= 40 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._".contains(&b));
    if !plain(&code) {
        return Err(BackendError::invalid("procedure_code", "mã thủ tục như 1.001234 hoặc 2.000815 (a TTHC code)"));
    }
    if !plain(&subitem) {
        return Err(BackendError::invalid("budget_subitem", "tiểu mục như 2751 (a budget sub-item such as 2751)"));
    }
    let txn = db.begin().await?;
    let item = fee_item::Entity::find_by_id(edit.id).one(&txn).await?.ok_or(BackendError::NotFound("fee item"))?;
    if !by.covers_ward(item.ward_id) {
        return Err(BackendError::Forbidden("phường khác (another ward)"));
    }
    let clash = fee_item::Entity::find()
        .filter(fee_item::Column::WardId.eq(item.ward_id))
        .filter(fee_item::Column::ProcedureCode.eq(code.clone()))
        .filter(fee_item::Column::Id.ne(item.id))
        .one(&txn)
        .await?;
    if clash.is_some() {
        return Err(BackendError::invalid("procedure_code", "mã này đã dùng cho thủ tục khác (code used by another item)"));
    }
    let before = serde_json::json!({ "procedure_code": item.procedure_code, "budget_subitem": item.budget_subitem, "active": item.active });
    let ward_id = item.ward_id;
    let mut am = item.into_active_model();
    am.procedure_code = Set(code.clone());
    am.budget_subitem = Set(subitem.clone());
    am.active = Set(edit.active);
    let saved = am.update(&txn).await?;
    audit::append(
        &txn,
        Entry::new(&by.username, Some(ward_id), "fee.update", format!("fee_item:{}", saved.id)).detail(serde_json::json!({
            "before": before,
            "after": { "procedure_code": code, "budget_subitem": subitem, "active": edit.active },
        })),
    )
    .await?;
    txn.commit().await?;
    Ok(row(saved))
}

/// Gives a ward with no items the standard catalog; refuses when it already has some.
pub async fn import_standard(db: &DatabaseConnection, ward_id: i64, by: &StaffUser) -> Result<usize, BackendError> {
    if !by.covers_ward(ward_id) {
        return Err(BackendError::Forbidden("phường khác (another ward)"));
    }
    let txn = db.begin().await?;
    super::entity::ward::Entity::find_by_id(ward_id).one(&txn).await?.ok_or(BackendError::invalid("ward_id", "no such ward"))?;
    let n = super::seed::insert_standard_catalog(&txn, ward_id).await?;
    if n == 0 {
        return Err(BackendError::Conflict("phường đã có danh mục phí (the ward already has a catalog)".into()));
    }
    audit::append(
        &txn,
        Entry::new(&by.username, Some(ward_id), "fee.import", format!("ward:{ward_id}")).detail(serde_json::json!({ "items": n })),
    )
    .await?;
    txn.commit().await?;
    Ok(n)
}
