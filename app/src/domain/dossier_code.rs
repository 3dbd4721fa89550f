//! Dossier codes in the shape Hà Nội's portal uses: `<agency>-<YYMMDD>-<NNNN>`,
//! e.g. `000.00.01.H26-241124-0001` (agency code per Thông tư 01/2018/TT-VPCP).
//!
//! Counter dossiers get a code of the same shape from the ward's own daily
//! sequence; portal dossiers keep the portal's code, so parsing is strict about
//! the shape but accepts any agency of that form.
//!
//! Decisions:
//! - `YY` is read as 20YY, so only the years 2000–2099 can be written.
//! - The sequence starts at 1 and is zero-padded to 4 digits. A day that passes
//!   9999 dossiers continues with 10000, 10001...: the code stays unique and
//!   still sorts after the 4-digit ones by number. Wider sequences are written
//!   without padding, so a code like `...-00001` is rejected; this keeps exactly
//!   one spelling per code and makes `to_string(parse(s)) == s`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The agency part `V1V2V3.Z1Z2.Y1Y2.Hxx`: digit groups 3.2.2 and the province
/// part `H` + 2 digits (`H26` is Hà Nội).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AgencyCode {
    v: u16,
    z: u8,
    y: u8,
    province: u8,
}

impl AgencyCode {
    /// The two digits after `H`; 26 is Hà Nội.
    pub fn province(&self) -> u8 {
        self.province
    }
}

/// A dossier code, valid by construction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DossierCode {
    // Field order makes the derived ordering that of the text, except that
    // sequences past 9999 sort by number rather than as strings.
    agency: AgencyCode,
    year: u16,
    month: u8,
    day: u8,
    sequence: u32,
}

#[derive(thiserror::Error, Clone, Debug, PartialEq, Eq)]
pub enum DossierCodeError {
    #[error("dossier code must look like <agency>-<YYMMDD>-<NNNN>, e.g. 000.00.01.H26-241124-0001; got {0:?}")]
    Shape(String),
    #[error("agency code must be four dot-separated parts V1V2V3.Z1Z2.Y1Y2.Hxx; got {0:?}")]
    AgencyShape(String),
    #[error("agency code part {part} must be {width} digits; got {got:?}")]
    AgencyDigits { part: &'static str, width: usize, got: String },
    #[error("agency code's last part must be 'H' and 2 digits, e.g. H26; got {0:?}")]
    AgencyProvince(String),
    #[error("date part must be 6 digits YYMMDD; got {0:?}")]
    DateFormat(String),
    #[error("date {year:04}-{month:02}-{day:02} is not a calendar date")]
    NoSuchDate { year: u16, month: u8, day: u8 },
    #[error("year {0} cannot be written as YY; only 2000–2099")]
    YearOutOfRange(u16),
    #[error("sequence must be at least 4 digits; got {0:?}")]
    SequenceFormat(String),
    #[error("sequence {0:?} is padded beyond 4 digits; write it without leading zeros")]
    SequencePadding(String),
    #[error("sequence must be at least 1")]
    SequenceZero,
    #[error("sequence {0:?} is too large")]
    SequenceTooLarge(String),
}

fn all_digits(s: &str, width: usize) -> bool {
    s.len() == width && s.bytes().all(|b| b.is_ascii_digit())
}

fn digits<T: FromStr>(s: &str, part: &'static str, width: usize) -> Result<T, DossierCodeError> {
    match s.parse() {
        Ok(value) if all_digits(s, width) => Ok(value),
        _ => Err(DossierCodeError::AgencyDigits { part, width, got: s.to_string() }),
    }
}

impl FromStr for AgencyCode {
    type Err = DossierCodeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let parts: Vec<&str> = s.split('.').collect();
        let [v, z, y, h] = parts[..] else {
            return Err(DossierCodeError::AgencyShape(s.to_string()));
        };
        // Upper-case H only: portal codes are upper case, and one spelling per
        // agency keeps codes comparable as strings.
        let province = match h.strip_prefix('H') {
            Some(d) if all_digits(d, 2) => d.parse().ok(),
            _ => None,
        }
        .ok_or_else(|| DossierCodeError::AgencyProvince(h.to_string()))?;
        Ok(AgencyCode { v: digits(v, "V1V2V3", 3)?, z: digits(z, "Z1Z2", 2)?, y: digits(y, "Y1Y2", 2)?, province })
    }
}

