//! A refund's life, checked in one place like a payment's (`payment.rs`), with the
//! four-eyes rule inside the machine: whoever requested a refund can never approve it.
//!
//! ```text
//!   requested ──approve (another person)──▶ approved ──mark_paid (bank ref)──▶ paid
//!       └──reject (another person)──▶ rejected
//! ```

use crate::text::Text;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefundState {
    Requested,
    Approved,
    Rejected,
    Paid,
}

/// Why money goes back: what the exception was, or revenue given back from a receipt.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefundOrigin {
    /// Money that never became revenue (an exception: overpaid part, after cancel,
    /// duplicate, unknown code, another ward's account).
    Exception,
    /// Revenue already receipted, given back: it is deducted from the treasury deposit.
    Receipt,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RefundEvent {
    Approve,
    Reject,
    /// With the bank's reference of the outgoing transfer.
    MarkPaid {
        bank_reference: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RefundError {
    #[error("người đề nghị hoàn tiền không được tự duyệt (the requester cannot approve or reject their own refund)")]
    SelfApproval,
    #[error("đề nghị hoàn tiền đang ở trạng thái {0}, không thể làm việc này (the refund is {0}; this step does not apply)")]
    Transition(&'static str),
    #[error("cần mã giao dịch ngân hàng của khoản chuyển trả (the bank reference of the refund transfer is required)")]
    NoReference,
    #[error("số tiền hoàn phải lớn hơn 0 và không vượt quá số còn có thể hoàn {0} đồng (the amount must be above 0 and at most {0} VND still refundable)")]
    Amount(i64),
}

impl RefundState {
    pub const ALL: [RefundState; 4] = [RefundState::Requested, RefundState::Approved, RefundState::Rejected, RefundState::Paid];

    /// The only place that decides which steps exist and who may take them.
    pub fn apply(self, event: &RefundEvent, requested_by: &str, actor: &str) -> Result<RefundState, RefundError> {
        use RefundEvent as E;
        use RefundState as S;
        match (self, event) {
            (S::Requested, E::Approve | E::Reject) if requested_by == actor => Err(RefundError::SelfApproval),
            (S::Requested, E::Approve) => Ok(S::Approved),
            (S::Requested, E::Reject) => Ok(S::Rejected),
            (S::Approved, E::MarkPaid { bank_reference }) if bank_reference.trim().is_empty() => Err(RefundError::NoReference),
            (S::Approved, E::MarkPaid { .. }) => Ok(S::Paid),
            (from, _) => Err(RefundError::Transition(from.as_str())),
        }
    }

    /// Still counts against what may be refunded (a rejected request frees its amount).
    pub fn holds_money(self) -> bool {
        !matches!(self, RefundState::Rejected)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RefundState::Requested => "requested",
            RefundState::Approved => "approved",
            RefundState::Rejected => "rejected",
            RefundState::Paid => "paid",
        }
    }

    pub fn parse(s: &str) -> Option<RefundState> {
        RefundState::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// How people read it, in both languages.
    pub fn label(self) -> Text {
        match self {
            RefundState::Requested => Text::new("Chờ duyệt", "Awaiting approval"),
            RefundState::Approved => Text::new("Đã duyệt, chờ chuyển trả", "Approved, awaiting transfer"),
            RefundState::Rejected => Text::new("Từ chối", "Rejected"),
            RefundState::Paid => Text::new("Đã hoàn", "Refunded"),
        }
    }
}

impl RefundOrigin {
    pub fn as_str(self) -> &'static str {
        match self {
            RefundOrigin::Exception => "exception",
            RefundOrigin::Receipt => "receipt",
        }
    }

    pub fn parse(s: &str) -> Option<RefundOrigin> {
        [RefundOrigin::Exception, RefundOrigin::Receipt].into_iter().find(|o| o.as_str() == s)
    }
}

/// What may still be refunded of `received` when `held` is already requested or refunded.
pub fn check_amount(amount: i64, received: i64, held: i64) -> Result<(), RefundError> {
    let left = (received - held).max(0);
    if amount <= 0 || amount > left {
        return Err(RefundError::Amount(left));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use RefundEvent as E;
    use RefundState as S;

    fn paid() -> E {
        E::MarkPaid { bank_reference: "FT26335000123".into() }
    }

    #[test]
    fn a_refund_needs_a_second_person_then_a_bank_reference() {
        assert_eq!(S::Requested.apply(&E::Approve, "ketoan", "truongbp"), Ok(S::Approved));
        assert_eq!(S::Approved.apply(&paid(), "ketoan", "ketoan"), Ok(S::Paid), "the requester may carry out an approved refund");
        assert_eq!(S::Requested.apply(&E::Reject, "ketoan", "truongbp"), Ok(S::Rejected));
    }

    #[test]
    fn nobody_approves_or_rejects_their_own_request() {
        assert_eq!(S::Requested.apply(&E::Approve, "ketoan", "ketoan"), Err(RefundError::SelfApproval));
        assert_eq!(S::Requested.apply(&E::Reject, "ketoan", "ketoan"), Err(RefundError::SelfApproval));
    }

    #[test]
    fn no_step_is_skipped_or_repeated() {
        assert!(S::Requested.apply(&paid(), "a", "b").is_err(), "not paid before approval");
        assert!(S::Approved.apply(&E::Approve, "a", "b").is_err());
        assert_eq!(S::Approved.apply(&E::MarkPaid { bank_reference: "  ".into() }, "a", "b"), Err(RefundError::NoReference));
        for s in [S::Paid, S::Rejected] {
            for e in [E::Approve, E::Reject, paid()] {
                assert!(s.apply(&e, "a", "b").is_err(), "{s:?} is final");
            }
        }
    }

    #[test]
    fn a_refund_never_exceeds_what_was_received() {
        assert_eq!(check_amount(10_000, 60_000, 0), Ok(()));
        assert_eq!(check_amount(60_000, 60_000, 0), Ok(()));
        assert_eq!(check_amount(60_001, 60_000, 0), Err(RefundError::Amount(60_000)));
        assert_eq!(check_amount(20_000, 60_000, 50_000), Err(RefundError::Amount(10_000)));
        assert_eq!(check_amount(0, 60_000, 0), Err(RefundError::Amount(60_000)));
    }

    #[test]
    fn names_round_trip() {
        for s in S::ALL {
            assert_eq!(S::parse(s.as_str()), Some(s));
        }
        assert!(!S::Rejected.holds_money() && S::Paid.holds_money() && S::Requested.holds_money());
    }
}
