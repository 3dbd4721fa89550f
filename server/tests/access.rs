//! Who may do what, over real HTTP and WebSockets, on SQLite and PostgreSQL.
//!
//! `every_route_answers_each_role_as_the_table_says` walks every route the server has (its
//! own list: explicit routes, pages, server functions) with every kind of caller and
//! checks allow or deny against the table below, which is written independently of the
//! server's rules. A route missing from the table fails the test.

use crate::common;

use app::backend::auth;
use app::backend::entity::{counter, ward};
use app::backend::{audit, kiosks, payments, seed};
use app::model::{LineRequest, NewAccount, NewDossier, Role, ServerMsg};
use common::{anonymous, cleanup, fresh_db, pair_kiosk, set_cookie, sign_in, start_server, ws_connect, Engine};
use futures_util::StreamExt;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use std::time::Duration;

db_tests!(
    every_route_answers_each_role_as_the_table_says,
    nobody_reaches_another_wards_data,
    sign_in_cookies_rate_limit_and_sign_out,
    cross_site_requests_are_refused,
    a_kiosk_pairs_reads_only_its_counter_and_can_be_revoked,
    in_a_city_of_126_wards_each_wards_staff_reach_only_their_own_ward,
);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Who {
    Anonymous,
    Kiosk,
    Admin,
    Officer,
    Supervisor,
    Support,
    Accountant,
}

const EVERYONE: &[Who] = &[Who::Anonymous, Who::Kiosk, Who::Admin, Who::Officer, Who::Supervisor, Who::Support, Who::Accountant];
const NOBODY: &[Who] = &[];
const STAFF: &[Who] = &[Who::Officer, Who::Supervisor, Who::Support];
const DESK: &[Who] = &[Who::Officer, Who::Support];
const OFFICER: &[Who] = &[Who::Officer];
const SUPERVISOR: &[Who] = &[Who::Supervisor];
const ADMIN: &[Who] = &[Who::Admin];
/// The ward's money: the accountant and the supervisor read it.
const MONEY: &[Who] = &[Who::Accountant, Who::Supervisor];

