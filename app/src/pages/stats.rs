//! The supervisor's live ward overview at `/stats`.

use crate::api::get_ward_snapshot;
use crate::components::TopBar;
use crate::i18n::{t, use_lang, K};
use crate::live::use_live;
use crate::model::{CounterStatus, ServerMsg, Topic, WardSnapshot};
use crate::domain::words::format_vnd;
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
                <h3>{t(K::Today)}</h3>
                <div class="kpis" data-testid="day-stats">
                    <Kpi label=K::DossiersToday value=Signal::derive(move || snap.with(|s| s.today.dossiers.to_string())) id="dossiers"/>
                    <Kpi label=K::Collected value=Signal::derive(move || snap.with(|s| format_vnd(s.today.collected))) id="collected"/>
                    <Kpi label=K::CashlessRate value=Signal::derive(move || snap.with(|s| s.today.cashless_permille()
                        .map(|p| format!("{},{} %", p / 10, p % 10)).unwrap_or_else(|| "—".into()))) id="cashless"/>
                    <Kpi label=K::Awaiting value=Signal::derive(move || snap.with(|s| s.today.awaiting.to_string())) id="awaiting"/>
                    <Kpi label=K::PaidQr value=Signal::derive(move || snap.with(|s| s.today.paid_qr.to_string())) id="paid_qr"/>
                    <Kpi label=K::PaidAssistedShort value=Signal::derive(move || snap.with(|s| s.today.paid_assisted.to_string())) id="paid_assisted"/>
                    <Kpi label=K::PaidCashShort value=Signal::derive(move || snap.with(|s| s.today.paid_cash.to_string())) id="paid_cash"/>
                    <Kpi label=K::Free value=Signal::derive(move || snap.with(|s| s.today.free.to_string())) id="free"/>
                    <Kpi label=K::Expired value=Signal::derive(move || snap.with(|s| s.today.expired.to_string())) id="expired"/>
                    <Kpi label=K::Exceptions value=Signal::derive(move || snap.with(|s| s.today.open_exceptions.to_string())) id="exceptions"/>
                </div>
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

#[component]
fn Kpi(label: K, value: Signal<String>, id: &'static str) -> impl IntoView {
    view! {
        <div class="kpi" data-kpi=id>
            <div class="kpi-value">{value}</div>
            <div class="kpi-label">{t(label)}</div>
        </div>
    }
}
