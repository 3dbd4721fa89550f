//! The acceptance findings, each as it was found: money that only the right people can book,
//! a re-sent portal dossier that never hides a payable code, a kiosk that leaks nothing and
//! cannot be knocked out by opening pages, abuse that locks no one out and fills nothing,
//! and the smaller HTTP findings. Real HTTP and both databases.

use crate::common;

use app::backend::dvc::{self, PortalDossier};
use app::backend::entity::{bank_exception, bank_notification, intake_rejection, kiosk_pairing, payment_request, receipt, ward};
use app::backend::{counters, payments, BackendError};
use app::model::{LineRequest, NewDossier, PaymentMethod, PaymentState};
use common::{anonymous, cleanup, fresh_db, http, pair_kiosk, set_cookie, sign_in, Engine};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use server::Server;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

db_tests!(
    a_cancelled_or_expired_code_takes_no_desk_payment,
    an_assisted_payment_names_a_transfer_that_reached_the_ward,
    one_transfer_named_at_two_desks_at_once_pays_once,
    a_portal_update_never_hides_the_payable_code,
    a_portal_update_of_a_live_code_replaces_it_at_once,
    the_kiosk_gets_no_token_that_opens_personal_data,
    opening_kiosk_pages_expires_no_waiting_code,
    a_paired_kiosk_sent_to_another_counter_stays_paired,
    wrong_passwords_slow_the_guesser_not_the_owner,
    refused_bank_notifications_are_counted_not_stored_each,
    answers_carry_the_right_headers,
    head_is_answered_like_get_without_a_body,
    x_forwarded_host_is_ignored_without_a_trusted_proxy,
    silent_connections_are_closed,
    days_before_the_ward_or_in_the_future_cannot_be_closed,
    malformed_server_function_bodies_are_4xx,
    a_request_key_of_another_counter_reveals_nothing,
);

const SEPAY_KEY: &str = "test-sepay-secret";
const WARD_ACCOUNT: &str = "113366668888";

async fn start_with(db: sea_orm::DatabaseConnection, f: impl FnOnce(&mut server::config::ServeArgs)) -> Server {
    let mut args = common::serve_args();
    args.sepay_keys = vec![SEPAY_KEY.into()];
    f(&mut args);
    server::start_with_db(db, &args).await.expect("server starts")
}

async fn start(db: sea_orm::DatabaseConnection) -> Server {
    start_with(db, |_| {}).await
}

async fn item_id(srv: &Server, code: &str) -> i64 {
    common::demo_item(srv, code).await
}

fn dossier(counter_id: i64, fee_item_id: i64, quantity: u32) -> NewDossier {
    NewDossier {
        counter_id,
        applicant_name: "Nguyễn Văn An".into(),
        id_number: Some("001088012345".into()),
        phone: None,
        lines: vec![LineRequest { fee_item_id, quantity, pages: None, exempt_reason: None }],
        request_key: None,
    }
}

/// The demo ward's counters, lowest number first.
async fn counters_of(srv: &Server) -> Vec<i64> {
    let w = counters::default_ward_id(&srv.backend.db).await.expect("ward");
    app::backend::screens::ward_snapshot(&srv.backend.db, w).await.expect("ward").counters.iter().map(|c| c.id).collect()
}

async fn latest_request(srv: &Server, dossier_id: i64) -> payment_request::Model {
    common::latest_request_of(srv, dossier_id).await
}

async fn sepay(srv: &Server, id: i64, amount: i64, content: &str) -> reqwest::Response {
    common::sepay_to(&srv.base_url(), SEPAY_KEY, id, WARD_ACCOUNT, amount, content).await
}

/// A form post to a server function as a browser on our pages sends it.
async fn call(client: &reqwest::Client, base: &str, endpoint: &str, form: &[(&str, &str)]) -> reqwest::Response {
    client.post(format!("{base}/api/{endpoint}")).form(form).send().await.expect("request")
}

// 2. Money is booked by the right person, with evidence.

