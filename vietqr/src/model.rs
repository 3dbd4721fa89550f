//! The typed value that the encoder takes and the decoder returns.

use std::fmt;

use crate::banks::{self, Bank};

/// NAPAS247 transfer service carried in tag 38/02.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Service {
    /// `QRIBFTTA`: transfer to a bank account (including virtual accounts).
    ToAccount,
    /// `QRIBFTTC`: transfer to a card number.
    ToCard,
}

impl Service {
    /// The service code as written in tag 38/02.
    pub const fn code(self) -> &'static str {
        match self {
            Service::ToAccount => "QRIBFTTA",
            Service::ToCard => "QRIBFTTC",
        }
    }

    /// The service for a tag 38/02 code, `None` for anything that is not a NAPAS247 transfer.
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "QRIBFTTA" => Some(Service::ToAccount),
            "QRIBFTTC" => Some(Service::ToCard),
            _ => None,
        }
    }
}

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Point of initiation (tag 01).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Initiation {
    /// `11`: reusable code.
    Static,
    /// `12`: code for one transaction.
    Dynamic,
}

impl Initiation {
    /// The value as written in tag 01.
    pub const fn code(self) -> &'static str {
        match self {
            Initiation::Static => "11",
            Initiation::Dynamic => "12",
        }
    }
}

/// One data object the typed fields do not model, kept verbatim.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Field {
    /// Two-digit ID as a number (0–99).
    pub id: u8,
    /// The value exactly as it appeared (1–99 characters).
    pub value: String,
}

impl Field {
    pub fn new(id: u8, value: impl Into<String>) -> Self {
        Field { id, value: value.into() }
    }
}

/// The order in which a decoded payload listed its objects, per template.
///
/// `None` means ascending ID order, which is what the encoder emits by default; the decoder only
/// records a list when the input used another order, so that a value built by hand and the same
/// value after a round trip compare equal. The root list leaves out 00 and 63, whose places are
/// fixed. When encoding, IDs missing from a list (fields added after decoding) follow the listed
/// ones in ascending order, and listed IDs that are no longer present are skipped.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default))]
pub struct Order {
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub root: Option<Vec<u8>>,
    /// Inside tag 38.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub merchant_account: Option<Vec<u8>>,
    /// Inside tag 38/01.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub beneficiary: Option<Vec<u8>>,
    /// Inside tag 62.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub additional: Option<Vec<u8>>,
}

impl Order {
    pub fn is_canonical(&self) -> bool {
        self.root.is_none() && self.merchant_account.is_none() && self.beneficiary.is_none() && self.additional.is_none()
    }
}

/// What a decoded payload carried beyond the typed fields.
///
/// Each list of fields is in ascending ID order; where the fields stood in the payload is recorded
/// in [`Order`] alone, so that one payload has exactly one representation.
///
/// Kept so that encoding a decoded value reproduces the input byte for byte (except that the CRC
/// is always written in uppercase, as the reference recommends). Every part is empty for a value
/// built by hand and for anything the encoder produces from such a value.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default))]
pub struct Preserved {
    /// Root objects other than 00, 01, 38, 53, 54, 58, 62, 63 (e.g. 52, 59, 64, 80–99).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Vec::is_empty"))]
    pub root: Vec<Field>,
    /// Objects inside 38 other than 00, 01, 02.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Vec::is_empty"))]
    pub merchant_account: Vec<Field>,
    /// Objects inside 38/01 other than 00, 01.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Vec::is_empty"))]
    pub beneficiary: Vec<Field>,
    /// Objects inside 62 other than 01, 05, 07, 08 (e.g. 03 store label, 09 consumer data request).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Vec::is_empty"))]
    pub additional: Vec<Field>,
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Order::is_canonical"))]
    pub order: Order,
    /// Tag 01 when it disagrees with the encoder's rule (dynamic exactly when there is an amount);
    /// the spec allows every combination.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub initiation: Option<Initiation>,
    /// Tag 54 as written when it is not the plain decimal of `amount` (`50000.`, `050000`).
    /// Ignored by the encoder once `amount` no longer matches it.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub amount_text: Option<String>,
}

impl Preserved {
    pub fn is_empty(&self) -> bool {
        self == &Preserved::default()
    }
}

/// A VietQR NAPAS247 transfer code.
///
/// Build one with [`VietQr::new`] and the `with_*` methods, encode it with [`crate::encode`];
/// [`crate::decode`] returns the same type, so `decode(&encode(&x)?)? == x` for every value the
/// encoder accepts whose purpose is already normalised (see [`crate::normalize_purpose`]).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct VietQr {
    /// Acquirer / beneficiary bank BIN (38/01/00), six characters, e.g. `970436`.
    pub bin: String,
    /// Account or card number (38/01/01), 1–19 characters.
    pub account: String,
    /// 38/02.
    pub service: Service,
    /// Tag 54, whole VND. `None`: the payer types the amount.
    #[cfg_attr(feature = "serde", serde(default))]
    pub amount: Option<u64>,
    /// 62/08, the transfer message the payer's bank carries to the beneficiary.
    #[cfg_attr(feature = "serde", serde(default))]
    pub purpose: Option<String>,
    /// 62/01.
    #[cfg_attr(feature = "serde", serde(default))]
    pub bill_number: Option<String>,
    /// 62/05.
    #[cfg_attr(feature = "serde", serde(default))]
    pub reference_label: Option<String>,
    /// 62/07.
    #[cfg_attr(feature = "serde", serde(default))]
    pub terminal_label: Option<String>,
    #[cfg_attr(feature = "serde", serde(default, skip_serializing_if = "Preserved::is_empty"))]
    pub preserved: Preserved,
}

