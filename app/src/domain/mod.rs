//! Pure domain rules shared by server and browser: fee computation, amounts in words,
//! dossier codes. No I/O here.

pub mod dossier_code;
pub mod dossier_source;
pub mod exception_kind;
pub mod fees;
pub mod mask;
pub mod payment;
pub mod receipt_rules;
pub mod reconciliation;
pub mod refund;
pub mod tax_summary;
pub mod treasury;
pub mod trends;
pub mod words;