async fn a_cancelled_or_expired_code_takes_no_desk_payment(engine: Engine) {
    let Some(t) = fresh_db(engine).await else { return };
    let srv = start(t.db.clone()).await;
    let base = srv.base_url();
    let c = counters_of(&srv).await[0];
    let item = item_id(&srv, "DEMO-CT02").await;
    let officer = sign_in(&base, "canbo").await;
    let row = payments::create_dossier(&srv.backend, dossier(c, item, 1), payments::Source::Counter, None, "canbo").await.expect("created");
    let p = row.payment.expect("payment");
    payments::cancel(&srv.backend, p.id, p.version, "canbo", None).await.expect("cancelled");
    let pr = latest_request(&srv, row.id).await;
    // Cancel, then book cash on the dead code: one person must not be able to do both.
    let (id, version) = (pr.id.to_string(), pr.version.to_string());
    let r = call(&officer.client, &base, "pay_manually", &[("id", &id), ("version", &version), ("method", "cash"), ("reason", "x")]).await;
    assert_eq!(r.status(), 409, "{}", r.text().await.unwrap_or_default());
    let after = latest_request(&srv, row.id).await;
    assert_eq!((after.state.as_str(), after.version), ("cancelled", pr.version), "nothing changed");
    assert_eq!(receipt::Entity::find().count(&t.db).await.expect("count"), 0, "no receipt without money");
    let refused = app::backend::audit::list(
        &t.db,
        None,
        &app::model::AuditFilter { action: Some("payment.refused".into()), ..Default::default() },
        10,
    )
    .await
    .expect("audit");
    assert_eq!((refused.len(), refused[0].actor.as_str()), (1, "canbo"), "the refused attempt is in the audit log");
    // An expired code alike.
    let row = payments::create_dossier(&srv.backend, dossier(c, item, 1), payments::Source::Counter, None, "canbo").await.expect("created");
    let pr = latest_request(&srv, row.id).await;
    payment_request::Entity::update_many()
        .col_expr(
            payment_request::Column::ExpiresAt,
            sea_orm::sea_query::Expr::value(Some(chrono::Utc::now() - chrono::Duration::seconds(1))),
        )
        .filter(payment_request::Column::Id.eq(pr.id))
        .exec(&t.db)
        .await
        .expect("backdate");
    payments::expire_due(&srv.backend).await.expect("sweep");
    let pr = latest_request(&srv, row.id).await;
    assert_eq!(pr.state, "expired");
    let refused = payments::pay_manually(&srv.backend, pr.id, pr.version, PaymentMethod::Cash, Some("x".into()), None, "canbo").await;
    assert!(matches!(refused, Err(BackendError::Conflict(_))), "{refused:?}");
    assert_eq!(receipt::Entity::find().count(&t.db).await.expect("count"), 0);
    srv.shutdown().await.expect("shutdown");
    cleanup(t).await;
}

