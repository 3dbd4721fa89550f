pub mod admin;
pub mod audit;
pub mod kiosk;
pub mod login;
pub mod not_found;
pub mod officer;
pub mod receipt;
pub mod stats;
