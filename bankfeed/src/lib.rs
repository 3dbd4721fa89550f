//! Bank-transfer notification intake for WardPay.
//!
//! * [`code`]: the `WP…` payment code shown in each dossier's VietQR purpose.
//! * [`matching`]: finding those codes in whatever text the bank passes on.
//! * [`sepay`], [`casso`], [`payos`]: authenticate a webhook request, then parse it into a
//!   provider-neutral [`Notification`]. Size limit first, signature before anything from the
//!   body is used, several secrets accepted for rotation.
//! * [`sign`]: the providers' side, for the bank simulator and tests.
//! * [`statement`]: bank statements (sao kê) as the providers and banks export them.
//! * [`poll`]: the providers' transaction lists, for transfers whose webhook was lost.
//!
//! Pure functions only: the server owns HTTP, storage and deduplication (docs/domain.md §7: store
//! the raw body and headers with the parsed transaction, then answer 2xx).

mod canonical;
pub mod casso;
pub mod code;
mod crypto;
mod error;
mod fields;
mod headers;
pub mod matching;
mod notification;
pub mod payos;
pub mod poll;
pub mod sepay;
pub mod sign;
pub mod statement;

pub use code::{CodeParseError, PaymentCode};
pub use error::{IntakeError, MAX_BODY_BYTES, MAX_SKEW_MS};
pub use headers::HeaderLookup;
pub use matching::find_codes;
pub use notification::{parse_vietnam_local, Direction, Notification, Provider, VIETNAM_OFFSET};

/// Success answer all three providers accept: HTTP 200 with this body (also for duplicates
/// and test calls, so the provider stops retrying).
pub const SUCCESS_BODY: &str = r#"{"success": true}"#;
pub const SUCCESS_STATUS: u16 = 200;

/// Dispatches to the provider's `verify_and_parse`, for servers with one route per provider
/// kept in a table.
pub fn verify_and_parse<H: HeaderLookup + ?Sized>(
    provider: Provider,
    raw_body: &[u8],
    headers: &H,
    secrets: &[String],
    now: std::time::SystemTime,
) -> Result<Notification, IntakeError> {
    match provider {
        Provider::Sepay => sepay::verify_and_parse(raw_body, headers, secrets, now),
        Provider::Casso => casso::verify_and_parse(raw_body, headers, secrets, now),
        Provider::Payos => payos::verify_and_parse(raw_body, headers, secrets, now),
    }
}
