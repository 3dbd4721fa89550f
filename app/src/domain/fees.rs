//! Fee rules as data, fee computation, and the demo ward's catalog.
//!
//! Every procedure's fee is one of four rule shapes stored with the catalog
//! item (see `docs/domain.md`, §3 "Fee rules as data"), so a ward edits its
//! catalog without a new build.

use serde::{Deserialize, Serialize};

use super::words::group_thousands_with;

/// How a fee line's amount is computed. Stored as JSON in the catalog, tagged by
/// `kind`: `{"kind":"flat","amount":10000}`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FeeRule {
    /// Nothing to pay; the dossier still goes through the counter and the statistics.
    Free,
    /// The same amount per case (or per contract), times the quantity.
    Flat { amount: i64 },
    /// A price per unit ("bản", "trang"), times the quantity.
    PerUnit { unit_price: i64, unit: String },
    /// Per copy: `first_page_price` for each of the first `first_pages` pages,
    /// `later_page_price` for each page after, at most `cap_per_copy`; times the
    /// number of copies.
    TieredPerPage { first_pages: u32, first_page_price: i64, later_page_price: i64, cap_per_copy: i64 },
}

/// Phí (a fee for a service) and lệ phí (a state levy) are collected alike but
/// reported separately.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum FeeKind {
    Phi,
    LePhi,
}

impl FeeKind {
    pub fn label_vi(self) -> &'static str {
        match self {
            FeeKind::Phi => "Phí",
            FeeKind::LePhi => "Lệ phí",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            FeeKind::Phi => "Fee",
            FeeKind::LePhi => "Charge",
        }
    }
}

/// What the officer enters for one fee line.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineInput {
    /// Copies, units, cases or contracts, depending on the rule.
    pub quantity: u32,
    /// Pages per copy; only per-page rules read it.
    #[serde(default)]
    pub pages: Option<u32>,
}

impl LineInput {
    pub fn new(quantity: u32, pages: Option<u32>) -> Self {
        LineInput { quantity, pages }
    }
}

/// Why a fee line cannot be computed. Messages name the input field so the UI
/// can point at it; [`FeeError::field`] gives the name for translation.
#[derive(thiserror::Error, Clone, Debug, PartialEq, Eq)]
pub enum FeeError {
    #[error("quantity must be at least 1")]
    ZeroQuantity,
    #[error("pages is required for a per-page fee")]
    MissingPages,
    #[error("pages must be at least 1")]
    ZeroPages,
    #[error("{field} in the fee rule must not be negative (got {value})")]
    NegativePrice { field: &'static str, value: i64 },
    #[error("amount is too large to compute (quantity × price overflows)")]
    Overflow,
}

impl FeeError {
    /// The input or rule field at fault, if any.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            FeeError::ZeroQuantity => Some("quantity"),
            FeeError::MissingPages | FeeError::ZeroPages => Some("pages"),
            FeeError::NegativePrice { field, .. } => Some(field),
            FeeError::Overflow => None,
        }
    }
}

fn non_negative(field: &'static str, value: i64) -> Result<i128, FeeError> {
    if value < 0 {
        Err(FeeError::NegativePrice { field, value })
    } else {
        Ok(i128::from(value))
    }
}

/// The amount of one fee line in đồng, before any exemption.
///
/// `Free` is 0 whatever the input. Rule prices come from the ward's database,
/// so a negative one is reported rather than trusted.
pub fn compute(rule: &FeeRule, input: &LineInput) -> Result<i64, FeeError> {
    if *rule == FeeRule::Free {
        return Ok(0);
    }
    if input.quantity == 0 {
        return Err(FeeError::ZeroQuantity);
    }
    // i128 holds any u32 × i64 product exactly, so only the final conversion can fail.
    let per_item: i128 = match rule {
        FeeRule::Free => 0,
        FeeRule::Flat { amount } => non_negative("amount", *amount)?,
        FeeRule::PerUnit { unit_price, .. } => non_negative("unit_price", *unit_price)?,
        FeeRule::TieredPerPage { first_pages, first_page_price, later_page_price, cap_per_copy } => {
            let first_price = non_negative("first_page_price", *first_page_price)?;
            let later_price = non_negative("later_page_price", *later_page_price)?;
            let cap = non_negative("cap_per_copy", *cap_per_copy)?;
            let pages = match input.pages {
                None => return Err(FeeError::MissingPages),
                Some(0) => return Err(FeeError::ZeroPages),
                Some(p) => p,
            };
            // A document shorter than the first tier pays only for its own
            // pages: a 1-page copy is 2.000đ, not 2 × 2.000đ.
            let in_first = i128::from(pages.min(*first_pages));
            let after_first = i128::from(pages.saturating_sub(*first_pages));
            (in_first * first_price + after_first * later_price).min(cap)
        }
    };
    i64::try_from(per_item * i128::from(input.quantity)).map_err(|_| FeeError::Overflow)
}

