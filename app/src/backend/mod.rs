//! Server-only code: persistence, services and push. Compiled only with the `ssr` feature.

pub mod access_policy;
pub mod accounting_export;
pub mod assisted;
pub mod audit;
pub mod auth;
pub mod bank;
pub mod budget_codes;
pub mod changes;
pub mod city;
pub mod cluster;
pub mod counters;
pub mod day_range;
pub mod days;
pub mod db;
pub mod dvc;
pub mod entity;
pub mod error;
pub mod exceptions;
pub mod fee_catalog;
pub mod fields;
pub mod history;
pub mod holidays;
pub mod hub;
pub mod jobs;
pub mod kiosks;
pub mod login_throttle;
pub mod payments;
pub mod polls;
pub mod portal_status;
pub mod rate_limit;
pub mod receipt_check;
pub mod receipt_corrections;
pub mod receipt_register;
pub mod receipt_view;
pub mod receipts;
pub mod received;
pub mod reconciliation;
pub mod refunds;
pub mod screens;
pub mod seed;
pub mod sequences;
pub mod signing;
pub mod statements;
pub mod stats;
pub mod tax_summaries;
pub mod transfers;
pub mod treasury;
pub mod trends;
pub mod wards;

use std::sync::Arc;

pub use error::BackendError;
pub use hub::{LocalHub, PushHub};

/// What every request handler and server function needs, cheap to clone.
#[derive(Clone)]
pub struct Backend {
    pub db: sea_orm::DatabaseConnection,
    pub hub: Arc<dyn PushHub>,
    /// Where commands say what they changed; [`screens::push_changes`] publishes it.
    pub changes: changes::ChangeFeed,
    pub settings: Arc<Settings>,
    pub login_limiter: Arc<login_throttle::LoginThrottle>,
    /// Public reads of receipts per address: checks on `/verify` and PDF downloads.
    pub public_limiter: Arc<rate_limit::WindowLimiter>,
    /// How the providers' pollers stand; empty when none is configured.
    pub polls: Arc<polls::PollBoard>,
    /// The other servers on the same PostgreSQL; `None` on SQLite, which has one server.
    pub cluster: Option<cluster::Cluster>,
}

/// Run-time behaviour chosen by configuration.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Demo mode seeds a demo ward and shows the "simulate payment" control.
    pub demo: bool,
    /// How long a payment code stays payable.
    pub qr_ttl_secs: i64,
    /// Minutes without a bank notification, while codes wait, before the screens warn.
    pub bank_silence_mins: i64,
    /// Opening hours in minutes after midnight, Vietnam time.
    pub opening_hours: (u32, u32),
    /// Cookies get `Secure` on every response (the public URL is https). Behind a TLS proxy
    /// that sends `X-Forwarded-Proto: https` they get it per request anyway.
    pub secure_cookies: bool,
    /// A reverse proxy in front sets `X-Forwarded-For`: the client's address (for sign-in
    /// throttling and the audit log) is its last entry, not the proxy's.
    pub trust_proxy: bool,
    /// The address citizens' phones reach the server at (`--public-url`), for links in QR
    /// codes; without it, the address the request came to.
    pub public_url: Option<String>,
    /// Identifies what this server serves (its version and front end): a screen loaded from
    /// another build reloads itself.
    pub build_id: String,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            demo: false,
            qr_ttl_secs: 15 * 60,
            bank_silence_mins: 10,
            opening_hours: (7 * 60, 18 * 60),
            secure_cookies: false,
            trust_proxy: false,
            public_url: None,
            build_id: env!("CARGO_PKG_VERSION").to_string(),
        }
    }
}

/// The backend of the current request (server functions run inside it).
pub fn backend() -> Result<Backend, BackendError> {
    leptos::prelude::use_context::<Backend>().ok_or(BackendError::Unavailable)
}

/// The demo's "simulate payment": provided by the server, which owns the bank intake path
/// that the simulated notification must go through.
#[derive(Clone)]
#[allow(clippy::type_complexity)]
pub struct SimulatePayment(
    pub Arc<dyn Fn(i64) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), String>> + Send>> + Send + Sync>,
);
