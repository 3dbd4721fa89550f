//! Test harness: a fresh database per test on SQLite and on PostgreSQL, and a real server on
//! a free port.
//!
//! PostgreSQL tests run when `TEST_DATABASE_URL` is set; each gets its own schema so that
//! runs never collide. With `WARDPAY_REQUIRE_POSTGRES=1` (set by `make test`) a missing URL
//! fails the test instead of skipping it.

#![allow(dead_code)]

use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use server::config::ServeArgs;
use server::Server;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

pub struct TestDb {
    pub db: DatabaseConnection,
    pub url: String,
    pub schema: Option<String>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    /// The URL a `wardpay` command is given to reach this database: on PostgreSQL the
    /// test's schema rides in the connection options (`search_path`).
    pub fn cli_url(&self) -> String {
        match &self.schema {
            Some(schema) => {
                let sep = if self.url.contains('?') { '&' } else { '?' };
                format!("{}{sep}options=-c%20search_path%3D{schema}", self.url)
            }
            None => self.url.clone(),
        }
    }

    /// A connection to the same database (another pool), e.g. for a second server.
    pub async fn reconnect(&self) -> DatabaseConnection {
        app::backend::db::connect(&self.url, self.schema.as_deref()).await.expect("reconnect")
    }
}

pub fn postgres_url() -> Option<String> {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            if std::env::var("WARDPAY_REQUIRE_POSTGRES").is_ok_and(|v| v == "1") {
                panic!("WARDPAY_REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is not set");
            }
            None
        }
    }
}

/// `None` when the engine is not available in this run (PostgreSQL without a URL).
pub async fn fresh_db(engine: Engine) -> Option<TestDb> {
    match engine {
        Engine::Sqlite => {
            let dir = tempfile::tempdir().expect("tempdir");
            let url = format!("sqlite://{}", dir.path().join("test.sqlite").display());
            let db = app::backend::db::connect(&url, None).await.expect("sqlite connect");
            app::backend::db::migrate(&db).await.expect("migrate");
            Some(TestDb { db, url, schema: None, _dir: Some(dir) })
        }
        Engine::Postgres => {
            let url = postgres_url()?;
            let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
            let admin = app::backend::db::connect(&url, None).await.expect("postgres connect");
            admin
                .execute_raw(Statement::from_string(admin.get_database_backend(), format!("CREATE SCHEMA {schema}")))
                .await
                .expect("create schema");
            admin.close().await.ok();
            let db = app::backend::db::connect(&url, Some(&schema)).await.expect("postgres schema connect");
            app::backend::db::migrate(&db).await.expect("migrate");
            Some(TestDb { db, url, schema: Some(schema), _dir: None })
        }
    }
}

/// Drops a PostgreSQL test schema (SQLite's temp dir goes by itself).
pub async fn cleanup(t: TestDb) {
    if let Some(schema) = &t.schema {
        let admin = app::backend::db::connect(&t.url, None).await.expect("postgres connect");
        let _ = admin.execute_raw(Statement::from_string(admin.get_database_backend(), format!("DROP SCHEMA {schema} CASCADE"))).await;
    }
}

pub fn serve_args() -> ServeArgs {
    ServeArgs { bind: "127.0.0.1:0".parse().expect("addr"), demo: true, ..ServeArgs::default() }
}

pub async fn start_server(db: DatabaseConnection) -> Server {
    server::start_with_db(db, &serve_args()).await.expect("server starts")
}

pub fn http() -> reqwest::Client {
    reqwest::Client::builder().timeout(REQUEST_LIMIT).build().expect("client")
}

/// How long one test may take before it fails: a hang (a request that never answers, a
/// lock never released) then fails its own test, named, instead of stalling the whole run.
pub const TEST_LIMIT: std::time::Duration = std::time::Duration::from_secs(600);

/// How long the test clients wait for one answer; a hang names the request that hung.
pub const REQUEST_LIMIT: std::time::Duration = std::time::Duration::from_secs(60);

/// `WARDPAY_TEST_LOG=<filter>` (e.g. `info` or `app=debug`) shows what the tests' servers
/// log: captured with each test's output, so printed for a failing test (or for all with
/// `--nocapture`). Unset, the tests run silent.
fn init_test_log() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        if let Ok(filter) = std::env::var("WARDPAY_TEST_LOG") {
            let filter = tracing_subscriber::EnvFilter::try_new(&filter).unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
            let _ = tracing_subscriber::fmt().with_env_filter(filter).with_test_writer().try_init();
        }
    });
}

