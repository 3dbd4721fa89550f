//! The 2026 receipt rules that do not need a database: the symbols a ward may register
//! (TT 91, Phụ lục II), the number's range, and which mistakes a notice may correct and
//! which need a replacement receipt (TT 91, Điều 20). See docs/domain.md §8.

use crate::text::Text;
use serde::{Deserialize, Serialize};

/// The largest receipt number: at most 8 digits, restarting at 1 each 1 January.
pub const MAX_NUMBER: i64 = 99_999_999;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SymbolError {
    #[error("mẫu số biên lai phải là EBL01 hoặc EBL02 (form symbol must be EBL01 or EBL02)")]
    Form,
    #[error("ký hiệu biên lai gồm 2 số năm, chữ T và 2 chữ cái in hoa, ví dụ 26TAA (series: two-digit year, T, two capital letters, e.g. 26TAA)")]
    Series,
}

/// `EBL01` (no face value) or `EBL02` (with face value).
pub fn check_form(form: &str) -> Result<(), SymbolError> {
    matches!(form, "EBL01" | "EBL02").then_some(()).ok_or(SymbolError::Form)
}

/// Two-digit year, `T`, two capital letters the ward chose: `26TAA`.
pub fn check_series(series: &str) -> Result<(), SymbolError> {
    let b = series.as_bytes();
    let ok = b.len() == 5 && b[..2].iter().all(u8::is_ascii_digit) && b[2] == b'T' && b[3..].iter().all(u8::is_ascii_uppercase);
    ok.then_some(()).ok_or(SymbolError::Series)
}

/// The series registered as `26TAA` keeps its letters and takes each year's two digits, so
/// a new year starts a new series (and a new count from 1).
pub fn series_for_year(registered: &str, year: i32) -> String {
    let yy = format!("{:02}", year.rem_euclid(100));
    match registered.get(2..).filter(|_| registered.chars().take(2).all(|c| c.is_ascii_digit())) {
        Some(rest) => format!("{yy}{rest}"),
        None => format!("{yy}{registered}"),
    }
}

/// Printed with leading zeros to 7 digits (8 once past 9 999 999).
pub fn format_number(n: i64) -> String {
    format!("{n:07}")
}

/// What on a receipt was wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReceiptField {
    PayerName,
    PayerAddress,
    AmountInWords,
    PayerId,
    Lines,
    Amount,
    Other,
}

