//! The audit log: append-only, each entry's hash covering the one before it.
//!
//! An entry is appended inside the transaction of the change it records, so the two commit
//! or roll back together. Numbers come from `audit_head` under its row lock: concurrent
//! appends queue there, and a missing number means a deleted entry. Triggers refuse UPDATE
//! and DELETE on `audit_log`; [`verify`] catches whoever drops them first, by recomputing
//! every hash and comparing the last one with the head.

use super::entity::{audit_head, audit_log};
use super::BackendError;
use crate::model::{AuditFilter, AuditRow, AuditVerdict};
use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
    TransactionTrait,
};
use sha2::{Digest, Sha256};

pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One thing that happened: who, in which ward, what, to what, with which details.
#[derive(Clone, Debug)]
pub struct Entry {
    pub actor: String,
    pub ward_id: Option<i64>,
    /// Dotted, e.g. `payment.cancel`, `auth.login`, `kiosk.pair`.
    pub action: &'static str,
    /// What it was done to, e.g. `payment_request:12`, `account:officer`.
    pub subject: String,
    pub detail: serde_json::Value,
}

impl Entry {
    pub fn new(actor: &str, ward_id: Option<i64>, action: &'static str, subject: impl Into<String>) -> Self {
        Entry { actor: actor.to_string(), ward_id, action, subject: subject.into(), detail: serde_json::Value::Null }
    }

    pub fn detail(mut self, detail: serde_json::Value) -> Self {
        self.detail = detail;
        self
    }
}

