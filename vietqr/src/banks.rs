//! The NAPAS bank directory, embedded from `data/napas-banks.csv` so that the crate never reads
//! files at run time.

use std::sync::LazyLock;

/// One bank (or finance company) that can receive NAPAS247 transfers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Bank {
    /// Six-character BIN issued by the State Bank of Vietnam (tag 38/01/00).
    pub bin: &'static str,
    /// Short name as bank apps show it, e.g. `Vietcombank`.
    pub short_name: &'static str,
    /// Full Vietnamese legal name.
    pub name: &'static str,
}

const CSV: &str = include_str!("../data/napas-banks.csv");

/// Sorted by BIN, with the BINs as numbers alongside: the encoder looks a BIN up on every call,
/// and a binary search over integers avoids a string comparison per step.
static BANKS: LazyLock<(Vec<Bank>, Vec<u32>)> = LazyLock::new(|| {
    let mut banks: Vec<Bank> = CSV.lines().skip(1).filter_map(parse_line).collect();
    banks.sort_by(|a, b| a.bin.cmp(b.bin));
    let keys = banks.iter().map(|bank| bin_key(bank.bin)).collect();
    (banks, keys)
});

/// Six ASCII digits as a number; anything else maps to a value no six-digit BIN has, and since
/// every directory BIN is six digits, equal keys mean equal BINs.
fn bin_key(bin: &str) -> u32 {
    match bin.as_bytes() {
        digits @ [_, _, _, _, _, _] if digits.iter().all(u8::is_ascii_digit) => {
            digits.iter().fold(0, |acc, &d| acc * 10 + u32::from(d - b'0'))
        }
        _ => u32::MAX,
    }
}

/// `bin,short_name,name`. The name is everything after the second comma, because legal names
/// may contain commas and the file uses no quoting.
fn parse_line(line: &'static str) -> Option<Bank> {
    let line = line.trim_end_matches('\r');
    let mut parts = line.splitn(3, ',');
    let bin = parts.next()?.trim();
    let short_name = parts.next()?.trim();
    let name = parts.next()?.trim();
    (!bin.is_empty()).then_some(Bank { bin, short_name, name })
}

/// Every bank in the directory, sorted by BIN.
pub fn all() -> &'static [Bank] {
    &BANKS.0
}

/// The bank with this BIN, if the directory knows it.
pub fn lookup(bin: &str) -> Option<&'static Bank> {
    let (banks, keys) = &*BANKS;
    let key = bin_key(bin);
    if key == u32::MAX {
        return None;
    }
    keys.binary_search(&key).ok().and_then(|i| banks.get(i))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directory_is_complete_and_unique() {
        let banks = all();
        assert_eq!(banks.len(), 66);
        for pair in banks.windows(2) {
            assert!(pair[0].bin < pair[1].bin, "duplicate or unsorted {}", pair[1].bin);
        }
        for bank in banks {
            assert_eq!(bank.bin.len(), 6, "{bank:?}");
            assert!(bank.bin.bytes().all(|b| b.is_ascii_digit()), "{bank:?}");
            assert!(!bank.short_name.is_empty() && !bank.name.is_empty(), "{bank:?}");
        }
    }

    #[test]
    fn lookups() {
        assert_eq!(lookup("970436").map(|b| b.short_name), Some("Vietcombank"));
        assert_eq!(lookup("970403").map(|b| b.short_name), Some("Sacombank"));
        assert_eq!(lookup("963388").map(|b| b.short_name), Some("Timo"));
        assert_eq!(lookup("971025").map(|b| b.short_name), Some("MoMo"));
        assert_eq!(lookup("970415").map(|b| b.name), Some("Ngân hàng TMCP Công thương Việt Nam"));
        assert!(lookup("970401").is_none());
        assert!(lookup("").is_none());
        assert!(lookup("bin,short_name").is_none());
        assert!(lookup("97043").is_none());
        assert!(lookup("9704366").is_none());
        for bank in all() {
            assert_eq!(lookup(bank.bin), Some(bank));
        }
    }
}
