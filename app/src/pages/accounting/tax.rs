//! `/accounting/tax`: the day's receipt summaries for the tax authority (01/TH-BLĐT): the
//! XML to download, and what became of each (prepared, sent, accepted, rejected).

use super::AccountingHeader;
use crate::api::{get_tax_summaries, prepare_tax_summary, set_tax_summary_status};
use crate::components::readable;
use crate::domain::words::format_vnd;
use crate::error::AppError;
use crate::i18n::tx;
use crate::model::{TaxSummariesView, TaxSummaryRow};
use crate::time::format_vn_datetime;
use leptos::prelude::*;
use leptos_meta::Title;

fn status_text(s: &str) -> impl Fn() -> &'static str + Copy {
    match s {
        "sent" => tx("Đã gửi", "Sent"),
        "accepted" => tx("Cơ quan thuế đã tiếp nhận", "Accepted"),
        "rejected" => tx("Bị từ chối", "Rejected"),
        _ => tx("Đã lập, chưa gửi", "Prepared, not sent"),
    }
}

#[component]
pub fn TaxSummariesPage() -> impl IntoView {
    let version = RwSignal::new(0u32);
    let data = Resource::new(move || version.get(), |_| get_tax_summaries());
    let set_status = Action::new_local(|(id, status, note): &(i64, String, String)| {
        let (id, status, note) = (*id, status.clone(), note.clone());
        async move { set_tax_summary_status(id, status, Some(note)).await }
    });
    let prepare = Action::new_local(|(day, reason): &(String, String)| {
        let (day, reason) = (day.clone(), reason.clone());
        async move { prepare_tax_summary(day, Some(reason)).await }
    });
    Effect::new(move |_| {
        if matches!(set_status.value().get(), Some(Ok(_))) {
            version.update(|v| *v += 1)
        }
    });
    Effect::new(move |_| {
        if matches!(prepare.value().get(), Some(Ok(_))) {
            version.update(|v| *v += 1)
        }
    });
    let error = move || {
        let e = match (set_status.value().get(), prepare.value().get()) {
            (Some(Err(e)), _) | (_, Some(Err(e))) => Some(readable(&e)),
            _ => None,
        };
        e.map(|m| view! { <p class="error" role="alert" data-testid="tax-error">{m}</p> })
    };
    view! {
        <Title text="WardPay — Tổng hợp biên lai gửi cơ quan thuế"/>
        <AccountingHeader title_vi="Tổng hợp dữ liệu biên lai (01/TH-BLĐT)" title_en="Daily receipt summaries (01/TH-BLĐT)"/>
        <div class="page accounting">
            <p class="muted">
                {tx("Mỗi ngày đã chốt có một bảng tổng hợp dữ liệu biên lai dạng XML (UTF-8) để gửi cơ quan thuế trong ngày; tệp chờ chữ ký số XML của đơn vị.",
                    "Each closed day has an XML summary of its receipts (UTF-8) to send to the tax authority the same day; the file awaits the unit's XML signature.")}
            </p>
            {error}
            <Transition fallback=move || view! { <p class="loading">"…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(v) => view! { <Summaries v=v set_status=set_status prepare=prepare/> }.into_any(),
                        Err(e) => view! { <p class="error" role="alert">{readable(&e)}</p> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

type Act<I, O> = Action<I, Result<O, AppError>>;

#[component]
fn Summaries(
    v: TaxSummariesView,
    set_status: Act<(i64, String, String), TaxSummaryRow>,
    prepare: Act<(String, String), TaxSummaryRow>,
) -> impl IntoView {
    let can_edit = v.can_edit;
    view! {
        {(!v.missing_days.is_empty()).then(|| view! {
            <section class="panel" data-testid="tax-missing">
                <h2>{tx("Ngày đã chốt chưa có bảng tổng hợp", "Closed days without a summary")}</h2>
                <ul>
                    {v.missing_days.into_iter().map(|d| {
                        let reason = RwSignal::new(String::new());
                        let day = d.clone();
                        view! {
                            <li data-day=d.clone()>
                                <span class="mono">{d.clone()}</span>
                                {can_edit.then(|| view! {
                                    <input type="text" aria-label=move || tx("Lý do lập muộn", "Why late")() placeholder="Lý do lập muộn (sự cố…)"
                                        prop:value=move || reason.get() on:input=move |ev| reason.set(event_target_value(&ev))/>
                                    <button class="btn small" type="button" data-testid="tax-prepare"
                                        on:click=move |_| { prepare.dispatch((day.clone(), reason.get_untracked())); }>
                                        {tx("Lập bảng tổng hợp", "Prepare the summary")}
                                    </button>
                                })}
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </section>
        })}
        <section class="panel" aria-labelledby="tax-title">
            <h2 id="tax-title">{tx("Bảng tổng hợp đã lập", "Summaries prepared")}</h2>
            {if v.summaries.is_empty() {
                view! { <p class="muted" data-testid="tax-empty">{tx("Chưa có bảng tổng hợp nào: bảng được lập khi chốt ngày.", "None yet: a summary is prepared when a day closes.")}</p> }.into_any()
            } else {
                view! {
                    <table class="grid" data-testid="tax-rows">
                        <thead><tr>
                            <th>{tx("Ngày", "Day")}</th><th>{tx("Số", "No.")}</th><th class="num">{tx("Biên lai", "Receipts")}</th><th class="num">{tx("Tổng tiền", "Total")}</th>
                            <th>{tx("Lập lúc", "Prepared")}</th><th>{tx("Trạng thái", "Status")}</th><th>{tx("Tệp", "File")}</th>
                        </tr></thead>
                        <tbody>
                            {v.summaries.into_iter().map(|s| view! { <SummaryRow s=s can_edit=can_edit set_status=set_status/> }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn SummaryRow(s: TaxSummaryRow, can_edit: bool, set_status: Act<(i64, String, String), TaxSummaryRow>) -> impl IntoView {
    let choice = RwSignal::new(s.status.clone());
    let note = RwSignal::new(s.status_note.clone().unwrap_or_default());
    let id = s.id;
    let href = format!("/reports/tax-summary.xml?day={}", s.day);
    let label = status_text(&s.status);
    view! {
        <tr data-day=s.day.clone() data-status=s.status.clone()>
            <td class="mono">{s.day.clone()}
                {s.late.then(|| view! { <br/><span class="badge adjust" data-testid="tax-late">{tx("Lập muộn", "Late")}</span>" "<span class="small">{s.late_reason.clone()}</span> })}
            </td>
            <td>{s.sequence}</td>
            <td class="num" data-testid="tax-receipts">{s.receipts}</td>
            <td class="num">{format_vnd(s.total)}</td>
            <td>{format_vn_datetime(&s.prepared_at)}<br/><span class="small">{s.prepared_by.clone()}</span></td>
            <td>
                <span class="badge" data-status=s.status.clone() data-testid="tax-status">{label}</span>
                {s.status_note.clone().map(|n| view! { <div class="small">{n}</div> })}
                {can_edit.then(|| view! {
                    <div class="inline-form no-print">
                        <select aria-label=move || tx("Trạng thái", "Status")() data-testid="tax-status-select"
                            on:change=move |ev| choice.set(event_target_value(&ev)) prop:value=move || choice.get()>
                            <option value="prepared">{tx("Đã lập", "Prepared")}</option>
                            <option value="sent">{tx("Đã gửi", "Sent")}</option>
                            <option value="accepted">{tx("Đã tiếp nhận", "Accepted")}</option>
                            <option value="rejected">{tx("Bị từ chối", "Rejected")}</option>
                        </select>
                        <input type="text" aria-label=move || tx("Ghi chú", "Note")() placeholder="Ghi chú" data-testid="tax-note"
                            prop:value=move || note.get() on:input=move |ev| note.set(event_target_value(&ev))/>
                        <button class="btn small" type="button" data-testid="tax-status-save"
                            on:click=move |_| { set_status.dispatch((id, choice.get_untracked(), note.get_untracked())); }>
                            {tx("Lưu", "Save")}
                        </button>
                    </div>
                })}
            </td>
            <td><a class="btn small secondary" rel="external" download="" data-testid="tax-download" href=href>"XML"</a></td>
        </tr>
    }
}
