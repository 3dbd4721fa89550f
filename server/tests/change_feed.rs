//! Commands commit and return; the screens follow from the change feed. A command never
//! fails because a screen's snapshot could not be built, and a burst of changes to one
//! counter leaves its kiosk on the last state. Real HTTP, WebSockets and both databases.

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
);

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
