//! The counter's current payment: its QR, live state and countdown, and what the officer
//! may do with it (cancel, re-issue, renew the code for the rest, assisted or cash payment).

use super::*;

#[component]
pub(super) fn CurrentPayment(p: PaymentView, counter_id: i64, demo: bool) -> impl IntoView {
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
                <span class="badge" data-status=state.as_str() data-testid="payment-badge">{t(state.label())}</span>
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
