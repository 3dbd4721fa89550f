//! The browser side of live push: one WebSocket per screen that never gives up.
//!
//! The server sends a full snapshot of the topic on every (re)connect, so the client never
//! trusts what it showed before a disconnect: it reconnects with capped exponential backoff
//! and jitter (so that a hundred kiosks do not hammer a restarting server in step), and
//! also retries at once when the tab becomes visible or the network comes back.

use crate::model::{ConnState, Topic};
use leptos::prelude::*;
use serde::de::DeserializeOwned;
use serde::Deserialize;

/// A pushed message as a screen reads it: the wire form of [`crate::model::ServerMsg`], with
/// the snapshot typed by the topic the screen listens to. The variant's name says which topic
/// the snapshot is of, and a screen already knows that; reading either name as its own
/// snapshot type means a kiosk does not carry the code to read a ward's snapshot.
// Read only in the browser (and by the tests).
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
#[derive(Debug, PartialEq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Frame<S> {
    #[serde(rename = "counter", alias = "ward")]
    Snapshot(S),
    Resync,
    Revoked,
    Beat {
        at_ms: i64,
        build: String,
    },
}

/// Keeps a live channel to `topic` (when it is `Some`) and passes every snapshot it pushes
/// (a `CounterSnapshot` or a `WardSnapshot`, as the topic is) to `on_snapshot`. Returns the
/// connection state for the indicator.
pub fn use_live<S: DeserializeOwned + 'static>(topic: Signal<Option<Topic>>, on_snapshot: impl Fn(S) + 'static) -> ReadSignal<ConnState> {
    use_live_clocked(topic, on_snapshot).0
}

/// [`use_live`], and how far the server's clock is ahead of this browser's, in milliseconds
/// (`None` until the first beat): countdowns add it to the local clock.
pub fn use_live_clocked<S: DeserializeOwned + 'static>(
    topic: Signal<Option<Topic>>,
    on_snapshot: impl Fn(S) + 'static,
) -> (ReadSignal<ConnState>, ReadSignal<Option<f64>>) {
    let (state, set_state) = signal(ConnState::Connecting);
    let (offset, set_offset) = signal(None::<f64>);
    #[cfg(feature = "hydrate")]
    client::start(topic, set_state, set_offset, on_snapshot);
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (topic, set_state, set_offset, on_snapshot);
    }
    (state, offset)
}

#[component]
pub fn ConnIndicator(state: ReadSignal<ConnState>) -> impl IntoView {
    use crate::i18n::{use_lang, K};
    let lang = use_lang();
    let label = move || match state.get() {
        ConnState::Live => K::Live.text(lang.get()),
        ConnState::Connecting => K::Connecting.text(lang.get()),
        ConnState::Reconnecting => K::Reconnecting.text(lang.get()),
    };
    view! {
        <span class="conn" data-conn=move || state.get().as_str() role="status" aria-live="polite">
            <span class="conn-dot" aria-hidden="true"></span>
            <span class="conn-label">{label}</span>
        </span>
    }
}

#[cfg(feature = "hydrate")]
mod client {
    use super::*;
    use std::cell::{Cell, RefCell};
    use std::rc::Rc;
    use std::time::Duration;
    use wasm_bindgen::prelude::*;
    use wasm_bindgen::JsCast;
    use web_sys::{CloseEvent, Event, MessageEvent, WebSocket};

    const BASE_DELAY_MS: f64 = 400.0;
    const MAX_DELAY_MS: f64 = 8_000.0;
    /// Silence after which an open socket is taken for dead (the server beats every 2 s): a
    /// pulled cable closes nothing, so only the missing beats tell.
    const SILENT_MS: f64 = 4_000.0;

    struct Live<S> {
        topic: Cell<Option<Topic>>,
        socket: RefCell<Option<WebSocket>>,
        /// Bumped on every (re)connect, so events and timers of an old socket are ignored.
        generation: Cell<u64>,
        attempt: Cell<u32>,
        connected: Cell<bool>,
        stopped: Cell<bool>,
        set_state: WriteSignal<ConnState>,
        set_offset: WriteSignal<Option<f64>>,
        /// When the socket was last heard from (browser clock, ms).
        last_heard: Cell<f64>,
        /// The build this page was served by (`<meta name="wardpay-build">`).
        page_build: String,
        watchdog: RefCell<Option<IntervalHandle>>,
        on_snapshot: Box<dyn Fn(S)>,
        socket_handlers: RefCell<Vec<SocketHandler>>,
        page_handlers: RefCell<Vec<PageHandler>>,
    }

