//! Staff accounts, passwords and sessions, and who a request comes from.
//!
//! Passwords are argon2id PHC strings. A session is a random token in an HttpOnly,
//! SameSite=Strict cookie; the database keeps only its SHA-256, so a copy of the table opens
//! nothing. Sessions end 12 hours after sign-in or 2 hours after the last request.

use super::audit::{self, Entry};
use super::entity::{account, session};
use super::BackendError;
use crate::model::{AccountRow, Me, NewAccount, Role};
use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};
use sha2::{Digest, Sha256};
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration as StdDuration, Instant};

pub const SESSION_COOKIE: &str = "wp_session";
pub const KIOSK_COOKIE: &str = "wp_kiosk";
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
        return Err(BackendError::invalid("password", format!("mật khẩu cần ít nhất {MIN_PASSWORD_CHARS} ký tự (at least {MIN_PASSWORD_CHARS} characters)")));
    }
    if password.len() > 256 {
        return Err(BackendError::invalid("password", "mật khẩu quá dài (at most 256 bytes)"));
    }
    Ok(())
}

fn clean_username(s: &str) -> Result<String, BackendError> {
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
    let hash = hash_password(input.password).await?;
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
    }
    audit::append(&txn, Entry::new(&by.username, ward, if active { "account.enable" } else { "account.disable" }, format!("account:{username}"))).await?;
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
}

/// Checks the password and opens a session. Every outcome is in the audit log.
pub async fn login(
    db: &DatabaseConnection,
    limiter: &LoginLimiter,
    username: &str,
    password: &str,
    ip: Option<String>,
    user_agent: Option<String>,
) -> Result<Result<LoginOk, LoginError>, BackendError> {
    let username = username.trim().to_lowercase();
    let keys = [format!("user:{username}"), format!("ip:{}", ip.as_deref().unwrap_or("-"))];
    // The attempt counts from here, so a burst of parallel tries gets no more guesses than
    // a sequence would.
    let _attempt = match limiter.begin(&keys) {
        Ok(a) => a,
        Err(wait) => return Ok(Err(LoginError::Throttled(wait))),
    };
    // argon2id takes ~19 MiB per check: a handful at a time, whoever sends how many.
    let _hashing = limiter.hashing.acquire().await.map_err(|_| BackendError::Unavailable)?;
    let found = account::Entity::find().filter(account::Column::Username.eq(username.clone())).one(db).await?;
    let phc = match &found {
        Some(a) => a.password_hash.clone(),
        None => dummy_hash().await,
    };
    let matches = password_matches(password.to_string(), phc).await;
    let account = match found {
        Some(a) if matches && a.active => a,
        other => {
            limiter.failed(&keys);
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
            audit::record(db, Entry::new("anonymous", ward, "auth.login_failed", subject).detail(serde_json::json!({ "reason": why, "ip": ip })))
                .await?;
            return Ok(Err(LoginError::Wrong));
        }
    };
    limiter.succeeded(&keys[0]);
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
    audit::append(&txn, Entry::new(&account.username, account.ward_id, "auth.login", format!("account:{}", account.username)).detail(serde_json::json!({ "ip": ip })))
        .await?;
    txn.commit().await?;
    let user = StaffUser {
        account_id: account.id,
        username: account.username,
        display_name: account.display_name,
        role,
        ward_id: account.ward_id,
        session_id: id,
    };
    Ok(Ok(LoginOk { token, user }))
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

/// Failed sign-ins per username and per address in a sliding window. Five wrong passwords
/// for a name, or twenty from one address, in 15 minutes block further tries until the
/// oldest failure leaves the window. Kept in memory: a restart forgets, which only helps
/// someone who can restart the server anyway.
pub struct LoginLimiter {
    window: StdDuration,
    per_user: usize,
    per_ip: usize,
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
    /// Attempts being checked right now, per key.
    in_flight: Mutex<HashMap<String, usize>>,
    /// Password checks running at once.
    pub hashing: tokio::sync::Semaphore,
}

/// One sign-in attempt under way; dropping it ends it.
pub struct Attempt<'a> {
    limiter: &'a LoginLimiter,
    keys: Vec<String>,
}

impl Drop for Attempt<'_> {
    fn drop(&mut self) {
        let mut map = self.limiter.in_flight.lock().unwrap_or_else(|p| p.into_inner());
        for k in &self.keys {
            if let Some(n) = map.get_mut(k) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    map.remove(k);
                }
            }
        }
    }
}

impl Default for LoginLimiter {
    fn default() -> Self {
        LoginLimiter::new(StdDuration::from_secs(15 * 60), 5, 20)
    }
}

impl LoginLimiter {
    pub fn new(window: StdDuration, per_user: usize, per_ip: usize) -> Self {
        LoginLimiter {
            window,
            per_user,
            per_ip,
            failures: Mutex::new(HashMap::new()),
            in_flight: Mutex::new(HashMap::new()),
            hashing: tokio::sync::Semaphore::new(4),
        }
    }

