//! The audit log: what it records, that the database refuses edits, and that `verify` (and
//! `wardpay audit verify`) catches an edit or a removal made around the triggers.

use crate::common;

use app::backend::entity::{audit_head, audit_log};
use app::backend::{audit, payments};
use app::model::{AuditFilter, LineRequest, NewDossier, PaymentMethod};
use common::{cleanup, fresh_db, sign_in, start_server, Engine};
use sea_orm::{ConnectionTrait, DbBackend, EntityTrait, QueryOrder, Statement};
use std::process::Command;

db_tests!(records_changes_and_catches_tampering, supervisors_filter_it_and_close_the_day_once, two_supervisors_closing_at_once_close_once);

async fn exec(db: &sea_orm::DatabaseConnection, sql: &str) -> Result<(), sea_orm::DbErr> {
    db.execute_raw(Statement::from_string(db.get_database_backend(), sql.to_string())).await.map(|_| ())
}

/// What someone with the database password could do: take the triggers off.
async fn drop_triggers(db: &sea_orm::DatabaseConnection) {
    let stmts: &[&str] = match db.get_database_backend() {
        DbBackend::Postgres => &["DROP TRIGGER audit_log_no_change ON audit_log"],
        _ => &["DROP TRIGGER audit_log_no_update", "DROP TRIGGER audit_log_no_delete"],
    };
    for s in stmts {
        exec(db, s).await.expect("drop trigger");
    }
}

async fn issue_and_pay_cash(srv: &server::Server) -> i64 {
    let item =
        payments::catalog(&srv.backend.db, 1).await.expect("catalog").into_iter().find(|c| c.procedure_code == "DEMO-CT02").expect("item");
    let input = NewDossier {
        counter_id: 1,
        applicant_name: "Hoàng Văn Minh".into(),
        id_number: None,
        phone: None,
        lines: vec![LineRequest { fee_item_id: item.id, quantity: 1, pages: None, exempt_reason: None }],
        request_key: None,
    };
    let row = payments::create_dossier(&srv.backend, input, payments::Source::Counter, None, "canbo").await.expect("dossier");
    let p = row.payment.expect("payment");
    payments::pay_manually(
        &srv.backend,
        p.id,
        p.version,
        PaymentMethod::Cash,
        Some("người dân không có tài khoản ngân hàng".into()),
        None,
        "canbo",
    )
    .await
    .expect("cash");
    p.id
}

