//! Ward set-up by admins over HTTP: the ward's details, its collection account (guarded
//! and audited), new wards and counters.

use crate::common;

use app::backend::{audit, auth, payments};
use app::model::{AuditFilter, LineRequest, NewAccount, NewDossier, Role, WardForm};
use common::{cleanup, fresh_db, sign_in, start_server, Engine};

db_tests!(admins_set_up_wards_and_the_collection_account_is_guarded);

fn form_of(v: &serde_json::Value) -> WardForm {
    serde_json::from_value(v["ward_forms"][0].clone()).expect("ward form")
}

async fn admins_set_up_wards_and_the_collection_account_is_guarded(engine: Engine) {
    let Some(t) = fresh_db(engine).await else { return };
    let srv = start_server(t.db.clone()).await;
    let base = srv.base_url();
    let admin = sign_in(&base, "admin").await;
    let setup: serde_json::Value =
        admin.client.post(format!("{base}/api/admin_setup")).send().await.expect("setup").json().await.expect("json");
    let demo = form_of(&setup);
    assert!(setup["banks"].as_array().is_some_and(|b| b.len() > 30), "the NAPAS directory is offered");
    assert_eq!(setup["can_create_wards"], false, "the demo admin manages one ward");

    let save = |f: WardForm| admin.client.post(format!("{base}/api/admin_save_ward")).json(&serde_json::json!({ "input": f })).send();
    // A bad field is named, and nothing changes.
    let r = save(WardForm { bank_bin: "123456".into(), ..demo.clone() }).await.expect("save");
    assert_eq!(r.status(), 422);
    assert!(r.text().await.expect("body").contains("bank_bin"));
    // A plain edit.
    let r = save(WardForm { address: "5 Phố Mới, Hà Nội".into(), ..demo.clone() }).await.expect("save");
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
    // The kiosks' chime: on by default, the admin turns it off, the kiosk's snapshot says so.
    assert!(demo.kiosk_chime, "kiosks chime unless the admin turns it off");
    let r = save(WardForm { kiosk_chime: false, address: "5 Phố Mới, Hà Nội".into(), ..demo.clone() }).await.expect("save");
    assert_eq!(r.status(), 200);
    let snap = app::backend::screens::snapshot(&srv.backend, 1).await.expect("snapshot").expect("counter");
    assert!(!snap.ward.kiosk_chime, "the kiosk hears that it must stay quiet");
    let r = save(WardForm { kiosk_chime: true, address: "5 Phố Mới, Hà Nội".into(), ..demo.clone() }).await.expect("save");
    assert_eq!(r.status(), 200);

    // The collection account cannot change under a payable code…
    let item = payments::catalog(&t.db, 1).await.expect("catalog").into_iter().find(|c| c.procedure_code == "DEMO-CT02").expect("item");
    let input = NewDossier {
        counter_id: 1,
        applicant_name: "Bùi Văn Khoa".into(),
        id_number: None,
        phone: None,
        lines: vec![LineRequest { fee_item_id: item.id, quantity: 1, pages: None, exempt_reason: None }],
        request_key: None,
    };
    let p =
        payments::create_dossier(&srv.backend, input, payments::Source::Counter, None, "canbo").await.expect("dossier").payment.expect("p");
    let moved = WardForm { bank_bin: "970436".into(), bank_account: "0011009999999".into(), ..demo.clone() };
    let r = save(moved.clone()).await.expect("save");
    assert_eq!(r.status(), 409);
    assert!(r.text().await.expect("body").contains("đang chờ thanh toán"));
    // …and once none is left, it changes, with the old and the new account in the log.
    payments::cancel(&srv.backend, p.id, p.version, "canbo", None).await.expect("cancel");
    let r = save(moved).await.expect("save");
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
    let log = audit::list(&t.db, Some(1), &AuditFilter { action: Some("ward.bank_account".into()), ..Default::default() }, 5)
        .await
        .expect("audit");
    assert_eq!(log.len(), 1);
    assert!(log[0].detail.contains("113366668888") && log[0].detail.contains("0011009999999"), "{}", log[0].detail);
    assert_eq!(log[0].actor, "admin");

    // A ward's admin creates no wards and touches no other ward's counters.
    let r = save(WardForm { id: None, code: "000.00.09.H26".into(), ..demo.clone() }).await.expect("save");
    assert_eq!(r.status(), 403);

    // An admin of every ward (the command line's kind) creates a ward and its first counter.
    let root = NewAccount {
        username: "root".into(),
        display_name: "Root".into(),
        role: Role::Admin,
        ward_id: None,
        password: auth::DEMO_PASSWORD.into(),
    };
    auth::create_account(&t.db, root, "cli").await.expect("root");
    let root = sign_in(&base, "root").await;
    let new_ward = WardForm {
        id: None,
        code: "000.00.09.H26".into(),
        name: "UBND Xã Chín".into(),
        address: "9 Đường Chín".into(),
        tax_code: "0100000009".into(),
        budget_code: "1000009".into(),
        bank_bin: "970418".into(),
        bank_account: "9900990099".into(),
        bank_account_name: "UBND XA CHIN".into(),
        receipt_form: "EBL01".into(),
        receipt_series: "26TXC".into(),
        kiosk_chime: true,
    };
    let r = root
        .client
        .post(format!("{base}/api/admin_save_ward"))
        .json(&serde_json::json!({ "input": new_ward }))
        .send()
        .await
        .expect("create");
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
    let ward: app::model::WardInfo = r.json().await.expect("json");
    assert_eq!(ward.bank_name, "BIDV");
    let r = root
        .client
        .post(format!("{base}/api/admin_add_counter"))
        .form(&[("ward_id", ward.id.to_string()), ("name", String::new())])
        .send()
        .await
        .expect("add");
    assert_eq!(r.status(), 200);
    let c: app::model::CounterInfo = r.json().await.expect("json");
    assert_eq!((c.number, c.name.as_str()), (1, "Quầy 1"));
    let r = admin
        .client
        .post(format!("{base}/api/admin_add_counter"))
        .form(&[("ward_id", ward.id.to_string()), ("name", "x".into())])
        .send()
        .await
        .expect("add");
    assert_eq!(r.status(), 403);

    // The new ward's catalog: empty, then the standard one, once.
    let items = |c: &reqwest::Client, w: i64| c.post(format!("{base}/api/admin_fee_items")).form(&[("ward_id", w.to_string())]).send();
    let none: Vec<app::model::FeeItemRow> = items(&root.client, ward.id).await.expect("items").json().await.expect("json");
    assert!(none.is_empty());
    let import = || root.client.post(format!("{base}/api/admin_import_catalog")).form(&[("ward_id", ward.id.to_string())]).send();
    let r = import().await.expect("import");
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<usize>().await.expect("json"), 14);
    assert_eq!(import().await.expect("import").status(), 409);
    assert_eq!(items(&admin.client, ward.id).await.expect("items").status(), 403, "not the demo admin's ward");

    // Codes and sub-items as the ward's accountant sets them; a withdrawn procedure leaves the form.
    let mine: Vec<app::model::FeeItemRow> = items(&admin.client, 1).await.expect("items").json().await.expect("json");
    let first = &mine[0];
    let second = &mine[1];
    let edit = |e: serde_json::Value| {
        admin.client.post(format!("{base}/api/admin_update_fee_item")).json(&serde_json::json!({ "edit": e })).send()
    };
    let r = edit(serde_json::json!({ "id": first.id, "procedure_code": second.procedure_code, "budget_subitem": "2751", "active": true }))
        .await
        .expect("edit");
    assert_eq!(r.status(), 422, "two items cannot share a code");
    let r = edit(serde_json::json!({ "id": first.id, "procedure_code": "1.001234", "budget_subitem": "2751", "active": false }))
        .await
        .expect("edit");
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
    let offered = payments::catalog(&t.db, 1).await.expect("catalog");
    assert!(offered.iter().all(|c| c.id != first.id), "a withdrawn procedure is not offered");
    let log =
        audit::list(&t.db, Some(1), &AuditFilter { action: Some("fee.update".into()), ..Default::default() }, 5).await.expect("audit");
    assert!(log[0].detail.contains("1.001234") && log[0].detail.contains(&first.procedure_code), "{}", log[0].detail);
    // The demo seed at the next start leaves the edited catalog alone.
    app::backend::seed::seed_demo(&t.db).await.expect("seed again");
    assert_eq!(payments::catalog(&t.db, 1).await.expect("catalog").len(), offered.len());

    assert_eq!(audit::verify(&t.db).await.expect("verify").broken, None);
    srv.shutdown().await.expect("shutdown");
    cleanup(t).await;
}
