//! Amounts in figures and in words, as printed on receipts and treasury reports.
//!
//! The Vietnamese reading follows northern usage as set out in
//! `docs/domain.md` (§9 "Amount in words"); the English reading is for
//! the English UI only and has no legal weight.

const DIGITS_VI: [&str; 10] = ["không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín"];

const BILLION: u64 = 1_000_000_000;

/// The amount in Vietnamese words, e.g. `105_000` → "Một trăm linh năm nghìn đồng".
///
/// Above 999 tỷ the tỷ count is itself read as a number, so 10^12 is
/// "Một nghìn tỷ đồng", 10^15 "Một triệu tỷ đồng" and 10^18 "Một tỷ tỷ đồng";
/// every `u64` has a reading.
pub fn vnd_in_words_vi(amount: u64) -> String {
    let mut words: Vec<&'static str> = Vec::new();
    if amount == 0 {
        words.push(DIGITS_VI[0]);
    } else {
        push_vi(amount, &mut words);
    }
    words.push("đồng");
    capitalize_first(&words.join(" "))
}

// Recursing on the tỷ count (rather than a fixed table nghìn tỷ, triệu tỷ...)
// keeps mixed counts natural: 1.001 × 10^12 is "một nghìn không trăm linh một
// tỷ", not "một nghìn tỷ không trăm linh một tỷ".
fn push_vi(n: u64, out: &mut Vec<&'static str>) {
    let high = n / BILLION;
    let low = n % BILLION;
    let mut leading = true;
    if high > 0 {
        push_vi(high, out);
        out.push("tỷ");
        leading = false;
    }
    let groups = [(low / 1_000_000, Some("triệu")), ((low / 1_000) % 1_000, Some("nghìn")), (low % 1_000, None)];
    for (group, scale) in groups {
        // An all-zero group is silent: 1.000.500 is "một triệu năm trăm".
        if group == 0 {
            continue;
        }
        push_group_vi(group as usize, leading, out);
        out.extend(scale);
        leading = false;
    }
}

/// One group of three digits, `1..=999`. A group after the leading one is read
/// in full ("không trăm linh năm") so that the listener can tell 1.005.000 from
/// 1.500.000.
fn push_group_vi(group: usize, leading: bool, out: &mut Vec<&'static str>) {
    let (h, t, u) = (group / 100, group / 10 % 10, group % 10);
    let has_hundreds = h > 0 || !leading;
    if has_hundreds {
        out.push(DIGITS_VI[h]);
        out.push("trăm");
    }
    match t {
        0 => {
            if u > 0 {
                if has_hundreds {
                    out.push("linh");
                }
                out.push(DIGITS_VI[u]);
            }
        }
        1 => {
            out.push("mười");
            match u {
                0 => {}
                5 => out.push("lăm"),
                _ => out.push(DIGITS_VI[u]),
            }
        }
        _ => {
            out.push(DIGITS_VI[t]);
            out.push("mươi");
            match u {
                0 => {}
                1 => out.push("mốt"),
                4 => out.push("tư"),
                5 => out.push("lăm"),
                _ => out.push(DIGITS_VI[u]),
            }
        }
    }
}

const ONES_EN: [&str; 20] = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
];
const TENS_EN: [&str; 10] = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"];
// Short scale; seven groups are enough for u64::MAX (18 quintillion).
const SCALES_EN: [&str; 7] = ["", "thousand", "million", "billion", "trillion", "quadrillion", "quintillion"];

/// The amount in English words, e.g. `50_000` → "Fifty thousand dong".
/// American style (no "and"), tens joined by a hyphen ("twenty-one").
pub fn vnd_in_words_en(amount: u64) -> String {
    if amount == 0 {
        return "Zero dong".to_string();
    }
    let mut groups = Vec::new();
    let mut n = amount;
    while n > 0 {
        groups.push((n % 1_000) as usize);
        n /= 1_000;
    }
    let mut parts: Vec<String> = Vec::new();
    for (scale, &group) in groups.iter().enumerate().rev() {
        if group == 0 {
            continue;
        }
        parts.push(group_en(group));
        if scale > 0 {
            parts.push(SCALES_EN[scale].to_string());
        }
    }
    parts.push("dong".to_string());
    capitalize_first(&parts.join(" "))
}

fn group_en(group: usize) -> String {
    let (h, rest) = (group / 100, group % 100);
    let mut words = Vec::new();
    if h > 0 {
        words.push(format!("{} hundred", ONES_EN[h]));
    }
    if rest > 0 {
        if rest < 20 {
            words.push(ONES_EN[rest].to_string());
        } else if rest % 10 == 0 {
            words.push(TENS_EN[rest / 10].to_string());
        } else {
            words.push(format!("{}-{}", TENS_EN[rest / 10], ONES_EN[rest % 10]));
        }
    }
    words.join(" ")
}

fn capitalize_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Digits grouped by thousands with dots, Vietnamese style: `1005000` → "1.005.000",
/// `-1500` → "-1.500".
pub fn group_thousands(amount: i64) -> String {
    group_thousands_with(amount, '.')
}

