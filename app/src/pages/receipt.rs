//! The electronic receipt at `/receipts/<id>`, printable on A4.

use crate::api::get_receipt;
use crate::api::{decide_replacement, notify_receipt, propose_replacement};
use crate::components::readable;
use crate::domain::words::format_vnd;
use crate::i18n::{t, tx, K};
use crate::model::{
    CorrectionInput, FeeLineView, ReceiptDoc, ReceiptField, ReceiptOpen, ReceiptRef, ReceiptStatus, ReplacementDecision, ReplacementView,
};
use crate::time::format_vn_datetime;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn ReceiptPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let key = move || (params.read().get("id").and_then(|s| s.parse::<i64>().ok()), query.read().get("k"));
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
                    Ok(Some(ReceiptOpen::Doc(d))) => view! { <Receipt doc=*d/> }.into_any(),
                    Ok(Some(ReceiptOpen::Replaced { label, by })) => view! { <ReplacedNotice label=label by=by/> }.into_any(),
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

/// What the public link of a replaced receipt shows instead of it.
#[component]
fn ReplacedNotice(label: String, by: ReceiptRef) -> impl IntoView {
    view! {
        <section class="notice-page" data-testid="receipt-replaced">
            <h1>{tx("Biên lai này đã được thay thế", "This receipt has been replaced")}</h1>
            <p>
                {tx("Biên lai ", "Receipt ")}<strong>{label}</strong>
                {tx(" không còn giá trị. Biên lai thay thế: ", " no longer counts. The receipt that replaces it: ")}
                <strong>{by.label.clone()}</strong>
            </p>
            <p><a class="btn primary" href=by.href() data-testid="replacement-link">{tx("Mở biên lai thay thế", "Open the replacement receipt")}</a></p>
        </section>
    }
}

