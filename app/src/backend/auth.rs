//! Staff accounts, passwords and sessions, and who a request comes from.
//!
//! Passwords are argon2id PHC strings. A session is a random token in an HttpOnly,
//! SameSite=Strict cookie; the database keeps only its SHA-256, so a copy of the table opens
//! nothing. Sessions end 12 hours after sign-in or 2 hours after the last request.

use super::audit::{self, Entry};
use super::entity::{account, known_device, session};
use super::BackendError;
use crate::model::{AccountRow, Me, NewAccount, Role};
use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set, TransactionTrait,
};
use sha2::{Digest, Sha256};
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration as StdDuration, Instant};

pub const SESSION_COOKIE: &str = "wp_session";
pub const KIOSK_COOKIE: &str = "wp_kiosk";
/// A browser an account signed in from before: its sign-in attempts for that account are
/// throttled on their own (see [`LoginLimiter`]).
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
    limiter: &LoginLimiter,
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
    let _attempt = match limiter.begin(&keys) {
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
            audit::record(
                db,
                Entry::new("anonymous", ward, "auth.login_failed", subject).detail(serde_json::json!({ "reason": why, "ip": ip })),
            )
            .await?;
            return Ok(Err(LoginError::Wrong));
        }
    };
    limiter.succeeded(&keys);
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

/// Failed sign-ins in a 15-minute sliding window, counted so that an attacker is slowed
/// and the rightful user is not locked out:
///
/// - per **name and address** (`pair:`): five failures, then one try after a wait that
///   doubles with each further failure (30 s, 1 min, 2 min… at most the window);
/// - per **address** (`ip:`, 100) and per **name** from any address (`user:`, 50), with the
///   same backoff, against sprays across names or from many addresses;
/// - a browser the account signed in from before (its `wp_device` cookie, see
///   [`KNOWN_DEVICE_COOKIE`]) is counted on its own (`dev:`) and never by the address or
///   name-wide counts: a stranger's failures, or a colleague's behind the same NAT, never
///   lock the owner out of their own PC.
///
/// Kept in memory: a restart forgets, which only helps someone who can restart the server.
pub struct LoginLimiter {
    window: StdDuration,
    per_pair: usize,
    per_ip: usize,
    per_user: usize,
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
    /// Attempts being checked right now, per key.
    in_flight: Mutex<HashMap<String, usize>>,
    /// When each key's throttling was last reported to the audit log.
    reported: Mutex<HashMap<String, Instant>>,
    /// Password checks running at once.
    pub hashing: tokio::sync::Semaphore,
}

/// The first wait after a key reaches its limit; it doubles with every further failure.
const BACKOFF_BASE: StdDuration = StdDuration::from_secs(30);

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
        LoginLimiter::new(StdDuration::from_secs(15 * 60), 5, 100, 50)
    }
}

/// The keys an attempt counts under (see [`LoginLimiter`]).
pub fn login_keys(username: &str, ip: Option<&str>, known_device: Option<&str>) -> Vec<String> {
    let ip = ip.unwrap_or("-");
    match known_device {
        Some(device) => vec![format!("dev:{device}|{username}")],
        None => vec![format!("pair:{username}|{ip}"), format!("ip:{ip}"), format!("user:{username}")],
    }
}

impl LoginLimiter {
    pub fn new(window: StdDuration, per_pair: usize, per_ip: usize, per_user: usize) -> Self {
        LoginLimiter {
            window,
            per_pair,
            per_ip,
            per_user,
            failures: Mutex::new(HashMap::new()),
            in_flight: Mutex::new(HashMap::new()),
            reported: Mutex::new(HashMap::new()),
            hashing: tokio::sync::Semaphore::new(4),
        }
    }

    fn limit(&self, key: &str) -> usize {
        if key.starts_with("ip:") {
            self.per_ip
        } else if key.starts_with("user:") {
            self.per_user
        } else {
            self.per_pair
        }
    }

    /// Seconds `key` must still wait, given its failures in the window and tries under way.
    fn wait(&self, key: &str, failures: &VecDeque<Instant>, flying: usize, now: Instant) -> Option<u64> {
        let limit = self.limit(key);
        let n = failures.len();
        if n + flying < limit {
            return None;
        }
        if n < limit || flying > 0 {
            // Parallel tries past the limit: they wait for the ones under way.
            return Some(1);
        }
        let doublings = u32::try_from(n - limit).unwrap_or(u32::MAX).min(16);
        let backoff = BACKOFF_BASE.saturating_mul(1 << doublings).min(self.window);
        let last = failures.back().copied().unwrap_or(now);
        let until = last + backoff;
        // Whole seconds, rounded up: a client that waits what it is told is let in.
        (until > now).then(|| {
            let left = until - now;
            (left.as_secs() + u64::from(left.subsec_nanos() > 0)).max(1)
        })
    }

