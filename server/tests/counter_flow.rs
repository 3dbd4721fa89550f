//! The counter flow end to end on real HTTP, WebSockets and both databases: dossier, code,
//! bank notification, receipt; and the ways it must refuse.

use crate::common;

use app::backend::entity::{bank_exception, bank_notification, counter, intake_rejection, payment_request, receipt};
use app::backend::{counters, payments, BackendError};
use app::model::{LineRequest, NewDossier, PaymentMethod, PaymentState, ServerMsg};
use common::{cleanup, fresh_db, http, Engine};
use futures_util::StreamExt;
use sea_orm::{ActiveModelTrait, EntityTrait, PaginatorTrait, Set};
use server::Server;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

db_tests!(
    tiered_dossier_gets_a_code_and_reaches_the_kiosk,
    free_dossier_is_recorded_without_a_code,
    bad_input_is_refused_and_nothing_is_created,
    a_double_submit_creates_one_dossier,
    one_payable_code_per_counter,
    stale_actions_conflict,
    codes_expire,
    bank_notification_pays_once_and_issues_a_receipt,
    unknown_codes_and_other_accounts_become_exceptions,
    concurrent_payments_to_two_servers_number_receipts_without_gaps,
    manual_fallbacks_need_what_the_law_needs,
    supervisors_resolve_exceptions,
    bank_silence_is_reported_while_codes_wait,
    money_to_no_ward_is_assigned_only_within_the_resolvers_ward,
);

const SEPAY_KEY: &str = "test-sepay-secret";

async fn start(db: sea_orm::DatabaseConnection) -> Server {
    let mut args = common::serve_args();
    args.sepay_keys = vec![SEPAY_KEY.into()];
    server::start_with_db(db, &args).await.expect("server starts")
}

async fn item_id(srv: &Server, code: &str) -> i64 {
    common::demo_item(srv, code).await
}

fn dossier(counter_id: i64, fee_item_id: i64, quantity: u32, pages: Option<u32>) -> NewDossier {
    NewDossier {
        counter_id,
        applicant_name: "Nguyễn Văn An".into(),
        id_number: Some("001088012345".into()),
        phone: None,
        lines: vec![LineRequest { fee_item_id, quantity, pages, exempt_reason: None }],
        request_key: None,
    }
}

async fn first_counter(srv: &Server) -> i64 {
    counters::first_counter_id(&srv.backend.db).await.expect("query").expect("counter")
}

async fn request_of(srv: &Server, dossier_id: i64) -> payment_request::Model {
    common::latest_request_of(srv, dossier_id).await
}

async fn sepay(srv: &Server, id: i64, account: &str, amount: i64, content: &str) -> reqwest::Response {
    common::sepay_to(&srv.base_url(), SEPAY_KEY, id, account, amount, content).await
}

async fn tiered_dossier_gets_a_code_and_reaches_the_kiosk(engine: Engine) {
    let Some(t) = fresh_db(engine).await else { return };
    let srv = start(t.db.clone()).await;
    let c = first_counter(&srv).await;
    let base = srv.base_url();
    let admin = common::sign_in(&base, "admin").await;
    let (kiosk_cookie, _) = common::pair_kiosk(&base, c, &admin).await;
    let mut kiosk = common::ws_connect(&base, &format!("/ws/counter/{c}"), Some(&kiosk_cookie)).await.expect("ws");
    let _ = kiosk.next().await;
    // docs/domain.md §3: 3 copies of a 5-page document cost 3 × (2×2.000 + 3×1.000) = 21.000đ.
    let item = item_id(&srv, "DEMO-CT01").await;
    let row = payments::create_dossier(&srv.backend, dossier(c, item, 3, Some(5)), payments::Source::Counter, None, "test")
        .await
        .expect("created");
    assert_eq!(row.total, 21_000);
    assert!(row.code.starts_with("000.00.01.H26-"), "{}", row.code);
    assert!(row.code.ends_with("-0001"), "first dossier of the day: {}", row.code);
    let p = row.payment.expect("payment");
    assert_eq!(p.state, PaymentState::QrIssued);
    let decoded = vietqr::decode(p.qr_payload.as_deref().expect("payload")).expect("valid VietQR");
    assert_eq!(decoded.amount, Some(21_000));
    assert_eq!(decoded.bin, "970415");
    assert!(decoded.purpose.as_deref().unwrap_or("").contains(&p.payment_code));
    assert!(bankfeed::find_codes(&p.purpose).iter().any(|c| c.as_str() == p.payment_code));

    let pushed = loop {
        let msg = tokio::time::timeout(Duration::from_secs(5), kiosk.next()).await.expect("push").expect("open").expect("frame");
        if let Message::Text(txt) = msg {
            if let ServerMsg::Counter(s) = serde_json::from_str::<ServerMsg>(&txt).expect("msg") {
                if s.current.is_some() {
                    break s;
                }
            }
        }
    };
    let current = pushed.current.expect("current");
    assert_eq!(current.amount, 21_000);
    assert_eq!(current.applicant_masked, "N. V. An", "the kiosk sees a masked name only");
    assert!(!serde_json::to_string(&current).expect("json").contains("001088012345"), "no ID number on the kiosk");
    assert!(current.qr_svg.as_deref().unwrap_or("").starts_with("<svg"));
    assert_eq!(current.amount_words_vi, "Hai mươi mốt nghìn đồng");
    srv.shutdown().await.expect("shutdown");
    cleanup(t).await;
}

