//! Server functions: the screens' calls into the backend. Each runs on the server; the
//! browser gets a generated stub that posts to it. Endpoints are named so that tests and
//! scripts can call them, and each has a rule in `backend::access_policy::RULES` that it checks
//! first (see [`guard`]); then it checks the ward or counter of what is asked for.

pub mod accounting;
pub mod admin;
pub mod session;
pub mod supervise;
pub mod verify;

#[cfg(feature = "ssr")]
pub mod guard;

pub use accounting::*;
pub use admin::*;
pub use session::*;
pub use supervise::*;
pub use verify::*;

use crate::error::AppError;
use crate::model::{
    CatalogEntry, CounterInfo, CounterSnapshot, CounterStatus, DossierRow, NewDossier, PaymentMethod, ReceiptOpen, WardSnapshot,
};
use leptos::prelude::*;

#[server(endpoint = "get_counter_snapshot")]
pub async fn get_counter_snapshot(counter_id: i64) -> Result<Option<CounterSnapshot>, AppError> {
    use guard::*;
    let who = authorize("get_counter_snapshot")?;
    let b = backend()?;
    counter_scope(&b, &who, counter_id).await?;
    crate::backend::screens::snapshot(&b, counter_id).await.map_err(fail)
}

/// The ward of the screen; `None` picks the caller's own ward.
#[server(endpoint = "get_ward_snapshot")]
pub async fn get_ward_snapshot(ward_id: Option<i64>) -> Result<WardSnapshot, AppError> {
    use guard::*;
    let me = staff("get_ward_snapshot")?;
    let b = backend()?;
    let ward_id = match ward_id {
        Some(id) => id,
        None => home_ward(&b, &me).await?,
    };
    ward_scope(&principal(), ward_id)?;
    crate::backend::screens::ward_view(&b, ward_id).await.map_err(fail)
}

#[server(endpoint = "set_counter_status")]
pub async fn set_counter_status(counter_id: i64, status: CounterStatus) -> Result<CounterInfo, AppError> {
    use guard::*;
    let who = authorize("set_counter_status")?;
    let b = backend()?;
    counter_scope(&b, &who, counter_id).await?;
    crate::backend::counters::set_status(&b, counter_id, status, &who.actor()).await.map_err(fail)
}

#[server(endpoint = "get_catalog")]
pub async fn get_catalog(ward_id: i64) -> Result<Vec<CatalogEntry>, AppError> {
    use guard::*;
    let who = authorize("get_catalog")?;
    ward_scope(&who, ward_id)?;
    let b = backend()?;
    crate::backend::payments::catalog(&b.db, ward_id).await.map_err(fail)
}

#[server(endpoint = "get_queue", input = server_fn::codec::Json)]
pub async fn get_queue(counter_id: i64) -> Result<Vec<DossierRow>, AppError> {
    use guard::*;
    let who = authorize("get_queue")?;
    let b = backend()?;
    counter_scope(&b, &who, counter_id).await?;
    crate::backend::payments::queue_today(&b.db, counter_id).await.map_err(fail)
}

/// Steps 2–3: record the dossier and issue its QR (or record it as free).
#[server(endpoint = "create_dossier", input = server_fn::codec::Json)]
pub async fn create_dossier(input: NewDossier) -> Result<DossierRow, AppError> {
    use guard::*;
    let who = authorize("create_dossier")?;
    let b = backend()?;
    counter_scope(&b, &who, input.counter_id).await?;
    crate::backend::payments::create_dossier(&b, input, crate::backend::payments::Source::Counter, None, &who.actor()).await.map_err(fail)
}

#[server(endpoint = "cancel_payment")]
pub async fn cancel_payment(id: i64, version: i32) -> Result<(), AppError> {
    use guard::*;
    let who = authorize("cancel_payment")?;
    let b = backend()?;
    payment_scope(&b, &who, id).await?;
    crate::backend::payments::cancel(&b, id, version, &who.actor(), None).await.map_err(fail)
}

