//! [`VietQr`] → payload.

use std::borrow::Cow;

use crate::banks;
use crate::crc::{crc16, crc_hex};
use crate::error::EncodeError;
use crate::model::{Field, TagPath, VietQr};
use crate::purpose::{is_normalized, normalize_purpose, PURPOSE_MAX_CHARS};
use crate::tlv::{additional_max_chars, char_len, parse_amount, Seen, ACCOUNT_MAX_CHARS, AMOUNT_MAX, COUNTRY_VN, CURRENCY_VND, NAPAS_GUID};

/// Choices the caller makes when encoding.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default))]
pub struct EncodeOptions {
    /// Cut a purpose longer than 25 characters (after normalisation) instead of failing.
    pub truncate_purpose: bool,
    /// Accept a BIN that is not in the bundled directory, e.g. to re-issue a decoded code for a
    /// bank newer than the directory. Off by default: a typo in a BIN makes a code that every
    /// bank app rejects, and WardPay would only find out from residents.
    pub allow_unknown_bin: bool,
}

/// Encodes with the default [`EncodeOptions`]: known BIN, over-long purpose is an error.
pub fn encode(qr: &VietQr) -> Result<String, EncodeError> {
    encode_with(qr, &EncodeOptions::default())
}

impl VietQr {
    /// Same as [`encode`].
    pub fn encode(&self) -> Result<String, EncodeError> {
        encode(self)
    }
}

/// Encodes a payload: IDs in ascending order with 63 last (unless the value carries a decoded
/// [`crate::Order`]), tag 01 `12` when there is an amount and `11` otherwise (unless
/// [`crate::Preserved::initiation`] says otherwise), the purpose normalised with
/// [`normalize_purpose`], and the CRC as 4 uppercase hex digits.
pub fn encode_with(qr: &VietQr, options: &EncodeOptions) -> Result<String, EncodeError> {
    let bin = qr.bin.as_str();
    if char_len(bin) != 6 {
        return Err(EncodeError::InvalidBin { bin: qr.bin.clone() });
    }
    if !options.allow_unknown_bin && banks::lookup(bin).is_none() {
        return Err(EncodeError::UnknownBin { bin: qr.bin.clone() });
    }
    check_account(qr)?;

    let amount = match qr.amount {
        None => None,
        Some(0) => return Err(EncodeError::AmountZero),
        Some(amount) if amount > AMOUNT_MAX => return Err(EncodeError::AmountTooLarge { amount }),
        Some(amount) => Some(match &qr.preserved.amount_text {
            Some(text) if parse_amount(text) == Ok(amount) => AmountText::Preserved(text),
            _ => AmountText::Plain(amount),
        }),
    };

    let purpose = match &qr.purpose {
        None => None,
        Some(original) => Some(prepare_purpose(original, options)?),
    };
    let labels = [(1, qr.bill_number.as_deref()), (5, qr.reference_label.as_deref()), (7, qr.terminal_label.as_deref())];
    for (id, value) in labels {
        if let Some(value) = value {
            check_label(TagPath::tag(62).child(id), value)?;
        }
    }

    let preserved = &qr.preserved;
    check_extras(&preserved.root, TagPath::ROOT, &[0, 1, 38, 53, 54, 58, 62, 63])?;
    check_extras(&preserved.merchant_account, TagPath::tag(38), &[0, 1, 2])?;
    let beneficiary_scope = TagPath::tag(38).child(1);
    check_extras(&preserved.beneficiary, beneficiary_scope, &[0, 1])?;
    check_extras(&preserved.additional, TagPath::tag(62), &[1, 5, 7, 8])?;

    // Template lengths are known before writing, so LEN never needs patching afterwards.
    let beneficiary_len = 10 + 4 + char_len(&qr.account) + extras_len(&preserved.beneficiary);
    check_template(beneficiary_scope, beneficiary_len)?;
    let merchant_len = 14 + 4 + beneficiary_len + 12 + extras_len(&preserved.merchant_account);
    check_template(TagPath::tag(38), merchant_len)?;
    let typed_additional =
        [(1, qr.bill_number.as_deref()), (5, qr.reference_label.as_deref()), (7, qr.terminal_label.as_deref()), (8, purpose.as_deref())];
    let additional_len =
        typed_additional.iter().filter_map(|(_, value)| value.map(|v| 4 + char_len(v))).sum::<usize>() + extras_len(&preserved.additional);
    if additional_len > 0 {
        check_template(TagPath::tag(62), additional_len)?;
    }

    let mut out = String::with_capacity(64 + merchant_len + additional_len);
    out.push_str("000201");

    let mut root = IdList::default();
    root.extend([1, 38, 53, 58]);
    if amount.is_some() {
        root.push(54);
    }
    if additional_len > 0 {
        root.push(62);
    }
    root.extend(preserved.root.iter().map(|f| f.id));
    for &id in root.arranged(preserved.order.root.as_deref()) {
        match id {
            1 => put(&mut out, 1, qr.initiation().code()),
            38 => {
                put_header(&mut out, 38, merchant_len);
                let mut ids = IdList::default();
                ids.extend([0, 1, 2]);
                ids.extend(preserved.merchant_account.iter().map(|f| f.id));
                for &id in ids.arranged(preserved.order.merchant_account.as_deref()) {
                    match id {
                        0 => put(&mut out, 0, NAPAS_GUID),
                        1 => {
                            put_header(&mut out, 1, beneficiary_len);
                            let mut ids = IdList::default();
                            ids.extend([0, 1]);
                            ids.extend(preserved.beneficiary.iter().map(|f| f.id));
                            for &id in ids.arranged(preserved.order.beneficiary.as_deref()) {
                                match id {
                                    0 => put(&mut out, 0, bin),
                                    1 => put(&mut out, 1, &qr.account),
                                    id => put_extra(&mut out, id, &preserved.beneficiary),
                                }
                            }
                        }
                        2 => put(&mut out, 2, qr.service.code()),
                        id => put_extra(&mut out, id, &preserved.merchant_account),
                    }
                }
            }
            53 => put(&mut out, 53, CURRENCY_VND),
            54 => match &amount {
                Some(AmountText::Preserved(text)) => put(&mut out, 54, text),
                Some(AmountText::Plain(value)) => put_number(&mut out, 54, *value),
                None => {}
            },
            58 => put(&mut out, 58, COUNTRY_VN),
            62 => {
                put_header(&mut out, 62, additional_len);
                let mut ids = IdList::default();
                ids.extend(typed_additional.iter().filter(|(_, value)| value.is_some()).map(|(id, _)| *id));
                ids.extend(preserved.additional.iter().map(|f| f.id));
                for &id in ids.arranged(preserved.order.additional.as_deref()) {
                    match typed_additional.iter().find(|(typed, _)| *typed == id) {
                        Some((_, Some(value))) => put(&mut out, id, value),
                        _ => put_extra(&mut out, id, &preserved.additional),
                    }
                }
            }
            id => put_extra(&mut out, id, &preserved.root),
        }
    }

    out.push_str("6304");
    let crc = crc_hex(crc16(out.as_bytes()));
    out.extend(crc.iter().map(|&b| char::from(b)));
    Ok(out)
}

