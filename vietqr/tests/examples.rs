//! Published VietQR payloads (real codes from banks and apps) and worked examples.

use vietqr::{
    crc16, decode, encode, encode_with, DecodeError, EncodeError, EncodeOptions, Field, Initiation, Service, TagPath, VietQr, Warning,
};

const EX1: &str = "00020101021138570010A00000072701270006970403011200110123456780208QRIBFTTA53037045802VN6304F4E5";
const EX2: &str = "00020101021138600010A00000072701300006970403011697040311012345670208QRIBFTTC53037045802VN63044F52";
const EX3: &str = "00020101021238570010A00000072701270006970403011300110123456780208QRIBFTTA530370454061800005802VN62340107NPS68690819thanh toan don hang63042E2E";
/// NAPAS v1.0 §6.1.4, the full string from the step table (the headline string is wrong).
const EX_ERRATUM: &str = "00020101021238600010A00000072701300006970403011697040311012345670208QRIBFTTC530370454061800005802VN62340107NPS68690819thanh toan don hang6304A203";
/// The §6.1.4 headline: `010211`, no 54/62, yet the CRC of the full string.
const EX_ERRATUM_HEADLINE: &str = "00020101021138600010A00000072701300006970403011697040311012345670208QRIBFTTC53037045802VN6304A203";
const EX4: &str =
    "00020101021238560010A0000007270126000697041501121133666688880208QRIBFTTA53037045405790005802VN62220818Ung Ho Quy Vac Xin63043ACF";
const EX5: &str = "00020101021138580010A000000727012800069704070114190304136010180208QRIBFTTA53037045802VN63040283";
const EX6: &str = "00020101021238570010A00000072701270006970403011300110123456780208QRIBFTTA530370454062500005802VN62620110INV20240010304CH010509REF7788990705POS020808Mua hang0902ME6304F29D";
/// MB Bank static code with a lowercase CRC (`xuannghia/vietnam-qr-pay`, "MBBank QR with lowercase CRC").
const MB_LOWERCASE: &str = "00020101021138540010A00000072701240006970422011003523509170208QRIBFTTA53037045802VN630479db";
/// ACB code from the same test file: amount and purpose.
const ACB: &str = "00020101021238530010A0000007270123000697041601092576788590208QRIBFTTA5303704540410005802VN62150811Chuyen tien6304BBB8";

fn sacombank(account: &str, service: Service) -> VietQr {
    VietQr::new("970403", account, service)
}

#[test]
fn crc_check_value_and_worked_example() {
    assert_eq!(crc16(b"123456789"), 0x29B1);
    let input = "00020101021138570010A00000072701270006970403011200110123456780208QRIBFTTA53037045802VN6304";
    assert_eq!(crc16(input.as_bytes()), 0xF4E5);
    assert_eq!(EX1, format!("{input}F4E5"));
}

/// NAPAS's own §6.1.1 example is malformed: 38/01/01 says length 12 but the account
/// `0011012345678` has 13 characters, which the 38/01 length (27) and 38 length (57) count. A
/// strict walk of 38/01 therefore finds one character ("8") left over. The CRC is right.
#[test]
fn ex1_has_a_length_error_inside_38_01() {
    let e = decode(EX1).unwrap_err();
    assert_eq!(e, DecodeError::TrailingData { scope: vietqr::Scope(TagPath::tag(38).child(1)), found: "8".into() });
    assert_eq!(e.to_string(), "tag 38/01: trailing characters \"8\" do not form a data object");
    // Corrected (0113), the same code decodes as the reference describes and round-trips.
    let fixed = with_crc(&EX1.replace("01120011012345678", "01130011012345678").replace("F4E5", "XXXX"));
    let qr = decode(&fixed).unwrap();
    assert_eq!(qr, sacombank("0011012345678", Service::ToAccount));
    assert_eq!(qr.initiation(), Initiation::Static);
    assert_eq!(qr.bank().unwrap().short_name, "Sacombank");
    assert!(qr.warnings().is_empty());
    assert_eq!(encode(&qr).unwrap(), fixed);
}

