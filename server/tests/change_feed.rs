//! Commands commit and return; the screens follow from the change feed. A command never
//! fails because a screen's snapshot could not be built, a burst of changes to one counter
//! leaves its kiosk on the last state, and servers sharing one PostgreSQL push each other's
//! changes. Real HTTP, WebSockets and both databases.

use crate::common;

use app::backend::{counters, payments};
use app::model::{CounterSnapshot, CounterStatus, LineRequest, NewDossier, PaymentState, ServerMsg};
use common::{cleanup, fresh_db, Engine, Ws};
use futures_util::StreamExt;
use sea_orm::{ConnectionTrait, Statement};
use server::Server;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

db_tests!(
    a_command_succeeds_while_its_screens_snapshot_cannot_be_built_and_the_next_change_catches_up,
    a_burst_of_changes_to_one_counter_leaves_its_kiosk_on_the_last_state,
    a_job_round_runs_on_one_server_at_a_time,
);

/// Several servers share a database only on PostgreSQL (SQLite serves one), so this test
/// has no SQLite twin.
mod postgres_only {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn two_servers_on_one_postgres_push_each_others_changes() {
        if crate::common::postgres_url().is_none() {
            eprintln!("skipped: TEST_DATABASE_URL not set");
            return;
        }
        crate::common::within_limit(super::two_servers_on_one_postgres_push_each_others_changes()).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_server_that_loses_its_listening_connection_is_unready_then_reconnects_and_resyncs_its_kiosks() {
        if crate::common::postgres_url().is_none() {
            eprintln!("skipped: TEST_DATABASE_URL not set");
            return;
        }
        crate::common::within_limit(super::a_server_that_loses_its_listening_connection_is_unready_then_reconnects_and_resyncs_its_kiosks())
            .await;
    }
}

async fn start(db: sea_orm::DatabaseConnection) -> Server {
    let mut args = common::serve_args();
    // Bank silence is part of every snapshot during opening hours while a code waits.
    args.opening_hours = (0, 24 * 60);
    server::start_with_db(db, &args).await.expect("server starts")
}

/// The next counter snapshot within `wait`, beats skipped; `None` if none came.
async fn next_snapshot(ws: &mut Ws, wait: Duration) -> Option<CounterSnapshot> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let frame = tokio::time::timeout_at(deadline, ws.next()).await.ok()?;
        if let Some(Ok(Message::Text(txt))) = frame {
            if let Ok(ServerMsg::Counter(s)) = serde_json::from_str::<ServerMsg>(&txt) {
                return Some(s);
            }
        }
    }
}

async fn kiosk_socket(srv: &Server, counter_id: i64) -> Ws {
    let base = srv.base_url();
    let admin = common::sign_in(&base, "admin").await;
    let (cookie, _) = common::pair_kiosk(&base, counter_id, &admin).await;
    let mut ws = common::ws_connect(&base, &format!("/ws/counter/{counter_id}"), Some(&cookie)).await.expect("ws");
    next_snapshot(&mut ws, Duration::from_secs(5)).await.expect("the current state on connecting");
    ws
}

async fn exec(db: &sea_orm::DatabaseConnection, sql: &str) {
    db.execute_raw(Statement::from_string(db.get_database_backend(), sql.to_string())).await.expect(sql);
}

async fn a_command_succeeds_while_its_screens_snapshot_cannot_be_built_and_the_next_change_catches_up(engine: Engine) {
    let Some(t) = fresh_db(engine).await else { return };
    let srv = start(t.db.clone()).await;
    let c = common::first_counter(&srv).await;
    let mut kiosk = kiosk_socket(&srv, c).await;
    // The snapshot reads the bank's notifications (for the silence warning); the command
    // does not. Without that table every snapshot of this counter fails.
    exec(&t.db, "ALTER TABLE bank_notification RENAME TO bank_notification_away").await;
    let item = common::demo_item(&srv, "DEMO-CT03").await;
    let input = NewDossier {
        counter_id: c,
        applicant_name: "Phạm Văn Đức".into(),
        id_number: None,
        phone: None,
        lines: vec![LineRequest { fee_item_id: item, quantity: 1, pages: None, exempt_reason: None }],
        request_key: None,
    };
    let row = payments::create_dossier(&srv.backend, input, payments::Source::Counter, None, "canbo")
        .await
        .expect("the dossier is saved and the officer is told so, whatever happens to the screens");
    let code = row.payment.expect("a code").payment_code;
    assert!(next_snapshot(&mut kiosk, Duration::from_millis(1_500)).await.is_none(), "no snapshot could be built, none was sent");
    // Back to normal: the next change to the counter brings its screens the whole current state.
    exec(&t.db, "ALTER TABLE bank_notification_away RENAME TO bank_notification").await;
    counters::set_status(&srv.backend, c, CounterStatus::Paused, "canbo").await.expect("pause");
    let snap = next_snapshot(&mut kiosk, Duration::from_secs(5)).await.expect("a snapshot");
    assert_eq!(snap.counter.status, CounterStatus::Paused);
    let current = snap.current.expect("the code saved while the screens could not be built");
    assert_eq!((current.payment_code, current.state), (code, PaymentState::QrIssued));
    srv.shutdown().await.expect("shutdown");
    cleanup(t).await;
}

