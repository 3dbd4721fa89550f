//! The city's deployment in figures.
//!
//! * `cluster` — two servers on one PostgreSQL, kiosks spread over both, payments through the
//!   bank intake of either at a fixed rate: the time from the bank's acknowledged notification
//!   (the commit is before the answer) to the kiosk's frame showing the receipt.
//! * `idle` — many idle kiosk sockets on one server: the server's memory, with the kiosk clients
//!   in a child process so that the figure is the server's alone.

use super::{
    add_counters, drop_schema, issue_codes, machine_line, mib, pct, postgres_db, raise_nofile, rss_kib, serve_args, sqlite_db, summary,
    DEMO_ACCOUNT, SEPAY_KEY,
};
use app::backend::counters;
use app::model::{PaymentState, ServerMsg};
use clap::Args;
use futures_util::StreamExt;
use sea_orm::DatabaseConnection;
use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

#[derive(Debug, Args)]
pub struct ClusterArgs {
    /// PostgreSQL (a fresh schema is made and dropped afterwards).
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/test")]
    postgres_url: String,
    /// Kiosks in all, half on each server (one counter each, each with a code waiting).
    #[arg(long, short = 'n', default_value_t = 1000)]
    kiosks: usize,
    /// Payments per second through the intake, alternating between the two servers.
    #[arg(long, default_value_t = 100)]
    rate: u64,
    /// Payments in all (at most one per kiosk).
    #[arg(long, default_value_t = 1000)]
    payments: usize,
    /// Supervisors watching the ward's live figures on each server (their screens are
    /// rebuilt for every round of payments, beside the kiosks').
    #[arg(long, default_value_t = 1)]
    supervisors: usize,
}

#[derive(Debug, Args)]
pub struct IdleArgs {
    /// Idle kiosk sockets on the server.
    #[arg(long, short = 'n', default_value_t = 10_000)]
    sockets: usize,
    /// Seconds the sockets stay connected before the server's memory is read.
    #[arg(long, default_value_t = 10)]
    hold_secs: u64,
}

/// The child process of `idle`: connects the kiosks listed in `cookies` and holds them.
#[derive(Debug, Args)]
pub struct IdleClientsArgs {
    #[arg(long)]
    url: String,
    #[arg(long)]
    cookies: PathBuf,
}

/// Pairs a kiosk with each counter, as a ward does; the device cookie of each.
pub(super) async fn pair_kiosks(db: &DatabaseConnection, ids: &[i64]) -> Result<HashMap<i64, String>, String> {
    let pairer = app::backend::auth::StaffUser {
        account_id: 0,
        username: "bench".into(),
        display_name: "bench".into(),
        role: app::model::Role::Admin,
        ward_id: None,
        session_id: String::new(),
    };
    let mut cookies = HashMap::with_capacity(ids.len());
    for &id in ids {
        let (secret, code) = app::backend::kiosks::start_pairing(db, id, None, None).await.map_err(|e| e.to_string())?;
        app::backend::kiosks::approve(db, &code.code, None, "", &pairer).await.map_err(|e| e.to_string())?;
        cookies.insert(id, format!("{}={secret}", app::backend::auth::KIOSK_COOKIE));
    }
    Ok(cookies)
}

/// One kiosk's socket with small client buffers, after its first snapshot.
async fn connect_kiosk(base: &str, id: i64, cookie: &str) -> Result<Ws, String> {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let url = format!("{}/ws/counter/{id}", base.replace("http://", "ws://"));
    let config = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default().read_buffer_size(4096).write_buffer_size(0);
    let mut req = url.as_str().into_client_request().map_err(|e| e.to_string())?;
    req.headers_mut().insert("cookie", cookie.parse().map_err(|_| "cookie".to_string())?);
    req.headers_mut().insert("origin", base.parse().map_err(|_| "origin".to_string())?);
    let (mut ws, _) =
        tokio_tungstenite::connect_async_with_config(req, Some(config), true).await.map_err(|e| format!("connect {url}: {e}"))?;
    match tokio::time::timeout(Duration::from_secs(20), ws.next()).await {
        Ok(Some(Ok(Message::Text(t)))) => match serde_json::from_str::<ServerMsg>(&t) {
            Ok(ServerMsg::Counter(s)) if s.counter.id == id => Ok(ws),
            other => Err(format!("counter {id}: unexpected first message {other:?}")),
        },
        other => Err(format!("counter {id}: no snapshot ({other:?})")),
    }
}