async fn free_dossier_is_recorded_without_a_code(engine: Engine) {
    let Some(t) = fresh_db(engine).await else { return };
    let srv = start(t.db.clone()).await;
    let c = first_counter(&srv).await;
    let item = item_id(&srv, "DEMO-HT02").await; // Đăng ký khai sinh đúng hạn: free
    let row =
        payments::create_dossier(&srv.backend, dossier(c, item, 1, None), payments::Source::Counter, None, "test").await.expect("created");
    assert_eq!(row.total, 0);
    assert_eq!(row.outcome, "free");
    assert!(row.payment.is_none(), "a total of 0 never gets a code");
    // A fully exempted paying dossier is free too.
    let paying = item_id(&srv, "DEMO-CT02").await;
    let mut d = dossier(c, paying, 1, None);
    d.lines[0].exempt_reason = Some("Gia đình liệt sĩ".into());
    let row = payments::create_dossier(&srv.backend, d, payments::Source::Counter, None, "test").await.expect("created");
    assert_eq!((row.total, row.outcome.as_str()), (0, "free"));
    assert_eq!(payment_request::Entity::find().count(&t.db).await.expect("count"), 0);
    let stats = app::backend::stats::day_stats(&t.db, 1, chrono::Utc::now()).await.expect("stats");
    assert_eq!((stats.dossiers, stats.free), (2, 2), "free dossiers still count");
    srv.shutdown().await.expect("shutdown");
    cleanup(t).await;
}

async fn bad_input_is_refused_and_nothing_is_created(engine: Engine) {
    let Some(t) = fresh_db(engine).await else { return };
    let srv = start(t.db.clone()).await;
    let c = first_counter(&srv).await;
    let item = item_id(&srv, "DEMO-CT01").await;
    let cases: Vec<(NewDossier, &str)> = vec![
        (dossier(c, item, 0, Some(2)), "lines"),
        (dossier(c, item, 1, None), "lines"),
        (dossier(c, 999_999, 1, None), "lines"),
        (NewDossier { lines: vec![], ..dossier(c, item, 1, Some(1)) }, "lines"),
        (NewDossier { applicant_name: "   ".into(), ..dossier(c, item, 1, Some(1)) }, "applicant_name"),
        (dossier(424_242, item, 1, Some(1)), "counter_id"),
    ];
    for (input, field) in cases {
        match payments::create_dossier(&srv.backend, input.clone(), payments::Source::Counter, None, "test").await {
            Err(BackendError::Invalid { field: f, message }) => {
                assert_eq!(f, field, "{message}");
                assert!(!message.is_empty());
            }
            other => panic!("{input:?} should be refused on {field}, got {other:?}"),
        }
    }
    // Over HTTP, through the server function the form uses.
    let officer = common::sign_in(&srv.base_url(), "canbo").await;
    let r = officer
        .client
        .post(format!("{}/api/create_dossier", srv.base_url()))
        .json(&serde_json::json!({ "input": dossier(c, item, 0, Some(2)) }))
        .send()
        .await
        .expect("post");
    assert!(r.status().is_server_error() || r.status().is_client_error());
    assert!(r.text().await.expect("body").contains("dòng 1"), "the message names the line");
    assert_eq!(app::backend::entity::dossier::Entity::find().count(&t.db).await.expect("count"), 0);
    srv.shutdown().await.expect("shutdown");
    cleanup(t).await;
}

