//! The accountant's calls (the supervisor reads them): receipt corrections and the
//! register, the tax authority's daily summary, budget codes, refunds and treasury
//! deposits. A refused person's action is in the audit log.

use crate::error::AppError;
use crate::model::{
    BudgetCodesView, CorrectionInput, DepositInput, DepositRow, FeeCodeForm, FeeCodeView, HolidayForm, HolidayRow, NoticeView,
    ReceiptRegister, RefundAction, RefundRequestInput, RefundRow, RefundsView, ReplacementDecision, ReplacementView, TaxSummariesView,
    TaxSummaryRow, TreasuryProfileForm, TreasuryProfileView, TreasurySlip, TreasuryView,
};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
async fn accounting_ward(endpoint: &str) -> Result<(crate::backend::Backend, crate::backend::auth::StaffUser, i64), AppError> {
    use super::guard::*;
    let me = staff(endpoint)?;
    let b = backend()?;
    let ward = home_ward(&b, &me).await?;
    Ok((b, me, ward))
}

/// A notice (04/SS-CTĐT) correcting the payer's name, address or the amount in words.
#[server(endpoint = "notify_receipt", input = server_fn::codec::Json)]
pub async fn notify_receipt(input: CorrectionInput) -> Result<NoticeView, AppError> {
    use super::guard::*;
    let (b, me, ward) = accounting_ward("notify_receipt").await?;
    let subject = format!("receipt:{}", input.receipt_id);
    let done = crate::backend::receipt_corrections::notify(&b.db, input, &me).await;
    audit_refusal(&b, &principal(), Some(ward), "receipt.notice_refused", subject, done).await
}

/// Proposes a replacement receipt naming the one it replaces; it is issued when a second
/// person approves it.
#[server(endpoint = "propose_replacement", input = server_fn::codec::Json)]
pub async fn propose_replacement(input: CorrectionInput) -> Result<ReplacementView, AppError> {
    use super::guard::*;
    let (b, me, ward) = accounting_ward("propose_replacement").await?;
    let subject = format!("receipt:{}", input.receipt_id);
    let done = crate::backend::receipt_corrections::propose_replacement(&b.db, input, &me).await;
    audit_refusal(&b, &principal(), Some(ward), "receipt.replace_refused", subject, done).await
}

/// A second person approves (the replacement is issued) or rejects a proposed replacement.
#[server(endpoint = "decide_replacement", input = server_fn::codec::Json)]
pub async fn decide_replacement(decision: ReplacementDecision) -> Result<ReplacementView, AppError> {
    use super::guard::*;
    let (b, me, ward) = accounting_ward("decide_replacement").await?;
    let subject = format!("receipt_replacement:{}", decision.id);
    let done = crate::backend::receipt_corrections::decide_replacement(&b.db, decision, &me).await;
    audit_refusal(&b, &principal(), Some(ward), "receipt.replace_decision_refused", subject, done).await
}

/// The receipts register of `from..=to` (this month so far without them).
#[server(endpoint = "get_receipt_register")]
pub async fn get_receipt_register(from: Option<String>, to: Option<String>) -> Result<ReceiptRegister, AppError> {
    use super::guard::*;
    let (b, _, ward) = accounting_ward("get_receipt_register").await?;
    let range = crate::backend::reconciliation::DayRange::or_month_so_far(from, to, chrono::Utc::now()).map_err(fail)?;
    crate::backend::receipt_register::register(&b.db, ward, range).await.map_err(fail)
}

#[server(endpoint = "get_tax_summaries")]
pub async fn get_tax_summaries() -> Result<TaxSummariesView, AppError> {
    use super::guard::*;
    let (b, me, ward) = accounting_ward("get_tax_summaries").await?;
    crate::backend::tax_summaries::list(&b.db, ward, me.role == crate::model::Role::Accountant).await.map_err(fail)
}

/// Prepares a closed day's summary again (or for the first time, for a day closed before
/// summaries existed); `reason` says why it is late.
#[server(endpoint = "prepare_tax_summary")]
pub async fn prepare_tax_summary(day: String, reason: Option<String>) -> Result<TaxSummaryRow, AppError> {
    use super::guard::*;
    let (b, me, ward) = accounting_ward("prepare_tax_summary").await?;
    let subject = format!("tax_summary:{}", day.chars().take(12).collect::<String>());
    let done = crate::backend::tax_summaries::prepare(&b.db, ward, &day, &me.username, reason).await;
    audit_refusal(&b, &principal(), Some(ward), "tax_summary.refused", subject, done).await
}

#[server(endpoint = "set_tax_summary_status")]
pub async fn set_tax_summary_status(id: i64, status: String, note: Option<String>) -> Result<TaxSummaryRow, AppError> {
    use super::guard::*;
    let (b, me, ward) = accounting_ward("set_tax_summary_status").await?;
    let done = crate::backend::tax_summaries::set_status(&b.db, ward, id, &status, note, &me).await;
    audit_refusal(&b, &principal(), Some(ward), "tax_summary.refused", format!("tax_summary:{id}"), done).await
}

#[server(endpoint = "get_budget_codes")]
pub async fn get_budget_codes() -> Result<BudgetCodesView, AppError> {
    use super::guard::*;
    let (b, me, ward) = accounting_ward("get_budget_codes").await?;
    crate::backend::budget_codes::view(&b.db, ward, me.role == crate::model::Role::Accountant).await.map_err(fail)
}

