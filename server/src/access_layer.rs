//! The access layer in front of every matched route: who is asking (session cookie or
//! kiosk device cookie), whether a state-changing request really comes from our own pages
//! (CSRF), and whether the route's rule (`app::backend::access_policy::RULES`) lets them in.
//! A route without a rule is refused, so a new route cannot ship open by accident.

use crate::state::AppState;
use app::api::guard::ClientIp;
use app::backend::access_policy::{self, Decision, Rule};
use app::backend::auth::{self, Principal};
use app::backend::{kiosks, Backend};
use app::error::{AppError, ErrorCode};
use axum::body::Body;
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use std::net::SocketAddr;

fn json_error(code: ErrorCode, message: &str) -> Response {
    crate::error::respond(AppError::new(code, message))
}

/// Who sent these headers. A database error counts as nobody (the request is then refused
/// or sent to sign in, never let through).
pub async fn resolve(backend: &Backend, headers: &HeaderMap) -> Principal {
    if let Some(token) = auth::cookie_value(headers, auth::SESSION_COOKIE) {
        match auth::resolve_session(&backend.db, &token).await {
            Ok(Some(user)) => return Principal::Staff(user),
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "session lookup failed"),
        }
    }
    if let Some(token) = auth::cookie_value(headers, auth::KIOSK_COOKIE) {
        match kiosks::resolve_device(&backend.db, &token).await {
            Ok(Some(k)) => return Principal::Kiosk(k),
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "kiosk lookup failed"),
        }
    }
    Principal::Anonymous
}

/// Whether the request comes from a page of this site: the browser's Fetch Metadata says
/// so, or, where it sends none, its Origin names this host. A request with neither is
/// refused: every browser sends one of them on a POST and on a WebSocket handshake.
/// `X-Forwarded-Host` names the host only behind a trusted proxy (`--trust-proxy`);
/// otherwise anyone could send it to match their own Origin.
pub fn same_origin(headers: &HeaderMap, trust_proxy: bool) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return site == "same-origin";
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else { return false };
    let forwarded = if trust_proxy { headers.get("x-forwarded-host") } else { None };
    let host = forwarded.or_else(|| headers.get(header::HOST)).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let origin_host = origin.split_once("://").map(|(_, h)| h).unwrap_or("");
    !host.is_empty() && origin_host.eq_ignore_ascii_case(host)
}

fn is_websocket(headers: &HeaderMap) -> bool {
    headers.get(header::UPGRADE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.eq_ignore_ascii_case("websocket"))
}