async fn a_double_submit_creates_one_dossier(engine: Engine) {
    let Some(t) = fresh_db(engine).await else { return };
    let srv = start(t.db.clone()).await;
    let c = first_counter(&srv).await;
    let item = item_id(&srv, "DEMO-CT03").await;
    let mut d = dossier(c, item, 1, None);
    d.request_key = Some("form-123".into());
    let (a, b) = tokio::join!(
        payments::create_dossier(&srv.backend, d.clone(), payments::Source::Counter, None, "test"),
        payments::create_dossier(&srv.backend, d.clone(), payments::Source::Counter, None, "test"),
    );
    let ids: Vec<i64> = [a, b].into_iter().filter_map(Result::ok).map(|r| r.id).collect();
    assert!(!ids.is_empty());
    assert!(ids.windows(2).all(|w| w[0] == w[1]), "both clicks see the same dossier");
    let again = payments::create_dossier(&srv.backend, d, payments::Source::Counter, None, "test").await.expect("idempotent");
    assert_eq!(again.id, ids[0]);
    assert_eq!(payment_request::Entity::find().count(&t.db).await.expect("count"), 1, "exactly one code");
    srv.shutdown().await.expect("shutdown");
    cleanup(t).await;
}

async fn one_payable_code_per_counter(engine: Engine) {
    let Some(t) = fresh_db(engine).await else { return };
    let srv = start(t.db.clone()).await;
    let c = first_counter(&srv).await;
    let item = item_id(&srv, "DEMO-CT02").await;
    payments::create_dossier(&srv.backend, dossier(c, item, 1, None), payments::Source::Counter, None, "a").await.expect("first");
    let second = payments::create_dossier(&srv.backend, dossier(c, item, 1, None), payments::Source::Counter, None, "b").await;
    assert!(matches!(second, Err(BackendError::Conflict(_))), "{second:?}");
    srv.shutdown().await.expect("shutdown");
    cleanup(t).await;
}

async fn stale_actions_conflict(engine: Engine) {
    let Some(t) = fresh_db(engine).await else { return };
    let srv = start(t.db.clone()).await;
    let c = first_counter(&srv).await;
    let item = item_id(&srv, "DEMO-CT02").await;
    let row =
        payments::create_dossier(&srv.backend, dossier(c, item, 1, None), payments::Source::Counter, None, "a").await.expect("created");
    let p = row.payment.expect("payment");
    // Two officers act on what they both saw: one wins, the other is told.
    let (a, b) = tokio::join!(
        payments::cancel(&srv.backend, p.id, p.version, "officer-a", None),
        payments::pay_manually(&srv.backend, p.id, p.version, PaymentMethod::Cash, Some("không có tài khoản".into()), None, "officer-b"),
    );
    assert!(a.is_ok() != b.is_ok(), "exactly one wins: {a:?} / {b:?}");
    let loser = if a.is_err() { a } else { b };
    assert!(matches!(loser, Err(BackendError::Conflict(_))));
    // Re-issue after cancel gives a new code for the same dossier.
    let pr = request_of(&srv, row.id).await;
    if pr.state == "cancelled" {
        payments::reissue(&srv.backend, pr.id, pr.version, "officer-a").await.expect("reissue");
        let newest = request_of(&srv, row.id).await;
        assert_ne!(newest.payment_code, pr.payment_code);
        assert_eq!(newest.state, "qr_issued");
    }
    srv.shutdown().await.expect("shutdown");
    cleanup(t).await;
}