#[server(endpoint = "set_treasury_profile", input = server_fn::codec::Json)]
pub async fn set_treasury_profile(form: TreasuryProfileForm) -> Result<TreasuryProfileView, AppError> {
    use super::guard::*;
    let (b, me, ward) = accounting_ward("set_treasury_profile").await?;
    let done = crate::backend::budget_codes::set_profile(&b.db, ward, form, &me).await;
    audit_refusal(&b, &principal(), Some(ward), "treasury.settings_refused", format!("ward:{ward}"), done).await
}

#[server(endpoint = "set_fee_code", input = server_fn::codec::Json)]
pub async fn set_fee_code(form: FeeCodeForm) -> Result<FeeCodeView, AppError> {
    use super::guard::*;
    let (b, me, ward) = accounting_ward("set_fee_code").await?;
    let subject = format!("fee_item:{}", form.fee_item_id);
    let done = crate::backend::budget_codes::set_fee_code(&b.db, ward, form, &me).await;
    audit_refusal(&b, &principal(), Some(ward), "treasury.fee_code_refused", subject, done).await
}

/// Lists a day off of the ward (the accountant): deposits due on it move to the next working day.
#[server(endpoint = "add_holiday", input = server_fn::codec::Json)]
pub async fn add_holiday(form: HolidayForm) -> Result<HolidayRow, AppError> {
    use super::guard::*;
    let (b, me, ward) = accounting_ward("add_holiday").await?;
    let subject = format!("ward:{ward}");
    let done = crate::backend::holidays::add(&b.db, ward, form, &me).await;
    audit_refusal(&b, &principal(), Some(ward), "treasury.holiday_refused", subject, done).await
}

/// Takes a day off the ward's list (the accountant).
#[server(endpoint = "remove_holiday")]
pub async fn remove_holiday(id: i64) -> Result<(), AppError> {
    use super::guard::*;
    let (b, me, ward) = accounting_ward("remove_holiday").await?;
    let done = crate::backend::holidays::remove(&b.db, ward, id, &me).await;
    audit_refusal(&b, &principal(), Some(ward), "treasury.holiday_refused", format!("ward_holiday:{id}"), done).await
}

#[server(endpoint = "get_refunds")]
pub async fn get_refunds() -> Result<RefundsView, AppError> {
    use super::guard::*;
    use crate::model::Role;
    let (b, me, ward) = accounting_ward("get_refunds").await?;
    let rows = crate::backend::refunds::list(&b.db, ward).await.map_err(fail)?;
    Ok(RefundsView {
        rows,
        can_request: matches!(me.role, Role::Accountant | Role::Supervisor),
        can_decide: matches!(me.role, Role::Accountant | Role::Supervisor),
        can_pay: me.role == Role::Accountant,
        me: me.username,
    })
}

#[server(endpoint = "request_refund", input = server_fn::codec::Json)]
pub async fn request_refund(input: RefundRequestInput) -> Result<RefundRow, AppError> {
    use super::guard::*;
    let (b, me, ward) = accounting_ward("request_refund").await?;
    let subject = match (input.exception_id, input.receipt_id) {
        (Some(e), _) => format!("exception:{e}"),
        (_, Some(r)) => format!("receipt:{r}"),
        _ => "refund:new".into(),
    };
    let done = crate::backend::refunds::request(&b.db, ward, input, &me).await;
    audit_refusal(&b, &principal(), Some(ward), "refund.refused", subject, done).await
}

#[server(endpoint = "act_on_refund", input = server_fn::codec::Json)]
pub async fn act_on_refund(id: i64, version: i32, action: RefundAction) -> Result<RefundRow, AppError> {
    use super::guard::*;
    let (b, me, ward) = accounting_ward("act_on_refund").await?;
    let done = crate::backend::refunds::act(&b.db, ward, id, version, action, &me).await;
    audit_refusal(&b, &principal(), Some(ward), "refund.refused", format!("refund:{id}"), done).await
}

#[server(endpoint = "get_treasury")]
pub async fn get_treasury() -> Result<TreasuryView, AppError> {
    use super::guard::*;
    let (b, me, ward) = accounting_ward("get_treasury").await?;
    crate::backend::treasury::view(&b.db, ward, me.role == crate::model::Role::Accountant).await.map_err(fail)
}

/// The C1-02/NS slip of `kind` (`phi` or `le_phi`) over `from..=to`.
#[server(endpoint = "get_treasury_slip")]
pub async fn get_treasury_slip(kind: String, from: String, to: String) -> Result<TreasurySlip, AppError> {
    use super::guard::*;
    let (b, _, ward) = accounting_ward("get_treasury_slip").await?;
    let kind = crate::domain::treasury::FeeKind::parse(kind.trim())
        .ok_or_else(|| fail(crate::backend::BackendError::invalid("kind", "phi hoặc le_phi")))?;
    crate::backend::treasury::slip(&b.db, ward, kind, &from, &to).await.map_err(fail)
}

#[server(endpoint = "record_deposit", input = server_fn::codec::Json)]
pub async fn record_deposit(input: DepositInput) -> Result<DepositRow, AppError> {
    use super::guard::*;
    let (b, me, ward) = accounting_ward("record_deposit").await?;
    let subject = format!(
        "treasury:{}:{}..{}",
        input.kind.chars().take(8).collect::<String>(),
        input.from.chars().take(10).collect::<String>(),
        input.to.chars().take(10).collect::<String>()
    );
    let done = crate::backend::treasury::record(&b.db, ward, input, &me).await;
    audit_refusal(&b, &principal(), Some(ward), "treasury.deposit_refused", subject, done).await
}
