//! Bank notification intake over HTTP: `POST /api/bank/{sepay,casso,payos}`.
//!
//! Order of work for every request: size limit, then the provider's signature over the raw
//! bytes (before anything from the body is trusted), then a durable commit of the raw body,
//! headers and parsed transaction, and only then the provider's success answer. Concurrent
//! notifications share one transaction (group commit), because one fsync per notification
//! cannot keep up with the disk here; none is acknowledged before its batch is synced.

use app::backend::bank::{self, Incoming, Outcome};
use app::backend::changes::ChangeFeed;
use app::backend::entity::{intake_rejection, ward};
use app::backend::{Backend, BackendError};
use axum::body::{to_bytes, Body};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use bankfeed::Provider;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{EntityTrait, Set, TransactionTrait};
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::Mutex;
use std::time::SystemTime;
use tokio::sync::{mpsc, oneshot};

/// At most this many notifications share one commit.
const MAX_BATCH: usize = 256;

/// Secrets per provider; several at once so that keys can be rotated without downtime.
#[derive(Clone, Debug, Default)]
pub struct BankKeys {
    pub sepay: Vec<String>,
    pub casso: Vec<String>,
    pub payos: Vec<String>,
}

impl BankKeys {
    pub fn for_provider(&self, p: Provider) -> &[String] {
        match p {
            Provider::Sepay => &self.sepay,
            Provider::Casso => &self.casso,
            Provider::Payos => &self.payos,
        }
    }
}

type Reply = oneshot::Sender<Result<Outcome, String>>;

/// The single writer that batches notifications into group commits.
#[derive(Clone)]
pub struct Intake {
    tx: mpsc::Sender<(Incoming, Reply)>,
    changes: ChangeFeed,
    pub keys: Arc<BankKeys>,
    rejections: Arc<Rejections>,
}

impl Intake {
    pub fn start(backend: Backend, keys: BankKeys) -> Intake {
        let (tx, rx) = mpsc::channel::<(Incoming, Reply)>(4096);
        let rejections = Arc::new(Rejections::default());
        tokio::spawn(writer(backend.clone(), rx));
        let changes = backend.changes.clone();
        tokio::spawn(flush_rejections(backend, rejections.clone()));
        Intake { tx, changes, keys: Arc::new(keys), rejections }
    }

    /// Tells the change feed which screens committed outcomes recorded elsewhere (a bank
    /// statement's credits) changed, as for the webhooks'.
    pub fn push_outcomes(&self, outcomes: &[Outcome]) {
        for o in outcomes {
            announce(&self.changes, o);
        }
    }

    /// Writes the refusals counted so far (the background task does it every second).
    pub async fn flush_rejections(&self, backend: &Backend) -> Result<(), BackendError> {
        self.rejections.flush(backend).await
    }

    /// Re-reads which collection account is whose (the background task does it every 30 s).
    pub async fn refresh_ward_accounts(&self, backend: &Backend) -> Result<(), BackendError> {
        self.rejections.refresh_accounts(backend).await
    }

    /// Records an authenticated notification; returns once its batch is committed.
    pub async fn submit(&self, inc: Incoming) -> Result<Outcome, String> {
        let (reply, wait) = oneshot::channel();
        self.tx.send((inc, reply)).await.map_err(|_| "intake stopped".to_string())?;
        wait.await.map_err(|_| "intake stopped".to_string())?
    }
}

/// The counters and wards whose screens an outcome changed, told to the change feed.
fn announce(changes: &ChangeFeed, o: &Outcome) {
    match o {
        Outcome::Matched { counter_id } | Outcome::Part { counter_id } => changes.counter(*counter_id),
        Outcome::Exception { ward_id, counter_id, .. } => {
            if let Some(c) = counter_id {
                changes.counter(*c);
            }
            if let Some(w) = ward_id {
                changes.ward(*w);
            }
        }
        _ => {}
    }
}