async fn codes_expire(engine: Engine) {
    let Some(t) = fresh_db(engine).await else { return };
    let srv = start(t.db.clone()).await;
    let mut backend = srv.backend.clone();
    backend.settings = std::sync::Arc::new(app::backend::Settings { demo: true, qr_ttl_secs: 1, ..Default::default() });
    let c = first_counter(&srv).await;
    let item = item_id(&srv, "DEMO-CT02").await;
    let row = payments::create_dossier(&backend, dossier(c, item, 1, None), payments::Source::Counter, None, "a").await.expect("created");
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    // Past its time the code is never shown as payable, sweeper or not.
    let view = payments::payment_view(&t.db, &request_of(&srv, row.id).await, chrono::Utc::now()).await.expect("view");
    assert_eq!(view.state, PaymentState::Expired);
    assert!(view.qr_svg.is_none());
    payments::expire_due(&backend).await.expect("sweep");
    assert_eq!(request_of(&srv, row.id).await.state, "expired");
    srv.shutdown().await.expect("shutdown");
    cleanup(t).await;
}

async fn bank_notification_pays_once_and_issues_a_receipt(engine: Engine) {
    let Some(t) = fresh_db(engine).await else { return };
    let srv = start(t.db.clone()).await;
    let c = first_counter(&srv).await;
    let item = item_id(&srv, "DEMO-CT03").await;
    let row =
        payments::create_dossier(&srv.backend, dossier(c, item, 1, None), payments::Source::Counter, None, "a").await.expect("created");
    let p = row.payment.expect("payment");
    let text = format!("MBVCB.3278614.{}.CT tu 0123456789 NGUYEN VAN AN", p.payment_code.to_lowercase());
    // The same notification three times at once: one payment.
    let (a, b, d) = tokio::join!(
        sepay(&srv, 777, "113366668888", 50_000, &text),
        sepay(&srv, 777, "113366668888", 50_000, &text),
        sepay(&srv, 777, "113366668888", 50_000, &text),
    );
    for r in [a, b, d] {
        assert_eq!(r.status(), 200);
        assert_eq!(r.json::<serde_json::Value>().await.expect("json")["success"], true);
    }
    let pr = request_of(&srv, row.id).await;
    assert_eq!(pr.state, "receipt_issued");
    assert_eq!(receipt::Entity::find().count(&t.db).await.expect("count"), 1);
    assert_eq!(bank_notification::Entity::find().count(&t.db).await.expect("count"), 1);
    let r = receipt::Entity::find().one(&t.db).await.expect("q").expect("receipt");
    assert_eq!((r.number, r.amount, r.series.as_str()), (1, 50_000, "26TAA"));
    use app::backend::auth::{Principal, StaffUser};
    let officer = Principal::Staff(StaffUser {
        account_id: 1,
        username: "canbo".into(),
        display_name: "Cán bộ".into(),
        role: app::model::Role::Officer,
        ward_id: Some(r.ward_id),
        session_id: String::new(),
    });
    let Some(app::model::ReceiptOpen::Doc(doc)) = app::backend::receipt_view::load(&t.db, r.id, None, &officer).await.expect("load") else {
        panic!("staff of the ward open the receipt itself");
    };
    assert!(doc.signature_valid);
    assert_eq!(doc.content.total_words, "Năm mươi nghìn đồng");
    assert_eq!(doc.content.payer_name, "Nguyễn Văn An", "staff of the ward (a session, which expires) see it whole");
    assert!(
        matches!(app::backend::receipt_view::load(&t.db, r.id, None, &Principal::Anonymous).await, Err(BackendError::Forbidden(_))),
        "without the token a stranger sees nothing"
    );
    // The receipt page renders over HTTP with the public link's token, the payer masked.
    let w = app::backend::entity::ward::Entity::find_by_id(r.ward_id).one(&t.db).await.expect("q").expect("ward");
    let token = app::backend::receipts::public_token(&w.receipt_key, r.id);
    let page = http().get(format!("{}/receipts/{}?k={token}", srv.base_url(), r.id)).send().await.expect("page");
    assert_eq!(page.status(), 200);
    let html = page.text().await.expect("html");
    assert!(html.contains("BIÊN LAI THU PHÍ, LỆ PHÍ"));
    assert!(html.contains("N. V. An") && !html.contains("Nguyễn Văn An"), "the public link never shows the full name");
    // A tampered body reusing the transaction id is rejected, not answered as a duplicate.
    srv.intake().refresh_ward_accounts(&srv.backend).await.expect("accounts");
    let t2 = bankfeed::sign::SimTransfer::new(777, "113366668888", 50_000, &text);
    let body = bankfeed::sign::sepay_body(&t2);
    let req = bankfeed::sign::sepay_hmac(&body, SEPAY_KEY, chrono::Utc::now().timestamp());
    let tampered = String::from_utf8(req.body.clone()).expect("utf8").replace("50000", "5000000");
    let mut call = http().post(format!("{}/api/bank/sepay", srv.base_url())).body(tampered);
    for (k, v) in &req.headers {
        call = call.header(k, v);
    }
    let resp = call.send().await.expect("post");
    assert_eq!(resp.status(), 401);
    let err: serde_json::Value = resp.json().await.expect("json error");
    assert!(err["error"]["message"].as_str().is_some());
    srv.intake().flush_rejections(&srv.backend).await.expect("flush");
    assert_eq!(intake_rejection::Entity::find().count(&t.db).await.expect("count"), 1, "rejections are logged");
    let log = app::backend::exceptions::intake_log(&t.db, Some(r.ward_id), 24).await.expect("intake log");
    assert_eq!((log[0].provider.as_str(), log[0].status, log[0].count), ("sepay", 401, 1), "the supervisor sees why");
    assert_eq!(log[0].ward_id, Some(r.ward_id), "filed under the ward whose account the body named");
    srv.shutdown().await.expect("shutdown");
    cleanup(t).await;
}

