//! SePay: a worked example and every way to get it wrong.

mod common;

use bankfeed::sign::{self, SimTransfer};
use bankfeed::{sepay, Direction, IntakeError, Provider, MAX_BODY_BYTES};
use common::*;

const BODY: &str = r#"{"id":49120377,"gateway":"Vietcombank","transactionDate":"2026-03-02 08:31:05","accountNumber":"0071000888999","code":"WPAB12CD3E","content":"MBVCB.3278614.WPAB12CD3E.CT tu 0123456789 NGUYEN VAN AN","transferType":"in","transferAmount":50000,"accumulated":12650000,"subAccount":null,"referenceCode":"MBVCB.3278614","description":"BankAPINotify MBVCB.3278614.WPAB12CD3E.CT tu 0123456789 NGUYEN VAN AN"}"#;
const TS: i64 = 1_772_415_065;
const SIG: &str = "sha256=f0ce50caf1869ac8be86ea3d766b7c90e858611db067e35d5e302450d7f9b77c";

fn headers(sig: &str, ts: &str) -> Vec<(&'static str, String)> {
    vec![("Content-Type", "application/json".to_string()), ("X-SePay-Timestamp", ts.to_string()), ("X-SePay-Signature", sig.to_string())]
}

fn verify(body: &[u8], h: &[(&str, String)], keys: &[&str], now: i64) -> Result<bankfeed::Notification, IntakeError> {
    sepay::verify_and_parse(body, h, &secrets(keys), at_secs(now))
}

#[test]
fn worked_example_verifies() {
    let n = verify(BODY.as_bytes(), &headers(SIG, "1772415065"), &[TEST_SECRET], TS + 42).expect("reference example verifies");
    assert_eq!(n.provider, Provider::Sepay);
    assert_eq!(n.provider_txn_id, "49120377");
    assert_eq!(n.bank_reference.as_deref(), Some("MBVCB.3278614"));
    assert_eq!(n.amount_vnd, 50000);
    assert_eq!(n.direction, Direction::In);
    assert_eq!(n.account_number, "0071000888999");
    assert_eq!(n.content, "MBVCB.3278614.WPAB12CD3E.CT tu 0123456789 NGUYEN VAN AN");
    assert_eq!(n.bank_name.as_deref(), Some("Vietcombank"));
    assert_eq!(n.bank_time_local.as_deref(), Some("2026-03-02 08:31:05"));
    assert_eq!(n.bank_time_utc.map(|t| t.to_rfc3339()).as_deref(), Some("2026-03-02T01:31:05+00:00"));
    assert_eq!(n.provider_code.as_deref(), Some("WPAB12CD3E"));
    assert_eq!(n.virtual_account, None);
    assert!(n.description.as_deref().is_some_and(|d| d.starts_with("BankAPINotify")));
    assert!(!n.is_test);
    // The reference's sample code predates the check character: it is not a WardPay code.
    assert!(n.payment_codes().is_empty());
    // The signer reproduces the documented header.
    assert_eq!(sign::sepay_signature(BODY.as_bytes(), TEST_SECRET, TS), SIG);
}

#[test]
fn uppercase_hex_and_lowercase_header_names_verify() {
    let upper = format!("sha256={}", SIG["sha256=".len()..].to_uppercase());
    let h = vec![("x-sepay-timestamp", "1772415065".to_string()), ("X-SEPAY-SIGNATURE", upper)];
    assert!(verify(BODY.as_bytes(), &h, &[TEST_SECRET], TS).is_ok());
}

#[test]
fn tampered_amount_fails() {
    let tampered = BODY.replace("\"transferAmount\":50000", "\"transferAmount\":500000");
    assert_eq!(verify(tampered.as_bytes(), &headers(SIG, "1772415065"), &[TEST_SECRET], TS), Err(IntakeError::BadSignature));
}

#[test]
fn reformatted_body_fails_because_raw_bytes_are_signed() {
    let v: serde_json::Value = serde_json::from_str(BODY).expect("json");
    let pretty = serde_json::to_vec_pretty(&v).expect("json");
    assert_eq!(verify(&pretty, &headers(SIG, "1772415065"), &[TEST_SECRET], TS), Err(IntakeError::BadSignature));
}

#[test]
fn wrong_secret_fails_and_rotation_passes() {
    let h = headers(SIG, "1772415065");
    assert_eq!(verify(BODY.as_bytes(), &h, &["other"], TS), Err(IntakeError::BadSignature));
    assert!(verify(BODY.as_bytes(), &h, &["new-secret", TEST_SECRET], TS).is_ok());
    // Empty entries are skipped, never used as a key.
    assert!(verify(BODY.as_bytes(), &h, &["", TEST_SECRET], TS).is_ok());
    assert_eq!(verify(BODY.as_bytes(), &h, &[""], TS), Err(IntakeError::NoSecretConfigured));
    assert_eq!(verify(BODY.as_bytes(), &h, &[], TS), Err(IntakeError::NoSecretConfigured));
}

