//! The DVC connector end to end on real HTTP and both databases: the portal's signed
//! requests, the officer's confirmation, payment, and the signed callback through the
//! outbox; every response checked against the OpenAPI document's schemas.

use crate::common;

use app::backend::dvc::{self as service, DvcEvent};
use app::backend::entity::{dossier, dvc_client, dvc_nonce, dvc_outbox, fee_line, payment_request};
use app::backend::{counters, payments};
use app::model::{PaymentMethod, PaymentState};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use common::{cleanup, fresh_db, http, Engine};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{json, Value};
use server::dvc::auth;
use server::Server;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

db_tests!(
    create_confirm_pay_and_the_portal_is_called_back,
    resending_a_dossier_updates_it,
    bad_input_is_refused_naming_the_field,
    signatures_are_checked,
    replays_are_refused,
    idempotency_keys_return_the_first_response,
    callbacks_are_retried_and_survive_a_restart,
    the_portal_can_cancel,
    openapi_document_is_served_and_consistent,
    demo_mode_has_a_demo_key_and_the_simulator_uses_it,
    two_servers_share_idempotency_keys_and_deliver_each_callback_once,
);

const KEY_ID: &str = "portal";
const SECRET: &str = "portal-secret-0123456789abcdef";
const SEPAY_KEY: &str = "test-sepay-secret";
const CREATE: &str = "/api/dvc/v1/payment-requests";

// ---------------------------------------------------------------------------------------
// A stand-in for the portal's callback endpoint.

#[derive(Clone, Debug)]
struct Call {
    path: String,
    headers: HeaderMap,
    body: Bytes,
    answered: u16,
}

#[derive(Clone, Default)]
struct Portal {
    calls: Arc<Mutex<Vec<Call>>>,
    /// Answer 500 while this is positive (counting down).
    failures_left: Arc<AtomicI64>,
}

impl Portal {
    fn calls(&self) -> Vec<Call> {
        self.calls.lock().expect("lock").clone()
    }
}

async fn portal_callback(State(p): State<Portal>, uri: Uri, headers: HeaderMap, body: Bytes) -> StatusCode {
    let status = if p.failures_left.fetch_sub(1, Ordering::SeqCst) > 0 { StatusCode::INTERNAL_SERVER_ERROR } else { StatusCode::OK };
    p.calls.lock().expect("lock").push(Call { path: uri.path().to_string(), headers, body, answered: status.as_u16() });
    status
}

async fn portal(failures: i64) -> (Portal, String, CancellationToken) {
    let p = Portal::default();
    p.failures_left.store(failures, Ordering::SeqCst);
    let app = axum::Router::new().route("/portal/callback", axum::routing::post(portal_callback)).with_state(p.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let stop = CancellationToken::new();
    let token = stop.clone();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).with_graceful_shutdown(async move { token.cancelled().await }).await;
    });
    (p, format!("http://{addr}/portal/callback"), stop)
}

