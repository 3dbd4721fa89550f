//! The provider side, for the bank simulator and tests: realistic bodies and correctly signed
//! requests. Everything here round-trips through the matching `verify_and_parse`.

use serde_json::{json, Map, Value};

use crate::casso;
use crate::code::PaymentCode;
use crate::crypto::{sha256_hex, sha512_hex};
use crate::error::IntakeError;
use crate::headers::HeaderLookup;
use crate::payos;
use crate::sepay;

/// A request as a provider would send it: exact body bytes plus headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedRequest {
    pub body: Vec<u8>,
    pub headers: Vec<(String, String)>,
}

impl SignedRequest {
    fn json(body: Vec<u8>) -> Self {
        Self { body, headers: vec![("Content-Type".into(), "application/json".into())] }
    }

    fn with_header(mut self, name: &str, value: String) -> Self {
        self.headers.push((name.to_owned(), value));
        self
    }

    /// Replaces (or adds) a header, for tests that corrupt one.
    pub fn set_header(&mut self, name: &str, value: impl Into<String>) {
        self.headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
        self.headers.push((name.to_owned(), value.into()));
    }

    pub fn remove_header(&mut self, name: &str) {
        self.headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
    }
}

impl HeaderLookup for SignedRequest {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.header(name)
    }
}

/// `sha256=<hex>` for SePay's `X-SePay-Signature`.
pub fn sepay_signature(body: &[u8], secret: &str, ts: i64) -> String {
    let ts = ts.to_string();
    format!("{}{}", sepay::SIGNATURE_PREFIX, sha256_hex(secret, &[ts.as_bytes(), b".", body]))
}

/// SePay request in HMAC mode; `ts` in Unix seconds.
pub fn sepay_hmac(body: &[u8], secret: &str, ts: i64) -> SignedRequest {
    SignedRequest::json(body.to_vec())
        .with_header(sepay::HEADER_TIMESTAMP, ts.to_string())
        .with_header(sepay::HEADER_SIGNATURE, sepay_signature(body, secret, ts))
}

/// SePay request in API-key mode.
pub fn sepay_apikey(body: &[u8], key: &str) -> SignedRequest {
    SignedRequest::json(body.to_vec()).with_header(sepay::HEADER_AUTHORIZATION, format!("{} {key}", sepay::APIKEY_SCHEME))
}

/// `t=<ms>,v1=<hex>` for Casso's `X-Casso-Signature`.
pub fn casso_signature(body: &Value, secret: &str, t_ms: i64) -> String {
    let t = t_ms.to_string();
    let canonical = casso::canonical_json(body);
    let v1 = sha512_hex(secret, &[t.as_bytes(), b".", canonical.as_bytes()]);
    format!("t={t},v1={v1}")
}

/// Casso v2 request; the body is sent compact in serde_json's key order, which the verifier
/// must not care about.
pub fn casso(body: &Value, secret: &str, t_ms: i64) -> SignedRequest {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    SignedRequest::json(bytes).with_header(casso::HEADER_SIGNATURE, casso_signature(body, secret, t_ms))
}

/// payOS `signature` for a `data` object; fails only for shapes payOS never signs.
pub fn payos_signature(data: &Value, secret: &str) -> Result<String, IntakeError> {
    let Value::Object(map) = data else {
        return Err(IntakeError::WrongType { field: "data".into(), expected: "an object" });
    };
    let text = payos::signed_text(map)?;
    Ok(sha256_hex(secret, &[text.as_bytes()]))
}

/// Full payOS webhook body around `data`, signed.
pub fn payos(data: &Value, secret: &str) -> Result<SignedRequest, IntakeError> {
    let signature = payos_signature(data, secret)?;
    let body = json!({
        "code": "00",
        "desc": "success",
        "success": true,
        "data": data,
        "signature": signature,
    });
    Ok(SignedRequest::json(serde_json::to_vec(&body).unwrap_or_default()))
}

/// One simulated bank transfer, the common input of the body builders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimTransfer {
    /// Provider transaction id (SePay `id`, Casso `data.id`).
    pub id: i64,
    pub account_number: String,
    /// Positive; direction is separate.
    pub amount_vnd: i64,
    pub incoming: bool,
    pub content: String,
    /// Vietnam local `YYYY-MM-DD HH:MM:SS`.
    pub bank_time_local: String,
    pub bank_reference: String,
    pub bank_name: String,
    pub payer_name: String,
    pub payer_account: String,
    pub payer_bank_bin: String,
    pub payer_bank_name: String,
}

impl SimTransfer {
    /// An incoming transfer with plausible defaults for everything not given.
    pub fn new(id: i64, account_number: &str, amount_vnd: i64, content: &str) -> Self {
        Self {
            id,
            account_number: account_number.to_owned(),
            amount_vnd,
            incoming: true,
            content: content.to_owned(),
            bank_time_local: "2026-03-02 08:31:05".into(),
            bank_reference: format!("FT26061{:09}", id.rem_euclid(1_000_000_000)),
            bank_name: "Vietcombank".into(),
            payer_name: "NGUYEN VAN AN".into(),
            payer_account: "0123456789".into(),
            payer_bank_bin: "970436".into(),
            payer_bank_name: "Vietcombank".into(),
        }
    }
}

