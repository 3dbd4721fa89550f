//! Pieces shared by the screens.

use crate::i18n::{t, LangSwitch, K};
use crate::live::ConnIndicator;
use crate::model::ConnState;
use leptos::prelude::*;

#[component]
pub fn TopBar(title: K, conn: ReadSignal<ConnState>) -> impl IntoView {
    view! {
        <header class="topbar">
            <a class="brand" href="/">"WardPay"</a>
            <h1 class="topbar-title">{t(title)}</h1>
            <nav class="topbar-nav">
                <a href="/">{t(K::OfficerTitle)}</a>
                <a href="/stats">{t(K::StatsTitle)}</a>
            </nav>
            <ConnIndicator state=conn/>
            <LangSwitch/>
        </header>
    }
}

/// A ticking "now" in whole seconds since this signal was made, for countdowns. Only
/// ticks in the browser; the server renders the value at snapshot time.
pub fn use_seconds_ticker() -> ReadSignal<i64> {
    let (secs, set_secs) = signal(0i64);
    #[cfg(feature = "hydrate")]
    {
        let started = js_sys::Date::now();
        if let Ok(handle) = set_interval_with_handle(
            move || set_secs.set(((js_sys::Date::now() - started) / 1000.0) as i64),
            std::time::Duration::from_millis(250),
        ) {
            on_cleanup(move || handle.clear());
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = set_secs;
    secs
}

pub fn mmss(secs: i64) -> String {
    let s = secs.max(0);
    format!("{:02}:{:02}", s / 60, s % 60)
}
