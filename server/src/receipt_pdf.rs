//! The electronic receipt as a one-page A4 PDF: what the receipt page shows (the legal
//! fields, in Vietnamese), the QR code of its check on `/verify`, and an attached
//! `wardpay-receipt.json` with the receipt's identity and signature, from which
//! `wardpay receipt verify FILE.pdf` checks it without the web.
//!
//! The font (DejaVu Sans, which covers Vietnamese; licence in `assets/fonts`) is embedded,
//! subset, with the Unicode map text extraction and screen readers read the text by.

use crate::error::ApiError;
use crate::state::AppState;
use app::api::guard::{public_base_for, ClientIp};
use app::backend::auth::Principal;
use app::backend::entity::receipt;
use app::backend::{receipt_view, BackendError};
use app::domain::words::format_vnd;
use app::model::{ReceiptDoc, ReceiptOpen, ReceiptStatus};
use app::time::format_vn_datetime;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use krilla::color::rgb;
use krilla::embed::{AssociationKind, EmbeddedFile, MimeType};
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, FillRule};
use krilla::surface::Surface;
use krilla::text::{Font, TextDirection};
use krilla::Document;
use sea_orm::EntityTrait;
use serde::{Deserialize, Serialize};

static REGULAR: &[u8] = include_bytes!("../assets/fonts/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("../assets/fonts/DejaVuSans-Bold.ttf");

/// The attachment's file name inside the PDF.
pub const ATTACHMENT_NAME: &str = "wardpay-receipt.json";
/// The attachment's first bytes: how a reader finds it in the file (it is stored
/// uncompressed for exactly that).
const ATTACHMENT_MARK: &[u8] = b"{\"wardpay_receipt\":";

const A4_W: f32 = 595.28;
const A4_H: f32 = 841.89;
const LEFT: f32 = 50.0;
const RIGHT: f32 = A4_W - 50.0;

#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("the embedded font could not be read")]
    Font,
    #[error("the verification QR code could not be drawn: {0}")]
    Qr(String),
    #[error("the PDF could not be written: {0}")]
    Write(String),
}

/// What a PDF carries for checking it offline: the receipt's identity and signature, and
/// the signed content itself when the copy is the full one (staff of the ward). The
/// citizen's copy leaves the content out, as its page masks the payer: it is checked
/// against the ward's database instead.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    /// Format version; first, so that the attachment starts with [`ATTACHMENT_MARK`].
    pub wardpay_receipt: u32,
    pub form: String,
    pub series: String,
    pub number: String,
    pub total: i64,
    pub unit_tax_code: String,
    pub issued_at: String,
    pub sig_alg: String,
    pub key_id: Option<String>,
    pub signature: String,
    pub content: Option<String>,
}

impl Attachment {
    pub fn of(doc: &ReceiptDoc, signed_content: Option<String>) -> Attachment {
        let c = &doc.content;
        Attachment {
            wardpay_receipt: 1,
            form: c.form.clone(),
            series: c.series.clone(),
            number: c.number.clone(),
            total: c.total,
            unit_tax_code: c.unit_tax_code.clone(),
            issued_at: c.issued_at.clone(),
            sig_alg: doc.sig_alg.clone(),
            key_id: doc.key_id.clone(),
            signature: doc.signature.clone(),
            content: signed_content,
        }
    }

    /// The attachment of a PDF WardPay made: `None` when there is none or more than one (a
    /// second block planted in the file must not decide which receipt is checked).
    pub fn find_in(pdf: &[u8]) -> Option<Attachment> {
        let mut found = pdf.windows(ATTACHMENT_MARK.len()).enumerate().filter(|(_, w)| *w == ATTACHMENT_MARK).map(|(i, _)| i);
        let at = found.next()?;
        if found.next().is_some() {
            return None;
        }
        serde_json::Deserializer::from_slice(&pdf[at..]).into_iter::<Attachment>().next()?.ok()
    }
}

/// A page being written, top to bottom.
struct Writer<'a, 'b> {
    s: &'a mut Surface<'b>,
    regular: Font,
    bold: Font,
    y: f32,
}