/// SePay body bytes in SePay's field order.
pub fn sepay_body(t: &SimTransfer) -> Vec<u8> {
    let code = crate::matching::find_first_code(&t.content).map(|c| c.to_string());
    let body = json!({
        "id": t.id,
        "gateway": t.bank_name,
        "transactionDate": t.bank_time_local,
        "accountNumber": t.account_number,
        "code": code,
        "content": t.content,
        "transferType": if t.incoming { "in" } else { "out" },
        "transferAmount": t.amount_vnd,
        "accumulated": 0,
        "subAccount": null,
        "referenceCode": t.bank_reference,
        "description": format!("BankAPINotify {}", t.content),
    });
    // serde_json sorts keys; SePay's order is irrelevant to the HMAC (it covers the exact bytes).
    serde_json::to_vec(&body).unwrap_or_default()
}

/// Casso v2 body (`{"error":0,"data":{…}}`).
pub fn casso_body(t: &SimTransfer) -> Value {
    json!({
        "error": 0,
        "data": {
            "id": t.id,
            "reference": t.bank_reference,
            "description": t.content,
            "amount": if t.incoming { t.amount_vnd } else { -t.amount_vnd },
            "runningBalance": 0,
            "transactionDateTime": t.bank_time_local,
            "accountNumber": t.account_number,
            "bankName": t.bank_name,
            "bankAbbreviation": "",
            "virtualAccountNumber": "",
            "virtualAccountName": "",
            "counterAccountName": t.payer_name,
            "counterAccountNumber": t.payer_account,
            "counterAccountBankId": t.payer_bank_bin,
            "counterAccountBankName": t.payer_bank_name,
        }
    })
}

/// payOS `data` object for a transfer to payment link `order_code`.
pub fn payos_data(t: &SimTransfer, order_code: i64) -> Value {
    let mut data = Map::new();
    let mut put = |k: &str, v: Value| {
        data.insert(k.to_owned(), v);
    };
    put("orderCode", json!(order_code));
    put("amount", json!(t.amount_vnd));
    put("description", json!(t.content));
    put("accountNumber", json!(t.account_number));
    put("reference", json!(t.bank_reference));
    put("transactionDateTime", json!(t.bank_time_local));
    put("currency", json!("VND"));
    put("paymentLinkId", json!(format!("{:032x}", order_code)));
    put("code", json!("00"));
    put("desc", json!("success"));
    put("counterAccountBankId", json!(t.payer_bank_bin));
    put("counterAccountBankName", json!(t.payer_bank_name));
    put("counterAccountName", json!(t.payer_name));
    put("counterAccountNumber", json!(t.payer_account));
    put("virtualAccountName", Value::Null);
    put("virtualAccountNumber", Value::Null);
    Value::Object(data)
}

/// Ways banks rewrite a transfer purpose, for simulating realistic notifications.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mangle {
    /// The code alone, as typed.
    Exact,
    /// Vietcombank-style reference glued in front, sender text after.
    VcbGlued,
    /// `IBFT ` prefix.
    Ibft,
    /// Lowercased with a Vietnamese purpose after.
    Lowercase,
    /// Grouped with spaces: `WP 7K3M 9QXZ 4X`.
    Spaced,
    /// Dashes and dots inside the code, bank suffix glued after.
    Punctuated,
    /// Text cut off right after the code.
    Truncated,
}

impl Mangle {
    pub const ALL: [Mangle; 7] =
        [Mangle::Exact, Mangle::VcbGlued, Mangle::Ibft, Mangle::Lowercase, Mangle::Spaced, Mangle::Punctuated, Mangle::Truncated];
}

/// A transfer purpose containing `code` in the given style; `find_codes` finds it in every one.
pub fn mangled_content(code: &PaymentCode, style: Mangle) -> String {
    let c = code.as_str();
    match style {
        Mangle::Exact => c.to_owned(),
        Mangle::VcbGlued => format!("MBVCB.3278614.{c}.CT tu 0123456789 NGUYEN VAN AN"),
        Mangle::Ibft => format!("IBFT {c} nop le phi"),
        Mangle::Lowercase => format!("{} nộp lệ phí hồ sơ", c.to_lowercase()),
        Mangle::Spaced => format!("{} {} {} {}", &c[..2], &c[2..6], &c[6..10], &c[10..]),
        Mangle::Punctuated => format!("TKThe :0123, tai VCB. {}-{}.{}-ND", &c[..5], &c[5..8], &c[8..]),
        Mangle::Truncated => format!("CT DEN:0123456789 NGUYEN VAN AN chuyen tien {c}"),
    }
}
