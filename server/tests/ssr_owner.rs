//! The reactive owner tree that server-side rendering builds per request must survive a
//! request being dropped on one thread while a resource on another thread reads context.
//!
//! The upstream `reactive_graph` walked an owner's ancestors holding a lock on the owner and
//! on each ancestor it had upgraded; when the rest of the tree was dropped meanwhile (the
//! client went away mid-render), the walk held the last reference to an ancestor, and
//! dropping it ran that ancestor's cleanup, which locks the owner being walked from: the
//! worker thread deadlocked for ever. WardPay builds a patched copy (`vendor/reactive_graph`);
//! these tests fail (by the bound below) on the unpatched crate.

use leptos::reactive::owner::{provide_context, update_context, with_context, Owner};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

#[derive(Clone)]
struct Marker(u32);

/// Runs `body` on its own thread and fails if it has not returned within a minute: a
/// deadlocked thread never returns, so only a hang reaches the bound.
fn must_return(body: impl FnOnce() -> Option<u32> + Send + 'static) -> Option<u32> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(body());
    });
    rx.recv_timeout(Duration::from_secs(60)).expect("reading context while the page's owner tree is dropped deadlocked")
}

/// A page's root owner with a context, and a resource's owner below it that reads it. The
/// root's only strong handle sits in the returned cell: dropping it from inside the read is
/// the race (the response dropped on another thread) made deterministic.
fn tree() -> (Arc<Mutex<Option<Owner>>>, Owner) {
    let root = Owner::new();
    root.with(|| provide_context(Marker(7)));
    let resource = root.child();
    (Arc::new(Mutex::new(Some(root))), resource)
}

#[test]
fn reading_context_while_the_root_owner_is_dropped_returns() {
    let found = must_return(|| {
        let (root, leaf) = tree();
        leaf.with(|| {
            with_context::<Marker, _>(|marker| {
                root.lock().ok().and_then(|mut r| r.take());
                marker.0
            })
        })
    });
    assert_eq!(found, Some(7));
}

#[test]
fn updating_context_while_the_root_owner_is_dropped_returns() {
    let found = must_return(|| {
        let (root, leaf) = tree();
        leaf.with(|| {
            update_context::<Marker, _>(|marker| {
                root.lock().ok().and_then(|mut r| r.take());
                marker.0 += 1;
                marker.0
            })
        })
    });
    assert_eq!(found, Some(8));
}
