//! Casso webhook v2 (docs/domain.md §7): HMAC-SHA512 over `t.` + the sorted compact JSON of the
//! whole body, `t` in milliseconds.

use std::time::SystemTime;

use serde_json::Value;

use crate::canonical::{sorted_json, Escape};
use crate::crypto::{check_skew, decode_hex, parse_timestamp, sha512_matches, unix_ms, usable_secrets};
use crate::error::{IntakeError, MAX_BODY_BYTES};
use crate::fields::{parse_json, Obj};
use crate::headers::HeaderLookup;
use crate::notification::{parse_vietnam_local, Direction, Notification, Provider};

pub const HEADER_SIGNATURE: &str = "X-Casso-Signature";

/// Casso's dashboard test call carries this bank reference (and `id` 0).
pub const TEST_REFERENCE: &str = "MA_GIAO_DICH_THU_NGHIEM";

/// Success answer: HTTP 200 with this body (docs/domain.md §7).
pub const RESPONSE_BODY: &str = r#"{"success": true}"#;
pub const RESPONSE_STATUS: u16 = 200;

/// The text Casso signs for `body`, without the `t.` prefix: keys sorted recursively, compact,
/// non-ASCII raw, as `JSON.stringify` writes it.
pub fn canonical_json(body: &Value) -> String {
    sorted_json(body, Escape::JavaScript)
}

/// Authenticates a Casso v2 webhook and parses it.
///
/// The body must be parsed to rebuild the signed text, but nothing read from it is used before
/// the signature matches.
pub fn verify_and_parse<H: HeaderLookup + ?Sized>(
    raw_body: &[u8],
    headers: &H,
    secrets: &[String],
    now: SystemTime,
) -> Result<Notification, IntakeError> {
    if raw_body.len() > MAX_BODY_BYTES {
        return Err(IntakeError::BodyTooLarge { len: raw_body.len() });
    }
    let secrets = usable_secrets(secrets)?;
    let header = headers
        .header(HEADER_SIGNATURE)
        .ok_or(IntakeError::MissingAuth("X-Casso-Signature: t=<ms>,v1=<hex> header (webhook v1's secure-token is not supported)"))?;
    let (t_text, tag) = parse_signature_header(header)?;
    let t_ms = parse_timestamp(t_text).ok_or_else(|| IntakeError::MalformedAuth("X-Casso-Signature t is not Unix milliseconds".into()))?;
    let body = parse_json(raw_body)?;

    let t_text = t_text.trim().as_bytes();
    let matches = |canonical: &str| secrets.iter().any(|key| sha512_matches(key, &[t_text, b".", canonical.as_bytes()], &tag));
    let js = canonical_json(&body);
    // Only Casso's JavaScript form is documented to verify; the ASCII-escaped form other SDKs
    // produce is a fallback that differs only when the body has non-ASCII text.
    let verified = matches(&js) || (!js.is_ascii() && matches(&sorted_json(&body, Escape::Ascii)));
    if !verified {
        return Err(IntakeError::BadSignature);
    }
    check_skew(t_ms, unix_ms(now))?;
    parse_authenticated(&body)
}

/// `t=…,v1=…` in any order, other parts ignored; returns the raw `t` text and the digest.
fn parse_signature_header(header: &str) -> Result<(&str, Vec<u8>), IntakeError> {
    let mut t = None;
    let mut v1 = None;
    for part in header.split(',') {
        if let Some((k, v)) = part.split_once('=') {
            match k.trim() {
                "t" => t = Some(v.trim()),
                "v1" => v1 = Some(v.trim()),
                _ => {}
            }
        }
    }
    let (Some(t), Some(v1)) = (t, v1) else {
        return Err(IntakeError::MalformedAuth("X-Casso-Signature lacks t= or v1=".into()));
    };
    let tag = decode_hex(v1, 64).ok_or_else(|| IntakeError::MalformedAuth("X-Casso-Signature v1 is not 128 hex digits".into()))?;
    Ok((t, tag))
}

fn parse_authenticated(body: &Value) -> Result<Notification, IntakeError> {
    let root = Obj::root(body)?;
    if let Some(Value::Array(_)) = root.map().get("data") {
        return Err(IntakeError::Unsupported("Casso webhook v1 body (data is an array); switch the integration to webhook v2".into()));
    }
    match root.opt_int("error")? {
        Some(0) | None => {}
        Some(code) => return Err(IntakeError::Unsupported(format!("Casso reports error {code}"))),
    }
    let d = root.object("data", "data.")?;
    let id = d.req_int("id")?;
    if id < 0 {
        return Err(d.invalid("id", "negative transaction id"));
    }
    let amount = d.req_int("amount")?;
    let bank_reference = d.text("reference")?;
    let bank_time_local = d.text("transactionDateTime")?;
    let is_test = id == 0 || bank_reference.as_deref() == Some(TEST_REFERENCE);
    Ok(Notification {
        provider: Provider::Casso,
        provider_txn_id: id.to_string(),
        amount_vnd: amount.checked_abs().ok_or_else(|| d.invalid("amount", "out of range"))?,
        direction: if amount < 0 { Direction::Out } else { Direction::In },
        account_number: d.req_str("accountNumber")?.trim().to_owned(),
        virtual_account: d.text("virtualAccountNumber")?,
        bank_name: d.text("bankName")?,
        content: d.req_str("description")?.to_owned(),
        description: None,
        bank_time_utc: bank_time_local.as_deref().and_then(parse_vietnam_local),
        bank_time_local,
        payer_name: d.text("counterAccountName")?,
        payer_account: d.text("counterAccountNumber")?,
        payer_bank_bin: d.text("counterAccountBankId")?,
        payer_bank_name: d.text("counterAccountBankName")?,
        order_code: None,
        is_test,
        provider_code: None,
        bank_reference,
    })
}