async fn unknown_codes_and_other_accounts_become_exceptions(engine: Engine) {
    let Some(t) = fresh_db(engine).await else { return };
    let srv = start(t.db.clone()).await;
    let c = first_counter(&srv).await;
    let item = item_id(&srv, "DEMO-CT03").await;
    let row =
        payments::create_dossier(&srv.backend, dossier(c, item, 1, None), payments::Source::Counter, None, "a").await.expect("created");
    let code = row.payment.expect("payment").payment_code;
    assert_eq!(sepay(&srv, 1, "999999999999", 50_000, &code).await.status(), 200);
    assert_eq!(request_of(&srv, row.id).await.state, "qr_issued", "money to another account does not pay");
    assert_eq!(sepay(&srv, 2, "113366668888", 10_000, "chuyen tien khong ma").await.status(), 200);
    let kinds: Vec<String> = bank_exception::Entity::find().all(&t.db).await.expect("q").into_iter().map(|e| e.kind).collect();
    assert_eq!(kinds, vec!["wrong_account".to_string(), "unknown_code".to_string()]);
    srv.shutdown().await.expect("shutdown");
    cleanup(t).await;
}

/// The bank's notifications arrive at once, spread over two servers on one PostgreSQL (as
/// behind a load balancer): the receipts are numbered 1..n, no gap, no number twice. SQLite
/// is served by one server with one intake writer, so there every notification goes to it.
async fn concurrent_payments_to_two_servers_number_receipts_without_gaps(engine: Engine) {
    let Some(t) = fresh_db(engine).await else { return };
    let srv = start(t.db.clone()).await;
    let second = match engine {
        Engine::Postgres => Some(start(t.reconnect().await).await),
        Engine::Sqlite => None,
    };
    let other = second.as_ref().unwrap_or(&srv);
    let ward_id = counters::default_ward_id(&t.db).await.expect("ward");
    let item = item_id(&srv, "DEMO-CT02").await;
    let mut requests = Vec::new();
    for n in 0..12 {
        let c = counter::ActiveModel {
            ward_id: Set(ward_id),
            number: Set(100 + n),
            name: Set(format!("Quầy {}", 100 + n)),
            status: Set("open".into()),
            status_changed_at: Set(chrono::Utc::now()),
            status_changed_by: Set("test".into()),
            ..Default::default()
        }
        .insert(&t.db)
        .await
        .expect("counter");
        let row = payments::create_dossier(&srv.backend, dossier(c.id, item, 1, None), payments::Source::Counter, None, "t")
            .await
            .expect("dossier");
        requests.push(row.payment.expect("payment"));
    }
    let mut tasks = Vec::new();
    for (i, p) in requests.iter().enumerate() {
        let code = p.payment_code.clone();
        let s = if i % 2 == 0 { &srv } else { other };
        tasks.push(async move { sepay(s, 5_000 + i as i64, "113366668888", 10_000, &code).await.status() });
    }
    for status in futures_util::future::join_all(tasks).await {
        assert_eq!(status, 200);
    }
    let mut numbers: Vec<i64> = receipt::Entity::find().all(&t.db).await.expect("q").into_iter().map(|r| r.number).collect();
    numbers.sort_unstable();
    assert_eq!(numbers, (1..=12).collect::<Vec<_>>(), "no gaps, no duplicates");
    if let Some(second) = second {
        second.shutdown().await.expect("shutdown");
    }
    srv.shutdown().await.expect("shutdown");
    cleanup(t).await;
}

