//! Today's dossiers at this counter, newest first.

use super::*;

#[component]
pub(super) fn Queue(counter: RwSignal<Option<i64>>, pushes: RwSignal<u64>) -> impl IntoView {
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
            (Some(p), _) => p.state.label().get(l).to_string(),
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