/// Screens are rebuilt off the writer's path: the feed's push task coalesces the batches'
/// changes while the next batch is written.
async fn writer(backend: Backend, mut rx: mpsc::Receiver<(Incoming, Reply)>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let items = std::mem::take(&mut batch);
        let (incoming, replies): (Vec<Incoming>, Vec<Reply>) = items.into_iter().unzip();
        match commit_batch(&backend, &incoming).await {
            Ok(outcomes) => {
                for (o, reply) in outcomes.into_iter().zip(replies) {
                    announce(&backend.changes, &o);
                    let _ = reply.send(Ok(o));
                }
            }
            Err(e) => {
                // Nothing of this batch is acknowledged: the providers retry, and the
                // unique transaction ids make the retry count once.
                tracing::error!(error = %e, size = incoming.len(), "intake batch failed");
                for reply in replies {
                    let _ = reply.send(Err(e.to_string()));
                }
            }
        }
    }
}

async fn commit_batch(backend: &Backend, incoming: &[Incoming]) -> Result<Vec<Outcome>, BackendError> {
    let txn = backend.db.begin().await?;
    let mut outcomes = Vec::with_capacity(incoming.len());
    for inc in incoming {
        outcomes.push(bank::record(&txn, inc).await?);
    }
    txn.commit().await?;
    Ok(outcomes)
}

fn provider_of(name: &str) -> Option<Provider> {
    match name {
        "sepay" => Some(Provider::Sepay),
        "casso" => Some(Provider::Casso),
        "payos" => Some(Provider::Payos),
        _ => None,
    }
}

fn error_response(status: StatusCode, code: &str, message: String) -> Response {
    (status, axum::Json(json!({ "success": false, "error": { "code": code, "message": message } }))).into_response()
}

/// One bucket of refusals: provider, reason, the ward whose account the (unverified) body
/// named (0 for none), hour. The key space is providers × reasons × (wards + 1) per hour,
/// whatever the senders put in their bodies.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct RejectionKey {
    provider: &'static str,
    reason: &'static str,
    ward_id: i64,
    hour: i64,
}

struct RejectionCount {
    count: i64,
    first_at: chrono::DateTime<chrono::Utc>,
    last_at: chrono::DateTime<chrono::Utc>,
    status: u16,
    sample_error: String,
    sample_excerpt: String,
}

impl RejectionCount {
    fn merge(&mut self, other: RejectionCount) {
        self.count += other.count;
        self.first_at = self.first_at.min(other.first_at);
        self.last_at = self.last_at.max(other.last_at);
    }
}

/// Refused notifications are counted in memory and written once a second, one upsert per
/// bucket: a flood of forged requests costs a counter increment each, not a row each, and
/// every kind of refusal keeps its own row, so a real "wrong key" alarm stays in view.
#[derive(Default)]
struct Rejections {
    pending: Mutex<HashMap<RejectionKey, RejectionCount>>,
    /// Collection account → ward, refreshed by the flush task.
    accounts: std::sync::RwLock<HashMap<String, i64>>,
}

impl Rejections {
    fn count(&self, provider: Provider, reason: &'static str, status: StatusCode, error: &str, body: &[u8]) {
        let now = chrono::Utc::now();
        let ward_id =
            claimed_account(body).and_then(|a| self.accounts.read().unwrap_or_else(|p| p.into_inner()).get(&a).copied()).unwrap_or(0);
        let key = RejectionKey { provider: provider.as_str(), reason, ward_id, hour: now.timestamp().div_euclid(3600) };
        let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        let entry = pending.entry(key).or_insert_with(|| RejectionCount {
            count: 0,
            first_at: now,
            last_at: now,
            status: status.as_u16(),
            sample_error: error.chars().take(500).collect(),
            sample_excerpt: String::from_utf8_lossy(&body[..body.len().min(512)]).into_owned(),
        });
        entry.count += 1;
        entry.last_at = now;
    }

    async fn refresh_accounts(&self, backend: &Backend) -> Result<(), BackendError> {
        let map: HashMap<String, i64> = ward::Entity::find().all(&backend.db).await?.into_iter().map(|w| (w.bank_account, w.id)).collect();
        *self.accounts.write().unwrap_or_else(|p| p.into_inner()) = map;
        Ok(())
    }

    async fn flush(&self, backend: &Backend) -> Result<(), BackendError> {
        let mut batch: Vec<(RejectionKey, RejectionCount)> = {
            let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
            pending.drain().collect()
        };
        while let Some((k, c)) = batch.pop() {
            if let Err(e) = upsert_rejections(backend, &k, &c).await {
                // Not written: back into the buffer (merged with what came since), for the next flush.
                let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
                for (k, c) in batch.into_iter().chain(std::iter::once((k, c))) {
                    match pending.get_mut(&k) {
                        Some(existing) => existing.merge(c),
                        None => {
                            pending.insert(k, c);
                        }
                    }
                }
                return Err(e);
            }
        }
        Ok(())
    }
}