enum AmountText<'a> {
    Preserved(&'a str),
    Plain(u64),
}

fn check_account(qr: &VietQr) -> Result<(), EncodeError> {
    let account = &qr.account;
    let ok = match qr.service {
        crate::Service::ToAccount => (1..=ACCOUNT_MAX_CHARS).contains(&account.len()) && account.bytes().all(|b| b.is_ascii_alphanumeric()),
        crate::Service::ToCard => (16..=ACCOUNT_MAX_CHARS).contains(&account.len()) && account.bytes().all(|b| b.is_ascii_digit()),
    };
    match (ok, qr.service) {
        (true, _) => Ok(()),
        (false, crate::Service::ToAccount) => Err(EncodeError::InvalidAccount { account: account.clone() }),
        (false, crate::Service::ToCard) => Err(EncodeError::InvalidCardNumber { card: account.clone() }),
    }
}

fn prepare_purpose<'a>(original: &'a str, options: &EncodeOptions) -> Result<Cow<'a, str>, EncodeError> {
    if is_normalized(original) && (1..=PURPOSE_MAX_CHARS).contains(&original.len()) {
        return Ok(Cow::Borrowed(original));
    }
    let normalized = normalize_purpose(original);
    if normalized.is_empty() {
        return Err(EncodeError::EmptyPurpose { original: original.to_owned() });
    }
    // Normalised text is ASCII: byte length is character length.
    if normalized.len() <= PURPOSE_MAX_CHARS {
        return Ok(if normalized == original { Cow::Borrowed(original) } else { Cow::Owned(normalized) });
    }
    if !options.truncate_purpose {
        return Err(EncodeError::PurposeTooLong { length: normalized.len(), purpose: normalized, max: PURPOSE_MAX_CHARS });
    }
    let cut = normalized.get(..PURPOSE_MAX_CHARS).unwrap_or(&normalized).trim_end();
    Ok(Cow::Owned(cut.to_owned()))
}