/// `(method, route, request path, form body, who is let in)`. Signed routes (bank, DVC) let
/// nobody in on a cookie: without a valid signature every caller is refused.
fn expected() -> Vec<(&'static str, &'static str, &'static str, &'static str, &'static [Who])> {
    vec![
        ("GET", "/healthz", "/healthz", "", EVERYONE),
        ("GET", "/readyz", "/readyz", "", EVERYONE),
        ("GET", "/login", "/login", "", EVERYONE),
        ("GET", "/", "/", "", DESK),
        ("GET", "/stats", "/stats", "", SUPERVISOR),
        ("GET", "/audit", "/audit", "", &[Who::Supervisor, Who::Admin]),
        ("GET", "/admin", "/admin", "", &[Who::Admin, Who::Accountant]),
        ("GET", "/accounting/receipts", "/accounting/receipts", "", MONEY),
        ("GET", "/accounting/tax", "/accounting/tax", "", MONEY),
        ("GET", "/accounting/refunds", "/accounting/refunds", "", MONEY),
        ("GET", "/accounting/treasury", "/accounting/treasury", "", MONEY),
        ("GET", "/reports/receipts.csv", "/reports/receipts.csv", "", MONEY),
        ("GET", "/reports/receipts.xlsx", "/reports/receipts.xlsx", "", MONEY),
        ("GET", "/reports/treasury.csv", "/reports/treasury.csv?kind=phi&from=2026-11-01&to=2026-11-02", "", MONEY),
        ("GET", "/reports/treasury.xlsx", "/reports/treasury.xlsx?kind=phi&from=2026-11-01&to=2026-11-02", "", MONEY),
        ("GET", "/reports/refunds.csv", "/reports/refunds.csv", "", MONEY),
        ("GET", "/reports/refunds.xlsx", "/reports/refunds.xlsx", "", MONEY),
        ("GET", "/reports/tax-summary.xml", "/reports/tax-summary.xml?day=2026-11-01", "", MONEY),
        ("GET", "/reconciliation", "/reconciliation", "", MONEY),
        ("GET", "/reports/reconciliation.csv", "/reports/reconciliation.csv?from=2026-11-01&to=2026-11-02", "", MONEY),
        ("GET", "/reports/reconciliation.xlsx", "/reports/reconciliation.xlsx?from=2026-11-01&to=2026-11-02", "", MONEY),
        ("GET", "/reports/evidence", "/reports/evidence?payment_request=999", "", MONEY),
        ("POST", "/statements/import", "/statements/import", "format=csv", &[Who::Accountant]),
        ("GET", "/kiosk/{counter}", "/kiosk/1", "", EVERYONE),
        ("GET", "/receipts/{id}", "/receipts/1", "", EVERYONE),
        ("GET", "/receipts/{id}/pdf", "/receipts/1/pdf", "", EVERYONE),
        ("GET", "/verify", "/verify", "", EVERYONE),
        ("POST", "/api/verify_receipt", "/api/verify_receipt", "{\"query\":{\"form\":\"EBL01\",\"series\":\"26TAA\",\"number\":\"1\",\"amount\":\"1\",\"tax_code\":null}}", EVERYONE),
        ("POST", "/api/get_public_keys", "/api/get_public_keys", "", EVERYONE),
        ("POST", "/api/get_receipt_link_qr", "/api/get_receipt_link_qr", "id=999&token=x", EVERYONE),
        ("GET", "/ws/counter/{id}", "/ws/counter/1", "", &[Who::Kiosk, Who::Officer, Who::Supervisor, Who::Support]),
        ("GET", "/ws/ward/{id}", "/ws/ward/1", "", SUPERVISOR),
        ("POST", "/api/bank/{provider}", "/api/bank/sepay", "{}", NOBODY),
        ("GET", "/api/dvc/v1/openapi.json", "/api/dvc/v1/openapi.json", "", EVERYONE),
        ("POST", "/api/dvc/v1/payment-requests", "/api/dvc/v1/payment-requests", "{}", NOBODY),
        ("GET", "/api/dvc/v1/payment-requests/{dossier_code}", "/api/dvc/v1/payment-requests/X-1", "", NOBODY),
        ("POST", "/api/dvc/v1/payment-requests/{dossier_code}/cancel", "/api/dvc/v1/payment-requests/X-1/cancel", "{}", NOBODY),
        // Nothing lives there: a JSON 404 for anyone.
        ("*", "/api/dvc/v1/{*rest}", "/api/dvc/v1/nothing-here", "", EVERYONE),
        ("POST", "/api/get_me", "/api/get_me", "", EVERYONE),
        ("POST", "/api/kiosk_pairing_start", "/api/kiosk_pairing_start", "counter_id=1", EVERYONE),
        ("POST", "/api/kiosk_pairing_status", "/api/kiosk_pairing_status", "", EVERYONE),
        ("POST", "/api/get_counter_snapshot", "/api/get_counter_snapshot", "counter_id=1", &[Who::Kiosk, Who::Officer, Who::Supervisor, Who::Support]),
        ("POST", "/api/get_ward_snapshot", "/api/get_ward_snapshot", "", STAFF),
        ("POST", "/api/get_catalog", "/api/get_catalog", "ward_id=1", STAFF),
        ("POST", "/api/get_queue", "/api/get_queue", "{\"counter_id\":1}", STAFF),
        ("POST", "/api/get_dvc_pending", "/api/get_dvc_pending", "counter_id=1", DESK),
        ("POST", "/api/set_counter_status", "/api/set_counter_status", "counter_id=2&status=open", OFFICER),
        ("POST", "/api/create_dossier", "/api/create_dossier", "{}", OFFICER),
        ("POST", "/api/cancel_payment", "/api/cancel_payment", "id=999&version=1", OFFICER),
        ("POST", "/api/reissue_payment", "/api/reissue_payment", "id=999&version=1", OFFICER),
        ("POST", "/api/confirm_dvc", "/api/confirm_dvc", "payment_request_id=999", OFFICER),
        ("POST", "/api/simulate_payment", "/api/simulate_payment", "counter_id=3", OFFICER),
        ("POST", "/api/pay_manually", "/api/pay_manually", "id=999&version=1&method=cash&reason=x", DESK),
        ("POST", "/api/get_receipt", "/api/get_receipt", "id=999", EVERYONE),
        ("POST", "/api/get_exceptions", "/api/get_exceptions", "ward_id=1&only_open=true", MONEY),
        ("POST", "/api/get_reconciliation", "/api/get_reconciliation", "from=2026-11-01&to=2026-11-02", MONEY),
        ("POST", "/api/get_statements", "/api/get_statements", "", MONEY),
        ("POST", "/api/resolve_exception", "/api/resolve_exception", "{\"id\":999,\"resolution\":\"accept_late\",\"note\":null}", SUPERVISOR),
        ("POST", "/api/get_intake_log", "/api/get_intake_log", "", SUPERVISOR),
        ("POST", "/api/get_pollers", "/api/get_pollers", "", SUPERVISOR),
        ("POST", "/api/get_trends", "/api/get_trends", "", SUPERVISOR),
        ("POST", "/api/get_login_attempts", "/api/get_login_attempts", "", &[Who::Supervisor, Who::Admin]),
        ("POST", "/api/close_day", "/api/close_day", "day=2020-01-01", SUPERVISOR),
        ("POST", "/api/get_day_closes", "/api/get_day_closes", "", SUPERVISOR),
        ("POST", "/api/notify_receipt", "/api/notify_receipt", "{\"input\":{\"receipt_id\":999,\"wrong\":[],\"reason\":\"x\",\"payer_name\":null,\"payer_address\":null,\"payer_id\":null,\"line_amounts\":null}}", &[Who::Accountant]),
        ("POST", "/api/propose_replacement", "/api/propose_replacement", "{\"input\":{\"receipt_id\":999,\"wrong\":[],\"reason\":\"x\",\"payer_name\":null,\"payer_address\":null,\"payer_id\":null,\"line_amounts\":null}}", &[Who::Accountant]),
        ("POST", "/api/decide_replacement", "/api/decide_replacement", "{\"decision\":{\"id\":999,\"approve\":true,\"note\":null}}", MONEY),
        ("POST", "/api/get_receipt_register", "/api/get_receipt_register", "", MONEY),
        ("POST", "/api/get_tax_summaries", "/api/get_tax_summaries", "", MONEY),
        ("POST", "/api/prepare_tax_summary", "/api/prepare_tax_summary", "day=2020-01-01", &[Who::Accountant]),
        ("POST", "/api/set_tax_summary_status", "/api/set_tax_summary_status", "id=999&status=sent", &[Who::Accountant]),
        ("POST", "/api/get_budget_codes", "/api/get_budget_codes", "", &[Who::Accountant, Who::Supervisor, Who::Admin]),
        ("POST", "/api/set_treasury_profile", "/api/set_treasury_profile", "{\"form\":{}}", &[Who::Accountant]),
        ("POST", "/api/add_holiday", "/api/add_holiday", "{\"form\":{}}", &[Who::Accountant]),
        ("POST", "/api/remove_holiday", "/api/remove_holiday", "id=0", &[Who::Accountant]),
        ("POST", "/api/set_fee_code", "/api/set_fee_code", "{\"form\":{}}", &[Who::Accountant]),
        ("POST", "/api/get_refunds", "/api/get_refunds", "", MONEY),
        ("POST", "/api/request_refund", "/api/request_refund", "{\"input\":{\"exception_id\":null,\"receipt_id\":999,\"amount\":1,\"reason\":\"x\"}}", MONEY),
        ("POST", "/api/act_on_refund", "/api/act_on_refund", "{\"id\":999,\"version\":0,\"action\":{\"Approve\":{\"note\":null}}}", MONEY),
        ("POST", "/api/get_treasury", "/api/get_treasury", "", MONEY),
        ("POST", "/api/get_treasury_slip", "/api/get_treasury_slip", "kind=phi&from=2026-11-01&to=2026-11-02", MONEY),
        ("POST", "/api/record_deposit", "/api/record_deposit", "{\"input\":{\"kind\":\"phi\",\"from\":\"2020-01-01\",\"to\":\"2020-01-01\",\"deposited_on\":\"2020-01-02\",\"treasury_ref\":\"X\"}}", &[Who::Accountant]),
        ("POST", "/api/get_audit", "/api/get_audit", "{\"filter\":{}}", &[Who::Supervisor, Who::Admin]),
        ("POST", "/api/verify_audit", "/api/verify_audit", "", &[Who::Supervisor, Who::Admin]),
        ("POST", "/api/admin_setup", "/api/admin_setup", "", ADMIN),
        ("POST", "/api/admin_save_ward", "/api/admin_save_ward", "{}", ADMIN),
        ("POST", "/api/admin_add_counter", "/api/admin_add_counter", "ward_id=1&name=", ADMIN),
        ("POST", "/api/admin_fee_items", "/api/admin_fee_items", "ward_id=1", ADMIN),
        ("POST", "/api/admin_update_fee_item", "/api/admin_update_fee_item", "{}", ADMIN),
        ("POST", "/api/admin_import_catalog", "/api/admin_import_catalog", "ward_id=1", ADMIN),
        ("POST", "/api/admin_create_account", "/api/admin_create_account", "{}", ADMIN),
        ("POST", "/api/admin_set_account_active", "/api/admin_set_account_active", "id=999&active=false", ADMIN),
        ("POST", "/api/admin_reset_password", "/api/admin_reset_password", "id=999&password=0123456789ab", ADMIN),
        ("POST", "/api/admin_pair_kiosk", "/api/admin_pair_kiosk", "code=AAAAAA&label=", ADMIN),
        ("POST", "/api/admin_revoke_kiosk", "/api/admin_revoke_kiosk", "id=999", ADMIN),
        // Walked last: both end the caller's session (signing in again ends the one it had).
        ("POST", "/api/login", "/api/login", "username=canbo&password=wardpay-demo", EVERYONE),
        ("POST", "/api/logout", "/api/logout", "", EVERYONE),
    ]
}

