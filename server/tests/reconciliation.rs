//! The reconciliation report on real HTTP, the CLI and both databases: every kind of money
//! lands in its state, the totals add up, and the CSV says what the JSON says.

use crate::common;

use app::backend::entity::bank_notification;
use app::backend::{exceptions, payments, reconciliation};
use app::model::{LineRequest, NewDossier, PaymentMethod, RecState, ReconReport, Resolution};
use common::{cleanup, fresh_db, sign_in, Engine};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use server::Server;

db_tests!(
    a_day_of_payments_reconciles_state_by_state,
    bad_ranges_are_refused_and_change_nothing,
    a_statement_confirms_flags_both_ways_and_pays_a_lost_webhooks_dossier_once,
    a_bad_or_foreign_statement_changes_nothing_and_a_repeat_import_adds_nothing,
    a_closed_days_report_never_changes_and_a_later_correction_lands_as_an_adjustment,
    a_lost_webhook_is_recovered_by_the_next_poll_and_a_raced_one_books_once,
    a_poller_refused_or_throttled_says_so_and_webhooks_still_pay,
    a_generated_history_reconciles_and_its_statistics_add_up_by_period_and_group
);

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
    let p = payments::create_dossier(&srv.backend, input, payments::Source::Counter, None, "canbo")
        .await
        .expect("dossier")
        .payment
        .expect("payment");
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
    let cs = app::backend::screens::ward_snapshot(&t.db, 1).await.expect("ward").counters.iter().map(|c| c.id).collect::<Vec<_>>();
    // Matched: the exact amount, by transfer.
    let (_, _, code) = dossier(&srv, cs[0]).await;
    sepay(&srv, 1, 10_000, &format!("{code} NOP PHI")).await;
    // Cash, with its reason.
    let (id, version, _) = dossier(&srv, cs[0]).await;
    payments::pay_manually(&srv.backend, id, version, PaymentMethod::Cash, Some("không có tài khoản".into()), None, "canbo")
        .await
        .expect("cash");
    // Under: half of it arrives; the request waits for the rest.
    let (_, _, code) = dossier(&srv, cs[1]).await;
    sepay(&srv, 2, 5_000, &format!("{code} NOP PHI")).await;
    // Refunded: a part arrives, then the officer cancels; the part goes back.
    let (id_back, _, code) = dossier(&srv, cs[0]).await;
    sepay(&srv, 5, 3_000, &format!("{code} NOP PHI")).await;
    let version_back = payment_request_by_id(&srv, id_back).await.version;
    payments::cancel(&srv.backend, id_back, version_back, "canbo", None).await.expect("cancel");
    // Unknown code: money that names nothing.
    sepay(&srv, 3, 7_000, "CHUYEN TIEN").await;
    // Over: 12.000 for 10.000 pays the dossier; the surplus waits as a refund request.
    let (_, _, code) = dossier(&srv, cs[2]).await;
    sepay(&srv, 4, 12_000, &format!("{code} NOP PHI")).await;

    let range = reconciliation::DayRange::parse(&yesterday(), &today(), chrono::Utc::now()).expect("range");
    let r = reconciliation::report(&t.db, 1, range).await.expect("report");
    assert_eq!(total(&r, RecState::Matched), (1, 10_000, 10_000));
    assert_eq!(total(&r, RecState::Cash), (1, 10_000, 10_000));
    assert_eq!(total(&r, RecState::Under), (1, 10_000, 5_000));
    assert_eq!(total(&r, RecState::UnknownCode), (1, 0, 7_000));
    assert_eq!(total(&r, RecState::Refunded), (1, 0, 3_000));
    assert_eq!(total(&r, RecState::Over), (1, 10_000, 12_000));
    assert_eq!(total(&r, RecState::Unpaid), (0, 0, 0));
    assert_eq!(r.rows.len(), 6);
    assert_eq!(r.total_received, 10_000 + 10_000 + 5_000 + 3_000 + 7_000 + 12_000, "every đồng that arrived is accounted for");
    let under = r.rows.iter().find(|x| x.state == RecState::Under).expect("under row");
    assert_eq!((under.difference, under.payment_code.is_some()), (-5_000, true));
    let matched = r.rows.iter().find(|x| x.state == RecState::Matched).expect("matched row");
    assert!(matched.receipt.as_deref().is_some_and(|s| s.ends_with("0000001")) && matched.bank_reference.is_some());
    assert_eq!(matched.payer.as_deref(), Some("N. V. An"), "the report masks the payer");
    let n =
        bank_notification::Entity::find().filter(bank_notification::Column::ProviderTxnId.eq("1")).one(&t.db).await.expect("q").expect("n");
    assert_eq!(matched.notification_id, Some(n.id), "the row links the raw notification");

    // Over HTTP: the accountant reads it; the JSON states are the machine names.
    let base = srv.base_url();
    let accountant = sign_in(&base, "ketoan").await;
    let resp = accountant
        .client
        .post(format!("{base}/api/get_reconciliation"))
        .form(&[("from", yesterday()), ("to", today())])
        .send()
        .await
        .expect("post");
    assert_eq!(resp.status(), 200);
    let json: serde_json::Value = resp.json().await.expect("json");
    let states: Vec<&str> = json["rows"].as_array().expect("rows").iter().filter_map(|r| r["state"].as_str()).collect();
    for s in ["matched", "cash", "under", "unknown_code", "refunded", "over"] {
        assert!(states.contains(&s), "{s} in {states:?}");
    }
    assert!(json["rows"].as_array().expect("rows").iter().all(|r| r["amount_received"].is_i64() && r["amount_due"].is_i64()));
    // The CSV says the same: BOM, one line per row, totals per state.
    let csv =
        accountant.client.get(format!("{base}/reports/reconciliation.csv?from={}&to={}", yesterday(), today())).send().await.expect("csv");
    assert_eq!(csv.status(), 200);
    assert!(csv.headers()["content-type"].to_str().expect("ct").starts_with("text/csv"));
    let text = csv.text().await.expect("text");
    assert!(text.starts_with('\u{feff}'), "UTF-8 with a byte-order mark");
    let lines: Vec<&str> = text.trim_end().split("\r\n").collect();
    assert_eq!(lines.len(), 1 + r.rows.len() + r.totals.len());
    let received_in_csv: i64 =
        lines[1..=r.rows.len()].iter().map(|l| l.split(',').nth(9).and_then(|v| v.parse::<i64>().ok()).expect("received column")).sum();
    assert_eq!(received_in_csv, r.total_received, "the file's figures equal the page's");
    assert!(text.contains("\"Thiếu\"") && text.contains("\"under\""));
    // So does the workbook, read back: a header, one row per row with amounts as numbers,
    // a totals line per state and the grand total.
    let xlsx = accountant
        .client
        .get(format!("{base}/reports/reconciliation.xlsx?from={}&to={}", yesterday(), today()))
        .send()
        .await
        .expect("xlsx");
    assert_eq!(xlsx.status(), 200);
    assert!(xlsx.headers()["content-type"].to_str().expect("ct").contains("spreadsheetml"));
    let sheet = bankfeed::statement::Table::read_spreadsheet(&xlsx.bytes().await.expect("bytes")).expect("a workbook");
    assert_eq!(sheet.rows.len(), 1 + r.rows.len() + r.totals.len() + 1);
    assert_eq!(sheet.rows[0].get(8).text(), "Phải thu");
    let number = |row: &bankfeed::statement::table::Row, c: usize| match row.get(c) {
        bankfeed::statement::Cell::Number(n) => *n as i64,
        other => panic!("column {c} is not a number: {other:?}"),
    };
    let received_in_xlsx: i64 = sheet.rows[1..=r.rows.len()].iter().map(|row| number(row, 9)).sum();
    assert_eq!(received_in_xlsx, r.total_received, "the workbook's figures equal the page's");
    let under_total = sheet.rows.iter().find(|row| row.get(0).text() == "Tổng" && row.get(2).text() == "under").expect("under total");
    assert_eq!((number(under_total, 8), number(under_total, 9)), (10_000, 5_000));
    let grand = sheet.rows.last().expect("grand total");
    assert_eq!((grand.get(0).text(), number(grand, 8), number(grand, 9)), ("Tổng cộng".to_string(), r.total_due, r.total_received));
    // Filters: one counter's rows, with their own totals; a bad filter is refused.
    let c1 = r.rows.iter().find_map(|x| x.counter).expect("a counter");
    let kept = r.rows.iter().filter(|x| x.counter == Some(c1)).count();
    let one: ReconReport = accountant
        .client
        .post(format!("{base}/api/get_reconciliation"))
        .form(&[("from", yesterday()), ("to", today()), ("counter", c1.to_string())])
        .send()
        .await
        .expect("post")
        .json()
        .await
        .expect("json");
    assert!(kept > 0 && kept < r.rows.len());
    assert_eq!((one.row_count, one.rows.len()), (kept, kept));
    assert!(one.rows.iter().all(|x| x.counter == Some(c1)));
    assert_eq!(one.total_received, one.rows.iter().map(|x| x.amount_received).sum::<i64>());
    let csv1 = accountant
        .client
        .get(format!("{base}/reports/reconciliation.csv?from={}&to={}&counter={c1}", yesterday(), today()))
        .send()
        .await
        .expect("csv");
    let text1 = csv1.text().await.expect("text");
    assert_eq!(text1.trim_end().split("\r\n").count(), 1 + kept + one.totals.len());
    let bad = accountant.client.post(format!("{base}/api/get_reconciliation")).form(&[("counter", "một")]).send().await.expect("post");
    assert_eq!(bad.status(), 422);
    // An officer reads none of it.
    let officer = sign_in(&base, "canbo").await;
    let refused = officer
        .client
        .post(format!("{base}/api/get_reconciliation"))
        .form(&[("from", today()), ("to", today())])
        .send()
        .await
        .expect("post");
    assert_eq!(refused.status(), 403);
    srv.shutdown().await.expect("shutdown");
    cleanup(t).await;
}

