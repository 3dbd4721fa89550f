//! `/admin`: pairing kiosks with counters and managing the ward's accounts.

use crate::api::{
    admin_add_counter, admin_create_account, admin_fee_items, admin_import_catalog, admin_pair_kiosk, admin_reset_password,
    admin_revoke_kiosk, admin_save_ward, admin_set_account_active, admin_setup, admin_update_fee_item, SetupView,
};
use crate::components::readable;
use crate::components::{role_label, UserNav};
use crate::error::AppError;
use crate::i18n::{tx, LangSwitch};
use crate::model::{AccountRow, FeeItemEdit, FeeItemRow, NewAccount, Role, WardForm};
use crate::time::format_vn_datetime;
use leptos::prelude::*;
use leptos_meta::Title;

/// What `/admin` shows: the admin's whole set-up, or for the accountant only the budget
/// codes they keep (one resource, so the page has one loading state).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
enum AdminView {
    Accountant,
    Admin(SetupView),
}

#[component]
pub fn AdminPage() -> impl IntoView {
    // Bumped after every change so that the lists reload.
    let version = RwSignal::new(0u32);
    let setup = Resource::new(
        move || version.get(),
        |_| async move {
            match crate::api::get_me().await {
                Ok(Some(m)) if m.role == Role::Accountant => Ok(AdminView::Accountant),
                _ => admin_setup().await.map(AdminView::Admin),
            }
        },
    );
    // The actions live here, above the lists that reload after each of them, so that their
    // outcome (the "paired" notice, an error) stays on screen.
    let acts = AdminActions {
        pair: Action::new_local(|(c, n, l): &(String, Option<i64>, String)| {
            let (c, n, l) = (c.clone(), *n, l.clone());
            async move { admin_pair_kiosk(c, n, l).await }
        }),
        revoke: Action::new_local(|id: &i64| {
            let id = *id;
            async move { admin_revoke_kiosk(id).await }
        }),
        create: Action::new_local(|input: &NewAccount| {
            let input = input.clone();
            async move { admin_create_account(input).await }
        }),
        save_ward: Action::new_local(|f: &WardForm| {
            let f = f.clone();
            async move { admin_save_ward(f).await }
        }),
        add_counter: Action::new_local(|(w, n): &(i64, String)| {
            let (w, n) = (*w, n.clone());
            async move { admin_add_counter(w, n).await }
        }),
    };
    let bump = move || version.update(|v| *v += 1);
    Effect::new(move |_| {
        if matches!(acts.pair.value().get(), Some(Ok(_))) {
            bump()
        }
    });
    Effect::new(move |_| {
        if matches!(acts.revoke.value().get(), Some(Ok(_))) {
            bump()
        }
    });
    Effect::new(move |_| {
        if matches!(acts.create.value().get(), Some(Ok(_))) {
            bump()
        }
    });
    Effect::new(move |_| {
        if matches!(acts.save_ward.value().get(), Some(Ok(_))) {
            bump()
        }
    });
    Effect::new(move |_| {
        if matches!(acts.add_counter.value().get(), Some(Ok(_))) {
            bump()
        }
    });
    view! {
        <Title text="WardPay — Quản trị"/>
        <header class="topbar">
            <a class="brand" href="/admin">"WardPay"</a>
            <h1 class="topbar-title">{tx("Quản trị phường", "Ward set-up")}</h1>
            <UserNav/>
            <LangSwitch/>
        </header>
        <div class="page admin">
            <Transition fallback=move || view! { <p class="loading">"…"</p> }>
                {move || Suspend::new(async move {
                    match setup.await {
                        Ok(AdminView::Accountant) => view! {
                            <crate::pages::accounting::budget_codes::BudgetCodes/>
                        }.into_any(),
                        Ok(AdminView::Admin(s)) => view! {
                            <div class="admin-grid">
                                <PairKiosk setup=s.clone() acts=acts/>
                                <Accounts setup=s.clone() acts=acts version=version/>
                            </div>
                            <WardSetup setup=s.clone() acts=acts/>
                            <FeeCatalog setup=s/>
                            <crate::pages::accounting::budget_codes::BudgetCodes/>
                            <crate::components::LoginAttempts/>
                        }.into_any(),
                        Err(e) => view! { <p class="error">{readable(&e)}</p> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

type Act<I, O> = Action<I, Result<O, AppError>>;

#[derive(Clone, Copy)]
struct AdminActions {
    pair: Act<(String, Option<i64>, String), crate::model::KioskDeviceRow>,
    revoke: Act<i64, ()>,
    create: Act<NewAccount, AccountRow>,
    save_ward: Act<WardForm, crate::model::WardInfo>,
    add_counter: Act<(i64, String), crate::model::CounterInfo>,
}

#[component]
fn PairKiosk(setup: SetupView, acts: AdminActions) -> impl IntoView {
    let code = RwSignal::new(String::new());
    let counter = RwSignal::new(String::new());
    let label = RwSignal::new(String::new());
    let (pair, revoke) = (acts.pair, acts.revoke);
    let counters = setup.counters.clone();
    let kiosks = setup.kiosks.clone();
    view! {
        <section class="panel" data-testid="pair-kiosk">
            <h2>{tx("Ghép nối kiosk với quầy", "Pair a kiosk with a counter")}</h2>
            <p class="muted">{tx(
                "Mở /kiosk/<số quầy> trên máy kiosk; màn hình hiện một mã 6 ký tự. Nhập mã đó vào đây.",
                "Open /kiosk/<counter> on the kiosk; it shows a 6-character code. Type that code here.")}</p>
            <form class="form-row" on:submit=move |ev| {
                ev.prevent_default();
                let n = counter.get_untracked().parse::<i64>().ok();
                pair.dispatch((code.get_untracked(), n, label.get_untracked()));
            }>
                <label>
                    <span>{tx("Mã ghép nối", "Pairing code")}</span>
                    <input class="code-input" data-testid="pair-code" maxlength="9" autocomplete="off" required
                        prop:value=move || code.get() on:input=move |ev| code.set(event_target_value(&ev))/>
                </label>
                <label>
                    <span>{tx("Quầy", "Counter")}</span>
                    <select data-testid="pair-counter" on:change=move |ev| counter.set(event_target_value(&ev))>
                        <option value="">{tx("Quầy mà kiosk yêu cầu", "The counter the kiosk asked for")}</option>
                        {counters.iter().map(|c| view! { <option value=c.id.to_string()>{c.name.clone()}</option> }).collect_view()}
                    </select>
                </label>
                <label>
                    <span>{tx("Tên máy (tuỳ chọn)", "Device name (optional)")}</span>
                    <input maxlength="60" prop:value=move || label.get() on:input=move |ev| label.set(event_target_value(&ev))/>
                </label>
                <button class="btn primary" type="submit" data-testid="pair-submit" disabled=move || pair.pending().get()>
                    {tx("Ghép nối", "Pair")}
                </button>
            </form>
            {move || match pair.value().get() {
                Some(Ok(d)) => view! { <p class="notice ok" role="status" data-testid="pair-ok">{tx("Đã ghép nối: ", "Paired: ")}{d.label}</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert" data-testid="pair-error">{readable(&e)}</p> }.into_any(),
                None => ().into_any(),
            }}
            <h3>{tx("Kiosk đã ghép nối", "Paired kiosks")}</h3>
            <table class="grid" data-testid="kiosk-table">
                <thead><tr>
                    <th>{tx("Máy", "Device")}</th><th>{tx("Quầy", "Counter")}</th><th>{tx("Ghép lúc", "Paired")}</th>
                    <th>{tx("Lần cuối", "Last seen")}</th><th></th>
                </tr></thead>
                <tbody>
                    {kiosks.into_iter().map(|k| {
                        let id = k.id;
                        let revoked = k.revoked_at.is_some();
                        view! {
                            <tr data-kiosk-id=id data-revoked=revoked.to_string()>
                                <td>{k.label.clone()}</td>
                                <td>{k.counter_name.clone()}</td>
                                <td>{format_vn_datetime(&k.paired_at)}" · "{k.paired_by.clone()}</td>
                                <td>{k.last_seen_at.as_deref().map(format_vn_datetime).unwrap_or_else(|| "—".into())}</td>
                                <td>{if revoked {
                                    view! { <span class="badge">{tx("Đã thu hồi", "Revoked")}</span> }.into_any()
                                } else {
                                    view! { <button class="btn small danger" data-testid="revoke-kiosk"
                                        on:click=move |_| { revoke.dispatch(id); }>{tx("Thu hồi", "Revoke")}</button> }.into_any()
                                }}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
}

#[component]
fn Accounts(setup: SetupView, acts: AdminActions, version: RwSignal<u32>) -> impl IntoView {
    let username = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let role = RwSignal::new(Role::Officer);
    let password = RwSignal::new(String::new());
    let default_ward = setup.wards.first().map(|w| w.id);
    let ward = RwSignal::new(default_ward);
    let create = acts.create;
    let wards = setup.wards.clone();
    let ward_name = {
        let wards = setup.wards.clone();
        move |id: Option<i64>| match id {
            Some(id) => wards.iter().find(|w| w.id == id).map(|w| w.name.clone()).unwrap_or_default(),
            None => "—".into(),
        }
    };
    view! {
        <section class="panel" data-testid="accounts">
            <h2>{tx("Tài khoản", "Accounts")}</h2>
            <table class="grid" data-testid="account-table">
                <thead><tr>
                    <th>{tx("Tên đăng nhập", "Username")}</th><th>{tx("Họ tên", "Name")}</th><th>{tx("Vai trò", "Role")}</th>
                    <th>{tx("Phường", "Ward")}</th><th>{tx("Trạng thái", "Status")}</th><th></th>
                </tr></thead>
                <tbody>
                    {setup.accounts.iter().cloned().map(|a| view! { <AccountLine ward=ward_name(a.ward_id) a=a version=version/> }).collect_view()}
                </tbody>
            </table>
            <h3>{tx("Tạo tài khoản", "New account")}</h3>
            <form class="form-grid" data-testid="new-account" on:submit=move |ev| {
                ev.prevent_default();
                create.dispatch(NewAccount {
                    username: username.get_untracked(),
                    display_name: name.get_untracked(),
                    role: role.get_untracked(),
                    ward_id: ward.get_untracked(),
                    password: password.get_untracked(),
                });
            }>
                <label><span>{tx("Tên đăng nhập", "Username")}</span>
                    <input name="new-username" required autocomplete="off" prop:value=move || username.get() on:input=move |ev| username.set(event_target_value(&ev))/></label>
                <label><span>{tx("Họ tên", "Full name")}</span>
                    <input name="new-name" required prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/></label>
                <label><span>{tx("Vai trò", "Role")}</span>
                    <select name="new-role" on:change=move |ev| { if let Some(r) = Role::parse(&event_target_value(&ev)) { role.set(r) } }>
                        {[Role::Officer, Role::Supervisor, Role::Support, Role::Admin].into_iter().map(|r| {
                            let label = role_label(r);
                            view! { <option value=r.as_str() selected=r == Role::Officer>{move || label()}</option> }
                        }).collect_view()}
                    </select></label>
                <label><span>{tx("Phường", "Ward")}</span>
                    <select name="new-ward" on:change=move |ev| ward.set(event_target_value(&ev).parse().ok())>
                        {wards.iter().map(|w| view! { <option value=w.id.to_string()>{w.name.clone()}</option> }).collect_view()}
                    </select></label>
                <label><span>{tx("Mật khẩu ban đầu (≥ 10 ký tự)", "Initial password (≥ 10 characters)")}</span>
                    <input name="new-password" type="password" autocomplete="new-password" required minlength="10"
                        prop:value=move || password.get() on:input=move |ev| password.set(event_target_value(&ev))/></label>
                <button class="btn primary" type="submit" disabled=move || create.pending().get()>{tx("Tạo tài khoản", "Create account")}</button>
            </form>
            {move || match create.value().get() {
                Some(Ok(a)) => view! { <p class="notice ok" role="status" data-testid="account-ok">{tx("Đã tạo: ", "Created: ")}{a.username}</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert" data-testid="account-error">{readable(&e)}</p> }.into_any(),
                None => ().into_any(),
            }}
        </section>
    }
}

#[component]
fn AccountLine(a: AccountRow, ward: String, version: RwSignal<u32>) -> impl IntoView {
    let id = a.id;
    let active = a.active;
    let toggle = Action::new_local(move |_: &()| async move { admin_set_account_active(id, !active).await });
    let new_password = RwSignal::new(String::new());
    let reset = Action::new_local(move |p: &String| {
        let p = p.clone();
        async move { admin_reset_password(id, p).await }
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = toggle.value().get() {
            version.update(|v| *v += 1);
        }
    });
    let role = role_label(a.role);
    let error =
        move || toggle.value().get().and_then(|r| r.err()).or_else(|| reset.value().get().and_then(|r| r.err())).map(|e| readable(&e));
    view! {
        <tr data-username=a.username.clone() data-active=active.to_string()>
            <td>{a.username.clone()}</td>
            <td>{a.display_name.clone()}</td>
            <td>{move || role()}</td>
            <td>{ward}</td>
            <td>{if active { tx("Đang dùng", "Active") } else { tx("Đã khoá", "Disabled") }}</td>
            <td class="actions">
                <button class="btn small" on:click=move |_| { toggle.dispatch(()); }>
                    {if active { tx("Khoá", "Disable") } else { tx("Mở khoá", "Enable") }}
                </button>
                <input class="small" type="password" autocomplete="new-password" placeholder=move || tx("Mật khẩu mới", "New password")()
                    prop:value=move || new_password.get() on:input=move |ev| new_password.set(event_target_value(&ev))/>
                <button class="btn small" on:click=move |_| { reset.dispatch(new_password.get_untracked()); }>
                    {tx("Đặt lại", "Reset")}
                </button>
                {move || matches!(reset.value().get(), Some(Ok(()))).then(|| view! { <span class="ok">"✓"</span> })}
                {move || error().map(|e| view! { <span class="error">{e}</span> })}
            </td>
        </tr>
    }
}

/// The ward's identity, collection account, receipt numbering and counters.
#[component]
fn WardSetup(setup: SetupView, acts: AdminActions) -> impl IntoView {
    let forms = setup.ward_forms.clone();
    // Which ward is being edited: its index in `forms`, or `None` for a new one.
    let chosen = RwSignal::new(if forms.is_empty() { None } else { Some(0usize) });
    let form = RwSignal::new(forms.first().cloned().unwrap_or_default());
    let (save, add) = (acts.save_ward, acts.add_counter);
    let new_counter = RwSignal::new(String::new());
    let counters = setup.counters.clone();
    let banks = setup.banks.clone();
    let pick = {
        let forms = forms.clone();
        move |v: String| match v.parse::<usize>() {
            Ok(i) => {
                chosen.set(Some(i));
                form.set(forms.get(i).cloned().unwrap_or_default());
            }
            Err(_) => {
                chosen.set(None);
                form.set(WardForm { kiosk_chime: true, ..WardForm::default() });
            }
        }
    };
    // A text field bound to one member of the form.
    let field =
        move |label: (&'static str, &'static str), name: &'static str, get: fn(&WardForm) -> String, set: fn(&mut WardForm, String)| {
            view! {
                <label><span>{tx(label.0, label.1)}</span>
                    <input name=name prop:value=move || form.with(get) on:input=move |ev| form.update(|f| set(f, event_target_value(&ev)))/>
                </label>
            }
        };
    view! {
        <section class="panel" data-testid="ward-setup">
            <div class="panel-head">
                <h2>{tx("Phường và tài khoản thu", "Ward and collection account")}</h2>
                {(forms.len() > 1 || setup.can_create_wards).then(|| view! {
                    <select data-testid="ward-pick" on:change=move |ev| pick(event_target_value(&ev))>
                        {forms.iter().enumerate().map(|(i, f)| view! { <option value=i.to_string()>{f.name.clone()}</option> }).collect_view()}
                        {setup.can_create_wards.then(|| view! { <option value="new">{tx("+ Phường mới", "+ New ward")}</option> })}
                    </select>
                })}
            </div>
            <form class="form-grid three" on:submit=move |ev| { ev.prevent_default(); save.dispatch(form.get_untracked()); }>
                {field(("Mã cơ quan (như trên Cổng DVC)", "Agency code (as on the DVC portal)"), "ward-code", |f| f.code.clone(), |f, v| f.code = v)}
                {field(("Tên phường, xã", "Ward name"), "ward-name", |f| f.name.clone(), |f, v| f.name = v)}
                {field(("Địa chỉ", "Address"), "ward-address", |f| f.address.clone(), |f, v| f.address = v)}
                {field(("Mã số thuế", "Tax code"), "ward-tax", |f| f.tax_code.clone(), |f, v| f.tax_code = v)}
                {field(("Mã quan hệ ngân sách", "Budget relation code"), "ward-budget", |f| f.budget_code.clone(), |f, v| f.budget_code = v)}
                <label><span>{tx("Ngân hàng nhận", "Receiving bank")}</span>
                    <select name="ward-bank" prop:value=move || form.with(|f| f.bank_bin.clone())
                        on:change=move |ev| form.update(|f| f.bank_bin = event_target_value(&ev))>
                        <option value="">"—"</option>
                        {banks.iter().map(|b| view! { <option value=b.bin.clone()>{format!("{} ({})", b.short_name, b.bin)}</option> }).collect_view()}
                    </select>
                </label>
                {field(("Số tài khoản thu", "Collection account number"), "ward-account", |f| f.bank_account.clone(), |f, v| f.bank_account = v)}
                {field(("Tên chủ tài khoản (viết hoa, không dấu)", "Account holder (upper case, no diacritics)"), "ward-account-name", |f| f.bank_account_name.clone(), |f, v| f.bank_account_name = v)}
                {field(("Mẫu số biên lai", "Receipt form"), "ward-receipt-form", |f| f.receipt_form.clone(), |f, v| f.receipt_form = v)}
                {field(("Ký hiệu biên lai", "Receipt series"), "ward-receipt-series", |f| f.receipt_series.clone(), |f, v| f.receipt_series = v)}
                <label class="check">
                    <input type="checkbox" name="ward-kiosk-chime" data-testid="ward-kiosk-chime"
                        prop:checked=move || form.with(|f| f.kiosk_chime)
                        on:change=move |ev| form.update(|f| f.kiosk_chime = event_target_checked(&ev))/>
                    <span>{tx("Kiosk phát chuông khi thanh toán thành công", "Kiosks chime when a payment succeeds")}</span>
                </label>
                <button class="btn primary" type="submit" data-testid="ward-save" disabled=move || save.pending().get()>
                    {move || if chosen.get().is_some() { tx("Lưu thay đổi", "Save changes")() } else { tx("Tạo phường", "Create ward")() }}
                </button>
            </form>
            <p class="muted small">{tx(
                "Đổi tài khoản thu chỉ được khi không còn mã QR nào đang chờ thanh toán; mọi thay đổi được ghi vào nhật ký (cả tài khoản cũ và mới).",
                "The collection account can change only while no code can still be paid; every change is in the audit log (old and new account).")}</p>
            {move || match save.value().get() {
                Some(Ok(w)) => view! { <p class="notice ok" role="status" data-testid="ward-ok">{tx("Đã lưu: ", "Saved: ")}{w.name}</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert" data-testid="ward-error">{readable(&e)}</p> }.into_any(),
                None => ().into_any(),
            }}
            {move || chosen.get().and_then(|_| form.with(|f| f.id)).map(|ward_id| {
                let mine: Vec<_> = counters.iter().filter(|c| c.ward_id == ward_id).cloned().collect();
                view! {
                    <h3>{tx("Quầy", "Counters")}</h3>
                    <ul class="counter-list" data-testid="counter-list">
                        {mine.into_iter().map(|c| view! { <li>{c.name.clone()}" · "<a href=format!("/kiosk/{}", c.id)>{format!("/kiosk/{}", c.id)}</a></li> }).collect_view()}
                    </ul>
                    <form class="form-row" on:submit=move |ev| { ev.prevent_default(); add.dispatch((ward_id, new_counter.get_untracked())); }>
                        <label><span>{tx("Tên quầy mới (tuỳ chọn)", "New counter name (optional)")}</span>
                            <input data-testid="new-counter" maxlength="40" prop:value=move || new_counter.get() on:input=move |ev| new_counter.set(event_target_value(&ev))/></label>
                        <button class="btn" type="submit" data-testid="add-counter">{tx("Thêm quầy", "Add counter")}</button>
                    </form>
                    {move || add.value().get().and_then(|r| r.err()).map(|e| view! { <p class="error" role="alert">{readable(&e)}</p> })}
                }
            })}
        </section>
    }
}

/// The ward's fee catalog: TTHC codes, budget sub-items, which procedures are offered.
#[component]
fn FeeCatalog(setup: SetupView) -> impl IntoView {
    let ward = RwSignal::new(setup.wards.first().map(|w| w.id));
    let reload = RwSignal::new(0u32);
    let items = Resource::new(
        move || (ward.get(), reload.get()),
        |(w, _)| async move {
            match w {
                Some(w) => admin_fee_items(w).await,
                None => Ok(Vec::new()),
            }
        },
    );
    let import = Action::new_local(|w: &i64| admin_import_catalog(*w));
    Effect::new(move |_| {
        if let Some(Ok(_)) = import.value().get() {
            reload.update(|n| *n += 1);
        }
    });
    view! {
        <section class="panel" data-testid="fee-catalog">
            <div class="panel-head">
                <h2>{tx("Danh mục phí, lệ phí", "Fee catalog")}</h2>
                {(setup.wards.len() > 1).then(|| view! {
                    <select on:change=move |ev| ward.set(event_target_value(&ev).parse().ok())>
                        {setup.wards.iter().map(|w| view! { <option value=w.id.to_string()>{w.name.clone()}</option> }).collect_view()}
                    </select>
                })}
            </div>
            <p class="muted small">{tx(
                "Mức thu theo Thông tư của Bộ Tài chính và Nghị quyết HĐND thành phố đi kèm danh mục. Tại đây: mã thủ tục (theo CSDL quốc gia về TTHC), tiểu mục ngân sách và thủ tục nào quầy đang thu.",
                "Amounts follow the Ministry of Finance circulars and the city council's resolutions and come with the catalog. Here: the procedure code (national TTHC database), the budget sub-item, and which procedures the counter offers.")}</p>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match items.await {
                        Ok(rows) if rows.is_empty() => view! {
                            <p>{tx("Phường chưa có danh mục.", "This ward has no catalog yet.")}" "
                                <button class="btn" data-testid="import-catalog" on:click=move |_| { if let Some(w) = ward.get_untracked() { import.dispatch(w); } }>
                                    {tx("Nhập danh mục chuẩn của Hà Nội", "Import the standard Hà Nội catalog")}
                                </button>
                            </p>
                        }.into_any(),
                        Ok(rows) => view! {
                            <table class="grid fee-table">
                                <thead><tr>
                                    <th>{tx("Mã thủ tục", "Procedure code")}</th><th>{tx("Thủ tục / khoản thu", "Procedure / fee")}</th>
                                    <th>{tx("Mức thu", "Amount")}</th><th>{tx("Căn cứ", "Legal basis")}</th>
                                    <th>{tx("Tiểu mục", "Sub-item")}</th><th>{tx("Đang thu", "Offered")}</th><th></th>
                                </tr></thead>
                                <tbody>{rows.into_iter().map(|r| view! { <FeeLine r=r/> }).collect_view()}</tbody>
                            </table>
                        }.into_any(),
                        Err(e) => view! { <p class="error">{readable(&e)}</p> }.into_any(),
                    }
                })}
            </Transition>
            {move || import.value().get().and_then(|r| r.err()).map(|e| view! { <p class="error" role="alert">{readable(&e)}</p> })}
        </section>
    }
}

#[component]
fn FeeLine(r: FeeItemRow) -> impl IntoView {
    let id = r.id;
    let code = RwSignal::new(r.procedure_code.clone());
    let subitem = RwSignal::new(r.budget_subitem.clone());
    let active = RwSignal::new(r.active);
    let save = Action::new_local(|e: &FeeItemEdit| {
        let e = e.clone();
        async move { admin_update_fee_item(e).await }
    });
    let name = r.procedure_name.clone();
    let (l_code, l_sub, l_active) = (format!("Mã thủ tục — {name}"), format!("Tiểu mục — {name}"), format!("Đang cung cấp — {name}"));
    view! {
        <tr data-fee-id=id>
            <td><input class="small" aria-label=l_code prop:value=move || code.get() on:input=move |ev| code.set(event_target_value(&ev))/></td>
            <td><strong>{r.procedure_name.clone()}</strong><br/><span class="muted small">{r.fee_name.clone()}</span></td>
            <td class="small">{r.rule_vi.clone()}</td>
            <td class="small">{r.legal_basis.clone()}</td>
            <td><input class="small" aria-label=l_sub prop:value=move || subitem.get() on:input=move |ev| subitem.set(event_target_value(&ev))/></td>
            <td><input type="checkbox" aria-label=l_active prop:checked=move || active.get() on:change=move |ev| active.set(event_target_checked(&ev))/></td>
            <td>
                <button class="btn small" on:click=move |_| {
                    save.dispatch(FeeItemEdit { id, procedure_code: code.get_untracked(), budget_subitem: subitem.get_untracked(), active: active.get_untracked() });
                }>{tx("Lưu", "Save")}</button>
                {move || match save.value().get() {
                    Some(Ok(_)) => view! { <span class="ok small">"✓"</span> }.into_any(),
                    Some(Err(e)) => view! { <span class="error small">{readable(&e)}</span> }.into_any(),
                    None => ().into_any(),
                }}
            </td>
        </tr>
    }
}
