//! Server-only code: persistence, services and push. Compiled only with the `ssr` feature.

pub mod counters;
pub mod db;
pub mod entity;
pub mod error;
pub mod hub;
pub mod seed;

use std::sync::Arc;

pub use error::BackendError;
pub use hub::{LocalHub, PushHub};

/// What every request handler and server function needs, cheap to clone.
#[derive(Clone)]
pub struct Backend {
    pub db: sea_orm::DatabaseConnection,
    pub hub: Arc<dyn PushHub>,
    pub settings: Arc<Settings>,
}

/// Run-time behaviour chosen by configuration.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Demo mode seeds a demo ward and shows the "simulate payment" control.
    pub demo: bool,
}

/// The backend of the current request (server functions run inside it).
pub fn backend() -> Result<Backend, BackendError> {
    leptos::prelude::use_context::<Backend>().ok_or(BackendError::Unavailable)
}
