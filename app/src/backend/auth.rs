//! Staff accounts, passwords and sessions, and who a request comes from.
//!
//! Passwords are argon2id PHC strings. A session is a random token in an HttpOnly,
//! SameSite=Strict cookie; the database keeps only its SHA-256, so a copy of the table opens
//! nothing. Sessions end 12 hours after sign-in or 2 hours after the last request.

use super::audit::{self, Entry};
use super::entity::{account, known_device, session};
use super::login_throttle::{login_keys, LoginThrottle};
use super::BackendError;
use crate::model::{AccountRow, Me, NewAccount, Role};
use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set, TransactionTrait,
};
use sha2::{Digest, Sha256};

pub const SESSION_COOKIE: &str = "wp_session";
pub const KIOSK_COOKIE: &str = "wp_kiosk";
/// A browser an account signed in from before: its sign-in attempts for that account are
/// throttled on their own (see [`super::login_throttle`]).
pub const KNOWN_DEVICE_COOKIE: &str = "wp_device";
pub const SESSION_MAX: Duration = Duration::hours(12);
pub const SESSION_IDLE: Duration = Duration::hours(2);
/// A session's last-seen time is written at most this often (not on every request).
const TOUCH_EVERY: Duration = Duration::seconds(60);
pub const MIN_PASSWORD_CHARS: usize = 10;

/// Who a request comes from. Put into the request's extensions by the server's access layer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Principal {
    #[default]
    Anonymous,
    Staff(StaffUser),
    Kiosk(KioskUser),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaffUser {
    pub account_id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// `None` only for an admin of every ward.
    pub ward_id: Option<i64>,
    pub session_id: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KioskUser {
    pub device_id: i64,
    pub ward_id: i64,
    pub counter_id: i64,
}

impl Principal {
    /// The name the audit log and the payment events record.
    pub fn actor(&self) -> String {
        match self {
            Principal::Anonymous => "anonymous".into(),
            Principal::Staff(s) => s.username.clone(),
            Principal::Kiosk(k) => format!("kiosk:{}", k.device_id),
        }
    }

    pub fn role(&self) -> Option<Role> {
        match self {
            Principal::Staff(s) => Some(s.role),
            _ => None,
        }
    }
}

impl StaffUser {
    /// Whether this account may see or act on `ward_id`.
    pub fn covers_ward(&self, ward_id: i64) -> bool {
        match self.ward_id {
            Some(w) => w == ward_id,
            None => self.role == Role::Admin,
        }
    }

    pub fn me(&self) -> Me {
        Me { username: self.username.clone(), display_name: self.display_name.clone(), role: self.role, ward_id: self.ward_id }
    }
}

/// The value of cookie `name` among a request's `Cookie` headers.
pub fn cookie_value(headers: &http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(cookie::Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_string())
}

/// SHA-256 in hex: how tokens are stored and looked up.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// 32 random bytes in hex.
pub fn new_token() -> String {
    use rand::RngCore;
    let mut b = [0u8; 32];
    rand::rng().fill_bytes(&mut b);
    hex::encode(b)
}

/// Hashes off the async threads: argon2id is meant to be slow.
pub async fn hash_password(password: String) -> Result<String, BackendError> {
    tokio::task::spawn_blocking(move || {
        use argon2::password_hash::PasswordHasher;
        argon2::Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| BackendError::invalid("password", e.to_string()))
    })
    .await
    .map_err(|_| BackendError::Unavailable)?
}

async fn password_matches(password: String, phc: String) -> bool {
    tokio::task::spawn_blocking(move || {
        use argon2::password_hash::{phc::PasswordHash, PasswordVerifier};
        PasswordHash::new(&phc).is_ok_and(|h| argon2::Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
    })
    .await
    .unwrap_or(false)
}

/// Checked against when the username is unknown, so that a wrong name takes as long as a
/// wrong password and timing does not tell which names exist.
static DUMMY_HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();

async fn dummy_hash() -> String {
    if let Some(h) = DUMMY_HASH.get() {
        return h.clone();
    }
    let h = hash_password(new_token()).await.unwrap_or_default();
    DUMMY_HASH.get_or_init(|| h).clone()
}

pub fn check_password_rules(password: &str) -> Result<(), BackendError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(BackendError::invalid(
            "password",
            format!("mật khẩu cần ít nhất {MIN_PASSWORD_CHARS} ký tự (at least {MIN_PASSWORD_CHARS} characters)"),
        ));
    }
    if password.len() > 256 {
        return Err(BackendError::invalid("password", "mật khẩu quá dài (at most 256 bytes)"));
    }
    Ok(())
}

