//! Electronic receipts (biên lai điện tử): numbered without gaps per ward, series and year,
//! never edited, signed over their canonical content with the ward's key.

use super::entity::{receipt, ward};
use super::sequences;
use super::BackendError;
use crate::domain::payment::PaymentMethod;
use crate::model::{ReceiptContent, ReceiptRef};
use hmac::{Hmac, KeyInit, Mac};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter, Set};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

pub use crate::domain::receipt_rules::{format_number, series_for_year};

fn sign(key_hex: &str, content: &str) -> Result<String, BackendError> {
    let key = hex::decode(key_hex).map_err(|_| BackendError::invalid("receipt_key", "the ward's receipt key is not hex"))?;
    let mut mac = HmacSha256::new_from_slice(&key).map_err(|_| BackendError::invalid("receipt_key", "bad key"))?;
    mac.update(content.as_bytes());
    Ok(hex::encode(mac.finalize().into_bytes()))
}

/// The ward's HMAC over a canonical text: receipts written in bulk (a generated history) and correction notices.
pub fn sign_content(key_hex: &str, canonical: &str) -> Result<String, BackendError> {
    sign(key_hex, canonical)
}

fn verify(key_hex: &str, content: &str, signature: &str) -> bool {
    let (Ok(key), Ok(sig)) = (hex::decode(key_hex), hex::decode(signature)) else { return false };
    let Ok(mut mac) = HmacSha256::new_from_slice(&key) else { return false };
    mac.update(content.as_bytes());
    mac.verify_slice(&sig).is_ok()
}

/// The token of a receipt's public link (the copy a kiosk or a citizen may hold). It opens
/// the receipt with the payer's name and ID masked, never more: a link that could reveal
/// personal data would have to expire, and this one is meant to be kept.
pub fn public_token(key_hex: &str, receipt_id: i64) -> String {
    sign(key_hex, &format!("receipt-public:{receipt_id}")).map(|s| s[..32].to_string()).unwrap_or_default()
}

