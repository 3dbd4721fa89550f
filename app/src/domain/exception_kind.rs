//! Why a bank transfer needs a person: the kinds of bank exception (docs/domain.md §7).

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExceptionKind {
    Underpaid,
    Overpaid,
    /// Paid after the code expired.
    Late,
    /// Paid for a request that was cancelled.
    AfterCancel,
    /// A second payment for a request already paid.
    AlreadyPaid,
    /// No issued payment code found in the text.
    UnknownCode,
    /// The money went to an account that is not the request's ward's.
    WrongAccount,
}

impl ExceptionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ExceptionKind::Underpaid => "underpaid",
            ExceptionKind::Overpaid => "overpaid",
            ExceptionKind::Late => "late",
            ExceptionKind::AfterCancel => "after_cancel",
            ExceptionKind::AlreadyPaid => "already_paid",
            ExceptionKind::UnknownCode => "unknown_code",
            ExceptionKind::WrongAccount => "wrong_account",
        }
    }
}
