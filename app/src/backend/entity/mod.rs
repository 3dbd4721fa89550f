//! sea-orm entities, one module per table. The schema itself lives in the `migrations` crate.

pub mod account;
pub mod audit_head;
pub mod audit_log;
pub mod bank_exception;
pub mod bank_notification;
pub mod counter;
pub mod day_close;
pub mod dossier;
pub mod dvc_client;
pub mod dvc_idempotency;
pub mod dvc_nonce;
pub mod dvc_outbox;
pub mod fee_item;
pub mod fee_line;
pub mod intake_rejection;
pub mod kiosk_device;
pub mod kiosk_pairing;
pub mod known_device;
pub mod payment_event;
pub mod payment_request;
pub mod receipt;
pub mod session;
pub mod statement_import;
pub mod statement_line;
pub mod statement_mapping;
pub mod ward;
