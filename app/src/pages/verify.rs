//! `/verify`: anyone checks a receipt — typed from the paper, or opened from its QR code
//! (the address carries the fields) — and reads the wards' published signing keys.

use crate::api::{get_public_keys, verify_receipt};
use crate::components::readable;
use crate::domain::words::format_vnd;
use crate::i18n::{t, tx, LangSwitch};
use crate::model::{ReceiptStatus, VerifyQuery, VerifyResult};
use crate::time::format_vn_datetime;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn VerifyPage() -> impl IntoView {
    let q = use_query_map();
    let asked = Signal::derive(move || {
        let q = q.read();
        let query = VerifyQuery {
            form: q.get("form").unwrap_or_default(),
            series: q.get("series").unwrap_or_default(),
            number: q.get("number").unwrap_or_default(),
            amount: q.get("amount").unwrap_or_default(),
            tax_code: q.get("mst").filter(|s| !s.trim().is_empty()),
        };
        (!query.number.trim().is_empty() || !query.series.trim().is_empty()).then_some(query)
    });
    let result = Resource::new(
        move || asked.get(),
        |a| async move {
            match a {
                Some(query) => verify_receipt(query).await.map(Some),
                None => Ok(None),
            }
        },
    );
    let keys = Resource::new(|| (), |_| get_public_keys());
    let initial = asked.get_untracked().unwrap_or_default();
    view! {
        <Title text="WardPay — Kiểm tra biên lai"/>
        <header class="topbar">
            <a class="brand" href="/verify">"WardPay"</a>
            <h1 class="topbar-title">{tx("Kiểm tra biên lai điện tử", "Check an electronic receipt")}</h1>
            <LangSwitch/>
        </header>
        <main class="page verify">
            <form class="panel verify-form" method="get" action="/verify" data-testid="verify-form">
                <p class="muted">{tx("Nhập thông tin in trên biên lai, hoặc quét mã QR trên biên lai.", "Type what the receipt says, or scan its QR code.")}</p>
                <label>{tx("Mẫu số", "Form")}<input type="text" name="form" required value=initial.form.clone() placeholder="EBL01" data-testid="verify-input-form"/></label>
                <label>{tx("Ký hiệu", "Series")}<input type="text" name="series" required value=initial.series.clone() placeholder="26TAA" data-testid="verify-input-series"/></label>
                <label>{tx("Số biên lai", "Number")}<input type="text" name="number" inputmode="numeric" required value=initial.number.clone() placeholder="0000001" data-testid="verify-input-number"/></label>
                <label>{tx("Số tiền (đồng)", "Amount (VND)")}<input type="text" name="amount" inputmode="numeric" required value=initial.amount.clone() placeholder="50000" data-testid="verify-input-amount"/></label>
                <label>{tx("Mã số thuế đơn vị thu (nếu cần)", "Unit's tax code (if asked)")}<input type="text" name="mst" value=initial.tax_code.clone().unwrap_or_default() data-testid="verify-input-mst"/></label>
                <button class="btn" type="submit" data-testid="verify-submit">{tx("Kiểm tra", "Check")}</button>
            </form>
            <Suspense fallback=move || view! { <p class="loading">"…"</p> }>
                {move || Suspend::new(async move {
                    match result.await {
                        Ok(Some(Some(r))) => view! { <Verdict r=r/> }.into_any(),
                        Ok(Some(None)) => view! {
                            <p class="alert danger" role="alert" data-testid="verify-not-found">
                                {tx("Không tìm thấy biên lai nào khớp mẫu số, ký hiệu, số và số tiền đã nhập.", "No receipt matches this form, series, number and amount.")}
                            </p>
                        }.into_any(),
                        Ok(None) => ().into_any(),
                        Err(e) => view! { <p class="error" role="alert" data-testid="verify-error">{readable(&e)}</p> }.into_any(),
                    }
                })}
            </Suspense>
            <section class="panel" aria-labelledby="keys-title">
                <h2 id="keys-title">{tx("Khoá công khai của các đơn vị thu", "The units' public keys")}</h2>
                <p class="muted">{tx("Biên lai được ký số Ed25519 trên nội dung chuẩn hoá; ai cũng kiểm tra được bằng khoá công khai dưới đây. Khoá đã thay vẫn được giữ để kiểm tra biên lai cũ.",
                    "Receipts are signed with Ed25519 over their canonical content; anyone can check them with the keys below. Rotated keys stay listed so older receipts remain checkable.")}</p>
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        match keys.await {
                            Ok(keys) => view! {
                                <table class="grid small" data-testid="public-keys">
                                    <thead><tr><th>{tx("Đơn vị", "Unit")}</th><th>{tx("Mã khoá", "Key id")}</th><th>{tx("Khoá công khai (base64)", "Public key (base64)")}</th><th>{tx("Hiệu lực", "Valid")}</th></tr></thead>
                                    <tbody>
                                        {keys.into_iter().map(|k| view! {
                                            <tr data-key=k.key_id.clone() data-ward=k.ward_code.clone()>
                                                <td>{k.ward_name.clone()}<br/><span class="small mono">{k.ward_code.clone()}</span></td>
                                                <td class="mono">{k.key_id.clone()}</td>
                                                <td class="mono small key">{k.public_key}</td>
                                                <td>{format_vn_datetime(&k.valid_from)}" → "{k.valid_to.as_deref().map(format_vn_datetime).unwrap_or_default()}</td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            }.into_any(),
                            Err(e) => view! { <p class="error">{readable(&e)}</p> }.into_any(),
                        }
                    })}
                </Suspense>
            </section>
        </main>
    }
}