async fn an_assisted_payment_names_a_transfer_that_reached_the_ward(engine: Engine) {
    let Some(t) = fresh_db(engine).await else { return };
    let srv = start(t.db.clone()).await;
    let base = srv.base_url();
    let c = counters_of(&srv).await[0];
    let item = item_id(&srv, "DEMO-CT02").await;
    let support = sign_in(&base, "hotro").await;
    let row = payments::create_dossier(&srv.backend, dossier(c, item, 1), payments::Source::Counter, None, "canbo").await.expect("created");
    let pr = latest_request(&srv, row.id).await;
    let (id, version) = (pr.id.to_string(), pr.version.to_string());
    // No bank transaction named: not assisted.
    let r = call(&support.client, &base, "pay_manually", &[("id", &id), ("version", &version), ("method", "assisted")]).await;
    assert_eq!(r.status(), 422);
    // A transaction the ward's account never received: refused.
    let r = call(
        &support.client,
        &base,
        "pay_manually",
        &[("id", &id), ("version", &version), ("method", "assisted"), ("bank_ref", "FT000NOTHING")],
    )
    .await;
    assert_eq!(r.status(), 422);
    assert_eq!(latest_request(&srv, row.id).await.state, "qr_issued", "nothing booked on a word alone");
    // Support staff transferred from the ward's help account without the code in the text:
    // the bank's notification lands in the exception queue, then support names it.
    assert_eq!(sepay(&srv, 4242, pr.amount, "NOP PHI CHO BA NGUYEN THI B").await.status(), 200);
    let n = bank_notification::Entity::find().one(&t.db).await.expect("q").expect("notification");
    let reference = n.bank_reference.clone().expect("reference");
    let wrong_amount =
        payments::create_dossier(&srv.backend, dossier(counters_of(&srv).await[1], item, 2), payments::Source::Counter, None, "canbo")
            .await
            .expect("second");
    let pr2 = latest_request(&srv, wrong_amount.id).await;
    let r = call(
        &support.client,
        &base,
        "pay_manually",
        &[("id", &pr2.id.to_string()), ("version", &pr2.version.to_string()), ("method", "assisted"), ("bank_ref", &reference)],
    )
    .await;
    assert_eq!(r.status(), 422, "the transfer's amount must be the amount due");
    let r = call(
        &support.client,
        &base,
        "pay_manually",
        &[("id", &id), ("version", &version), ("method", "assisted"), ("bank_ref", &reference), ("reason", "không có điện thoại")],
    )
    .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
    let paid = latest_request(&srv, row.id).await;
    assert_eq!(
        (paid.state.as_str(), paid.method.as_deref(), paid.bank_ref.as_deref()),
        ("receipt_issued", Some("assisted"), Some(reference.as_str()))
    );
    let n = bank_notification::Entity::find_by_id(n.id).one(&t.db).await.expect("q").expect("n");
    assert_eq!((n.outcome.as_str(), n.payment_request_id), ("assisted", Some(paid.id)), "the evidence is tied to the payment");
    let e = bank_exception::Entity::find().one(&t.db).await.expect("q").expect("exception");
    assert_eq!((e.status.as_str(), e.resolution.as_deref(), e.resolved_by.as_deref()), ("resolved", Some("assisted"), Some("hotro")));
    // The same transfer cannot pay a second dossier.
    let third =
        payments::create_dossier(&srv.backend, dossier(counters_of(&srv).await[2], item, 1), payments::Source::Counter, None, "canbo")
            .await;
    let third = third.expect("third");
    let pr3 = latest_request(&srv, third.id).await;
    let again =
        payments::pay_manually(&srv.backend, pr3.id, pr3.version, PaymentMethod::Assisted, None, Some(reference.clone()), "hotro").await;
    assert!(matches!(again, Err(BackendError::Invalid { field: "bank_ref", .. })), "{again:?}");
    // A transfer tied to another request (here: paid after that code was cancelled) is a
    // supervisor's to resolve, never a desk's evidence.
    payments::cancel(&srv.backend, pr2.id, pr2.version, "canbo", None).await.expect("cancel");
    assert_eq!(sepay(&srv, 4343, pr3.amount, &format!("{} NOP PHI", pr2.payment_code)).await.status(), 200);
    let late_ref = bank_notification::Entity::find()
        .filter(bank_notification::Column::ProviderTxnId.eq("4343"))
        .one(&t.db)
        .await
        .expect("q")
        .and_then(|n| n.bank_reference)
        .expect("late transfer");
    let taken = payments::pay_manually(&srv.backend, pr3.id, pr3.version, PaymentMethod::Assisted, None, Some(late_ref), "hotro").await;
    assert!(matches!(taken, Err(BackendError::Invalid { field: "bank_ref", .. })), "{taken:?}");
    assert_eq!(latest_request(&srv, third.id).await.state, "qr_issued");
    srv.shutdown().await.expect("shutdown");
    cleanup(t).await;
}

async fn one_transfer_named_at_two_desks_at_once_pays_once(engine: Engine) {
    let Some(t) = fresh_db(engine).await else { return };
    let srv = start(t.db.clone()).await;
    let cs = counters_of(&srv).await;
    let item = item_id(&srv, "DEMO-CT02").await;
    let a = payments::create_dossier(&srv.backend, dossier(cs[0], item, 1), payments::Source::Counter, None, "canbo").await.expect("a");
    let b = payments::create_dossier(&srv.backend, dossier(cs[1], item, 1), payments::Source::Counter, None, "canbo").await.expect("b");
    let (pa, pb) = (latest_request(&srv, a.id).await, latest_request(&srv, b.id).await);
    assert_eq!(sepay(&srv, 5151, pa.amount, "CHUYEN TIEN HO").await.status(), 200);
    let reference = bank_notification::Entity::find().one(&t.db).await.expect("q").and_then(|n| n.bank_reference).expect("reference");
    let (ra, rb) = tokio::join!(
        payments::pay_manually(&srv.backend, pa.id, pa.version, PaymentMethod::Assisted, None, Some(reference.clone()), "hotro"),
        payments::pay_manually(&srv.backend, pb.id, pb.version, PaymentMethod::Assisted, None, Some(reference.clone()), "hotro2"),
    );
    assert_eq!([&ra, &rb].iter().filter(|r| r.is_ok()).count(), 1, "one transfer books one payment: {ra:?} / {rb:?}");
    for r in [&ra, &rb] {
        assert!(!matches!(r, Err(BackendError::Db(_))), "the loser gets a clear answer: {r:?}");
    }
    let paid =
        payment_request::Entity::find().filter(payment_request::Column::State.eq("receipt_issued")).count(&t.db).await.expect("count");
    assert_eq!(paid, 1);
    srv.shutdown().await.expect("shutdown");
    cleanup(t).await;
}

// 3. A re-sent portal dossier never hides a payable code.

fn portal(code: &str, counter_id: i64, item: i64, quantity: u32) -> PortalDossier {
    PortalDossier {
        code: code.into(),
        procedure_code: "1.001234".into(),
        procedure_name: None,
        dossier: NewDossier { request_key: None, ..dossier(counter_id, item, quantity) },
    }
}