pub fn clean_username(s: &str) -> Result<String, BackendError> {
    let u = s.trim().to_lowercase();
    let ok = (3..=40).contains(&u.len()) && u.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if !ok {
        return Err(BackendError::invalid("username", "3–40 chữ thường, số, dấu . _ - (3–40 of a-z 0-9 . _ -)"));
    }
    Ok(u)
}

fn account_row(a: &account::Model) -> Result<AccountRow, BackendError> {
    Ok(AccountRow {
        id: a.id,
        username: a.username.clone(),
        display_name: a.display_name.clone(),
        role: Role::parse(&a.role).ok_or_else(|| BackendError::invalid("role", format!("unknown role {}", a.role)))?,
        ward_id: a.ward_id,
        active: a.active,
        created_at: a.created_at.to_rfc3339(),
    })
}

/// Creates an account. `by` is the admin's name (or `cli`/`seed`), recorded with it.
pub async fn create_account(db: &DatabaseConnection, input: NewAccount, by: &str) -> Result<AccountRow, BackendError> {
    let username = clean_username(&input.username)?;
    let display_name = input.display_name.trim().to_string();
    if display_name.is_empty() || display_name.chars().count() > 100 {
        return Err(BackendError::invalid("display_name", "cần họ tên (1–100 ký tự) (a name is required)"));
    }
    if input.role != Role::Admin && input.ward_id.is_none() {
        return Err(BackendError::invalid("ward_id", "tài khoản này cần thuộc một phường (this role belongs to one ward)"));
    }
    if let Some(w) = input.ward_id {
        super::entity::ward::Entity::find_by_id(w).one(db).await?.ok_or(BackendError::invalid("ward_id", "no such ward"))?;
    }
    check_password_rules(&input.password)?;
    let hash = hash_password(input.password.clone()).await?;
    insert_account(db, input, username, display_name, hash, by).await
}

/// Creates an account whose password is already hashed (checked and validated by the caller,
/// as [`create_account`] does); audited like any other. Seeding many accounts with one
/// password hashes it once.
pub async fn create_account_hashed(db: &DatabaseConnection, input: NewAccount, hash: String, by: &str) -> Result<AccountRow, BackendError> {
    let username = clean_username(&input.username)?;
    let display_name = input.display_name.trim().to_string();
    insert_account(db, input, username, display_name, hash, by).await
}

async fn insert_account(
    db: &DatabaseConnection,
    input: NewAccount,
    username: String,
    display_name: String,
    hash: String,
    by: &str,
) -> Result<AccountRow, BackendError> {
    let txn = db.begin().await?;
    if account::Entity::find().filter(account::Column::Username.eq(username.clone())).one(&txn).await?.is_some() {
        return Err(BackendError::invalid("username", "tên đăng nhập đã có (username taken)"));
    }
    let now = Utc::now();
    let a = account::ActiveModel {
        username: Set(username.clone()),
        display_name: Set(display_name),
        password_hash: Set(hash),
        role: Set(input.role.as_str().into()),
        ward_id: Set(input.ward_id),
        active: Set(true),
        created_at: Set(now),
        created_by: Set(by.into()),
        password_changed_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| match e.sql_err() {
        // Created a moment ago by someone else (the unique index decided).
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => BackendError::invalid("username", "tên đăng nhập đã có (username taken)"),
        _ => BackendError::Db(e),
    })?;
    audit::append(
        &txn,
        Entry::new(by, input.ward_id, "account.create", format!("account:{username}"))
            .detail(serde_json::json!({ "role": input.role.as_str() })),
    )
    .await?;
    txn.commit().await?;
    account_row(&a)
}

pub async fn list_accounts(db: &DatabaseConnection, ward_id: Option<i64>) -> Result<Vec<AccountRow>, BackendError> {
    let mut q = account::Entity::find();
    if let Some(w) = ward_id {
        q = q.filter(account::Column::WardId.eq(w));
    }
    q.order_by_asc(account::Column::Username).all(db).await?.iter().map(account_row).collect()
}

pub async fn find_account(db: &DatabaseConnection, id: i64) -> Result<account::Model, BackendError> {
    account::Entity::find_by_id(id).one(db).await?.ok_or(BackendError::NotFound("account"))
}

