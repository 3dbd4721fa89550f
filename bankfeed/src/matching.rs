//! Finding payment codes in bank transfer texts.
//!
//! Banks rewrite the purpose the citizen typed: they uppercase or lowercase it, strip
//! diacritics and punctuation, insert or drop spaces, and glue their own references to it
//! (`MBVCB.3278614.WP….CT tu …`, `IBFT WP…`, `…WP…-ND`), sometimes cutting it off. So the
//! search ignores word boundaries altogether: every `W`,`P` pair in the stream of letters and
//! digits starts a candidate made of the next nine letters/digits, and only the check symbol
//! decides. Separators between those eleven characters are skipped, but no more than
//! [`MAX_GAP`] in a row, so a code is never stitched together from distant words.
//!
//! One check symbol means a random `WP` + 9 symbols passes with probability 1/32; `W` does not
//! occur in Vietnamese words, and the server still has to find the code among issued ones, so
//! this is acceptable. Overlapping candidates are all returned for the same reason: at most one
//! of them can be an issued code, and the lookup tells which.

use crate::code::{symbol_value, PaymentCode, CODE_LEN, DATA_LEN};

/// Most separator characters tolerated between two characters of one code (`" - "` is 3).
pub const MAX_GAP: usize = 3;

/// A letter or digit of the folded text.
#[derive(Clone, Copy)]
struct Sym {
    /// Uppercase ASCII letter or digit, or `0` for a letter that folds to nothing ASCII (it
    /// blocks a candidate rather than being skipped like punctuation).
    ch: u8,
    /// Separator characters between the previous symbol and this one.
    gap: usize,
}

/// Every valid payment code in `text`, in order of first appearance, without duplicates.
pub fn find_codes(text: &str) -> Vec<PaymentCode> {
    let syms = fold(text);
    let mut found: Vec<PaymentCode> = Vec::new();
    for start in 0..syms.len() {
        if let Some(code) = candidate_at(&syms, start) {
            if !found.contains(&code) {
                found.push(code);
            }
        }
    }
    found
}

/// The first valid payment code in `text`, if any.
pub fn find_first_code(text: &str) -> Option<PaymentCode> {
    let syms = fold(text);
    (0..syms.len()).find_map(|start| candidate_at(&syms, start))
}

fn candidate_at(syms: &[Sym], start: usize) -> Option<PaymentCode> {
    let window = syms.get(start..start + CODE_LEN)?;
    if window[0].ch != b'W' || window[1].ch != b'P' {
        return None;
    }
    if window[1..].iter().any(|s| s.gap > MAX_GAP) {
        return None;
    }
    let mut values = [0u8; DATA_LEN + 1];
    for (v, s) in values.iter_mut().zip(&window[2..]) {
        *v = symbol_value(s.ch)?;
    }
    PaymentCode::from_checked_values(&values)
}

fn fold(text: &str) -> Vec<Sym> {
    let mut out = Vec::with_capacity(text.len());
    let mut gap = 0usize;
    for c in text.chars() {
        match fold_char(c) {
            Folded::Symbol(ch) => {
                out.push(Sym { ch, gap });
                gap = 0;
            }
            Folded::Separator => gap = gap.saturating_add(1),
            Folded::Nothing => {}
        }
    }
    out
}

enum Folded {
    Symbol(u8),
    Separator,
    /// Combining marks: a decomposed "ế" must read as one letter, not letter + separator.
    Nothing,
}

/// Vietnamese letters with their diacritics stripped; `đ` is a letter of its own, folded to `d`
/// the way banks transliterate it.
const VIETNAMESE: [(char, &str); 7] = [
    ('A', "àáảãạăằắẳẵặâầấẩẫậ"),
    ('E', "èéẻẽẹêềếểễệ"),
    ('I', "ìíỉĩị"),
    ('O', "òóỏõọôồốổỗộơờớởỡợ"),
    ('U', "ùúủũụưừứửữự"),
    ('Y', "ỳýỷỹỵ"),
    ('D', "đ"),
];

fn fold_char(c: char) -> Folded {
    if c.is_ascii_alphanumeric() {
        return Folded::Symbol(c.to_ascii_uppercase() as u8);
    }
    if c.is_ascii() {
        return Folded::Separator;
    }
    if ('\u{0300}'..='\u{036f}').contains(&c) {
        return Folded::Nothing;
    }
    // Uppercase Vietnamese letters lowercase to a single char, so one table covers both.
    let lower = c.to_lowercase().next().unwrap_or(c);
    for (base, variants) in VIETNAMESE {
        if variants.contains(lower) {
            return Folded::Symbol(base as u8);
        }
    }
    if c.is_alphanumeric() {
        Folded::Symbol(0)
    } else {
        Folded::Separator
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_vietnamese_and_combining_marks() {
        let s: String = fold("Đặng Thị Ếch e\u{0301}").iter().map(|s| char::from(s.ch)).collect();
        assert_eq!(s, "DANGTHIECHE");
        let gaps: Vec<usize> = fold("a  b.-c").iter().map(|s| s.gap).collect();
        assert_eq!(gaps, [0, 2, 2]);
    }
}
