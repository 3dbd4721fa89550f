//! The citizen's screen at `/kiosk/<counter>`: needs no input, follows the counter live
//! through idle → QR → paid (receipt) → idle, and says so when a code expires or is cancelled.

use crate::api::{kiosk_pairing_start, kiosk_pairing_status, KioskOpen};
use crate::components::{mmss, use_seconds_ticker};
use crate::domain::words::format_vnd;
use crate::i18n::{received_missing, t, tx, use_lang, Lang, LangSwitch, K};
use crate::live::{use_live_clocked, ConnIndicator};
use crate::model::{ConnState, CounterSnapshot, CounterStatus, PairingCode, PairingStatus, PaymentState, PaymentView, Topic};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

/// The kiosk as a route of the whole app (a site built without the kiosk's own bundle).
#[component]
pub fn KioskPage() -> impl IntoView {
    let params = use_params_map();
    view! { <Kiosk counter=Signal::derive(move || params.read().get("counter").and_then(|s| counter_in_segment(&s)))/> }
}

/// The counter a kiosk page's path names (`/kiosk/<counter>`), if it is a number.
pub fn counter_in_path(path: &str) -> Option<i64> {
    path.strip_prefix("/kiosk/").and_then(counter_in_segment)
}

fn counter_in_segment(segment: &str) -> Option<i64> {
    segment.parse().ok()
}

/// The kiosk's bundle renders this directly, without the router (its only way out, the
/// receipt link, opens a new tab): the router and the second, asynchronous way of hydrating
/// that its routes carry would be most of the citizen's download.
#[component]
pub fn Kiosk(counter: Signal<Option<i64>>) -> impl IntoView {
    use leptos::either::EitherOf7;
    let initial = Resource::new(
        move || counter.get(),
        |id| async move {
            match id {
                Some(id) => kiosk_pairing_start(id).await,
                None => Ok(None),
            }
        },
    );
    view! {
        <Title text="WardPay — Kiosk"/>
        <div class="kiosk">
            <Suspense fallback=move || view! { <p class="kiosk-loading">{t(K::Loading)}</p> }>
                {move || Suspend::new(async move {
                    match initial.await {
                        Ok(Some(KioskOpen::Live(snap))) => EitherOf7::A(view! { <KioskLive initial=snap/> }),
                        Ok(Some(KioskOpen::Pairing(code))) => EitherOf7::B(view! { <Pairing code=code/> }),
                        Ok(Some(KioskOpen::PairedElsewhere(own))) => EitherOf7::C(view! { <PairedElsewhere own=own/> }),
                        Ok(Some(KioskOpen::OpenDirectly)) => EitherOf7::D(view! {
                            <section class="kiosk-message" data-kiosk-state="open-directly">
                                <h1>{tx("Hãy mở trang này trực tiếp trên màn hình kiosk", "Open this page directly on the kiosk screen")}</h1>
                                <p>{tx("Gõ địa chỉ hoặc dùng dấu trang; trang mở từ một trang web khác không tạo mã ghép nối.", "Type its address or use a bookmark; a page opened from another site makes no pairing code.")}</p>
                            </section>
                        }),
                        Ok(Some(KioskOpen::PairingBusy { retry_after_secs })) => EitherOf7::E(view! {
                            <section class="kiosk-message" data-kiosk-state="pairing-busy">
                                <h1>{tx("Tạm thời chưa tạo được mã ghép nối", "No pairing code for now")}</h1>
                                <p>{tx("Có quá nhiều yêu cầu ghép nối. Vui lòng thử lại sau ", "Too many pairing requests. Please try again in ")}
                                    {mmss(retry_after_secs as i64)}</p>
                            </section>
                        }),
                        Ok(None) => EitherOf7::F(view! { <CounterMissing/> }),
                        Err(e) => EitherOf7::G(view! {
                            <section class="kiosk-message">
                                <h1>{t(K::LoadError)}</h1>
                                <p class="muted">{e.to_string()}</p>
                            </section>
                        }),
                    }
                })}
            </Suspense>
        </div>
    }
}