async fn bad_ranges_are_refused_and_change_nothing(engine: Engine) {
    let Some(t) = fresh_db(engine).await else { return };
    let srv = start(t.db.clone()).await;
    let base = srv.base_url();
    let accountant = sign_in(&base, "ketoan").await;
    for (from, to) in
        [("2026-11-30", "2026-11-01"), ("2026-11-01", "2999-01-01"), ("1.11.2026", "2026-11-02"), ("2020-01-01", "2026-11-01")]
    {
        let r = accountant
            .client
            .post(format!("{base}/api/get_reconciliation"))
            .form(&[("from", from), ("to", to)])
            .send()
            .await
            .expect("post");
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
        std::process::Command::new(env!("CARGO_BIN_EXE_wardpay"))
            .args(args)
            .env("DATABASE_URL", &db_url)
            .env("WARDPAY_LOG", "warn")
            .output()
            .expect("run")
    };
    let bad = run(&["report", "reconciliation", "--ward", "000.00.01.H26", "--from", "2026-11-30", "--to", "2026-11-01"]);
    assert_eq!(bad.status.code(), Some(2), "{}", String::from_utf8_lossy(&bad.stderr));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("error:"));
    if engine == Engine::Sqlite {
        let good = run(&["report", "reconciliation", "--ward", "000.00.01.H26", "--from", &today(), "--to", &today(), "--format", "json"]);
        assert_eq!(good.status.code(), Some(0), "{}", String::from_utf8_lossy(&good.stderr));
        let report: ReconReport = serde_json::from_slice(&good.stdout).expect("json report");
        assert_eq!((report.from, report.rows.len()), (today(), 0));
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("r.xlsx");
        let xlsx = run(&[
            "report",
            "reconciliation",
            "--ward",
            "000.00.01.H26",
            "--from",
            &today(),
            "--to",
            &today(),
            "--format",
            "xlsx",
            "-o",
            path.to_str().expect("path"),
        ]);
        assert_eq!(xlsx.status.code(), Some(0), "{}", String::from_utf8_lossy(&xlsx.stderr));
        let sheet = bankfeed::statement::Table::read_spreadsheet(&std::fs::read(&path).expect("file")).expect("a workbook");
        assert_eq!(sheet.rows.len(), 2, "the header and the grand total of an empty day");
        let unknown = run(&["report", "reconciliation", "--ward", "nope", "--from", &today(), "--to", &today()]);
        assert_eq!(unknown.status.code(), Some(2));
    }
    srv.shutdown().await.expect("shutdown");
    cleanup(t).await;
}