async fn upsert_rejections(backend: &Backend, k: &RejectionKey, c: &RejectionCount) -> Result<(), BackendError> {
    let bucket = chrono::DateTime::from_timestamp(k.hour * 3600, 0).unwrap_or(c.first_at);
    let row = intake_rejection::ActiveModel {
        provider: Set(k.provider.into()),
        reason: Set(k.reason.into()),
        ward_id: Set(k.ward_id),
        bucket_start: Set(bucket),
        count: Set(c.count),
        first_at: Set(c.first_at),
        last_at: Set(c.last_at),
        status: Set(i32::from(c.status)),
        sample_error: Set(c.sample_error.clone()),
        sample_excerpt: Set(c.sample_excerpt.clone()),
        ..Default::default()
    };
    intake_rejection::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([
                intake_rejection::Column::Provider,
                intake_rejection::Column::Reason,
                intake_rejection::Column::WardId,
                intake_rejection::Column::BucketStart,
            ])
            .value(intake_rejection::Column::Count, Expr::cust("intake_rejection.count + excluded.count"))
            .value(intake_rejection::Column::LastAt, Expr::cust("excluded.last_at"))
            .to_owned(),
        )
        .exec_without_returning(&backend.db)
        .await?;
    Ok(())
}

async fn flush_rejections(backend: Backend, rejections: Arc<Rejections>) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
    let mut ticks: u64 = 0;
    loop {
        tick.tick().await;
        // Wards and their accounts change rarely: re-read them every half minute.
        if ticks.is_multiple_of(30) {
            if let Err(e) = rejections.refresh_accounts(&backend).await {
                tracing::warn!(error = %e, "could not read the wards' accounts for the intake log");
            }
        }
        ticks += 1;
        if let Err(e) = rejections.flush(&backend).await {
            tracing::error!(error = %e, "could not write the intake log; kept for the next try");
        }
        // The intake is gone (server stopped): one last flush above, then stop.
        if Arc::strong_count(&rejections) == 1 {
            break;
        }
    }
}

/// The collection account a refused body claims to be about, to file the refusal under a
/// ward. Unverified by definition: used only to group counts, never to book anything.
fn claimed_account(body: &[u8]) -> Option<String> {
    fn find(v: &serde_json::Value, depth: u8) -> Option<String> {
        match v {
            serde_json::Value::Object(m) => {
                for (k, val) in m {
                    let k = k.to_ascii_lowercase();
                    if matches!(k.as_str(), "accountnumber" | "account_number" | "bank_sub_acc_id" | "subaccount") {
                        let text = match val {
                            serde_json::Value::String(s) => s.clone(),
                            serde_json::Value::Number(n) => n.to_string(),
                            _ => continue,
                        };
                        let account: String = text.chars().filter(char::is_ascii_alphanumeric).take(32).collect();
                        if !account.is_empty() {
                            return Some(account);
                        }
                    }
                }
                (depth < 3).then(|| m.values().find_map(|x| find(x, depth + 1))).flatten()
            }
            serde_json::Value::Array(a) if depth < 3 => a.iter().take(4).find_map(|x| find(x, depth + 1)),
            _ => None,
        }
    }
    find(&serde_json::from_slice(body).ok()?, 0)
}

/// The headers worth keeping as evidence (never `Authorization`: it is a secret).
fn evidence_headers(headers: &HeaderMap) -> String {
    let keep = ["content-type", "user-agent", "x-sepay-timestamp", "x-sepay-signature", "x-casso-signature", "x-request-id"];
    let map: serde_json::Map<String, serde_json::Value> = headers
        .iter()
        .filter(|(k, _)| keep.contains(&k.as_str()))
        .map(|(k, v)| (k.as_str().to_string(), json!(v.to_str().unwrap_or(""))))
        .collect();
    serde_json::Value::Object(map).to_string()
}