/// Like [`group_thousands`] with a chosen separator, for the English UI (',').
pub fn group_thousands_with(amount: i64, separator: char) -> String {
    // unsigned_abs, because -i64::MIN does not fit in i64.
    let digits = amount.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if amount < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(separator);
        }
        out.push(c);
    }
    out
}

/// Suffix for amounts in figures: the letter "đ", as Vietnamese receipts and
/// price lists commonly write it, rather than the sign ₫, so that one spelling
/// is used everywhere (fee descriptions write "2.000đ/trang").
pub const VND_SUFFIX: &str = " đ";

/// An amount for display: `50000` → "50.000 đ".
pub fn format_vnd(amount: i64) -> String {
    format!("{}{}", group_thousands(amount), VND_SUFFIX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Inverse of [`vnd_in_words_vi`], deliberately strict: it accepts only the
    /// forms the rules allow (mốt/tư only after mươi, lăm after a tens word,
    /// linh only after hundreds, "không trăm" only in non-leading groups), so a
    /// round trip proves the writer applies the rules consistently.
    fn parse_vi(s: &str) -> Option<u64> {
        let body = s.strip_suffix(" đồng")?;
        let mut chars = body.chars();
        let first = chars.next()?;
        if !first.is_uppercase() {
            return None;
        }
        let lowered: String = first.to_lowercase().chain(chars).collect();
        let tokens: Vec<&str> = lowered.split(' ').collect();
        if tokens == ["không"] {
            return Some(0);
        }
        parse_tokens(&tokens)
    }

    fn parse_tokens(tokens: &[&str]) -> Option<u64> {
        // The part below a billion never contains "tỷ", so the last "tỷ" separates
        // the tỷ count from the rest.
        if let Some(i) = tokens.iter().rposition(|t| *t == "tỷ") {
            let high = parse_tokens(&tokens[..i])?;
            let low = if i + 1 == tokens.len() { 0 } else { parse_below_billion(&tokens[i + 1..], false)? };
            return high.checked_mul(BILLION)?.checked_add(low);
        }
        parse_below_billion(tokens, true)
    }

    fn parse_below_billion(tokens: &[&str], mut leading: bool) -> Option<u64> {
        let mut rest = tokens;
        let mut total = 0;
        let mut any = false;
        for (scale, factor) in [("triệu", 1_000_000), ("nghìn", 1_000)] {
            if let Some(i) = rest.iter().position(|t| *t == scale) {
                total += parse_group(&rest[..i], leading)? * factor;
                rest = &rest[i + 1..];
                leading = false;
                any = true;
            }
        }
        if !rest.is_empty() {
            total += parse_group(rest, leading)?;
            any = true;
        }
        any.then_some(total)
    }

    fn digit(t: &str) -> Option<u64> {
        DIGITS_VI.iter().position(|d| *d == t).map(|d| d as u64)
    }

    /// A group 1..=999; an all-zero group is never spoken, so 0 is rejected.
    fn parse_group(tokens: &[&str], leading: bool) -> Option<u64> {
        let (mut value, rest, has_hundreds) = match tokens {
            [h, "trăm", rest @ ..] => {
                let h = digit(h)?;
                if leading && h == 0 {
                    return None;
                }
                (h * 100, rest, true)
            }
            _ if !leading => return None,
            _ => (0, tokens, false),
        };
        value += match rest {
            [] => 0,
            ["linh", u] if has_hundreds => match digit(u)? {
                0 => return None,
                u => u,
            },
            ["mười"] => 10,
            ["mười", u] => match *u {
                "lăm" => 15,
                "năm" | "không" | "mốt" | "tư" => return None,
                u => 10 + digit(u)?,
            },
            [t, "mươi", units @ ..] => {
                let t = digit(t)?;
                if t < 2 {
                    return None;
                }
                t * 10
                    + match units {
                        [] => 0,
                        ["mốt"] => 1,
                        ["tư"] => 4,
                        ["lăm"] => 5,
                        ["một" | "bốn" | "năm" | "không"] => return None,
                        [u] => digit(u)?,
                        _ => return None,
                    }
            }
            [u] if !has_hundreds => digit(u)?,
            _ => return None,
        };
        (value > 0).then_some(value)
    }

    #[test]
    fn domain_md_table() {
        let table = [
            (3_000, "Ba nghìn đồng"),
            (15_000, "Mười lăm nghìn đồng"),
            (21_000, "Hai mươi mốt nghìn đồng"),
            (24_000, "Hai mươi tư nghìn đồng"),
            (50_000, "Năm mươi nghìn đồng"),
            (105_000, "Một trăm linh năm nghìn đồng"),
            (110_000, "Một trăm mười nghìn đồng"),
            (1_005_000, "Một triệu không trăm linh năm nghìn đồng"),
            (1_000_500, "Một triệu năm trăm đồng"),
            (2_000_000_000, "Hai tỷ đồng"),
        ];
        for (amount, words) in table {
            assert_eq!(vnd_in_words_vi(amount), words, "{amount}");
        }
    }

    #[test]
    fn more_vietnamese_readings() {
        let table = [
            (0, "Không đồng"),
            (1, "Một đồng"),
            (5, "Năm đồng"),
            (10, "Mười đồng"),
            (11, "Mười một đồng"),
            (14, "Mười bốn đồng"),
            (21, "Hai mươi mốt đồng"),
            (25, "Hai mươi lăm đồng"),
            (10_000, "Mười nghìn đồng"),
            (1_021_000, "Một triệu không trăm hai mươi mốt nghìn đồng"),
            (100_000_000, "Một trăm triệu đồng"),
            (1_000_000_000_000, "Một nghìn tỷ đồng"),
            (1_001_000_000_000, "Một nghìn không trăm linh một tỷ đồng"),
            (1_000_000_005_000, "Một nghìn tỷ không trăm linh năm nghìn đồng"),
            (1_000_000_000_000_000, "Một triệu tỷ đồng"),
            (1_000_000_000_000_000_000, "Một tỷ tỷ đồng"),
            (
                u64::MAX,
                "Mười tám tỷ bốn trăm bốn mươi sáu triệu bảy trăm bốn mươi tư nghìn \
                 không trăm bảy mươi ba tỷ bảy trăm linh chín triệu năm trăm năm mươi \
                 mốt nghìn sáu trăm mười lăm đồng",
            ),
        ];
        for (amount, words) in table {
            assert_eq!(vnd_in_words_vi(amount), words, "{amount}");
        }
    }

    #[test]
    fn parser_rejects_wrong_forms() {
        for wrong in [
            "Hai mươi một nghìn đồng",
            "Mười mốt đồng",
            "Hai mươi bốn đồng",
            "Mười năm đồng",
            "Một trăm năm đồng",
            "Không trăm năm đồng",
            "Một triệu linh năm nghìn đồng",
            "một đồng",
        ] {
            assert_eq!(parse_vi(wrong), None, "{wrong}");
        }
    }

    #[test]
    fn english_readings() {
        let table = [
            (0, "Zero dong"),
            (21, "Twenty-one dong"),
            (50_000, "Fifty thousand dong"),
            (105_000, "One hundred five thousand dong"),
            (1_000_500, "One million five hundred dong"),
            (2_000_000_000, "Two billion dong"),
            (
                u64::MAX,
                "Eighteen quintillion four hundred forty-six quadrillion seven hundred \
                 forty-four trillion seventy-three billion seven hundred nine million \
                 five hundred fifty-one thousand six hundred fifteen dong",
            ),
        ];
        for (amount, words) in table {
            assert_eq!(vnd_in_words_en(amount), words, "{amount}");
        }
    }

    #[test]
    fn figures() {
        assert_eq!(group_thousands(0), "0");
        assert_eq!(group_thousands(999), "999");
        assert_eq!(group_thousands(1_000), "1.000");
        assert_eq!(group_thousands(1_005_000), "1.005.000");
        assert_eq!(group_thousands(-1_500), "-1.500");
        assert_eq!(group_thousands(-999), "-999");
        assert_eq!(group_thousands(i64::MIN), "-9.223.372.036.854.775.808");
        assert_eq!(group_thousands_with(1_234_567, ','), "1,234,567");
        assert_eq!(format_vnd(50_000), "50.000 đ");
        assert_eq!(format_vnd(-21_000), "-21.000 đ");
    }

    fn well_formed(s: &str, ending: &str) -> bool {
        s.chars().next().is_some_and(char::is_uppercase) && s.ends_with(ending) && !s.contains("  ") && !s.starts_with(' ')
    }

    proptest! {
        #[test]
        fn vi_round_trips_up_to_10_pow_15(n in 0u64..=1_000_000_000_000_000) {
            let words = vnd_in_words_vi(n);
            prop_assert!(well_formed(&words, " đồng"), "{words}");
            prop_assert_eq!(parse_vi(&words), Some(n), "{}", words);
        }

        #[test]
        fn vi_round_trips_on_small_and_round_amounts(n in 0u64..2_000_000, zeros in 0u32..10) {
            let n = n * 10u64.pow(zeros);
            prop_assert_eq!(parse_vi(&vnd_in_words_vi(n)), Some(n));
        }

        #[test]
        fn vi_any_u64(n in any::<u64>()) {
            let words = vnd_in_words_vi(n);
            prop_assert!(well_formed(&words, " đồng"), "{words}");
            prop_assert_eq!(parse_vi(&words), Some(n), "{}", words);
        }

        #[test]
        fn en_any_u64(n in any::<u64>()) {
            let words = vnd_in_words_en(n);
            prop_assert!(well_formed(&words, " dong"), "{words}");
        }

        #[test]
        fn grouping_strips_back_to_the_number(n in any::<i64>()) {
            let grouped = group_thousands(n);
            prop_assert_eq!(grouped.replace('.', "").parse::<i64>().unwrap(), n);
            let unsigned = grouped.trim_start_matches('-');
            prop_assert!(unsigned.split('.').skip(1).all(|g| g.len() == 3));
            prop_assert!(!unsigned.split('.').next().unwrap().is_empty());
        }
    }
}
