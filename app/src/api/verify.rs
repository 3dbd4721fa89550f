//! The public side of receipts: anyone checks one on `/verify` (rate-limited per address),
//! reads the wards' published keys, and the kiosk shows a QR code of a receipt's link.

use crate::model::{PublicKeyView, VerifyQuery, VerifyResult};
use leptos::prelude::*;

/// Checks per address and minute: enough for a person, too few to walk the numbers.
#[cfg(feature = "ssr")]
const CHECKS_PER_MINUTE: u32 = 20;

#[cfg(feature = "ssr")]
fn allow(ip: &str) -> Result<(), crate::backend::BackendError> {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    use std::time::{Duration, Instant};
    static SEEN: OnceLock<Mutex<HashMap<String, (Instant, u32)>>> = OnceLock::new();
    let mut seen = SEEN.get_or_init(Default::default).lock().unwrap_or_else(|e| e.into_inner());
    let now = Instant::now();
    // A flood from many addresses cannot grow the table without bound.
    if seen.len() > 50_000 {
        seen.retain(|_, (at, _)| now.duration_since(*at) < Duration::from_secs(60));
    }
    let entry = seen.entry(ip.to_string()).or_insert((now, 0));
    if now.duration_since(entry.0) >= Duration::from_secs(60) {
        *entry = (now, 0);
    }
    entry.1 += 1;
    if entry.1 > CHECKS_PER_MINUTE {
        let wait = 60u64.saturating_sub(now.duration_since(entry.0).as_secs()).max(1);
        return Err(crate::backend::BackendError::Throttled {
            retry_after_secs: wait,
            message: format!("quá nhiều lần kiểm tra; thử lại sau {wait} giây (too many checks; try again in {wait} s)"),
        });
    }
    Ok(())
}

/// Whether the receipt exists as described, whether it stands, and whether its signature
/// holds. `Ok(None)`: no receipt matches all four (or five) fields.
#[server(endpoint = "verify_receipt", input = server_fn::codec::Json)]
pub async fn verify_receipt(query: VerifyQuery) -> Result<Option<VerifyResult>, ServerFnError> {
    use super::guard::*;
    authorize("verify_receipt")?;
    let b = backend()?;
    allow(&client_ip().unwrap_or_default()).map_err(fail)?;
    crate::backend::receipt_check::check(&b.db, &query).await.map_err(fail)
}

/// Every ward's receipt-signing keys, current and rotated out, with their validity.
#[server(endpoint = "get_public_keys")]
pub async fn get_public_keys() -> Result<Vec<PublicKeyView>, ServerFnError> {
    use super::guard::*;
    authorize("get_public_keys")?;
    let b = backend()?;
    crate::backend::signing::published(&b.db).await.map_err(fail)
}

/// The QR code (SVG) of a receipt's public link, for the citizen's phone: only for a
/// holder of the link's token, i.e. the kiosk that shows it.
#[server(endpoint = "get_receipt_link_qr")]
pub async fn get_receipt_link_qr(id: i64, token: String) -> Result<String, ServerFnError> {
    use super::guard::*;
    let who = authorize("get_receipt_link_qr")?;
    let b = backend()?;
    // Loading checks the token (or the staff member's ward): nobody else gets a link.
    crate::backend::receipts::load(&b.db, id, Some(&token), &who)
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
