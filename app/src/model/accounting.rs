//! What the accountant's screens, files and commands exchange: the receipts register and
//! corrections, the tax authority's daily summary, budget codes, refunds and treasury
//! deposits.

pub use crate::domain::receipt_rules::{CorrectionPath, ReceiptField, ReceiptStatus, ReplacementState};
pub use crate::domain::refund::{RefundOrigin, RefundState};
pub use crate::domain::treasury::{DepositInterval, FeeKind};
use serde::{Deserialize, Serialize};

/// A correction of a receipt: a notice (04/SS-CTĐT) or a replacement receipt.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorrectionInput {
    pub receipt_id: i64,
    /// What was wrong on the receipt.
    pub wrong: Vec<ReceiptField>,
    pub reason: String,
    /// The right values; `None` keeps what the receipt says.
    pub payer_name: Option<String>,
    pub payer_address: Option<String>,
    pub payer_id: Option<String>,
    /// For a replacement only: each line's right amount, in the receipt's line order.
    pub line_amounts: Option<Vec<i64>>,
}

/// A replacement receipt as proposed by one person, waiting for (or decided by) another.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplacementView {
    pub id: i64,
    pub receipt_id: i64,
    /// The receipt to be replaced, e.g. "26TAA 0000012".
    pub receipt_label: String,
    pub state: ReplacementState,
    pub changes: Vec<FieldChange>,
    pub reason: String,
    pub amount_before: i64,
    pub amount_after: i64,
    pub proposed_by: String,
    pub proposed_at: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub note: Option<String>,
    /// The replacement receipt, once approved.
    pub replacement: Option<crate::model::ReceiptRef>,
}

/// A second person's decision on a proposed replacement.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplacementDecision {
    pub id: i64,
    pub approve: bool,
    /// Required when rejecting.
    pub note: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    pub field: ReceiptField,
    pub was: String,
    pub now: String,
}

/// A notice (form 04/SS-CTĐT) that corrects a receipt without replacing it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeView {
    pub id: i64,
    /// e.g. "04/SS-CTĐT số 3/2026".
    pub label: String,
    pub receipt_id: i64,
    pub receipt_label: String,
    pub reason: String,
    pub changes: Vec<FieldChange>,
    pub created_by: String,
    /// RFC 3339 UTC.
    pub created_at: String,
}

/// One receipt in the register (sổ biên lai).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisterRow {
    pub id: i64,
    pub form: String,
    pub series: String,
    pub number: i64,
    /// Form, series and number as printed.
    pub label: String,
    /// RFC 3339 UTC.
    pub issued_at: String,
    pub payer_name: String,
    pub dossier_code: String,
    pub amount: i64,
    pub method: String,
    pub bank_ref: Option<String>,
    pub status: ReceiptStatus,
    /// The receipt this one replaces (label), for a replacement.
    pub replaces: Option<String>,
    pub replaced_by: Option<String>,
    pub notices: Vec<String>,
}

/// Numbers missing from a series: an alarm, never a silent row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisterGap {
    pub series: String,
    pub from: i64,
    pub to: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptRegister {
    pub ward_name: String,
    pub ward_code: String,
    pub from: String,
    pub to: String,
    pub rows: Vec<RegisterRow>,
    pub gaps: Vec<RegisterGap>,
    pub notices: Vec<NoticeView>,
    /// Replacements proposed and waiting for a second person (whatever the period).
    #[serde(default)]
    pub pending_replacements: Vec<ReplacementView>,
    pub issued: i64,
    pub replaced: i64,
    pub notified: i64,
    /// Sum of the receipts that stand (not replaced).
    pub amount_standing: i64,
}

/// The day's receipt summary for the tax authority (01/TH-BLĐT), as the accountant tracks it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxSummaryRow {
    pub id: i64,
    pub day: String,
    pub sequence: i32,
    /// RFC 3339 UTC.
    pub prepared_at: String,
    pub prepared_by: String,
    pub late: bool,
    pub late_reason: Option<String>,
    pub receipts: i64,
    pub total: i64,
    pub sha256: String,
    /// `prepared`, `sent`, `accepted` or `rejected`.
    pub status: String,
    pub status_note: Option<String>,
    pub status_by: Option<String>,
    pub status_at: Option<String>,
}

/// The accountant's summaries: those prepared, and closed days still without one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxSummariesView {
    pub summaries: Vec<TaxSummaryRow>,
    pub missing_days: Vec<String>,
    pub can_edit: bool,
}

