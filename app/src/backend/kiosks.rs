//! Pairing a kiosk browser with its counter.
//!
//! An unpaired kiosk asks for a pairing: it gets a secret in an HttpOnly cookie and shows a
//! short one-time code. An admin types the code (and confirms the counter); the secret's
//! hash becomes the device's token hash, so the cookie the kiosk already holds is now its
//! device token. Nothing secret ever crosses the admin's screen. Revoking the device ends
//! it at once: every request and every open socket checks it.

use super::audit::{self, Entry};
use super::auth::{new_token, token_hash, KioskUser, StaffUser};
use super::entity::{counter, kiosk_device, kiosk_pairing};
use super::BackendError;
use crate::model::{KioskDeviceRow, PairingCode, PairingStatus};
use chrono::{Duration, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set, TransactionTrait};

pub const PAIRING_TTL: Duration = Duration::minutes(10);
/// Unambiguous on a screen and on a keyboard: no 0/O, 1/I/L, 2/Z, 5/S, 8/B.
const CODE_ALPHABET: &[u8] = b"ACDEFGHJKMNPQRTUVWXY34679";
const CODE_LEN: usize = 6;
/// Codes that may wait for one counter at once; more are refused, none is evicted.
const MAX_WAITING_PER_COUNTER: u64 = 20;
const TOUCH_EVERY: Duration = Duration::seconds(60);

fn new_code() -> String {
    use rand::Rng;
    let mut rng = rand::rng();
    (0..CODE_LEN).map(|_| CODE_ALPHABET[rng.random_range(0..CODE_ALPHABET.len())] as char).collect()
}

/// What people type: spaces, dashes and case do not matter.
pub fn normalize_code(s: &str) -> String {
    s.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_uppercase()).collect()
}

/// New pairing codes one address may ask for within [`PAIRING_TTL`].
const MAX_CODES_PER_ADDRESS: u64 = 10;

/// Starts (or resumes) a pairing for the kiosk holding `claim` at `counter_id`, asked for
/// from address `ip`. Returns the secret to keep in the kiosk's cookie and the code to show.
///
/// Anyone can open a kiosk page, so creating codes is limited per address and per counter,
/// and a flood is refused rather than allowed to push out the code a real kiosk is showing.
pub async fn start_pairing(
    db: &DatabaseConnection,
    counter_id: i64,
    claim: Option<&str>,
    ip: Option<&str>,
) -> Result<(String, PairingCode), BackendError> {
    counter::Entity::find_by_id(counter_id).one(db).await?.ok_or(BackendError::NotFound("counter"))?;
    let now = Utc::now();
    kiosk_pairing::Entity::delete_many().filter(kiosk_pairing::Column::ExpiresAt.lte(now)).exec(db).await?;
    if let Some(claim) = claim {
        let pending = kiosk_pairing::Entity::find()
            .filter(kiosk_pairing::Column::ClaimHash.eq(token_hash(claim)))
            .filter(kiosk_pairing::Column::CounterId.eq(counter_id))
            .one(db)
            .await?;
        if let Some(p) = pending {
            let code = PairingCode { code: p.code, counter_id, seconds_left: (p.expires_at - now).num_seconds().max(0) };
            return Ok((claim.to_string(), code));
        }
    }
    // Every code still waiting was created within the last PAIRING_TTL (older ones were
    // just deleted), so counting the waiting ones is counting recent requests.
    let oldest_wait =
        |rows: &[kiosk_pairing::Model]| rows.iter().map(|p| (p.expires_at - now).num_seconds()).min().unwrap_or(60).max(1) as u64;
    let ip = ip.map(address_group);
    if let Some(ip) = &ip {
        let mine = kiosk_pairing::Entity::find().filter(kiosk_pairing::Column::RequestedIp.eq(ip.as_str())).all(db).await?;
        if mine.len() as u64 >= MAX_CODES_PER_ADDRESS {
            return Err(BackendError::Throttled {
                retry_after_secs: oldest_wait(&mine),
                message: "quá nhiều mã ghép nối từ địa chỉ này; thử lại sau (too many pairing codes from this address)".into(),
            });
        }
    }
    let waiting = kiosk_pairing::Entity::find().filter(kiosk_pairing::Column::CounterId.eq(counter_id)).all(db).await?;
    if waiting.len() as u64 >= MAX_WAITING_PER_COUNTER {
        return Err(BackendError::Throttled {
            retry_after_secs: oldest_wait(&waiting),
            message: "quầy này đang có quá nhiều mã ghép nối chờ; thử lại sau (too many pairing codes wait for this counter)".into(),
        });
    }
    let secret = new_token();
    // A clash of two random codes is rare; the unique index catches it and we draw again.
    for _ in 0..5 {
        let code = new_code();
        let am = kiosk_pairing::ActiveModel {
            code: Set(code.clone()),
            claim_hash: Set(token_hash(&secret)),
            counter_id: Set(counter_id),
            created_at: Set(now),
            expires_at: Set(now + PAIRING_TTL),
            requested_ip: Set(ip.clone()),
            ..Default::default()
        };
        if am.insert(db).await.is_ok() {
            return Ok((secret, PairingCode { code, counter_id, seconds_left: PAIRING_TTL.num_seconds() }));
        }
    }
    Err(BackendError::Conflict("could not draw a free pairing code".into()))
}

