//! Signing in and out, and the sessions and known browsers that come of it.

use super::*;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LoginError {
    #[error("sai tên đăng nhập hoặc mật khẩu (wrong username or password)")]
    Wrong,
    #[error("quá nhiều lần đăng nhập sai; thử lại sau {0} giây (too many attempts, retry in {0} s)")]
    Throttled(u64),
}

pub struct LoginOk {
    pub token: String,
    pub user: StaffUser,
    /// A new known-device token for the browser's `wp_device` cookie (none when it had one).
    pub device_token: Option<String>,
}

/// A browser unused for this long is a stranger again.
pub const KNOWN_DEVICE_IDLE: Duration = Duration::days(90);

/// The account a known-device cookie belongs to, if it is one and was used lately.
pub(super) async fn known_device_account(db: &DatabaseConnection, token: Option<&str>) -> Result<Option<(String, i64)>, BackendError> {
    let Some(token) = token.filter(|t| t.len() == 64) else { return Ok(None) };
    let hash = token_hash(token);
    let fresh = Utc::now() - KNOWN_DEVICE_IDLE;
    Ok(known_device::Entity::find_by_id(hash.clone()).one(db).await?.filter(|d| d.last_used_at > fresh).map(|d| (hash, d.account_id)))
}

/// Checks the password and opens a session. Every outcome is in the audit log (refusals by
/// the throttle at most once a minute per name and address). `device` is the browser's
/// known-device cookie, if it sent one.
pub async fn login(
    db: &DatabaseConnection,
    limiter: &LoginThrottle,
    username: &str,
    password: &str,
    ip: Option<String>,
    user_agent: Option<String>,
    device: Option<&str>,
) -> Result<Result<LoginOk, LoginError>, BackendError> {
    let username = username.trim().to_lowercase();
    if username.len() > 100 || password.len() > 1024 {
        return Ok(Err(LoginError::Wrong));
    }
    let claimed = account::Entity::find().filter(account::Column::Username.eq(username.clone())).one(db).await?;
    let known = known_device_account(db, device).await?;
    // A browser this very account signed in from is throttled on its own.
    let trusted = match (&known, &claimed) {
        (Some((hash, acc)), Some(a)) if *acc == a.id => Some(hash.clone()),
        _ => None,
    };
    let keys = login_keys(&username, ip.as_deref(), trusted.as_deref());
    // The attempt counts from here, so a burst of parallel tries gets no more guesses than
    // a sequence would.
    let attempt = match limiter.begin(db, &keys).await? {
        Ok(a) => a,
        Err(wait) => {
            if limiter.should_report(&keys) {
                let subject = match &claimed {
                    Some(a) => format!("account:{}", a.username),
                    None => "account:(unknown)".into(),
                };
                audit::record(
                    db,
                    Entry::new("anonymous", claimed.as_ref().and_then(|a| a.ward_id), "auth.login_throttled", subject)
                        .detail(serde_json::json!({ "ip": ip, "retry_after": wait })),
                )
                .await?;
            }
            return Ok(Err(LoginError::Throttled(wait)));
        }
    };
    // argon2id takes ~19 MiB per check: a handful at a time, whoever sends how many.
    let _hashing = limiter.hashing.acquire().await.map_err(|_| BackendError::Unavailable)?;
    let found = claimed;
    let phc = match &found {
        Some(a) => a.password_hash.clone(),
        None => dummy_hash().await,
    };
    let matches = password_matches(password.to_string(), phc).await;
    let account = match found {
        Some(a) if matches && a.active => a,
        other => {
            attempt.failed(&limiter.rules).await?;
            let ward = other.as_ref().and_then(|a| a.ward_id);
            // The name typed is recorded only when it exists, so a password typed into the
            // username box does not end up in the log.
            let subject = match &other {
                Some(a) => format!("account:{}", a.username),
                None => "account:(unknown)".into(),
            };
            let why = match other {
                Some(a) if !a.active => "disabled",
                Some(_) => "wrong_password",
                None => "unknown_user",
            };
            audit::record(
                db,
                Entry::new("anonymous", ward, "auth.login_failed", subject).detail(serde_json::json!({ "reason": why, "ip": ip })),
            )
            .await?;
            return Ok(Err(LoginError::Wrong));
        }
    };
    attempt.succeeded().await?;
    let role = Role::parse(&account.role).ok_or_else(|| BackendError::invalid("role", "unknown role"))?;
    let token = new_token();
    let id = token_hash(&token);
    let now = Utc::now();
    let txn = db.begin().await?;
    session::ActiveModel {
        id: Set(id.clone()),
        account_id: Set(account.id),
        created_at: Set(now),
        expires_at: Set(now + SESSION_MAX),
        last_seen_at: Set(now),
        ip: Set(ip.clone()),
        user_agent: Set(user_agent.map(|u| u.chars().take(200).collect())),
    }
    .insert(&txn)
    .await?;
    audit::append(
        &txn,
        Entry::new(&account.username, account.ward_id, "auth.login", format!("account:{}", account.username))
            .detail(serde_json::json!({ "ip": ip })),
    )
    .await?;
    // Remember this browser for this account (a new token when it had none for it).
    let device_token = match &trusted {
        Some(hash) => {
            known_device::Entity::update_many()
                .col_expr(known_device::Column::LastUsedAt, sea_orm::sea_query::Expr::value(now))
                .filter(known_device::Column::TokenHash.eq(hash.clone()))
                .exec(&txn)
                .await?;
            None
        }
        None => {
            let t = new_token();
            known_device::ActiveModel {
                token_hash: Set(token_hash(&t)),
                account_id: Set(account.id),
                created_at: Set(now),
                last_used_at: Set(now),
            }
            .insert(&txn)
            .await?;
            Some(t)
        }
    };
    txn.commit().await?;
    let user = StaffUser {
        account_id: account.id,
        username: account.username,
        display_name: account.display_name,
        role,
        ward_id: account.ward_id,
        session_id: id,
    };
    Ok(Ok(LoginOk { token, user, device_token }))
}