#[test]
fn ex2_static_to_card() {
    let qr = decode(EX2).unwrap();
    assert_eq!(qr, sacombank("9704031101234567", Service::ToCard));
    assert_eq!(encode(&qr).unwrap(), EX2);
}

#[test]
fn ex3_dynamic_with_bill_and_purpose() {
    let qr = decode(EX3).unwrap();
    let want =
        sacombank("0011012345678", Service::ToAccount).with_amount(180_000).with_bill_number("NPS6869").with_purpose("thanh toan don hang");
    assert_eq!(qr, want);
    assert_eq!(qr.initiation(), Initiation::Dynamic);
    assert_eq!(encode(&want).unwrap(), EX3);
}

#[test]
fn erratum_full_string_verifies_and_headline_does_not() {
    let qr = decode(EX_ERRATUM).unwrap();
    let want =
        sacombank("9704031101234567", Service::ToCard).with_amount(180_000).with_bill_number("NPS6869").with_purpose("thanh toan don hang");
    assert_eq!(qr, want);
    assert_eq!(encode(&want).unwrap(), EX_ERRATUM);

    let err = decode(EX_ERRATUM_HEADLINE).unwrap_err();
    assert_eq!(err, DecodeError::CrcMismatch { expected: "4F52".into(), found: "A203".into() });
    assert_eq!(err.to_string(), "CRC mismatch: expected 4F52, found A203");
}

#[test]
fn ex4_vietinbank_real_service_output() {
    let qr = decode(EX4).unwrap();
    let want = VietQr::new("970415", "113366668888", Service::ToAccount).with_amount(79_000).with_purpose("Ung Ho Quy Vac Xin");
    assert_eq!(qr, want);
    assert_eq!(qr.bank().unwrap().short_name, "VietinBank");
    assert_eq!(encode(&want).unwrap(), EX4);
}

#[test]
fn ex5_crc_with_leading_zero() {
    let qr = decode(EX5).unwrap();
    assert_eq!(qr, VietQr::new("970407", "19030413601018", Service::ToAccount));
    let payload = encode(&qr).unwrap();
    assert_eq!(payload, EX5);
    assert!(payload.ends_with("63040283"));
}

#[test]
fn ex6_several_additional_fields() {
    let qr = decode(EX6).unwrap();
    let mut want = sacombank("0011012345678", Service::ToAccount)
        .with_amount(250_000)
        .with_bill_number("INV2024001")
        .with_reference_label("REF778899")
        .with_terminal_label("POS02")
        .with_purpose("Mua hang");
    want.preserved.additional = vec![Field::new(3, "CH01"), Field::new(9, "ME")];
    assert_eq!(qr, want);
    assert_eq!(encode(&want).unwrap(), EX6);
}

#[test]
fn lowercase_crc_is_accepted_and_reemitted_uppercase() {
    let qr = decode(MB_LOWERCASE).unwrap();
    assert_eq!(qr, VietQr::new("970422", "0352350917", Service::ToAccount));
    assert_eq!(qr.bank().unwrap().short_name, "MB Bank");
    assert!(encode(&qr).unwrap().ends_with("630479DB"));
    // And a lowercase version of a code whose CRC has letters only in hex.
    let lower = format!("{}{}", &EX4[..EX4.len() - 4], EX4[EX4.len() - 4..].to_lowercase());
    assert_eq!(decode(&lower).unwrap(), decode(EX4).unwrap());
}

#[test]
fn acb_real_code() {
    let qr = decode(ACB).unwrap();
    let want = VietQr::new("970416", "257678859", Service::ToAccount).with_amount(1000).with_purpose("Chuyen tien");
    assert_eq!(qr, want);
    assert_eq!(encode(&want).unwrap(), ACB);
}

