//! Schema migrations, applied at start-up and by `wardpay migrate`.
//!
//! Every migration uses sea-query's schema builder so the same code runs on SQLite
//! (embedded default) and PostgreSQL (production).

pub use sea_orm_migration::prelude::*;

mod m20261125_000001_foundation;
mod m20261125_000002_counter_flow;
mod m20261125_000003_dvc;
mod m20261125_000004_access;
mod m20261130_000005_abuse;
mod m20261130_000006_statements;
mod m20261201_000007_treasury;
mod m20261201_000008_signing_keys;
mod m20261201_000009_kiosk_chime;
mod m20261201_000010_login_attempts;
mod m20261201_000011_replacement_proposals;
mod m20261202_000012_holidays;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261125_000001_foundation::Migration),
            Box::new(m20261125_000002_counter_flow::Migration),
            Box::new(m20261125_000003_dvc::Migration),
            Box::new(m20261125_000004_access::Migration),
            Box::new(m20261130_000005_abuse::Migration),
            Box::new(m20261130_000006_statements::Migration),
            Box::new(m20261201_000007_treasury::Migration),
            Box::new(m20261201_000008_signing_keys::Migration),
            Box::new(m20261201_000009_kiosk_chime::Migration),
            Box::new(m20261201_000010_login_attempts::Migration),
            Box::new(m20261201_000011_replacement_proposals::Migration),
            Box::new(m20261202_000012_holidays::Migration),
        ]
    }
}
