//! The accountant's books (the supervisor reads them): the receipts register, the tax
//! authority's daily summaries, refunds and treasury deposits.

pub mod budget_codes;
pub mod receipts;
pub mod refunds;
pub mod tax;
pub mod treasury;

use crate::api::get_treasury;
use crate::components::UserNav;
use crate::domain::words::format_vnd;
use crate::i18n::{t, tx, LangSwitch};
use leptos::prelude::*;

/// The top bar of an accounting screen and the links between them.
#[component]
pub fn AccountingHeader(title_vi: &'static str, title_en: &'static str) -> impl IntoView {
    view! {
        <header class="topbar">
            <a class="brand" href="/accounting/treasury">"WardPay"</a>
            <h1 class="topbar-title">{tx(title_vi, title_en)}</h1>
            <UserNav/>
            <LangSwitch/>
        </header>
        <nav class="subnav no-print" aria-label=move || tx("Sổ sách kế toán", "Accounting")()>
            <a href="/accounting/receipts">{tx("Sổ biên lai", "Receipts register")}</a>
            <a href="/accounting/tax">{tx("Tổng hợp gửi cơ quan thuế", "Tax summaries")}</a>
            <a href="/accounting/refunds">{tx("Hoàn tiền", "Refunds")}</a>
            <a href="/accounting/treasury">{tx("Nộp Kho bạc", "Treasury deposits")}</a>
            <a href="/reconciliation">{tx("Đối soát", "Reconciliation")}</a>
        </nav>
    }
}

/// A warning while collected money is past its deposit due date (accountant and supervisor).
#[component]
pub fn OverdueBanner() -> impl IntoView {
    let data = Resource::new(|| (), |_| get_treasury());
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let Ok(v) = data.await else { return ().into_any() };
                let late: Vec<_> = v.outstanding.into_iter().filter(|o| o.overdue).collect();
                if late.is_empty() {
                    return ().into_any();
                }
                view! {
                    <div class="alert warn" role="alert" data-testid="deposit-overdue">
                        <strong>{tx("Quá hạn nộp Kho bạc: ", "Treasury deposit overdue: ")}</strong>
                        {late.into_iter().map(|o| view! {
                            <span class="overdue-item">
                                {t(o.kind.label())}" "{o.from.clone()}" – "{o.to.clone()}": "{format_vnd(o.amount)}
                                {tx(" (hạn ", " (due ")}{o.due_on.clone()}") "
                            </span>
                        }).collect_view()}
                        <a href="/accounting/treasury">{tx("Xem và nộp", "Review and deposit")}</a>
                    </div>
                }.into_any()
            })}
        </Transition>
    }
}

/// `?from=…&to=…` of the address, or the month so far chosen by the server.
pub fn range_query() -> Signal<(Option<String>, Option<String>)> {
    let query = leptos_router::hooks::use_query_map();
    Signal::derive(move || {
        let q = query.read();
        (q.get("from").filter(|s| !s.is_empty()), q.get("to").filter(|s| !s.is_empty()))
    })
}
