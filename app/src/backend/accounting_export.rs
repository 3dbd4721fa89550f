//! The accountant's books as files: the receipts register, the treasury slip (C1-02/NS)
//! with its list, and the refunds register, each as CSV (UTF-8 with BOM, for Excel) and as
//! XLSX (amounts as numbers in a đồng format). Both formats come from the same sheets, so
//! they always agree with each other and with the page.

use super::BackendError;
use crate::domain::words::vnd_in_words_vi;
use crate::model::{ReceiptRegister, RefundRow, TreasurySlip};
use rust_xlsxwriter::{Format, FormatBorder, Workbook, XlsxError};

#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Text(String),
    Money(i64),
    Count(i64),
    Empty,
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Cell::Text(s.to_string())
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Self {
        Cell::Text(s)
    }
}

impl From<Option<String>> for Cell {
    fn from(s: Option<String>) -> Self {
        s.map(Cell::Text).unwrap_or(Cell::Empty)
    }
}

/// One table: a title line, a header, rows.
pub struct Sheet {
    pub name: String,
    pub title: Vec<String>,
    pub headers: Vec<(&'static str, f64)>,
    pub rows: Vec<Vec<Cell>>,
}

fn csv_field(s: &str) -> String {
    // Quote every text; a leading = + - @ is prefixed so no cell runs as a formula.
    let s = if s.starts_with(['=', '+', '-', '@']) { format!("'{s}") } else { s.to_string() };
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// The sheets one after another, a blank line between, with a byte-order mark.
pub fn to_csv(sheets: &[Sheet]) -> String {
    let mut out = String::from("\u{feff}");
    for (i, s) in sheets.iter().enumerate() {
        if i > 0 {
            out.push_str("\r\n");
        }
        for t in &s.title {
            out.push_str(&csv_field(t));
            out.push_str("\r\n");
        }
        out.push_str(&s.headers.iter().map(|(h, _)| csv_field(h)).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
        for row in &s.rows {
            let cols: Vec<String> = row
                .iter()
                .map(|c| match c {
                    Cell::Text(t) => csv_field(t),
                    Cell::Money(n) | Cell::Count(n) => n.to_string(),
                    Cell::Empty => String::new(),
                })
                .collect();
            out.push_str(&cols.join(","));
            out.push_str("\r\n");
        }
    }
    out
}

fn fail(e: XlsxError) -> BackendError {
    BackendError::invalid("xlsx", e.to_string())
}

/// One worksheet per sheet: title lines, a bold frozen header, amounts in đồng.
pub fn to_xlsx(sheets: &[Sheet]) -> Result<Vec<u8>, BackendError> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold().set_border_bottom(FormatBorder::Thin).set_text_wrap();
    let title_fmt = Format::new().set_bold();
    let vnd = Format::new().set_num_format("#,##0\" đ\"");
    for s in sheets {
        let sheet = book.add_worksheet();
        sheet.set_name(&s.name).map_err(fail)?;
        let mut row = 0u32;
        for t in &s.title {
            sheet.write_string_with_format(row, 0, t, &title_fmt).map_err(fail)?;
            row += 1;
        }
        for (c, (h, w)) in s.headers.iter().enumerate() {
            sheet.write_string_with_format(row, c as u16, *h, &bold).map_err(fail)?;
            sheet.set_column_width(c as u16, *w).map_err(fail)?;
        }
        sheet.set_freeze_panes(row + 1, 0).map_err(fail)?;
        row += 1;
        for r in &s.rows {
            for (c, cell) in r.iter().enumerate() {
                let c = c as u16;
                match cell {
                    Cell::Text(t) => sheet.write_string(row, c, t).map(|_| ()),
                    Cell::Money(n) => sheet.write_number_with_format(row, c, *n as f64, &vnd).map(|_| ()),
                    Cell::Count(n) => sheet.write_number(row, c, *n as f64).map(|_| ()),
                    Cell::Empty => Ok(()),
                }
                .map_err(fail)?;
            }
            row += 1;
        }
    }
    book.save_to_buffer().map_err(fail)
}

pub fn register_sheets(r: &ReceiptRegister) -> Vec<Sheet> {
    let mut rows: Vec<Vec<Cell>> = r
        .rows
        .iter()
        .map(|x| {
            vec![
                x.form.as_str().into(),
                x.series.as_str().into(),
                Cell::Count(x.number),
                crate::time::format_vn_datetime(&x.issued_at).into(),
                x.payer_name.as_str().into(),
                x.dossier_code.as_str().into(),
                Cell::Money(x.amount),
                x.method.as_str().into(),
                x.bank_ref.clone().into(),
                x.status.label().vi.into(),
                x.replaces.clone().into(),
                x.replaced_by.clone().into(),
                x.notices.join("; ").into(),
            ]
        })
        .collect();
    for g in &r.gaps {
        rows.push(vec![
            Cell::Text("THIẾU SỐ".into()),
            g.series.as_str().into(),
            Cell::Text(format!("{}–{}", g.from, g.to)),
            Cell::Empty,
            Cell::Text("Cảnh báo: số biên lai bị thiếu (missing numbers)".into()),
        ]);
    }
    vec![Sheet {
        name: "So bien lai".into(),
        title: vec![format!("SỔ BIÊN LAI — {} ({}) — từ {} đến {}", r.ward_name, r.ward_code, r.from, r.to)],
        headers: vec![
            ("Mẫu số", 8.0),
            ("Ký hiệu", 8.0),
            ("Số", 10.0),
            ("Ngày lập", 17.0),
            ("Người nộp", 22.0),
            ("Mã hồ sơ", 26.0),
            ("Số tiền", 13.0),
            ("Hình thức", 12.0),
            ("Mã giao dịch", 20.0),
            ("Tình trạng", 22.0),
            ("Thay thế cho", 20.0),
            ("Bị thay bởi", 20.0),
            ("Thông báo 04/SS-CTĐT", 24.0),
        ],
        rows,
    }]
}

pub fn slip_sheets(s: &TreasurySlip) -> Vec<Sheet> {
    let mut lines: Vec<Vec<Cell>> = s
        .lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            vec![
                Cell::Count(i as i64 + 1),
                l.fee_names.join("; ").into(),
                l.chapter.as_str().into(),
                l.ndkt.as_str().into(),
                l.dbhc.as_str().into(),
                Cell::Count(l.receipts),
                Cell::Money(l.gross),
                Cell::Money(l.refunds),
                Cell::Money(l.amount),
            ]
        })
        .collect();
    for u in &s.uncoded {
        lines.push(vec![
            Cell::Text("!".into()),
            Cell::Text(format!("{} — CHƯA CÓ MÃ CHƯƠNG/NDKT", u.fee_name)),
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
            Cell::Count(u.receipts),
            Cell::Money(u.amount),
            Cell::Empty,
            Cell::Money(u.amount),
        ]);
    }
    lines.push(vec![
        Cell::Text("Tổng cộng".into()),
        Cell::Empty,
        Cell::Empty,
        Cell::Empty,
        Cell::Empty,
        Cell::Count(s.receipt_count),
        Cell::Money(s.gross),
        Cell::Money(s.refunds_total),
        Cell::Money(s.total),
    ]);
    let title = vec![
        format!("GIẤY NỘP TIỀN VÀO NGÂN SÁCH NHÀ NƯỚC (Mẫu C1-02/NS) — {} — từ {} đến {}", s.kind.label().vi, s.from, s.to),
        format!("Người nộp: {} — MST {} — Mã QHNS {} — {}", s.unit_name, s.unit_tax_code, s.unit_budget_code, s.unit_address),
        format!("Trích tài khoản: {} tại {}", s.debit_account, s.debit_bank),
        format!(
            "Nộp vào KBNN: {} ({}) — tài khoản {} — cơ quan quản lý thu: {}",
            s.kbnn_name, s.kbnn_code, s.kbnn_account, s.revenue_agency
        ),
        format!("Tổng số tiền ghi bằng chữ: {}", vnd_in_words_vi(u64::try_from(s.total.max(0)).unwrap_or(0))),
        format!("Hạn nộp: {}{}", s.due_on, if s.example { " — mã ngân sách là giá trị ví dụ" } else { "" }),
    ];
    let mut sheets = vec![Sheet {
        name: "C1-02NS".into(),
        title,
        headers: vec![
            ("STT", 6.0),
            ("Nội dung khoản nộp", 40.0),
            ("Mã chương", 10.0),
            ("Mã NDKT", 10.0),
            ("Mã ĐBHC", 10.0),
            ("Số biên lai", 10.0),
            ("Thu", 14.0),
            ("Hoàn trả", 14.0),
            ("Số tiền nộp", 14.0),
        ],
        rows: lines,
    }];
    sheets.push(Sheet {
        name: "Bang ke bien lai".into(),
        title: vec!["Bảng kê biên lai và giao dịch ngân hàng (số âm: biên lai bị thay thế)".into()],
        headers: vec![("Biên lai", 26.0), ("Ngày lập", 17.0), ("Mã giao dịch", 22.0), ("Hình thức", 12.0), ("Số tiền", 14.0)],
        rows: s
            .receipts
            .iter()
            .map(|r| {
                vec![
                    r.label.as_str().into(),
                    crate::time::format_vn_datetime(&r.issued_at).into(),
                    r.bank_ref.clone().into(),
                    r.method.as_str().into(),
                    Cell::Money(r.amount),
                ]
            })
            .collect(),
    });
    sheets.push(Sheet {
        name: "Hoan tra".into(),
        title: vec!["Khoản hoàn trả đã trừ".into()],
        headers: vec![("Số đề nghị", 10.0), ("Biên lai", 26.0), ("Mã GD hoàn", 22.0), ("Ngày hoàn", 17.0), ("Số tiền", 14.0)],
        rows: s
            .refunds
            .iter()
            .map(|r| {
                vec![
                    Cell::Count(r.refund_id),
                    r.receipt_label.clone().into(),
                    r.bank_reference.clone().into(),
                    r.paid_at.as_deref().map(crate::time::format_vn_datetime).into(),
                    Cell::Money(r.amount),
                ]
            })
            .collect(),
    });
    sheets.push(Sheet {
        name: "Mien giam".into(),
        title: vec!["Hồ sơ miễn, giảm và không thu (chỉ thống kê, không cộng vào số nộp)".into()],
        headers: vec![("Thủ tục", 40.0), ("Lý do", 30.0), ("Số hồ sơ", 10.0)],
        rows: s.no_charge.iter().map(|n| vec![n.procedure_name.as_str().into(), n.reason.as_str().into(), Cell::Count(n.count)]).collect(),
    });
    sheets
}

