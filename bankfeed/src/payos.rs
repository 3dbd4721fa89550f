//! payOS webhooks (docs/domain.md §7): HMAC-SHA256 over the sorted `k=v&…` text of `data`,
//! signature in the body. Nothing outside `data` is signed, so nothing outside it is used.

use std::time::SystemTime;

use serde_json::{Map, Value};

use crate::canonical::payos_query;
use crate::crypto::{decode_hex, sha256_matches, usable_secrets};
use crate::error::{IntakeError, MAX_BODY_BYTES};
use crate::fields::{parse_json, Obj};
use crate::headers::HeaderLookup;
use crate::notification::{parse_vietnam_local, Direction, Notification, Provider};

/// `orderCode` and `description` of the docs' sample data, which the registration test call
/// resembles (docs/domain.md §7).
pub const TEST_ORDER_CODE: i64 = 123;
pub const TEST_DESCRIPTION: &str = "VQRIO123";

/// Success answer: HTTP 200 with this body (docs/domain.md §7).
pub const RESPONSE_BODY: &str = r#"{"success": true}"#;
pub const RESPONSE_STATUS: u16 = 200;

/// The text payOS signs for `data`.
pub fn signed_text(data: &Map<String, Value>) -> Result<String, IntakeError> {
    payos_query(data)
}

/// Authenticates a payOS webhook and parses it. `headers` and `now` are unused (payOS signs
/// neither a header nor a time) and kept for a uniform signature across providers; replays
/// can only be stopped by deduplication on `provider_txn_id`.
pub fn verify_and_parse<H: HeaderLookup + ?Sized>(
    raw_body: &[u8],
    _headers: &H,
    secrets: &[String],
    _now: SystemTime,
) -> Result<Notification, IntakeError> {
    if raw_body.len() > MAX_BODY_BYTES {
        return Err(IntakeError::BodyTooLarge { len: raw_body.len() });
    }
    let secrets = usable_secrets(secrets)?;
    let body = parse_json(raw_body)?;
    let root = Obj::root(&body)?;
    let signature = match root.map().get("signature") {
        Some(Value::String(s)) => s,
        Some(_) => return Err(IntakeError::MalformedAuth("payOS signature is not a string".into())),
        None => return Err(IntakeError::MissingAuth("signature field in the body")),
    };
    let tag = decode_hex(signature, 32).ok_or_else(|| IntakeError::MalformedAuth("payOS signature is not 64 hex digits".into()))?;
    let data = root.object("data", "data.")?;
    let text = payos_query(data.map())?;
    if !secrets.iter().any(|key| sha256_matches(key, &[text.as_bytes()], &tag)) {
        return Err(IntakeError::BadSignature);
    }
    parse_authenticated(&data)
}

fn parse_authenticated(d: &Obj<'_>) -> Result<Notification, IntakeError> {
    if let Some(code) = d.opt_str("code")? {
        if code != "00" {
            return Err(d.invalid("code", format!("{code:?} is not 00 (paid)")));
        }
    }
    if let Some(currency) = d.opt_str("currency")? {
        if currency != "VND" {
            return Err(d.invalid("currency", format!("{currency:?} is not VND")));
        }
    }
    let order_code = d.req_int("orderCode")?;
    let amount = d.req_int("amount")?;
    if amount < 0 {
        return Err(d.invalid("amount", "negative amount"));
    }
    let reference = d.req_str("reference")?.trim();
    if reference.is_empty() {
        return Err(IntakeError::MissingField(d.path("reference")));
    }
    let content = d.req_str("description")?.to_owned();
    let bank_time_local = d.text("transactionDateTime")?;
    Ok(Notification {
        provider: Provider::Payos,
        provider_txn_id: format!("{reference}:{order_code}"),
        bank_reference: Some(reference.to_owned()),
        amount_vnd: amount,
        direction: Direction::In,
        account_number: d.req_str("accountNumber")?.trim().to_owned(),
        virtual_account: d.text("virtualAccountNumber")?,
        bank_name: None,
        is_test: order_code == TEST_ORDER_CODE && content == TEST_DESCRIPTION,
        content,
        description: None,
        bank_time_utc: bank_time_local.as_deref().and_then(parse_vietnam_local),
        bank_time_local,
        payer_name: d.text("counterAccountName")?,
        payer_account: d.text("counterAccountNumber")?,
        payer_bank_bin: d.text("counterAccountBankId")?,
        payer_bank_name: d.text("counterAccountBankName")?,
        order_code: Some(order_code),
        provider_code: None,
    })
}
