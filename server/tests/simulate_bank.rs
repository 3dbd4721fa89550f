//! `wardpay simulate-bank` against a real server, in each provider's format.

use crate::common;

use app::backend::entity::{bank_exception, payment_request};
use app::backend::{counters, payments};
use app::model::{LineRequest, NewDossier};
use common::{fresh_db, Engine};
use sea_orm::{EntityTrait, PaginatorTrait};
use std::process::Command;

fn simulate(url: &str, provider: &str, secret: &str, scenario: &str, code: &str, amount: i64) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_wardpay"))
        .args(["simulate-bank", "--url", url, "--provider", provider, "--secret", secret, "--scenario", scenario])
        .args(["--code", code, "--amount", &amount.to_string(), "--account", "113366668888"])
        .output()
        .expect("run");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_provider_and_scenario() {
    let t = fresh_db(Engine::Sqlite).await.expect("sqlite");
    let mut args = common::serve_args();
    args.sepay_keys = vec!["sepay-k".into()];
    args.casso_keys = vec!["casso-k".into()];
    args.payos_keys = vec!["payos-k".into()];
    let srv = server::start_with_db(t.db.clone(), &args).await.expect("start");
    let ward = counters::default_ward_id(&t.db).await.expect("ward");
    let counter = counters::first_counter_id(&t.db).await.expect("q").expect("counter");
    let item =
        payments::catalog(&t.db, ward).await.expect("catalog").into_iter().find(|c| c.procedure_code == "DEMO-CT02").expect("item").id;
    let url = srv.base_url();
    let url = url.as_str();
    for (provider, secret) in [("sepay", "sepay-k"), ("casso", "casso-k"), ("payos", "payos-k")] {
        let row = payments::create_dossier(
            &srv.backend,
            NewDossier {
                counter_id: counter,
                applicant_name: "Phạm Thị Dung".into(),
                id_number: None,
                phone: None,
                lines: vec![LineRequest { fee_item_id: item, quantity: 1, pages: None, exempt_reason: None }],
                request_key: None,
            },
            payments::Source::Counter,
            None,
            "test",
        )
        .await
        .expect("dossier");
        let code = row.payment.expect("payment").payment_code;
        let (status, out) = simulate(url, provider, secret, "bad-signature", &code, 10_000);
        assert_eq!(status, 0, "{provider}: a forged body is refused: {out}");
        assert!(out.starts_with("401"), "{out}");
        let (status, out) = simulate(url, provider, secret, "mangled", &code, 10_000);
        assert_eq!(status, 0, "{provider}: {out}");
        let (status, out) = simulate(url, provider, secret, "duplicate", &code, 10_000);
        assert_eq!(status, 0, "{provider}: {out}");
    }
    let receipted =
        payment_request::Entity::find().all(&t.db).await.expect("q").into_iter().filter(|p| p.state == "receipt_issued").count();
    assert_eq!(receipted, 3, "each provider's mangled notification paid its code");
    // The duplicate scenario sends a new transaction for an already-paid code twice: one
    // exception per provider (the second copy is a no-op).
    assert_eq!(bank_exception::Entity::find().count(&t.db).await.expect("count"), 3);
    srv.shutdown().await.expect("shutdown");
}
