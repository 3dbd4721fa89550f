//! The report as files: CSV (UTF-8 with a byte-order mark, for Excel) and XLSX. Both are
//! written a day of rows at a time, so a year's file never needs a year of rows at once.

use crate::backend::BackendError;
use crate::model::{ReconReport, ReconRow, ReconTotal};
use rust_xlsxwriter::{Format, FormatBorder, Workbook, XlsxError};

fn field(s: &str) -> String {
    // Quote every text field; a leading = + - @ is prefixed so no cell runs as a formula.
    let s = if s.starts_with(['=', '+', '-', '@']) { format!("'{s}") } else { s.to_string() };
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// The byte-order mark and the header line.
pub fn csv_header() -> String {
    "\u{feff}Ngày,Trạng thái,state,Quầy,Mã hồ sơ,Thủ tục,Người nộp,Mã thanh toán,Phải thu,Đã nhận,Chênh lệch,Hình thức,Nguồn,Mã giao dịch,Thời điểm nhận,Biên lai,Cán bộ,Điều chỉnh cho ngày\r\n".to_string()
}

/// One line per row.
pub fn csv_rows(rows: &[ReconRow]) -> String {
    let opt = |s: &Option<String>| field(s.as_deref().unwrap_or(""));
    let mut out = String::new();
    for row in rows {
        let cols = [
            field(&row.day),
            field(row.state.label().vi),
            field(row.state.as_str()),
            row.counter.map(|c| c.to_string()).unwrap_or_default(),
            opt(&row.dossier_code),
            opt(&row.procedure),
            opt(&row.payer),
            opt(&row.payment_code),
            row.amount_due.to_string(),
            row.amount_received.to_string(),
            row.difference.to_string(),
            opt(&row.method),
            opt(&row.provider),
            opt(&row.bank_reference),
            opt(&row.received_at),
            opt(&row.receipt),
            opt(&row.officer),
            opt(&row.adjusts),
        ];
        out.push_str(&cols.join(","));
        out.push_str("\r\n");
    }
    out
}

/// One total line per state.
pub fn csv_totals(totals: &[ReconTotal]) -> String {
    let mut out = String::new();
    for t in totals {
        out.push_str(&format!(
            "{},{},{},,,,,,{},{},{},,,,,,,\r\n",
            field("Tổng"),
            field(t.state.label().vi),
            field(t.state.as_str()),
            t.amount_due,
            t.amount_received,
            t.amount_received - t.amount_due,
        ));
    }
    out
}

/// The report as CSV for a spreadsheet: a header row, one line per row, then one total line
/// per state.
pub fn to_csv(r: &ReconReport) -> String {
    let mut out = csv_header();
    out.push_str(&csv_rows(&r.rows));
    out.push_str(&csv_totals(&r.totals));
    out
}

const HEADERS: [(&str, f64); 18] = [
    ("Ngày", 11.0),
    ("Trạng thái", 18.0),
    ("state", 14.0),
    ("Quầy", 6.0),
    ("Mã hồ sơ", 22.0),
    ("Thủ tục", 36.0),
    ("Người nộp", 16.0),
    ("Mã thanh toán", 16.0),
    ("Phải thu", 13.0),
    ("Đã nhận", 13.0),
    ("Chênh lệch", 13.0),
    ("Hình thức", 12.0),
    ("Nguồn", 9.0),
    ("Mã giao dịch", 20.0),
    ("Thời điểm nhận", 20.0),
    ("Biên lai", 16.0),
    ("Cán bộ", 12.0),
    ("Điều chỉnh cho ngày", 14.0),
];

fn fail(e: XlsxError) -> BackendError {
    BackendError::invalid("xlsx", e.to_string())
}

/// An Excel workbook being written: a frozen header row, amounts as numbers in a đồng
/// format (so they sum in Excel), Vietnamese labels; rows are added in order and kept on
/// disk, not in memory (constant-memory mode); [`XlsxReport::finish`] adds a totals line per
/// state and the grand total.
pub struct XlsxReport {
    book: Workbook,
    next_row: u32,
    vnd: Format,
}

impl XlsxReport {
    pub fn new() -> Result<XlsxReport, BackendError> {
        let mut book = Workbook::new();
        let bold = Format::new().set_bold().set_border_bottom(FormatBorder::Thin).set_text_wrap();
        let sheet = book.add_worksheet_with_constant_memory();
        sheet.set_name("Doi soat").map_err(fail)?;
        for (c, (h, width)) in HEADERS.iter().enumerate() {
            sheet.write_string_with_format(0, c as u16, *h, &bold).map_err(fail)?;
            sheet.set_column_width(c as u16, *width).map_err(fail)?;
        }
        sheet.set_freeze_panes(1, 0).map_err(fail)?;
        Ok(XlsxReport { book, next_row: 1, vnd: Format::new().set_num_format("#,##0\" đ\"") })
    }

    fn sheet(&mut self) -> Result<&mut rust_xlsxwriter::Worksheet, BackendError> {
        self.book.worksheet_from_index(0).map_err(fail)
    }

    pub fn add_rows(&mut self, rows: &[ReconRow]) -> Result<(), BackendError> {
        let vnd = self.vnd.clone();
        let mut row = self.next_row;
        let sheet = self.sheet()?;
        for x in rows {
            let texts: [(u16, Option<&str>); 13] = [
                (0, Some(x.day.as_str())),
                (1, Some(x.state.label().vi)),
                (2, Some(x.state.as_str())),
                (4, x.dossier_code.as_deref()),
                (5, x.procedure.as_deref()),
                (6, x.payer.as_deref()),
                (7, x.payment_code.as_deref()),
                (11, x.method.as_deref()),
                (12, x.provider.as_deref()),
                (13, x.bank_reference.as_deref()),
                (14, x.received_at.as_deref()),
                (15, x.receipt.as_deref()),
                (16, x.officer.as_deref()),
            ];
            for (c, v) in texts {
                if let Some(v) = v {
                    sheet.write_string(row, c, v).map_err(fail)?;
                }
            }
            if let Some(counter) = x.counter {
                sheet.write_number(row, 3, f64::from(counter)).map_err(fail)?;
            }
            for (c, v) in [(8u16, x.amount_due), (9, x.amount_received), (10, x.difference)] {
                sheet.write_number_with_format(row, c, v as f64, &vnd).map_err(fail)?;
            }
            if let Some(d) = &x.adjusts {
                sheet.write_string(row, 17, d).map_err(fail)?;
            }
            row += 1;
        }
        self.next_row = row;
        Ok(())
    }

    /// The totals and the file's bytes.
    pub fn finish(mut self, totals: &[ReconTotal], total_due: i64, total_received: i64) -> Result<Vec<u8>, BackendError> {
        let vnd_bold = Format::new().set_num_format("#,##0\" đ\"").set_bold();
        let text_bold = Format::new().set_bold();
        let mut row = self.next_row;
        let sheet = self.sheet()?;
        for t in totals {
            sheet.write_string_with_format(row, 0, "Tổng", &text_bold).map_err(fail)?;
            sheet.write_string_with_format(row, 1, t.state.label().vi, &text_bold).map_err(fail)?;
            sheet.write_string(row, 2, t.state.as_str()).map_err(fail)?;
            sheet.write_number(row, 3, t.count as f64).map_err(fail)?;
            sheet.write_number_with_format(row, 8, t.amount_due as f64, &vnd_bold).map_err(fail)?;
            sheet.write_number_with_format(row, 9, t.amount_received as f64, &vnd_bold).map_err(fail)?;
            sheet.write_number_with_format(row, 10, (t.amount_received - t.amount_due) as f64, &vnd_bold).map_err(fail)?;
            row += 1;
        }
        sheet.write_string_with_format(row, 0, "Tổng cộng", &text_bold).map_err(fail)?;
        sheet.write_string(row, 2, "total").map_err(fail)?;
        sheet.write_number_with_format(row, 8, total_due as f64, &vnd_bold).map_err(fail)?;
        sheet.write_number_with_format(row, 9, total_received as f64, &vnd_bold).map_err(fail)?;
        self.book.save_to_buffer().map_err(fail)
    }
}

/// A whole report as a workbook.
pub fn to_xlsx(r: &ReconReport) -> Result<Vec<u8>, BackendError> {
    let mut x = XlsxReport::new()?;
    x.add_rows(&r.rows)?;
    x.finish(&r.totals, r.total_due, r.total_received)
}
