//! Property tests: decode(encode(x)) == x, and the decoder never panics.

use proptest::prelude::*;
use vietqr::{banks, crc16, decode, encode, fuzz_decode, truncate_purpose, EncodeError, Field, Initiation, Service, VietQr};

/// Text with Vietnamese letters, punctuation and spaces, to exercise the normaliser.
fn purpose_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            "[A-Za-z0-9]{1,6}",
            prop::sample::select(vec![
                "Thanh", "toán", "hóa", "đơn", "Đóng", "phí", "vệ", "sinh", "tháng", "Quỹ", "nước", "ĐIỆN", "Ứng", "hộ", "/", "-", "#7",
                ":", "  ", "\t",
            ])
            .prop_map(str::to_owned),
        ],
        1..8,
    )
    .prop_map(|words| words.join(" "))
}

fn label() -> impl Strategy<Value = String> {
    "[ -~]{1,25}"
}

fn value() -> impl Strategy<Value = String> {
    prop_oneof![3 => "[ -~]{1,12}", 1 => "\\PC{1,6}"]
}

/// Preserved fields with IDs the typed fields do not use, at most `max` of them.
fn extras(ids: Vec<u8>, max: usize) -> impl Strategy<Value = Vec<Field>> {
    prop::sample::subsequence(ids, 0..=max).prop_flat_map(|ids| {
        let n = ids.len();
        prop::collection::vec(value(), n).prop_map(move |values| ids.iter().zip(values).map(|(&id, value)| Field::new(id, value)).collect())
    })
}

fn shuffled(mut ids: Vec<u8>, seed: u64) -> Option<Vec<u8>> {
    // Fisher–Yates with a tiny LCG: deterministic per seed, no extra dependency.
    let mut state = seed | 1;
    for i in (1..ids.len()).rev() {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let j = (state >> 33) as usize % (i + 1);
        ids.swap(i, j);
    }
    let sorted = ids.windows(2).all(|w| w[0] < w[1]);
    (!sorted).then_some(ids)
}

prop_compose! {
    fn base_qr()(
        bin in prop::sample::select(banks::all().iter().map(|b| b.bin).collect::<Vec<_>>()),
        card in any::<bool>(),
        account in "[A-Za-z0-9]{1,19}",
        card_number in "[0-9]{16,19}",
        amount in prop::option::of(prop_oneof![1u64..1_000_000_000, 1u64..=9_999_999_999_999]),
        purpose in prop::option::of(purpose_text()),
        bill in prop::option::of(label()),
        reference in prop::option::of(label()),
        terminal in prop::option::of(label()),
    ) -> VietQr {
        let (account, service) = if card { (card_number, Service::ToCard) } else { (account, Service::ToAccount) };
        VietQr {
            amount,
            purpose: purpose.map(|p| truncate_purpose(&p)).filter(|p| !p.is_empty()),
            bill_number: bill,
            reference_label: reference,
            terminal_label: terminal,
            ..VietQr::new(bin, account, service)
        }
    }
}

prop_compose! {
    fn valid_qr()(
        mut qr in base_qr(),
        root in extras(vec![2, 26, 52, 55, 59, 60, 61, 64, 65, 80, 99], 4),
        merchant in extras(vec![3, 4, 50], 1),
        beneficiary in extras(vec![2, 3], 1),
        additional in extras(vec![2, 3, 4, 6, 9, 10, 50, 99], 2),
        seeds in prop::array::uniform4(prop::option::of(any::<u64>())),
        flip_initiation in any::<bool>(),
        amount_style in 0u8..3,
    ) -> VietQr {
        // 62/09 holds at most 3 characters.
        let additional = additional
            .into_iter()
            .map(|f| if f.id == 9 { Field::new(9, f.value.chars().take(3).collect::<String>()) } else { f })
            .collect();
        qr.preserved.root = root;
        qr.preserved.merchant_account = merchant;
        qr.preserved.beneficiary = beneficiary;
        qr.preserved.additional = additional;

        let mut root_ids: Vec<u8> = vec![1, 38, 53, 58];
        root_ids.extend(qr.amount.map(|_| 54));
        let has_62 = qr.purpose.is_some() || qr.bill_number.is_some() || qr.reference_label.is_some()
            || qr.terminal_label.is_some() || !qr.preserved.additional.is_empty();
        root_ids.extend(has_62.then_some(62));
        root_ids.extend(qr.preserved.root.iter().map(|f| f.id));
        let mut merchant_ids = vec![0, 1, 2];
        merchant_ids.extend(qr.preserved.merchant_account.iter().map(|f| f.id));
        let mut beneficiary_ids = vec![0, 1];
        beneficiary_ids.extend(qr.preserved.beneficiary.iter().map(|f| f.id));
        let mut additional_ids: Vec<u8> = [(1, &qr.bill_number), (5, &qr.reference_label), (7, &qr.terminal_label), (8, &qr.purpose)]
            .iter()
            .filter(|(_, v)| v.is_some())
            .map(|(id, _)| *id)
            .collect();
        additional_ids.extend(qr.preserved.additional.iter().map(|f| f.id));
        for ids in [&mut root_ids, &mut merchant_ids, &mut beneficiary_ids, &mut additional_ids] {
            ids.sort_unstable();
        }
        let order = &mut qr.preserved.order;
        order.root = seeds[0].and_then(|s| shuffled(root_ids, s));
        order.merchant_account = seeds[1].and_then(|s| shuffled(merchant_ids, s));
        order.beneficiary = seeds[2].and_then(|s| shuffled(beneficiary_ids, s));
        order.additional = seeds[3].and_then(|s| shuffled(additional_ids, s));

        if flip_initiation {
            qr.preserved.initiation = Some(match qr.initiation() {
                Initiation::Static => Initiation::Dynamic,
                Initiation::Dynamic => Initiation::Static,
            });
        }
        if let Some(amount) = qr.amount {
            let text = match amount_style {
                1 => format!("{amount}."),
                2 => format!("0{amount}"),
                _ => String::new(),
            };
            if !text.is_empty() && text.len() <= 13 {
                qr.preserved.amount_text = Some(text);
            }
        }
        qr
    }
}