impl Writer<'_, '_> {
    fn text(&mut self, x: f32, y: f32, bold: bool, size: f32, text: &str) {
        let font = if bold { self.bold.clone() } else { self.regular.clone() };
        self.s.draw_text(Point::from_xy(x, y), font, size, text, false, TextDirection::Auto);
    }

    /// A paragraph from the left margin (or `x`), wrapped to the page width.
    fn para(&mut self, x: f32, bold: bool, size: f32, text: &str) {
        for line in wrap(text, size, RIGHT - x) {
            self.text(x, self.y, bold, size, &line);
            self.y += size * 1.45;
        }
    }

    /// `label: value` on one line (the value wrapped under itself).
    fn field(&mut self, label: &str, value: &str) {
        const SIZE: f32 = 10.5;
        const VALUE_X: f32 = LEFT + 150.0;
        self.text(LEFT, self.y, false, SIZE, label);
        let lines = wrap(value, SIZE, RIGHT - VALUE_X);
        for line in lines {
            self.text(VALUE_X, self.y, true, SIZE, &line);
            self.y += SIZE * 1.5;
        }
    }

    fn rule(&mut self, y: f32) {
        fill_rect(self.s, LEFT, y, RIGHT - LEFT, 0.6);
    }

    /// Right-aligned at `right` (amounts: digits, dots and spaces have known widths).
    fn text_right(&mut self, right: f32, y: f32, bold: bool, size: f32, text: &str) {
        let w = approx_width(text, size);
        self.text(right - w, y, bold, size, text);
    }
}

fn fill_rect(s: &mut Surface<'_>, x: f32, y: f32, w: f32, h: f32) {
    let mut pb = PathBuilder::new();
    if let Some(r) = Rect::from_xywh(x, y, w, h) {
        pb.push_rect(r);
    }
    if let Some(p) = pb.finish() {
        s.draw_path(&p);
    }
}

/// Advance widths of DejaVu Sans in em (1303/2048 for every digit, 651/2048 for the
/// punctuation of amounts; letters approximated).
fn approx_width(text: &str, size: f32) -> f32 {
    text.chars()
        .map(|c| match c {
            '0'..='9' => 0.6362,
            '.' | ',' | ' ' | ':' => 0.3179,
            'A'..='Z' | 'Đ' => 0.70,
            _ => 0.56,
        })
        .sum::<f32>()
        * size
}