/// Waits until `f` holds (up to 30 s).
async fn eventually(what: &str, mut f: impl AsyncFnMut() -> bool) {
    for _ in 0..300 {
        if f().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for {what}");
}

// ---------------------------------------------------------------------------------------
// Server and signed calls.

async fn start(db: sea_orm::DatabaseConnection, callback: Option<&str>) -> Server {
    let mut args = common::serve_args();
    args.sepay_keys = vec![SEPAY_KEY.into()];
    args.dvc_keys = vec![server::dvc::DvcKey::new(KEY_ID, SECRET).expect("key")];
    args.dvc_callback_url = callback.map(|u| u.parse().expect("url"));
    args.dvc_retry_base_ms = 200;
    server::start_with_db(db, &args).await.expect("server starts")
}

struct Resp {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Value,
}

/// A request signed at `ts` with `secret`; `tamper` may change the bytes after signing.
async fn send_raw(srv: &Server, method: &str, path: &str, body: &[u8], headers: &[(&str, String)]) -> Resp {
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
    let mut req = http().request(method, format!("{}{path}", srv.base_url())).body(body.to_vec());
    for (k, v) in headers {
        req = req.header(*k, v);
    }
    if !body.is_empty() {
        req = req.header("content-type", "application/json");
    }
    let r = req.send().await.expect("send");
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let text = r.text().await.expect("body");
    Resp { status, headers, body: serde_json::from_str(&text).unwrap_or(Value::String(text)) }
}

fn signed_headers(method: &str, path: &str, body: &[u8], ts: i64, secret: &str, idem: Option<&str>) -> Vec<(&'static str, String)> {
    let mut h: Vec<(&'static str, String)> = auth::sign_request(KEY_ID, secret, method, path, body, ts).pairs().into_iter().collect();
    if let Some(k) = idem {
        h.push(("Idempotency-Key", k.to_string()));
    }
    h
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// A signing time for the next request, never used before. The signature covers method,
/// path, time and body only, so two identical requests signed in the same second would be
/// one request sent twice (a replay): like a real client, the tests never send those. The
/// times start 4 minutes back and step a second per request, inside the 5-minute window.
fn ts() -> i64 {
    static LAST: AtomicI64 = AtomicI64::new(0);
    LAST.fetch_max(now() - 240, Ordering::SeqCst);
    let t = LAST.fetch_add(1, Ordering::SeqCst) + 1;
    assert!(t < now() + 240, "too many requests for the signing window");
    t
}

async fn post(srv: &Server, path: &str, body: &Value, idem: &str) -> Resp {
    let bytes = body.to_string().into_bytes();
    send_raw(srv, "POST", path, &bytes, &signed_headers("POST", path, &bytes, ts(), SECRET, Some(idem))).await
}

async fn get(srv: &Server, path: &str) -> Resp {
    send_raw(srv, "GET", path, b"", &signed_headers("GET", path, b"", ts(), SECRET, None)).await
}

fn new_key() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn status_path(code: &str) -> String {
    format!("{CREATE}/{code}")
}

/// 3 certified copies of a 5-page document: 21.000đ (docs/domain.md §3).
fn request(code: &str) -> Value {
    json!({
        "dossier_code": code,
        "procedure_code": "1.001193",
        "procedure_name": "Chứng thực bản sao từ bản chính",
        "applicant_name": "Nguyễn Văn An",
        "id_number": "001088012345",
        "counter_number": 1,
        "lines": [{ "catalog_code": "DEMO-CT01", "quantity": 3, "pages": 5, "amount": 21000 }],
        "total": 21000
    })
}

const CODE: &str = "000.00.01.H26-241124-0001";

async fn first_counter(srv: &Server) -> i64 {
    counters::first_counter_id(&srv.backend.db).await.expect("query").expect("counter")
}

async fn latest_request(srv: &Server, code: &str) -> payment_request::Model {
    let d = dossier::Entity::find().filter(dossier::Column::Code.eq(code)).one(&srv.backend.db).await.expect("q").expect("dossier");
    payment_request::Entity::find()
        .filter(payment_request::Column::DossierId.eq(d.id))
        .all(&srv.backend.db)
        .await
        .expect("q")
        .into_iter()
        .max_by_key(|p| p.id)
        .expect("payment request")
}

async fn sepay(srv: &Server, id: i64, amount: i64, content: &str) -> u16 {
    common::sepay_to(&srv.base_url(), SEPAY_KEY, id, "113366668888", amount, content).await.status().as_u16()
}

// ---------------------------------------------------------------------------------------
// The OpenAPI document as the tests' oracle.

fn openapi() -> Value {
    serde_json::from_str(server::dvc::OPENAPI_JSON).expect("openapi.json is JSON")
}

fn validator(schema_name: &str) -> jsonschema::Validator {
    let doc = openapi();
    assert!(doc["components"]["schemas"][schema_name].is_object(), "no schema {schema_name}");
    let schema = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$ref": format!("#/components/schemas/{schema_name}"),
        "components": doc["components"],
    });
    jsonschema::options().should_validate_formats(true).build(&schema).expect("schema compiles")
}

#[track_caller]
fn assert_conforms(schema_name: &str, value: &Value) {
    let v = validator(schema_name);
    let errors: Vec<String> = v.iter_errors(value).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    assert!(errors.is_empty(), "{schema_name} does not describe {value:#}:\n{}", errors.join("\n"));
}

#[track_caller]
fn assert_error(r: &Resp, status: u16, code: &str, field: Option<&str>) {
    assert_eq!(r.status, status, "{:#}", r.body);
    assert_conforms("Error", &r.body);
    assert_eq!(r.body["error"]["code"], code, "{:#}", r.body);
    assert_eq!(r.body["error"]["field"].as_str(), field, "{:#}", r.body);
    assert!(!r.body["error"]["message"].as_str().unwrap_or("").is_empty());
}

async fn nothing_created(srv: &Server) {
    let db = &srv.backend.db;
    assert_eq!(dossier::Entity::find().count(db).await.expect("count"), 0, "no dossier");
    assert_eq!(fee_line::Entity::find().count(db).await.expect("count"), 0, "no fee line");
    assert_eq!(payment_request::Entity::find().count(db).await.expect("count"), 0, "no payment request");
}

// ---------------------------------------------------------------------------------------

async fn create_confirm_pay_and_the_portal_is_called_back(engine: Engine) {
    let Some(t) = fresh_db(engine).await else { return };
    let (portal, url, stop) = portal(0).await;
    let srv = start(t.db.clone(), Some(&url)).await;
    let c = first_counter(&srv).await;

    let r = post(&srv, CREATE, &request(CODE), &new_key()).await;
    assert_eq!(r.status, 201, "{:#}", r.body);
    assert_conforms("PaymentRequestStatus", &r.body);
    assert_eq!(r.body["dossier_code"], CODE, "the portal's code is kept");
    assert_eq!(r.body["procedure_code"], "1.001193");
    assert_eq!(r.body["agency_code"], "000.00.01.H26");
    assert_eq!(r.body["state"], "draft");
    assert_eq!(r.body["amount"], 21000);
    assert_eq!(r.body["lines"][0]["catalog_code"], "DEMO-CT01");
    assert!(r.body["payment_code"].is_null() && r.body["qr_payload"].is_null(), "no code before the officer confirms");

    let read = get(&srv, &status_path(CODE)).await;
    assert_eq!(read.status, 200);
    assert_conforms("PaymentRequestStatus", &read.body);
    assert_eq!(read.body["state"], "draft");
    assert!(payments::counter_current(&t.db, c).await.expect("current").is_none(), "the kiosk shows nothing yet");

    // The officer's dashboard: ready to confirm, with one key.
    let pending = service::pending_for_counter(&t.db, c).await.expect("pending");
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].code, CODE);
    assert_eq!(pending[0].source, "dvc");
    let draft = pending[0].payment.clone().expect("draft");
    assert_eq!(draft.state, PaymentState::Draft);
    let view = service::confirm(&srv.backend, draft.id, "officer").await.expect("confirmed");
    assert_eq!(view.state, PaymentState::QrIssued);
    assert!(service::pending_for_counter(&t.db, c).await.expect("pending").is_empty());
    assert!(service::confirm(&srv.backend, draft.id, "officer").await.is_err(), "confirming twice is refused");

    let read = get(&srv, &status_path(CODE)).await;
    assert_conforms("PaymentRequestStatus", &read.body);
    assert_eq!(read.body["state"], "qr_issued");
    let code = read.body["payment_code"].as_str().expect("payment code").to_string();
    let qr = vietqr::decode(read.body["qr_payload"].as_str().expect("payload")).expect("valid VietQR");
    assert_eq!(qr.amount, Some(21_000));

    // The citizen pays by transfer; the bank tells WardPay.
    assert_eq!(sepay(&srv, 4242, 21_000, &code).await, 200);
    let read = get(&srv, &status_path(CODE)).await;
    assert_conforms("PaymentRequestStatus", &read.body);
    assert_eq!(read.body["state"], "receipt_issued");
    assert_eq!(read.body["method"], "qr_transfer");
    assert_eq!(read.body["receipt"]["number"], "0000001");
    assert!(read.body["qr_payload"].is_null(), "no payload once paid");

    // The portal hears of it, signed.
    eventually("the callback", async || !portal.calls().is_empty()).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let calls = portal.calls();
    assert_eq!(calls.len(), 1, "one callback: {calls:?}");
    let call = &calls[0];
    assert_eq!(call.path, "/portal/callback");
    assert_eq!(call.headers.get("x-wardpay-key-id").and_then(|v| v.to_str().ok()), Some(KEY_ID));
    auth::verify(SECRET, "POST", &call.path, &call.headers, &call.body, now()).expect("a valid signature");
    assert_eq!(
        auth::verify("another-secret-000000", "POST", &call.path, &call.headers, &call.body, now()),
        Err(auth::VerifyError::BadSignature)
    );
    let event: Value = serde_json::from_slice(&call.body).expect("json");
    assert_conforms("CallbackEvent", &event);
    assert_eq!(event["event"], "receipt_issued");
    assert_eq!(event["payment_request"]["dossier_code"], CODE);
    assert!(event["payment_request"]["receipt"]["label"].as_str().unwrap_or("").ends_with(" 0000001"), "{event:#}");
    eventually("the row marked delivered", async || {
        dvc_outbox::Entity::find().one(&t.db).await.expect("q").is_some_and(|r| r.status == "delivered")
    })
    .await;
    let row = dvc_outbox::Entity::find().one(&t.db).await.expect("q").expect("outbox row");
    assert_eq!((row.status.as_str(), row.attempts, row.last_status), ("delivered", 1, Some(200)));
    srv.shutdown().await.expect("shutdown");
    stop.cancel();
    cleanup(t).await;
}