async fn a_portal_update_never_hides_the_payable_code(engine: Engine) {
    let Some(t) = fresh_db(engine).await else { return };
    let srv = start(t.db.clone()).await;
    let c = counters_of(&srv).await[0];
    let item = item_id(&srv, "DEMO-CT02").await;
    // A citizen is paying at the counter...
    let paying =
        payments::create_dossier(&srv.backend, dossier(c, item, 1), payments::Source::Counter, None, "canbo").await.expect("created");
    let code = paying.payment.expect("payment").payment_code;
    // ...while the portal sends a dossier for the same counter, then updates it.
    dvc::upsert(&srv.backend, portal("H26.99-261130-0001", c, item, 1), "dvc:k").await.expect("created");
    dvc::upsert(&srv.backend, portal("H26.99-261130-0001", c, item, 2), "dvc:k").await.expect("updated");
    let shown = payments::counter_current(&t.db, c).await.expect("current").expect("the screens show something");
    assert_eq!(
        (shown.state, shown.payment_code.as_str()),
        (PaymentState::QrIssued, code.as_str()),
        "the payable code stays on both screens"
    );
    srv.shutdown().await.expect("shutdown");
    cleanup(t).await;
}

async fn a_portal_update_of_a_live_code_replaces_it_at_once(engine: Engine) {
    let Some(t) = fresh_db(engine).await else { return };
    let srv = start(t.db.clone()).await;
    let c = counters_of(&srv).await[0];
    let item = item_id(&srv, "DEMO-CT02").await;
    let (_, d) = dvc::upsert(&srv.backend, portal("H26.99-261130-0002", c, item, 1), "dvc:k").await.expect("created");
    let draft = latest_request(&srv, d.id).await;
    dvc::confirm(&srv.backend, draft.id, "canbo").await.expect("confirmed");
    let old = latest_request(&srv, d.id).await;
    assert_eq!(old.state, "qr_issued");
    // The portal changes the amount while the citizen looks at the code.
    dvc::upsert(&srv.backend, portal("H26.99-261130-0002", c, item, 3), "dvc:k").await.expect("updated");
    let old = payment_request::Entity::find_by_id(old.id).one(&t.db).await.expect("q").expect("old");
    assert_eq!(old.state, "cancelled", "the old code can no longer be paid");
    let new = latest_request(&srv, d.id).await;
    assert_eq!(new.state, "qr_issued", "the new amount has its code at once");
    assert_eq!(new.amount, old.amount * 3);
    let shown = payments::counter_current(&t.db, c).await.expect("current").expect("shown");
    assert_eq!((shown.id, shown.state), (new.id, PaymentState::QrIssued), "the screens go from the old code to the new one");
    srv.shutdown().await.expect("shutdown");
    cleanup(t).await;
}

// 4. The kiosk leaks nothing.

async fn the_kiosk_gets_no_token_that_opens_personal_data(engine: Engine) {
    let Some(t) = fresh_db(engine).await else { return };
    let srv = start(t.db.clone()).await;
    let base = srv.base_url();
    let c = counters_of(&srv).await[0];
    let item = item_id(&srv, "DEMO-CT02").await;
    let admin = sign_in(&base, "admin").await;
    let (_, kiosk) = pair_kiosk(&base, c, &admin).await;
    let row = payments::create_dossier(&srv.backend, dossier(c, item, 1), payments::Source::Counter, None, "canbo").await.expect("created");
    let code = row.payment.expect("payment").payment_code;
    assert_eq!(sepay(&srv, 99, 10_000, &format!("{code} NOP PHI")).await.status(), 200);
    let snap: serde_json::Value =
        call(&kiosk, &base, "get_counter_snapshot", &[("counter_id", &c.to_string())]).await.json().await.expect("json");
    let receipt = &snap["current"]["receipt"];
    let (id, token) = (receipt["id"].as_i64().expect("receipt id"), receipt["token"].as_str().expect("token").to_string());
    // What the kiosk holds opens the receipt with the payer masked, and nothing more.
    let doc: serde_json::Value =
        call(&kiosk, &base, "get_receipt", &[("id", &id.to_string()), ("token", &token)]).await.json().await.expect("json");
    let content = &doc["Doc"]["content"];
    assert_eq!(content["payer_name"], "N. V. An");
    assert_ne!(content["payer_id"], "001088012345");
    let text = serde_json::to_string(&snap).expect("json");
    assert!(!text.contains("Nguyễn Văn An") && !text.contains("001088012345"), "the snapshot carries no personal data");
    // The token the kiosk used to get (it opened the full name and ID) opens nothing now.
    let w = ward::Entity::find().one(&t.db).await.expect("q").expect("ward");
    let old_style = {
        use hmac::{KeyInit, Mac};
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&hex::decode(&w.receipt_key).expect("hex")).expect("key");
        mac.update(format!("receipt-view:{id}").as_bytes());
        hex::encode(mac.finalize().into_bytes())[..16].to_string()
    };
    let r = call(&anonymous(&base), &base, "get_receipt", &[("id", &id.to_string()), ("token", &old_style)]).await;
    assert_eq!(r.status(), 403);
    srv.shutdown().await.expect("shutdown");
    cleanup(t).await;
}