/// A demo supervisor's ward socket on `base`, after its first frame.
async fn supervisor_socket(base: &str, ward_id: i64) -> Result<Ws, String> {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let r = reqwest::Client::new()
        .post(format!("{base}/api/login"))
        .header("origin", base)
        .form(&[("username", "truongbp"), ("password", app::backend::auth::DEMO_PASSWORD)])
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let cookie = r
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(app::backend::auth::SESSION_COOKIE))
        .and_then(|v| v.split(';').next())
        .ok_or("the supervisor did not get a session")?
        .to_string();
    let url = format!("{}/ws/ward/{ward_id}", base.replace("http://", "ws://"));
    let mut req = url.as_str().into_client_request().map_err(|e| e.to_string())?;
    req.headers_mut().insert("cookie", cookie.parse().map_err(|_| "cookie".to_string())?);
    req.headers_mut().insert("origin", base.parse().map_err(|_| "origin".to_string())?);
    let (mut ws, _) = tokio_tungstenite::connect_async(req).await.map_err(|e| format!("connect {url}: {e}"))?;
    match tokio::time::timeout(Duration::from_secs(20), ws.next()).await {
        Ok(Some(Ok(Message::Text(_)))) => Ok(ws),
        other => Err(format!("ward {ward_id}: no first frame ({other:?})")),
    }
}

// ---------------------------------------------------------------------------------------------
// cluster

pub async fn cluster(a: ClusterArgs) -> Result<(), String> {
    if a.kiosks < 2 || a.rate == 0 || a.payments == 0 {
        return Err("--kiosks ≥ 2, --rate and --payments positive".into());
    }
    let payments_n = a.payments.min(a.kiosks);
    raise_nofile(4 * a.kiosks as u64 + 512)?;
    println!("== cluster: two servers on one PostgreSQL, bank notification → kiosk ==");
    println!("{}", machine_line());
    println!("note: both servers and {} kiosk clients run in ONE process and share its cores.", a.kiosks);
    let (db_a, schema) = postgres_db(&a.postgres_url).await?;
    let result = cluster_run(&a, payments_n, db_a, &schema).await;
    drop_schema(&a.postgres_url, &schema).await;
    result
}