/// Splits `text` into lines no wider than `width` at `size`, at spaces (a word longer than
/// a line is cut).
fn wrap(text: &str, size: f32, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let candidate = if line.is_empty() { word.to_string() } else { format!("{line} {word}") };
        if approx_width(&candidate, size) <= width || line.is_empty() {
            line = candidate;
        } else {
            lines.push(std::mem::take(&mut line));
            line = word.to_string();
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

fn status_line(doc: &ReceiptDoc) -> Option<String> {
    match doc.status {
        ReceiptStatus::Valid => None,
        ReceiptStatus::Notified => Some("Biên lai đã được điều chỉnh bằng thông báo (xem /verify)".into()),
        ReceiptStatus::Replaced => Some(match &doc.replaced_by {
            Some(r) => format!("BIÊN LAI ĐÃ BỊ THAY THẾ bởi biên lai {}", r.label),
            None => "BIÊN LAI ĐÃ BỊ THAY THẾ".into(),
        }),
    }
}

/// The receipt as PDF bytes. `verify_url` is the absolute address of its check on
/// `/verify` (printed and drawn as a QR code).
pub fn render(doc: &ReceiptDoc, verify_url: &str, attachment: &Attachment) -> Result<Vec<u8>, PdfError> {
    let regular = Font::new(REGULAR.into(), 0).ok_or(PdfError::Font)?;
    let bold = Font::new(BOLD.into(), 0).ok_or(PdfError::Font)?;
    let (qr_width, qr_dark) = vietqr::modules(verify_url).map_err(|e| PdfError::Qr(e.to_string()))?;
    let c = &doc.content;
    let title = format!("{} {} số {}", c.title, c.series, c.number);

    let mut pdf = Document::new();
    pdf.set_metadata(
        Metadata::new()
            .title(title)
            .language("vi".into())
            .creator("WardPay".into())
            .authors(vec![c.unit_name.clone()])
            .description(format!("Biên lai điện tử mẫu số {}, ký hiệu {}, số {}", c.form, c.series, c.number)),
    );
    let json = serde_json::to_vec(attachment).map_err(|e| PdfError::Write(e.to_string()))?;
    pdf.embed_file(EmbeddedFile {
        path: ATTACHMENT_NAME.into(),
        mime_type: MimeType::new("application/json"),
        description: Some("Dữ liệu ký số của biên lai (receipt identity and signature)".into()),
        association_kind: AssociationKind::Data,
        data: json.into(),
        modification_date: None,
        compress: Some(false),
        location: None,
    })
    .ok_or_else(|| PdfError::Write("attachment".into()))?;

    let settings = PageSettings::from_wh(A4_W, A4_H).ok_or_else(|| PdfError::Write("page size".into()))?;
    let mut page = pdf.start_page_with(settings);
    let mut surface = page.surface();
    surface.set_fill(Some(Fill { paint: rgb::Color::new(0, 0, 0).into(), opacity: NormalizedF32::ONE, rule: FillRule::default() }));
    let mut w = Writer { s: &mut surface, regular, bold, y: 60.0 };

    // The unit on the left, the symbols on the right.
    w.text(LEFT, w.y, true, 11.0, &c.unit_name);
    w.text(RIGHT - 150.0, w.y, false, 10.0, &format!("Mẫu số: {}", c.form));
    w.y += 15.0;
    w.text(LEFT, w.y, false, 9.5, &c.unit_address);
    w.text(RIGHT - 150.0, w.y, false, 10.0, &format!("Ký hiệu: {}", c.series));
    w.y += 15.0;
    w.text(LEFT, w.y, false, 9.5, &format!("MST: {} · Mã QHNS: {}", c.unit_tax_code, c.unit_budget_code));
    w.text(RIGHT - 150.0, w.y, true, 10.0, &format!("Số: {}", c.number));
    w.y += 34.0;
    let heading = c.title.to_uppercase();
    w.text((A4_W - approx_width(&heading, 16.0)) / 2.0, w.y, true, 16.0, &heading);
    w.y += 18.0;
    let sub = "(Biên lai điện tử)";
    w.text((A4_W - approx_width(sub, 10.0)) / 2.0, w.y, false, 10.0, sub);
    w.y += 24.0;
    if let Some(s) = status_line(doc) {
        w.para(LEFT, true, 11.0, &s);
        w.y += 4.0;
    }
    if let Some(o) = &c.replaces {
        w.para(
            LEFT,
            false,
            10.0,
            &format!(
                "Biên lai thay thế cho biên lai mẫu số {}, ký hiệu {}, số {}, ngày {}. Lý do: {}",
                o.form,
                o.series,
                o.number,
                format_vn_datetime(&o.issued_at),
                o.reason
            ),
        );
        w.y += 4.0;
    }

    w.field("Người nộp:", &c.payer_name);
    if let Some(id) = &c.payer_id {
        w.field("Số CCCD:", id);
    }
    if let Some(a) = &c.payer_address {
        w.field("Địa chỉ:", a);
    }
    w.field("Hồ sơ:", &format!("{} — {}", c.dossier_code, c.procedure_name));
    w.y += 8.0;

    // The lines: number, name, quantity, amount.
    // Widths are estimated, so amounts keep a little room before the margin.
    let (no_x, name_x, qty_x, amount_right) = (LEFT, LEFT + 30.0, RIGHT - 170.0, RIGHT - 6.0);
    w.rule(w.y - 11.0);
    w.text(no_x, w.y, true, 10.0, "STT");
    w.text(name_x, w.y, true, 10.0, "Tên khoản phí, lệ phí");
    w.text(qty_x, w.y, true, 10.0, "Số lượng");
    w.text_right(amount_right, w.y, true, 10.0, "Số tiền (đồng)");
    w.y += 6.0;
    w.rule(w.y);
    w.y += 14.0;
    for (i, l) in c.lines.iter().enumerate() {
        let name = match &l.exempt_reason {
            Some(r) => format!("{} (miễn: {r})", l.fee_name),
            None => l.fee_name.clone(),
        };
        let qty = match l.pages {
            Some(p) => format!("{} × {p} trang", l.quantity),
            None => l.quantity.to_string(),
        };
        let top = w.y;
        w.text(no_x, top, false, 10.0, &(i + 1).to_string());
        w.text(qty_x, top, false, 10.0, &qty);
        w.text_right(amount_right, top, false, 10.0, &format_vnd(l.amount));
        for line in wrap(&name, 10.0, qty_x - name_x - 10.0) {
            w.text(name_x, w.y, false, 10.0, &line);
            w.y += 14.0;
        }
    }
    w.rule(w.y - 9.0);
    w.y += 6.0;
    w.text(name_x, w.y, true, 11.0, "Tổng cộng");
    w.text_right(amount_right, w.y, true, 11.0, &format_vnd(c.total));
    w.y += 20.0;
    w.para(LEFT, false, 10.5, &format!("Số tiền bằng chữ: {}", c.total_words));
    w.y += 6.0;

    w.field("Hình thức thanh toán:", c.method.label().vi);
    if let Some(r) = &c.bank_ref {
        w.field("Mã giao dịch ngân hàng:", r);
    }
    if !c.transfers.is_empty() {
        w.para(LEFT, false, 10.5, "Các lần chuyển khoản:");
        for (i, tr) in c.transfers.iter().enumerate() {
            w.para(LEFT + 12.0, false, 10.0, &format!("{}. {}", i + 1, tr.line_vi()));
        }
        let sum: i64 = c.transfers.iter().map(|tr| tr.amount).sum();
        if sum > c.total {
            let note = format!("Phần chuyển thừa {} không phải khoản thu, được hoàn lại cho người nộp.", format_vnd(sum - c.total));
            w.para(LEFT + 12.0, false, 10.0, &note);
        }
    }
    w.field("Mã thanh toán:", &c.payment_code);
    w.field("Thời gian thu:", &format_vn_datetime(&c.issued_at));
    w.field("Đơn vị thu:", &c.collector);
    w.y += 14.0;

    // The signature and the check, with the QR code on the right.
    let sign_top = w.y;
    let alg = if doc.sig_alg == "ed25519" { "Ed25519" } else { "HMAC-SHA256" };
    w.para(LEFT, true, 10.0, "Ký số bởi đơn vị thu");
    let key = doc.key_id.as_deref().map(|k| format!(", khoá {k}")).unwrap_or_default();
    w.para(LEFT, false, 8.5, &format!("Chữ ký {alg}{key}:"));
    for chunk in doc.signature.as_bytes().chunks(60) {
        let line = String::from_utf8_lossy(chunk).into_owned();
        w.text(LEFT, w.y, false, 8.0, &line);
        w.y += 11.0;
    }
    w.y += 6.0;
    w.para(LEFT, false, 9.0, "Kiểm tra biên lai này (check this receipt):");
    for line in verify_url.as_bytes().chunks(70) {
        let line = String::from_utf8_lossy(line).into_owned();
        w.text(LEFT, w.y, false, 8.0, &line);
        w.y += 11.0;
    }
    let module = 96.0 / qr_width as f32;
    let (qx, qy) = (RIGHT - 96.0, sign_top - 8.0);
    let mut pb = PathBuilder::new();
    for (i, dark) in qr_dark.iter().enumerate() {
        if *dark {
            let (row, col) = ((i / qr_width) as f32, (i % qr_width) as f32);
            if let Some(r) = Rect::from_xywh(qx + col * module, qy + row * module, module, module) {
                pb.push_rect(r);
            }
        }
    }
    if let Some(p) = pb.finish() {
        w.s.draw_path(&p);
    }
    w.text(
        LEFT,
        A4_H - 40.0,
        false,
        7.5,
        "Biên lai điện tử do WardPay lập; bản in có giá trị như bản điện tử khi kiểm tra khớp tại /verify.",
    );

    surface.finish();
    page.finish();
    pdf.finish().map_err(|e| PdfError::Write(format!("{e:?}")))
}

/// `GET /receipts/{id}/pdf?k=…`: the receipt's PDF, for whoever may open its page (the
/// public link's token, or staff of the ward, who get the full copy). The link of a replaced
/// receipt leads to its replacement's PDF.
#[tracing::instrument(name = "receipt_pdf", skip(state, who, headers, q))]
pub async fn download(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    ip: Option<Extension<ClientIp>>,
    Path(id): Path<i64>,
    Query(q): Query<PdfQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let b = &state.backend;
    let ip = ip.map(|Extension(ClientIp(ip))| ip).unwrap_or_default();
    b.public_limiter.admit(&ip, "lần tải", "downloads")?;
    let doc = match receipt_view::load(&b.db, id, q.k.as_deref(), &who).await? {
        None => return Err(BackendError::NotFound("receipt").into()),
        Some(ReceiptOpen::Replaced { by, .. }) => {
            let to = format!("/receipts/{}/pdf?k={}", by.id, by.token);
            return Ok((StatusCode::SEE_OTHER, [(header::LOCATION, to)]).into_response());
        }
        Some(ReceiptOpen::Doc(d)) => *d,
    };
    let row = receipt::Entity::find_by_id(id).one(&b.db).await.map_err(BackendError::from)?.ok_or(BackendError::NotFound("receipt"))?;
    let full = matches!(&who, Principal::Staff(s) if s.covers_ward(row.ward_id));
    let attachment = Attachment::of(&doc, full.then(|| row.content.clone()));
    let verify_url = format!("{}{}", public_base_for(b, &headers), doc.verify_path);
    let name = format!("bien-lai-{}-{}.pdf", doc.content.series, doc.content.number).replace(['/', '\\', '"'], "_");
    let bytes = tokio::task::spawn_blocking(move || render(&doc, &verify_url, &attachment))
        .await
        .map_err(|e| ApiError::Internal(format!("pdf task: {e}")))?
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Debug, Deserialize)]
pub struct PdfQuery {
    pub k: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_wrap_at_spaces_within_the_width() {
        let lines = wrap("Chứng thực bản sao từ bản chính giấy tờ, văn bản do cơ quan có thẩm quyền cấp", 10.0, 200.0);
        assert!(lines.len() > 1, "{lines:?}");
        assert!(lines.iter().all(|l| approx_width(l, 10.0) <= 200.0), "{lines:?}");
        assert_eq!(lines.join(" "), "Chứng thực bản sao từ bản chính giấy tờ, văn bản do cơ quan có thẩm quyền cấp");
        assert_eq!(wrap("", 10.0, 100.0), vec![String::new()]);
    }

    #[test]
    fn the_attachment_is_found_in_the_bytes_around_it() {
        let a = Attachment {
            wardpay_receipt: 1,
            form: "EBL01".into(),
            series: "26TAA".into(),
            number: "0000001".into(),
            total: 50_000,
            unit_tax_code: "0100000001".into(),
            issued_at: "2026-11-30T03:00:00Z".into(),
            sig_alg: "ed25519".into(),
            key_id: Some("k1".into()),
            signature: "c2ln".into(),
            content: Some("{\"total\":50000}".into()),
        };
        let mut bytes = b"%PDF-1.7\n1 0 obj\n<< /Length 99 >>\nstream\n".to_vec();
        bytes.extend(serde_json::to_vec(&a).expect("json"));
        bytes.extend(b"\nendstream\nendobj\n");
        assert_eq!(Attachment::find_in(&bytes), Some(a.clone()));
        assert_eq!(Attachment::find_in(b"%PDF-1.7 nothing here"), None);
        let mut twice = bytes.clone();
        twice.extend(serde_json::to_vec(&Attachment { total: 1, ..a }).expect("json"));
        assert_eq!(Attachment::find_in(&twice), None, "a second, planted block makes the file unreadable, not the other receipt");
    }
}
