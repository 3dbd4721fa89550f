//! Receipts anyone can check: signed with the ward's published Ed25519 key, found on
//! /verify by form, series, number and amount, with nothing of the payer beyond a masked
//! name; a rotated key keeps old receipts checkable; the check is rate-limited.

use crate::common;

use app::backend::entity::{receipt, ward};
use app::backend::signing;
use app::model::{CorrectionInput, PublicKeyView, ReceiptField, VerifyResult};
use common::{anonymous, cleanup, fresh_db, Engine};
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};

db_tests!(
    receipts_are_signed_with_the_published_key_and_anyone_checks_them_on_verify,
    the_check_is_rate_limited_and_bad_input_is_a_clear_message,
    the_receipt_pdf_has_its_legal_fields_in_vietnamese_and_the_command_line_checks_it
);

/// The text `pdftotext` reads from a PDF (what a screen reader or a search finds).
fn pdf_text(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("r.pdf");
    std::fs::write(&path, pdf).expect("write");
    let out = std::process::Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext missing: run scripts/setup.sh (installs poppler-utils)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf-8")
}

/// `wardpay receipt verify ARG…` against the test database: (exit code, stdout).
fn receipt_verify(db_url: &str, args: &[&str]) -> (i32, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_wardpay"))
        .args(["receipt", "verify"])
        .args(args)
        .env("DATABASE_URL", db_url)
        .env("WARDPAY_LOG", "warn")
        .output()
        .expect("run");
    (out.status.code().unwrap_or(-1), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

async fn the_receipt_pdf_has_its_legal_fields_in_vietnamese_and_the_command_line_checks_it(engine: Engine) {
    let Some(t) = fresh_db(engine).await else { return };
    let srv = common::start_server(t.db.clone()).await;
    let base = srv.base_url();
    let r = common::paid_in_cash(&srv, "DEMO-CT02", Some("001099012345")).await;
    let w = ward::Entity::find_by_id(r.ward_id).one(&t.db).await.expect("db").expect("ward");
    let token = app::backend::receipts::public_token(&w.receipt_key, r.id);
    // The citizen's copy, by the public link: the legal fields, in Vietnamese, the payer masked.
    let resp = anonymous(&base).get(format!("{base}/receipts/{}/pdf?k={token}", r.id)).send().await.expect("get");
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "application/pdf");
    assert!(resp.headers()["content-disposition"].to_str().expect("ascii").contains("bien-lai-26TAA-0000001.pdf"));
    let citizen_pdf = resp.bytes().await.expect("body").to_vec();
    assert!(citizen_pdf.starts_with(b"%PDF-"));
    let text = pdf_text(&citizen_pdf);
    for expected in [
        "BIÊN LAI THU PHÍ, LỆ PHÍ",
        "Mẫu số: EBL01",
        "Ký hiệu: 26TAA",
        "Số: 0000001",
        "Người nộp:",
        "N. V. An",
        "Số tiền bằng chữ: Mười nghìn đồng",
        "Tổng cộng",
        "10.000",
        &w.tax_code,
        "Ký số bởi đơn vị thu",
        "/verify?form=EBL01&series=26TAA&number=0000001",
    ] {
        assert!(text.contains(expected), "the PDF's text lacks {expected:?}:\n{text}");
    }
    assert!(!text.contains("Nguyễn Văn An") && !text.contains("001099012345"), "the public copy masks the payer:\n{text}");
    // Staff of the ward get the full copy, which carries the signed content.
    let officer = common::sign_in(&base, "canbo").await;
    let full_pdf = officer.client.get(format!("{base}/receipts/{}/pdf", r.id)).send().await.expect("get").bytes().await.expect("body");
    let full_text = pdf_text(&full_pdf);
    assert!(full_text.contains("Nguyễn Văn An") && full_text.contains("001099012345"), "{full_text}");
    // Without the token a stranger gets a clear 403, and nothing is drawn.
    let refused = anonymous(&base).get(format!("{base}/receipts/{}/pdf?k=wrong", r.id)).send().await.expect("get");
    assert_eq!(refused.status(), 403);
    let body: serde_json::Value = refused.json().await.expect("json");
    assert_eq!(body["error"]["code"], "forbidden");

    // The command line: the full copy checks with the published keys alone (no database),
    // the citizen's copy and the link against the database.
    let dir = tempfile::tempdir().expect("dir");
    let write = |name: &str, bytes: &[u8]| {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).expect("write");
        p.to_string_lossy().into_owned()
    };
    let full = write("full.pdf", &full_pdf);
    let citizen = write("citizen.pdf", &citizen_pdf);
    let keys_json = anonymous(&base).post(format!("{base}/api/get_public_keys")).send().await.expect("post").text().await.expect("text");
    let keys = write("keys.json", keys_json.as_bytes());
    let (code, out) = receipt_verify("sqlite:///nonexistent-dir/none.sqlite", &[&full, "--keys", &keys]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Chữ ký Ed25519 hợp lệ") && out.contains("HỢP LỆ"), "{out}");
    assert!(out.contains("Người nộp: Nguyễn Văn An") && out.contains("Tổng cộng: 10000 đồng"), "what was signed is printed: {out}");
    let (code, out) = receipt_verify(&t.cli_url(), &[&citizen]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("còn giá trị"), "{out}");
    let link = format!("{base}/receipts/{}?k={token}", r.id);
    assert_eq!(receipt_verify(&t.cli_url(), &[&link]).0, 0);
    // A forged amount in the signed content breaks the signature.
    let (was, now): (&[u8], &[u8]) = (b"\\\"total\\\":10000", b"\\\"total\\\":90000");
    let at = full_pdf.windows(was.len()).position(|w| w == was).expect("the signed content is in the attachment");
    let mut forged = full_pdf.to_vec();
    forged[at..at + was.len()].copy_from_slice(now);
    let (code, out) = receipt_verify(&t.cli_url(), &[&write("forged.pdf", &forged), "--keys", &keys]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("KHÔNG hợp lệ"), "{out}");
    // Not a PDF, not a receipt link: exit status 2 with the reason.
    let (code, out) = receipt_verify(&t.cli_url(), &[&keys]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("not a PDF"), "{out}");
    let (code, out) = receipt_verify(&t.cli_url(), &["https://x/verify?k=1"]);
    assert_eq!(code, 2, "{out}");

    // Replaced: the old link's PDF leads to the replacement's, and its check says replaced.
    let mut replace =
        CorrectionInput { receipt_id: r.id, wrong: vec![ReceiptField::Amount], reason: "Sai số tiền".into(), ..Default::default() };
    replace.line_amounts = Some(vec![8_000]);
    let new = common::replace_approved(&t.db, replace).await;
    let moved = anonymous(&base).get(format!("{base}/receipts/{}/pdf?k={token}", r.id)).send().await.expect("get");
    assert_eq!(moved.status(), 303);
    assert!(moved.headers()["location"].to_str().expect("ascii").starts_with(&format!("/receipts/{}/pdf?k=", new.id)));
    let (code, out) = receipt_verify(&t.cli_url(), &[&citizen]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("ĐÃ BỊ THAY THẾ"), "{out}");
    // The staff copy still carries a good signature, but with the database at hand its
    // standing counts too: replaced is not valid.
    let (code, out) = receipt_verify(&t.cli_url(), &[&full]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("Chữ ký Ed25519 hợp lệ") && out.contains("ĐÃ BỊ THAY THẾ"), "{out}");
    srv.shutdown().await.expect("shutdown");
    cleanup(t).await;
}

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
    let input = CorrectionInput {
        receipt_id: r2.id,
        wrong: vec![ReceiptField::Amount],
        reason: "sai".into(),
        line_amounts: Some(vec![9_000]),
        ..Default::default()
    };
    let replacement = common::replace_approved(&t.db, input).await;
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
    let mut retry_after = None;
    for _ in 0..22 {
        let q = serde_json::json!({ "form": r.form, "series": r.series, "number": "1", "amount": "10000", "tax_code": null });
        let resp = send(q).await.expect("post");
        statuses.push(resp.status().as_u16());
        retry_after = resp.headers().get("retry-after").and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    }
    assert!(statuses.iter().take(18).all(|s| *s == 200), "{statuses:?}");
    assert_eq!(statuses.last(), Some(&429), "a flood is refused: {statuses:?}");
    assert!(retry_after.is_some_and(|s| (1..=60).contains(&s)), "the refusal says when to come back: {retry_after:?}");
    srv.shutdown().await.expect("shutdown");
    cleanup(t).await;
}
