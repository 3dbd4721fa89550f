//! The checks every server function starts with: is the caller allowed this endpoint (the
//! same rule the server's access layer applies to the route), and does what they ask for
//! belong to their ward or, for a kiosk, to its counter.

use crate::backend::access_policy::{self, Decision};
use crate::backend::auth::{Principal, StaffUser};
use crate::backend::entity::{counter, payment_request};
use crate::backend::{Backend, BackendError};
use crate::error::{AppError, ErrorCode};
use http::StatusCode;
use leptos::prelude::*;
use sea_orm::EntityTrait;

/// Who the current request comes from (set by the server's access layer).
pub fn principal() -> Principal {
    use_context::<http::request::Parts>().and_then(|p| p.extensions.get::<Principal>().cloned()).unwrap_or_default()
}

/// The request's headers (cookies, client address).
pub fn parts() -> Option<http::request::Parts> {
    use_context::<http::request::Parts>()
}

/// A refusal of kind `code`, so that scripts see its status (401, 403…) and screens the message.
pub fn refuse(code: ErrorCode, message: impl Into<String>) -> AppError {
    answer(AppError::new(code, message))
}

/// Backend errors keep their status (404, 409, 422, 403…) and field on the way out.
pub fn fail(e: BackendError) -> AppError {
    answer(AppError::from(e))
}

/// Sets the response's status (and `Retry-After`) from the error it carries.
fn answer(e: AppError) -> AppError {
    if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
        resp.set_status(StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR));
        if let Some(Ok(v)) = e.retry_after_secs.map(|s| http::HeaderValue::from_str(&s.to_string())) {
            resp.insert_header(http::header::RETRY_AFTER, v);
        }
    }
    e
}

/// A person's refused attempt at something that books money or closes a day goes to the
/// audit log (what, on what, why), then to the caller as its 4xx. Nothing else changed:
/// the refused transaction was rolled back.
pub async fn audit_refusal<T>(
    b: &Backend,
    who: &Principal,
    ward_id: Option<i64>,
    action: &'static str,
    subject: String,
    result: Result<T, BackendError>,
) -> Result<T, AppError> {
    match result {
        Ok(v) => Ok(v),
        Err(e) if (400..500).contains(&e.status()) => {
            let entry = crate::backend::audit::Entry::new(&who.actor(), ward_id, action, subject)
                .detail(serde_json::json!({ "refused": e.to_string(), "status": e.status() }));
            if let Err(a) = crate::backend::audit::record(&b.db, entry).await {
                tracing::error!(error = %a, "could not audit a refusal");
            }
            Err(fail(e))
        }
        Err(e) => Err(fail(e)),
    }
}

/// Checks the caller against the rule of `endpoint` (`/api/<endpoint>`).
pub fn authorize(endpoint: &str) -> Result<Principal, AppError> {
    let who = principal();
    let Some(rule) = access_policy::rule_for("POST", &format!("/api/{endpoint}")) else {
        tracing::error!(endpoint, "server function has no access rule");
        return Err(refuse(ErrorCode::Forbidden, "không có quyền (no access rule)"));
    };
    match access_policy::decide(rule, &who) {
        Decision::Allow => Ok(who),
        Decision::SignIn => Err(refuse(ErrorCode::SignIn, "cần đăng nhập (sign in required)")),
        Decision::Forbidden => Err(refuse(ErrorCode::Forbidden, "tài khoản không có quyền này (not allowed for your role)")),
    }
}

/// [`authorize`], for endpoints only staff may call; returns the staff member.
pub fn staff(endpoint: &str) -> Result<StaffUser, AppError> {
    match authorize(endpoint)? {
        Principal::Staff(s) => Ok(s),
        _ => Err(refuse(ErrorCode::SignIn, "cần đăng nhập (sign in required)")),
    }
}

fn forbidden_scope() -> AppError {
    refuse(ErrorCode::Forbidden, "thuộc phường hoặc quầy khác (belongs to another ward or counter)")
}

pub fn ward_scope(who: &Principal, ward_id: i64) -> Result<(), AppError> {
    match who {
        Principal::Staff(s) if s.covers_ward(ward_id) => Ok(()),
        _ => Err(forbidden_scope()),
    }
}

/// The counter, if `who` may see it: staff of its ward, or the kiosk paired with it.
pub async fn counter_scope(b: &Backend, who: &Principal, counter_id: i64) -> Result<counter::Model, AppError> {
    let c = counter::Entity::find_by_id(counter_id)
        .one(&b.db)
        .await
        .map_err(|e| fail(e.into()))?
        .ok_or_else(|| fail(BackendError::NotFound("counter")))?;
    match who {
        Principal::Staff(s) if s.covers_ward(c.ward_id) => Ok(c),
        Principal::Kiosk(k) if k.counter_id == c.id => Ok(c),
        _ => Err(forbidden_scope()),
    }
}