async fn records_changes_and_catches_tampering(engine: Engine) {
    let Some(t) = fresh_db(engine).await else { return };
    let srv = start_server(t.db.clone()).await;
    sign_in(&srv.base_url(), "canbo").await;
    let pr = issue_and_pay_cash(&srv).await;

    let v = audit::verify(&t.db).await.expect("verify");
    assert_eq!(v.broken, None);
    let rows = audit_log::Entity::find().order_by_asc(audit_log::Column::Seq).all(&t.db).await.expect("rows");
    assert_eq!(v.entries, rows.len() as i64);
    let actions: Vec<&str> = rows.iter().map(|r| r.action.as_str()).collect();
    for a in ["account.create", "auth.login", "dossier.create", "payment.issue", "payment.pay_cash", "payment.receipt"] {
        assert!(actions.contains(&a), "{a} is recorded: {actions:?}");
    }
    let cash = rows.iter().find(|r| r.action == "payment.pay_cash").expect("cash entry");
    assert_eq!(cash.actor, "canbo");
    assert_eq!(cash.subject, format!("payment_request:{pr}"));
    assert!(cash.detail.contains("không có tài khoản"), "the reason is kept: {}", cash.detail);
    // Numbers run 1, 2, 3… and each entry names the hash before it.
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(r.seq, i as i64 + 1);
        assert_eq!(r.prev_hash, if i == 0 { audit::GENESIS.to_string() } else { rows[i - 1].hash.clone() });
    }

    // The database itself refuses edits and deletions.
    assert!(exec(&t.db, "UPDATE audit_log SET actor = 'someone' WHERE seq = 1").await.is_err());
    assert!(exec(&t.db, "DELETE FROM audit_log WHERE seq = 1").await.is_err());
    if t.db.get_database_backend() == DbBackend::Postgres {
        assert!(exec(&t.db, "TRUNCATE audit_log").await.is_err());
    }

    // Around the triggers: an edited entry is found…
    drop_triggers(&t.db).await;
    let target = cash.seq;
    exec(&t.db, &format!("UPDATE audit_log SET detail = REPLACE(detail, 'paid', 'cancelled') WHERE seq = {target}")).await.expect("edit");
    let v = audit::verify(&t.db).await.expect("verify");
    let (at, why) = v.broken.expect("edit detected");
    assert_eq!(at, target);
    assert!(why.contains("edited"), "{why}");
    // …so is an edit that recomputes the entry's own hash (the next link breaks)…
    let edited = audit_log::Entity::find_by_id(target).one(&t.db).await.expect("q").expect("row");
    let rehash = audit::entry_hash(
        edited.seq,
        &edited.at,
        &edited.actor,
        edited.ward_id,
        &edited.action,
        &edited.subject,
        &edited.detail,
        &edited.prev_hash,
    );
    exec(&t.db, &format!("UPDATE audit_log SET hash = '{rehash}' WHERE seq = {target}")).await.expect("rehash");
    let (at, _) = audit::verify(&t.db).await.expect("verify").broken.expect("link broken");
    assert_eq!(at, target + 1);
    exec(
        &t.db,
        &format!("UPDATE audit_log SET detail = '{}', hash = '{}' WHERE seq = {target}", cash.detail.replace('\'', "''"), cash.hash),
    )
    .await
    .expect("restore");
    assert_eq!(audit::verify(&t.db).await.expect("verify").broken, None, "restored");

    // …a deleted entry in the middle…
    exec(&t.db, "DELETE FROM audit_log WHERE seq = 2").await.expect("delete");
    let (at, why) = audit::verify(&t.db).await.expect("verify").broken.expect("gap detected");
    assert_eq!(at, 2, "{why}");

    // …and the command line says so with its exit code (SQLite: the binary reads the same file).
    if t.db.get_database_backend() == DbBackend::Sqlite {
        let out = Command::new(env!("CARGO_BIN_EXE_wardpay")).args(["audit", "verify"]).env("DATABASE_URL", &t.url).output().expect("run");
        assert_eq!(out.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&out.stdout).contains("BROKEN at entry 2"));
    }
    srv.shutdown().await.expect("shutdown");
    cleanup(t).await;
}