#[component]
fn Receipt(doc: ReceiptDoc) -> impl IntoView {
    let c = doc.content.clone();
    let method = t(c.method.label());
    let c = doc.content;
    let status = doc.status;
    let replaced_by = doc.replaced_by.clone();
    let notices = doc.notices.clone();
    let can_correct = doc.can_correct;
    let pending = doc.pending_replacement.clone();
    let can_decide = doc.can_decide;
    let receipt_id = doc.id;
    let lines_for_form = c.lines.clone();
    // The PDF opens with the same link token the page was opened with (staff need none).
    let token = use_query_map().read_untracked().get("k");
    let pdf_href = match token {
        Some(k) => format!("/receipts/{receipt_id}/pdf?k={k}"),
        None => format!("/receipts/{receipt_id}/pdf"),
    };
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
            <div data-testid="receipt-status" data-status=status.as_str()>
                {replaced_by.map(|r| {
                    let href = format!("/receipts/{}?k={}", r.id, r.token);
                    view! {
                        <p class="alert warn" role="status" data-testid="receipt-replaced">
                            {tx("Biên lai này đã bị thay thế bởi biên lai ", "This receipt was replaced by receipt ")}
                            <a href=href data-testid="receipt-replacement-link">{r.label}</a>
                        </p>
                    }
                })}
                {c.replaces.clone().map(|o| view! {
                    <p class="notice" data-testid="receipt-replaces">
                        "Biên lai thay thế cho biên lai mẫu số "{o.form}", ký hiệu "{o.series}", số "{o.number}", ngày "{format_vn_datetime(&o.issued_at)}". Lý do: "{o.reason}
                    </p>
                })}
                {(!notices.is_empty()).then(|| view! {
                    <div class="notice" data-testid="receipt-notices">
                        {notices.into_iter().map(|n| view! {
                            <p>
                                <strong>{n.label}</strong>" — "{n.reason}
                                {n.changes.into_iter().map(|ch| view! { <br/>{ch.field.label().vi}": "<s>{ch.was}</s>" → "{ch.now} }).collect_view()}
                            </p>
                        }).collect_view()}
                    </div>
                })}
            </div>
            <dl class="receipt-facts">
                <dt>"Người nộp:"</dt><dd data-testid="receipt-payer">{c.payer_name.clone()}</dd>
                {c.payer_id.clone().map(|id| view! { <dt>"Số CCCD:"</dt><dd>{id}</dd> })}
                {c.payer_address.clone().map(|a| view! { <dt>"Địa chỉ:"</dt><dd data-testid="receipt-address">{a}</dd> })}
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
                {(!c.transfers.is_empty()).then(|| view! {
                    <dt>"Các lần chuyển khoản:"</dt>
                    <dd>
                        <ol class="receipt-transfers" data-testid="receipt-transfers">
                            {c.transfers.iter().map(|tr| view! { <li>{tr.line_vi()}</li> }).collect_view()}
                        </ol>
                        {(c.transfers.iter().map(|tr| tr.amount).sum::<i64>() > c.total).then(|| view! {
                            <p class="small" data-testid="receipt-surplus">
                                {format!("Phần chuyển thừa {} không phải khoản thu, được hoàn lại cho người nộp.",
                                    format_vnd(c.transfers.iter().map(|tr| tr.amount).sum::<i64>() - c.total))}
                            </p>
                        })}
                    </dd>
                })}
                <dt>"Mã thanh toán:"</dt><dd class="mono">{c.payment_code.clone()}</dd>
                <dt>"Thời gian:"</dt><dd>{format_vn_datetime(&c.issued_at)}</dd>
                <dt>"Đơn vị thu:"</dt><dd>{c.collector.clone()}</dd>
            </dl>
            <footer class="receipt-sign" data-signature-valid=doc.signature_valid.to_string()>
                <div class=if doc.signature_valid { "sig ok" } else { "sig bad" }>
                    {if doc.signature_valid { t(K::SignatureValid) } else { t(K::SignatureInvalid) }}
                </div>
                <div class="mono small" data-testid="receipt-signature" data-alg=doc.sig_alg.clone()>
                    {if doc.sig_alg == "ed25519" { "Ed25519" } else { "HMAC-SHA256" }}
                    {doc.key_id.clone().map(|k| format!(" (khoá {k})"))}": "{doc.signature.clone()}
                </div>
                <div class="verify-link">
                    {doc.verify_qr_svg.clone().map(|svg| view! { <div class="verify-qr" inner_html=svg></div> })}
                    <a href=doc.verify_path.clone() data-testid="receipt-verify-link">{tx("Kiểm tra biên lai này tại /verify", "Check this receipt at /verify")}</a>
                </div>
            </footer>
            <div class="no-print receipt-actions">
                <button class="btn" type="button" on:click=print>{t(K::Print)}</button>
                <a class="btn" href=pdf_href download data-testid="receipt-pdf">{tx("Tải PDF", "Download PDF")}</a>
            </div>
        </article>
        {pending.map(|p| view! { <PendingReplacement proposal=p can_decide=can_decide/> })}
        {(can_correct && status != ReceiptStatus::Replaced).then(|| view! { <Corrections receipt_id=receipt_id lines=lines_for_form/> })}
    }
}

