//! The foundation over real HTTP and WebSockets, on SQLite and PostgreSQL.

use crate::common;

use app::backend::{counters, entity, seed};
use app::model::{CounterStatus, ServerMsg};
use common::{anonymous, cleanup, fresh_db, http, pair_kiosk, sign_in, start_server, ws_connect, Engine};
use futures_util::StreamExt;
use sea_orm::{EntityTrait, PaginatorTrait};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

db_tests!(
    health_and_readiness,
    pages_render_with_status,
    demo_seed_is_idempotent,
    counter_change_reaches_subscribers,
    server_function_changes_counter,
    shutdown_closes_sockets_cleanly,
    unknown_topic_is_404,
    screens_hear_a_beat_with_the_servers_clock_and_build,
);

/// The next message that is not a beat.
async fn next_msg<S>(ws: &mut S) -> ServerMsg
where
    S: StreamExt<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    loop {
        match next_frame(ws).await {
            ServerMsg::Beat { .. } => continue,
            msg => return msg,
        }
    }
}

/// The next message, beats included.
async fn next_frame<S>(ws: &mut S) -> ServerMsg
where
    S: StreamExt<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(5), ws.next())
            .await
            .expect("message within 5 s")
            .expect("stream open")
            .expect("frame");
        if let Message::Text(t) = msg {
            return serde_json::from_str(&t).expect("ServerMsg");
        }
    }
}

/// Right after its snapshot a screen hears the server's beat (its clock and its build), and
/// then every two seconds: silence means the connection is gone.
async fn screens_hear_a_beat_with_the_servers_clock_and_build(engine: Engine) {
    let Some(t) = fresh_db(engine).await else { return };
    let srv = start_server(t.db.clone()).await;
    let id = counters::first_counter_id(&t.db).await.expect("query").expect("a counter");
    let base = srv.base_url();
    let admin = sign_in(&base, "admin").await;
    let (kiosk_cookie, _) = pair_kiosk(&base, id, &admin).await;
    let mut kiosk = ws_connect(&base, &format!("/ws/counter/{id}"), Some(&kiosk_cookie)).await.expect("ws");
    assert!(matches!(next_frame(&mut kiosk).await, ServerMsg::Counter(_)), "the snapshot comes first");
    let build = srv.backend.settings.build_id.clone();
    assert!(build.starts_with(env!("CARGO_PKG_VERSION")), "{build}");
    // Two in a row, each within next_frame's 5 s.
    for n in 0..2 {
        match next_frame(&mut kiosk).await {
            ServerMsg::Beat { at_ms, build: b } => {
                assert_eq!(b, build);
                let skew = (at_ms - chrono::Utc::now().timestamp_millis()).abs();
                assert!(skew < 2_000, "the beat carries the server's clock (off by {skew} ms)");
            }
            other => panic!("beat {n}: expected a beat, got {other:?}"),
        }
    }
    // The page carries the same build, for the screen to compare.
    let html = http().get(format!("{base}/login")).send().await.expect("page").text().await.expect("body");
    assert!(html.contains(&format!("<meta name=\"wardpay-build\" content=\"{build}\"")), "the page names its build");
    srv.shutdown().await.expect("shutdown");
    cleanup(t).await;
}

async fn health_and_readiness(engine: Engine) {
    let Some(t) = fresh_db(engine).await else { return };
    let srv = start_server(t.db.clone()).await;
    let c = http();
    let r = c.get(format!("{}/healthz", srv.base_url())).send().await.expect("healthz");
    assert_eq!(r.status(), 200);
    assert!(r.headers().contains_key("x-request-id"), "every response carries a request id");
    let r = c.get(format!("{}/readyz", srv.base_url())).send().await.expect("readyz");
    assert_eq!(r.status(), 200);
    let body: serde_json::Value = r.json().await.expect("json");
    assert_eq!(body["migrations"], true);
    srv.shutdown().await.expect("shutdown");
    cleanup(t).await;
}

