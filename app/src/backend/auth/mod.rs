//! Staff accounts, passwords and sessions, and who a request comes from. This file holds the
//! identities (`Principal`) and tokens; `passwords`, `accounts`, `sessions` (sign-in and
//! sign-out) and `demo` (the demo accounts) hold the rest, and sign-in throttling is
//! `super::login_throttle`.
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

mod accounts;
mod demo;
mod passwords;
mod sessions;

pub use accounts::{create_account, create_account_hashed, find_account, list_accounts, set_active, set_password};
pub use demo::{seed_demo_accounts, DEMO_ACCOUNTS, DEMO_PASSWORD};
pub use passwords::{check_password_rules, clean_username, hash_password};
use passwords::{dummy_hash, password_matches};
pub use sessions::{
    end_session, login, logout, recent_attempts, resolve_session, session_alive_by_id, LoginError, LoginOk, KNOWN_DEVICE_IDLE,
};

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
