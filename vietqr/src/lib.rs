//! VietQR (NAPAS247 interbank transfer QR) for WardPay.
//!
//! - [`encode`] / [`encode_with`]: [`VietQr`] → payload string (TLV, CRC-16/CCITT-FALSE).
//! - [`decode`]: payload → [`VietQr`], strict, never panics; unknown objects are kept in
//!   [`VietQr::preserved`] so that re-encoding reproduces the input.
//! - [`normalize_purpose`]: the transfer-message rule the encoder applies.
//! - [`banks`]: the embedded NAPAS bank directory.
//! - [`render_svg`] / [`render_png`]: the QR symbol.
//! - [`cli`] (feature `cli`): the `qr` subcommands.
//!
//! ```
//! use vietqr::{decode, encode, Service, VietQr};
//!
//! let qr = VietQr::new("970436", "0123456789", Service::ToAccount)
//!     .with_amount(150_000)
//!     .with_purpose("Phí vệ sinh tháng 7");
//! let payload = encode(&qr)?;
//! let back = decode(&payload)?;
//! assert_eq!(back.purpose.as_deref(), Some("Phi ve sinh thang 7"));
//! assert_eq!(back.amount, Some(150_000));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod banks;
#[cfg(feature = "cli")]
pub mod cli;
mod crc;
mod decode;
mod encode;
mod error;
mod model;
mod purpose;
pub mod render;
mod tlv;

pub use banks::Bank;
pub use crc::crc16;
pub use decode::decode;
pub use encode::{encode, encode_with, EncodeOptions};
pub use error::{DecodeError, EncodeError};
pub use model::{Field, Initiation, Order, Preserved, Scope, Service, TagPath, VietQr, Warning, TRANSFER_CAP_VND};
pub use purpose::{normalize_purpose, truncate_purpose, PURPOSE_MAX_CHARS};
pub use render::{modules, render_png, render_svg, RenderError, SvgOptions};

/// The body of the `decode` fuzz target, shared with the proptests that stand in for it where
/// nightly is missing. Panics only when an invariant breaks. The input is tried as is and with a
/// correct CRC appended, because a fuzzer almost never guesses a CRC and would otherwise not get
/// past the first check.
#[doc(hidden)]
pub fn fuzz_decode(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    check_decode_invariants(text);
    let body = format!("{text}6304");
    let crc = crc16(body.as_bytes());
    check_decode_invariants(&format!("{body}{crc:04X}"));
}

fn check_decode_invariants(text: &str) {
    let Ok(qr) = decode(text) else {
        return;
    };
    let options = EncodeOptions { truncate_purpose: false, allow_unknown_bin: true };
    let Ok(again) = encode_with(&qr, &options) else {
        return;
    };
    let redecoded = match decode(&again) {
        Ok(redecoded) => redecoded,
        Err(e) => panic!("re-encoded payload does not decode: {e}\n{text}\n{again}"),
    };
    let mut expected = qr.clone();
    expected.purpose = qr.purpose.as_deref().map(normalize_purpose);
    assert_eq!(redecoded, expected, "{text}\n{again}");
    if expected.purpose == qr.purpose {
        // Everything but the CRC's letter case is reproduced.
        let (body, crc) = text.split_at(text.len() - 4);
        assert_eq!(again, format!("{body}{}", crc.to_ascii_uppercase()));
    }
}