/// Compares in constant time: a token is a secret.
pub(crate) fn token_matches(expected: &str, given: &str) -> bool {
    expected.len() == given.len() && expected.bytes().zip(given.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

pub struct NewReceipt<'a> {
    pub ward: &'a ward::Model,
    pub payment_request_id: i64,
    pub content: ReceiptContent,
    pub method: PaymentMethod,
    pub bank_ref: Option<String>,
    pub issued_at: chrono::DateTime<chrono::Utc>,
    /// For a replacement: the receipt it replaces and why.
    pub replaces: Option<(i64, &'a str)>,
    /// The person issuing a replacement (`None`: the system, with the payment).
    pub issued_by: Option<&'a str>,
}

/// Allocates the next number and stores the signed receipt, inside the paying transaction.
pub async fn issue(txn: &DatabaseTransaction, r: NewReceipt<'_>) -> Result<receipt::Model, BackendError> {
    let year = crate::time::to_vn(r.issued_at).format("%Y").to_string().parse::<i32>().unwrap_or(2026);
    let series = series_for_year(&r.ward.receipt_series, year);
    let number = sequences::next_receipt_number(txn, r.ward.id, &series).await?;
    if number > crate::domain::receipt_rules::MAX_NUMBER {
        // Rolls the payment back: a ninth digit is not a receipt number (NĐ 254).
        return Err(BackendError::Conflict(format!("dãy số biên lai {series} đã hết (series {series} is exhausted)")));
    }
    let mut content = r.content;
    content.series = series.clone();
    content.number = format_number(number);
    let canonical = serde_json::to_string(&content).map_err(|e| BackendError::invalid("receipt", e.to_string()))?;
    // Signed with the ward's published Ed25519 key: anyone can check it on /verify.
    let key = super::signing::current(txn, r.ward).await?;
    let signature = super::signing::sign(&key, &canonical)?;
    Ok(receipt::ActiveModel {
        ward_id: Set(r.ward.id),
        payment_request_id: Set(r.payment_request_id),
        form: Set(content.form.clone()),
        series: Set(series),
        year: Set(year),
        number: Set(number),
        payer_name: Set(content.payer_name.clone()),
        amount: Set(content.total),
        method: Set(r.method.as_str().into()),
        bank_ref: Set(r.bank_ref),
        issued_at: Set(r.issued_at),
        content: Set(canonical),
        signature: Set(signature),
        replaces_id: Set(r.replaces.map(|(id, _)| id)),
        reason: Set(r.replaces.map(|(_, reason)| reason.to_string())),
        issued_by: Set(r.issued_by.map(str::to_string)),
        sig_alg: Set(super::signing::ED25519.into()),
        key_id: Set(Some(key.key_id.clone())),
        ..Default::default()
    }
    .insert(txn)
    .await?)
}

/// When the ward's first receipt issued after `after` (or its first receipt at all) was issued.
pub async fn first_issued_after(
    db: &impl ConnectionTrait,
    ward_id: i64,
    after: Option<chrono::DateTime<chrono::Utc>>,
) -> Result<Option<chrono::DateTime<chrono::Utc>>, BackendError> {
    use sea_orm::{QueryOrder, QuerySelect};
    let mut q = receipt::Entity::find().select_only().column(receipt::Column::IssuedAt).filter(receipt::Column::WardId.eq(ward_id));
    if let Some(after) = after {
        q = q.filter(receipt::Column::IssuedAt.gt(after));
    }
    Ok(q.order_by_asc(receipt::Column::IssuedAt).into_tuple().one(db).await?)
}

/// The ward's receipts issued in `[start, end)`, in series and number order (the register's
/// order and the tax summary's).
pub async fn issued_between(
    db: &impl ConnectionTrait,
    ward_id: i64,
    start: chrono::DateTime<chrono::Utc>,
    end: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<receipt::Model>, BackendError> {
    use sea_orm::QueryOrder;
    Ok(receipt::Entity::find()
        .filter(receipt::Column::WardId.eq(ward_id))
        .filter(receipt::Column::IssuedAt.gte(start))
        .filter(receipt::Column::IssuedAt.lt(end))
        .order_by_asc(receipt::Column::Series)
        .order_by_asc(receipt::Column::Number)
        .all(db)
        .await?)
}

/// Series and number as printed, e.g. "26PDM 0000012".
pub fn label(r: &receipt::Model) -> String {
    format!("{} {}", r.series, format_number(r.number))
}

pub fn reference(r: &receipt::Model, ward: &ward::Model) -> ReceiptRef {
    ReceiptRef { id: r.id, label: label(r), token: public_token(&ward.receipt_key, r.id) }
}

/// Whether the receipt's stored signature covers its stored content: an Ed25519 signature
/// against the key it names (current or rotated out), an older one against the ward's HMAC key.
pub async fn signature_holds(db: &impl ConnectionTrait, r: &receipt::Model, w: &ward::Model) -> Result<bool, BackendError> {
    if r.sig_alg == super::signing::ED25519 {
        let Some(key) = (match &r.key_id {
            Some(id) => super::signing::by_id(db, id).await?,
            None => None,
        }) else {
            return Ok(false);
        };
        return Ok(key.ward_id == r.ward_id && super::signing::verify(&key.public_key, &r.content, &r.signature));
    }
    Ok(verify(&w.receipt_key, &r.content, &r.signature))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_detect_any_change() {
        let key = "00112233445566778899aabbccddeeff";
        let sig = sign(key, "{\"total\":50000}").expect("sign");
        assert!(verify(key, "{\"total\":50000}", &sig));
        assert!(!verify(key, "{\"total\":50001}", &sig));
        assert!(!verify("ff112233445566778899aabbccddeeff", "{\"total\":50000}", &sig));
    }
}
