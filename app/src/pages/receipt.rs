//! The electronic receipt at `/receipts/<id>`, printable on A4.

use crate::api::get_receipt;
use crate::domain::words::format_vnd;
use crate::i18n::{t, use_lang, Lang, K};
use crate::model::ReceiptDoc;
use crate::time::format_vn_datetime;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn ReceiptPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let key = move || {
        (
            params.read().get("id").and_then(|s| s.parse::<i64>().ok()),
            query.read().get("k"),
        )
    };
    let doc = Resource::new(key, |(id, token)| async move {
        match id {
            Some(id) => get_receipt(id, token).await,
            None => Ok(None),
        }
    });
    view! {
        <Title text="WardPay — Biên lai"/>
        <Suspense fallback=move || view! { <p class="loading">{t(K::Loading)}</p> }>
            {move || Suspend::new(async move {
                match doc.await {
                    Ok(Some(d)) => view! { <Receipt doc=d/> }.into_any(),
                    Ok(None) => {
                        #[cfg(feature = "ssr")]
                        if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
                            resp.set_status(http::StatusCode::NOT_FOUND);
                        }
                        view! { <section class="notice-page"><h1>{t(K::ReceiptNotFound)}</h1></section> }.into_any()
                    }
                    Err(e) => view! { <p class="error">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Receipt(doc: ReceiptDoc) -> impl IntoView {
    let lang = use_lang();
    let c = doc.content.clone();
    let method = move || match lang.get() {
        Lang::Vi => c.method.label_vi(),
        Lang::En => c.method.label_en(),
    };
    let c = doc.content;
    let print = move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(w) = web_sys::window() {
            let _ = w.print();
        }
    };
    view! {
        <article class="receipt" data-testid="receipt">
            <header class="receipt-head">
                <div class="unit">
                    <strong>{c.unit_name.clone()}</strong>
                    <div>{c.unit_address.clone()}</div>
                    <div>"MST: "{c.unit_tax_code.clone()}" · Mã QHNS: "{c.unit_budget_code.clone()}</div>
                </div>
                <div class="symbols">
                    <div>"Mẫu số: "<strong>{c.form.clone()}</strong></div>
                    <div>"Ký hiệu: "<strong data-testid="receipt-series">{c.series.clone()}</strong></div>
                    <div>"Số: "<strong data-testid="receipt-number">{c.number.clone()}</strong></div>
                </div>
            </header>
            <h1 class="receipt-title">{c.title.clone()}</h1>
            <p class="receipt-sub">"(Biên lai điện tử)"</p>
            <dl class="receipt-facts">
                <dt>"Người nộp:"</dt><dd data-testid="receipt-payer">{c.payer_name.clone()}</dd>
                {c.payer_id.clone().map(|id| view! { <dt>"Số CCCD:"</dt><dd>{id}</dd> })}
                <dt>"Hồ sơ:"</dt><dd>{c.dossier_code.clone()}" — "{c.procedure_name.clone()}</dd>
            </dl>
            <table class="grid receipt-lines">
                <thead><tr><th>"STT"</th><th>"Tên khoản phí, lệ phí"</th><th>"Số lượng"</th><th class="num">"Số tiền (đồng)"</th></tr></thead>
                <tbody>
                    {c.lines.iter().enumerate().map(|(i, l)| view! {
                        <tr>
                            <td>{i + 1}</td>
                            <td>{l.fee_name.clone()}{l.exempt_reason.clone().map(|r| format!(" (miễn: {r})"))}</td>
                            <td>{l.quantity}{l.pages.map(|p| format!(" × {p} trang"))}</td>
                            <td class="num">{format_vnd(l.amount)}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
                <tfoot><tr><td colspan="3">"Tổng cộng"</td><td class="num" data-testid="receipt-total">{format_vnd(c.total)}</td></tr></tfoot>
            </table>
            <p>"Số tiền bằng chữ: "<em data-testid="receipt-words">{c.total_words.clone()}</em></p>
            <dl class="receipt-facts">
                <dt>"Hình thức thanh toán:"</dt><dd>{method}</dd>
                {c.bank_ref.clone().map(|r| view! { <dt>"Mã giao dịch ngân hàng:"</dt><dd class="mono">{r}</dd> })}
                <dt>"Mã thanh toán:"</dt><dd class="mono">{c.payment_code.clone()}</dd>
                <dt>"Thời gian:"</dt><dd>{format_vn_datetime(&c.issued_at)}</dd>
                <dt>"Đơn vị thu:"</dt><dd>{c.collector.clone()}</dd>
            </dl>
            <footer class="receipt-sign" data-signature-valid=doc.signature_valid.to_string()>
                <div class=if doc.signature_valid { "sig ok" } else { "sig bad" }>
                    {if doc.signature_valid { t(K::SignatureValid) } else { t(K::SignatureInvalid) }}
                </div>
                <div class="mono small">"HMAC-SHA256: "{doc.signature.clone()}</div>
            </footer>
            <div class="no-print"><button class="btn" type="button" on:click=print>{t(K::Print)}</button></div>
        </article>
    }
}