fn changes_state(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// A plain page for a screen the signed-in person may not open.
fn forbidden_page(home: &str) -> Response {
    let body = format!(
        "<!DOCTYPE html><html lang=\"vi\"><head><meta charset=\"utf-8\"><title>WardPay — Không có quyền</title>\
         <link rel=\"stylesheet\" href=\"/pkg/wardpay.css\"></head><body><main class=\"page narrow\">\
         <h1>Tài khoản của bạn không mở được trang này</h1><p class=\"muted\">Your account cannot open this page.</p>\
         <p><a class=\"btn\" href=\"{home}\">Về trang của bạn (your page)</a></p></main></body></html>"
    );
    let mut r = (StatusCode::FORBIDDEN, axum::response::Html(body)).into_response();
    r.headers_mut().insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'; style-src 'self'"));
    r
}

fn sign_in_redirect(req: &Request<Body>) -> Response {
    let target = req.uri().path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let next: String = url_escape(target);
    Redirect::to(&format!("/login?next={next}")).into_response()
}

/// Percent-encodes everything but unreserved characters and `/`.
fn url_escape(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub async fn guard(State(state): State<AppState>, mut req: Request<Body>, next: Next) -> Response {
    let Some(path) = req.extensions().get::<MatchedPath>().map(|m| m.as_str().to_string()) else {
        return next.run(req).await;
    };
    let method = req.method().clone();
    let Some(rule) = access_policy::rule_for(method.as_str(), &path) else {
        tracing::error!(%method, path, "route has no access rule; refused");
        return json_error(ErrorCode::Forbidden, "this route has no access rule");
    };
    if rule == Rule::Signed {
        return next.run(req).await;
    }
    let who = resolve(&state.backend, req.headers()).await;
    let cross_site = !same_origin(req.headers(), state.backend.settings.trust_proxy);
    if cross_site && (changes_state(&method) || (is_websocket(req.headers()) && who != Principal::Anonymous)) {
        tracing::warn!(%method, path, "cross-site request refused");
        return json_error(ErrorCode::Forbidden, "request refused: it did not come from a WardPay page (CSRF)");
    }
    let forwarded = state
        .backend
        .settings
        .trust_proxy
        .then(|| req.headers().get("x-forwarded-for").and_then(|v| v.to_str().ok()))
        .flatten()
        .and_then(|v| v.rsplit(',').next())
        .map(|ip| ip.trim().to_string())
        .filter(|ip| ip.parse::<std::net::IpAddr>().is_ok());
    let ip = forwarded.or_else(|| req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string()));
    if let Some(ip) = ip {
        req.extensions_mut().insert(ClientIp(ip));
    }
    let decision = access_policy::decide(rule, &who);
    let page = matches!(rule, Rule::Page(_));
    match decision {
        Decision::Allow => {
            req.extensions_mut().insert(who);
            let server_fn = path.starts_with("/api/") && method == Method::POST;
            let resp = next.run(req).await;
            if server_fn {
                return bad_arguments_are_4xx(resp).await;
            }
            resp
        }
        Decision::SignIn if page => sign_in_redirect(&req),
        Decision::SignIn => json_error(ErrorCode::SignIn, "cần đăng nhập (sign in required)"),
        Decision::Forbidden if page => forbidden_page(who.role().map_or("/login", |r| r.home())),
        Decision::Forbidden => json_error(ErrorCode::Forbidden, "tài khoản không có quyền này (not allowed for your role)"),
    }
}

/// A server function whose arguments do not decode (invalid JSON or form data, invalid
/// UTF-8, a number out of range) never ran: that is the caller's mistake. The server-function
/// layer answers it with our error body (code `bad_request`) but status 500; it is answered 400.
async fn bad_arguments_are_4xx(resp: Response) -> Response {
    if resp.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return resp;
    }
    let (parts, body) = resp.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else {
        return crate::error::respond(AppError::internal());
    };
    use app::error::ErrorEnvelope;
    use leptos::server_fn::Decodes;
    match <ErrorEnvelope as Decodes<AppError>>::decode(bytes.clone()) {
        Ok(e) if e.code == ErrorCode::BadRequest => crate::error::respond(e),
        _ => Response::from_parts(parts, Body::from(bytes)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).expect("header"));
        }
        h
    }

    #[test]
    fn same_origin_needs_fetch_metadata_or_a_matching_origin() {
        let same = |h: &[(&'static str, &str)]| same_origin(&headers(h), false);
        assert!(same(&[("sec-fetch-site", "same-origin")]));
        assert!(!same(&[("sec-fetch-site", "cross-site"), ("origin", "http://a:1"), ("host", "a:1")]));
        assert!(!same(&[("sec-fetch-site", "same-site")]));
        assert!(same(&[("origin", "http://127.0.0.1:3000"), ("host", "127.0.0.1:3000")]));
        assert!(!same(&[("origin", "http://evil.example"), ("host", "127.0.0.1:3000")]));
        assert!(!same(&[("origin", "null"), ("host", "127.0.0.1:3000")]));
        assert!(!same(&[("host", "127.0.0.1:3000")]));
    }

    #[test]
    fn x_forwarded_host_counts_only_behind_a_trusted_proxy() {
        let h = headers(&[("origin", "http://evil.example"), ("host", "127.0.0.1:3000"), ("x-forwarded-host", "evil.example")]);
        assert!(!same_origin(&h, false), "anyone can send X-Forwarded-Host");
        assert!(same_origin(&h, true), "the trusted proxy names the public host");
    }

    #[test]
    fn next_is_escaped() {
        assert_eq!(url_escape("/stats?x=1&y=2"), "/stats%3Fx%3D1%26y%3D2");
    }
}
