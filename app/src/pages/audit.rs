//! `/audit`: the ward's audit log, newest first, filtered by kind of action, person and
//! day, with a check of the whole hash chain.

use crate::api::{get_audit, verify_audit};
use crate::components::readable;
use crate::components::UserNav;
use crate::i18n::{tx, LangSwitch};
use crate::model::{AuditFilter, AuditRow};
use crate::time::format_vn_datetime;
use leptos::prelude::*;
use leptos_meta::Title;

/// `(prefix, vi, en)` of the action filter.
const KINDS: [(&str, &str, &str); 9] = [
    ("", "Tất cả", "Everything"),
    ("payment.", "Thanh toán", "Payments"),
    ("payment.pay_cash", "Thu tiền mặt", "Cash payments"),
    ("payment.pay_assisted", "Thanh toán có hỗ trợ", "Assisted payments"),
    ("dossier.", "Hồ sơ", "Dossiers"),
    ("exception.", "Xử lý ngoại lệ", "Exception resolutions"),
    ("auth.", "Đăng nhập / đăng xuất", "Sign-ins"),
    ("kiosk.", "Ghép nối kiosk", "Kiosk pairing"),
    ("day.", "Chốt ngày", "Day closes"),
];

#[component]
pub fn AuditPage() -> impl IntoView {
    let action = RwSignal::new(String::new());
    let actor = RwSignal::new(String::new());
    let day = RwSignal::new(String::new());
    let filter = Memo::new(move |_| AuditFilter {
        action: Some(action.get()).filter(|s| !s.is_empty()),
        actor: Some(actor.get()).filter(|s| !s.trim().is_empty()),
        day: Some(day.get()).filter(|s| !s.is_empty()),
        before_seq: None,
    });
    let rows = Resource::new(move || filter.get(), get_audit);
    // Older pages appended below the first.
    let older = RwSignal::new(Vec::<AuditRow>::new());
    let more = Action::new_local(move |before: &i64| {
        let f = AuditFilter { before_seq: Some(*before), ..filter.get_untracked() };
        async move { get_audit(f).await }
    });
    Effect::new(move |_| {
        filter.track();
        older.set(Vec::new());
    });
    Effect::new(move |_| {
        if let Some(Ok(page)) = more.value().get() {
            older.update(|o| o.extend(page));
        }
    });
    let verify = Action::new_local(|_: &()| verify_audit());
    view! {
        <Title text="WardPay — Nhật ký"/>
        <header class="topbar">
            <a class="brand" href="/">"WardPay"</a>
            <h1 class="topbar-title">{tx("Nhật ký kiểm toán", "Audit log")}</h1>
            <UserNav/>
            <LangSwitch/>
        </header>
        <div class="page audit">
            <section class="panel">
                <div class="form-row">
                    <label><span>{tx("Loại", "Kind")}</span>
                        <select data-testid="audit-kind" on:change=move |ev| action.set(event_target_value(&ev))>
                            {KINDS.iter().map(|(p, vi, en)| view! { <option value=*p>{tx(vi, en)}</option> }).collect_view()}
                        </select></label>
                    <label><span>{tx("Người thực hiện", "By")}</span>
                        <input data-testid="audit-actor" placeholder="canbo" on:change=move |ev| actor.set(event_target_value(&ev))/></label>
                    <label><span>{tx("Ngày", "Day")}</span>
                        <input type="date" data-testid="audit-day" on:change=move |ev| day.set(event_target_value(&ev))/></label>
                    <button class="btn" data-testid="audit-verify" on:click=move |_| { verify.dispatch(()); }>
                        {tx("Kiểm tra chuỗi băm", "Verify the hash chain")}
                    </button>
                </div>
                {move || verify.value().get().map(|r| match r {
                    Ok(v) => match v.broken {
                        None => view! { <p class="notice ok" data-testid="audit-verdict" data-intact="true">
                            {tx("Nhật ký nguyên vẹn: ", "Log intact: ")}{v.entries}{tx(" mục, mã cuối ", " entries, head ")}
                            <code>{v.head_hash.chars().take(16).collect::<String>()}</code></p> }.into_any(),
                        Some((seq, why)) => view! { <p class="error" data-testid="audit-verdict" data-intact="false">
                            {tx("Nhật ký bị sửa tại mục ", "Log tampered at entry ")}{seq}": "{why}</p> }.into_any(),
                    },
                    Err(e) => view! { <p class="error">{readable(&e)}</p> }.into_any(),
                })}
                <Transition fallback=move || view! { <p class="loading">"…"</p> }>
                    {move || Suspend::new(async move {
                        match rows.await {
                            Ok(first) => {
                                let last = first.last().map(|r| r.seq);
                                let full = first.len() >= 200;
                                view! {
                                    <table class="grid audit-table" data-testid="audit-table">
                                        <thead><tr>
                                            <th>"#"</th><th>{tx("Thời gian", "Time")}</th><th>{tx("Người", "By")}</th>
                                            <th>{tx("Hành động", "Action")}</th><th>{tx("Đối tượng", "Subject")}</th>
                                            <th>{tx("Chi tiết", "Details")}</th><th>{tx("Mã băm", "Hash")}</th>
                                        </tr></thead>
                                        <tbody>
                                            {first.into_iter().map(audit_line).collect_view()}
                                            {move || older.get().into_iter().map(audit_line).collect_view()}
                                        </tbody>
                                    </table>
                                    {full.then(|| view! {
                                        <button class="btn" on:click=move |_| {
                                            let before = older.with_untracked(|o| o.last().map(|r| r.seq)).or(last);
                                            if let Some(b) = before { more.dispatch(b); }
                                        }>{tx("Xem cũ hơn", "Older")}</button>
                                    })}
                                }.into_any()
                            }
                            Err(e) => view! { <p class="error">{readable(&e)}</p> }.into_any(),
                        }
                    })}
                </Transition>
            </section>
        </div>
    }
}

fn audit_line(r: AuditRow) -> impl IntoView {
    let action = r.action.clone();
    let hash = r.hash.clone();
    view! {
        <tr data-seq=r.seq data-action=action>
            <td>{r.seq}</td>
            <td class="nowrap">{format_vn_datetime(&r.at)}</td>
            <td>{r.actor}</td>
            <td><code>{r.action}</code></td>
            <td>{r.subject}</td>
            <td class="detail">{r.detail}</td>
            <td><code title=hash>{r.hash.chars().take(10).collect::<String>()}</code></td>
        </tr>
    }
}
