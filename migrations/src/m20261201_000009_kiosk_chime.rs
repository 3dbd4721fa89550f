//! Whether a ward's kiosks sound a chime when a payment succeeds (on by default; the admin
//! turns it off where a sound would disturb).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Ward {
    Table,
    KioskChime,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter().table(Ward::Table).add_column(ColumnDef::new(Ward::KioskChime).boolean().not_null().default(true)).to_owned(),
        )
        .await
    }
}
