//! Polling the providers' query APIs: a webhook is only a trigger, and one can be lost (a
//! provider gives up after a few retries). For each configured provider a background task
//! reads the collection accounts' recent transactions and hands every credit to the bank
//! intake, as a webhook would be: same path, same de-duplication (the provider's id, and
//! the bank's reference across sources), source `poll`. So a webhook and a poll of the same
//! money make one payment, and a lost webhook is recovered by the next poll.
//!
//! A poller never blocks the webhook path: it has its own task and HTTP client, honours
//! `429` with `Retry-After`, backs off on errors (doubling up to 15 minutes), and posts how
//! it stands on the backend's [`PollBoard`] for `/readyz` and the supervisor's screen. The
//! bank-silence check rings the board to poll at once.

use crate::intake::Intake;
use app::backend::bank::{Incoming, Outcome, Source};
use app::backend::polls::PollBoard;
use app::backend::Backend;
use app::model::PollStatus;
use bankfeed::poll::{casso_v2_page, sepay_v2_page, Page, PollError};
use bankfeed::{Direction, Provider};
use chrono::{DateTime, Duration, Utc};
use std::collections::HashSet;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// A provider's query API as configured: where, and the secret that opens it.
#[derive(Clone)]
pub struct ProviderApi {
    pub provider: Provider,
    pub base_url: String,
    pub token: String,
}

impl std::fmt::Debug for ProviderApi {
    // The token is a secret: never in logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProviderApi").field("provider", &self.provider).field("base_url", &self.base_url).finish_non_exhaustive()
    }
}

#[derive(Clone, Debug)]
pub struct PollConfig {
    pub apis: Vec<ProviderApi>,
    pub interval: std::time::Duration,
}

/// The longest wait after failures.
const MAX_BACKOFF_SECS: i64 = 15 * 60;
/// How far back the first poll after a start looks.
const FIRST_LOOKBACK_HOURS: i64 = 24;
/// Overlap with the previous successful poll, for transactions the provider lists late.
const OVERLAP_MINS: i64 = 15;
/// Pages read per poll at most (100 transactions each).
const MAX_PAGES: u32 = 50;
/// A poll rung by the bank-silence check comes at most this often.
const MIN_SPACING_SECS: u64 = 20;

/// Why a poll failed.
#[derive(Debug, thiserror::Error)]
enum PollFailure {
    #[error("giới hạn tần suất, thử lại sau {0} giây (rate limited: retry after {0} s)")]
    RateLimited(u64),
    #[error("khoá API bị từ chối (HTTP {0}): kiểm tra token (the API token was refused)")]
    Unauthorized(u16),
    #[error("nhà cung cấp trả lỗi HTTP {0} (the provider answered HTTP {0})")]
    Http(u16),
    #[error("không kết nối được nhà cung cấp (the provider cannot be reached): {0}")]
    Unreachable(String),
    #[error("câu trả lời không đọc được (unreadable answer): {0}")]
    Answer(#[from] PollError),
    #[error("bank intake: {0}")]
    Intake(String),
}

/// Starts one task per configured provider.
pub fn start(config: PollConfig, backend: Backend, intake: Intake, shutdown: CancellationToken) {
    for api in config.apis {
        let board = backend.polls.clone();
        board.set(PollStatus {
            provider: api.provider.as_str().into(),
            ok: false,
            last_ok_at: None,
            last_error: None,
            failures: 0,
            next_at: Some(Utc::now().to_rfc3339()),
            recovered: 0,
        });
        tokio::spawn(run(api, config.interval, backend.clone(), intake.clone(), board, shutdown.clone()));
    }
}

async fn run(
    api: ProviderApi,
    interval: std::time::Duration,
    backend: Backend,
    intake: Intake,
    board: Arc<PollBoard>,
    shutdown: CancellationToken,
) {
    let client = match reqwest::Client::builder().timeout(std::time::Duration::from_secs(20)).build() {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "poller cannot build its HTTP client");
            return;
        }
    };
    let name = api.provider.as_str();
    let mut status = board.all().into_iter().find(|s| s.provider == name).unwrap_or(PollStatus {
        provider: name.into(),
        ok: false,
        last_ok_at: None,
        last_error: None,
        failures: 0,
        next_at: None,
        recovered: 0,
    });
    let mut since = Utc::now() - Duration::hours(FIRST_LOOKBACK_HOURS);
    loop {
        let started = Utc::now();
        let started_at = tokio::time::Instant::now();
        let span = tracing::info_span!("poll", provider = name);
        // One server polls a provider at a time (its API has a rate limit); another that
        // holds the round leaves this one nothing to do until the next.
        let round = poll_once(&client, &api, &backend, &intake, since);
        let alone = app::backend::jobs::run_alone(&backend.db, app::backend::jobs::Job::Poll(name), round);
        let result = match tracing::Instrument::instrument(alone, span).await {
            Ok(Some(result)) => result,
            Ok(None) => Ok(0),
            Err(e) => Err(PollFailure::Intake(e.to_string())),
        };
        let wait = match result {
            Ok(recovered) => {
                status.ok = true;
                status.failures = 0;
                status.last_error = None;
                status.last_ok_at = Some(started.to_rfc3339());
                status.recovered += recovered;
                since = started - Duration::minutes(OVERLAP_MINS);
                if recovered > 0 {
                    tracing::warn!(provider = name, recovered, "poll found transfers no webhook brought");
                }
                Duration::from_std(interval).unwrap_or(Duration::seconds(60))
            }
            Err(e) => {
                status.ok = false;
                status.failures = status.failures.saturating_add(1);
                status.last_error = Some(e.to_string());
                tracing::warn!(provider = name, error = %e, failures = status.failures, "poll failed");
                match e {
                    PollFailure::RateLimited(secs) => Duration::seconds(secs.clamp(1, 3600) as i64),
                    _ => {
                        let base = Duration::from_std(interval).unwrap_or(Duration::seconds(60)).num_seconds().max(1);
                        Duration::seconds((base << status.failures.min(10)).min(MAX_BACKOFF_SECS))
                    }
                }
            }
        };
        status.next_at = Some((Utc::now() + wait).to_rfc3339());
        board.set(status.clone());
        let scheduled = tokio::time::Instant::now() + wait.to_std().unwrap_or(std::time::Duration::from_secs(60));
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep_until(scheduled) => {}
            _ = board.woken() => {
                // Rung (the bank went quiet): poll soon, but never sooner than the spacing
                // allows, nor later than planned anyway.
                let soonest = (started_at + std::time::Duration::from_secs(MIN_SPACING_SECS)).min(scheduled);
                tokio::select! {
                    _ = shutdown.cancelled() => return,
                    _ = tokio::time::sleep_until(soonest) => {}
                }
            }
        }
    }
}