/// The demo ward's bank file headers, as the ward maps them once.
const MAP: &str = "date=Ngày giao dịch,amount=Số tiền,content=Nội dung,reference=Mã GD,account=Số tài khoản";

fn vn_date_today() -> String {
    app::time::to_vn(chrono::Utc::now()).format("%d/%m/%Y").to_string()
}

/// The bank reference the SePay simulator gives transfer `id`.
fn reference_of(id: i64) -> String {
    format!("FT26061{id:09}")
}

/// A bank CSV with a title above the header, Vietnamese amounts, and the given credits
/// `(amount, content, reference)` dated today.
fn bank_csv(lines: &[(&str, &str, &str)]) -> Vec<u8> {
    let mut s = String::from("\u{feff}SAO KÊ TÀI KHOẢN 113366668888\r\nNgày giao dịch,Số tiền,Nội dung,Mã GD,Số tài khoản\r\n");
    for (amount, content, reference) in lines {
        s.push_str(&format!("{},\"{amount}\",{content},{reference},{WARD_ACCOUNT}\r\n", vn_date_today()));
    }
    s.into_bytes()
}

async fn upload(client: &reqwest::Client, base: &str, format: &str, map: Option<&str>, name: &str, bytes: Vec<u8>) -> reqwest::Response {
    let mut form = reqwest::multipart::Form::new().text("format", format.to_string());
    if let Some(m) = map {
        form = form.text("map", m.to_string());
    }
    form = form.part("file", reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()));
    client.post(format!("{base}/statements/import")).header("accept", "application/json").multipart(form).send().await.expect("upload")
}

async fn count<E>(db: &sea_orm::DatabaseConnection) -> u64
where
    E: EntityTrait,
    E::Model: Sync,
{
    use sea_orm::PaginatorTrait;
    E::find().count(db).await.expect("count")
}

