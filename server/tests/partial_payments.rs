//! Transfers for one code add up: a part leaves the request partly paid with a code for the
//! rest on both screens, the sum pays it and the receipt lists the transfers, a surplus goes
//! to refunds, and a partly paid request is cancelled only with its money sent back. Real
//! HTTP (signed SePay bodies), WebSockets and both databases.

use crate::common;

use app::backend::entity::{bank_exception, bank_notification, payment_request, receipt};
use app::backend::{payments, refunds, BackendError};
use app::model::{CounterSnapshot, PaymentMethod, PaymentState, ReceiptContent, RefundState, ServerMsg};
use common::{cleanup, fresh_db, Engine, Ws};
use futures_util::StreamExt;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set};
use server::Server;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

db_tests!(
    two_transfers_add_up_on_both_screens_and_the_receipt_lists_both,
    a_rest_paid_over_the_sum_pays_and_its_surplus_waits_for_a_refund_approval,
    a_partly_paid_request_holds_its_counter_takes_the_rest_late_and_refunds_on_cancel,
);

const SEPAY_KEY: &str = "test-sepay-secret";
const ACCOUNT: &str = "113366668888";

async fn start(db: sea_orm::DatabaseConnection) -> Server {
    let mut args = common::serve_args();
    args.sepay_keys = vec![SEPAY_KEY.into()];
    server::start_with_db(db, &args).await.expect("server starts")
}

async fn sepay(srv: &Server, id: i64, amount: i64, code: &str) {
    let r = common::sepay_to(&srv.base_url(), SEPAY_KEY, id, ACCOUNT, amount, &format!("{code} NOP PHI")).await;
    assert_eq!(r.status(), 200);
}

/// The next counter snapshot pushed on `ws` whose current payment satisfies `want`.
async fn pushed(ws: &mut Ws, want: impl Fn(&CounterSnapshot) -> bool) -> CounterSnapshot {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(10), ws.next()).await.expect("a push").expect("open").expect("frame");
        if let Message::Text(txt) = msg {
            if let Ok(ServerMsg::Counter(s)) = serde_json::from_str::<ServerMsg>(&txt) {
                if want(&s) {
                    return s;
                }
            }
        }
    }
}

fn state_is(s: PaymentState) -> impl Fn(&CounterSnapshot) -> bool {
    move |snap| snap.current.as_ref().is_some_and(|p| p.state == s)
}

async fn receipt_content(srv: &Server, request_id: i64) -> ReceiptContent {
    let r = receipt::Entity::find()
        .filter(receipt::Column::PaymentRequestId.eq(request_id))
        .one(&srv.backend.db)
        .await
        .expect("q")
        .expect("receipt");
    serde_json::from_str(&r.content).expect("receipt content")
}

async fn request(srv: &Server, id: i64) -> payment_request::Model {
    payment_request::Entity::find_by_id(id).one(&srv.backend.db).await.expect("q").expect("payment request")
}

async fn outcomes(srv: &Server, request_id: i64) -> Vec<String> {
    bank_notification::Entity::find()
        .filter(bank_notification::Column::PaymentRequestId.eq(request_id))
        .order_by_asc(bank_notification::Column::Id)
        .all(&srv.backend.db)
        .await
        .expect("q")
        .into_iter()
        .map(|n| n.outcome)
        .collect()
}

