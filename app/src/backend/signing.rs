//! The ward's receipt-signing keys: Ed25519, so that anyone holding the published public
//! key can check a receipt, not only the ward. Each ward has one current key (made the first
//! time it is needed); a rotation ends it and makes a new one, and an ended key stays
//! published with its validity, so the receipts it signed stay verifiable.

use super::audit::{self, Entry};
use super::entity::{signing_key, ward};
use super::BackendError;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use chrono::Utc;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};

pub const ED25519: &str = "ed25519";
pub const HMAC: &str = "hmac-sha256";

pub use crate::model::PublicKeyView as PublicKey;

fn secret_of(k: &signing_key::Model) -> Result<SigningKey, BackendError> {
    let bytes: [u8; 32] = hex::decode(&k.secret_key)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| BackendError::invalid("signing_key", "the stored secret key is not 32 hex bytes"))?;
    Ok(SigningKey::from_bytes(&bytes))
}

/// A fresh key for `ward`, valid from now.
async fn create(db: &impl ConnectionTrait, w: &ward::Model, by: &str) -> Result<signing_key::Model, BackendError> {
    let secret = SigningKey::from_bytes(&rand::random::<[u8; 32]>());
    let public = B64.encode(secret.verifying_key().as_bytes());
    let now = Utc::now();
    // Short, readable and unique: the ward, the day and the first bytes of the key.
    let key_id =
        format!("{}-{}-{}", w.code, crate::time::to_vn(now).format("%Y%m%d"), &hex::encode(secret.verifying_key().as_bytes())[..8]);
    let k = signing_key::ActiveModel {
        ward_id: Set(w.id),
        key_id: Set(key_id.clone()),
        algorithm: Set(ED25519.into()),
        public_key: Set(public.clone()),
        secret_key: Set(hex::encode(secret.to_bytes())),
        valid_from: Set(now),
        valid_to: Set(None),
        created_by: Set(by.into()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    audit::append(
        db,
        Entry::new(by, Some(w.id), "signing_key.create", format!("signing_key:{key_id}"))
            .detail(serde_json::json!({ "key_id": key_id, "public_key": public })),
    )
    .await?;
    Ok(k)
}

/// The ward's current key, made now if it has none (inside the caller's transaction).
pub async fn current(db: &impl ConnectionTrait, w: &ward::Model) -> Result<signing_key::Model, BackendError> {
    let found = signing_key::Entity::find()
        .filter(signing_key::Column::WardId.eq(w.id))
        .filter(signing_key::Column::ValidTo.is_null())
        .order_by_desc(signing_key::Column::Id)
        .one(db)
        .await?;
    match found {
        Some(k) => Ok(k),
        None => create(db, w, "system").await,
    }
}

/// Ends the current key and makes a new one (a suspected leak, a yearly rotation).
pub async fn rotate(db: &impl ConnectionTrait, w: &ward::Model, by: &str) -> Result<signing_key::Model, BackendError> {
    let now = Utc::now();
    signing_key::Entity::update_many()
        .col_expr(signing_key::Column::ValidTo, sea_orm::sea_query::Expr::value(now))
        .filter(signing_key::Column::WardId.eq(w.id))
        .filter(signing_key::Column::ValidTo.is_null())
        .exec(db)
        .await?;
    create(db, w, by).await
}

/// Base64 signature of `canonical` with `key`.
pub fn sign(key: &signing_key::Model, canonical: &str) -> Result<String, BackendError> {
    Ok(B64.encode(secret_of(key)?.sign(canonical.as_bytes()).to_bytes()))
}

/// Checks a base64 Ed25519 `signature` of `canonical` against a base64 public key.
pub fn verify(public_key_b64: &str, canonical: &str, signature_b64: &str) -> bool {
    let Some(public) = B64.decode(public_key_b64).ok().and_then(|b| <[u8; 32]>::try_from(b).ok()) else {
        return false;
    };
    let Ok(public) = VerifyingKey::from_bytes(&public) else {
        return false;
    };
    let Some(sig) = B64.decode(signature_b64).ok().and_then(|b| <[u8; 64]>::try_from(b).ok()) else {
        return false;
    };
    public.verify(canonical.as_bytes(), &Signature::from_bytes(&sig)).is_ok()
}

/// The key `key_id`, current or ended.
pub async fn by_id(db: &impl ConnectionTrait, key_id: &str) -> Result<Option<signing_key::Model>, BackendError> {
    Ok(signing_key::Entity::find().filter(signing_key::Column::KeyId.eq(key_id)).one(db).await?)
}

/// Every ward's published keys, newest first.
pub async fn published(db: &impl ConnectionTrait) -> Result<Vec<PublicKey>, BackendError> {
    let wards: std::collections::HashMap<i64, ward::Model> = ward::Entity::find().all(db).await?.into_iter().map(|w| (w.id, w)).collect();
    Ok(signing_key::Entity::find()
        .order_by_asc(signing_key::Column::WardId)
        .order_by_desc(signing_key::Column::ValidFrom)
        .all(db)
        .await?
        .into_iter()
        .map(|k| {
            let w = wards.get(&k.ward_id);
            PublicKey {
                ward_code: w.map(|w| w.code.clone()).unwrap_or_default(),
                ward_name: w.map(|w| w.name.clone()).unwrap_or_default(),
                tax_code: w.map(|w| w.tax_code.clone()).unwrap_or_default(),
                key_id: k.key_id,
                algorithm: k.algorithm,
                public_key: k.public_key,
                valid_from: k.valid_from.to_rfc3339(),
                valid_to: k.valid_to.map(|t| t.to_rfc3339()),
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> signing_key::Model {
        let secret = SigningKey::from_bytes(&[7u8; 32]);
        signing_key::Model {
            id: 1,
            ward_id: 1,
            key_id: "k".into(),
            algorithm: ED25519.into(),
            public_key: B64.encode(secret.verifying_key().as_bytes()),
            secret_key: hex::encode(secret.to_bytes()),
            valid_from: Utc::now(),
            valid_to: None,
            created_by: "test".into(),
        }
    }

    #[test]
    fn anyone_with_the_public_key_checks_a_signature_and_any_change_breaks_it() {
        let k = key();
        let sig = sign(&k, "{\"total\":50000}").expect("sign");
        assert!(verify(&k.public_key, "{\"total\":50000}", &sig));
        assert!(!verify(&k.public_key, "{\"total\":50001}", &sig));
        let other = B64.encode(SigningKey::from_bytes(&[8u8; 32]).verifying_key().as_bytes());
        assert!(!verify(&other, "{\"total\":50000}", &sig));
        assert!(!verify(&k.public_key, "{\"total\":50000}", "not base64"));
        assert!(!verify("short", "{\"total\":50000}", &sig));
    }
}
