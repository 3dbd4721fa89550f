//! The officer's dashboard at `/`.

use crate::api::{get_ward_snapshot, set_counter_status};
use crate::components::TopBar;
use crate::i18n::{t, use_lang, K};
use crate::live::use_live;
use crate::model::{CounterSnapshot, CounterStatus, ServerMsg, Topic, WardSnapshot};
use leptos::prelude::*;
use leptos_meta::Title;

const COUNTER_KEY: &str = "wardpay.counter";

#[component]
pub fn OfficerPage() -> impl IntoView {
    let ward = Resource::new(|| (), |_| get_ward_snapshot(None));
    view! {
        <Title text="WardPay — Cán bộ"/>
        <Suspense fallback=move || view! { <p class="loading">{t(K::Loading)}</p> }>
            {move || Suspend::new(async move {
                match ward.await {
                    Ok(w) => view! { <OfficerDesk ward=w/> }.into_any(),
                    Err(e) => view! { <p class="error">{t(K::LoadError)}": "{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn OfficerDesk(ward: WardSnapshot) -> impl IntoView {
    let counters = ward.counters.clone();
    let first = counters.first().map(|c| c.id);
    let selected = RwSignal::new(first);
    // The counter is chosen once per PC and remembered; read it only after hydration so the
    // server-rendered page and the first client render agree.
    let ids: Vec<i64> = counters.iter().map(|c| c.id).collect();
    Effect::new(move |_| {
        if let Some(saved) = load_counter().filter(|id| ids.contains(id)) {
            selected.set(Some(saved));
        }
    });
    let snap = RwSignal::new(None::<CounterSnapshot>);
    let conn = use_live(Signal::derive(move || selected.get().map(Topic::Counter)), move |msg| {
        if let ServerMsg::Counter(s) = msg {
            if Some(s.counter.id) == selected.get_untracked() {
                snap.set(Some(s));
            }
        }
    });
    let set_status = Action::new(move |(id, status): &(i64, CounterStatus)| {
        let (id, status) = (*id, *status);
        async move { set_counter_status(id, status).await }
    });
    Effect::new(move |_| {
        if let Some(Ok(s)) = set_status.value().get() {
            snap.set(Some(s));
        }
    });
    let lang = use_lang();
    let ward_name = ward.ward.name.clone();
    view! {
        <TopBar title=K::OfficerTitle conn=conn/>
        <div class="page officer">
            <section class="panel counter-panel">
                <div class="panel-head">
                    <h2>{ward_name}</h2>
                    <label class="counter-pick">
                        <span>{t(K::ChooseCounter)}</span>
                        <select
                            data-testid="counter-select"
                            on:change=move |ev| {
                                if let Ok(id) = event_target_value(&ev).parse::<i64>() {
                                    save_counter(id);
                                    snap.set(None);
                                    selected.set(Some(id));
                                }
                            }
                            prop:value=move || selected.get().map(|v| v.to_string()).unwrap_or_default()
                        >
                            {counters.iter().map(|c| view! {
                                <option value=c.id.to_string()>{c.name.clone()}</option>
                            }).collect_view()}
                        </select>
                    </label>
                </div>
                {move || snap.get().map(|s| {
                    let status = s.counter.status;
                    let id = s.counter.id;
                    let (next, label) = match status {
                        CounterStatus::Open => (CounterStatus::Paused, K::PauseCounter),
                        CounterStatus::Paused => (CounterStatus::Open, K::OpenCounter),
                    };
                    view! {
                        <div class="counter-status">
                            <span>{t(K::CounterStatus)}": "</span>
                            <span class="badge" data-status=status.as_str()>
                                {move || match status {
                                    CounterStatus::Open => K::Open.text(lang.get()),
                                    CounterStatus::Paused => K::Paused.text(lang.get()),
                                }}
                            </span>
                            <button
                                class="btn"
                                data-testid="toggle-counter"
                                disabled=move || set_status.pending().get()
                                on:click=move |_| { set_status.dispatch((id, next)); }
                            >
                                {t(label)}
                            </button>
                            <a class="kiosk-link" href=format!("/kiosk/{id}") target="_blank">"/kiosk/"{id}</a>
                        </div>
                    }
                })}
                {move || set_status.value().get().and_then(|r| r.err()).map(|e| view! {
                    <p class="error" role="alert">{e.to_string()}</p>
                })}
            </section>
        </div>
    }
}

fn load_counter() -> Option<i64> {
    #[cfg(feature = "hydrate")]
    {
        let storage = web_sys::window()?.local_storage().ok()??;
        storage.get_item(COUNTER_KEY).ok()??.parse().ok()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        None
    }
}

fn save_counter(id: i64) {
    #[cfg(feature = "hydrate")]
    if let Some(Ok(Some(storage))) = web_sys::window().map(|w| w.local_storage()) {
        let _ = storage.set_item(COUNTER_KEY, &id.to_string());
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (id, COUNTER_KEY);
}
