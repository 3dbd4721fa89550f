//! SePay webhooks (docs/domain.md §7): API key or HMAC-SHA256 over `timestamp.rawbody`.

use std::time::SystemTime;

use crate::crypto::{check_skew, ct_eq, decode_hex, parse_timestamp, sha256_matches, unix_ms, usable_secrets};
use crate::error::{IntakeError, MAX_BODY_BYTES};
use crate::fields::{parse_json, Obj};
use crate::headers::HeaderLookup;
use crate::notification::{parse_vietnam_local, Direction, Notification, Provider};

pub const HEADER_AUTHORIZATION: &str = "Authorization";
pub const HEADER_TIMESTAMP: &str = "X-SePay-Timestamp";
pub const HEADER_SIGNATURE: &str = "X-SePay-Signature";
/// Scheme word of the API-key `Authorization` header (`Apikey <key>`).
pub const APIKEY_SCHEME: &str = "Apikey";
/// Prefix of the HMAC signature header value.
pub const SIGNATURE_PREFIX: &str = "sha256=";

/// Success answer SePay documents: HTTP 200 with this body.
pub const RESPONSE_BODY: &str = r#"{"success": true}"#;
pub const RESPONSE_STATUS: u16 = 200;

/// How the request proved it came from SePay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    /// Sender authenticated, body not protected.
    ApiKey,
    /// Body and timestamp protected.
    Hmac,
}

/// Authenticates a SePay webhook and parses it.
///
/// HMAC headers win when present, and a failing HMAC is never retried as an API key, so an
/// attacker cannot downgrade a request to the weaker mode. `secrets` holds the HMAC secrets
/// and/or API keys currently valid (rotation: any may match).
pub fn verify_and_parse<H: HeaderLookup + ?Sized>(
    raw_body: &[u8],
    headers: &H,
    secrets: &[String],
    now: SystemTime,
) -> Result<Notification, IntakeError> {
    authenticate(raw_body, headers, secrets, now)?;
    parse_authenticated(raw_body)
}

/// The authentication half of [`verify_and_parse`], for callers that want to log the method.
pub fn authenticate<H: HeaderLookup + ?Sized>(
    raw_body: &[u8],
    headers: &H,
    secrets: &[String],
    now: SystemTime,
) -> Result<AuthMethod, IntakeError> {
    if raw_body.len() > MAX_BODY_BYTES {
        return Err(IntakeError::BodyTooLarge { len: raw_body.len() });
    }
    let secrets = usable_secrets(secrets)?;
    let signature = headers.header(HEADER_SIGNATURE);
    let timestamp = headers.header(HEADER_TIMESTAMP);
    let method = if signature.is_some() || timestamp.is_some() {
        let (Some(signature), Some(timestamp)) = (signature, timestamp) else {
            return Err(IntakeError::MissingAuth("both X-SePay-Signature and X-SePay-Timestamp headers"));
        };
        verify_hmac(raw_body, signature, timestamp, &secrets, now)?;
        AuthMethod::Hmac
    } else if let Some(auth) = headers.header(HEADER_AUTHORIZATION) {
        verify_apikey(auth, &secrets)?;
        AuthMethod::ApiKey
    } else {
        return Err(IntakeError::MissingAuth("Authorization: Apikey <key> or X-SePay-Signature/X-SePay-Timestamp headers"));
    };
    check_content_type(headers)?;
    Ok(method)
}

fn verify_hmac(raw_body: &[u8], signature: &str, timestamp: &str, secrets: &[&str], now: SystemTime) -> Result<(), IntakeError> {
    let ts = parse_timestamp(timestamp).ok_or_else(|| IntakeError::MalformedAuth(format!("{HEADER_TIMESTAMP} is not Unix seconds")))?;
    let sig = signature.trim();
    // The prefix is what every integration sends; a bare digest is accepted too because
    // SePay's own sample code was not available (docs/domain.md §7) and the MAC is what matters.
    let hex_part = match sig.get(..SIGNATURE_PREFIX.len()) {
        Some(p) if p.eq_ignore_ascii_case(SIGNATURE_PREFIX) => &sig[SIGNATURE_PREFIX.len()..],
        _ => sig,
    };
    let tag =
        decode_hex(hex_part, 32).ok_or_else(|| IntakeError::MalformedAuth(format!("{HEADER_SIGNATURE} is not sha256=<64 hex digits>")))?;
    // Signed text is the header's own digits: re-formatting `ts` could differ (leading zeros).
    let ts_text = timestamp.trim().as_bytes();
    if !secrets.iter().any(|key| sha256_matches(key, &[ts_text, b".", raw_body], &tag)) {
        return Err(IntakeError::BadSignature);
    }
    check_skew(ts.saturating_mul(1000), unix_ms(now))
}

fn verify_apikey(auth: &str, secrets: &[&str]) -> Result<(), IntakeError> {
    let auth = auth.trim();
    let (scheme, key) = auth.split_once(' ').ok_or_else(|| IntakeError::MalformedAuth("Authorization is not \"Apikey <key>\"".into()))?;
    if !scheme.eq_ignore_ascii_case(APIKEY_SCHEME) {
        return Err(IntakeError::MalformedAuth(format!("Authorization scheme {scheme:?} is not Apikey")));
    }
    let key = key.trim().as_bytes();
    if secrets.iter().any(|s| ct_eq(s.as_bytes(), key)) {
        Ok(())
    } else {
        Err(IntakeError::BadSignature)
    }
}

fn check_content_type<H: HeaderLookup + ?Sized>(headers: &H) -> Result<(), IntakeError> {
    let Some(ct) = headers.header("Content-Type") else {
        return Ok(());
    };
    let media = ct.split(';').next().unwrap_or("").trim();
    if media.eq_ignore_ascii_case("application/json") || media.is_empty() {
        Ok(())
    } else {
        Err(IntakeError::UnsupportedContentType(ct.to_owned()))
    }
}

fn parse_authenticated(raw_body: &[u8]) -> Result<Notification, IntakeError> {
    let value = parse_json(raw_body)?;
    let o = Obj::root(&value)?;
    let id = o.req_int("id")?;
    if id < 0 {
        return Err(o.invalid("id", "negative transaction id"));
    }
    let direction = match o.req_str("transferType")? {
        t if t.eq_ignore_ascii_case("in") => Direction::In,
        t if t.eq_ignore_ascii_case("out") => Direction::Out,
        other => return Err(o.invalid("transferType", format!("{other:?} is neither in nor out"))),
    };
    let amount = o.req_int("transferAmount")?;
    if amount < 0 {
        return Err(o.invalid("transferAmount", "negative amount"));
    }
    let bank_time_local = o.text("transactionDate")?;
    Ok(Notification {
        provider: Provider::Sepay,
        provider_txn_id: id.to_string(),
        bank_reference: o.text("referenceCode")?,
        amount_vnd: amount,
        direction,
        account_number: o.req_str("accountNumber")?.trim().to_owned(),
        virtual_account: o.text("subAccount")?,
        bank_name: o.text("gateway")?,
        content: o.req_str("content")?.to_owned(),
        description: o.text("description")?,
        bank_time_utc: bank_time_local.as_deref().and_then(parse_vietnam_local),
        bank_time_local,
        payer_name: None,
        payer_account: None,
        payer_bank_bin: None,
        payer_bank_name: None,
        order_code: None,
        is_test: false,
        provider_code: o.text("code")?,
    })
}