async fn pages_render_with_status(engine: Engine) {
    let Some(t) = fresh_db(engine).await else { return };
    let srv = start_server(t.db.clone()).await;
    let base = srv.base_url();
    let c = anonymous(&base);
    let kiosk_id = counters::first_counter_id(&t.db).await.expect("query").expect("a counter");
    // An unpaired kiosk shows its pairing code; a paired one its counter.
    let r = c.get(format!("{base}/kiosk/{kiosk_id}")).send().await.expect("kiosk");
    assert_eq!(r.status(), 200);
    assert!(r.text().await.expect("body").contains("data-testid=\"pairing-code\""), "unpaired kiosk shows a code");
    let admin = sign_in(&base, "admin").await;
    let (_, kiosk) = pair_kiosk(&base, kiosk_id, &admin).await;
    let r = kiosk.get(format!("{base}/kiosk/{kiosk_id}")).send().await.expect("kiosk");
    assert_eq!(r.status(), 200);
    let html = r.text().await.expect("body");
    assert!(html.contains("Vui lòng chờ"), "idle kiosk invites to wait");
    assert!(html.contains("UBND Phường Demo"));

    for missing in ["/kiosk/9999", "/kiosk/abc"] {
        let r = c.get(format!("{base}{missing}")).send().await.expect("kiosk");
        assert_eq!(r.status(), 404, "{missing}");
        assert!(r.text().await.expect("body").contains("Quầy không tồn tại"));
    }

    // Screens send the signed-out to sign in, and render for their roles.
    let r = c.get(format!("{base}/stats")).send().await.expect("stats");
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers().get("location").and_then(|v| v.to_str().ok()), Some("/login?next=/stats"));
    let officer = sign_in(&base, "canbo").await;
    let r = officer.client.get(format!("{base}/")).send().await.expect("officer");
    assert_eq!(r.status(), 200);
    assert!(r.text().await.expect("body").contains("Quầy 1"));
    let supervisor = sign_in(&base, "truongbp").await;
    let r = supervisor.client.get(format!("{base}/stats")).send().await.expect("stats");
    assert_eq!(r.status(), 200);
    let r = supervisor
        .client
        .get(format!("{base}/stats"))
        .header("cookie", format!("{}; wardpay_lang=en", supervisor.cookie))
        .send()
        .await
        .expect("stats en");
    assert!(r.text().await.expect("body").contains("Ward statistics"), "English on request");
    let r = c.get(format!("{base}/no/such/page")).send().await.expect("404");
    assert_eq!(r.status(), 404);
    srv.shutdown().await.expect("shutdown");
    cleanup(t).await;
}

async fn demo_seed_is_idempotent(engine: Engine) {
    let Some(t) = fresh_db(engine).await else { return };
    let a = seed::seed_demo(&t.db).await.expect("seed");
    let b = seed::seed_demo(&t.db).await.expect("seed again");
    assert_eq!(a, b);
    assert_eq!(entity::ward::Entity::find().count(&t.db).await.expect("count"), 1);
    assert_eq!(entity::counter::Entity::find().count(&t.db).await.expect("count"), 3);
    assert_eq!(entity::fee_item::Entity::find().count(&t.db).await.expect("count"), 14);
    cleanup(t).await;
}

