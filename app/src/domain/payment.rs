//! The payment request's life, as a state machine checked in one place.
//!
//! ```text
//!   Draft ──issue──▶ QrIssued ──pay──▶ Paid ──receipt──▶ ReceiptIssued
//!     │                 │  └──expire──▶ Expired
//!     └──cancel──▶ Cancelled ◀──cancel──┘
//! ```
//! A code whose amount must change is cancelled and a new request issued, so a kiosk can
//! never show a stale code. Assisted and cash payments are `pay` with another method.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentState {
    Draft,
    QrIssued,
    Paid,
    ReceiptIssued,
    Expired,
    Cancelled,
}

/// How the money came in. Only `QrTransfer` counts as cashless without help.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    /// The citizen scanned the code and paid from their own app.
    QrTransfer,
    /// Support staff paid by transfer on the citizen's behalf (no account or phone).
    Assisted,
    /// Cash, with the reason recorded; counted against the cashless rate.
    Cash,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentEvent {
    Issue,
    Pay(PaymentMethod),
    IssueReceipt,
    Expire,
    Cancel,
    /// A supervisor accepts money that arrived after the code expired or was cancelled.
    AcceptLate,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a payment request that is {from:?} cannot take {event:?}")]
pub struct TransitionError {
    pub from: PaymentState,
    pub event: PaymentEvent,
}

impl PaymentState {
    pub const ALL: [PaymentState; 6] = [
        PaymentState::Draft,
        PaymentState::QrIssued,
        PaymentState::Paid,
        PaymentState::ReceiptIssued,
        PaymentState::Expired,
        PaymentState::Cancelled,
    ];

    /// The only place that decides which transitions exist.
    pub fn apply(self, event: PaymentEvent) -> Result<PaymentState, TransitionError> {
        use PaymentEvent as E;
        use PaymentState as S;
        let next = match (self, event) {
            (S::Draft, E::Issue) => S::QrIssued,
            (S::QrIssued, E::Pay(_)) => S::Paid,
            // Assisted or cash payment may be recorded before any code is shown.
            (S::Draft, E::Pay(PaymentMethod::Assisted | PaymentMethod::Cash)) => S::Paid,
            (S::Paid, E::IssueReceipt) => S::ReceiptIssued,
            (S::QrIssued, E::Expire) => S::Expired,
            (S::Draft | S::QrIssued, E::Cancel) => S::Cancelled,
            (S::Expired | S::Cancelled, E::AcceptLate) => S::Paid,
            (from, event) => return Err(TransitionError { from, event }),
        };
        Ok(next)
    }

    /// No event of the counter flow moves it any more (a supervisor may still accept a
    /// late payment for an expired or cancelled code).
    pub fn is_final(self) -> bool {
        matches!(self, PaymentState::ReceiptIssued | PaymentState::Expired | PaymentState::Cancelled)
    }

    /// Money has been received for this request.
    pub fn is_settled(self) -> bool {
        matches!(self, PaymentState::Paid | PaymentState::ReceiptIssued)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PaymentState::Draft => "draft",
            PaymentState::QrIssued => "qr_issued",
            PaymentState::Paid => "paid",
            PaymentState::ReceiptIssued => "receipt_issued",
            PaymentState::Expired => "expired",
            PaymentState::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<PaymentState> {
        PaymentState::ALL.into_iter().find(|st| st.as_str() == s)
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            PaymentState::Draft => "Chờ tạo QR",
            PaymentState::QrIssued => "Đã tạo QR, chờ thanh toán",
            PaymentState::Paid => "Đã thanh toán",
            PaymentState::ReceiptIssued => "Đã cấp biên lai",
            PaymentState::Expired => "Mã QR hết hạn",
            PaymentState::Cancelled => "Đã huỷ",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            PaymentState::Draft => "Awaiting QR",
            PaymentState::QrIssued => "QR issued, awaiting payment",
            PaymentState::Paid => "Paid",
            PaymentState::ReceiptIssued => "Receipt issued",
            PaymentState::Expired => "QR expired",
            PaymentState::Cancelled => "Cancelled",
        }
    }
}

impl PaymentMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentMethod::QrTransfer => "qr_transfer",
            PaymentMethod::Assisted => "assisted",
            PaymentMethod::Cash => "cash",
        }
    }

    pub fn parse(s: &str) -> Option<PaymentMethod> {
        [PaymentMethod::QrTransfer, PaymentMethod::Assisted, PaymentMethod::Cash].into_iter().find(|m| m.as_str() == s)
    }

    /// Wording on the receipt (docs/domain.md §4: chuyển khoản QR / có hỗ trợ / tiền mặt).
    pub fn label_vi(self) -> &'static str {
        match self {
            PaymentMethod::QrTransfer => "Chuyển khoản QR",
            PaymentMethod::Assisted => "Chuyển khoản có hỗ trợ",
            PaymentMethod::Cash => "Tiền mặt",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            PaymentMethod::QrTransfer => "QR bank transfer",
            PaymentMethod::Assisted => "Assisted transfer",
            PaymentMethod::Cash => "Cash",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use PaymentEvent as E;
    use PaymentState as S;

    const EVENTS: [PaymentEvent; 7] = [
        // AcceptLate is tested on its own below.
        E::Issue,
        E::Pay(PaymentMethod::QrTransfer),
        E::Pay(PaymentMethod::Assisted),
        E::Pay(PaymentMethod::Cash),
        E::IssueReceipt,
        E::Expire,
        E::Cancel,
    ];

    #[test]
    fn the_happy_path() {
        let s = S::Draft.apply(E::Issue).and_then(|s| s.apply(E::Pay(PaymentMethod::QrTransfer)));
        assert_eq!(s.and_then(|s| s.apply(E::IssueReceipt)), Ok(S::ReceiptIssued));
    }

    #[test]
    fn final_states_accept_nothing_of_the_counter_flow() {
        for s in S::ALL.into_iter().filter(|s| s.is_final()) {
            for e in EVENTS {
                assert!(s.apply(e).is_err(), "{s:?} must refuse {e:?}");
            }
        }
    }

    #[test]
    fn only_supervisors_revive_a_dead_code() {
        assert_eq!(S::Expired.apply(E::AcceptLate), Ok(S::Paid));
        assert_eq!(S::Cancelled.apply(E::AcceptLate), Ok(S::Paid));
        assert!(S::QrIssued.apply(E::AcceptLate).is_err());
        assert!(S::ReceiptIssued.apply(E::AcceptLate).is_err());
        assert!(S::Expired.apply(E::Pay(PaymentMethod::QrTransfer)).is_err(), "the bank path never pays an expired code");
    }

    #[test]
    fn a_paid_request_cannot_be_cancelled_or_expire() {
        assert!(S::Paid.apply(E::Cancel).is_err());
        assert!(S::Paid.apply(E::Expire).is_err());
        assert!(S::Paid.apply(E::Pay(PaymentMethod::QrTransfer)).is_err(), "no double payment");
    }

    #[test]
    fn a_code_is_needed_before_a_qr_payment() {
        assert!(S::Draft.apply(E::Pay(PaymentMethod::QrTransfer)).is_err());
        assert_eq!(S::Draft.apply(E::Pay(PaymentMethod::Cash)), Ok(S::Paid));
    }

    #[test]
    fn names_round_trip() {
        for s in S::ALL {
            assert_eq!(S::parse(s.as_str()), Some(s));
        }
        for m in [PaymentMethod::QrTransfer, PaymentMethod::Assisted, PaymentMethod::Cash] {
            assert_eq!(PaymentMethod::parse(m.as_str()), Some(m));
        }
    }
}