/// The ward's treasury settings valid from a day (mã chương, ĐBHC, KBNN and its accounts,
/// the deposit intervals).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TreasuryProfileForm {
    pub valid_from: String,
    pub chapter: String,
    pub dbhc_code: String,
    pub kbnn_code: String,
    pub kbnn_name: String,
    pub account_phi: String,
    pub account_le_phi: String,
    pub revenue_agency: String,
    pub interval_phi: String,
    pub interval_le_phi: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TreasuryProfileView {
    pub id: i64,
    pub valid_to: Option<String>,
    pub form: TreasuryProfileForm,
    pub example: bool,
    pub set_by: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeCodeForm {
    pub fee_item_id: i64,
    pub valid_from: String,
    pub chapter: String,
    pub ndkt: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeCodeView {
    pub id: i64,
    pub valid_from: String,
    pub valid_to: Option<String>,
    pub chapter: String,
    pub ndkt: String,
    pub example: bool,
    pub set_by: String,
}

/// A fee line of the catalog with its budget codes over time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeCodeRow {
    pub fee_item_id: i64,
    pub procedure_name: String,
    pub fee_name: String,
    pub kind: String,
    /// The code valid today, if any: a line without one is flagged before its money can be
    /// deposited.
    pub current: Option<FeeCodeView>,
    pub history: Vec<FeeCodeView>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BudgetCodesView {
    pub profiles: Vec<TreasuryProfileView>,
    pub fees: Vec<FeeCodeRow>,
    /// The ward's days off besides weekends, by day: they move deposit due dates.
    pub holidays: Vec<HolidayRow>,
    pub can_edit: bool,
    /// Vietnam today, the default first day of a new code.
    pub today: String,
}

/// A day off of the ward besides weekends (Tết, a national holiday, a day the government moved).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HolidayRow {
    pub id: i64,
    /// YYYY-MM-DD.
    pub day: String,
    pub name: String,
    pub added_by: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HolidayForm {
    /// YYYY-MM-DD.
    pub day: String,
    pub name: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundRequestInput {
    /// From the exception queue (money that never became revenue)…
    pub exception_id: Option<i64>,
    /// …or from a receipt (revenue given back).
    pub receipt_id: Option<i64>,
    pub amount: i64,
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundRow {
    pub id: i64,
    pub origin: RefundOrigin,
    pub exception_id: Option<i64>,
    pub exception_kind: Option<String>,
    pub receipt_label: Option<String>,
    pub dossier_code: Option<String>,
    pub received: i64,
    pub amount: i64,
    pub reason: String,
    pub payer_name: Option<String>,
    pub payer_account: Option<String>,
    pub payer_bank_bin: Option<String>,
    pub incoming_reference: Option<String>,
    pub state: RefundState,
    pub requested_by: String,
    pub requested_at: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub decision_note: Option<String>,
    pub paid_by: Option<String>,
    pub paid_at: Option<String>,
    pub bank_reference: Option<String>,
    pub version: i32,
    /// A VietQR code to the payer's account for the refund amount, when the bank told us
    /// the account (approved refunds only).
    pub qr_svg: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundsView {
    pub rows: Vec<RefundRow>,
    pub me: String,
    pub can_request: bool,
    pub can_decide: bool,
    pub can_pay: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RefundAction {
    Approve { note: Option<String> },
    Reject { note: String },
    MarkPaid { bank_reference: String },
}

/// One line of the slip: a budget sub-item with its chapter and ĐBHC.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlipLine {
    pub chapter: String,
    pub ndkt: String,
    pub dbhc: String,
    pub fee_names: Vec<String>,
    pub receipts: i64,
    pub gross: i64,
    pub refunds: i64,
    pub amount: i64,
}

/// Money of a fee line that has no budget code on the day it was collected.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlipUncoded {
    pub fee_item_id: i64,
    pub fee_name: String,
    pub receipts: i64,
    pub amount: i64,
}

/// Free and exempt dossiers: listed, never summed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlipNoCharge {
    pub procedure_name: String,
    /// The exemption's reason, or "Miễn phí" for a free procedure.
    pub reason: String,
    pub count: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlipRefund {
    pub refund_id: i64,
    pub amount: i64,
    pub receipt_label: Option<String>,
    pub bank_reference: Option<String>,
    pub paid_at: Option<String>,
    /// Deducted (revenue given back) or only listed (money that was never revenue).
    pub deducted: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlipReceipt {
    pub label: String,
    pub issued_at: String,
    /// This kind's part of the receipt; negative for a receipt reversed by its replacement.
    pub amount: i64,
    pub bank_ref: Option<String>,
    pub method: String,
}

/// A deposit recorded as made.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DepositRow {
    pub id: i64,
    pub kind: FeeKind,
    pub from: String,
    pub to: String,
    pub receipts: i64,
    pub gross: i64,
    pub refunds: i64,
    pub amount: i64,
    pub deposited_on: String,
    pub treasury_ref: String,
    pub recorded_by: String,
    pub recorded_at: String,
}

/// The C1-02/NS payment slip and its list, for one kind over a period.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TreasurySlip {
    pub kind: FeeKind,
    pub from: String,
    pub to: String,
    pub unit_name: String,
    pub unit_tax_code: String,
    pub unit_budget_code: String,
    pub unit_address: String,
    /// The collection account the money leaves.
    pub debit_account: String,
    pub debit_bank: String,
    pub kbnn_code: String,
    pub kbnn_name: String,
    pub kbnn_account: String,
    pub revenue_agency: String,
    pub dbhc: String,
    /// The treasury settings used are demo examples.
    pub example: bool,
    /// No treasury settings apply to the period.
    pub profile_missing: bool,
    pub lines: Vec<SlipLine>,
    pub uncoded: Vec<SlipUncoded>,
    pub no_charge: Vec<SlipNoCharge>,
    pub refunds: Vec<SlipRefund>,
    pub receipts: Vec<SlipReceipt>,
    pub receipt_count: i64,
    pub gross: i64,
    pub refunds_total: i64,
    pub total: i64,
    pub total_words: String,
    pub interval: DepositInterval,
    pub due_on: String,
    /// Days of the period that held money and are not closed: no deposit until they are.
    pub open_days: Vec<String>,
    /// Days of the period already in a deposit of this kind.
    pub deposited_days: Vec<String>,
    /// The deposit recorded for exactly this period, if any.
    pub deposit: Option<DepositRow>,
}

/// Money collected and not yet deposited, per kind and deposit period.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outstanding {
    pub kind: FeeKind,
    pub from: String,
    pub to: String,
    pub receipts: i64,
    pub amount: i64,
    pub due_on: String,
    pub overdue: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TreasuryView {
    pub outstanding: Vec<Outstanding>,
    pub deposits: Vec<DepositRow>,
    pub overdue: bool,
    pub can_record: bool,
    pub today: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DepositInput {
    pub kind: String,
    pub from: String,
    pub to: String,
    pub deposited_on: String,
    pub treasury_ref: String,
}