async fn resending_a_dossier_updates_it(engine: Engine) {
    let Some(t) = fresh_db(engine).await else { return };
    let srv = start(t.db.clone(), None).await;
    let c = first_counter(&srv).await;
    let count = async || payment_request::Entity::find().count(&t.db).await.expect("count");

    assert_eq!(post(&srv, CREATE, &request(CODE), &new_key()).await.status, 201);
    let same = post(&srv, CREATE, &request(CODE), &new_key()).await;
    assert_eq!(same.status, 200, "{:#}", same.body);
    assert_conforms("PaymentRequestStatus", &same.body);
    assert_eq!(count().await, 1, "the same content changes nothing");

    let mut fewer = request(CODE);
    fewer["lines"][0]["quantity"] = json!(2);
    fewer["lines"][0]["amount"] = json!(14000);
    fewer["total"] = json!(14000);
    let r = post(&srv, CREATE, &fewer, &new_key()).await;
    assert_eq!(r.status, 200, "{:#}", r.body);
    assert_eq!((r.body["state"].as_str(), r.body["amount"].as_i64()), (Some("draft"), Some(14000)));
    assert_eq!(r.body["lines"].as_array().map(Vec::len), Some(1), "the lines are replaced");
    assert_eq!(count().await, 2, "the old draft is cancelled, a new one waits");
    assert_eq!(service::pending_for_counter(&t.db, c).await.expect("pending").len(), 1);

    // A code already on the kiosk is cancelled, never edited, and the officer had confirmed
    // the dossier: the new content gets its own code at once, so the screens go from the
    // old code to the new one.
    let pr = latest_request(&srv, CODE).await;
    service::confirm(&srv.backend, pr.id, "officer").await.expect("confirm");
    let mut renamed = fewer.clone();
    renamed["applicant_name"] = json!("Nguyễn Văn Bình");
    let r = post(&srv, CREATE, &renamed, &new_key()).await;
    assert_eq!((r.status, r.body["state"].as_str()), (200, Some("qr_issued")), "{:#}", r.body);
    assert_eq!(r.body["applicant_name"], "Nguyễn Văn Bình");
    let old = payment_request::Entity::find_by_id(pr.id).one(&t.db).await.expect("q").expect("old");
    assert_eq!(old.state, "cancelled");
    let shown = payments::counter_current(&t.db, c).await.expect("current").expect("shown");
    assert_eq!(shown.state, PaymentState::QrIssued);
    assert_ne!(shown.payment_code, old.payment_code, "a new code, never the old one edited");

    // Paid: nothing can change any more.
    let pr = latest_request(&srv, CODE).await;
    payments::pay_manually(&srv.backend, pr.id, pr.version, PaymentMethod::Cash, Some("không có tài khoản".into()), None, "officer")
        .await
        .expect("paid");
    let r = post(&srv, CREATE, &request(CODE), &new_key()).await;
    assert_error(&r, 409, "conflict", None);
    assert_eq!(get(&srv, &status_path(CODE)).await.body["state"], "receipt_issued");

    // A dossier with nothing to pay is recorded as free, without a code.
    let free_code = "000.00.01.H26-241124-0002";
    let free = json!({
        "dossier_code": free_code, "procedure_code": "1.001193", "applicant_name": "Trần Thị Bình",
        "counter_number": 2, "lines": [{ "catalog_code": "DEMO-HT02", "quantity": 1, "amount": 0 }], "total": 0
    });
    let r = post(&srv, CREATE, &free, &new_key()).await;
    assert_eq!(r.status, 201, "{:#}", r.body);
    assert_conforms("PaymentRequestStatus", &r.body);
    assert_eq!((r.body["state"].as_str(), r.body["counter_number"].as_i64()), (Some("free"), Some(2)));
    // A counter dossier's code is not the portal's to change.
    let ward = counters::default_ward_id(&t.db).await.expect("ward");
    let item = payments::catalog(&t.db, ward).await.expect("catalog").into_iter().find(|i| i.procedure_code == "DEMO-CT02").expect("item");
    let row = payments::create_dossier(
        &srv.backend,
        app::model::NewDossier {
            counter_id: c,
            applicant_name: "Lê Văn Cường".into(),
            id_number: None,
            phone: None,
            lines: vec![app::model::LineRequest { fee_item_id: item.id, quantity: 1, pages: None, exempt_reason: None }],
            request_key: None,
        },
        payments::Source::Counter,
        None,
        "officer",
    )
    .await
    .expect("counter dossier");
    let r = post(&srv, CREATE, &request(&row.code), &new_key()).await;
    assert_error(&r, 409, "conflict", None);
    assert_error(&get(&srv, &status_path(&row.code)).await, 404, "not_found", Some("dossier_code"));
    srv.shutdown().await.expect("shutdown");
    cleanup(t).await;
}

