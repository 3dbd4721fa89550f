//! Receipts anyone can check: signed with the ward's published Ed25519 key, found on
//! /verify by form, series, number and amount, with nothing of the payer beyond a masked
//! name; a rotated key keeps old receipts checkable; the check is rate-limited.

use crate::common;

use app::backend::auth::StaffUser;
use app::backend::entity::{receipt, ward};
use app::backend::{receipt_corrections, signing};
use app::model::{CorrectionInput, PublicKeyView, ReceiptField, Role, VerifyResult};
use common::{anonymous, cleanup, fresh_db, Engine};
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};

db_tests!(
    receipts_are_signed_with_the_published_key_and_anyone_checks_them_on_verify,
    the_check_is_rate_limited_and_bad_input_is_a_clear_message
);

async fn check(client: &reqwest::Client, base: &str, r: &receipt::Model, amount: i64) -> reqwest::Response {
    let query = serde_json::json!({ "query": {
        "form": r.form, "series": r.series, "number": format!("{:07}", r.number), "amount": amount.to_string(), "tax_code": null } });
    client.post(format!("{base}/api/verify_receipt")).json(&query).send().await.expect("post")
}

async fn receipts_are_signed_with_the_published_key_and_anyone_checks_them_on_verify(engine: Engine) {
    let Some(t) = fresh_db(engine).await else { return };
    let srv = common::start_server(t.db.clone()).await;
    let base = srv.base_url();
    let r = common::paid_in_cash(&srv, "DEMO-CT02", Some("001099012345")).await;
    assert_eq!(r.sig_alg, "ed25519");
    let key_id = r.key_id.clone().expect("the key that signed it");
    // The key is published, and a stranger (no session) checks the receipt with it.
    let anyone = anonymous(&base);
    let keys: Vec<PublicKeyView> =
        anyone.post(format!("{base}/api/get_public_keys")).send().await.expect("post").json().await.expect("json");
    let published = keys.iter().find(|k| k.key_id == key_id).expect("published");
    assert!(signing::verify(&published.public_key, &r.content, &r.signature), "the published key checks the stored receipt");
    let found: Option<VerifyResult> = check(&anyone, &base, &r, 10_000).await.json().await.expect("json");
    let found = found.expect("found");
    assert!(found.signature_valid);
    assert_eq!((found.status.as_str(), found.number.as_str(), found.payer_masked.as_str()), ("valid", "0000001", "N. V. An"));
    let body = serde_json::to_string(&found).expect("json");
    assert!(!body.contains("001099012345") && !body.contains("Văn An"), "nothing of the payer beyond a masked name: {body}");
    // The amount must match too: a guessed number alone finds nothing.
    let none: Option<VerifyResult> = check(&anyone, &base, &r, 10_001).await.json().await.expect("json");
    assert!(none.is_none());
    // A rotated key: new receipts use the new one, the old receipt still checks.
    let w = ward::Entity::find_by_id(1).one(&t.db).await.expect("db").expect("ward");
    let new_key = signing::rotate(&t.db, &w, "admin").await.expect("rotate");
    let r2 = common::paid_in_cash(&srv, "DEMO-CT02", Some("001099012345")).await;
    assert_eq!(r2.key_id.as_deref(), Some(new_key.key_id.as_str()));
    let old: Option<VerifyResult> = check(&anyone, &base, &r, 10_000).await.json().await.expect("json");
    assert!(old.expect("found").signature_valid, "an old receipt stays checkable after a rotation");
    let keys: Vec<PublicKeyView> =
        anyone.post(format!("{base}/api/get_public_keys")).send().await.expect("post").json().await.expect("json");
    assert!(keys.iter().any(|k| k.key_id == key_id && k.valid_to.is_some()), "the rotated key stays published with its end");
    // A replaced receipt says so and names its replacement.
    let accountant = StaffUser {
        account_id: 0,
        username: "ketoan".into(),
        display_name: "K".into(),
        role: Role::Accountant,
        ward_id: Some(1),
        session_id: String::new(),
    };
    let input = CorrectionInput {
        receipt_id: r2.id,
        wrong: vec![ReceiptField::Amount],
        reason: "sai".into(),
        line_amounts: Some(vec![9_000]),
        ..Default::default()
    };
    let replacement = receipt_corrections::replace(&t.db, input, &accountant).await.expect("replace");
    let replaced: Option<VerifyResult> = check(&anyone, &base, &r2, 10_000).await.json().await.expect("json");
    let replaced = replaced.expect("found");
    assert_eq!(replaced.status.as_str(), "replaced");
    assert!(replaced.replaced_by.as_deref().is_some_and(|l| l.ends_with(&replacement.label)), "{replaced:?}");
    // A tampered receipt: the signature no longer holds, and /verify says so.
    let mut am = r.clone().into_active_model();
    am.content = Set(r.content.replace("10000", "1000"));
    am.update(&t.db).await.expect("tamper");
    let tampered: Option<VerifyResult> = check(&anyone, &base, &r, 10_000).await.json().await.expect("json");
    assert!(!tampered.expect("found").signature_valid);
    // The receipt's page carries the check's address and QR code.
    let page =
        anyone.get(format!("{base}/verify?form={}&series={}&number=0000002&amount=10000", r2.form, r2.series)).send().await.expect("get");
    assert_eq!(page.status(), 200);
    assert!(page.text().await.expect("html").contains("data-testid=\"verify-result\""));
    srv.shutdown().await.expect("shutdown");
    cleanup(t).await;
}

async fn the_check_is_rate_limited_and_bad_input_is_a_clear_message(engine: Engine) {
    let Some(t) = fresh_db(engine).await else { return };
    let mut args = common::serve_args();
    args.trust_proxy = true;
    let srv = server::start_with_db(t.db.clone(), &args).await.expect("server");
    let base = srv.base_url();
    let r = common::paid_in_cash(&srv, "DEMO-CT02", Some("001099012345")).await;
    // Each engine's run comes from its own address (the limit is per address).
    let me = if engine == Engine::Sqlite { "10.9.9.1" } else { "10.9.9.2" };
    let client = anonymous(&base);
    let send = |q: serde_json::Value| {
        client.post(format!("{base}/api/verify_receipt")).header("x-forwarded-for", me).json(&serde_json::json!({ "query": q })).send()
    };
    let bad = send(serde_json::json!({ "form": "EBL01", "series": "26TAA", "number": "12a", "amount": "10000", "tax_code": null }))
        .await
        .expect("post");
    assert_eq!(bad.status(), 422);
    assert!(bad.text().await.expect("text").contains("chữ số"));
    let mut statuses = Vec::new();
    for _ in 0..22 {
        let q = serde_json::json!({ "form": r.form, "series": r.series, "number": "1", "amount": "10000", "tax_code": null });
        statuses.push(send(q).await.expect("post").status().as_u16());
    }
    assert!(statuses.iter().take(18).all(|s| *s == 200), "{statuses:?}");
    assert_eq!(statuses.last(), Some(&429), "a flood is refused: {statuses:?}");
    srv.shutdown().await.expect("shutdown");
    cleanup(t).await;
}