async fn a_statement_confirms_flags_both_ways_and_pays_a_lost_webhooks_dossier_once(engine: Engine) {
    use app::backend::entity::payment_request;
    let Some(t) = fresh_db(engine).await else { return };
    let srv = start(t.db.clone()).await;
    let base = srv.base_url();
    let cs = app::backend::screens::ward_snapshot(&t.db, 1).await.expect("ward").counters.iter().map(|c| c.id).collect::<Vec<_>>();
    // A: paid by webhook, and on the statement.
    let (_, _, code_a) = dossier(&srv, cs[0]).await;
    sepay(&srv, 11, 10_000, &format!("{code_a} NOP PHI")).await;
    // B: paid by webhook, but the statement does not show it.
    let (_, _, code_b) = dossier(&srv, cs[1]).await;
    sepay(&srv, 12, 10_000, &format!("{code_b} NOP PHI")).await;
    // C: the citizen paid, the webhook was lost: only the statement shows it.
    let (id_c, _, code_c) = dossier(&srv, cs[2]).await;
    let file = bank_csv(&[
        ("10.000", &format!("{code_a} NOP PHI"), &reference_of(11)),
        ("10,000 đ", &format!("{code_c} NOP PHI"), &reference_of(13)),
        ("30.000", "CHUYEN TIEN UNG HO", "FT26999000001"),
        ("-5.000", "PHI SMS", "FT26999000002"),
    ]);
    let accountant = sign_in(&base, "ketoan").await;
    let r = upload(&accountant.client, &base, "csv", Some(MAP), "saoke.csv", file.clone()).await;
    assert_eq!(r.status(), 200);
    let v: serde_json::Value = r.json().await.expect("json");
    let import = &v["import"];
    assert_eq!((import["credits"].as_i64(), import["new_lines"].as_i64()), (Some(3), Some(3)), "{v}");
    assert_eq!((import["confirmed"].as_i64(), import["statement_only"].as_i64()), (Some(1), Some(2)), "{v}");

    // The statement's money paid C's dossier through the same matching.
    let pr_c = payment_request::Entity::find_by_id(id_c).one(&t.db).await.expect("q").expect("c");
    assert_eq!(pr_c.state, "receipt_issued");
    let range = reconciliation::DayRange::parse(&yesterday(), &today(), chrono::Utc::now()).expect("range");
    let r = reconciliation::report(&t.db, 1, range).await.expect("report");
    let state_of = |code: &str| r.rows.iter().find(|row| row.payment_code.as_deref() == Some(code)).map(|row| row.state);
    assert_eq!(state_of(&code_a), Some(RecState::Matched), "confirmed by the statement");
    assert_eq!(state_of(&code_b), Some(RecState::WardpayOnly), "a notification the statement does not show");
    assert_eq!(state_of(&code_c), Some(RecState::StatementOnly), "paid, and flagged: no webhook brought it");
    assert_eq!(total(&r, RecState::StatementOnly), (2, 10_000, 40_000), "C and the unknown transfer");
    assert!(!r.statements.is_empty(), "the report says which days a statement covers");

    // Each row links its evidence: the statement's line stands behind C's payment, with the
    // audit entries of the request; nothing of another ward (or nothing at all) is found.
    let ev: serde_json::Value = accountant
        .client
        .get(format!("{base}/reports/evidence?payment_request={id_c}"))
        .send()
        .await
        .expect("evidence")
        .json()
        .await
        .expect("json");
    assert_eq!(ev["payment_request"]["payment_code"], code_c.as_str());
    assert_eq!(ev["notifications"][0]["source"], "statement");
    assert!(ev["notifications"][0]["raw_body"].as_str().is_some_and(|b| b.contains("saoke.csv")), "{ev}");
    assert_eq!(ev["statement_lines"].as_array().map(Vec::len), Some(1));
    assert!(
        ev["audit"].as_array().is_some_and(|a| a.iter().any(|e| e["action"].as_str().is_some_and(|x| x.starts_with("payment")))),
        "{ev}"
    );
    let missing = accountant.client.get(format!("{base}/reports/evidence?payment_request=999999")).send().await.expect("evidence");
    assert_eq!(missing.status(), 404);

    // The lost webhook arrives after all (same bank reference): still one payment.
    sepay(&srv, 13, 10_000, &format!("{code_c} NOP PHI")).await;
    let same = bank_notification::Entity::find()
        .filter(bank_notification::Column::BankReference.eq(reference_of(13)))
        .all(&t.db)
        .await
        .expect("q");
    assert_eq!(same.len(), 1, "the late webhook is the statement's transfer, not a second payment");
    let paid_c = app::backend::entity::payment_event::Entity::find()
        .filter(app::backend::entity::payment_event::Column::PaymentRequestId.eq(id_c))
        .filter(app::backend::entity::payment_event::Column::ToState.eq("paid"))
        .all(&t.db)
        .await
        .expect("q");
    assert_eq!(paid_c.len(), 1, "C was paid once");
    let again = reconciliation::report(&t.db, 1, range).await.expect("report");
    assert_eq!(
        again.rows.iter().find(|row| row.payment_code.as_deref() == Some(code_c.as_str())).map(|row| row.state),
        Some(RecState::StatementOnly),
        "it keeps its state"
    );

    // The page's form gets a redirect to the report of the statement's days.
    let mut form = reqwest::multipart::Form::new().text("format", "csv");
    form = form.part("file", reqwest::multipart::Part::bytes(bank_csv(&[("20.000", "KHAC", "FT26999000003")])).file_name("b.csv"));
    let no_redirects = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let page = no_redirects
        .post(format!("{base}/statements/import"))
        .header("cookie", accountant.cookie.clone())
        .header("origin", base.clone())
        .header("accept", "text/html,application/xhtml+xml")
        .multipart(form)
        .send()
        .await
        .expect("post");
    assert_eq!(page.status(), 303);
    let to = page.headers()["location"].to_str().expect("location").to_string();
    assert!(to.starts_with("/reconciliation?from=") && to.contains("&imported="), "{to}");
    // The saved mapping served the second file; the accountant's page lists both.
    let listed: serde_json::Value =
        accountant.client.post(format!("{base}/api/get_statements")).send().await.expect("list").json().await.expect("json");
    assert_eq!(listed["imports"].as_array().map(Vec::len), Some(2), "{listed}");
    assert_eq!(listed["saved_mapping"].as_str(), Some(MAP));
    srv.shutdown().await.expect("shutdown");
    cleanup(t).await;
}

