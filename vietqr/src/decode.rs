//! Payload → [`VietQr`], following the rules in the crate README ("Rules worth knowing").

use crate::crc::{crc16, crc_hex};
use crate::error::DecodeError;
use crate::model::{Field, Initiation, Order, Preserved, Service, TagPath, VietQr};
use crate::tlv::{
    additional_max_chars, char_len, parse_amount, AmountIssue, OrderTracker, Seen, Walker, ACCOUNT_MAX_CHARS, COUNTRY_VN, CURRENCY_VND,
    NAPAS_GUID, SERVICE_MAX_CHARS,
};

/// Parses and validates a VietQR NAPAS247 transfer payload.
///
/// Checks, in this order: the trailing `6304` + CRC (hex compared case-insensitively), the strict
/// TLV structure of the root (00 first, 63 last, no repeated ID), then tag 38 (service code first,
/// so that a merchant or ATM code is reported as [`DecodeError::UnsupportedService`] rather than
/// as malformed), 01, 53, 58, 54 and 62. Objects the typed fields do not model are kept in
/// [`VietQr::preserved`] with their order. An unknown BIN is not an error: see
/// [`VietQr::warnings`].
pub fn decode(payload: &str) -> Result<VietQr, DecodeError> {
    verify_crc(payload)?;

    let mut format = None;
    let mut initiation = None;
    let mut merchant = None;
    let mut currency = None;
    let mut amount = None;
    let mut country = None;
    let mut additional = None;
    let mut crc_seen = false;
    let mut extras = Vec::new();
    let mut seen = Seen::default();
    let mut order = OrderTracker::new();

    let mut walker = Walker::new(payload, TagPath::ROOT);
    while let Some(object) = walker.next() {
        let object = object.map_err(|e| walker.describe(e))?;
        let tag = TagPath::tag(object.id);
        if format.is_none() && object.id != 0 {
            return Err(DecodeError::FormatIndicatorNotFirst { found: tag });
        }
        if !seen.insert(object.id) {
            return Err(DecodeError::DuplicateTag { tag });
        }
        match object.id {
            0 => format = Some(object.value),
            63 => {
                if !walker.at_end() {
                    return Err(DecodeError::CrcNotLast);
                }
                let length = char_len(object.value);
                if length != 4 {
                    return Err(DecodeError::CrcLength { length });
                }
                crc_seen = true;
            }
            id => {
                order.push(id);
                let value = Some(object.value);
                match id {
                    1 => initiation = value,
                    38 => merchant = value,
                    53 => currency = value,
                    54 => amount = value,
                    58 => country = value,
                    62 => additional = value,
                    _ => extras.push(Field::new(id, object.value)),
                }
            }
        }
    }

    let format = format.ok_or_else(|| missing(0, "payload format indicator"))?;
    if format != "01" {
        return Err(DecodeError::InvalidFormatIndicator { found: format.to_owned() });
    }
    if !crc_seen {
        return Err(missing(63, "CRC"));
    }

    let merchant = merchant.ok_or_else(|| missing(38, "merchant account information"))?;
    let beneficiary = decode_merchant(merchant)?;

    let initiation = match initiation {
        Some("11") => Initiation::Static,
        Some("12") => Initiation::Dynamic,
        Some(found) => return Err(DecodeError::InvalidInitiation { found: found.to_owned() }),
        None => return Err(missing(1, "point of initiation method")),
    };
    match currency {
        Some(CURRENCY_VND) => {}
        Some(found) => return Err(DecodeError::InvalidCurrency { found: found.to_owned() }),
        None => return Err(missing(53, "transaction currency")),
    }
    match country {
        Some(COUNTRY_VN) => {}
        Some(found) => return Err(DecodeError::InvalidCountry { found: found.to_owned() }),
        None => return Err(missing(58, "country code")),
    }

    let (amount, amount_text) = match amount {
        None => (None, None),
        Some(text) => {
            let value = parse_amount(text).map_err(|issue| amount_error(issue, text))?;
            // After a successful parse the text is digits with an optional trailing '.', so it is
            // the plain decimal exactly when it has neither a leading zero nor a '.'.
            let plain = !text.starts_with('0') && !text.ends_with('.');
            (Some(value), (!plain).then(|| text.to_owned()))
        }
    };

    let additional = match additional {
        Some(text) => decode_additional(text)?,
        None => Additional::default(),
    };

    // Preserved fields are listed by ID; where they stood is recorded in `Order` alone, so that
    // one code has one representation.
    let root_order = order.finish();
    if root_order.is_some() {
        extras.sort_by_key(|f| f.id);
    }

    let rule = if amount.is_some() { Initiation::Dynamic } else { Initiation::Static };

    Ok(VietQr {
        bin: beneficiary.bin.to_owned(),
        account: beneficiary.account.to_owned(),
        service: beneficiary.service,
        amount,
        purpose: additional.purpose.map(str::to_owned),
        bill_number: additional.bill.map(str::to_owned),
        reference_label: additional.reference.map(str::to_owned),
        terminal_label: additional.terminal.map(str::to_owned),
        preserved: Preserved {
            root: extras,
            merchant_account: beneficiary.merchant_extras,
            beneficiary: beneficiary.beneficiary_extras,
            additional: additional.extras,
            order: Order {
                root: root_order,
                merchant_account: beneficiary.merchant_order,
                beneficiary: beneficiary.beneficiary_order,
                additional: additional.order,
            },
            initiation: (initiation != rule).then_some(initiation),
            amount_text,
        },
    })
}

