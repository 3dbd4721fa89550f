//! Pieces shared by the screens.

use crate::api::{get_me, logout};
use crate::error::AppError;
use crate::i18n::{t, tx, LangSwitch, K};
use crate::live::ConnIndicator;
use crate::model::{ConnState, Me, Role};
use leptos::prelude::*;

#[component]
pub fn TopBar(title: K, conn: ReadSignal<ConnState>) -> impl IntoView {
    view! {
        <header class="topbar">
            <a class="brand" href="/">"WardPay"</a>
            <h1 class="topbar-title">{t(title)}</h1>
            <UserNav/>
            <ConnIndicator state=conn/>
            <LangSwitch/>
        </header>
    }
}

/// The screens the signed-in role may open, who is signed in, and the sign-out button.
#[component]
pub fn UserNav() -> impl IntoView {
    let me = Resource::new(|| (), |_| get_me());
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match me.await {
                    Ok(Some(me)) => view! { <SignedIn me=me/> }.into_any(),
                    _ => view! { <nav class="topbar-nav"><a href="/login">{tx("Đăng nhập", "Sign in")}</a></nav> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn SignedIn(me: Me) -> impl IntoView {
    let links: Vec<(&'static str, &'static str, &'static str)> = match me.role {
        Role::Officer | Role::Support => vec![("/", "Quầy", "Counter")],
        Role::Supervisor => vec![
            ("/stats", "Thống kê", "Statistics"),
            ("/reconciliation", "Đối soát", "Reconciliation"),
            ("/accounting/treasury", "Kế toán", "Accounts"),
            ("/audit", "Nhật ký", "Audit log"),
        ],
        Role::Accountant => vec![
            ("/reconciliation", "Đối soát", "Reconciliation"),
            ("/accounting/receipts", "Sổ biên lai", "Receipts"),
            ("/accounting/tax", "Tổng hợp thuế", "Tax summaries"),
            ("/accounting/refunds", "Hoàn tiền", "Refunds"),
            ("/accounting/treasury", "Nộp Kho bạc", "Treasury"),
            ("/admin", "Mã ngân sách", "Budget codes"),
        ],
        Role::Admin => vec![("/admin", "Quản trị", "Set-up"), ("/audit", "Nhật ký", "Audit log")],
    };
    let role = role_label(me.role);
    let sign_out = Action::new_local(|_: &()| async move {
        let _ = logout().await;
        go_to("/login");
    });
    view! {
        <nav class="topbar-nav">
            {links.into_iter().map(|(href, vi, en)| view! { <a href=href>{tx(vi, en)}</a> }).collect_view()}
        </nav>
        <span class="whoami" data-testid="whoami" data-role=me.role.as_str()>
            <strong>{me.display_name.clone()}</strong>" · "{move || role()}
        </span>
        <button class="btn small ghost" data-testid="sign-out" on:click=move |_| { sign_out.dispatch(()); }>
            {tx("Đăng xuất", "Sign out")}
        </button>
    }
}

pub fn role_label(role: Role) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
    match role {
        Role::Admin => tx("Quản trị viên", "Admin"),
        Role::Officer => tx("Cán bộ một cửa", "Officer"),
        Role::Supervisor => tx("Trưởng bộ phận", "Supervisor"),
        Role::Support => tx("Hỗ trợ người dân", "Support staff"),
        Role::Accountant => tx("Kế toán", "Accountant"),
    }
}

/// A full page load of `path` (after signing in or out the server renders for the new person).
pub fn go_to(path: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(w) = web_sys::window() {
        let _ = w.location().set_href(path);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = path;
}

/// A ticking "now" in whole seconds since this signal was made, for countdowns. Only
/// ticks in the browser; the server renders the value at snapshot time.
pub fn use_seconds_ticker() -> ReadSignal<i64> {
    let (secs, set_secs) = signal(0i64);
    #[cfg(feature = "hydrate")]
    {
        let started = js_sys::Date::now();
        if let Ok(handle) = set_interval_with_handle(
            move || set_secs.set(((js_sys::Date::now() - started) / 1000.0) as i64),
            std::time::Duration::from_millis(250),
        ) {
            on_cleanup(move || handle.clear());
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = set_secs;
    secs
}

pub fn mmss(secs: i64) -> String {
    let s = secs.max(0);
    format!("{:02}:{:02}", s / 60, s % 60)
}

/// Refused sign-ins of the last day, per name and address (supervisor and admin screens).
#[component]
pub fn LoginAttempts() -> impl IntoView {
    let rows = Resource::new(|| (), |_| crate::api::get_login_attempts());
    view! {
        <section class="panel" data-testid="login-attempts">
            <h3>{tx("Đăng nhập bị từ chối (24 giờ)", "Refused sign-ins (24 hours)")}</h3>
            <Transition fallback=|| ()>
                {move || rows.get().map(|r| match r {
                    Ok(rows) if rows.is_empty() => view! { <p class="muted">{tx("Không có.", "None.")}</p> }.into_any(),
                    Ok(rows) => view! {
                        <table class="grid">
                            <thead><tr>
                                <th>{tx("Tài khoản", "Account")}</th><th>{tx("Địa chỉ", "Address")}</th>
                                <th class="num">{tx("Sai mật khẩu", "Wrong password")}</th><th class="num">{tx("Bị chặn tạm", "Throttled")}</th>
                                <th>{tx("Lần cuối", "Last")}</th>
                            </tr></thead>
                            <tbody>
                                {rows.into_iter().map(|r| view! {
                                    <tr data-account=r.account.clone()>
                                        <td class="mono">{r.account.trim_start_matches("account:").to_string()}</td>
                                        <td class="mono">{r.ip}</td>
                                        <td class="num">{r.failures}</td>
                                        <td class="num">{r.throttled}</td>
                                        <td>{crate::time::format_vn_datetime(&r.last_at)}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                    Err(e) => view! { <p class="error">{readable(&e)}</p> }.into_any(),
                })}
            </Transition>
        </section>
    }
}

/// What a person reads of a server function's error: its message, as the server wrote it.
pub fn readable(e: &AppError) -> String {
    e.message.clone()
}
