//! The TLV walk shared by every template, and value rules shared by encoder and decoder.

use crate::error::DecodeError;
use crate::model::{Scope, TagPath};

/// NAPAS AID in 38/00.
pub const NAPAS_GUID: &str = "A000000727";
pub const CURRENCY_VND: &str = "704";
pub const COUNTRY_VN: &str = "VN";
pub const ACCOUNT_MAX_CHARS: usize = 19;
pub const SERVICE_MAX_CHARS: usize = 10;
pub const AMOUNT_MAX_CHARS: usize = 13;
/// The largest amount that fits in 13 digits.
pub const AMOUNT_MAX: u64 = 9_999_999_999_999;

/// Maximum length of a 62 sub-field the spec defines (EMVCo merchant-presented mode, tag 62); others are bounded only by
/// the template.
pub fn additional_max_chars(id: u8) -> Option<usize> {
    match id {
        1..=8 => Some(25),
        9 => Some(3),
        _ => None,
    }
}

pub fn char_len(s: &str) -> usize {
    if s.is_ascii() {
        s.len()
    } else {
        s.chars().count()
    }
}

/// Why a tag-54 value is not a VND amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AmountIssue {
    TooLong(usize),
    NotNumeric,
    HasDecimals,
    Zero,
}

/// §5: digits with an optional `.`; no decimal digits because VND's ISO 4217 exponent is 0;
/// non-zero; at most 13 characters. Leading zeros are accepted because the spec does not forbid
/// them.
pub fn parse_amount(text: &str) -> Result<u64, AmountIssue> {
    let length = char_len(text);
    if length > AMOUNT_MAX_CHARS {
        return Err(AmountIssue::TooLong(length));
    }
    let (whole, decimals) = match text.split_once('.') {
        Some((whole, decimals)) => (whole, decimals),
        None => (text, ""),
    };
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !digits(whole) || !digits(decimals) {
        return Err(AmountIssue::NotNumeric);
    }
    if !decimals.is_empty() {
        return Err(AmountIssue::HasDecimals);
    }
    // At most 13 digits, so this cannot overflow; the fold avoids a second validation pass.
    let value = whole.bytes().fold(0u64, |acc, b| acc * 10 + u64::from(b - b'0'));
    if value == 0 {
        return Err(AmountIssue::Zero);
    }
    Ok(value)
}

/// One data object: its ID and the value slice.
pub struct Object<'a> {
    pub id: u8,
    pub value: &'a str,
}

/// Strict walk over a TLV sequence: numeric ID and LEN, LEN ≥ 1, no object past the end, no
/// trailing characters. LEN counts characters, so non-ASCII values are measured in chars.
pub struct Walker<'a> {
    text: &'a str,
    pos: usize,
    ascii: bool,
    scope: TagPath,
}

impl<'a> Walker<'a> {
    pub fn new(text: &'a str, scope: TagPath) -> Self {
        Walker { text, pos: 0, ascii: text.is_ascii(), scope }
    }

    pub fn at_end(&self) -> bool {
        self.pos >= self.text.len()
    }

    /// Up to `n` characters from byte `start` (a char boundary), for error messages.
    fn snippet(&self, start: usize, n: usize) -> String {
        self.text.get(start..).unwrap_or_default().chars().take(n).collect()
    }

    fn fail(&mut self, error: WalkError) -> Option<Result<Object<'a>, WalkError>> {
        self.pos = self.text.len();
        Some(Err(error))
    }

    /// The full error for a failure of this walk. Kept apart from `next` so the hot loop moves
    /// a few bytes per object instead of a `DecodeError` with its strings.
    pub fn describe(&self, error: WalkError) -> DecodeError {
        let scope = Scope(self.scope);
        match error {
            WalkError::Trailing { start } => DecodeError::TrailingData { scope, found: self.snippet(start, 4) },
            WalkError::Id { start } => {
                DecodeError::InvalidId { scope, position: self.text.get(..start).map_or(0, char_len), found: self.snippet(start, 2) }
            }
            WalkError::Length { start, id } => DecodeError::InvalidLength { tag: self.scope.child(id), found: self.snippet(start + 2, 2) },
            WalkError::Zero { id } => DecodeError::ZeroLength { tag: self.scope.child(id) },
            WalkError::Overrun { id, length } => DecodeError::Overrun { tag: self.scope.child(id), length: usize::from(length), scope },
        }
    }

    /// Byte offset just after `count` characters starting at byte `start`, if they fit.
    fn advance_chars(&self, start: usize, count: usize) -> Option<usize> {
        if self.ascii {
            let end = start + count;
            return (end <= self.text.len()).then_some(end);
        }
        let rest = self.text.get(start..)?;
        let mut seen = 0;
        for (offset, _) in rest.char_indices() {
            if seen == count {
                return Some(start + offset);
            }
            seen += 1;
        }
        (seen == count).then_some(self.text.len())
    }
}

