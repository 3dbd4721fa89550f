//! Search over procedure names that ignores case and Vietnamese diacritics, so an officer
//! can type "chung thuc" for "Chứng thực".

// Precomposed Vietnamese vowels, lower case, all tones. A table instead of a
// Unicode normalisation crate keeps the wasm bundle small.
const FOLD_A: &str = "àáảãạăằắẳẵặâầấẩẫậ";
const FOLD_E: &str = "èéẻẽẹêềếểễệ";
const FOLD_I: &str = "ìíỉĩị";
const FOLD_O: &str = "òóỏõọôồốổỗộơờớởỡợ";
const FOLD_U: &str = "ùúủũụưừứửữự";
const FOLD_Y: &str = "ỳýỷỹỵ";

/// Lower case without Vietnamese diacritics, for search: "Chứng Thực" → "chung thuc".
///
/// Handles precomposed (NFC) text through the table and decomposed (NFD) text by
/// dropping combining marks U+0300–U+036F.
pub fn fold_diacritics(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().flat_map(char::to_lowercase) {
        let folded = match c {
            '\u{0300}'..='\u{036F}' => continue,
            // ð (U+00F0) stands in for đ when text was typed with a wrong
            // keyboard layout or converted from a legacy encoding.
            'đ' | 'ð' => 'd',
            c if c.is_ascii() => c,
            c if FOLD_A.contains(c) => 'a',
            c if FOLD_E.contains(c) => 'e',
            c if FOLD_I.contains(c) => 'i',
            c if FOLD_O.contains(c) => 'o',
            c if FOLD_U.contains(c) => 'u',
            c if FOLD_Y.contains(c) => 'y',
            c => c,
        };
        out.push(folded);
    }
    out
}

/// True when every whitespace-separated word of `query`, folded, occurs in the
/// folded `haystack`: "chung thuc" and "CHỨNG THỰC" both find "Chứng thực bản sao".
/// An empty query matches everything, so an empty search box lists the whole catalog.
pub fn matches_search(haystack: &str, query: &str) -> bool {
    let haystack = fold_diacritics(haystack);
    fold_diacritics(query).split_whitespace().all(|word| haystack.contains(word))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding() {
        assert_eq!(fold_diacritics("Chứng thực bản sao"), "chung thuc ban sao");
        assert_eq!(fold_diacritics("ĐĂNG KÝ KHAI SINH"), "dang ky khai sinh");
        assert_eq!(fold_diacritics("Ðăng ký"), "dang ky");
        // NFD: u + horn + acute, u + horn + dot below.
        assert_eq!(fold_diacritics("Chu\u{31B}\u{301}ng thu\u{31B}\u{323}c"), "chung thuc");
        assert_eq!(fold_diacritics("Hộ tịch 2014"), "ho tich 2014");
    }

    #[test]
    fn fold_table_covers_every_vietnamese_letter() {
        let tables = [(FOLD_A, 'a', 17), (FOLD_E, 'e', 11), (FOLD_I, 'i', 5), (FOLD_O, 'o', 17), (FOLD_U, 'u', 11), (FOLD_Y, 'y', 5)];
        let mut seen = std::collections::HashSet::new();
        for (table, base, count) in tables {
            assert_eq!(table.chars().count(), count, "{base}");
            for lower in table.chars() {
                assert!(seen.insert(lower), "duplicate {lower}");
                let upper: String = lower.to_uppercase().collect();
                assert_ne!(upper, lower.to_string());
                assert_eq!(fold_diacritics(&lower.to_string()), base.to_string());
                assert_eq!(fold_diacritics(&upper), base.to_string());
            }
        }
        assert_eq!(seen.len(), 66);
    }

    #[test]
    fn search() {
        let name = "Chứng thực bản sao từ bản chính";
        assert!(matches_search(name, "chung thuc"));
        assert!(matches_search(name, "CHỨNG THỰC"));
        assert!(matches_search(name, "  ban   chinh "));
        assert!(matches_search(name, "sao chung"));
        assert!(matches_search(name, ""));
        assert!(!matches_search(name, "khai sinh"));
        assert!(!matches_search(name, "chung khai"));
    }
}
