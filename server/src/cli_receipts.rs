//! `wardpay receipt …`: check a receipt from its PDF or its link without the web, list the
//! wards' signing keys, and rotate a ward's key.
//!
//! A full copy (the PDF staff download) carries the signed content: with the ward's public
//! keys (`--keys`, the list `/verify` publishes, or the database) its signature is checked
//! on any machine. The citizen's copy and a link carry only the receipt's identity: they are
//! checked against the ward's database (`DATABASE_URL`).

use crate::config::CommonArgs;
use crate::receipt_pdf::Attachment;
use app::backend::auth::Principal;
use app::backend::{audit, receipt_check, receipt_view, signing};
use app::model::{PublicKeyView, ReceiptOpen, ReceiptStatus, VerifyQuery};
use clap::Subcommand;
use sea_orm::{DatabaseConnection, TransactionTrait};
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum ReceiptCommand {
    /// Check a receipt: a PDF WardPay made, or the receipt's link (…/receipts/ID?k=…).
    /// Exit status 0: issued by the ward and its signature holds; 1: it does not; 2: the
    /// input could not be read.
    Verify {
        /// The PDF file or the link.
        receipt: String,
        /// The wards' public keys as `/verify` lists them (JSON); without it the database's.
        #[arg(long)]
        keys: Option<PathBuf>,
    },
    /// Print every ward's receipt-signing keys (public halves), current and ended, as JSON.
    Keys,
    /// End a ward's current signing key and make a new one (a suspected leak, a yearly
    /// rotation). Receipts signed with the old key stay checkable.
    RotateKey {
        /// The ward's agency code, e.g. `000.00.01.H26`.
        #[arg(long)]
        ward: String,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum ReceiptCliError {
    /// The input is not what was asked for (exit status 2).
    #[error("{0}")]
    Input(String),
    /// The database or a file could not be used (exit status 2).
    #[error("{0}")]
    System(String),
}

/// What the check found, printed line by line.
#[derive(Debug, PartialEq, Eq)]
pub struct Verdict {
    pub valid: bool,
    pub lines: Vec<String>,
}

/// The database, opened only when the check needs one (a full copy with `--keys` does not).
async fn open_db(common: &CommonArgs) -> Result<DatabaseConnection, ReceiptCliError> {
    crate::open_database(common).await.map_err(|e| ReceiptCliError::System(e.to_string()))
}

pub async fn verify(receipt: &str, keys: Option<&PathBuf>, common: &CommonArgs) -> Result<Verdict, ReceiptCliError> {
    if receipt.starts_with("http://") || receipt.starts_with("https://") || receipt.starts_with("/receipts/") {
        let (id, token) = parse_link(receipt)?;
        let db = open_db(common).await?;
        return verify_link(&db, id, &token).await;
    }
    let bytes = std::fs::read(receipt).map_err(|e| ReceiptCliError::Input(format!("{receipt}: {e}")))?;
    if !bytes.starts_with(b"%PDF-") {
        return Err(ReceiptCliError::Input(format!("{receipt}: not a PDF file")));
    }
    let a = Attachment::find_in(&bytes).ok_or_else(|| {
        ReceiptCliError::Input(format!("{receipt}: no WardPay receipt data in this PDF ({})", crate::receipt_pdf::ATTACHMENT_NAME))
    })?;
    let mut lines = vec![format!("Biên lai mẫu số {}, ký hiệu {}, số {}, {} đồng", a.form, a.series, a.number, a.total)];
    match &a.content {
        Some(content) => {
            // The full copy: the signature over the content, by a key of the receipt's own
            // ward that was valid when it was issued; then its standing, when the database is
            // at hand; and what was signed, printed, for the reader to compare with the page.
            let signed: app::model::ReceiptContent =
                serde_json::from_str(content).map_err(|e| ReceiptCliError::Input(format!("the signed content is not a receipt: {e}")))?;
            let key = match keys {
                Some(path) => key_from_file(path, a.key_id.as_deref())?,
                None => {
                    let db = open_db(common).await?;
                    key_from_db(&db, a.key_id.as_deref()).await?
                }
            };
            let holds =
                a.sig_alg == signing::ED25519 && key.as_ref().is_some_and(|k| signing::verify(&k.public_key, content, &a.signature));
            let same = (signed.form.as_str(), signed.series.as_str(), signed.number.as_str(), signed.total, signed.unit_tax_code.as_str())
                == (a.form.as_str(), a.series.as_str(), a.number.as_str(), a.total, a.unit_tax_code.as_str());
            let own_ward = key.as_ref().is_some_and(|k| k.tax_code == signed.unit_tax_code);
            let in_time = key.as_ref().is_some_and(|k| within_validity(&signed.issued_at, k));
            lines.push(match (&key, holds) {
                (None, _) => format!("Không tìm thấy khoá công khai {} (no such public key)", a.key_id.as_deref().unwrap_or("-")),
                (Some(k), true) => format!("Chữ ký Ed25519 hợp lệ, khoá {} của {} (signature valid)", k.key_id, k.ward_name),
                (Some(_), false) => "Chữ ký KHÔNG hợp lệ (signature does not hold)".to_string(),
            });
            if key.is_some() && !own_ward {
                lines.push("Khoá ký không thuộc đơn vị thu ghi trên biên lai (the key belongs to another unit)".into());
            }
            if key.is_some() && !in_time {
                lines.push("Biên lai ghi ngày ngoài thời hạn của khoá ký (issued outside the key's validity)".into());
            }
            if !same {
                lines.push("Số liệu của tệp khác nội dung đã ký (the file's fields differ from the signed content)".into());
            }
            let mut standing = true;
            if keys.is_none() {
                let db = open_db(common).await?;
                match receipt_check::check(&db, &query_of(&a)).await.map_err(|e| ReceiptCliError::System(e.to_string()))? {
                    None => {
                        standing = false;
                        lines.push("Phường không có biên lai này trong sổ (not in the ward's register)".into());
                    }
                    Some(r) => {
                        standing = r.status != ReceiptStatus::Replaced;
                        lines.push(status_line(r.status, r.replaced_by.as_deref()));
                    }
                }
            } else {
                lines.push("Trạng thái (còn giá trị / đã thay thế) không kiểm tra được khi không có cơ sở dữ liệu: xem /verify (status not checked offline)".into());
            }
            lines.push("Nội dung đã ký — so với bản in (what was signed; compare with the page):".into());
            lines.extend(signed_summary(&signed));
            Ok(Verdict { valid: holds && same && own_ward && in_time && standing, lines })
        }
        None => {
            let db = open_db(common).await?;
            match receipt_check::check(&db, &query_of(&a)).await.map_err(|e| ReceiptCliError::System(e.to_string()))? {
                None => {
                    lines.push("Phường không phát hành biên lai này (the ward issued no such receipt)".into());
                    Ok(Verdict { valid: false, lines })
                }
                Some(r) => {
                    lines.push(format!("Phát hành bởi {} (MST {})", r.ward_name, r.unit_tax_code));
                    lines.push(format!(
                        "Theo sổ của phường — so với bản in (the ward's register; compare with the page): người nộp {}, {} đồng, {}",
                        r.payer_masked,
                        r.total,
                        app::time::format_vn_datetime(&r.issued_at)
                    ));
                    lines.push(status_line(r.status, r.replaced_by.as_deref()));
                    lines.push(
                        if r.signature_valid {
                            "Chữ ký hợp lệ (signature valid)"
                        } else {
                            "Chữ ký KHÔNG hợp lệ (signature does not hold)"
                        }
                        .into(),
                    );
                    Ok(Verdict { valid: r.signature_valid && r.status != ReceiptStatus::Replaced, lines })
                }
            }
        }
    }
}

fn query_of(a: &Attachment) -> VerifyQuery {
    VerifyQuery {
        form: a.form.clone(),
        series: a.series.clone(),
        number: a.number.clone(),
        amount: a.total.to_string(),
        tax_code: Some(a.unit_tax_code.clone()),
    }
}

/// The slack around a key's validity: a receipt signed in the same instant as the key was
/// made (or ended) is stamped a moment apart from it.
const VALIDITY_SLACK_SECS: i64 = 300;

/// Whether `issued_at` falls within the key's validity: a key ended after a leak must not
/// vouch for receipts dated after its end.
fn within_validity(issued_at: &str, key: &PublicKeyView) -> bool {
    let at = |s: &str| chrono::DateTime::parse_from_rfc3339(s).ok().map(|t| t.timestamp());
    let (Some(issued), Some(from)) = (at(issued_at), at(&key.valid_from)) else { return false };
    let before_end = match key.valid_to.as_deref() {
        None => true,
        Some(to) => at(to).is_some_and(|to| issued <= to + VALIDITY_SLACK_SECS),
    };
    issued >= from - VALIDITY_SLACK_SECS && before_end
}

/// What a receipt's signed content says, line by line, for a reader to hold against the page.
fn signed_summary(c: &app::model::ReceiptContent) -> Vec<String> {
    let mut out = vec![
        format!("  {} — MST {}", c.unit_name, c.unit_tax_code),
        format!("  Người nộp: {}", c.payer_name),
        format!("  Hồ sơ: {} — {}", c.dossier_code, c.procedure_name),
    ];
    out.extend(c.lines.iter().map(|l| format!("  {} × {}: {} đồng", l.fee_name, l.quantity, l.amount)));
    out.push(format!("  Tổng cộng: {} đồng ({})", c.total, c.total_words));
    out.push(format!("  Thời gian thu: {}", app::time::format_vn_datetime(&c.issued_at)));
    out
}

fn status_line(status: ReceiptStatus, replaced_by: Option<&str>) -> String {
    match status {
        ReceiptStatus::Valid => "Trạng thái: còn giá trị (valid)".into(),
        ReceiptStatus::Notified => "Trạng thái: đã điều chỉnh bằng thông báo (corrected by notice)".into(),
        ReceiptStatus::Replaced => format!("Trạng thái: ĐÃ BỊ THAY THẾ bởi {} (replaced)", replaced_by.unwrap_or("-")),
    }
}

/// `(id, token)` from `…/receipts/ID?k=TOKEN` (or `…/receipts/ID/pdf?k=TOKEN`).
pub fn parse_link(link: &str) -> Result<(i64, String), ReceiptCliError> {
    let bad = || ReceiptCliError::Input(format!("{link}: not a receipt link (…/receipts/ID?k=…)"));
    let after = link.split("/receipts/").nth(1).ok_or_else(bad)?;
    let (path, query) = after.split_once('?').ok_or_else(bad)?;
    let id = path.trim_end_matches("/pdf").parse::<i64>().map_err(|_| bad())?;
    let token = query.split('&').find_map(|kv| kv.strip_prefix("k=")).filter(|t| !t.is_empty()).ok_or_else(bad)?;
    Ok((id, token.to_string()))
}

async fn verify_link(db: &DatabaseConnection, id: i64, token: &str) -> Result<Verdict, ReceiptCliError> {
    let opened = receipt_view::load(db, id, Some(token), &Principal::Anonymous).await.map_err(|e| match e {
        app::backend::BackendError::Forbidden(_) => ReceiptCliError::Input("the link's token does not open this receipt".into()),
        e => ReceiptCliError::System(e.to_string()),
    })?;
    Ok(match opened {
        None => Verdict { valid: false, lines: vec![format!("Không có biên lai {id} (no such receipt)")] },
        Some(ReceiptOpen::Replaced { label, by }) => {
            Verdict { valid: false, lines: vec![format!("Biên lai {label}"), status_line(ReceiptStatus::Replaced, Some(&by.label))] }
        }
        Some(ReceiptOpen::Doc(d)) => {
            let c = &d.content;
            Verdict {
                valid: d.signature_valid,
                lines: vec![
                    format!("Biên lai mẫu số {}, ký hiệu {}, số {}, {} đồng", c.form, c.series, c.number, c.total),
                    format!("Phát hành bởi {} (MST {})", c.unit_name, c.unit_tax_code),
                    status_line(d.status, None),
                    if d.signature_valid {
                        "Chữ ký hợp lệ (signature valid)"
                    } else {
                        "Chữ ký KHÔNG hợp lệ (signature does not hold)"
                    }
                    .into(),
                ],
            }
        }
    })
}

fn key_from_file(path: &PathBuf, key_id: Option<&str>) -> Result<Option<PublicKeyView>, ReceiptCliError> {
    let text = std::fs::read_to_string(path).map_err(|e| ReceiptCliError::Input(format!("{}: {e}", path.display())))?;
    let keys: Vec<PublicKeyView> =
        serde_json::from_str(&text).map_err(|e| ReceiptCliError::Input(format!("{}: not a list of public keys: {e}", path.display())))?;
    Ok(key_id.and_then(|id| keys.into_iter().find(|k| k.key_id == id)))
}

async fn key_from_db(db: &DatabaseConnection, key_id: Option<&str>) -> Result<Option<PublicKeyView>, ReceiptCliError> {
    let Some(id) = key_id else { return Ok(None) };
    let keys = signing::published(db).await.map_err(|e| ReceiptCliError::System(e.to_string()))?;
    Ok(keys.into_iter().find(|k| k.key_id == id))
}

/// Every ward's public keys, as `/verify` lists them.
pub async fn keys_json(db: &DatabaseConnection) -> Result<String, ReceiptCliError> {
    let keys = signing::published(db).await.map_err(|e| ReceiptCliError::System(e.to_string()))?;
    serde_json::to_string_pretty(&keys).map_err(|e| ReceiptCliError::System(e.to_string()))
}

/// Rotates the ward's key, in one transaction with its audit entry; returns the new key's id.
pub async fn rotate_key(db: &DatabaseConnection, ward_code: &str) -> Result<String, ReceiptCliError> {
    let w = crate::reports::ward_by_code(db, ward_code).await.map_err(|e| ReceiptCliError::Input(e.to_string()))?;
    let sys = |e: app::backend::BackendError| ReceiptCliError::System(e.to_string());
    let txn = db.begin().await.map_err(|e| ReceiptCliError::System(e.to_string()))?;
    let key = signing::rotate(&txn, &w, "cli").await.map_err(sys)?;
    audit::append(
        &txn,
        audit::Entry::new("cli", Some(w.id), "signing_key.rotate", format!("signing_key:{}", key.key_id))
            .detail(serde_json::json!({ "ward": w.code })),
    )
    .await
    .map_err(sys)?;
    txn.commit().await.map_err(|e| ReceiptCliError::System(e.to_string()))?;
    Ok(key.key_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_vouches_only_for_receipts_dated_within_its_validity() {
        let key = PublicKeyView {
            ward_code: "W".into(),
            ward_name: "Phường".into(),
            tax_code: "0100000000".into(),
            key_id: "k".into(),
            algorithm: "ed25519".into(),
            public_key: String::new(),
            valid_from: "2026-11-01T00:00:00Z".into(),
            valid_to: Some("2026-11-30T00:00:00Z".into()),
        };
        assert!(within_validity("2026-11-15T03:00:00Z", &key));
        assert!(within_validity("2026-10-31T23:58:00Z", &key), "a moment before the key was made");
        assert!(!within_validity("2026-12-01T00:00:00Z", &key), "after the key was ended");
        assert!(!within_validity("2026-10-01T00:00:00Z", &key));
        assert!(!within_validity("not a time", &key));
        assert!(within_validity("2027-01-01T00:00:00Z", &PublicKeyView { valid_to: None, ..key }));
    }

    #[test]
    fn a_link_gives_its_receipt_and_token_and_anything_else_is_refused() {
        assert_eq!(parse_link("https://phuong.example/receipts/12?k=abc").ok(), Some((12, "abc".to_string())));
        assert_eq!(parse_link("http://localhost:3000/receipts/7/pdf?x=1&k=t0k").ok(), Some((7, "t0k".to_string())));
        for bad in ["https://x/receipts/12", "https://x/receipts/ab?k=1", "https://x/verify?k=1", "https://x/receipts/3?k="] {
            assert!(matches!(parse_link(bad), Err(ReceiptCliError::Input(_))), "{bad}");
        }
    }
}
