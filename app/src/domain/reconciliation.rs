//! Reconciliation (đối soát): the state of each row of the report, decided in one place from
//! what the payment request and the bank's notifications say. Pure: the query that gathers
//! the facts lives in `backend::reconciliation`.

use crate::text::Text;
use serde::{Deserialize, Serialize};

/// How a row of the reconciliation report stands. The JSON names are the machine-readable
/// states scripts rely on (`matched`, `under`, …).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecState {
    /// Khớp: the money the request asked for arrived by transfer and paid it.
    Matched,
    /// Thiếu: less than the amount due arrived.
    Under,
    /// Thừa: more than the amount due arrived.
    Over,
    /// Trễ hạn: the money came after the code expired or was cancelled.
    Late,
    /// Trùng: a second payment for a request already paid.
    Duplicate,
    /// Không xác định: the transfer named no payment code WardPay issued.
    UnknownCode,
    /// Sai tài khoản: the transfer named a code but reached another account.
    WrongAccount,
    /// Chỉ có trên sao kê: money on the collection account that no notification brought.
    StatementOnly,
    /// Chỉ có trong WardPay: a notification the bank statement does not confirm.
    WardpayOnly,
    /// Đã hoàn: the money went back to the payer.
    Refunded,
    /// Tiền mặt: paid in cash at the desk (no bank movement to match).
    Cash,
    /// Chưa thu: the request was never paid (still waiting, expired or cancelled).
    Unpaid,
}

impl RecState {
    pub const ALL: [RecState; 12] = [
        RecState::Matched,
        RecState::Under,
        RecState::Over,
        RecState::Late,
        RecState::Duplicate,
        RecState::UnknownCode,
        RecState::WrongAccount,
        RecState::StatementOnly,
        RecState::WardpayOnly,
        RecState::Refunded,
        RecState::Cash,
        RecState::Unpaid,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RecState::Matched => "matched",
            RecState::Under => "under",
            RecState::Over => "over",
            RecState::Late => "late",
            RecState::Duplicate => "duplicate",
            RecState::UnknownCode => "unknown_code",
            RecState::WrongAccount => "wrong_account",
            RecState::StatementOnly => "statement_only",
            RecState::WardpayOnly => "wardpay_only",
            RecState::Refunded => "refunded",
            RecState::Cash => "cash",
            RecState::Unpaid => "unpaid",
        }
    }

    /// How people read it, in both languages.
    pub fn label(self) -> Text {
        match self {
            RecState::Matched => Text::new("Khớp", "Matched"),
            RecState::Under => Text::new("Thiếu", "Underpaid"),
            RecState::Over => Text::new("Thừa", "Overpaid"),
            RecState::Late => Text::new("Trễ hạn", "Late"),
            RecState::Duplicate => Text::new("Trùng", "Duplicate"),
            RecState::UnknownCode => Text::new("Không xác định", "Unknown code"),
            RecState::WrongAccount => Text::new("Sai tài khoản", "Wrong account"),
            RecState::StatementOnly => Text::new("Chỉ có trên sao kê", "Only on the statement"),
            RecState::WardpayOnly => Text::new("Chỉ có trong WardPay", "Only in WardPay"),
            RecState::Refunded => Text::new("Đã hoàn", "Refunded"),
            RecState::Cash => Text::new("Tiền mặt", "Cash"),
            RecState::Unpaid => Text::new("Chưa thu", "Not paid"),
        }
    }

    /// Whether the row needs someone's attention (highlighted on the page).
    pub fn is_difference(self) -> bool {
        !matches!(self, RecState::Matched | RecState::Cash | RecState::Unpaid)
    }
}

/// What the ward's imported bank statements say of the transfer behind a row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BankRecord {
    /// No statement covers that day yet: nothing to say.
    NotChecked,
    /// A statement line shows this transfer, for this amount.
    Confirmed,
    /// A statement covers that day and shows no such transfer (or another amount).
    Missing,
    /// Only a statement showed it: no webhook or poll ever brought it.
    OnlyOnStatement,
}

/// The row's state once the bank's own record is taken into account: money the statement
/// alone shows, or a notification it does not confirm, is what the accountant must see
/// first, whatever the matching made of it. A refund is already resolved and stays so.
pub fn with_statement(state: RecState, record: BankRecord) -> RecState {
    match (state, record) {
        (RecState::Refunded | RecState::Cash | RecState::Unpaid, _) => state,
        (_, BankRecord::OnlyOnStatement) => RecState::StatementOnly,
        (_, BankRecord::Missing) => RecState::WardpayOnly,
        _ => state,
    }
}

/// What is known of a payment request for the report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequestFacts<'a> {
    /// Money was booked on it (paid or receipted).
    pub settled: bool,
    /// `cash`, `assisted` or `qr_transfer`, once settled.
    pub method: Option<&'a str>,
    /// The outcome the bank intake gave the notification that paid it (`matched`,
    /// `assisted`, or an exception kind a supervisor resolved into it, e.g. `late`).
    pub paying_outcome: Option<&'a str>,
    /// Part of the amount came and the request waits for the rest.
    pub partly_paid: bool,
    /// The amount due and what the bank transfers booked to it came to (parts add up).
    pub due: i64,
    pub received: i64,
}

/// The state of a payment request's row.
pub fn request_state(f: RequestFacts<'_>) -> RecState {
    if !f.settled {
        return match (f.partly_paid, f.received > 0) {
            // Part of the money came and the rest has not (yet): a difference to look at.
            (true, _) => RecState::Under,
            // Parts came, then the request was cancelled: they go back to the payer.
            (false, true) => RecState::Refunded,
            (false, false) => RecState::Unpaid,
        };
    }
    if f.method == Some("cash") {
        return RecState::Cash;
    }
    match f.paying_outcome {
        Some("late" | "after_cancel") => RecState::Late,
        // Paid, and more came than was due: the surplus is on its way back (a refund).
        _ if f.received > f.due => RecState::Over,
        _ => RecState::Matched,
    }
}

