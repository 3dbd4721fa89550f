//! Casso v2: the official vector, a worked example, and failures.

mod common;

use bankfeed::sign::{self, SimTransfer};
use bankfeed::{casso, Direction, IntakeError, Notification, Provider, MAX_BODY_BYTES};
use common::*;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{json, Value};
use sha2::Sha512;

const OFFICIAL_KEY: &str = "mgExMrjj4i7a1p8Cs6LmFbpCd8lbw4sSX4LZXPag7TKazeIogtR90tvWYTkwQbvs";
const OFFICIAL_BODY: &str = r#"{"error":0,"data":{"id":0,"reference":"MA_GIAO_DICH_THU_NGHIEM","description":"giao dich thu nghiem","amount":599000,"runningBalance":25000000,"transactionDateTime":"2024-10-03 15:06:37","accountNumber":"88888888","bankName":"VPBank","bankAbbreviation":"VPB","virtualAccountNumber":"","virtualAccountName":"","counterAccountName":"NGUYEN VAN A","counterAccountNumber":"8888888888","counterAccountBankId":"970415","counterAccountBankName":"VietinBank"}}"#;
const OFFICIAL_HEADER: &str = "t=1727948258788,v1=ed0a4bd2e826d5cb69988cdb141e6c1a080e21f3b57eb72cd78192220042b9e7dde0868fc667faea8e224900fa7904e7c88dfa098032fb2d6b6996856e8b7ff3";
const OFFICIAL_T: i64 = 1_727_948_258_788;

const WORKED_BODY: &str = r#"{"error": 0, "data": {"id": 2914533, "reference": "FT26061987654321", "description": "WPAB12CD3E nop le phi",
 "amount": 50000, "runningBalance": 9150000, "transactionDateTime": "2026-03-02 08:31:05",
 "accountNumber": "19031234567890", "bankName": "Techcombank", "bankAbbreviation": "TCB",
 "virtualAccountNumber": "", "virtualAccountName": "", "counterAccountName": "NGUYEN VAN AN",
 "counterAccountNumber": "0123456789", "counterAccountBankId": "970436", "counterAccountBankName": "Vietcombank"}}"#;
const WORKED_HEADER: &str = "t=1772415066123,v1=c24675945edbf10c48cb0a91369828e7beb1817d6e15cc05a8dd8bbab2d7c3b9285988c21718af9494b881faf1975059d74855baa6ca505019c865358055708b";
const WORKED_T: i64 = 1_772_415_066_123;

fn verify(body: &[u8], header: &str, keys: &[&str], now_ms: i64) -> Result<Notification, IntakeError> {
    let h = [("X-Casso-Signature", header)];
    casso::verify_and_parse(body, &h, &secrets(keys), at_ms(now_ms))
}

#[test]
fn official_vector_verifies_and_is_a_test_call() {
    let n = verify(OFFICIAL_BODY.as_bytes(), OFFICIAL_HEADER, &[OFFICIAL_KEY], OFFICIAL_T + 1500).expect("Casso's vector verifies");
    assert_eq!(n.provider, Provider::Casso);
    assert!(n.is_test);
    assert_eq!(n.provider_txn_id, "0");
    assert_eq!(n.bank_reference.as_deref(), Some("MA_GIAO_DICH_THU_NGHIEM"));
    assert_eq!(n.amount_vnd, 599_000);
    assert_eq!(n.direction, Direction::In);
    assert_eq!(n.account_number, "88888888");
    assert_eq!(n.content, "giao dich thu nghiem");
    assert_eq!(n.payer_name.as_deref(), Some("NGUYEN VAN A"));
    assert_eq!(n.payer_account.as_deref(), Some("8888888888"));
    assert_eq!(n.payer_bank_bin.as_deref(), Some("970415"));
    assert_eq!(n.payer_bank_name.as_deref(), Some("VietinBank"));
    assert_eq!(n.virtual_account, None);
    assert_eq!(n.bank_name.as_deref(), Some("VPBank"));
    assert_eq!(n.bank_time_utc.map(|t| t.to_rfc3339()).as_deref(), Some("2024-10-03T08:06:37+00:00"));
}