/// Bill number, reference and terminal label are identifiers the payer never types, so they are
/// checked rather than rewritten: ANS (printable ASCII), 1–25 characters.
fn check_label(tag: TagPath, value: &str) -> Result<(), EncodeError> {
    if value.is_empty() {
        return Err(EncodeError::EmptyField { tag });
    }
    if !value.bytes().all(|b| (0x20..=0x7E).contains(&b)) {
        return Err(EncodeError::NotAscii { tag, value: value.to_owned() });
    }
    let max = PURPOSE_MAX_CHARS;
    if value.len() > max {
        return Err(EncodeError::FieldTooLong { tag, length: value.len(), max });
    }
    Ok(())
}

/// Preserved fields are written verbatim, so they only have to make a payload that decodes.
fn check_extras(extras: &[Field], scope: TagPath, reserved: &[u8]) -> Result<(), EncodeError> {
    let mut seen = Seen::default();
    for field in extras {
        if field.id > 99 {
            return Err(EncodeError::InvalidTagId { id: field.id });
        }
        let tag = scope.child(field.id);
        if reserved.contains(&field.id) {
            return Err(EncodeError::ReservedTag { tag });
        }
        if !seen.insert(field.id) {
            return Err(EncodeError::DuplicateTag { tag });
        }
        let length = char_len(&field.value);
        if length == 0 {
            return Err(EncodeError::EmptyField { tag });
        }
        let max = if scope == TagPath::tag(62) { additional_max_chars(field.id).unwrap_or(99) } else { 99 };
        if length > max {
            return Err(EncodeError::FieldTooLong { tag, length, max });
        }
    }
    Ok(())
}

fn check_template(tag: TagPath, length: usize) -> Result<(), EncodeError> {
    if length > 99 {
        return Err(EncodeError::TemplateTooLong { tag, length });
    }
    Ok(())
}

fn extras_len(extras: &[Field]) -> usize {
    extras.iter().map(|f| 4 + char_len(&f.value)).sum()
}

fn push_two_digits(out: &mut String, n: usize) {
    // Callers have checked n <= 99.
    out.push(char::from(b'0' + (n / 10 % 10) as u8));
    out.push(char::from(b'0' + (n % 10) as u8));
}

fn put_header(out: &mut String, id: u8, length: usize) {
    push_two_digits(out, usize::from(id));
    push_two_digits(out, length);
}

fn put(out: &mut String, id: u8, value: &str) {
    put_header(out, id, char_len(value));
    out.push_str(value);
}

fn put_extra(out: &mut String, id: u8, extras: &[Field]) {
    if let Some(field) = extras.iter().find(|f| f.id == id) {
        put(out, id, &field.value);
    }
}

fn put_number(out: &mut String, id: u8, mut value: u64) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (value % 10) as u8;
        value /= 10;
        if value == 0 {
            break;
        }
    }
    put_header(out, id, digits.len() - start);
    out.extend(digits[start..].iter().map(|&b| char::from(b)));
}

/// The IDs of one template (at most 100, distinct after validation) without allocating.
struct IdList {
    ids: [u8; 100],
    len: usize,
}

impl Default for IdList {
    fn default() -> Self {
        IdList { ids: [0; 100], len: 0 }
    }
}

impl IdList {
    fn push(&mut self, id: u8) {
        if let Some(slot) = self.ids.get_mut(self.len) {
            *slot = id;
            self.len += 1;
        }
    }

    fn extend(&mut self, ids: impl IntoIterator<Item = u8>) {
        ids.into_iter().for_each(|id| self.push(id));
    }

    /// Listed IDs first in the listed order, then the rest ascending.
    fn arranged(&mut self, order: Option<&[u8]>) -> &[u8] {
        let ids = &mut self.ids[..self.len];
        match order {
            None if ids.is_sorted() => {}
            None => ids.sort_unstable(),
            Some(order) => ids.sort_unstable_by_key(|id| (order.iter().position(|o| o == id).unwrap_or(usize::MAX), *id)),
        }
        ids
    }
}
