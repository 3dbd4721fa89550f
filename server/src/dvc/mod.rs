//! The DVC connector: the versioned REST API through which the city's public-service
//! portal (DVC Hà Nội) pushes dossiers' payment requests, and the signed callbacks that tell
//! it when they are paid.
//!
//! - `POST /api/dvc/v1/payment-requests` creates or updates (by dossier code) a request,
//!   recorded as a draft that the officer confirms ([`app::backend::dvc`]);
//! - `GET  /api/dvc/v1/payment-requests/{dossier_code}` reads its state;
//! - `POST /api/dvc/v1/payment-requests/{dossier_code}/cancel` withdraws it;
//! - `GET  /api/dvc/v1/openapi.json` is the OpenAPI 3.1 document.
//!
//! Every request is signed ([`auth`]); POSTs carry an `Idempotency-Key`. Callbacks go
//! through the persistent outbox ([`outbox`]).

pub mod auth;
pub mod error;
pub mod handlers;
pub mod outbox;
pub mod simulate;

pub use app::backend::dvc::{confirm, enqueue_if_dvc, pending_for_counter, DvcEvent};
pub use auth::DvcKey;
pub use error::DvcError;

use crate::state::AppState;
use app::backend::{Backend, BackendError};
use axum::routing::{any, get, post, MethodRouter};
use tokio_util::sync::CancellationToken;

/// The OpenAPI 3.1 document of the API, served at `/api/dvc/v1/openapi.json`.
pub const OPENAPI_JSON: &str = include_str!("openapi.json");

/// The API's routes as `(method, path, handler)` (see `routes::explicit_routes`).
pub fn routes() -> Vec<(&'static str, &'static str, MethodRouter<AppState>)> {
    vec![
        ("GET", "/api/dvc/v1/openapi.json", get(handlers::openapi)),
        ("POST", "/api/dvc/v1/payment-requests", post(handlers::create)),
        ("GET", "/api/dvc/v1/payment-requests/{dossier_code}", get(handlers::read)),
        ("POST", "/api/dvc/v1/payment-requests/{dossier_code}/cancel", post(handlers::cancel)),
        ("*", "/api/dvc/v1/{*rest}", any(handlers::not_found)),
    ]
}

/// What the connector is configured with (from the server's options).
pub struct DvcConfig<'a> {
    pub keys: &'a [DvcKey],
    pub callback_url: Option<&'a reqwest::Url>,
    pub retry_base_ms: u64,
    pub demo: bool,
}

/// Makes the API keys match the configuration and starts the callback worker.
pub async fn start(backend: &Backend, config: DvcConfig<'_>, shutdown: CancellationToken) -> Result<(), BackendError> {
    if let Some(url) = config.callback_url {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(BackendError::invalid("dvc_callback_url", "the DVC callback URL must be http:// or https://"));
        }
    }
    let callback = config.callback_url.map(|u| u.to_string());
    auth::sync_clients(&backend.db, config.keys, callback.as_deref(), config.demo).await?;
    outbox::spawn(backend.clone(), outbox::OutboxConfig::new(config.retry_base_ms), shutdown);
    Ok(())
}