#[test]
fn timestamp_window_is_five_minutes() {
    let h = headers(SIG, "1772415065");
    assert!(verify(BODY.as_bytes(), &h, &[TEST_SECRET], TS + 300).is_ok());
    assert!(verify(BODY.as_bytes(), &h, &[TEST_SECRET], TS - 300).is_ok());
    assert_eq!(verify(BODY.as_bytes(), &h, &[TEST_SECRET], TS + 301), Err(IntakeError::StaleTimestamp { skew_ms: -301_000 }));
    let err = verify(BODY.as_bytes(), &h, &[TEST_SECRET], TS - 3600).expect_err("future");
    assert!(matches!(err, IntakeError::StaleTimestamp { .. }));
    assert_eq!(err.http_status(), 401);
}

#[test]
fn timestamp_is_covered_by_the_signature() {
    let h = headers(SIG, "1772415066");
    assert_eq!(verify(BODY.as_bytes(), &h, &[TEST_SECRET], TS), Err(IntakeError::BadSignature));
}

#[test]
fn missing_and_malformed_auth() {
    let body = BODY.as_bytes();
    let none: Vec<(&str, String)> = vec![];
    assert!(matches!(verify(body, &none, &[TEST_SECRET], TS), Err(IntakeError::MissingAuth(_))));
    let only_sig = vec![("X-SePay-Signature", SIG.to_string())];
    assert!(matches!(verify(body, &only_sig, &[TEST_SECRET], TS), Err(IntakeError::MissingAuth(_))));
    let bad_ts = headers(SIG, "17724150x5");
    assert!(matches!(verify(body, &bad_ts, &[TEST_SECRET], TS), Err(IntakeError::MalformedAuth(_))));
    let bad_hex = headers("sha256=zz", "1772415065");
    assert!(matches!(verify(body, &bad_hex, &[TEST_SECRET], TS), Err(IntakeError::MalformedAuth(_))));
    let bearer = vec![("Authorization", "Bearer wardpay-test-secret".to_string())];
    assert!(matches!(verify(body, &bearer, &[TEST_SECRET], TS), Err(IntakeError::MalformedAuth(_))));
    for e in [verify(body, &none, &[TEST_SECRET], TS).expect_err("no auth"), verify(body, &bad_ts, &[TEST_SECRET], TS).expect_err("bad ts")]
    {
        assert_eq!(e.http_status(), 401);
        assert!(e.is_auth_failure());
    }
}

#[test]
fn bare_hex_signature_is_accepted() {
    let h = headers(&SIG["sha256=".len()..], "1772415065");
    assert!(verify(BODY.as_bytes(), &h, &[TEST_SECRET], TS).is_ok());
}

#[test]
fn api_key_mode() {
    let body = BODY.as_bytes();
    let ok = |v: &str| vec![("authorization", v.to_string())];
    assert!(verify(body, &ok("Apikey wardpay-test-secret"), &[TEST_SECRET], TS).is_ok());
    assert!(verify(body, &ok("apikey  wardpay-test-secret "), &["k0", TEST_SECRET], TS).is_ok());
    assert_eq!(verify(body, &ok("Apikey wardpay-test-secreT"), &[TEST_SECRET], TS), Err(IntakeError::BadSignature));
    assert!(matches!(verify(body, &ok("Apikey "), &[TEST_SECRET], TS), Err(IntakeError::MalformedAuth(_))));
    // API key mode does not protect the body, so a changed body still passes: by design.
    let req = sign::sepay_apikey(body, TEST_SECRET);
    assert!(sepay::verify_and_parse(&req.body, &req, &secrets(&[TEST_SECRET]), at_secs(0)).is_ok());
    assert_eq!(sepay::authenticate(&req.body, &req, &secrets(&[TEST_SECRET]), at_secs(0)), Ok(sepay::AuthMethod::ApiKey));
}

#[test]
fn failing_hmac_is_not_downgraded_to_api_key() {
    let mut h = headers("sha256=00", "1772415065");
    h[2].1 = format!("sha256={}", "0".repeat(64));
    h.push(("Authorization", "Apikey wardpay-test-secret".to_string()));
    assert_eq!(verify(BODY.as_bytes(), &h, &[TEST_SECRET], TS), Err(IntakeError::BadSignature));
}