/// Runs a test body, failing it when it takes longer than [`TEST_LIMIT`].
pub async fn within_limit(body: impl std::future::Future<Output = ()>) {
    init_test_log();
    // A wall-clock watchdog on its own thread: if the runtime's workers are stuck (a
    // deadlocked worker stops tokio's timers too), the run still ends, with this message.
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let watched = done.clone();
    let name = std::thread::current().name().unwrap_or("a test").to_string();
    std::thread::spawn(move || {
        let start = std::time::Instant::now();
        while start.elapsed() < TEST_LIMIT + std::time::Duration::from_secs(30) {
            if watched.load(std::sync::atomic::Ordering::Relaxed) {
                return;
            }
            std::thread::sleep(std::time::Duration::from_secs(1));
        }
        eprintln!("{name} did not finish within {} s and its runtime is stuck: aborting the run", TEST_LIMIT.as_secs());
        std::process::abort();
    });
    // Set on the way out however the test ends (a failed assertion unwinds through here).
    struct Finished(std::sync::Arc<std::sync::atomic::AtomicBool>);
    impl Drop for Finished {
        fn drop(&mut self) {
            self.0.store(true, std::sync::atomic::Ordering::Relaxed);
        }
    }
    let _finished = Finished(done);
    let finished = tokio::time::timeout(TEST_LIMIT, body).await;
    if finished.is_err() {
        panic!("the test did not finish within {} s", TEST_LIMIT.as_secs());
    }
}

/// Defines each listed `async fn name(engine: Engine)` as two tests: `sqlite::name` and `postgres::name`.
#[macro_export]
macro_rules! db_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    $crate::common::within_limit(super::$name(super::common::Engine::Sqlite)).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if super::common::postgres_url().is_none() {
                        eprintln!("skipped: TEST_DATABASE_URL not set");
                        return;
                    }
                    $crate::common::within_limit(super::$name(super::common::Engine::Postgres)).await;
                }
            )*
        }
    };
}

/// A signed-in demo account: a client that sends its session cookie and our Origin (as a
/// browser on our pages would) with every request.
pub struct Staff {
    pub client: reqwest::Client,
    /// `wp_session=…`, for WebSocket handshakes.
    pub cookie: String,
    pub base: String,
}

/// The `name=value` of cookie `name` among a response's `Set-Cookie` headers.
pub fn set_cookie(r: &reqwest::Response, name: &str) -> Option<String> {
    r.headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or("").trim().to_string())
        .find(|kv| kv.starts_with(&format!("{name}=")))
}

fn client_with(base: &str, cookie: Option<&str>) -> reqwest::Client {
    let mut h = reqwest::header::HeaderMap::new();
    h.insert(reqwest::header::ORIGIN, base.parse().expect("origin"));
    if let Some(c) = cookie {
        h.insert(reqwest::header::COOKIE, c.parse().expect("cookie"));
    }
    reqwest::Client::builder()
        .default_headers(h)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(REQUEST_LIMIT)
        .build()
        .expect("client")
}

/// A client with our Origin that sends `cookie` (`name=value`).
pub fn client_with_cookie(base: &str, cookie: &str) -> reqwest::Client {
    client_with(base, Some(cookie))
}

/// A client with our Origin and no cookie (an anonymous browser on our pages).
pub fn anonymous(base: &str) -> reqwest::Client {
    client_with(base, None)
}

/// Signs in as demo account `username` (see `auth::DEMO_ACCOUNTS`).
pub async fn sign_in(base: &str, username: &str) -> Staff {
    let r = anonymous(base)
        .post(format!("{base}/api/login"))
        .form(&[("username", username), ("password", app::backend::auth::DEMO_PASSWORD)])
        .send()
        .await
        .expect("login");
    assert_eq!(r.status(), 200, "login as {username}");
    let cookie = set_cookie(&r, app::backend::auth::SESSION_COOKIE).expect("session cookie");
    Staff { client: client_with(base, Some(&cookie)), cookie, base: base.to_string() }
}

/// Pairs a new kiosk with `counter_id` through the real flow (code shown, admin enters it);
/// returns its `wp_kiosk=…` cookie and a client that sends it.
pub async fn pair_kiosk(base: &str, counter_id: i64, admin: &Staff) -> (String, reqwest::Client) {
    let r = anonymous(base)
        .post(format!("{base}/api/kiosk_pairing_start"))
        .form(&[("counter_id", counter_id.to_string())])
        .send()
        .await
        .expect("pairing start");
    assert_eq!(r.status(), 200);
    let cookie = set_cookie(&r, app::backend::auth::KIOSK_COOKIE).expect("kiosk cookie");
    let body: serde_json::Value = r.json().await.expect("json");
    let code = body["Pairing"]["code"].as_str().expect("a pairing code").to_string();
    let r = admin
        .client
        .post(format!("{base}/api/admin_pair_kiosk"))
        .form(&[("code", code.as_str()), ("label", "test kiosk")])
        .send()
        .await
        .expect("pair");
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
    (cookie.clone(), client_with(base, Some(&cookie)))
}

