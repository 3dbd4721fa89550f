//! Wards, their counters and their fee catalog.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Ward {
    Table,
    Id,
    Code,
    Name,
    Address,
    TaxCode,
    BudgetCode,
    BankBin,
    BankAccount,
    BankAccountName,
    ReceiptForm,
    ReceiptSeries,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Counter {
    Table,
    Id,
    WardId,
    Number,
    Name,
    Status,
    StatusChangedAt,
    StatusChangedBy,
}

#[derive(DeriveIden)]
enum FeeItem {
    Table,
    Id,
    WardId,
    ProcedureCode,
    ProcedureName,
    FeeName,
    Kind,
    Rule,
    LegalBasis,
    BudgetSubitem,
    Active,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Ward::Table)
                .col(ColumnDef::new(Ward::Id).big_integer().not_null().auto_increment().primary_key())
                .col(ColumnDef::new(Ward::Code).string().not_null().unique_key())
                .col(ColumnDef::new(Ward::Name).string().not_null())
                .col(ColumnDef::new(Ward::Address).string().not_null())
                .col(ColumnDef::new(Ward::TaxCode).string().not_null())
                .col(ColumnDef::new(Ward::BudgetCode).string().not_null())
                .col(ColumnDef::new(Ward::BankBin).string().not_null())
                .col(ColumnDef::new(Ward::BankAccount).string().not_null())
                .col(ColumnDef::new(Ward::BankAccountName).string().not_null())
                .col(ColumnDef::new(Ward::ReceiptForm).string().not_null())
                .col(ColumnDef::new(Ward::ReceiptSeries).string().not_null())
                .col(ColumnDef::new(Ward::CreatedAt).timestamp_with_time_zone().not_null())
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Counter::Table)
                .col(ColumnDef::new(Counter::Id).big_integer().not_null().auto_increment().primary_key())
                .col(ColumnDef::new(Counter::WardId).big_integer().not_null())
                .col(ColumnDef::new(Counter::Number).integer().not_null())
                .col(ColumnDef::new(Counter::Name).string().not_null())
                .col(ColumnDef::new(Counter::Status).string().not_null())
                .col(ColumnDef::new(Counter::StatusChangedAt).timestamp_with_time_zone().not_null())
                .col(ColumnDef::new(Counter::StatusChangedBy).string().not_null())
                .foreign_key(ForeignKey::create().from(Counter::Table, Counter::WardId).to(Ward::Table, Ward::Id))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_counter_ward_number")
                .table(Counter::Table)
                .col(Counter::WardId)
                .col(Counter::Number)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(FeeItem::Table)
                .col(ColumnDef::new(FeeItem::Id).big_integer().not_null().auto_increment().primary_key())
                .col(ColumnDef::new(FeeItem::WardId).big_integer().not_null())
                .col(ColumnDef::new(FeeItem::ProcedureCode).string().not_null())
                .col(ColumnDef::new(FeeItem::ProcedureName).string().not_null())
                .col(ColumnDef::new(FeeItem::FeeName).string().not_null())
                .col(ColumnDef::new(FeeItem::Kind).string().not_null())
                .col(ColumnDef::new(FeeItem::Rule).text().not_null())
                .col(ColumnDef::new(FeeItem::LegalBasis).string().not_null())
                .col(ColumnDef::new(FeeItem::BudgetSubitem).string().not_null())
                .col(ColumnDef::new(FeeItem::Active).boolean().not_null())
                .foreign_key(ForeignKey::create().from(FeeItem::Table, FeeItem::WardId).to(Ward::Table, Ward::Id))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_fee_item_ward_procedure")
                .table(FeeItem::Table)
                .col(FeeItem::WardId)
                .col(FeeItem::ProcedureCode)
                .unique()
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(FeeItem::Table).to_owned()).await?;
        m.drop_table(Table::drop().table(Counter::Table).to_owned()).await?;
        m.drop_table(Table::drop().table(Ward::Table).to_owned()).await
    }
}
