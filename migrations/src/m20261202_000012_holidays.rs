//! The ward's days off besides weekends (Tết, national holidays, the days the government
//! moves): a deposit that falls due on one is due the next working day.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum WardHoliday {
    Table,
    Id,
    WardId,
    Day,
    Name,
    AddedBy,
    AddedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(WardHoliday::Table)
                .col(ColumnDef::new(WardHoliday::Id).big_integer().not_null().auto_increment().primary_key())
                .col(ColumnDef::new(WardHoliday::WardId).big_integer().not_null())
                // YYYY-MM-DD, the day in Việt Nam.
                .col(ColumnDef::new(WardHoliday::Day).string().not_null())
                .col(ColumnDef::new(WardHoliday::Name).string().not_null())
                .col(ColumnDef::new(WardHoliday::AddedBy).string().not_null())
                .col(ColumnDef::new(WardHoliday::AddedAt).timestamp_with_time_zone().not_null())
                .to_owned(),
        )
        .await?;
        // A day is listed once per ward, also when two people add it at once.
        m.create_index(
            Index::create()
                .name("ux_ward_holiday_day")
                .table(WardHoliday::Table)
                .col(WardHoliday::WardId)
                .col(WardHoliday::Day)
                .unique()
                .to_owned(),
        )
        .await
    }
}
