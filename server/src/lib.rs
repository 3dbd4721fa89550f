#![recursion_limit = "512"]
//! The WardPay server: configuration, start-up, HTTP routes and WebSocket push around the
//! Leptos app. `main.rs` is a thin command-line front; tests start servers through [`start`].

pub mod access_layer;
pub mod accounting_reports;
pub mod backup;
pub mod cli;
pub mod cli_admin;
pub mod cli_receipts;
pub mod config;
pub mod dvc;
pub mod error;
pub mod health;
pub mod intake;
pub mod listen;
pub mod poll;
pub mod receipt_pdf;
pub mod report_support;
pub mod reports;
pub mod routes;
pub mod simulate_bank;
pub mod state;
pub mod statements;
pub mod telemetry;
pub mod ws;

use app::backend::{self, db::DbOpenError, Backend, LocalHub, Settings};
use config::{CommonArgs, ServeArgs};
use leptos::config::{Env, LeptosOptions};
use state::AppState;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Database(#[from] DbOpenError),
    #[error("cannot seed the demo ward: {0}")]
    Seed(backend::BackendError),
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
}

/// Opens the database and applies migrations: what both `serve` and `migrate` need.
pub async fn open_database(common: &CommonArgs) -> Result<sea_orm::DatabaseConnection, DbOpenError> {
    ensure_sqlite_dir(common.database_url.expose());
    let db = backend::db::connect(common.database_url.expose(), None).await?;
    backend::db::migrate(&db).await?;
    Ok(db)
}

/// SQLite creates the file but not its directory.
fn ensure_sqlite_dir(url: &str) {
    if let Some(path) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
        let path = path.split('?').next().unwrap_or(path);
        if let Some(dir) = std::path::Path::new(path).parent() {
            if !dir.as_os_str().is_empty() {
                let _ = std::fs::create_dir_all(dir);
            }
        }
    }
}

/// The version and a digest of the front end the server serves: a new deployment (even of
/// the same version) changes it, and open screens reload themselves when they see it change.
fn build_id(site_root: &std::path::Path) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for file in ["pkg/wardpay_bg.wasm", "pkg/wardpay.js", "pkg/wardpay-kiosk_bg.wasm", "pkg/wardpay-kiosk.js", "pkg/wardpay.css"] {
        if let Ok(bytes) = std::fs::read(site_root.join(file)) {
            h.update(&bytes);
        }
    }
    let digest = hex::encode(h.finalize());
    format!("{}-{}", env!("CARGO_PKG_VERSION"), &digest[..12])
}

pub fn leptos_options(serve: &ServeArgs) -> LeptosOptions {
    LeptosOptions::builder()
        .output_name("wardpay")
        .site_root(serve.site_root.to_string_lossy().to_string())
        .site_pkg_dir("pkg")
        .site_addr(serve.bind)
        .env(Env::PROD)
        .build()
}

/// A running server. Dropping it does not stop it: call [`Server::shutdown`].
pub struct Server {
    pub addr: SocketAddr,
    pub backend: Backend,
    intake: intake::Intake,
    shutdown: CancellationToken,
    task: JoinHandle<std::io::Result<()>>,
}

