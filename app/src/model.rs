//! Types shared by the server, the server functions and the browser.

use serde::{Deserialize, Serialize};

/// Whether a counter is taking citizens. A paused counter's kiosk says so instead of
/// inviting the next person to wait.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CounterStatus {
    Open,
    Paused,
}

impl CounterStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CounterStatus::Open => "open",
            CounterStatus::Paused => "paused",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "open" => Some(CounterStatus::Open),
            "paused" => Some(CounterStatus::Paused),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WardInfo {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub bank_name: String,
    pub bank_account: String,
    pub bank_account_name: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CounterInfo {
    pub id: i64,
    pub ward_id: i64,
    pub number: i32,
    pub name: String,
    pub status: CounterStatus,
    /// RFC 3339, UTC.
    pub status_changed_at: String,
}

/// Everything a kiosk or an officer screen needs to draw one counter. Sent whole on every
/// change so that a screen never has to merge deltas into state it may have missed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CounterSnapshot {
    pub ward: WardInfo,
    pub counter: CounterInfo,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WardSnapshot {
    pub ward: WardInfo,
    pub counters: Vec<CounterInfo>,
}

/// What the server pushes over the WebSocket.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
pub enum ServerMsg {
    Counter(CounterSnapshot),
    Ward(WardSnapshot),
    /// The server dropped messages for this client; it must refetch (the socket closes after this).
    Resync,
}

/// A push topic. Counters and wards are separate so that a kiosk hears only its own counter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Topic {
    Counter(i64),
    Ward(i64),
}

impl Topic {
    /// The WebSocket path a browser connects to for this topic.
    pub fn ws_path(self) -> String {
        match self {
            Topic::Counter(id) => format!("/ws/counter/{id}"),
            Topic::Ward(id) => format!("/ws/ward/{id}"),
        }
    }
}

/// Connection state of the live channel, shown as a small indicator on every screen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConnState {
    Connecting,
    Live,
    Reconnecting,
}

impl ConnState {
    pub fn as_str(self) -> &'static str {
        match self {
            ConnState::Connecting => "connecting",
            ConnState::Live => "live",
            ConnState::Reconnecting => "reconnecting",
        }
    }
}