async fn a_bad_or_foreign_statement_changes_nothing_and_a_repeat_import_adds_nothing(engine: Engine) {
    use app::backend::entity::{statement_import, statement_line};
    let Some(t) = fresh_db(engine).await else { return };
    let srv = start(t.db.clone()).await;
    let base = srv.base_url();
    let accountant = sign_in(&base, "ketoan").await;
    let good = bank_csv(&[("50.000", "CHUYEN TIEN", "FT1"), ("20.000", "CHUYEN TIEN 2", "FT2")]);
    assert_eq!(upload(&accountant.client, &base, "csv", Some(MAP), "a.csv", good.clone()).await.status(), 200);
    let (imports, lines, notes) = (
        count::<statement_import::Entity>(&t.db).await,
        count::<statement_line::Entity>(&t.db).await,
        count::<bank_notification::Entity>(&t.db).await,
    );
    assert_eq!((imports, lines), (1, 2));

    // The same file again: nothing changes.
    let r = upload(&accountant.client, &base, "csv", None, "a-again.csv", good).await;
    assert_eq!(r.status(), 200);
    let v: serde_json::Value = r.json().await.expect("json");
    assert_eq!(v["import"]["already_imported"], true);
    // An overlapping statement adds only its new credit.
    let overlap = bank_csv(&[("50.000", "CHUYEN TIEN", "FT1"), ("20.000", "CHUYEN TIEN 2", "FT2"), ("70.000", "CHUYEN TIEN 3", "FT3")]);
    let v: serde_json::Value = upload(&accountant.client, &base, "csv", None, "b.csv", overlap).await.json().await.expect("json");
    assert_eq!((v["import"]["credits"].as_i64(), v["import"]["new_lines"].as_i64()), (Some(3), Some(1)), "{v}");
    assert_eq!(count::<statement_line::Entity>(&t.db).await, lines + 1);
    let (imports, lines, notes) = (imports + 1, lines + 1, notes + 1);

    // Each bad file is refused whole with a readable reason (line and text) and adds nothing.
    let mut unreadable = bank_csv(&[("50.000", "X", "FT10")]);
    unreadable.extend_from_slice(format!("{},năm chục,Y,FT11,{WARD_ACCOUNT}\r\n", vn_date_today()).as_bytes());
    let foreign = String::from("Ngày giao dịch,Số tiền,Nội dung,Mã GD,Số tài khoản\n").to_string()
        + &format!("{},50000,X,FT20,999999999\n", vn_date_today());
    let next_year = app::time::to_vn(chrono::Utc::now() + chrono::Duration::days(400)).format("%d/%m/%Y").to_string();
    let future =
        String::from("Ngày giao dịch,Số tiền,Nội dung,Mã GD,Số tài khoản\n") + &format!("{next_year},50000,X,FT30,{WARD_ACCOUNT}\n");
    let dup = bank_csv(&[("50.000", "X", "FT40"), ("50.000", "X", "FT40")]);
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("csv", unreadable, "dòng 4"),
        ("csv", foreign.into_bytes(), "999999999"),
        ("csv", future.into_bytes(), "tương lai"),
        ("csv", dup, "trùng"),
        ("csv", b"\x89PNG\r\n\x1a\n\x00\x00binary".to_vec(), "CSV"),
        ("csv", b"Ng\xe0y,S\xf4 ti\xean\n".to_vec(), "UTF-8"),
        ("sepay", b"Date,Value\n2026-01-01,5\n".to_vec(), "tiêu đề"),
        ("mt940", b"x".to_vec(), "định dạng"),
    ];
    for (format, bytes, says) in cases {
        let r = upload(&accountant.client, &base, format, None, "bad.csv", bytes).await;
        assert_eq!(r.status(), 422, "{says}");
        let body: serde_json::Value = r.json().await.expect("json error");
        let message = body["error"]["message"].as_str().unwrap_or_default().to_string();
        assert!(message.contains(says), "{message:?} should say {says:?}");
    }
    assert_eq!(
        (
            count::<statement_import::Entity>(&t.db).await,
            count::<statement_line::Entity>(&t.db).await,
            count::<bank_notification::Entity>(&t.db).await
        ),
        (imports, lines, notes),
        "nothing of a refused file was kept"
    );

    // Only the accountant imports: the supervisor reads, the officer does neither.
    for who in ["truongbp", "canbo"] {
        let s = sign_in(&base, who).await;
        let r = upload(&s.client, &base, "csv", None, "x.csv", bank_csv(&[("1.000", "X", "FT50")])).await;
        assert_eq!(r.status(), 403, "{who}");
    }
    // The command line: a bad line exits 2 and names it; a good file imports.
    if engine == Engine::Sqlite {
        let dir = tempfile::tempdir().expect("dir");
        let bad = dir.path().join("bad.csv");
        std::fs::write(
            &bad,
            format!("Ngày giao dịch,Số tiền,Nội dung,Mã GD,Số tài khoản\n{},50.5,X,FT60,{WARD_ACCOUNT}\n", vn_date_today()),
        )
        .expect("write");
        let run = |args: &[&str]| {
            std::process::Command::new(env!("CARGO_BIN_EXE_wardpay"))
                .args(args)
                .env("DATABASE_URL", &t.url)
                .env("WARDPAY_LOG", "warn")
                .output()
                .expect("run")
        };
        let out = run(&["statement", "import", "--ward", "000.00.01.H26", "--format", "csv", bad.to_str().expect("path")]);
        assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
        assert!(String::from_utf8_lossy(&out.stderr).contains("dòng 2"), "{}", String::from_utf8_lossy(&out.stderr));
        let ok = dir.path().join("ok.csv");
        std::fs::write(&ok, bank_csv(&[("15.000", "CLI", "FT61")])).expect("write");
        let out = run(&["statement", "import", "--ward", "000.00.01.H26", "--format", "csv", ok.to_str().expect("path")]);
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(count::<statement_line::Entity>(&t.db).await, lines + 1);
    }
    srv.shutdown().await.expect("shutdown");
    cleanup(t).await;
}

async fn a_closed_days_report_never_changes_and_a_later_correction_lands_as_an_adjustment(engine: Engine) {
    use app::backend::entity::{bank_exception, ward};
    use sea_orm::sea_query::Expr;
    let Some(t) = fresh_db(engine).await else { return };
    let srv = start(t.db.clone()).await;
    let base = srv.base_url();
    // The ward existed yesterday, and yesterday an unknown transfer reached its account.
    let yesterday_noon = app::time::vn_day_bounds(&yesterday()).expect("day").0 + chrono::Duration::hours(5);
    ward::Entity::update_many()
        .col_expr(ward::Column::CreatedAt, Expr::value(yesterday_noon - chrono::Duration::days(2)))
        .exec(&t.db)
        .await
        .expect("ward");
    sepay(&srv, 21, 7_000, "CHUYEN TIEN").await;
    let e = bank_exception::Entity::find().one(&t.db).await.expect("q").expect("exception");
    bank_exception::Entity::update_many()
        .col_expr(bank_exception::Column::CreatedAt, Expr::value(yesterday_noon))
        .exec(&t.db)
        .await
        .expect("backdate");
    bank_notification::Entity::update_many()
        .col_expr(bank_notification::Column::ReceivedAt, Expr::value(yesterday_noon))
        .exec(&t.db)
        .await
        .expect("backdate");

    let supervisor = sign_in(&base, "truongbp").await;
    let closed = supervisor.client.post(format!("{base}/api/close_day")).form(&[("day", yesterday())]).send().await.expect("close");
    assert_eq!(closed.status(), 200, "{}", closed.text().await.unwrap_or_default());
    let accountant = sign_in(&base, "ketoan").await;
    let csv_of = |from: String, to: String| {
        let client = accountant.client.clone();
        let base = base.clone();
        async move {
            let r = client.get(format!("{base}/reports/reconciliation.csv?from={from}&to={to}")).send().await.expect("csv");
            assert_eq!(r.status(), 200);
            r.bytes().await.expect("bytes")
        }
    };
    let at_close = csv_of(yesterday(), yesterday()).await;
    assert!(String::from_utf8_lossy(&at_close).contains("\"unknown_code\""));

    // Today the supervisor refunds it: yesterday's report stays byte for byte what it was.
    exceptions::resolve(&srv.backend, e.id, Resolution::Refund, Some("hoàn qua tài khoản nguồn".into()), "truongbp", Some(1))
        .await
        .expect("refund");
    assert_eq!(csv_of(yesterday(), yesterday()).await, at_close, "a closed day's report never changes");

    // The correction lands today, naming the day it corrects: the old state reversed and the
    // new one in full, so each state's totals over both days are right.
    let range = reconciliation::DayRange::parse(&yesterday(), &today(), chrono::Utc::now()).expect("range");
    let r = reconciliation::report(&t.db, 1, range).await.expect("report");
    let adjustments: Vec<_> = r.rows.iter().filter(|row| row.adjusts.is_some()).collect();
    assert_eq!(adjustments.len(), 2, "{adjustments:?}");
    assert!(adjustments.iter().all(|a| a.day == today() && a.adjusts.as_deref() == Some(yesterday().as_str())));
    assert_eq!((adjustments[0].state, adjustments[0].amount_received), (RecState::UnknownCode, -7_000));
    assert_eq!((adjustments[1].state, adjustments[1].amount_received), (RecState::Refunded, 7_000));
    assert_eq!(total(&r, RecState::UnknownCode), (2, 0, 0), "the unknown transfer and its reversal");
    assert_eq!(total(&r, RecState::Refunded), (1, 0, 7_000));
    assert_eq!(r.total_received, 7_000, "the money is counted once");

    // Closing today freezes the adjustment with it; nothing is owed twice afterwards.
    let before = csv_of(yesterday(), today()).await;
    let closed = supervisor.client.post(format!("{base}/api/close_day")).form(&[("day", today())]).send().await.expect("close");
    assert_eq!(closed.status(), 200, "{}", closed.text().await.unwrap_or_default());
    assert_eq!(csv_of(yesterday(), today()).await, before, "closing a day keeps its report as it was shown");
    let r = reconciliation::report(&t.db, 1, range).await.expect("report");
    assert_eq!(r.rows.iter().filter(|row| row.adjusts.is_some()).count(), 2);
    srv.shutdown().await.expect("shutdown");
    cleanup(t).await;
}

