//! Counters: their snapshot for screens, and opening or pausing them.

use super::entity::{counter, ward};
use super::{Backend, BackendError};
use crate::model::{CounterInfo, CounterSnapshot, CounterStatus, ServerMsg, Topic, WardInfo, WardSnapshot};
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

pub async fn counter_snapshot(db: &impl ConnectionTrait, counter_id: i64) -> Result<Option<CounterSnapshot>, BackendError> {
    let Some(c) = counter::Entity::find_by_id(counter_id).one(db).await? else {
        return Ok(None);
    };
    let w = ward::Entity::find_by_id(c.ward_id).one(db).await?.ok_or(BackendError::NotFound("ward"))?;
    let current = super::payments::counter_current(db, c.id).await?;
    Ok(Some(CounterSnapshot { ward: ward_info(&w), counter: counter_info(&c), current, demo: false, bank_silence_mins: None }))
}

pub async fn ward_snapshot(db: &impl ConnectionTrait, ward_id: i64) -> Result<WardSnapshot, BackendError> {
    let w = ward::Entity::find_by_id(ward_id).one(db).await?.ok_or(BackendError::NotFound("ward"))?;
    let counters =
        counter::Entity::find().filter(counter::Column::WardId.eq(ward_id)).order_by_asc(counter::Column::Number).all(db).await?;
    let today = super::stats::day_stats(db, ward_id, chrono::Utc::now()).await?;
    Ok(WardSnapshot { ward: ward_info(&w), counters: counters.iter().map(counter_info).collect(), today, bank_silence_mins: None })
}

/// The ward shown when no one is signed in: the first one (the demo ward on a demo install).
pub async fn default_ward_id(db: &impl ConnectionTrait) -> Result<i64, BackendError> {
    ward::Entity::find().order_by_asc(ward::Column::Id).one(db).await?.map(|w| w.id).ok_or(BackendError::NotFound("ward"))
}

/// The snapshot as a screen of this server gets it (with the server's demo flag).
pub async fn snapshot(backend: &Backend, counter_id: i64) -> Result<Option<CounterSnapshot>, BackendError> {
    let Some(mut s) = counter_snapshot(&backend.db, counter_id).await? else { return Ok(None) };
    s.demo = backend.settings.demo;
    s.bank_silence_mins = super::stats::bank_silence(&backend.db, s.ward.id, &backend.settings, chrono::Utc::now()).await?;
    Ok(Some(s))
}

/// The ward snapshot with this server's settings applied.
pub async fn ward_view(backend: &Backend, ward_id: i64) -> Result<WardSnapshot, BackendError> {
    let mut w = ward_snapshot(&backend.db, ward_id).await?;
    w.bank_silence_mins = super::stats::bank_silence(&backend.db, ward_id, &backend.settings, chrono::Utc::now()).await?;
    Ok(w)
}

/// Publishes the current state of a counter to its own topic and its ward's.
pub async fn push_counter(backend: &Backend, counter_id: i64) -> Result<(), BackendError> {
    if let Some(snap) = snapshot(backend, counter_id).await? {
        let ward_id = snap.ward.id;
        backend.hub.publish(Topic::Counter(counter_id), &ServerMsg::Counter(snap));
        let ward = ward_view(backend, ward_id).await?;
        backend.hub.publish(Topic::Ward(ward_id), &ServerMsg::Ward(ward));
    }
    Ok(())
}

/// Publishes a ward's figures (e.g. after a bank exception that no counter owns).
pub async fn push_ward(backend: &Backend, ward_id: i64) -> Result<(), BackendError> {
    let ward = ward_view(backend, ward_id).await?;
    backend.hub.publish(Topic::Ward(ward_id), &ServerMsg::Ward(ward));
    Ok(())
}

pub async fn set_status(backend: &Backend, counter_id: i64, status: CounterStatus, actor: &str) -> Result<CounterSnapshot, BackendError> {
    let c = counter::Entity::find_by_id(counter_id).one(&backend.db).await?.ok_or(BackendError::NotFound("counter"))?;
    if c.status != status.as_str() {
        let txn = backend.db.begin().await?;
        let ward_id = c.ward_id;
        let mut am = c.into_active_model();
        am.status = Set(status.as_str().to_string());
        am.status_changed_at = Set(chrono::Utc::now());
        am.status_changed_by = Set(actor.to_string());
        am.update(&txn).await?;
        super::audit::append(
            &txn,
            super::audit::Entry::new(actor, Some(ward_id), "counter.status", format!("counter:{counter_id}"))
                .detail(serde_json::json!({ "status": status.as_str() })),
        )
        .await?;
        txn.commit().await?;
        tracing::info!(counter_id, status = status.as_str(), actor, "counter status changed");
    }
    push_counter(backend, counter_id).await?;
    snapshot(backend, counter_id).await?.ok_or(BackendError::NotFound("counter"))
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
