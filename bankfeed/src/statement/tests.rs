use super::*;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 30).expect("date")
}

fn csv_mapping() -> Format {
    Format::Csv(
        Mapping::parse("date=Ngày giao dịch,amount=Số tiền,content=Nội dung,reference=Mã GD,account=Số tài khoản").expect("mapping"),
    )
}

#[test]
fn a_sepay_export_reads_credits_with_their_ids_and_references() {
    let file = "\u{feff}ID,Ngày giao dịch,Số tài khoản,Tiền vào,Tiền ra,Nội dung,Mã tham chiếu\r\n\
                9001,29/11/2026 09:15:02,0071000123456,\"50.000\",0,WP7K3M9Q2X nop phi,FT26333001\r\n\
                9002,29/11/2026 10:00:00,0071000123456,0,\"20.000\",rut tien,FT26333002\r\n\
                9003,30/11/2026 08:00:00,0071000123456,\"1.250.000 đ\",,chuyen tien,FT26333003\r\n";
    let s = read(file.as_bytes(), &Format::Sepay, today()).expect("statement");
    assert_eq!(s.provider, Some(crate::Provider::Sepay));
    assert_eq!(s.lines.len(), 2, "the debit is left out");
    assert_eq!(s.skipped, 1);
    let l = &s.lines[0];
    assert_eq!((l.line, l.amount), (2, 50_000));
    assert_eq!(l.provider_txn_id.as_deref(), Some("9001"));
    assert_eq!(l.reference.as_deref(), Some("FT26333001"));
    assert_eq!(l.account.as_deref(), Some("0071000123456"));
    assert_eq!(l.content, "WP7K3M9Q2X nop phi");
    assert_eq!(l.at.to_rfc3339(), "2026-11-29T02:15:02+00:00");
    assert_eq!(s.lines[1].amount, 1_250_000);
    assert_eq!(s.first_day, NaiveDate::from_ymd_opt(2026, 11, 29));
    assert_eq!(s.last_day, NaiveDate::from_ymd_opt(2026, 11, 30));
}

#[test]
fn a_casso_export_with_signed_amounts_and_semicolons_reads() {
    let file = "Mã GD;Mô tả;Giá trị;Ngày giao dịch;Số tài khoản;Mã tham chiếu\n\
                1201;CT DEN WP7K3M9Q2X;50000;2026-11-29 09:15:02;0071000123456;FT1\n\
                1202;Phi SMS;-11000;2026-11-29 09:20:00;0071000123456;FT2\n";
    let s = read(file.as_bytes(), &Format::Casso, today()).expect("statement");
    assert_eq!(s.lines.len(), 1);
    assert_eq!(s.lines[0].amount, 50_000);
    assert_eq!(s.lines[0].reference.as_deref(), Some("FT1"));
    assert_eq!(s.skipped, 1);
}

#[test]
fn a_payos_export_carries_the_webhook_id_reference_and_order_code() {
    let file = "orderCode,amount,description,accountNumber,reference,transactionDateTime\n\
                123456,50000,WP7K3M9Q2X,12345678,TF230204212323,2026-11-29 09:15:02\n";
    let s = read(file.as_bytes(), &Format::Payos, today()).expect("statement");
    assert_eq!(s.lines[0].provider_txn_id.as_deref(), Some("TF230204212323:123456"));
}

#[test]
fn a_generic_bank_file_reads_through_the_saved_mapping_below_a_title() {
    let file = "SAO KÊ TÀI KHOẢN\nTài khoản: 0071000123456\n\n\
                STT,Ngày giao dịch,Số tiền,Nội dung,Mã GD,Số tài khoản\n\
                1,31/10/2026,\"50,000\",WP7K3M9Q2X,FT9,0071000123456\n\
                ,,,Tổng cộng,,\n";
    let s = read(file.as_bytes(), &csv_mapping(), today()).expect("statement");
    assert_eq!(s.lines.len(), 1);
    assert_eq!(s.lines[0].line, 5, "line numbers count the title rows");
    assert!(s.lines[0].date_only);
    assert_eq!(s.lines[0].amount, 50_000);
}