// 5. Opening /kiosk/N changes nothing that matters.

async fn opening_kiosk_pages_expires_no_waiting_code(engine: Engine) {
    let Some(t) = fresh_db(engine).await else { return };
    let srv = start(t.db.clone()).await;
    let base = srv.base_url();
    let c = counters_of(&srv).await[2];
    // The real kiosk shows its code.
    let r = call(&anonymous(&base), &base, "kiosk_pairing_start", &[("counter_id", &c.to_string())]).await;
    let kiosk_cookie = set_cookie(&r, "wp_kiosk").expect("cookie");
    let code = r.json::<serde_json::Value>().await.expect("json")["Pairing"]["code"].as_str().expect("code").to_string();
    // Twenty-five anonymous visits of the same page from one address.
    let mut busy = 0;
    for _ in 0..25 {
        let page = http().get(format!("{base}/kiosk/{c}")).send().await.expect("get");
        assert_eq!(page.status(), 200);
        busy += usize::from(page.text().await.expect("html").contains("pairing-busy"));
    }
    assert!(busy >= 15, "creating codes is limited per address ({busy} refused)");
    let waiting = kiosk_pairing::Entity::find().filter(kiosk_pairing::Column::CounterId.eq(c)).count(&t.db).await.expect("count");
    assert!(waiting <= 10, "{waiting} codes wait");
    // The real kiosk's code still pairs it.
    let admin = sign_in(&base, "admin").await;
    let r = call(&admin.client, &base, "admin_pair_kiosk", &[("code", &code), ("label", "Kiosk 3")]).await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
    let kiosk = common::client_with_cookie(&base, &kiosk_cookie);
    let r = call(&kiosk, &base, "get_counter_snapshot", &[("counter_id", &c.to_string())]).await;
    assert_eq!(r.status(), 200);
    srv.shutdown().await.expect("shutdown");
    cleanup(t).await;
}

async fn a_paired_kiosk_sent_to_another_counter_stays_paired(engine: Engine) {
    let Some(t) = fresh_db(engine).await else { return };
    let srv = start(t.db.clone()).await;
    let base = srv.base_url();
    let cs = counters_of(&srv).await;
    let admin = sign_in(&base, "admin").await;
    let (cookie, kiosk) = pair_kiosk(&base, cs[0], &admin).await;
    // A cross-site navigation (a link elsewhere) to another counter's page.
    let page = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
        .get(format!("{base}/kiosk/{}", cs[1]))
        .header("cookie", &cookie)
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .expect("get");
    assert_eq!(page.status(), 200);
    assert!(
        page.headers().get_all("set-cookie").iter().all(|v| !v.to_str().unwrap_or("").starts_with("wp_kiosk=")),
        "the device cookie is untouched"
    );
    let html = page.text().await.expect("html");
    assert!(html.contains("paired-elsewhere") && html.contains(&format!("/kiosk/{}", cs[0])), "it says which counter it belongs to");
    // The same call through the API, then its own counter: still paired.
    let open: serde_json::Value =
        call(&kiosk, &base, "kiosk_pairing_start", &[("counter_id", &cs[1].to_string())]).await.json().await.expect("json");
    assert_eq!(open["PairedElsewhere"]["id"], cs[0]);
    let r = call(&kiosk, &base, "get_counter_snapshot", &[("counter_id", &cs[0].to_string())]).await;
    assert_eq!(r.status(), 200, "still paired with its own counter");
    srv.shutdown().await.expect("shutdown");
    cleanup(t).await;
}

// 6. Abuse locks no one out and fills nothing.

async fn login_from(base: &str, ip: &str, user: &str, password: &str, device: Option<&str>) -> reqwest::Response {
    let mut r =
        anonymous(base).post(format!("{base}/api/login")).header("x-forwarded-for", ip).form(&[("username", user), ("password", password)]);
    if let Some(d) = device {
        r = r.header("cookie", d);
    }
    r.send().await.expect("login")
}

