//! Server functions: the screens' calls into the backend. Each runs on the server; the
//! browser gets a generated stub that posts to it.

use crate::model::{CounterSnapshot, CounterStatus, WardSnapshot};
use leptos::prelude::*;

#[server(endpoint = "get_counter_snapshot")]
pub async fn get_counter_snapshot(counter_id: i64) -> Result<Option<CounterSnapshot>, ServerFnError> {
    let b = crate::backend::backend()?;
    Ok(crate::backend::counters::counter_snapshot(&b.db, counter_id).await?)
}

/// The ward of the screen; `None` picks the default ward.
#[server(endpoint = "get_ward_snapshot")]
pub async fn get_ward_snapshot(ward_id: Option<i64>) -> Result<WardSnapshot, ServerFnError> {
    let b = crate::backend::backend()?;
    let ward_id = match ward_id {
        Some(id) => id,
        None => crate::backend::counters::default_ward_id(&b.db).await?,
    };
    Ok(crate::backend::counters::ward_snapshot(&b.db, ward_id).await?)
}

#[server(endpoint = "set_counter_status")]
pub async fn set_counter_status(counter_id: i64, status: CounterStatus) -> Result<CounterSnapshot, ServerFnError> {
    let b = crate::backend::backend()?;
    Ok(crate::backend::counters::set_status(&b, counter_id, status, "officer").await?)
}