impl Server {
    /// The bank intake of this server (tests flush its counted refusals).
    pub fn intake(&self) -> &intake::Intake {
        &self.intake
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting, closes every WebSocket with a close frame, waits for requests in flight.
    pub async fn shutdown(self) -> std::io::Result<()> {
        self.shutdown.cancel();
        self.task.await.unwrap_or_else(|e| Err(std::io::Error::other(e)))
    }

    pub fn shutdown_token(&self) -> CancellationToken {
        self.shutdown.clone()
    }

    /// Waits until the server stops (after the token is cancelled).
    pub async fn wait(self) -> std::io::Result<()> {
        self.task.await.unwrap_or_else(|e| Err(std::io::Error::other(e)))
    }
}

pub async fn start(common: &CommonArgs, serve: &ServeArgs) -> Result<Server, StartError> {
    let db = open_database(common).await?;
    start_with_db(db, serve).await
}

pub async fn start_with_db(db: sea_orm::DatabaseConnection, serve: &ServeArgs) -> Result<Server, StartError> {
    if serve.demo {
        let ward = backend::seed::seed_demo(&db).await.map_err(StartError::Seed)?;
        backend::auth::seed_demo_accounts(&db, ward).await.map_err(StartError::Seed)?;
    }
    let (changes, change_stream) = backend::changes::ChangeFeed::new();
    // Several servers on one PostgreSQL hear each other's changes; SQLite serves alone.
    let cluster = backend::cluster::Cluster::for_database(&db).await.map_err(StartError::Seed)?;
    let backend = Backend {
        db,
        hub: Arc::new(LocalHub::default()),
        changes,
        settings: Arc::new(Settings {
            demo: serve.demo,
            qr_ttl_secs: serve.qr_ttl_secs.max(30),
            bank_silence_mins: serve.bank_silence_mins.max(1),
            opening_hours: serve.opening_hours,
            secure_cookies: serve.public_url.as_deref().is_some_and(|u| u.starts_with("https://")),
            trust_proxy: serve.trust_proxy,
            public_url: serve.public_url.as_deref().map(|u| u.trim_end_matches('/').to_string()),
            build_id: serve.build_id.clone().filter(|b| !b.trim().is_empty()).unwrap_or_else(|| build_id(&serve.site_root)),
        }),
        login_limiter: Arc::new(backend::login_throttle::LoginThrottle::default()),
        public_limiter: Arc::new(backend::rate_limit::WindowLimiter::new(
            app::api::verify::CHECKS_PER_MINUTE,
            std::time::Duration::from_secs(60),
        )),
        polls: Arc::new(backend::polls::PollBoard::default()),
        cluster: cluster.clone(),
    };
    let mut keys = intake::BankKeys {
        sepay: clean_keys(&serve.sepay_keys),
        casso: clean_keys(&serve.casso_keys),
        payos: clean_keys(&serve.payos_keys),
    };
    if serve.demo && keys.sepay.is_empty() {
        // The demo's simulated payments must pass the same signature check as real ones.
        keys.sepay.push(format!("demo-{}", uuid::Uuid::new_v4().simple()));
        tracing::info!("demo mode: generated a SePay key for simulated payments");
    }
    let intake = intake::Intake::start(backend.clone(), keys);
    let listener = tokio::net::TcpListener::bind(serve.bind).await.map_err(|source| StartError::Bind { addr: serve.bind, source })?;
    let addr = listener.local_addr().map_err(|source| StartError::Bind { addr: serve.bind, source })?;
    let mut options = leptos_options(serve);
    options.site_addr = addr;
    let shutdown = CancellationToken::new();
    if let Some(c) = cluster.clone() {
        let (db, feed, token) = (backend.db.clone(), backend.changes.clone(), shutdown.clone());
        let listener = c.clone();
        tokio::spawn(async move {
            tokio::select! {
                _ = token.cancelled() => {}
                _ = listener.listen(db, feed) => {}
            }
        });
        // A server is ready once it hears the others: give the LISTEN connection a moment
        // before answering anyone (if it takes longer, /readyz says so until it is up).
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
        while !c.hears_others() && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    }
    tokio::spawn(backend::screens::push_changes(backend.clone(), change_stream, cluster));
    let state = AppState { leptos_options: options, backend: backend.clone(), shutdown: shutdown.clone(), intake: intake.clone() };
    spawn_expiry_sweeper(backend.clone(), shutdown.clone());
    poll::start(poll_config(serve), backend.clone(), intake.clone(), shutdown.clone());
    let dvc_config = dvc::DvcConfig {
        keys: &serve.dvc_keys,
        callback_url: serve.dvc_callback_url.as_ref(),
        retry_base_ms: serve.dvc_retry_base_ms,
        demo: serve.demo,
    };
    dvc::start(&backend, dvc_config, shutdown.clone()).await.map_err(StartError::Seed)?;
    let app = routes::router(state);
    let token = shutdown.clone();
    let header_timeout = std::time::Duration::from_secs(serve.header_timeout_secs.max(1));
    let task = tokio::spawn(listen::serve(listener, app, token, header_timeout));
    tracing::info!(%addr, demo = serve.demo, "listening");
    Ok(Server { addr, backend, intake, shutdown, task })
}

/// The providers whose query APIs are polled: those given a token.
fn poll_config(serve: &ServeArgs) -> poll::PollConfig {
    let mut apis = Vec::new();
    let token = |t: &Option<config::Secret>| t.as_ref().map(|t| t.expose().trim()).filter(|t| !t.is_empty()).map(String::from);
    if let Some(token) = token(&serve.sepay_api_token) {
        apis.push(poll::ProviderApi { provider: bankfeed::Provider::Sepay, base_url: serve.sepay_api_url.clone(), token });
    }
    if let Some(token) = token(&serve.casso_api_key) {
        apis.push(poll::ProviderApi { provider: bankfeed::Provider::Casso, base_url: serve.casso_api_url.clone(), token });
    }
    poll::PollConfig { apis, interval: std::time::Duration::from_secs(serve.poll_interval_secs.max(1)) }
}

fn clean_keys(keys: &[config::Secret]) -> Vec<String> {
    keys.iter().map(|k| k.expose().trim().to_string()).filter(|k| !k.is_empty()).collect()
}

/// Expires codes when their time is up, so both screens leave the QR at once; and every
/// half minute, tells the screens when the bank has gone quiet (or is back).
fn spawn_expiry_sweeper(backend: Backend, shutdown: CancellationToken) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
        let mut silence = std::collections::HashMap::<i64, Option<i64>>::new();
        let mut ticks: u64 = 0;
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = tick.tick() => {
                    // One server sweeps at a time; the others skip the round.
                    let sweep = backend::jobs::run_alone(&backend.db, backend::jobs::Job::ExpirySweep, app::backend::payments::expire_due(&backend)).await;
                    if let Err(e) = sweep.and_then(|round| round.transpose()) {
                        tracing::warn!(error = %e, "expiry sweep failed");
                    }
                    if ticks.is_multiple_of(30) {
                        if let Err(e) = app::backend::screens::watch_bank_silence(&backend, &mut silence).await {
                            tracing::warn!(error = %e, "bank silence check failed");
                        }
                    }
                    ticks += 1;
                }
            }
        }
    });
}