async fn cluster_run(a: &ClusterArgs, payments_n: usize, db_a: DatabaseConnection, schema: &str) -> Result<(), String> {
    let db_b = app::backend::db::connect(&a.postgres_url, Some(schema)).await.map_err(|e| e.to_string())?;
    let args = serve_args(vec![SEPAY_KEY.into()]);
    let srv_a = server::start_with_db(db_a.clone(), &args).await.map_err(|e| e.to_string())?;
    let srv_b = server::start_with_db(db_b, &args).await.map_err(|e| e.to_string())?;
    let servers = [srv_a.base_url(), srv_b.base_url()];
    let ids = add_counters(&db_a, a.kiosks, 3000).await?;
    let cookies = pair_kiosks(&db_a, &ids).await?;
    // A code waiting at every counter that will be paid.
    let ward_id = counters::default_ward_id(&db_a).await.map_err(|e| e.to_string())?;
    let codes = issue_codes(&srv_a.backend, &ids[..payments_n]).await?;
    // Kiosk i on server i % 2.
    let t_connect = Instant::now();
    let connected: Vec<Result<(usize, Ws), String>> = futures_util::stream::iter(ids.iter().copied().enumerate())
        .map(|(idx, id)| {
            let base = servers[idx % 2].clone();
            let cookie = cookies.get(&id).cloned().unwrap_or_default();
            async move { connect_kiosk(&base, id, &cookie).await.map(|ws| (idx, ws)) }
        })
        .buffer_unordered(32)
        .collect()
        .await;
    let mut sockets = Vec::with_capacity(ids.len());
    for c in connected {
        sockets.push(c?);
    }
    println!("connected {} kiosks ({} per server) in {:.1} s", sockets.len(), sockets.len() / 2, t_connect.elapsed().as_secs_f64());
    // Supervisors on each server, watching the ward's figures.
    let ward_frames = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut watchers = Vec::new();
    for base in &servers {
        for _ in 0..a.supervisors {
            let mut ws = supervisor_socket(base, ward_id).await?;
            let frames = ward_frames.clone();
            watchers.push(tokio::spawn(async move {
                while let Some(Ok(msg)) = ws.next().await {
                    if matches!(&msg, Message::Text(t) if t.contains("\"type\":\"ward\"")) {
                        frames.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                }
            }));
        }
    }
    // Each reader stamps the first frame showing its counter's receipt.
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(usize, Instant)>();
    let mut readers = Vec::with_capacity(sockets.len());
    for (idx, mut ws) in sockets {
        let tx = tx.clone();
        readers.push(tokio::spawn(async move {
            while let Some(Ok(msg)) = ws.next().await {
                if let Message::Text(t) = msg {
                    if let Ok(ServerMsg::Counter(s)) = serde_json::from_str::<ServerMsg>(&t) {
                        if s.current.as_ref().is_some_and(|p| p.state == PaymentState::ReceiptIssued) {
                            let _ = tx.send((idx, Instant::now()));
                        }
                    }
                }
            }
        }));
    }
    drop(tx);
    // Let both listeners settle before the clock starts.
    tokio::time::sleep(Duration::from_millis(500)).await;

    let client =
        reqwest::Client::builder().pool_max_idle_per_host(64).timeout(Duration::from_secs(30)).build().map_err(|e| e.to_string())?;
    let base_id = 2_000_000_000 + i64::from(rand::random::<u32>() >> 4);
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / a.rate as f64));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let sends = Arc::new(std::sync::Mutex::new(vec![None::<(Instant, Instant)>; payments_n]));
    let mut tasks = Vec::with_capacity(payments_n);
    let started = Instant::now();
    for (k, (code, amount)) in codes.iter().enumerate() {
        tick.tick().await;
        // Kiosk k is on server k % 2 and its payment goes to server (k / 2) % 2: half of the
        // payments are acknowledged by the server the kiosk is on, half by the other one.
        let target = &servers[(k / 2) % 2];
        let url = format!("{target}/api/bank/sepay");
        let t = bankfeed::sign::SimTransfer::new(base_id + k as i64, DEMO_ACCOUNT, *amount, &format!("{code} NOP PHI"));
        let body = bankfeed::sign::sepay_body(&t);
        let req = bankfeed::sign::sepay_hmac(&body, SEPAY_KEY, chrono::Utc::now().timestamp());
        let (client, sends) = (client.clone(), sends.clone());
        tasks.push(tokio::spawn(async move {
            let mut call = client.post(&url).body(req.body);
            for (h, v) in &req.headers {
                call = call.header(h, v);
            }
            let sent = Instant::now();
            let ok = matches!(call.send().await, Ok(r) if r.status() == 200);
            if ok {
                if let Ok(mut s) = sends.lock() {
                    s[k] = Some((sent, Instant::now()));
                }
            }
            ok
        }));
    }
    let mut errors = 0;
    for t in tasks {
        if !t.await.unwrap_or(false) {
            errors += 1;
        }
    }
    let send_secs = started.elapsed().as_secs_f64();
    // Arrivals, until every paid kiosk has shown its receipt or 10 s of quiet.
    let mut arrived: Vec<Option<Instant>> = vec![None; payments_n];
    let mut seen = 0;
    while seen < payments_n - errors {
        match tokio::time::timeout(Duration::from_secs(10), rx.recv()).await {
            Ok(Some((idx, at))) if idx < payments_n && arrived[idx].is_none() => {
                arrived[idx] = Some(at);
                seen += 1;
            }
            Ok(Some(_)) => {}
            _ => break,
        }
    }
    let sends = sends.lock().map_err(|_| "lock")?.clone();
    let (mut from_ack, mut from_send, mut missing, mut crossed) = (Vec::new(), Vec::new(), 0, 0);
    for (k, s) in sends.iter().enumerate() {
        match (s, arrived[k]) {
            (Some((sent, acked)), Some(at)) => {
                from_ack.push(at.saturating_duration_since(*acked).as_secs_f64() * 1e3);
                from_send.push(at.saturating_duration_since(*sent).as_secs_f64() * 1e3);
                crossed += usize::from((k / 2) % 2 != k % 2);
            }
            (Some(_), None) => missing += 1,
            _ => {}
        }
    }
    let (rss, hwm) = rss_kib();
    println!(
        "payments: {payments_n} at {} /s ({:.1} s), to either server; {crossed} of them acknowledged by the server the kiosk is NOT on",
        a.rate, send_secs
    );
    println!("{}", summary("acknowledged notification → kiosk shows the receipt", &mut from_ack));
    println!("{}", summary("notification sent → kiosk shows the receipt", &mut from_send));
    println!(
        "supervisors: {} per server, {} ward figure frames received in all",
        a.supervisors,
        ward_frames.load(std::sync::atomic::Ordering::Relaxed)
    );
    println!("errors: {errors} refused or failed notifications, {missing} receipts never shown on the kiosk");
    println!("RSS (both servers + all clients): {} (peak {})", mib(rss), mib(hwm));
    let p99 = pct(&from_ack, 0.99);
    println!("target p99 ≤ 50 ms: {} (p99 {:.2} ms)", if p99 <= 50.0 && errors == 0 && missing == 0 { "MET" } else { "NOT MET" }, p99);
    for r in readers.iter().chain(watchers.iter()) {
        r.abort();
    }
    let _ = tokio::time::timeout(Duration::from_secs(15), srv_b.shutdown()).await;
    let _ = tokio::time::timeout(Duration::from_secs(15), srv_a.shutdown()).await;
    if errors > 0 || missing > 0 {
        return Err(format!("{errors} notifications failed, {missing} receipts not shown"));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// idle

fn child_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| l.split_whitespace().nth(1)).and_then(|v| v.parse().ok()).unwrap_or(0)
}

