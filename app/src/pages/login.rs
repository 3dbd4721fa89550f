//! `/login`: staff sign in; the server sends them on to `next` or to their role's screen.

use crate::api::{get_me, login};
use crate::components::readable;
use crate::components::{go_to, role_label};
use crate::i18n::{tx, LangSwitch};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn LoginPage() -> impl IntoView {
    let query = use_query_map();
    let next = move || query.read().get("next");
    let me = Resource::new(|| (), |_| get_me());
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let submit = Action::new_local(move |(u, p, n): &(String, String, Option<String>)| {
        let (u, p, n) = (u.clone(), p.clone(), n.clone());
        async move { login(u, p, n).await }
    });
    Effect::new(move |_| {
        if let Some(Ok(path)) = submit.value().get() {
            go_to(&path);
        }
    });
    let error = move || submit.value().get().and_then(|r| r.err()).map(|e| readable(&e));
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if username.get_untracked().trim().is_empty() || password.get_untracked().is_empty() {
            return;
        }
        submit.dispatch((username.get_untracked(), password.get_untracked(), next()));
    };
    view! {
        <Title text="WardPay — Đăng nhập"/>
        <div class="login-page">
            <div class="login-lang"><LangSwitch/></div>
            <section class="panel login-panel">
                <h1>"WardPay"</h1>
                <p class="muted">{tx("Thu phí, lệ phí không dùng tiền mặt tại Bộ phận Một cửa", "Cashless fee collection at the one-stop counter")}</p>
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        match me.await {
                            Ok(Some(me)) => {
                                let role = role_label(me.role);
                                let home = me.role.home();
                                view! {
                                    <p class="notice" data-testid="already-signed-in">
                                        {tx("Bạn đang đăng nhập với tên ", "You are signed in as ")}
                                        <strong>{me.display_name.clone()}</strong>" ("{move || role()}"). "
                                        <a href=home>{tx("Tiếp tục", "Continue")}</a>
                                    </p>
                                }.into_any()
                            }
                            _ => ().into_any(),
                        }
                    })}
                </Transition>
                <form class="login-form" on:submit=on_submit data-testid="login-form">
                    <label>
                        <span>{tx("Tên đăng nhập", "Username")}</span>
                        <input name="username" autocomplete="username" autofocus required
                            prop:value=move || username.get()
                            on:input=move |ev| username.set(event_target_value(&ev))/>
                    </label>
                    <label>
                        <span>{tx("Mật khẩu", "Password")}</span>
                        <input name="password" type="password" autocomplete="current-password" required
                            prop:value=move || password.get()
                            on:input=move |ev| password.set(event_target_value(&ev))/>
                    </label>
                    {move || error().map(|e| view! { <p class="error" role="alert" data-testid="login-error">{e}</p> })}
                    <button class="btn primary big" type="submit" disabled=move || submit.pending().get()>
                        {tx("Đăng nhập", "Sign in")}
                    </button>
                </form>
                <p class="muted small">
                    {tx("Màn hình kiosk không cần đăng nhập: mở /kiosk/<số quầy> và nhờ quản trị viên nhập mã ghép nối.",
                        "Kiosk screens need no sign-in: open /kiosk/<counter> and ask an admin to enter the pairing code.")}
                </p>
            </section>
        </div>
    }
}
