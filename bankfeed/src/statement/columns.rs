//! Which column is which. Providers and banks title their columns in Vietnamese or English,
//! with or without diacritics and in any case (`Ngày giao dịch`, `NGAY GIAO DICH`,
//! `transaction_date`), so headers are compared in a folded form: lower case, no
//! diacritics, letters and digits only. A generic bank file names its own headers through
//! the ward's [`Mapping`].

use super::table::{Cell, Row, Table};
use super::values::{amount_of_number, datetime_of_cell, parse_amount, parse_datetime};
use super::{Format, Line, StatementError};
use chrono::{DateTime, NaiveDate, Utc};
use unicode_normalization::UnicodeNormalization;

/// What a column holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Field {
    Date,
    /// A signed amount (credits positive).
    Amount,
    AmountIn,
    AmountOut,
    Content,
    Reference,
    Account,
    /// SePay's or Casso's own transaction id.
    TxnId,
    /// payOS's order code (its webhook id is `reference:orderCode`).
    OrderCode,
}

impl Field {
    pub fn name(self) -> &'static str {
        match self {
            Field::Date => "date",
            Field::Amount => "amount",
            Field::AmountIn => "amount_in",
            Field::AmountOut => "amount_out",
            Field::Content => "content",
            Field::Reference => "reference",
            Field::Account => "account",
            Field::TxnId => "id",
            Field::OrderCode => "order_code",
        }
    }
}

/// Folded header names each field answers to in the providers' and banks' exports.
fn synonyms(field: Field, format: &Format) -> &'static [&'static str] {
    match (field, format) {
        (Field::Date, _) => &[
            "ngaygiaodich",
            "thoigiangiaodich",
            "ngaygd",
            "ngay",
            "thoigian",
            "ngayhachtoan",
            "ngaythuchien",
            "ngayghiso",
            "transactiondate",
            "transactiondatetime",
            "date",
            "datetime",
            "when",
            "time",
            "bookingdate",
            "ngaygiaodichthoigian",
        ],
        (Field::AmountIn, _) => {
            &["sotienvao", "tienvao", "amountin", "ghico", "sotienghico", "psco", "phatsinhco", "credit", "creditamount", "co"]
        }
        (Field::AmountOut, _) => {
            &["sotienra", "tienra", "amountout", "ghino", "sotienghino", "psno", "phatsinhno", "debit", "debitamount", "no"]
        }
        (Field::Amount, _) => &["sotien", "giatri", "amount", "sotiengiaodich", "value", "sotienvnd"],
        (Field::Content, _) => &[
            "noidung",
            "noidungchuyenkhoan",
            "noidunggiaodich",
            "noidungck",
            "transactioncontent",
            "content",
            "description",
            "mota",
            "diengiai",
            "chitiet",
            "chitietgiaodich",
            "remark",
            "remarks",
            "narrative",
        ],
        (Field::Reference, Format::Casso) => {
            &["mathamchieu", "sothamchieu", "referencenumber", "reference", "referencecode", "tid", "magiaodichnganhang", "sobuttoan"]
        }
        (Field::Reference, _) => &[
            "mathamchieu",
            "sothamchieu",
            "referencenumber",
            "reference",
            "referencecode",
            "magiaodich",
            "magd",
            "sobuttoan",
            "sogiaodich",
            "refno",
            "magiaodichnganhang",
        ],
        (Field::Account, _) => &[
            "sotaikhoan",
            "taikhoan",
            "accountnumber",
            "stk",
            "taikhoannhan",
            "sotaikhoannhan",
            "bankaccount",
            "account",
            "banksubaccid",
            "subaccid",
            "tkthuhuong",
        ],
        (Field::TxnId, Format::Sepay) => &["id", "idgiaodich", "magiaodichsepay", "transactionid"],
        (Field::TxnId, Format::Casso) => &["id", "idgiaodich", "magiaodichcasso", "transactionid"],
        (Field::TxnId, _) => &[],
        (Field::OrderCode, Format::Payos) => &["ordercode", "madonhang", "madon", "madonhangpayos"],
        (Field::OrderCode, _) => &[],
    }
}