fn two_digits(bytes: &[u8]) -> Option<u8> {
    match bytes {
        [a, b] if a.is_ascii_digit() && b.is_ascii_digit() => Some((a - b'0') * 10 + (b - b'0')),
        _ => None,
    }
}

/// A failed step of the walk, turned into a [`DecodeError`] by [`Walker::describe`].
#[derive(Clone, Copy, Debug)]
pub enum WalkError {
    Trailing { start: usize },
    Id { start: usize },
    Length { start: usize, id: u8 },
    Zero { id: u8 },
    Overrun { id: u8, length: u8 },
}

impl<'a> Iterator for Walker<'a> {
    type Item = Result<Object<'a>, WalkError>;

    fn next(&mut self) -> Option<Self::Item> {
        let bytes = self.text.as_bytes();
        let start = self.pos;
        if start >= bytes.len() {
            return None;
        }
        // ID and LEN are ASCII digits, so byte positions are character positions here.
        if bytes.len() - start < 4 {
            return self.fail(WalkError::Trailing { start });
        }
        let Some(id) = two_digits(&bytes[start..start + 2]) else {
            return self.fail(WalkError::Id { start });
        };
        let Some(length) = two_digits(&bytes[start + 2..start + 4]) else {
            return self.fail(WalkError::Length { start, id });
        };
        if length == 0 {
            return self.fail(WalkError::Zero { id });
        }
        let value_start = start + 4;
        let value = self.advance_chars(value_start, usize::from(length)).and_then(|end| Some((end, self.text.get(value_start..end)?)));
        let Some((end, value)) = value else {
            return self.fail(WalkError::Overrun { id, length });
        };
        self.pos = end;
        Some(Ok(Object { id, value }))
    }
}

/// IDs 0–99 seen so far in one template.
#[derive(Default)]
pub struct Seen(u128);

impl Seen {
    /// False if `id` was already seen.
    pub fn insert(&mut self, id: u8) -> bool {
        let bit = 1u128 << (id % 128);
        let fresh = self.0 & bit == 0;
        self.0 |= bit;
        fresh
    }
}

/// The ID sequence of a template, kept only when it is not ascending.
pub struct OrderTracker {
    ids: [u8; 100],
    len: usize,
    ascending: bool,
}

impl OrderTracker {
    pub fn new() -> Self {
        OrderTracker { ids: [0; 100], len: 0, ascending: true }
    }

    /// Callers reject duplicates first, so at most 100 distinct IDs arrive.
    pub fn push(&mut self, id: u8) {
        if self.len > 0 && self.ids[self.len - 1] > id {
            self.ascending = false;
        }
        if let Some(slot) = self.ids.get_mut(self.len) {
            *slot = id;
            self.len += 1;
        }
    }

    pub fn finish(&self) -> Option<Vec<u8>> {
        (!self.ascending).then(|| self.ids[..self.len].to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts() {
        assert_eq!(parse_amount("180000"), Ok(180000));
        assert_eq!(parse_amount("50000."), Ok(50000));
        assert_eq!(parse_amount("0050000"), Ok(50000));
        assert_eq!(parse_amount("9999999999999"), Ok(AMOUNT_MAX));
        assert_eq!(parse_amount("999999999999."), Ok(999_999_999_999));
        assert_eq!(parse_amount("99999999999999"), Err(AmountIssue::TooLong(14)));
        assert_eq!(parse_amount("50000.00"), Err(AmountIssue::HasDecimals));
        assert_eq!(parse_amount("180000.50"), Err(AmountIssue::HasDecimals));
        assert_eq!(parse_amount("0"), Err(AmountIssue::Zero));
        assert_eq!(parse_amount("000."), Err(AmountIssue::Zero));
        for bad in [".", ".5", "50 000", "50,000", "1.2.3", "-5", "+5", "1e5", "５"] {
            assert_eq!(parse_amount(bad), Err(AmountIssue::NotNumeric), "{bad}");
        }
    }

    #[test]
    fn walker_counts_characters() {
        let text = "0003ấbc0102xy";
        let objects: Vec<_> = Walker::new(text, TagPath::ROOT).map(|o| o.map(|o| (o.id, o.value)).unwrap()).collect();
        assert_eq!(objects, vec![(0, "ấbc"), (1, "xy")]);
    }
}
