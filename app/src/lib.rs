#![recursion_limit = "512"]
//! WardPay's web application: components, routes, shared types and server functions.
//! Server-only code lives in `backend`, compiled with the `ssr` feature.

pub mod api;
pub mod components;
pub mod domain;
pub mod error;
pub mod i18n;
pub mod live;
pub mod model;
pub mod pages;
pub mod text;
pub mod time;

#[cfg(feature = "ssr")]
pub mod backend;

use i18n::detect_lang;
use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Html, MetaTags, Stylesheet, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    path, SsrMode,
};

/// The HTML document around the app (server side only).
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    set_content_security_policy();
    #[cfg(feature = "ssr")]
    let options = with_bundle_of_this_page(options);
    // The page is rendered by the app its bundle hydrates.
    let kiosk = *options.output_name == *KIOSK_BUNDLE;
    // The build this page comes from; the live channel compares it with the server's beat.
    #[cfg(feature = "ssr")]
    let build = crate::backend::backend().map(|b| b.settings.build_id.clone()).unwrap_or_default();
    #[cfg(not(feature = "ssr"))]
    let build = String::new();
    view! {
        <!DOCTYPE html>
        <html lang="vi">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="wardpay-build" content=build/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                {if kiosk { Either::Left(view! { <KioskApp/> }) } else { Either::Right(view! { <App/> }) }}
            </body>
        </html>
    }
}

/// The whole application: every page, in the bundle every staff screen loads.
#[component]
pub fn App() -> impl IntoView {
    frame(|| {
        view! {
            <Router>
                <Routes fallback=pages::not_found::NotFound>
                    <Route path=path!("/") view=pages::officer::OfficerPage/>
                    <Route path=path!("/stats") view=pages::stats::StatsPage/>
                    <Route path=path!("/login") view=pages::login::LoginPage/>
                    <Route path=path!("/admin") view=pages::admin::AdminPage/>
                    <Route path=path!("/audit") view=pages::audit::AuditPage/>
                    <Route path=path!("/reconciliation") view=pages::reconciliation::ReconciliationPage/>
                    <Route path=path!("/accounting/receipts") view=pages::accounting::receipts::ReceiptsRegisterPage/>
                    <Route path=path!("/accounting/tax") view=pages::accounting::tax::TaxSummariesPage/>
                    <Route path=path!("/accounting/refunds") view=pages::accounting::refunds::RefundsPage/>
                    <Route path=path!("/accounting/treasury") view=pages::accounting::treasury::TreasuryPage/>
                    <Route path=path!("/kiosk/:counter") view=pages::kiosk::KioskPage ssr=SsrMode::Async/>
                    <Route path=path!("/receipts/:id") view=pages::receipt::ReceiptPage ssr=SsrMode::Async/>
                    <Route path=path!("/verify") view=pages::verify::VerifyPage ssr=SsrMode::Async/>
                </Routes>
            </Router>
        }
    })
}

/// The kiosk alone, for the kiosk's own bundle (see [`KIOSK_BUNDLE`]): the server renders
/// `/kiosk/<counter>` with it whenever it serves that bundle, and the bundle hydrates it. No
/// router: the page has one address, and its only way out, the receipt link, opens a new tab.
#[component]
pub fn KioskApp() -> impl IntoView {
    let counter = pages::kiosk::counter_in_path(&page_path());
    frame(move || view! { <pages::kiosk::Kiosk counter=Signal::stored(counter)/> })
}

/// The path of the page being rendered: the request's on the server, the address bar's in
/// the browser.
fn page_path() -> String {
    #[cfg(feature = "ssr")]
    return use_context::<http::request::Parts>().map(|p| p.uri.path().to_owned()).unwrap_or_default();
    #[cfg(all(feature = "hydrate", not(feature = "ssr")))]
    return web_sys::window().and_then(|w| w.location().pathname().ok()).unwrap_or_default();
    #[cfg(not(any(feature = "ssr", feature = "hydrate")))]
    return String::new();
}

/// The front-end bundles: the whole app, and the kiosk's own (what the server's `shell` picks
/// from the page's path, and the build writes under `/pkg/`).
pub const APP_BUNDLE: &str = "wardpay";
pub const KIOSK_BUNDLE: &str = "wardpay-kiosk";

/// The bundle a page at `path` loads.
pub fn bundle_for(path: &str) -> &'static str {
    if path.starts_with("/kiosk/") {
        KIOSK_BUNDLE
    } else {
        APP_BUNDLE
    }
}

/// What every page has around its content: language, stylesheet, title and the hydration flag.
fn frame<R: IntoView + 'static>(content: impl Fn() -> R + Send + Sync + 'static) -> impl IntoView {
    provide_meta_context();
    let lang = RwSignal::new(detect_lang());
    provide_context(lang);
    // Tests (and people debugging) can tell a live page from dead server HTML.
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    view! {
        <Html attr:lang=move || lang.get().code()/>
        <Stylesheet id="leptos" href="/pkg/wardpay.css"/>
        <Title text="WardPay"/>
        <div id="app" data-hydrated=move || hydrated.get().to_string() data-lang=move || lang.get().code()>
            {content()}
        </div>
    }
}

/// The kiosk's pages load the kiosk's own, smaller bundle, when the build made one (a site
/// built by other tools, such as `cargo leptos watch`, has only the whole app's).
#[cfg(feature = "ssr")]
fn with_bundle_of_this_page(mut options: LeptosOptions) -> LeptosOptions {
    if let Some(parts) = use_context::<http::request::Parts>() {
        let bundle = bundle_for(parts.uri.path());
        let built = std::path::Path::new(&*options.site_root).join(&*options.site_pkg_dir).join(format!("{bundle}.js"));
        if bundle != APP_BUNDLE && built.is_file() {
            options.output_name = std::sync::Arc::from(bundle);
        }
    }
    options
}

/// Only our own scripts run: the hydration script carries this response's nonce, the wasm
/// module comes from our origin ('wasm-unsafe-eval' lets the browser compile it), and the
/// page may talk only to its own origin: HTTP, and WebSockets to this very host (named,
/// since not every browser counts ws: as 'self').
#[cfg(feature = "ssr")]
fn set_content_security_policy() {
    let (Some(nonce), Some(resp)) = (leptos::nonce::use_nonce(), use_context::<leptos_axum::ResponseOptions>()) else {
        return;
    };
    let sockets = own_host().map(|h| format!(" ws://{h} wss://{h}")).unwrap_or_default();
    let policy = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'{sockets}; frame-ancestors 'none'; base-uri 'self'; \
         form-action 'self'; object-src 'none'"
    );
    if let Ok(value) = http::HeaderValue::from_str(&policy) {
        resp.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
    }
}

/// The host the browser asked for (the proxy's `X-Forwarded-Host` behind `--trust-proxy`),
/// if it is a plain host name or address with an optional port.
#[cfg(feature = "ssr")]
fn own_host() -> Option<String> {
    let parts = use_context::<http::request::Parts>()?;
    let trust_proxy = use_context::<backend::Backend>().is_some_and(|b| b.settings.trust_proxy);
    let forwarded = if trust_proxy { parts.headers.get("x-forwarded-host") } else { None };
    let host = forwarded.or_else(|| parts.headers.get(http::header::HOST))?.to_str().ok()?;
    let plain = !host.is_empty() && host.len() <= 255 && host.chars().all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c));
    plain.then(|| host.to_ascii_lowercase())
}
