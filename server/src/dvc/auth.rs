//! Request signing for the DVC connector, both ways (the portal's requests to WardPay and
//! WardPay's callbacks to the portal):
//!
//! ```text
//! X-WardPay-Key-Id:         the key id
//! X-WardPay-Timestamp:      unix seconds
//! X-WardPay-Content-SHA256: hex SHA-256 of the body (of the empty string when there is none)
//! X-WardPay-Signature:      hex HMAC-SHA256(secret, METHOD "\n" PATH "\n" TIMESTAMP "\n" CONTENT-SHA256)
//! ```
//! PATH is the request path without the query string, exactly as sent. A request is
//! accepted within 5 minutes of its timestamp (either way) and only once: the signatures
//! of the last 15 minutes are kept in the database, so a replay is refused even by another
//! instance or after a restart.

use super::error::DvcError;
use app::backend::entity::{dvc_client, dvc_nonce};
use app::backend::BackendError;
use axum::http::HeaderMap;
use chrono::Utc;
use hmac::{Hmac, KeyInit, Mac};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, Set, TransactionTrait, TryInsertResult,
};
use sha2::{Digest, Sha256};
use std::str::FromStr;

type HmacSha256 = Hmac<Sha256>;

pub const HEADER_KEY_ID: &str = "x-wardpay-key-id";
pub const HEADER_TIMESTAMP: &str = "x-wardpay-timestamp";
pub const HEADER_CONTENT_SHA256: &str = "x-wardpay-content-sha256";
pub const HEADER_SIGNATURE: &str = "x-wardpay-signature";
pub const HEADER_IDEMPOTENCY_KEY: &str = "idempotency-key";

/// How far a request's timestamp may be from the server's clock, either way.
pub const WINDOW_SECS: i64 = 300;
/// How long seen signatures are kept: longer than any signature stays acceptable.
pub const NONCE_RETENTION_SECS: i64 = 3 * WINDOW_SECS;

/// The header names as the documentation spells them (used in error `field`s).
pub const FIELD_KEY_ID: &str = "X-WardPay-Key-Id";
pub const FIELD_TIMESTAMP: &str = "X-WardPay-Timestamp";
pub const FIELD_CONTENT_SHA256: &str = "X-WardPay-Content-SHA256";
pub const FIELD_SIGNATURE: &str = "X-WardPay-Signature";
pub const FIELD_IDEMPOTENCY_KEY: &str = "Idempotency-Key";

/// One configured API key, `keyid:secret`. Its `Debug` never shows the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct DvcKey {
    pub id: String,
    secret: String,
}

impl DvcKey {
    pub fn new(id: &str, secret: &str) -> Result<Self, String> {
        let id = id.trim();
        let secret = secret.trim();
        if id.is_empty() || id.len() > 64 || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b)) {
            return Err("a DVC key id is 1 to 64 letters, digits, '.', '_' or '-'".into());
        }
        if secret.len() < 16 {
            return Err(format!("the secret of DVC key {id:?} must be at least 16 characters"));
        }
        Ok(DvcKey { id: id.to_string(), secret: secret.to_string() })
    }

    pub fn secret(&self) -> &str {
        &self.secret
    }
}

impl FromStr for DvcKey {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (id, secret) = s.split_once(':').ok_or("expected keyid:secret")?;
        DvcKey::new(id, secret)
    }
}

/// Parses `--dvc-keys` / `WARDPAY_DVC_KEYS` without ever echoing a value in its errors
/// (clap's default message would print the secret).
#[derive(Clone, Copy, Debug, Default)]
pub struct DvcKeyParser;

impl clap::builder::TypedValueParser for DvcKeyParser {
    type Value = DvcKey;

    fn parse_ref(&self, _cmd: &clap::Command, _arg: Option<&clap::Arg>, value: &std::ffi::OsStr) -> Result<DvcKey, clap::Error> {
        use clap::error::ErrorKind;
        let s = value.to_str().ok_or_else(|| clap::Error::raw(ErrorKind::InvalidUtf8, "WARDPAY_DVC_KEYS (--dvc-keys) must be UTF-8\n"))?;
        s.parse().map_err(|e: String| {
            clap::Error::raw(ErrorKind::ValueValidation, format!("invalid WARDPAY_DVC_KEYS (--dvc-keys) entry: {e}\n"))
        })
    }
}