/// Replaces the last four characters with the CRC of the rest.
fn with_crc(body: &str) -> String {
    let body = body.strip_suffix("XXXX").expect("body ends with 6304XXXX");
    format!("{body}{:04X}", crc16(body.as_bytes()))
}

#[test]
fn unknown_objects_keep_their_positions() {
    // 52 (MCC), 59/60 and a template 80 at the root, 62/50, 38/03 and 38/01/02, all in ID order.
    let organization = tlv(0, "970403") + &tlv(1, "0011012345678") + &tlv(2, "x");
    let merchant_info = tlv(0, "A000000727") + &tlv(1, &organization) + &tlv(2, "QRIBFTTA") + &tlv(3, "y");
    let payload = build(&[
        tlv(1, "11"),
        tlv(38, &merchant_info),
        tlv(52, "5999"),
        tlv(53, "704"),
        tlv(58, "VN"),
        tlv(59, "WARD 7"),
        tlv(60, "HANOI"),
        tlv(62, &(tlv(5, "REF00001") + &tlv(50, "ab"))),
        tlv(80, &tlv(0, "1234")),
    ]);
    let qr = decode(&payload).unwrap();
    assert_eq!(
        qr.preserved.root,
        vec![Field::new(52, "5999"), Field::new(59, "WARD 7"), Field::new(60, "HANOI"), Field::new(80, "00041234")]
    );
    assert_eq!(qr.preserved.additional, vec![Field::new(50, "ab")]);
    assert_eq!(qr.preserved.merchant_account, vec![Field::new(3, "y")]);
    assert_eq!(qr.preserved.beneficiary, vec![Field::new(2, "x")]);
    assert_eq!(qr.reference_label.as_deref(), Some("REF00001"));
    assert!(qr.preserved.order.is_canonical());
    assert_eq!(encode(&qr).unwrap(), payload);
}

#[test]
fn any_order_is_accepted_and_reproduced() {
    // Root: 58 before 53 and 38 late; inside 38: 02 first; inside 62: 08 before 01.
    let organization = tlv(0, "970403") + &tlv(1, "0011012345678");
    let merchant_info = tlv(2, "QRIBFTTA") + &tlv(0, "A000000727") + &tlv(1, &organization);
    let payload = build(&[
        tlv(1, "12"),
        tlv(58, "VN"),
        tlv(53, "704"),
        tlv(54, "50000."),
        tlv(38, &merchant_info),
        tlv(62, &(tlv(8, "1A") + &tlv(1, "B-001"))),
    ]);
    let qr = decode(&payload).unwrap();
    assert_eq!(qr.amount, Some(50_000));
    assert_eq!(qr.preserved.amount_text.as_deref(), Some("50000."));
    assert_eq!(qr.preserved.order.root.as_deref(), Some(&[1, 58, 53, 54, 38, 62][..]));
    assert_eq!(qr.preserved.order.merchant_account.as_deref(), Some(&[2, 0, 1][..]));
    assert_eq!(qr.preserved.order.additional.as_deref(), Some(&[8, 1][..]));
    assert_eq!(qr.purpose.as_deref(), Some("1A"));
    assert_eq!(qr.bill_number.as_deref(), Some("B-001"));
    assert_eq!(encode(&qr).unwrap(), payload);
}

#[test]
fn static_code_with_amount_is_accepted_and_reproduced() {
    let payload = with_crc("00020101021138570010A00000072701270006970403011300110123456780208QRIBFTTA5303704540410005802VN6304XXXX");
    let qr = decode(&payload).unwrap();
    assert_eq!(qr.amount, Some(1000));
    assert_eq!(qr.preserved.initiation, Some(Initiation::Static));
    assert_eq!(qr.initiation(), Initiation::Static);
    assert_eq!(encode(&qr).unwrap(), payload);
}

