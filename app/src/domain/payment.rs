//! The payment request's life, as a state machine checked in one place.
//!
//! ```text
//!   Draft ──issue──▶ QrIssued ──pay──▶ Paid ──receipt──▶ ReceiptIssued
//!     │                 │  │             ▲
//!     │                 │  └─part──▶ PartiallyPaid ──part──┐ (loops)
//!     │                 │                 │   └──pay (sum reached)──▶ Paid
//!     │                 │                 └──renew_code (the code for the rest ran out)
//!     │                 └──expire──▶ Expired
//!     └──cancel──▶ Cancelled ◀──cancel── (QrIssued, PartiallyPaid)
//! ```
//! A code whose amount must change is cancelled and a new request issued, so a kiosk can
//! never show a stale code. Assisted and cash payments are `pay` with another method.
//!
//! Transfers for one code add up ([`PaymentState::credit`]): one below what is still due
//! leaves the request `PartiallyPaid` with a code for the rest; the one that reaches the
//! sum pays it, and anything above the sum is surplus that goes back to the payer.
//! A partly paid request holds the citizen's money, so it never expires: only its code for
//! the rest runs out (the officer issues a fresh one); cancelling it sends the money back.

use crate::text::Text;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentState {
    Draft,
    QrIssued,
    /// Some money arrived, less than the amount: waiting for the rest.
    PartiallyPaid,
    Paid,
    ReceiptIssued,
    Expired,
    Cancelled,
}

