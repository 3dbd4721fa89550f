//! Backups taken while the server serves, restored and checked with `wardpay audit verify`:
//! `wardpay backup` on SQLite, `pg_dump` / `pg_restore` on PostgreSQL (as deploy/README.md
//! tells an operator to do).

use crate::common;

use app::backend::entity::receipt;
use app::backend::{audit, payments};
use app::model::{LineRequest, NewDossier, PaymentMethod};
use common::{cleanup, fresh_db, Engine};
use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait, Statement};
use std::process::Command;

db_tests!(a_backup_taken_while_payments_go_on_restores_to_a_verified_database,);

fn wardpay(args: &[&str], db: &str) -> (bool, String) {
    let out =
        Command::new(env!("CARGO_BIN_EXE_wardpay")).args(args).env("DATABASE_URL", db).env("WARDPAY_LOG", "warn").output().expect("run");
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

fn run(program: &str, args: &[&str]) {
    let out = Command::new(program).args(args).output().unwrap_or_else(|e| panic!("{program} could not run: {e}"));
    assert!(out.status.success(), "{program} {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

async fn pay_one(srv: &server::Server, n: usize) {
    let counter = common::first_counter(srv).await;
    let item = common::demo_item(srv, "DEMO-CT02").await;
    let input = NewDossier {
        counter_id: counter,
        applicant_name: format!("Người nộp {n}"),
        id_number: None,
        phone: None,
        lines: vec![LineRequest { fee_item_id: item, quantity: 1, pages: None, exempt_reason: None }],
        request_key: None,
    };
    let p = payments::create_dossier(&srv.backend, input, payments::Source::Counter, None, "canbo")
        .await
        .expect("dossier")
        .payment
        .expect("code");
    payments::pay_manually(&srv.backend, p.id, p.version, PaymentMethod::Cash, Some("không có tài khoản".into()), None, "canbo")
        .await
        .expect("paid");
}

async fn a_backup_taken_while_payments_go_on_restores_to_a_verified_database(engine: Engine) {
    let Some(t) = fresh_db(engine).await else { return };
    let srv = common::start_server(t.db.clone()).await;
    for n in 0..5 {
        pay_one(&srv, n).await;
    }
    // Payments keep coming while the backup is taken.
    let busy = {
        // Another server's pool on PostgreSQL; on SQLite one process serves the file.
        let srv_db = match engine {
            Engine::Postgres => t.reconnect().await,
            Engine::Sqlite => t.db.clone(),
        };
        let args = common::serve_args();
        let other = server::start_with_db(srv_db, &args).await.expect("second server");
        tokio::spawn(async move {
            for n in 5..25 {
                pay_one(&other, n).await;
            }
            other.shutdown().await.expect("shutdown");
        })
    };
    let dir = tempfile::tempdir().expect("tmp");
    let url = t.cli_url();
    let restored_url = match engine {
        Engine::Sqlite => {
            let copy = dir.path().join("backup.sqlite");
            let copy_s = copy.to_string_lossy().into_owned();
            let (ok, out) = wardpay(&["backup", "--output", &copy_s], &url);
            assert!(ok, "{out}");
            assert!(out.contains("backup written"), "{out}");
            let (ok, out) = wardpay(&["backup", "--output", &copy_s], &url);
            assert!(!ok && out.contains("exists already"), "a backup never overwrites a file: {out}");
            // Restoring is putting the copy in the database's place.
            let restored = dir.path().join("restored.sqlite");
            std::fs::copy(&copy, &restored).expect("restore");
            format!("sqlite://{}", restored.to_string_lossy())
        }
        Engine::Postgres => {
            let schema = t.schema.clone().expect("schema");
            let dump = dir.path().join("wardpay.dump").to_string_lossy().into_owned();
            run("pg_dump", &["--format=custom", "--schema", &schema, "--file", &dump, &t.url]);
            // Restored into a database of its own, as onto a new machine.
            let name = format!("wardpay_restore_{}", uuid::Uuid::new_v4().simple());
            t.db.execute_raw(Statement::from_string(t.db.get_database_backend(), format!("CREATE DATABASE {name}")))
                .await
                .expect("create db");
            let base = t.url.rsplit_once('/').map(|(b, _)| b.to_string()).expect("url");
            let target = format!("{base}/{name}");
            run("pg_restore", &["--no-owner", "--dbname", &target, &dump]);
            format!("{target}?options=-c%20search_path%3D{schema}")
        }
    };
    busy.await.expect("payments went on");
    let (ok, out) = wardpay(&["audit", "verify"], &restored_url);
    assert!(ok && out.contains("audit log intact"), "{out}");
    // The copy holds a moment of the day: every receipt up to it, numbered without a gap.
    let copy = app::backend::db::connect(&restored_url, None).await.expect("open the restored copy");
    let mut numbers: Vec<i64> = receipt::Entity::find().all(&copy).await.expect("receipts").into_iter().map(|r| r.number).collect();
    numbers.sort_unstable();
    assert!(numbers.len() >= 5, "at least the payments made before the backup: {numbers:?}");
    assert_eq!(numbers, (1..=numbers.len() as i64).collect::<Vec<_>>());
    assert!(audit::verify(&copy).await.expect("verify").broken.is_none());
    // The live database went on to 25 receipts.
    assert_eq!(receipt::Entity::find().count(&t.db).await.expect("count"), 25);
    copy.close().await.expect("close");
    if engine == Engine::Postgres {
        let name = restored_url.rsplit_once('/').and_then(|(_, n)| n.split('?').next()).expect("name").to_string();
        let _ =
            t.db.execute_raw(Statement::from_string(t.db.get_database_backend(), format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
                .await;
    }
    srv.shutdown().await.expect("shutdown");
    cleanup(t).await;
}