/// A provider's query API inside the test process: SePay's v2 list or Casso's v2 list of
/// the transactions put in it, behind its token, optionally answering 429 once.
struct MockApi {
    base: String,
    transactions: std::sync::Arc<std::sync::Mutex<Vec<serde_json::Value>>>,
    hits: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    throttle_once: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

async fn mock_api(provider: &'static str, token: &'static str) -> MockApi {
    use axum::http::{HeaderMap, StatusCode};
    use std::sync::atomic::Ordering;
    let transactions = std::sync::Arc::new(std::sync::Mutex::new(Vec::<serde_json::Value>::new()));
    let hits = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let throttle_once = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (t, h, th) = (transactions.clone(), hits.clone(), throttle_once.clone());
    let handler = move |headers: HeaderMap| {
        let (t, h, th) = (t.clone(), h.clone(), th.clone());
        async move {
            h.fetch_add(1, Ordering::SeqCst);
            let expected = if provider == "sepay" { format!("Bearer {token}") } else { format!("Apikey {token}") };
            if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(expected.as_str()) {
                return (
                    StatusCode::UNAUTHORIZED,
                    [("retry-after", "0")],
                    axum::Json(serde_json::json!({ "status": "error", "error": 401, "message": "Unauthorized" })),
                );
            }
            if th.swap(false, Ordering::SeqCst) {
                return (
                    StatusCode::TOO_MANY_REQUESTS,
                    [("retry-after", "1")],
                    axum::Json(serde_json::json!({ "status": "error", "message": "Too Many Requests" })),
                );
            }
            let items = t.lock().map(|v| v.clone()).unwrap_or_default();
            let body = if provider == "sepay" {
                serde_json::json!({ "status": "success", "data": items, "meta": { "pagination": { "total": items.len(), "per_page": 100, "current_page": 1, "last_page": 1, "has_more": false } } })
            } else {
                serde_json::json!({ "error": 0, "message": "success", "data": { "page": 1, "pageSize": 100, "nextPage": 0, "prevPage": 0, "totalPages": 1, "totalRecords": items.len(), "records": items } })
            };
            (StatusCode::OK, [("retry-after", "0")], axum::Json(body))
        }
    };
    let app = axum::Router::new().route("/v2/transactions", axum::routing::get(handler));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await.ok() });
    MockApi { base, transactions, hits, throttle_once }
}

fn sepay_txn(id: &str, amount: i64, content: &str, reference: &str) -> serde_json::Value {
    let now = app::time::to_vn(chrono::Utc::now()).format("%Y-%m-%d %H:%M:%S").to_string();
    serde_json::json!({
        "id": id, "transaction_date": now, "account_number": WARD_ACCOUNT, "va": "", "transfer_type": "in",
        "amount_in": amount, "amount_out": 0, "accumulated": 0, "transaction_content": content,
        "reference_number": reference, "code": null, "bank_brand_name": "VPBank", "bank_account_id": "b1", "webhook_success": 0,
    })
}