async fn manual_fallbacks_need_what_the_law_needs(engine: Engine) {
    let Some(t) = fresh_db(engine).await else { return };
    let srv = start(t.db.clone()).await;
    let c = first_counter(&srv).await;
    let item = item_id(&srv, "DEMO-CT02").await;
    let row =
        payments::create_dossier(&srv.backend, dossier(c, item, 1, None), payments::Source::Counter, None, "a").await.expect("created");
    let p = row.payment.expect("payment");
    let no_reason = payments::pay_manually(&srv.backend, p.id, p.version, PaymentMethod::Cash, Some("  ".into()), None, "a").await;
    assert!(matches!(no_reason, Err(BackendError::Invalid { field: "reason", .. })));
    payments::pay_manually(&srv.backend, p.id, p.version, PaymentMethod::Cash, Some("Người cao tuổi không có tài khoản".into()), None, "a")
        .await
        .expect("cash recorded");
    let pr = request_of(&srv, row.id).await;
    assert_eq!((pr.state.as_str(), pr.method.as_deref()), ("receipt_issued", Some("cash")));
    let stats = app::backend::stats::day_stats(&t.db, pr.ward_id, chrono::Utc::now()).await.expect("stats");
    assert_eq!((stats.paid_cash, stats.cashless_permille()), (1, Some(0)), "cash counts against the cashless rate");
    srv.shutdown().await.expect("shutdown");
    cleanup(t).await;
}

async fn supervisors_resolve_exceptions(engine: Engine) {
    use app::backend::exceptions;
    use app::model::Resolution;
    let Some(t) = fresh_db(engine).await else { return };
    let srv = start(t.db.clone()).await;
    let c = first_counter(&srv).await;
    let item = item_id(&srv, "DEMO-CT02").await;
    let row =
        payments::create_dossier(&srv.backend, dossier(c, item, 1, None), payments::Source::Counter, None, "a").await.expect("created");
    let p = row.payment.expect("payment");
    payments::cancel(&srv.backend, p.id, p.version, "officer", None).await.expect("cancelled");
    // The citizen pays the cancelled code anyway: an exception, not a payment.
    assert_eq!(sepay(&srv, 42, "113366668888", 10_000, &p.payment_code).await.status(), 200);
    assert_eq!(request_of(&srv, row.id).await.state, "cancelled");
    let ward = counters::default_ward_id(&t.db).await.expect("ward");
    let open = exceptions::list(&t.db, ward, true).await.expect("list");
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].kind, "after_cancel");
    assert_eq!(open[0].dossier_code.as_deref(), Some(row.code.as_str()));
    // A refund needs a note; nothing changes without one.
    let refused = exceptions::resolve(&srv.backend, open[0].id, Resolution::Refund, None, "sup", None).await;
    assert!(matches!(refused, Err(BackendError::Invalid { field: "note", .. })), "{refused:?}");
    assert_eq!(exceptions::list(&t.db, ward, true).await.expect("list").len(), 1, "still open");
    // Accepting it settles the dossier with a receipt, once.
    exceptions::resolve(&srv.backend, open[0].id, Resolution::AcceptLate, Some("đã xác nhận với công dân".into()), "sup", None)
        .await
        .expect("accepted");
    assert_eq!(request_of(&srv, row.id).await.state, "receipt_issued");
    let again = exceptions::resolve(&srv.backend, open[0].id, Resolution::AcceptLate, None, "sup", None).await;
    assert!(matches!(again, Err(BackendError::Conflict(_))));
    let all = exceptions::list(&t.db, ward, false).await.expect("list");
    assert_eq!((all[0].status.as_str(), all[0].resolved_by.as_deref()), ("resolved", Some("sup")));
    // An unknown transfer is refunded with a note.
    assert_eq!(sepay(&srv, 43, "113366668888", 7_000, "tien gi day").await.status(), 200);
    let open = exceptions::list(&t.db, ward, true).await.expect("list");
    exceptions::resolve(&srv.backend, open[0].id, Resolution::Refund, Some("trả lại qua TK nguồn".into()), "sup", None)
        .await
        .expect("refund recorded");
    assert!(exceptions::list(&t.db, ward, true).await.expect("list").is_empty());
    srv.shutdown().await.expect("shutdown");
    cleanup(t).await;
}

