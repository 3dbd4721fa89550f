//! The change feed: what a committed command touched, on its way to the screens.
//!
//! A command commits, tells the feed which counters and wards it changed, and returns: it
//! never builds a screen's snapshot and never fails because of one. One task per server
//! ([`super::screens::push_changes`]) takes what arrived, coalesces it (a burst of changes
//! to one counter becomes one snapshot of its last state) and publishes the snapshots.

use tokio::sync::mpsc;

/// One thing whose screens must be rebuilt.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Change {
    /// A counter's snapshot (and its ward's figures, which include it).
    Counter(i64),
    /// A ward's figures only (a bank exception no counter owns, the ward's set-up).
    Ward(i64),
    /// Every screen this server serves (after a lost feed, or a ward-wide warning).
    Everything,
}

/// The sending end, held by the backend and cloned into every command.
#[derive(Clone, Debug)]
pub struct ChangeFeed {
    tx: mpsc::UnboundedSender<Change>,
}

/// The receiving end, for the one push task.
pub type ChangeStream = mpsc::UnboundedReceiver<Change>;

impl ChangeFeed {
    pub fn new() -> (ChangeFeed, ChangeStream) {
        let (tx, rx) = mpsc::unbounded_channel();
        (ChangeFeed { tx }, rx)
    }

    /// Records that counter `id` changed. Infallible by design: a committed change stays
    /// committed whatever happens to its screens (a stopped push task only means no screens).
    pub fn counter(&self, id: i64) {
        let _ = self.tx.send(Change::Counter(id));
    }

    pub fn ward(&self, id: i64) {
        let _ = self.tx.send(Change::Ward(id));
    }

    pub fn everything(&self) {
        let _ = self.tx.send(Change::Everything);
    }
}

/// What one round of the push task rebuilds, each once: counters, then the wards they and
/// the explicit ward changes belong to (the caller adds the counters' wards).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Coalesced {
    pub counters: Vec<i64>,
    pub wards: Vec<i64>,
    pub everything: bool,
}

/// Folds a burst of changes into the set of screens to rebuild, each once.
pub fn coalesce(changes: &[Change]) -> Coalesced {
    let mut out = Coalesced::default();
    for c in changes {
        match *c {
            Change::Counter(id) => out.counters.push(id),
            Change::Ward(id) => out.wards.push(id),
            Change::Everything => out.everything = true,
        }
    }
    out.counters.sort_unstable();
    out.counters.dedup();
    out.wards.sort_unstable();
    out.wards.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_to_one_counter_rebuilds_it_once() {
        let burst: Vec<Change> = (0..1_000).map(|_| Change::Counter(7)).chain([Change::Ward(2), Change::Ward(2)]).collect();
        assert_eq!(coalesce(&burst), Coalesced { counters: vec![7], wards: vec![2], everything: false });
    }

    #[test]
    fn everything_is_remembered_among_other_changes() {
        let c = coalesce(&[Change::Counter(1), Change::Everything, Change::Counter(1)]);
        assert!(c.everything && c.counters == vec![1]);
    }

    #[test]
    fn sending_after_the_push_task_stopped_is_harmless() {
        let (feed, rx) = ChangeFeed::new();
        drop(rx);
        feed.counter(1);
        feed.ward(1);
        feed.everything();
    }
}