async fn wrong_passwords_slow_the_guesser_not_the_owner(engine: Engine) {
    let Some(t) = fresh_db(engine).await else { return };
    let srv = start_with(t.db.clone(), |a| a.trust_proxy = true).await;
    let base = srv.base_url();
    let pw = app::backend::auth::DEMO_PASSWORD;
    // The owner signed in before from their own PC: that browser is known.
    let first = login_from(&base, "10.1.1.1", "canbo", pw, None).await;
    assert_eq!(first.status(), 200);
    let device = set_cookie(&first, "wp_device").expect("known-device cookie");
    // Someone guesses the owner's password from the same office address (one NAT).
    for _ in 0..5 {
        assert_eq!(login_from(&base, "10.1.1.1", "canbo", "wrong-password", None).await.status(), 401);
    }
    let slowed = login_from(&base, "10.1.1.1", "canbo", "wrong-password", None).await;
    assert_eq!(slowed.status(), 429, "the guesser is slowed");
    assert!(slowed.headers().get("retry-after").is_some());
    // The owner, with the right password, is let in: from their known browser...
    assert_eq!(login_from(&base, "10.1.1.1", "canbo", pw, Some(&device)).await.status(), 200);
    // ...and from another address.
    assert_eq!(login_from(&base, "10.2.2.2", "canbo", pw, None).await.status(), 200);
    // Twenty failures for other names behind the office address lock nobody else out.
    for i in 0..20 {
        login_from(&base, "10.1.1.1", &format!("nobody{i}"), "wrong-password", None).await;
    }
    assert_eq!(login_from(&base, "10.1.1.1", "truongbp", pw, None).await.status(), 200);
    // The supervisor sees the attempts on their ward's accounts.
    let sup = sign_in(&base, "truongbp").await;
    let rows: serde_json::Value = call(&sup.client, &base, "get_login_attempts", &[]).await.json().await.expect("json");
    let row = rows
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["account"] == "account:canbo" && r["ip"] == "10.1.1.1")
        .cloned()
        .expect("canbo's row");
    assert_eq!(row["failures"], 5);
    assert_eq!(row["throttled"], 1);
    srv.shutdown().await.expect("shutdown");
    cleanup(t).await;
}

async fn refused_bank_notifications_are_counted_not_stored_each(engine: Engine) {
    let Some(t) = fresh_db(engine).await else { return };
    let srv = start(t.db.clone()).await;
    let base = srv.base_url();
    srv.intake().refresh_ward_accounts(&srv.backend).await.expect("accounts");
    let forged = |i: i64| {
        let tr = bankfeed::sign::SimTransfer::new(i, WARD_ACCOUNT, 10_000, "WP FORGED");
        let body = bankfeed::sign::sepay_body(&tr);
        bankfeed::sign::sepay_hmac(&body, "not-our-key", chrono::Utc::now().timestamp())
    };
    // A flood of forged notifications, and among them one of another kind.
    let mut sends = Vec::new();
    for i in 0..400 {
        let req = forged(i);
        let mut r = http().post(format!("{base}/api/bank/sepay")).body(req.body.clone());
        for (k, v) in &req.headers {
            r = r.header(k, v);
        }
        sends.push(r.send());
    }
    // And forged bodies naming two thousand made-up accounts.
    for i in 0..2_000 {
        let tr = bankfeed::sign::SimTransfer::new(10_000 + i, &format!("9{i:011}"), 10_000, "WP FORGED");
        let req = bankfeed::sign::sepay_hmac(&bankfeed::sign::sepay_body(&tr), "not-our-key", chrono::Utc::now().timestamp());
        let mut r = http().post(format!("{base}/api/bank/sepay")).body(req.body.clone());
        for (k, v) in &req.headers {
            r = r.header(k, v);
        }
        sends.push(r.send());
    }
    use futures_util::StreamExt;
    let answers: Vec<_> = futures_util::stream::iter(sends).buffer_unordered(64).collect().await;
    for r in answers {
        assert_eq!(r.expect("post").status(), 401);
    }
    let stale = {
        let req = bankfeed::sign::sepay_hmac(
            &bankfeed::sign::sepay_body(&bankfeed::sign::SimTransfer::new(9, WARD_ACCOUNT, 5_000, "x")),
            SEPAY_KEY,
            1_000,
        );
        let mut r = http().post(format!("{base}/api/bank/sepay")).body(req.body.clone());
        for (k, v) in &req.headers {
            r = r.header(k, v);
        }
        r.send().await.expect("post")
    };
    assert_eq!(stale.status(), 401);
    srv.intake().flush_rejections(&srv.backend).await.expect("flush");
    let rows = intake_rejection::Entity::find().count(&t.db).await.expect("count");
    assert!(rows <= 6, "2,401 refusals take {rows} rows, not one each");
    let w = ward::Entity::find().one(&t.db).await.expect("q").expect("ward");
    let log = app::backend::exceptions::intake_log(&t.db, Some(w.id), 24).await.expect("log");
    let bad: i64 = log.iter().filter(|r| r.reason == "bad_signature").map(|r| r.count).sum();
    assert_eq!(bad, 2_400, "every refusal is counted");
    assert!(log.iter().any(|r| r.reason == "stale_timestamp" && r.count == 1), "the other alarm is not pushed out of view: {log:?}");
    let ours: i64 = log.iter().filter(|r| r.reason == "bad_signature" && r.ward_id == Some(w.id)).map(|r| r.count).sum();
    assert_eq!(ours, 400, "filed under the ward the bodies named, whatever else floods in");
    let elsewhere: i64 = log.iter().filter(|r| r.ward_id.is_none()).map(|r| r.count).sum();
    assert_eq!(elsewhere, 2_000, "bodies naming no ward's account are counted apart");
    srv.shutdown().await.expect("shutdown");
    cleanup(t).await;
}

