//! sea-orm entities, one module per table. The schema itself lives in the `migrations` crate.

pub mod bank_exception;
pub mod bank_notification;
pub mod counter;
pub mod dossier;
pub mod dvc_client;
pub mod dvc_idempotency;
pub mod dvc_nonce;
pub mod dvc_outbox;
pub mod fee_item;
pub mod fee_line;
pub mod intake_log;
pub mod payment_event;
pub mod payment_request;
pub mod receipt;
pub mod ward;
