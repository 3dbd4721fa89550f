//! The counter's open / paused switch and the bank-silence warning.

use super::*;

#[component]
pub(super) fn CounterControls(snap: CounterSnapshot) -> impl IntoView {
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
