//! The money trail after the receipt, on both databases: receipt numbering under
//! concurrency, corrections by notice and by replacement, the register's continuity alarm,
//! the tax authority's daily summary (checked against the project's XSD), budget codes,
//! refunds with four eyes, and treasury deposits that cover closed days once.

use crate::common;

use app::backend::auth::StaffUser;
use app::backend::entity::{bank_exception, dossier, payment_request, receipt, refund, ward};
use app::backend::{budget_codes, days, holidays, payments, receipt_corrections, receipt_register, refunds, tax_summaries, treasury};
use app::backend::{reconciliation::DayRange, BackendError};
use app::domain::treasury::FeeKind;
use app::model::{
    CorrectionInput, DepositInput, FeeCodeForm, HolidayForm, PaymentMethod, ReceiptField, ReceiptStatus, RefundAction, RefundRequestInput,
    RefundState, ReplacementDecision, ReplacementState, Resolution, Role,
};
use chrono::{Duration, Utc};
use common::{cleanup, fresh_db, sign_in, Engine};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder, Set,
};
use server::Server;

db_tests!(
    receipt_numbers_stay_gapless_under_concurrent_payments_and_a_missing_one_is_an_alarm,
    a_notice_fixes_only_name_address_or_words_and_a_replacement_needs_a_second_person_and_names_what_it_replaces,
    closing_a_day_prepares_its_tax_summary_which_the_xsd_accepts_and_a_late_day_says_so,
    a_refund_needs_another_person_never_exceeds_what_was_received_and_an_overpayment_refunds_its_surplus,
    a_deposit_covers_only_closed_days_never_a_day_twice_even_at_once_and_deducts_refunded_revenue,
    budget_codes_are_dated_data_and_an_uncoded_fee_line_blocks_its_deposit,
    the_books_from_the_command_line_agree_with_the_pages_and_bad_arguments_exit_2,
    money_not_deposited_stays_visible_however_old_and_a_deposited_day_does_not,
    a_receipt_made_after_its_day_closed_goes_into_the_next_days_tax_summary_and_slip,
    a_paid_refund_of_revenue_is_a_refunded_row_of_its_own_in_reconciliation,
    a_deposit_due_on_a_listed_holiday_is_due_the_next_working_day_and_only_the_accountant_lists_them
);

const SEPAY_KEY: &str = "test-sepay-secret";
const WARD_ACCOUNT: &str = "113366668888";

async fn start(db: DatabaseConnection) -> Server {
    let mut args = common::serve_args();
    args.sepay_keys = vec![SEPAY_KEY.into()];
    server::start_with_db(db, &args).await.expect("server starts")
}

fn staff(username: &str, role: Role) -> StaffUser {
    StaffUser { account_id: 0, username: username.into(), display_name: username.into(), role, ward_id: Some(1), session_id: String::new() }
}

fn accountant() -> StaffUser {
    staff("ketoan", Role::Accountant)
}

fn supervisor() -> StaffUser {
    staff("truongbp", Role::Supervisor)
}

async fn sepay(srv: &Server, id: i64, amount: i64, content: &str) {
    assert_eq!(common::sepay_to(&srv.base_url(), SEPAY_KEY, id, WARD_ACCOUNT, amount, content).await.status(), 200);
}

fn day(offset: i64) -> String {
    app::time::vn_today(Utc::now() + Duration::days(offset))
}

/// Moves every time of the ward's money `days` back, as if it had all happened then (the
/// ward itself too, so the past day can be closed).
async fn shift_back(db: &DatabaseConnection, n: i64) {
    let d = Duration::days(n);
    for w in ward::Entity::find().all(db).await.expect("wards") {
        let at = w.created_at - d;
        let mut am = w.into_active_model();
        am.created_at = Set(at);
        am.update(db).await.expect("ward");
    }
    for x in dossier::Entity::find().all(db).await.expect("dossiers") {
        let at = x.created_at - d;
        let mut am = x.into_active_model();
        am.created_at = Set(at);
        am.update(db).await.expect("dossier");
    }
    for p in payment_request::Entity::find().all(db).await.expect("requests") {
        let (c, s, i, e, pa) =
            (p.created_at - d, p.state_changed_at - d, p.issued_at.map(|t| t - d), p.expires_at.map(|t| t - d), p.paid_at.map(|t| t - d));
        let mut am = p.into_active_model();
        am.created_at = Set(c);
        am.state_changed_at = Set(s);
        am.issued_at = Set(i);
        am.expires_at = Set(e);
        am.paid_at = Set(pa);
        am.update(db).await.expect("request");
    }
    for r in receipt::Entity::find().all(db).await.expect("receipts") {
        let at = r.issued_at - d;
        let mut am = r.into_active_model();
        am.issued_at = Set(at);
        am.update(db).await.expect("receipt");
    }
    for r in refund::Entity::find().all(db).await.expect("refunds") {
        let (q, p) = (r.requested_at - d, r.paid_at.map(|t| t - d));
        let mut am = r.into_active_model();
        am.requested_at = Set(q);
        am.paid_at = Set(p);
        am.update(db).await.expect("refund");
    }
}

