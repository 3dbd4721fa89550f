//! Bank statements (sao kê): the collection account's own record of what arrived, as the
//! ward downloads it from SePay, Casso, payOS or its bank, read into provider-neutral
//! [`Line`]s.
//!
//! Reading happens in three steps, each with its own module:
//! * [`table`]: the file's bytes into rows of cells (CSV in UTF-8 with or without a BOM, or
//!   UTF-16 with a BOM; XLSX/XLS read with calamine), each row keeping the number a person
//!   sees in a spreadsheet;
//! * [`values`]: the Vietnamese ways of writing a date and an amount;
//! * [`columns`]: which column is which, by the export's header names or the ward's mapping.
//!
//! A statement is all or nothing: the first unreadable line refuses the file with its number
//! and text, so a ward never imports half a statement.

mod columns;
pub mod table;
pub mod values;

pub use columns::{Field, Mapping};
pub use table::{Cell, Table};

use crate::Provider;
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::HashMap;
use thiserror::Error;

/// The largest statement accepted, in bytes (a year of a busy ward is well under this).
pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;
/// The most lines one statement may hold.
pub const MAX_LINES: usize = 100_000;

/// Whose export the file is: decides the header names looked for and whose transaction ids
/// the lines carry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Format {
    Sepay,
    Casso,
    Payos,
    /// Any bank's CSV or XLSX, with the ward's saved mapping of its headers.
    Csv(Mapping),
}

impl Format {
    /// The provider whose webhooks carry the same transaction ids as this export.
    pub fn provider(&self) -> Option<Provider> {
        match self {
            Format::Sepay => Some(Provider::Sepay),
            Format::Casso => Some(Provider::Casso),
            Format::Payos => Some(Provider::Payos),
            Format::Csv(_) => None,
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Format::Sepay => "sepay",
            Format::Casso => "casso",
            Format::Payos => "payos",
            Format::Csv(_) => "csv",
        }
    }
}

/// One credit on the collection account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    /// The row number in the file (1-based, as a spreadsheet shows it).
    pub line: usize,
    /// When the money arrived. A statement that gives only the day says midnight of that day
    /// (Vietnam time), and `date_only` is set.
    pub at: DateTime<Utc>,
    pub date_only: bool,
    /// Always positive: debits are not the ward's receipts and are left out.
    pub amount: i64,
    pub content: String,
    /// The bank's own reference for the transfer, when the file gives one.
    pub reference: Option<String>,
    /// The account the money reached, when the file names it.
    pub account: Option<String>,
    /// The provider's transaction id in the form its webhook uses, when the export has it.
    pub provider_txn_id: Option<String>,
}

impl Line {
    /// What identifies this credit across files and sources: the bank's reference first (the
    /// same transfer in a provider's export and the bank's own has the same one), then the
    /// provider's id, then the whole line.
    pub fn key(&self, provider: Option<Provider>) -> String {
        if let Some(r) = &self.reference {
            return format!("ref:{r}");
        }
        if let (Some(p), Some(id)) = (provider, &self.provider_txn_id) {
            return format!("{}:{id}", p.as_str());
        }
        format!("line:{}|{}|{}|{}", self.at.timestamp(), self.amount, self.account.as_deref().unwrap_or(""), self.content)
    }
}

/// A statement read whole.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Statement {
    pub provider: Option<Provider>,
    pub lines: Vec<Line>,
    /// Debit and zero lines left out.
    pub skipped: usize,
    /// The first and last day the statement covers (Vietnam dates).
    pub first_day: Option<NaiveDate>,
    pub last_day: Option<NaiveDate>,
}

#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum StatementError {
    #[error("tệp rỗng hoặc không có dòng giao dịch nào (the file holds no transactions)")]
    Empty,
    #[error("tệp quá lớn: tối đa {max} byte (the file is too large: at most {max} bytes)")]
    TooLarge { max: usize },
    #[error("tệp có quá {max} dòng (more than {max} lines)")]
    TooManyLines { max: usize },
    #[error("không phải tệp CSV hoặc XLSX (not a CSV or XLSX file): {0}")]
    NotATable(String),
    #[error("tệp không ở mã UTF-8, hãy lưu lại dạng \"CSV UTF-8\" (the file is not UTF-8; save it as \"CSV UTF-8\")")]
    Encoding,
    #[error("không tìm thấy dòng tiêu đề có các cột {missing} (no header row with the columns {missing})")]
    NoHeader { missing: String },
    #[error("ánh xạ cột không hợp lệ (bad column mapping): {0}")]
    BadMapping(String),
    #[error("dòng {line}, cột {column}: {why}: {text:?} (line {line}, column {column})")]
    BadLine { line: usize, column: String, text: String, why: String },
    #[error("dòng {line} trùng với dòng {first} (line {line} repeats line {first})")]
    DuplicateLine { line: usize, first: usize },
}

impl StatementError {
    /// The file's line the error is about, if any.
    pub fn line(&self) -> Option<usize> {
        match self {
            StatementError::BadLine { line, .. } | StatementError::DuplicateLine { line, .. } => Some(*line),
            _ => None,
        }
    }

    /// A stable machine-readable name.
    pub fn code(&self) -> &'static str {
        match self {
            StatementError::Empty => "empty",
            StatementError::TooLarge { .. } => "too_large",
            StatementError::TooManyLines { .. } => "too_many_lines",
            StatementError::NotATable(_) => "not_a_table",
            StatementError::Encoding => "encoding",
            StatementError::NoHeader { .. } => "no_header",
            StatementError::BadMapping(_) => "bad_mapping",
            StatementError::BadLine { .. } => "bad_line",
            StatementError::DuplicateLine { .. } => "duplicate_line",
        }
    }
}

/// Reads `bytes` (CSV or XLSX) as a statement in `format`. Lines dated after `today`
/// (Vietnam date) are refused: a statement cannot know the future.
pub fn read(bytes: &[u8], format: &Format, today: NaiveDate) -> Result<Statement, StatementError> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(StatementError::TooLarge { max: MAX_FILE_BYTES });
    }
    let table = Table::read(bytes)?;
    parse(&table, format, today)
}

/// Reads a table already split into cells.
pub fn parse(table: &Table, format: &Format, today: NaiveDate) -> Result<Statement, StatementError> {
    if table.rows.len() > MAX_LINES {
        return Err(StatementError::TooManyLines { max: MAX_LINES });
    }
    let (header_at, cols) = columns::find_header(table, format)?;
    let provider = format.provider();
    let mut lines: Vec<Line> = Vec::new();
    let mut skipped = 0;
    let mut seen: HashMap<String, usize> = HashMap::new();
    for row in &table.rows[header_at + 1..] {
        if row.cells.iter().all(Cell::is_blank) {
            continue;
        }
        let Some(line) = cols.line(row, format, today)? else {
            skipped += 1;
            continue;
        };
        if let Some(first) = seen.insert(line.key(provider), line.line) {
            return Err(StatementError::DuplicateLine { line: line.line, first });
        }
        lines.push(line);
    }
    if lines.is_empty() && skipped == 0 {
        return Err(StatementError::Empty);
    }
    let day = |l: &Line| l.at.with_timezone(&crate::VIETNAM_OFFSET).date_naive();
    Ok(Statement { provider, first_day: lines.iter().map(day).min(), last_day: lines.iter().map(day).max(), lines, skipped })
}

#[cfg(test)]
mod tests;
