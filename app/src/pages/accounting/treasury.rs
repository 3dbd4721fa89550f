//! `/accounting/treasury`: money collected and not yet deposited with its due dates, the
//! C1-02/NS slip and its list for a kind of money over a period, and the deposits made.

use super::{AccountingHeader, OverdueBanner};
use crate::api::{get_treasury, get_treasury_slip, record_deposit};
use crate::components::readable;
use crate::domain::words::format_vnd;
use crate::error::AppError;
use crate::i18n::{t, tx};
use crate::model::{DepositInput, DepositRow, TreasurySlip, TreasuryView};
use crate::time::format_vn_datetime;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn TreasuryPage() -> impl IntoView {
    let q = use_query_map();
    let version = RwSignal::new(0u32);
    let view_data = Resource::new(move || version.get(), |_| get_treasury());
    let asked = Signal::derive(move || {
        let q = q.read();
        match (q.get("kind"), q.get("from"), q.get("to")) {
            (Some(k), Some(f), Some(t)) if !f.is_empty() && !t.is_empty() => Some((k, f, t)),
            _ => None,
        }
    });
    let slip = Resource::new(
        move || (asked.get(), version.get()),
        |(a, _)| async move {
            match a {
                Some((k, f, t)) => get_treasury_slip(k, f, t).await.map(Some),
                None => Ok(None),
            }
        },
    );
    let record = Action::new_local(|input: &DepositInput| {
        let input = input.clone();
        async move { record_deposit(input).await }
    });
    Effect::new(move |_| {
        if matches!(record.value().get(), Some(Ok(_))) {
            version.update(|v| *v += 1)
        }
    });
    view! {
        <Title text="WardPay — Nộp Kho bạc"/>
        <AccountingHeader title_vi="Nộp tiền vào Kho bạc" title_en="Treasury deposits"/>
        <div class="page accounting">
            <OverdueBanner/>
            <Transition fallback=move || view! { <p class="loading">"…"</p> }>
                {move || Suspend::new(async move {
                    match view_data.await {
                        Ok(v) => view! { <Outstanding v=v.clone()/><SlipForm/> }.into_any(),
                        Err(e) => view! { <p class="error" role="alert">{readable(&e)}</p> }.into_any(),
                    }
                })}
            </Transition>
            <Transition fallback=move || view! { <p class="loading">"…"</p> }>
                {move || Suspend::new(async move {
                    let can_record = view_data.await.map(|v| v.can_record).unwrap_or(false);
                    match slip.await {
                        Ok(Some(s)) => view! { <Slip s=s can_record=can_record record=record/> }.into_any(),
                        Ok(None) => ().into_any(),
                        Err(e) => view! { <p class="error" role="alert" data-testid="slip-error">{readable(&e)}</p> }.into_any(),
                    }
                })}
            </Transition>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match view_data.await {
                        Ok(v) => view! { <Deposits rows=v.deposits/> }.into_any(),
                        Err(_) => ().into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

#[component]
fn Outstanding(v: TreasuryView) -> impl IntoView {
    view! {
        <section class="panel" aria-labelledby="outstanding-title" data-testid="outstanding">
            <h2 id="outstanding-title">{tx("Tiền đã thu, chưa nộp Kho bạc", "Collected, not yet deposited")}</h2>
            {if v.outstanding.is_empty() {
                view! { <p class="muted" data-testid="outstanding-none">{tx("Không còn khoản thu nào chưa nộp Kho bạc.", "No money is waiting to be deposited.")}</p> }.into_any()
            } else {
                view! {
                    <table class="grid">
                        <thead><tr><th>{tx("Loại", "Kind")}</th><th>{tx("Kỳ", "Period")}</th><th class="num">{tx("Biên lai", "Receipts")}</th><th class="num">{tx("Số tiền", "Amount")}</th><th>{tx("Hạn nộp", "Due")}</th><th></th></tr></thead>
                        <tbody>
                            {v.outstanding.into_iter().map(|o| {
                                let k = o.kind;
                                let href = format!("/accounting/treasury?kind={}&from={}&to={}", o.kind.as_str(), o.from, o.to);
                                view! {
                                    <tr data-kind=o.kind.as_str() data-from=o.from.clone() data-due=o.due_on.clone() class:diff=o.overdue data-testid="outstanding-row">
                                        <td>{t(k.label())}</td>
                                        <td class="mono">{o.from.clone()}" – "{o.to.clone()}</td>
                                        <td class="num">{o.receipts}</td>
                                        <td class="num" data-testid="outstanding-amount">{format_vnd(o.amount)}</td>
                                        <td>{o.due_on.clone()}{o.overdue.then(|| view! { " "<span class="badge" data-status="overdue">{tx("Quá hạn", "Overdue")}</span> })}</td>
                                        <td><a class="btn small secondary" href=href data-testid="outstanding-open">{tx("Lập bảng kê", "Prepare slip")}</a></td>
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
fn SlipForm() -> impl IntoView {
    let q = use_query_map();
    let (kind, from, to) = {
        let q = q.read_untracked();
        (q.get("kind").unwrap_or_else(|| "phi".into()), q.get("from").unwrap_or_default(), q.get("to").unwrap_or_default())
    };
    view! {
        <form class="panel range-form no-print" method="get" action="/accounting/treasury" data-testid="slip-form">
            <label>{tx("Loại tiền", "Kind")}
                <select name="kind" data-testid="slip-kind">
                    <option value="phi" selected=kind == "phi">{tx("Phí", "Fees (phí)")}</option>
                    <option value="le_phi" selected=kind == "le_phi">{tx("Lệ phí", "Charges (lệ phí)")}</option>
                </select>
            </label>
            <label>{tx("Từ ngày", "From")}<input type="date" name="from" value=from required data-testid="slip-from"/></label>
            <label>{tx("Đến ngày", "To")}<input type="date" name="to" value=to required data-testid="slip-to"/></label>
            <button class="btn" type="submit" data-testid="slip-show">{tx("Lập bảng kê", "Prepare slip")}</button>
        </form>
    }
}

type Act<I, O> = Action<I, Result<O, AppError>>;

#[component]
fn Slip(s: TreasurySlip, can_record: bool, record: Act<DepositInput, DepositRow>) -> impl IntoView {
    let k = s.kind;
    let q = format!("kind={}&from={}&to={}", s.kind.as_str(), s.from, s.to);
    let blocked = !s.open_days.is_empty() || !s.deposited_days.is_empty() || !s.uncoded.is_empty() || s.profile_missing || s.total <= 0;
    let deposited_on = RwSignal::new(String::new());
    let reference = RwSignal::new(String::new());
    let input = DepositInput { kind: s.kind.as_str().into(), from: s.from.clone(), to: s.to.clone(), ..Default::default() };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut i = input.clone();
        i.deposited_on = deposited_on.get_untracked();
        i.treasury_ref = reference.get_untracked();
        record.dispatch(i);
    };
    let record_error = move || match record.value().get() {
        Some(Err(e)) => Some(view! { <p class="error" role="alert" data-testid="deposit-error">{readable(&e)}</p> }),
        _ => None,
    };
    view! {
        <article class="panel slip" data-testid="slip" data-kind=s.kind.as_str()>
            <header class="slip-head">
                <div>
                    <strong>{s.unit_name.clone()}</strong>
                    <div>{tx("Mã số thuế: ", "Tax code: ")}{s.unit_tax_code.clone()}" · "{tx("Mã QHNS: ", "Budget relation code: ")}{s.unit_budget_code.clone()}</div>
                    <div>{s.unit_address.clone()}</div>
                </div>
                <div class="symbols"><div>{tx("Mẫu số ", "Form ")}<strong>"C1-02/NS"</strong></div></div>
            </header>
            <h2 class="slip-title">{tx("GIẤY NỘP TIỀN VÀO NGÂN SÁCH NHÀ NƯỚC — BẢNG KÊ", "STATE BUDGET PAYMENT SLIP — LIST")}</h2>
            <p class="slip-sub">{t(k.label())}" · "{s.from.clone()}" → "{s.to.clone()}</p>
            {s.example.then(|| view! { <p class="notice" data-testid="slip-example">{tx("Mã ngân sách và tài khoản Kho bạc đang là giá trị ví dụ: kế toán xác nhận trên trang Mã ngân sách.", "Budget codes and treasury accounts are example values: the accountant confirms them under Budget codes.")}</p> })}
            {s.profile_missing.then(|| view! { <p class="alert danger" role="alert" data-testid="slip-no-profile">{tx("Chưa khai báo Kho bạc nhận và tài khoản.", "No receiving treasury and account set.")}</p> })}
            <dl class="slip-facts">
                <dt>{tx("Trích tài khoản (tài khoản thu)", "Debit account (collection)")}</dt><dd class="mono">{s.debit_account.clone()}" — "{s.debit_bank.clone()}</dd>
                <dt>{tx("Nộp vào Kho bạc", "Receiving treasury")}</dt><dd>{s.kbnn_name.clone()}" ("{s.kbnn_code.clone()}")"</dd>
                <dt>{tx("Tài khoản nhận", "Treasury account")}</dt><dd class="mono" data-testid="slip-kbnn-account">{s.kbnn_account.clone()}</dd>
                <dt>{tx("Cơ quan quản lý thu", "Revenue agency")}</dt><dd>{s.revenue_agency.clone()}</dd>
                <dt>{tx("Hạn nộp", "Due")}</dt><dd data-testid="slip-due">{s.due_on.clone()}" ("{t(s.interval.label())}")"</dd>
            </dl>
            <table class="grid" data-testid="slip-lines">
                <thead><tr>
                    <th>"STT"</th><th>{tx("Nội dung khoản nộp", "Item")}</th><th>{tx("Mã chương", "Chapter")}</th><th>{tx("Mã NDKT", "NDKT")}</th><th>{tx("Mã ĐBHC", "ĐBHC")}</th>
                    <th class="num">{tx("Số biên lai", "Receipts")}</th><th class="num">{tx("Thu", "Collected")}</th><th class="num">{tx("Hoàn trả", "Refunded")}</th><th class="num">{tx("Số tiền nộp", "Amount")}</th>
                </tr></thead>
                <tbody>
                    {s.lines.iter().enumerate().map(|(i, l)| view! {
                        <tr data-ndkt=l.ndkt.clone()>
                            <td>{i + 1}</td><td>{l.fee_names.join("; ")}</td><td class="mono">{l.chapter.clone()}</td><td class="mono">{l.ndkt.clone()}</td><td class="mono">{l.dbhc.clone()}</td>
                            <td class="num">{l.receipts}</td><td class="num">{format_vnd(l.gross)}</td><td class="num">{format_vnd(l.refunds)}</td>
                            <td class="num" data-testid="slip-line-amount">{format_vnd(l.amount)}</td>
                        </tr>
                    }).collect_view()}
                    {s.uncoded.iter().map(|u| view! {
                        <tr class="diff" data-testid="slip-uncoded">
                            <td>"!"</td><td>{u.fee_name.clone()}<br/><strong>{tx("Chưa có mã chương/NDKT — khai báo trước khi nộp", "No budget code — set one before depositing")}</strong></td>
                            <td></td><td></td><td></td><td class="num">{u.receipts}</td><td class="num">{format_vnd(u.amount)}</td><td></td><td class="num">{format_vnd(u.amount)}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
                <tfoot><tr>
                    <th colspan="5">{tx("Tổng cộng", "Total")}</th><th class="num" data-testid="slip-receipts">{s.receipt_count}</th>
                    <th class="num">{format_vnd(s.gross)}</th><th class="num" data-testid="slip-refunds">{format_vnd(s.refunds_total)}</th>
                    <th class="num" data-testid="slip-total">{format_vnd(s.total)}</th>
                </tr></tfoot>
            </table>
            <p>{tx("Tổng số tiền ghi bằng chữ: ", "Total in words: ")}<em data-testid="slip-words">{s.total_words.clone()}</em></p>
            {(!s.no_charge.is_empty()).then(|| view! {
                <h3>{tx("Hồ sơ miễn, giảm và không thu (chỉ thống kê, không cộng)", "Free and exempt dossiers (counted, not summed)")}</h3>
                <table class="grid" data-testid="slip-no-charge">
                    <thead><tr><th>{tx("Thủ tục", "Procedure")}</th><th>{tx("Lý do", "Reason")}</th><th class="num">{tx("Số hồ sơ", "Dossiers")}</th></tr></thead>
                    <tbody>{s.no_charge.iter().map(|n| view! { <tr><td>{n.procedure_name.clone()}</td><td>{n.reason.clone()}</td><td class="num">{n.count}</td></tr> }).collect_view()}</tbody>
                </table>
            })}
            {(!s.refunds.is_empty()).then(|| view! {
                <h3>{tx("Khoản hoàn trả đã trừ", "Refunds deducted")}</h3>
                <table class="grid" data-testid="slip-refund-rows">
                    <thead><tr><th>"#"</th><th>{tx("Biên lai", "Receipt")}</th><th>{tx("Mã GD hoàn", "Refund reference")}</th><th class="num">{tx("Số tiền", "Amount")}</th></tr></thead>
                    <tbody>{s.refunds.iter().map(|r| view! { <tr><td>{r.refund_id}</td><td class="mono">{r.receipt_label.clone()}</td><td class="mono">{r.bank_reference.clone()}</td><td class="num">{format_vnd(r.amount)}</td></tr> }).collect_view()}</tbody>
                </table>
            })}
            <h3>{tx("Bảng kê biên lai và giao dịch ngân hàng", "Receipts and bank transactions included")}</h3>
            <table class="grid small" data-testid="slip-receipt-rows">
                <thead><tr><th>{tx("Biên lai", "Receipt")}</th><th>{tx("Ngày", "Date")}</th><th>{tx("Mã GD ngân hàng", "Bank reference")}</th><th class="num">{tx("Số tiền", "Amount")}</th></tr></thead>
                <tbody>{s.receipts.iter().map(|r| view! { <tr class:diff=r.amount < 0><td class="mono">{r.label.clone()}</td><td>{format_vn_datetime(&r.issued_at)}</td><td class="mono">{r.bank_ref.clone()}</td><td class="num">{format_vnd(r.amount)}</td></tr> }).collect_view()}</tbody>
            </table>
            <div class="no-print slip-actions">
                <a class="btn secondary" rel="external" download="" data-testid="slip-csv" href=format!("/reports/treasury.csv?{q}")>{tx("Tải CSV", "Download CSV")}</a>
                <a class="btn secondary" rel="external" download="" data-testid="slip-xlsx" href=format!("/reports/treasury.xlsx?{q}")>{tx("Tải Excel (XLSX)", "Download Excel (XLSX)")}</a>
                <button class="btn secondary" type="button" on:click=move |_| { let _ = leptos::prelude::window().print(); }>{tx("In (A4)", "Print (A4)")}</button>
            </div>
            {(!s.open_days.is_empty()).then(|| view! { <p class="alert warn" role="status" data-testid="slip-open-days">{tx("Ngày chưa chốt hoặc chưa hết: ", "Days not closed or not over: ")}{s.open_days.join(", ")}</p> })}
            {(!s.deposited_days.is_empty()).then(|| view! { <p class="alert warn" role="status" data-testid="slip-deposited-days">{tx("Ngày đã nộp: ", "Days already deposited: ")}{s.deposited_days.join(", ")}</p> })}
            {match s.deposit.clone() {
                Some(d) => view! {
                    <p class="notice ok" role="status" data-testid="slip-deposited">
                        {tx("Đã nộp ngày ", "Deposited on ")}{d.deposited_on}{tx(", chứng từ Kho bạc ", ", treasury reference ")}<span class="mono">{d.treasury_ref}</span>
                        {tx(" — ghi nhận bởi ", " — recorded by ")}{d.recorded_by}
                    </p>
                }.into_any(),
                None if can_record && !blocked => view! {
                    <form class="inline-form no-print" on:submit=submit data-testid="deposit-form">
                        <label>{tx("Ngày nộp", "Deposited on")}<input type="date" required data-testid="deposit-date" prop:value=move || deposited_on.get() on:input=move |ev| deposited_on.set(event_target_value(&ev))/></label>
                        <label>{tx("Số chứng từ Kho bạc", "Treasury reference")}<input type="text" required data-testid="deposit-ref" prop:value=move || reference.get() on:input=move |ev| reference.set(event_target_value(&ev))/></label>
                        <button class="btn" type="submit" data-testid="deposit-record">{tx("Ghi nhận đã nộp", "Record the deposit")}</button>
                    </form>
                }.into_any(),
                None => ().into_any(),
            }}
            {record_error}
        </article>
    }
}

#[component]
fn Deposits(rows: Vec<DepositRow>) -> impl IntoView {
    view! {
        <section class="panel" aria-labelledby="deposits-title">
            <h2 id="deposits-title">{tx("Các lần đã nộp", "Deposits made")}</h2>
            {if rows.is_empty() {
                view! { <p class="muted">{tx("Chưa ghi nhận lần nộp nào.", "No deposit recorded yet.")}</p> }.into_any()
            } else {
                view! {
                    <table class="grid" data-testid="deposit-rows">
                        <thead><tr><th>{tx("Loại", "Kind")}</th><th>{tx("Kỳ", "Period")}</th><th class="num">{tx("Số tiền", "Amount")}</th><th>{tx("Ngày nộp", "Deposited")}</th><th>{tx("Chứng từ", "Reference")}</th><th>{tx("Ghi nhận", "Recorded")}</th></tr></thead>
                        <tbody>
                            {rows.into_iter().map(|d| { let k = d.kind; view! {
                                <tr data-kind=d.kind.as_str()>
                                    <td>{t(k.label())}</td><td class="mono">{d.from.clone()}" – "{d.to.clone()}</td>
                                    <td class="num">{format_vnd(d.amount)}</td><td>{d.deposited_on.clone()}</td><td class="mono">{d.treasury_ref.clone()}</td>
                                    <td class="small">{d.recorded_by.clone()}" "{format_vn_datetime(&d.recorded_at)}</td>
                                </tr>
                            } }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </section>
    }
}