// 7. The smaller ones.

async fn answers_carry_the_right_headers(engine: Engine) {
    let Some(t) = fresh_db(engine).await else { return };
    let plain = start(t.db.clone()).await;
    let base = plain.base_url();
    let login = http().get(format!("{base}/login")).send().await.expect("get");
    assert!(login.headers().get("strict-transport-security").is_none(), "no HSTS over plain http");
    assert_eq!(login.headers().get("cache-control").and_then(|v| v.to_str().ok()), Some("no-store"), "pages are not stored");
    let csp = login.headers().get("content-security-policy").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    let host = base.trim_start_matches("http://");
    assert!(csp.contains(&format!("connect-src 'self' ws://{host} wss://{host};")), "WebSockets to our own host only: {csp}");
    assert!(!csp.contains(" ws: ") && !csp.contains(" wss:;"), "not to any host: {csp}");
    let data = call(&anonymous(&base), &base, "get_receipt", &[("id", "1")]).await;
    assert_eq!(data.headers().get("cache-control").and_then(|v| v.to_str().ok()), Some("no-store"), "data is not stored");
    // The front end keeps its file names from one release to the next: stored, but checked.
    let script = http().get(format!("{base}/pkg/wardpay.css")).send().await.expect("get");
    assert_eq!(script.headers().get("cache-control").and_then(|v| v.to_str().ok()), Some("no-cache"), "revalidated on every use");
    plain.shutdown().await.expect("shutdown");
    let tls = start_with(t.db.clone(), |a| a.public_url = Some("https://wardpay.example".into())).await;
    let r = http().get(format!("{}/healthz", tls.base_url())).send().await.expect("get");
    assert!(r.headers().get("strict-transport-security").and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("max-age=")));
    tls.shutdown().await.expect("shutdown");
    cleanup(t).await;
}

async fn head_is_answered_like_get_without_a_body(engine: Engine) {
    let Some(t) = fresh_db(engine).await else { return };
    let srv = start(t.db.clone()).await;
    let base = srv.base_url();
    for path in ["/healthz", "/readyz", "/login"] {
        let r = http().head(format!("{base}{path}")).send().await.expect("head");
        assert_eq!(r.status(), 200, "HEAD {path}");
        assert!(r.bytes().await.expect("body").is_empty(), "HEAD {path} has no body");
    }
    let r = common::anonymous(&base).head(format!("{base}/stats")).send().await.expect("head");
    assert_eq!(r.status(), 303, "a screen's HEAD follows its GET rule (sign in)");
    srv.shutdown().await.expect("shutdown");
    cleanup(t).await;
}

async fn x_forwarded_host_is_ignored_without_a_trusted_proxy(engine: Engine) {
    let Some(t) = fresh_db(engine).await else { return };
    let forged = |base: &str| {
        reqwest::Client::new()
            .post(format!("{base}/api/login"))
            .header("origin", "http://evil.example")
            .header("x-forwarded-host", "evil.example")
            .form(&[("username", "canbo"), ("password", app::backend::auth::DEMO_PASSWORD)])
            .send()
    };
    let direct = start(t.db.clone()).await;
    assert_eq!(
        forged(&direct.base_url()).await.expect("post").status(),
        403,
        "a forged X-Forwarded-Host does not make a cross-site request ours"
    );
    direct.shutdown().await.expect("shutdown");
    let proxied = start_with(t.db.clone(), |a| a.trust_proxy = true).await;
    assert_eq!(forged(&proxied.base_url()).await.expect("post").status(), 200, "behind the trusted proxy it names the public host");
    proxied.shutdown().await.expect("shutdown");
    cleanup(t).await;
}