async fn a_burst_of_changes_to_one_counter_leaves_its_kiosk_on_the_last_state(engine: Engine) {
    let Some(t) = fresh_db(engine).await else { return };
    let srv = start(t.db.clone()).await;
    let c = common::first_counter(&srv).await;
    let mut kiosk = kiosk_socket(&srv, c).await;
    // 40 commits in a row, ending paused; and 1,000 bare change notices on top.
    let mut status = CounterStatus::Open;
    for _ in 0..40 {
        status = if status == CounterStatus::Open { CounterStatus::Paused } else { CounterStatus::Open };
        counters::set_status(&srv.backend, c, status, "canbo").await.expect("toggle");
    }
    assert_eq!(status, CounterStatus::Open);
    counters::set_status(&srv.backend, c, CounterStatus::Paused, "canbo").await.expect("last");
    for _ in 0..1_000 {
        srv.backend.changes.counter(c);
    }
    let mut frames = 0;
    let mut last = None;
    while let Some(s) = next_snapshot(&mut kiosk, Duration::from_secs(2)).await {
        frames += 1;
        last = Some(s);
    }
    let last = last.expect("at least one snapshot");
    assert_eq!(last.counter.status, CounterStatus::Paused, "the kiosk ends on the last state");
    assert!(frames < 41 + 1_000, "bursts are coalesced: {frames} snapshots for 1,041 changes");
    srv.shutdown().await.expect("shutdown");
    cleanup(t).await;
}

/// Two servers on one PostgreSQL (a city's deployment): an officer on A, a kiosk on B, the
/// bank's notification to B and a second kiosk socket on A; each screen follows the other
/// server's commands.
async fn two_servers_on_one_postgres_push_each_others_changes() {
    let Some(t) = fresh_db(Engine::Postgres).await else { return };
    let mut args = common::serve_args();
    args.sepay_keys = vec!["two-servers".into()];
    let a = server::start_with_db(t.db.clone(), &args).await.expect("server A");
    let b = server::start_with_db(t.reconnect().await, &args).await.expect("server B");
    let c = common::first_counter(&a).await;
    let mut kiosk_on_b = kiosk_socket(&b, c).await;
    let mut kiosk_on_a = kiosk_socket(&a, c).await;
    // Give B's listener its connection (it re-syncs its screens once it has one).
    tokio::time::sleep(Duration::from_millis(500)).await;
    let item = common::demo_item(&a, "DEMO-CT03").await;
    let input = NewDossier {
        counter_id: c,
        applicant_name: "Lê Thị Hoa".into(),
        id_number: None,
        phone: None,
        lines: vec![LineRequest { fee_item_id: item, quantity: 1, pages: None, exempt_reason: None }],
        request_key: None,
    };
    let row = payments::create_dossier(&a.backend, input, payments::Source::Counter, None, "canbo").await.expect("created on A");
    let code = row.payment.expect("a code").payment_code;
    let on_b = loop {
        let s = next_snapshot(&mut kiosk_on_b, Duration::from_secs(5)).await.expect("B's kiosk hears A's command");
        if s.current.as_ref().is_some_and(|p| p.payment_code == code) {
            break s;
        }
    };
    assert_eq!(on_b.current.map(|p| p.state), Some(PaymentState::QrIssued));
    // The bank notifies B; A's kiosk shows the payment.
    let r = common::sepay_to(&b.base_url(), "two-servers", 424242, "113366668888", 50_000, &format!("{code} NOP PHI")).await;
    assert_eq!(r.status(), 200);
    loop {
        let s = next_snapshot(&mut kiosk_on_a, Duration::from_secs(5)).await.expect("A's kiosk hears B's payment");
        if s.current.as_ref().is_some_and(|p| p.payment_code == code && p.state == PaymentState::ReceiptIssued) {
            break;
        }
    }
    b.shutdown().await.expect("shutdown B");
    a.shutdown().await.expect("shutdown A");
    cleanup(t).await;
}

