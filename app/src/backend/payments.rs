//! The counter flow: dossiers, payment requests and their transitions (steps 2 to 6).
//!
//! Every transition goes through [`transition`], which asks the shared state machine
//! (`domain::payment`) and updates the row only if nobody changed it since it was read
//! (a version check), so that of two officers acting at once one wins and the other is
//! told. Every change is recorded in `payment_event` and pushed after commit.

use super::entity::{counter, dossier, fee_item, fee_line, payment_event, payment_request, receipt, ward};
use super::{receipts, sequences, Backend, BackendError};
use crate::domain::fees::{self, FeeRule, LineInput};
use crate::domain::payment::{PaymentEvent, PaymentMethod, PaymentState};
use crate::domain::{mask, words};
use crate::model::{CatalogEntry, DossierRow, FeeLineView, LineRequest, NewDossier, PaymentView, ReceiptContent};
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, Set, TransactionTrait,
};

/// How long the screens keep showing a finished payment before going back to idle.
pub const SUCCESS_DISPLAY_SECS: i64 = 20;
pub const NOTICE_DISPLAY_SECS: i64 = 8;

pub use crate::domain::dossier_source::Source;

pub(crate) fn state_of(pr: &payment_request::Model) -> Result<PaymentState, BackendError> {
    PaymentState::parse(&pr.state).ok_or_else(|| BackendError::invalid("state", format!("unknown state {:?}", pr.state)))
}

/// Makes concurrent writers for one counter queue up: the first statement of the
/// transaction is a write to the counter row (a row lock on PostgreSQL; on SQLite the
/// write lock), so the checks that follow see a settled counter.
pub(crate) async fn lock_counter(txn: &DatabaseTransaction, counter_id: i64) -> Result<counter::Model, BackendError> {
    let res = counter::Entity::update_many()
        .col_expr(counter::Column::Number, Expr::col(counter::Column::Number))
        .filter(counter::Column::Id.eq(counter_id))
        .exec(txn)
        .await?;
    if res.rows_affected == 0 {
        return Err(BackendError::invalid("counter_id", format!("counter {counter_id} does not exist")));
    }
    counter::Entity::find_by_id(counter_id).one(txn).await?.ok_or(BackendError::NotFound("counter"))
}

/// [`lock_counter`] for every counter of a ward at once: waits out every code being issued
/// in the ward (each is issued under its counter's lock), and later issuances wait for us.
pub(crate) async fn lock_ward_counters(txn: &DatabaseTransaction, ward_id: i64) -> Result<(), BackendError> {
    counter::Entity::update_many()
        .col_expr(counter::Column::Number, Expr::col(counter::Column::Number))
        .filter(counter::Column::WardId.eq(ward_id))
        .exec(txn)
        .await?;
    Ok(())
}

/// Applies `event` to `pr`, with the fields `changes` sets, if `pr` is still at `pr.version`.
pub async fn transition(
    txn: &DatabaseTransaction,
    pr: &payment_request::Model,
    event: PaymentEvent,
    actor: &str,
    note: Option<String>,
    changes: impl FnOnce(&mut payment_request::ActiveModel),
) -> Result<payment_request::Model, BackendError> {
    let from = state_of(pr)?;
    let to = from.apply(event).map_err(|e| BackendError::Conflict(e.to_string()))?;
    let now = Utc::now();
    let mut am = payment_request::ActiveModel {
        state: Set(to.as_str().into()),
        version: Set(pr.version + 1),
        state_changed_at: Set(now),
        ..Default::default()
    };
    changes(&mut am);
    let note_for_audit = note.clone();
    let res = payment_request::Entity::update_many()
        .set(am)
        .filter(payment_request::Column::Id.eq(pr.id))
        .filter(payment_request::Column::Version.eq(pr.version))
        .exec(txn)
        .await?;
    if res.rows_affected == 0 {
        return Err(BackendError::Conflict(
            "hồ sơ vừa được người khác thay đổi; màn hình đã cập nhật trạng thái mới (changed by someone else)".into(),
        ));
    }
    payment_event::ActiveModel {
        payment_request_id: Set(pr.id),
        from_state: Set(from.as_str().into()),
        to_state: Set(to.as_str().into()),
        event: Set(event_name(event)),
        actor: Set(actor.into()),
        at: Set(now),
        note: Set(note),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    super::audit::append(
        txn,
        super::audit::Entry::new(actor, Some(pr.ward_id), audit_action(event), format!("payment_request:{}", pr.id)).detail(
            serde_json::json!({ "from": from.as_str(), "to": to.as_str(), "code": pr.payment_code, "amount": pr.amount, "note": note_for_audit }),
        ),
    )
    .await?;
    payment_request::Entity::find_by_id(pr.id).one(txn).await?.ok_or(BackendError::NotFound("payment request"))
}

/// Cash and assisted payments get actions of their own so that the audit view can list them.
fn audit_action(e: PaymentEvent) -> &'static str {
    match e {
        PaymentEvent::Issue => "payment.issue",
        PaymentEvent::Pay(PaymentMethod::QrTransfer) => "payment.pay_qr",
        PaymentEvent::Pay(PaymentMethod::Assisted) => "payment.pay_assisted",
        PaymentEvent::Pay(PaymentMethod::Cash) => "payment.pay_cash",
        PaymentEvent::ReceivePart => "payment.pay_part",
        PaymentEvent::RenewCode => "payment.renew_code",
        PaymentEvent::IssueReceipt => "payment.receipt",
        PaymentEvent::Expire => "payment.expire",
        PaymentEvent::Cancel => "payment.cancel",
        PaymentEvent::AcceptLate => "payment.accept_late",
    }
}

