//! payOS: the docs' official vector, a worked example, and failures.

mod common;

use bankfeed::sign::{self, SimTransfer};
use bankfeed::{payos, Direction, IntakeError, Notification, Provider, MAX_BODY_BYTES};
use common::*;
use serde_json::{json, Value};

const DOCS_KEY: &str = "1a54716c8f0efb2744fb28b6e38b25da7f67a925d98bc1c18bd8faaecadd7675";
const DOCS_BODY: &str = r#"{
  "code": "00",
  "desc": "success",
  "success": true,
  "data": {
    "orderCode": 123,
    "amount": 3000,
    "description": "VQRIO123",
    "accountNumber": "12345678",
    "reference": "TF230204212323",
    "transactionDateTime": "2023-02-04 18:25:00",
    "currency": "VND",
    "paymentLinkId": "124c33293c43417ab7879e14c8d9eb18",
    "code": "00",
    "desc": "Thành công",
    "counterAccountBankId": "",
    "counterAccountBankName": "",
    "counterAccountName": "",
    "counterAccountNumber": "",
    "virtualAccountName": "",
    "virtualAccountNumber": ""
  },
  "signature": "412e915d2871504ed31be63c8f62a149a4410d34c4c42affc9006ef9917eaa03"
}"#;

const WORKED_BODY: &str = r#"{"code":"00","desc":"success","success":true,"data":{"orderCode":260302001,"amount":50000,"description":"WPAB12CD3E",
 "accountNumber":"0987654321","reference":"FT26061000123456","transactionDateTime":"2026-03-02 08:31:05",
 "currency":"VND","paymentLinkId":"7c1e0a9b3d2f4e5a8b6c9d0e1f2a3b4c","code":"00","desc":"success",
 "counterAccountBankId":"970436","counterAccountBankName":"Vietcombank","counterAccountName":"NGUYEN VAN AN",
 "counterAccountNumber":"0123456789","virtualAccountName":null,"virtualAccountNumber":null},
 "signature":"8e9fbb84e138e0fcfc99e50c6c34549dd29807880757a056f486d1fef1ffd1be"}"#;
const WORKED_SIGNED: &str = "accountNumber=0987654321&amount=50000&code=00&counterAccountBankId=970436&counterAccountBankName=Vietcombank&counterAccountName=NGUYEN VAN AN&counterAccountNumber=0123456789&currency=VND&desc=success&description=WPAB12CD3E&orderCode=260302001&paymentLinkId=7c1e0a9b3d2f4e5a8b6c9d0e1f2a3b4c&reference=FT26061000123456&transactionDateTime=2026-03-02 08:31:05&virtualAccountName=&virtualAccountNumber=";

fn verify(body: &[u8], keys: &[&str]) -> Result<Notification, IntakeError> {
    let no_headers: [(&str, &str); 0] = [];
    payos::verify_and_parse(body, &no_headers, &secrets(keys), at_secs(1_772_415_065))
}

#[test]
fn docs_vector_verifies_and_is_a_test_call() {
    let n = verify(DOCS_BODY.as_bytes(), &[DOCS_KEY]).expect("docs vector verifies");
    assert_eq!(n.provider, Provider::Payos);
    assert!(n.is_test);
    assert_eq!(n.provider_txn_id, "TF230204212323:123");
    assert_eq!(n.order_code, Some(123));
    assert_eq!(n.amount_vnd, 3000);
    assert_eq!(n.content, "VQRIO123");
    assert_eq!(n.payer_name, None);
    assert_eq!(n.bank_time_utc.map(|t| t.to_rfc3339()).as_deref(), Some("2023-02-04T11:25:00+00:00"));
}

