//! The supervisor's live ward overview at `/stats`.

use crate::api::{close_day, get_day_closes, get_exceptions, get_intake_log, get_pollers, get_ward_snapshot, resolve_exception};
use crate::components::readable;
use crate::components::TopBar;
use crate::domain::words::format_vnd;
use crate::i18n::tx;
use crate::i18n::{exception_kind_label, t, use_lang, K};
use crate::live::use_live;
use crate::model::{CounterStatus, Topic, WardSnapshot};
use crate::model::{ExceptionRow, Resolution};
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
    let pushes = RwSignal::new(0u64);
    let conn = use_live(Signal::derive(move || Some(Topic::Ward(ward_id))), move |w: WardSnapshot| {
        if w.ward.id == ward_id {
            snap.set(w);
            pushes.update(|n| *n += 1);
        }
    });
    let lang = use_lang();
    view! {
        <TopBar title=K::StatsTitle conn=conn/>
        <div class="page stats">
            <crate::pages::accounting::OverdueBanner/>
            {move || snap.with(|s| s.bank_silence_mins).map(|m| view! {
                <div class="banner-warn" role="alert" data-testid="bank-silence">{crate::pages::officer::silence_text(m, lang.get())}</div>
            })}
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
                <crate::pages::trends::Trends pushes=pushes/>
                <ExceptionQueue ward_id=ward_id pushes=pushes/>
                <DayClose pushes=pushes/>
                <IntakeLog pushes=pushes/>
                <Pollers pushes=pushes/>
                <crate::components::LoginAttempts/>
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

#[component]
fn ExceptionQueue(ward_id: i64, pushes: RwSignal<u64>) -> impl IntoView {
    let show_resolved = RwSignal::new(false);
    let refreshed = RwSignal::new(0u64);
    let rows =
        Resource::new(move || (show_resolved.get(), pushes.get(), refreshed.get()), move |(all, _, _)| get_exceptions(ward_id, !all));
    view! {
        <div class="panel-head">
            <h3>{t(K::ExceptionQueue)}</h3>
            <label class="inline"><input type="checkbox" prop:checked=move || show_resolved.get()
                on:change=move |ev| show_resolved.set(event_target_checked(&ev))/>" "{t(K::ShowResolved)}</label>
        </div>
        <Transition fallback=move || view! { <p class="loading">{t(K::Loading)}</p> }>
            {move || rows.get().map(|r| match r {
                Ok(rows) if rows.is_empty() => view! { <p class="muted" data-testid="no-exceptions">{t(K::NoExceptions)}</p> }.into_any(),
                Ok(rows) => view! {
                    <table class="grid" data-testid="exceptions">
                        <thead><tr>
                            <th>{t(K::Time)}</th><th>{t(K::Status)}</th><th class="num">{t(K::Received)}</th><th class="num">{t(K::Due)}</th>
                            <th>{t(K::TransferText)}</th><th>{t(K::Dossier)}</th><th></th>
                        </tr></thead>
                        <tbody>
                            {rows.into_iter().map(|e| view! { <ExceptionLine e=e refreshed=refreshed/> }).collect_view()}
                        </tbody>
                    </table>
                }.into_any(),
                Err(e) => view! { <p class="error">{readable(&e)}</p> }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn ExceptionLine(e: ExceptionRow, refreshed: RwSignal<u64>) -> impl IntoView {
    let lang = use_lang();
    let id = e.id;
    let open = e.status == "open";
    let can_accept = open && matches!(e.kind.as_str(), "late" | "after_cancel") && e.payment_code.is_some();
    let assign_to = RwSignal::new(String::new());
    let note = RwSignal::new(String::new());
    let act = Action::new(move |r: &Resolution| {
        let r = r.clone();
        let n = Some(note.get_untracked()).filter(|n| !n.trim().is_empty());
        async move { resolve_exception(id, r, n).await }
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = act.value().get() {
            refreshed.update(|n| *n += 1);
        }
    });
    let kind = e.kind.clone();
    view! {
        <tr data-exception=e.id data-kind=e.kind.clone() data-status=e.status.clone()>
            <td>{format_vn_datetime(&e.created_at)}</td>
            <td><span class="badge" data-status=if open { "expired" } else { "open" }>{move || exception_kind_label(&kind).get(lang.get())}</span>
                {e.resolution.clone().map(|r| view! { <div class="muted small">{t(K::Resolved)}": "{r}{e.note.clone().map(|n| format!(" — {n}"))}</div> })}
            </td>
            <td class="num">{format_vnd(e.amount)}</td>
            <td class="num">{e.amount_due.map(format_vnd).unwrap_or_default()}</td>
            <td class="mono small">{e.content.clone()}<div class="muted">{e.provider.clone()}" "{e.bank_reference.clone().unwrap_or_default()}</div></td>
            <td>{e.dossier_code.clone().unwrap_or_default()}<div class="mono small">{e.payment_code.clone().unwrap_or_default()}</div></td>
            <td class="exception-actions">
                <Show when=move || open>
                    <Show when=move || can_accept>
                        <button class="btn secondary" type="button" data-testid="accept-late" disabled=move || act.pending().get()
                            on:click=move |_| { act.dispatch(Resolution::AcceptLate); }>{t(K::AcceptLate)}</button>
                    </Show>
                    <div class="inline-form">
                        <input type="text" placeholder=t(K::Code) aria-label=t(K::AssignTo) data-testid="assign-dossier"
                            prop:value=move || assign_to.get() on:input=move |ev| assign_to.set(event_target_value(&ev))/>
                        <button class="btn secondary" type="button" data-testid="assign" disabled=move || act.pending().get()
                            on:click=move |_| { act.dispatch(Resolution::AssignToDossier { dossier_code: assign_to.get_untracked() }); }>{t(K::AssignTo)}</button>
                    </div>
                    <div class="inline-form">
                        <input type="text" placeholder=t(K::RefundNote) aria-label=t(K::RefundNote) data-testid="refund-note"
                            prop:value=move || note.get() on:input=move |ev| note.set(event_target_value(&ev))/>
                        <button class="btn danger" type="button" data-testid="refund" disabled=move || act.pending().get()
                            on:click=move |_| { act.dispatch(Resolution::Refund); }>{t(K::Refund)}</button>
                    </div>
                </Show>
                {move || act.value().get().and_then(|r| r.err()).map(|e| view! { <p class="error small" role="alert">{readable(&e)}</p> })}
            </td>
        </tr>
    }
}

/// What the bank intake refused, so that a wrong key or a broken provider is noticed.
#[component]
fn IntakeLog(pushes: RwSignal<u64>) -> impl IntoView {
    let rows = Resource::new(move || pushes.get(), |_| get_intake_log());
    view! {
        <h3>{t(K::IntakeLog)}</h3>
        <Transition fallback=|| ()>
            {move || rows.get().map(|r| match r {
                Ok(rows) if rows.is_empty() => view! { <p class="muted">{t(K::NoIntakeLog)}</p> }.into_any(),
                Ok(rows) => view! {
                    <table class="grid" data-testid="intake-log">
                        <thead><tr>
                            <th>{tx("Lần cuối", "Last")}</th><th>{t(K::Provider)}</th><th>{tx("Loại", "Kind")}</th>
                            <th class="num">{tx("Số lần", "Count")}</th><th>"HTTP"</th><th>{t(K::Reason)}</th>
                        </tr></thead>
                        <tbody>
                            {rows.into_iter().map(|r| { let (reason, provider) = (r.reason.clone(), r.provider.clone()); view! {
                                <tr data-reason=reason data-provider=provider>
                                    <td>{format_vn_datetime(&r.last_at)}</td>
                                    <td>{r.provider}</td>
                                    <td class="mono">{r.reason}{r.ward_id.is_none().then(|| view! { <span class="muted small">{tx(" · không rõ phường", " · no ward")}</span> })}</td>
                                    <td class="num" data-testid="intake-count">{r.count}</td>
                                    <td>{r.status}</td>
                                    <td class="small">{r.error}</td>
                                </tr>
                            }}).collect_view()}
                        </tbody>
                    </table>
                }.into_any(),
                Err(e) => view! { <p class="error">{readable(&e)}</p> }.into_any(),
            })}
        </Transition>
    }
}

/// The providers' pollers: a wrong token or a provider that is down shows here, in words.
#[component]
fn Pollers(pushes: RwSignal<u64>) -> impl IntoView {
    let rows = Resource::new(move || pushes.get(), |_| get_pollers());
    view! {
        <h3>{tx("Đối chiếu qua API nhà cung cấp", "Provider API polling")}</h3>
        <Transition fallback=|| ()>
            {move || rows.get().map(|r| match r {
                Ok(rows) if rows.is_empty() => view! {
                    <p class="muted" data-testid="pollers-none">{tx(
                        "Chưa cấu hình: chỉ nhận thông báo webhook (đặt WARDPAY_SEPAY_API_TOKEN hoặc WARDPAY_CASSO_API_KEY).",
                        "Not configured: webhooks only (set WARDPAY_SEPAY_API_TOKEN or WARDPAY_CASSO_API_KEY).",
                    )}</p>
                }.into_any(),
                Ok(rows) => view! {
                    <table class="grid" data-testid="pollers">
                        <thead><tr>
                            <th>{t(K::Provider)}</th><th>{tx("Trạng thái", "State")}</th><th>{tx("Lần cuối thành công", "Last success")}</th>
                            <th>{tx("Lần tới", "Next")}</th><th class="num">{tx("Đã bù", "Recovered")}</th><th>{t(K::Reason)}</th>
                        </tr></thead>
                        <tbody>
                            {rows.into_iter().map(|p| { let failing = !p.ok && p.failures > 0; view! {
                                <tr data-provider=p.provider.clone() data-ok=p.ok.to_string() class:diff=failing>
                                    <td>{p.provider.clone()}</td>
                                    <td>{if p.ok { tx("Hoạt động", "Working").into_any() } else if p.failures > 0 {
                                        view! { {tx("Lỗi, đang thử lại", "Failing, retrying")}" ("{p.failures}")" }.into_any()
                                    } else { tx("Đang chờ lần đầu", "Waiting for the first poll").into_any() }}</td>
                                    <td>{p.last_ok_at.as_deref().map(format_vn_datetime).unwrap_or_default()}</td>
                                    <td>{p.next_at.as_deref().map(format_vn_datetime).unwrap_or_default()}</td>
                                    <td class="num">{p.recovered}</td>
                                    <td class="small" data-testid="poller-error">{p.last_error.clone().unwrap_or_default()}</td>
                                </tr>
                            }}).collect_view()}
                        </tbody>
                    </table>
                }.into_any(),
                Err(e) => view! { <p class="error">{readable(&e)}</p> }.into_any(),
            })}
        </Transition>
    }
}

/// Closing the day: freezes today's figures once no code can still be paid; recent closes below.
#[component]
fn DayClose(pushes: RwSignal<u64>) -> impl IntoView {
    let closed = RwSignal::new(0u32);
    let list = Resource::new(move || closed.get(), |_| get_day_closes());
    let close = Action::new_local(|_: &()| close_day(None));
    Effect::new(move |_| {
        if let Some(Ok(_)) = close.value().get() {
            closed.update(|n| *n += 1);
        }
    });
    let _ = pushes;
    view! {
        <section class="day-close" data-testid="day-close">
            <h3>{tx("Chốt ngày", "Close the day")}</h3>
            <p class="muted">{tx(
                "Chốt số liệu hôm nay khi không còn mã QR nào đang chờ thanh toán. Mỗi ngày chốt một lần; việc chốt được ghi vào nhật ký.",
                "Freezes today's figures once no code can still be paid. A day closes once; the close is in the audit log.")}</p>
            <button class="btn primary" data-testid="close-day" disabled=move || close.pending().get()
                on:click=move |_| { close.dispatch(()); }>{tx("Chốt ngày hôm nay", "Close today")}</button>
            {move || close.value().get().and_then(|r| r.err()).map(|e| view! { <p class="error" role="alert" data-testid="close-day-error">{readable(&e)}</p> })}
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let rows = list.await.unwrap_or_default();
                    view! {
                        <table class="grid" data-testid="day-close-table">
                            <thead><tr><th>{tx("Ngày", "Day")}</th><th>{tx("Đã thu", "Paid")}</th><th>{tx("Số tiền", "Amount")}</th><th>{tx("Người chốt", "Closed by")}</th></tr></thead>
                            <tbody>
                                {rows.into_iter().map(|r| view! {
                                    <tr data-day=r.day.clone()>
                                        <td>{r.day.clone()}</td><td>{r.paid}</td><td>{format_vnd(r.paid_amount)}</td>
                                        <td>{r.closed_by.clone()}" · "{format_vn_datetime(&r.closed_at)}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }
                })}
            </Transition>
        </section>
    }
}