async fn bad_input_is_refused_naming_the_field(engine: Engine) {
    let Some(t) = fresh_db(engine).await else { return };
    let srv = start(t.db.clone(), None).await;
    let base = request(CODE);
    let with = |f: &dyn Fn(&mut Value)| {
        let mut v = base.clone();
        f(&mut v);
        v
    };
    let cases: Vec<(Value, &str)> = vec![
        (with(&|v| v["counter_number"] = json!(99)), "counter_number"),
        (with(&|v| v["lines"][0]["catalog_code"] = json!("NOT-IN-CATALOG")), "lines[0].catalog_code"),
        (with(&|v| v["lines"][0]["amount"] = json!(20000)), "lines[0].amount"),
        (with(&|v| v["total"] = json!(20000)), "total"),
        (
            with(&|v| {
                v["lines"][0].as_object_mut().expect("line").remove("pages");
            }),
            "lines[0].pages",
        ),
        (with(&|v| v["lines"][0]["quantity"] = json!(0)), "lines[0].quantity"),
        (with(&|v| v["lines"][0]["exempt_reason"] = json!("   ")), "lines[0].exempt_reason"),
        (
            with(&|v| {
                v["lines"] = json!([
                    { "catalog_code": "DEMO-CT01", "quantity": 3, "pages": 5, "amount": 21000 },
                    { "catalog_code": "NOPE", "quantity": 1 }
                ])
            }),
            "lines[1].catalog_code",
        ),
        (with(&|v| v["lines"] = json!([])), "lines"),
        (with(&|v| v["dossier_code"] = json!("HS-2024-1")), "dossier_code"),
        (with(&|v| v["applicant_name"] = json!("   ")), "applicant_name"),
        (with(&|v| v["agency_code"] = json!("999.99.99.H99")), "agency_code"),
        (
            with(&|v| {
                v.as_object_mut().expect("obj").remove("procedure_code");
            }),
            "procedure_code",
        ),
        (with(&|v| v["lines"][0]["quantity"] = json!("three")), "lines[0].quantity"),
        (with(&|v| v["lines"][0]["quantity"] = json!(-1)), "lines[0].quantity"),
        (with(&|v| v["unexpected"] = json!(1)), "unexpected"),
    ];
    for (body, field) in cases {
        let r = post(&srv, CREATE, &body, &new_key()).await;
        assert_error(&r, 422, "invalid", Some(field));
    }
    let bytes = b"{\"dossier_code\": ".to_vec();
    let r = send_raw(&srv, "POST", CREATE, &bytes, &signed_headers("POST", CREATE, &bytes, ts(), SECRET, Some(&new_key()))).await;
    assert_error(&r, 400, "bad_request", None);
    nothing_created(&srv).await;
    srv.shutdown().await.expect("shutdown");
    cleanup(t).await;
}