#[test]
fn worked_example_verifies() {
    let n = verify(WORKED_BODY.as_bytes(), WORKED_HEADER, &[TEST_SECRET], WORKED_T - 2000).expect("worked example verifies");
    assert!(!n.is_test);
    assert_eq!(n.provider_txn_id, "2914533");
    assert_eq!(n.bank_reference.as_deref(), Some("FT26061987654321"));
    assert_eq!(n.amount_vnd, 50000);
    assert_eq!(n.content, "WPAB12CD3E nop le phi");
    assert_eq!(n.bank_time_local.as_deref(), Some("2026-03-02 08:31:05"));

    let body: Value = serde_json::from_str(WORKED_BODY).expect("json");
    let canonical = casso::canonical_json(&body);
    assert!(canonical.starts_with(r#"{"data":{"accountNumber":"19031234567890","amount":50000,"bankAbbreviation""#));
    assert!(canonical.ends_with(r#""virtualAccountNumber":""},"error":0}"#));
    assert_eq!(sign::casso_signature(&body, TEST_SECRET, WORKED_T), WORKED_HEADER);
    let official: Value = serde_json::from_str(OFFICIAL_BODY).expect("json");
    assert_eq!(sign::casso_signature(&official, OFFICIAL_KEY, OFFICIAL_T), OFFICIAL_HEADER);
}

#[test]
fn header_parts_in_any_order_extra_parts_and_uppercase_hex() {
    let (t, v1) = WORKED_HEADER.split_once(',').expect("two parts");
    let reordered = format!("{} , {}, v0=abc", v1.to_uppercase().replace("V1=", "v1="), t);
    assert!(verify(WORKED_BODY.as_bytes(), &reordered, &[TEST_SECRET], WORKED_T).is_ok());
    let lower_name = [("x-casso-signature", WORKED_HEADER)];
    assert!(casso::verify_and_parse(WORKED_BODY.as_bytes(), &lower_name, &secrets(&[TEST_SECRET]), at_ms(WORKED_T)).is_ok());
}

#[test]
fn tampered_amount_fails() {
    let tampered = WORKED_BODY.replace("\"amount\": 50000", "\"amount\": 5000000");
    assert_eq!(verify(tampered.as_bytes(), WORKED_HEADER, &[TEST_SECRET], WORKED_T), Err(IntakeError::BadSignature));
}

#[test]
fn layout_of_the_raw_body_does_not_matter() {
    let v: Value = serde_json::from_str(WORKED_BODY).expect("json");
    let compact = serde_json::to_vec(&v).expect("json");
    assert!(verify(&compact, WORKED_HEADER, &[TEST_SECRET], WORKED_T).is_ok());
    let escaped = WORKED_BODY.replace("nop le phi", "nop le \\u0070hi");
    assert!(verify(escaped.as_bytes(), WORKED_HEADER, &[TEST_SECRET], WORKED_T).is_ok());
}

#[test]
fn wrong_secret_fails_and_rotation_passes() {
    let b = WORKED_BODY.as_bytes();
    assert_eq!(verify(b, WORKED_HEADER, &["nope"], WORKED_T), Err(IntakeError::BadSignature));
    assert!(verify(b, WORKED_HEADER, &["next-secret", TEST_SECRET], WORKED_T).is_ok());
    assert_eq!(verify(b, WORKED_HEADER, &[], WORKED_T), Err(IntakeError::NoSecretConfigured));
}

#[test]
fn stale_timestamp_fails() {
    let b = WORKED_BODY.as_bytes();
    assert!(verify(b, WORKED_HEADER, &[TEST_SECRET], WORKED_T + 300_000).is_ok());
    assert_eq!(verify(b, WORKED_HEADER, &[TEST_SECRET], WORKED_T + 300_001), Err(IntakeError::StaleTimestamp { skew_ms: -300_001 }));
    assert_eq!(verify(b, WORKED_HEADER, &[TEST_SECRET], WORKED_T - 3_600_000), Err(IntakeError::StaleTimestamp { skew_ms: 3_600_000 }));
    // Seconds instead of milliseconds would be 50 years old.
    let secs = WORKED_HEADER.replace("t=1772415066123", "t=1772415066");
    assert!(matches!(verify(b, &secs, &[TEST_SECRET], WORKED_T), Err(IntakeError::BadSignature)));
}

#[test]
fn vietnamese_text_round_trips_raw_utf8() {
    let mut t = SimTransfer::new(77, "19031234567890", 35_000, "Nộp lệ phí chứng thực WP7K3M9QXZ5 / Phường Bến Nghé \"Q1\"");
    t.payer_name = "NGUYỄN VĂN ÂN".into();
    let body = sign::casso_body(&t);
    let req = sign::casso(&body, TEST_SECRET, WORKED_T);
    assert!(std::str::from_utf8(&req.body).expect("utf8").contains("Nộp lệ phí"));
    let n = casso::verify_and_parse(&req.body, &req, &secrets(&[TEST_SECRET]), at_ms(WORKED_T)).expect("verifies");
    assert_eq!(n.content, t.content);
    assert_eq!(n.payer_name.as_deref(), Some("NGUYỄN VĂN ÂN"));
    assert_eq!(n.payment_codes(), vec!["WP7K3M9QXZ5".parse().expect("code")]);

    // The same body with \u escapes on the wire verifies with the same header.
    let escaped = serde_json::to_string(&body).expect("json").replace("Nộp", "N\\u1ed9p");
    let h = [("X-Casso-Signature", req.headers.iter().find(|(k, _)| k == "X-Casso-Signature").map(|(_, v)| v.clone()).expect("sig"))];
    assert!(casso::verify_and_parse(escaped.as_bytes(), &h, &secrets(&[TEST_SECRET]), at_ms(WORKED_T)).is_ok());
}

#[test]
fn ascii_escaped_canonical_form_is_accepted_as_fallback() {
    let body = json!({"error": 0, "data": {"id": 5, "description": "Tiền điện / WP7K3M9QXZ5", "amount": 1000, "accountNumber": "1"}});
    let ascii = r#"{"data":{"accountNumber":"1","amount":1000,"description":"Ti\u1ec1n \u0111i\u1ec7n / WP7K3M9QXZ5","id":5},"error":0}"#;
    let mut mac = <Hmac<Sha512> as KeyInit>::new_from_slice(TEST_SECRET.as_bytes()).expect("key");
    mac.update(format!("{WORKED_T}.{ascii}").as_bytes());
    let header = format!("t={WORKED_T},v1={}", hex::encode(mac.finalize().into_bytes()));
    let raw = serde_json::to_vec(&body).expect("json");
    let n = verify(&raw, &header, &[TEST_SECRET], WORKED_T).expect("ascii form verifies");
    assert_eq!(n.content, "Tiền điện / WP7K3M9QXZ5");
}

#[test]
fn auth_errors() {
    let b = WORKED_BODY.as_bytes();
    let none: [(&str, &str); 0] = [];
    let e = casso::verify_and_parse(b, &none, &secrets(&[TEST_SECRET]), at_ms(WORKED_T)).expect_err("none");
    assert!(matches!(e, IntakeError::MissingAuth(_)));
    // Webhook v1 authenticates with a plain token: refused as missing v2 auth.
    let v1 = [("secure-token", TEST_SECRET)];
    let e = casso::verify_and_parse(b, &v1, &secrets(&[TEST_SECRET]), at_ms(WORKED_T)).expect_err("v1");
    assert!(matches!(e, IntakeError::MissingAuth(_)));
    assert_eq!(e.http_status(), 401);
    for bad in ["t=1772415066123", "v1=abcd", "t=abc,v1=00", "t=1772415066123,v1=zz", "garbage", ""] {
        let e = verify(b, bad, &[TEST_SECRET], WORKED_T).expect_err(bad);
        assert!(matches!(e, IntakeError::MalformedAuth(_)), "{bad}: {e:?}");
        assert_eq!(e.http_status(), 401);
    }
}

fn signed(body: &Value) -> Result<Notification, IntakeError> {
    let req = sign::casso(body, TEST_SECRET, WORKED_T);
    casso::verify_and_parse(&req.body, &req, &secrets(&[TEST_SECRET]), at_ms(WORKED_T))
}

#[test]
fn body_errors_name_the_field() {
    let mut body: Value = serde_json::from_str(WORKED_BODY).expect("json");
    body["data"].as_object_mut().expect("obj").remove("amount");
    assert_eq!(signed(&body), Err(IntakeError::MissingField("data.amount".into())));

    let mut body: Value = serde_json::from_str(WORKED_BODY).expect("json");
    body["data"]["amount"] = json!("50000");
    let e = signed(&body).expect_err("type");
    assert_eq!(e, IntakeError::WrongType { field: "data.amount".into(), expected: "an integer" });
    assert!(e.to_string().contains("data.amount"));
    assert_eq!(e.http_status(), 422);

    let mut body: Value = serde_json::from_str(WORKED_BODY).expect("json");
    body["data"]["description"] = json!(12);
    assert!(matches!(signed(&body), Err(IntakeError::WrongType { ref field, .. }) if field == "data.description"));

    assert_eq!(signed(&json!({"error": 0})), Err(IntakeError::MissingField("data".into())));
    let e = signed(&json!({"error": 0, "data": [{"id": 1}]})).expect_err("v1 body");
    assert!(matches!(e, IntakeError::Unsupported(_)));
    assert!(matches!(signed(&json!({"error": 1, "data": {}})), Err(IntakeError::Unsupported(_))));

    let e = verify(b"{\"error\":0,", WORKED_HEADER, &[TEST_SECRET], WORKED_T).expect_err("malformed");
    assert!(matches!(e, IntakeError::MalformedJson(_)));
    assert_eq!(e.http_status(), 400);
    let e = verify(&[0xff, 0xfe], WORKED_HEADER, &[TEST_SECRET], WORKED_T).expect_err("not utf8");
    assert!(matches!(e, IntakeError::MalformedJson(_)));
}

#[test]
fn negative_amount_is_money_out() {
    let mut t = SimTransfer::new(9, "1", 20_000, "rut tien");
    t.incoming = false;
    let n = signed(&sign::casso_body(&t)).expect("out");
    assert_eq!(n.direction, Direction::Out);
    assert_eq!(n.amount_vnd, 20_000);
}

#[test]
fn oversize_body_is_rejected() {
    let big = vec![b'{'; MAX_BODY_BYTES + 1];
    let e = verify(&big, WORKED_HEADER, &[TEST_SECRET], WORKED_T).expect_err("big");
    assert_eq!(e, IntakeError::BodyTooLarge { len: MAX_BODY_BYTES + 1 });
    assert_eq!(e.http_status(), 413);
}

#[test]
fn sign_round_trips() {
    let code: bankfeed::PaymentCode = "WPH8ZT5Q2N3".parse().expect("code");
    for style in sign::Mangle::ALL {
        let t = SimTransfer::new(500 + style as i64, "19031234567890", 75_000, &sign::mangled_content(&code, style));
        let req = sign::casso(&sign::casso_body(&t), "rot-2", 1_800_000_000_000);
        let n = casso::verify_and_parse(&req.body, &req, &secrets(&["rot-1", "rot-2"]), at_ms(1_800_000_000_500)).expect("round trip");
        assert_eq!(n.provider_txn_id, (500 + style as i64).to_string());
        assert_eq!(n.amount_vnd, 75_000);
        assert_eq!(n.payment_codes(), vec![code], "{style:?}");
        assert_eq!(n.payer_name.as_deref(), Some("NGUYEN VAN AN"));
        assert_eq!(n.bank_reference, Some(t.bank_reference.clone()));
    }
}
