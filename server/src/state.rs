use app::backend::Backend;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use tokio_util::sync::CancellationToken;

/// Shared by every handler. `shutdown` is cancelled on SIGTERM/SIGINT so that long-lived
/// WebSocket tasks close their sockets cleanly (axum does not end them by itself).
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub backend: Backend,
    pub shutdown: CancellationToken,
    pub intake: crate::intake::Intake,
}
