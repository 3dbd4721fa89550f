//! Several servers on one database, as a city runs them behind a load balancer: what one
//! server knows, the others know too. Each test starts two servers on the same database: on
//! PostgreSQL each with its own connection pool, as separate processes have; on SQLite (one
//! server process per database file, a second writer process would meet "database is
//! locked") two servers in one process sharing its pool, which is what the state under test
//! needs.

use crate::common;

use app::backend::audit;
use app::backend::auth::DEMO_PASSWORD;
use common::{anonymous, cleanup, fresh_db, set_cookie, sign_in, start_server, ws_connect, Engine};

db_tests!(
    wrong_passwords_on_one_server_throttle_the_name_on_the_other,
    a_burst_of_guesses_spread_over_two_servers_gets_no_more_tries_than_the_limit,
    a_kiosk_asks_one_server_for_its_code_the_admin_pairs_it_on_the_other_and_both_let_it_in,
    during_a_rolling_upgrade_the_old_version_keeps_serving_a_database_the_new_one_migrated,
);

/// The pool of the second server (see the module's note).
async fn second_pool(t: &common::TestDb) -> sea_orm::DatabaseConnection {
    match t.schema {
        Some(_) => t.reconnect().await,
        None => t.db.clone(),
    }
}

async fn login(base: &str, user: &str, password: &str) -> reqwest::Response {
    anonymous(base).post(format!("{base}/api/login")).form(&[("username", user), ("password", password)]).send().await.expect("login")
}

async fn failed_checks(db: &sea_orm::DatabaseConnection, account: &str) -> usize {
    let filter = app::model::AuditFilter { action: Some("auth.login_failed".into()), ..Default::default() };
    audit::list(db, None, &filter, 1_000).await.expect("audit").iter().filter(|r| r.subject == format!("account:{account}")).count()
}

async fn wrong_passwords_on_one_server_throttle_the_name_on_the_other(engine: Engine) {
    let Some(t) = fresh_db(engine).await else { return };
    let a = start_server(t.db.clone()).await;
    let b = start_server(second_pool(&t).await).await;
    let (on_a, on_b) = (a.base_url(), b.base_url());
    for _ in 0..3 {
        assert_eq!(login(&on_a, "canbo", "not-the-password").await.status(), 401);
    }
    for _ in 0..2 {
        assert_eq!(login(&on_b, "canbo", "not-the-password").await.status(), 401);
    }
    // Five failures in all: the sixth try waits, on either server, even with the right password.
    for base in [&on_a, &on_b] {
        let r = login(base, "canbo", DEMO_PASSWORD).await;
        assert_eq!(r.status(), 429, "throttled on {base}");
        let wait: u64 = r.headers().get("retry-after").and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok()).expect("Retry-After");
        assert!((1..=30).contains(&wait), "{wait}");
    }
    // Another account behind the same address is not locked out, on either server.
    assert_eq!(login(&on_b, "hotro", DEMO_PASSWORD).await.status(), 200);
    assert_eq!(login(&on_a, "truongbp", DEMO_PASSWORD).await.status(), 200);
    assert_eq!(failed_checks(&t.db, "canbo").await, 5, "every checked failure is in the audit log, whichever server saw it");
    a.shutdown().await.expect("shutdown a");
    b.shutdown().await.expect("shutdown b");
    cleanup(t).await;
}

async fn a_burst_of_guesses_spread_over_two_servers_gets_no_more_tries_than_the_limit(engine: Engine) {
    let Some(t) = fresh_db(engine).await else { return };
    let a = start_server(t.db.clone()).await;
    let b = start_server(second_pool(&t).await).await;
    let bases = [a.base_url(), b.base_url()];
    let tries = (0..24).map(|i| {
        let base = bases[i % 2].clone();
        async move { login(&base, "canbo", &format!("guess-number-{i}")).await.status().as_u16() }
    });
    let statuses = futures_util::future::join_all(tries).await;
    let checked = statuses.iter().filter(|s| **s == 401).count();
    assert!(statuses.iter().all(|s| *s == 401 || *s == 429), "{statuses:?}");
    assert!((1..=5).contains(&checked), "at most five passwords were checked in the burst: {statuses:?}");
    assert_eq!(failed_checks(&t.db, "canbo").await, checked, "each checked guess is one failure in the audit log");
    a.shutdown().await.expect("shutdown a");
    b.shutdown().await.expect("shutdown b");
    cleanup(t).await;
}