/// One verdict for a request paid by several transfers: money only a statement shows wins,
/// then a transfer the statement does not confirm; confirmed only if every part is.
pub fn combined_record(records: &[BankRecord]) -> BankRecord {
    if records.contains(&BankRecord::OnlyOnStatement) {
        BankRecord::OnlyOnStatement
    } else if records.contains(&BankRecord::Missing) {
        BankRecord::Missing
    } else if !records.is_empty() && records.iter().all(|r| *r == BankRecord::Confirmed) {
        BankRecord::Confirmed
    } else {
        BankRecord::NotChecked
    }
}

/// The state of a notification that did not simply pay a request: its exception kind, or
/// `Refunded` once the money went back.
pub fn exception_state(kind: &str, resolution: Option<&str>) -> RecState {
    if resolution == Some("refund") {
        return RecState::Refunded;
    }
    match kind {
        "underpaid" => RecState::Under,
        "overpaid" => RecState::Over,
        "late" | "after_cancel" => RecState::Late,
        "already_paid" => RecState::Duplicate,
        "wrong_account" => RecState::WrongAccount,
        _ => RecState::UnknownCode,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_the_documented_machine_states() {
        let names: Vec<&str> = RecState::ALL.iter().map(|s| s.as_str()).collect();
        for required in
            ["matched", "under", "over", "late", "duplicate", "unknown_code", "wrong_account", "statement_only", "wardpay_only", "refunded"]
        {
            assert!(names.contains(&required), "{required}");
        }
        for s in RecState::ALL {
            assert_eq!(serde_json::to_value(s).expect("json"), serde_json::Value::String(s.as_str().into()));
        }
    }

    #[test]
    fn a_request_is_matched_cash_late_or_unpaid() {
        let f = |settled: bool, method, out| {
            let received = if settled { 50_000 } else { 0 };
            request_state(RequestFacts { settled, method, paying_outcome: out, partly_paid: false, due: 50_000, received })
        };
        assert_eq!(f(true, Some("qr_transfer"), Some("matched")), RecState::Matched);
        assert_eq!(f(true, Some("assisted"), Some("assisted")), RecState::Matched);
        assert_eq!(f(true, Some("cash"), None), RecState::Cash);
        assert_eq!(f(true, Some("qr_transfer"), Some("late")), RecState::Late, "accepted late by a supervisor");
        assert_eq!(f(true, Some("qr_transfer"), Some("after_cancel")), RecState::Late);
        assert_eq!(f(false, None, None), RecState::Unpaid);
    }

    #[test]
    fn a_partly_paid_request_is_under_a_cancelled_one_refunded_and_a_surplus_over() {
        let f = |settled, partly_paid, received| {
            let method = Some("qr_transfer");
            request_state(RequestFacts { settled, method, paying_outcome: Some("matched"), partly_paid, due: 50_000, received })
        };
        assert_eq!(f(false, true, 30_000), RecState::Under, "waiting for the rest");
        assert_eq!(f(false, false, 30_000), RecState::Refunded, "cancelled after a part: it goes back");
        assert_eq!(f(false, false, 0), RecState::Unpaid);
        assert_eq!(f(true, false, 50_000), RecState::Matched, "two parts that add up are a match");
        assert_eq!(f(true, false, 70_000), RecState::Over, "the surplus goes to refunds");
    }

    #[test]
    fn several_transfers_are_confirmed_only_when_all_are() {
        use BankRecord as B;
        assert_eq!(combined_record(&[B::Confirmed, B::Confirmed]), B::Confirmed);
        assert_eq!(combined_record(&[B::Confirmed, B::NotChecked]), B::NotChecked);
        assert_eq!(combined_record(&[B::Confirmed, B::Missing]), B::Missing);
        assert_eq!(combined_record(&[B::Missing, B::OnlyOnStatement]), B::OnlyOnStatement);
        assert_eq!(combined_record(&[]), B::NotChecked);
    }

    #[test]
    fn exceptions_map_to_their_states_and_refunds_win() {
        assert_eq!(exception_state("underpaid", None), RecState::Under);
        assert_eq!(exception_state("overpaid", None), RecState::Over);
        assert_eq!(exception_state("already_paid", None), RecState::Duplicate);
        assert_eq!(exception_state("unknown_code", None), RecState::UnknownCode);
        assert_eq!(exception_state("wrong_account", None), RecState::WrongAccount);
        assert_eq!(exception_state("overpaid", Some("refund")), RecState::Refunded);
        assert!(RecState::Under.is_difference() && !RecState::Matched.is_difference());
    }

    #[test]
    fn the_bank_statement_overrides_what_matching_said() {
        use BankRecord::*;
        assert_eq!(with_statement(RecState::Matched, OnlyOnStatement), RecState::StatementOnly);
        assert_eq!(with_statement(RecState::UnknownCode, OnlyOnStatement), RecState::StatementOnly);
        assert_eq!(with_statement(RecState::Matched, Missing), RecState::WardpayOnly);
        assert_eq!(with_statement(RecState::Under, Missing), RecState::WardpayOnly);
        assert_eq!(with_statement(RecState::Matched, Confirmed), RecState::Matched);
        assert_eq!(with_statement(RecState::Late, NotChecked), RecState::Late);
        assert_eq!(with_statement(RecState::Refunded, Missing), RecState::Refunded, "a refund stays resolved");
        assert_eq!(with_statement(RecState::Cash, Missing), RecState::Cash, "cash never crossed the bank");
    }
}