/// An exempted line (miễn) is recorded at 0đ; the reason is kept by the caller.
pub fn apply_exemption(amount: i64, exempt: bool) -> i64 {
    if exempt {
        0
    } else {
        amount
    }
}

fn vnd_vi(amount: i64) -> String {
    format!("{}đ", group_thousands_with(amount, '.'))
}

fn vnd_en(amount: i64) -> String {
    format!("{} VND", group_thousands_with(amount, ','))
}

// Units are stored in Vietnamese in the catalog; these are the ones the demo
// catalog uses. Anything else is shown as stored.
fn unit_en(unit: &str) -> &str {
    match unit {
        "bản" => "copy",
        "trang" => "page",
        "trường hợp" => "case",
        "hợp đồng" => "contract",
        other => other,
    }
}

impl FeeRule {
    /// A short label for catalog screens, e.g.
    /// "2.000đ/trang (trang 1–2), 1.000đ/trang từ trang 3, tối đa 200.000đ/bản".
    pub fn describe_vi(&self) -> String {
        match self {
            FeeRule::Free => "Miễn thu".to_string(),
            FeeRule::Flat { amount } => format!("{}/trường hợp", vnd_vi(*amount)),
            FeeRule::PerUnit { unit_price, unit } => format!("{}/{}", vnd_vi(*unit_price), unit),
            FeeRule::TieredPerPage { first_pages, first_page_price, later_page_price, cap_per_copy } => {
                let cap = vnd_vi(*cap_per_copy);
                let later = vnd_vi(*later_page_price);
                match first_pages {
                    0 => format!("{later}/trang, tối đa {cap}/bản"),
                    n => {
                        let range = if *n == 1 { "trang 1".to_string() } else { format!("trang 1–{n}") };
                        let next = u64::from(*n) + 1;
                        format!("{}/trang ({range}), {later}/trang từ trang {next}, tối đa {cap}/bản", vnd_vi(*first_page_price))
                    }
                }
            }
        }
    }

    /// English counterpart of [`FeeRule::describe_vi`], e.g.
    /// "2,000 VND/page (pages 1–2), 1,000 VND/page from page 3, at most 200,000 VND per copy".
    pub fn describe_en(&self) -> String {
        match self {
            FeeRule::Free => "Free of charge".to_string(),
            FeeRule::Flat { amount } => format!("{} per case", vnd_en(*amount)),
            FeeRule::PerUnit { unit_price, unit } => {
                format!("{} per {}", vnd_en(*unit_price), unit_en(unit))
            }
            FeeRule::TieredPerPage { first_pages, first_page_price, later_page_price, cap_per_copy } => {
                let cap = vnd_en(*cap_per_copy);
                let later = vnd_en(*later_page_price);
                match first_pages {
                    0 => format!("{later}/page, at most {cap} per copy"),
                    n => {
                        let range = if *n == 1 { "page 1".to_string() } else { format!("pages 1–{n}") };
                        let next = u64::from(*n) + 1;
                        format!("{}/page ({range}), {later}/page from page {next}, at most {cap} per copy", vnd_en(*first_page_price))
                    }
                }
            }
        }
    }
}

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

/// One row of seed data for a ward's fee catalog.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct CatalogSeed {
    /// A demo short code such as "DEMO-CT01", not a national TTHC code.
    pub procedure_code: String,
    pub procedure_name: String,
    /// The line's name on the receipt; for free procedures the procedure name.
    pub fee_name: String,
    pub kind: FeeKind,
    pub rule: FeeRule,
    pub legal_basis: String,
    /// True when the amount comes from a secondary source and must be checked
    /// by the ward's accountant against the legal text.
    pub basis_from_secondary_source: bool,
    /// A placeholder budget sub-item (tiểu mục) such as "DEMO-1001".
    pub budget_subitem: String,
    /// What the quantity counts ("bản", "trường hợp", "hợp đồng"); `None` when free.
    pub unit_label: Option<String>,
    /// Shown beside the line, e.g. "Miễn lệ phí".
    pub note: Option<String>,
}

