#![recursion_limit = "512"]
//! `wardpay-bench`: load figures for WardPay on this machine, against a real server on
//! 127.0.0.1 with a temporary database. See `docs/benchmarks.md` for what each figure means.
//!
//! * `push`   — commit→kiosk latency with N connected kiosk WebSockets, and memory per socket.
//! * `intake` — sustained signed bank-notification intake over HTTP with durable commits,
//!   plus the raw fsync rate of the disk the database lives on.
//! * `recon`  — reconciliation and statistics on a generated year.
//! * `cluster`, `idle` — two servers on one PostgreSQL, and many idle kiosks (see `scale.rs`).
//!
//! The server and the load generator run in one process (and share its cores), so every
//! figure includes the client's own cost; the process's RSS is the server's plus the clients'.
//! Everything stops by itself: bounded rounds, bounded notifications, bounded time.

use app::backend::entity::{bank_exception, bank_notification, counter, receipt};
use app::backend::{counters, payments, Backend};
use app::model::{CounterStatus, LineRequest, NewDossier, ServerMsg};
use clap::{Args, Parser, Subcommand};
use futures_util::StreamExt;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, Set,
    Statement, TransactionTrait,
};
use server::config::ServeArgs;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

mod scale;

const SEPAY_KEY: &str = "bench-sepay-secret";
/// The demo ward's collection account (see `app::backend::seed`).
const DEMO_ACCOUNT: &str = "113366668888";

#[derive(Debug, Parser)]
#[command(name = "wardpay-bench", about = "WardPay load figures on this machine (loopback only)")]
struct Cli {
    /// Server log filter (RUST_LOG syntax); `off` keeps logging out of the figures.
    #[arg(long, default_value = "off", global = true)]
    log: String,
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Push latency (DB commit → kiosk WebSocket) with N connected kiosks.
    Push(PushArgs),
    /// Sustained signed bank-notification intake over HTTP with durable commits.
    Intake(IntakeArgs),
    /// Reconciliation on a generated year: a month's and a year's report, a month's XLSX.
    Recon(ReconArgs),
    /// Two servers on one PostgreSQL: bank notification to either → kiosk on either.
    Cluster(scale::ClusterArgs),
    /// Many idle kiosk sockets on one server: the server's memory.
    Idle(scale::IdleArgs),
    /// (internal) the kiosk clients of `idle`, in a process of their own.
    #[command(hide = true)]
    IdleClients(scale::IdleClientsArgs),
}

#[derive(Debug, Args)]
struct ReconArgs {
    /// Payment requests in the generated history.
    #[arg(long, default_value_t = 1_000_000)]
    payments: u64,
    #[arg(long, default_value_t = 5)]
    wards: u32,
    #[arg(long, default_value_t = 365)]
    days: u32,
    /// Timed repetitions of each measure (the median and the slowest are printed).
    #[arg(long, default_value_t = 5)]
    reps: usize,
    /// Also run against PostgreSQL, in a fresh schema that is dropped afterwards.
    #[arg(long)]
    postgres_url: Option<String>,
    /// Skip the SQLite run.
    #[arg(long)]
    skip_sqlite: bool,
}

#[derive(Debug, Args)]
struct PushArgs {
    /// Connected kiosk WebSockets (one counter each).
    #[arg(long, short = 'n', default_value_t = 1000)]
    sockets: usize,
    /// Measured state changes, spread over different counters.
    #[arg(long, short = 'm', default_value_t = 200)]
    rounds: usize,
    /// Pause between rounds, in milliseconds.
    #[arg(long, default_value_t = 5)]
    gap_ms: u64,
    /// Read buffer of each *client* socket, in bytes. Small by default so that the RSS growth
    /// per socket is mostly the server's (tungstenite's default is 128 KiB).
    #[arg(long, default_value_t = 4096)]
    client_read_buffer: usize,
}