    /// Starts an attempt, or says how many seconds to wait.
    pub fn begin(&self, keys: &[String]) -> Result<Attempt<'_>, u64> {
        let now = Instant::now();
        let mut flying = self.in_flight.lock().unwrap_or_else(|p| p.into_inner());
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let empty = VecDeque::new();
        let wait = keys
            .iter()
            .filter_map(|k| {
                if let Some(q) = failures.get_mut(k) {
                    while q.front().is_some_and(|t| now.duration_since(*t) >= self.window) {
                        q.pop_front();
                    }
                }
                let q = failures.get(k).unwrap_or(&empty);
                self.wait(k, q, flying.get(k).copied().unwrap_or(0), now)
            })
            .max();
        if let Some(w) = wait {
            return Err(w);
        }
        for k in keys {
            *flying.entry(k.clone()).or_default() += 1;
        }
        Ok(Attempt { limiter: self, keys: keys.to_vec() })
    }

    /// Seconds to wait, if any of `keys` is throttled now (no attempt is started).
    pub fn blocked(&self, keys: &[String]) -> Option<u64> {
        self.begin(keys).err()
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

    /// The right password: the name's own counts (with this address or browser) start over;
    /// the address- and name-wide counts stay, they are about other people's tries.
    pub fn succeeded(&self, keys: &[String]) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        for k in keys.iter().filter(|k| k.starts_with("pair:") || k.starts_with("dev:")) {
            map.remove(k);
        }
    }

    /// Whether a refusal for `keys` should go to the audit log: once a minute per key set,
    /// so a flood of refused tries is seen without writing a row for each.
    pub fn should_report(&self, keys: &[String]) -> bool {
        let now = Instant::now();
        let key = keys.join(" ");
        let mut map = self.reported.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() > 10_000 {
            map.retain(|_, t| now.duration_since(*t) < StdDuration::from_secs(60));
        }
        match map.get(&key) {
            Some(t) if now.duration_since(*t) < StdDuration::from_secs(60) => false,
            _ => {
                map.insert(key, now);
                true
            }
        }
    }
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

    fn keys(user: &str, ip: &str) -> Vec<String> {
        login_keys(user, Some(ip), None)
    }

    #[test]
    fn five_failures_slow_a_name_at_one_address_only() {
        let l = LoginLimiter::default();
        for _ in 0..5 {
            assert_eq!(l.blocked(&keys("a", "1")), None);
            l.failed(&keys("a", "1"));
        }
        let wait = l.blocked(&keys("a", "1")).expect("the sixth try from that address waits");
        assert!((1..=30).contains(&wait), "{wait}");
        assert_eq!(l.blocked(&keys("a", "2")), None, "the owner at another address is not locked out");
        assert_eq!(l.blocked(&keys("b", "1")), None, "another name behind the same address is not locked out");
        assert_eq!(l.blocked(&login_keys("a", Some("1"), Some("dev"))), None, "the owner's known browser is not locked out");
        l.succeeded(&keys("a", "1"));
        assert_eq!(l.blocked(&keys("a", "1")), None);
    }

    #[test]
    fn the_wait_doubles_with_each_further_failure() {
        let l = LoginLimiter::default();
        let k = keys("a", "1");
        let f = |n: usize| {
            let q: VecDeque<Instant> = std::iter::repeat_n(Instant::now(), n).collect();
            l.wait(&k[0], &q, 0, Instant::now())
        };
        assert_eq!(f(4), None);
        assert_eq!(f(5), Some(30));
        assert_eq!(f(6), Some(60));
        assert_eq!(f(7), Some(120));
        assert_eq!(f(30), Some(15 * 60), "never more than the window");
    }

    #[test]
    fn a_spray_from_one_address_is_slowed_but_a_nat_office_is_not_locked() {
        let l = LoginLimiter::default();
        for i in 0..20 {
            l.failed(&keys(&format!("user{i}"), "10.0.0.1"));
        }
        assert_eq!(l.blocked(&keys("canbo", "10.0.0.1")), None, "twenty failures behind one address lock no one");
        for i in 20..100 {
            l.failed(&keys(&format!("user{i}"), "10.0.0.1"));
        }
        assert!(l.blocked(&keys("someone", "10.0.0.1")).is_some(), "a hundred slow the address down");
        assert_eq!(l.blocked(&login_keys("canbo", Some("10.0.0.1"), Some("known"))), None, "known browsers still get in");
    }

    #[test]
    fn parallel_attempts_count_before_they_finish() {
        let l = LoginLimiter::new(StdDuration::from_secs(60), 2, 100, 50);
        let keys = keys("a", "1");
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
        let l = LoginLimiter::new(StdDuration::from_millis(30), 1, 100, 50);
        let keys = keys("a", "1");
        l.failed(&keys);
        assert!(l.blocked(&keys).is_some());
        std::thread::sleep(StdDuration::from_millis(40));
        assert_eq!(l.blocked(&keys), None);
    }

    #[test]
    fn throttling_is_reported_once_a_minute() {
        let l = LoginLimiter::default();
        assert!(l.should_report(&keys("a", "1")));
        assert!(!l.should_report(&keys("a", "1")));
        assert!(l.should_report(&keys("a", "2")));
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