    /// Starts an attempt unless failures plus attempts under way already reach a limit;
    /// otherwise the seconds to wait.
    pub fn begin(&self, keys: &[String]) -> Result<Attempt<'_>, u64> {
        let mut flying = self.in_flight.lock().unwrap_or_else(|p| p.into_inner());
        let busy = keys.iter().find(|k| {
            let failed = self.recent_failures(k);
            failed + flying.get(*k).copied().unwrap_or(0) >= self.limit(k)
        });
        if busy.is_some() {
            return Err(self.blocked(keys).unwrap_or(1));
        }
        for k in keys {
            *flying.entry(k.clone()).or_default() += 1;
        }
        Ok(Attempt { limiter: self, keys: keys.to_vec() })
    }

    fn recent_failures(&self, key: &str) -> usize {
        let now = Instant::now();
        let map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        map.get(key).map_or(0, |q| q.iter().filter(|t| now.duration_since(**t) < self.window).count())
    }

    fn limit(&self, key: &str) -> usize {
        if key.starts_with("ip:") {
            self.per_ip
        } else {
            self.per_user
        }
    }

    /// Seconds to wait, if any of `keys` is over its limit.
    pub fn blocked(&self, keys: &[String]) -> Option<u64> {
        let now = Instant::now();
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        keys.iter()
            .filter_map(|k| {
                let q = map.get_mut(k)?;
                while q.front().is_some_and(|t| now.duration_since(*t) >= self.window) {
                    q.pop_front();
                }
                (q.len() >= self.limit(k)).then(|| q.front().map_or(1, |t| (self.window - now.duration_since(*t)).as_secs().max(1)))
            })
            .max()
    }

    pub fn failed(&self, keys: &[String]) {
        let now = Instant::now();
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() > 10_000 {
            map.retain(|_, q| q.back().is_some_and(|t| now.duration_since(*t) < self.window));
        }
        for k in keys {
            map.entry(k.clone()).or_default().push_back(now);
        }
    }

    pub fn succeeded(&self, user_key: &str) {
        self.failures.lock().unwrap_or_else(|p| p.into_inner()).remove(user_key);
    }
}

/// Demo accounts (demo mode only): one per role, all with [`DEMO_PASSWORD`].
pub const DEMO_ACCOUNTS: [(&str, &str, Role); 4] = [
    ("admin", "Quản trị viên (demo)", Role::Admin),
    ("canbo", "Nguyễn Thị Cán Bộ (demo)", Role::Officer),
    ("truongbp", "Trần Văn Trưởng (demo)", Role::Supervisor),
    ("hotro", "Lê Thị Hỗ Trợ (demo)", Role::Support),
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
    fn five_failures_block_a_name_and_success_clears_it() {
        let l = LoginLimiter::new(StdDuration::from_secs(60), 5, 20);
        let keys = ["user:a".to_string(), "ip:1".to_string()];
        for _ in 0..4 {
            l.failed(&keys);
            assert_eq!(l.blocked(&keys), None);
        }
        l.failed(&keys);
        assert!(l.blocked(&keys).is_some_and(|s| s <= 60));
        // Another name from the same address is not blocked until the address's own limit.
        assert_eq!(l.blocked(&["user:b".to_string(), "ip:1".to_string()]), None);
        l.succeeded("user:a");
        assert_eq!(l.blocked(&keys), None);
    }

    #[test]
    fn parallel_attempts_count_before_they_finish() {
        let l = LoginLimiter::new(StdDuration::from_secs(60), 2, 20);
        let keys = ["user:a".to_string(), "ip:1".to_string()];
        let first = l.begin(&keys).expect("first");
        let second = l.begin(&keys).expect("second");
        assert!(l.begin(&keys).is_err(), "a third parallel try waits");
        drop(first);
        l.failed(&keys);
        assert!(l.begin(&keys).is_err(), "one failure and one under way still make two");
        drop(second);
        assert!(l.begin(&keys).is_ok());
    }

    #[test]
    fn failures_leave_the_window() {
        let l = LoginLimiter::new(StdDuration::from_millis(30), 1, 20);
        let keys = ["user:a".to_string()];
        l.failed(&keys);
        assert!(l.blocked(&keys).is_some());
        std::thread::sleep(StdDuration::from_millis(40));
        assert_eq!(l.blocked(&keys), None);
    }

    #[test]
    fn usernames_are_plain() {
        assert_eq!(clean_username("  CanBo.1 ").ok().as_deref(), Some("canbo.1"));
        assert!(clean_username("a b").is_err());
        assert!(clean_username("x").is_err());
        assert!(clean_username("nguyễn").is_err());
    }

    #[test]
    fn admins_without_a_ward_cover_every_ward() {
        let mut u = StaffUser { account_id: 1, username: "a".into(), display_name: "A".into(), role: Role::Admin, ward_id: None, session_id: String::new() };
        assert!(u.covers_ward(7));
        u.role = Role::Officer;
        assert!(!u.covers_ward(7));
        u.ward_id = Some(7);
        assert!(u.covers_ward(7) && !u.covers_ward(8));
    }
}