pub async fn idle(a: IdleArgs) -> Result<(), String> {
    if a.sockets == 0 {
        return Err("--sockets must be positive".into());
    }
    let limit = raise_nofile(a.sockets as u64 + 1024)?;
    println!("== idle: {} kiosk sockets on one server ==", a.sockets);
    println!("{}", machine_line());
    println!("open-file limit: {limit}; the kiosk clients run in a child process, so the RSS below is the server's alone");
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let (db, _) = sqlite_db(dir.path()).await?;
    let srv = server::start_with_db(db.clone(), &serve_args(Vec::new())).await.map_err(|e| e.to_string())?;
    let ids = add_counters(&db, a.sockets, 5000).await?;
    let cookies = pair_kiosks(&db, &ids).await?;
    let list = dir.path().join("kiosks.txt");
    {
        let mut f = std::fs::File::create(&list).map_err(|e| e.to_string())?;
        for (id, cookie) in &cookies {
            writeln!(f, "{id} {cookie}").map_err(|e| e.to_string())?;
        }
    }
    let (rss0, _) = rss_kib();
    println!("server RSS before the kiosks connect: {}", mib(rss0));
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut child = tokio::process::Command::new(exe)
        .args(["idle-clients", "--url", &srv.base_url(), "--cookies", &list.to_string_lossy()])
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| e.to_string())?;
    let child_pid = child.id().unwrap_or(0);
    let stdout = child.stdout.take().ok_or("no child stdout")?;
    let mut lines = tokio::io::BufReader::new(stdout);
    let t_connect = Instant::now();
    let mut line = String::new();
    loop {
        line.clear();
        use tokio::io::AsyncBufReadExt;
        let n = tokio::time::timeout(Duration::from_secs(600), lines.read_line(&mut line))
            .await
            .map_err(|_| "clients took over 10 min")?
            .map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("the client process ended early".into());
        }
        if let Some(rest) = line.strip_prefix("connected ") {
            let n: usize = rest.trim().parse().map_err(|_| format!("client said {line}"))?;
            if n != a.sockets {
                return Err(format!("only {n} of {} kiosks connected", a.sockets));
            }
            break;
        }
        if let Some(e) = line.strip_prefix("error ") {
            return Err(format!("client: {e}"));
        }
    }
    println!("{} kiosks connected with snapshots in {:.1} s", a.sockets, t_connect.elapsed().as_secs_f64());
    tokio::time::sleep(Duration::from_secs(a.hold_secs)).await;
    let (rss1, hwm1) = rss_kib();
    let per = rss1.saturating_sub(rss0) as f64 / a.sockets as f64;
    println!("server RSS with the kiosks idle for {} s: {} (peak {}); {:.1} KiB per kiosk", a.hold_secs, mib(rss1), mib(hwm1), per);
    println!("client process RSS (not counted): {}", mib(child_rss_kib(child_pid)));
    let target_kib = 300 * 1024;
    println!("target server RSS ≤ 300 MB with {} kiosks: {}", a.sockets, if rss1 <= target_kib { "MET" } else { "NOT MET" });
    let _ = child.kill().await;
    let _ = tokio::time::timeout(Duration::from_secs(30), srv.shutdown()).await;
    Ok(())
}