#[server(endpoint = "reissue_payment")]
pub async fn reissue_payment(id: i64, version: i32) -> Result<(), AppError> {
    use guard::*;
    let who = authorize("reissue_payment")?;
    let b = backend()?;
    payment_scope(&b, &who, id).await?;
    crate::backend::payments::reissue(&b, id, version, &who.actor()).await.map_err(fail)
}

/// Cash (with its reason) or a transfer support staff made for the citizen (naming its bank
/// transaction, which must have reached the ward's account). Only for a code still payable.
#[server(endpoint = "pay_manually")]
pub async fn pay_manually(
    id: i64,
    version: i32,
    method: PaymentMethod,
    reason: Option<String>,
    bank_ref: Option<String>,
) -> Result<(), AppError> {
    use guard::*;
    let who = authorize("pay_manually")?;
    let b = backend()?;
    let pr = payment_scope(&b, &who, id).await?;
    let done = crate::backend::payments::pay_manually(&b, id, version, method, reason, bank_ref, &who.actor()).await;
    audit_refusal(&b, &who, Some(pr.ward_id), "payment.refused", format!("payment_request:{id}"), done).await
}

/// Demo mode only: pays the counter's current code through the bank intake path.
#[server(endpoint = "simulate_payment")]
pub async fn simulate_payment(counter_id: i64) -> Result<(), AppError> {
    use guard::*;
    let who = authorize("simulate_payment")?;
    let b = backend()?;
    counter_scope(&b, &who, counter_id).await?;
    let sim = use_context::<crate::backend::SimulatePayment>()
        .ok_or_else(|| refuse(crate::error::ErrorCode::Unavailable, "simulation is not available"))?;
    if !b.settings.demo {
        return Err(refuse(crate::error::ErrorCode::NotFound, "simulate payment exists only in demo mode"));
    }
    (sim.0)(counter_id).await.map_err(|e| refuse(crate::error::ErrorCode::Unavailable, e))
}

/// A receipt: full with its link token, or (masked) for staff of its ward.
#[server(endpoint = "get_receipt")]
pub async fn get_receipt(id: i64, token: Option<String>) -> Result<Option<ReceiptOpen>, AppError> {
    use guard::*;
    let who = authorize("get_receipt")?;
    let b = backend()?;
    let mut doc = crate::backend::receipt_view::load(&b.db, id, token.as_deref(), &who).await.map_err(fail)?;
    // The printed receipt carries a QR code a phone opens to check it on /verify.
    if let Some(ReceiptOpen::Doc(d)) = doc.as_mut() {
        let url = format!("{}{}", public_base(&b), d.verify_path);
        let options =
            vietqr::SvgOptions { title: Some("Mã QR kiểm tra biên lai (QR code to check this receipt)".into()), ..Default::default() };
        d.verify_qr_svg = vietqr::render_svg(&url, &options).ok();
    }
    Ok(doc)
}

/// Dossiers that arrived from the DVC portal and wait at this counter, oldest first.
#[server(endpoint = "get_dvc_pending")]
pub async fn get_dvc_pending(counter_id: i64) -> Result<Vec<DossierRow>, AppError> {
    use guard::*;
    let who = authorize("get_dvc_pending")?;
    let b = backend()?;
    counter_scope(&b, &who, counter_id).await?;
    crate::backend::dvc::pending_for_counter(&b.db, counter_id).await.map_err(fail)
}

/// The officer's one-key confirmation of a DVC dossier: issues its code.
#[server(endpoint = "confirm_dvc")]
pub async fn confirm_dvc(payment_request_id: i64) -> Result<(), AppError> {
    use guard::*;
    let who = authorize("confirm_dvc")?;
    let b = backend()?;
    payment_scope(&b, &who, payment_request_id).await?;
    crate::backend::dvc::confirm(&b, payment_request_id, &who.actor()).await.map_err(fail)?;
    Ok(())
}