async fn signatures_are_checked(engine: Engine) {
    let Some(t) = fresh_db(engine).await else { return };
    let srv = start(t.db.clone(), None).await;
    let body = request(CODE).to_string().into_bytes();
    let idem = Some("k");
    let sign = |at: i64, secret: &str, path: &str| signed_headers("POST", path, &body, at, secret, idem);
    let set = |mut h: Vec<(&'static str, String)>, name: &'static str, value: Option<String>| {
        h.retain(|(k, _)| *k != name);
        if let Some(v) = value {
            h.push((name, v));
        }
        h
    };
    // Expired, or too far ahead.
    let r = send_raw(&srv, "POST", CREATE, &body, &sign(now() - 301, SECRET, CREATE)).await;
    assert_error(&r, 401, "expired", Some("X-WardPay-Timestamp"));
    let r = send_raw(&srv, "POST", CREATE, &body, &sign(now() + 400, SECRET, CREATE)).await;
    assert_error(&r, 401, "expired", Some("X-WardPay-Timestamp"));
    // Forged: another secret, another path.
    let r = send_raw(&srv, "POST", CREATE, &body, &sign(ts(), "not-the-secret-000000", CREATE)).await;
    assert_error(&r, 401, "bad_signature", Some("X-WardPay-Signature"));
    let r = send_raw(&srv, "POST", CREATE, &body, &sign(ts(), SECRET, "/api/dvc/v1/other")).await;
    assert_error(&r, 401, "bad_signature", Some("X-WardPay-Signature"));
    // The body changed after signing; or changed with a matching hash but the old signature.
    let mut tampered = String::from_utf8(body.clone()).expect("utf8").replace("21000", "2100");
    let r = send_raw(&srv, "POST", CREATE, tampered.as_bytes(), &sign(ts(), SECRET, CREATE)).await;
    assert_error(&r, 401, "bad_content_hash", Some("X-WardPay-Content-SHA256"));
    let h = set(sign(ts(), SECRET, CREATE), "X-WardPay-Content-SHA256", Some(auth::sha256_hex(tampered.as_bytes())));
    let r = send_raw(&srv, "POST", CREATE, tampered.as_bytes(), &h).await;
    assert_error(&r, 401, "bad_signature", Some("X-WardPay-Signature"));
    tampered.clear();
    // Unknown key, missing headers, garbage.
    let h = set(sign(ts(), SECRET, CREATE), "X-WardPay-Key-Id", Some("someone".into()));
    assert_error(&send_raw(&srv, "POST", CREATE, &body, &h).await, 401, "unknown_key", Some("X-WardPay-Key-Id"));
    for name in ["X-WardPay-Key-Id", "X-WardPay-Timestamp", "X-WardPay-Content-SHA256", "X-WardPay-Signature"] {
        let h = set(sign(ts(), SECRET, CREATE), name, None);
        assert_error(&send_raw(&srv, "POST", CREATE, &body, &h).await, 401, "missing_header", Some(name));
    }
    let h = set(sign(ts(), SECRET, CREATE), "X-WardPay-Timestamp", Some("yesterday".into()));
    assert_error(&send_raw(&srv, "POST", CREATE, &body, &h).await, 401, "bad_timestamp", Some("X-WardPay-Timestamp"));
    let r = send_raw(&srv, "GET", &status_path(CODE), b"", &[]).await;
    assert_error(&r, 401, "missing_header", Some("X-WardPay-Key-Id"));
    nothing_created(&srv).await;
    // A disabled key stops working at the next start.
    srv.shutdown().await.expect("shutdown");
    let mut args = common::serve_args();
    args.demo = false;
    args.dvc_keys = vec![server::dvc::DvcKey::new("portal-2027", SECRET).expect("key")];
    let srv = server::start_with_db(t.reconnect().await, &args).await.expect("restart");
    let r = post(&srv, CREATE, &request(CODE), &new_key()).await;
    assert_error(&r, 401, "unknown_key", Some("X-WardPay-Key-Id"));
    let keys = dvc_client::Entity::find().all(&t.db).await.expect("q");
    assert!(keys.iter().any(|k| k.key_id == KEY_ID && !k.active) && keys.iter().any(|k| k.key_id == "portal-2027" && k.active));
    srv.shutdown().await.expect("shutdown");
    cleanup(t).await;
}

async fn replays_are_refused(engine: Engine) {
    let Some(t) = fresh_db(engine).await else { return };
    let srv = start(t.db.clone(), None).await;
    let body = request(CODE).to_string().into_bytes();
    let headers = signed_headers("POST", CREATE, &body, ts(), SECRET, Some("once"));
    assert_eq!(send_raw(&srv, "POST", CREATE, &body, &headers).await.status, 201);
    let again = send_raw(&srv, "POST", CREATE, &body, &headers).await;
    assert_error(&again, 401, "replayed", Some("X-WardPay-Signature"));
    let path = status_path(CODE);
    let h = signed_headers("GET", &path, b"", ts(), SECRET, None);
    assert_eq!(send_raw(&srv, "GET", &path, b"", &h).await.status, 200);
    assert_error(&send_raw(&srv, "GET", &path, b"", &h).await, 401, "replayed", Some("X-WardPay-Signature"));
    // Signatures are remembered in the database: another server on it refuses them too.
    let other = start(t.reconnect().await, None).await;
    assert_error(&send_raw(&other, "GET", &path, b"", &h).await, 401, "replayed", Some("X-WardPay-Signature"));
    assert!(dvc_nonce::Entity::find().count(&t.db).await.expect("count") >= 2);
    assert_eq!(payment_request::Entity::find().count(&t.db).await.expect("count"), 1);
    other.shutdown().await.expect("shutdown");
    srv.shutdown().await.expect("shutdown");
    cleanup(t).await;
}

async fn idempotency_keys_return_the_first_response(engine: Engine) {
    let Some(t) = fresh_db(engine).await else { return };
    let srv = start(t.db.clone(), None).await;
    let body = request(CODE).to_string().into_bytes();
    let first = send_raw(&srv, "POST", CREATE, &body, &signed_headers("POST", CREATE, &body, ts(), SECRET, Some("idem-1"))).await;
    assert_eq!(first.status, 201);
    assert!(first.headers.get("idempotent-replayed").is_none());
    // A retry: signed anew (another timestamp), same key and body.
    let retry = send_raw(&srv, "POST", CREATE, &body, &signed_headers("POST", CREATE, &body, ts(), SECRET, Some("idem-1"))).await;
    assert_eq!(retry.status, 201, "the first response again");
    assert_eq!(retry.body, first.body);
    assert_eq!(retry.headers.get("idempotent-replayed").and_then(|v| v.to_str().ok()), Some("true"));
    assert_eq!(payment_request::Entity::find().count(&t.db).await.expect("count"), 1);
    // The same key for another request.
    let other = request("000.00.01.H26-241124-0009");
    let r = post(&srv, CREATE, &other, "idem-1").await;
    assert_error(&r, 409, "idempotency_key_reused", Some("Idempotency-Key"));
    assert!(service::find_by_code(&t.db, "000.00.01.H26-241124-0009").await.expect("q").is_none());
    // A refusal is a response too.
    let mut bad = request("000.00.01.H26-241124-0010");
    bad["counter_number"] = json!(42);
    assert_error(&post(&srv, CREATE, &bad, "idem-2").await, 422, "invalid", Some("counter_number"));
    let r = post(&srv, CREATE, &bad, "idem-2").await;
    assert_error(&r, 422, "invalid", Some("counter_number"));
    assert_eq!(r.headers.get("idempotent-replayed").and_then(|v| v.to_str().ok()), Some("true"));
    // POSTs need a key; GETs do not.
    let r = send_raw(&srv, "POST", CREATE, &body, &signed_headers("POST", CREATE, &body, ts(), SECRET, None)).await;
    assert_error(&r, 400, "bad_request", Some("Idempotency-Key"));
    assert_eq!(get(&srv, &status_path(CODE)).await.status, 200);
    srv.shutdown().await.expect("shutdown");
    cleanup(t).await;
}

async fn callbacks_are_retried_and_survive_a_restart(engine: Engine) {
    let Some(t) = fresh_db(engine).await else { return };
    let (portal, url, stop) = portal(1).await;
    let srv = start(t.db.clone(), Some(&url)).await;
    assert_eq!(post(&srv, CREATE, &request(CODE), &new_key()).await.status, 201);
    let pr = latest_request(&srv, CODE).await;
    // Cash straight from the draft (allowed by the state machine), then the paying path's hook.
    payments::pay_manually(&srv.backend, pr.id, pr.version, PaymentMethod::Cash, Some("Người cao tuổi".into()), None, "officer")
        .await
        .expect("paid");
    assert!(service::enqueue_if_dvc(&t.db, pr.id, DvcEvent::ReceiptIssued).await.expect("enqueue"));
    assert!(service::enqueue_if_dvc(&t.db, pr.id, DvcEvent::ReceiptIssued).await.expect("enqueue twice"), "harmless");
    eventually("a retry after the 500", async || portal.calls().iter().any(|c| c.answered == 200)).await;
    let calls = portal.calls();
    assert_eq!(calls.iter().map(|c| c.answered).collect::<Vec<_>>(), vec![500, 200]);
    let ids: Vec<Value> = calls.iter().map(|c| serde_json::from_slice::<Value>(&c.body).expect("json")["event_id"].clone()).collect();
    assert_eq!(ids[0], ids[1], "a retry is the same event");
    for c in &calls {
        auth::verify(SECRET, "POST", &c.path, &c.headers, &c.body, now()).expect("each attempt is signed anew");
    }
    // The portal answered before WardPay wrote down its answer.
    eventually("the row marked delivered", async || {
        dvc_outbox::Entity::find().one(&t.db).await.expect("q").is_some_and(|r| r.status == "delivered")
    })
    .await;
    let row = dvc_outbox::Entity::find().one(&t.db).await.expect("q").expect("row");
    assert_eq!((row.status.as_str(), row.attempts, row.last_status), ("delivered", 2, Some(200)));
    assert_eq!(dvc_outbox::Entity::find().count(&t.db).await.expect("count"), 1, "one row per event");

    // The portal is down; WardPay restarts; the callback still arrives.
    portal.failures_left.store(1_000, Ordering::SeqCst);
    let code2 = "000.00.01.H26-241124-0002";
    assert_eq!(post(&srv, CREATE, &request(code2), &new_key()).await.status, 201);
    let pr2 = latest_request(&srv, code2).await;
    payments::pay_manually(&srv.backend, pr2.id, pr2.version, PaymentMethod::Cash, Some("không có tài khoản".into()), None, "officer")
        .await
        .expect("paid");
    eventually("a failed attempt", async || {
        dvc_outbox::Entity::find()
            .filter(dvc_outbox::Column::PaymentRequestId.eq(pr2.id))
            .one(&t.db)
            .await
            .expect("q")
            .is_some_and(|r| r.attempts >= 1 && r.last_status == Some(500))
    })
    .await;
    srv.shutdown().await.expect("shutdown");
    portal.failures_left.store(0, Ordering::SeqCst);
    let srv = start(t.reconnect().await, Some(&url)).await;
    eventually("delivery after the restart", async || {
        dvc_outbox::Entity::find()
            .filter(dvc_outbox::Column::PaymentRequestId.eq(pr2.id))
            .one(&t.db)
            .await
            .expect("q")
            .is_some_and(|r| r.status == "delivered")
    })
    .await;
    let last = portal.calls().pop().expect("call");
    assert_eq!(serde_json::from_slice::<Value>(&last.body).expect("json")["payment_request"]["dossier_code"], code2);
    srv.shutdown().await.expect("shutdown");
    stop.cancel();
    cleanup(t).await;
}

async fn the_portal_can_cancel(engine: Engine) {
    let Some(t) = fresh_db(engine).await else { return };
    let srv = start(t.db.clone(), None).await;
    let c = first_counter(&srv).await;
    let cancel = format!("{}/cancel", status_path(CODE));
    assert_eq!(post(&srv, CREATE, &request(CODE), &new_key()).await.status, 201);
    let pr = latest_request(&srv, CODE).await;
    service::confirm(&srv.backend, pr.id, "officer").await.expect("confirm");
    assert!(payments::counter_current(&t.db, c).await.expect("q").is_some_and(|v| v.state == PaymentState::QrIssued));
    // An empty body is allowed.
    let r = send_raw(&srv, "POST", &cancel, b"", &signed_headers("POST", &cancel, b"", ts(), SECRET, Some(&new_key()))).await;
    assert_eq!(r.status, 200, "{:#}", r.body);
    assert_conforms("PaymentRequestStatus", &r.body);
    assert_eq!(r.body["state"], "cancelled");
    assert!(
        payments::counter_current(&t.db, c).await.expect("q").is_none_or(|v| v.state != PaymentState::QrIssued),
        "the code left the kiosk"
    );
    let r = post(&srv, &cancel, &json!({ "reason": "Công dân rút hồ sơ" }), &new_key()).await;
    assert_eq!((r.status, r.body["state"].as_str()), (200, Some("cancelled")), "cancelling again is harmless");
    assert_eq!(get(&srv, &status_path(CODE)).await.body["state"], "cancelled");
    // Sending the dossier again reopens it.
    let r = post(&srv, CREATE, &request(CODE), &new_key()).await;
    assert_eq!((r.status, r.body["state"].as_str()), (200, Some("draft")), "{:#}", r.body);
    // Paid dossiers stay paid; unknown ones are 404.
    let pr = latest_request(&srv, CODE).await;
    payments::pay_manually(&srv.backend, pr.id, pr.version, PaymentMethod::Cash, Some("không có tài khoản".into()), None, "officer")
        .await
        .expect("paid");
    assert_error(&post(&srv, &cancel, &json!({}), &new_key()).await, 409, "conflict", None);
    let unknown = format!("{}/cancel", status_path("000.00.01.H26-241124-0077"));
    assert_error(&post(&srv, &unknown, &json!({}), &new_key()).await, 404, "not_found", Some("dossier_code"));
    assert_error(&post(&srv, &cancel, &json!({ "why": 1 }), &new_key()).await, 422, "invalid", Some("why"));
    srv.shutdown().await.expect("shutdown");
    cleanup(t).await;
}

async fn openapi_document_is_served_and_consistent(engine: Engine) {
    let Some(t) = fresh_db(engine).await else { return };
    let srv = start(t.db.clone(), None).await;
    let r = http().get(format!("{}/api/dvc/v1/openapi.json", srv.base_url())).send().await.expect("get");
    assert_eq!(r.status(), 200, "no signature needed");
    assert!(r.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").starts_with("application/json"));
    let doc: Value = r.json().await.expect("json");
    assert_eq!(doc, openapi());
    assert_eq!(doc["openapi"], "3.1.0");
    let text = doc.to_string();
    for portal_name in ["MaHoSo", "MaTTHC", "TenTTHC", "MaDonVi", "TenDonVi", "PhiLePhi", "TongTien"] {
        assert!(text.contains(portal_name), "the document maps {portal_name}");
    }
    for (path, method) in [
        (CREATE, "post"),
        ("/api/dvc/v1/payment-requests/{dossier_code}", "get"),
        ("/api/dvc/v1/payment-requests/{dossier_code}/cancel", "post"),
        ("/api/dvc/v1/openapi.json", "get"),
    ] {
        assert!(doc["paths"][path][method].is_object(), "{method} {path} is documented");
    }
    for name in doc["components"]["schemas"].as_object().expect("schemas").keys() {
        validator(name);
    }
    // The examples and the simulator's request are valid input; bad input is not.
    for example in doc["components"]["schemas"]["PaymentRequestInput"]["examples"].as_array().expect("examples") {
        assert_conforms("PaymentRequestInput", example);
    }
    assert_conforms("PaymentRequestInput", &server::dvc::simulate::demo_request(CODE, 1));
    assert_conforms("PaymentRequestInput", &request(CODE));
    assert!(!validator("PaymentRequestInput").is_valid(&json!({ "dossier_code": CODE })));
    // Unknown endpoints under the API answer in its error format.
    let r = get(&srv, "/api/dvc/v1/nothing-here").await;
    assert_error(&r, 404, "not_found", None);
    srv.shutdown().await.expect("shutdown");
    cleanup(t).await;
}

async fn demo_mode_has_a_demo_key_and_the_simulator_uses_it(engine: Engine) {
    let Some(t) = fresh_db(engine).await else { return };
    let srv = server::start_with_db(t.db.clone(), &common::serve_args()).await.expect("demo server");
    let demo = dvc_client::Entity::find().filter(dvc_client::Column::KeyId.eq("demo")).one(&t.db).await.expect("q").expect("demo key");
    assert!(demo.active && demo.secret.len() >= 32);
    assert!(!format!("{demo:?}").contains(&demo.secret), "Debug hides the secret");
    // The simulator reads the demo key from the database (SQLite) or takes --secret.
    let common_args = server::config::CommonArgs {
        database_url: t.url.clone().into(),
        log_level: "info".into(),
        log_format: server::config::LogFormat::Text,
    };
    let args = server::dvc::simulate::SimulateDvcArgs {
        url: srv.base_url(),
        key_id: "demo".into(),
        secret: (engine == Engine::Postgres).then(|| demo.secret.clone()),
        counter: 2,
        dossier_code: Some(CODE.into()),
        copies: 3,
        receive: false,
        listen: "127.0.0.1:0".parse().expect("addr"),
        wait_secs: 1,
    };
    server::dvc::simulate::run(&common_args, &args).await.expect("simulated portal request");
    let d = service::find_by_code(&t.db, CODE).await.expect("q").expect("dossier");
    assert_eq!((d.source.as_str(), d.created_by.as_str(), d.total), ("dvc", "dvc:demo", 21_000));
    let pending = service::pending_for_counter(&t.db, d.counter_id).await.expect("pending");
    assert_eq!(pending.len(), 1);
    // The demo key survives a restart (the simulator keeps working).
    srv.shutdown().await.expect("shutdown");
    let srv = server::start_with_db(t.reconnect().await, &common::serve_args()).await.expect("restart");
    let again = dvc_client::Entity::find().filter(dvc_client::Column::KeyId.eq("demo")).one(&t.db).await.expect("q").expect("demo key");
    assert_eq!(again.secret, demo.secret);
    // Counter dossiers are not the portal's: the hook ignores them.
    let item =
        payments::catalog(&t.db, d.ward_id).await.expect("catalog").into_iter().find(|i| i.procedure_code == "DEMO-CT02").expect("item");
    let row = payments::create_dossier(
        &srv.backend,
        app::model::NewDossier {
            counter_id: d.counter_id,
            applicant_name: "Lê Văn Cường".into(),
            id_number: None,
            phone: None,
            lines: vec![app::model::LineRequest { fee_item_id: item.id, quantity: 1, pages: None, exempt_reason: None }],
            request_key: None,
        },
        payments::Source::Counter,
        None,
        "officer",
    )
    .await
    .expect("counter dossier");
    let pr = row.payment.expect("payment");
    assert!(!service::enqueue_if_dvc(&t.db, pr.id, DvcEvent::Paid).await.expect("hook"));
    srv.shutdown().await.expect("shutdown");
    cleanup(t).await;
}

#[test]
fn a_malformed_key_is_refused_without_printing_its_secret() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_wardpay"))
        .arg("migrate")
        .env("DATABASE_URL", "sqlite://unused.sqlite")
        .env("WARDPAY_DVC_KEYS", "portal:tooshort-s3cr3t")
        .output()
        .expect("run wardpay");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("WARDPAY_DVC_KEYS") && err.contains("16 characters"), "{err}");
    assert!(!err.contains("s3cr3t"), "the secret must not be printed: {err}");
}

