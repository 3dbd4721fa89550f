//! `find_codes` on realistic bank texts.

use bankfeed::code::MAX_DATA;
use bankfeed::{find_codes, PaymentCode};
use proptest::prelude::*;

const A: &str = "WPAB12CD3EW";
const B: &str = "WP7K3M9QXZ5";
const C: &str = "WPH8ZT5Q2N3";
const D: &str = "WPM4R7KX1V9";
const E: &str = "WPZZZZZZZZ3";
const ZERO: &str = "WP000000000";

fn code(s: &str) -> PaymentCode {
    s.parse().expect("test code is valid")
}

#[test]
fn fixture_codes_are_valid() {
    for c in [A, B, C, D, E, ZERO] {
        assert_eq!(code(c).as_str(), c);
    }
}

const MUST_MATCH: &[(&str, &[&str])] = &[
    ("WPAB12CD3EW", &[A]),
    ("wpab12cd3ew", &[A]),
    ("MBVCB.3278614.WPAB12CD3EW.CT tu 0123456789 NGUYEN VAN AN", &[A]),
    ("MBVCB.3278614.wpab12cd3ew.CT tu 0123456789 nguyen van an", &[A]),
    ("IBFT WPAB12CD3EW", &[A]),
    ("TKThe :0123, tai VCB. WPAB12CD3EW-ND", &[A]),
    ("W P A B 1 2 C D 3 E W", &[A]),
    ("ND: WPAB12 CD3EW", &[A]),
    ("WPAB12CD3E W", &[A]),
    ("WPAB12CD3EW\nGD 123456", &[A]),
    ("WP 7K3M 9QXZ 5", &[B]),
    ("WP-7K3M-9QXZ-5 nop le phi", &[B]),
    ("W.P.7.K.3.M.9.Q.X.Z.5", &[B]),
    ("WP 7K3M - 9QXZ 5", &[B]),
    ("Nộp lệ phí hồ sơ WP7K3M9QXZ5 Nguyễn Văn An", &[B]),
    ("NOP LE PHI HO SO WP7K3M9QXZ5 NGUYEN VAN AN", &[B]),
    ("MBVCB3278614WP7K3M9QXZ5CT TU 0123456789", &[B]),
    ("CT DEN:0123456789 NGUYEN VAN AN chuyen tien WPH8ZT5Q2N3", &[C]),
    ("FT26061987654321WPH8ZT5Q2N3", &[C]),
    ("WPH8ZT5Q2N3NOPLEPHI", &[C]),
    ("123456-WPH8ZT5Q2N3-Ma GD ACSP/ xy123", &[C]),
    ("Chuyển tiền:WPH8ZT5Q2N3;", &[C]),
    ("ĐÓNG PHÍ WPH8ZT5Q2N3 CHO PHƯỜNG", &[C]),
    ("wpm4r7kxlv9", &[D]),
    ("WPM4R7KXIV9 le phi chung thuc", &[D]),
    ("wp m4r7 kx1v 9 le phi chung thuc", &[D]),
    ("No\u{0302}\u{0323}p phi\u{0301} WPM4R7KX1V9", &[D]),
    ("REM Tfr Ac:1903xxxx WPZZZZZZZZ3 trace 123456", &[E]),
    ("Thanh toan QR -WPZZZZZZZZ3- ma giao dich  Trace123", &[E]),
    ("WPOOOOOOOOO", &[ZERO]),
    ("WPAB12CD3EW WP7K3M9QXZ5", &[A, B]),
    ("WPAB12CD3EW nop lan 2 WPAB12CD3EW", &[A]),
    ("WP7K3M9QXZ5, WPAB12CD3EW", &[B, A]),
];

const MUST_NOT_MATCH: &[&str] = &[
    "",
    "0123456789 0123456789",
    "1234567890123456789012345678901234567890",
    "WP",
    "WPAB12CD3E",
    "MBVCB.3278614.WPAB12CD3E.CT tu 0123456789 NGUYEN VAN AN",
    "IBFT WPAB12CD",
    "WPAB12CD3EX",
    "WPAB12CD3FW",
    "WPBA12CD3EW",
    "WPAB12CD3WE",
    "WPAB12CU3EW",
    "WPAB12CD3E    W",
    "XPAB12CD3EW",
    "WQAB12CD3EW",
    "VVPAB12CD3EW",
    "WPAB12CD3日W",
    "MBVCB.3278614.WP.CT tu 0123456789 NGUYEN VAN AN",
    "nop le phi ho so WP12 nguyen van an",
];

#[test]
fn mangled_texts_match() {
    assert!(MUST_MATCH.len() >= 25);
    for (text, expected) in MUST_MATCH {
        let expected: Vec<PaymentCode> = expected.iter().map(|c| code(c)).collect();
        assert_eq!(find_codes(text), expected, "text: {text:?}");
    }
}

#[test]
fn non_codes_do_not_match() {
    assert!(MUST_NOT_MATCH.len() >= 12);
    for text in MUST_NOT_MATCH {
        assert_eq!(find_codes(text), Vec::<PaymentCode>::new(), "text: {text:?}");
    }
}

#[test]
fn near_misses_differ_from_a_real_code_by_one_edit() {
    // Guards the table: these must stay near misses of A, or the test proves nothing.
    for miss in ["WPAB12CD3EX", "WPAB12CD3FW"] {
        let diff = miss.bytes().zip(A.bytes()).filter(|(x, y)| x != y).count();
        assert_eq!(diff, 1, "{miss}");
    }
}

#[test]
fn first_code_is_the_earliest() {
    assert_eq!(bankfeed::matching::find_first_code("x WP7K3M9QXZ5 y WPAB12CD3EW"), Some(code(B)));
    assert_eq!(bankfeed::matching::find_first_code("nothing"), None);
}

fn gap() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        6 => Just(""),
        2 => Just(" "),
        1 => Just("."),
        1 => Just("-"),
        1 => Just("  "),
        1 => Just(" . "),
    ]
}

fn joiner() -> impl Strategy<Value = &'static str> {
    prop_oneof![Just(" "), Just("."), Just("")]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn generated_code_is_found_in_noise(
        data in 0..=MAX_DATA,
        upper_mask in any::<u16>(),
        confuse_mask in any::<u16>(),
        gaps in proptest::collection::vec(gap(), 10),
        prefix in "[A-Za-z0-9]{0,12}",
        prefix_join in joiner(),
        suffix_join in joiner(),
        suffix in "[A-Za-z0-9]{0,12}",
    ) {
        let code = PaymentCode::from_data(data).expect("in range");
        let mut text = format!("{prefix}{prefix_join}");
        for (i, ch) in code.as_str().chars().enumerate() {
            let confuse = i >= 2 && confuse_mask & (1 << i) != 0;
            let lower = upper_mask & (1 << i) != 0;
            let ch = match (ch, confuse, lower) {
                ('0', true, _) => 'O',
                ('1', true, false) => 'I',
                ('1', true, true) => 'l',
                (c, _, _) => c,
            };
            text.push(if lower { ch.to_ascii_lowercase() } else { ch });
            if i < gaps.len() {
                text.push_str(gaps[i]);
            }
        }
        text.push_str(suffix_join);
        text.push_str(&suffix);
        let found = find_codes(&text);
        prop_assert!(found.contains(&code), "{} not found in {:?}: {:?}", code, text, found);
    }

    #[test]
    fn find_codes_never_panics(text in "\\PC{0,200}") {
        let _ = find_codes(&text);
    }
}