async fn wait_for(what: &str, mut ok: impl AsyncFnMut() -> bool) {
    for _ in 0..100 {
        if ok().await {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for {what}");
}

async fn state_of_request(db: &sea_orm::DatabaseConnection, id: i64) -> String {
    app::backend::entity::payment_request::Entity::find_by_id(id).one(db).await.expect("q").expect("request").state
}

async fn a_lost_webhook_is_recovered_by_the_next_poll_and_a_raced_one_books_once(engine: Engine) {
    let Some(t) = fresh_db(engine).await else { return };
    let sepay_api = mock_api("sepay", "sepay-api-token").await;
    let casso_api = mock_api("casso", "casso-api-key").await;
    let mut args = common::serve_args();
    args.sepay_keys = vec![SEPAY_KEY.into()];
    args.sepay_api_token = Some("sepay-api-token".into());
    args.sepay_api_url = sepay_api.base.clone();
    args.casso_api_key = Some("casso-api-key".into());
    args.casso_api_url = casso_api.base.clone();
    args.poll_interval_secs = 1;
    let srv = server::start_with_db(t.db.clone(), &args).await.expect("server starts");
    let cs = app::backend::screens::ward_snapshot(&t.db, 1).await.expect("ward").counters.iter().map(|c| c.id).collect::<Vec<_>>();

    // A: paid, but SePay's webhook never came; the next poll of SePay's API brings it.
    let (id_a, _, code_a) = dossier(&srv, cs[0]).await;
    sepay_api.transactions.lock().expect("lock").push(sepay_txn(
        "0d6f1a9e-0000-4000-8000-000000000031",
        10_000,
        &format!("{code_a} NOP PHI"),
        &reference_of(31),
    ));
    wait_for("the poll to pay A", async || state_of_request(&t.db, id_a).await == "receipt_issued").await;
    let n = bank_notification::Entity::find()
        .filter(bank_notification::Column::BankReference.eq(reference_of(31)))
        .one(&t.db)
        .await
        .expect("q")
        .expect("n");
    assert_eq!(n.source, "poll");

    // B: Casso's API lists a transfer whose webhook was lost too.
    let (id_b, _, code_b) = dossier(&srv, cs[1]).await;
    casso_api.transactions.lock().expect("lock").push(serde_json::json!({
        "id": 880042, "tid": "TF26334880042", "description": format!("{code_b} NOP PHI"), "amount": 10000, "cusum_balance": 0,
        "when": app::time::to_vn(chrono::Utc::now()).format("%Y-%m-%d %H:%M:%S").to_string(), "bankSubAccId": WARD_ACCOUNT,
    }));
    wait_for("the Casso poll to pay B", async || state_of_request(&t.db, id_b).await == "receipt_issued").await;

    // C: the webhook and the poll bring the same money at once: one payment, no exception.
    let (id_c, _, code_c) = dossier(&srv, cs[2]).await;
    sepay_api.transactions.lock().expect("lock").push(sepay_txn(
        "0d6f1a9e-0000-4000-8000-000000000033",
        10_000,
        &format!("{code_c} NOP PHI"),
        &reference_of(33),
    ));
    let (webhook, _) = tokio::join!(
        async { common::sepay_to(&srv.base_url(), SEPAY_KEY, 33, WARD_ACCOUNT, 10_000, &format!("{code_c} NOP PHI")).await },
        async {
            srv.backend.polls.poll_now();
        }
    );
    assert_eq!(webhook.status(), 200);
    wait_for("C paid", async || state_of_request(&t.db, id_c).await == "receipt_issued").await;
    // Let the poller go over C at least once more after the webhook.
    let seen = sepay_api.hits.load(std::sync::atomic::Ordering::SeqCst);
    wait_for("another poll", async || sepay_api.hits.load(std::sync::atomic::Ordering::SeqCst) > seen + 1).await;
    let same = bank_notification::Entity::find()
        .filter(bank_notification::Column::BankReference.eq(reference_of(33)))
        .all(&t.db)
        .await
        .expect("q");
    assert_eq!(same.len(), 1, "one transfer, one notification, whichever came first");
    let exceptions = app::backend::entity::bank_exception::Entity::find().all(&t.db).await.expect("q");
    assert!(exceptions.is_empty(), "no duplicate-payment exception: {exceptions:?}");
    let board = srv.backend.polls.all();
    assert!(board.iter().all(|p| p.ok && p.failures == 0), "{board:?}");
    assert_eq!(board.iter().map(|p| p.recovered).sum::<u64>(), 2, "A and B, not C: its webhook came");
    srv.shutdown().await.expect("shutdown");
    cleanup(t).await;
}

async fn a_poller_refused_or_throttled_says_so_and_webhooks_still_pay(engine: Engine) {
    let Some(t) = fresh_db(engine).await else { return };
    let api = mock_api("sepay", "the-right-token").await;
    let mut args = common::serve_args();
    args.sepay_keys = vec![SEPAY_KEY.into()];
    args.sepay_api_token = Some("a-wrong-token".into());
    args.sepay_api_url = api.base.clone();
    args.poll_interval_secs = 1;
    let srv = server::start_with_db(t.db.clone(), &args).await.expect("server starts");
    let base = srv.base_url();
    wait_for("the refusal", async || srv.backend.polls.all().first().is_some_and(|p| p.failures > 0)).await;
    let p = srv.backend.polls.all().remove(0);
    assert!(!p.ok && p.last_error.as_deref().is_some_and(|e| e.contains("token")), "{p:?}");
    // /readyz says so in its detail, and stays ready: webhooks do not need the poller.
    let ready = common::http().get(format!("{base}/readyz")).send().await.expect("readyz");
    assert_eq!(ready.status(), 200);
    let body: serde_json::Value = ready.json().await.expect("json");
    assert_eq!(body["pollers"][0]["provider"], "sepay");
    assert_eq!(body["pollers"][0]["ok"], false);
    assert!(body["pollers"][0]["last_error"].as_str().is_some_and(|e| e.contains("401")));
    assert!(!body.to_string().contains("a-wrong-token"), "the token never leaves the server");
    // The supervisor's screen reads the same.
    let supervisor = sign_in(&base, "truongbp").await;
    let pollers: serde_json::Value =
        supervisor.client.post(format!("{base}/api/get_pollers")).send().await.expect("post").json().await.expect("json");
    assert_eq!(pollers[0]["ok"], false);
    // Webhooks pay as ever.
    let cs = app::backend::screens::ward_snapshot(&t.db, 1).await.expect("ward").counters.iter().map(|c| c.id).collect::<Vec<_>>();
    let (id, _, code) = dossier(&srv, cs[0]).await;
    sepay(&srv, 41, 10_000, &format!("{code} NOP PHI")).await;
    assert_eq!(state_of_request(&t.db, id).await, "receipt_issued");
    srv.shutdown().await.expect("shutdown");

    // A provider that answers 429 is waited for as long as it asks, then read.
    let mut args = common::serve_args();
    args.sepay_api_token = Some("the-right-token".into());
    args.sepay_api_url = api.base.clone();
    args.poll_interval_secs = 1;
    api.throttle_once.store(true, std::sync::atomic::Ordering::SeqCst);
    let srv = server::start_with_db(t.db.clone(), &args).await.expect("server starts");
    wait_for("the throttled poll", async || srv.backend.polls.all().first().is_some_and(|p| p.last_error.is_some())).await;
    let p = srv.backend.polls.all().remove(0);
    assert!(p.last_error.as_deref().is_some_and(|e| e.contains("1 s")), "{p:?}");
    let next = p.next_at.as_deref().and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok()).expect("next attempt");
    assert!(next.with_timezone(&chrono::Utc) <= chrono::Utc::now() + chrono::Duration::seconds(2), "retries when the provider said: {p:?}");
    wait_for("the poll after the wait", async || srv.backend.polls.all().first().is_some_and(|p| p.ok)).await;
    srv.shutdown().await.expect("shutdown");
    cleanup(t).await;
}

async fn a_generated_history_reconciles_and_its_statistics_add_up_by_period_and_group(engine: Engine) {
    use app::backend::{history, trends};
    use app::domain::trends::{Bucket, GroupBy};
    let Some(t) = fresh_db(engine).await else { return };
    let summary = history::seed(&t.db, history::Plan { payments: 1_200, wards: 2, days: 14, seed: 7 }, |_| {}).await.expect("history");
    assert_eq!(summary.payment_requests, 1_200);
    assert!(summary.exceptions > 0 && summary.receipts > 1_000, "{summary:?}");
    let again = history::seed(&t.db, history::Plan { payments: 10, wards: 1, days: 1, seed: 7 }, |_| {}).await;
    assert!(again.is_err(), "history never goes into a ward that has data");

    let srv = start(t.db.clone()).await;
    let base = srv.base_url();
    let today = app::time::to_vn(chrono::Utc::now()).date_naive();
    let (from, to) = ((today - chrono::Duration::days(14)).to_string(), (today - chrono::Duration::days(1)).to_string());
    let range = reconciliation::DayRange::parse(&from, &to, chrono::Utc::now()).expect("range");

    // The closed days' reconciliation: totals from the frozen days, rows a page at a time.
    let page = reconciliation::report_page(&t.db, 1, range, 0, 100).await.expect("page");
    let all = reconciliation::report(&t.db, 1, range).await.expect("report");
    assert_eq!((page.rows.len(), page.row_count), (100, all.rows.len()));
    assert_eq!(page.totals, all.totals);
    assert_eq!(all.total_received, all.rows.iter().map(|r| r.amount_received).sum::<i64>());
    assert!(total(&all, RecState::Matched).0 > 0 && total(&all, RecState::Refunded).0 > 0);

    // Statistics: a closed day's frozen tally is what its records say.
    let busy = all.rows.first().map(|r| r.day.clone()).expect("a row");
    let day = chrono::NaiveDate::parse_from_str(&busy, "%Y-%m-%d").expect("day");
    let report =
        trends::report(&t.db, 1, reconciliation::DayRange { from: day, to: day }, Bucket::Day, GroupBy::Ward).await.expect("trends");
    let live = trends::day_tally(&t.db, 1, day).await.expect("tally");
    assert_eq!(report.total.dossiers, live.total.dossiers);
    assert_eq!(report.total.collected, live.total.collected);

    // Over HTTP, for the supervisor: weeks and counters add up to the whole.
    let supervisor = sign_in(&base, "truongbp").await;
    let r: app::model::TrendReport = supervisor
        .client
        .post(format!("{base}/api/get_trends"))
        .form(&[("from", from.as_str()), ("to", to.as_str()), ("bucket", "week"), ("by", "counter")])
        .send()
        .await
        .expect("post")
        .json()
        .await
        .expect("json");
    let ward1_requests = all.rows.iter().filter(|r| r.source == "payment_request").count() as i64;
    assert_eq!(r.total.dossiers, ward1_requests, "one dossier per payment request in the generated history");
    assert_eq!(r.buckets.iter().map(|b| b.dossiers).sum::<i64>(), r.total.dossiers);
    assert_eq!(r.groups.iter().map(|g| g.dossiers).sum::<i64>(), r.total.dossiers);
    assert!(r.buckets.iter().all(|b| b.key.contains("-W")), "ISO weeks");
    assert_eq!(
        r.total.paid_qr + r.total.paid_cash + r.total.paid_assisted,
        total(&all, RecState::Matched).0 + total(&all, RecState::Cash).0 + total(&all, RecState::Late).0
    );
    assert!(r.total.cashless_permille.is_some_and(|p| p > 900), "{:?}", r.total.cashless_permille);
    assert!(r.total.wait_p50_secs.is_some_and(|p| p > 0) && r.total.wait_p90_secs >= r.total.wait_p50_secs);
    assert!(r.total.exceptions.iter().any(|(k, _)| k == "underpaid"));
    // Bad input is refused with a reason.
    let bad = supervisor.client.post(format!("{base}/api/get_trends")).form(&[("bucket", "year")]).send().await.expect("post");
    assert_eq!(bad.status(), 422);
    srv.shutdown().await.expect("shutdown");
    cleanup(t).await;
}

async fn payment_request_by_id(srv: &Server, id: i64) -> app::backend::entity::payment_request::Model {
    app::backend::entity::payment_request::Entity::find_by_id(id).one(&srv.backend.db).await.expect("q").expect("payment request")
}