#[component]
fn Verdict(r: VerifyResult) -> impl IntoView {
    let status = r.status;
    let ok = r.signature_valid && status != ReceiptStatus::Replaced;
    view! {
        <section class=if ok { "panel verdict ok" } else { "panel verdict warn" } data-testid="verify-result" data-status=status.as_str() data-signature=r.signature_valid.to_string() role="status">
            <h2>
                {if r.signature_valid { tx("Biên lai do đơn vị phát hành, chữ ký số hợp lệ", "Issued by the unit; the signature holds") } else { tx("Chữ ký số KHÔNG hợp lệ", "The signature does NOT hold") }}
            </h2>
            <dl class="receipt-facts">
                <dt>{tx("Đơn vị thu", "Collecting unit")}</dt><dd>{r.ward_name.clone()}" — MST "{r.unit_tax_code.clone()}</dd>
                <dt>{tx("Biên lai", "Receipt")}</dt><dd class="mono">{r.form.clone()}" "{r.series.clone()}" "{r.number.clone()}</dd>
                <dt>{tx("Ngày lập", "Issued")}</dt><dd>{format_vn_datetime(&r.issued_at)}</dd>
                <dt>{tx("Số tiền", "Amount")}</dt><dd>{format_vnd(r.total)}</dd>
                <dt>{tx("Người nộp", "Payer")}</dt><dd>{r.payer_masked.clone()}</dd>
                <dt>{tx("Tình trạng", "Status")}</dt><dd><span class="badge" data-status=status.as_str() data-testid="verify-status">{t(status.label())}</span></dd>
                {r.replaced_by.clone().map(|l| view! { <dt>{tx("Thay bởi", "Replaced by")}</dt><dd class="mono" data-testid="verify-replaced-by">{l}</dd> })}
                {(!r.notices.is_empty()).then(|| view! { <dt>{tx("Thông báo điều chỉnh", "Correction notices")}</dt><dd>{r.notices.join("; ")}</dd> })}
                <dt>{tx("Chữ ký", "Signature")}</dt><dd class="mono small">{r.sig_alg.clone()}{r.key_id.clone().map(|k| format!(" · {k}"))}</dd>
            </dl>
        </section>
    }
}