/// An unpaired kiosk: shows its one-time code and reloads once an admin has entered it
/// (or when the code runs out, for a fresh one).
#[component]
fn Pairing(code: PairingCode) -> impl IntoView {
    let ticker = use_seconds_ticker();
    let left = move || (code.seconds_left - ticker.get()).max(0);
    #[cfg(feature = "hydrate")]
    {
        let poll = Action::new_local(|_: &()| kiosk_pairing_status());
        if let Ok(handle) = set_interval_with_handle(
            move || {
                poll.dispatch(());
            },
            std::time::Duration::from_secs(2),
        ) {
            on_cleanup(move || handle.clear());
        }
        Effect::new(move |_| {
            if let Some(Ok(PairingStatus::Paired | PairingStatus::Expired)) = poll.value().get() {
                if let Some(w) = web_sys::window() {
                    let _ = w.location().reload();
                }
            }
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (kiosk_pairing_status, PairingStatus::Waiting);
    let shown = code.code.chars().enumerate().fold(String::new(), |mut acc, (i, c)| {
        if i == 3 {
            acc.push(' ');
        }
        acc.push(c);
        acc
    });
    view! {
        <header class="kiosk-head">
            <div><div class="kiosk-ward">"WardPay"</div></div>
            <div class="kiosk-tools"><LangSwitch/></div>
        </header>
        <main class="kiosk-body" data-kiosk-state="pairing">
            <section class="kiosk-message pairing">
                <h1>{tx("Màn hình này chưa được ghép nối với quầy", "This screen is not paired with a counter yet")}</h1>
                <p>{tx("Quản trị viên nhập mã sau tại trang Quản trị → Ghép nối kiosk:", "An admin enters this code under Set-up → Pair a kiosk:")}</p>
                <p class="pairing-code" data-testid="pairing-code" data-code=code.code.clone()>{shown}</p>
                <p class="muted">{tx("Mã còn hiệu lực ", "Valid for ")}{move || mmss(left())}</p>
            </section>
        </main>
    }
}

/// A paired kiosk opened at another counter's address: it stays paired with its own
/// counter and says so, with the way back.
#[component]
fn PairedElsewhere(own: crate::model::CounterInfo) -> impl IntoView {
    let href = format!("/kiosk/{}", own.id);
    view! {
        <main class="kiosk-body" data-kiosk-state="paired-elsewhere">
            <section class="kiosk-message">
                <h1>{tx("Màn hình này đã ghép nối với quầy khác", "This screen is paired with another counter")}</h1>
                <p data-testid="own-counter" data-counter-id=own.id>
                    {tx("Quầy của màn hình này: ", "This screen's counter: ")}<strong>{own.name.clone()}</strong>
                </p>
                <p><a class="btn big" href=href data-testid="own-counter-link">{tx("Về màn hình của quầy này", "Back to this screen's counter")}</a></p>
            </section>
        </main>
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

/// What the kiosk shows, derived from the snapshot and the time since it arrived.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Screen {
    Idle,
    Paused,
    Qr,
    Success,
    Expired,
    Cancelled,
    /// Part of the amount arrived and the code for the rest ran out: the officer renews it.
    RestExpired,
    /// The live channel is down: what the screen would show may be stale, so it shows that.
    Offline,
}

impl Screen {
    fn as_str(self) -> &'static str {
        match self {
            Screen::Idle => "idle",
            Screen::Paused => "paused",
            Screen::Qr => "qr",
            Screen::Success => "success",
            Screen::Expired => "expired",
            Screen::Cancelled => "cancelled",
            Screen::RestExpired => "rest_expired",
            Screen::Offline => "offline",
        }
    }
}

/// This browser's clock, in milliseconds since the epoch.
fn local_now_ms() -> f64 {
    #[cfg(feature = "hydrate")]
    return js_sys::Date::now();
    #[cfg(not(feature = "hydrate"))]
    return chrono::Utc::now().timestamp_millis() as f64;
}

/// Seconds the code has left. Once the server's beat has told how far this browser's clock
/// is off (`offset_ms`), by the server's clock against the code's expiry; before that, what
/// the snapshot said less the seconds since it arrived.
fn seconds_left(p: &PaymentView, elapsed: i64, offset_ms: Option<f64>) -> Option<i64> {
    let by_server_clock = offset_ms.zip(p.expires_at.as_deref()).and_then(|(offset, at)| {
        let expires = chrono::DateTime::parse_from_rfc3339(at).ok()?.timestamp_millis() as f64;
        Some(((expires - (local_now_ms() + offset)) / 1000.0).floor() as i64)
    });
    by_server_clock.or(p.seconds_left.map(|s| s - elapsed))
}

fn screen_for(snap: &CounterSnapshot, elapsed: i64, offset_ms: Option<f64>) -> Screen {
    let Some(p) = &snap.current else {
        return if snap.counter.status == CounterStatus::Paused { Screen::Paused } else { Screen::Idle };
    };
    let shown_for = |left: Option<i64>| left.is_some_and(|l| l - elapsed > 0);
    match p.state {
        // The countdown runs out locally too: a code is never shown as payable after expiry.
        PaymentState::QrIssued if seconds_left(p, elapsed, offset_ms).is_some_and(|s| s > 0) => Screen::Qr,
        PaymentState::QrIssued => Screen::Expired,
        PaymentState::PartiallyPaid if p.qr_svg.is_some() && seconds_left(p, elapsed, offset_ms).is_some_and(|s| s > 0) => Screen::Qr,
        PaymentState::PartiallyPaid => Screen::RestExpired,
        PaymentState::Paid | PaymentState::ReceiptIssued if shown_for(p.display_secs_left) => Screen::Success,
        PaymentState::Expired if shown_for(p.display_secs_left) => Screen::Expired,
        PaymentState::Cancelled if shown_for(p.display_secs_left) => Screen::Cancelled,
        _ if snap.counter.status == CounterStatus::Paused => Screen::Paused,
        _ => Screen::Idle,
    }
}

#[component]
fn KioskLive(initial: CounterSnapshot) -> impl IntoView {
    use leptos::either::EitherOf8;
    let lang = use_lang();
    let counter_id = initial.counter.id;
    let snap = RwSignal::new(initial);
    let ticker = use_seconds_ticker();
    // Seconds on the ticker when the current snapshot arrived.
    let arrived = RwSignal::new(0i64);
    let (conn, offset) = use_live_clocked(Signal::derive(move || Some(Topic::Counter(counter_id))), move |s: CounterSnapshot| {
        if s.counter.id == counter_id {
            arrived.set(ticker.get_untracked());
            snap.set(s);
        }
    });
    let elapsed = move || ticker.get() - arrived.get();
    // Live once: from then on, any state but live means what is shown may be stale (a retry
    // after the network came back starts as "connecting").
    let was_live = RwSignal::new(false);
    Effect::new(move |_| {
        if conn.get() == ConnState::Live {
            was_live.set(true);
        }
    });
    let screen = Memo::new(move |_| {
        match conn.get() {
            ConnState::Reconnecting => return Screen::Offline,
            ConnState::Connecting if was_live.get() => return Screen::Offline,
            _ => {}
        }
        snap.with(|s| screen_for(s, elapsed(), offset.get()))
    });
    let payment = move || snap.with(|s| s.current.clone());
    // A short chime when a payment succeeds here and now (not when a page opens on one that
    // already had), unless the ward turned it off.
    Effect::new(move |before: Option<Screen>| {
        let now = screen.get();
        if before.is_some_and(|b| b != Screen::Success) && now == Screen::Success && snap.with_untracked(|s| s.ward.kiosk_chime) {
            chime();
        }
        now
    });
    view! {
        <header class="kiosk-head">
            <div>
                <div class="kiosk-ward">{move || snap.with(|s| s.ward.name.clone())}</div>
                <div class="kiosk-counter" data-counter-number=move || snap.with(|s| s.counter.number)>
                    {move || snap.with(|s| s.counter.name.clone())}
                </div>
            </div>
            <div class="kiosk-tools"><ConnIndicator state=conn/><LangSwitch/></div>
        </header>
        <main class="kiosk-body" data-kiosk-state=move || screen.get().as_str()>
            {move || match (screen.get(), payment()) {
                (Screen::Qr, Some(p)) => {
                    let left = Signal::derive(move || payment().and_then(|p| seconds_left(&p, elapsed(), offset.get())).unwrap_or(0));
                    EitherOf8::A(view! { <QrScreen p=p left=left/> })
                }
                (Screen::Offline, _) => EitherOf8::B(view! {
                    <section class="kiosk-message offline" role="alert" data-testid="kiosk-offline">
                        <h1>{t(K::KioskOffline)}</h1>
                        <p>{t(K::KioskOfflineHint)}</p>
                    </section>
                }),
                (Screen::Success, Some(p)) => EitherOf8::C(view! { <SuccessScreen p=p/> }),
                (Screen::Expired, _) => EitherOf8::D(notice(K::CodeExpired, K::CodeExpiredHint, "expired")),
                (Screen::RestExpired, Some(p)) => EitherOf8::E(view! {
                    <section class="kiosk-message rest-expired">
                        <p class="partial-status" role="status" data-testid="kiosk-partial">
                            {move || received_missing(p.received, p.to_pay, lang.get())}
                        </p>
                        <h1>{t(K::RestCodeExpired)}</h1>
                        <p>{t(K::RestCodeExpiredHint)}</p>
                    </section>
                }),
                (Screen::Cancelled, _) => EitherOf8::F(notice(K::PaymentCancelled, K::PaymentCancelledHint, "cancelled")),
                (Screen::Paused, _) => EitherOf8::G(notice(K::CounterPausedKiosk, K::CounterPausedHint, "paused")),
                _ => EitherOf8::H(view! { <IdleScreen/> }),
            }}
        </main>
    }
}

/// Two soft rising tones made by Web Audio (no sound file to load).
fn chime() {
    #[cfg(feature = "hydrate")]
    {
        use web_sys::{AudioContext, OscillatorType};
        let Ok(ctx) = AudioContext::new() else { return };
        for (i, freq) in [659.25f32, 987.77].into_iter().enumerate() {
            let (Ok(osc), Ok(gain)) = (ctx.create_oscillator(), ctx.create_gain()) else { return };
            osc.set_type(OscillatorType::Sine);
            osc.frequency().set_value(freq);
            let t0 = ctx.current_time() + i as f64 * 0.2;
            let g = gain.gain();
            let _ = g.set_value_at_time(0.0001, t0);
            let _ = g.exponential_ramp_to_value_at_time(0.3, t0 + 0.03);
            let _ = g.exponential_ramp_to_value_at_time(0.0001, t0 + 0.7);
            let _ = osc.connect_with_audio_node(&gain);
            let _ = gain.connect_with_audio_node(&ctx.destination());
            let _ = osc.start_with_when(t0);
            let _ = osc.stop_with_when(t0 + 0.75);
        }
        // A browser allows only a few audio contexts at once: this one ends with its sound.
        set_timeout(
            move || {
                let _ = ctx.close();
            },
            std::time::Duration::from_millis(1_500),
        );
    }
}

/// Between citizens: how paying by QR works, and where to go without a bank account or a
/// phone (the language switch above turns it to English for this screen only).
#[component]
fn IdleScreen() -> impl IntoView {
    view! {
        <section class="kiosk-message idle" data-testid="kiosk-idle-help">
            <h1>{t(K::PleaseWait)}</h1>
            <p>{t(K::PleaseWaitHint)}</p>
            <div class="idle-help">
                <h2>{t(K::HowToPayByQr)}</h2>
                <ol class="steps big">
                    <li>{t(K::IdleStep1)}</li>
                    <li>{t(K::IdleStep2)}</li>
                    <li>{t(K::IdleStep3)}</li>
                </ol>
                <p class="support-help" data-testid="kiosk-support-help">{t(K::NoAccountHelp)}</p>
            </div>
        </section>
    }
}

fn notice(title: K, hint: K, class: &'static str) -> impl IntoView {
    view! {
        <section class=format!("kiosk-message {class}")>
            <h1>{t(title)}</h1>
            <p>{t(hint)}</p>
        </section>
    }
}

fn words(p: &PaymentView, lang: Lang) -> String {
    match lang {
        Lang::Vi => p.amount_words_vi.clone(),
        Lang::En => p.amount_words_en.clone(),
    }
}

fn to_pay_words(p: &PaymentView, lang: Lang) -> String {
    match lang {
        Lang::Vi => p.to_pay_words_vi.clone(),
        Lang::En => p.to_pay_words_en.clone(),
    }
}

#[component]
fn QrScreen(p: PaymentView, left: Signal<i64>) -> impl IntoView {
    let lang = use_lang();
    let left = move || mmss(left.get());
    // After a part was paid the code asks for the rest, and the screen says what came in.
    let amount = format_vnd(p.to_pay);
    let p2 = p.clone();
    let svg = p.qr_svg.clone().unwrap_or_default();
    let (received, missing) = (p.received, p.to_pay);
    view! {
        <section class="kiosk-pay">
            <div class="qr-card">
                <div class="qr-box" data-testid="kiosk-qr" data-payload=p.qr_payload.clone().unwrap_or_default() inner_html=svg></div>
                <div class="qr-caption">{t(K::ScanToPay)}</div>
            </div>
            <div class="pay-facts">
                {(received > 0).then(|| view! {
                    <p class="partial-status" role="status" data-testid="kiosk-partial">
                        {move || received_missing(received, missing, lang.get())}
                    </p>
                })}
                <div class="fact-amount">
                    <div class="label">{t(K::Amount)}</div>
                    <div class="amount" data-testid="kiosk-amount">{amount}</div>
                    <div class="words">{move || to_pay_words(&p2, lang.get())}</div>
                </div>
                <dl class="facts">
                    <dt>{t(K::Bank)}</dt><dd>{p.bank_name.clone()}</dd>
                    <dt>{t(K::AccountNumber)}</dt><dd class="mono">{p.bank_account.clone()}</dd>
                    <dt>{t(K::AccountName)}</dt><dd>{p.bank_account_name.clone()}</dd>
                    <dt>{t(K::TransferPurpose)}</dt><dd class="mono" data-testid="kiosk-purpose">{p.purpose.clone()}</dd>
                    <dt>{t(K::Dossier)}</dt><dd>{p.dossier_code.clone()}" · "{p.applicant_masked.clone()}</dd>
                </dl>
                <div class="countdown">{t(K::ExpiresIn)}" "<strong data-testid="kiosk-countdown">{left}</strong></div>
                <ol class="steps">
                    <li>{t(K::Step1)}</li>
                    <li>{t(K::Step2)}</li>
                    <li>{t(K::Step3)}</li>
                </ol>
            </div>
        </section>
    }
}

#[component]
fn SuccessScreen(p: PaymentView) -> impl IntoView {
    let lang = use_lang();
    let amount = format_vnd(p.amount);
    let p2 = p.clone();
    view! {
        <section class="kiosk-message success">
            <div class="tick" aria-hidden="true">"✓"</div>
            <h1>{t(K::PaySuccess)}</h1>
            <p class="amount">{amount}</p>
            <p class="words">{move || words(&p2, lang.get())}</p>
            {(p.received > p.amount).then(|| {
                let surplus = format_vnd(p.received - p.amount);
                view! {
                    <p class="surplus" data-testid="kiosk-surplus">
                        {move || K::SurplusRefund.text(lang.get()).replace("{surplus}", &surplus)}
                    </p>
                }
            })}
            {p.receipt.clone().map(|r| view! {
                <p class="receipt-line">
                    {t(K::ReceiptNo)}": " <strong data-testid="kiosk-receipt">{r.label.clone()}</strong>
                    " · " <a href=r.href() target="_blank">{t(K::ViewReceipt)}</a>
                </p>
                <ReceiptLinkQr id=r.id token=r.token.clone()/>
            })}
            <p>{t(K::ThankYou)}</p>
        </section>
    }
}

/// The receipt's link as a QR code: the citizen scans it and keeps the receipt on their phone.
#[component]
fn ReceiptLinkQr(id: i64, token: String) -> impl IntoView {
    let qr = Resource::new(move || (id, token.clone()), |(id, token)| crate::api::get_receipt_link_qr(id, token));
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                qr.await.ok().map(|svg| view! {
                    <figure class="receipt-link-qr" data-testid="kiosk-receipt-qr">
                        <div class="qr" inner_html=svg></div>
                        <figcaption>{t(K::ScanForReceipt)}</figcaption>
                    </figure>
                })
            })}
        </Suspense>
    }
}

#[cfg(test)]
mod tests {
    use super::counter_in_path;

    #[test]
    fn a_kiosk_address_names_its_counter_by_number_and_nothing_else_does() {
        assert_eq!(counter_in_path("/kiosk/12"), Some(12));
        assert_eq!(counter_in_path("/kiosk/abc"), None);
        assert_eq!(counter_in_path("/kiosk/"), None);
        assert_eq!(counter_in_path("/kiosk/12/extra"), None);
        assert_eq!(counter_in_path("/stats"), None);
    }
}