/// The child: connects every kiosk, says how many, then holds them until killed (reading the
/// server's beats, as a kiosk does).
pub async fn idle_clients(a: IdleClientsArgs) -> Result<(), String> {
    raise_nofile(2 * std::fs::read_to_string(&a.cookies).map_err(|e| e.to_string())?.lines().count() as u64 + 512)?;
    let file = std::fs::File::open(&a.cookies).map_err(|e| e.to_string())?;
    let mut kiosks = Vec::new();
    for line in std::io::BufReader::new(file).lines() {
        let line = line.map_err(|e| e.to_string())?;
        if let Some((id, cookie)) = line.split_once(' ') {
            kiosks.push((id.parse::<i64>().map_err(|e| e.to_string())?, cookie.to_string()));
        }
    }
    let base = a.url.clone();
    let connected: Vec<Result<Ws, String>> = futures_util::stream::iter(kiosks)
        .map(|(id, cookie)| {
            let base = base.clone();
            async move { connect_kiosk(&base, id, &cookie).await }
        })
        .buffer_unordered(64)
        .collect()
        .await;
    let mut sockets = Vec::with_capacity(connected.len());
    for c in connected {
        match c {
            Ok(ws) => sockets.push(ws),
            Err(e) => {
                println!("error {e}");
                return Err(e);
            }
        }
    }
    println!("connected {}", sockets.len());
    let _ = std::io::stdout().flush();
    let holders: Vec<_> =
        sockets.into_iter().map(|mut ws| tokio::spawn(async move { while let Some(Ok(_)) = ws.next().await {} })).collect();
    for h in holders {
        let _ = h.await;
    }
    Ok(())
}