/// Why a notification was not accepted, with the answer the provider gets.
pub struct Rejection {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

/// The whole intake path after HTTP: authenticate, persist, match. The HTTP handler and the
/// demo's simulated payment both go through it.
pub async fn accept<H: bankfeed::HeaderLookup + ?Sized>(
    intake: &Intake,
    provider: Provider,
    headers: &H,
    evidence: String,
    bytes: &[u8],
) -> Result<Outcome, Rejection> {
    let notification = match bankfeed::verify_and_parse(provider, bytes, headers, intake.keys.for_provider(provider), SystemTime::now()) {
        Ok(n) => n,
        Err(e) => {
            let status = StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
            tracing::warn!(provider = provider.as_str(), status = status.as_u16(), error = %e, "bank notification rejected");
            intake.rejections.count(provider, e.kind(), status, &e.to_string(), bytes);
            return Err(Rejection { status, code: e.kind(), message: e.to_string() });
        }
    };
    let incoming = Incoming {
        raw_body: String::from_utf8_lossy(bytes).into_owned(),
        headers_json: evidence,
        notification,
        source: bank::Source::Webhook,
    };
    match intake.submit(incoming).await {
        Ok(outcome) => {
            tracing::info!(?outcome, "bank notification recorded");
            Ok(outcome)
        }
        // Storage failed: a 5xx makes the provider retry later.
        Err(message) => Err(Rejection { status: StatusCode::SERVICE_UNAVAILABLE, code: "storage", message }),
    }
}

#[tracing::instrument(name = "bank_intake", skip(intake, headers, body))]
pub async fn receive(State(intake): State<Intake>, Path(provider_name): Path<String>, headers: HeaderMap, body: Body) -> Response {
    let Some(provider) = provider_of(&provider_name) else {
        return error_response(StatusCode::NOT_FOUND, "unknown_provider", format!("no intake for {provider_name:?}"));
    };
    let bytes = match to_bytes(body, bankfeed::MAX_BODY_BYTES).await {
        Ok(b) => b,
        Err(_) => {
            let msg = format!("body larger than {} bytes", bankfeed::MAX_BODY_BYTES);
            intake.rejections.count(provider, "body_too_large", StatusCode::PAYLOAD_TOO_LARGE, &msg, &[]);
            return error_response(StatusCode::PAYLOAD_TOO_LARGE, "body_too_large", msg);
        }
    };
    match accept(&intake, provider, &headers, evidence_headers(&headers), &bytes).await {
        Ok(_) => (StatusCode::OK, [("content-type", "application/json")], bankfeed::SUCCESS_BODY).into_response(),
        Err(r) => error_response(r.status, r.code, r.message),
    }
}

/// Demo mode's "simulate payment": a correctly signed SePay notification for the counter's
/// current code, with the text mangled the way banks do, through [`accept`].
pub async fn simulate_payment(intake: &Intake, backend: &Backend, counter_id: i64) -> Result<(), String> {
    use app::backend::entity::ward;
    use sea_orm::EntityTrait;
    let pr = app::backend::payments::current_payable(&backend.db, counter_id)
        .await
        .map_err(|e| e.to_string())?
        .ok_or("quầy không có mã QR nào đang chờ thanh toán (no payable code at this counter)")?;
    let w = ward::Entity::find_by_id(pr.ward_id).one(&backend.db).await.map_err(|e| e.to_string())?.ok_or("ward not found")?;
    let key = intake.keys.sepay.first().ok_or("no SePay key configured")?;
    let code: bankfeed::PaymentCode = pr.payment_code.parse().map_err(|e: bankfeed::CodeParseError| e.to_string())?;
    let id = i64::from(rand::random::<u32>()) + 1_000_000_000;
    let content = bankfeed::sign::mangled_content(&code, bankfeed::sign::Mangle::VcbGlued);
    // What the code on screen asks for: the amount, or after a part the rest.
    let asked = app::backend::received::still_due(&pr);
    let transfer = bankfeed::sign::SimTransfer::new(id, &w.bank_account, asked, &content);
    let body = bankfeed::sign::sepay_body(&transfer);
    let req = bankfeed::sign::sepay_hmac(&body, key, chrono::Utc::now().timestamp());
    let evidence = serde_json::to_string(&req.headers).unwrap_or_default();
    match accept(intake, Provider::Sepay, &req, evidence, &req.body).await {
        Ok(Outcome::Matched { .. } | Outcome::Part { .. }) => Ok(()),
        Ok(other) => Err(format!("the simulated payment was recorded as {other:?}")),
        Err(r) => Err(r.message),
    }
}
