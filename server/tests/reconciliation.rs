//! The reconciliation report on real HTTP, the CLI and both databases: every kind of money
//! lands in its state, the totals add up, and the CSV says what the JSON says.

mod common;

use app::backend::entity::bank_notification;
use app::backend::{counters, exceptions, payments, reconciliation};
use app::model::{LineRequest, NewDossier, PaymentMethod, RecState, ReconReport, Resolution};
use common::{cleanup, fresh_db, sign_in, Engine};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use server::Server;

db_tests!(a_day_of_payments_reconciles_state_by_state, bad_ranges_are_refused_and_change_nothing);

const SEPAY_KEY: &str = "test-sepay-secret";
const WARD_ACCOUNT: &str = "113366668888";

async fn start(db: sea_orm::DatabaseConnection) -> Server {
    let mut args = common::serve_args();
    args.sepay_keys = vec![SEPAY_KEY.into()];
    server::start_with_db(db, &args).await.expect("server starts")
}

async fn sepay(srv: &Server, id: i64, amount: i64, content: &str) {
    assert_eq!(common::sepay_to(&srv.base_url(), SEPAY_KEY, id, WARD_ACCOUNT, amount, content).await.status(), 200);
}

/// A dossier of one 10.000đ signature certification at `counter`; returns its payment id and code.
async fn dossier(srv: &Server, counter: i64) -> (i64, i32, String) {
    let item = common::demo_item(srv, "DEMO-CT02").await;
    let input = NewDossier {
        counter_id: counter,
        applicant_name: "Nguyễn Văn An".into(),
        id_number: None,
        phone: None,
        lines: vec![LineRequest { fee_item_id: item, quantity: 1, pages: None, exempt_reason: None }],
        request_key: None,
    };
    let p = payments::create_dossier(&srv.backend, input, payments::Source::Counter, None, "canbo").await.expect("dossier").payment.expect("payment");
    (p.id, p.version, p.payment_code)
}

fn today() -> String {
    app::time::vn_today(chrono::Utc::now())
}

/// Yesterday in Vietnam: ranges start there, so a run across midnight still sees its rows.
fn yesterday() -> String {
    app::time::vn_today(chrono::Utc::now() - chrono::Duration::days(1))
}

fn total(r: &ReconReport, s: RecState) -> (i64, i64, i64) {
    r.totals.iter().find(|t| t.state == s).map_or((0, 0, 0), |t| (t.count, t.amount_due, t.amount_received))
}

