//! `/accounting/refunds`: the refunds register. One person requests, another approves
//! (never the requester), the accountant pays from the bank app (a VietQR code to the
//! payer's account when the bank told us it) and records the bank reference.

use super::AccountingHeader;
use crate::api::{act_on_refund, get_refunds, request_refund};
use crate::components::readable;
use crate::domain::words::format_vnd;
use crate::error::AppError;
use crate::i18n::{t, tx};
use crate::model::{RefundAction, RefundRequestInput, RefundRow, RefundState, RefundsView};
use crate::time::format_vn_datetime;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

type Act<I, O> = Action<I, Result<O, AppError>>;

#[component]
pub fn RefundsPage() -> impl IntoView {
    let version = RwSignal::new(0u32);
    let data = Resource::new(move || version.get(), |_| get_refunds());
    let request = Action::new_local(|input: &RefundRequestInput| {
        let input = input.clone();
        async move { request_refund(input).await }
    });
    let act = Action::new_local(|(id, ver, a): &(i64, i32, RefundAction)| {
        let (id, ver, a) = (*id, *ver, a.clone());
        async move { act_on_refund(id, ver, a).await }
    });
    Effect::new(move |_| {
        if matches!(request.value().get(), Some(Ok(_))) {
            version.update(|v| *v += 1)
        }
    });
    Effect::new(move |_| {
        if matches!(act.value().get(), Some(Ok(_))) {
            version.update(|v| *v += 1)
        }
    });
    let error = move || {
        let e = match (request.value().get(), act.value().get()) {
            (Some(Err(e)), _) | (_, Some(Err(e))) => Some(readable(&e)),
            _ => None,
        };
        e.map(|m| view! { <p class="error" role="alert" data-testid="refund-error">{m}</p> })
    };
    view! {
        <Title text="WardPay — Hoàn tiền"/>
        <AccountingHeader title_vi="Hoàn tiền" title_en="Refunds"/>
        <div class="page accounting">
            {error}
            <Transition fallback=move || view! { <p class="loading">"…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(v) => view! { <RequestForm v=v.clone() request=request/><Refunds v=v act=act/> }.into_any(),
                        Err(e) => view! { <p class="error" role="alert">{readable(&e)}</p> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

/// Revenue given back from a receipt (`?receipt=ID`), or an exception's money (`?exception=ID`).
#[component]
fn RequestForm(v: RefundsView, request: Act<RefundRequestInput, RefundRow>) -> impl IntoView {
    let q = use_query_map();
    let receipt = RwSignal::new(q.read_untracked().get("receipt").unwrap_or_default());
    let exception = RwSignal::new(q.read_untracked().get("exception").unwrap_or_default());
    let amount = RwSignal::new(String::new());
    let reason = RwSignal::new(String::new());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        request.dispatch(RefundRequestInput {
            receipt_id: receipt.get_untracked().trim().parse().ok(),
            exception_id: exception.get_untracked().trim().parse().ok(),
            amount: amount.get_untracked().trim().replace(['.', ','], "").parse().unwrap_or(0),
            reason: reason.get_untracked(),
        });
    };
    v.can_request.then(|| view! {
        <form class="panel inline-form" on:submit=submit data-testid="refund-request">
            <h2>{tx("Đề nghị hoàn tiền", "Request a refund")}</h2>
            <label>{tx("Biên lai số (mã nội bộ)", "Receipt (id)")}<input type="number" min="1" data-testid="refund-receipt" prop:value=move || receipt.get() on:input=move |ev| receipt.set(event_target_value(&ev))/></label>
            <label>{tx("hoặc ngoại lệ số", "or exception no.")}<input type="number" min="1" data-testid="refund-exception" prop:value=move || exception.get() on:input=move |ev| exception.set(event_target_value(&ev))/></label>
            <label>{tx("Số tiền (đồng)", "Amount (VND)")}<input type="text" inputmode="numeric" required data-testid="refund-amount" prop:value=move || amount.get() on:input=move |ev| amount.set(event_target_value(&ev))/></label>
            <label>{tx("Lý do", "Reason")}<input type="text" required data-testid="refund-reason" prop:value=move || reason.get() on:input=move |ev| reason.set(event_target_value(&ev))/></label>
            <button class="btn" type="submit" data-testid="refund-submit">{tx("Gửi đề nghị", "Request")}</button>
        </form>
    })
}

#[component]
fn Refunds(v: RefundsView, act: Act<(i64, i32, RefundAction), RefundRow>) -> impl IntoView {
    let me = v.me.clone();
    view! {
        <section class="panel" aria-labelledby="refunds-title">
            <h2 id="refunds-title">{tx("Sổ hoàn tiền", "Refunds register")}</h2>
            <p class="muted">
                <a rel="external" download="" href="/reports/refunds.csv" data-testid="refunds-csv">{tx("Tải CSV", "Download CSV")}</a>" · "
                <a rel="external" download="" href="/reports/refunds.xlsx">{tx("Tải Excel (XLSX)", "Download Excel (XLSX)")}</a>
            </p>
            {if v.rows.is_empty() {
                view! { <p class="muted" data-testid="refunds-empty">{tx("Chưa có đề nghị hoàn tiền nào.", "No refund requested yet.")}</p> }.into_any()
            } else {
                view! {
                    <table class="grid" data-testid="refund-rows">
                        <thead><tr>
                            <th>"#"</th><th>{tx("Nguồn", "From")}</th><th class="num">{tx("Đã nhận", "Received")}</th><th class="num">{tx("Hoàn", "Refund")}</th>
                            <th>{tx("Người nhận", "Payee")}</th><th>{tx("Lý do", "Reason")}</th><th>{tx("Trạng thái", "State")}</th><th>{tx("Xử lý", "Action")}</th>
                        </tr></thead>
                        <tbody>
                            {v.rows.into_iter().map(|r| {
                                let state = r.state;
                                let mine = r.requested_by == me;
                                view! {
                                    <tr data-refund=r.id data-state=state.as_str()>
                                        <td>{r.id}</td>
                                        <td class="small">
                                            {r.receipt_label.clone().map(|l| view! { <div>{tx("Biên lai ", "Receipt ")}<span class="mono">{l}</span></div> })}
                                            {r.exception_kind.clone().map(|k| view! { <div>{tx("Ngoại lệ ", "Exception ")}{k}</div> })}
                                            {r.dossier_code.clone().map(|d| view! { <div class="mono">{d}</div> })}
                                            {r.incoming_reference.clone().map(|x| view! { <div class="mono">{x}</div> })}
                                        </td>
                                        <td class="num">{format_vnd(r.received)}</td>
                                        <td class="num" data-testid="refund-amount-cell">{format_vnd(r.amount)}</td>
                                        <td class="small">{r.payer_name.clone()}<br/><span class="mono">{r.payer_account.clone()}</span></td>
                                        <td class="small">{r.reason.clone()}</td>
                                        <td>
                                            <span class="badge" data-status=state.as_str() data-testid="refund-state">{t(state.label())}</span>
                                            <div class="small">{tx("Đề nghị: ", "Requested: ")}{r.requested_by.clone()}" "{format_vn_datetime(&r.requested_at)}</div>
                                            {r.decided_by.clone().map(|d| view! { <div class="small">{tx("Duyệt/từ chối: ", "Decided: ")}{d}</div> })}
                                            {r.decision_note.clone().map(|n| view! { <div class="small">{n}</div> })}
                                            {r.bank_reference.clone().map(|b| view! { <div class="small mono">{tx("GD hoàn: ", "Refund ref: ")}{b}</div> })}
                                        </td>
                                        <td><RefundActions r=r.clone() mine=mine can_decide=v.can_decide can_pay=v.can_pay act=act/></td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn RefundActions(
    r: RefundRow,
    mine: bool,
    can_decide: bool,
    can_pay: bool,
    act: Act<(i64, i32, RefundAction), RefundRow>,
) -> impl IntoView {
    let (id, ver) = (r.id, r.version);
    let note = RwSignal::new(String::new());
    let reference = RwSignal::new(String::new());
    match r.state {
        RefundState::Requested if can_decide && !mine => view! {
            <div class="inline-form">
                <input type="text" aria-label=move || tx("Ghi chú", "Note")() placeholder="Ghi chú" data-testid="refund-note"
                    prop:value=move || note.get() on:input=move |ev| note.set(event_target_value(&ev))/>
                <button class="btn small" type="button" data-testid="refund-approve"
                    on:click=move |_| { act.dispatch((id, ver, RefundAction::Approve { note: Some(note.get_untracked()) })); }>{tx("Duyệt", "Approve")}</button>
                <button class="btn small secondary" type="button" data-testid="refund-reject"
                    on:click=move |_| { act.dispatch((id, ver, RefundAction::Reject { note: note.get_untracked() })); }>{tx("Từ chối", "Reject")}</button>
            </div>
        }.into_any(),
        RefundState::Requested => view! {
            <span class="small muted" data-testid="refund-waiting">{tx("Chờ người khác duyệt", "Awaiting another person's approval")}</span>
        }.into_any(),
        RefundState::Approved if can_pay => view! {
            <div class="inline-form">
                {r.qr_svg.clone().map(|svg| view! { <div class="refund-qr" data-testid="refund-qr" inner_html=svg></div> })}
                <input type="text" aria-label=move || tx("Mã giao dịch chuyển trả", "Bank reference of the refund")() placeholder="Mã GD ngân hàng" data-testid="refund-reference"
                    prop:value=move || reference.get() on:input=move |ev| reference.set(event_target_value(&ev))/>
                <button class="btn small" type="button" data-testid="refund-paid"
                    on:click=move |_| { act.dispatch((id, ver, RefundAction::MarkPaid { bank_reference: reference.get_untracked() })); }>{tx("Đã chuyển trả", "Mark paid")}</button>
            </div>
        }.into_any(),
        _ => ().into_any(),
    }
}
