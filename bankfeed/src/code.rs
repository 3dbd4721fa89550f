//! WardPay payment codes: `WP` + 8 Crockford base-32 data symbols + 1 check symbol.
//!
//! # Check symbol
//!
//! A weighted sum mod 32 cannot catch every adjacent transposition: single-error detection needs
//! odd weights, and the difference of two odd weights is even, so some swaps (e.g. symbols 0 and
//! 16) cancel out. The check here is Damm's scheme instead, over the quasigroup
//! `x ∘ y = 2·x ⊕ y` in GF(32) (= GF(2)\[t\] / (t⁵ + t² + 1), symbols as 5-bit vectors):
//!
//! * `y ↦ x ∘ y` and `x ↦ x ∘ y` are bijections (2 is invertible), so the operation table is a
//!   Latin square: changing any one symbol changes the running value at that step and every
//!   later step keeps it different — **every single substitution is detected**.
//! * `(c ∘ x) ∘ y = 4c ⊕ 2x ⊕ y` and `(c ∘ y) ∘ x = 4c ⊕ 2y ⊕ x` are equal only when
//!   `3·(x ⊕ y) = 0`, i.e. `x = y` (3 ≠ 0 and GF(32) has no zero divisors): the quasigroup is
//!   totally anti-symmetric — **every adjacent transposition is detected**, including one that
//!   swaps the last data symbol with the check symbol.
//!
//! The check symbol is the one that brings the running value over all nine symbols to 0. The
//! tests verify both table properties exhaustively and then brute-force every substitution and
//! transposition on sample codes.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Crockford's base-32 alphabet: digits and letters without I, L, O, U.
pub const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Every code starts with these two letters; they make the code findable in free text.
pub const PREFIX: &str = "WP";

/// Number of data symbols after the prefix.
pub const DATA_LEN: usize = 8;

/// Total length of a code: prefix + data + check.
pub const CODE_LEN: usize = PREFIX.len() + DATA_LEN + 1;

/// Largest value `PaymentCode::from_data` accepts (8 symbols × 5 bits).
pub const MAX_DATA: u64 = (1 << (5 * DATA_LEN)) - 1;

/// Multiplication by `t` in GF(32) with the primitive polynomial t⁵ + t² + 1.
const fn gf32_double(x: u8) -> u8 {
    let y = x << 1;
    if y & 0x20 != 0 {
        (y ^ 0x25) & 0x1f
    } else {
        y
    }
}

/// Damm operation table `x ∘ y = 2x ⊕ y`; a table keeps the property tests about exactly what runs.
pub(crate) const DAMM: [[u8; 32]; 32] = {
    let mut t = [[0u8; 32]; 32];
    let mut x = 0;
    while x < 32 {
        let mut y = 0;
        while y < 32 {
            t[x][y] = gf32_double(x as u8) ^ y as u8;
            y += 1;
        }
        x += 1;
    }
    t
};

/// Running Damm value over symbol values (0..32).
pub(crate) fn damm_fold(values: &[u8]) -> u8 {
    values.iter().fold(0u8, |acc, &v| DAMM[usize::from(acc)][usize::from(v & 0x1f)])
}

/// The check value that makes the fold over data + check equal 0: 2·r ⊕ c = 0 ⇔ c = 2·r.
pub(crate) fn check_value(data: &[u8]) -> u8 {
    gf32_double(damm_fold(data))
}

/// The 8 five-bit symbol values of a 40-bit number, most significant first.
fn split(data: u64) -> [u8; DATA_LEN] {
    let mut values = [0u8; DATA_LEN];
    for (i, v) in values.iter_mut().enumerate() {
        *v = ((data >> (5 * (DATA_LEN - 1 - i))) & 0x1f) as u8;
    }
    values
}

/// Value of a Crockford symbol, accepting lowercase and the confusables O→0, I/L→1.
pub(crate) fn symbol_value(c: u8) -> Option<u8> {
    let c = match c.to_ascii_uppercase() {
        b'O' => b'0',
        b'I' | b'L' => b'1',
        other => other,
    };
    ALPHABET.iter().position(|&a| a == c).map(|p| p as u8)
}

/// Why a string is not a payment code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeParseError {
    #[error("payment code must be {CODE_LEN} characters, got {0}")]
    WrongLength(usize),
    #[error("payment code must start with {PREFIX}")]
    MissingPrefix,
    #[error("payment code character {ch:?} at position {position} is not Crockford base-32")]
    InvalidChar { position: usize, ch: char },
    #[error("payment code check character does not match (typo?)")]
    BadCheck,
}