pub fn refund_sheets(ward_name: &str, rows: &[RefundRow]) -> Vec<Sheet> {
    vec![Sheet {
        name: "So hoan tien".into(),
        title: vec![format!("SỔ HOÀN TIỀN — {ward_name}")],
        headers: vec![
            ("Số", 6.0),
            ("Nguồn", 10.0),
            ("Ngoại lệ", 14.0),
            ("Biên lai", 20.0),
            ("Mã hồ sơ", 26.0),
            ("Đã nhận", 13.0),
            ("Hoàn", 13.0),
            ("Lý do", 30.0),
            ("Người nhận", 20.0),
            ("Tài khoản nhận", 18.0),
            ("Trạng thái", 18.0),
            ("Người đề nghị", 14.0),
            ("Người duyệt", 14.0),
            ("Ngày hoàn", 17.0),
            ("Mã GD hoàn", 20.0),
        ],
        rows: rows
            .iter()
            .map(|r| {
                vec![
                    Cell::Count(r.id),
                    r.origin.as_str().into(),
                    r.exception_kind.clone().into(),
                    r.receipt_label.clone().into(),
                    r.dossier_code.clone().into(),
                    Cell::Money(r.received),
                    Cell::Money(r.amount),
                    r.reason.as_str().into(),
                    r.payer_name.clone().into(),
                    r.payer_account.clone().into(),
                    r.state.label().vi.into(),
                    r.requested_by.as_str().into(),
                    r.decided_by.clone().into(),
                    r.paid_at.as_deref().map(crate::time::format_vn_datetime).into(),
                    r.bank_reference.clone().into(),
                ]
            })
            .collect(),
    }]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_text_guards_formulas_and_keeps_numbers_plain() {
        let s = Sheet {
            name: "t".into(),
            title: vec!["Tiêu đề".into()],
            headers: vec![("A", 1.0), ("B", 1.0), ("C", 1.0)],
            rows: vec![vec![Cell::Text("=SUM(A1)".into()), Cell::Money(50_000), Cell::Empty]],
        };
        let csv = to_csv(&[s]);
        assert!(csv.starts_with('\u{feff}'));
        assert!(csv.contains("\"'=SUM(A1)\",50000,\r\n"), "{csv}");
    }
}
