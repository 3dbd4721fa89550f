//! The day's receipt data for the tax authority: form 01/TH-BLĐT, as UTF-8 XML awaiting the
//! unit's XML signature (Thông tư 91/2026/TT-BTC, Điều 4). Element names follow our own XSD,
//! `docs/schemas/01-TH-BLDT.xsd`, modelled on the tax department's invoice-summary schema
//! (01/TH-HĐĐT); both are to be swapped for the published 01/TH-BLĐT schema once we have it.

use chrono::NaiveDate;

pub const FORM_CODE: &str = "01/TH-BLĐT";
pub const SCHEMA_VERSION: &str = "2.1.0";

const TITLE: &str = "Bảng tổng hợp dữ liệu biên lai điện tử";
/// The receipt summary is daily only; the invoice summary also knows T (month) and Q (quarter).
const PERIOD_BY_DAY: &str = "N";
const CURRENCY: &str = "VND";
/// What the signing tool's `<Reference URI="#data">` points at.
const SIGNED_PART_ID: &str = "data";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummaryHeader {
    pub sequence: u32,
    pub day: NaiveDate,
    pub prepared_on: NaiveDate,
    pub unit_name: String,
    pub tax_code: String,
    /// `None` = first summary for the day (LDau=1); `Some(n)` = supplement n (LDau=0, BSLThu=n).
    pub supplement: Option<u32>,
    /// E.g. that the summary is sent late after an outage, and why.
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryStatus {
    /// TThai 0.
    New,
    /// TThai 3; the fields identify the receipt being replaced.
    Replacement { form: String, series: String, number: i64, issued_on: NaiveDate },
    /// TThai 5: payer name, address or amount in words corrected by a 04/SS-CTĐT notice.
    CorrectedByNotice,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummaryEntry {
    pub form: String,
    pub series: String,
    pub number: i64,
    pub issued_on: NaiveDate,
    pub payer_name: Option<String>,
    pub total: i64,
    pub status: EntryStatus,
    pub note: Option<String>,
}

impl EntryStatus {
    fn code(&self) -> &'static str {
        match self {
            EntryStatus::New => "0",
            EntryStatus::Replacement { .. } => "3",
            EntryStatus::CorrectedByNotice => "5",
        }
    }
}

/// The unsigned 01/TH-BLĐT document for `header.day`, one `DLieu` per entry in the given order.
///
/// Nothing is validated here: the values are written as given, so a caller that lets a bad symbol
/// or a negative total through gets a file the XSD rejects rather than a silently "fixed" one.
pub fn to_xml(header: &SummaryHeader, entries: &[SummaryEntry]) -> String {
    let mut w = Writer::default();
    w.out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    w.open("BTHDLieu");
    w.open_with_id("DLBTHop", SIGNED_PART_ID);

    w.open("TTChung");
    w.leaf("PBan", SCHEMA_VERSION);
    w.leaf("MSo", FORM_CODE);
    w.leaf("Ten", TITLE);
    w.leaf("SBTHDLieu", &header.sequence.to_string());
    w.leaf("LKDLieu", PERIOD_BY_DAY);
    w.leaf("KDLieu", &header.day.format("%d/%m/%Y").to_string());
    match header.supplement {
        None => w.leaf("LDau", "1"),
        Some(n) => {
            w.leaf("LDau", "0");
            w.leaf("BSLThu", &n.to_string());
        }
    }
    w.leaf("NLap", &iso_date(header.prepared_on));
    w.leaf("TNNT", &header.unit_name);
    w.leaf("MST", &header.tax_code);
    w.leaf("DVTTe", CURRENCY);
    w.optional_leaf("GChu", header.note.as_deref());
    w.close("TTChung");

    w.open("NDBTHDLieu");
    if entries.is_empty() {
        w.empty("DSDLieu");
    } else {
        w.open("DSDLieu");
        for (index, entry) in entries.iter().enumerate() {
            write_entry(&mut w, index + 1, entry);
        }
        w.close("DSDLieu");
    }
    w.close("NDBTHDLieu");

    w.close("DLBTHop");
    w.open("DSCKS");
    w.empty("NNT");
    w.close("DSCKS");
    w.close("BTHDLieu");
    w.out
}

fn write_entry(w: &mut Writer, line: usize, entry: &SummaryEntry) {
    w.open("DLieu");
    w.leaf("STT", &line.to_string());
    w.leaf("KHMSBLai", &entry.form);
    w.leaf("KHBLai", &entry.series);
    w.leaf("SBLai", &entry.number.to_string());
    w.leaf("NLap", &iso_date(entry.issued_on));
    w.optional_leaf("TNNop", entry.payer_name.as_deref());
    w.leaf("TTien", &entry.total.to_string());
    w.leaf("TThai", entry.status.code());
    if let EntryStatus::Replacement { form, series, number, issued_on } = &entry.status {
        w.leaf("KHMSBLCLQuan", form);
        w.leaf("KHBLCLQuan", series);
        w.leaf("SBLCLQuan", &number.to_string());
        w.leaf("NLCLQuan", &iso_date(*issued_on));
    }
    w.optional_leaf("GChu", entry.note.as_deref());
    w.close("DLieu");
}

fn iso_date(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

#[derive(Default)]
struct Writer {
    out: String,
    depth: usize,
}

impl Writer {
    fn indent(&mut self) {
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
    }

    fn open(&mut self, name: &str) {
        self.indent();
        self.out.push_str(&format!("<{name}>\n"));
        self.depth += 1;
    }

    fn open_with_id(&mut self, name: &str, id: &str) {
        self.indent();
        self.out.push_str(&format!("<{name} Id=\"{}\">\n", escape(id)));
        self.depth += 1;
    }

    fn close(&mut self, name: &str) {
        self.depth -= 1;
        self.indent();
        self.out.push_str(&format!("</{name}>\n"));
    }

    fn empty(&mut self, name: &str) {
        self.indent();
        self.out.push_str(&format!("<{name}/>\n"));
    }

    fn leaf(&mut self, name: &str, text: &str) {
        self.indent();
        self.out.push_str(&format!("<{name}>{}</{name}>\n", escape(text)));
    }

    // A blank optional element says nothing, and an empty one fails the XSD, so both are
    // left out like `None`.
    fn optional_leaf(&mut self, name: &str, text: Option<&str>) {
        if let Some(text) = text.map(escape).filter(|t| !t.trim().is_empty()) {
            self.indent();
            self.out.push_str(&format!("<{name}>{text}</{name}>\n"));
        }
    }
}

/// Escapes all five XML specials so the same function is safe in text and in attributes, and drops
/// control characters other than tab and newline.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' => out.push(c),
            // C0 controls are illegal in XML 1.0; a CR would be read back as LF anyway (end-of-line
            // normalisation); C1 controls are legal but only ever arrive as pasting accidents.
            c if c.is_control() => {}
            // Not characters in XML 1.0 at all.
            '\u{FFFE}' | '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;
    use std::process::{Command, Output};

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn header() -> SummaryHeader {
        SummaryHeader {
            sequence: 1,
            day: date(2026, 7, 3),
            prepared_on: date(2026, 7, 3),
            unit_name: "UBND phường Bến Thành".to_string(),
            tax_code: "0301234567-001".to_string(),
            supplement: None,
            note: None,
        }
    }

    fn new_entry(number: i64) -> SummaryEntry {
        SummaryEntry {
            form: "EBL01".to_string(),
            series: "26TAA".to_string(),
            number,
            issued_on: date(2026, 7, 3),
            payer_name: Some("Nguyễn Văn An".to_string()),
            total: 50_000,
            status: EntryStatus::New,
            note: None,
        }
    }

    fn replacement_entry() -> SummaryEntry {
        SummaryEntry {
            number: 13,
            payer_name: Some("Trần Thị Bích & Con".to_string()),
            total: 21_000,
            status: EntryStatus::Replacement {
                form: "EBL01".to_string(),
                series: "26TAA".to_string(),
                number: 7,
                issued_on: date(2026, 7, 1),
            },
            note: Some("Thay thế biên lai sai số tiền".to_string()),
            ..new_entry(13)
        }
    }

    fn notice_entry() -> SummaryEntry {
        SummaryEntry {
            number: 9,
            issued_on: date(2026, 7, 2),
            payer_name: Some("Lê Hoàng Đức".to_string()),
            total: 105_000,
            status: EntryStatus::CorrectedByNotice,
            note: Some("Đã gửi thông báo 04/SS-CTĐT: sai tên người nộp".to_string()),
            ..new_entry(9)
        }
    }

    fn day_with_every_status() -> Vec<SummaryEntry> {
        vec![new_entry(12), replacement_entry(), notice_entry()]
    }

    /// The `DLieu` blocks in document order.
    fn entry_blocks(xml: &str) -> Vec<&str> {
        xml.split("<DLieu>").skip(1).map(|rest| rest.split("</DLieu>").next().unwrap()).collect()
    }

    /// The document without its indentation, to check element order independently of layout.
    fn compact(xml: &str) -> String {
        xml.lines().map(str::trim).collect()
    }

    fn xsd_path() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/schemas/01-TH-BLDT.xsd")
    }

    /// Runs xmllint against the project's XSD. A missing xmllint fails the test: a schema check
    /// that quietly does not run is worse than none.
    fn validate(xml: &str, name: &str) -> Output {
        let file = std::env::temp_dir().join(format!("wardpay-01-TH-BLDT-{}-{name}.xml", std::process::id()));
        std::fs::write(&file, xml).expect("write the summary to a temp file");
        let output = Command::new("xmllint").arg("--noout").arg("--schema").arg(xsd_path()).arg(&file).output();
        let _ = std::fs::remove_file(&file);
        match output {
            Ok(output) => output,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                panic!("xmllint missing: run scripts/setup.sh (installs libxml2-utils)")
            }
            Err(e) => panic!("could not run xmllint: {e}"),
        }
    }

    fn assert_valid(xml: &str, name: &str) {
        let output = validate(xml, name);
        assert!(
            output.status.success(),
            "xmllint rejected the summary:\n{}\n--- document ---\n{xml}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    fn assert_rejected(xml: &str, name: &str, element: &str) {
        let output = validate(xml, name);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "xmllint accepted a tampered summary:\n{xml}");
        assert!(stderr.contains(element), "rejected, but not for {element}:\n{stderr}");
    }

    #[test]
    fn escapes_the_five_specials_and_drops_control_characters() {
        assert_eq!(escape(r#"A & B <c> "d" 'e'"#), "A &amp; B &lt;c&gt; &quot;d&quot; &apos;e&apos;");
        assert_eq!(escape("a\u{0}b\u{1b}c\rd\u{85}e\u{FFFF}"), "abcde");
        assert_eq!(escape("tab\there\nnew line"), "tab\there\nnew line");
        assert_eq!(escape("Phường Đông Ba"), "Phường Đông Ba");

        let header = SummaryHeader { unit_name: "Phường <Một> & \"Hai\"\u{7}".to_string(), ..header() };
        let xml = to_xml(&header, &[]);
        assert!(xml.contains("<TNNT>Phường &lt;Một&gt; &amp; &quot;Hai&quot;</TNNT>"), "{xml}");
    }

    #[test]
    fn blank_optional_elements_are_left_out() {
        let header = SummaryHeader { note: Some(" \u{1} ".to_string()), ..header() };
        let entry = SummaryEntry { payer_name: Some(String::new()), note: None, ..new_entry(1) };
        let xml = to_xml(&header, &[entry]);
        assert!(!xml.contains("<GChu>"), "{xml}");
        assert!(!xml.contains("<TNNop>"), "{xml}");
    }

    #[test]
    fn a_replacement_names_the_receipt_it_replaces_and_a_new_one_does_not() {
        let xml = to_xml(&header(), &day_with_every_status());
        let blocks = entry_blocks(&xml);
        assert_eq!(blocks.len(), 3);

        let related = ["<KHMSBLCLQuan>", "<KHBLCLQuan>", "<SBLCLQuan>", "<NLCLQuan>"];
        assert!(blocks[0].contains("<TThai>0</TThai>"));
        assert!(blocks[2].contains("<TThai>5</TThai>"));
        for tag in related {
            assert!(!blocks[0].contains(tag), "new receipt carries {tag}");
            assert!(!blocks[2].contains(tag), "notice-corrected receipt carries {tag}");
        }

        let replacement = blocks[1];
        assert!(replacement.contains("<TThai>3</TThai>"));
        let expected = "<TThai>3</TThai><KHMSBLCLQuan>EBL01</KHMSBLCLQuan><KHBLCLQuan>26TAA</KHBLCLQuan>\
                        <SBLCLQuan>7</SBLCLQuan><NLCLQuan>2026-07-01</NLCLQuan><GChu>";
        assert!(compact(replacement).contains(expected), "{replacement}");
    }

    #[test]
    fn entries_are_numbered_in_the_order_given() {
        let xml = to_xml(&header(), &day_with_every_status());
        for (i, block) in entry_blocks(&xml).iter().enumerate() {
            assert!(block.contains(&format!("<STT>{}</STT>", i + 1)), "{block}");
        }
    }

    #[test]
    fn first_summary_and_supplement_headers() {
        let first = to_xml(&header(), &[]);
        assert!(first.contains("<LDau>1</LDau>"));
        assert!(!first.contains("<BSLThu>"));

        let note = "Gửi chậm do mất kết nối mạng ngày 03/07/2026";
        let supplement = SummaryHeader { sequence: 4, supplement: Some(2), note: Some(note.to_string()), ..header() };
        let xml = to_xml(&supplement, &[new_entry(20)]);
        let expected = "<SBTHDLieu>4</SBTHDLieu><LKDLieu>N</LKDLieu><KDLieu>03/07/2026</KDLieu>\
                        <LDau>0</LDau><BSLThu>2</BSLThu><NLap>2026-07-03</NLap>";
        assert!(compact(&xml).contains(expected), "{xml}");
        assert!(compact(&xml).contains(&format!("<GChu>{note}</GChu></TTChung>")), "{xml}");
        assert_valid(&xml, "supplement");
    }

    #[test]
    fn an_empty_day_is_a_complete_document() {
        let xml = to_xml(&header(), &[]);
        assert!(compact(&xml).ends_with("<NDBTHDLieu><DSDLieu/></NDBTHDLieu></DLBTHop><DSCKS><NNT/></DSCKS></BTHDLieu>"), "{xml}");
        assert_valid(&xml, "empty-day");
    }

    #[test]
    fn output_is_deterministic() {
        let first = to_xml(&header(), &day_with_every_status());
        let second = to_xml(&header(), &day_with_every_status());
        assert_eq!(first.as_bytes(), second.as_bytes());
    }

    // The whole document once, so that a change of layout is a visible diff in review.
    #[test]
    fn the_document_in_full() {
        let expected = r#"<?xml version="1.0" encoding="UTF-8"?>
<BTHDLieu>
  <DLBTHop Id="data">
    <TTChung>
      <PBan>2.1.0</PBan>
      <MSo>01/TH-BLĐT</MSo>
      <Ten>Bảng tổng hợp dữ liệu biên lai điện tử</Ten>
      <SBTHDLieu>1</SBTHDLieu>
      <LKDLieu>N</LKDLieu>
      <KDLieu>03/07/2026</KDLieu>
      <LDau>1</LDau>
      <NLap>2026-07-03</NLap>
      <TNNT>UBND phường Bến Thành</TNNT>
      <MST>0301234567-001</MST>
      <DVTTe>VND</DVTTe>
    </TTChung>
    <NDBTHDLieu>
      <DSDLieu>
        <DLieu>
          <STT>1</STT>
          <KHMSBLai>EBL01</KHMSBLai>
          <KHBLai>26TAA</KHBLai>
          <SBLai>12</SBLai>
          <NLap>2026-07-03</NLap>
          <TNNop>Nguyễn Văn An</TNNop>
          <TTien>50000</TTien>
          <TThai>0</TThai>
        </DLieu>
      </DSDLieu>
    </NDBTHDLieu>
  </DLBTHop>
  <DSCKS>
    <NNT/>
  </DSCKS>
</BTHDLieu>
"#;
        assert_eq!(to_xml(&header(), &[new_entry(12)]), expected);
    }

    #[test]
    fn summary_validates_against_the_projects_xsd() {
        let xml = to_xml(&header(), &day_with_every_status());
        assert!(xml.contains("<TNNop>Trần Thị Bích &amp; Con</TNNop>"), "{xml}");
        assert!(xml.contains(&format!("<MSo>{FORM_CODE}</MSo>")));
        assert_valid(&xml, "every-status");
    }

    #[test]
    fn the_signed_document_still_validates() {
        // What the signing tool inserts; xmllint takes it laxly, without the XML-DSig schema.
        let signature = "<NNT>\n      <Signature xmlns=\"http://www.w3.org/2000/09/xmldsig#\">\
                         <SignedInfo/><SignatureValue>AA==</SignatureValue></Signature>\n    </NNT>";
        let signed = to_xml(&header(), &[new_entry(1)]).replace("<NNT/>", signature);
        assert!(signed.contains("<Signature "));
        assert_valid(&signed, "signed");
    }

    #[test]
    fn the_xsd_rejects_a_tampered_summary() {
        let xml = to_xml(&header(), &day_with_every_status());
        let tampered = [
            ("bad-status", "<TThai>0</TThai>", "<TThai>9</TThai>", "TThai"),
            ("negative-total", "<TTien>50000</TTien>", "<TTien>-50000</TTien>", "TTien"),
            ("bad-tax-code", "<MST>0301234567-001</MST>", "<MST>030123</MST>", "MST"),
            ("bad-form", "<KHMSBLai>EBL01</KHMSBLai>", "<KHMSBLai>01BLP0-001</KHMSBLai>", "KHMSBLai"),
            ("bad-day", "<KDLieu>03/07/2026</KDLieu>", "<KDLieu>2026-07-03</KDLieu>", "KDLieu"),
        ];
        for (name, original, replacement, element) in tampered {
            assert!(xml.contains(original), "{original} not in the document");
            assert_rejected(&xml.replacen(original, replacement, 1), name, element);
        }
    }
}