/// Stored timestamps keep microseconds on both engines; hashing the same precision means a
/// row read back hashes as it did when written.
fn stamp(at: &DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// The hash of an entry: SHA-256 over a JSON array of its fields and the previous hash
/// (JSON so that no field's content can shift into another's).
// The arguments are the entry's fields in the order they are hashed; a struct would only
// rename them.
#[allow(clippy::too_many_arguments)]
pub fn entry_hash(
    seq: i64,
    at: &DateTime<Utc>,
    actor: &str,
    ward_id: Option<i64>,
    action: &str,
    subject: &str,
    detail: &str,
    prev_hash: &str,
) -> String {
    let canonical = serde_json::json!([seq, stamp(at), actor, ward_id, action, subject, detail, prev_hash]).to_string();
    hex::encode(Sha256::digest(canonical.as_bytes()))
}

/// Appends `entry` in the caller's transaction; returns its number.
pub async fn append(txn: &impl ConnectionTrait, entry: Entry) -> Result<i64, BackendError> {
    let backend = txn.get_database_backend();
    let claim = Query::update()
        .table(audit_head::Entity)
        .value(audit_head::Column::Seq, Expr::col(audit_head::Column::Seq).add(1))
        .and_where(Expr::col(audit_head::Column::Id).eq(1))
        .returning(Query::returning().columns([audit_head::Column::Seq, audit_head::Column::Hash]))
        .to_owned();
    let row = txn.query_one_raw(backend.build(&claim)).await?.ok_or(BackendError::NotFound("audit head"))?;
    let seq: i64 = row.try_get("", "seq")?;
    let prev: String = row.try_get("", "hash")?;
    let at = Utc::now().trunc_subsecs(6);
    let detail = if serde_json::Value::is_null(&entry.detail) { String::new() } else { entry.detail.to_string() };
    let hash = entry_hash(seq, &at, &entry.actor, entry.ward_id, entry.action, &entry.subject, &detail, &prev);
    audit_log::ActiveModel {
        seq: Set(seq),
        at: Set(at),
        actor: Set(entry.actor),
        ward_id: Set(entry.ward_id),
        action: Set(entry.action.to_string()),
        subject: Set(entry.subject),
        detail: Set(detail),
        prev_hash: Set(prev),
        hash: Set(hash.clone()),
    }
    .insert(txn)
    .await?;
    audit_head::Entity::update_many()
        .col_expr(audit_head::Column::Hash, Expr::value(hash))
        .filter(audit_head::Column::Id.eq(1))
        .exec(txn)
        .await?;
    Ok(seq)
}

/// Appends `entry` in a transaction of its own (for events that change nothing else, such
/// as a failed sign-in).
pub async fn record(db: &DatabaseConnection, entry: Entry) -> Result<i64, BackendError> {
    let txn = db.begin().await?;
    let seq = append(&txn, entry).await?;
    txn.commit().await?;
    Ok(seq)
}

/// Checks that entry `seq` still has `hash`: a head noted outside the database (printed by
/// `wardpay audit verify`, kept in the day's report) catches even a rewritten tail.
pub async fn check_anchor(db: &impl ConnectionTrait, seq: i64, hash: &str) -> Result<Option<String>, BackendError> {
    Ok(match audit_log::Entity::find_by_id(seq).one(db).await? {
        None => Some(format!("entry {seq} named by the anchor is gone")),
        Some(r) if r.hash != hash.trim().to_lowercase() => Some(format!("entry {seq} no longer has the anchored hash")),
        Some(_) => None,
    })
}

/// Walks the whole chain in order, in pages, and says where it first breaks.
pub async fn verify(db: &impl ConnectionTrait) -> Result<AuditVerdict, BackendError> {
    const PAGE: u64 = 2_000;
    let head = audit_head::Entity::find_by_id(1).one(db).await?.ok_or(BackendError::NotFound("audit head"))?;
    let mut expected_seq = 1i64;
    let mut prev = GENESIS.to_string();
    let broken = |seq: i64, why: String| Ok(AuditVerdict { entries: seq - 1, head_hash: head.hash.clone(), broken: Some((seq, why)) });
    loop {
        // Entries appended while we walk (after the head was read) are not ours to judge.
        let rows = audit_log::Entity::find()
            .filter(audit_log::Column::Seq.gte(expected_seq))
            .filter(audit_log::Column::Seq.lte(head.seq))
            .order_by_asc(audit_log::Column::Seq)
            .limit(PAGE)
            .all(db)
            .await?;
        let n = rows.len() as u64;
        for r in rows {
            if r.seq != expected_seq {
                return broken(expected_seq, format!("entry {expected_seq} is missing (next is {})", r.seq));
            }
            if r.prev_hash != prev {
                return broken(r.seq, "its link to the entry before does not match".into());
            }
            let h = entry_hash(r.seq, &r.at, &r.actor, r.ward_id, &r.action, &r.subject, &r.detail, &r.prev_hash);
            if h != r.hash {
                return broken(r.seq, "its content does not match its hash (edited)".into());
            }
            prev = r.hash;
            expected_seq += 1;
        }
        if n < PAGE || expected_seq > head.seq {
            break;
        }
    }
    let last = expected_seq - 1;
    if head.seq != last {
        return broken(last + 1, format!("the head says {} entries but {last} are present (entries removed at the end)", head.seq));
    }
    if head.hash != prev {
        return broken(last, "the head's hash does not match the last entry".into());
    }
    Ok(AuditVerdict { entries: last, head_hash: prev, broken: None })
}

fn row(m: audit_log::Model) -> AuditRow {
    AuditRow {
        seq: m.seq,
        at: m.at.to_rfc3339(),
        actor: m.actor,
        ward_id: m.ward_id,
        action: m.action,
        subject: m.subject,
        detail: m.detail,
        hash: m.hash,
    }
}

/// The newest entries of `ward_id` (and the ward-less ones, such as sign-ins of a
/// city-wide admin, when `ward_id` is `None`), filtered, at most `limit`.
pub async fn list(
    db: &impl ConnectionTrait,
    ward_id: Option<i64>,
    filter: &AuditFilter,
    limit: u64,
) -> Result<Vec<AuditRow>, BackendError> {
    let mut q = audit_log::Entity::find();
    if let Some(w) = ward_id {
        q = q.filter(audit_log::Column::WardId.eq(w));
    }
    if let Some(a) = filter.action.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        q = q.filter(audit_log::Column::Action.starts_with(a));
    }
    if let Some(a) = filter.actor.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        q = q.filter(audit_log::Column::Actor.eq(a));
    }
    if let Some(day) = filter.day.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let (from, to) = crate::time::vn_day_bounds(day).ok_or_else(|| BackendError::invalid("day", "expected YYYY-MM-DD"))?;
        q = q.filter(audit_log::Column::At.gte(from)).filter(audit_log::Column::At.lt(to));
    }
    if let Some(before) = filter.before_seq {
        q = q.filter(audit_log::Column::Seq.lt(before));
    }
    Ok(q.order_by_desc(audit_log::Column::Seq).limit(limit).all(db).await?.into_iter().map(row).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_covers_every_field_and_the_link() {
        let at = Utc::now().trunc_subsecs(6);
        let base = entry_hash(1, &at, "a", Some(1), "x.y", "s", "{}", GENESIS);
        assert_eq!(base, entry_hash(1, &at, "a", Some(1), "x.y", "s", "{}", GENESIS));
        let variants = [
            entry_hash(2, &at, "a", Some(1), "x.y", "s", "{}", GENESIS),
            entry_hash(1, &(at + chrono::Duration::microseconds(1)), "a", Some(1), "x.y", "s", "{}", GENESIS),
            entry_hash(1, &at, "b", Some(1), "x.y", "s", "{}", GENESIS),
            entry_hash(1, &at, "a", None, "x.y", "s", "{}", GENESIS),
            entry_hash(1, &at, "a", Some(1), "x.z", "s", "{}", GENESIS),
            entry_hash(1, &at, "a", Some(1), "x.y", "t", "{}", GENESIS),
            entry_hash(1, &at, "a", Some(1), "x.y", "s", "{ }", GENESIS),
            entry_hash(1, &at, "a", Some(1), "x.y", "s", "{}", &"1".repeat(64)),
            // Moving text from one field to the next must change the hash too.
            entry_hash(1, &at, "ax", Some(1), ".y", "s", "{}", GENESIS),
        ];
        for v in variants {
            assert_ne!(v, base);
        }
    }
}
