//! `wardpay simulate-dvc`: plays the portal. Sends a signed payment request for a demo
//! dossier and, with `--receive`, runs a small callback receiver on loopback that prints
//! (and checks the signature of) every callback WardPay sends.

use super::auth;
use crate::config::CommonArgs;
use app::backend::entity::dvc_client;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::routing::post;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::sync::mpsc;

#[derive(Clone, clap::Args)]
pub struct SimulateDvcArgs {
    /// WardPay's base URL.
    #[arg(long, default_value = "http://127.0.0.1:3000")]
    pub url: String,
    /// The API key id to sign with.
    #[arg(long, default_value = "demo")]
    pub key_id: String,
    /// The key's secret. Without it, the secret of `--key-id` is read from the database
    /// (`--database-url`), where a demo server keeps its generated `demo` key.
    #[arg(long, env = "WARDPAY_DVC_SECRET", hide_env_values = true)]
    pub secret: Option<String>,
    /// The counter the dossier goes to.
    #[arg(long, default_value_t = 1)]
    pub counter: i32,
    /// The dossier code (MaHoSo); a new demo code by default. Sending a code again with
    /// other `--copies` plays the portal updating that dossier.
    #[arg(long)]
    pub dossier_code: Option<String>,
    /// Certified copies of the 5-page demo document (7.000đ each).
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub copies: u32,
    /// Start a callback receiver and print the callbacks. When the secret came from the
    /// database and the key has no callback URL, the key's callback URL is pointed at it.
    #[arg(long, default_value_t = false)]
    pub receive: bool,
    /// Where the receiver listens (loopback only).
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: SocketAddr,
    /// With `--receive`: how long to wait for the receipt callback, in seconds.
    #[arg(long, default_value_t = 900)]
    pub wait_secs: u64,
}

impl std::fmt::Debug for SimulateDvcArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimulateDvcArgs")
            .field("url", &self.url)
            .field("key_id", &self.key_id)
            .field("secret", &self.secret.as_ref().map(|_| "***"))
            .field("counter", &self.counter)
            .field("dossier_code", &self.dossier_code)
            .field("receive", &self.receive)
            .field("listen", &self.listen)
            .finish()
    }
}

/// The demo dossier: 3 certified copies of a 5-page document (21.000đ, docs/domain.md §3).
pub fn demo_request(dossier_code: &str, counter: i32) -> serde_json::Value {
    demo_request_with(dossier_code, counter, 3)
}

/// The demo dossier with `copies` certified copies of the 5-page document (7.000đ each).
pub fn demo_request_with(dossier_code: &str, counter: i32, copies: u32) -> serde_json::Value {
    let amount = 7_000 * i64::from(copies);
    serde_json::json!({
        "dossier_code": dossier_code,
        "procedure_code": "DEMO-CT01",
        "procedure_name": "Chứng thực bản sao từ bản chính",
        "agency_code": app::backend::seed::DEMO_WARD_CODE,
        "applicant_name": "Nguyễn Văn An",
        "id_number": "001088012345",
        "phone": "0912345678",
        "counter_number": counter,
        "lines": [{ "catalog_code": "DEMO-CT01", "quantity": copies, "pages": 5, "amount": amount }],
        "total": amount
    })
}

/// A fresh code of the portal's shape for today: `<demo ward>-<YYMMDD>-<NNNN>`.
pub fn demo_dossier_code() -> String {
    let day = app::time::to_vn(chrono::Utc::now()).format("%y%m%d");
    format!("{}-{day}-{}", app::backend::seed::DEMO_WARD_CODE, 5000 + rand::random::<u32>() % 5000)
}

/// Sends one signed request; returns the status and the body.
#[allow(clippy::too_many_arguments)]
pub async fn send_signed(
    http: &reqwest::Client,
    base: &str,
    key_id: &str,
    secret: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<&serde_json::Value>,
    idempotency_key: Option<&str>,
) -> Result<(u16, serde_json::Value), String> {
    let bytes = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
    let signed = auth::sign_request(key_id, secret, method.as_str(), path, &bytes, chrono::Utc::now().timestamp());
    let mut req = http.request(method, format!("{}{path}", base.trim_end_matches('/')));
    for (k, v) in signed.pairs() {
        req = req.header(k, v);
    }
    if let Some(k) = idempotency_key {
        req = req.header("Idempotency-Key", k);
    }
    if body.is_some() {
        req = req.header("content-type", "application/json").body(bytes);
    }
    let resp = req.send().await.map_err(|e| format!("cannot reach WardPay at {base}: {e}"))?;
    let status = resp.status().as_u16();
    let text = resp.text().await.map_err(|e| e.to_string())?;
    Ok((status, serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text))))
}

#[derive(Clone)]
struct Receiver {
    key_id: String,
    secret: String,
    tx: mpsc::UnboundedSender<serde_json::Value>,
}

