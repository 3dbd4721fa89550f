//! The HTTP surface: Leptos pages and server functions, WebSockets, health, static files.

use crate::state::AppState;
use crate::{health, intake, ws};
use app::{shell, App};
use axum::body::Body;
use axum::http::{header, HeaderName, HeaderValue, Request};
use axum::routing::get;
use axum::Router;
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower::ServiceBuilder;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

/// Requests larger than this are refused before anything reads them.
pub const MAX_BODY_BYTES: usize = 256 * 1024;
/// A request body must arrive within this time.
pub const BODY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

type Handler = axum::routing::MethodRouter<AppState>;

/// The routes besides Leptos pages and server functions: `(method, path, handler)`, the
/// method as the access rules name it (`*` for any).
fn explicit_routes() -> Vec<(&'static str, &'static str, Handler)> {
    let mut v: Vec<(&'static str, &'static str, Handler)> = vec![
        ("GET", "/healthz", get(health::healthz)),
        ("GET", "/readyz", get(health::readyz)),
        ("GET", "/ws/counter/{id}", get(ws::counter)),
        ("GET", "/ws/ward/{id}", get(ws::ward)),
        ("POST", "/api/bank/{provider}", axum::routing::post(intake::receive)),
        ("GET", "/reports/reconciliation.csv", get(crate::reports::reconciliation_csv)),
        ("GET", "/reports/reconciliation.xlsx", get(crate::reports::reconciliation_xlsx)),
        ("GET", "/reports/evidence", get(crate::reports::evidence)),
        ("GET", "/reports/receipts.csv", get(crate::accounting_reports::receipts_csv)),
        ("GET", "/reports/receipts.xlsx", get(crate::accounting_reports::receipts_xlsx)),
        ("GET", "/reports/treasury.csv", get(crate::accounting_reports::treasury_csv)),
        ("GET", "/reports/treasury.xlsx", get(crate::accounting_reports::treasury_xlsx)),
        ("GET", "/reports/refunds.csv", get(crate::accounting_reports::refunds_csv)),
        ("GET", "/reports/refunds.xlsx", get(crate::accounting_reports::refunds_xlsx)),
        ("GET", "/reports/tax-summary.xml", get(crate::accounting_reports::tax_summary_xml)),
        ("POST", "/statements/import", axum::routing::post(crate::statements::import)),
        ("GET", "/receipts/{id}/pdf", get(crate::receipt_pdf::download)),
    ];
    v.extend(crate::dvc::routes());
    v
}

/// Every route the server answers, as `(method, path)`: the explicit ones, each page of
/// the app and each server function. The access tests walk this list.
pub fn inventory() -> Vec<(String, String)> {
    let mut all: Vec<(String, String)> = explicit_routes().into_iter().map(|(m, p, _)| (m.to_string(), p.to_string())).collect();
    for listing in page_routes() {
        for method in listing.methods() {
            all.push((format!("{method:?}").to_uppercase(), listing.path().to_string()));
        }
    }
    for (path, method) in leptos::server_fn::axum::server_fn_paths() {
        all.push((method.to_string(), path.to_string()));
    }
    all.sort();
    all.dedup();
    all
}

/// The app's pages, listed once per process. Listing runs the app with resource loading
/// suppressed through a process-wide flag (leptos issue #4773): a page rendered by another
/// server in the same process at that moment would wait forever. Tests start many servers
/// in one process; listing once, before the first server exists, rules that out.
fn page_routes() -> Vec<leptos_axum::AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<leptos_axum::AxumRouteListing>> = std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