/// The demo ward's catalog (example data, `docs/domain.md` §3), 14 rows.
///
/// Procedure codes (`DEMO-CT..` for chứng thực, `DEMO-HT..` for hộ tịch) are demo
/// short codes and must be shown as such: a real ward uses the national TTHC
/// codes from the national procedure database. Budget sub-items (`DEMO-1001`
/// phí chứng thực, `DEMO-1002` phí trích lục hộ tịch, `DEMO-2001` lệ phí hộ
/// tịch) are placeholders for the codes the ward's accountant sets.
pub fn demo_catalog() -> Vec<CatalogSeed> {
    const TT226: &str = "Thông tư 226/2016/TT-BTC";
    const TT281: &str = "Thông tư 281/2016/TT-BTC";
    const LUAT_HO_TICH: &str = "Luật Hộ tịch 2014, Điều 11";
    const NQ06: &str = "Nghị quyết 06/2020/NQ-HĐND TP Hà Nội";
    const FEE_HO_TICH: &str = "Lệ phí hộ tịch";

    struct Row {
        code: &'static str,
        procedure: &'static str,
        fee_name: Option<&'static str>,
        kind: FeeKind,
        rule: FeeRule,
        basis: &'static str,
        subitem: &'static str,
        unit: Option<&'static str>,
    }

    let flat = |amount| FeeRule::Flat { amount };
    let phi = |code, procedure, fee_name, rule, unit| Row {
        code,
        procedure,
        fee_name: Some(fee_name),
        kind: FeeKind::Phi,
        rule,
        basis: TT226,
        subitem: "DEMO-1001",
        unit: Some(unit),
    };
    let free = |code, procedure| Row {
        code,
        procedure,
        fee_name: None,
        kind: FeeKind::LePhi,
        rule: FeeRule::Free,
        basis: LUAT_HO_TICH,
        subitem: "DEMO-2001",
        unit: None,
    };
    let ho_tich = |code, procedure, amount| Row {
        code,
        procedure,
        fee_name: Some(FEE_HO_TICH),
        kind: FeeKind::LePhi,
        rule: FeeRule::Flat { amount },
        basis: NQ06,
        subitem: "DEMO-2001",
        unit: Some("trường hợp"),
    };

    let rows = [
        phi(
            "DEMO-CT01",
            "Chứng thực bản sao từ bản chính",
            "Phí chứng thực bản sao",
            FeeRule::TieredPerPage { first_pages: 2, first_page_price: 2_000, later_page_price: 1_000, cap_per_copy: 200_000 },
            "bản",
        ),
        phi("DEMO-CT02", "Chứng thực chữ ký", "Phí chứng thực chữ ký", flat(10_000), "trường hợp"),
        phi("DEMO-CT03", "Chứng thực hợp đồng, giao dịch", "Phí chứng thực hợp đồng, giao dịch", flat(50_000), "hợp đồng"),
        phi("DEMO-CT04", "Chứng thực việc sửa đổi, bổ sung hợp đồng", "Phí chứng thực sửa đổi, bổ sung", flat(30_000), "hợp đồng"),
        phi("DEMO-CT05", "Sửa lỗi sai sót trong hợp đồng đã chứng thực", "Phí sửa lỗi sai sót", flat(25_000), "hợp đồng"),
        Row {
            code: "DEMO-HT01",
            procedure: "Cấp bản sao trích lục hộ tịch",
            fee_name: Some("Phí cấp bản sao trích lục"),
            kind: FeeKind::Phi,
            rule: FeeRule::PerUnit { unit_price: 8_000, unit: "bản".to_string() },
            basis: TT281,
            subitem: "DEMO-1002",
            unit: Some("bản"),
        },
        free("DEMO-HT02", "Đăng ký khai sinh (đúng hạn)"),
        ho_tich("DEMO-HT03", "Đăng ký khai sinh quá hạn", 5_000),
        free("DEMO-HT04", "Đăng ký khai tử (đúng hạn)"),
        ho_tich("DEMO-HT05", "Đăng ký khai tử quá hạn", 5_000),
        free("DEMO-HT06", "Đăng ký kết hôn"),
        ho_tich("DEMO-HT07", "Xác nhận tình trạng hôn nhân", 3_000),
        ho_tich("DEMO-HT08", "Thay đổi, cải chính hộ tịch (người dưới 14 tuổi)", 5_000),
        ho_tich("DEMO-HT09", "Thay đổi, cải chính hộ tịch (từ đủ 14 tuổi)", 25_000),
    ];

    rows.into_iter()
        .map(|row| CatalogSeed {
            procedure_code: row.code.to_string(),
            procedure_name: row.procedure.to_string(),
            fee_name: row.fee_name.unwrap_or(row.procedure).to_string(),
            kind: row.kind,
            basis_from_secondary_source: row.basis == NQ06,
            note: (row.rule == FeeRule::Free).then(|| "Miễn lệ phí".to_string()),
            rule: row.rule,
            legal_basis: row.basis.to_string(),
            budget_subitem: row.subitem.to_string(),
            unit_label: row.unit.map(str::to_string),
        })
        .collect()
}