/// A validated payment code, always held in canonical form (uppercase, no confusables).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PaymentCode([u8; CODE_LEN]);

impl PaymentCode {
    /// Builds the code for a 40-bit value; `None` when `data > MAX_DATA`.
    pub fn from_data(data: u64) -> Option<Self> {
        if data > MAX_DATA {
            return None;
        }
        Some(Self::from_values(&split(data)))
    }

    /// A fresh random code; the caller still has to check uniqueness against stored codes.
    pub fn generate<R: rand::Rng + ?Sized>(rng: &mut R) -> Self {
        Self::from_values(&split(rng.random_range(0..=MAX_DATA)))
    }

    fn from_values(values: &[u8; DATA_LEN]) -> Self {
        let mut out = [0u8; CODE_LEN];
        out[..2].copy_from_slice(PREFIX.as_bytes());
        for (slot, &v) in out[2..2 + DATA_LEN].iter_mut().zip(values) {
            *slot = ALPHABET[usize::from(v)];
        }
        out[CODE_LEN - 1] = ALPHABET[usize::from(check_value(values))];
        Self(out)
    }

    /// Builds a code from 9 symbol values (data + check) if the check holds.
    pub(crate) fn from_checked_values(values: &[u8; DATA_LEN + 1]) -> Option<Self> {
        if damm_fold(values) != 0 {
            return None;
        }
        let mut data = [0u8; DATA_LEN];
        data.copy_from_slice(&values[..DATA_LEN]);
        Some(Self::from_values(&data))
    }

    /// The 40-bit value the code carries.
    pub fn data(&self) -> u64 {
        self.0[2..2 + DATA_LEN].iter().fold(0u64, |acc, &c| (acc << 5) | u64::from(symbol_value(c).unwrap_or(0)))
    }

    /// Canonical text, e.g. `WP7K3M9QXZ4` + check.
    pub fn as_str(&self) -> &str {
        // Only ALPHABET bytes and "WP" are ever stored.
        std::str::from_utf8(&self.0).expect("payment code bytes are ASCII")
    }

    /// The check character (last character).
    pub fn check_char(&self) -> char {
        char::from(self.0[CODE_LEN - 1])
    }
}

impl FromStr for PaymentCode {
    type Err = CodeParseError;

    /// Strict form for typed input: exactly 11 characters, surrounding whitespace ignored,
    /// any case, O/I/L read as 0/1. Free text goes through `matching::find_codes` instead.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let chars: Vec<char> = s.chars().collect();
        if chars.len() != CODE_LEN {
            return Err(CodeParseError::WrongLength(chars.len()));
        }
        if !chars[0].eq_ignore_ascii_case(&'W') || !chars[1].eq_ignore_ascii_case(&'P') {
            return Err(CodeParseError::MissingPrefix);
        }
        let mut values = [0u8; DATA_LEN + 1];
        for (i, v) in values.iter_mut().enumerate() {
            let ch = chars[i + 2];
            *v = u8::try_from(ch).ok().and_then(symbol_value).ok_or(CodeParseError::InvalidChar { position: i + 2, ch })?;
        }
        Self::from_checked_values(&values).ok_or(CodeParseError::BadCheck)
    }
}

impl TryFrom<&str> for PaymentCode {
    type Error = CodeParseError;
    fn try_from(s: &str) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl fmt::Display for PaymentCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for PaymentCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PaymentCode({})", self.as_str())
    }
}

impl AsRef<str> for PaymentCode {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl Serialize for PaymentCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for PaymentCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_a_latin_square() {
        for x in 0..32 {
            let mut row = [false; 32];
            let mut col = [false; 32];
            for y in 0..32 {
                row[usize::from(DAMM[x][y])] = true;
                col[usize::from(DAMM[y][x])] = true;
            }
            assert!(row.iter().all(|&b| b), "row {x} is not a permutation");
            assert!(col.iter().all(|&b| b), "column {x} is not a permutation");
        }
    }

    #[test]
    fn table_is_totally_anti_symmetric() {
        for c in 0..32usize {
            for x in 0..32usize {
                for y in 0..32usize {
                    if x != y {
                        let a = DAMM[usize::from(DAMM[c][x])][y];
                        let b = DAMM[usize::from(DAMM[c][y])][x];
                        assert_ne!(a, b, "c={c} x={x} y={y}");
                    }
                }
            }
        }
    }

    fn sample_codes() -> Vec<PaymentCode> {
        use rand::{rngs::SmallRng, SeedableRng};
        let mut rng = SmallRng::seed_from_u64(0x5750_2026);
        let mut v: Vec<PaymentCode> = (0..40).map(|_| PaymentCode::generate(&mut rng)).collect();
        v.push(PaymentCode::from_data(0).expect("in range"));
        v.push(PaymentCode::from_data(MAX_DATA).expect("in range"));
        v
    }