/// A replacement proposed for this receipt, waiting for a second person: what it changes,
/// who proposed it, and (for another accountant or the supervisor) approve or reject.
#[component]
fn PendingReplacement(proposal: ReplacementView, can_decide: bool) -> impl IntoView {
    let id = proposal.id;
    let receipt_id = proposal.receipt_id;
    let note = RwSignal::new(String::new());
    let decide = Action::new_local(|d: &ReplacementDecision| {
        let d = d.clone();
        async move { decide_replacement(d).await }
    });
    Effect::new(move |_| {
        if let Some(Ok(v)) = decide.value().get() {
            match v.replacement {
                Some(r) => crate::components::go_to(&format!("/receipts/{}?k={}", r.id, r.token)),
                None => crate::components::go_to(&format!("/receipts/{receipt_id}")),
            }
        }
    });
    let error = move || match decide.value().get() {
        Some(Err(e)) => Some(view! { <p class="error" role="alert" data-testid="replacement-error">{readable(&e)}</p> }),
        _ => None,
    };
    view! {
        <section class="panel no-print corrections" aria-labelledby="pending-replacement-title" data-testid="pending-replacement">
            <h2 id="pending-replacement-title">{tx("Đề nghị lập biên lai thay thế — chờ người thứ hai duyệt", "Replacement receipt proposed — waiting for a second person")}</h2>
            <p>
                {tx("Đề nghị bởi ", "Proposed by ")}<strong data-testid="replacement-proposer">{proposal.proposed_by.clone()}</strong>
                {" · "}{format_vn_datetime(&proposal.proposed_at)}
            </p>
            <p>{tx("Lý do: ", "Reason: ")}{proposal.reason.clone()}</p>
            <ul>
                {proposal.changes.into_iter().map(|ch| view! { <li>{t(ch.field.label())}": "<s>{ch.was}</s>" → "{ch.now}</li> }).collect_view()}
            </ul>
            <p>
                {tx("Tổng tiền: ", "Total: ")}{format_vnd(proposal.amount_before)}" → "
                <strong data-testid="replacement-total">{format_vnd(proposal.amount_after)}</strong>
            </p>
            {if can_decide {
                view! {
                    <div class="inline-form">
                        <button class="btn primary" type="button" data-testid="approve-replacement"
                            on:click=move |_| { decide.dispatch(ReplacementDecision { id, approve: true, note: None }); }>
                            {tx("Duyệt và lập biên lai thay thế", "Approve and issue the replacement")}
                        </button>
                        <label>{tx("Lý do từ chối", "Reason to reject")}
                            <input type="text" data-testid="reject-replacement-note" prop:value=move || note.get() on:input=move |ev| note.set(event_target_value(&ev))/>
                        </label>
                        <button class="btn secondary" type="button" data-testid="reject-replacement"
                            on:click=move |_| { decide.dispatch(ReplacementDecision { id, approve: false, note: Some(note.get_untracked()) }); }>
                            {tx("Từ chối", "Reject")}
                        </button>
                    </div>
                }.into_any()
            } else {
                view! {
                    <p class="muted" data-testid="replacement-waiting">
                        {tx("Người đề nghị không tự duyệt: một kế toán khác hoặc trưởng bộ phận duyệt đề nghị này.",
                            "The proposer cannot approve it: another accountant or the supervisor decides.")}
                    </p>
                }.into_any()
            }}
            {error}
        </section>
    }
}

