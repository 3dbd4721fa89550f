//! Kill -9 the server in the middle of a stream of bank notifications, restart it, let the
//! "provider" retry what was not acknowledged: nothing acknowledged is missing and nothing
//! is counted twice. Runs the real binary on a real SQLite file.

use crate::common;

use app::backend::entity::{bank_exception, bank_notification, payment_request, receipt};
use sea_orm::{EntityTrait, PaginatorTrait};
use std::collections::BTreeSet;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const KEY: &str = "crash-test-key";
const ACCOUNT: &str = "113366668888";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}

fn spawn(db_url: &str, port: u16) -> Child {
    Command::new(env!("CARGO_BIN_EXE_wardpay"))
        .arg("--demo")
        .env("DATABASE_URL", db_url)
        .env("WARDPAY_BIND", format!("127.0.0.1:{port}"))
        .env("WARDPAY_SEPAY_KEYS", KEY)
        .env("WARDPAY_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn wardpay")
}

async fn wait_ready(base: &str) {
    let c = reqwest::Client::new();
    for _ in 0..200 {
        if let Ok(r) = c.get(format!("{base}/readyz")).send().await {
            if r.status() == 200 {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("server did not become ready");
}

/// Sends notification `id`; true when the server acknowledged it.
async fn send(client: &reqwest::Client, base: &str, id: i64, content: &str, amount: i64) -> bool {
    let t = bankfeed::sign::SimTransfer::new(id, ACCOUNT, amount, content);
    let body = bankfeed::sign::sepay_body(&t);
    let req = bankfeed::sign::sepay_hmac(&body, KEY, chrono::Utc::now().timestamp());
    let mut call = client.post(format!("{base}/api/bank/sepay")).body(req.body.clone()).timeout(Duration::from_secs(10));
    for (k, v) in &req.headers {
        call = call.header(k, v);
    }
    matches!(call.send().await, Ok(r) if r.status() == 200)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_nine_mid_stream_loses_nothing_and_counts_nothing_twice() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db_url = format!("sqlite://{}", dir.path().join("crash.sqlite").display());
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut child = spawn(&db_url, port);
    wait_ready(&base).await;

    // Three payable codes, one per demo counter, through the officer's server function.
    let client = common::sign_in(&base, "canbo").await.client;
    let db = app::backend::db::connect(&db_url, None).await.expect("db");
    let item = app::backend::payments::catalog(&db, 1)
        .await
        .expect("catalog")
        .into_iter()
        .find(|c| c.procedure_code == "DEMO-CT02")
        .expect("item");
    let mut codes = Vec::new();
    for counter in 1..=3 {
        let input = serde_json::json!({ "input": {
            "counter_id": counter, "applicant_name": "Đỗ Văn Giang", "id_number": null, "phone": null, "request_key": null,
            "lines": [{ "fee_item_id": item.id, "quantity": 1, "pages": null, "exempt_reason": null }]
        }});
        let row: serde_json::Value =
            client.post(format!("{base}/api/create_dossier")).json(&input).send().await.expect("post").json().await.expect("json");
        codes.push(row["payment"]["payment_code"].as_str().expect("code").to_string());
    }

    // 300 notifications from 16 senders; 3 of them pay the codes, the rest match nothing.
    let total = 300i64;
    let codes = Arc::new(codes);
    let notification = move |id: i64| -> (String, i64) {
        match id % 100 {
            0 => (format!("MBVCB.{id}.{}.CT tu 0123", codes[(id / 100 - 1) as usize % 3]), 10_000),
            _ => (format!("chuyen khoan {id}"), 1_000 + id),
        }
    };
    let acked = Arc::new(Mutex::new(BTreeSet::new()));
    let next = Arc::new(Mutex::new(1i64));
    let mut senders = Vec::new();
    for _ in 0..16 {
        let (acked, next, client, base) = (acked.clone(), next.clone(), client.clone(), base.clone());
        let notification = notification.clone();
        senders.push(tokio::spawn(async move {
            loop {
                let id = {
                    let mut n = next.lock().expect("lock");
                    if *n > total {
                        break;
                    }
                    *n += 1;
                    *n - 1
                };
                let (content, amount) = notification(id);
                if send(&client, &base, id, &content, amount).await {
                    acked.lock().expect("lock").insert(id);
                }
            }
        }));
    }
    // Crash once about a third has been acknowledged.
    while acked.lock().expect("lock").len() < 100 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    child.kill().expect("kill -9");
    child.wait().expect("reaped");
    for s in senders {
        s.await.expect("sender");
    }
    let acked_before_crash: BTreeSet<i64> = acked.lock().expect("lock").clone();
    assert!(acked_before_crash.len() < total as usize, "the crash happened mid-stream");

    // Restart; the provider retries everything it has no 2xx for (and, to be sure, a few it has).
    let mut child = spawn(&db_url, port);
    wait_ready(&base).await;
    for id in 1..=total {
        if !acked_before_crash.contains(&id) || id % 7 == 0 {
            let (content, amount) = notification(id);
            assert!(send(&client, &base, id, &content, amount).await, "retry of {id} acknowledged");
        }
    }

    let db = app::backend::db::connect(&db_url, None).await.expect("db");
    let stored: BTreeSet<i64> = bank_notification::Entity::find()
        .all(&db)
        .await
        .expect("q")
        .into_iter()
        .map(|n| n.provider_txn_id.parse::<i64>().expect("id"))
        .collect();
    assert!(acked_before_crash.is_subset(&stored), "everything acknowledged before the crash survived it");
    assert_eq!(stored.len(), total as usize, "every notification once");
    assert_eq!(bank_notification::Entity::find().count(&db).await.expect("count"), total as u64, "no duplicates");
    assert_eq!(receipt::Entity::find().count(&db).await.expect("count"), 3, "each code paid once");
    let paid = payment_request::Entity::find().all(&db).await.expect("q").into_iter().filter(|p| p.state == "receipt_issued").count();
    assert_eq!(paid, 3);
    assert_eq!(bank_exception::Entity::find().count(&db).await.expect("count"), (total - 3) as u64, "each unknown transfer counted once");
    child.kill().ok();
    child.wait().ok();
}
