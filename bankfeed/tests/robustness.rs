//! Nothing a caller can send makes the verifiers panic; cross-provider plumbing.

mod common;

use bankfeed::sign::{self, SimTransfer};
use bankfeed::{verify_and_parse, IntakeError, Notification, Provider, SUCCESS_BODY, SUCCESS_STATUS};
use common::*;
use proptest::prelude::*;

const PROVIDERS: [Provider; 3] = [Provider::Sepay, Provider::Casso, Provider::Payos];

fn header_set() -> impl Strategy<Value = Vec<(String, String)>> {
    let name = prop_oneof![
        Just("X-SePay-Signature".to_string()),
        Just("X-SePay-Timestamp".to_string()),
        Just("Authorization".to_string()),
        Just("X-Casso-Signature".to_string()),
        Just("Content-Type".to_string()),
    ];
    let value =
        prop_oneof!["\\PC{0,80}", "sha256=[0-9a-fA-F]{0,70}", "t=[0-9]{0,16},v1=[0-9a-f]{0,130}", "[0-9]{0,20}", "Apikey \\PC{0,20}",];
    proptest::collection::vec((name, value), 0..5)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn arbitrary_bytes_never_panic(body in proptest::collection::vec(any::<u8>(), 0..600), headers in header_set(), now in any::<u32>()) {
        for p in PROVIDERS {
            let r = verify_and_parse(p, &body, &headers, &secrets(&["k"]), at_secs(i64::from(now)));
            if let Err(e) = r {
                let _ = (e.http_status(), e.to_string(), e.response_body());
            }
        }
    }

    #[test]
    fn json_shaped_bodies_never_panic(body in "\\{(\"(id|data|error|amount|signature|transferAmount|orderCode)\":(-?[0-9]{1,25}(\\.[0-9])?|\"\\PC{0,10}\"|null|true|\\[\\]|\\{\\}),?){0,6}\\}", headers in header_set()) {
        for p in PROVIDERS {
            let _ = verify_and_parse(p, body.as_bytes(), &headers, &secrets(&["k"]), at_secs(0));
        }
    }

    #[test]
    fn any_flipped_byte_of_a_signed_body_is_rejected_or_harmless(pos in any::<prop::sample::Index>(), bit in 0u8..8) {
        let t = SimTransfer::new(3, "123", 50_000, "WP7K3M9QXZ5");
        let req = sign::sepay_hmac(&sign::sepay_body(&t), "k", 100);
        let mut body = req.body.clone();
        let i = pos.index(body.len());
        body[i] ^= 1 << bit;
        // SePay signs the exact bytes: any change at all must fail authentication.
        let r = bankfeed::sepay::verify_and_parse(&body, &req, &secrets(&["k"]), at_secs(100));
        prop_assert_eq!(r, Err(IntakeError::BadSignature));
    }
}

#[test]
fn dispatch_and_responses() {
    let t = SimTransfer::new(11, "1", 1, "x");
    let req = sign::casso(&sign::casso_body(&t), "k", 5_000);
    let n = verify_and_parse(Provider::Casso, &req.body, &req, &secrets(&["k"]), at_ms(5_000)).expect("casso");
    assert_eq!(n.provider, Provider::Casso);
    assert_eq!(
        verify_and_parse(Provider::Sepay, &req.body, &req, &secrets(&["k"]), at_ms(5_000)).map(|_| ()),
        Err(IntakeError::MissingAuth("Authorization: Apikey <key> or X-SePay-Signature/X-SePay-Timestamp headers"))
    );
    for body in [SUCCESS_BODY, bankfeed::sepay::RESPONSE_BODY, bankfeed::casso::RESPONSE_BODY, bankfeed::payos::RESPONSE_BODY] {
        let v: serde_json::Value = serde_json::from_str(body).expect("json");
        assert_eq!(v, serde_json::json!({"success": true}));
    }
    assert_eq!(SUCCESS_STATUS, 200);
    let e = IntakeError::MissingField("data.amount".into());
    let v: serde_json::Value = serde_json::from_str(&e.response_body()).expect("json");
    assert_eq!(v["success"], false);
    assert_eq!(v["error"], "missing_field");
    assert!(v["message"].as_str().expect("str").contains("data.amount"));
    assert_eq!(IntakeError::NoSecretConfigured.http_status(), 500);
}

#[test]
fn notification_serde_round_trips() {
    let t = SimTransfer::new(11, "1", 1, "WP7K3M9QXZ5");
    let data = sign::payos_data(&t, 5);
    let req = sign::payos(&data, "k").expect("flat");
    let n = verify_and_parse(Provider::Payos, &req.body, &req, &secrets(&["k"]), at_secs(0)).expect("payos");
    let s = serde_json::to_string(&n).expect("ser");
    assert!(s.contains("\"provider\":\"payos\"") && s.contains("\"direction\":\"in\""), "{s}");
    assert!(s.contains("\"bank_time_utc\":\"2026-03-02T01:31:05Z\""), "{s}");
    let back: Notification = serde_json::from_str(&s).expect("de");
    assert_eq!(back, n);
}

#[cfg(feature = "http")]
#[test]
fn http_header_map_lookup_is_case_insensitive() {
    use bankfeed::HeaderLookup;
    let t = SimTransfer::new(12, "1", 1, "x");
    let req = sign::sepay_hmac(&sign::sepay_body(&t), "k", 100);
    let mut map = http::HeaderMap::new();
    for (k, v) in &req.headers {
        map.insert(http::HeaderName::from_bytes(k.as_bytes()).expect("name"), http::HeaderValue::from_str(v).expect("value"));
    }
    assert_eq!(map.header("x-sepay-timestamp"), Some("100"));
    assert_eq!(map.header("X-SEPAY-TIMESTAMP"), Some("100"));
    assert!(bankfeed::sepay::verify_and_parse(&req.body, &map, &secrets(&["k"]), at_secs(100)).is_ok());
}