fn event_name(e: PaymentEvent) -> String {
    match e {
        PaymentEvent::Issue => "issue".into(),
        PaymentEvent::Pay(m) => format!("pay:{}", m.as_str()),
        PaymentEvent::ReceivePart => "receive_part".into(),
        PaymentEvent::RenewCode => "renew_code".into(),
        PaymentEvent::IssueReceipt => "issue_receipt".into(),
        PaymentEvent::Expire => "expire".into(),
        PaymentEvent::Cancel => "cancel".into(),
        PaymentEvent::AcceptLate => "accept_late".into(),
    }
}

pub async fn catalog(db: &impl ConnectionTrait, ward_id: i64) -> Result<Vec<CatalogEntry>, BackendError> {
    let items = fee_item::Entity::find()
        .filter(fee_item::Column::WardId.eq(ward_id))
        .filter(fee_item::Column::Active.eq(true))
        .order_by_asc(fee_item::Column::ProcedureName)
        .all(db)
        .await?;
    items
        .into_iter()
        .map(|i| {
            let rule: FeeRule = parse_rule(&i)?;
            Ok(CatalogEntry {
                id: i.id,
                procedure_code: i.procedure_code,
                procedure_name: i.procedure_name,
                fee_name: i.fee_name,
                kind: i.kind,
                rule_vi: rule.describe_vi(),
                rule_en: rule.describe_en(),
                rule,
                legal_basis: i.legal_basis,
            })
        })
        .collect()
}

fn parse_rule(i: &fee_item::Model) -> Result<FeeRule, BackendError> {
    serde_json::from_str(&i.rule)
        .map_err(|e| BackendError::invalid("rule", format!("fee item {} has an unreadable rule: {e}", i.procedure_code)))
}

/// A fee line checked against the ward's catalog and priced by its rule.
pub struct PricedLine {
    pub item: fee_item::Model,
    pub quantity: u32,
    pub pages: Option<u32>,
    pub amount: i64,
    pub exempt_reason: Option<String>,
}

pub async fn price_lines(db: &impl ConnectionTrait, ward_id: i64, lines: &[LineRequest]) -> Result<Vec<PricedLine>, BackendError> {
    if lines.is_empty() {
        return Err(BackendError::invalid("lines", "hồ sơ chưa có khoản phí nào (a dossier needs at least one fee line)"));
    }
    let mut out = Vec::with_capacity(lines.len());
    for (i, l) in lines.iter().enumerate() {
        let item = fee_item::Entity::find_by_id(l.fee_item_id).one(db).await?.filter(|it| it.ward_id == ward_id && it.active).ok_or_else(
            || BackendError::invalid("lines", format!("dòng {}: thủ tục không có trong danh mục (unknown procedure)", i + 1)),
        )?;
        let rule = parse_rule(&item)?;
        let amount = fees::compute(&rule, &LineInput::new(l.quantity, l.pages))
            .map_err(|e| BackendError::invalid("lines", format!("dòng {}: {e}", i + 1)))?;
        let exempt_reason = l.exempt_reason.as_ref().map(|r| r.trim().to_string());
        if exempt_reason.as_deref() == Some("") {
            return Err(BackendError::invalid("lines", format!("dòng {}: miễn phí cần ghi lý do (exemption needs a reason)", i + 1)));
        }
        let amount = fees::apply_exemption(amount, exempt_reason.is_some());
        out.push(PricedLine { item, quantity: l.quantity, pages: l.pages, amount, exempt_reason });
    }
    Ok(out)
}

pub(crate) fn clean_opt(s: &Option<String>) -> Option<String> {
    s.as_ref().map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
}

/// A new dossier's input, checked: applicant name tidied, counter found, lines priced.
pub(crate) struct CheckedDossier {
    pub applicant: String,
    pub counter: counter::Model,
    pub lines: Vec<PricedLine>,
    pub total: i64,
}

/// The checks every new dossier passes, whether typed at the counter or sent by the portal.
pub(crate) async fn check_dossier(db: &impl ConnectionTrait, input: &NewDossier) -> Result<CheckedDossier, BackendError> {
    let applicant = input.applicant_name.split_whitespace().collect::<Vec<_>>().join(" ");
    if applicant.is_empty() {
        return Err(BackendError::invalid("applicant_name", "cần nhập họ tên người nộp (applicant name is required)"));
    }
    if applicant.chars().count() > 120 {
        return Err(BackendError::invalid("applicant_name", "họ tên quá dài (at most 120 characters)"));
    }
    let counter = counter::Entity::find_by_id(input.counter_id)
        .one(db)
        .await?
        .ok_or_else(|| BackendError::invalid("counter_id", format!("counter {} does not exist", input.counter_id)))?;
    let lines = price_lines(db, counter.ward_id, &input.lines).await?;
    let total =
        lines.iter().try_fold(0i64, |acc, l| acc.checked_add(l.amount)).ok_or_else(|| BackendError::invalid("lines", "total too large"))?;
    Ok(CheckedDossier { applicant, counter, lines, total })
}