/// Encodes, treating an over-full template as "not a valid value" rather than a failure.
fn encode_valid(qr: &VietQr) -> Option<String> {
    match encode(qr) {
        Ok(payload) => Some(payload),
        Err(EncodeError::TemplateTooLong { .. }) => None,
        Err(e) => panic!("valid value rejected: {e}\n{qr:?}"),
    }
}

fn with_crc(body: &str) -> String {
    let body = format!("{body}6304");
    format!("{body}{:04X}", crc16(body.as_bytes()))
}

#[derive(Debug, Clone)]
enum Mutation {
    Replace(usize, char),
    Insert(usize, char),
    Delete(usize),
    Truncate(usize),
    Swap(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let c = prop_oneof![4 => prop::char::range('0', '9'), 2 => prop::char::range(' ', '~'), 1 => any::<char>()];
    prop_oneof![
        (any::<usize>(), c.clone()).prop_map(|(i, c)| Mutation::Replace(i, c)),
        (any::<usize>(), c).prop_map(|(i, c)| Mutation::Insert(i, c)),
        any::<usize>().prop_map(Mutation::Delete),
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), any::<usize>()).prop_map(|(i, j)| Mutation::Swap(i, j)),
    ]
}

fn mutate(payload: &str, mutations: &[Mutation]) -> String {
    let mut chars: Vec<char> = payload.chars().collect();
    for m in mutations {
        let n = chars.len().max(1);
        match *m {
            Mutation::Replace(i, c) if !chars.is_empty() => chars[i % n] = c,
            Mutation::Insert(i, c) => chars.insert(i % (chars.len() + 1), c),
            Mutation::Delete(i) if !chars.is_empty() => {
                chars.remove(i % n);
            }
            Mutation::Truncate(i) => chars.truncate(i % (chars.len() + 1)),
            Mutation::Swap(i, j) if !chars.is_empty() => chars.swap(i % n, j % n),
            _ => {}
        }
    }
    chars.into_iter().collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn decode_inverts_encode(qr in valid_qr()) {
        if let Some(payload) = encode_valid(&qr) {
            let crc = format!("{:04X}", crc16(&payload.as_bytes()[..payload.len() - 4]));
            prop_assert!(payload.ends_with(&crc));
            let decoded = decode(&payload);
            prop_assert_eq!(decoded.as_ref(), Ok(&qr), "{}", payload);
            let again = encode(&qr);
            prop_assert_eq!(again.as_deref(), Ok(payload.as_str()));
        }
    }

    #[test]
    fn plain_values_encode_canonically(qr in base_qr()) {
        if let Some(payload) = encode_valid(&qr) {
            let want = if qr.amount.is_some() { "000201010212" } else { "000201010211" };
            prop_assert!(payload.starts_with(want));
            prop_assert!(decode(&payload).unwrap().preserved.is_empty());
        }
    }

    #[test]
    fn decode_never_panics_on_arbitrary_strings(text in any::<String>()) {
        let _ = decode(&text);
        fuzz_decode(text.as_bytes());
    }

    #[test]
    fn decode_never_panics_on_tlv_like_strings_with_a_valid_crc(body in "([0-9]{4}[ -~ạđ]{0,12}){0,12}") {
        let payload = with_crc(&body);
        let _ = decode(&payload);
        fuzz_decode(payload.as_bytes());
    }

    #[test]
    fn decode_never_panics_on_mutated_payloads(
        qr in valid_qr(),
        mutations in prop::collection::vec(mutation(), 1..4),
        fix_crc in any::<bool>(),
    ) {
        if let Some(payload) = encode_valid(&qr) {
            let mut mutated = mutate(&payload, &mutations);
            if fix_crc {
                let body = mutated.chars().count().saturating_sub(8);
                mutated = with_crc(&mutated.chars().take(body).collect::<String>());
            }
            let _ = decode(&mutated);
            fuzz_decode(mutated.as_bytes());
        }
    }

    /// The fuzz target's body on arbitrary bytes, for machines without nightly.
    #[test]
    fn fuzz_body_on_arbitrary_bytes(data in prop::collection::vec(any::<u8>(), 0..300)) {
        fuzz_decode(&data);
    }
}