impl ReceiptField {
    pub fn as_str(self) -> &'static str {
        match self {
            ReceiptField::PayerName => "payer_name",
            ReceiptField::PayerAddress => "payer_address",
            ReceiptField::AmountInWords => "amount_in_words",
            ReceiptField::PayerId => "payer_id",
            ReceiptField::Lines => "lines",
            ReceiptField::Amount => "amount",
            ReceiptField::Other => "other",
        }
    }

    /// How people read it, in both languages.
    pub fn label(self) -> Text {
        match self {
            ReceiptField::PayerName => Text::new("Tên người nộp", "Payer name"),
            ReceiptField::PayerAddress => Text::new("Địa chỉ người nộp", "Payer address"),
            ReceiptField::AmountInWords => Text::new("Số tiền bằng chữ", "Amount in words"),
            ReceiptField::PayerId => Text::new("Số giấy tờ người nộp", "Payer ID number"),
            ReceiptField::Lines => Text::new("Khoản thu", "Fee lines"),
            ReceiptField::Amount => Text::new("Số tiền", "Amount"),
            ReceiptField::Other => Text::new("Nội dung khác", "Other content"),
        }
    }

    /// A notice (04/SS-CTĐT) may correct only these: the tax code and the amount were right.
    pub fn notice_may_correct(self) -> bool {
        matches!(self, ReceiptField::PayerName | ReceiptField::PayerAddress | ReceiptField::AmountInWords)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CorrectionPath {
    /// Form 04/SS-CTĐT to the payer; nothing new is issued.
    Notice,
    /// A new receipt that names the one it replaces.
    Replacement,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CorrectionError {
    #[error("chưa nêu nội dung sai (name what was wrong)")]
    NothingWrong,
    #[error("thông báo 04/SS-CTĐT chỉ sửa tên, địa chỉ người nộp hoặc số tiền bằng chữ; sai khác phải lập biên lai thay thế (a notice corrects only the payer's name, address or the amount in words; anything else needs a replacement receipt)")]
    NeedsReplacement,
    #[error("biên lai này đã được thay thế; hãy điều chỉnh biên lai thay thế (this receipt was replaced; correct its replacement)")]
    AlreadyReplaced,
}

/// Checks that `path` may correct `wrong` on a receipt that `replaced` or not.
pub fn check_correction(path: CorrectionPath, wrong: &[ReceiptField], replaced: bool) -> Result<(), CorrectionError> {
    if replaced {
        return Err(CorrectionError::AlreadyReplaced);
    }
    if wrong.is_empty() {
        return Err(CorrectionError::NothingWrong);
    }
    if path == CorrectionPath::Notice && !wrong.iter().all(|f| f.notice_may_correct()) {
        return Err(CorrectionError::NeedsReplacement);
    }
    Ok(())
}

/// A replacement receipt is proposed by one person and issued only when a second person
/// approves it: a replacement can change what was collected, and no one receipts money
/// alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReplacementState {
    Proposed,
    /// Approved, and the replacement receipt issued in the same step.
    Approved,
    Rejected,
}

impl ReplacementState {
    pub fn as_str(self) -> &'static str {
        match self {
            ReplacementState::Proposed => "proposed",
            ReplacementState::Approved => "approved",
            ReplacementState::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<ReplacementState> {
        [ReplacementState::Proposed, ReplacementState::Approved, ReplacementState::Rejected].into_iter().find(|x| x.as_str() == s)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DecisionError {
    #[error("đề nghị này đã được quyết định (this proposal was already decided)")]
    NotPending,
    #[error("người đề nghị không tự duyệt hay từ chối đề nghị của mình; cần người thứ hai (you cannot decide your own proposal: a second person must)")]
    OwnProposal,
    #[error("từ chối cần nêu lý do (a rejection needs its reason)")]
    ReasonRequired,
}

/// The state a proposal moves to when `decider` approves it (or rejects it with `note`).
pub fn decide_replacement(
    state: ReplacementState,
    proposer: &str,
    decider: &str,
    approve: bool,
    note: Option<&str>,
) -> Result<ReplacementState, DecisionError> {
    if state != ReplacementState::Proposed {
        return Err(DecisionError::NotPending);
    }
    if proposer == decider {
        return Err(DecisionError::OwnProposal);
    }
    if approve {
        Ok(ReplacementState::Approved)
    } else if note.is_some_and(|n| !n.trim().is_empty()) {
        Ok(ReplacementState::Rejected)
    } else {
        Err(DecisionError::ReasonRequired)
    }
}

/// Where a receipt stands in the register.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReceiptStatus {
    Valid,
    /// Corrected by one or more notices (it stays valid).
    Notified,
    /// A replacement receipt supersedes it.
    Replaced,
}

impl ReceiptStatus {
    pub fn of(replaced: bool, notices: usize) -> ReceiptStatus {
        match (replaced, notices) {
            (true, _) => ReceiptStatus::Replaced,
            (false, 0) => ReceiptStatus::Valid,
            (false, _) => ReceiptStatus::Notified,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ReceiptStatus::Valid => "valid",
            ReceiptStatus::Notified => "notified",
            ReceiptStatus::Replaced => "replaced",
        }
    }

    /// How people read it, in both languages.
    pub fn label(self) -> Text {
        match self {
            ReceiptStatus::Valid => Text::new("Hợp lệ", "Valid"),
            ReceiptStatus::Notified => Text::new("Đã điều chỉnh bằng thông báo 04/SS-CTĐT", "Corrected by notice 04/SS-CTĐT"),
            ReceiptStatus::Replaced => Text::new("Đã bị thay thế", "Replaced"),
        }
    }
}

/// Numbers missing from a run that should have none: `numbers` sorted ascending, the run
/// expected to start at `first`. Returns `(from, to)` ranges, inclusive.
pub fn gaps(first: i64, numbers: &[i64]) -> Vec<(i64, i64)> {
    let mut out = Vec::new();
    let mut expect = first;
    for &n in numbers {
        if n > expect {
            out.push((expect, n - 1));
        }
        expect = expect.max(n + 1);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbols_follow_tt91_appendix_ii() {
        assert_eq!(check_form("EBL01"), Ok(()));
        assert_eq!(check_form("EBL02"), Ok(()));
        for bad in ["EBL03", "01BLP0-001", "ebl01", ""] {
            assert_eq!(check_form(bad), Err(SymbolError::Form), "{bad}");
        }
        assert_eq!(check_series("26TAA"), Ok(()));
        for bad in ["26PDM", "26TA", "26taa", "2ATAA", "26TA1", "26TAAA", "AA/22E"] {
            assert_eq!(check_series(bad), Err(SymbolError::Series), "{bad}");
        }
    }

    #[test]
    fn the_series_takes_the_year_and_keeps_the_letters() {
        assert_eq!(series_for_year("26TAA", 2026), "26TAA");
        assert_eq!(series_for_year("26TAA", 2027), "27TAA");
    }

    #[test]
    fn a_notice_corrects_only_name_address_and_words() {
        use ReceiptField as F;
        assert_eq!(check_correction(CorrectionPath::Notice, &[F::PayerName, F::AmountInWords], false), Ok(()));
        assert_eq!(check_correction(CorrectionPath::Notice, &[F::Amount], false), Err(CorrectionError::NeedsReplacement));
        assert_eq!(check_correction(CorrectionPath::Notice, &[F::PayerName, F::Lines], false), Err(CorrectionError::NeedsReplacement));
        assert_eq!(check_correction(CorrectionPath::Replacement, &[F::Amount], false), Ok(()));
        assert_eq!(check_correction(CorrectionPath::Replacement, &[F::PayerName], false), Ok(()), "a replacement may fix anything");
        assert_eq!(check_correction(CorrectionPath::Replacement, &[], false), Err(CorrectionError::NothingWrong));
        assert_eq!(check_correction(CorrectionPath::Replacement, &[F::Amount], true), Err(CorrectionError::AlreadyReplaced));
        assert_eq!(check_correction(CorrectionPath::Notice, &[F::PayerName], true), Err(CorrectionError::AlreadyReplaced));
    }

    #[test]
    fn a_replacement_is_decided_once_by_someone_other_than_its_proposer() {
        use ReplacementState::*;
        assert_eq!(decide_replacement(Proposed, "ketoan", "truongbp", true, None), Ok(Approved));
        assert_eq!(decide_replacement(Proposed, "ketoan", "ketoan2", false, Some("sai số tiền")), Ok(Rejected));
        assert_eq!(decide_replacement(Proposed, "ketoan", "ketoan", true, None), Err(DecisionError::OwnProposal));
        assert_eq!(decide_replacement(Proposed, "ketoan", "ketoan", false, Some("x")), Err(DecisionError::OwnProposal));
        assert_eq!(decide_replacement(Proposed, "ketoan", "truongbp", false, Some("  ")), Err(DecisionError::ReasonRequired));
        assert_eq!(decide_replacement(Approved, "ketoan", "truongbp", true, None), Err(DecisionError::NotPending));
        assert_eq!(decide_replacement(Rejected, "ketoan", "truongbp", true, None), Err(DecisionError::NotPending));
        for s in [Proposed, Approved, Rejected] {
            assert_eq!(ReplacementState::parse(s.as_str()), Some(s));
        }
    }

    #[test]
    fn gaps_are_reported_as_ranges() {
        assert_eq!(gaps(1, &[1, 2, 3]), vec![]);
        assert_eq!(gaps(1, &[2, 3, 7]), vec![(1, 1), (4, 6)]);
        assert_eq!(gaps(5, &[5, 5, 6]), vec![], "a duplicate is not a gap");
    }

    #[test]
    fn status_of_a_receipt() {
        assert_eq!(ReceiptStatus::of(false, 0), ReceiptStatus::Valid);
        assert_eq!(ReceiptStatus::of(false, 2), ReceiptStatus::Notified);
        assert_eq!(ReceiptStatus::of(true, 1), ReceiptStatus::Replaced);
    }
}