pub fn router(state: AppState) -> Router {
    let routes = page_routes();
    let backend = state.backend.clone();
    let simulate = {
        let (intake, backend) = (state.intake.clone(), state.backend.clone());
        app::backend::SimulatePayment(std::sync::Arc::new(move |counter_id| {
            let (intake, backend) = (intake.clone(), backend.clone());
            Box::pin(async move { crate::intake::simulate_payment(&intake, &backend, counter_id).await })
        }))
    };
    let context = move || {
        leptos::nonce::provide_nonce();
        provide_context(backend.clone());
        provide_context(simulate.clone());
    };
    let request_id = HeaderName::from_static("x-request-id");
    let mut router = Router::new();
    for (_, path, handler) in explicit_routes() {
        router = router.route(path, handler);
    }
    router
        .leptos_routes_with_context(&state, routes, context.clone(), {
            let options = state.leptos_options.clone();
            move || shell(options.clone())
        })
        // Every route above, and only those (not the static files of the fallback), passes
        // the access layer.
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), crate::access_layer::guard))
        // The built front end, gzipped ahead of time by the build where the browser accepts it
        // (the kiosk's first load is mostly its wasm: about a third of the bytes).
        .nest_service("/pkg", front_end_files(&state))
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(context, shell))
        .layer(axum::middleware::from_fn_with_state(state.clone(), response_headers))
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(request_id.clone(), MakeRequestUuid))
                .layer(TraceLayer::new_for_http().make_span_with(|req: &Request<Body>| {
                    let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
                    tracing::info_span!("http", method = %req.method(), path = %req.uri().path(), request_id = %id)
                }))
                .layer(PropagateRequestIdLayer::new(request_id))
                .layer(axum::middleware::from_fn(limit_body))
                // A body sent a byte a minute would hold its connection and task for ever.
                .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(BODY_TIMEOUT))
                .layer(SetResponseHeaderLayer::overriding(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
                .layer(SetResponseHeaderLayer::overriding(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")))
                .layer(SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
                // Pages set their own policy with a nonce; everything else (JSON, files) gets none at all.
                .layer(SetResponseHeaderLayer::if_not_present(
                    header::CONTENT_SECURITY_POLICY,
                    HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"),
                )),
        )
        .with_state(state)
}

/// `/pkg/`: the front end's files. `scripts/build.sh` writes a `.gz` beside each, served to
/// browsers that accept gzip, so nothing is compressed per request. Pages and data are never
/// compressed: they carry personal data and, over TLS, compressing secrets beside what a third
/// party can reflect into a page leaks them (BREACH).
fn front_end_files(state: &AppState) -> tower_http::services::ServeDir {
    let pkg = std::path::Path::new(&*state.leptos_options.site_root).join(&*state.leptos_options.site_pkg_dir);
    tower_http::services::ServeDir::new(pkg).precompressed_gzip()
}

/// Bodies larger than their route allows are refused before anything reads them: 256 KiB
/// everywhere, except a bank statement's upload. A declared length over the limit is
/// answered at once; a body that grows past it fails the handler's read (413).
async fn limit_body(req: Request<Body>, next: axum::middleware::Next) -> axum::response::Response {
    let limit = if req.uri().path() == "/statements/import" { crate::statements::MAX_UPLOAD_BYTES } else { MAX_BODY_BYTES };
    let declared = req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        let e = app::error::AppError::new(app::error::ErrorCode::TooLarge, format!("the request body is larger than {limit} bytes"));
        return crate::error::respond(e);
    }
    let req = req.map(|b| Body::new(http_body_util::Limited::new(b, limit)));
    next.run(req).await
}

/// Headers every answer gets: pages and data (which carry personal data) are never stored
/// by a browser or proxy cache; the built front end under `/pkg/` is stored but revalidated
/// on every use (its file names stay the same from one release to the next, so a cached copy
/// must be checked, which costs a 304); and when the public URL is https, browsers are told
/// to use nothing else (HSTS).
async fn response_headers(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: Request<Body>,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let cacheable = req.uri().path().starts_with("/pkg/");
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static(if cacheable { "no-cache" } else { "no-store" }));
    }
    if state.backend.settings.secure_cookies {
        h.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000; includeSubDomains"));
    }
    resp
}
