//! The fee rules' unit and property tests.

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
    assert_eq!(FeeKind::LePhi.label().vi, "Lệ phí");
    assert_eq!(FeeKind::Phi.label().en, "Fee (phí)");
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
