//! The push hub: who hears about what.
//!
//! Behind a trait so that a multi-instance deployment can swap the in-process broadcast for
//! one backed by PostgreSQL LISTEN/NOTIFY or a broker without touching the callers.

use crate::model::{ServerMsg, Topic};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::broadcast;

/// A message already serialised once, shared by every subscriber of its topic.
pub type Frame = Arc<str>;

pub trait PushHub: Send + Sync + 'static {
    fn publish(&self, topic: Topic, msg: &ServerMsg);
    fn subscribe(&self, topic: Topic) -> broadcast::Receiver<Frame>;
    /// Whether any screen of this server listens to `topic` now: a snapshot nobody here
    /// would receive is not worth building.
    fn listened(&self, topic: Topic) -> bool;
}

/// One `tokio::sync::broadcast` channel per topic, created on first subscription.
pub struct LocalHub {
    capacity: usize,
    channels: Mutex<HashMap<Topic, broadcast::Sender<Frame>>>,
}

impl LocalHub {
    /// `capacity` bounds how far a slow client may lag before it is told to resync.
    pub fn new(capacity: usize) -> Self {
        LocalHub { capacity, channels: Mutex::new(HashMap::new()) }
    }
}

impl Default for LocalHub {
    fn default() -> Self {
        LocalHub::new(64)
    }
}

impl PushHub for LocalHub {
    fn publish(&self, topic: Topic, msg: &ServerMsg) {
        let frame: Frame = match serde_json::to_string(msg) {
            Ok(s) => s.into(),
            Err(e) => {
                tracing::error!(error = %e, "push message did not serialise");
                return;
            }
        };
        let mut channels = self.channels.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(tx) = channels.get(&topic) {
            if tx.send(frame).is_err() {
                // Nobody listens any more: forget the channel so topics do not accumulate.
                channels.remove(&topic);
            }
        }
    }

    fn subscribe(&self, topic: Topic) -> broadcast::Receiver<Frame> {
        let mut channels = self.channels.lock().unwrap_or_else(|p| p.into_inner());
        channels.entry(topic).or_insert_with(|| broadcast::channel(self.capacity).0).subscribe()
    }

    fn listened(&self, topic: Topic) -> bool {
        let channels = self.channels.lock().unwrap_or_else(|p| p.into_inner());
        channels.get(&topic).is_some_and(|tx| tx.receiver_count() > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn subscribers_hear_only_their_topic() {
        let hub = LocalHub::default();
        let mut a = hub.subscribe(Topic::Counter(1));
        let mut b = hub.subscribe(Topic::Counter(2));
        hub.publish(Topic::Counter(1), &ServerMsg::Resync);
        assert_eq!(&*a.recv().await.expect("frame"), r#""resync""#);
        assert!(b.try_recv().is_err());
    }

    #[test]
    fn a_topic_is_listened_while_someone_subscribes() {
        let hub = LocalHub::default();
        assert!(!hub.listened(Topic::Counter(3)));
        let rx = hub.subscribe(Topic::Counter(3));
        assert!(hub.listened(Topic::Counter(3)) && !hub.listened(Topic::Counter(4)));
        drop(rx);
        assert!(!hub.listened(Topic::Counter(3)));
    }

    #[test]
    fn publishing_to_an_abandoned_topic_forgets_it() {
        let hub = LocalHub::default();
        drop(hub.subscribe(Topic::Ward(7)));
        hub.publish(Topic::Ward(7), &ServerMsg::Resync);
        assert!(hub.channels.lock().expect("lock").is_empty());
    }
}
