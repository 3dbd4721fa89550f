//! `/accounting/receipts`: the receipts register (sổ biên lai) of a period, in number
//! order, with any gap in the numbering raised as an alarm.

use super::{range_query, AccountingHeader};
use crate::api::get_receipt_register;
use crate::components::readable;
use crate::domain::words::format_vnd;
use crate::i18n::{t, tx};
use crate::model::{ReceiptRegister, ReceiptStatus};
use crate::time::format_vn_datetime;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn ReceiptsRegisterPage() -> impl IntoView {
    let range = range_query();
    let data = Resource::new(move || range.get(), |(from, to)| get_receipt_register(from, to));
    view! {
        <Title text="WardPay — Sổ biên lai"/>
        <AccountingHeader title_vi="Sổ biên lai" title_en="Receipts register"/>
        <div class="page accounting">
            <Suspense fallback=move || view! { <p class="loading">"…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(r) => view! { <Register r=r/> }.into_any(),
                        Err(e) => view! { <p class="error" role="alert" data-testid="register-error">{readable(&e)}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </div>
    }
}

#[component]
fn Register(r: ReceiptRegister) -> impl IntoView {
    let q = format!("from={}&to={}", r.from, r.to);
    view! {
        <form class="panel range-form no-print" method="get" action="/accounting/receipts" data-testid="register-range">
            <label>{tx("Từ ngày", "From")}<input type="date" name="from" value=r.from.clone() required/></label>
            <label>{tx("Đến ngày", "To")}<input type="date" name="to" value=r.to.clone() required/></label>
            <button class="btn" type="submit">{tx("Xem", "Show")}</button>
            <a class="btn secondary" rel="external" download="" data-testid="register-csv" href=format!("/reports/receipts.csv?{q}")>{tx("Tải CSV", "Download CSV")}</a>
            <a class="btn secondary" rel="external" download="" data-testid="register-xlsx" href=format!("/reports/receipts.xlsx?{q}")>{tx("Tải Excel (XLSX)", "Download Excel (XLSX)")}</a>
            <button class="btn secondary" type="button" on:click=move |_| { let _ = leptos::prelude::window().print(); }>{tx("In (A4)", "Print (A4)")}</button>
        </form>
        {(!r.pending_replacements.is_empty()).then(|| view! {
            <section class="panel alert warn" aria-labelledby="pending-title" data-testid="register-pending-replacements">
                <h2 id="pending-title">{tx("Biên lai thay thế chờ duyệt", "Replacement receipts waiting for approval")}</h2>
                <ul>
                    {r.pending_replacements.iter().map(|p| view! {
                        <li>
                            <a href=format!("/receipts/{}", p.receipt_id)>{p.receipt_label.clone()}</a>
                            {format!(" — {} → {} · {} ({})", format_vnd(p.amount_before), format_vnd(p.amount_after), p.reason, p.proposed_by)}
                        </li>
                    }).collect_view()}
                </ul>
            </section>
        })}
        <section class="panel" aria-labelledby="register-title">
            <h2 id="register-title">{r.ward_name.clone()}" — "{tx("Sổ biên lai ", "Receipts ")}{r.from.clone()}" → "{r.to.clone()}</h2>
            {if r.gaps.is_empty() {
                view! { <p class="notice ok" role="status" data-testid="register-continuous">{tx("Số biên lai liên tục, không thiếu số.", "Receipt numbers are continuous: none missing.")}</p> }.into_any()
            } else {
                view! {
                    <div class="alert danger" role="alert" data-testid="register-gaps">
                        <strong>{tx("Cảnh báo: thiếu số biên lai ", "Alarm: receipt numbers missing ")}</strong>
                        {r.gaps.iter().map(|g| view! {
                            <span class="mono" data-testid="register-gap">{format!("{} {:07}–{:07} ", g.series, g.from, g.to)}</span>
                        }).collect_view()}
                    </div>
                }.into_any()
            }}
            <p class="muted" data-testid="register-summary">
                {tx("Đã lập: ", "Issued: ")}<strong data-testid="register-issued">{r.issued}</strong>
                {tx(" · bị thay thế: ", " · replaced: ")}<strong data-testid="register-replaced">{r.replaced}</strong>
                {tx(" · điều chỉnh bằng thông báo: ", " · corrected by notice: ")}<strong data-testid="register-notified">{r.notified}</strong>
                {tx(" · số tiền trên biên lai còn hiệu lực: ", " · amount on standing receipts: ")}<strong data-testid="register-amount">{format_vnd(r.amount_standing)}</strong>
            </p>
            {if r.rows.is_empty() {
                view! { <p class="muted" data-testid="register-empty">{tx("Không có biên lai trong khoảng này.", "No receipt in this range.")}</p> }.into_any()
            } else {
                view! {
                    <table class="grid" data-testid="register-rows">
                        <thead><tr>
                            <th>{tx("Mẫu số – ký hiệu – số", "Form – series – number")}</th><th>{tx("Ngày lập", "Issued")}</th>
                            <th>{tx("Người nộp", "Payer")}</th><th>{tx("Hồ sơ", "Dossier")}</th><th class="num">{tx("Số tiền", "Amount")}</th>
                            <th>{tx("Tình trạng", "Status")}</th><th>{tx("Liên quan", "Related")}</th>
                        </tr></thead>
                        <tbody>
                            {r.rows.into_iter().map(|row| {
                                let status = row.status;
                                let href = format!("/receipts/{}", row.id);
                                view! {
                                    <tr data-number=row.number data-status=status.as_str() class:diff=status == ReceiptStatus::Replaced>
                                        <td class="mono"><a href=href>{row.label.clone()}</a></td>
                                        <td>{format_vn_datetime(&row.issued_at)}</td>
                                        <td>{row.payer_name.clone()}</td>
                                        <td class="mono">{row.dossier_code.clone()}</td>
                                        <td class="num">{format_vnd(row.amount)}</td>
                                        <td><span class="badge" data-status=status.as_str()>{t(status.label())}</span></td>
                                        <td class="small">
                                            {row.replaces.clone().map(|l| view! { <div>{tx("Thay thế ", "Replaces ")}<span class="mono">{l}</span></div> })}
                                            {row.replaced_by.clone().map(|l| view! { <div>{tx("Bị thay bởi ", "Replaced by ")}<span class="mono">{l}</span></div> })}
                                            {row.notices.iter().map(|n| view! { <div>{n.clone()}</div> }).collect_view()}
                                        </td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </section>
        {(!r.notices.is_empty()).then(|| view! {
            <section class="panel" aria-labelledby="notices-title">
                <h3 id="notices-title">{tx("Thông báo điều chỉnh (04/SS-CTĐT)", "Correction notices (04/SS-CTĐT)")}</h3>
                <table class="grid" data-testid="register-notices">
                    <thead><tr><th>{tx("Thông báo", "Notice")}</th><th>{tx("Biên lai", "Receipt")}</th><th>{tx("Nội dung sửa", "Corrected")}</th><th>{tx("Lý do", "Reason")}</th><th>{tx("Người lập", "By")}</th></tr></thead>
                    <tbody>
                        {r.notices.into_iter().map(|n| view! {
                            <tr>
                                <td>{n.label}</td><td class="mono">{n.receipt_label}</td>
                                <td>{n.changes.into_iter().map(|c| view! { <div>{t(c.field.label())}": "<s>{c.was}</s>" → "{c.now}</div> }).collect_view()}</td>
                                <td>{n.reason}</td><td>{n.created_by}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </section>
        })}
    }
}
