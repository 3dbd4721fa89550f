//! Signing in and out, and the kiosk's side of pairing.

use crate::error::AppError;
use crate::model::{Me, PairingCode, PairingStatus};
use leptos::prelude::*;

/// Signs in; sets the session cookie and returns where to go next (`next` if the role may
/// open it, else the role's home screen).
#[server(endpoint = "login")]
pub async fn login(username: String, password: String, next: Option<String>) -> Result<String, AppError> {
    use super::guard::*;
    use crate::backend::auth::{self, LoginError, KNOWN_DEVICE_COOKIE, SESSION_COOKIE, SESSION_MAX};
    authorize("login")?;
    let b = backend()?;
    let ua = parts().and_then(|p| p.headers.get(http::header::USER_AGENT).and_then(|v| v.to_str().ok()).map(str::to_string));
    let device = cookie(KNOWN_DEVICE_COOKIE);
    match auth::login(&b.db, &b.login_limiter, &username, &password, client_ip(), ua, device.as_deref()).await.map_err(fail)? {
        Ok(ok) => {
            if let Some(t) = ok.device_token.clone() {
                set_cookie(&b, KNOWN_DEVICE_COOKIE, t, chrono::Duration::days(400));
            }
            // A session this browser still carries (someone else's, at a shared PC) ends here.
            if let Some(old) = cookie(SESSION_COOKIE) {
                let _ = auth::end_session(&b.db, &old).await;
            }
            set_cookie(&b, SESSION_COOKIE, ok.token, SESSION_MAX);
            let next = next.filter(|n| n.starts_with('/') && !n.starts_with("//"));
            Ok(match next {
                Some(n) if crate::backend::access_policy::may_open(ok.user.role, n.split('?').next().unwrap_or("/")) && n != "/login" => n,
                _ => ok.user.role.home().to_string(),
            })
        }
        Err(e @ LoginError::Wrong) => Err(refuse(crate::error::ErrorCode::SignIn, e.to_string())),
        Err(e @ LoginError::Throttled(secs)) => {
            if let (Some(resp), Ok(v)) = (use_context::<leptos_axum::ResponseOptions>(), http::HeaderValue::from_str(&secs.to_string())) {
                resp.insert_header(http::header::RETRY_AFTER, v);
            }
            Err(refuse(crate::error::ErrorCode::Throttled, e.to_string()))
        }
    }
}

#[server(endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    use super::guard::*;
    use crate::backend::auth::{Principal, SESSION_COOKIE};
    let who = authorize("logout")?;
    let b = backend()?;
    if let Principal::Staff(s) = &who {
        crate::backend::auth::logout(&b.db, s).await.map_err(fail)?;
    }
    set_cookie(&b, SESSION_COOKIE, String::new(), chrono::Duration::zero());
    Ok(())
}

/// The signed-in staff member, if any.
#[server(endpoint = "get_me")]
pub async fn get_me() -> Result<Option<Me>, AppError> {
    use super::guard::*;
    use crate::backend::auth::Principal;
    Ok(match authorize("get_me")? {
        Principal::Staff(s) => Some(s.me()),
        _ => None,
    })
}

/// What a kiosk screen opens with.
// Sent once per page load: the size of the live variant does not matter, and boxing it
// would only complicate every match on the screen's side.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum KioskOpen {
    /// Paired with this counter (or a staff member looking): the live screen.
    Live(crate::model::CounterSnapshot),
    /// Not paired: show this code until an admin enters it.
    Pairing(PairingCode),
    /// This browser is a kiosk paired with another counter: it stays so, and says which.
    PairedElsewhere(crate::model::CounterInfo),
    /// Too many pairing codes were asked for from here or for this counter: wait.
    PairingBusy { retry_after_secs: u64 },
    /// Opened from another site (a link, an embedded image): no code is made for that; a
    /// kiosk opens its page directly (typed, bookmarked, or at start-up).
    OpenDirectly,
}

/// Starts the kiosk at `counter_id`: its live state when this browser is paired with it,
/// otherwise a pairing code (and the secret cookie the pairing will turn into its token).
#[server(endpoint = "kiosk_pairing_start")]
pub async fn kiosk_pairing_start(counter_id: i64) -> Result<Option<KioskOpen>, AppError> {
    use super::guard::*;
    use crate::backend::auth::{Principal, KIOSK_COOKIE};
    use crate::backend::BackendError;
    let who = authorize("kiosk_pairing_start")?;
    let b = backend()?;
    let live = match &who {
        Principal::Kiosk(k) if k.counter_id != counter_id => {
            // A paired kiosk sent to another counter's page (a link, a typo, a cross-site
            // navigation) keeps its pairing: nothing here may replace its device cookie.
            use sea_orm::EntityTrait;
            let own = crate::backend::entity::counter::Entity::find_by_id(k.counter_id)
                .one(&b.db)
                .await
                .map_err(|e| fail(e.into()))?
                .ok_or_else(|| fail(BackendError::NotFound("counter")))?;
            return Ok(Some(KioskOpen::PairedElsewhere(crate::backend::counters::counter_info(&own))));
        }
        Principal::Kiosk(_) => true,
        Principal::Staff(_) => counter_scope(&b, &who, counter_id).await.is_ok(),
        Principal::Anonymous => false,
    };
    if live {
        return Ok(crate::backend::screens::snapshot(&b, counter_id).await.map_err(fail)?.map(KioskOpen::Live));
    }
    let cross_site = parts()
        .and_then(|p| p.headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()).map(|v| v == "cross-site" || v == "same-site"))
        .unwrap_or(false);
    if cross_site {
        return Ok(Some(KioskOpen::OpenDirectly));
    }
    match crate::backend::kiosks::start_pairing(&b.db, counter_id, cookie(KIOSK_COOKIE).as_deref(), client_ip().as_deref()).await {
        Ok((secret, code)) => {
            // Long-lived: it becomes the device token; revoking it is done on the server.
            // Lax, not Strict: a kiosk opened from a link elsewhere must still be itself, not
            // start over (it only reads; its one write, this call, is origin-checked).
            set_kiosk_cookie(&b, secret);
            Ok(Some(KioskOpen::Pairing(code)))
        }
        Err(BackendError::NotFound(_)) => Ok(None),
        Err(BackendError::Throttled { retry_after_secs, .. }) => Ok(Some(KioskOpen::PairingBusy { retry_after_secs })),
        Err(e) => Err(fail(e)),
    }
}

/// The waiting kiosk asks whether an admin has entered its code yet.
#[server(endpoint = "kiosk_pairing_status")]
pub async fn kiosk_pairing_status() -> Result<PairingStatus, AppError> {
    use super::guard::*;
    authorize("kiosk_pairing_status")?;
    let b = backend()?;
    match cookie(crate::backend::auth::KIOSK_COOKIE) {
        Some(claim) => crate::backend::kiosks::pairing_status(&b.db, &claim).await.map_err(fail),
        None => Ok(PairingStatus::Expired),
    }
}