async fn silent_connections_are_closed(engine: Engine) {
    let Some(t) = fresh_db(engine).await else { return };
    let srv = start_with(t.db.clone(), |a| a.header_timeout_secs = 1).await;
    // Half a request head, then nothing.
    let mut half = tokio::net::TcpStream::connect(srv.addr).await.expect("connect");
    half.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").await.expect("write");
    // Nothing at all.
    let mut idle = tokio::net::TcpStream::connect(srv.addr).await.expect("connect");
    for (name, conn) in [("half-sent", &mut half), ("idle", &mut idle)] {
        let mut buf = Vec::new();
        let read = tokio::time::timeout(Duration::from_secs(10), conn.read_to_end(&mut buf)).await;
        assert!(read.is_ok(), "the {name} connection is closed by the server");
    }
    srv.shutdown().await.expect("shutdown");
    cleanup(t).await;
}

async fn days_before_the_ward_or_in_the_future_cannot_be_closed(engine: Engine) {
    let Some(t) = fresh_db(engine).await else { return };
    let srv = start(t.db.clone()).await;
    let base = srv.base_url();
    let sup = sign_in(&base, "truongbp").await;
    for day in ["2020-01-01", "2099-12-31"] {
        let r = call(&sup.client, &base, "close_day", &[("day", day)]).await;
        assert_eq!(r.status(), 422, "{day}");
    }
    let closes = app::backend::entity::day_close::Entity::find().count(&t.db).await.expect("count");
    assert_eq!(closes, 0, "nothing closed");
    srv.shutdown().await.expect("shutdown");
    cleanup(t).await;
}

async fn malformed_server_function_bodies_are_4xx(engine: Engine) {
    let Some(t) = fresh_db(engine).await else { return };
    let srv = start(t.db.clone()).await;
    let base = srv.base_url();
    let officer = sign_in(&base, "canbo").await;
    let raw = |endpoint: &str, ct: &str, body: Vec<u8>| {
        officer.client.post(format!("{base}/api/{endpoint}")).header("content-type", ct.to_string()).body(body).send()
    };
    let cases: Vec<(&str, &str, Vec<u8>)> = vec![
        ("create_dossier", "application/json", b"{\"input\": {".to_vec()),
        ("create_dossier", "application/json", b"{\"input\": {\"counter_id\": 1e400}}".to_vec()),
        ("get_catalog", "application/x-www-form-urlencoded", b"ward_id=\xff\xfe".to_vec()),
        ("get_catalog", "application/x-www-form-urlencoded", b"ward_id=99999999999999999999999".to_vec()),
        ("get_queue", "application/json", vec![0xff, 0xfe, 0x00]),
    ];
    for (endpoint, ct, body) in cases {
        let shown = String::from_utf8_lossy(&body).into_owned();
        let r = raw(endpoint, ct, body).await.expect("post");
        let status = r.status().as_u16();
        let json: serde_json::Value = r.json().await.unwrap_or_default();
        assert_eq!(status, 400, "{endpoint} {shown:?}: {json}");
        assert!(json["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "a clear message: {json}");
    }
    srv.shutdown().await.expect("shutdown");
    cleanup(t).await;
}

async fn a_request_key_of_another_counter_reveals_nothing(engine: Engine) {
    let Some(t) = fresh_db(engine).await else { return };
    let srv = start(t.db.clone()).await;
    let cs = counters_of(&srv).await;
    let item = item_id(&srv, "DEMO-CT02").await;
    let mut first = dossier(cs[0], item, 1);
    first.request_key = Some("key-123".into());
    let row = payments::create_dossier(&srv.backend, first.clone(), payments::Source::Counter, None, "canbo").await.expect("created");
    // The same form again: the same dossier.
    let again = payments::create_dossier(&srv.backend, first, payments::Source::Counter, None, "canbo").await.expect("again");
    assert_eq!(again.id, row.id);
    // The key at another counter: refused, without the first dossier's data.
    let mut other = dossier(cs[1], item, 1);
    other.applicant_name = "Trần Thị C".into();
    other.request_key = Some("key-123".into());
    let r = payments::create_dossier(&srv.backend, other, payments::Source::Counter, None, "canbo").await;
    match r {
        Err(BackendError::Conflict(m)) => assert!(!m.contains("Nguyễn") && !m.contains(&row.code), "{m}"),
        other => panic!("expected a conflict, got {other:?}"),
    }
    srv.shutdown().await.expect("shutdown");
    cleanup(t).await;
}
