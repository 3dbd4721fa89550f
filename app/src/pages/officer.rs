//! The officer's dashboard at `/`: the new-dossier form (steps 2–3), the counter's current
//! payment with its live state (steps 4–6), the fallbacks, and today's queue.

use crate::api::{
    cancel_payment, confirm_dvc, create_dossier, get_catalog, get_dvc_pending, get_queue, get_ward_snapshot, pay_manually, reissue_payment,
    set_counter_status, simulate_payment,
};
use crate::components::{mmss, readable, use_seconds_ticker, TopBar};
use crate::domain::fees::{self, matches_search, FeeRule, LineInput};
use crate::domain::words::format_vnd;
use crate::i18n::{received_missing, t, use_lang, Lang, K};
use crate::live::use_live;
use crate::model::{
    CatalogEntry, CounterSnapshot, CounterStatus, DossierRow, LineRequest, NewDossier, PaymentMethod, PaymentState, PaymentView, ServerMsg,
    Topic, WardSnapshot,
};
use crate::time::format_vn_time;
use leptos::prelude::*;
use leptos_meta::Title;

const COUNTER_KEY: &str = "wardpay.counter";

#[component]
pub fn OfficerPage() -> impl IntoView {
    let ward = Resource::new(
        || (),
        |_| async move {
            let me = crate::api::get_me().await?;
            Ok::<_, ServerFnError>((get_ward_snapshot(None).await?, me.map(|m| m.role)))
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
    let conn = use_live(Signal::derive(move || selected.get().map(Topic::Counter)), move |msg| {
        if let ServerMsg::Counter(s) = msg {
            if Some(s.counter.id) == selected.get_untracked() {
                snap.set(Some(s));
                pushes.update(|n| *n += 1);
            }
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

/// Dossiers pushed by the portal wait here; one key (F2, or Enter on the button) issues the
/// first one's code.
#[component]
fn DvcPending(counter: RwSignal<Option<i64>>, pushes: RwSignal<u64>) -> impl IntoView {
    let confirmed = RwSignal::new(0u64);
    let rows = Resource::new(
        move || (counter.get(), pushes.get(), confirmed.get()),
        |(c, _, _)| async move {
            match c {
                Some(c) => get_dvc_pending(c).await,
                None => Ok(Vec::new()),
            }
        },
    );
    let confirm = Action::new(move |id: &i64| {
        let id = *id;
        async move { confirm_dvc(id).await }
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = confirm.value().get() {
            confirmed.update(|n| *n += 1);
        }
    });
    #[cfg(feature = "hydrate")]
    {
        let first =
            move || rows.get_untracked().and_then(|r| r.ok()).and_then(|r| r.first().and_then(|d| d.payment.as_ref().map(|p| p.id)));
        let handle = window_event_listener(leptos::ev::keydown, move |ev| {
            if ev.key() == "F2" {
                ev.prevent_default();
                if let Some(id) = first() {
                    confirm.dispatch(id);
                }
            }
        });
        on_cleanup(move || handle.remove());
    }
    view! {
        <Transition fallback=|| ()>
            {move || rows.get().and_then(|r| r.ok()).filter(|r| !r.is_empty()).map(|rows| view! {
                <section class="panel dvc-panel" data-testid="dvc-pending">
                    <div class="panel-head">
                        <h3>{t(K::DvcPending)}</h3>
                        <span class="muted small">{t(K::DvcHint)}</span>
                    </div>
                    <table class="grid">
                        <tbody>
                            {rows.into_iter().map(|d| {
                                let id = d.payment.as_ref().map(|p| p.id);
                                view! {
                                    <tr data-dossier=d.code.clone()>
                                        <td class="mono">{d.code.clone()}</td>
                                        <td>{d.applicant_name.clone()}</td>
                                        <td>{d.procedure_name.clone()}</td>
                                        <td class="num">{format_vnd(d.total)}</td>
                                        <td class="num">{id.map(|id| view! {
                                            <button class="btn" type="button" data-testid="confirm-dvc" disabled=move || confirm.pending().get()
                                                on:click=move |_| { confirm.dispatch(id); }>{t(K::ConfirmDvc)}</button>
                                        })}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                    {move || confirm.value().get().and_then(|r| r.err()).map(|e| view! { <p class="error" role="alert">{readable(&e)}</p> })}
                </section>
            })}
        </Transition>
    }
}

#[component]
fn CounterControls(snap: CounterSnapshot) -> impl IntoView {
    let lang = use_lang();
    let status = snap.counter.status;
    let id = snap.counter.id;
    let set_status = Action::new(move |(id, status): &(i64, CounterStatus)| {
        let (id, status) = (*id, *status);
        async move { set_counter_status(id, status).await }
    });
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
                class="btn secondary"
                type="button"
                data-testid="toggle-counter"
                disabled=move || set_status.pending().get()
                on:click=move |_| { set_status.dispatch((id, next)); }
            >
                {t(label)}
            </button>
            <a class="kiosk-link" href=format!("/kiosk/{id}") target="_blank">"/kiosk/"{id}</a>
        </div>
        {move || set_status.value().get().and_then(|r| r.err()).map(|e| view! {
            <p class="error" role="alert">{readable(&e)}</p>
        })}
    }
}

pub fn silence_text(minutes: i64, lang: Lang) -> String {
    K::BankSilence.text(lang).replace("{}", &minutes.to_string())
}

fn state_label(s: PaymentState, lang: Lang) -> &'static str {
    match lang {
        Lang::Vi => s.label_vi(),
        Lang::En => s.label_en(),
    }
}

#[component]
fn CurrentPayment(p: PaymentView, counter_id: i64, demo: bool) -> impl IntoView {
    let lang = use_lang();
    let ticker = use_seconds_ticker();
    let (id, version, state) = (p.id, p.version, p.state);
    let seconds_left = p.seconds_left;
    let act = Action::new(move |what: &Act| {
        let what = what.clone();
        async move {
            match what {
                Act::Cancel => cancel_payment(id, version).await,
                Act::Reissue => reissue_payment(id, version).await,
                Act::Assisted { bank_ref, reason } => {
                    pay_manually(id, version, PaymentMethod::Assisted, Some(reason), Some(bank_ref)).await
                }
                Act::Cash(reason) => pay_manually(id, version, PaymentMethod::Cash, Some(reason), None).await,
                Act::Simulate => simulate_payment(counter_id).await,
            }
        }
    });
    let cash_reason = RwSignal::new(String::new());
    let show_cash = RwSignal::new(false);
    let assist_ref = RwSignal::new(String::new());
    let assist_reason = RwSignal::new(String::new());
    let show_assist = RwSignal::new(false);
    // A whole code takes the desk fallbacks; a partly paid request holds money, so it only
    // takes the rest by transfer, a fresh code for the rest, or a cancel that refunds.
    let payable = state == PaymentState::QrIssued;
    let partial = state == PaymentState::PartiallyPaid;
    let code_live = p.qr_svg.is_some();
    let finished = matches!(state, PaymentState::Expired | PaymentState::Cancelled);
    let (received, to_pay) = (p.received, p.to_pay);
    view! {
        <div class="current" data-payment-state=state.as_str() data-testid="current-payment">
            <div class="current-head">
                <span class="badge" data-status=state.as_str() data-testid="payment-badge">{move || state_label(state, lang.get())}</span>
                <span class="current-amount">{format_vnd(p.amount)}</span>
            </div>
            {partial.then(|| view! {
                <p class="partial-status" role="status" data-testid="officer-partial">
                    {move || received_missing(received, to_pay, lang.get())}
                </p>
            })}
            // Step 4 on this screen too: the same symbol as the kiosk's, from the same payload,
            // for a citizen whose kiosk is broken or out of reach.
            {p.qr_svg.clone().filter(|_| payable || partial).map(|svg| view! {
                <figure class="officer-qr">
                    <div class="qr-box small" data-testid="officer-qr" data-payload=p.qr_payload.clone().unwrap_or_default()
                        role="img" aria-label=t(K::ScanToPay) inner_html=svg></div>
                    <figcaption class="muted small">{t(K::ScanToPay)}</figcaption>
                </figure>
            })}
            <dl class="facts small">
                <dt>{t(K::Dossier)}</dt><dd>{p.dossier_code.clone()}</dd>
                <dt>{t(K::Procedure)}</dt><dd>{p.procedure_name.clone()}</dd>
                <dt>{t(K::TransferPurpose)}</dt><dd class="mono" data-testid="officer-code">{p.payment_code.clone()}</dd>
                {seconds_left.filter(|_| code_live).map(|s| view! {
                    <dt>{t(K::ExpiresIn)}</dt><dd data-testid="officer-countdown">{move || mmss(s - ticker.get())}</dd>
                })}
                {p.receipt.clone().map(|r| view! {
                    <dt>{t(K::ReceiptNo)}</dt>
                    <dd><a href=r.href() target="_blank" data-testid="officer-receipt">{r.label.clone()}</a></dd>
                })}
            </dl>
            <div class="actions">
                <Show when=move || payable>
                    <button class="btn danger" type="button" data-testid="cancel-payment" disabled=move || act.pending().get()
                        on:click=move |_| { act.dispatch(Act::Cancel); }>{t(K::Cancel)}</button>
                    <button class="btn secondary" type="button" data-testid="assisted-payment"
                        on:click=move |_| show_assist.update(|v| *v = !*v)>{t(K::PaidAssisted)}</button>
                    <button class="btn secondary" type="button" data-testid="cash-payment"
                        on:click=move |_| show_cash.update(|v| *v = !*v)>{t(K::PaidCash)}</button>
                </Show>
                <Show when=move || payable || finished>
                    <button class="btn secondary" type="button" data-testid="reissue-payment" disabled=move || act.pending().get()
                        on:click=move |_| { act.dispatch(Act::Reissue); }>{t(K::Reissue)}</button>
                </Show>
                <Show when=move || partial>
                    <button class="btn secondary" type="button" data-testid="renew-rest-code" disabled=move || act.pending().get()
                        on:click=move |_| { act.dispatch(Act::Reissue); }>{t(K::NewCodeForRest)}</button>
                    <button class="btn danger" type="button" data-testid="cancel-refund" disabled=move || act.pending().get()
                        on:click=move |_| { act.dispatch(Act::Cancel); }>{t(K::CancelAndRefund)}</button>
                </Show>
                <Show when=move || code_live && demo>
                    <button class="btn demo" type="button" data-testid="simulate-payment" disabled=move || act.pending().get()
                        on:click=move |_| { act.dispatch(Act::Simulate); }>{t(K::SimulatePayment)}</button>
                </Show>
            </div>
            <Show when=move || show_assist.get() && payable>
                <form class="cash-form" on:submit=move |ev| {
                    ev.prevent_default();
                    act.dispatch(Act::Assisted { bank_ref: assist_ref.get_untracked(), reason: assist_reason.get_untracked() });
                }>
                    <input type="text" data-testid="assisted-ref" placeholder=t(K::AssistedRef) aria-label=t(K::AssistedRef)
                        prop:value=move || assist_ref.get()
                        on:input=move |ev| assist_ref.set(event_target_value(&ev))/>
                    <input type="text" data-testid="assisted-reason" placeholder=t(K::AssistedReason) aria-label=t(K::AssistedReason)
                        prop:value=move || assist_reason.get()
                        on:input=move |ev| assist_reason.set(event_target_value(&ev))/>
                    <button class="btn" type="submit" data-testid="assisted-confirm" disabled=move || act.pending().get()>{t(K::PaidAssisted)}</button>
                </form>
            </Show>
            <Show when=move || show_cash.get() && payable>
                <form class="cash-form" on:submit=move |ev| {
                    ev.prevent_default();
                    act.dispatch(Act::Cash(cash_reason.get_untracked()));
                }>
                    <input type="text" data-testid="cash-reason" placeholder=t(K::CashReason) aria-label=t(K::CashReason)
                        prop:value=move || cash_reason.get()
                        on:input=move |ev| cash_reason.set(event_target_value(&ev))/>
                    <button class="btn" type="submit" data-testid="cash-confirm">{t(K::PaidCash)}</button>
                </form>
            </Show>
            {move || act.value().get().and_then(|r| r.err()).map(|e| view! {
                <p class="error" role="alert" data-testid="payment-error">{readable(&e)}</p>
            })}
        </div>
    }
}

#[derive(Clone, Debug)]
enum Act {
    Cancel,
    Reissue,
    Assisted { bank_ref: String, reason: String },
    Cash(String),
    Simulate,
}

/// One line of the form, as typed.
#[derive(Clone, Debug, PartialEq)]
struct Draft {
    uid: u32,
    entry: CatalogEntry,
    quantity: String,
    pages: String,
    exempt: bool,
    reason: String,
}

impl Draft {
    fn needs_pages(&self) -> bool {
        matches!(self.entry.rule, FeeRule::TieredPerPage { .. })
    }

    fn input(&self) -> Result<LineInput, String> {
        let quantity: u32 = self
            .quantity
            .trim()
            .parse()
            .ok()
            .filter(|q| *q > 0)
            .ok_or_else(|| "số lượng phải là số nguyên dương (quantity must be a whole number ≥ 1)".to_string())?;
        let pages = if self.needs_pages() {
            Some(
                self.pages
                    .trim()
                    .parse::<u32>()
                    .ok()
                    .filter(|p| *p > 0)
                    .ok_or_else(|| "số trang phải là số nguyên dương (pages must be ≥ 1)".to_string())?,
            )
        } else {
            None
        };
        Ok(LineInput::new(quantity, pages))
    }

    fn amount(&self) -> Result<i64, String> {
        let input = self.input()?;
        let a = fees::compute(&self.entry.rule, &input).map_err(|e| e.to_string())?;
        Ok(fees::apply_exemption(a, self.exempt))
    }
}

#[component]
fn DossierForm(catalog: Vec<CatalogEntry>, counter: RwSignal<Option<i64>>) -> impl IntoView {
    let lang = use_lang();
    let catalog = StoredValue::new(catalog);
    let applicant = RwSignal::new(String::new());
    let id_number = RwSignal::new(String::new());
    let phone = RwSignal::new(String::new());
    let query = RwSignal::new(String::new());
    let lines = RwSignal::new(Vec::<Draft>::new());
    let next_uid = RwSignal::new(1u32);
    let request_key = RwSignal::new(String::new());
    let local_error = RwSignal::new(None::<String>);
    let notice = RwSignal::new(None::<String>);

    let results = Memo::new(move |_| {
        let q = query.get();
        if q.trim().is_empty() {
            return Vec::new();
        }
        catalog.with_value(|c| {
            c.iter()
                .filter(|e| matches_search(&format!("{} {} {}", e.procedure_name, e.fee_name, e.procedure_code), &q))
                .take(8)
                .cloned()
                .collect::<Vec<_>>()
        })
    });
    let add = move |entry: CatalogEntry| {
        let uid = next_uid.get_untracked();
        next_uid.set(uid + 1);
        let pages = if matches!(entry.rule, FeeRule::TieredPerPage { .. }) { "1" } else { "" };
        lines.update(|v| v.push(Draft { uid, entry, quantity: "1".into(), pages: pages.into(), exempt: false, reason: String::new() }));
        query.set(String::new());
    };
    let total = Memo::new(move |_| lines.with(|v| v.iter().map(|d| d.amount()).try_fold(0i64, |acc, a| a.map(|a| acc + a))));
    let submit = Action::new(move |input: &NewDossier| {
        let input = input.clone();
        async move { create_dossier(input).await }
    });
    Effect::new(move |_| {
        if let Some(Ok(row)) = submit.value().get() {
            applicant.set(String::new());
            id_number.set(String::new());
            phone.set(String::new());
            lines.set(Vec::new());
            request_key.set(String::new());
            notice.set(Some(format!("{}: {}", K::Saved.text(lang.get_untracked()), row.code)));
        }
    });
    let on_submit = move || {
        notice.set(None);
        local_error.set(None);
        if submit.pending().get_untracked() {
            return;
        }
        let Some(counter_id) = counter.get_untracked() else { return };
        let drafts = lines.get_untracked();
        if applicant.get_untracked().trim().is_empty() {
            local_error.set(Some("Cần nhập họ tên người nộp (applicant name is required)".into()));
            return;
        }
        if drafts.is_empty() {
            local_error.set(Some("Hồ sơ chưa có khoản phí nào: tìm và chọn thủ tục (add at least one procedure)".into()));
            return;
        }
        let mut reqs = Vec::new();
        for (i, d) in drafts.iter().enumerate() {
            let input = match d.input() {
                Ok(i) => i,
                Err(e) => {
                    local_error.set(Some(format!("Dòng {}: {e}", i + 1)));
                    return;
                }
            };
            if d.exempt && d.reason.trim().is_empty() {
                local_error.set(Some(format!("Dòng {}: cần ghi lý do miễn (exemption needs a reason)", i + 1)));
                return;
            }
            reqs.push(LineRequest {
                fee_item_id: d.entry.id,
                quantity: input.quantity,
                pages: input.pages,
                exempt_reason: d.exempt.then(|| d.reason.trim().to_string()),
            });
        }
        // One key per filled-in form: a second click or a retry finds the first dossier.
        if request_key.get_untracked().is_empty() {
            request_key.set(new_request_key());
        }
        let opt = |s: String| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        submit.dispatch(NewDossier {
            counter_id,
            applicant_name: applicant.get_untracked(),
            id_number: opt(id_number.get_untracked()),
            phone: opt(phone.get_untracked()),
            lines: reqs,
            request_key: Some(request_key.get_untracked()).filter(|k| !k.is_empty()),
        });
    };
    view! {
        // novalidate: our own messages, in the page's language, replace the browser's bubbles.
        <form class="dossier-form" data-testid="dossier-form" novalidate
            on:submit=move |ev| { ev.prevent_default(); on_submit(); }
            on:keydown=move |ev| {
                if ev.key() == "Enter" && ev.ctrl_key() { ev.prevent_default(); on_submit(); }
            }
        >
            <div class="row3">
                <label>{t(K::ApplicantName)}
                    <input type="text" data-testid="applicant" autocomplete="off"
                        prop:value=move || applicant.get() on:input=move |ev| applicant.set(event_target_value(&ev))/>
                </label>
                <label>{t(K::IdNumber)}
                    <input type="text" data-testid="id-number" autocomplete="off" inputmode="numeric"
                        prop:value=move || id_number.get() on:input=move |ev| id_number.set(event_target_value(&ev))/>
                </label>
                <label>{t(K::Phone)}
                    <input type="tel" data-testid="phone" autocomplete="off"
                        prop:value=move || phone.get() on:input=move |ev| phone.set(event_target_value(&ev))/>
                </label>
            </div>
            <label class="search">{t(K::Procedure)}
                <input type="search" data-testid="procedure-search" autocomplete="off" placeholder=t(K::SearchProcedure)
                    prop:value=move || query.get()
                    on:input=move |ev| query.set(event_target_value(&ev))
                    on:keydown=move |ev| {
                        if ev.key() == "Enter" && !ev.ctrl_key() {
                            ev.prevent_default();
                            if let Some(first) = results.get_untracked().first().cloned() { add(first); }
                        }
                    }/>
            </label>
            <Show when=move || !query.get().trim().is_empty()>
                <ul class="results" data-testid="procedure-results">
                    {move || {
                        let r = results.get();
                        if r.is_empty() {
                            view! { <li class="muted">{t(K::NoProcedureFound)}</li> }.into_any()
                        } else {
                            r.into_iter().map(|e| {
                                let e2 = e.clone();
                                let rule = move || if lang.get() == Lang::Vi { e2.rule_vi.clone() } else { e2.rule_en.clone() };
                                view! {
                                    <li>
                                        <button type="button" class="result" on:click=move |_| add(e.clone())>
                                            <span class="pname">{e.procedure_name.clone()}</span>
                                            <span class="muted">{rule}</span>
                                        </button>
                                    </li>
                                }
                            }).collect_view().into_any()
                        }
                    }}
                </ul>
            </Show>
            <table class="grid lines" data-testid="fee-lines">
                <thead><tr>
                    <th>{t(K::FeeLines)}</th><th>{t(K::Quantity)}</th><th>{t(K::Pages)}</th><th>{t(K::Exempt)}</th><th class="num">{t(K::Amount)}</th><th></th>
                </tr></thead>
                <tbody>
                    <For each=move || lines.get() key=|d| d.uid let:d>
                        <LineRow uid=d.uid lines=lines/>
                    </For>
                </tbody>
            </table>
            <div class="form-foot">
                <div class="total">
                    {t(K::Total)}": "
                    <strong data-testid="form-total">{move || match total.get() {
                        Ok(v) => format_vnd(v),
                        Err(_) => "—".into(),
                    }}</strong>
                </div>
                <button class="btn big" type="submit" data-testid="create-qr" disabled=move || submit.pending().get()>
                    {move || if matches!(total.get(), Ok(0)) && !lines.with(|l| l.is_empty()) { t(K::RecordFree)() } else { t(K::CreateQr)() }}
                </button>
            </div>
            <p class="muted hint">{t(K::KeyboardHint)}</p>
            {move || local_error.get().map(|e| view! { <p class="error" role="alert" data-testid="form-error">{e}</p> })}
            {move || submit.value().get().and_then(|r| r.err()).map(|e| view! {
                <p class="error" role="alert" data-testid="form-error">{readable(&e)}</p>
            })}
            {move || notice.get().map(|n| view! { <p class="ok" role="status" data-testid="form-notice">{n}</p> })}
        </form>
    }
}

#[component]
fn LineRow(uid: u32, lines: RwSignal<Vec<Draft>>) -> impl IntoView {
    let lang = use_lang();
    let get = move || lines.with(|v| v.iter().find(|d| d.uid == uid).cloned());
    let edit = move |f: &dyn Fn(&mut Draft)| {
        lines.update(|v| {
            if let Some(d) = v.iter_mut().find(|d| d.uid == uid) {
                f(d);
            }
        })
    };
    let Some(first) = get() else { return ().into_any() };
    let needs_pages = first.needs_pages();
    let rule_vi = first.entry.rule_vi.clone();
    let rule_en = first.entry.rule_en.clone();
    // Each input says which fee line it belongs to (the table header alone is not a label).
    let fee = first.entry.fee_name.clone();
    let (l_qty, l_pages, l_exempt, l_reason) = {
        let f = fee.clone();
        let label = move |k: K| {
            let f = f.clone();
            move || format!("{} — {f}", t(k)())
        };
        (label(K::Quantity), label(K::Pages), label(K::Exempt), label(K::ExemptReason))
    };
    view! {
        <tr data-line=uid>
            <td>
                <div class="pname">{first.entry.fee_name.clone()}</div>
                <div class="muted small">{move || if lang.get() == Lang::Vi { rule_vi.clone() } else { rule_en.clone() }}</div>
            </td>
            <td><input class="qty" type="number" min="1" step="1" data-testid="line-quantity" aria-label=l_qty
                prop:value=move || get().map(|d| d.quantity).unwrap_or_default()
                on:input=move |ev| { let v = event_target_value(&ev); edit(&|d| d.quantity = v.clone()); }/></td>
            <td>{needs_pages.then(|| view! {
                <input class="qty" type="number" min="1" step="1" data-testid="line-pages" aria-label=l_pages.clone()
                    prop:value=move || get().map(|d| d.pages).unwrap_or_default()
                    on:input=move |ev| { let v = event_target_value(&ev); edit(&|d| d.pages = v.clone()); }/>
            })}</td>
            <td>
                <input type="checkbox" data-testid="line-exempt" aria-label=l_exempt prop:checked=move || get().is_some_and(|d| d.exempt)
                    on:change=move |ev| { let c = event_target_checked(&ev); edit(&|d| d.exempt = c); }/>
                <Show when=move || get().is_some_and(|d| d.exempt)>
                    <input type="text" class="reason" data-testid="line-exempt-reason" placeholder=t(K::ExemptReason) aria-label=l_reason.clone()
                        prop:value=move || get().map(|d| d.reason).unwrap_or_default()
                        on:input=move |ev| { let v = event_target_value(&ev); edit(&|d| d.reason = v.clone()); }/>
                </Show>
            </td>
            <td class="num" data-testid="line-amount">
                {move || match get().map(|d| d.amount()) {
                    Some(Ok(a)) => view! { <span>{format_vnd(a)}</span> }.into_any(),
                    Some(Err(e)) => view! { <span class="field-error" title=e.clone()>"—"</span> }.into_any(),
                    None => ().into_any(),
                }}
            </td>
            <td><button type="button" class="link" on:click=move |_| lines.update(|v| v.retain(|d| d.uid != uid))>{t(K::Remove)}</button></td>
        </tr>
    }
    .into_any()
}

#[component]
fn Queue(counter: RwSignal<Option<i64>>, pushes: RwSignal<u64>) -> impl IntoView {
    let lang = use_lang();
    let rows = Resource::new(
        move || (counter.get(), pushes.get()),
        |(c, _)| async move {
            match c {
                Some(c) => get_queue(c).await,
                None => Ok(Vec::new()),
            }
        },
    );
    let outcome_label = move |r: &DossierRow| -> String {
        let l = lang.get();
        match (&r.payment, r.outcome.as_str()) {
            (_, "free") => K::Free.text(l).to_string(),
            (Some(p), _) => state_label(p.state, l).to_string(),
            (None, o) => o.to_string(),
        }
    };
    view! {
        <Transition fallback=move || view! { <p class="loading">{t(K::Loading)}</p> }>
            {move || rows.get().map(|r| match r {
                Ok(rows) if rows.is_empty() => view! { <p class="muted">{t(K::EmptyQueue)}</p> }.into_any(),
                Ok(rows) => view! {
                    <table class="grid" data-testid="queue">
                        <thead><tr>
                            <th>{t(K::Time)}</th><th>{t(K::Code)}</th><th>{t(K::Applicant)}</th><th>{t(K::Procedure)}</th>
                            <th class="num">{t(K::Amount)}</th><th>{t(K::Status)}</th>
                        </tr></thead>
                        <tbody>
                            {rows.into_iter().map(|r| {
                                let status = r.payment.as_ref().map(|p| p.state.as_str()).unwrap_or(if r.outcome == "free" { "free" } else { "none" });
                                let label = outcome_label(&r);
                                let receipt = r.payment.as_ref().and_then(|p| p.receipt.clone());
                                view! {
                                    <tr data-dossier=r.code.clone()>
                                        <td>{format_vn_time(&r.created_at)}</td>
                                        <td class="mono">{r.code.clone()}</td>
                                        <td>{r.applicant_name.clone()}</td>
                                        <td>{r.procedure_name.clone()}</td>
                                        <td class="num">{format_vnd(r.total)}</td>
                                        <td>
                                            <span class="badge" data-status=status>{label}</span>
                                            {receipt.map(|rc| { let href = rc.href(); view! { " " <a href=href target="_blank">{rc.label}</a> } })}
                                        </td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any(),
                Err(e) => view! { <p class="error">{readable(&e)}</p> }.into_any(),
            })}
        </Transition>
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