/// Two servers on one database, as behind a load balancer: a retried request that lands on the
/// other server gets the first answer, not a second dossier, and both servers' outbox workers
/// run at once without calling the portal twice for one event.
async fn two_servers_share_idempotency_keys_and_deliver_each_callback_once(engine: Engine) {
    let Some(t) = fresh_db(engine).await else { return };
    let (portal, url, stop) = portal(0).await;
    let a = start(t.db.clone(), Some(&url)).await;
    // Its own pool on PostgreSQL, as another process has; SQLite has one server process.
    let pool_b = match engine {
        Engine::Postgres => t.reconnect().await,
        Engine::Sqlite => t.db.clone(),
    };
    let b = start(pool_b, Some(&url)).await;
    // The same request and key to A, then to B (the portal's retry went elsewhere).
    let first = post(&a, CREATE, &request(CODE), "idem-shared").await;
    assert_eq!(first.status, 201, "{:#}", first.body);
    let retry = post(&b, CREATE, &request(CODE), "idem-shared").await;
    assert_eq!(retry.status, 201);
    assert_eq!(retry.body, first.body, "the first answer, from the other server");
    assert_eq!(retry.headers.get("idempotent-replayed").and_then(|v| v.to_str().ok()), Some("true"));
    // Twelve dossiers over both servers, each paid: twelve callbacks.
    let mut expected = Vec::new();
    for i in 0..12 {
        let code = format!("000.00.01.H26-241124-{:04}", 100 + i);
        let srv = if i % 2 == 0 { &a } else { &b };
        assert_eq!(post(srv, CREATE, &request(&code), &new_key()).await.status, 201);
        let pr = latest_request(srv, &code).await;
        payments::pay_manually(&srv.backend, pr.id, pr.version, PaymentMethod::Cash, Some("Người cao tuổi".into()), None, "officer")
            .await
            .expect("paid");
        expected.push(code);
    }
    eventually("every callback delivered", async || {
        dvc_outbox::Entity::find().all(&t.db).await.expect("q").iter().all(|r| r.status == "delivered")
            && portal.calls().len() >= expected.len()
    })
    .await;
    // Both workers keep polling for a moment; nothing is sent again.
    tokio::time::sleep(Duration::from_millis(800)).await;
    let mut events: Vec<String> = portal
        .calls()
        .iter()
        .map(|c| serde_json::from_slice::<Value>(&c.body).expect("json")["event_id"].as_str().unwrap_or_default().to_string())
        .collect();
    let sent = events.len();
    events.sort();
    events.dedup();
    assert_eq!(events.len(), sent, "no event was delivered twice");
    assert_eq!(dvc_outbox::Entity::find().count(&t.db).await.expect("count") as usize, sent, "one call per outbox row");
    let dossiers: Vec<String> = portal
        .calls()
        .iter()
        .map(|c| {
            serde_json::from_slice::<Value>(&c.body).expect("json")["payment_request"]["dossier_code"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    for code in &expected {
        assert!(dossiers.contains(code), "{code} was called back");
    }
    a.shutdown().await.expect("shutdown a");
    b.shutdown().await.expect("shutdown b");
    stop.cancel();
    cleanup(t).await;
}