/// `Ngày giao dịch` → `ngaygiaodich`.
pub fn fold(header: &str) -> String {
    header
        .nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .map(|c| if c == 'đ' || c == 'Đ' { 'd' } else { c })
        .flat_map(char::to_lowercase)
        .filter(char::is_ascii_alphanumeric)
        .collect()
}

/// The ward's own header for each field of a generic bank file.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Mapping {
    pub date: String,
    pub amount: String,
    pub content: String,
    pub reference: Option<String>,
    pub account: Option<String>,
}

impl Mapping {
    /// `date=Ngày giao dịch,amount=Số tiền,content=Nội dung[,reference=…][,account=…]`.
    pub fn parse(spec: &str) -> Result<Mapping, StatementError> {
        let mut m = Mapping::default();
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (key, header) = part
                .split_once('=')
                .ok_or_else(|| StatementError::BadMapping(format!("{part:?}: cần dạng trường=tiêu đề (expected field=header)")))?;
            let header = header.trim().to_string();
            if header.is_empty() {
                return Err(StatementError::BadMapping(format!("{key}: tiêu đề trống (empty header)")));
            }
            match key.trim() {
                "date" => m.date = header,
                "amount" => m.amount = header,
                "content" => m.content = header,
                "reference" => m.reference = Some(header),
                "account" => m.account = Some(header),
                other => {
                    return Err(StatementError::BadMapping(format!(
                        "{other:?}: trường là date, amount, content, reference hoặc account (unknown field)"
                    )))
                }
            }
        }
        let missing: Vec<&str> = [("date", &m.date), ("amount", &m.amount), ("content", &m.content)]
            .into_iter()
            .filter(|(_, h)| h.is_empty())
            .map(|(k, _)| k)
            .collect();
        if !missing.is_empty() {
            return Err(StatementError::BadMapping(format!("thiếu {} (missing)", missing.join(", "))));
        }
        Ok(m)
    }

    /// The mapping written back in the form [`Mapping::parse`] reads.
    pub fn to_spec(&self) -> String {
        let mut parts = vec![format!("date={}", self.date), format!("amount={}", self.amount), format!("content={}", self.content)];
        if let Some(r) = &self.reference {
            parts.push(format!("reference={r}"));
        }
        if let Some(a) = &self.account {
            parts.push(format!("account={a}"));
        }
        parts.join(",")
    }
}

/// The column index of each field found in the header row.
#[derive(Clone, Debug, Default)]
pub(super) struct Columns {
    date: usize,
    amount: Option<usize>,
    amount_in: Option<usize>,
    amount_out: Option<usize>,
    content: usize,
    reference: Option<usize>,
    account: Option<usize>,
    txn_id: Option<usize>,
    order_code: Option<usize>,
}

/// How many rows from the top a header may be: exports often start with a title, the
/// account and the period.
const HEADER_SEARCH_ROWS: usize = 30;

/// Finds the header row; returns its index in `table.rows` and the columns.
pub(super) fn find_header(table: &Table, format: &Format) -> Result<(usize, Columns), StatementError> {
    for (i, row) in table.rows.iter().take(HEADER_SEARCH_ROWS).enumerate() {
        let folded: Vec<String> = row.cells.iter().map(|c| fold(&c.text())).collect();
        if let Some(cols) = columns_of(&folded, format) {
            return Ok((i, cols));
        }
    }
    let missing = match format {
        Format::Csv(m) => format!("{:?}, {:?}, {:?}", m.date, m.amount, m.content),
        _ => "ngày (date), số tiền (amount), nội dung (content)".to_string(),
    };
    if table.rows.iter().all(|r| r.cells.iter().all(Cell::is_blank)) {
        return Err(StatementError::Empty);
    }
    Err(StatementError::NoHeader { missing })
}

