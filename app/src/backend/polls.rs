//! The board where the providers' pollers (in the server) post how they stand, for
//! `/readyz` and the supervisor's screen, and where anything that wants a poll at once
//! (the bank-silence check) rings.

use crate::model::PollStatus;
use std::collections::BTreeMap;
use std::sync::Mutex;

#[derive(Default)]
pub struct PollBoard {
    statuses: Mutex<BTreeMap<String, PollStatus>>,
    wake: tokio::sync::Notify,
}

impl PollBoard {
    pub fn set(&self, status: PollStatus) {
        if let Ok(mut m) = self.statuses.lock() {
            m.insert(status.provider.clone(), status);
        }
    }

    /// Every configured poller, by provider name.
    pub fn all(&self) -> Vec<PollStatus> {
        self.statuses.lock().map(|m| m.values().cloned().collect()).unwrap_or_default()
    }

    /// Asks every poller to poll now (each still keeps its own minimum spacing).
    pub fn poll_now(&self) {
        self.wake.notify_waiters();
    }

    /// Resolves when [`PollBoard::poll_now`] is called.
    pub async fn woken(&self) {
        self.wake.notified().await
    }
}