#[test]
fn worked_example_verifies() {
    let v: Value = serde_json::from_str(WORKED_BODY).expect("json");
    let Value::Object(data) = &v["data"] else { panic!("data is an object") };
    assert_eq!(payos::signed_text(data).expect("flat"), WORKED_SIGNED);
    assert_eq!(
        sign::payos_signature(&v["data"], TEST_SECRET).expect("flat"),
        "8e9fbb84e138e0fcfc99e50c6c34549dd29807880757a056f486d1fef1ffd1be"
    );
    let n = verify(WORKED_BODY.as_bytes(), &[TEST_SECRET]).expect("worked example verifies");
    assert!(!n.is_test);
    assert_eq!(n.provider_txn_id, "FT26061000123456:260302001");
    assert_eq!(n.bank_reference.as_deref(), Some("FT26061000123456"));
    assert_eq!(n.amount_vnd, 50000);
    assert_eq!(n.direction, Direction::In);
    assert_eq!(n.account_number, "0987654321");
    assert_eq!(n.payer_name.as_deref(), Some("NGUYEN VAN AN"));
    assert_eq!(n.payer_account.as_deref(), Some("0123456789"));
    assert_eq!(n.payer_bank_bin.as_deref(), Some("970436"));
    assert_eq!(n.virtual_account, None);
}

#[test]
fn uppercase_signature_verifies() {
    let upper = WORKED_BODY.replace(
        "8e9fbb84e138e0fcfc99e50c6c34549dd29807880757a056f486d1fef1ffd1be",
        "8E9FBB84E138E0FCFC99E50C6C34549DD29807880757A056F486D1FEF1FFD1BE",
    );
    assert!(verify(upper.as_bytes(), &[TEST_SECRET]).is_ok());
}

#[test]
fn tampered_amount_fails() {
    let tampered = WORKED_BODY.replace("\"amount\":50000", "\"amount\":500000");
    assert_eq!(verify(tampered.as_bytes(), &[TEST_SECRET]), Err(IntakeError::BadSignature));
    let tampered = DOCS_BODY.replace("\"amount\": 3000", "\"amount\": 3001");
    assert_eq!(verify(tampered.as_bytes(), &[DOCS_KEY]), Err(IntakeError::BadSignature));
}

