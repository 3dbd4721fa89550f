//! A statement file's bytes as rows of cells. Spreadsheet files are told apart from text by
//! their signature (XLSX is a ZIP archive, XLS an OLE compound file); text is CSV.

use super::StatementError;
use chrono::{NaiveDate, NaiveDateTime};
use std::io::Cursor;

/// One cell as the file gives it.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Blank,
    Text(String),
    /// A spreadsheet number (amounts typed as numbers).
    Number(f64),
    /// A spreadsheet date (already a calendar time, no zone: Vietnam local).
    DateTime(NaiveDateTime),
}

impl Cell {
    pub fn is_blank(&self) -> bool {
        match self {
            Cell::Blank => true,
            Cell::Text(s) => s.trim().is_empty(),
            _ => false,
        }
    }

    /// The cell as a person would read it, for error messages and text fields.
    pub fn text(&self) -> String {
        match self {
            Cell::Blank => String::new(),
            Cell::Text(s) => s.trim().to_string(),
            Cell::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", *n as i64),
            Cell::Number(n) => n.to_string(),
            Cell::DateTime(t) => t.format("%Y-%m-%d %H:%M:%S").to_string(),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// 1-based, as the spreadsheet or a text editor numbers it.
    pub number: usize,
    pub cells: Vec<Cell>,
}

impl Row {
    pub fn get(&self, i: usize) -> &Cell {
        self.cells.get(i).unwrap_or(&Cell::Blank)
    }
}

#[derive(Clone, Debug, PartialEq, Default)]
pub struct Table {
    pub rows: Vec<Row>,
}

impl Table {
    pub fn read(bytes: &[u8]) -> Result<Table, StatementError> {
        if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
            return Self::read_spreadsheet(bytes);
        }
        let text = decode_text(bytes)?;
        Self::read_csv(&text)
    }

    /// The first worksheet of an XLSX (or older XLS) workbook.
    pub fn read_spreadsheet(bytes: &[u8]) -> Result<Table, StatementError> {
        use calamine::{Data, Reader};
        let mut book =
            calamine::open_workbook_auto_from_rs(Cursor::new(bytes.to_vec())).map_err(|e| StatementError::NotATable(e.to_string()))?;
        let range = book
            .worksheet_range_at(0)
            .ok_or_else(|| StatementError::NotATable("the workbook has no worksheet".into()))?
            .map_err(|e| StatementError::NotATable(e.to_string()))?;
        let first_row = range.start().map_or(0, |(r, _)| r as usize);
        let first_col = range.start().map_or(0, |(_, c)| c as usize);
        let mut rows = Vec::with_capacity(range.height());
        for (i, cells) in range.rows().enumerate() {
            // Keep columns where the sheet has them, so a header found in column C stays
            // column C for the lines below it.
            let mut out = vec![Cell::Blank; first_col];
            out.extend(cells.iter().map(|c| match c {
                Data::Empty => Cell::Blank,
                Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => Cell::Text(s.clone()),
                Data::Int(n) => Cell::Number(*n as f64),
                Data::Float(f) => Cell::Number(*f),
                Data::Bool(b) => Cell::Text(b.to_string()),
                Data::Error(e) => Cell::Text(format!("#{e:?}")),
                Data::DateTime(t) => excel_time(t).map_or_else(|| Cell::Text(t.to_string()), Cell::DateTime),
            }));
            rows.push(Row { number: first_row + i + 1, cells: out });
        }
        Ok(Table { rows })
    }

    /// CSV with `,`, `;` or tab between fields (whichever the first lines use most), quotes
    /// as RFC 4180 has them.
    pub fn read_csv(text: &str) -> Result<Table, StatementError> {
        let delimiter = sniff_delimiter(text);
        let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter).from_reader(text.as_bytes());
        // The reader's own line count stumbles on CRLF, so lines are counted from the byte
        // offset where each record starts.
        let line_starts: Vec<usize> = std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect();
        let bytes = text.as_bytes();
        let line_of = |byte: u64| {
            // A record's recorded start can be the `\n` of the CRLF before it.
            let mut at = byte as usize;
            while bytes.get(at).is_some_and(|b| *b == b'\r' || *b == b'\n') {
                at += 1;
            }
            line_starts.partition_point(|&s| s <= at)
        };
        let mut rows = Vec::new();
        for record in reader.records() {
            let record = record.map_err(|e| {
                let line = e.position().map_or(0, |p| line_of(p.byte()));
                StatementError::BadLine { line, column: "-".into(), text: String::new(), why: format!("CSV không đọc được ({e})") }
            })?;
            let number = record.position().map_or(rows.len() + 1, |p| line_of(p.byte()));
            let cells = record.iter().map(|s| if s.trim().is_empty() { Cell::Blank } else { Cell::Text(s.to_string()) }).collect();
            rows.push(Row { number, cells });
        }
        Ok(Table { rows })
    }
}

fn excel_time(t: &calamine::ExcelDateTime) -> Option<NaiveDateTime> {
    let (y, mo, d, h, mi, s, _ms) = t.to_ymd_hms_milli();
    NaiveDate::from_ymd_opt(i32::from(y), u32::from(mo), u32::from(d))?.and_hms_opt(u32::from(h), u32::from(mi), u32::from(s))
}

/// The file as text: UTF-8 (a BOM is dropped) or UTF-16 with its BOM, as Excel's "Unicode
/// text" saves it. Anything else (Windows-1258, TCVN3) is refused rather than guessed, so no
/// payer's name or payment code is read wrong.
pub fn decode_text(bytes: &[u8]) -> Result<String, StatementError> {
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return String::from_utf8(rest.to_vec()).map_err(|_| StatementError::Encoding);
    }
    let utf16 = |rest: &[u8], le: bool| {
        if !rest.len().is_multiple_of(2) {
            return Err(StatementError::Encoding);
        }
        let units = rest.chunks_exact(2).map(|c| if le { u16::from_le_bytes([c[0], c[1]]) } else { u16::from_be_bytes([c[0], c[1]]) });
        char::decode_utf16(units).collect::<Result<String, _>>().map_err(|_| StatementError::Encoding)
    };
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        return utf16(rest, true);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return utf16(rest, false);
    }
    if bytes.contains(&0) {
        return Err(StatementError::NotATable("binary data".into()));
    }
    String::from_utf8(bytes.to_vec()).map_err(|_| StatementError::Encoding)
}

fn sniff_delimiter(text: &str) -> u8 {
    let head: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).take(10).collect();
    let count = |d: char| head.iter().map(|l| l.matches(d).count()).max().unwrap_or(0);
    [(b',', count(',')), (b';', count(';')), (b'\t', count('\t'))].into_iter().max_by_key(|(_, n)| *n).map_or(b',', |(d, _)| d)
}
