//! Pieces shared by the staff screens.

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