#[test]
fn unknown_bin_is_a_warning_when_decoding_and_an_error_when_encoding() {
    let payload = with_crc("00020101021138570010A00000072701270006123456011300110123456780208QRIBFTTA53037045802VN6304XXXX");
    let qr = decode(&payload).unwrap();
    assert_eq!(qr.bin, "123456");
    assert_eq!(qr.warnings(), vec![Warning::UnknownBin { bin: "123456".into() }]);
    assert_eq!(encode(&qr), Err(EncodeError::UnknownBin { bin: "123456".into() }));
    let options = EncodeOptions { allow_unknown_bin: true, ..EncodeOptions::default() };
    assert_eq!(encode_with(&qr, &options).unwrap(), payload);
}

#[test]
fn non_ascii_values_are_measured_in_characters() {
    // 62/08 "Thanh toán" is 10 characters but 11 bytes.
    let payload =
        with_crc("00020101021138570010A00000072701270006970403011300110123456780208QRIBFTTA53037045802VN62140810Thanh toán6304XXXX");
    let qr = decode(&payload).unwrap();
    assert_eq!(qr.purpose.as_deref(), Some("Thanh toán"));
    // The encoder normalises the purpose, so this one is not reproduced byte for byte.
    let again = decode(&encode(&qr).unwrap()).unwrap();
    assert_eq!(again.purpose.as_deref(), Some("Thanh toan"));
}

fn err(payload: &str) -> DecodeError {
    decode(payload).unwrap_err()
}

#[test]
fn each_failure_has_its_own_variant() {
    let tag = TagPath::tag;
    // CRC.
    assert_eq!(err(""), DecodeError::MissingCrc);
    assert_eq!(err(&EX1[..EX1.len() - 1]), DecodeError::MissingCrc);
    let bad_digits = format!("{}F4EG", &EX1[..EX1.len() - 4]);
    assert_eq!(err(&bad_digits), DecodeError::InvalidCrcDigits { found: "F4EG".into() });
    assert_eq!(err(&EX1.replace("F4E5", "F4E6")).to_string(), "CRC mismatch: expected F4E5, found F4E6");

    // TLV structure.
    assert_eq!(
        err(&with_crc("0002010102113857001XA0000007270127000697040301130011012345678X208QRIBFTTA53037045802VN6304XXXX")),
        DecodeError::InvalidLength { tag: tag(38).child(0), found: "1X".into() }
    );
    let e = err(&with_crc("00020101021138570X10A00000072701270006970403011300110123456780208QRIBFTTA53037045802VN6304XXXX"));
    assert!(matches!(e, DecodeError::InvalidId { .. }), "{e}");
    assert_eq!(e.to_string(), "tag 38: identifier \"0X\" at character 0 is not two digits");
    assert_eq!(err(&with_crc("00020101021153000010A0000007276304XXXX")), DecodeError::ZeroLength { tag: tag(53) });
    let e = err(&with_crc("00020101021154126304XXXX"));
    assert_eq!(e, DecodeError::Overrun { tag: tag(54), length: 12, scope: vietqr::Scope(TagPath::ROOT) });
    assert_eq!(e.to_string(), "tag 54: length 12 runs past the end of the payload");
    let good = merchant("A000000727", "970403", "1", "QRIBFTTA");
    let e = err(&build(&[tlv(1, "11"), good, tlv(53, "704"), tlv(58, "VN"), tlv(62, "0899")]));
    assert_eq!(e.to_string(), "tag 62/08: length 99 runs past the end of tag 62");
    let good = merchant("A000000727", "970403", "1", "QRIBFTTA");
    assert_eq!(
        err(&build(&[tlv(1, "11"), good, tlv(53, "704"), tlv(58, "VN"), tlv(62, "0801a06")])),
        DecodeError::TrailingData { scope: vietqr::Scope(tag(62)), found: "06".into() }
    );

    // Placement and duplicates.
    assert_eq!(err(&with_crc("01021100020153037046304XXXX")), DecodeError::FormatIndicatorNotFirst { found: tag(1) });
    assert_eq!(err(&with_crc("00020101021101021253037046304XXXX")), DecodeError::DuplicateTag { tag: tag(1) });
    assert_eq!(err(&with_crc("00020163040000010211530370458026304XXXX")), DecodeError::CrcNotLast);
    let swallowed = with_crc("00020101021163086304XXXX");
    assert_eq!(err(&swallowed), DecodeError::CrcLength { length: 8 });
    assert_eq!(
        err(&with_crc("00020101021153037045802VN6304XXXX")),
        DecodeError::MissingField { tag: tag(38), name: "merchant account information" }
    );

    // Values.
    let ex1_body = &EX5[..EX5.len() - 4];
    let replace = |from: &str, to: &str| with_crc(&format!("{}XXXX", ex1_body.replacen(from, to, 1)));
    assert_eq!(err(&replace("000201", "000202")), DecodeError::InvalidFormatIndicator { found: "02".into() });
    assert_eq!(err(&replace("010211", "010213")), DecodeError::InvalidInitiation { found: "13".into() });
    assert_eq!(err(&replace("5303704", "5303840")), DecodeError::InvalidCurrency { found: "840".into() });
    assert_eq!(err(&replace("5802VN", "5802TH")), DecodeError::InvalidCountry { found: "TH".into() });
    assert_eq!(err(&replace("0010A000000727", "0010A000000775")), DecodeError::InvalidGuid { found: "A000000775".into() });
    let amount =
        |text: &str| with_crc(&format!("{}XXXX", ex1_body.replacen("5802VN", &format!("54{:02}{text}5802VN", text.chars().count()), 1)));
    assert_eq!(decode(&amount("50000.")).unwrap().amount, Some(50_000));
    assert_eq!(err(&amount("50000.00")), DecodeError::AmountHasDecimals { found: "50000.00".into() });
    assert_eq!(err(&amount("50 000")), DecodeError::AmountNotNumeric { found: "50 000".into() });
    assert_eq!(err(&amount("0")), DecodeError::AmountZero { found: "0".into() });
    assert_eq!(err(&amount("12345678901234")), DecodeError::FieldTooLong { tag: tag(54), length: 14, max: 13 });
}