#[test]
fn non_json_content_type_is_refused_after_auth() {
    let mut h = headers(SIG, "1772415065");
    h[0].1 = "application/x-www-form-urlencoded".into();
    let err = verify(BODY.as_bytes(), &h, &[TEST_SECRET], TS).expect_err("form");
    assert!(matches!(err, IntakeError::UnsupportedContentType(_)));
    assert_eq!(err.http_status(), 415);
    h[0].1 = "application/json; charset=utf-8".into();
    assert!(verify(BODY.as_bytes(), &h, &[TEST_SECRET], TS).is_ok());
}

fn signed(body: &str) -> Result<bankfeed::Notification, IntakeError> {
    let req = sign::sepay_hmac(body.as_bytes(), TEST_SECRET, TS);
    sepay::verify_and_parse(&req.body, &req, &secrets(&[TEST_SECRET]), at_secs(TS))
}

#[test]
fn body_errors_name_the_field() {
    let missing = BODY.replace("\"transferAmount\":50000,", "");
    let e = signed(&missing).expect_err("missing");
    assert_eq!(e, IntakeError::MissingField("transferAmount".into()));
    assert_eq!(e.http_status(), 422);
    assert!(e.to_string().contains("transferAmount"));

    let wrong = BODY.replace("\"transferAmount\":50000", "\"transferAmount\":\"50000\"");
    let e = signed(&wrong).expect_err("wrong type");
    assert_eq!(e, IntakeError::WrongType { field: "transferAmount".into(), expected: "an integer" });
    assert_eq!(e.http_status(), 422);

    let e = signed(&BODY.replace("\"id\":49120377", "\"id\":null")).expect_err("null id");
    assert_eq!(e, IntakeError::MissingField("id".into()));

    let e = signed(&BODY.replace("\"transferType\":\"in\"", "\"transferType\":\"sideways\"")).expect_err("type");
    assert!(matches!(e, IntakeError::InvalidValue { ref field, .. } if field == "transferType"));

    let e = signed(&BODY[..BODY.len() - 1]).expect_err("truncated");
    assert!(matches!(e, IntakeError::MalformedJson(_)));
    assert_eq!(e.http_status(), 400);

    let e = signed("[1,2]").expect_err("array");
    assert!(matches!(e, IntakeError::WrongType { .. }));

    // Integral floats are integers to a JavaScript sender.
    let n = signed(&BODY.replace("\"transferAmount\":50000", "\"transferAmount\":50000.0")).expect("float");
    assert_eq!(n.amount_vnd, 50000);
}

#[test]
fn outgoing_transfer_is_parsed_as_out() {
    let n = signed(&BODY.replace("\"transferType\":\"in\"", "\"transferType\":\"out\"")).expect("out");
    assert_eq!(n.direction, Direction::Out);
}

#[test]
fn oversize_body_is_rejected_before_anything_else() {
    let big = vec![b' '; MAX_BODY_BYTES + 1];
    let none: Vec<(&str, &str)> = vec![];
    let e = sepay::verify_and_parse(&big, &none, &[], at_secs(TS)).expect_err("big");
    assert_eq!(e, IntakeError::BodyTooLarge { len: MAX_BODY_BYTES + 1 });
    assert_eq!(e.http_status(), 413);
    let at_limit = vec![b' '; MAX_BODY_BYTES];
    let e = sepay::verify_and_parse(&at_limit, &none, &secrets(&["k"]), at_secs(TS)).expect_err("auth");
    assert!(matches!(e, IntakeError::MissingAuth(_)));
}

#[test]
fn sign_round_trips() {
    let code: bankfeed::PaymentCode = "WP7K3M9QXZ5".parse().expect("code");
    for style in sign::Mangle::ALL {
        let mut t = SimTransfer::new(1000 + style as i64, "0071000888999", 120_000, &sign::mangled_content(&code, style));
        t.bank_time_local = "2026-03-02 23:59:59".into();
        let body = sign::sepay_body(&t);
        let req = sign::sepay_hmac(&body, "s2", 1_800_000_000);
        let n = sepay::verify_and_parse(&req.body, &req, &secrets(&["s1", "s2"]), at_secs(1_800_000_010)).expect("hmac round trip");
        assert_eq!(n.provider_txn_id, (1000 + style as i64).to_string());
        assert_eq!(n.amount_vnd, 120_000);
        assert_eq!(n.content, t.content);
        assert_eq!(n.payment_codes(), vec![code], "{style:?}");
        assert_eq!(n.provider_code.as_deref(), Some("WP7K3M9QXZ5"));
        assert_eq!(n.bank_time_utc.map(|t| t.to_rfc3339()).as_deref(), Some("2026-03-02T16:59:59+00:00"));

        let req = sign::sepay_apikey(&body, "s1");
        let n2 = sepay::verify_and_parse(&req.body, &req, &secrets(&["s1"]), at_secs(0)).expect("apikey");
        assert_eq!(n, n2);
    }
}
