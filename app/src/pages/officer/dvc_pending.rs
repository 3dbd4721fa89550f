//! The dossiers the city's portal sent for this counter, waiting for the officer's one key.

use super::*;

/// Dossiers pushed by the portal wait here; one key (F2, or Enter on the button) issues the
/// first one's code.
#[component]
pub(super) fn DvcPending(counter: RwSignal<Option<i64>>, pushes: RwSignal<u64>) -> impl IntoView {
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