fn missing(id: u8, name: &'static str) -> DecodeError {
    DecodeError::MissingField { tag: TagPath::tag(id), name }
}

fn amount_error(issue: AmountIssue, text: &str) -> DecodeError {
    let found = text.to_owned();
    match issue {
        AmountIssue::TooLong(length) => DecodeError::FieldTooLong { tag: TagPath::tag(54), length, max: crate::tlv::AMOUNT_MAX_CHARS },
        AmountIssue::NotNumeric => DecodeError::AmountNotNumeric { found },
        AmountIssue::HasDecimals => DecodeError::AmountHasDecimals { found },
        AmountIssue::Zero => DecodeError::AmountZero { found },
    }
}

fn verify_crc(payload: &str) -> Result<(), DecodeError> {
    let bytes = payload.as_bytes();
    let n = bytes.len();
    if n < 8 || &bytes[n - 8..n - 4] != b"6304" {
        return Err(DecodeError::MissingCrc);
    }
    // Byte n-5 is the ASCII '4', so n-4 is a character boundary and `get` cannot fail here.
    let found = payload.get(n - 4..).ok_or(DecodeError::MissingCrc)?;
    let Some(value) = found.bytes().try_fold(0u16, |acc, b| Some(acc << 4 | hex_value(b)?)) else {
        return Err(DecodeError::InvalidCrcDigits { found: found.to_owned() });
    };
    let expected = crc16(&bytes[..n - 4]);
    if value != expected {
        let hex = crc_hex(expected);
        return Err(DecodeError::CrcMismatch { expected: String::from_utf8_lossy(&hex).into_owned(), found: found.to_owned() });
    }
    Ok(())
}

fn hex_value(b: u8) -> Option<u16> {
    char::from(b).to_digit(16).map(|d| d as u16)
}

struct Beneficiary<'a> {
    bin: &'a str,
    account: &'a str,
    service: Service,
    merchant_extras: Vec<Field>,
    beneficiary_extras: Vec<Field>,
    merchant_order: Option<Vec<u8>>,
    beneficiary_order: Option<Vec<u8>>,
}