    #[test]
    fn every_single_substitution_is_detected() {
        for code in sample_codes() {
            let bytes = code.as_str().as_bytes().to_vec();
            for pos in 2..CODE_LEN {
                for &sym in ALPHABET {
                    if sym == bytes[pos] {
                        continue;
                    }
                    let mut m = bytes.clone();
                    m[pos] = sym;
                    assert_rejected(&m);
                }
            }
        }
    }

    fn assert_rejected(bytes: &[u8]) {
        let s = std::str::from_utf8(bytes).expect("ascii");
        assert_eq!(s.parse::<PaymentCode>(), Err(CodeParseError::BadCheck), "{s}");
    }

    #[test]
    fn every_adjacent_transposition_is_detected() {
        // Every pair of data symbols at every data position, on several backgrounds; swaps
        // that touch the check symbol come from the last pair of each built code.
        let mut bases: Vec<[u8; DATA_LEN]> = sample_codes().iter().map(|c| split(c.data())).collect();
        bases.truncate(6);
        bases.push([0; DATA_LEN]);
        for base in bases {
            for i in 0..DATA_LEN - 1 {
                for a in 0..32u8 {
                    for b in 0..32u8 {
                        let mut values = base;
                        values[i] = a;
                        values[i + 1] = b;
                        let code = PaymentCode::from_values(&values);
                        let bytes = code.as_str().as_bytes();
                        for pos in [2 + i, CODE_LEN - 2] {
                            if bytes[pos] != bytes[pos + 1] {
                                let mut t = bytes.to_vec();
                                t.swap(pos, pos + 1);
                                assert_rejected(&t);
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn data_round_trips() {
        for d in [0, 1, 31, 32, 0x12_3456_789a, MAX_DATA] {
            let c = PaymentCode::from_data(d).expect("in range");
            assert_eq!(c.data(), d);
            assert_eq!(c.as_str().len(), CODE_LEN);
            assert_eq!(c.as_str().parse::<PaymentCode>(), Ok(c));
        }
        assert!(PaymentCode::from_data(MAX_DATA + 1).is_none());
        assert_eq!(PaymentCode::from_data(0).expect("in range").as_str(), "WP000000000");
    }

    #[test]
    fn parse_is_lenient_on_case_and_confusables_only() {
        let c = PaymentCode::from_data(0x01_0000_0000 | 0x21).expect("in range");
        let lower = c.as_str().to_ascii_lowercase();
        assert_eq!(lower.parse::<PaymentCode>(), Ok(c));
        let confused = c.as_str()[..2].to_string() + &c.as_str()[2..].replace('0', "O").replace('1', "l");
        assert_eq!(confused.parse::<PaymentCode>(), Ok(c));
        assert_eq!(format!(" {c}\n").parse::<PaymentCode>(), Ok(c));
        assert_eq!("WP1234".parse::<PaymentCode>(), Err(CodeParseError::WrongLength(6)));
        assert_eq!("XP000000000".parse::<PaymentCode>(), Err(CodeParseError::MissingPrefix));
        assert!(matches!("WP00000U000".parse::<PaymentCode>(), Err(CodeParseError::InvalidChar { position: 7, ch: 'U' })));
        assert!(matches!("WP0000ư0000".parse::<PaymentCode>(), Err(CodeParseError::InvalidChar { position: 6, .. })));
    }

    #[test]
    fn serde_is_the_canonical_string() {
        let c = PaymentCode::from_data(123_456_789).expect("in range");
        let j = serde_json::to_string(&c).expect("serialize");
        assert_eq!(j, format!("\"{c}\""));
        let back: PaymentCode = serde_json::from_str(&j).expect("deserialize");
        assert_eq!(back, c);
        assert!(serde_json::from_str::<PaymentCode>("\"WP000000001\"").is_err());
    }

    #[test]
    fn generate_uses_the_rng() {
        use rand::{rngs::SmallRng, SeedableRng};
        let mut a = SmallRng::seed_from_u64(7);
        let mut b = SmallRng::seed_from_u64(7);
        assert_eq!(PaymentCode::generate(&mut a), PaymentCode::generate(&mut b));
        let mut rng = rand::rng();
        let x = PaymentCode::generate(&mut rng);
        assert!(x.data() <= MAX_DATA);
        assert_eq!(x.as_str().parse::<PaymentCode>(), Ok(x));
    }
}