async fn supervisors_filter_it_and_close_the_day_once(engine: Engine) {
    let Some(t) = fresh_db(engine).await else { return };
    let srv = start_server(t.db.clone()).await;
    let base = srv.base_url();
    let cash = issue_and_pay_cash(&srv).await;
    let cash = app::backend::entity::payment_request::Entity::find_by_id(cash).one(&t.db).await.expect("q").expect("pr");
    let boss = sign_in(&base, "truongbp").await;
    let rows: Vec<app::model::AuditRow> = boss
        .client
        .post(format!("{base}/api/get_audit"))
        .json(&serde_json::json!({ "filter": { "action": "payment.pay_cash" } }))
        .send()
        .await
        .expect("audit")
        .json()
        .await
        .expect("json");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].actor, "canbo");
    let by_actor: Vec<app::model::AuditRow> = boss
        .client
        .post(format!("{base}/api/get_audit"))
        .json(&serde_json::json!({ "filter": { "actor": "canbo" } }))
        .send()
        .await
        .expect("audit")
        .json()
        .await
        .expect("json");
    assert!(by_actor.len() >= 3 && by_actor.iter().all(|r| r.actor == "canbo"));
    assert!(by_actor.windows(2).all(|w| w[0].seq > w[1].seq), "newest first");
    let today = app::time::vn_today(chrono::Utc::now());
    let r = boss
        .client
        .post(format!("{base}/api/get_audit"))
        .json(&serde_json::json!({ "filter": { "day": "25/11/2026" } }))
        .send()
        .await
        .expect("q");
    assert_eq!(r.status(), 422, "a malformed day is a clear error");

    // Closing today: refused while a code can still be paid, then once, then never again.
    let item = payments::catalog(&t.db, 1).await.expect("catalog").into_iter().find(|c| c.procedure_code == "DEMO-CT02").expect("item");
    let input = NewDossier {
        counter_id: 2,
        applicant_name: "Vũ Thị Hoa".into(),
        id_number: None,
        phone: None,
        lines: vec![LineRequest { fee_item_id: item.id, quantity: 1, pages: None, exempt_reason: None }],
        request_key: None,
    };
    let waiting =
        payments::create_dossier(&srv.backend, input, payments::Source::Counter, None, "canbo").await.expect("dossier").payment.expect("p");
    let close = || boss.client.post(format!("{base}/api/close_day")).form(&[("day", today.as_str())]).send();
    let r = close().await.expect("close");
    assert_eq!(r.status(), 409);
    assert!(r.text().await.expect("body").contains("đang chờ thanh toán"));
    payments::cancel(&srv.backend, waiting.id, waiting.version, "canbo", None).await.expect("cancel");
    let r = close().await.expect("close");
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
    let row: app::model::DayCloseRow = r.json().await.expect("json");
    assert_eq!((row.paid, row.paid_amount, row.closed_by.as_str()), (1, cash.amount, "truongbp"));
    assert_eq!(close().await.expect("close").status(), 409, "a day closes once");
    let r = boss.client.post(format!("{base}/api/close_day")).form(&[("day", "2999-01-01")]).send().await.expect("future");
    assert_eq!(r.status(), 422);
    // A past day of the ward's life, spelled two ways, is still one day.
    let past = |d: &'static str| boss.client.post(format!("{base}/api/close_day")).form(&[("day", d)]).send();
    assert_eq!(past("2020-01-05").await.expect("close").status(), 422, "the ward did not exist yet");
    ward_exists_since_2020(&t.db).await;
    assert_eq!(past("2020-01-05").await.expect("close").status(), 200);
    assert_eq!(past("2020-1-5").await.expect("close").status(), 409);
    let entries = audit::list(&t.db, Some(1), &AuditFilter { action: Some("day.".into()), ..Default::default() }, 20).await.expect("list");
    let closes: Vec<_> = entries.iter().filter(|e| e.action == "day.close").collect();
    assert_eq!(closes.len(), 2);
    assert_eq!(closes[1].subject, format!("day:{today}"));
    // Each refusal (codes still payable, closed twice, the future, before the ward) is audited too.
    assert_eq!(entries.iter().filter(|e| e.action == "day.close_refused").count(), 5);
    let head = audit_head::Entity::find_by_id(1).one(&t.db).await.expect("q").expect("head");
    assert_eq!(audit::verify(&t.db).await.expect("verify").entries, head.seq);
    srv.shutdown().await.expect("shutdown");
    cleanup(t).await;
}

async fn two_supervisors_closing_at_once_close_once(engine: Engine) {
    let Some(t) = fresh_db(engine).await else { return };
    let srv = start_server(t.db.clone()).await;
    let me = |u: &str| app::backend::auth::StaffUser {
        account_id: 0,
        username: u.into(),
        display_name: u.into(),
        role: app::model::Role::Supervisor,
        ward_id: Some(1),
        session_id: String::new(),
    };
    let (a, b) = (me("truongbp"), me("phobp"));
    ward_exists_since_2020(&t.db).await;
    // The second supervisor's request lands on another server (its own pool) on PostgreSQL.
    let other = match engine {
        Engine::Postgres => t.reconnect().await,
        Engine::Sqlite => t.db.clone(),
    };
    let (ra, rb) = tokio::join!(
        app::backend::days::close(&t.db, 1, Some("2021-03-04".into()), &a),
        app::backend::days::close(&other, 1, Some("2021-03-04".into()), &b),
    );
    let oks = [&ra, &rb].iter().filter(|r| r.is_ok()).count();
    assert_eq!(oks, 1, "{ra:?} {rb:?}");
    for r in [ra, rb] {
        assert!(!matches!(r, Err(app::backend::BackendError::Db(_))), "the loser gets a clear answer, not a database error: {r:?}");
    }
    srv.shutdown().await.expect("shutdown");
    cleanup(t).await;
}

/// The demo ward as if set up in 2020, so that past days of its life can be closed.
async fn ward_exists_since_2020(db: &sea_orm::DatabaseConnection) {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let since = chrono::NaiveDate::from_ymd_opt(2020, 1, 1).and_then(|d| d.and_hms_opt(0, 0, 0)).expect("date").and_utc();
    app::backend::entity::ward::Entity::update_many()
        .col_expr(app::backend::entity::ward::Column::CreatedAt, sea_orm::sea_query::Expr::value(since))
        .filter(app::backend::entity::ward::Column::Id.eq(1))
        .exec(db)
        .await
        .expect("backdate the ward");
}