impl FeeKind {
    /// The value stored in the database, equal to the serde name.
    pub fn as_str(self) -> &'static str {
        match self {
            FeeKind::Phi => "phi",
            FeeKind::LePhi => "le_phi",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn certified_copy() -> FeeRule {
        FeeRule::TieredPerPage { first_pages: 2, first_page_price: 2_000, later_page_price: 1_000, cap_per_copy: 200_000 }
    }

    #[test]
    fn domain_md_example_three_copies_of_five_pages() {
        let input = LineInput::new(3, Some(5));
        assert_eq!(compute(&certified_copy(), &input), Ok(21_000));
    }

    #[test]
    fn tiered_edges() {
        let rule = certified_copy();
        let one = |pages| compute(&rule, &LineInput::new(1, Some(pages)));
        assert_eq!(one(1), Ok(2_000));
        assert_eq!(one(2), Ok(4_000));
        assert_eq!(one(3), Ok(5_000));
        assert_eq!(one(196), Ok(198_000));
        assert_eq!(one(198), Ok(200_000));
        assert_eq!(one(500), Ok(200_000));
        assert_eq!(one(u32::MAX), Ok(200_000));
        assert_eq!(compute(&rule, &LineInput::new(2, Some(1_000))), Ok(400_000));
    }

    #[test]
    fn tiered_input_errors() {
        let rule = certified_copy();
        assert_eq!(compute(&rule, &LineInput::new(1, None)), Err(FeeError::MissingPages));
        assert_eq!(compute(&rule, &LineInput::new(1, Some(0))), Err(FeeError::ZeroPages));
        assert_eq!(compute(&rule, &LineInput::new(0, Some(3))), Err(FeeError::ZeroQuantity));
        assert_eq!(FeeError::ZeroPages.field(), Some("pages"));
        assert!(FeeError::MissingPages.to_string().contains("pages"));
        assert!(FeeError::ZeroQuantity.to_string().contains("quantity"));
    }

    #[test]
    fn flat_per_unit_and_free() {
        let one_case = LineInput::new(1, None);
        assert_eq!(compute(&FeeRule::Flat { amount: 50_000 }, &one_case), Ok(50_000));
        assert_eq!(compute(&FeeRule::Flat { amount: 50_000 }, &LineInput::new(2, None)), Ok(100_000));
        let per_copy = FeeRule::PerUnit { unit_price: 8_000, unit: "bản".into() };
        assert_eq!(compute(&per_copy, &LineInput::new(3, Some(9))), Ok(24_000));
        assert_eq!(compute(&FeeRule::Free, &LineInput::new(0, None)), Ok(0));
        assert_eq!(compute(&FeeRule::Free, &LineInput::new(7, Some(0))), Ok(0));
        assert_eq!(compute(&FeeRule::Flat { amount: 1 }, &LineInput::new(0, None)), Err(FeeError::ZeroQuantity));
    }

    #[test]
    fn bad_rules_and_overflow() {
        assert_eq!(
            compute(&FeeRule::Flat { amount: -1 }, &LineInput::new(1, None)),
            Err(FeeError::NegativePrice { field: "amount", value: -1 })
        );
        let err = compute(
            &FeeRule::TieredPerPage { first_pages: 2, first_page_price: 2_000, later_page_price: 1_000, cap_per_copy: -5 },
            &LineInput::new(1, Some(1)),
        )
        .unwrap_err();
        assert_eq!(err.field(), Some("cap_per_copy"));
        assert!(err.to_string().contains("cap_per_copy"));
        assert_eq!(compute(&FeeRule::Flat { amount: i64::MAX }, &LineInput::new(2, None)), Err(FeeError::Overflow));
        assert_eq!(compute(&FeeRule::Flat { amount: i64::MAX }, &LineInput::new(1, None)), Ok(i64::MAX));
    }

    #[test]
    fn exemption() {
        assert_eq!(apply_exemption(21_000, true), 0);
        assert_eq!(apply_exemption(21_000, false), 21_000);
    }

    #[test]
    fn descriptions() {
        assert_eq!(certified_copy().describe_vi(), "2.000đ/trang (trang 1–2), 1.000đ/trang từ trang 3, tối đa 200.000đ/bản");
        assert_eq!(certified_copy().describe_en(), "2,000 VND/page (pages 1–2), 1,000 VND/page from page 3, at most 200,000 VND per copy");
        let per_copy = FeeRule::PerUnit { unit_price: 8_000, unit: "bản".into() };
        assert_eq!(per_copy.describe_vi(), "8.000đ/bản");
        assert_eq!(per_copy.describe_en(), "8,000 VND per copy");
        assert_eq!(FeeRule::Flat { amount: 10_000 }.describe_vi(), "10.000đ/trường hợp");
        assert_eq!(FeeRule::Flat { amount: 10_000 }.describe_en(), "10,000 VND per case");
        assert_eq!(FeeRule::Free.describe_vi(), "Miễn thu");
        assert_eq!(FeeRule::Free.describe_en(), "Free of charge");
        let one_first = FeeRule::TieredPerPage { first_pages: 1, first_page_price: 3_000, later_page_price: 1_000, cap_per_copy: 50_000 };
        assert_eq!(one_first.describe_vi(), "3.000đ/trang (trang 1), 1.000đ/trang từ trang 2, tối đa 50.000đ/bản");
        assert_eq!(FeeKind::LePhi.label_vi(), "Lệ phí");
        assert_eq!(FeeKind::Phi.label_en(), "Fee");
    }

    // Just enough of a self-describing deserializer to check the serde names
    // without a JSON crate in the app's dependencies.
    mod de {
        use serde::de::value::{Error, I64Deserializer, MapDeserializer, StrDeserializer};
        use serde::de::{Deserializer, IntoDeserializer, Visitor};

        #[derive(Clone, Copy)]
        pub enum V {
            S(&'static str),
            I(i64),
        }

        impl<'de> IntoDeserializer<'de, Error> for V {
            type Deserializer = Self;
            fn into_deserializer(self) -> Self {
                self
            }
        }

        impl<'de> Deserializer<'de> for V {
            type Error = Error;
            fn deserialize_any<W: Visitor<'de>>(self, visitor: W) -> Result<W::Value, Error> {
                match self {
                    V::S(s) => StrDeserializer::<Error>::new(s).deserialize_any(visitor),
                    V::I(i) => I64Deserializer::<Error>::new(i).deserialize_any(visitor),
                }
            }
            serde::forward_to_deserialize_any! {
                bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
                bytes byte_buf option unit unit_struct newtype_struct seq tuple
                tuple_struct map struct enum identifier ignored_any
            }
        }

        pub fn map<'de, T: serde::Deserialize<'de>>(entries: &[(&'static str, V)]) -> Result<T, Error> {
            T::deserialize(MapDeserializer::new(entries.iter().copied()))
        }
    }

    #[test]
    fn serde_names() {
        use de::{map, V};
        use serde::de::value::{Error, StrDeserializer};
        use serde::de::IntoDeserializer;

        let kind = |s| FeeKind::deserialize(IntoDeserializer::<Error>::into_deserializer(s));
        assert_eq!(kind("phi"), Ok(FeeKind::Phi));
        assert_eq!(kind("le_phi"), Ok(FeeKind::LePhi));
        assert!(FeeKind::deserialize(StrDeserializer::<Error>::new("LePhi")).is_err());

        assert_eq!(map::<FeeRule>(&[("kind", V::S("free"))]), Ok(FeeRule::Free));
        assert_eq!(map::<FeeRule>(&[("kind", V::S("flat")), ("amount", V::I(10_000))]), Ok(FeeRule::Flat { amount: 10_000 }));
        assert_eq!(
            map::<FeeRule>(&[("kind", V::S("per_unit")), ("unit_price", V::I(8_000)), ("unit", V::S("bản")),]),
            Ok(FeeRule::PerUnit { unit_price: 8_000, unit: "bản".into() })
        );
        assert_eq!(
            map::<FeeRule>(&[
                ("kind", V::S("tiered_per_page")),
                ("first_pages", V::I(2)),
                ("first_page_price", V::I(2_000)),
                ("later_page_price", V::I(1_000)),
                ("cap_per_copy", V::I(200_000)),
            ]),
            Ok(certified_copy())
        );
        assert_eq!(map::<LineInput>(&[("quantity", V::I(3))]), Ok(LineInput::new(3, None)));
    }

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

    #[test]
    fn demo_catalog_rows() {
        let catalog = demo_catalog();
        assert_eq!(catalog.len(), 14);
        let codes: std::collections::HashSet<_> = catalog.iter().map(|r| r.procedure_code.as_str()).collect();
        assert_eq!(codes.len(), 14);
        assert!(catalog.iter().all(|r| r.procedure_code.starts_with("DEMO-")));
        assert!(catalog.iter().all(|r| r.budget_subitem.starts_with("DEMO-")));

        let free: Vec<_> = catalog.iter().filter(|r| r.rule == FeeRule::Free).collect();
        assert_eq!(free.len(), 3);
        for row in free {
            assert_eq!(row.fee_name, row.procedure_name);
            assert_eq!(row.note.as_deref(), Some("Miễn lệ phí"));
            assert_eq!(row.kind, FeeKind::LePhi);
        }

        assert_eq!(catalog[0].rule, certified_copy());
        assert_eq!(compute(&catalog[0].rule, &LineInput::new(3, Some(5))), Ok(21_000));
        let amounts: Vec<i64> = catalog.iter().map(|r| compute(&r.rule, &LineInput::new(1, Some(1))).unwrap()).collect();
        assert_eq!(amounts, [2_000, 10_000, 50_000, 30_000, 25_000, 8_000, 0, 5_000, 0, 5_000, 0, 3_000, 5_000, 25_000]);
        let phi = catalog.iter().filter(|r| r.kind == FeeKind::Phi).count();
        assert_eq!(phi, 6);
        let secondary = catalog.iter().filter(|r| r.basis_from_secondary_source).count();
        assert_eq!(secondary, 5);
    }

    fn any_rule() -> impl Strategy<Value = FeeRule> {
        let price = 0i64..1_000_000_000;
        prop_oneof![
            Just(FeeRule::Free),
            price.clone().prop_map(|amount| FeeRule::Flat { amount }),
            price.clone().prop_map(|unit_price| FeeRule::PerUnit { unit_price, unit: "bản".into() }),
            (0u32..10, price.clone(), price.clone(), price).prop_map(|(first_pages, first_page_price, later_page_price, cap_per_copy)| {
                FeeRule::TieredPerPage { first_pages, first_page_price, later_page_price, cap_per_copy }
            }),
        ]
    }

    proptest! {
        #[test]
        fn never_negative_and_monotone(
            rule in any_rule(),
            quantity in 1u32..10_000,
            pages in 1u32..100_000,
        ) {
            let at = |q, p| compute(&rule, &LineInput::new(q, Some(p))).unwrap();
            let base = at(quantity, pages);
            prop_assert!(base >= 0);
            prop_assert!(at(quantity + 1, pages) >= base);
            prop_assert!(at(quantity, pages + 1) >= base);
        }

        #[test]
        fn cap_respected(
            first_pages in 0u32..10,
            first_page_price in 0i64..100_000,
            later_page_price in 0i64..100_000,
            cap_per_copy in 0i64..1_000_000,
            quantity in 1u32..1_000,
            pages in 1u32..u32::MAX,
        ) {
            let rule = FeeRule::TieredPerPage {
                first_pages,
                first_page_price,
                later_page_price,
                cap_per_copy,
            };
            let total = compute(&rule, &LineInput::new(quantity, Some(pages))).unwrap();
            prop_assert!(total <= cap_per_copy * i64::from(quantity));
            prop_assert_eq!(total % i64::from(quantity), 0);
        }

        #[test]
        fn compute_never_panics(
            rule in any_rule(),
            big in any::<i64>(),
            quantity in any::<u32>(),
            pages in any::<Option<u32>>(),
        ) {
            let input = LineInput::new(quantity, pages);
            let _ = compute(&rule, &input);
            let _ = compute(&FeeRule::Flat { amount: big }, &input);
            if let Ok(amount) = compute(&rule, &input) {
                prop_assert!(amount >= 0);
            }
        }

        #[test]
        fn folding_is_idempotent_and_search_finds_itself(s in "\\PC{0,30}") {
            let folded = fold_diacritics(&s);
            prop_assert_eq!(fold_diacritics(&folded), folded.clone());
            prop_assert!(matches_search(&s, &s));
            prop_assert!(matches_search(&s, &folded));
        }
    }
}
