//! `/healthz`: the process answers. `/readyz`: the database answers and is fully migrated, and
//! (with several servers on one PostgreSQL) this server hears the others' changes.

use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{json, Value};

pub async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let db = &state.backend.db;
    let reachable = db.execute_raw(Statement::from_string(db.get_database_backend(), "SELECT 1")).await.is_ok();
    let migrated = reachable && app::backend::db::migrations_applied(db).await.unwrap_or(false);
    // Without its LISTEN connection a server's kiosks would miss what the others change:
    // the load balancer should send them elsewhere until it is back (then they re-sync).
    let hears_peers = state.backend.cluster.as_ref().map(|c| c.hears_others());
    let ok = reachable && migrated && hears_peers != Some(false);
    let status = if ok { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (
        status,
        // The pollers are a safety net: one failing is reported here but never makes the
        // server unready (webhooks still work).
        Json(json!({
            "status": if ok { "ready" } else { "not_ready" }, "database": reachable, "migrations": migrated, "peers": hears_peers,
            "pollers": state.backend.polls.all().iter().map(|p| json!({
                "provider": p.provider, "ok": p.ok, "last_ok_at": p.last_ok_at, "last_error": p.last_error,
                "failures": p.failures, "next_at": p.next_at,
            })).collect::<Vec<_>>(),
        })),
    )
}