async fn receive(State(r): State<Receiver>, uri: Uri, headers: HeaderMap, body: Bytes) -> StatusCode {
    let check = auth::verify(&r.secret, "POST", uri.path(), &headers, &body, chrono::Utc::now().timestamp());
    let key = headers.get(auth::HEADER_KEY_ID).and_then(|v| v.to_str().ok()).unwrap_or("");
    let value: serde_json::Value = serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null);
    match check {
        Ok(()) if key == r.key_id => {
            println!("callback (signature ok):\n{}", serde_json::to_string_pretty(&value).unwrap_or_default());
            let _ = r.tx.send(value);
            StatusCode::OK
        }
        Ok(()) => {
            println!("callback signed with another key id ({key:?}): refused");
            StatusCode::UNAUTHORIZED
        }
        Err(e) => {
            println!("callback with a bad signature ({}): refused", e.code());
            StatusCode::UNAUTHORIZED
        }
    }
}

pub async fn run(common: &CommonArgs, args: &SimulateDvcArgs) -> Result<(), String> {
    if args.receive && !args.listen.ip().is_loopback() {
        return Err("--listen must be a loopback address (127.0.0.1:PORT)".into());
    }
    let (secret, db) = match &args.secret {
        Some(s) => (s.clone(), None),
        None => {
            let db = app::backend::db::connect(common.database_url.expose(), None).await.map_err(|e| e.to_string())?;
            let client = dvc_client::Entity::find()
                .filter(dvc_client::Column::KeyId.eq(args.key_id.as_str()))
                .filter(dvc_client::Column::Active.eq(true))
                .one(&db)
                .await
                .map_err(|e| e.to_string())?
                .ok_or_else(|| {
                    format!(
                        "no --secret given and no active key {:?} in {}; pass --secret (or WARDPAY_DVC_SECRET), or start WardPay with --demo on this database",
                        args.key_id,
                        app::backend::db::redact(common.database_url.expose())
                    )
                })?;
            (client.secret.clone(), Some((db, client)))
        }
    };
    let mut callbacks = None;
    if args.receive {
        let (tx, rx) = mpsc::unbounded_channel();
        let listener = tokio::net::TcpListener::bind(args.listen).await.map_err(|e| format!("cannot listen on {}: {e}", args.listen))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let app = axum::Router::new().route("/dvc/callback", post(receive)).with_state(Receiver {
            key_id: args.key_id.clone(),
            secret: secret.clone(),
            tx,
        });
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        let url = format!("http://{addr}/dvc/callback");
        println!("callback receiver: {url}");
        match &db {
            Some((db, client)) if client.callback_url.is_none() => {
                dvc_client::Entity::update_many()
                    .col_expr(dvc_client::Column::CallbackUrl, Expr::value(Some(url.clone())))
                    .filter(dvc_client::Column::Id.eq(client.id))
                    .exec(db)
                    .await
                    .map_err(|e| e.to_string())?;
                println!("key {:?} now calls back to it (until WardPay restarts)", args.key_id);
            }
            Some((_, client)) => println!(
                "key {:?} calls back to {}; start WardPay with WARDPAY_DVC_CALLBACK_URL={url} to receive here",
                args.key_id,
                client.callback_url.as_deref().unwrap_or("")
            ),
            None => println!("start WardPay with WARDPAY_DVC_CALLBACK_URL={url} to receive callbacks here"),
        }
        callbacks = Some(rx);
    }
    let http = reqwest::Client::builder().timeout(Duration::from_secs(15)).build().map_err(|e| e.to_string())?;
    let code = args.dossier_code.clone().unwrap_or_else(demo_dossier_code);
    let body = demo_request_with(&code, args.counter, args.copies);
    let idem = uuid::Uuid::new_v4().to_string();
    let (status, resp) = send_signed(
        &http,
        &args.url,
        &args.key_id,
        &secret,
        reqwest::Method::POST,
        "/api/dvc/v1/payment-requests",
        Some(&body),
        Some(&idem),
    )
    .await?;
    println!("POST /api/dvc/v1/payment-requests → {status}\n{}", serde_json::to_string_pretty(&resp).unwrap_or_default());
    if !(200..300).contains(&status) {
        return Err(format!("WardPay refused the payment request ({status})"));
    }
    println!("dossier {code} waits at counter {} for the officer to confirm it", args.counter);
    if let Some(mut rx) = callbacks {
        println!("waiting for callbacks (confirm and pay the dossier in WardPay; Ctrl-C to stop)...");
        let deadline = tokio::time::sleep(Duration::from_secs(args.wait_secs));
        tokio::pin!(deadline);
        loop {
            tokio::select! {
                _ = &mut deadline => return Err("no receipt callback before --wait-secs".into()),
                _ = tokio::signal::ctrl_c() => return Ok(()),
                got = rx.recv() => match got {
                    Some(v) if v["event"] == "receipt_issued" && v["payment_request"]["dossier_code"] == code.as_str() => return Ok(()),
                    Some(_) => {}
                    None => return Err("the callback receiver stopped".into()),
                },
            }
        }
    }
    Ok(())
}
