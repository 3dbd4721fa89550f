pub mod kiosk;
pub mod not_found;
pub mod officer;
pub mod receipt;
pub mod stats;