async fn two_transfers_add_up_on_both_screens_and_the_receipt_lists_both(engine: Engine) {
    let Some(t) = fresh_db(engine).await else { return };
    let srv = start(t.db.clone()).await;
    let base = srv.base_url();
    let c = common::first_counter(&srv).await;
    let admin = common::sign_in(&base, "admin").await;
    let (kiosk_cookie, _) = common::pair_kiosk(&base, c, &admin).await;
    let officer = common::sign_in(&base, "canbo").await;
    let mut kiosk = common::ws_connect(&base, &format!("/ws/counter/{c}"), Some(&kiosk_cookie)).await.expect("kiosk ws");
    let mut desk = common::ws_connect(&base, &format!("/ws/counter/{c}"), Some(&officer.cookie)).await.expect("officer ws");
    // 50.000đ due (DEMO-CT03).
    let (request_id, _, code) = common::dossier_at(&srv, c, "DEMO-CT03", None).await;
    let first = request(&srv, request_id).await;
    assert_eq!(first.amount, 50_000);

    sepay(&srv, 9001, 30_000, &code).await;
    for ws in [&mut kiosk, &mut desk] {
        let snap = pushed(ws, state_is(PaymentState::PartiallyPaid)).await;
        let p = snap.current.expect("current");
        assert_eq!((p.amount, p.received, p.to_pay), (50_000, 30_000, 20_000), "both screens: received and missing");
        assert_eq!(p.to_pay_words_vi, "Hai mươi nghìn đồng");
        assert_eq!(p.payment_code, code, "the same dossier and code");
        let qr = vietqr::decode(p.qr_payload.as_deref().expect("a code for the rest")).expect("valid VietQR");
        assert_eq!(qr.amount, Some(20_000), "the code asks for the rest only");
        assert!(qr.purpose.as_deref().unwrap_or("").contains(&code));
        assert!(p.qr_svg.as_deref().is_some_and(|s| s.starts_with("<svg")) && p.seconds_left.is_some_and(|s| s > 0));
    }
    let pr = request(&srv, request_id).await;
    assert_eq!((pr.id, pr.state.as_str(), pr.amount_received), (first.id, "partially_paid", Some(30_000)), "same request");
    assert!(pr.expires_at > first.expires_at, "the code for the rest has its own time");

    sepay(&srv, 9002, 20_000, &code).await;
    for ws in [&mut kiosk, &mut desk] {
        let snap = pushed(ws, state_is(PaymentState::ReceiptIssued)).await;
        let p = snap.current.expect("current");
        assert_eq!((p.received, p.amount), (50_000, 50_000));
        assert!(p.receipt.is_some() && p.qr_payload.is_none());
    }
    assert_eq!(outcomes(&srv, pr.id).await, vec!["partial", "matched"]);
    let content = receipt_content(&srv, pr.id).await;
    assert_eq!(content.total, 50_000);
    let listed: Vec<i64> = content.transfers.iter().map(|x| x.amount).collect();
    assert_eq!(listed, vec![30_000, 20_000], "the receipt lists the transfers");
    assert!(content.transfers.iter().all(|x| x.reference.is_some()));
    assert_eq!(bank_exception::Entity::find().count(&t.db).await.expect("q"), 0, "parts are no exception");
    assert!(refunds::list(&t.db, pr.ward_id).await.expect("refunds").is_empty());
    // The receipt page shows them.
    let r = receipt::Entity::find().filter(receipt::Column::PaymentRequestId.eq(pr.id)).one(&t.db).await.expect("q").expect("r");
    let html = officer.client.get(format!("{base}/receipts/{}", r.id)).send().await.expect("page").text().await.expect("html");
    assert!(html.contains("Các lần chuyển khoản") && html.contains("30.000") && html.contains("20.000"), "{html}");
    srv.shutdown().await.expect("shutdown");
    cleanup(t).await;
}

async fn a_rest_paid_over_the_sum_pays_and_its_surplus_waits_for_a_refund_approval(engine: Engine) {
    let Some(t) = fresh_db(engine).await else { return };
    let srv = start(t.db.clone()).await;
    let c = common::first_counter(&srv).await;
    let (request_id, _, code) = common::dossier_at(&srv, c, "DEMO-CT03", None).await;
    sepay(&srv, 9101, 30_000, &code).await;
    sepay(&srv, 9102, 25_000, &code).await;
    let pr = request(&srv, request_id).await;
    assert_eq!((pr.state.as_str(), pr.amount_received), ("receipt_issued", Some(55_000)));
    let content = receipt_content(&srv, pr.id).await;
    assert_eq!(content.total, 50_000, "the receipt is for what was due: the surplus is not revenue");
    assert_eq!(content.transfers.iter().map(|x| x.amount).collect::<Vec<_>>(), vec![30_000, 25_000]);
    let rows = refunds::list(&t.db, pr.ward_id).await.expect("refunds");
    assert_eq!(rows.len(), 1);
    let surplus = &rows[0];
    assert_eq!((surplus.amount, surplus.state, surplus.requested_by.as_str()), (5_000, RefundState::Requested, "system"));
    assert!(surplus.dossier_code.is_some(), "it names the dossier");
    assert!(surplus.incoming_reference.is_some() && surplus.received == 25_000, "the transfer is its evidence");
    assert_eq!(bank_exception::Entity::find().count(&t.db).await.expect("q"), 0);
    srv.shutdown().await.expect("shutdown");
    cleanup(t).await;
}