/// Steps 2 and 3: records the dossier and, when something is due, issues its code.
/// A free or fully exempted dossier is recorded as `free`, without a code.
pub async fn create_dossier(
    backend: &Backend,
    input: NewDossier,
    source: Source,
    portal_code: Option<String>,
    actor: &str,
) -> Result<DossierRow, BackendError> {
    let db = &backend.db;
    if let Some(key) = clean_opt(&input.request_key) {
        if let Some(d) = dossier::Entity::find().filter(dossier::Column::RequestKey.eq(key)).one(db).await? {
            // The same form sent twice finds its dossier; a key used elsewhere (another
            // counter, another ward) reveals nothing of it.
            if d.counter_id != input.counter_id {
                return Err(BackendError::Conflict("mã yêu cầu đã được dùng; hãy gửi lại biểu mẫu (request key already used)".into()));
            }
            return dossier_row(db, &d).await;
        }
    }
    let CheckedDossier { applicant, counter: c, lines, total } = check_dossier(db, &input).await?;

    let txn = db.begin().await?;
    lock_counter(&txn, c.id).await?;
    let w = ward::Entity::find_by_id(c.ward_id).one(&txn).await?.ok_or(BackendError::NotFound("ward"))?;
    if total > 0 {
        ensure_counter_free(&txn, c.id).await?;
    }
    let now = Utc::now();
    let code = match portal_code {
        Some(code) => code,
        None => {
            let day = crate::time::to_vn(now).format("%y%m%d").to_string();
            let n = sequences::next_dossier_number(&txn, w.id, &day).await?;
            format!("{}-{day}-{n:04}", w.code)
        }
    };
    let first = &lines[0].item;
    let d = dossier::ActiveModel {
        ward_id: Set(w.id),
        counter_id: Set(c.id),
        code: Set(code),
        request_key: Set(clean_opt(&input.request_key)),
        applicant_name: Set(applicant),
        id_number: Set(clean_opt(&input.id_number)),
        phone: Set(clean_opt(&input.phone)),
        procedure_code: Set(first.procedure_code.clone()),
        procedure_name: Set(first.procedure_name.clone()),
        source: Set(source.as_str().into()),
        total: Set(total),
        outcome: Set(if total == 0 { "free" } else { "pending" }.into()),
        created_at: Set(now),
        created_by: Set(actor.into()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    insert_lines(&txn, d.id, &lines).await?;
    super::audit::append(
        &txn,
        super::audit::Entry::new(actor, Some(w.id), "dossier.create", format!("dossier:{}", d.code)).detail(serde_json::json!({
            "counter_id": c.id, "source": source.as_str(), "procedure": d.procedure_code, "total": total,
        })),
    )
    .await?;
    if total > 0 {
        let draft = new_request(&txn, &w, &d, actor).await?;
        issue(&txn, &w, &draft, actor, backend.settings.qr_ttl_secs).await?;
    }
    txn.commit().await?;
    tracing::info!(dossier = %d.code, total, source = source.as_str(), "dossier recorded");
    backend.changes.counter(c.id);
    dossier_row(db, &d).await
}

/// Stores a dossier's priced lines, with the catalog names and sub-items as they are today.
pub(crate) async fn insert_lines(txn: &DatabaseTransaction, dossier_id: i64, lines: &[PricedLine]) -> Result<(), BackendError> {
    for l in lines {
        fee_line::ActiveModel {
            dossier_id: Set(dossier_id),
            fee_item_id: Set(l.item.id),
            fee_name: Set(l.item.fee_name.clone()),
            kind: Set(l.item.kind.clone()),
            budget_subitem: Set(l.item.budget_subitem.clone()),
            quantity: Set(l.quantity as i32),
            pages: Set(l.pages.map(|p| p as i32)),
            amount: Set(l.amount),
            exempt_reason: Set(l.exempt_reason.clone()),
            ..Default::default()
        }
        .insert(txn)
        .await?;
    }
    Ok(())
}

/// One payable code per counter: the kiosk shows exactly one.
pub(crate) async fn ensure_counter_free(txn: &DatabaseTransaction, counter_id: i64) -> Result<(), BackendError> {
    match current_payable(txn, counter_id).await? {
        Some(pr) => {
            let d = dossier::Entity::find_by_id(pr.dossier_id).one(txn).await?;
            let code = d.map(|d| d.code).unwrap_or_default();
            Err(BackendError::Conflict(if pr.state == PaymentState::PartiallyPaid.as_str() {
                format!("quầy có hồ sơ {code} mới nhận một phần tiền; cấp mã cho phần còn thiếu hoặc huỷ để hoàn tiền trước (a partly paid request is waiting at this counter)")
            } else {
                format!("quầy đang có mã QR chờ thanh toán (hồ sơ {code}); huỷ mã đó trước (the counter already shows a payable code)")
            }))
        }
        None => Ok(()),
    }
}

async fn unique_code(txn: &DatabaseTransaction) -> Result<bankfeed::code::PaymentCode, BackendError> {
    for _ in 0..8 {
        let code = bankfeed::code::PaymentCode::generate(&mut rand::rng());
        let taken =
            payment_request::Entity::find().filter(payment_request::Column::PaymentCode.eq(code.as_str())).one(txn).await?.is_some();
        if !taken {
            return Ok(code);
        }
    }
    Err(BackendError::Conflict("could not find a free payment code".into()))
}

/// A new `Draft` request for the dossier's total, with a fresh payment code.
pub(crate) async fn new_request(
    txn: &DatabaseTransaction,
    w: &ward::Model,
    d: &dossier::Model,
    actor: &str,
) -> Result<payment_request::Model, BackendError> {
    let code = unique_code(txn).await?;
    // The code first: bank apps and banks cut long texts from the end.
    let purpose = format!("{} NOP PHI", code.as_str());
    let now = Utc::now();
    Ok(payment_request::ActiveModel {
        ward_id: Set(w.id),
        counter_id: Set(d.counter_id),
        dossier_id: Set(d.id),
        amount: Set(d.total),
        payment_code: Set(code.as_str().into()),
        qr_payload: Set(None),
        purpose: Set(purpose),
        state: Set(PaymentState::Draft.as_str().into()),
        method: Set(None),
        version: Set(0),
        issued_at: Set(None),
        expires_at: Set(None),
        paid_at: Set(None),
        state_changed_at: Set(now),
        cash_reason: Set(None),
        bank_ref: Set(None),
        amount_received: Set(None),
        created_at: Set(now),
        created_by: Set(actor.into()),
        ..Default::default()
    }
    .insert(txn)
    .await?)
}

/// The VietQR payload asking `amount` for `pr` into the ward's collection account: the
/// request's whole amount, or what is still missing after a part was paid.
pub(crate) async fn qr_payload(
    txn: &DatabaseTransaction,
    w: &ward::Model,
    pr: &payment_request::Model,
    amount: i64,
) -> Result<String, BackendError> {
    let amount = u64::try_from(amount).map_err(|_| BackendError::invalid("amount", "must be positive"))?;
    let dossier_code = dossier::Entity::find_by_id(pr.dossier_id).one(txn).await?.map(|d| d.code).unwrap_or_default();
    let mut qr = vietqr::VietQr::new(w.bank_bin.clone(), w.bank_account.clone(), vietqr::Service::ToAccount)
        .with_amount(amount)
        .with_purpose(pr.purpose.clone());
    if dossier_code.chars().count() <= 25 {
        qr = qr.with_bill_number(dossier_code);
    }
    vietqr::encode(&qr).map_err(|e| BackendError::invalid("qr", e.to_string()))
}

/// Draft → QrIssued: builds the VietQR payload for the ward's collection account.
async fn issue(
    txn: &DatabaseTransaction,
    w: &ward::Model,
    pr: &payment_request::Model,
    actor: &str,
    ttl_secs: i64,
) -> Result<payment_request::Model, BackendError> {
    let payload = qr_payload(txn, w, pr, pr.amount).await?;
    let now = Utc::now();
    let expires = now + Duration::seconds(ttl_secs);
    transition(txn, pr, PaymentEvent::Issue, actor, None, |am| {
        am.qr_payload = Set(Some(payload));
        am.issued_at = Set(Some(now));
        am.expires_at = Set(Some(expires));
    })
    .await
}

/// Starts a transaction whose first statement locks the request's counter. On SQLite a
/// transaction that reads before it writes can fail at its first write if another writer
/// committed in between; writing first makes it wait its turn instead.
async fn begin_on_counter_of(backend: &Backend, request_id: i64) -> Result<DatabaseTransaction, BackendError> {
    let counter_id = payment_request::Entity::find_by_id(request_id)
        .one(&backend.db)
        .await?
        .ok_or(BackendError::NotFound("payment request"))?
        .counter_id;
    let txn = backend.db.begin().await?;
    lock_counter(&txn, counter_id).await?;
    Ok(txn)
}

async fn load_request(txn: &DatabaseTransaction, id: i64) -> Result<payment_request::Model, BackendError> {
    payment_request::Entity::find_by_id(id).one(txn).await?.ok_or(BackendError::NotFound("payment request"))
}

fn check_version(pr: &payment_request::Model, seen: i32) -> Result<(), BackendError> {
    if pr.version != seen {
        return Err(BackendError::Conflict(
            "hồ sơ vừa được người khác thay đổi; màn hình đã cập nhật trạng thái mới (changed by someone else)".into(),
        ));
    }
    Ok(())
}

pub async fn cancel(backend: &Backend, id: i64, seen_version: i32, actor: &str, reason: Option<String>) -> Result<(), BackendError> {
    let txn = begin_on_counter_of(backend, id).await?;
    let pr = load_request(&txn, id).await?;
    check_version(&pr, seen_version)?;
    transition(&txn, &pr, PaymentEvent::Cancel, actor, reason, |_| {}).await?;
    if state_of(&pr)? == PaymentState::PartiallyPaid {
        super::refunds::refund_parts_on_cancel(&txn, &pr, actor).await?;
    }
    dossier::Entity::update_many()
        .col_expr(dossier::Column::Outcome, Expr::value("cancelled"))
        .filter(dossier::Column::Id.eq(pr.dossier_id))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    backend.changes.counter(pr.counter_id);
    Ok(())
}

/// A new code for the same dossier: the old one (if still payable) is cancelled first.
pub async fn reissue(backend: &Backend, id: i64, seen_version: i32, actor: &str) -> Result<(), BackendError> {
    let txn = begin_on_counter_of(backend, id).await?;
    let pr = load_request(&txn, id).await?;
    check_version(&pr, seen_version)?;
    match state_of(&pr)? {
        // The money received holds this request: a fresh code for the rest, same request.
        PaymentState::PartiallyPaid => {
            let w = ward::Entity::find_by_id(pr.ward_id).one(&txn).await?.ok_or(BackendError::NotFound("ward"))?;
            let payload = qr_payload(&txn, &w, &pr, super::received::still_due(&pr)).await?;
            let expires = Utc::now() + Duration::seconds(backend.settings.qr_ttl_secs);
            update_code(&txn, &pr, payload, expires, actor).await?;
            txn.commit().await?;
            backend.changes.counter(pr.counter_id);
            return Ok(());
        }
        PaymentState::QrIssued | PaymentState::Draft => {
            transition(&txn, &pr, PaymentEvent::Cancel, actor, Some("reissued".into()), |_| {}).await?;
        }
        PaymentState::Expired | PaymentState::Cancelled => {}
        s => return Err(BackendError::Conflict(format!("không thể cấp lại mã: {}", s.label().vi))),
    }
    ensure_counter_free(&txn, pr.counter_id).await?;
    let w = ward::Entity::find_by_id(pr.ward_id).one(&txn).await?.ok_or(BackendError::NotFound("ward"))?;
    let d = dossier::Entity::find_by_id(pr.dossier_id).one(&txn).await?.ok_or(BackendError::NotFound("dossier"))?;
    dossier::Entity::update_many()
        .col_expr(dossier::Column::Outcome, Expr::value("pending"))
        .filter(dossier::Column::Id.eq(d.id))
        .exec(&txn)
        .await?;
    let draft = new_request(&txn, &w, &d, actor).await?;
    issue(&txn, &w, &draft, actor, backend.settings.qr_ttl_secs).await?;
    txn.commit().await?;
    backend.changes.counter(pr.counter_id);
    Ok(())
}

/// The two fallbacks at the desk, both counted against the cashless rate:
/// - **assisted**: support staff transferred the money for a citizen without an account or
///   phone. It names that bank transaction (`bank_ref`), which must already have reached the
///   ward's collection account for the amount due and not be booked elsewhere: the bank's
///   notification is the evidence, so nobody books money on their own word;
/// - **cash**: the reason is required.
///
/// Only a code that can still be paid takes either: reviving an expired or cancelled code
/// is a supervisor's resolution of a bank exception (`exceptions::resolve`), never this.
pub async fn pay_manually(
    backend: &Backend,
    id: i64,
    seen_version: i32,
    method: PaymentMethod,
    reason: Option<String>,
    bank_ref: Option<String>,
    actor: &str,
) -> Result<(), BackendError> {
    let reason = reason.map(|r| r.trim().to_string()).filter(|r| !r.is_empty());
    let bank_ref = bank_ref.map(|r| r.trim().to_string()).filter(|r| !r.is_empty());
    match method {
        PaymentMethod::QrTransfer => return Err(BackendError::invalid("method", "QR transfers come from the bank")),
        PaymentMethod::Cash if reason.is_none() => {
            return Err(BackendError::invalid("reason", "thu tiền mặt cần ghi lý do (cash needs a reason)"))
        }
        PaymentMethod::Assisted if bank_ref.is_none() => {
            return Err(BackendError::invalid(
                "bank_ref",
                "chuyển khoản có hỗ trợ cần mã giao dịch ngân hàng của lần chuyển đó (an assisted payment names its bank transaction)",
            ))
        }
        _ => {}
    }
    if bank_ref.as_ref().is_some_and(|r| r.chars().count() > 64) {
        return Err(BackendError::invalid("bank_ref", "mã giao dịch quá dài (at most 64 characters)"));
    }
    let txn = begin_on_counter_of(backend, id).await?;
    let pr = load_request(&txn, id).await?;
    check_version(&pr, seen_version)?;
    let expired = pr.expires_at.is_some_and(|e| e <= Utc::now());
    match state_of(&pr)? {
        PaymentState::QrIssued if expired => {
            return Err(BackendError::Conflict(
                "mã QR đã hết hạn; hãy cấp lại mã (the code has expired; re-issue it)".into(),
            ))
        }
        PaymentState::QrIssued | PaymentState::Draft => {}
        PaymentState::PartiallyPaid => {
            return Err(BackendError::Conflict(
                "hồ sơ đã nhận một phần qua ngân hàng: phần còn thiếu nộp bằng mã QR cho phần còn lại, hoặc huỷ để hoàn tiền đã nhận (a partly paid request takes only the rest by transfer)".into(),
            ))
        }
        s => {
            return Err(BackendError::Conflict(format!(
                "không thể ghi nhận thanh toán: {} — mã đã huỷ hoặc hết hạn chỉ được trưởng bộ phận chấp nhận qua xử lý ngoại lệ có giao dịch ngân hàng (only a payable code takes a desk payment)",
                s.label().vi
            )))
        }
    }
    match (method, bank_ref) {
        (PaymentMethod::Assisted, Some(r)) => {
            let (n, e) = super::assisted::evidence_for_assisted(&txn, &pr, &r).await?;
            // Claim the transfer before booking anything on it.
            super::assisted::book_to(&txn, &n, &e, pr.id, actor).await?;
            let note = Some(reason.unwrap_or_else(|| "hỗ trợ chuyển khoản".into()));
            settle(&txn, &pr, PaymentEvent::Pay(method), method, n.amount, Some(r), note, actor).await?;
        }
        _ => {
            settle(&txn, &pr, PaymentEvent::Pay(method), method, pr.amount, None, reason, actor).await?;
        }
    }
    txn.commit().await?;
    backend.changes.counter(pr.counter_id);
    Ok(())
}

/// The event that books money received for `pr` when a supervisor resolves an exception:
/// a plain payment while the code is payable, else the revival of an expired or cancelled one.
pub fn resolution_event(pr: &payment_request::Model) -> Result<PaymentEvent, BackendError> {
    Ok(match state_of(pr)? {
        PaymentState::Expired | PaymentState::Cancelled => PaymentEvent::AcceptLate,
        _ => PaymentEvent::Pay(PaymentMethod::QrTransfer),
    })
}

/// `event` (a payment or a supervisor's revival) → Paid → ReceiptIssued, in the caller's
/// transaction. The state machine refuses an event the request's state does not take.
#[allow(clippy::too_many_arguments)]
pub async fn settle(
    txn: &DatabaseTransaction,
    pr: &payment_request::Model,
    event: PaymentEvent,
    method: PaymentMethod,
    amount_received: i64,
    bank_ref: Option<String>,
    note: Option<String>,
    actor: &str,
) -> Result<receipt::Model, BackendError> {
    let now = Utc::now();
    let cash_reason = note.clone().filter(|_| method != PaymentMethod::QrTransfer);
    let paid = transition(txn, pr, event, actor, note, |am| {
        am.method = Set(Some(method.as_str().into()));
        am.paid_at = Set(Some(now));
        am.bank_ref = Set(bank_ref.clone());
        am.amount_received = Set(Some(amount_received));
        am.cash_reason = Set(cash_reason);
    })
    .await?;
    let w = ward::Entity::find_by_id(pr.ward_id).one(txn).await?.ok_or(BackendError::NotFound("ward"))?;
    let d = dossier::Entity::find_by_id(pr.dossier_id).one(txn).await?.ok_or(BackendError::NotFound("dossier"))?;
    let lines = line_views(txn, d.id).await?;
    let content = ReceiptContent {
        title: "BIÊN LAI THU PHÍ, LỆ PHÍ".into(),
        form: w.receipt_form.clone(),
        series: String::new(),
        number: String::new(),
        unit_name: w.name.clone(),
        unit_address: w.address.clone(),
        unit_tax_code: w.tax_code.clone(),
        unit_budget_code: w.budget_code.clone(),
        payer_name: d.applicant_name.clone(),
        payer_id: d.id_number.clone(),
        dossier_code: d.code.clone(),
        procedure_name: d.procedure_name.clone(),
        lines,
        total: pr.amount,
        total_words: words::vnd_in_words_vi(u64::try_from(pr.amount).unwrap_or(0)),
        method,
        bank_ref: bank_ref.clone(),
        payment_code: pr.payment_code.clone(),
        issued_at: now.to_rfc3339(),
        collector: w.name.clone(),
        payer_address: None,
        replaces: None,
        transfers: match method {
            PaymentMethod::QrTransfer => super::received::receipt_transfers(txn, pr, amount_received, bank_ref.as_deref()).await?,
            _ => Vec::new(),
        },
    };
    let r = receipts::issue(
        txn,
        receipts::NewReceipt {
            ward: &w,
            payment_request_id: pr.id,
            content,
            method,
            bank_ref,
            issued_at: now,
            replaces: None,
            issued_by: None,
        },
    )
    .await?;
    transition(txn, &paid, PaymentEvent::IssueReceipt, actor, None, |_| {}).await?;
    // The portal hears about its own dossiers through the outbox, committed with the payment.
    super::portal_status::enqueue_if_dvc(txn, pr.id, super::portal_status::DvcEvent::ReceiptIssued).await?;
    dossier::Entity::update_many()
        .col_expr(dossier::Column::Outcome, Expr::value("paid"))
        .filter(dossier::Column::Id.eq(d.id))
        .exec(txn)
        .await?;
    Ok(r)
}

/// Expires every code past its time; returns the counters whose screens must change.
pub async fn expire_due(backend: &Backend) -> Result<Vec<i64>, BackendError> {
    let due = payment_request::Entity::find()
        .filter(payment_request::Column::State.eq(PaymentState::QrIssued.as_str()))
        .filter(payment_request::Column::ExpiresAt.lte(Utc::now()))
        .all(&backend.db)
        .await?;
    let mut touched = Vec::new();
    for pr in due {
        let txn = backend.db.begin().await?;
        match transition(&txn, &pr, PaymentEvent::Expire, "system", None, |_| {}).await {
            Ok(_) => {
                txn.commit().await?;
                tracing::info!(payment_request = pr.id, "code expired");
                touched.push(pr.counter_id);
            }
            // Paid or cancelled in the meantime: nothing to expire.
            Err(BackendError::Conflict(_)) => txn.rollback().await?,
            Err(e) => return Err(e),
        }
    }
    touched.sort_unstable();
    touched.dedup();
    for c in &touched {
        backend.changes.counter(*c);
    }
    Ok(touched)
}

pub async fn line_views(db: &impl ConnectionTrait, dossier_id: i64) -> Result<Vec<FeeLineView>, BackendError> {
    Ok(fee_line::Entity::find()
        .filter(fee_line::Column::DossierId.eq(dossier_id))
        .order_by_asc(fee_line::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|l| FeeLineView {
            fee_name: l.fee_name,
            kind: l.kind,
            quantity: l.quantity,
            pages: l.pages,
            amount: l.amount,
            exempt_reason: l.exempt_reason,
        })
        .collect())
}

/// The code's accessible name: what a screen reader says instead of the picture.
fn qr_options(w: &ward::Model, amount: i64) -> vietqr::SvgOptions {
    let bank = vietqr::banks::lookup(&w.bank_bin).map(|b| b.short_name).unwrap_or("VietQR");
    vietqr::SvgOptions { title: Some(format!("VietQR: {bank} {}, {amount} VND", w.bank_account)), ..Default::default() }
}

/// The payment as the counter's screens show it at `now`.
pub async fn payment_view(db: &impl ConnectionTrait, pr: &payment_request::Model, now: DateTime<Utc>) -> Result<PaymentView, BackendError> {
    let d = dossier::Entity::find_by_id(pr.dossier_id).one(db).await?.ok_or(BackendError::NotFound("dossier"))?;
    let w = ward::Entity::find_by_id(pr.ward_id).one(db).await?.ok_or(BackendError::NotFound("ward"))?;
    let mut state = state_of(pr)?;
    // Never show a code as payable once its time is up, even before the sweeper runs.
    if state == PaymentState::QrIssued && pr.expires_at.is_some_and(|e| e <= now) {
        state = PaymentState::Expired;
    }
    let received = pr.amount_received.unwrap_or(0);
    let to_pay = super::received::still_due(pr);
    let code_live = state.code_payable(pr.expires_at.is_some_and(|e| e <= now));
    let qr_svg = match &pr.qr_payload {
        Some(p) if code_live => {
            Some(vietqr::render_svg(p, &qr_options(&w, to_pay)).map_err(|e| BackendError::invalid("qr", e.to_string()))?)
        }
        _ => None,
    };
    let r = receipt::Entity::find().filter(receipt::Column::PaymentRequestId.eq(pr.id)).order_by_desc(receipt::Column::Id).one(db).await?;
    let since = (now - pr.state_changed_at).num_seconds();
    let display_secs_left = match state {
        PaymentState::Paid | PaymentState::ReceiptIssued => Some(SUCCESS_DISPLAY_SECS - since),
        PaymentState::Expired => {
            let expired_at = pr.expires_at.unwrap_or(pr.state_changed_at);
            Some(NOTICE_DISPLAY_SECS - (now - expired_at).num_seconds())
        }
        PaymentState::Cancelled => Some(NOTICE_DISPLAY_SECS - since),
        _ => None,
    };
    let amount = u64::try_from(pr.amount).unwrap_or(0);
    let to_pay_words = u64::try_from(to_pay).unwrap_or(0);
    Ok(PaymentView {
        id: pr.id,
        version: pr.version,
        dossier_id: d.id,
        dossier_code: d.code.clone(),
        applicant_masked: mask::mask_name(&d.applicant_name),
        procedure_name: d.procedure_name.clone(),
        lines: line_views(db, d.id).await?,
        amount: pr.amount,
        amount_words_vi: words::vnd_in_words_vi(amount),
        amount_words_en: words::vnd_in_words_en(amount),
        received,
        to_pay,
        to_pay_words_vi: words::vnd_in_words_vi(to_pay_words),
        to_pay_words_en: words::vnd_in_words_en(to_pay_words),
        state,
        method: pr.method.as_deref().and_then(PaymentMethod::parse),
        payment_code: pr.payment_code.clone(),
        purpose: pr.purpose.clone(),
        qr_svg,
        qr_payload: pr.qr_payload.clone().filter(|_| code_live),
        expires_at: pr.expires_at.map(|e| e.to_rfc3339()),
        seconds_left: pr.expires_at.filter(|_| code_live).map(|e| (e - now).num_seconds().max(0)),
        display_secs_left,
        receipt: r.as_ref().map(|r| receipts::reference(r, &w)),
        bank_ref: pr.bank_ref.clone(),
        state_changed_at: pr.state_changed_at.to_rfc3339(),
        bank_name: vietqr::banks::lookup(&w.bank_bin).map(|b| b.short_name.to_string()).unwrap_or_else(|| w.bank_bin.clone()),
        bank_account: w.bank_account.clone(),
        bank_account_name: w.bank_account_name.clone(),
    })
}

/// What the counter's screens show now: the payable code, or a finished payment for a
/// short while, or nothing (idle).
///
/// A code that can still be paid always wins: a change to another request of the counter
/// (a portal update cancelling a draft nobody saw, say) never hides it. Requests the
/// screens never showed (drafts cancelled before they got a code) are not shown either.
pub async fn counter_current(db: &impl ConnectionTrait, counter_id: i64) -> Result<Option<PaymentView>, BackendError> {
    if let Some(live) = current_payable(db, counter_id).await? {
        return Ok(Some(payment_view(db, &live, Utc::now()).await?));
    }
    let Some(pr) = payment_request::Entity::find()
        .filter(payment_request::Column::CounterId.eq(counter_id))
        .filter(payment_request::Column::State.ne(PaymentState::Draft.as_str()))
        .filter(
            sea_orm::Condition::any()
                .add(payment_request::Column::IssuedAt.is_not_null())
                .add(payment_request::Column::PaidAt.is_not_null()),
        )
        .order_by_desc(payment_request::Column::StateChangedAt)
        .order_by_desc(payment_request::Column::Id)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let view = payment_view(db, &pr, Utc::now()).await?;
    let showing = match view.state {
        PaymentState::QrIssued | PaymentState::PartiallyPaid => true,
        _ => view.display_secs_left.is_some_and(|s| s > 0),
    };
    Ok(showing.then_some(view))
}

pub async fn dossier_row(db: &impl ConnectionTrait, d: &dossier::Model) -> Result<DossierRow, BackendError> {
    let pr = payment_request::Entity::find()
        .filter(payment_request::Column::DossierId.eq(d.id))
        .order_by_desc(payment_request::Column::Id)
        .one(db)
        .await?;
    let payment = match pr {
        Some(pr) => Some(payment_view(db, &pr, Utc::now()).await?),
        None => None,
    };
    Ok(DossierRow {
        id: d.id,
        code: d.code.clone(),
        applicant_name: d.applicant_name.clone(),
        procedure_name: d.procedure_name.clone(),
        source: d.source.clone(),
        total: d.total,
        outcome: d.outcome.clone(),
        created_at: d.created_at.to_rfc3339(),
        payment,
    })
}

/// Today's dossiers at a counter (Vietnam calendar day), newest first.
pub async fn queue_today(db: &impl ConnectionTrait, counter_id: i64) -> Result<Vec<DossierRow>, BackendError> {
    let start = crate::time::vn_day_start_utc(Utc::now());
    let ds = dossier::Entity::find()
        .filter(dossier::Column::CounterId.eq(counter_id))
        .filter(dossier::Column::CreatedAt.gte(start))
        .order_by_desc(dossier::Column::Id)
        .all(db)
        .await?;
    let mut rows = Vec::with_capacity(ds.len());
    for d in &ds {
        rows.push(dossier_row(db, d).await?);
    }
    Ok(rows)
}

/// The counter's request that can be paid now, if any: a live code, or a partly paid
/// request (it holds the citizen's money until the rest arrives or it is cancelled, even
/// when its code for the rest has run out).
pub async fn current_payable(db: &impl ConnectionTrait, counter_id: i64) -> Result<Option<payment_request::Model>, BackendError> {
    Ok(payment_request::Entity::find()
        .filter(payment_request::Column::CounterId.eq(counter_id))
        .filter(payable_at(Utc::now()))
        .order_by_desc(payment_request::Column::Id)
        .one(db)
        .await?)
}

/// The requests that can take money at `now`: a live code, or a partly paid request.
pub fn payable_at(now: DateTime<Utc>) -> sea_orm::Condition {
    sea_orm::Condition::any()
        .add(
            sea_orm::Condition::all()
                .add(payment_request::Column::State.eq(PaymentState::QrIssued.as_str()))
                .add(payment_request::Column::ExpiresAt.gt(now)),
        )
        .add(payment_request::Column::State.eq(PaymentState::PartiallyPaid.as_str()))
}

/// A fresh code for the rest of a partly paid request: same state, new payload and expiry,
/// under the version check like any transition, and recorded in the request's events.
async fn update_code(
    txn: &DatabaseTransaction,
    pr: &payment_request::Model,
    payload: String,
    expires: DateTime<Utc>,
    actor: &str,
) -> Result<payment_request::Model, BackendError> {
    let note = format!("cấp mã mới cho phần còn thiếu {} đồng", super::received::still_due(pr));
    transition(txn, pr, PaymentEvent::RenewCode, actor, Some(note), |am| {
        am.qr_payload = Set(Some(payload));
        am.expires_at = Set(Some(expires));
    })
    .await
}

/// Draft → QrIssued for a request recorded earlier without a code (the DVC connector's
/// "confirm"), in the caller's transaction.
pub async fn issue_draft(
    txn: &DatabaseTransaction,
    w: &ward::Model,
    pr: &payment_request::Model,
    actor: &str,
    ttl_secs: i64,
) -> Result<payment_request::Model, BackendError> {
    issue(txn, w, pr, actor, ttl_secs).await
}