/// What one transfer did to a request ([`PaymentState::credit`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credited {
    pub next: PaymentState,
    /// Everything received for the request so far, this transfer included.
    pub received: i64,
    /// What is still due (0 once paid).
    pub missing: i64,
    /// Received above the amount due: not revenue, it goes back to the payer.
    pub surplus: i64,
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
    /// A bank transfer for less than what is still due.
    ReceivePart,
    /// A fresh code for the rest of a partly paid request (its code ran out).
    RenewCode,
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
    pub const ALL: [PaymentState; 7] = [
        PaymentState::Draft,
        PaymentState::QrIssued,
        PaymentState::PartiallyPaid,
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
            (S::QrIssued | S::PartiallyPaid, E::ReceivePart) => S::PartiallyPaid,
            (S::PartiallyPaid, E::RenewCode) => S::PartiallyPaid,
            // Only the bank completes a sum the bank began: the desk fallbacks book whole amounts.
            (S::PartiallyPaid, E::Pay(PaymentMethod::QrTransfer)) => S::Paid,
            // Assisted or cash payment may be recorded before any code is shown.
            (S::Draft, E::Pay(PaymentMethod::Assisted | PaymentMethod::Cash)) => S::Paid,
            (S::Paid, E::IssueReceipt) => S::ReceiptIssued,
            (S::QrIssued, E::Expire) => S::Expired,
            (S::Draft | S::QrIssued | S::PartiallyPaid, E::Cancel) => S::Cancelled,
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

    /// The whole amount has been received for this request.
    pub fn is_settled(self) -> bool {
        matches!(self, PaymentState::Paid | PaymentState::ReceiptIssued)
    }

    /// A bank transfer naming this request's code can be booked to it now.
    pub fn takes_transfers(self) -> bool {
        matches!(self, PaymentState::QrIssued | PaymentState::PartiallyPaid)
    }

    /// The code on screen may be paid: a request that takes transfers, its code's time not
    /// up. A partly paid request's code for the rest runs out without the request changing
    /// state (it still holds the money); the screens then show no code.
    pub fn code_payable(self, code_expired: bool) -> bool {
        self.takes_transfers() && !code_expired
    }

    /// A bank transfer of `amount` arrives for a request of `due` that already received
    /// `received_before`: the state it moves to and the sums the screens show. Amounts are
    /// whole đồng; a transfer of nothing or less is refused like any impossible event.
    pub fn credit(self, due: i64, received_before: i64, amount: i64) -> Result<Credited, TransitionError> {
        let received = received_before.checked_add(amount).filter(|_| amount > 0 && received_before >= 0);
        let Some(received) = received else {
            return Err(TransitionError { from: self, event: PaymentEvent::ReceivePart });
        };
        let event = if received < due { PaymentEvent::ReceivePart } else { PaymentEvent::Pay(PaymentMethod::QrTransfer) };
        let next = self.apply(event)?;
        Ok(Credited { next, received, missing: (due - received).max(0), surplus: (received - due).max(0) })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PaymentState::Draft => "draft",
            PaymentState::QrIssued => "qr_issued",
            PaymentState::PartiallyPaid => "partially_paid",
            PaymentState::Paid => "paid",
            PaymentState::ReceiptIssued => "receipt_issued",
            PaymentState::Expired => "expired",
            PaymentState::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<PaymentState> {
        PaymentState::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// How people read it, in both languages.
    pub fn label(self) -> Text {
        match self {
            PaymentState::Draft => Text::new("Chờ tạo QR", "Awaiting QR"),
            PaymentState::QrIssued => Text::new("Đã tạo QR, chờ thanh toán", "QR issued, awaiting payment"),
            PaymentState::PartiallyPaid => Text::new("Đã nhận một phần, chờ phần còn thiếu", "Partly paid, awaiting the rest"),
            PaymentState::Paid => Text::new("Đã thanh toán", "Paid"),
            PaymentState::ReceiptIssued => Text::new("Đã cấp biên lai", "Receipt issued"),
            PaymentState::Expired => Text::new("Mã QR hết hạn", "QR expired"),
            PaymentState::Cancelled => Text::new("Đã huỷ", "Cancelled"),
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
    pub fn label(self) -> Text {
        match self {
            PaymentMethod::QrTransfer => Text::new("Chuyển khoản QR", "QR bank transfer"),
            PaymentMethod::Assisted => Text::new("Chuyển khoản có hỗ trợ", "Assisted transfer"),
            PaymentMethod::Cash => Text::new("Tiền mặt", "Cash"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use PaymentEvent as E;
    use PaymentState as S;

    const EVENTS: [PaymentEvent; 9] = [
        // AcceptLate is tested on its own below.
        E::Issue,
        E::ReceivePart,
        E::RenewCode,
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

    #[test]
    fn two_transfers_below_the_amount_add_up_to_paid() {
        let first = S::QrIssued.credit(50_000, 0, 30_000).expect("first part");
        assert_eq!(first, Credited { next: S::PartiallyPaid, received: 30_000, missing: 20_000, surplus: 0 });
        let second = first.next.credit(50_000, first.received, 20_000).expect("the rest");
        assert_eq!(second, Credited { next: S::Paid, received: 50_000, missing: 0, surplus: 0 });
    }

    #[test]
    fn three_parts_stay_partly_paid_until_the_sum_is_reached() {
        let a = S::QrIssued.credit(100_000, 0, 10_000).expect("a");
        let b = a.next.credit(100_000, a.received, 10_000).expect("b");
        assert_eq!((b.next, b.missing), (S::PartiallyPaid, 80_000));
        let c = b.next.credit(100_000, b.received, 80_000).expect("c");
        assert_eq!((c.next, c.received, c.surplus), (S::Paid, 100_000, 0));
    }

    #[test]
    fn an_overpayment_pays_and_reports_the_surplus() {
        let one = S::QrIssued.credit(50_000, 0, 70_000).expect("overpaid at once");
        assert_eq!(one, Credited { next: S::Paid, received: 70_000, missing: 0, surplus: 20_000 });
        let rest = S::PartiallyPaid.credit(50_000, 30_000, 25_000).expect("rest overpaid");
        assert_eq!((rest.next, rest.surplus), (S::Paid, 5_000));
    }

    #[test]
    fn no_transfer_is_credited_outside_a_payable_code_or_for_nothing() {
        for s in [S::Draft, S::Paid, S::ReceiptIssued, S::Expired, S::Cancelled] {
            assert!(s.credit(50_000, 0, 10_000).is_err(), "{s:?} takes no part");
            assert!(s.credit(50_000, 0, 50_000).is_err(), "{s:?} takes no payment from the bank");
        }
        assert!(S::QrIssued.credit(50_000, 0, 0).is_err());
        assert!(S::QrIssued.credit(50_000, 0, -5).is_err());
        assert!(S::PartiallyPaid.credit(50_000, i64::MAX, 1).is_err(), "overflow is refused, not wrapped");
    }

    #[test]
    fn a_partly_paid_request_never_expires_and_takes_no_desk_payment() {
        assert!(S::PartiallyPaid.apply(E::Expire).is_err(), "it holds the citizen's money");
        assert!(S::PartiallyPaid.apply(E::Pay(PaymentMethod::Cash)).is_err());
        assert!(S::PartiallyPaid.apply(E::Pay(PaymentMethod::Assisted)).is_err());
        assert_eq!(S::PartiallyPaid.apply(E::Cancel), Ok(S::Cancelled));
        assert_eq!(S::PartiallyPaid.apply(E::RenewCode), Ok(S::PartiallyPaid));
        assert!(S::QrIssued.apply(E::RenewCode).is_err(), "a whole code is re-issued as a new request");
        assert!(!S::PartiallyPaid.is_settled() && !S::PartiallyPaid.is_final() && S::PartiallyPaid.takes_transfers());
        assert!(S::PartiallyPaid.code_payable(false) && !S::PartiallyPaid.code_payable(true), "its code for the rest runs out");
        assert!(S::QrIssued.code_payable(false) && !S::Paid.code_payable(false) && !S::Expired.code_payable(false));
    }

    proptest::proptest! {
        /// However a sum is split into transfers, the request is paid exactly when the parts
        /// reach the amount, and received = due − missing + surplus at every step.
        #[test]
        fn any_split_is_paid_exactly_when_the_sum_is_reached(
            due in 1i64..10_000_000,
            parts in proptest::collection::vec(1i64..5_000_000, 1..8),
        ) {
            let mut state = S::QrIssued;
            let mut received = 0i64;
            for part in parts {
                if !state.takes_transfers() {
                    break;
                }
                let c = state.credit(due, received, part).expect("payable");
                proptest::prop_assert_eq!(c.received, received + part);
                proptest::prop_assert_eq!(c.received, due - c.missing + c.surplus);
                proptest::prop_assert_eq!(c.next == S::Paid, c.received >= due);
                proptest::prop_assert!(c.missing == 0 || c.surplus == 0);
                state = c.next;
                received = c.received;
            }
        }
    }
}
