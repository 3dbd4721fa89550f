//! HMAC helpers shared by verifiers and signers.

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Sha256, Sha512};
use subtle::ConstantTimeEq;

use crate::error::IntakeError;

/// Configured secrets minus empty ones: an empty HMAC key or API key is something anybody can
/// "know", so it must never authenticate.
pub(crate) fn usable_secrets(secrets: &[String]) -> Result<Vec<&str>, IntakeError> {
    let usable: Vec<&str> = secrets.iter().map(String::as_str).filter(|s| !s.is_empty()).collect();
    if usable.is_empty() {
        Err(IntakeError::NoSecretConfigured)
    } else {
        Ok(usable)
    }
}

/// Decodes a hex signature of `len` bytes; either case is accepted.
pub(crate) fn decode_hex(sig: &str, len: usize) -> Option<Vec<u8>> {
    let bytes = hex::decode(sig.trim()).ok()?;
    (bytes.len() == len).then_some(bytes)
}

fn mac_matches<M: Mac + KeyInit>(key: &str, parts: &[&[u8]], tag: &[u8]) -> bool {
    let Ok(mut mac) = <M as KeyInit>::new_from_slice(key.as_bytes()) else {
        return false;
    };
    for p in parts {
        mac.update(p);
    }
    // `verify_slice` compares in constant time.
    mac.verify_slice(tag).is_ok()
}

pub(crate) fn sha256_matches(key: &str, parts: &[&[u8]], tag: &[u8]) -> bool {
    mac_matches::<Hmac<Sha256>>(key, parts, tag)
}

pub(crate) fn sha512_matches(key: &str, parts: &[&[u8]], tag: &[u8]) -> bool {
    mac_matches::<Hmac<Sha512>>(key, parts, tag)
}

fn mac_hex<M: Mac + KeyInit>(key: &str, parts: &[&[u8]]) -> String {
    match <M as KeyInit>::new_from_slice(key.as_bytes()) {
        Ok(mut mac) => {
            for p in parts {
                mac.update(p);
            }
            hex::encode(mac.finalize().into_bytes())
        }
        // HMAC takes keys of any length; an empty tag can never verify, which is the safe side.
        Err(_) => String::new(),
    }
}

pub(crate) fn sha256_hex(key: &str, parts: &[&[u8]]) -> String {
    mac_hex::<Hmac<Sha256>>(key, parts)
}

pub(crate) fn sha512_hex(key: &str, parts: &[&[u8]]) -> String {
    mac_hex::<Hmac<Sha512>>(key, parts)
}

/// Constant-time equality for API keys (length is not secret).
pub(crate) fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

/// Unix time in milliseconds; times before 1970 come out negative instead of failing.
pub(crate) fn unix_ms(t: std::time::SystemTime) -> i64 {
    match t.duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
        Err(e) => i64::try_from(e.duration().as_millis()).map_or(i64::MIN, |ms| -ms),
    }
}

/// A timestamp made of ASCII digits only (no sign, no spaces inside), as both providers send.
pub(crate) fn parse_timestamp(s: &str) -> Option<i64> {
    let s = s.trim();
    if s.is_empty() || s.len() > 16 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Rejects a signed time more than `MAX_SKEW_MS` from now.
pub(crate) fn check_skew(signed_ms: i64, now_ms: i64) -> Result<(), IntakeError> {
    let skew_ms = signed_ms.saturating_sub(now_ms);
    if skew_ms.saturating_abs() > crate::error::MAX_SKEW_MS {
        Err(IntakeError::StaleTimestamp { skew_ms })
    } else {
        Ok(())
    }
}