/// A background job's round runs on one server at a time: while one holds the sweep,
/// another server's round is skipped, and the next round after it finished runs. (SQLite
/// has one server: every round runs.)
async fn a_job_round_runs_on_one_server_at_a_time(engine: Engine) {
    use app::backend::jobs::{run_alone, Job};
    let Some(t) = fresh_db(engine).await else { return };
    let other_server = t.reconnect().await;
    let (started_tx, started_rx) = tokio::sync::oneshot::channel::<()>();
    let (finish_tx, finish_rx) = tokio::sync::oneshot::channel::<()>();
    let db = t.db.clone();
    let holder = tokio::spawn(async move {
        run_alone(&db, Job::ExpirySweep, async move {
            let _ = started_tx.send(());
            let _ = finish_rx.await;
            "first"
        })
        .await
    });
    started_rx.await.expect("the first round started");
    let meanwhile = run_alone(&other_server, Job::ExpirySweep, async { "second" }).await.expect("db");
    let other_job = run_alone(&other_server, Job::Poll("sepay"), async { "poll" }).await.expect("db");
    let _ = finish_tx.send(());
    assert_eq!(holder.await.expect("join").expect("db"), Some("first"));
    let after = run_alone(&other_server, Job::ExpirySweep, async { "third" }).await.expect("db");
    match engine {
        Engine::Postgres => assert_eq!(meanwhile, None, "skipped while another server sweeps"),
        Engine::Sqlite => assert_eq!(meanwhile, Some("second"), "one server: nothing to wait for"),
    }
    assert_eq!(other_job, Some("poll"), "another job is not held by the sweep");
    assert_eq!(after, Some("third"), "the lock went with the first round's transaction");
    other_server.close().await.ok();
    cleanup(t).await;
}

async fn readyz(srv: &Server) -> (u16, serde_json::Value) {
    let r = reqwest::get(format!("{}/readyz", srv.base_url())).await.expect("readyz");
    (r.status().as_u16(), r.json().await.expect("json"))
}

/// The listening connection dies (PostgreSQL restarted, a proxy dropped it): the server says
/// it is not ready while it cannot hear the others, listens again, sends its kiosks a whole
/// snapshot (what was said meanwhile is lost), and hears the others' changes again.
async fn a_server_that_loses_its_listening_connection_is_unready_then_reconnects_and_resyncs_its_kiosks() {
    let Some(t) = fresh_db(Engine::Postgres).await else { return };
    let a = start(t.db.clone()).await;
    let b = start(t.reconnect().await).await;
    let c = common::first_counter(&a).await;
    let mut kiosk_on_b = kiosk_socket(&b, c).await;
    let hears = |v: &serde_json::Value| v["peers"] == serde_json::json!(true);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !hears(&readyz(&b).await.1) {
        assert!(tokio::time::Instant::now() < deadline, "B never started listening");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Everyone's LISTEN connection of this schema's channel dies at once.
    let channel: String = {
        let row = t.db.query_one_raw(Statement::from_string(t.db.get_database_backend(), "SELECT current_schema() AS s")).await.expect("q");
        format!("wardpay_changes_{}", row.and_then(|r| r.try_get::<String>("", "s").ok()).expect("schema"))
    };
    let killed =
        t.db.query_all_raw(Statement::from_string(
            t.db.get_database_backend(),
            format!("SELECT pg_terminate_backend(pid) AS k FROM pg_stat_activity WHERE query LIKE 'LISTEN%{channel}%'"),
        ))
        .await
        .expect("terminate");
    assert!(killed.len() >= 2, "both servers' listening connections were found: {}", killed.len());
    // Not ready while it cannot hear the others (polled: the gap may be short), then ready again.
    let mut saw_unready = false;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let (status, body) = readyz(&b).await;
        if status == 503 {
            assert_eq!(body["peers"], serde_json::json!(false), "{body}");
            saw_unready = true;
        } else if saw_unready && hears(&body) {
            assert_eq!(status, 200);
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "B did not come back: {body}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // The kiosk got a whole snapshot on the re-sync, with no change made by anyone.
    next_snapshot(&mut kiosk_on_b, Duration::from_secs(5)).await.expect("a re-sync snapshot after listening again");
    // And hears A again.
    let item = common::demo_item(&a, "DEMO-CT03").await;
    let input = NewDossier {
        counter_id: c,
        applicant_name: "Phạm Văn Đức".into(),
        id_number: None,
        phone: None,
        lines: vec![LineRequest { fee_item_id: item, quantity: 1, pages: None, exempt_reason: None }],
        request_key: None,
    };
    let row = payments::create_dossier(&a.backend, input, payments::Source::Counter, None, "canbo").await.expect("created on A");
    let code = row.payment.expect("a code").payment_code;
    loop {
        let s = next_snapshot(&mut kiosk_on_b, Duration::from_secs(5)).await.expect("B's kiosk hears A again");
        if s.current.as_ref().is_some_and(|p| p.payment_code == code) {
            break;
        }
    }
    b.shutdown().await.expect("shutdown B");
    a.shutdown().await.expect("shutdown A");
    cleanup(t).await;
}