async fn a_kiosk_asks_one_server_for_its_code_the_admin_pairs_it_on_the_other_and_both_let_it_in(engine: Engine) {
    let Some(t) = fresh_db(engine).await else { return };
    let a = start_server(t.db.clone()).await;
    let b = start_server(second_pool(&t).await).await;
    let (on_a, on_b) = (a.base_url(), b.base_url());
    let counter = common::first_counter(&a).await;
    let r = anonymous(&on_a)
        .post(format!("{on_a}/api/kiosk_pairing_start"))
        .form(&[("counter_id", counter.to_string())])
        .send()
        .await
        .expect("start");
    assert_eq!(r.status(), 200);
    let cookie = set_cookie(&r, app::backend::auth::KIOSK_COOKIE).expect("kiosk cookie");
    let body: serde_json::Value = r.json().await.expect("json");
    let code = body["Pairing"]["code"].as_str().expect("a pairing code").to_string();
    // Before the admin enters the code, neither server lets the kiosk read the counter.
    assert!(ws_connect(&on_b, &format!("/ws/counter/{counter}"), Some(&cookie)).await.is_err(), "not paired yet");
    let admin = sign_in(&on_b, "admin").await;
    let r = admin
        .client
        .post(format!("{on_b}/api/admin_pair_kiosk"))
        .form(&[("code", code.as_str()), ("label", "Kiosk B")])
        .send()
        .await
        .expect("pair");
    assert_eq!(r.status(), 200, "the code made on A is known to B");
    for base in [&on_a, &on_b] {
        assert!(
            ws_connect(base, &format!("/ws/counter/{counter}"), Some(&cookie)).await.is_ok(),
            "the paired kiosk reads its counter on {base}"
        );
    }
    // The same code cannot pair a second time, on either server.
    let admin_on_a = sign_in(&on_a, "admin").await;
    let again = admin_on_a
        .client
        .post(format!("{on_a}/api/admin_pair_kiosk"))
        .form(&[("code", code.as_str()), ("label", "again")])
        .send()
        .await
        .expect("pair");
    assert!(again.status().is_client_error(), "a used code is refused: {}", again.status());
    a.shutdown().await.expect("shutdown a");
    b.shutdown().await.expect("shutdown b");
    cleanup(t).await;
}

/// A newer version has started and added its migration: the instances of the version before
/// (this binary) stay ready and can still start, since migrations only add. A database that
/// also lacks one of this binary's own migrations is refused, naming both.
async fn during_a_rolling_upgrade_the_old_version_keeps_serving_a_database_the_new_one_migrated(engine: Engine) {
    use sea_orm::{ConnectionTrait, Statement};
    let Some(t) = fresh_db(engine).await else { return };
    let old = start_server(t.db.clone()).await;
    let newer = "m29991231_000001_added_by_the_next_release";
    t.db.execute_raw(Statement::from_string(
        t.db.get_database_backend(),
        format!("INSERT INTO seaql_migrations (version, applied_at) VALUES ('{newer}', 0)"),
    ))
    .await
    .expect("the newer version's migration");
    let ready = reqwest::get(format!("{}/readyz", old.base_url())).await.expect("readyz");
    assert_eq!(ready.status(), 200, "the running old instance stays ready");
    app::backend::db::migrate(&t.db).await.expect("an old instance starting now migrates nothing and goes on");
    let restarted = start_server(second_pool(&t).await).await;
    assert_eq!(reqwest::get(format!("{}/readyz", restarted.base_url())).await.expect("readyz").status(), 200);
    // Without one of its own migrations as well, the database is not one this version can use.
    let own = app::backend::db::schema_state(&t.db).await.expect("state");
    assert_eq!(own.newer, vec![newer.to_string()]);
    t.db.execute_raw(Statement::from_string(
        t.db.get_database_backend(),
        "DELETE FROM seaql_migrations WHERE version = 'm20261201_000010_login_attempts'".to_string(),
    ))
    .await
    .expect("forget one");
    let refused = app::backend::db::migrate(&t.db).await.expect_err("refused");
    assert!(refused.to_string().contains(newer) && refused.to_string().contains("m20261201_000010_login_attempts"), "{refused}");
    assert_eq!(reqwest::get(format!("{}/readyz", old.base_url())).await.expect("readyz").status(), 503);
    old.shutdown().await.expect("shutdown");
    restarted.shutdown().await.expect("shutdown");
    cleanup(t).await;
}