/// The accountant's two correction paths (TT 91, Điều 20): a notice when only the payer's
/// name, address or the amount in words was wrong; otherwise a replacement receipt.
#[component]
fn Corrections(receipt_id: i64, lines: Vec<FeeLineView>) -> impl IntoView {
    let wrong_name = RwSignal::new(false);
    let wrong_address = RwSignal::new(false);
    let wrong_words = RwSignal::new(false);
    let wrong_amount = RwSignal::new(false);
    let name = RwSignal::new(String::new());
    let address = RwSignal::new(String::new());
    let reason = RwSignal::new(String::new());
    let amounts: Vec<RwSignal<String>> = lines.iter().map(|l| RwSignal::new(l.amount.to_string())).collect();
    let input = move || {
        let mut wrong = Vec::new();
        if wrong_name.get_untracked() {
            wrong.push(ReceiptField::PayerName);
        }
        if wrong_address.get_untracked() {
            wrong.push(ReceiptField::PayerAddress);
        }
        if wrong_words.get_untracked() {
            wrong.push(ReceiptField::AmountInWords);
        }
        if wrong_amount.get_untracked() {
            wrong.push(ReceiptField::Amount);
        }
        CorrectionInput {
            receipt_id,
            wrong,
            reason: reason.get_untracked(),
            payer_name: Some(name.get_untracked()).filter(|s| !s.trim().is_empty()),
            payer_address: Some(address.get_untracked()).filter(|s| !s.trim().is_empty()),
            payer_id: None,
            line_amounts: None,
        }
    };
    let notice = Action::new_local(|i: &CorrectionInput| {
        let i = i.clone();
        async move { notify_receipt(i).await }
    });
    let replace = Action::new_local(|i: &CorrectionInput| {
        let i = i.clone();
        async move { propose_replacement(i).await }
    });
    let amounts_for_replace = amounts.clone();
    let on_notice = move |_| {
        notice.dispatch(input());
    };
    let on_replace = move |_| {
        let mut i = input();
        if wrong_amount.get_untracked() {
            i.line_amounts =
                Some(amounts_for_replace.iter().map(|a| a.get_untracked().trim().replace(['.', ','], "").parse().unwrap_or(-1)).collect());
        }
        replace.dispatch(i);
    };
    Effect::new(move |_| {
        // The proposal waits on this receipt's page for a second person.
        if let Some(Ok(_)) = replace.value().get() {
            crate::components::go_to(&format!("/receipts/{receipt_id}"));
        }
        if let Some(Ok(_)) = notice.value().get() {
            crate::components::go_to(&format!("/receipts/{receipt_id}"));
        }
    });
    let outcome = move || {
        let e = match (notice.value().get(), replace.value().get()) {
            (Some(Err(e)), _) | (_, Some(Err(e))) => Some(readable(&e)),
            _ => None,
        };
        e.map(|m| view! { <p class="error" role="alert" data-testid="correction-error">{m}</p> })
    };
    view! {
        <section class="panel no-print corrections" aria-labelledby="corrections-title" data-testid="corrections">
            <h2 id="corrections-title">{tx("Điều chỉnh biên lai", "Correct this receipt")}</h2>
            <p class="muted">{tx("Biên lai không bao giờ bị sửa hay xoá. Sai tên, địa chỉ người nộp hoặc số tiền bằng chữ: lập thông báo 04/SS-CTĐT. Sai khác: lập biên lai thay thế.",
                "A receipt is never edited or deleted. A wrong payer name, address or amount in words: a 04/SS-CTĐT notice. Anything else: a replacement receipt.")}</p>
            <fieldset>
                <legend>{tx("Nội dung sai", "What was wrong")}</legend>
                <label><input type="checkbox" data-testid="wrong-name" prop:checked=move || wrong_name.get() on:change=move |ev| wrong_name.set(event_target_checked(&ev))/>{tx(" Tên người nộp", " Payer's name")}</label>
                <label><input type="checkbox" data-testid="wrong-address" prop:checked=move || wrong_address.get() on:change=move |ev| wrong_address.set(event_target_checked(&ev))/>{tx(" Địa chỉ", " Address")}</label>
                <label><input type="checkbox" data-testid="wrong-words" prop:checked=move || wrong_words.get() on:change=move |ev| wrong_words.set(event_target_checked(&ev))/>{tx(" Số tiền bằng chữ", " Amount in words")}</label>
                <label><input type="checkbox" data-testid="wrong-amount" prop:checked=move || wrong_amount.get() on:change=move |ev| wrong_amount.set(event_target_checked(&ev))/>{tx(" Số tiền", " Amount")}</label>
            </fieldset>
            <div class="admin-form">
                <label>{tx("Tên đúng", "Right name")}<input type="text" data-testid="correct-name" prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/></label>
                <label>{tx("Địa chỉ đúng", "Right address")}<input type="text" data-testid="correct-address" prop:value=move || address.get() on:input=move |ev| address.set(event_target_value(&ev))/></label>
                {lines.iter().zip(amounts.iter().copied()).map(|(l, a)| view! {
                    <label>{l.fee_name.clone()}{tx(" — số tiền đúng", " — right amount")}<input type="text" inputmode="numeric" data-testid="correct-line-amount" prop:value=move || a.get() on:input=move |ev| a.set(event_target_value(&ev))/></label>
                }).collect_view()}
                <label>{tx("Lý do", "Reason")}<input type="text" required data-testid="correct-reason" prop:value=move || reason.get() on:input=move |ev| reason.set(event_target_value(&ev))/></label>
            </div>
            <div class="inline-form">
                <button class="btn" type="button" data-testid="issue-notice" on:click=on_notice>{tx("Lập thông báo 04/SS-CTĐT", "Issue a 04/SS-CTĐT notice")}</button>
                <button class="btn secondary" type="button" data-testid="issue-replacement" on:click=on_replace>{tx("Đề nghị lập biên lai thay thế", "Propose a replacement receipt")}</button>
                <a class="btn secondary" href=format!("/accounting/refunds?receipt={receipt_id}") data-testid="receipt-refund">{tx("Đề nghị hoàn tiền", "Request a refund")}</a>
            </div>
            {outcome}
        </section>
    }
}