/// Let in, or refused (401, 403, or a screen's redirect to sign in)?
fn let_in(status: u16, location: Option<&str>) -> bool {
    !(status == 401 || status == 403 || (status == 303 && location.is_some_and(|l| l.starts_with("/login"))))
}

async fn every_route_answers_each_role_as_the_table_says(engine: Engine) {
    let Some(t) = fresh_db(engine).await else { return };
    let srv = start_server(t.db.clone()).await;
    let base = srv.base_url();
    let table = expected();

    // Every route the server answers has a row here and a rule there.
    let inventory = server::routes::inventory();
    assert!(inventory.len() >= 40, "the inventory lists every route ({} found)", inventory.len());
    for (method, path) in &inventory {
        assert!(
            table.iter().any(|(m, p, ..)| m == method && p == path),
            "{method} {path} has no row in the access table of this test: decide who may call it"
        );
        assert!(
            app::backend::access_policy::rule_for(method, path).is_some(),
            "{method} {path} has no rule in app::backend::access_policy::RULES"
        );
    }
    for (m, p, ..) in &table {
        assert!(inventory.iter().any(|(mi, pi)| mi == m && pi == p), "{m} {p} is in the table but the server has no such route");
    }

    let admin = sign_in(&base, "admin").await;
    let (_, kiosk) = pair_kiosk(&base, 1, &admin).await;
    let clients: Vec<(Who, reqwest::Client)> = vec![
        (Who::Anonymous, anonymous(&base)),
        (Who::Kiosk, kiosk),
        (Who::Admin, admin.client.clone()),
        (Who::Officer, sign_in(&base, "canbo").await.client),
        (Who::Supervisor, sign_in(&base, "truongbp").await.client),
        (Who::Support, sign_in(&base, "hotro").await.client),
        (Who::Accountant, sign_in(&base, "ketoan").await.client),
    ];
    let mut wrong = Vec::new();
    for (method, route, path, body, allowed) in &table {
        for (who, client) in &clients {
            let url = format!("{base}{path}");
            let req = match *method {
                "GET" | "*" => client.get(&url),
                _ => {
                    let r = client.post(&url).body(body.to_string());
                    if body.starts_with('{') {
                        r.header("content-type", "application/json")
                    } else {
                        r.header("content-type", "application/x-www-form-urlencoded")
                    }
                }
            };
            let resp = req.send().await.expect("request");
            let status = resp.status().as_u16();
            let location = resp.headers().get("location").and_then(|v| v.to_str().ok()).map(str::to_string);
            let got = let_in(status, location.as_deref());
            if got != allowed.contains(who) {
                wrong.push(format!(
                    "{method} {route} as {who:?}: status {status}, expected {}",
                    if allowed.contains(who) { "let in" } else { "refused" }
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "access differs from the table:\n{}", wrong.join("\n"));
    srv.shutdown().await.expect("shutdown");
    cleanup(t).await;
}

/// A second ward with one counter and an officer and a supervisor of its own.
async fn second_ward(srv: &server::Server) -> (i64, i64) {
    let db = &srv.backend.db;
    let w = ward::ActiveModel {
        code: Set("000.00.02.H26".into()),
        name: Set("UBND Phường Hai".into()),
        address: Set("2 Phố Hai".into()),
        tax_code: Set("0100000002".into()),
        budget_code: Set("1000002".into()),
        bank_bin: Set("970415".into()),
        bank_account: Set("222200002222".into()),
        bank_account_name: Set("UBND PHUONG HAI".into()),
        receipt_form: Set("EBL01".into()),
        receipt_series: Set("26TPH".into()),
        receipt_key: Set(seed::new_receipt_key()),
        created_at: Set(chrono::Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await
    .expect("ward");
    let c = counter::ActiveModel {
        ward_id: Set(w.id),
        number: Set(1),
        name: Set("Quầy 1 (Hai)".into()),
        status: Set("open".into()),
        status_changed_at: Set(chrono::Utc::now()),
        status_changed_by: Set("test".into()),
        ..Default::default()
    }
    .insert(db)
    .await
    .expect("counter");
    for (u, role) in [("canbo2", Role::Officer), ("truongbp2", Role::Supervisor)] {
        let input =
            NewAccount { username: u.into(), display_name: u.into(), role, ward_id: Some(w.id), password: auth::DEMO_PASSWORD.into() };
        auth::create_account(db, input, "test").await.expect("account");
    }
    (w.id, c.id)
}

async fn post_form(client: &reqwest::Client, url: String, body: &str) -> u16 {
    client
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body.to_string())
        .send()
        .await
        .expect("post")
        .status()
        .as_u16()
}

async fn nobody_reaches_another_wards_data(engine: Engine) {
    let Some(t) = fresh_db(engine).await else { return };
    let srv = start_server(t.db.clone()).await;
    let base = srv.base_url();
    let (_, their_counter) = second_ward(&srv).await;
    // A payable code in ward 1.
    let item = payments::catalog(&t.db, 1).await.expect("catalog").into_iter().find(|c| c.procedure_code == "DEMO-CT02").expect("item");
    let input = NewDossier {
        counter_id: 1,
        applicant_name: "Phạm Thị Lan".into(),
        id_number: None,
        phone: None,
        lines: vec![LineRequest { fee_item_id: item.id, quantity: 1, pages: None, exempt_reason: None }],
        request_key: None,
    };
    let row = payments::create_dossier(&srv.backend, input, payments::Source::Counter, None, "test").await.expect("dossier");
    let pr = row.payment.expect("payment");

    let other = sign_in(&base, "canbo2").await;
    for (path, body) in [
        ("get_counter_snapshot", "counter_id=1".to_string()),
        ("get_catalog", "ward_id=1".to_string()),
        ("get_dvc_pending", "counter_id=1".to_string()),
        ("set_counter_status", "counter_id=1&status=paused".to_string()),
        ("cancel_payment", format!("id={}&version={}", pr.id, pr.version)),
        ("pay_manually", format!("id={}&version={}&method=cash&reason=khong%20co%20tai%20khoan", pr.id, pr.version)),
        ("get_ward_snapshot", "ward_id=1".to_string()),
    ] {
        assert_eq!(post_form(&other.client, format!("{base}/api/{path}"), &body).await, 403, "{path} across wards");
    }
    let r = other.client.post(format!("{base}/api/get_queue")).json(&serde_json::json!({ "counter_id": 1 })).send().await.expect("q");
    assert_eq!(r.status(), 403);
    // Their own counter works.
    assert_eq!(post_form(&other.client, format!("{base}/api/get_counter_snapshot"), &format!("counter_id={their_counter}")).await, 200);
    let err = ws_connect(&base, "/ws/counter/1", Some(&other.cookie)).await.expect_err("refused");
    assert!(matches!(err, tokio_tungstenite::tungstenite::Error::Http(r) if r.status() == 403));
    let boss = sign_in(&base, "truongbp2").await;
    assert_eq!(post_form(&boss.client, format!("{base}/api/get_exceptions"), "ward_id=1&only_open=true").await, 403);
    let err = ws_connect(&base, "/ws/ward/1", Some(&boss.cookie)).await.expect_err("refused");
    assert!(matches!(err, tokio_tungstenite::tungstenite::Error::Http(r) if r.status() == 403));
    // Their audit view holds none of ward 1's entries.
    let rows: Vec<app::model::AuditRow> = boss
        .client
        .post(format!("{base}/api/get_audit"))
        .json(&serde_json::json!({ "filter": {} }))
        .send()
        .await
        .expect("audit")
        .json()
        .await
        .expect("json");
    assert!(rows.iter().all(|r| r.ward_id != Some(1)), "{rows:?}");
    // Nothing changed in ward 1.
    let now = app::backend::entity::payment_request::Entity::find_by_id(pr.id).one(&t.db).await.expect("q").expect("pr");
    assert_eq!(now.state, "qr_issued");
    srv.shutdown().await.expect("shutdown");
    cleanup(t).await;
}

async fn sign_in_cookies_rate_limit_and_sign_out(engine: Engine) {
    let Some(t) = fresh_db(engine).await else { return };
    let srv = start_server(t.db.clone()).await;
    let base = srv.base_url();
    let c = anonymous(&base);
    let login =
        |user: &'static str, pw: &'static str| c.post(format!("{base}/api/login")).form(&[("username", user), ("password", pw)]).send();
    // The session cookie: HttpOnly, SameSite=Strict, and Secure only behind TLS.
    let r = login("truongbp", auth::DEMO_PASSWORD).await.expect("login");
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<String>().await.expect("json"), "/stats", "a supervisor lands on the statistics");
    let r = login("truongbp", auth::DEMO_PASSWORD).await.expect("login");
    let raw_cookie = |r: &reqwest::Response, name: &str| {
        r.headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with(&format!("{name}=")))
            .map(str::to_string)
            .expect("set-cookie")
    };
    let raw = raw_cookie(&r, "wp_session");
    assert!(raw.contains("HttpOnly") && raw.contains("SameSite=Strict") && !raw.contains("Secure"), "{raw}");
    // The known-device cookie (sign-in throttling) is as private as the session's.
    let device = raw_cookie(&r, "wp_device");
    assert!(device.contains("HttpOnly") && device.contains("SameSite=Strict"), "{device}");
    let r = c
        .post(format!("{base}/api/login"))
        .header("x-forwarded-proto", "https")
        .form(&[("username", "truongbp"), ("password", auth::DEMO_PASSWORD)])
        .send()
        .await
        .expect("login");
    let raw = raw_cookie(&r, "wp_session");
    assert!(raw.contains("Secure"), "behind TLS the cookie is Secure: {raw}");

    // Wrong passwords: 401 with a message, then 429 with Retry-After, even for the right one.
    for _ in 0..5 {
        let r = login("canbo", "not-the-password").await.expect("login");
        assert_eq!(r.status(), 401);
        assert!(r.text().await.expect("body").contains("sai tên đăng nhập hoặc mật khẩu"));
    }
    let r = login("canbo", auth::DEMO_PASSWORD).await.expect("login");
    assert_eq!(r.status(), 429);
    assert!(r.headers().get("retry-after").is_some());
    // Other accounts are not locked out by it.
    assert_eq!(login("hotro", auth::DEMO_PASSWORD).await.expect("login").status(), 200);
    // An unknown name is refused like a wrong password.
    assert_eq!(login("nobody", "whatever-it-is").await.expect("login").status(), 401);

    // Signing out ends the session on the server, not just in the browser.
    let s = sign_in(&base, "truongbp").await;
    assert_eq!(s.client.get(format!("{base}/stats")).send().await.expect("stats").status(), 200);
    assert_eq!(s.client.post(format!("{base}/api/logout")).send().await.expect("logout").status(), 200);
    let r = s.client.get(format!("{base}/stats")).send().await.expect("stats");
    assert_eq!(r.status(), 303, "the old cookie opens nothing");

    // A disabled account cannot sign in, and its open sessions end.
    let victim = sign_in(&base, "hotro").await;
    let acc = app::backend::entity::account::Entity::find()
        .filter(app::backend::entity::account::Column::Username.eq("hotro"))
        .one(&t.db)
        .await
        .expect("q")
        .expect("account");
    let admin = sign_in(&base, "admin").await;
    assert_eq!(post_form(&admin.client, format!("{base}/api/admin_set_account_active"), &format!("id={}&active=false", acc.id)).await, 200);
    assert_eq!(victim.client.get(format!("{base}/")).send().await.expect("desk").status(), 303);
    assert_eq!(login("hotro", auth::DEMO_PASSWORD).await.expect("login").status(), 401);

    // Every sign-in, failure and sign-out is in the audit log.
    let rows = audit::list(&t.db, None, &app::model::AuditFilter { action: Some("auth.".into()), ..Default::default() }, 100)
        .await
        .expect("audit");
    assert!(rows.iter().any(|r| r.action == "auth.login_failed" && r.subject == "account:canbo"));
    assert!(rows.iter().any(|r| r.action == "auth.logout" && r.actor == "truongbp"));
    assert!(rows.iter().all(|r| !r.detail.contains("not-the-password")), "passwords are never logged");
    srv.shutdown().await.expect("shutdown");
    cleanup(t).await;
}

async fn cross_site_requests_are_refused(engine: Engine) {
    let Some(t) = fresh_db(engine).await else { return };
    let srv = start_server(t.db.clone()).await;
    let base = srv.base_url();
    let officer = sign_in(&base, "canbo").await;
    let bare = reqwest::Client::new();
    let attempts = [
        ("origin", "http://evil.example"),
        ("sec-fetch-site", "cross-site"),
        ("sec-fetch-site", "same-site"),
        ("x-none", "no origin at all"),
    ];
    for (header, value) in attempts {
        let r = bare
            .post(format!("{base}/api/set_counter_status"))
            .header("cookie", &officer.cookie)
            .header(header, value)
            .form(&[("counter_id", "1"), ("status", "paused")])
            .send()
            .await
            .expect("post");
        assert_eq!(r.status(), 403, "{header}: {value}");
        let body: serde_json::Value = r.json().await.expect("json error");
        assert_eq!(body["error"]["code"], "forbidden");
        assert!(body["error"]["message"].as_str().is_some_and(|m| m.contains("CSRF")), "{body}");
    }
    let snap = app::backend::screens::counter_snapshot(&t.db, 1).await.expect("q").expect("counter");
    assert_eq!(snap.counter.status, app::model::CounterStatus::Open, "nothing changed");
    // Sign-in too (no one can be signed into someone else's account from another site).
    let r = bare
        .post(format!("{base}/api/login"))
        .header("origin", "http://evil.example")
        .form(&[("username", "canbo"), ("password", auth::DEMO_PASSWORD)])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 403);
    // A WebSocket handshake from another site with the officer's cookie.
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut req = format!("{}/ws/counter/1", base.replace("http://", "ws://")).into_client_request().expect("req");
    req.headers_mut().insert("origin", "http://evil.example".parse().expect("h"));
    req.headers_mut().insert("cookie", officer.cookie.parse().expect("h"));
    let err = tokio_tungstenite::connect_async(req).await.expect_err("refused");
    assert!(matches!(err, tokio_tungstenite::tungstenite::Error::Http(r) if r.status() == 403));
    // The same request from our own page works.
    let r = officer
        .client
        .post(format!("{base}/api/set_counter_status"))
        .form(&[("counter_id", "1"), ("status", "paused")])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 200);
    srv.shutdown().await.expect("shutdown");
    cleanup(t).await;
}

async fn a_kiosk_pairs_reads_only_its_counter_and_can_be_revoked(engine: Engine) {
    let Some(t) = fresh_db(engine).await else { return };
    let srv = start_server(t.db.clone()).await;
    let base = srv.base_url();
    let c = anonymous(&base);
    // The kiosk asks; it keeps its secret and shows a code. Asking again shows the same code.
    let r = c.post(format!("{base}/api/kiosk_pairing_start")).form(&[("counter_id", "2")]).send().await.expect("start");
    if r.status() != 200 {
        panic!("pairing start: {}", r.text().await.unwrap_or_default());
    }
    let cookie = set_cookie(&r, auth::KIOSK_COOKIE).expect("kiosk cookie");
    let raw = r.headers().get("set-cookie").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    // Lax: a kiosk opened from a link elsewhere stays paired (it only reads with it).
    assert!(raw.contains("HttpOnly") && raw.contains("SameSite=Lax"), "{raw}");
    let body: serde_json::Value = r.json().await.expect("json");
    let code = body["Pairing"]["code"].as_str().expect("code").to_string();
    assert_eq!(code.len(), 6);
    let again: serde_json::Value = c
        .post(format!("{base}/api/kiosk_pairing_start"))
        .header("cookie", &cookie)
        .form(&[("counter_id", "2")])
        .send()
        .await
        .expect("again")
        .json()
        .await
        .expect("json");
    assert_eq!(again["Pairing"]["code"], code.as_str());
    let status = |cookie: String| {
        let c = c.clone();
        let base = base.clone();
        async move {
            c.post(format!("{base}/api/kiosk_pairing_status"))
                .header("cookie", cookie)
                .send()
                .await
                .expect("status")
                .json::<String>()
                .await
                .expect("json")
        }
    };
    assert_eq!(status(cookie.clone()).await, "waiting");
    // Until paired it reads nothing.
    let kc = |path: &str, body: &str| {
        c.post(format!("{base}/api/{path}"))
            .header("cookie", &cookie)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.to_string())
            .send()
    };
    assert_eq!(kc("get_counter_snapshot", "counter_id=2").await.expect("r").status(), 401);

    // A wrong code is refused with a readable reason; the right one pairs.
    let admin = sign_in(&base, "admin").await;
    let r =
        admin.client.post(format!("{base}/api/admin_pair_kiosk")).form(&[("code", "ZZZZZZ"), ("label", "")]).send().await.expect("pair");
    assert_eq!(r.status(), 422);
    assert!(r.text().await.expect("body").contains("hết hạn"));
    let spaced = format!("{} {}", &code[..3], code[3..].to_lowercase());
    let r = admin
        .client
        .post(format!("{base}/api/admin_pair_kiosk"))
        .form(&[("code", spaced.as_str()), ("label", "Kiosk cửa chính")])
        .send()
        .await
        .expect("pair");
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
    assert_eq!(status(cookie.clone()).await, "paired");
    // One-time: the code is used up.
    let r = admin
        .client
        .post(format!("{base}/api/admin_pair_kiosk"))
        .form(&[("code", code.as_str()), ("label", "")])
        .send()
        .await
        .expect("pair");
    assert_eq!(r.status(), 422);

    // Its own counter: yes, with the name masked. Anything else: no.
    let item = payments::catalog(&t.db, 1).await.expect("catalog").into_iter().find(|c| c.procedure_code == "DEMO-CT02").expect("item");
    let input = NewDossier {
        counter_id: 2,
        applicant_name: "Phạm Thị Lan".into(),
        id_number: Some("001190012345".into()),
        phone: Some("0912345678".into()),
        lines: vec![LineRequest { fee_item_id: item.id, quantity: 1, pages: None, exempt_reason: None }],
        request_key: None,
    };
    payments::create_dossier(&srv.backend, input, payments::Source::Counter, None, "test").await.expect("dossier");
    let r = kc("get_counter_snapshot", "counter_id=2").await.expect("r");
    assert_eq!(r.status(), 200);
    let text = r.text().await.expect("body");
    assert!(!text.contains("Phạm Thị Lan") && !text.contains("001190012345") && !text.contains("0912345678"), "{text}");
    assert!(text.contains("P. T. Lan"), "the masked name is there: {text}");
    assert_eq!(kc("get_counter_snapshot", "counter_id=1").await.expect("r").status(), 403);
    let r = c
        .post(format!("{base}/api/get_queue"))
        .header("cookie", &cookie)
        .json(&serde_json::json!({ "counter_id": 2 }))
        .send()
        .await
        .expect("q");
    assert_eq!(r.status(), 401, "no dossier list");
    let r = c.get(format!("{base}/")).header("cookie", &cookie).send().await.expect("desk");
    assert_eq!(r.status(), 303, "no officer screen");
    assert!(ws_connect(&base, "/ws/counter/1", Some(&cookie)).await.is_err());

    // Revoking closes its open screen at once and its token opens nothing afterwards.
    let mut ws = ws_connect(&base, "/ws/counter/2", Some(&cookie)).await.expect("ws");
    let _ = ws.next().await;
    let device = kiosks::list(&t.db, None).await.expect("list").into_iter().find(|d| d.label == "Kiosk cửa chính").expect("device");
    let r =
        admin.client.post(format!("{base}/api/admin_revoke_kiosk")).form(&[("id", device.id.to_string())]).send().await.expect("revoke");
    assert_eq!(r.status(), 200);
    let revoked = loop {
        match tokio::time::timeout(Duration::from_secs(5), ws.next()).await.expect("a message within 5 s") {
            Some(Ok(tokio_tungstenite::tungstenite::Message::Text(t))) => match serde_json::from_str::<ServerMsg>(&t) {
                Ok(ServerMsg::Revoked) => break true,
                _ => continue,
            },
            Some(Ok(_)) => continue,
            _ => break false,
        }
    };
    assert!(revoked, "the open kiosk socket is told it was revoked");
    assert_eq!(kc("get_counter_snapshot", "counter_id=2").await.expect("r").status(), 401);
    assert_eq!(status(cookie.clone()).await, "expired");
    // Pairing and revoking are in the audit log.
    let rows = audit::list(&t.db, None, &app::model::AuditFilter { action: Some("kiosk.".into()), ..Default::default() }, 10)
        .await
        .expect("audit");
    let actions: Vec<&str> = rows.iter().map(|r| r.action.as_str()).collect();
    assert_eq!(actions, ["kiosk.revoke", "kiosk.pair"]);
    srv.shutdown().await.expect("shutdown");
    cleanup(t).await;
}