#[test]
fn unsigned_top_level_fields_are_ignored() {
    let changed = WORKED_BODY.replace(r#"{"code":"00","desc":"success","success":true,"#, r#"{"code":"01","desc":"x","success":false,"#);
    assert!(verify(changed.as_bytes(), &[TEST_SECRET]).is_ok());
}

#[test]
fn wrong_secret_fails_and_rotation_passes() {
    let b = WORKED_BODY.as_bytes();
    assert_eq!(verify(b, &["nope"]), Err(IntakeError::BadSignature));
    assert!(verify(b, &["next", TEST_SECRET]).is_ok());
    assert_eq!(verify(b, &[""]), Err(IntakeError::NoSecretConfigured));
}

#[test]
fn auth_errors() {
    let v: Value = serde_json::from_str(WORKED_BODY).expect("json");
    let mut no_sig = v.clone();
    no_sig.as_object_mut().expect("obj").remove("signature");
    let e = verify(&serde_json::to_vec(&no_sig).expect("json"), &[TEST_SECRET]).expect_err("no sig");
    assert!(matches!(e, IntakeError::MissingAuth(_)));
    assert_eq!(e.http_status(), 401);
    let mut bad = v.clone();
    bad["signature"] = json!("xyz");
    let e = verify(&serde_json::to_vec(&bad).expect("json"), &[TEST_SECRET]).expect_err("bad hex");
    assert!(matches!(e, IntakeError::MalformedAuth(_)));
    bad["signature"] = json!(42);
    let e = verify(&serde_json::to_vec(&bad).expect("json"), &[TEST_SECRET]).expect_err("number");
    assert!(matches!(e, IntakeError::MalformedAuth(_)));
}

fn signed(data: &Value) -> Result<Notification, IntakeError> {
    let req = sign::payos(data, TEST_SECRET)?;
    verify(&req.body, &[TEST_SECRET])
}

#[test]
fn body_errors_name_the_field() {
    let v: Value = serde_json::from_str(WORKED_BODY).expect("json");
    let data = v["data"].clone();

    let mut d = data.clone();
    d.as_object_mut().expect("obj").remove("amount");
    assert_eq!(signed(&d), Err(IntakeError::MissingField("data.amount".into())));

    // "50000" and 50000 sign identically, so this one gets past the signature.
    let mut d = data.clone();
    d["amount"] = json!("50000");
    let e = signed(&d).expect_err("type");
    assert_eq!(e, IntakeError::WrongType { field: "data.amount".into(), expected: "an integer" });
    assert_eq!(e.http_status(), 422);

    let mut d = data.clone();
    d["reference"] = json!("");
    assert_eq!(signed(&d), Err(IntakeError::MissingField("data.reference".into())));

    let mut d = data.clone();
    d["code"] = json!("01");
    assert!(matches!(signed(&d), Err(IntakeError::InvalidValue { ref field, .. }) if field == "data.code"));

    let mut d = data.clone();
    d["currency"] = json!("USD");
    assert!(matches!(signed(&d), Err(IntakeError::InvalidValue { ref field, .. }) if field == "data.currency"));

    let mut d = data.clone();
    d["extra"] = json!({"nested": 1});
    assert!(matches!(sign::payos(&d, TEST_SECRET), Err(IntakeError::Unsupported(_))));
    let body = json!({"data": d, "signature": "00".repeat(32)});
    let e = verify(&serde_json::to_vec(&body).expect("json"), &[TEST_SECRET]).expect_err("nested");
    assert!(matches!(e, IntakeError::Unsupported(_)));

    let e = verify(br#"{"signature":"00","data":"#, &[TEST_SECRET]).expect_err("malformed");
    assert!(matches!(e, IntakeError::MalformedJson(_)));
    assert_eq!(e.http_status(), 400);
    let body = json!({"signature": "00".repeat(32)});
    assert_eq!(verify(&serde_json::to_vec(&body).expect("json"), &[TEST_SECRET]), Err(IntakeError::MissingField("data".into())));
    let body = json!({"signature": "00".repeat(32), "data": [1]});
    assert!(matches!(verify(&serde_json::to_vec(&body).expect("json"), &[TEST_SECRET]), Err(IntakeError::WrongType { .. })));
}

#[test]
fn vietnamese_text_round_trips() {
    let t = SimTransfer::new(1, "0987654321", 42_000, "Thanh toán lệ phí & phí = WPM4R7KX1V9");
    let data = sign::payos_data(&t, 9001);
    let n = signed(&data).expect("verifies");
    assert_eq!(n.content, t.content);
    assert_eq!(n.order_code, Some(9001));
    assert_eq!(n.payment_codes(), vec!["WPM4R7KX1V9".parse().expect("code")]);
}

#[test]
fn oversize_body_is_rejected() {
    let big = vec![b'x'; MAX_BODY_BYTES + 1];
    let e = verify(&big, &[TEST_SECRET]).expect_err("big");
    assert_eq!(e, IntakeError::BodyTooLarge { len: MAX_BODY_BYTES + 1 });
}

#[test]
fn sign_round_trips() {
    let code: bankfeed::PaymentCode = "WPZZZZZZZZ3".parse().expect("code");
    for style in sign::Mangle::ALL {
        let t = SimTransfer::new(7, "0987654321", 10_000, &sign::mangled_content(&code, style));
        let order = 260_302_000 + style as i64;
        let req = sign::payos(&sign::payos_data(&t, order), "k2").expect("flat data");
        let n = payos::verify_and_parse(&req.body, &req, &secrets(&["k1", "k2"]), at_secs(0)).expect("round trip");
        assert_eq!(n.provider_txn_id, format!("{}:{order}", t.bank_reference));
        assert_eq!(n.payment_codes(), vec![code], "{style:?}");
        assert_eq!(n.amount_vnd, 10_000);
    }
}
