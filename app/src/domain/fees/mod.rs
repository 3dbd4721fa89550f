//! Fee rules as data and fee computation; the search over procedure names (`search`) and
//! the demo ward's catalog (`catalog`) live beside them.
//!
//! Every procedure's fee is one of four rule shapes stored with the catalog
//! item (see `docs/domain.md`, §3 "Fee rules as data"), so a ward edits its
//! catalog without a new build.

use serde::{Deserialize, Serialize};

use super::words::group_thousands_with;
use crate::text::Text;

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
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum FeeKind {
    Phi,
    LePhi,
}

impl FeeKind {
    pub const ALL: [FeeKind; 2] = [FeeKind::Phi, FeeKind::LePhi];

    /// The value stored in the database, equal to the serde name.
    pub fn as_str(self) -> &'static str {
        match self {
            FeeKind::Phi => "phi",
            FeeKind::LePhi => "le_phi",
        }
    }

    pub fn parse(s: &str) -> Option<FeeKind> {
        FeeKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label(self) -> Text {
        match self {
            FeeKind::Phi => Text::new("Phí", "Fee (phí)"),
            FeeKind::LePhi => Text::new("Lệ phí", "Charge (lệ phí)"),
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

mod catalog;
mod search;
#[cfg(test)]
mod tests;

pub use catalog::{demo_catalog, CatalogSeed};
pub use search::{fold_diacritics, matches_search};