impl std::fmt::Debug for DvcKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DvcKey({}:***)", self.id)
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

pub fn string_to_sign(method: &str, path: &str, timestamp: i64, content_sha256: &str) -> String {
    format!("{}\n{}\n{}\n{}", method.to_ascii_uppercase(), path, timestamp, content_sha256.to_ascii_lowercase())
}

fn mac(secret: &str, method: &str, path: &str, timestamp: i64, content_sha256: &str) -> HmacSha256 {
    let mut mac = HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(string_to_sign(method, path, timestamp, content_sha256).as_bytes());
    mac
}

pub fn signature(secret: &str, method: &str, path: &str, timestamp: i64, content_sha256: &str) -> String {
    hex::encode(mac(secret, method, path, timestamp, content_sha256).finalize().into_bytes())
}

/// The four headers of a signed request.
#[derive(Clone, Debug)]
pub struct SignedHeaders {
    pub key_id: String,
    pub timestamp: i64,
    pub content_sha256: String,
    pub signature: String,
}

impl SignedHeaders {
    pub fn pairs(&self) -> [(&'static str, String); 4] {
        [
            (FIELD_KEY_ID, self.key_id.clone()),
            (FIELD_TIMESTAMP, self.timestamp.to_string()),
            (FIELD_CONTENT_SHA256, self.content_sha256.clone()),
            (FIELD_SIGNATURE, self.signature.clone()),
        ]
    }
}

/// Signs a request (what the portal does; WardPay does the same for its callbacks).
pub fn sign_request(key_id: &str, secret: &str, method: &str, path: &str, body: &[u8], timestamp: i64) -> SignedHeaders {
    let content_sha256 = sha256_hex(body);
    let signature = signature(secret, method, path, timestamp, &content_sha256);
    SignedHeaders { key_id: key_id.to_string(), timestamp, content_sha256, signature }
}

/// Why a signed request was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VerifyError {
    Missing(&'static str),
    BadTimestamp,
    Expired,
    BadContentHash,
    BadSignature,
}

impl VerifyError {
    pub fn code(self) -> &'static str {
        match self {
            VerifyError::Missing(_) => "missing_header",
            VerifyError::BadTimestamp => "bad_timestamp",
            VerifyError::Expired => "expired",
            VerifyError::BadContentHash => "bad_content_hash",
            VerifyError::BadSignature => "bad_signature",
        }
    }

    pub fn field(self) -> &'static str {
        match self {
            VerifyError::Missing(f) => f,
            VerifyError::BadTimestamp | VerifyError::Expired => FIELD_TIMESTAMP,
            VerifyError::BadContentHash => FIELD_CONTENT_SHA256,
            VerifyError::BadSignature => FIELD_SIGNATURE,
        }
    }

    pub fn message(self) -> String {
        match self {
            VerifyError::Missing(f) => format!("the {f} header is required"),
            VerifyError::BadTimestamp => "the timestamp must be unix seconds".into(),
            VerifyError::Expired => format!("the timestamp is more than {WINDOW_SECS} seconds from the server's clock"),
            VerifyError::BadContentHash => "the body does not match its SHA-256".into(),
            VerifyError::BadSignature => "the signature does not match".into(),
        }
    }
}

pub fn header<'a>(headers: &'a HeaderMap, name: &'static str, field: &'static str) -> Result<&'a str, VerifyError> {
    headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim).filter(|v| !v.is_empty()).ok_or(VerifyError::Missing(field))
}

