//! Callbacks to the portal through the persistent outbox (`dvc_outbox`).
//!
//! The paying path queues a row in its own transaction ([`enqueue_if_dvc`]); this worker
//! posts due rows, signed like the portal's requests, to the client's callback URL and
//! marks them delivered on a 2xx answer. Anything else is retried with exponential
//! backoff (base × 2^(attempt−1), at most an hour, with some jitter), across restarts: the
//! rows are the only state. As a safety net, the worker also queues the callback of any
//! portal dossier whose receipt was issued without one ([`app::backend::dvc::enqueue_missing`]).
//! Several instances may share a database: a row is claimed (its next attempt moved past a
//! lease) before it is sent, so one instance sends it.

use super::auth;
use app::backend::entity::{dvc_client, dvc_outbox};
use app::backend::{Backend, BackendError};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

pub use app::backend::dvc::{enqueue_if_dvc, DvcEvent};

/// How long a claimed row is left alone by other instances while it is being sent.
const LEASE_SECS: i64 = 60;
const MAX_BACKOFF: Duration = Duration::from_secs(3600);
const SEND_TIMEOUT: Duration = Duration::from_secs(10);
/// How often the safety net looks for paid portal dossiers without a queued callback.
const SCAN_EVERY: Duration = Duration::from_secs(3);
const PRUNE_EVERY: Duration = Duration::from_secs(60);
const BATCH: u64 = 20;

#[derive(Clone, Copy, Debug)]
pub struct OutboxConfig {
    /// The first retry's delay; each further retry doubles it.
    pub retry_base: Duration,
    pub poll: Duration,
}

impl OutboxConfig {
    pub fn new(retry_base_ms: u64) -> Self {
        let retry_base = Duration::from_millis(retry_base_ms.max(10));
        OutboxConfig { retry_base, poll: retry_base.min(Duration::from_secs(1)) }
    }
}

/// The delay before attempt `attempts + 1`, after `attempts` failures (without jitter).
pub fn backoff(cfg: &OutboxConfig, attempts: i32) -> Duration {
    let exp = u32::try_from(attempts.saturating_sub(1).clamp(0, 20)).unwrap_or(20);
    cfg.retry_base.saturating_mul(1u32 << exp).min(MAX_BACKOFF)
}

pub fn spawn(backend: Backend, cfg: OutboxConfig, shutdown: CancellationToken) {
    let http = reqwest::Client::builder().timeout(SEND_TIMEOUT).redirect(reqwest::redirect::Policy::none()).build().unwrap_or_default();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(cfg.poll);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let started = Instant::now();
        let mut last_scan: Option<Instant> = None;
        let mut last_prune: Option<Instant> = None;
        loop {
            tokio::select! {
                biased;
                _ = shutdown.cancelled() => break,
                _ = tick.tick() => {}
            }
            // A round is never cut short by shutdown: a claimed row is always settled.
            if last_scan.is_none_or(|t| t.elapsed() >= SCAN_EVERY) {
                // The first scan after a start looks back further.
                let window = if last_scan.is_none() { chrono::Duration::days(30) } else { chrono::Duration::days(2) };
                if let Err(e) = app::backend::dvc::enqueue_missing(&backend.db, Utc::now() - window).await {
                    tracing::warn!(error = %e, "DVC callback safety scan failed");
                }
                last_scan = Some(Instant::now());
            }
            if last_prune.is_none_or(|t| t.elapsed() >= PRUNE_EVERY) && started.elapsed() >= Duration::from_secs(5) {
                if let Err(e) = auth::prune(&backend.db).await {
                    tracing::warn!(error = %e, "DVC pruning failed");
                }
                last_prune = Some(Instant::now());
            }
            if let Err(e) = deliver_due(&backend.db, &http, &cfg).await {
                tracing::warn!(error = %e, "DVC callback delivery failed");
            }
        }
    });
}