#[derive(Debug, Args)]
struct IntakeArgs {
    /// Concurrent senders (HTTP connections).
    #[arg(long, short = 'c', default_value_t = 64)]
    concurrency: usize,
    /// Total notifications to send (the run stops at this count or at --duration, whichever first).
    #[arg(long, short = 'k', default_value_t = 20_000)]
    total: usize,
    /// Stop after this many seconds even if --total is not reached.
    #[arg(long, short = 'd')]
    duration: Option<u64>,
    /// How many of the notifications pay a real issued code (one counter and dossier each);
    /// the rest match nothing and become `unknown_code` exceptions.
    #[arg(long, default_value_t = 200)]
    matched: usize,
    /// Also run against PostgreSQL, in a fresh schema that is dropped afterwards.
    #[arg(long)]
    postgres_url: Option<String>,
    /// Skip the SQLite run (e.g. with --postgres-url alone).
    #[arg(long)]
    skip_sqlite: bool,
    /// Seconds of write+fsync for the raw disk figure.
    #[arg(long, default_value_t = 2.0)]
    fsync_secs: f64,
    /// After the HTTP run, time the intake writer's steps in-process (this many batches of
    /// --concurrency notifications each; 0 to skip). They add rows after the read-back check.
    #[arg(long, default_value_t = 20)]
    breakdown_batches: usize,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if cli.log != "off" {
        server::telemetry::init(&cli.log, server::config::LogFormat::Text);
    }
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
    let result = rt.block_on(async {
        match cli.command {
            Cmd::Push(a) => push(a).await,
            Cmd::Intake(a) => intake(a).await,
            Cmd::Recon(a) => recon(a).await,
            Cmd::Cluster(a) => scale::cluster(a).await,
            Cmd::Idle(a) => scale::idle(a).await,
            Cmd::IdleClients(a) => scale::idle_clients(a).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Shared helpers

fn machine_line() -> String {
    let cpus = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load: Vec<&str> = load.split_whitespace().take(3).collect();
    format!(
        "machine: {cpus} CPUs, Linux {}, tokio worker threads: {cpus}, load average {}; server opening hours: all day",
        kernel.trim(),
        load.join(" ")
    )
}

/// (VmRSS, VmHWM) of this process in KiB.
fn rss_kib() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status.lines().find(|l| l.starts_with(name)).and_then(|l| l.split_whitespace().nth(1)).and_then(|v| v.parse().ok()).unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").map(|d| d.count()).unwrap_or(0)
}

fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

/// Raises the soft open-file limit to at least `want` (up to the hard limit, which root may raise).
fn raise_nofile(want: u64) -> Result<u64, String> {
    let mut lim = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit/setrlimit only read and write the struct we pass.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 {
            return Err(format!("getrlimit: {}", std::io::Error::last_os_error()));
        }
        if lim.rlim_cur >= want {
            return Ok(lim.rlim_cur);
        }
        let mut new = libc::rlimit { rlim_cur: want, rlim_max: lim.rlim_max.max(want) };
        if libc::setrlimit(libc::RLIMIT_NOFILE, &new) != 0 {
            new = libc::rlimit { rlim_cur: lim.rlim_max, rlim_max: lim.rlim_max };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &new) != 0 {
                return Err(format!("setrlimit: {}", std::io::Error::last_os_error()));
            }
        }
        Ok(new.rlim_cur)
    }
}

/// Nearest-rank percentile of sorted milliseconds.
fn pct(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn summary(label: &str, ms: &mut [f64]) -> String {
    ms.sort_by(|a, b| a.total_cmp(b));
    let mean = ms.iter().sum::<f64>() / ms.len().max(1) as f64;
    format!(
        "{label}: p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms, mean {:.2} ms (n={})",
        pct(ms, 0.50),
        pct(ms, 0.90),
        pct(ms, 0.99),
        ms.last().copied().unwrap_or(f64::NAN),
        mean,
        ms.len()
    )
}

/// The opening hours cover the whole day, so the bank-silence check in every snapshot runs as
/// it does in office hours (when the load comes), whatever the time of the run.
const ALL_DAY: (u32, u32) = (0, 24 * 60);

fn serve_args(sepay_keys: Vec<String>) -> ServeArgs {
    let sepay_keys = sepay_keys.into_iter().map(Into::into).collect();
    ServeArgs { bind: "127.0.0.1:0".parse().expect("addr"), demo: true, sepay_keys, opening_hours: ALL_DAY, ..ServeArgs::default() }
}

async fn sqlite_db(dir: &Path) -> Result<(DatabaseConnection, String), String> {
    let url = format!("sqlite://{}", dir.join("bench.sqlite").display());
    let db = app::backend::db::connect(&url, None).await.map_err(|e| e.to_string())?;
    app::backend::db::migrate(&db).await.map_err(|e| e.to_string())?;
    Ok((db, url))
}

/// A fresh schema on PostgreSQL, as the integration tests make one.
async fn postgres_db(url: &str) -> Result<(DatabaseConnection, String), String> {
    let schema = format!("bench_{}", uuid::Uuid::new_v4().simple());
    let admin = app::backend::db::connect(url, None).await.map_err(|e| e.to_string())?;
    admin
        .execute_raw(Statement::from_string(admin.get_database_backend(), format!("CREATE SCHEMA {schema}")))
        .await
        .map_err(|e| e.to_string())?;
    admin.close().await.ok();
    let db = app::backend::db::connect(url, Some(&schema)).await.map_err(|e| e.to_string())?;
    app::backend::db::migrate(&db).await.map_err(|e| e.to_string())?;
    Ok((db, schema))
}

async fn drop_schema(url: &str, schema: &str) {
    if let Ok(admin) = app::backend::db::connect(url, None).await {
        let _ = admin.execute_raw(Statement::from_string(admin.get_database_backend(), format!("DROP SCHEMA {schema} CASCADE"))).await;
        admin.close().await.ok();
    }
}

/// `count` new open counters in the demo ward, numbered from `first_number`.
async fn add_counters(db: &DatabaseConnection, count: usize, first_number: i32) -> Result<Vec<i64>, String> {
    let ward_id = counters::default_ward_id(db).await.map_err(|e| e.to_string())?;
    let txn = db.begin().await.map_err(|e| e.to_string())?;
    let mut ids = Vec::with_capacity(count);
    for i in 0..count {
        let number = first_number + i as i32;
        let c = counter::ActiveModel {
            ward_id: Set(ward_id),
            number: Set(number),
            name: Set(format!("Quầy {number}")),
            status: Set(CounterStatus::Open.as_str().into()),
            status_changed_at: Set(chrono::Utc::now()),
            status_changed_by: Set("bench".into()),
            ..Default::default()
        }
        .insert(&txn)
        .await
        .map_err(|e| e.to_string())?;
        ids.push(c.id);
    }
    txn.commit().await.map_err(|e| e.to_string())?;
    Ok(ids)
}

/// A payable code (one certification, DEMO-CT02) at each of `counter_ids`, issued as the
/// officer's screen issues it; the code and amount of each.
async fn issue_codes(backend: &Backend, counter_ids: &[i64]) -> Result<Vec<(String, i64)>, String> {
    let ward_id = counters::default_ward_id(&backend.db).await.map_err(|e| e.to_string())?;
    let item = payments::catalog(&backend.db, ward_id)
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .find(|c| c.procedure_code == "DEMO-CT02")
        .ok_or("demo catalog item DEMO-CT02 missing")?
        .id;
    let mut codes = Vec::with_capacity(counter_ids.len());
    for &c in counter_ids {
        let input = NewDossier {
            counter_id: c,
            applicant_name: "Nguyễn Văn An".into(),
            id_number: None,
            phone: None,
            lines: vec![LineRequest { fee_item_id: item, quantity: 1, pages: None, exempt_reason: None }],
            request_key: None,
        };
        let row = payments::create_dossier(backend, input, payments::Source::Counter, None, "bench").await.map_err(|e| e.to_string())?;
        let p = row.payment.ok_or("dossier without a code")?;
        codes.push((p.payment_code, p.amount));
    }
    Ok(codes)
}

// ---------------------------------------------------------------------------------------------
// push

struct Arrival {
    idx: usize,
    at: Instant,
    text: tokio_tungstenite::tungstenite::Utf8Bytes,
}

async fn push(a: PushArgs) -> Result<(), String> {
    if a.sockets == 0 || a.rounds == 0 {
        return Err("--sockets and --rounds must be positive".into());
    }
    let limit = raise_nofile(2 * a.sockets as u64 + 512)?;
    println!("== push: commit → kiosk WebSocket latency ==");
    println!("{}", machine_line());
    println!("open-file limit: {limit}");
    println!("note: server and {} kiosk clients run in ONE process; RSS below is server + clients.", a.sockets);
    println!(
        "client sockets: read buffer {} B, no write buffer (server sockets: axum/tungstenite defaults)",
        a.client_read_buffer.max(256)
    );

    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let (db, _) = sqlite_db(dir.path()).await?;
    let srv = server::start_with_db(db.clone(), &serve_args(Vec::new())).await.map_err(|e| e.to_string())?;
    let backend: Backend = srv.backend.clone();
    let ids = add_counters(&db, a.sockets, 1000).await?;
    let ws_base = format!("ws://{}", srv.addr);
    let client_buffer = a.client_read_buffer.max(256);
    // Every kiosk is paired with its counter, as in a ward: it connects with its device cookie.
    let device_cookies = scale::pair_kiosks(&db, &ids).await?;
    let device_cookies = std::sync::Arc::new(device_cookies);
    let origin = format!("http://{}", srv.addr);

    let (rss0, _) = rss_kib();
    let fds0 = open_fds();
    println!("RSS before connecting: {} ({} open fds)", mib(rss0), fds0);

    // Connect every kiosk and read its initial snapshot, 32 handshakes at a time.
    let t_connect = Instant::now();
    let connected: Vec<Result<_, String>> = futures_util::stream::iter(ids.iter().copied().enumerate())
        .map(|(idx, id)| {
            let url = format!("{ws_base}/ws/counter/{id}");
            let (cookies, origin) = (device_cookies.clone(), origin.clone());
            async move {
                use tokio_tungstenite::tungstenite::client::IntoClientRequest;
                let config = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
                    .read_buffer_size(client_buffer)
                    .write_buffer_size(0);
                let mut req = url.as_str().into_client_request().map_err(|e| e.to_string())?;
                let cookie = cookies.get(&id).cloned().unwrap_or_default();
                req.headers_mut().insert("cookie", cookie.parse().map_err(|_| "cookie".to_string())?);
                req.headers_mut().insert("origin", origin.parse().map_err(|_| "origin".to_string())?);
                let (mut ws, _) = tokio_tungstenite::connect_async_with_config(req, Some(config), true)
                    .await
                    .map_err(|e| format!("connect {url}: {e}"))?;
                match tokio::time::timeout(Duration::from_secs(10), ws.next()).await {
                    Ok(Some(Ok(Message::Text(t)))) => match serde_json::from_str::<ServerMsg>(&t) {
                        Ok(ServerMsg::Counter(s)) if s.counter.id == id => Ok((idx, ws)),
                        other => Err(format!("counter {id}: unexpected first message {other:?}")),
                    },
                    other => Err(format!("counter {id}: no snapshot ({other:?})")),
                }
            }
        })
        .buffer_unordered(32)
        .collect()
        .await;
    let mut sockets = Vec::with_capacity(a.sockets);
    for c in connected {
        sockets.push(c?);
    }
    let connect_secs = t_connect.elapsed().as_secs_f64();
    let (rss1, _) = rss_kib();
    let fds1 = open_fds();
    println!("connected {} kiosks with snapshots in {:.2} s; RSS {} ({} open fds)", sockets.len(), connect_secs, mib(rss1), fds1);
    println!("RSS per connected kiosk (server side + client side): {:.1} KiB", (rss1.saturating_sub(rss0)) as f64 / a.sockets as f64);

    // One reader per socket stamps every frame the moment it is read.
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Arrival>();
    let mut readers = Vec::with_capacity(sockets.len());
    for (idx, mut ws) in sockets {
        let tx = tx.clone();
        readers.push(tokio::spawn(async move {
            while let Some(msg) = ws.next().await {
                let at = Instant::now();
                match msg {
                    Ok(Message::Text(text)) => {
                        if tx.send(Arrival { idx, at, text }).is_err() {
                            break;
                        }
                    }
                    Ok(Message::Close(_)) | Err(_) => break,
                    Ok(_) => {}
                }
            }
        }));
    }
    drop(tx);

    // Rounds over a shuffled order of counters, so that changes land on different sockets.
    let mut order: Vec<usize> = (0..ids.len()).collect();
    {
        use rand::seq::SliceRandom;
        order.shuffle(&mut rand::rng());
    }
    let mut status: Vec<CounterStatus> = vec![CounterStatus::Open; ids.len()];
    let mut latency = Vec::with_capacity(a.rounds);
    let mut commit_ms = Vec::with_capacity(a.rounds);
    let mut push_call_ms = Vec::with_capacity(a.rounds);
    let (mut errors, mut stray) = (0usize, 0usize);
    for round in 0..a.rounds {
        let idx = order[round % order.len()];
        let id = ids[idx];
        let next = match status[idx] {
            CounterStatus::Open => CounterStatus::Paused,
            CounterStatus::Paused => CounterStatus::Open,
        };
        // What counters::set_status does, with the commit and the change feed separated.
        let t_begin = Instant::now();
        let txn = backend.db.begin().await.map_err(|e| e.to_string())?;
        let c = counter::Entity::find_by_id(id).one(&txn).await.map_err(|e| e.to_string())?.ok_or("counter gone")?;
        let mut am = c.into_active_model();
        am.status = Set(next.as_str().to_string());
        am.status_changed_at = Set(chrono::Utc::now());
        am.status_changed_by = Set("bench".into());
        am.update(&txn).await.map_err(|e| e.to_string())?;
        txn.commit().await.map_err(|e| e.to_string())?;
        let t0 = Instant::now();
        backend.changes.counter(id);
        let t_pushed = Instant::now();
        status[idx] = next;
        commit_ms.push((t0 - t_begin).as_secs_f64() * 1e3);
        push_call_ms.push((t_pushed - t0).as_secs_f64() * 1e3);

        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        loop {
            match tokio::time::timeout_at(deadline, rx.recv()).await {
                Ok(Some(arr)) if arr.idx == idx => {
                    latency.push((arr.at.saturating_duration_since(t0)).as_secs_f64() * 1e3);
                    match serde_json::from_str::<ServerMsg>(&arr.text) {
                        Ok(ServerMsg::Counter(s)) if s.counter.id == id && s.counter.status == next => {}
                        _ => errors += 1,
                    }
                    break;
                }
                Ok(Some(_)) => stray += 1,
                Ok(None) => return Err("every kiosk socket closed".into()),
                Err(_) => {
                    errors += 1;
                    eprintln!("round {round}: counter {id}: no push within 5 s");
                    break;
                }
            }
        }
        if a.gap_ms > 0 {
            tokio::time::sleep(Duration::from_millis(a.gap_ms)).await;
        }
    }
    let (rss2, hwm2) = rss_kib();
    let alive = readers.iter().filter(|h| !h.is_finished()).count();

    println!("rounds: {} (each a status toggle on a different counter, {} distinct)", a.rounds, a.rounds.min(ids.len()));
    println!("{}", summary("commit → kiosk arrival", &mut latency));
    println!("{}", summary("  (update+commit, before t0)", &mut commit_ms));
    println!("{}", summary("  (telling the change feed)", &mut push_call_ms));
    println!("errors (missing/wrong push): {errors}; stray frames: {stray}; sockets still open: {alive}/{}", ids.len());
    println!("RSS after rounds: {} (peak {})", mib(rss2), mib(hwm2));
    let p99 = pct(&latency, 0.99);
    println!("target p99 ≤ 20 ms: {} (p99 {:.2} ms)", if p99 <= 20.0 && errors == 0 { "MET" } else { "NOT MET" }, p99);

    for r in &readers {
        r.abort();
    }
    for r in readers {
        let _ = r.await;
    }
    match tokio::time::timeout(Duration::from_secs(15), srv.shutdown()).await {
        Ok(r) => r.map_err(|e| e.to_string())?,
        Err(_) => eprintln!("warning: server did not stop within 15 s"),
    }
    db.close().await.ok();
    if errors > 0 {
        return Err(format!("{errors} pushes missing or wrong"));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// intake

/// write(4 KiB at offset 0) + fsync in a loop: the disk's durable-commit ceiling.
fn fsync_rate(dir: &Path, secs: f64) -> Result<(f64, f64), String> {
    use std::os::unix::fs::FileExt;
    let path = dir.join("fsync-probe.bin");
    let f = std::fs::OpenOptions::new().create(true).truncate(true).read(true).write(true).open(&path).map_err(|e| e.to_string())?;
    let block = [0x5au8; 4096];
    f.write_all_at(&block, 0).map_err(|e| e.to_string())?;
    f.sync_all().map_err(|e| e.to_string())?;
    let mut rates = [0.0f64; 2];
    for (k, data_only) in [false, true].into_iter().enumerate() {
        let start = Instant::now();
        let mut n = 0u64;
        while start.elapsed().as_secs_f64() < secs / 2.0 {
            f.write_all_at(&block, 0).map_err(|e| e.to_string())?;
            if data_only { f.sync_data() } else { f.sync_all() }.map_err(|e| e.to_string())?;
            n += 1;
        }
        rates[k] = n as f64 / start.elapsed().as_secs_f64();
    }
    drop(f);
    let _ = std::fs::remove_file(&path);
    Ok((rates[0], rates[1]))
}

#[derive(Clone)]
struct Job {
    txn_id: i64,
    amount: i64,
    content: String,
    matched: bool,
}

struct EngineResult {
    sent: usize,
    ok: usize,
    errors: usize,
    secs: f64,
    latencies: Vec<f64>,
}

async fn intake(a: IntakeArgs) -> Result<(), String> {
    if a.concurrency == 0 || a.total == 0 {
        return Err("--concurrency and --total must be positive".into());
    }
    raise_nofile(4 * a.concurrency as u64 + 512)?;
    println!("== intake: signed SePay notifications over HTTP, durable group commit ==");
    println!("{}", machine_line());
    println!(
        "senders: {}, notifications: {}{}, paying real codes: {}",
        a.concurrency,
        a.total,
        a.duration.map(|d| format!(" or {d} s")).unwrap_or_default(),
        a.matched.min(a.total)
    );
    println!("note: server and HTTP load generator share ONE process and its cores.");
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let (fsync_full, fsync_data) = fsync_rate(dir.path(), a.fsync_secs)?;
    println!("raw disk in {}: write 4 KiB + fsync: {:.0}/s; + fdatasync: {:.0}/s", dir.path().display(), fsync_full, fsync_data);
    let mut failed = false;
    if !a.skip_sqlite {
        let (db, url) = sqlite_db(dir.path()).await?;
        println!("-- SQLite (WAL, synchronous=FULL) at {url}");
        failed |= intake_engine(&a, db, "SQLite").await?;
    }
    if let Some(pg) = &a.postgres_url {
        let (db, schema) = postgres_db(pg).await?;
        let sync: Option<String> = db
            .query_one_raw(Statement::from_string(db.get_database_backend(), "SHOW synchronous_commit"))
            .await
            .ok()
            .flatten()
            .and_then(|r| r.try_get_by_index::<String>(0).ok());
        println!(
            "-- PostgreSQL {} schema {schema} (synchronous_commit={})",
            app::backend::db::redact(pg),
            sync.unwrap_or_else(|| "?".into())
        );
        let r = intake_engine(&a, db, "PostgreSQL").await;
        drop_schema(pg, &schema).await;
        failed |= r?;
    }
    if failed {
        return Err("errors during intake (see above)".into());
    }
    Ok(())
}

/// Runs one intake load against a fresh database; returns true when anything failed.
async fn intake_engine(a: &IntakeArgs, db: DatabaseConnection, engine: &str) -> Result<bool, String> {
    let srv = server::start_with_db(db.clone(), &serve_args(vec![SEPAY_KEY.into()])).await.map_err(|e| e.to_string())?;
    let url = format!("{}/api/bank/sepay", srv.base_url());

    // Real payable codes: one counter and one dossier each (one payable code per counter).
    let matched = a.matched.min(a.total);
    let ward_id = counters::default_ward_id(&db).await.map_err(|e| e.to_string())?;
    let counter_ids = add_counters(&db, matched, 2000).await?;
    let mut codes = Vec::with_capacity(matched);
    for (code, amount) in issue_codes(&srv.backend, &counter_ids).await? {
        let code: bankfeed::PaymentCode = code.parse().map_err(|e: bankfeed::CodeParseError| e.to_string())?;
        codes.push((code, amount));
    }

    // The plan: unique transaction ids; real codes spread evenly over the run.
    let base_id = 1_000_000_000 + i64::from(rand::random::<u32>() >> 4);
    let mut plan: Vec<Job> = (0..a.total)
        .map(|i| Job {
            txn_id: base_id + i as i64,
            amount: 10_000 + (i as i64 % 997) * 1_000 + 1,
            content: format!("CK BENCH {i} CHUYEN TIEN"),
            matched: false,
        })
        .collect();
    for (j, (code, amount)) in codes.iter().enumerate() {
        let pos = (j * a.total) / matched.max(1);
        let style = bankfeed::sign::Mangle::VcbGlued;
        plan[pos].amount = *amount;
        plan[pos].content = bankfeed::sign::mangled_content(code, style);
        plan[pos].matched = true;
    }
    let plan = Arc::new(plan);
    let push_ward_before = time_push_ward(&srv.backend, ward_id, 5).await?;

    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(a.concurrency)
        .timeout(Duration::from_secs(30))
        .build()
        .map_err(|e| e.to_string())?;
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let deadline = a.duration.map(|d| start + Duration::from_secs(d));
    let first_errors = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let mut tasks = Vec::with_capacity(a.concurrency);
    for _ in 0..a.concurrency {
        let (client, url, plan, next, first_errors) = (client.clone(), url.clone(), plan.clone(), next.clone(), first_errors.clone());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let (mut sent, mut ok, mut errors, mut matched_ok) = (0usize, 0usize, 0usize, 0usize);
            loop {
                if deadline.is_some_and(|d| Instant::now() >= d) {
                    break;
                }
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(job) = plan.get(i) else { break };
                let t = bankfeed::sign::SimTransfer::new(job.txn_id, DEMO_ACCOUNT, job.amount, &job.content);
                let body = bankfeed::sign::sepay_body(&t);
                let req = bankfeed::sign::sepay_hmac(&body, SEPAY_KEY, chrono::Utc::now().timestamp());
                let mut call = client.post(&url).body(req.body);
                for (k, v) in &req.headers {
                    call = call.header(k, v);
                }
                let t0 = Instant::now();
                let res = call.send().await;
                sent += 1;
                let outcome = match res {
                    Ok(r) => {
                        let status = r.status();
                        match r.bytes().await {
                            Ok(b) if status == 200 && b.as_ref() == bankfeed::SUCCESS_BODY.as_bytes() => Ok(()),
                            Ok(b) => Err(format!("HTTP {status}: {}", String::from_utf8_lossy(&b[..b.len().min(200)]))),
                            Err(e) => Err(format!("body: {e}")),
                        }
                    }
                    Err(e) => Err(format!("send: {e}")),
                };
                lat.push(t0.elapsed().as_secs_f64() * 1e3);
                match outcome {
                    Ok(()) => {
                        ok += 1;
                        matched_ok += usize::from(job.matched);
                    }
                    Err(e) => {
                        errors += 1;
                        let mut fe = first_errors.lock().unwrap_or_else(|p| p.into_inner());
                        if fe.len() < 5 {
                            fe.push(e);
                        }
                    }
                }
            }
            (lat, sent, ok, errors, matched_ok)
        }));
    }
    let mut r = EngineResult { sent: 0, ok: 0, errors: 0, secs: 0.0, latencies: Vec::with_capacity(a.total) };
    let mut matched_ok = 0;
    for t in tasks {
        let (lat, sent, ok, errors, m) = t.await.map_err(|e| e.to_string())?;
        r.latencies.extend(lat);
        r.sent += sent;
        r.ok += ok;
        r.errors += errors;
        matched_ok += m;
    }
    r.secs = start.elapsed().as_secs_f64();

    // What was durably written, read back.
    let rows = bank_notification::Entity::find().count(&db).await.map_err(|e| e.to_string())?;
    let unknown = bank_exception::Entity::find()
        .filter(bank_exception::Column::Kind.eq("unknown_code"))
        .count(&db)
        .await
        .map_err(|e| e.to_string())?;
    let receipts = receipt::Entity::find().count(&db).await.map_err(|e| e.to_string())?;

    let rate = r.ok as f64 / r.secs;
    println!("sent {} in {:.2} s: {:.0} notifications/s acknowledged", r.sent, r.secs, rate);
    println!("{}", summary("request latency (send → 200 read)", &mut r.latencies));
    println!("errors: {}", r.errors);
    for e in first_errors.lock().unwrap_or_else(|p| p.into_inner()).iter() {
        println!("  e.g. {e}");
    }
    println!(
        "read back: {rows} bank_notification rows, {unknown} unknown_code exceptions, {receipts} receipts (paid codes acknowledged: {matched_ok})"
    );
    let consistent = rows as usize == r.ok && receipts as usize == matched_ok && unknown as usize == r.ok - matched_ok;
    if !consistent {
        println!("MISMATCH between acknowledged notifications and rows read back");
    }
    // The city's targets: 4000/s on SQLite, 2000/s on PostgreSQL.
    let target = if engine == "SQLite" { 4000.0 } else { 2000.0 };
    println!(
        "target ≥ {target:.0}/s on {engine} with 0 errors: {} ({rate:.0}/s, {} errors)",
        if rate >= target && r.errors == 0 { "MET" } else { "NOT MET" },
        r.errors
    );
    if a.breakdown_batches > 0 {
        breakdown(&srv.backend, ward_id, a.concurrency, a.breakdown_batches, base_id + a.total as i64, push_ward_before).await?;
    }
    let _ = std::io::stdout().flush();
    match tokio::time::timeout(Duration::from_secs(15), srv.shutdown()).await {
        Ok(res) => res.map_err(|e| e.to_string())?,
        Err(_) => eprintln!("warning: server did not stop within 15 s"),
    }
    db.close().await.ok();
    Ok(r.errors > 0 || !consistent)
}

/// Mean milliseconds of `screens::publish_ward` (what the push task does for a ward after
/// batches that produced an exception for it) over `n` calls.
async fn time_push_ward(backend: &Backend, ward_id: i64, n: usize) -> Result<f64, String> {
    let t = Instant::now();
    for _ in 0..n {
        app::backend::screens::publish_ward(backend, ward_id).await.map_err(|e| e.to_string())?;
    }
    Ok(t.elapsed().as_secs_f64() * 1e3 / n as f64)
}

/// The intake writer's steps, timed one by one in-process on the database the run left
/// behind: the same calls as `server::intake::commit_batch`, then the ward push that the
/// intake's push task makes after such a batch.
async fn breakdown(
    backend: &Backend,
    ward_id: i64,
    batch: usize,
    batches: usize,
    first_id: i64,
    push_ward_before: f64,
) -> Result<(), String> {
    use app::backend::bank::{self, Incoming};
    let keys = vec![SEPAY_KEY.to_string()];
    let (mut verify, mut record, mut commit, mut push) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut id = first_id;
    for _ in 0..batches {
        let mut incoming = Vec::with_capacity(batch);
        let t = Instant::now();
        for _ in 0..batch {
            id += 1;
            let content = format!("CK BENCH {id} CHUYEN TIEN");
            let tr = bankfeed::sign::SimTransfer::new(id, DEMO_ACCOUNT, 12_001, &content);
            let body = bankfeed::sign::sepay_body(&tr);
            let req = bankfeed::sign::sepay_hmac(&body, SEPAY_KEY, chrono::Utc::now().timestamp());
            let notification = bankfeed::verify_and_parse(bankfeed::Provider::Sepay, &req.body, &req, &keys, std::time::SystemTime::now())
                .map_err(|e| e.to_string())?;
            let headers_json = serde_json::to_string(&req.headers).unwrap_or_default();
            incoming.push(Incoming {
                raw_body: String::from_utf8_lossy(&req.body).into_owned(),
                headers_json,
                notification,
                source: bank::Source::Webhook,
            });
        }
        verify.push(t.elapsed().as_secs_f64() * 1e3);
        let t0 = Instant::now();
        let txn = backend.db.begin().await.map_err(|e| e.to_string())?;
        for inc in &incoming {
            bank::record(&txn, inc).await.map_err(|e| e.to_string())?;
        }
        let t1 = Instant::now();
        txn.commit().await.map_err(|e| e.to_string())?;
        let t2 = Instant::now();
        app::backend::screens::publish_ward(backend, ward_id).await.map_err(|e| e.to_string())?;
        let t3 = Instant::now();
        record.push((t1 - t0).as_secs_f64() * 1e3);
        commit.push((t2 - t1).as_secs_f64() * 1e3);
        push.push((t3 - t2).as_secs_f64() * 1e3);
    }
    // The floor under every statement: one round trip to the database driver.
    let trips = 2000;
    let txn = backend.db.begin().await.map_err(|e| e.to_string())?;
    let t = Instant::now();
    for _ in 0..trips {
        txn.execute_raw(Statement::from_string(txn.get_database_backend(), "SELECT 1")).await.map_err(|e| e.to_string())?;
    }
    let trip_us = t.elapsed().as_secs_f64() * 1e6 / trips as f64;
    txn.rollback().await.map_err(|e| e.to_string())?;
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
    let med = |v: &mut Vec<f64>| {
        v.sort_by(|a, b| a.total_cmp(b));
        pct(v, 0.5)
    };
    let (vm, rm, cm, pm) = (mean(&verify), mean(&record), mean(&commit), mean(&push));
    println!("writer breakdown, in-process, {batches} batches of {batch} unknown-code notifications (after the run):");
    println!("  sign (client side) + verify/parse (server side): {:.1} µs per notification (not on the writer)", vm * 1e3 / batch as f64);
    println!(
        "  bank::record × {batch} in one transaction: mean {rm:.2} ms, median {:.2} ms per batch ({:.0} µs per notification)",
        med(&mut record),
        rm * 1e3 / batch as f64
    );
    println!("  one `SELECT 1` round trip inside a transaction: {trip_us:.1} µs (the per-statement floor)");
    println!("  commit (WAL/fsync): mean {cm:.2} ms, median {:.2} ms", med(&mut commit));
    println!(
        "  push_ward for the batch's ward: mean {pm:.2} ms, median {:.2} ms (before the run: {push_ward_before:.2} ms);",
        med(&mut push)
    );
    println!("    the intake runs it in its own task (coalesced), beside the writer but on the same cores");
    let cycle = rm + cm;
    println!(
        "  writer cycle (record + commit) {cycle:.2} ms → ceiling {:.0} notifications/s at batch {batch} (record {:.0}%, commit {:.0}%);",
        batch as f64 / cycle * 1e3,
        rm / cycle * 100.0,
        cm / cycle * 100.0
    );
    println!(
        "    with the push on the writer's path (as before the pusher task) {:.2} ms → {:.0}/s",
        cycle + pm,
        batch as f64 / (cycle + pm) * 1e3
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Reconciliation on a generated year

async fn recon(a: ReconArgs) -> Result<(), String> {
    println!("{}", machine_line());
    if !a.skip_sqlite {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let (db, _) = sqlite_db(dir.path()).await?;
        recon_engine(&a, &db, "SQLite").await?;
    }
    if let Some(url) = &a.postgres_url {
        let (db, schema) = postgres_db(url).await?;
        let r = recon_engine(&a, &db, "PostgreSQL").await;
        db.close().await.ok();
        drop_schema(url, &schema).await;
        r?;
    }
    Ok(())
}

async fn timed<T, F, Fut>(reps: usize, mut f: F) -> Result<(Vec<f64>, T), String>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, String>>,
{
    let mut ms = Vec::with_capacity(reps);
    let mut last = None;
    for _ in 0..reps.max(1) {
        let t = Instant::now();
        last = Some(f().await?);
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    ms.sort_by(|x, y| x.total_cmp(y));
    last.map(|v| (ms, v)).ok_or_else(|| "no repetition ran".to_string())
}

fn med_max(ms: &[f64]) -> String {
    format!("median {:.0} ms, slowest {:.0} ms ({} runs)", pct(ms, 0.5), ms.last().copied().unwrap_or(0.0), ms.len())
}

async fn recon_engine(a: &ReconArgs, db: &DatabaseConnection, engine: &str) -> Result<(), String> {
    use app::backend::reconciliation::{self, DayRange};
    println!("\n== {engine}: seed-history --payments {} --wards {} --days {}", a.payments, a.wards, a.days);
    let t = Instant::now();
    let plan = app::backend::history::Plan { payments: a.payments, wards: a.wards, days: a.days, seed: 2026 };
    let s = app::backend::history::seed(db, plan, |line| println!("  {line}")).await.map_err(|e| e.to_string())?;
    println!(
        "seeded in {:.0} s: {} payment requests, {} notifications, {} exceptions, {} receipts, {} ward-days closed",
        t.elapsed().as_secs_f64(),
        s.payment_requests,
        s.notifications,
        s.exceptions,
        s.receipts,
        s.days_closed
    );
    let ward = app::backend::counters::default_ward_id(db).await.map_err(|e| e.to_string())?;
    let today = app::time::to_vn(chrono::Utc::now()).date_naive();
    let yesterday = today - chrono::Duration::days(1);
    let month = DayRange { from: yesterday - chrono::Duration::days(29), to: yesterday };
    let year = DayRange { from: yesterday - chrono::Duration::days(364), to: yesterday };
    let to_date = DayRange { from: today - chrono::Duration::days(30), to: today };
    let page = app::model::RECON_PAGE_ROWS;
    let (rss0, _) = rss_kib();
    for (label, range) in
        [("one month (30 closed days)", month), ("one year (365 closed days)", year), ("30 days to today (today open)", to_date)]
    {
        let (ms, r) =
            timed(a.reps, || async { reconciliation::report_page(db, ward, range, 0, page).await.map_err(|e| e.to_string()) }).await?;
        println!(
            "reconciliation, {label}, first page of {page} rows: {} — {} rows, {} đ received",
            med_max(&ms),
            r.row_count,
            r.total_received
        );
    }
    // The same writer as the XLSX download.
    let xlsx = |range| async move {
        let p = reconciliation::plan(db, ward, range).await.map_err(|e| e.to_string())?;
        server::reports::workbook(db, &p).await.map(|b| b.len()).map_err(|e| e.to_string())
    };
    let (ms, bytes) = timed(a.reps, || xlsx(month)).await?;
    println!("XLSX of one month: {} — {} KiB", med_max(&ms), bytes / 1024);
    let (ms, bytes) = timed(1, || xlsx(year)).await?;
    println!("XLSX of one year: {} — {} KiB", med_max(&ms), bytes / 1024);
    for (label, range, bucket, by) in [
        ("statistics, one year by month and counter", year, app::domain::trends::Bucket::Month, app::domain::trends::GroupBy::Counter),
        ("statistics, one year by day", year, app::domain::trends::Bucket::Day, app::domain::trends::GroupBy::Ward),
    ] {
        let (ms, r) =
            timed(a.reps, || async { app::backend::trends::report(db, ward, range, bucket, by).await.map_err(|e| e.to_string()) }).await?;
        println!("{label}: {} — {} dossiers, {} periods", med_max(&ms), r.total.dossiers, r.buckets.len());
    }
    // A ward that never closed its days: the month computed from the records.
    for t in ["day_report", "day_adjustment", "day_close"] {
        db.execute_unprepared(&format!("DELETE FROM {t} WHERE ward_id = {ward}")).await.map_err(|e| e.to_string())?;
    }
    let (ms, r) =
        timed(a.reps, || async { reconciliation::report_page(db, ward, month, 0, page).await.map_err(|e| e.to_string()) }).await?;
    println!("reconciliation, one month never closed (computed from the records): {} — {} rows", med_max(&ms), r.row_count);
    let (ms, r) = timed(a.reps, || async {
        app::backend::trends::report(db, ward, month, app::domain::trends::Bucket::Day, app::domain::trends::GroupBy::Procedure)
            .await
            .map_err(|e| e.to_string())
    })
    .await?;
    println!("statistics, one month never closed, by day and procedure: {} — {} dossiers", med_max(&ms), r.total.dossiers);
    let (rss1, peak) = rss_kib();
    println!("process RSS {} → {} (peak {})", mib(rss0), mib(rss1), mib(peak));
    Ok(())
}