async fn a_partly_paid_request_holds_its_counter_takes_the_rest_late_and_refunds_on_cancel(engine: Engine) {
    let Some(t) = fresh_db(engine).await else { return };
    let srv = start(t.db.clone()).await;
    let c = common::first_counter(&srv).await;
    let (request_id, _, code) = common::dossier_at(&srv, c, "DEMO-CT03", None).await;
    sepay(&srv, 9201, 10_000, &code).await;
    let pr = request(&srv, request_id).await;
    assert_eq!(pr.state, "partially_paid");
    // The desk fallbacks take whole amounts only; the counter is held by the money received.
    let cash = payments::pay_manually(&srv.backend, pr.id, pr.version, PaymentMethod::Cash, Some("x".into()), None, "canbo").await;
    assert!(matches!(cash, Err(BackendError::Conflict(_))), "{cash:?}");
    let item = common::demo_item(&srv, "DEMO-CT02").await;
    let next = app::model::NewDossier {
        counter_id: c,
        applicant_name: "Trần Thị Bình".into(),
        id_number: None,
        phone: None,
        lines: vec![app::model::LineRequest { fee_item_id: item, quantity: 1, pages: None, exempt_reason: None }],
        request_key: None,
    };
    let held = payments::create_dossier(&srv.backend, next, payments::Source::Counter, None, "canbo").await;
    assert!(matches!(held, Err(BackendError::Conflict(ref m)) if m.contains("một phần")), "{held:?}");
    // Its code for the rest runs out: the request stays partly paid (no sweep expires it),
    // the screens show no code, and a transfer of the rest still pays it.
    let mut am: payment_request::ActiveModel = pr.clone().into();
    am.expires_at = Set(Some(chrono::Utc::now() - chrono::Duration::seconds(5)));
    am.update(&t.db).await.expect("age the code");
    payments::expire_due(&srv.backend).await.expect("sweep");
    let pr = request(&srv, request_id).await;
    assert_eq!(pr.state, "partially_paid", "a request holding money never expires");
    let view = payments::counter_current(&t.db, c).await.expect("view").expect("still shown");
    assert!(view.qr_payload.is_none() && view.qr_svg.is_none(), "no code past its time");
    assert_eq!((view.received, view.to_pay), (10_000, 40_000));
    // The officer renews it: same request, a fresh code for the rest.
    payments::reissue(&srv.backend, pr.id, pr.version, "canbo").await.expect("renew");
    let renewed = request(&srv, request_id).await;
    assert_eq!((renewed.id, renewed.state.as_str()), (pr.id, "partially_paid"));
    assert!(renewed.expires_at.is_some_and(|e| e > chrono::Utc::now()));
    let qr = vietqr::decode(renewed.qr_payload.as_deref().expect("payload")).expect("VietQR");
    assert_eq!(qr.amount, Some(40_000));
    // A second part, then the officer cancels: each part goes back through a refund request
    // that the officer raised and someone else must approve.
    sepay(&srv, 9202, 15_000, &code).await;
    let pr = request(&srv, request_id).await;
    assert_eq!(pr.amount_received, Some(25_000));
    payments::cancel(&srv.backend, pr.id, pr.version, "canbo", Some("công dân không nộp tiếp".into())).await.expect("cancel");
    let pr = request(&srv, request_id).await;
    assert_eq!(pr.state, "cancelled");
    let rows = refunds::list(&t.db, pr.ward_id).await.expect("refunds");
    let mut amounts: Vec<i64> = rows.iter().map(|r| r.amount).collect();
    amounts.sort_unstable();
    assert_eq!(amounts, vec![10_000, 15_000]);
    assert!(rows.iter().all(|r| r.requested_by == "canbo" && r.state == RefundState::Requested));
    // A transfer after the cancel is an exception, as for any cancelled code.
    sepay(&srv, 9203, 25_000, &code).await;
    let ex = bank_exception::Entity::find().one(&t.db).await.expect("q").expect("exception");
    assert_eq!(ex.kind, "after_cancel");
    // The counter is free again.
    assert!(payments::counter_current(&t.db, c).await.expect("view").is_none_or(|v| v.state == PaymentState::Cancelled));
    srv.shutdown().await.expect("shutdown");
    cleanup(t).await;
}