/// Hà Nội's 126 wards × 4 counters in one database: the staff of ward 77 work in ward 77
/// and reach nothing of ward 126 (nor of the demo ward), whatever id they put in a request.
async fn in_a_city_of_126_wards_each_wards_staff_reach_only_their_own_ward(engine: Engine) {
    use app::backend::city;
    use app::model::{PaymentMethod, ReceiptRegister, WardSnapshot};
    let Some(t) = fresh_db(engine).await else { return };
    let srv = start_server(t.db.clone()).await;
    let base = srv.base_url();
    let made = city::seed_city(&t.db, city::HANOI_WARDS, 4).await.expect("city");
    assert_eq!((made.wards.len(), made.counters), (126, 504));
    let again = city::seed_city(&t.db, city::HANOI_WARDS, 4).await.expect("again");
    assert_eq!((again.wards, again.accounts_created), (made.wards.clone(), 0), "seeding twice changes nothing");
    let (ours, theirs) = (made.wards[76], made.wards[125]);
    let counter_of = async |ward: i64| {
        counter::Entity::find()
            .filter(counter::Column::WardId.eq(ward))
            .filter(counter::Column::Number.eq(1))
            .one(&t.db)
            .await
            .expect("q")
            .expect("counter 1")
            .id
    };
    let (our_counter, their_counter) = (counter_of(ours).await, counter_of(theirs).await);
    // A dossier paid in each ward, and one waiting in theirs.
    let dossier_at = async |ward: i64, counter_id: i64, name: &str| {
        let item =
            payments::catalog(&t.db, ward).await.expect("catalog").into_iter().find(|c| c.procedure_code == "DEMO-CT02").expect("item");
        let input = NewDossier {
            counter_id,
            applicant_name: name.into(),
            id_number: None,
            phone: None,
            lines: vec![LineRequest { fee_item_id: item.id, quantity: 1, pages: None, exempt_reason: None }],
            request_key: None,
        };
        payments::create_dossier(&srv.backend, input, payments::Source::Counter, None, "test")
            .await
            .expect("dossier")
            .payment
            .expect("code")
    };
    for (ward, counter_id, name) in [(ours, our_counter, "Hoàng Văn Bảy"), (theirs, their_counter, "Đỗ Thị Tám")] {
        let p = dossier_at(ward, counter_id, name).await;
        payments::pay_manually(&srv.backend, p.id, p.version, PaymentMethod::Cash, Some("không có tài khoản".into()), None, "test")
            .await
            .expect("paid");
    }
    let waiting = dossier_at(theirs, their_counter, "Vũ Văn Chín").await;

    let officer = sign_in(&base, "canbo.077").await;
    assert_eq!(post_form(&officer.client, format!("{base}/api/get_counter_snapshot"), &format!("counter_id={our_counter}")).await, 200);
    for (path, body) in [
        ("get_counter_snapshot", format!("counter_id={their_counter}")),
        ("get_catalog", format!("ward_id={theirs}")),
        ("get_dvc_pending", format!("counter_id={their_counter}")),
        ("set_counter_status", format!("counter_id={their_counter}&status=paused")),
        ("cancel_payment", format!("id={}&version={}", waiting.id, waiting.version)),
        ("get_ward_snapshot", format!("ward_id={theirs}")),
    ] {
        assert_eq!(post_form(&officer.client, format!("{base}/api/{path}"), &body).await, 403, "{path} of ward 126 by ward 77's officer");
    }
    let err = ws_connect(&base, &format!("/ws/counter/{their_counter}"), Some(&officer.cookie)).await.expect_err("refused");
    assert!(matches!(err, tokio_tungstenite::tungstenite::Error::Http(r) if r.status() == 403));

    let boss = sign_in(&base, "truongbp.077").await;
    let r =
        boss.client.post(format!("{base}/api/get_ward_snapshot")).form(&[("ward_id", ours.to_string())]).send().await.expect("snapshot");
    assert_eq!(r.status(), 200);
    let snap: WardSnapshot = r.json().await.expect("json");
    assert_eq!(snap.counters.len(), 4, "their own four counters, not the city's 504");
    assert_eq!(post_form(&boss.client, format!("{base}/api/get_exceptions"), &format!("ward_id={theirs}&only_open=true")).await, 403);
    let err = ws_connect(&base, &format!("/ws/ward/{theirs}"), Some(&boss.cookie)).await.expect_err("refused");
    assert!(matches!(err, tokio_tungstenite::tungstenite::Error::Http(r) if r.status() == 403));
    let rows: Vec<app::model::AuditRow> = boss
        .client
        .post(format!("{base}/api/get_audit"))
        .json(&serde_json::json!({ "filter": {} }))
        .send()
        .await
        .expect("audit")
        .json()
        .await
        .expect("json");
    assert!(!rows.is_empty() && rows.iter().all(|r| r.ward_id == Some(ours)), "only ward 77's audit entries");

    let accountant = sign_in(&base, "ketoan.077").await;
    let register: ReceiptRegister = accountant
        .client
        .post(format!("{base}/api/get_receipt_register"))
        .form::<[(&str, &str); 0]>(&[])
        .send()
        .await
        .expect("register")
        .json()
        .await
        .expect("json");
    assert_eq!(register.ward_code, city::ward_code(77));
    assert_eq!(register.rows.len(), 1, "ward 77's one receipt, not ward 126's");
    srv.shutdown().await.expect("shutdown");
    cleanup(t).await;
}