impl fmt::Display for AgencyCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:03}.{:02}.{:02}.H{:02}", self.v, self.z, self.y, self.province)
    }
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => 29,
        2 => 28,
        _ => 0,
    }
}

impl DossierCode {
    /// A code for `sequence` (from 1) on the calendar date `(year, month, day)`.
    pub fn new(agency: &str, (year, month, day): (u16, u8, u8), sequence: u32) -> Result<Self, DossierCodeError> {
        let agency = agency.parse()?;
        if !(2000..=2099).contains(&year) {
            return Err(DossierCodeError::YearOutOfRange(year));
        }
        if day == 0 || day > days_in_month(year, month) {
            return Err(DossierCodeError::NoSuchDate { year, month, day });
        }
        if sequence == 0 {
            return Err(DossierCodeError::SequenceZero);
        }
        Ok(DossierCode { agency, year, month, day, sequence })
    }

    pub fn agency(&self) -> AgencyCode {
        self.agency
    }

    /// `(year, month, day)` with the full year, e.g. `(2024, 11, 24)`.
    pub fn date(&self) -> (u16, u8, u8) {
        (self.year, self.month, self.day)
    }

    pub fn sequence(&self) -> u32 {
        self.sequence
    }
}

impl FromStr for DossierCode {
    type Err = DossierCodeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let parts: Vec<&str> = s.split('-').collect();
        let [agency, date, sequence] = parts[..] else {
            return Err(DossierCodeError::Shape(s.to_string()));
        };
        if !all_digits(date, 6) {
            return Err(DossierCodeError::DateFormat(date.to_string()));
        }
        // Six ASCII digits, so the slices are on char boundaries and parse.
        let two = |i: usize| date[i..i + 2].parse::<u8>().unwrap_or_default();
        let date = (2000 + u16::from(two(0)), two(2), two(4));

        if sequence.len() < 4 || !sequence.bytes().all(|b| b.is_ascii_digit()) {
            return Err(DossierCodeError::SequenceFormat(sequence.to_string()));
        }
        if sequence.len() > 4 && sequence.starts_with('0') {
            return Err(DossierCodeError::SequencePadding(sequence.to_string()));
        }
        let sequence = sequence.parse().map_err(|_| DossierCodeError::SequenceTooLarge(sequence.to_string()))?;
        DossierCode::new(agency, date, sequence)
    }
}

impl fmt::Display for DossierCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{:02}{:02}{:02}-{:04}", self.agency, self.year % 100, self.month, self.day, self.sequence)
    }
}