#[test]
fn a_bad_amount_names_its_line_column_and_text() {
    let file = "Ngày giao dịch,Số tiền,Nội dung,Mã GD,Số tài khoản\n\
                29/11/2026,50.000,WP1,FT1,1\n\
                29/11/2026,năm chục,WP2,FT2,1\n";
    let e = read(file.as_bytes(), &csv_mapping(), today()).expect_err("refused");
    match &e {
        StatementError::BadLine { line, column, text, .. } => {
            assert_eq!((*line, column.as_str(), text.as_str()), (3, "B", "năm chục"));
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(e.line(), Some(3));
}

#[test]
fn future_dates_duplicate_lines_and_missing_headers_are_refused() {
    let future = "Ngày giao dịch,Số tiền,Nội dung,Mã GD,Số tài khoản\n01/12/2026,50000,WP1,FT1,1\n";
    assert!(matches!(read(future.as_bytes(), &csv_mapping(), today()), Err(StatementError::BadLine { line: 2, .. })));
    let dup = "Ngày giao dịch,Số tiền,Nội dung,Mã GD,Số tài khoản\n29/11/2026,50000,WP1,FT1,1\n29/11/2026,50000,WP1,FT1,1\n";
    assert_eq!(read(dup.as_bytes(), &csv_mapping(), today()), Err(StatementError::DuplicateLine { line: 3, first: 2 }));
    let other = "Date,Value\n29/11/2026,50000\n";
    assert!(matches!(read(other.as_bytes(), &Format::Sepay, today()), Err(StatementError::NoHeader { .. })));
}

#[test]
fn text_that_is_not_utf8_or_not_a_table_is_refused() {
    // "Nội dung" in Windows-1258 is not UTF-8.
    let cp1258 = b"Ng\xe0y,S\xf4\xcc\x81 ti\xean,N\xf4\xf2i dung\n";
    assert_eq!(read(cp1258, &Format::Sepay, today()), Err(StatementError::Encoding));
    assert!(matches!(read(b"\x00\x01\x02binary", &Format::Sepay, today()), Err(StatementError::NotATable(_))));
    assert!(matches!(read(b"PK\x03\x04not really a zip", &Format::Sepay, today()), Err(StatementError::NotATable(_))));
    assert_eq!(read(b"", &Format::Sepay, today()), Err(StatementError::Empty));
}

#[test]
fn utf16_text_with_its_bom_reads() {
    let text = "Ngày giao dịch\tTiền vào\tNội dung\n29/11/2026 09:00:00\t50.000\tWP1\n";
    let mut bytes = vec![0xFF, 0xFE];
    for u in text.encode_utf16() {
        bytes.extend_from_slice(&u.to_le_bytes());
    }
    let s = read(&bytes, &Format::Sepay, today()).expect("statement");
    assert_eq!(s.lines[0].amount, 50_000);
}

#[test]
fn an_xlsx_export_reads_dates_numbers_and_text() {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "Sao kê tháng 11").expect("write");
    for (c, h) in ["Ngày giao dịch", "Tiền vào", "Tiền ra", "Nội dung", "Mã tham chiếu", "Số tài khoản"].iter().enumerate()
    {
        sheet.write_string(2, c as u16, *h).expect("write");
    }
    let when = rust_xlsxwriter::ExcelDateTime::parse_from_str("2026-11-29 09:15:02").expect("time");
    let fmt = rust_xlsxwriter::Format::new().set_num_format("dd/mm/yyyy hh:mm:ss");
    sheet.write_datetime_with_format(3, 0, &when, &fmt).expect("write");
    sheet.write_number(3, 1, 50000.0).expect("write");
    sheet.write_string(3, 3, "WP7K3M9Q2X").expect("write");
    sheet.write_string(3, 4, "FT77").expect("write");
    sheet.write_string(3, 5, "0071000123456").expect("write");
    sheet.write_string(4, 0, "30/11/2026").expect("write");
    sheet.write_string(4, 1, "20.000 đ").expect("write");
    sheet.write_string(4, 3, "khac").expect("write");
    sheet.write_string(4, 4, "FT78").expect("write");
    let bytes = book.save_to_buffer().expect("xlsx");
    let s = read(&bytes, &Format::Sepay, today()).expect("statement");
    assert_eq!(s.lines.len(), 2);
    assert_eq!(s.lines[0].line, 4);
    assert_eq!(s.lines[0].at.to_rfc3339(), "2026-11-29T02:15:02+00:00");
    assert_eq!(s.lines[0].amount, 50_000);
    assert_eq!(s.lines[1].amount, 20_000);
}

#[test]
fn mappings_round_trip_and_name_what_is_missing() {
    let spec = "date=Ngày giao dịch,amount=Số tiền,content=Nội dung,reference=Mã GD,account=Số tài khoản";
    assert_eq!(Mapping::parse(spec).expect("mapping").to_spec(), spec);
    assert!(matches!(Mapping::parse("date=Ngày,amount=Số tiền"), Err(StatementError::BadMapping(m)) if m.contains("content")));
    assert!(Mapping::parse("date=Ngày,amount=Số tiền,content=X,colour=red").is_err());
    assert!(Mapping::parse("date").is_err());
}

#[test]
fn the_same_credit_has_the_same_key_in_a_provider_export_and_the_bank_file() {
    let sepay = "ID,Ngày giao dịch,Tiền vào,Nội dung,Mã tham chiếu\n9001,29/11/2026 09:15:02,50000,WP1,FT1\n";
    let bank = "Ngày giao dịch,Số tiền,Nội dung,Mã GD,Số tài khoản\n29/11/2026,50.000,WP1,FT1,0071\n";
    let a = read(sepay.as_bytes(), &Format::Sepay, today()).expect("sepay");
    let b = read(bank.as_bytes(), &csv_mapping(), today()).expect("bank");
    assert_eq!(a.lines[0].key(a.provider), b.lines[0].key(b.provider));
    assert_eq!(a.lines[0].key(a.provider), "ref:FT1");
}

#[test]
fn headers_fold_case_and_diacritics() {
    assert_eq!(columns::fold("Ngày Giao Dịch"), "ngaygiaodich");
    assert_eq!(columns::fold("NGÀY GIAO DỊCH"), "ngaygiaodich");
    assert_eq!(columns::fold("transaction_date"), "transactiondate");
    assert_eq!(columns::fold("Số tiền (VND)"), "sotienvnd");
}

#[test]
fn csv_line_numbers_count_crlf_and_quoted_newlines() {
    let t = Table::read_csv("a,b\r\nc,\"two\r\nlines\"\r\ne,f\r\n").expect("csv");
    assert_eq!(t.rows.iter().map(|r| r.number).collect::<Vec<_>>(), vec![1, 2, 4]);
}
