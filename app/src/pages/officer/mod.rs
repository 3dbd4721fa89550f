//! The officer's dashboard at `/`: the new-dossier form (steps 2–3, `dossier_form`), the
//! counter's current payment with its live state (steps 4–6) and the fallbacks
//! (`current_payment`), the portal's waiting dossiers (`dvc_pending`), the counter's own
//! controls (`counter_controls`), and today's queue (`queue`).

use crate::api::{
    cancel_payment, confirm_dvc, create_dossier, get_catalog, get_dvc_pending, get_queue, get_ward_snapshot, pay_manually, reissue_payment,
    set_counter_status, simulate_payment,
};
use crate::components::{mmss, readable, use_seconds_ticker, TopBar};
use crate::domain::fees::{self, matches_search, FeeRule, LineInput};
use crate::domain::words::format_vnd;
use crate::error::AppError;
use crate::i18n::{received_missing, t, use_lang, Lang, K};
use crate::live::use_live;
use crate::model::{
    CatalogEntry, CounterSnapshot, CounterStatus, DossierRow, LineRequest, NewDossier, PaymentMethod, PaymentState, PaymentView, Topic,
    WardSnapshot,
};
use crate::time::format_vn_time;
use leptos::prelude::*;
use leptos_meta::Title;

mod counter_controls;
mod current_payment;
mod dossier_form;
mod dvc_pending;
mod queue;

pub use counter_controls::silence_text;
use counter_controls::CounterControls;
use current_payment::CurrentPayment;
use dossier_form::DossierForm;
use dvc_pending::DvcPending;
use queue::Queue;

const COUNTER_KEY: &str = "wardpay.counter";

#[component]
pub fn OfficerPage() -> impl IntoView {
    let ward = Resource::new(
        || (),
        |_| async move {
            let me = crate::api::get_me().await?;
            Ok::<_, AppError>((get_ward_snapshot(None).await?, me.map(|m| m.role)))
        },
    );
    view! {
        <Title text="WardPay — Cán bộ"/>
        <Suspense fallback=move || view! { <p class="loading">{t(K::Loading)}</p> }>
            {move || Suspend::new(async move {
                match ward.await {
                    Ok((w, role)) => view! { <OfficerDesk ward=w role=role/> }.into_any(),
                    Err(e) => view! { <p class="error">{t(K::LoadError)}": "{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn new_request_key() -> String {
    #[cfg(feature = "hydrate")]
    {
        format!("{:x}{:x}", js_sys::Date::now() as u64, (js_sys::Math::random() * 1e15) as u64)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        String::new()
    }
}

#[component]
fn OfficerDesk(ward: WardSnapshot, role: Option<crate::model::Role>) -> impl IntoView {
    // Support staff record assisted and cash payments; dossiers are the officer's.
    let issues = role != Some(crate::model::Role::Support);
    let counters = ward.counters.clone();
    let ward_id = ward.ward.id;
    let selected = RwSignal::new(counters.first().map(|c| c.id));
    // The counter is chosen once per PC and remembered; read it only after hydration so the
    // server-rendered page and the first client render agree.
    let ids: Vec<i64> = counters.iter().map(|c| c.id).collect();
    Effect::new(move |_| {
        if let Some(saved) = load_counter().filter(|id| ids.contains(id)) {
            selected.set(Some(saved));
        }
    });
    let snap = RwSignal::new(None::<CounterSnapshot>);
    // Bumped on every push so that the queue refetches.
    let pushes = RwSignal::new(0u64);
    let conn = use_live(Signal::derive(move || selected.get().map(Topic::Counter)), move |s: CounterSnapshot| {
        if Some(s.counter.id) == selected.get_untracked() {
            snap.set(Some(s));
            pushes.update(|n| *n += 1);
        }
    });
    let catalog = Resource::new(move || ward_id, get_catalog);
    let lang = use_lang();
    view! {
        <TopBar title=K::OfficerTitle conn=conn/>
        <div class="page officer">
            {move || snap.get().and_then(|s| s.bank_silence_mins).map(|m| view! {
                <div class="banner-warn" role="alert" data-testid="bank-silence">{silence_text(m, lang.get())}</div>
            })}
            <DvcPending counter=selected pushes=pushes/>
            <div class="officer-grid">
                <section class="panel form-panel">
                    <h2>{t(K::NewDossier)}</h2>
                    {if issues {
                        view! {
                            <Suspense fallback=move || view! { <p class="loading">{t(K::Loading)}</p> }>
                                {move || Suspend::new(async move {
                                    match catalog.await {
                                        Ok(c) => view! { <DossierForm catalog=c counter=selected/> }.into_any(),
                                        Err(e) => view! { <p class="error">{readable(&e)}</p> }.into_any(),
                                    }
                                })}
                            </Suspense>
                        }.into_any()
                    } else {
                        view! {
                            <p class="notice" data-testid="support-note">{crate::i18n::tx(
                                "Tài khoản hỗ trợ: chọn quầy của người dân cần giúp, rồi ghi nhận thanh toán có hỗ trợ hoặc tiền mặt (kèm lý do) ở khoản đang chờ bên phải. Hồ sơ mới do cán bộ một cửa tạo.",
                                "Support account: pick the counter of the citizen you help, then record an assisted or cash payment (with its reason) on the waiting payment on the right. New dossiers are entered by the officer.")}</p>
                        }.into_any()
                    }}
                </section>
                <div class="side">
                    <section class="panel counter-panel">
                        <div class="panel-head">
                            <h2>{ward.ward.name.clone()}</h2>
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
                        {move || snap.get().map(|s| view! { <CounterControls snap=s/> })}
                    </section>
                    <section class="panel">
                        <h3>{t(K::CurrentPayment)}</h3>
                        {move || match snap.get() {
                            Some(s) => match s.current.clone() {
                                Some(p) => view! { <CurrentPayment p=p counter_id=s.counter.id demo=s.demo/> }.into_any(),
                                None => view! { <p class="muted" data-testid="no-payment">{t(K::NoCurrentPayment)}</p> }.into_any(),
                            },
                            None => view! { <p class="muted">{t(K::Connecting)}</p> }.into_any(),
                        }}
                    </section>
                </div>
            </div>
            <section class="panel">
                <h3>{t(K::TodayQueue)}</h3>
                <Queue counter=selected pushes=pushes/>
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
