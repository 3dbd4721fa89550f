//! Server functions: the screens' calls into the backend. Each runs on the server; the
//! browser gets a generated stub that posts to it. Endpoints are named so that tests and
//! scripts can call them.

use crate::model::{
    CatalogEntry, CounterSnapshot, CounterStatus, DossierRow, NewDossier, PaymentMethod, ReceiptDoc, WardSnapshot,
};
use leptos::prelude::*;

#[server(endpoint = "get_counter_snapshot")]
pub async fn get_counter_snapshot(counter_id: i64) -> Result<Option<CounterSnapshot>, ServerFnError> {
    let b = crate::backend::backend()?;
    Ok(crate::backend::counters::snapshot(&b, counter_id).await?)
}

/// The ward of the screen; `None` picks the default ward.
#[server(endpoint = "get_ward_snapshot")]
pub async fn get_ward_snapshot(ward_id: Option<i64>) -> Result<WardSnapshot, ServerFnError> {
    let b = crate::backend::backend()?;
    let ward_id = match ward_id {
        Some(id) => id,
        None => crate::backend::counters::default_ward_id(&b.db).await?,
    };
    Ok(crate::backend::counters::ward_view(&b, ward_id).await?)
}

#[server(endpoint = "set_counter_status")]
pub async fn set_counter_status(counter_id: i64, status: CounterStatus) -> Result<CounterSnapshot, ServerFnError> {
    let b = crate::backend::backend()?;
    Ok(crate::backend::counters::set_status(&b, counter_id, status, "officer").await?)
}

#[server(endpoint = "get_catalog")]
pub async fn get_catalog(ward_id: i64) -> Result<Vec<CatalogEntry>, ServerFnError> {
    let b = crate::backend::backend()?;
    Ok(crate::backend::payments::catalog(&b.db, ward_id).await?)
}

#[server(endpoint = "get_queue", input = server_fn::codec::Json)]
pub async fn get_queue(counter_id: i64) -> Result<Vec<DossierRow>, ServerFnError> {
    let b = crate::backend::backend()?;
    Ok(crate::backend::payments::queue_today(&b.db, counter_id).await?)
}

/// Steps 2–3: record the dossier and issue its QR (or record it as free).
#[server(endpoint = "create_dossier", input = server_fn::codec::Json)]
pub async fn create_dossier(input: NewDossier) -> Result<DossierRow, ServerFnError> {
    let b = crate::backend::backend()?;
    Ok(crate::backend::payments::create_dossier(&b, input, crate::backend::payments::Source::Counter, None, "officer")
        .await?)
}

#[server(endpoint = "cancel_payment")]
pub async fn cancel_payment(id: i64, version: i32) -> Result<(), ServerFnError> {
    let b = crate::backend::backend()?;
    Ok(crate::backend::payments::cancel(&b, id, version, "officer", None).await?)
}

#[server(endpoint = "reissue_payment")]
pub async fn reissue_payment(id: i64, version: i32) -> Result<(), ServerFnError> {
    let b = crate::backend::backend()?;
    Ok(crate::backend::payments::reissue(&b, id, version, "officer").await?)
}

#[server(endpoint = "pay_manually")]
pub async fn pay_manually(id: i64, version: i32, method: PaymentMethod, reason: Option<String>) -> Result<(), ServerFnError> {
    let b = crate::backend::backend()?;
    Ok(crate::backend::payments::pay_manually(&b, id, version, method, reason, "officer").await?)
}

/// Demo mode only: pays the counter's current code through the bank intake path.
#[server(endpoint = "simulate_payment")]
pub async fn simulate_payment(counter_id: i64) -> Result<(), ServerFnError> {
    let b = crate::backend::backend()?;
    let sim = use_context::<crate::backend::SimulatePayment>()
        .ok_or_else(|| ServerFnError::new("simulation is not available"))?;
    if !b.settings.demo {
        return Err(ServerFnError::new("simulate payment exists only in demo mode"));
    }
    (sim.0)(counter_id).await.map_err(ServerFnError::new)
}

#[server(endpoint = "get_receipt")]
pub async fn get_receipt(id: i64, token: Option<String>) -> Result<Option<ReceiptDoc>, ServerFnError> {
    let b = crate::backend::backend()?;
    Ok(crate::backend::receipts::load(&b.db, id, token.as_deref()).await?)
}

#[server(endpoint = "get_exceptions")]
pub async fn get_exceptions(ward_id: i64, only_open: bool) -> Result<Vec<crate::model::ExceptionRow>, ServerFnError> {
    let b = crate::backend::backend()?;
    Ok(crate::backend::exceptions::list(&b.db, ward_id, only_open).await?)
}

#[server(endpoint = "resolve_exception", input = server_fn::codec::Json)]
pub async fn resolve_exception(
    id: i64,
    resolution: crate::model::Resolution,
    note: Option<String>,
) -> Result<(), ServerFnError> {
    let b = crate::backend::backend()?;
    Ok(crate::backend::exceptions::resolve(&b, id, resolution, note, "supervisor").await?)
}

/// Dossiers that arrived from the DVC portal and wait at this counter, oldest first.
#[server(endpoint = "get_dvc_pending")]
pub async fn get_dvc_pending(counter_id: i64) -> Result<Vec<DossierRow>, ServerFnError> {
    let b = crate::backend::backend()?;
    Ok(crate::backend::dvc::pending_for_counter(&b.db, counter_id).await?)
}

/// The officer's one-key confirmation of a DVC dossier: issues its code.
#[server(endpoint = "confirm_dvc")]
pub async fn confirm_dvc(payment_request_id: i64) -> Result<(), ServerFnError> {
    let b = crate::backend::backend()?;
    crate::backend::dvc::confirm(&b, payment_request_id, "officer").await?;
    Ok(())
}

/// Refused bank notifications (the intake log), newest first.
#[server(endpoint = "get_intake_log")]
pub async fn get_intake_log() -> Result<Vec<crate::model::IntakeLogRow>, ServerFnError> {
    let b = crate::backend::backend()?;
    Ok(crate::backend::exceptions::intake_log(&b.db, 50).await?)
}