    /// A socket event's callback, kept alive as long as its socket.
    type SocketHandler = Closure<dyn FnMut(JsValue)>;
    /// A page event's listener (target, event name, callback), removed when the screen stops.
    type PageHandler = (web_sys::EventTarget, &'static str, Closure<dyn FnMut(Event)>);

    pub fn start<S: DeserializeOwned + 'static>(
        topic: Signal<Option<Topic>>,
        set_state: WriteSignal<ConnState>,
        set_offset: WriteSignal<Option<f64>>,
        on_snapshot: impl Fn(S) + 'static,
    ) {
        let page_build = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.query_selector("meta[name=wardpay-build]").ok().flatten())
            .and_then(|m| m.get_attribute("content"))
            .unwrap_or_default();
        let live = Rc::new(Live {
            topic: Cell::new(None),
            socket: RefCell::new(None),
            generation: Cell::new(0),
            attempt: Cell::new(0),
            connected: Cell::new(false),
            stopped: Cell::new(false),
            set_state,
            set_offset,
            last_heard: Cell::new(js_sys::Date::now()),
            page_build,
            watchdog: RefCell::new(None),
            on_snapshot: Box::new(on_snapshot),
            socket_handlers: RefCell::new(Vec::new()),
            page_handlers: RefCell::new(Vec::new()),
        });
        live.watch_page();
        let me = live.clone();
        if let Ok(handle) = set_interval_with_handle(move || me.check_heard(), Duration::from_millis(1_000)) {
            *live.watchdog.borrow_mut() = Some(handle);
        }
        let for_effect = live.clone();
        Effect::new(move |_| {
            let t = topic.get();
            for_effect.topic.set(t);
            for_effect.attempt.set(0);
            for_effect.connect();
        });
        let guard = send_wrapper::SendWrapper::new(live);
        on_cleanup(move || guard.take().stop());
    }

    impl<S: DeserializeOwned + 'static> Live<S> {
        fn connect(self: &Rc<Self>) {
            self.close_socket();
            let gen = self.generation.get() + 1;
            self.generation.set(gen);
            let Some(topic) = self.topic.get() else { return };
            if self.stopped.get() {
                return;
            }
            let Some(url) = ws_url(&topic.ws_path()) else { return };
            self.set_state.set(if self.attempt.get() == 0 { ConnState::Connecting } else { ConnState::Reconnecting });
            self.last_heard.set(js_sys::Date::now());
            let ws = match WebSocket::new(&url) {
                Ok(ws) => ws,
                Err(_) => {
                    self.schedule_reconnect(gen);
                    return;
                }
            };
            let me = self.clone();
            let on_open = Closure::<dyn FnMut(JsValue)>::new(move |_| {
                if me.generation.get() == gen {
                    me.attempt.set(0);
                    me.last_heard.set(js_sys::Date::now());
                    me.connected.set(true);
                    me.set_state.set(ConnState::Live);
                }
            });
            let me = self.clone();
            let on_message = Closure::<dyn FnMut(JsValue)>::new(move |ev: JsValue| {
                if me.generation.get() != gen {
                    return;
                }
                let Some(text) = ev.dyn_into::<MessageEvent>().ok().and_then(|m| m.data().as_string()) else {
                    return;
                };
                me.last_heard.set(js_sys::Date::now());
                match serde_json::from_str::<Frame<S>>(&text) {
                    Ok(Frame::Snapshot(snapshot)) => (me.on_snapshot)(snapshot),
                    Ok(Frame::Beat { at_ms, build }) => {
                        me.set_offset.set(Some(at_ms as f64 - js_sys::Date::now()));
                        if !me.page_build.is_empty() && build != me.page_build {
                            me.reload_for_new_build(&build);
                        }
                    }
                    Ok(Frame::Resync) => {
                        // The server is about to drop us; reconnecting brings a fresh snapshot.
                        me.attempt.set(0);
                        me.connect();
                    }
                    Ok(Frame::Revoked) => {
                        // Signed out, disabled or unpaired: the server renders what comes next
                        // (the sign-in page, or the kiosk's pairing code).
                        me.stopped.set(true);
                        if let Some(w) = web_sys::window() {
                            let _ = w.location().reload();
                        }
                    }
                    Err(e) => leptos::logging::warn!("ignoring unreadable push message: {e}"),
                }
            });
            let me = self.clone();
            let on_close = Closure::<dyn FnMut(JsValue)>::new(move |ev: JsValue| {
                if me.generation.get() != gen {
                    return;
                }
                let _ = ev.dyn_ref::<CloseEvent>().map(|c| c.code());
                let was_open = me.connected.get();
                me.connected.set(false);
                me.set_state.set(ConnState::Reconnecting);
                if !was_open && me.attempt.get() >= 2 {
                    check_access();
                }
                me.schedule_reconnect(gen);
            });
            ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
            ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
            ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
            *self.socket_handlers.borrow_mut() = vec![on_open, on_message, on_close];
            *self.socket.borrow_mut() = Some(ws);
        }

        fn schedule_reconnect(self: &Rc<Self>, gen: u64) {
            if self.stopped.get() {
                return;
            }
            let attempt = self.attempt.get();
            self.attempt.set(attempt.saturating_add(1));
            let base = (BASE_DELAY_MS * 2f64.powi(attempt.min(10) as i32)).min(MAX_DELAY_MS);
            let delay = base * (0.5 + js_sys::Math::random());
            let me = self.clone();
            set_timeout(
                move || {
                    if me.generation.get() == gen && !me.connected.get() {
                        me.connect();
                    }
                },
                Duration::from_millis(delay as u64),
            );
        }

        /// An open socket that has been silent too long is dead (the network dropped without
        /// closing it): say so now and start over.
        fn check_heard(self: &Rc<Self>) {
            if self.stopped.get() {
                return;
            }
            let quiet = js_sys::Date::now() - self.last_heard.get();
            // An open socket gone silent, or a handshake that never completes.
            let pending = self.socket.borrow().is_some() && !self.connected.get();
            if (self.connected.get() && quiet > SILENT_MS) || (pending && quiet > 2.0 * SILENT_MS) {
                self.went_offline();
            }
        }

        fn went_offline(self: &Rc<Self>) {
            // A socket that was working is retried at once; a handshake that keeps hanging
            // goes on backing off, so a city's screens do not hammer a server coming back.
            if self.connected.get() {
                self.attempt.set(0);
            }
            let gen = self.generation.get();
            self.close_socket();
            self.set_state.set(ConnState::Reconnecting);
            self.schedule_reconnect(gen);
        }

        /// A new build was deployed: load it, after a moment's jitter so that every screen of
        /// the city does not ask at the same instant.
        fn reload_for_new_build(self: &Rc<Self>, server_build: &str) {
            // Once per build: two instances behind one address that disagree (or a cached
            // page) must not make the screen reload for ever.
            const KEY: &str = "wardpay.reloaded-for-build";
            let storage = web_sys::window().and_then(|w| w.session_storage().ok().flatten());
            if storage.as_ref().and_then(|s| s.get_item(KEY).ok().flatten()).as_deref() == Some(server_build) {
                return;
            }
            if let Some(s) = &storage {
                let _ = s.set_item(KEY, server_build);
            }
            if self.stopped.replace(true) {
                return;
            }
            set_timeout(
                || {
                    if let Some(w) = web_sys::window() {
                        let _ = w.location().reload();
                    }
                },
                Duration::from_millis((js_sys::Math::random() * 3_000.0) as u64),
            );
        }

        /// Coming back to the tab or to the network is a good moment to retry at once.
        fn nudge(self: &Rc<Self>) {
            if !self.connected.get() && !self.stopped.get() {
                self.attempt.set(0);
                self.connect();
            }
        }

        fn watch_page(self: &Rc<Self>) {
            let Some(window) = web_sys::window() else { return };
            let mut handlers = Vec::new();
            let me = self.clone();
            let on_online = Closure::<dyn FnMut(Event)>::new(move |_| me.nudge());
            let me = self.clone();
            let on_offline = Closure::<dyn FnMut(Event)>::new(move |_| {
                if me.connected.get() && !me.stopped.get() {
                    me.went_offline();
                }
            });
            let me = self.clone();
            let on_visible = Closure::<dyn FnMut(Event)>::new(move |_| {
                let visible = web_sys::window()
                    .and_then(|w| w.document())
                    .map(|d| d.visibility_state() == web_sys::VisibilityState::Visible)
                    .unwrap_or(true);
                if visible {
                    me.nudge();
                }
            });
            let win_target: web_sys::EventTarget = window.clone().into();
            if win_target.add_event_listener_with_callback("online", on_online.as_ref().unchecked_ref()).is_ok() {
                handlers.push((win_target.clone(), "online", on_online));
            }
            if win_target.add_event_listener_with_callback("offline", on_offline.as_ref().unchecked_ref()).is_ok() {
                handlers.push((win_target, "offline", on_offline));
            }
            if let Some(doc) = window.document() {
                let doc_target: web_sys::EventTarget = doc.into();
                if doc_target.add_event_listener_with_callback("visibilitychange", on_visible.as_ref().unchecked_ref()).is_ok() {
                    handlers.push((doc_target, "visibilitychange", on_visible));
                }
            }
            *self.page_handlers.borrow_mut() = handlers;
        }

        fn close_socket(&self) {
            self.connected.set(false);
            if let Some(ws) = self.socket.borrow_mut().take() {
                ws.set_onopen(None);
                ws.set_onmessage(None);
                ws.set_onclose(None);
                let _ = ws.close();
            }
            self.socket_handlers.borrow_mut().clear();
        }

        fn stop(&self) {
            self.stopped.set(true);
            if let Some(h) = self.watchdog.borrow_mut().take() {
                h.clear();
            }
            self.generation.set(self.generation.get() + 1);
            self.close_socket();
            for (target, name, cb) in self.page_handlers.borrow_mut().drain(..) {
                let _ = target.remove_event_listener_with_callback(name, cb.as_ref().unchecked_ref());
            }
        }
    }

    /// The socket keeps being refused. If the server itself answers, the refusal is about
    /// access (session ended, kiosk unpaired): reload, and the server shows the sign-in page
    /// or the pairing code. At most once a minute, so a proxy that blocks WebSockets cannot
    /// put the page in a reload loop.
    fn check_access() {
        const KEY: &str = "wardpay.access-reload";
        leptos::task::spawn_local(async move {
            if crate::api::get_me().await.is_err() {
                return;
            }
            let Some(window) = web_sys::window() else { return };
            let storage = window.session_storage().ok().flatten();
            // Whole milliseconds: formatting a float would link a float printer for this alone.
            let now = js_sys::Date::now() as i64;
            let last = storage.as_ref().and_then(|s| s.get_item(KEY).ok().flatten()).and_then(|v| v.parse::<i64>().ok());
            if last.is_some_and(|t| now - t < 60_000) {
                return;
            }
            if let Some(s) = storage {
                let _ = s.set_item(KEY, &now.to_string());
            }
            let _ = window.location().reload();
        });
    }

    fn ws_url(path: &str) -> Option<String> {
        let location = web_sys::window()?.location();
        let scheme = if location.protocol().ok()? == "https:" { "wss" } else { "ws" };
        Some(format!("{scheme}://{}{path}", location.host().ok()?))
    }
}

