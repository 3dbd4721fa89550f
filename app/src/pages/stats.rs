//! The supervisor's live ward overview at `/stats`.

use crate::api::get_ward_snapshot;
use crate::components::TopBar;
use crate::i18n::{t, use_lang, K};
use crate::live::use_live;
use crate::model::{CounterStatus, ServerMsg, Topic, WardSnapshot};
use crate::time::format_vn_datetime;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn StatsPage() -> impl IntoView {
    let ward = Resource::new(|| (), |_| get_ward_snapshot(None));
    view! {
        <Title text="WardPay — Thống kê"/>
        <Suspense fallback=move || view! { <p class="loading">{t(K::Loading)}</p> }>
            {move || Suspend::new(async move {
                match ward.await {
                    Ok(w) => view! { <StatsLive initial=w/> }.into_any(),
                    Err(e) => view! { <p class="error">{t(K::LoadError)}": "{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn StatsLive(initial: WardSnapshot) -> impl IntoView {
    let ward_id = initial.ward.id;
    let snap = RwSignal::new(initial);
    let conn = use_live(Signal::derive(move || Some(Topic::Ward(ward_id))), move |msg| {
        if let ServerMsg::Ward(w) = msg {
            if w.ward.id == ward_id {
                snap.set(w);
            }
        }
    });
    let lang = use_lang();
    view! {
        <TopBar title=K::StatsTitle conn=conn/>
        <div class="page stats">
            <section class="panel">
                <h2>{move || snap.with(|s| s.ward.name.clone())}</h2>
                <p class="muted">
                    {t(K::CollectionAccount)}": "
                    {move || snap.with(|s| format!("{} · {} · {}", s.ward.bank_name, s.ward.bank_account, s.ward.bank_account_name))}
                </p>
                <h3>{t(K::WardCounters)}</h3>
                <table class="grid" data-testid="counter-table">
                    <thead><tr><th>{t(K::Counter)}</th><th>{t(K::CounterStatus)}</th><th>{t(K::LastChange)}</th></tr></thead>
                    <tbody>
                        <For each=move || snap.get().counters key=|c| (c.id, c.status, c.status_changed_at.clone()) let:c>
                            <tr data-counter-id=c.id>
                                <td>{c.name.clone()}</td>
                                <td><span class="badge" data-status=c.status.as_str()>{move || match c.status {
                                    CounterStatus::Open => K::Open.text(lang.get()),
                                    CounterStatus::Paused => K::Paused.text(lang.get()),
                                }}</span></td>
                                <td>{format_vn_datetime(&c.status_changed_at)}</td>
                            </tr>
                        </For>
                    </tbody>
                </table>
            </section>
        </div>
    }
}
