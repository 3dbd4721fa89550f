//! The demo ward: a ward, three counters, its collection account and the fee catalog of
//! `domain::fees::demo_catalog` (only while the ward has no fee items, so the admin's edits
//! stay). Idempotent: running it again changes nothing.

use super::entity::{counter, fee_item, ward};
use super::BackendError;
use crate::model::CounterStatus;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, Set, TransactionTrait};

pub const DEMO_WARD_CODE: &str = "000.00.01.H26";

/// Returns the demo ward's id.
pub async fn seed_demo(db: &DatabaseConnection) -> Result<i64, BackendError> {
    let txn = db.begin().await?;
    let ward_id = match ward::Entity::find().filter(ward::Column::Code.eq(DEMO_WARD_CODE)).one(&txn).await? {
        Some(w) => w.id,
        None => {
            ward::ActiveModel {
                code: Set(DEMO_WARD_CODE.into()),
                name: Set("UBND Phường Demo".into()),
                address: Set("1 Phố Demo, Hà Nội".into()),
                tax_code: Set("0100000000".into()),
                budget_code: Set("1000000".into()),
                bank_bin: Set("970415".into()),
                bank_account: Set("113366668888".into()),
                bank_account_name: Set("UBND PHUONG DEMO".into()),
                receipt_form: Set("EBL01".into()),
                receipt_series: Set("26TAA".into()),
                receipt_key: Set(new_receipt_key()),
                created_at: Set(chrono::Utc::now()),
                ..Default::default()
            }
            .insert(&txn)
            .await?
            .id
        }
    };
    for number in 1..=3 {
        let exists = counter::Entity::find()
            .filter(counter::Column::WardId.eq(ward_id))
            .filter(counter::Column::Number.eq(number))
            .one(&txn)
            .await?
            .is_some();
        if !exists {
            counter::ActiveModel {
                ward_id: Set(ward_id),
                number: Set(number),
                name: Set(format!("Quầy {number}")),
                status: Set(CounterStatus::Open.as_str().into()),
                status_changed_at: Set(chrono::Utc::now()),
                status_changed_by: Set("seed".into()),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
        }
    }
    insert_standard_catalog(&txn, ward_id).await?;
    if super::budget_codes::profiles(&txn, ward_id).await?.is_empty() {
        super::budget_codes::seed_examples(&txn, ward_id).await?;
    }
    txn.commit().await?;
    Ok(ward_id)
}

/// Gives a ward without any fee item the standard catalog (`domain::fees::demo_catalog`);
/// a ward that has items keeps them, edited codes included. Returns how many were added.
pub async fn insert_standard_catalog(txn: &impl ConnectionTrait, ward_id: i64) -> Result<usize, BackendError> {
    if fee_item::Entity::find().filter(fee_item::Column::WardId.eq(ward_id)).one(txn).await?.is_some() {
        return Ok(0);
    }
    let items = crate::domain::fees::demo_catalog();
    for item in &items {
        let rule = serde_json::to_string(&item.rule).map_err(|e| BackendError::invalid("rule", e.to_string()))?;
        fee_item::ActiveModel {
            ward_id: Set(ward_id),
            procedure_code: Set(item.procedure_code.clone()),
            procedure_name: Set(item.procedure_name.clone()),
            fee_name: Set(item.fee_name.clone()),
            kind: Set(item.kind.as_str().into()),
            rule: Set(rule),
            legal_basis: Set(item.legal_basis.clone()),
            budget_subitem: Set(item.budget_subitem.clone()),
            active: Set(true),
            ..Default::default()
        }
        .insert(txn)
        .await?;
    }
    Ok(items.len())
}

/// 32 random bytes, hex: the ward's receipt-signing key.
pub fn new_receipt_key() -> String {
    use rand::RngCore;
    let mut key = [0u8; 32];
    rand::rng().fill_bytes(&mut key);
    hex::encode(key)
}