fn tlv(id: u8, value: &str) -> String {
    format!("{id:02}{:02}{value}", value.chars().count())
}

/// A payload from root objects (00 and 63 added).
fn build(objects: &[String]) -> String {
    with_crc(&format!("000201{}6304XXXX", objects.concat()))
}

fn merchant(guid: &str, bin: &str, account: &str, service: &str) -> String {
    let organization = tlv(0, bin) + &tlv(1, account);
    tlv(38, &(tlv(0, guid) + &tlv(1, &organization) + &tlv(2, service)))
}

fn static_code(merchant: String) -> String {
    build(&[tlv(1, "11"), merchant, tlv(53, "704"), tlv(58, "VN")])
}

#[test]
fn builders_agree_with_the_reference() {
    assert_eq!(static_code(merchant("A000000727", "970407", "19030413601018", "QRIBFTTA")), EX5);
}

#[test]
fn template_and_field_value_errors() {
    let tag = TagPath::tag;
    let code = |guid, bin, account, service| static_code(merchant(guid, bin, account, service));
    assert_eq!(err(&code("A000000775", "970403", "1", "QRIBFTTA")), DecodeError::InvalidGuid { found: "A000000775".into() });
    assert_eq!(err(&code("A000000727", "97040", "1", "QRIBFTTA")), DecodeError::InvalidBin { found: "97040".into() });
    assert_eq!(
        err(&code("A000000727", "970403", "12345678901234567890", "QRIBFTTA")),
        DecodeError::FieldTooLong { tag: tag(38).child(1).child(1), length: 20, max: 19 }
    );
    assert_eq!(
        err(&code("A000000727", "970403", "1", "QRIBFTTAXYZ")),
        DecodeError::FieldTooLong { tag: tag(38).child(2), length: 11, max: 10 }
    );
    let no_service = tlv(38, &(tlv(0, "A000000727") + &tlv(1, &(tlv(0, "970403") + &tlv(1, "1")))));
    assert_eq!(err(&static_code(no_service)), DecodeError::MissingField { tag: tag(38).child(2), name: "service code" });
    let no_account = tlv(38, &(tlv(0, "A000000727") + &tlv(1, &tlv(0, "970403")) + &tlv(2, "QRIBFTTA")));
    assert_eq!(err(&static_code(no_account)), DecodeError::MissingField { tag: tag(38).child(1).child(1), name: "account or card number" });
    let duplicate = tlv(38, &(tlv(0, "A000000727") + &tlv(0, "A000000727")));
    assert_eq!(err(&static_code(duplicate)), DecodeError::DuplicateTag { tag: tag(38).child(0) });
    let good = merchant("A000000727", "970403", "1", "QRIBFTTA");
    let with_62 = |content: &str| build(&[tlv(1, "11"), good.clone(), tlv(53, "704"), tlv(58, "VN"), tlv(62, content)]);
    assert_eq!(err(&with_62(&tlv(8, &"a".repeat(26)))), DecodeError::FieldTooLong { tag: tag(62).child(8), length: 26, max: 25 });
    assert_eq!(err(&with_62(&tlv(9, "AMEX"))), DecodeError::FieldTooLong { tag: tag(62).child(9), length: 4, max: 3 });
    assert_eq!(err(&with_62(&(tlv(1, "a") + &tlv(1, "b")))), DecodeError::DuplicateTag { tag: tag(62).child(1) });
    // 62/50 is unbounded except by the template, and kept.
    let qr = decode(&with_62(&tlv(50, &"x".repeat(40)))).unwrap();
    assert_eq!(qr.preserved.additional, vec![Field::new(50, "x".repeat(40))]);
    assert_eq!(
        err(&build(&[tlv(1, "11"), good.clone(), tlv(58, "VN")])),
        DecodeError::MissingField { tag: tag(53), name: "transaction currency" }
    );
    assert_eq!(
        err(&build(&[tlv(1, "11"), good.clone(), tlv(53, "704")])),
        DecodeError::MissingField { tag: tag(58), name: "country code" }
    );
    assert_eq!(
        err(&build(&[good.clone(), tlv(53, "704"), tlv(58, "VN")])),
        DecodeError::MissingField { tag: tag(1), name: "point of initiation method" }
    );
}