impl TryFrom<String> for AgencyCode {
    type Error = DossierCodeError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<AgencyCode> for String {
    fn from(code: AgencyCode) -> String {
        code.to_string()
    }
}

impl TryFrom<String> for DossierCode {
    type Error = DossierCodeError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<DossierCode> for String {
    fn from(code: DossierCode) -> String {
        code.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parse(s: &str) -> Result<DossierCode, DossierCodeError> {
        s.parse()
    }

    #[test]
    fn domain_md_example() {
        let code = parse("000.00.01.H26-241124-0001").unwrap();
        assert_eq!(code.date(), (2024, 11, 24));
        assert_eq!(code.sequence(), 1);
        assert_eq!(code.agency().province(), 26);
        assert_eq!(code.agency().to_string(), "000.00.01.H26");
        assert_eq!(code.to_string(), "000.00.01.H26-241124-0001");
        assert_eq!(DossierCode::new("000.00.01.H26", (2024, 11, 24), 1), Ok(code));
    }

    #[test]
    fn sequence_width() {
        let big = DossierCode::new("123.45.67.H26", (2025, 1, 2), 10_000).unwrap();
        assert_eq!(big.to_string(), "123.45.67.H26-250102-10000");
        assert_eq!(parse("123.45.67.H26-250102-10000"), Ok(big));
        assert_eq!(parse("123.45.67.H26-250102-00001"), Err(DossierCodeError::SequencePadding("00001".into())));
        assert_eq!(parse("123.45.67.H26-250102-001"), Err(DossierCodeError::SequenceFormat("001".into())));
        assert_eq!(parse("123.45.67.H26-250102-0000"), Err(DossierCodeError::SequenceZero));
        assert_eq!(parse("123.45.67.H26-250102-99999999999"), Err(DossierCodeError::SequenceTooLarge("99999999999".into())));
        assert!(matches!(parse("123.45.67.H26-250102-+123"), Err(DossierCodeError::SequenceFormat(_))));
    }

    #[test]
    fn dates() {
        assert!(parse("000.00.01.H26-240229-0001").is_ok());
        assert_eq!(parse("000.00.01.H26-230229-0001"), Err(DossierCodeError::NoSuchDate { year: 2023, month: 2, day: 29 }));
        assert!(parse("000.00.01.H26-000229-0001").is_ok());
        for bad in ["241324", "241100", "240431", "240000"] {
            assert!(matches!(parse(&format!("000.00.01.H26-{bad}-0001")), Err(DossierCodeError::NoSuchDate { .. })), "{bad}");
        }
        for bad in ["24112", "2411245", "24-1-1", "2411a4", "２４１１２４"] {
            assert!(
                matches!(parse(&format!("000.00.01.H26-{bad}-0001")), Err(DossierCodeError::DateFormat(_) | DossierCodeError::Shape(_))),
                "{bad}"
            );
        }
        assert_eq!(DossierCode::new("000.00.01.H26", (1999, 1, 1), 1), Err(DossierCodeError::YearOutOfRange(1999)));
        assert_eq!(DossierCode::new("000.00.01.H26", (2100, 1, 1), 1), Err(DossierCodeError::YearOutOfRange(2100)));
    }

    #[test]
    fn agency_errors() {
        assert_eq!(parse("000.00.H26-241124-0001"), Err(DossierCodeError::AgencyShape("000.00.H26".into())));
        assert_eq!(parse("00.00.01.H26-241124-0001"), Err(DossierCodeError::AgencyDigits { part: "V1V2V3", width: 3, got: "00".into() }));
        assert!(matches!(parse("000.0a.01.H26-241124-0001"), Err(DossierCodeError::AgencyDigits { part: "Z1Z2", .. })));
        assert!(matches!(parse("000.00.+1.H26-241124-0001"), Err(DossierCodeError::AgencyDigits { part: "Y1Y2", .. })));
        for bad in ["h26", "H2", "H260", "G26", "Hab", ""] {
            assert_eq!(parse(&format!("000.00.01.{bad}-241124-0001")), Err(DossierCodeError::AgencyProvince(bad.into())), "{bad}");
        }
        assert!(matches!(parse("000.00.01.H26-241124"), Err(DossierCodeError::Shape(_))));
        assert!(matches!(parse("000.00.01.H26-241124-0001-2"), Err(DossierCodeError::Shape(_))));
        assert!(matches!(parse(""), Err(DossierCodeError::Shape(_))));
        assert!(matches!(parse(" 000.00.01.H26-241124-0001"), Err(DossierCodeError::AgencyDigits { .. })));
    }

    #[test]
    fn messages_name_the_part() {
        let err = parse("000.00.01.H26-230229-0001").unwrap_err();
        assert_eq!(err.to_string(), "date 2023-02-29 is not a calendar date");
        let err = parse("000.0.01.H26-230228-0001").unwrap_err();
        assert!(err.to_string().contains("Z1Z2"), "{err}");
    }

    #[test]
    fn ordering_follows_date_then_sequence_within_an_agency() {
        let a = parse("000.00.01.H26-241124-0002").unwrap();
        let b = parse("000.00.01.H26-241124-0010").unwrap();
        let c = parse("000.00.01.H26-241125-0001").unwrap();
        assert!(a < b && b < c);
    }

    proptest! {
        #[test]
        fn round_trip(
            v in 0u16..1000, z in 0u8..100, y in 0u8..100, h in 0u8..100,
            year in 2000u16..2100, month in 1u8..=12, day in 1u8..=31,
            sequence in 1u32..,
        ) {
            let agency = format!("{v:03}.{z:02}.{y:02}.H{h:02}");
            match DossierCode::new(&agency, (year, month, day), sequence) {
                Ok(code) => {
                    let text = code.to_string();
                    prop_assert_eq!(parse(&text), Ok(code));
                    prop_assert!(text.starts_with(&agency));
                    prop_assert!(day <= days_in_month(year, month));
                }
                Err(err) => {
                    prop_assert!(day > days_in_month(year, month), "{err}");
                    prop_assert!(
                        matches!(err, DossierCodeError::NoSuchDate { .. }),
                        "{err}"
                    );
                }
            }
        }

        #[test]
        fn parse_never_panics_and_valid_codes_are_canonical(s in "[0-9H.\\-]{0,30}") {
            if let Ok(code) = parse(&s) {
                prop_assert_eq!(code.to_string(), s);
            }
        }
    }
}
