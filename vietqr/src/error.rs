//! Every way encoding or decoding can fail, one variant each.

use crate::model::{Scope, TagPath};

/// Why a string is not a valid VietQR NAPAS247 transfer payload.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    #[error("payload does not end with a CRC object (\"6304\" and 4 hex digits)")]
    MissingCrc,
    #[error("CRC {found:?} is not 4 hexadecimal digits")]
    InvalidCrcDigits { found: String },
    /// `expected` is computed from the payload, `found` is what the payload says.
    #[error("CRC mismatch: expected {expected}, found {found}")]
    CrcMismatch { expected: String, found: String },
    #[error("{scope}: identifier {found:?} at character {position} is not two digits")]
    InvalidId { scope: Scope, position: usize, found: String },
    #[error("tag {tag}: length {found:?} is not two digits")]
    InvalidLength { tag: TagPath, found: String },
    #[error("tag {tag}: length 00 is not allowed")]
    ZeroLength { tag: TagPath },
    #[error("tag {tag}: length {length} runs past the end of {scope}")]
    Overrun { tag: TagPath, length: usize, scope: Scope },
    #[error("{scope}: trailing characters {found:?} do not form a data object")]
    TrailingData { scope: Scope, found: String },
    #[error("tag {tag} appears more than once")]
    DuplicateTag { tag: TagPath },
    #[error("tag 00 (payload format indicator) must be the first object, found tag {found}")]
    FormatIndicatorNotFirst { found: TagPath },
    #[error("tag 63 (CRC) must be the last object")]
    CrcNotLast,
    #[error("tag 63: the CRC must be 4 characters long, found length {length}")]
    CrcLength { length: usize },
    #[error("tag {tag} ({name}) is missing")]
    MissingField { tag: TagPath, name: &'static str },
    #[error("tag 00: payload format indicator must be \"01\", found {found:?}")]
    InvalidFormatIndicator { found: String },
    #[error("tag 01: point of initiation must be \"11\" or \"12\", found {found:?}")]
    InvalidInitiation { found: String },
    #[error("tag 38/00: GUID must be the NAPAS AID \"A000000727\", found {found:?}")]
    InvalidGuid { found: String },
    /// A NAPAS service other than a NAPAS247 transfer (e.g. `QRPUSH` merchant payment, `QRCASH`
    /// ATM withdrawal): a well-formed code this crate does not handle, not a malformed one.
    #[error("tag 38/02: service {code:?} is not supported (only QRIBFTTA and QRIBFTTC transfers are)")]
    UnsupportedService { code: String },
    #[error("tag 38/01/00: acquirer BIN must be 6 characters, found {found:?}")]
    InvalidBin { found: String },
    #[error("tag {tag}: {length} characters is longer than the maximum of {max}")]
    FieldTooLong { tag: TagPath, length: usize, max: usize },
    #[error("tag 53: currency must be 704 (VND), found {found:?}")]
    InvalidCurrency { found: String },
    #[error("tag 58: country code must be \"VN\", found {found:?}")]
    InvalidCountry { found: String },
    #[error("tag 54: amount {found:?} is not a number (digits, optionally ending in '.')")]
    AmountNotNumeric { found: String },
    #[error("tag 54: amount {found:?} has decimal digits, which VND (704) does not allow")]
    AmountHasDecimals { found: String },
    #[error("tag 54: amount {found:?} is zero")]
    AmountZero { found: String },
}

/// Why a [`crate::VietQr`] cannot be encoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    #[error("BIN {bin:?} is not in the NAPAS bank directory")]
    UnknownBin { bin: String },
    #[error("BIN {bin:?} must be 6 characters")]
    InvalidBin { bin: String },
    #[error("account number {account:?} must be 1 to 19 ASCII letters or digits")]
    InvalidAccount { account: String },
    #[error("card number {card:?} must be 16 to 19 digits")]
    InvalidCardNumber { card: String },
    #[error("amount must not be zero (leave it out to let the payer type it)")]
    AmountZero,
    #[error("amount {amount} VND does not fit in 13 digits")]
    AmountTooLarge { amount: u64 },
    #[error("tag 54: amount text {text:?} is not a valid VND amount")]
    InvalidAmountText { text: String },
    #[error("purpose {purpose:?} is {length} characters after normalisation, over the maximum of {max}; shorten it or ask for truncation")]
    PurposeTooLong { purpose: String, length: usize, max: usize },
    #[error("purpose {original:?} has no letters or digits left after normalisation")]
    EmptyPurpose { original: String },
    #[error("tag {tag}: value must not be empty")]
    EmptyField { tag: TagPath },
    #[error("tag {tag}: {length} characters is longer than the maximum of {max}")]
    FieldTooLong { tag: TagPath, length: usize, max: usize },
    #[error("tag {tag}: value {value:?} must be printable ASCII")]
    NotAscii { tag: TagPath, value: String },
    #[error("preserved field id {id} is not a two-digit ID")]
    InvalidTagId { id: u8 },
    #[error("tag {tag} is written from a typed field and cannot also be a preserved field")]
    ReservedTag { tag: TagPath },
    #[error("tag {tag} appears more than once among the preserved fields")]
    DuplicateTag { tag: TagPath },
    #[error("tag {tag}: template content is {length} characters, over the maximum of 99")]
    TemplateTooLong { tag: TagPath, length: usize },
}