pub type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Opens a WebSocket at `path` as a browser on our pages would: with our Origin and `cookie`.
pub async fn ws_connect(base: &str, path: &str, cookie: Option<&str>) -> Result<Ws, tokio_tungstenite::tungstenite::Error> {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let url = format!("{}{path}", base.replace("http://", "ws://"));
    let mut req = url.into_client_request()?;
    req.headers_mut().insert("origin", base.parse().expect("origin"));
    if let Some(c) = cookie {
        req.headers_mut().insert("cookie", c.parse().expect("cookie"));
    }
    Ok(tokio_tungstenite::connect_async(req).await?.0)
}

/// Posts a SePay notification of a transfer of `amount` to `account` with `content`,
/// signed with `key` as SePay signs it (HMAC over the timestamp and the raw body).
pub async fn sepay_to(base: &str, key: &str, id: i64, account: &str, amount: i64, content: &str) -> reqwest::Response {
    let t = bankfeed::sign::SimTransfer::new(id, account, amount, content);
    let req = bankfeed::sign::sepay_hmac(&bankfeed::sign::sepay_body(&t), key, chrono::Utc::now().timestamp());
    let mut r = http().post(format!("{base}/api/bank/sepay")).body(req.body.clone());
    for (k, v) in &req.headers {
        r = r.header(k, v);
    }
    r.send().await.expect("post")
}

/// The id of the demo ward's fee item for procedure `code`.
pub async fn demo_item(srv: &Server, code: &str) -> i64 {
    let ward = app::backend::counters::default_ward_id(&srv.backend.db).await.expect("ward");
    app::backend::payments::catalog(&srv.backend.db, ward)
        .await
        .expect("catalog")
        .into_iter()
        .find(|c| c.procedure_code == code)
        .map(|c| c.id)
        .expect("catalog item")
}

/// The newest payment request of a dossier (a re-issue or an update makes a new one).
pub async fn latest_request_of(srv: &Server, dossier_id: i64) -> app::backend::entity::payment_request::Model {
    use app::backend::entity::payment_request;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    payment_request::Entity::find()
        .filter(payment_request::Column::DossierId.eq(dossier_id))
        .order_by_desc(payment_request::Column::Id)
        .one(&srv.backend.db)
        .await
        .expect("query")
        .expect("payment request")
}

/// The first counter of the demo ward.
pub async fn first_counter(srv: &Server) -> i64 {
    app::backend::screens::ward_snapshot(&srv.backend.db, 1).await.expect("ward").counters[0].id
}

/// A dossier of one line of demo item `code` (quantity 1) at `counter_id`, with its code
/// shown; returns (request id, version, payment code).
pub async fn dossier_at(srv: &Server, counter_id: i64, code: &str, id_number: Option<&str>) -> (i64, i32, String) {
    use app::backend::payments;
    use app::model::{LineRequest, NewDossier};
    let item = demo_item(srv, code).await;
    let input = NewDossier {
        counter_id,
        applicant_name: "Nguyễn Văn An".into(),
        id_number: id_number.map(str::to_string),
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

/// The same at the first counter.
pub async fn dossier_of(srv: &Server, code: &str) -> (i64, i32, String) {
    dossier_at(srv, first_counter(srv).await, code, None).await
}

/// A dossier of demo item `code` at the first counter, paid in cash; its receipt.
pub async fn paid_in_cash(srv: &Server, code: &str, id_number: Option<&str>) -> app::backend::entity::receipt::Model {
    use app::backend::entity::receipt;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let (id, version, _) = dossier_at(srv, first_counter(srv).await, code, id_number).await;
    app::backend::payments::pay_manually(
        &srv.backend,
        id,
        version,
        app::model::PaymentMethod::Cash,
        Some("tiền mặt".into()),
        None,
        "canbo",
    )
    .await
    .expect("cash");
    receipt::Entity::find().filter(receipt::Column::PaymentRequestId.eq(id)).one(&srv.backend.db).await.expect("db").expect("receipt")
}

/// A member of ward 1's staff, as the services see a signed-in person.
pub fn ward_staff(username: &str, role: app::model::Role) -> app::backend::auth::StaffUser {
    app::backend::auth::StaffUser {
        account_id: 0,
        username: username.into(),
        display_name: username.into(),
        role,
        ward_id: Some(1),
        session_id: String::new(),
    }
}

/// A replacement receipt as the rules issue it: proposed by the demo ward's accountant and
/// approved by its supervisor (a second person). The replacement's reference.
pub async fn replace_approved(db: &sea_orm::DatabaseConnection, input: app::model::CorrectionInput) -> app::model::ReceiptRef {
    use app::backend::receipt_corrections::{decide_replacement, propose_replacement};
    use app::model::{ReplacementDecision, Role};
    let proposal = propose_replacement(db, input, &ward_staff("ketoan", Role::Accountant)).await.expect("proposal");
    let decided = decide_replacement(
        db,
        ReplacementDecision { id: proposal.id, approve: true, note: None },
        &ward_staff("truongbp", Role::Supervisor),
    )
    .await
    .expect("approval");
    decided.replacement.expect("an approved proposal is issued")
}