#[cfg(test)]
mod tests {
    use super::Frame;
    use crate::model::{CounterInfo, CounterSnapshot, CounterStatus, DayStats, ServerMsg, WardInfo, WardSnapshot};
    use serde::de::DeserializeOwned;

    fn ward_info() -> WardInfo {
        WardInfo {
            id: 1,
            code: "26734".into(),
            name: "Phường Demo".into(),
            bank_name: "Vietcombank".into(),
            bank_account: "0011001234567".into(),
            bank_account_name: "UBND PHUONG DEMO".into(),
            kiosk_chime: true,
        }
    }

    fn counter_info() -> CounterInfo {
        CounterInfo {
            id: 2,
            ward_id: 1,
            number: 1,
            name: "Quầy 1".into(),
            status: CounterStatus::Open,
            status_changed_at: "2026-12-02T01:00:00Z".into(),
        }
    }

    fn read<S: DeserializeOwned>(msg: &ServerMsg) -> Frame<S> {
        let wire = serde_json::to_string(msg).expect("a push message serialises");
        serde_json::from_str(&wire).expect("a screen reads what the server pushes")
    }

    #[test]
    fn a_screen_reads_every_push_message_of_its_topic() {
        let counter = CounterSnapshot { ward: ward_info(), counter: counter_info(), current: None, demo: false, bank_silence_mins: None };
        assert_eq!(read::<CounterSnapshot>(&ServerMsg::Counter(counter.clone())), Frame::Snapshot(counter));
        let ward =
            WardSnapshot { ward: ward_info(), counters: vec![counter_info()], today: DayStats::default(), bank_silence_mins: Some(12) };
        assert_eq!(read::<WardSnapshot>(&ServerMsg::Ward(ward.clone())), Frame::Snapshot(ward));
        assert_eq!(read::<CounterSnapshot>(&ServerMsg::Resync), Frame::Resync);
        assert_eq!(read::<WardSnapshot>(&ServerMsg::Revoked), Frame::Revoked);
        let beat = ServerMsg::Beat { at_ms: 1_764_650_000_000, build: "abc".into() };
        assert_eq!(read::<CounterSnapshot>(&beat), Frame::Beat { at_ms: 1_764_650_000_000, build: "abc".into() });
    }
}