async fn bank_silence_is_reported_while_codes_wait(engine: Engine) {
    use app::backend::{stats::bank_silence, Settings};
    let Some(t) = fresh_db(engine).await else { return };
    let srv = start(t.db.clone()).await;
    let ward = counters::default_ward_id(&t.db).await.expect("ward");
    let always_open = Settings {
        demo: true,
        qr_ttl_secs: 900,
        bank_silence_mins: 0,
        opening_hours: (0, 24 * 60),
        secure_cookies: false,
        trust_proxy: false,
        public_url: None,
        ..Settings::default()
    };
    let now = chrono::Utc::now();
    assert_eq!(bank_silence(&t.db, ward, &always_open, now).await.expect("q"), None, "nothing waiting, nothing to say");
    let c = first_counter(&srv).await;
    let item = item_id(&srv, "DEMO-CT02").await;
    payments::create_dossier(&srv.backend, dossier(c, item, 1, None), payments::Source::Counter, None, "a").await.expect("created");
    let later = chrono::Utc::now() + chrono::Duration::minutes(12);
    assert_eq!(bank_silence(&t.db, ward, &always_open, later).await.expect("q"), Some(12));
    let closed = Settings { opening_hours: (0, 1), ..always_open.clone() };
    let at_noon_vn = chrono::DateTime::parse_from_rfc3339("2026-11-25T05:00:00Z").expect("t").with_timezone(&chrono::Utc);
    assert_eq!(bank_silence(&t.db, ward, &closed, at_noon_vn).await.expect("q"), None, "outside opening hours");
    srv.shutdown().await.expect("shutdown");
    cleanup(t).await;
}

async fn money_to_no_ward_is_assigned_only_within_the_resolvers_ward(engine: Engine) {
    let Some(t) = fresh_db(engine).await else { return };
    let srv = start(t.db.clone()).await;
    let c = first_counter(&srv).await;
    let item = item_id(&srv, "DEMO-CT02").await;
    let row =
        payments::create_dossier(&srv.backend, dossier(c, item, 1, None), payments::Source::Counter, None, "test").await.expect("dossier");
    // A transfer to an account of no ward, with no code: nobody's exception.
    let r = sepay(&srv, 4242, "000011112222", row.total, "chuyen tien").await;
    assert_eq!(r.status(), 200);
    let open = app::backend::exceptions::list(&t.db, 1, true).await.expect("list");
    let e = open.iter().find(|e| e.kind == "unknown_code").expect("exception");
    assert_eq!(app::backend::exceptions::ward_of(&t.db, e.id).await.expect("ward"), None);
    let assign = app::model::Resolution::AssignToDossier { dossier_code: row.code.clone() };
    // A supervisor of another ward cannot pay this ward's dossier with it.
    let other = app::backend::exceptions::resolve(&srv.backend, e.id, assign.clone(), None, "sup2", Some(999)).await;
    assert!(matches!(other, Err(BackendError::Invalid { field: "dossier_code", .. })), "{other:?}");
    assert_eq!(request_of(&srv, row.id).await.state, "qr_issued", "nothing was settled");
    // This ward's supervisor can, and the log files it under the ward.
    app::backend::exceptions::resolve(&srv.backend, e.id, assign, Some("đã gọi xác nhận".into()), "sup", Some(1)).await.expect("assign");
    assert_eq!(request_of(&srv, row.id).await.state, "receipt_issued");
    let log =
        app::backend::audit::list(&t.db, Some(1), &app::model::AuditFilter { action: Some("exception.".into()), ..Default::default() }, 5)
            .await
            .expect("audit");
    assert_eq!(log.len(), 1);
    srv.shutdown().await.expect("shutdown");
    cleanup(t).await;
}
