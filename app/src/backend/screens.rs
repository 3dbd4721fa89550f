//! The read side of the screens: the snapshots a kiosk, an officer's dashboard and a
//! supervisor's statistics show, and the one task that publishes them when the change feed
//! says something changed. Commands never come here; they only tell the feed.

use super::changes::{coalesce, ChangeStream};
use super::cluster::Cluster;
use super::counters::{counter_info, ward_info};
use super::entity::{counter, ward};
use super::{Backend, BackendError};
use crate::model::{CounterSnapshot, ServerMsg, Topic, WardSnapshot};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::HashMap;

/// How many changes one round of the push task takes at most; the rest wait for the next.
const ROUND: usize = 4096;

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

/// The push task: for each round of changes, every touched counter's snapshot once; the
/// touched wards' figures go to a second task, so that a ward's heavier figures never hold
/// up the next round of counters (a kiosk waits for its counter, not for the statistics).
/// Only screens this server holds are built: a counter or ward nobody here listens to costs
/// nothing (with several servers, each builds for its own sockets). A snapshot that cannot
/// be built is logged and skipped: the change it reports is committed already, and the next
/// change to that screen (or a reconnect, which starts with a full snapshot) brings it up to
/// date.
///
/// With several servers on one PostgreSQL (`cluster`), the round's own changes are also
/// told to the others, which rebuild the same screens for the sockets they hold.
pub async fn push_changes(backend: Backend, mut rx: ChangeStream, cluster: Option<Cluster>) {
    let (ward_tx, ward_rx) = tokio::sync::mpsc::unbounded_channel::<i64>();
    tokio::spawn(publish_wards(backend.clone(), ward_rx));
    let mut pending = Vec::new();
    while rx.recv_many(&mut pending, ROUND).await > 0 {
        let round = coalesce(pending.iter().map(|e| &e.change));
        let own = coalesce(pending.iter().filter(|e| e.local).map(|e| &e.change));
        pending.clear();
        if let Some(cluster) = &cluster {
            if let Err(e) = cluster.relay(&backend.db, &own).await {
                tracing::warn!(error = %e, "other servers not told of this round of changes");
            }
        }
        match publish(&backend, round).await {
            Ok(wards) => wards.into_iter().for_each(|w| {
                let _ = ward_tx.send(w);
            }),
            Err(e) => tracing::warn!(error = %e, "screens not pushed for this round of changes"),
        }
    }
}

/// The counters' snapshots of a round; returns the wards to rebuild.
async fn publish(backend: &Backend, mut round: super::changes::Coalesced) -> Result<Vec<i64>, BackendError> {
    if round.everything {
        round.counters = counter::Entity::find().all(&backend.db).await?.into_iter().map(|c| c.id).collect();
        round.wards = ward::Entity::find().all(&backend.db).await?.into_iter().map(|w| w.id).collect();
    }
    let mut wards = round.wards;
    let (listened, unheard): (Vec<i64>, Vec<i64>) = round.counters.into_iter().partition(|id| backend.hub.listened(Topic::Counter(*id)));
    for id in listened {
        match publish_counter(backend, id).await {
            Ok(ward) => wards.extend(ward),
            Err(e) => tracing::warn!(counter_id = id, error = %e, "counter snapshot not built"),
        }
    }
    // Counters no screen here shows still touch their wards' figures.
    if !unheard.is_empty() {
        let of_unheard: Vec<i64> = counter::Entity::find()
            .select_only()
            .column(counter::Column::WardId)
            .filter(counter::Column::Id.is_in(unheard))
            .distinct()
            .into_tuple()
            .all(&backend.db)
            .await?;
        wards.extend(of_unheard);
    }
    wards.sort_unstable();
    wards.dedup();
    wards.retain(|w| backend.hub.listened(Topic::Ward(*w)));
    Ok(wards)
}

/// A ward's figures are rebuilt at most this often: they cover every counter of the ward, a
/// supervisor reads them at a glance, and at a hundred payments a second rebuilding them for
/// each would take the cores the kiosks need.
const WARD_FIGURES_EVERY: std::time::Duration = std::time::Duration::from_millis(250);

/// The ward task of [`push_changes`]: each ward once per round of what arrived meanwhile,
/// rounds at least [`WARD_FIGURES_EVERY`] apart.
async fn publish_wards(backend: Backend, mut rx: tokio::sync::mpsc::UnboundedReceiver<i64>) {
    let mut pending = Vec::new();
    while rx.recv_many(&mut pending, ROUND).await > 0 {
        let started = tokio::time::Instant::now();
        pending.sort_unstable();
        pending.dedup();
        for id in pending.drain(..) {
            if let Err(e) = publish_ward(&backend, id).await {
                tracing::warn!(ward_id = id, error = %e, "ward snapshot not built");
            }
        }
        tokio::time::sleep_until(started + WARD_FIGURES_EVERY).await;
    }
}

/// Builds and publishes one counter's snapshot; returns its ward. For the push task (and
/// the benchmark that times it): commands tell the feed instead.
pub async fn publish_counter(backend: &Backend, counter_id: i64) -> Result<Option<i64>, BackendError> {
    let Some(snap) = snapshot(backend, counter_id).await? else { return Ok(None) };
    let ward = snap.ward.id;
    backend.hub.publish(Topic::Counter(counter_id), &ServerMsg::Counter(snap));
    Ok(Some(ward))
}

/// Builds and publishes one ward's figures (same audience as [`publish_counter`]).
pub async fn publish_ward(backend: &Backend, ward_id: i64) -> Result<(), BackendError> {
    let view = ward_view(backend, ward_id).await?;
    backend.hub.publish(Topic::Ward(ward_id), &ServerMsg::Ward(view));
    Ok(())
}

/// Tells the feed about the wards whose bank silence warning appeared, grew or ended since
/// the last look (`last`): their screens show it.
pub async fn watch_bank_silence(backend: &Backend, last: &mut HashMap<i64, Option<i64>>) -> Result<(), BackendError> {
    for w in ward::Entity::find().all(&backend.db).await? {
        let now = super::stats::bank_silence(&backend.db, w.id, &backend.settings, chrono::Utc::now()).await?;
        // A ward seen for the first time changes nothing on screen unless it is already silent.
        let changed = match last.insert(w.id, now) {
            Some(before) => before != now,
            None => now.is_some(),
        };
        if changed && now.is_some() {
            // The bank has gone quiet while codes wait: ask the providers' APIs at once.
            backend.polls.poll_now();
        }
        if changed {
            backend.changes.ward(w.id);
            for c in counter::Entity::find().filter(counter::Column::WardId.eq(w.id)).all(&backend.db).await? {
                backend.changes.counter(c.id);
            }
        }
    }
    Ok(())
}
