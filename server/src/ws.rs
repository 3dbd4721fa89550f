//! WebSocket push: `/ws/counter/{id}` for a counter's screens, `/ws/ward/{id}` for the supervisor.
//!
//! Each socket first subscribes, then sends a full snapshot, then forwards every message of
//! its topic; subscribing before the snapshot means no change can fall between the two.

use crate::error::ApiError;
use crate::state::AppState;
use app::backend::auth::Principal;
use app::backend::{screens, BackendError};
use app::model::{ServerMsg, Topic};
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::response::Response;
use axum::Extension;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;

const PING_EVERY: Duration = Duration::from_secs(25);
/// How often a screen hears the server's beat; it counts itself offline after about two
/// missed beats, within the 5 seconds a kiosk may take to say so.
const BEAT_EVERY: Duration = Duration::from_secs(2);
/// Close code 1012 ("service restart") tells the client to come back soon.
const CLOSE_RESTART: u16 = 1012;
/// Screens only ever send pongs and closes: a few KiB of read buffer per socket instead of
/// tungstenite's 128 KiB keeps ten thousand idle kiosks in little memory, and nothing a
/// client sends may be larger than this.
const READ_BUFFER: usize = 4 * 1024;
const MAX_CLIENT_MESSAGE: usize = 16 * 1024;

/// The upgrade with the buffers a push-only socket needs.
fn sized(ws: WebSocketUpgrade) -> WebSocketUpgrade {
    ws.read_buffer_size(READ_BUFFER).write_buffer_size(0).max_message_size(MAX_CLIENT_MESSAGE).max_frame_size(MAX_CLIENT_MESSAGE)
}

pub async fn counter(
    ws: WebSocketUpgrade,
    Path(id): Path<i64>,
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
) -> Result<Response, ApiError> {
    let c = screens::counter_snapshot(&state.backend.db, id).await?.ok_or(BackendError::NotFound("counter"))?;
    let allowed = match &who {
        Principal::Staff(s) => s.covers_ward(c.counter.ward_id),
        Principal::Kiosk(k) => k.counter_id == id,
        Principal::Anonymous => false,
    };
    if !allowed {
        return Err(BackendError::Forbidden("another ward's or counter's screen").into());
    }
    Ok(sized(ws).on_upgrade(move |socket| session(socket, state, Topic::Counter(id), who)))
}

pub async fn ward(
    ws: WebSocketUpgrade,
    Path(id): Path<i64>,
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
) -> Result<Response, ApiError> {
    screens::ward_snapshot(&state.backend.db, id).await?;
    if !matches!(&who, Principal::Staff(s) if s.covers_ward(id)) {
        return Err(BackendError::Forbidden("another ward").into());
    }
    Ok(sized(ws).on_upgrade(move |socket| session(socket, state, Topic::Ward(id), who)))
}

async fn snapshot(state: &AppState, topic: Topic) -> Result<ServerMsg, BackendError> {
    match topic {
        Topic::Counter(id) => screens::snapshot(&state.backend, id).await?.map(ServerMsg::Counter).ok_or(BackendError::NotFound("counter")),
        Topic::Ward(id) => Ok(ServerMsg::Ward(screens::ward_view(&state.backend, id).await?)),
        Topic::Device(_) => Err(BackendError::NotFound("topic")),
    }
}

fn text(msg: &ServerMsg) -> Option<Message> {
    serde_json::to_string(msg).ok().map(|s| Message::Text(Utf8Bytes::from(s)))
}

/// Whether who opened the socket may still have it: the session has not ended, the
/// kiosk is still paired. Checked at every ping, so a disabled account's screen goes dark
/// within one ping interval (a revoked kiosk's at once, through its device topic).
async fn still_allowed(state: &AppState, who: &Principal) -> bool {
    let db = &state.backend.db;
    let answer = match who {
        Principal::Staff(s) => app::backend::auth::session_alive_by_id(db, &s.session_id).await,
        Principal::Kiosk(k) => app::backend::kiosks::still_paired(db, k.device_id).await,
        Principal::Anonymous => return false,
    };
    // A database that does not answer (PostgreSQL restarting) revokes nothing: telling a
    // kiosk it was unpaired would leave it on the pairing screen after a blip. The check
    // runs again at the next ping.
    answer.unwrap_or_else(|e| {
        tracing::warn!(error = %e, "could not re-check a screen's session; keeping it until the next ping");
        true
    })
}

/// `who`: the person or paired kiosk on the other end.
#[tracing::instrument(name = "ws", skip(socket, state, who), fields(topic = ?topic, who = %who.actor()))]
async fn session(mut socket: WebSocket, state: AppState, topic: Topic, who: Principal) {
    let mut rx = state.backend.hub.subscribe(topic);
    let device = match &who {
        Principal::Kiosk(k) => Some(k.device_id),
        _ => None,
    };
    let mut revoked = device.map(|d| state.backend.hub.subscribe(Topic::Device(d)));
    match snapshot(&state, topic).await {
        Ok(first) => {
            let Some(m) = text(&first) else { return };
            if socket.send(m).await.is_err() {
                return;
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, "no snapshot for new socket");
            return;
        }
    }
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.tick().await;
    // The first beat goes at once, right after the snapshot.
    let mut beat = tokio::time::interval(BEAT_EVERY);
    beat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let build = state.backend.settings.build_id.clone();
    loop {
        tokio::select! {
            _ = state.shutdown.cancelled() => {
                let frame = CloseFrame { code: CLOSE_RESTART, reason: Utf8Bytes::from_static("server restarting") };
                let _ = socket.send(Message::Close(Some(frame))).await;
                break;
            }
            frame = rx.recv() => match frame {
                Ok(frame) => {
                    if socket.send(Message::Text(Utf8Bytes::from(&*frame))).await.is_err() {
                        break;
                    }
                }
                Err(RecvError::Lagged(n)) => {
                    // Too slow to keep up: say so, and let the client reconnect for a fresh snapshot.
                    tracing::warn!(skipped = n, "client lagged; asking it to resync");
                    if let Some(m) = text(&ServerMsg::Resync) {
                        let _ = socket.send(m).await;
                    }
                    break;
                }
                Err(RecvError::Closed) => break,
            },
            r = async {
                match revoked.as_mut() {
                    Some(rx) => rx.recv().await,
                    None => std::future::pending().await,
                }
            } => {
                if matches!(r, Ok(_) | Err(RecvError::Closed)) {
                    if let Some(m) = text(&ServerMsg::Revoked) {
                        let _ = socket.send(m).await;
                    }
                    break;
                }
            }
            incoming = socket.recv() => match incoming {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => break,
                Some(Ok(_)) => {}
            },
            _ = beat.tick() => {
                let msg = ServerMsg::Beat { at_ms: chrono::Utc::now().timestamp_millis(), build: build.clone() };
                if let Some(m) = text(&msg) {
                    if socket.send(m).await.is_err() {
                        break;
                    }
                }
            }
            _ = ping.tick() => {
                if !still_allowed(&state, &who).await {
                    if let Some(m) = text(&ServerMsg::Revoked) {
                        let _ = socket.send(m).await;
                    }
                    break;
                }
                if socket.send(Message::Ping(Default::default())).await.is_err() {
                    break;
                }
            }
        }
    }
}