/// Turns an account on or off; turning it off also ends its sessions.
pub async fn set_active(db: &DatabaseConnection, id: i64, active: bool, by: &StaffUser) -> Result<(), BackendError> {
    let a = find_account(db, id).await?;
    if a.id == by.account_id && !active {
        return Err(BackendError::invalid("active", "không thể tự khoá tài khoản của mình (you cannot disable yourself)"));
    }
    let txn = db.begin().await?;
    let ward = a.ward_id;
    let username = a.username.clone();
    let mut am = a.into_active_model();
    am.active = Set(active);
    am.update(&txn).await?;
    if !active {
        session::Entity::delete_many().filter(session::Column::AccountId.eq(id)).exec(&txn).await?;
        known_device::Entity::delete_many().filter(known_device::Column::AccountId.eq(id)).exec(&txn).await?;
    }
    audit::append(
        &txn,
        Entry::new(&by.username, ward, if active { "account.enable" } else { "account.disable" }, format!("account:{username}")),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Sets a new password and ends the account's sessions.
pub async fn set_password(db: &DatabaseConnection, id: i64, password: String, by: &str) -> Result<(), BackendError> {
    check_password_rules(&password)?;
    let a = find_account(db, id).await?;
    let hash = hash_password(password).await?;
    let txn = db.begin().await?;
    let (ward, username) = (a.ward_id, a.username.clone());
    let mut am = a.into_active_model();
    am.password_hash = Set(hash);
    am.password_changed_at = Set(Utc::now());
    am.update(&txn).await?;
    session::Entity::delete_many().filter(session::Column::AccountId.eq(id)).exec(&txn).await?;
    // A browser trusted under the old password is not trusted under the new one.
    known_device::Entity::delete_many().filter(known_device::Column::AccountId.eq(id)).exec(&txn).await?;
    audit::append(&txn, Entry::new(by, ward, "account.password", format!("account:{username}"))).await?;
    txn.commit().await?;
    Ok(())
}

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
async fn known_device_account(db: &DatabaseConnection, token: Option<&str>) -> Result<Option<(String, i64)>, BackendError> {
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

fn session_alive(s: &session::Model, now: DateTime<Utc>) -> bool {
    s.expires_at > now && now - s.last_seen_at < SESSION_IDLE
}

/// Refused sign-ins of the last `hours`, per name and address, most recent first: those
/// of `ward_id`'s accounts, or every one (names that do not exist too) for `None`.
pub async fn recent_attempts(
    db: &DatabaseConnection,
    ward_id: Option<i64>,
    hours: i64,
) -> Result<Vec<crate::model::LoginAttemptRow>, BackendError> {
    use super::entity::audit_log;
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

/// Demo accounts (demo mode only): one per role, all with [`DEMO_PASSWORD`].
pub const DEMO_ACCOUNTS: [(&str, &str, Role); 5] = [
    ("admin", "Quản trị viên (demo)", Role::Admin),
    ("canbo", "Nguyễn Thị Cán Bộ (demo)", Role::Officer),
    ("truongbp", "Trần Văn Trưởng (demo)", Role::Supervisor),
    ("hotro", "Lê Thị Hỗ Trợ (demo)", Role::Support),
    ("ketoan", "Phạm Thị Kế Toán (demo)", Role::Accountant),
];
pub const DEMO_PASSWORD: &str = "wardpay-demo";

/// Creates the demo accounts that are missing (idempotent).
pub async fn seed_demo_accounts(db: &DatabaseConnection, ward_id: i64) -> Result<(), BackendError> {
    for (username, name, role) in DEMO_ACCOUNTS {
        if account::Entity::find().filter(account::Column::Username.eq(username)).one(db).await?.is_some() {
            continue;
        }
        let input = NewAccount {
            username: username.into(),
            display_name: name.into(),
            role,
            ward_id: Some(ward_id),
            password: DEMO_PASSWORD.into(),
        };
        create_account(db, input, "seed").await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_plain() {
        assert_eq!(clean_username("  CanBo.1 ").ok().as_deref(), Some("canbo.1"));
        assert!(clean_username("a b").is_err());
        assert!(clean_username("x").is_err());
        assert!(clean_username("nguyễn").is_err());
    }

    #[test]
    fn admins_without_a_ward_cover_every_ward() {
        let mut u = StaffUser {
            account_id: 1,
            username: "a".into(),
            display_name: "A".into(),
            role: Role::Admin,
            ward_id: None,
            session_id: String::new(),
        };
        assert!(u.covers_ward(7));
        u.role = Role::Officer;
        assert!(!u.covers_ward(7));
        u.ward_id = Some(7);
        assert!(u.covers_ward(7) && !u.covers_ward(8));
    }
}