#[test]
fn other_napas_services_are_unsupported_not_malformed() {
    for service in ["QRPUSH", "QRCASH", "XYZ"] {
        let e = err(&static_code(merchant("A000000727", "970403", "1", service)));
        assert_eq!(e, DecodeError::UnsupportedService { code: service.into() });
        assert!(e.to_string().contains(service));
    }
    // Reported even when the rest of tag 38 would not pass as a transfer.
    let e = err(&static_code(merchant("A000000727", "9704", "12345678901234567890", "QRPUSH")));
    assert_eq!(e, DecodeError::UnsupportedService { code: "QRPUSH".into() });
    // A VNPAY merchant code: no tag 38 at all.
    let vnpay = "00020101021126280010A000000775011001087990425204597753037045802VN5909MYPHAMHER6005HANOI6304XXXX";
    assert_eq!(err(&with_crc(vnpay)), DecodeError::MissingField { tag: TagPath::tag(38), name: "merchant account information" });
}

#[test]
fn encoder_errors() {
    let base = || VietQr::new("970436", "0123456789", Service::ToAccount);
    assert!(matches!(encode(&VietQr::new("97043", "1", Service::ToAccount)), Err(EncodeError::InvalidBin { .. })));
    assert!(matches!(encode(&VietQr::new("970401", "1", Service::ToAccount)), Err(EncodeError::UnknownBin { .. })));
    assert!(matches!(encode(&VietQr::new("970436", "", Service::ToAccount)), Err(EncodeError::InvalidAccount { .. })));
    assert!(matches!(encode(&VietQr::new("970436", "0123 456", Service::ToAccount)), Err(EncodeError::InvalidAccount { .. })));
    assert!(matches!(encode(&VietQr::new("970436", "12345678901234567890", Service::ToAccount)), Err(EncodeError::InvalidAccount { .. })));
    assert!(matches!(encode(&VietQr::new("970436", "0123456789", Service::ToCard)), Err(EncodeError::InvalidCardNumber { .. })));
    assert_eq!(encode(&base().with_amount(0)), Err(EncodeError::AmountZero));
    assert!(matches!(encode(&base().with_amount(10_000_000_000_000)), Err(EncodeError::AmountTooLarge { .. })));
    assert!(encode(&base().with_amount(9_999_999_999_999)).is_ok());
    let long = "Thanh toán hóa đơn tiền nước tháng 7";
    let e = encode(&base().with_purpose(long)).unwrap_err();
    assert!(matches!(e, EncodeError::PurposeTooLong { length: 36, max: 25, .. }), "{e}");
    let truncated = encode_with(&base().with_purpose(long), &EncodeOptions { truncate_purpose: true, ..EncodeOptions::default() }).unwrap();
    assert_eq!(decode(&truncated).unwrap().purpose.as_deref(), Some("Thanh toan hoa don tien n"));
    assert!(matches!(encode(&base().with_purpose("!!!")), Err(EncodeError::EmptyPurpose { .. })));
    assert!(matches!(encode(&base().with_bill_number("")), Err(EncodeError::EmptyField { .. })));
    assert!(matches!(encode(&base().with_bill_number("HĐ01")), Err(EncodeError::NotAscii { .. })));
    assert!(matches!(encode(&base().with_bill_number("x".repeat(26))), Err(EncodeError::FieldTooLong { .. })));
    let full = base()
        .with_purpose("a".repeat(25))
        .with_bill_number("b".repeat(25))
        .with_reference_label("c".repeat(25))
        .with_terminal_label("d".repeat(10));
    assert!(matches!(encode(&full), Err(EncodeError::TemplateTooLong { .. })));
    let mut reserved = base();
    reserved.preserved.root.push(Field::new(54, "1000"));
    assert!(matches!(encode(&reserved), Err(EncodeError::ReservedTag { .. })));
    let mut duplicate = base();
    duplicate.preserved.additional = vec![Field::new(3, "a"), Field::new(3, "b")];
    assert!(matches!(encode(&duplicate), Err(EncodeError::DuplicateTag { .. })));
    let mut bad_id = base();
    bad_id.preserved.root.push(Field::new(100, "x"));
    assert!(matches!(encode(&bad_id), Err(EncodeError::InvalidTagId { id: 100 })));
    let mut too_long_09 = base();
    too_long_09.preserved.additional.push(Field::new(9, "AMEX"));
    assert!(matches!(encode(&too_long_09), Err(EncodeError::FieldTooLong { .. })));
}

#[test]
fn encoder_output_shape() {
    let qr = VietQr::new("970436", "0123456789", Service::ToAccount)
        .with_amount(150_000)
        .with_purpose("Phí vệ sinh tháng 7/2024")
        .with_bill_number("HD-7");
    let payload = encode(&qr).unwrap();
    assert_eq!(
        payload,
        with_crc("00020101021238540010A00000072701240006970436011001234567890208QRIBFTTA530370454061500005802VN62360104HD-70824Phi ve sinh thang 7 20246304XXXX")
    );
}

#[cfg(feature = "serde")]
#[test]
fn serde_round_trip() {
    for payload in [EX2, EX3, EX6, MB_LOWERCASE] {
        let qr = decode(payload).unwrap();
        let json = serde_json::to_string(&qr).unwrap();
        assert!(json.contains("\"service\":"), "{json}");
        let back: VietQr = serde_json::from_str(&json).unwrap();
        assert_eq!(back, qr);
    }
    let minimal: VietQr = serde_json::from_str(r#"{"bin":"970436","account":"1","service":"to_card"}"#).unwrap();
    assert_eq!(minimal, VietQr::new("970436", "1", Service::ToCard));
}