async fn counter_change_reaches_subscribers(engine: Engine) {
    let Some(t) = fresh_db(engine).await else { return };
    let srv = start_server(t.db.clone()).await;
    let id = counters::first_counter_id(&t.db).await.expect("query").expect("a counter");
    let ward_id = counters::default_ward_id(&t.db).await.expect("ward");
    let base = srv.base_url();
    let admin = sign_in(&base, "admin").await;
    let (kiosk_cookie, _) = pair_kiosk(&base, id, &admin).await;
    let boss = sign_in(&base, "truongbp").await;
    let mut kiosk = ws_connect(&base, &format!("/ws/counter/{id}"), Some(&kiosk_cookie)).await.expect("ws");
    let mut supervisor = ws_connect(&base, &format!("/ws/ward/{ward_id}"), Some(&boss.cookie)).await.expect("ws");
    match next_msg(&mut kiosk).await {
        ServerMsg::Counter(s) => assert_eq!(s.counter.status, CounterStatus::Open),
        other => panic!("expected a counter snapshot first, got {other:?}"),
    }
    assert!(matches!(next_msg(&mut supervisor).await, ServerMsg::Ward(_)));

    counters::set_status(&srv.backend, id, CounterStatus::Paused, "test").await.expect("pause");
    match next_msg(&mut kiosk).await {
        ServerMsg::Counter(s) => assert_eq!(s.counter.status, CounterStatus::Paused),
        other => panic!("unexpected {other:?}"),
    }
    match next_msg(&mut supervisor).await {
        ServerMsg::Ward(w) => assert_eq!(w.counters.iter().find(|c| c.id == id).map(|c| c.status), Some(CounterStatus::Paused)),
        other => panic!("unexpected {other:?}"),
    }
    // A reconnecting client gets the current state at once.
    kiosk.close(None).await.ok();
    let mut again = ws_connect(&base, &format!("/ws/counter/{id}"), Some(&kiosk_cookie)).await.expect("ws");
    match next_msg(&mut again).await {
        ServerMsg::Counter(s) => assert_eq!(s.counter.status, CounterStatus::Paused),
        other => panic!("unexpected {other:?}"),
    }
    srv.shutdown().await.expect("shutdown");
    cleanup(t).await;
}

async fn server_function_changes_counter(engine: Engine) {
    let Some(t) = fresh_db(engine).await else { return };
    let srv = start_server(t.db.clone()).await;
    let id = counters::first_counter_id(&t.db).await.expect("query").expect("a counter");
    let officer = sign_in(&srv.base_url(), "canbo").await;
    let r = officer
        .client
        .post(format!("{}/api/set_counter_status", srv.base_url()))
        .form(&[("counter_id", id.to_string()), ("status", "paused".into())])
        .send()
        .await
        .expect("server fn");
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
    let snap = app::backend::screens::counter_snapshot(&t.db, id).await.expect("query").expect("counter");
    assert_eq!(snap.counter.status, CounterStatus::Paused);
    srv.shutdown().await.expect("shutdown");
    cleanup(t).await;
}

async fn shutdown_closes_sockets_cleanly(engine: Engine) {
    let Some(t) = fresh_db(engine).await else { return };
    let srv = start_server(t.db.clone()).await;
    let id = counters::first_counter_id(&t.db).await.expect("query").expect("a counter");
    let officer = sign_in(&srv.base_url(), "canbo").await;
    let mut ws = ws_connect(&srv.base_url(), &format!("/ws/counter/{id}"), Some(&officer.cookie)).await.expect("ws");
    next_msg(&mut ws).await;
    let stopping = tokio::spawn(srv.shutdown());
    let close = loop {
        match tokio::time::timeout(Duration::from_secs(5), ws.next()).await.expect("close within 5 s") {
            Some(Ok(Message::Close(frame))) => break frame,
            Some(Ok(_)) => continue,
            other => panic!("expected a close frame, got {other:?}"),
        }
    };
    assert_eq!(close.map(|f| u16::from(f.code)), Some(1012));
    drop(ws);
    stopping.await.expect("join").expect("clean shutdown");
    cleanup(t).await;
}

async fn unknown_topic_is_404(engine: Engine) {
    let Some(t) = fresh_db(engine).await else { return };
    let srv = start_server(t.db.clone()).await;
    let officer = sign_in(&srv.base_url(), "canbo").await;
    let err = ws_connect(&srv.base_url(), "/ws/counter/424242", Some(&officer.cookie)).await.expect_err("refused");
    match err {
        tokio_tungstenite::tungstenite::Error::Http(resp) => assert_eq!(resp.status(), 404),
        other => panic!("expected HTTP 404, got {other:?}"),
    }
    srv.shutdown().await.expect("shutdown");
    cleanup(t).await;
}