/// One poll: every page of transactions since `since`, credits to the wards' accounts handed
/// to the intake. Returns how many were new (no webhook had brought them).
async fn poll_once(
    client: &reqwest::Client,
    api: &ProviderApi,
    backend: &Backend,
    intake: &Intake,
    since: DateTime<Utc>,
) -> Result<u64, PollFailure> {
    let accounts = ward_accounts(backend).await?;
    let local = app::time::to_vn(since);
    let mut recovered = 0;
    for page in 1..=MAX_PAGES {
        let base = api.base_url.trim_end_matches('/');
        let request = match api.provider {
            Provider::Sepay => client
                .get(format!("{base}/v2/transactions"))
                .query(&[
                    ("transaction_date_from", local.format("%Y-%m-%d %H:%M:%S").to_string()),
                    ("transfer_type", "in".into()),
                    ("transaction_date_sort", "asc".into()),
                    ("per_page", "100".into()),
                    ("page", page.to_string()),
                ])
                .bearer_auth(&api.token),
            Provider::Casso => client
                .get(format!("{base}/v2/transactions"))
                .query(&[
                    ("fromDate", local.format("%Y-%m-%d").to_string()),
                    ("sort", "ASC".into()),
                    ("pageSize", "100".into()),
                    ("page", page.to_string()),
                ])
                .header("Authorization", format!("Apikey {}", api.token)),
            Provider::Payos => return Ok(0),
        };
        let resp = request.send().await.map_err(|e| PollFailure::Unreachable(e.without_url().to_string()))?;
        let status = resp.status().as_u16();
        if status == 429 {
            let retry = ["retry-after", "x-sepay-userapi-retry-after"]
                .iter()
                .find_map(|h| resp.headers().get(*h).and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<u64>().ok()))
                .unwrap_or(60);
            return Err(PollFailure::RateLimited(retry));
        }
        if status == 401 || status == 403 {
            return Err(PollFailure::Unauthorized(status));
        }
        if !(200..300).contains(&status) {
            return Err(PollFailure::Http(status));
        }
        let body = resp.bytes().await.map_err(|e| PollFailure::Unreachable(e.without_url().to_string()))?;
        let Page { notifications, has_more, raw } = match api.provider {
            Provider::Casso => casso_v2_page(&body)?,
            _ => sepay_v2_page(&body)?,
        };
        for (n, raw) in notifications.into_iter().zip(raw) {
            let ours = accounts.contains(&n.account_number) || n.virtual_account.as_ref().is_some_and(|v| accounts.contains(v));
            if n.direction != Direction::In || !ours {
                continue;
            }
            let incoming = Incoming {
                notification: n,
                raw_body: raw,
                headers_json: serde_json::json!({ "source": "poll", "provider": api.provider.as_str() }).to_string(),
                source: Source::Poll,
            };
            match intake.submit(incoming).await.map_err(PollFailure::Intake)? {
                Outcome::Duplicate => {}
                _ => recovered += 1,
            }
        }
        if !has_more {
            break;
        }
    }
    Ok(recovered)
}

async fn ward_accounts(backend: &Backend) -> Result<HashSet<String>, PollFailure> {
    use sea_orm::EntityTrait;
    Ok(app::backend::entity::ward::Entity::find()
        .all(&backend.db)
        .await
        .map_err(|e| PollFailure::Intake(e.to_string()))?
        .into_iter()
        .map(|w| w.bank_account)
        .collect())
}
