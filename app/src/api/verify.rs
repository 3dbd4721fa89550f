//! The public side of receipts: anyone checks one on `/verify` (rate-limited per address),
//! reads the wards' published keys, and the kiosk shows a QR code of a receipt's link.

use crate::error::AppError;
use crate::model::{PublicKeyView, VerifyQuery, VerifyResult};
use leptos::prelude::*;

/// Public receipt reads (checks, PDFs) per address and minute: enough for a person, too few
/// to walk the numbers or keep the server busy drawing PDFs.
pub const CHECKS_PER_MINUTE: u32 = 20;

/// Whether the receipt exists as described, whether it stands, and whether its signature
/// holds. `Ok(None)`: no receipt matches all four (or five) fields.
#[server(endpoint = "verify_receipt", input = server_fn::codec::Json)]
pub async fn verify_receipt(query: VerifyQuery) -> Result<Option<VerifyResult>, AppError> {
    use super::guard::*;
    authorize("verify_receipt")?;
    let b = backend()?;
    b.public_limiter.admit(&client_ip().unwrap_or_default(), "lần kiểm tra", "checks").map_err(fail)?;
    crate::backend::receipt_check::check(&b.db, &query).await.map_err(fail)
}

/// Every ward's receipt-signing keys, current and rotated out, with their validity.
#[server(endpoint = "get_public_keys")]
pub async fn get_public_keys() -> Result<Vec<PublicKeyView>, AppError> {
    use super::guard::*;
    authorize("get_public_keys")?;
    let b = backend()?;
    crate::backend::signing::published(&b.db).await.map_err(fail)
}

/// The QR code (SVG) of a receipt's public link, for the citizen's phone: only for a
/// holder of the link's token, i.e. the kiosk that shows it.
#[server(endpoint = "get_receipt_link_qr")]
pub async fn get_receipt_link_qr(id: i64, token: String) -> Result<String, AppError> {
    use super::guard::*;
    let who = authorize("get_receipt_link_qr")?;
    let b = backend()?;
    // Loading checks the token (or the staff member's ward): nobody else gets a link.
    crate::backend::receipt_view::load(&b.db, id, Some(&token), &who)
        .await
        .map_err(fail)?
        .ok_or_else(|| fail(crate::backend::BackendError::NotFound("receipt")))?;
    let url = format!("{}/receipts/{id}?k={token}", public_base(&b));
    let options = vietqr::SvgOptions {
        title: Some("Mã QR mở biên lai trên điện thoại (QR code opening the receipt)".into()),
        ..Default::default()
    };
    vietqr::render_svg(&url, &options).map_err(|e| fail(crate::backend::BackendError::invalid("qr", e.to_string())))
}