fn columns_of(folded: &[String], format: &Format) -> Option<Columns> {
    let find_exact = |h: &str| {
        let h = fold(h);
        folded.iter().position(|f| *f == h)
    };
    if let Format::Csv(m) = format {
        let mut cols = Columns {
            date: find_exact(&m.date)?,
            amount: Some(find_exact(&m.amount)?),
            content: find_exact(&m.content)?,
            ..Default::default()
        };
        if let Some(r) = &m.reference {
            cols.reference = Some(find_exact(r)?);
        }
        if let Some(a) = &m.account {
            cols.account = Some(find_exact(a)?);
        }
        return Some(cols);
    }
    let find = |field: Field| {
        let names = synonyms(field, format);
        // The most specific name wins: in a file with both "Ngày" and "Ngày giao dịch", the
        // latter; synonyms are listed most specific first.
        names.iter().find_map(|n| folded.iter().position(|f| f == n))
    };
    let cols = Columns {
        date: find(Field::Date)?,
        amount: find(Field::Amount),
        amount_in: find(Field::AmountIn),
        amount_out: find(Field::AmountOut),
        content: find(Field::Content)?,
        reference: find(Field::Reference),
        account: find(Field::Account),
        txn_id: find(Field::TxnId),
        order_code: find(Field::OrderCode),
    };
    (cols.amount.is_some() || cols.amount_in.is_some()).then_some(cols)
}

impl Columns {
    /// The credit a data row records; `None` for a debit, a zero line or a totals line.
    pub(super) fn line(&self, row: &Row, format: &Format, today: NaiveDate) -> Result<Option<Line>, StatementError> {
        let bad = |col: usize, why: &str| StatementError::BadLine {
            line: row.number,
            column: col_name(col),
            text: row.get(col).text(),
            why: why.to_string(),
        };
        let date_cell = row.get(self.date);
        if date_cell.is_blank() {
            if is_totals_row(row) {
                return Ok(None);
            }
            return Err(bad(self.date, "thiếu ngày giao dịch (no date)"));
        }
        let (at, date_only) = read_time(date_cell).map_err(|why| bad(self.date, &why))?;
        if at.with_timezone(&crate::VIETNAM_OFFSET).date_naive() > today {
            return Err(bad(self.date, "ngày trong tương lai (a future date)"));
        }
        let read = |col: usize| -> Result<i64, StatementError> {
            match row.get(col) {
                c if c.is_blank() => Ok(0),
                Cell::Number(n) => amount_of_number(*n).map_err(|why| bad(col, &why)),
                c => parse_amount(&c.text()).map_err(|why| bad(col, &why)),
            }
        };
        let amount = match (self.amount_in, self.amount) {
            (Some(i), _) => {
                let credit = read(i)?;
                let debit = self.amount_out.map(read).transpose()?.unwrap_or(0);
                if credit != 0 && debit != 0 {
                    return Err(bad(i, "dòng vừa có tiền vào vừa có tiền ra (both money in and out)"));
                }
                if credit < 0 {
                    return Err(bad(i, "tiền vào là số âm (a negative credit)"));
                }
                credit
            }
            (None, Some(a)) => read(a)?,
            (None, None) => 0,
        };
        if amount <= 0 {
            return Ok(None);
        }
        let text = |col: Option<usize>| col.map(|c| row.get(c).text()).filter(|s| !s.is_empty());
        let reference = text(self.reference);
        let provider_txn_id = match format {
            Format::Payos => match (text(self.order_code), &reference) {
                (Some(order), Some(r)) => Some(format!("{r}:{order}")),
                _ => None,
            },
            _ => text(self.txn_id),
        };
        Ok(Some(Line {
            line: row.number,
            at,
            date_only,
            amount,
            content: row.get(self.content).text(),
            reference,
            account: text(self.account),
            provider_txn_id,
        }))
    }
}

fn read_time(cell: &Cell) -> Result<(DateTime<Utc>, bool), String> {
    match cell {
        Cell::DateTime(t) => Ok(datetime_of_cell(*t)),
        c => parse_datetime(&c.text()),
    }
}

/// A line with no date that says "Tổng" / "Total" / "Cộng" somewhere is the export's sum.
fn is_totals_row(row: &Row) -> bool {
    row.cells.iter().any(|c| {
        let f = fold(&c.text());
        f.starts_with("tong") || f.starts_with("total") || f.starts_with("cong") || f.starts_with("sodu")
    })
}

/// `0` → `A`, `27` → `AB`: the column as a spreadsheet names it.
fn col_name(mut i: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (i % 26) as u8);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}