/// The payment request, if it belongs to `who`'s ward.
pub async fn payment_scope(b: &Backend, who: &Principal, id: i64) -> Result<payment_request::Model, AppError> {
    let pr = payment_request::Entity::find_by_id(id)
        .one(&b.db)
        .await
        .map_err(|e| fail(e.into()))?
        .ok_or_else(|| fail(BackendError::NotFound("payment request")))?;
    ward_scope(who, pr.ward_id)?;
    Ok(pr)
}

/// The ward a staff member works in; an admin of every ward gets the first ward.
pub async fn home_ward(b: &Backend, s: &StaffUser) -> Result<i64, AppError> {
    match s.ward_id {
        Some(w) => Ok(w),
        None => crate::backend::counters::default_ward_id(&b.db).await.map_err(fail),
    }
}

pub fn backend() -> Result<Backend, AppError> {
    crate::backend::backend().map_err(fail)
}

/// The value of cookie `name` on this request.
pub fn cookie(name: &str) -> Option<String> {
    crate::backend::auth::cookie_value(&parts()?.headers, name)
}

/// Whether cookies must carry `Secure`: configured so, or the TLS proxy says the browser
/// came over https.
fn secure(b: &Backend) -> bool {
    b.settings.secure_cookies
        || parts().is_some_and(|p| {
            p.headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok()).is_some_and(|v| v.eq_ignore_ascii_case("https"))
        })
}

/// Sets an HttpOnly, SameSite=Strict cookie (`max_age` 0 deletes it).
pub fn set_cookie(b: &Backend, name: &'static str, value: String, max_age: chrono::Duration) {
    put_cookie(b, name, value, max_age, cookie::SameSite::Strict);
}

/// The kiosk's device cookie: HttpOnly, SameSite=Lax, 400 days (browsers' maximum).
pub fn set_kiosk_cookie(b: &Backend, value: String) {
    put_cookie(b, crate::backend::auth::KIOSK_COOKIE, value, chrono::Duration::days(400), cookie::SameSite::Lax);
}

fn put_cookie(b: &Backend, name: &'static str, value: String, max_age: chrono::Duration, same_site: cookie::SameSite) {
    let mut c = cookie::Cookie::build((name, value))
        .path("/")
        .http_only(true)
        .same_site(same_site)
        .max_age(cookie::time::Duration::seconds(max_age.num_seconds()))
        .secure(secure(b))
        .build();
    if max_age.is_zero() {
        c.make_removal();
    }
    if let (Some(resp), Ok(v)) = (use_context::<leptos_axum::ResponseOptions>(), http::HeaderValue::from_str(&c.to_string())) {
        resp.append_header(http::header::SET_COOKIE, v);
    }
}

/// The client's address as the socket saw it (set by the server's access layer).
pub fn client_ip() -> Option<String> {
    parts().and_then(|p| p.extensions.get::<ClientIp>().map(|ip| ip.0.clone()))
}

/// The connecting address, put into request extensions by the server.
#[derive(Clone, Debug)]
pub struct ClientIp(pub String);

/// The absolute address of this server as the caller reached it (for links in QR codes a
/// phone will open): the configured public URL, else the request's own host.
pub fn public_base(b: &Backend) -> String {
    match parts() {
        Some(p) => public_base_for(b, &p.headers),
        None => b.settings.public_url.clone().unwrap_or_default(),
    }
}

/// [`public_base`] for a request outside a server function (a plain route's headers).
pub fn public_base_for(b: &Backend, headers: &http::HeaderMap) -> String {
    if let Some(u) = &b.settings.public_url {
        return u.clone();
    }
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(|v| v.split(',').next().unwrap_or("").trim().to_string());
    let host = if b.settings.trust_proxy { header("x-forwarded-host").or_else(|| header("host")) } else { header("host") };
    let https = b.settings.trust_proxy && header("x-forwarded-proto").is_some_and(|v| v.eq_ignore_ascii_case("https"));
    // A host name is letters, digits, dots, dashes and a port; anything else is not echoed.
    let host = host
        .filter(|h| !h.is_empty() && h.bytes().all(|c| c.is_ascii_alphanumeric() || b".-:[]".contains(&c)))
        .unwrap_or_else(|| "localhost".into());
    format!("{}://{host}", if https { "https" } else { "http" })
}