async fn a_day_of_payments_reconciles_state_by_state(engine: Engine) {
    let Some(t) = fresh_db(engine).await else { return };
    let srv = start(t.db.clone()).await;
    let cs = counters::ward_snapshot(&t.db, 1).await.expect("ward").counters.iter().map(|c| c.id).collect::<Vec<_>>();
    // Matched: the exact amount, by transfer.
    let (_, _, code) = dossier(&srv, cs[0]).await;
    sepay(&srv, 1, 10_000, &format!("{code} NOP PHI")).await;
    // Cash, with its reason.
    let (id, version, _) = dossier(&srv, cs[0]).await;
    payments::pay_manually(&srv.backend, id, version, PaymentMethod::Cash, Some("không có tài khoản".into()), None, "canbo").await.expect("cash");
    // Under: half of it arrives; the request stays unpaid.
    let (id_under, version_under, code) = dossier(&srv, cs[1]).await;
    sepay(&srv, 2, 5_000, &format!("{code} NOP PHI")).await;
    payments::cancel(&srv.backend, id_under, version_under, "canbo", None).await.expect("cancel");
    // Unknown code: money that names nothing.
    sepay(&srv, 3, 7_000, "CHUYEN TIEN").await;
    // Over, then refunded by the supervisor.
    let (_, _, code) = dossier(&srv, cs[2]).await;
    sepay(&srv, 4, 12_000, &format!("{code} NOP PHI")).await;
    let over = app::backend::entity::bank_exception::Entity::find()
        .filter(app::backend::entity::bank_exception::Column::Kind.eq("overpaid"))
        .one(&t.db)
        .await
        .expect("q")
        .expect("overpaid");
    exceptions::resolve(&srv.backend, over.id, Resolution::Refund, Some("hoàn qua tài khoản nguồn".into()), "truongbp", Some(1)).await.expect("refund");

    let range = reconciliation::DayRange::parse(&yesterday(), &today(), chrono::Utc::now()).expect("range");
    let r = reconciliation::report(&t.db, 1, range).await.expect("report");
    assert_eq!(total(&r, RecState::Matched), (1, 10_000, 10_000));
    assert_eq!(total(&r, RecState::Cash), (1, 10_000, 10_000));
    assert_eq!(total(&r, RecState::Under), (1, 10_000, 5_000));
    assert_eq!(total(&r, RecState::UnknownCode), (1, 0, 7_000));
    assert_eq!(total(&r, RecState::Refunded), (1, 0, 12_000));
    // The underpaid request and the overpaid one were never paid.
    assert_eq!(total(&r, RecState::Unpaid), (2, 20_000, 0));
    assert_eq!(r.rows.len(), 7);
    assert_eq!(r.total_received, 10_000 + 10_000 + 5_000 + 7_000 + 12_000, "every đồng that arrived is accounted for");
    let under = r.rows.iter().find(|x| x.state == RecState::Under).expect("under row");
    assert_eq!((under.difference, under.payment_code.is_some()), (-5_000, true));
    let matched = r.rows.iter().find(|x| x.state == RecState::Matched).expect("matched row");
    assert!(matched.receipt.as_deref().is_some_and(|s| s.ends_with("0000001")) && matched.bank_reference.is_some());
    assert_eq!(matched.payer.as_deref(), Some("N. V. An"), "the report masks the payer");
    let n = bank_notification::Entity::find().filter(bank_notification::Column::ProviderTxnId.eq("1")).one(&t.db).await.expect("q").expect("n");
    assert_eq!(matched.notification_id, Some(n.id), "the row links the raw notification");

    // Over HTTP: the accountant reads it; the JSON states are the machine names.
    let base = srv.base_url();
    let accountant = sign_in(&base, "ketoan").await;
    let resp = accountant.client.post(format!("{base}/api/get_reconciliation")).form(&[("from", yesterday()), ("to", today())]).send().await.expect("post");
    assert_eq!(resp.status(), 200);
    let json: serde_json::Value = resp.json().await.expect("json");
    let states: Vec<&str> = json["rows"].as_array().expect("rows").iter().filter_map(|r| r["state"].as_str()).collect();
    for s in ["matched", "cash", "under", "unknown_code", "refunded", "unpaid"] {
        assert!(states.contains(&s), "{s} in {states:?}");
    }
    assert!(json["rows"].as_array().expect("rows").iter().all(|r| r["amount_received"].is_i64() && r["amount_due"].is_i64()));
    // The CSV says the same: BOM, one line per row, totals per state.
    let csv = accountant.client.get(format!("{base}/reports/reconciliation.csv?from={}&to={}", yesterday(), today())).send().await.expect("csv");
    assert_eq!(csv.status(), 200);
    assert!(csv.headers()["content-type"].to_str().expect("ct").starts_with("text/csv"));
    let text = csv.text().await.expect("text");
    assert!(text.starts_with('\u{feff}'), "UTF-8 with a byte-order mark");
    let lines: Vec<&str> = text.trim_end().split("\r\n").collect();
    assert_eq!(lines.len(), 1 + r.rows.len() + r.totals.len());
    let received_in_csv: i64 = lines[1..=r.rows.len()]
        .iter()
        .map(|l| l.split(',').nth(9).and_then(|v| v.parse::<i64>().ok()).expect("received column"))
        .sum();
    assert_eq!(received_in_csv, r.total_received, "the file's figures equal the page's");
    assert!(text.contains("\"Thiếu\"") && text.contains("\"under\""));
    // An officer reads none of it.
    let officer = sign_in(&base, "canbo").await;
    let refused = officer.client.post(format!("{base}/api/get_reconciliation")).form(&[("from", today()), ("to", today())]).send().await.expect("post");
    assert_eq!(refused.status(), 403);
    srv.shutdown().await.expect("shutdown");
    cleanup(t).await;
}

async fn bad_ranges_are_refused_and_change_nothing(engine: Engine) {
    let Some(t) = fresh_db(engine).await else { return };
    let srv = start(t.db.clone()).await;
    let base = srv.base_url();
    let accountant = sign_in(&base, "ketoan").await;
    for (from, to) in [("2026-11-30", "2026-11-01"), ("2026-11-01", "2999-01-01"), ("1.11.2026", "2026-11-02"), ("2020-01-01", "2026-11-01")] {
        let r = accountant.client.post(format!("{base}/api/get_reconciliation")).form(&[("from", from), ("to", to)]).send().await.expect("post");
        assert_eq!(r.status(), 422, "{from}..{to}");
        let r = accountant.client.get(format!("{base}/reports/reconciliation.csv?from={from}&to={to}")).send().await.expect("get");
        assert_eq!(r.status(), 422, "csv {from}..{to}");
        let body: serde_json::Value = r.json().await.expect("json error");
        assert!(body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    // The command line: bad input exits 2 with a message, good input prints the JSON.
    let db_url = t.url.clone();
    let run = |args: &[&str]| {
        // (On PostgreSQL the test's schema is not in the URL: only the refusals, which come
        // before the database is opened, run there.)
        std::process::Command::new(env!("CARGO_BIN_EXE_wardpay")).args(args).env("DATABASE_URL", &db_url).env("WARDPAY_LOG", "warn").output().expect("run")
    };
    let bad = run(&["report", "reconciliation", "--ward", "000.00.01.H26", "--from", "2026-11-30", "--to", "2026-11-01"]);
    assert_eq!(bad.status.code(), Some(2), "{}", String::from_utf8_lossy(&bad.stderr));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("error:"));
    if engine == Engine::Sqlite {
        let good = run(&["report", "reconciliation", "--ward", "000.00.01.H26", "--from", &today(), "--to", &today(), "--format", "json"]);
        assert_eq!(good.status.code(), Some(0), "{}", String::from_utf8_lossy(&good.stderr));
        let report: ReconReport = serde_json::from_slice(&good.stdout).expect("json report");
        assert_eq!((report.from, report.rows.len()), (today(), 0));
        let unknown = run(&["report", "reconciliation", "--ward", "nope", "--from", &today(), "--to", &today()]);
        assert_eq!(unknown.status.code(), Some(2));
    }
    srv.shutdown().await.expect("shutdown");
    cleanup(t).await;
}