/// NAPAS247 QR transfers launched with this per-transaction cap (VND); banks may refuse more.
pub const TRANSFER_CAP_VND: u64 = 500_000_000;

/// Something worth telling the user about a code that is nonetheless valid.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(tag = "kind", rename_all = "snake_case"))]
pub enum Warning {
    /// The BIN is not in the bundled NAPAS bank directory.
    UnknownBin { bin: String },
    /// Above [`TRANSFER_CAP_VND`]: the payload is valid, but the bank may refuse the transfer.
    AmountAboveTransferCap { amount: u64, cap: u64 },
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Warning::UnknownBin { bin } => {
                write!(f, "BIN {bin} is not in the NAPAS bank directory")
            }
            Warning::AmountAboveTransferCap { amount, cap } => {
                write!(f, "amount {amount} VND is above the {cap} VND NAPAS247 QR transfer cap; the bank may refuse it")
            }
        }
    }
}

impl VietQr {
    /// A static code (no amount, no purpose) for `account` at the bank `bin`.
    pub fn new(bin: impl Into<String>, account: impl Into<String>, service: Service) -> Self {
        VietQr {
            bin: bin.into(),
            account: account.into(),
            service,
            amount: None,
            purpose: None,
            bill_number: None,
            reference_label: None,
            terminal_label: None,
            preserved: Preserved::default(),
        }
    }

    pub fn with_amount(mut self, amount: u64) -> Self {
        self.amount = Some(amount);
        self
    }

    /// Stored as given; the encoder normalises it (see [`crate::normalize_purpose`]).
    pub fn with_purpose(mut self, purpose: impl Into<String>) -> Self {
        self.purpose = Some(purpose.into());
        self
    }

    pub fn with_bill_number(mut self, bill: impl Into<String>) -> Self {
        self.bill_number = Some(bill.into());
        self
    }

    pub fn with_reference_label(mut self, reference: impl Into<String>) -> Self {
        self.reference_label = Some(reference.into());
        self
    }

    pub fn with_terminal_label(mut self, terminal: impl Into<String>) -> Self {
        self.terminal_label = Some(terminal.into());
        self
    }

    /// Tag 01 as the encoder writes it.
    pub fn initiation(&self) -> Initiation {
        self.preserved.initiation.unwrap_or(if self.amount.is_some() { Initiation::Dynamic } else { Initiation::Static })
    }

    /// The beneficiary bank, if the BIN is in the directory.
    pub fn bank(&self) -> Option<&'static Bank> {
        banks::lookup(&self.bin)
    }

    /// Problems that do not make the code invalid (the decoder accepts unknown BINs).
    pub fn warnings(&self) -> Vec<Warning> {
        let mut warnings = Vec::new();
        if self.bank().is_none() {
            warnings.push(Warning::UnknownBin { bin: self.bin.clone() });
        }
        if let Some(amount) = self.amount.filter(|&a| a > TRANSFER_CAP_VND) {
            warnings.push(Warning::AmountAboveTransferCap { amount, cap: TRANSFER_CAP_VND });
        }
        warnings
    }
}

/// Where a data object sits: `38/01/00` is 00 inside 01 inside 38. The root itself has no IDs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TagPath {
    ids: [u8; 3],
    depth: u8,
}

impl TagPath {
    pub const ROOT: TagPath = TagPath { ids: [0; 3], depth: 0 };

    pub const fn tag(id: u8) -> TagPath {
        TagPath::ROOT.child(id)
    }

    /// VietQR nests at most three levels (38/01/00); deeper paths keep the first three IDs.
    pub const fn child(self, id: u8) -> TagPath {
        let mut next = self;
        if (self.depth as usize) < self.ids.len() {
            next.ids[self.depth as usize] = id;
            next.depth += 1;
        }
        next
    }

    pub fn ids(&self) -> &[u8] {
        &self.ids[..usize::from(self.depth)]
    }

    pub fn is_root(&self) -> bool {
        self.depth == 0
    }
}

impl fmt::Display for TagPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_root() {
            return f.write_str("root");
        }
        for (i, id) in self.ids().iter().enumerate() {
            if i > 0 {
                f.write_str("/")?;
            }
            write!(f, "{id:02}")?;
        }
        Ok(())
    }
}

/// A template named in an error message: "the payload" or "tag 62".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Scope(pub TagPath);

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_root() {
            f.write_str("the payload")
        } else {
            write!(f, "tag {}", self.0)
        }
    }
}
