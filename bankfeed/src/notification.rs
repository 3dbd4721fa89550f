//! The provider-neutral result of an accepted notification.

use std::fmt;

use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use crate::code::PaymentCode;
use crate::matching::find_codes;

/// Which bank-notification service sent the notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    Sepay,
    Casso,
    Payos,
}

impl Provider {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sepay => "sepay",
            Self::Casso => "casso",
            Self::Payos => "payos",
        }
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Money into or out of the receiving account; only `In` can pay a dossier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    In,
    Out,
}

/// One bank transaction as reported by a provider, after authentication.
///
/// Optional texts are `None` rather than `""` when the provider gave nothing useful, so the
/// server never stores empty strings as if they were data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    pub provider: Provider,
    /// Idempotency key within the provider: SePay `id`, Casso `data.id`,
    /// payOS `data.reference` + `:` + `data.orderCode`.
    pub provider_txn_id: String,
    /// Bank-side reference (SePay `referenceCode`, Casso/payOS `reference`).
    pub bank_reference: Option<String>,
    /// Always positive; the sign lives in `direction`.
    pub amount_vnd: i64,
    pub direction: Direction,
    /// Receiving account number.
    pub account_number: String,
    /// Virtual / sub-account the money went to, when the provider gives one.
    pub virtual_account: Option<String>,
    /// Receiving bank as the provider names it (SePay `gateway`, Casso `bankName`).
    pub bank_name: Option<String>,
    /// The transfer purpose: where the payment code should be.
    pub content: String,
    /// SePay's full raw bank notification text, which sometimes keeps what `content` lost.
    pub description: Option<String>,
    /// Bank time exactly as given (`YYYY-MM-DD HH:MM:SS`, Vietnam local time).
    pub bank_time_local: Option<String>,
    /// `bank_time_local` read as UTC+7; `None` when absent or not in the documented form.
    pub bank_time_utc: Option<DateTime<Utc>>,
    pub payer_name: Option<String>,
    pub payer_account: Option<String>,
    /// Payer bank BIN (NAPAS id, e.g. `970436`).
    pub payer_bank_bin: Option<String>,
    pub payer_bank_name: Option<String>,
    /// payOS `data.orderCode`: WardPay's own order number for the payment link.
    pub order_code: Option<i64>,
    /// The provider's dashboard test call: record it, book nothing.
    pub is_test: bool,
    /// The payment code SePay itself recognised in the content (SePay `code`).
    pub provider_code: Option<String>,
}

impl Notification {
    /// Payment codes found in `content`, then SePay's `code`, then `description`, deduplicated:
    /// the first one that is an issued code is the one to book against.
    pub fn payment_codes(&self) -> Vec<PaymentCode> {
        let mut codes = find_codes(&self.content);
        for extra in [&self.provider_code, &self.description].into_iter().flatten() {
            for code in find_codes(extra) {
                if !codes.contains(&code) {
                    codes.push(code);
                }
            }
        }
        codes
    }
}

/// Vietnam has kept UTC+7 without daylight saving since 1975, so a fixed offset is exact for
/// every date a bank can report and needs no time-zone database; it also makes the local →
/// UTC conversion unambiguous (no skipped or repeated hours).
pub const VIETNAM_OFFSET: FixedOffset = match FixedOffset::east_opt(7 * 3600) {
    Some(offset) => offset,
    // Evaluated at compile time: 7 h is within the ±24 h the constructor accepts.
    None => panic!("UTC+7 is a valid offset"),
};

/// Reads a provider's `YYYY-MM-DD HH:MM:SS` Vietnam-local bank time as UTC.
pub fn parse_vietnam_local(s: &str) -> Option<DateTime<Utc>> {
    let naive = NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%d %H:%M:%S").ok()?;
    VIETNAM_OFFSET.from_local_datetime(&naive).single().map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vietnam_time_is_utc_plus_seven() {
        let t = parse_vietnam_local("2026-03-02 08:31:05").expect("valid");
        assert_eq!(t.to_rfc3339(), "2026-03-02T01:31:05+00:00");
        let t = parse_vietnam_local("2026-01-01 03:00:00").expect("valid");
        assert_eq!(t.to_rfc3339(), "2025-12-31T20:00:00+00:00");
        assert!(parse_vietnam_local("02/03/2026 08:31").is_none());
        assert!(parse_vietnam_local("").is_none());
    }
}
