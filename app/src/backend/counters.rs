//! Counters: how screens describe them, and opening or pausing them.

use super::entity::{counter, ward};
use super::{Backend, BackendError};
use crate::model::{CounterInfo, CounterStatus, WardInfo};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set, TransactionTrait,
};

pub fn ward_info(w: &ward::Model) -> WardInfo {
    WardInfo {
        id: w.id,
        code: w.code.clone(),
        name: w.name.clone(),
        bank_name: vietqr::banks::lookup(&w.bank_bin).map(|b| b.short_name.to_string()).unwrap_or_else(|| w.bank_bin.clone()),
        bank_account: w.bank_account.clone(),
        bank_account_name: w.bank_account_name.clone(),
        kiosk_chime: w.kiosk_chime,
    }
}

pub fn counter_info(c: &counter::Model) -> CounterInfo {
    CounterInfo {
        id: c.id,
        ward_id: c.ward_id,
        number: c.number,
        name: c.name.clone(),
        status: CounterStatus::parse(&c.status).unwrap_or(CounterStatus::Paused),
        status_changed_at: c.status_changed_at.to_rfc3339(),
    }
}

/// The ward shown when no one is signed in: the first one (the demo ward on a demo install).
pub async fn default_ward_id(db: &impl ConnectionTrait) -> Result<i64, BackendError> {
    ward::Entity::find().order_by_asc(ward::Column::Id).one(db).await?.map(|w| w.id).ok_or(BackendError::NotFound("ward"))
}

/// Opens or pauses a counter; returns it as saved. Its screens learn of it through the
/// change feed.
pub async fn set_status(backend: &Backend, counter_id: i64, status: CounterStatus, actor: &str) -> Result<CounterInfo, BackendError> {
    let c = counter::Entity::find_by_id(counter_id).one(&backend.db).await?.ok_or(BackendError::NotFound("counter"))?;
    if c.status == status.as_str() {
        return Ok(counter_info(&c));
    }
    let txn = backend.db.begin().await?;
    let ward_id = c.ward_id;
    let mut am = c.into_active_model();
    am.status = Set(status.as_str().to_string());
    am.status_changed_at = Set(chrono::Utc::now());
    am.status_changed_by = Set(actor.to_string());
    let saved = am.update(&txn).await?;
    super::audit::append(
        &txn,
        super::audit::Entry::new(actor, Some(ward_id), "counter.status", format!("counter:{counter_id}"))
            .detail(serde_json::json!({ "status": status.as_str() })),
    )
    .await?;
    txn.commit().await?;
    tracing::info!(counter_id, status = status.as_str(), actor, "counter status changed");
    backend.changes.counter(counter_id);
    Ok(counter_info(&saved))
}

/// The lowest-numbered counter of the default ward, for the kiosk URL printed at start-up.
pub async fn first_counter_id(db: &impl ConnectionTrait) -> Result<Option<i64>, BackendError> {
    let ward_id = default_ward_id(db).await?;
    Ok(counter::Entity::find()
        .filter(counter::Column::WardId.eq(ward_id))
        .order_by_asc(counter::Column::Number)
        .one(db)
        .await?
        .map(|c| c.id))
}