async fn receipt_numbers_stay_gapless_under_concurrent_payments_and_a_missing_one_is_an_alarm(engine: Engine) {
    let Some(t) = fresh_db(engine).await else { return };
    let srv = start(t.db.clone()).await;
    // One payable code per counter: sixteen counters, one dossier each.
    let admin = staff("admin", Role::Admin);
    for n in 0..16 {
        app::backend::wards::add_counter(&t.db, 1, &format!("Quầy thử {n}"), &admin).await.expect("counter");
    }
    let counters: Vec<i64> = app::backend::screens::ward_snapshot(&t.db, 1).await.expect("ward").counters.iter().map(|c| c.id).collect();
    let mut requests = Vec::new();
    for c in counters.iter().take(16) {
        requests.push(common::dossier_at(&srv, *c, "DEMO-CT02", None).await);
    }
    // Sixteen cashiers at once: every payment gets a receipt, and no number is skipped or shared.
    let tasks: Vec<_> = requests
        .into_iter()
        .map(|(id, version, _)| {
            let b = srv.backend.clone();
            tokio::spawn(async move {
                payments::pay_manually(&b, id, version, PaymentMethod::Cash, Some("tiền mặt".into()), None, "canbo").await
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("join").expect("paid");
    }
    let all = receipt::Entity::find().order_by_asc(receipt::Column::Number).all(&t.db).await.expect("receipts");
    assert_eq!(all.iter().map(|r| r.number).collect::<Vec<_>>(), (1..=16).collect::<Vec<_>>());
    assert!(all.iter().all(|r| r.form == "EBL01" && r.series == format!("{}TAA", &day(0)[2..4])), "2026 symbols: EBL01 and YYT + letters");
    let range = DayRange::parse(&day(0), &day(0), Utc::now()).expect("range");
    let reg = receipt_register::register(&t.db, 1, range).await.expect("register");
    assert_eq!((reg.issued, reg.gaps.len(), reg.amount_standing), (16, 0, 160_000));
    // A receipt that disappeared (nothing in WardPay deletes one) is an alarm, not a silent row.
    receipt::Entity::delete_by_id(all[6].id).exec(&t.db).await.expect("delete");
    receipt::Entity::delete_by_id(all[15].id).exec(&t.db).await.expect("delete");
    let reg = receipt_register::register(&t.db, 1, range).await.expect("register");
    let gaps: Vec<(i64, i64)> = reg.gaps.iter().map(|g| (g.from, g.to)).collect();
    assert_eq!(gaps, vec![(7, 7), (16, 16)], "a hole in the middle and one at the end are both found");
    // The register as a file says the same, alarm included.
    let accountant = sign_in(&srv.base_url(), "ketoan").await;
    let csv =
        accountant.client.get(format!("{}/reports/receipts.csv?from={}&to={}", srv.base_url(), day(0), day(0))).send().await.expect("get");
    assert_eq!(csv.status(), 200);
    let text = csv.text().await.expect("text");
    assert!(text.starts_with('\u{feff}') && text.contains("THIẾU SỐ") && text.contains("\"7–7\""), "{text}");
    assert_eq!(text.lines().filter(|l| l.starts_with("\"EBL01\"")).count(), 14);
    srv.shutdown().await.expect("shutdown");
    cleanup(t).await;
}

async fn a_notice_fixes_only_name_address_or_words_and_a_replacement_needs_a_second_person_and_names_what_it_replaces(engine: Engine) {
    let Some(t) = fresh_db(engine).await else { return };
    let srv = start(t.db.clone()).await;
    let r = common::paid_in_cash(&srv, "DEMO-CT02", None).await;
    let ketoan = accountant();
    // A notice for an amount is refused: that needs a replacement.
    let wrong_amount =
        CorrectionInput { receipt_id: r.id, wrong: vec![ReceiptField::Amount], reason: "Sai số tiền".into(), ..Default::default() };
    match receipt_corrections::notify(&t.db, wrong_amount.clone(), &ketoan).await {
        Err(BackendError::Invalid { field: "wrong", .. }) => {}
        other => panic!("a notice may not change the amount: {other:?}"),
    }
    // A notice for the name: signed, numbered, in the register; the receipt is untouched.
    let name = CorrectionInput {
        receipt_id: r.id,
        wrong: vec![ReceiptField::PayerName],
        reason: "Ghi sai họ tên".into(),
        payer_name: Some("Nguyễn Văn Ân".into()),
        ..Default::default()
    };
    let notice = receipt_corrections::notify(&t.db, name, &ketoan).await.expect("notice");
    assert!(notice.label.starts_with("04/SS-CTĐT số 1/"), "{}", notice.label);
    assert_eq!((notice.changes[0].was.as_str(), notice.changes[0].now.as_str()), ("Nguyễn Văn An", "Nguyễn Văn Ân"));
    let same = receipt::Entity::find_by_id(r.id).one(&t.db).await.expect("db").expect("receipt");
    assert_eq!(same, r, "a receipt is never edited");
    // A replacement for the amount: a new number, the old receipt named on it.
    let mut replace = wrong_amount.clone();
    replace.line_amounts = Some(vec![8_000]);
    // Proposed by the accountant: nothing is issued until a second person approves, and
    // the proposer cannot approve (or reject) it; a second proposal waits behind the first.
    let proposal = receipt_corrections::propose_replacement(&t.db, replace.clone(), &ketoan).await.expect("proposal");
    assert_eq!((proposal.amount_before, proposal.amount_after), (10_000, 8_000));
    assert_eq!(receipt::Entity::find().count(&t.db).await.expect("count"), 1, "a proposal issues nothing");
    for approve in [true, false] {
        let own = ReplacementDecision { id: proposal.id, approve, note: Some("tự duyệt".into()) };
        match receipt_corrections::decide_replacement(&t.db, own, &ketoan).await {
            Err(BackendError::Forbidden(_)) => {}
            other => panic!("the proposer decided their own replacement: {other:?}"),
        }
    }
    match receipt_corrections::propose_replacement(&t.db, replace.clone(), &ketoan).await {
        Err(BackendError::Conflict(_)) => {}
        other => panic!("a second waiting proposal: {other:?}"),
    }
    let reject_blank = ReplacementDecision { id: proposal.id, approve: false, note: Some(" ".into()) };
    assert!(matches!(
        receipt_corrections::decide_replacement(&t.db, reject_blank, &supervisor()).await,
        Err(BackendError::Invalid { field: "note", .. })
    ));
    let waiting = receipt_register::register(&t.db, 1, DayRange::parse(&day(0), &day(0), Utc::now()).expect("range")).await.expect("reg");
    assert_eq!(waiting.pending_replacements.iter().map(|p| p.id).collect::<Vec<_>>(), vec![proposal.id], "the register lists it");
    let approved =
        receipt_corrections::decide_replacement(&t.db, ReplacementDecision { id: proposal.id, approve: true, note: None }, &supervisor())
            .await
            .expect("approval by a second person");
    assert_eq!((approved.state, approved.decided_by.as_deref()), (ReplacementState::Approved, Some("truongbp")));
    let new = approved.replacement.expect("issued on approval");
    match receipt_corrections::decide_replacement(&t.db, ReplacementDecision { id: proposal.id, approve: true, note: None }, &supervisor())
        .await
    {
        Err(BackendError::Conflict(_)) => {}
        other => panic!("a proposal is decided once: {other:?}"),
    }
    let new_row = receipt::Entity::find_by_id(new.id).one(&t.db).await.expect("db").expect("receipt");
    assert_eq!((new_row.number, new_row.amount, new_row.replaces_id), (2, 8_000, Some(r.id)));
    let content: app::model::ReceiptContent = serde_json::from_str(&new_row.content).expect("content");
    let named = content.replaces.expect("names the receipt it replaces");
    assert_eq!((named.series.as_str(), named.number.as_str()), (r.series.as_str(), "0000001"));
    assert_eq!(content.total_words, "Tám nghìn đồng");
    // The citizen's link to the replaced receipt no longer shows it: it points to the
    // replacement (whose own link opens it); the ward's staff still see the replaced one.
    use app::backend::auth::Principal;
    use app::model::ReceiptOpen;
    let w = ward::Entity::find_by_id(r.ward_id).one(&t.db).await.expect("db").expect("ward");
    let old_token = app::backend::receipts::public_token(&w.receipt_key, r.id);
    match app::backend::receipt_view::load(&t.db, r.id, Some(&old_token), &Principal::Anonymous).await.expect("load") {
        Some(ReceiptOpen::Replaced { by, .. }) => {
            assert_eq!(by.id, new.id);
            let page = common::http().get(format!("{}{}", srv.base_url(), by.href())).send().await.expect("page");
            assert_eq!(page.status(), 200);
            assert!(page.text().await.expect("body").contains("0000002"), "the replacement opens by its link");
        }
        other => panic!("the public link of a replaced receipt must point to its replacement: {other:?}"),
    }
    let old_page = common::http().get(format!("{}/receipts/{}?k={old_token}", srv.base_url(), r.id)).send().await.expect("page");
    let html = old_page.text().await.expect("body");
    assert!(
        html.contains("receipt-replaced") && html.contains(&format!("/receipts/{}?k=", new.id)),
        "the old link's page names the replacement"
    );
    let staff = Principal::Staff(ketoan.clone());
    assert!(matches!(app::backend::receipt_view::load(&t.db, r.id, None, &staff).await.expect("load"), Some(ReceiptOpen::Doc(_))));
    // A replaced receipt cannot be replaced or notified again.
    match receipt_corrections::propose_replacement(&t.db, replace, &ketoan).await {
        Err(BackendError::Conflict(_)) => {}
        other => panic!("replacing a replaced receipt: {other:?}"),
    }
    // The register marks both, numbers stay continuous.
    let range = DayRange::parse(&day(0), &day(0), Utc::now()).expect("range");
    let reg = receipt_register::register(&t.db, 1, range).await.expect("register");
    assert_eq!(
        reg.rows.iter().map(|x| (x.number, x.status)).collect::<Vec<_>>(),
        vec![(1, ReceiptStatus::Replaced), (2, ReceiptStatus::Valid)]
    );
    assert_eq!((reg.gaps.len(), reg.amount_standing, reg.notices.len()), (0, 8_000, 1));
    // Over HTTP, a refused attempt is in the audit log; the officer may not correct at all.
    let base = srv.base_url();
    let acc = sign_in(&base, "ketoan").await;
    let body = serde_json::json!({ "input": { "receipt_id": r.id, "wrong": ["amount"], "reason": "lần nữa", "line_amounts": [1] } });
    let resp = acc.client.post(format!("{base}/api/propose_replacement")).json(&body).send().await.expect("post");
    assert_eq!(resp.status(), 409, "{}", resp.text().await.unwrap_or_default());
    assert_eq!(audited(&t.db, "receipt.replace_refused").await, 1);
    assert_eq!(audited(&t.db, "receipt.replace_proposed").await, 1);
    assert_eq!(audited(&t.db, "receipt.replace").await, 1);
    assert_eq!(audited(&t.db, "receipt.notice").await, 1);
    let officer = sign_in(&base, "canbo").await;
    let resp = officer.client.post(format!("{base}/api/notify_receipt")).json(&body).send().await.expect("post");
    assert_eq!(resp.status(), 403);
    srv.shutdown().await.expect("shutdown");
    cleanup(t).await;
}

/// How many audit entries of `action` there are.
async fn audited(db: &DatabaseConnection, action: &str) -> u64 {
    use sea_orm::PaginatorTrait;
    app::backend::entity::audit_log::Entity::find()
        .filter(app::backend::entity::audit_log::Column::Action.eq(action))
        .count(db)
        .await
        .expect("count")
}

fn xmllint_accepts(xml: &str) -> Result<(), String> {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("summary.xml");
    std::fs::write(&path, xml).expect("write");
    let xsd = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/schemas/01-TH-BLDT.xsd");
    let out = std::process::Command::new("xmllint")
        .args(["--noout", "--schema"])
        .arg(&xsd)
        .arg(&path)
        .output()
        .map_err(|e| format!("xmllint missing: run scripts/setup.sh (installs libxml2-utils): {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

async fn closing_a_day_prepares_its_tax_summary_which_the_xsd_accepts_and_a_late_day_says_so(engine: Engine) {
    let Some(t) = fresh_db(engine).await else { return };
    let srv = start(t.db.clone()).await;
    let first = common::paid_in_cash(&srv, "DEMO-CT02", None).await;
    common::paid_in_cash(&srv, "DEMO-CT02", None).await;
    let mut replace =
        CorrectionInput { receipt_id: first.id, wrong: vec![ReceiptField::Amount], reason: "Sai số tiền".into(), ..Default::default() };
    replace.line_amounts = Some(vec![9_000]);
    common::replace_approved(&t.db, replace).await;
    // Yesterday's work, closed only today: the summary is made now and says it is late.
    shift_back(&t.db, 1).await;
    let closed = days::close(&t.db, 1, Some(day(-1)), &supervisor()).await.expect("close yesterday");
    assert_eq!(closed.day, day(-1));
    let view = tax_summaries::list(&t.db, 1, true).await.expect("list");
    let s = view.summaries.iter().find(|s| s.day == day(-1)).expect("summary prepared at close");
    assert!(s.late && s.late_reason.is_some(), "{s:?}");
    assert_eq!((s.receipts, s.total, s.status.as_str()), (3, 10_000 + 10_000 + 9_000, "prepared"));
    let (name, xml) = tax_summaries::xml(&t.db, 1, &day(-1)).await.expect("xml");
    assert!(name.ends_with(&format!("{}.xml", day(-1))));
    xmllint_accepts(&xml).expect("the summary validates against docs/schemas/01-TH-BLDT.xsd");
    assert!(xml.contains("<TThai>3</TThai>") && xml.contains("<SBLCLQuan>1</SBLCLQuan>"), "the replacement names the receipt it replaces");
    assert!(xml.contains("<LDau>1</LDau>") && xml.contains("<GChu>"), "a late summary says so");
    // Today, closed today: on time. A day with no receipts still gets a valid file.
    days::close(&t.db, 1, None, &supervisor()).await.expect("close today");
    let today = tax_summaries::list(&t.db, 1, true).await.expect("list").summaries.into_iter().find(|s| s.day == day(0)).expect("today's");
    assert!(!today.late);
    assert_eq!(today.receipts, 0);
    xmllint_accepts(&tax_summaries::xml(&t.db, 1, &day(0)).await.expect("xml").1).expect("an empty day validates");
    // The accountant tracks it: sent, then rejected (with the reason), then prepared again.
    let ketoan = accountant();
    tax_summaries::set_status(&t.db, 1, s.id, "sent", None, &ketoan).await.expect("sent");
    match tax_summaries::prepare(&t.db, 1, &day(-1), "ketoan", None).await {
        Err(BackendError::Conflict(_)) => {}
        other => panic!("a sent summary is not prepared over: {other:?}"),
    }
    match tax_summaries::set_status(&t.db, 1, s.id, "rejected", None, &ketoan).await {
        Err(BackendError::Invalid { field: "note", .. }) => {}
        other => panic!("a rejection needs its reason: {other:?}"),
    }
    let rejected = tax_summaries::set_status(&t.db, 1, s.id, "rejected", Some("Sai định dạng".into()), &ketoan).await.expect("rejected");
    assert_eq!((rejected.status.as_str(), rejected.status_note.as_deref()), ("rejected", Some("Sai định dạng")));
    assert!(matches!(tax_summaries::set_status(&t.db, 1, s.id, "lost", None, &ketoan).await, Err(BackendError::Invalid { .. })));
    let again = tax_summaries::prepare(&t.db, 1, &day(-1), "ketoan", Some("Sự cố mạng ngày hôm qua".into())).await.expect("again");
    assert_eq!(
        (again.status.as_str(), again.late_reason.as_deref(), again.sequence),
        ("prepared", Some("Sự cố mạng ngày hôm qua"), s.sequence)
    );
    // A day not closed has no summary to prepare; over HTTP the file downloads for the accountant only.
    assert!(matches!(tax_summaries::prepare(&t.db, 1, &day(-5), "ketoan", None).await, Err(BackendError::Conflict(_))));
    let base = srv.base_url();
    let acc = sign_in(&base, "ketoan").await;
    let r = acc.client.get(format!("{base}/reports/tax-summary.xml?day={}", day(-1))).send().await.expect("get");
    assert_eq!(r.status(), 200);
    assert!(r.text().await.expect("text").contains("01/TH-BLĐT"));
    let officer = sign_in(&base, "canbo").await;
    assert_eq!(officer.client.get(format!("{base}/reports/tax-summary.xml?day={}", day(-1))).send().await.expect("get").status(), 403);
    srv.shutdown().await.expect("shutdown");
    cleanup(t).await;
}

async fn a_refund_needs_another_person_never_exceeds_what_was_received_and_an_overpayment_refunds_its_surplus(engine: Engine) {
    let Some(t) = fresh_db(engine).await else { return };
    let srv = start(t.db.clone()).await;
    // 12.000đ for a 10.000đ code pays the dossier at once and asks to refund the 2.000đ
    // surplus: a request the system raises with the transfer as its evidence.
    let (_, _, code) = common::dossier_of(&srv, "DEMO-CT02").await;
    sepay(&srv, 501, 12_000, &format!("{code} NOP PHI")).await;
    assert_eq!(bank_exception::Entity::find().count(&t.db).await.expect("db"), 0, "an overpayment is no exception");
    let rows = refunds::list(&t.db, 1).await.expect("refunds");
    assert_eq!(rows.len(), 1);
    let surplus = &rows[0];
    assert_eq!(
        (surplus.amount, surplus.received, surplus.state, surplus.requested_by.as_str()),
        (2_000, 12_000, RefundState::Requested, "system")
    );
    // A person approves it; only the accountant marks it paid, with a reference.
    let approved = refunds::act(&t.db, 1, surplus.id, surplus.version, RefundAction::Approve { note: Some("đúng".into()) }, &supervisor())
        .await
        .expect("approve");
    assert_eq!((approved.state, approved.decided_by.as_deref()), (RefundState::Approved, Some("truongbp")));
    let stale = refunds::act(&t.db, 1, surplus.id, surplus.version, RefundAction::Reject { note: "x".into() }, &accountant()).await;
    assert!(matches!(stale, Err(BackendError::Conflict(_))), "a stale version is refused: {stale:?}");
    let by_supervisor =
        refunds::act(&t.db, 1, surplus.id, approved.version, RefundAction::MarkPaid { bank_reference: "FT1".into() }, &supervisor()).await;
    assert!(matches!(by_supervisor, Err(BackendError::Forbidden(_))));
    let no_ref =
        refunds::act(&t.db, 1, surplus.id, approved.version, RefundAction::MarkPaid { bank_reference: " ".into() }, &accountant()).await;
    assert!(matches!(no_ref, Err(BackendError::Invalid { .. })), "{no_ref:?}");
    let paid = refunds::act(
        &t.db,
        1,
        surplus.id,
        approved.version,
        RefundAction::MarkPaid { bank_reference: "FT26335REFUND1".into() },
        &accountant(),
    )
    .await
    .expect("paid");
    assert_eq!((paid.state, paid.bank_reference.as_deref()), (RefundState::Paid, Some("FT26335REFUND1")));
    // Revenue given back from a receipt: never above what it says, never twice over.
    let r = common::paid_in_cash(&srv, "DEMO-CT02", None).await;
    let too_much =
        RefundRequestInput {
            receipt_id: Some(r.id), amount: 10_001, reason: "Hồ sơ không giải quyết".into(), ..Default::default()
        };
    assert!(matches!(refunds::request(&t.db, 1, too_much, &accountant()).await, Err(BackendError::Invalid { field: "amount", .. })));
    let part =
        RefundRequestInput { receipt_id: Some(r.id), amount: 6_000, reason: "Hồ sơ không giải quyết".into(), ..Default::default() };
    let first = refunds::request(&t.db, 1, part.clone(), &accountant()).await.expect("first part");
    // Nobody approves their own request.
    let own = refunds::act(&t.db, 1, first.id, first.version, RefundAction::Approve { note: None }, &accountant()).await;
    assert!(matches!(own, Err(BackendError::Forbidden(_))), "{own:?}");
    assert!(
        matches!(refunds::request(&t.db, 1, part, &accountant()).await, Err(BackendError::Invalid { field: "amount", .. })),
        "6.000 + 6.000 > 10.000"
    );
    // Money that named no code is refunded from the exception queue, through a request too.
    sepay(&srv, 502, 7_000, "CHUYEN TIEN NHAM").await;
    let unknown = bank_exception::Entity::find()
        .filter(bank_exception::Column::Kind.eq("unknown_code"))
        .one(&t.db)
        .await
        .expect("db")
        .expect("exception");
    app::backend::exceptions::resolve(&srv.backend, unknown.id, Resolution::Refund, Some("chuyển nhầm".into()), "truongbp", Some(1))
        .await
        .expect("refund");
    let all = refunds::list(&t.db, 1).await.expect("refunds");
    assert!(all.iter().any(|x| x.exception_id == Some(unknown.id) && x.amount == 7_000 && x.state == RefundState::Requested));
    sepay(&srv, 503, 9_000, "CHUYEN TIEN KHAC").await;
    let open = bank_exception::Entity::find()
        .filter(bank_exception::Column::Status.eq("open"))
        .one(&t.db)
        .await
        .expect("db")
        .expect("open exception");
    let early = RefundRequestInput { exception_id: Some(open.id), amount: 9_000, reason: "hoàn".into(), ..Default::default() };
    assert!(matches!(refunds::request(&t.db, 1, early, &accountant()).await, Err(BackendError::Conflict(_))));
    // Over HTTP: approving one's own refund is refused, said clearly, and in the audit log.
    let base = srv.base_url();
    let acc = sign_in(&base, "ketoan").await;
    let mine = all.iter().find(|x| x.receipt_label.is_some()).expect("the receipt refund");
    let body = serde_json::json!({ "id": mine.id, "version": mine.version, "action": { "Approve": { "note": null } } });
    let resp = acc.client.post(format!("{base}/api/act_on_refund")).json(&body).send().await.expect("post");
    assert_eq!(resp.status(), 403);
    assert!(resp.text().await.expect("text").contains("tự duyệt"));
    assert_eq!(audited(&t.db, "refund.refused").await, 1);
    assert_eq!(audited(&t.db, "refund.approve").await, 1);
    assert_eq!(audited(&t.db, "refund.paid").await, 1);
    let csv = acc.client.get(format!("{base}/reports/refunds.csv")).send().await.expect("get").text().await.expect("text");
    assert!(csv.contains("FT26335REFUND1") && csv.contains("Đã hoàn"), "{csv}");
    srv.shutdown().await.expect("shutdown");
    cleanup(t).await;
}

fn deposit(kind: &str, from: &str, to: &str, reference: &str) -> DepositInput {
    DepositInput { kind: kind.into(), from: from.into(), to: to.into(), deposited_on: day(0), treasury_ref: reference.into() }
}

async fn a_deposit_covers_only_closed_days_never_a_day_twice_even_at_once_and_deducts_refunded_revenue(engine: Engine) {
    let Some(t) = fresh_db(engine).await else { return };
    let srv = start(t.db.clone()).await;
    let ketoan = accountant();
    // Two days ago: two signature certifications (phí, 2716) and a late birth registration (lệ phí, 2771).
    common::paid_in_cash(&srv, "DEMO-CT02", None).await;
    let refunded = common::paid_in_cash(&srv, "DEMO-CT02", None).await;
    let (id, version, _) = common::dossier_of(&srv, "DEMO-HT03").await;
    payments::pay_manually(&srv.backend, id, version, PaymentMethod::Cash, Some("tiền mặt".into()), None, "canbo").await.expect("cash");
    // 4.000đ of one receipt given back, approved by another person, paid.
    let req = refunds::request(
        &t.db,
        1,
        RefundRequestInput { receipt_id: Some(refunded.id), amount: 4_000, reason: "Giảm phí".into(), ..Default::default() },
        &ketoan,
    )
    .await
    .expect("request");
    let ok = refunds::act(&t.db, 1, req.id, req.version, RefundAction::Approve { note: None }, &supervisor()).await.expect("approve");
    refunds::act(&t.db, 1, req.id, ok.version, RefundAction::MarkPaid { bank_reference: "FT-REFUND-9".into() }, &ketoan)
        .await
        .expect("paid");
    shift_back(&t.db, 2).await;
    let (d2, d1) = (day(-2), day(-1));
    // The day is not closed yet: no deposit.
    let s = treasury::slip(&t.db, 1, FeeKind::Phi, &d2, &d1).await.expect("slip");
    assert_eq!(s.open_days, vec![d2.clone()]);
    assert!(matches!(treasury::record(&t.db, 1, deposit("phi", &d2, &d1, "KB-1"), &ketoan).await, Err(BackendError::Conflict(_))));
    days::close(&t.db, 1, Some(d2.clone()), &supervisor()).await.expect("close");
    // The slip: one line per NDKT with chương and ĐBHC, refunds deducted with their reference, total in words.
    let s = treasury::slip(&t.db, 1, FeeKind::Phi, &d2, &d1).await.expect("slip");
    assert!(s.open_days.is_empty() && s.uncoded.is_empty(), "{s:?}");
    assert_eq!(s.lines.len(), 1);
    let l = &s.lines[0];
    assert_eq!((l.chapter.as_str(), l.ndkt.as_str(), l.dbhc.as_str()), ("830", "2716", "00001"));
    assert_eq!((l.receipts, l.gross, l.refunds, l.amount), (2, 20_000, 4_000, 16_000));
    assert_eq!((s.total, s.refunds_total, s.total_words.as_str()), (16_000, 4_000, "Mười sáu nghìn đồng"));
    assert_eq!(s.refunds[0].bank_reference.as_deref(), Some("FT-REFUND-9"));
    assert_eq!(s.receipts.len(), 2);
    let le = treasury::slip(&t.db, 1, FeeKind::LePhi, &d2, &d1).await.expect("lệ phí slip");
    assert_eq!((le.lines[0].ndkt.as_str(), le.total, le.kbnn_account.as_str()), ("2771", 5_000, "7111.0.1000001"));
    assert_ne!(le.kbnn_account, s.kbnn_account, "phí and lệ phí go to different treasury accounts");
    // The money waits, visibly, with its due date.
    let waiting = treasury::view(&t.db, 1, true).await.expect("view");
    assert!(waiting.outstanding.iter().any(|o| o.kind == FeeKind::Phi && o.amount == 16_000), "{:?}", waiting.outstanding);
    // Two accountants record the same deposit at once: one wins, the other is told.
    let (a, b) = tokio::join!(
        treasury::record(&t.db, 1, deposit("phi", &d2, &d1, "KB-2026-001"), &ketoan),
        treasury::record(&t.db, 1, deposit("phi", &d2, &d2, "KB-2026-002"), &ketoan)
    );
    assert_eq!([a.is_ok(), b.is_ok()].iter().filter(|x| **x).count(), 1, "{a:?} {b:?}");
    assert!(matches!(a.as_ref().err().or(b.as_ref().err()), Some(BackendError::Conflict(_))));
    // No day twice, whatever the range; bad input is named.
    assert!(matches!(treasury::record(&t.db, 1, deposit("phi", &d2, &d2, "KB-3"), &ketoan).await, Err(BackendError::Conflict(_))));
    assert!(matches!(
        treasury::record(&t.db, 1, deposit("phi", &d2, &d1, ""), &ketoan).await,
        Err(BackendError::Invalid { field: "treasury_ref", .. })
    ));
    assert!(matches!(
        treasury::record(&t.db, 1, deposit("tien", &d2, &d1, "KB-4"), &ketoan).await,
        Err(BackendError::Invalid { field: "kind", .. })
    ));
    let slip = treasury::slip(&t.db, 1, FeeKind::Phi, &d2, &d2).await.expect("slip");
    assert_eq!(slip.deposited_days, vec![d2.clone()]);
    // Lệ phí is deposited on its own; a future day is never covered.
    assert!(matches!(
        treasury::record(&t.db, 1, deposit("le_phi", &d2, &day(1), "KB-5"), &ketoan).await,
        Err(BackendError::Invalid { .. } | BackendError::Conflict(_))
    ));
    treasury::record(&t.db, 1, deposit("le_phi", &d2, &d2, "KB-LE-1"), &ketoan).await.expect("lệ phí deposit");
    let after = treasury::view(&t.db, 1, true).await.expect("view");
    assert!(after.outstanding.iter().all(|o| o.from > d2 || o.to < d2), "nothing of that day waits: {:?}", after.outstanding);
    assert_eq!(after.deposits.len(), 2);
    // The files agree with the page.
    let base = srv.base_url();
    let acc = sign_in(&base, "ketoan").await;
    let xlsx = acc.client.get(format!("{base}/reports/treasury.xlsx?kind=phi&from={d2}&to={d1}")).send().await.expect("get");
    assert_eq!(xlsx.status(), 200);
    assert!(xlsx.bytes().await.expect("bytes").starts_with(b"PK"));
    let csv = acc
        .client
        .get(format!("{base}/reports/treasury.csv?kind=phi&from={d2}&to={d1}"))
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("text");
    assert!(csv.contains("\"2716\"") && csv.contains(",16000\r\n") && csv.contains("Mười sáu nghìn đồng"), "{csv}");
    let bad = acc.client.get(format!("{base}/reports/treasury.csv?kind=x&from={d2}&to={d1}")).send().await.expect("get");
    assert_eq!(bad.status(), 422);
    srv.shutdown().await.expect("shutdown");
    cleanup(t).await;
}

async fn budget_codes_are_dated_data_and_an_uncoded_fee_line_blocks_its_deposit(engine: Engine) {
    let Some(t) = fresh_db(engine).await else { return };
    let srv = start(t.db.clone()).await;
    let ketoan = accountant();
    // The demo's codes are examples; the copy of a civil-status extract has none.
    let v = budget_codes::view(&t.db, 1, true).await.expect("codes");
    assert!(v.profiles.iter().all(|p| p.example));
    let extract = v.fees.iter().find(|f| f.fee_name.to_lowercase().contains("trích lục")).expect("the extract copy fee");
    assert!(extract.current.is_none());
    let (id, version, _) = common::dossier_of(&srv, "DEMO-HT01").await;
    payments::pay_manually(&srv.backend, id, version, PaymentMethod::Cash, Some("tiền mặt".into()), None, "canbo").await.expect("cash");
    shift_back(&t.db, 2).await;
    let d2 = day(-2);
    days::close(&t.db, 1, Some(d2.clone()), &supervisor()).await.expect("close");
    let s = treasury::slip(&t.db, 1, FeeKind::Phi, &d2, &d2).await.expect("slip");
    assert_eq!((s.uncoded.len(), s.total), (1, 8_000), "flagged, and still counted in the money");
    match treasury::record(&t.db, 1, deposit("phi", &d2, &d2, "KB-9"), &ketoan).await {
        Err(BackendError::Invalid { message, .. }) => assert!(message.contains("chưa có mã"), "{message}"),
        other => panic!("an uncoded line blocks the deposit: {other:?}"),
    }
    // Bad codes are refused by name; a code dated after the money does not cover it.
    let bad = FeeCodeForm { fee_item_id: extract.fee_item_id, valid_from: d2.clone(), chapter: "83".into(), ndkt: "2716".into() };
    assert!(matches!(budget_codes::set_fee_code(&t.db, 1, bad, &ketoan).await, Err(BackendError::Invalid { field: "chapter", .. })));
    let later = FeeCodeForm { fee_item_id: extract.fee_item_id, valid_from: day(-1), chapter: "830".into(), ndkt: "3075".into() };
    budget_codes::set_fee_code(&t.db, 1, later, &ketoan).await.expect("later code");
    assert_eq!(treasury::slip(&t.db, 1, FeeKind::Phi, &d2, &d2).await.expect("slip").uncoded.len(), 1);
    let from_then =
        FeeCodeForm { fee_item_id: extract.fee_item_id, valid_from: "2026-01-01".into(), chapter: "830".into(), ndkt: "2716".into() };
    budget_codes::set_fee_code(&t.db, 1, from_then, &ketoan).await.expect("earlier code");
    let v = budget_codes::view(&t.db, 1, true).await.expect("codes");
    let history = &v.fees.iter().find(|f| f.fee_item_id == extract.fee_item_id).expect("row").history;
    assert_eq!(
        history.iter().map(|c| (c.ndkt.as_str(), c.valid_to.clone())).collect::<Vec<_>>(),
        vec![("2716", Some(day(-1))), ("3075", None)]
    );
    let s = treasury::slip(&t.db, 1, FeeKind::Phi, &d2, &d2).await.expect("slip");
    assert!(s.uncoded.is_empty());
    assert_eq!(s.lines[0].ndkt, "2716", "the code in effect on the day of collection");
    // The treasury settings too: confirmed values lose the example mark.
    let mut form = budget_codes::view(&t.db, 1, true).await.expect("codes").profiles[0].form.clone();
    form.valid_from = "2026-01-01".into();
    form.kbnn_name = "KBNN khu vực I".into();
    budget_codes::set_profile(&t.db, 1, form.clone(), &ketoan).await.expect("profile");
    form.interval_phi = "fortnightly".into();
    assert!(matches!(budget_codes::set_profile(&t.db, 1, form, &ketoan).await, Err(BackendError::Invalid { field: "interval_phi", .. })));
    let s = treasury::slip(&t.db, 1, FeeKind::Phi, &d2, &d2).await.expect("slip");
    assert_eq!(s.kbnn_name, "KBNN khu vực I");
    treasury::record(&t.db, 1, deposit("phi", &d2, &d2, "KB-10"), &ketoan).await.expect("deposit once coded");
    // A receipt series that does not fit TT 91 is refused by name, and the attempt audited.
    let admin = sign_in(&srv.base_url(), "admin").await;
    let ward = serde_json::json!({ "input": {
        "id": 1, "code": "000.00.01.H26", "name": "UBND Phường Demo", "address": "1 Phố Demo, Hà Nội", "tax_code": "0100000000",
        "budget_code": "1000000", "bank_bin": "970415", "bank_account": "113366668888", "bank_account_name": "UBND PHUONG DEMO",
        "receipt_form": "EBL01", "receipt_series": "26PDM" } });
    let r = admin.client.post(format!("{}/api/admin_save_ward", srv.base_url())).json(&ward).send().await.expect("post");
    assert_eq!(r.status(), 422);
    assert!(r.text().await.expect("text").contains("26TAA"));
    assert_eq!(audited(&t.db, "ward.save_refused").await, 1);
    // Over HTTP the supervisor reads the codes but cannot change them.
    let base = srv.base_url();
    let sup = sign_in(&base, "truongbp").await;
    assert_eq!(sup.client.post(format!("{base}/api/get_budget_codes")).send().await.expect("post").status(), 200);
    let body = serde_json::json!({ "form": { "fee_item_id": extract.fee_item_id, "valid_from": d2, "chapter": "830", "ndkt": "2716" } });
    assert_eq!(sup.client.post(format!("{base}/api/set_fee_code")).json(&body).send().await.expect("post").status(), 403);
    srv.shutdown().await.expect("shutdown");
    cleanup(t).await;
}

async fn the_books_from_the_command_line_agree_with_the_pages_and_bad_arguments_exit_2(engine: Engine) {
    let Some(t) = fresh_db(engine).await else { return };
    let srv = start(t.db.clone()).await;
    common::paid_in_cash(&srv, "DEMO-CT02", None).await;
    common::paid_in_cash(&srv, "DEMO-CT02", None).await;
    shift_back(&t.db, 1).await;
    let d1 = day(-1);
    days::close(&t.db, 1, Some(d1.clone()), &supervisor()).await.expect("close");
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_wardpay"))
            .args(args)
            .env("DATABASE_URL", &t.url)
            .env("WARDPAY_LOG", "warn")
            .output()
            .expect("run")
    };
    // Bad arguments: exit 2 and a message, before the database is opened (so on both engines).
    for bad in [
        vec!["report", "receipts", "--ward", "000.00.01.H26", "--from", "2026-13-01", "--to", "2026-12-01"],
        vec!["report", "treasury", "--ward", "000.00.01.H26", "--from", &d1, "--to", &d1, "--kind", "tien"],
        vec!["report", "refunds", "--ward", "000.00.01.H26", "--from", &d1],
        vec!["tax-summary", "--ward", "000.00.01.H26", "--day", "hôm qua", "-o", "/tmp/x.xml"],
    ] {
        let out = run(&bad);
        assert_eq!(out.status.code(), Some(2), "{bad:?}: {}", String::from_utf8_lossy(&out.stderr));
        assert!(!out.stderr.is_empty(), "{bad:?} says why");
    }
    // (On PostgreSQL the test's schema is not in the URL: the figures are read on SQLite.)
    if engine == Engine::Sqlite {
        let out = run(&["report", "treasury", "--ward", "000.00.01.H26", "--from", &d1, "--to", &d1, "--kind", "phi", "--format", "json"]);
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        let slips: Vec<app::model::TreasurySlip> = serde_json::from_slice(&out.stdout).expect("json");
        let page = treasury::slip(&t.db, 1, FeeKind::Phi, &d1, &d1).await.expect("slip");
        assert_eq!(slips, vec![page]);
        let out = run(&["report", "receipts", "--ward", "000.00.01.H26", "--from", &d1, "--to", &d1, "--format", "csv"]);
        assert_eq!(out.status.code(), Some(0));
        let csv = String::from_utf8(out.stdout).expect("utf8");
        assert_eq!(csv.lines().filter(|l| l.starts_with("\"EBL01\"")).count(), 2);
        let dir = tempfile::tempdir().expect("dir");
        let xlsx = dir.path().join("refunds.xlsx");
        let out = run(&[
            "report",
            "refunds",
            "--ward",
            "000.00.01.H26",
            "--from",
            &d1,
            "--to",
            &d1,
            "--format",
            "xlsx",
            "-o",
            xlsx.to_str().expect("path"),
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        assert!(std::fs::read(&xlsx).expect("file").starts_with(b"PK"));
        let xml = dir.path().join("summary.xml");
        let out = run(&["tax-summary", "--ward", "000.00.01.H26", "--day", &d1, "-o", xml.to_str().expect("path")]);
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        let text = std::fs::read_to_string(&xml).expect("xml");
        assert_eq!(text, tax_summaries::xml(&t.db, 1, &d1).await.expect("stored").1, "the file is the summary prepared at the close");
        xmllint_accepts(&text).expect("valid");
        let out = run(&["tax-summary", "--ward", "000.00.01.H26", "--day", &day(-9), "-o", xml.to_str().expect("path")]);
        assert_eq!(out.status.code(), Some(2), "a day not closed has no summary: {}", String::from_utf8_lossy(&out.stderr));
    }
    srv.shutdown().await.expect("shutdown");
    cleanup(t).await;
}

async fn money_not_deposited_stays_visible_however_old_and_a_deposited_day_does_not(engine: Engine) {
    let Some(t) = fresh_db(engine).await else { return };
    let srv = start(t.db.clone()).await;
    // Two certifications: one 130 days ago, one 100 days ago; both days closed.
    common::paid_in_cash(&srv, "DEMO-CT02", None).await;
    shift_back(&t.db, 30).await;
    common::paid_in_cash(&srv, "DEMO-CT02", None).await;
    shift_back(&t.db, 100).await;
    let (d130, d100) = (day(-130), day(-100));
    for d in [&d130, &d100] {
        days::close(&t.db, 1, Some(d.clone()), &supervisor()).await.expect("close");
    }
    let covers = |o: &app::model::Outstanding, d: &str| o.from.as_str() <= d && d <= o.to.as_str();
    let v = treasury::view(&t.db, 1, true).await.expect("view");
    for d in [&d130, &d100] {
        let o = v.outstanding.iter().find(|o| o.kind == FeeKind::Phi && covers(o, d)).unwrap_or_else(|| panic!("{d} waits: {v:?}"));
        assert!(o.amount >= 10_000 && o.overdue, "{o:?}");
    }
    assert!(v.overdue, "old money past its due date is a warning");
    // The older day deposited: it leaves the list, the newer one stays.
    treasury::record(&t.db, 1, deposit("phi", &d130, &d130, "KB-OLD-1"), &accountant()).await.expect("deposit");
    let v = treasury::view(&t.db, 1, true).await.expect("view");
    assert!(!v.outstanding.iter().any(|o| covers(o, &d130)), "{:?}", v.outstanding);
    let o = v.outstanding.iter().find(|o| covers(o, &d100)).expect("the newer day still waits");
    assert_eq!((o.amount, o.receipts), (10_000, 1));
    srv.shutdown().await.expect("shutdown");
    cleanup(t).await;
}

/// Moves the close of `day` to `at` (a close made during that day, before a late transfer).
async fn closed_at(db: &DatabaseConnection, day: &str, at: chrono::DateTime<Utc>) {
    use app::backend::entity::day_close;
    let c = day_close::Entity::find().filter(day_close::Column::Day.eq(day)).one(db).await.expect("db").expect("closed");
    let mut am = c.into_active_model();
    am.closed_at = Set(at);
    am.update(db).await.expect("close time");
}

async fn a_receipt_made_after_its_day_closed_goes_into_the_next_days_tax_summary_and_slip(engine: Engine) {
    let Some(t) = fresh_db(engine).await else { return };
    let srv = start(t.db.clone()).await;
    let first = common::paid_in_cash(&srv, "DEMO-CT02", None).await;
    shift_back(&t.db, 2).await;
    let (d2, d1) = (day(-2), day(-1));
    days::close(&t.db, 1, Some(d2.clone()), &supervisor()).await.expect("close");
    // The day was closed one minute after its receipt; a transfer booked a minute later.
    let first = receipt::Entity::find_by_id(first.id).one(&t.db).await.expect("db").expect("receipt");
    closed_at(&t.db, &d2, first.issued_at + Duration::minutes(1)).await;
    let late = common::paid_in_cash(&srv, "DEMO-CT02", None).await;
    let mut am = late.clone().into_active_model();
    am.issued_at = Set(first.issued_at + Duration::minutes(2));
    am.update(&t.db).await.expect("late receipt");
    days::close(&t.db, 1, Some(d1.clone()), &supervisor()).await.expect("close the next day");
    let list = tax_summaries::list(&t.db, 1, true).await.expect("summaries");
    let of = |d: &str| list.summaries.iter().find(|s| s.day == d).unwrap_or_else(|| panic!("summary of {d}"));
    assert_eq!((of(&d2).receipts, of(&d1).receipts), (1, 1), "each receipt in exactly one summary");
    let (_, xml) = tax_summaries::xml(&t.db, 1, &d1).await.expect("xml");
    assert!(xml.contains(&format!("<SBLai>{}</SBLai>", late.number)), "the late receipt is in the next day's file: {xml}");
    xmllint_accepts(&xml).expect("valid");
    // The treasury agrees: the late receipt is the next day's money.
    let s1 = treasury::slip(&t.db, 1, FeeKind::Phi, &d1, &d1).await.expect("slip");
    let s2 = treasury::slip(&t.db, 1, FeeKind::Phi, &d2, &d2).await.expect("slip");
    assert_eq!((s2.receipts.len(), s1.receipts.len()), (1, 1));
    let late_label = app::backend::receipts::label(&late);
    assert!(s1.receipts[0].label.ends_with(&late_label), "{} is {late_label}", s1.receipts[0].label);
    srv.shutdown().await.expect("shutdown");
    cleanup(t).await;
}

async fn a_paid_refund_of_revenue_is_a_refunded_row_of_its_own_in_reconciliation(engine: Engine) {
    let Some(t) = fresh_db(engine).await else { return };
    let srv = start(t.db.clone()).await;
    let ketoan = accountant();
    let r = common::paid_in_cash(&srv, "DEMO-CT02", None).await;
    let req = refunds::request(
        &t.db,
        1,
        RefundRequestInput { receipt_id: Some(r.id), amount: 4_000, reason: "Thu thừa".into(), ..Default::default() },
        &ketoan,
    )
    .await
    .expect("request");
    let range = DayRange::parse(&day(0), &day(0), Utc::now()).expect("range");
    let before = app::backend::reconciliation::report(&t.db, 1, range).await.expect("report");
    assert!(before.rows.iter().all(|x| x.source != "refund"), "a refund not yet paid moves no money");
    let ok = refunds::act(&t.db, 1, req.id, req.version, RefundAction::Approve { note: None }, &supervisor()).await.expect("approve");
    refunds::act(&t.db, 1, req.id, ok.version, RefundAction::MarkPaid { bank_reference: "FT-BACK-1".into() }, &ketoan).await.expect("paid");
    let after = app::backend::reconciliation::report(&t.db, 1, range).await.expect("report");
    let row = after.rows.iter().find(|x| x.source == "refund").expect("the refund's row");
    assert_eq!(row.state, app::domain::reconciliation::RecState::Refunded);
    assert_eq!((row.amount_due, row.amount_received, row.difference), (0, -4_000, -4_000));
    assert_eq!(row.bank_reference.as_deref(), Some("FT-BACK-1"));
    assert_eq!(row.receipt.as_deref(), Some(app::backend::receipts::label(&r).as_str()));
    assert_eq!(after.total_received, before.total_received - 4_000, "the range's received total is what the ward kept");
    let refunded = after.totals.iter().find(|x| x.state == app::domain::reconciliation::RecState::Refunded).expect("refunded total");
    assert_eq!((refunded.count, refunded.amount_received), (1, -4_000));
    // Frozen with its day: the closed day's report still has it.
    days::close(&t.db, 1, Some(day(0)), &supervisor()).await.expect("close");
    let frozen = app::backend::reconciliation::report(&t.db, 1, range).await.expect("report");
    assert_eq!(frozen.rows.iter().filter(|x| x.source == "refund").count(), 1);
    assert_eq!(frozen.total_received, after.total_received);
    srv.shutdown().await.expect("shutdown");
    cleanup(t).await;
}

async fn a_deposit_due_on_a_listed_holiday_is_due_the_next_working_day_and_only_the_accountant_lists_them(engine: Engine) {
    let Some(t) = fresh_db(engine).await else { return };
    let srv = start(t.db.clone()).await;
    let ketoan = accountant();
    // Phí deposited daily (the demo ward deposits weekly), and a week ago one certification,
    // its day closed.
    let mut form = budget_codes::view(&t.db, 1, true).await.expect("codes").profiles[0].form.clone();
    form.valid_from = "2026-01-01".into();
    form.interval_phi = "daily".into();
    budget_codes::set_profile(&t.db, 1, form, &ketoan).await.expect("daily deposits");
    common::paid_in_cash(&srv, "DEMO-CT02", None).await;
    shift_back(&t.db, 7).await;
    let d7 = day(-7);
    days::close(&t.db, 1, Some(d7.clone()), &supervisor()).await.expect("close");
    let covers = |o: &app::model::Outstanding| o.kind == FeeKind::Phi && o.from <= d7 && d7 <= o.to;
    let outstanding = |v: app::model::TreasuryView| v.outstanding.into_iter().find(|o| covers(o)).expect("the week-old money waits");
    let before = outstanding(treasury::view(&t.db, 1, true).await.expect("view"));
    assert!(before.overdue, "due within three days of the money, so past due a week later: {before:?}");

    // The due day listed as a holiday: the deposit is due the working day after it.
    let listed = holidays::add(&t.db, 1, HolidayForm { day: before.due_on.clone(), name: "Nghỉ bù".into() }, &ketoan).await.expect("add");
    let moved = outstanding(treasury::view(&t.db, 1, true).await.expect("view"));
    let (was, now) = (ymd(&before.due_on), ymd(&moved.due_on));
    assert!(now > was && app::domain::treasury::WorkCalendar::default().is_working_day(now), "{was} -> {now}");
    // Every day from the money to today off (a long Tết): not overdue until the next working day.
    for n in (0..7).rev() {
        if day(-n) != before.due_on {
            holidays::add(&t.db, 1, HolidayForm { day: day(-n), name: "Tết Nguyên đán".into() }, &ketoan).await.expect("add");
        }
    }
    let during = outstanding(treasury::view(&t.db, 1, true).await.expect("view"));
    assert!(!during.overdue && during.due_on > day(0), "{during:?}");

    // A day is listed once; a bad day or an empty name is refused by its field.
    let again = holidays::add(&t.db, 1, HolidayForm { day: before.due_on.clone(), name: "x".into() }, &ketoan).await;
    assert!(matches!(again, Err(BackendError::Conflict(_))), "{again:?}");
    let bad = holidays::add(&t.db, 1, HolidayForm { day: "30/04/2027".into(), name: "Giải phóng miền Nam".into() }, &ketoan).await;
    assert!(matches!(bad, Err(BackendError::Invalid { field: "day", .. })), "{bad:?}");
    let far = holidays::add(&t.db, 1, HolidayForm { day: "2999-01-01".into(), name: "x".into() }, &ketoan).await;
    assert!(matches!(far, Err(BackendError::Invalid { field: "day", .. })), "{far:?}");
    let unnamed = holidays::add(&t.db, 1, HolidayForm { day: "2027-04-30".into(), name: "  ".into() }, &ketoan).await;
    assert!(matches!(unnamed, Err(BackendError::Invalid { field: "name", .. })), "{unnamed:?}");

    // Over HTTP: the accountant lists and removes days; the supervisor reads them and cannot.
    let base = srv.base_url();
    let kt = sign_in(&base, "ketoan").await;
    let body = serde_json::json!({ "form": { "day": "2027-09-02", "name": "Quốc khánh" } });
    let r = kt.client.post(format!("{base}/api/add_holiday")).json(&body).send().await.expect("post");
    assert_eq!(r.status(), 200);
    let r = kt.client.post(format!("{base}/api/add_holiday")).json(&body).send().await.expect("post");
    assert_eq!(r.status(), 409, "the same day twice");
    assert!(r.headers().get("content-type").is_some_and(|v| v.to_str().unwrap_or("").contains("json")));
    let r = kt
        .client
        .post(format!("{base}/api/add_holiday"))
        .json(&serde_json::json!({ "form": { "day": "hôm qua", "name": "x" } }))
        .send()
        .await;
    assert_eq!(r.expect("post").status(), 422);
    let sup = sign_in(&base, "truongbp").await;
    let r = sup
        .client
        .post(format!("{base}/api/add_holiday"))
        .json(&serde_json::json!({ "form": { "day": "2027-09-03", "name": "x" } }))
        .send()
        .await;
    assert_eq!(r.expect("post").status(), 403);
    let r = sup.client.post(format!("{base}/api/get_budget_codes")).send().await.expect("post");
    let v: app::model::BudgetCodesView = r.json().await.expect("codes");
    assert_eq!(v.holidays.len(), 8, "the seven days of the week and 2 September: {:?}", v.holidays);
    assert!(v.holidays.windows(2).all(|w| w[0].day < w[1].day), "by day");
    // Taking the first day off again brings its due date back; another ward's day is not found.
    let r = kt.client.post(format!("{base}/api/remove_holiday")).form(&[("id", listed.id.to_string())]).send().await.expect("post");
    assert_eq!(r.status(), 200);
    assert!(matches!(holidays::remove(&t.db, 2, listed.id, &ketoan).await, Err(BackendError::NotFound(_))));
    for h in holidays::list(&t.db, 1).await.expect("list") {
        holidays::remove(&t.db, 1, h.id, &ketoan).await.expect("remove");
    }
    assert_eq!(outstanding(treasury::view(&t.db, 1, true).await.expect("view")).due_on, before.due_on);
    assert_eq!(audited(&t.db, "treasury.holiday_added").await, 8);
    assert_eq!(audited(&t.db, "treasury.holiday_removed").await, 8);
    srv.shutdown().await.expect("shutdown");
    cleanup(t).await;
}

fn ymd(s: &str) -> chrono::NaiveDate {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("a day")
}