/// The address as counted for the per-address limit: an IPv4 address, or an IPv6 address's
/// /64 (one subscriber's network, which hands out many addresses).
fn address_group(ip: &str) -> String {
    match ip.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V6(v6)) if v6.to_ipv4_mapped().is_none() => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        Ok(addr) => addr.to_canonical().to_string(),
        Err(_) => ip.chars().take(64).collect(),
    }
}

/// Where the kiosk holding `claim` stands.
pub async fn pairing_status(db: &DatabaseConnection, claim: &str) -> Result<PairingStatus, BackendError> {
    let hash = token_hash(claim);
    if kiosk_device::Entity::find()
        .filter(kiosk_device::Column::TokenHash.eq(hash.clone()))
        .filter(kiosk_device::Column::RevokedAt.is_null())
        .one(db)
        .await?
        .is_some()
    {
        return Ok(PairingStatus::Paired);
    }
    let pending = kiosk_pairing::Entity::find().filter(kiosk_pairing::Column::ClaimHash.eq(hash)).one(db).await?;
    Ok(match pending {
        Some(p) if p.expires_at > Utc::now() => PairingStatus::Waiting,
        _ => PairingStatus::Expired,
    })
}

/// The admin's side: pairs the kiosk showing `code` with `counter_id` (by default the
/// counter the kiosk asked for). The code is used up.
pub async fn approve(
    db: &DatabaseConnection,
    code: &str,
    counter_id: Option<i64>,
    label: &str,
    by: &StaffUser,
) -> Result<KioskDeviceRow, BackendError> {
    let code = normalize_code(code);
    if code.len() != CODE_LEN {
        return Err(BackendError::invalid("code", format!("mã ghép nối có {CODE_LEN} ký tự (the code has {CODE_LEN} characters)")));
    }
    let txn = db.begin().await?;
    let p = kiosk_pairing::Entity::find()
        .filter(kiosk_pairing::Column::Code.eq(code.clone()))
        .one(&txn)
        .await?
        .filter(|p| p.expires_at > Utc::now())
        .ok_or_else(|| BackendError::invalid("code", "mã không đúng hoặc đã hết hạn (unknown or expired code)"))?;
    let counter_id = counter_id.unwrap_or(p.counter_id);
    let c = counter::Entity::find_by_id(counter_id).one(&txn).await?.ok_or(BackendError::invalid("counter_id", "no such counter"))?;
    if !by.covers_ward(c.ward_id) {
        return Err(BackendError::Forbidden("quầy thuộc phường khác (counter of another ward)"));
    }
    let label = match label.trim() {
        "" => format!("Kiosk {}", c.name),
        l => l.chars().take(60).collect(),
    };
    kiosk_pairing::Entity::delete_by_id(p.id).exec(&txn).await?;
    let d = kiosk_device::ActiveModel {
        ward_id: Set(c.ward_id),
        counter_id: Set(c.id),
        label: Set(label.clone()),
        token_hash: Set(p.claim_hash),
        paired_at: Set(Utc::now()),
        paired_by: Set(by.username.clone()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::append(
        &txn,
        Entry::new(&by.username, Some(c.ward_id), "kiosk.pair", format!("kiosk:{}", d.id))
            .detail(serde_json::json!({ "counter_id": c.id, "label": label })),
    )
    .await?;
    txn.commit().await?;
    Ok(device_row(d, &c.name))
}

pub async fn revoke(db: &DatabaseConnection, device_id: i64, by: &StaffUser) -> Result<(), BackendError> {
    let txn = db.begin().await?;
    let d = kiosk_device::Entity::find_by_id(device_id).one(&txn).await?.ok_or(BackendError::NotFound("kiosk"))?;
    if !by.covers_ward(d.ward_id) {
        return Err(BackendError::NotFound("kiosk"));
    }
    if d.revoked_at.is_some() {
        return Ok(());
    }
    let ward = d.ward_id;
    let mut am: kiosk_device::ActiveModel = d.into();
    am.revoked_at = Set(Some(Utc::now()));
    am.revoked_by = Set(Some(by.username.clone()));
    am.update(&txn).await?;
    audit::append(&txn, Entry::new(&by.username, Some(ward), "kiosk.revoke", format!("kiosk:{device_id}"))).await?;
    txn.commit().await?;
    Ok(())
}

/// The paired, unrevoked kiosk holding `token`.
pub async fn resolve_device(db: &DatabaseConnection, token: &str) -> Result<Option<KioskUser>, BackendError> {
    let Some(d) = kiosk_device::Entity::find()
        .filter(kiosk_device::Column::TokenHash.eq(token_hash(token)))
        .filter(kiosk_device::Column::RevokedAt.is_null())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let now = Utc::now();
    if d.last_seen_at.is_none_or(|t| now - t > TOUCH_EVERY) {
        kiosk_device::Entity::update_many()
            .col_expr(kiosk_device::Column::LastSeenAt, sea_orm::sea_query::Expr::value(Some(now)))
            .filter(kiosk_device::Column::Id.eq(d.id))
            .exec(db)
            .await?;
    }
    Ok(Some(KioskUser { device_id: d.id, ward_id: d.ward_id, counter_id: d.counter_id }))
}

/// Whether device `id` is still paired (open sockets ask this now and then).
pub async fn still_paired(db: &DatabaseConnection, id: i64) -> Result<bool, BackendError> {
    Ok(kiosk_device::Entity::find_by_id(id).one(db).await?.is_some_and(|d| d.revoked_at.is_none()))
}

fn device_row(d: kiosk_device::Model, counter_name: &str) -> KioskDeviceRow {
    KioskDeviceRow {
        id: d.id,
        counter_id: d.counter_id,
        counter_name: counter_name.to_string(),
        label: d.label,
        paired_at: d.paired_at.to_rfc3339(),
        paired_by: d.paired_by,
        revoked_at: d.revoked_at.map(|t| t.to_rfc3339()),
        last_seen_at: d.last_seen_at.map(|t| t.to_rfc3339()),
    }
}

pub async fn list(db: &DatabaseConnection, ward_id: Option<i64>) -> Result<Vec<KioskDeviceRow>, BackendError> {
    let mut q = kiosk_device::Entity::find();
    if let Some(w) = ward_id {
        q = q.filter(kiosk_device::Column::WardId.eq(w));
    }
    let devices = q.order_by_desc(kiosk_device::Column::PairedAt).all(db).await?;
    let counters: std::collections::HashMap<i64, String> =
        counter::Entity::find().all(db).await?.into_iter().map(|c| (c.id, c.name)).collect();
    Ok(devices
        .into_iter()
        .map(|d| {
            let name = counters.get(&d.counter_id).cloned().unwrap_or_default();
            device_row(d, &name)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_addresses_count_per_64() {
        assert_eq!(address_group("2001:db8:1:2:aaaa::1"), address_group("2001:db8:1:2:ffff::9"));
        assert_ne!(address_group("2001:db8:1:2::1"), address_group("2001:db8:1:3::1"));
        assert_eq!(address_group("::ffff:10.0.0.7"), "10.0.0.7");
        assert_eq!(address_group("10.0.0.7"), "10.0.0.7");
    }

    #[test]
    fn codes_are_short_and_unambiguous() {
        for _ in 0..200 {
            let c = new_code();
            assert_eq!(c.len(), CODE_LEN);
            assert!(c.chars().all(|ch| !"0O1IL2Z5S8B".contains(ch)), "{c}");
        }
        assert_eq!(normalize_code(" k7m-3qx "), "K7M3QX");
    }
}