fn decode_merchant(text: &str) -> Result<Beneficiary<'_>, DecodeError> {
    let scope = TagPath::tag(38);
    let (mut guid, mut organization, mut service) = (None, None, None);
    let mut merchant_extras = Vec::new();
    let mut seen = Seen::default();
    let mut order = OrderTracker::new();
    let mut walker = Walker::new(text, scope);
    while let Some(object) = walker.next() {
        let object = object.map_err(|e| walker.describe(e))?;
        if !seen.insert(object.id) {
            return Err(DecodeError::DuplicateTag { tag: scope.child(object.id) });
        }
        order.push(object.id);
        match object.id {
            0 => guid = Some(object.value),
            1 => organization = Some(object.value),
            2 => service = Some(object.value),
            id => merchant_extras.push(Field::new(id, object.value)),
        }
    }

    let service = service.ok_or_else(|| DecodeError::MissingField { tag: scope.child(2), name: "service code" })?;
    let length = char_len(service);
    if length > SERVICE_MAX_CHARS {
        return Err(DecodeError::FieldTooLong { tag: scope.child(2), length, max: SERVICE_MAX_CHARS });
    }
    let service = Service::from_code(service).ok_or_else(|| DecodeError::UnsupportedService { code: service.to_owned() })?;

    match guid {
        Some(NAPAS_GUID) => {}
        Some(found) => return Err(DecodeError::InvalidGuid { found: found.to_owned() }),
        None => return Err(DecodeError::MissingField { tag: scope.child(0), name: "GUID" }),
    }

    let organization = organization.ok_or_else(|| DecodeError::MissingField { tag: scope.child(1), name: "beneficiary organization" })?;
    let scope = scope.child(1);
    let (mut bin, mut account) = (None, None);
    let mut beneficiary_extras = Vec::new();
    let mut seen = Seen::default();
    let mut beneficiary_order = OrderTracker::new();
    let mut walker = Walker::new(organization, scope);
    while let Some(object) = walker.next() {
        let object = object.map_err(|e| walker.describe(e))?;
        if !seen.insert(object.id) {
            return Err(DecodeError::DuplicateTag { tag: scope.child(object.id) });
        }
        beneficiary_order.push(object.id);
        match object.id {
            0 => bin = Some(object.value),
            1 => account = Some(object.value),
            id => beneficiary_extras.push(Field::new(id, object.value)),
        }
    }
    let bin = bin.ok_or_else(|| DecodeError::MissingField { tag: scope.child(0), name: "acquirer BIN" })?;
    if char_len(bin) != 6 {
        return Err(DecodeError::InvalidBin { found: bin.to_owned() });
    }
    let account = account.ok_or_else(|| DecodeError::MissingField { tag: scope.child(1), name: "account or card number" })?;
    let length = char_len(account);
    if length > ACCOUNT_MAX_CHARS {
        return Err(DecodeError::FieldTooLong { tag: scope.child(1), length, max: ACCOUNT_MAX_CHARS });
    }

    let merchant_order = order.finish();
    if merchant_order.is_some() {
        merchant_extras.sort_by_key(|f| f.id);
    }
    let beneficiary_order = beneficiary_order.finish();
    if beneficiary_order.is_some() {
        beneficiary_extras.sort_by_key(|f| f.id);
    }
    Ok(Beneficiary { bin, account, service, merchant_extras, beneficiary_extras, merchant_order, beneficiary_order })
}

#[derive(Default)]
struct Additional<'a> {
    bill: Option<&'a str>,
    reference: Option<&'a str>,
    terminal: Option<&'a str>,
    purpose: Option<&'a str>,
    extras: Vec<Field>,
    order: Option<Vec<u8>>,
}

fn decode_additional(text: &str) -> Result<Additional<'_>, DecodeError> {
    let scope = TagPath::tag(62);
    let mut additional = Additional::default();
    let mut seen = Seen::default();
    let mut order = OrderTracker::new();
    let mut walker = Walker::new(text, scope);
    while let Some(object) = walker.next() {
        let object = object.map_err(|e| walker.describe(e))?;
        let tag = scope.child(object.id);
        if !seen.insert(object.id) {
            return Err(DecodeError::DuplicateTag { tag });
        }
        if let Some(max) = additional_max_chars(object.id) {
            let length = char_len(object.value);
            if length > max {
                return Err(DecodeError::FieldTooLong { tag, length, max });
            }
        }
        order.push(object.id);
        let value = Some(object.value);
        match object.id {
            1 => additional.bill = value,
            5 => additional.reference = value,
            7 => additional.terminal = value,
            8 => additional.purpose = value,
            id => additional.extras.push(Field::new(id, object.value)),
        }
    }
    additional.order = order.finish();
    if additional.order.is_some() {
        additional.extras.sort_by_key(|f| f.id);
    }
    Ok(additional)
}