/// Sends every due callback once; returns how many were delivered.
pub async fn deliver_due(db: &DatabaseConnection, http: &reqwest::Client, cfg: &OutboxConfig) -> Result<usize, BackendError> {
    let now = Utc::now();
    let due = dvc_outbox::Entity::find()
        .filter(dvc_outbox::Column::Status.eq("pending"))
        .filter(dvc_outbox::Column::NextAttemptAt.lte(now))
        .order_by_asc(dvc_outbox::Column::NextAttemptAt)
        .order_by_asc(dvc_outbox::Column::Id)
        .limit(BATCH)
        .all(db)
        .await?;
    let mut delivered = 0;
    for row in due {
        let claimed = dvc_outbox::Entity::update_many()
            .col_expr(dvc_outbox::Column::NextAttemptAt, Expr::value(Utc::now() + chrono::Duration::seconds(LEASE_SECS)))
            .filter(dvc_outbox::Column::Id.eq(row.id))
            .filter(dvc_outbox::Column::Status.eq("pending"))
            .filter(dvc_outbox::Column::NextAttemptAt.lte(now))
            .exec(db)
            .await?
            .rows_affected
            == 1;
        if !claimed {
            continue;
        }
        let result = send(db, http, &row).await;
        let attempts = row.attempts + 1;
        let done = Utc::now();
        match result {
            Ok(status) if (200..300).contains(&status) => {
                dvc_outbox::Entity::update_many()
                    .col_expr(dvc_outbox::Column::Status, Expr::value("delivered"))
                    .col_expr(dvc_outbox::Column::Attempts, Expr::value(attempts))
                    .col_expr(dvc_outbox::Column::LastStatus, Expr::value(Some(i32::from(status))))
                    .col_expr(dvc_outbox::Column::LastError, Expr::value(Option::<String>::None))
                    .col_expr(dvc_outbox::Column::DeliveredAt, Expr::value(Some(done)))
                    .filter(dvc_outbox::Column::Id.eq(row.id))
                    .exec(db)
                    .await?;
                tracing::info!(dossier = %row.dossier_code, event = %row.event, attempts, "DVC callback delivered");
                delivered += 1;
            }
            other => {
                let (status, error) = match other {
                    Ok(s) => (Some(i32::from(s)), format!("the portal answered {s}")),
                    Err(e) => (None, e),
                };
                let next = retry_at(cfg, attempts, done);
                dvc_outbox::Entity::update_many()
                    .col_expr(dvc_outbox::Column::Attempts, Expr::value(attempts))
                    .col_expr(dvc_outbox::Column::LastStatus, Expr::value(status))
                    .col_expr(dvc_outbox::Column::LastError, Expr::value(Some(error.chars().take(500).collect::<String>())))
                    .col_expr(dvc_outbox::Column::NextAttemptAt, Expr::value(next))
                    .filter(dvc_outbox::Column::Id.eq(row.id))
                    .exec(db)
                    .await?;
                tracing::warn!(dossier = %row.dossier_code, event = %row.event, attempts, error = %error, retry_at = %next, "DVC callback not delivered");
            }
        }
    }
    Ok(delivered)
}

fn retry_at(cfg: &OutboxConfig, attempts: i32, now: DateTime<Utc>) -> DateTime<Utc> {
    let base = backoff(cfg, attempts);
    let jitter = base.mul_f64(rand::random::<f64>() * 0.1);
    now + chrono::Duration::from_std(base + jitter).unwrap_or(chrono::Duration::hours(1))
}

/// Posts one callback; the HTTP status, or why there was none.
async fn send(db: &DatabaseConnection, http: &reqwest::Client, row: &dvc_outbox::Model) -> Result<u16, String> {
    // The key that created the dossier signs; if it was retired, the first active one.
    let own = dvc_client::Entity::find()
        .filter(dvc_client::Column::KeyId.eq(row.key_id.as_str()))
        .filter(dvc_client::Column::Active.eq(true))
        .one(db)
        .await
        .map_err(|e| e.to_string())?;
    let client = match own {
        Some(c) => Some(c),
        None => dvc_client::Entity::find()
            .filter(dvc_client::Column::Active.eq(true))
            .order_by_asc(dvc_client::Column::Id)
            .one(db)
            .await
            .map_err(|e| e.to_string())?,
    };
    let client = client.ok_or("no DVC key is configured")?;
    let url = client.callback_url.as_deref().ok_or("no callback URL is configured (WARDPAY_DVC_CALLBACK_URL)")?;
    let url = reqwest::Url::parse(url).map_err(|e| format!("the callback URL is invalid: {e}"))?;
    let body = row.payload.as_bytes();
    let signed = auth::sign_request(&client.key_id, &client.secret, "POST", url.path(), body, Utc::now().timestamp());
    let mut req = http.post(url).header("content-type", "application/json").body(row.payload.clone());
    for (k, v) in signed.pairs() {
        req = req.header(k, v);
    }
    let resp = req.send().await.map_err(|e| format!("the callback could not be sent: {}", e.without_url()))?;
    Ok(resp.status().as_u16())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        let cfg = OutboxConfig::new(1000);
        assert_eq!(backoff(&cfg, 1), Duration::from_secs(1));
        assert_eq!(backoff(&cfg, 2), Duration::from_secs(2));
        assert_eq!(backoff(&cfg, 5), Duration::from_secs(16));
        assert_eq!(backoff(&cfg, 40), MAX_BACKOFF);
    }
}
