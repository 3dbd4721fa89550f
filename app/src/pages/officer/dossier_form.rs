//! The new-dossier form: applicant, procedure search, fee lines with live totals.

use super::*;

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
pub(super) fn DossierForm(catalog: Vec<CatalogEntry>, counter: RwSignal<Option<i64>>) -> impl IntoView {
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