/// Checks a signed request's timestamp window, body hash and signature (not replays: the
/// server does that with [`authenticate`]). The portal can use it on WardPay's callbacks.
pub fn verify(secret: &str, method: &str, path: &str, headers: &HeaderMap, body: &[u8], now_secs: i64) -> Result<(), VerifyError> {
    let ts = header(headers, HEADER_TIMESTAMP, FIELD_TIMESTAMP)?;
    let content = header(headers, HEADER_CONTENT_SHA256, FIELD_CONTENT_SHA256)?;
    let sig = header(headers, HEADER_SIGNATURE, FIELD_SIGNATURE)?;
    let ts: i64 = ts.parse().map_err(|_| VerifyError::BadTimestamp)?;
    if (now_secs - ts).abs() > WINDOW_SECS {
        return Err(VerifyError::Expired);
    }
    if !content.eq_ignore_ascii_case(&sha256_hex(body)) {
        return Err(VerifyError::BadContentHash);
    }
    let sig = hex::decode(sig).map_err(|_| VerifyError::BadSignature)?;
    // verify_slice compares in constant time.
    mac(secret, method, path, ts, &content.to_ascii_lowercase()).verify_slice(&sig).map_err(|_| VerifyError::BadSignature)
}

/// Authenticates a request to the API and remembers its signature: returns the client.
pub async fn authenticate(
    db: &DatabaseConnection,
    method: &str,
    path: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<dvc_client::Model, DvcError> {
    let unauthorized = |e: VerifyError| DvcError::unauthorized(e.code(), e.field(), e.message());
    let key_id = header(headers, HEADER_KEY_ID, FIELD_KEY_ID).map_err(unauthorized)?;
    let client = dvc_client::Entity::find()
        .filter(dvc_client::Column::KeyId.eq(key_id))
        .filter(dvc_client::Column::Active.eq(true))
        .one(db)
        .await
        .map_err(BackendError::from)?
        .ok_or_else(|| DvcError::unauthorized("unknown_key", FIELD_KEY_ID, "unknown or disabled key id"))?;
    if let Err(e) = verify(&client.secret, method, path, headers, body, Utc::now().timestamp()) {
        tracing::warn!(key_id = %client.key_id, reason = e.code(), "DVC request refused");
        return Err(unauthorized(e));
    }
    let sig = header(headers, HEADER_SIGNATURE, FIELD_SIGNATURE).map_err(unauthorized)?.to_ascii_lowercase();
    let seen = dvc_nonce::ActiveModel { signature: Set(sig), key_id: Set(client.key_id.clone()), seen_at: Set(Utc::now()) };
    let fresh = match dvc_nonce::Entity::insert(seen)
        .on_conflict_do_nothing_on([dvc_nonce::Column::Signature])
        .exec_without_returning(db)
        .await
        .map_err(BackendError::from)?
    {
        TryInsertResult::Inserted(n) => n > 0,
        TryInsertResult::Conflicted | TryInsertResult::Empty => false,
    };
    if !fresh {
        tracing::warn!(key_id = %client.key_id, "DVC request replayed");
        return Err(DvcError::unauthorized(
            "replayed",
            FIELD_SIGNATURE,
            "this signed request was already received; sign every request anew",
        ));
    }
    Ok(client)
}

/// Forgets signatures too old to be accepted again, and old idempotency records.
pub async fn prune(db: &impl ConnectionTrait) -> Result<(), BackendError> {
    let now = Utc::now();
    dvc_nonce::Entity::delete_many()
        .filter(dvc_nonce::Column::SeenAt.lt(now - chrono::Duration::seconds(NONCE_RETENTION_SECS)))
        .exec(db)
        .await?;
    app::backend::entity::dvc_idempotency::Entity::delete_many()
        .filter(app::backend::entity::dvc_idempotency::Column::CreatedAt.lt(now - chrono::Duration::hours(24)))
        .exec(db)
        .await?;
    Ok(())
}

/// 32 random bytes, hex.
pub fn random_secret() -> String {
    use rand::RngCore;
    let mut key = [0u8; 32];
    rand::rng().fill_bytes(&mut key);
    hex::encode(key)
}

/// Makes the `dvc_client` table match the configuration: the configured keys active with
/// the configured callback URL, every other key disabled. In demo mode without keys, key
/// `demo` is configured with a random secret (kept across restarts in the database, where
/// `wardpay simulate-dvc` finds it).
pub async fn sync_clients(
    db: &DatabaseConnection,
    keys: &[DvcKey],
    callback_url: Option<&str>,
    demo: bool,
) -> Result<Vec<String>, BackendError> {
    let mut keys = keys.to_vec();
    if keys.is_empty() && demo {
        let existing = dvc_client::Entity::find().filter(dvc_client::Column::KeyId.eq("demo")).one(db).await?;
        let secret = existing.map(|c| c.secret).filter(|s| s.len() >= 16).unwrap_or_else(random_secret);
        keys.push(DvcKey::new("demo", &secret).map_err(|e| BackendError::invalid("dvc_keys", e))?);
        tracing::info!("demo mode: a DVC API key with id \"demo\" is configured (`wardpay simulate-dvc` uses it)");
    }
    let ids: Vec<String> = keys.iter().map(|k| k.id.clone()).collect();
    let now = Utc::now();
    let txn = db.begin().await?;
    // A write first (see payments: a transaction that reads first may fail on SQLite).
    dvc_client::Entity::update_many()
        .col_expr(dvc_client::Column::Active, Expr::value(false))
        .col_expr(dvc_client::Column::UpdatedAt, Expr::value(now))
        .filter(dvc_client::Column::KeyId.is_not_in(ids.clone()))
        .filter(dvc_client::Column::Active.eq(true))
        .exec(&txn)
        .await?;
    for k in &keys {
        let updated = dvc_client::Entity::update_many()
            .col_expr(dvc_client::Column::Secret, Expr::value(k.secret().to_string()))
            .col_expr(dvc_client::Column::CallbackUrl, Expr::value(callback_url.map(str::to_string)))
            .col_expr(dvc_client::Column::Active, Expr::value(true))
            .col_expr(dvc_client::Column::UpdatedAt, Expr::value(now))
            .filter(dvc_client::Column::KeyId.eq(k.id.as_str()))
            .exec(&txn)
            .await?;
        if updated.rows_affected == 0 {
            dvc_client::ActiveModel {
                key_id: Set(k.id.clone()),
                secret: Set(k.secret().to_string()),
                callback_url: Set(callback_url.map(str::to_string)),
                active: Set(true),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
        }
    }
    txn.commit().await?;
    if !ids.is_empty() {
        tracing::info!(keys = ids.len(), callback = callback_url.is_some(), "DVC connector enabled");
    }
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_parse_and_never_show_their_secret() {
        let k: DvcKey = "portal:0123456789abcdef0123".parse().expect("key");
        assert_eq!(k.id, "portal");
        assert!(!format!("{k:?}").contains("0123456789"));
        assert!("portal".parse::<DvcKey>().is_err());
        assert!("portal:short".parse::<DvcKey>().is_err());
        assert!("bad key:0123456789abcdef".parse::<DvcKey>().is_err());
    }

    #[test]
    fn signatures_cover_method_path_time_and_body() {
        let s = sign_request("k", "0123456789abcdef", "POST", "/api/dvc/v1/payment-requests", b"{}", 1_700_000_000);
        let mut h = HeaderMap::new();
        for (k, v) in s.pairs() {
            h.insert(axum::http::HeaderName::from_bytes(k.as_bytes()).expect("name"), v.parse().expect("value"));
        }
        let ok = |m: &str, p: &str, b: &[u8], now: i64| verify("0123456789abcdef", m, p, &h, b, now);
        assert_eq!(ok("POST", "/api/dvc/v1/payment-requests", b"{}", 1_700_000_100), Ok(()));
        assert_eq!(ok("GET", "/api/dvc/v1/payment-requests", b"{}", 1_700_000_100), Err(VerifyError::BadSignature));
        assert_eq!(ok("POST", "/api/dvc/v1/x", b"{}", 1_700_000_100), Err(VerifyError::BadSignature));
        assert_eq!(ok("POST", "/api/dvc/v1/payment-requests", b"{ }", 1_700_000_100), Err(VerifyError::BadContentHash));
        assert_eq!(ok("POST", "/api/dvc/v1/payment-requests", b"{}", 1_700_000_301), Err(VerifyError::Expired));
        assert_eq!(
            verify("another-secret-0000", "POST", "/api/dvc/v1/payment-requests", &h, b"{}", 1_700_000_000),
            Err(VerifyError::BadSignature)
        );
    }
}