pub async fn logout(db: &DatabaseConnection, user: &StaffUser) -> Result<(), BackendError> {
    let txn = db.begin().await?;
    session::Entity::delete_by_id(user.session_id.clone()).exec(&txn).await?;
    audit::append(&txn, Entry::new(&user.username, user.ward_id, "auth.logout", format!("account:{}", user.username))).await?;
    txn.commit().await?;
    Ok(())
}

/// Ends the session of this cookie token, if there is one (no audit entry: nobody asked).
pub async fn end_session(db: &DatabaseConnection, token: &str) -> Result<(), BackendError> {
    session::Entity::delete_by_id(token_hash(token)).exec(db).await?;
    Ok(())
}

/// The staff member a session cookie belongs to, if the session is still good.
pub async fn resolve_session(db: &DatabaseConnection, token: &str) -> Result<Option<StaffUser>, BackendError> {
    let id = token_hash(token);
    let Some(s) = session::Entity::find_by_id(id.clone()).one(db).await? else { return Ok(None) };
    let now = Utc::now();
    if !session_alive(&s, now) {
        session::Entity::delete_by_id(id).exec(db).await?;
        return Ok(None);
    }
    let Some(a) = account::Entity::find_by_id(s.account_id).one(db).await? else { return Ok(None) };
    let Some(role) = Role::parse(&a.role) else { return Ok(None) };
    if !a.active {
        return Ok(None);
    }
    if now - s.last_seen_at > TOUCH_EVERY {
        session::Entity::update_many()
            .col_expr(session::Column::LastSeenAt, sea_orm::sea_query::Expr::value(now))
            .filter(session::Column::Id.eq(id.clone()))
            .exec(db)
            .await?;
    }
    Ok(Some(StaffUser { account_id: a.id, username: a.username, display_name: a.display_name, role, ward_id: a.ward_id, session_id: id }))
}

/// Whether session `id` (the token's hash) is still good, for long-lived sockets.
pub async fn session_alive_by_id(db: &DatabaseConnection, id: &str) -> Result<bool, BackendError> {
    let Some(s) = session::Entity::find_by_id(id.to_string()).one(db).await? else { return Ok(false) };
    // A screen that only listens does not make requests; its socket keeps the session in use.
    let alive = s.expires_at > Utc::now();
    Ok(alive && account::Entity::find_by_id(s.account_id).one(db).await?.is_some_and(|a| a.active))
}

pub(super) fn session_alive(s: &session::Model, now: DateTime<Utc>) -> bool {
    s.expires_at > now && now - s.last_seen_at < SESSION_IDLE
}

/// Refused sign-ins of the last `hours`, per name and address, most recent first: those
/// of `ward_id`'s accounts, or every one (names that do not exist too) for `None`.
pub async fn recent_attempts(
    db: &DatabaseConnection,
    ward_id: Option<i64>,
    hours: i64,
) -> Result<Vec<crate::model::LoginAttemptRow>, BackendError> {
    use crate::backend::entity::audit_log;
    use sea_orm::QuerySelect;
    let mut q = audit_log::Entity::find()
        .filter(audit_log::Column::Action.is_in(["auth.login_failed", "auth.login_throttled"]))
        .filter(audit_log::Column::At.gte(Utc::now() - Duration::hours(hours)));
    if let Some(w) = ward_id {
        q = q.filter(audit_log::Column::WardId.eq(w));
    }
    let mut rows: Vec<crate::model::LoginAttemptRow> = Vec::new();
    for e in q.order_by_desc(audit_log::Column::Seq).limit(5_000).all(db).await? {
        let detail: serde_json::Value = serde_json::from_str(&e.detail).unwrap_or_default();
        let ip = detail.get("ip").and_then(|v| v.as_str()).unwrap_or("-").to_string();
        let throttled = e.action == "auth.login_throttled";
        if let Some(r) = rows.iter_mut().find(|r| r.account == e.subject && r.ip == ip) {
            r.failures += i64::from(!throttled);
            r.throttled += i64::from(throttled);
            continue;
        }
        match rows.len() {
            n if n < 200 => rows.push(crate::model::LoginAttemptRow {
                account: e.subject,
                ip,
                failures: i64::from(!throttled),
                throttled: i64::from(throttled),
                last_at: e.at.to_rfc3339(),
            }),
            // Enough rows: the rest only add to the counts of rows already listed.
            _ => {}
        }
    }
    Ok(rows)
}
