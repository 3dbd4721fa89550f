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

/// A change and where it was made: by a command of this server (`local`, which other
/// servers on the same database must hear of) or heard from another server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Envelope {
    pub change: Change,
    pub local: bool,
}

/// The sending end, held by the backend and cloned into every command.
#[derive(Clone, Debug)]
pub struct ChangeFeed {
    tx: mpsc::UnboundedSender<Envelope>,
}

/// The receiving end, for the one push task.
pub type ChangeStream = mpsc::UnboundedReceiver<Envelope>;

impl ChangeFeed {
    pub fn new() -> (ChangeFeed, ChangeStream) {
        let (tx, rx) = mpsc::unbounded_channel();
        (ChangeFeed { tx }, rx)
    }

    /// Records that counter `id` changed. Infallible by design: a committed change stays
    /// committed whatever happens to its screens (a stopped push task only means no screens).
    pub fn counter(&self, id: i64) {
        self.send(Change::Counter(id), true);
    }

    pub fn ward(&self, id: i64) {
        self.send(Change::Ward(id), true);
    }

    pub fn everything(&self) {
        self.send(Change::Everything, true);
    }

    /// A change another server made (heard through the database): shown here, not relayed.
    pub fn heard(&self, change: Change) {
        self.send(change, false);
    }

    fn send(&self, change: Change, local: bool) {
        let _ = self.tx.send(Envelope { change, local });
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
pub fn coalesce<'a>(changes: impl IntoIterator<Item = &'a Change>) -> Coalesced {
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

/// What one server tells the others of a round of its own changes: ids only, small
/// payloads (PostgreSQL caps a notification at 8000 bytes), several if the lists are long.
pub fn relay_payloads(from: &str, round: &Coalesced) -> Vec<String> {
    const IDS_PER_PAYLOAD: usize = 500;
    let mut out = Vec::new();
    if round.everything {
        out.push(serde_json::json!({ "from": from, "everything": true }).to_string());
    }
    for chunk in round.counters.chunks(IDS_PER_PAYLOAD) {
        out.push(serde_json::json!({ "from": from, "counters": chunk }).to_string());
    }
    for chunk in round.wards.chunks(IDS_PER_PAYLOAD) {
        out.push(serde_json::json!({ "from": from, "wards": chunk }).to_string());
    }
    out
}

/// The sender and the changes of a relay payload; `None` when it does not parse.
pub fn parse_relay(payload: &str) -> Option<(String, Vec<Change>)> {
    #[derive(serde::Deserialize)]
    struct Relay {
        from: String,
        #[serde(default)]
        counters: Vec<i64>,
        #[serde(default)]
        wards: Vec<i64>,
        #[serde(default)]
        everything: bool,
    }
    let r: Relay = serde_json::from_str(payload).ok()?;
    let mut changes: Vec<Change> = r.counters.into_iter().map(Change::Counter).chain(r.wards.into_iter().map(Change::Ward)).collect();
    if r.everything {
        changes.push(Change::Everything);
    }
    Some((r.from, changes))
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
    fn a_change_heard_from_another_server_is_not_local() {
        let (feed, mut rx) = ChangeFeed::new();
        feed.counter(1);
        feed.heard(Change::Counter(2));
        assert_eq!(rx.try_recv().ok(), Some(Envelope { change: Change::Counter(1), local: true }));
        assert_eq!(rx.try_recv().ok(), Some(Envelope { change: Change::Counter(2), local: false }));
    }

    #[test]
    fn the_relay_payload_round_trips_and_splits_long_lists() {
        let round = Coalesced { counters: (1..=1_200).collect(), wards: vec![3], everything: false };
        let payloads = relay_payloads("a1", &round);
        assert!(payloads.len() > 1 && payloads.iter().all(|p| p.len() < 7_900), "each NOTIFY under PostgreSQL's 8000 bytes");
        let mut back = Coalesced::default();
        for p in &payloads {
            let (from, changes) = parse_relay(p).expect("parses");
            assert_eq!(from, "a1");
            let c = coalesce(&changes);
            back.counters.extend(c.counters);
            back.wards.extend(c.wards);
        }
        assert_eq!((back.counters, back.wards), (round.counters, round.wards));
        assert!(parse_relay("not json").is_none());
        let (_, all) = parse_relay(&relay_payloads("b2", &Coalesced { everything: true, ..Default::default() })[0]).expect("parses");
        assert_eq!(all, vec![Change::Everything]);
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
