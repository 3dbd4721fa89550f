//! The citizen's screen at `/kiosk/<counter>`: needs no input, follows the counter live.

use crate::api::get_counter_snapshot;
use crate::i18n::{t, LangSwitch, K};
use crate::live::{use_live, ConnIndicator};
use crate::model::{CounterSnapshot, CounterStatus, ServerMsg, Topic};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn KioskPage() -> impl IntoView {
    let params = use_params_map();
    let counter_id = move || params.read().get("counter").and_then(|s| s.parse::<i64>().ok());
    let initial = Resource::new(counter_id, |id| async move {
        match id {
            Some(id) => get_counter_snapshot(id).await,
            None => Ok(None),
        }
    });
    view! {
        <Title text="WardPay — Kiosk"/>
        <div class="kiosk">
            <Suspense fallback=move || view! { <p class="kiosk-loading">{t(K::Loading)}</p> }>
                {move || Suspend::new(async move {
                    match initial.await {
                        Ok(Some(snap)) => view! { <KioskLive initial=snap/> }.into_any(),
                        Ok(None) => view! { <CounterMissing/> }.into_any(),
                        Err(e) => view! {
                            <section class="kiosk-message">
                                <h1>{t(K::LoadError)}</h1>
                                <p class="muted">{e.to_string()}</p>
                            </section>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </div>
    }
}

#[component]
fn CounterMissing() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
        resp.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <section class="kiosk-message" data-kiosk-state="missing">
            <h1>{t(K::CounterNotFound)}</h1>
            <p>{t(K::CounterNotFoundHint)}</p>
        </section>
    }
}

#[component]
fn KioskLive(initial: CounterSnapshot) -> impl IntoView {
    let counter_id = initial.counter.id;
    let snap = RwSignal::new(initial);
    let conn = use_live(Signal::derive(move || Some(Topic::Counter(counter_id))), move |msg| {
        if let ServerMsg::Counter(s) = msg {
            if s.counter.id == counter_id {
                snap.set(s);
            }
        }
    });
    let ward_name = move || snap.with(|s| s.ward.name.clone());
    let counter_name = move || snap.with(|s| s.counter.name.clone());
    let paused = move || snap.with(|s| s.counter.status == CounterStatus::Paused);
    view! {
        <header class="kiosk-head">
            <div>
                <div class="kiosk-ward">{ward_name}</div>
                <div class="kiosk-counter" data-counter-number=move || snap.with(|s| s.counter.number)>{counter_name}</div>
            </div>
            <div class="kiosk-tools"><ConnIndicator state=conn/><LangSwitch/></div>
        </header>
        <main class="kiosk-body">
            <Show
                when=paused
                fallback=move || view! {
                    <section class="kiosk-message" data-kiosk-state="idle">
                        <h1>{t(K::PleaseWait)}</h1>
                        <p>{t(K::PleaseWaitHint)}</p>
                    </section>
                }
            >
                <section class="kiosk-message paused" data-kiosk-state="paused">
                    <h1>{t(K::CounterPausedKiosk)}</h1>
                    <p>{t(K::CounterPausedHint)}</p>
                </section>
            </Show>
        </main>
    }
}
