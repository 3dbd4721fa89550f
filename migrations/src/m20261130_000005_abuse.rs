//! Abuse that fills nothing: the address that asked for each kiosk pairing code (so code
//! creation is limited per address), and refused bank notifications counted per provider,
//! reason, ward and hour instead of one row each; browsers known to an account (sign-in
//! throttling by name and address, with the owner's own browser exempt from strangers).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum KioskPairing {
    Table,
    RequestedIp,
}
#[derive(DeriveIden)]
enum KnownDevice {
    Table,
    TokenHash,
    AccountId,
    CreatedAt,
    LastUsedAt,
}
#[derive(DeriveIden)]
enum Account {
    Table,
    Id,
}
#[derive(DeriveIden)]
enum IntakeRejection {
    Table,
    Id,
    Provider,
    Reason,
    WardId,
    BucketStart,
    Count,
    FirstAt,
    LastAt,
    Status,
    SampleError,
    SampleExcerpt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter().table(KioskPairing::Table).add_column(ColumnDef::new(KioskPairing::RequestedIp).string().null()).to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(IntakeRejection::Table)
                .col(ColumnDef::new(IntakeRejection::Id).big_integer().not_null().auto_increment().primary_key())
                .col(ColumnDef::new(IntakeRejection::Provider).string().not_null())
                // The error kind (bad_signature, malformed, stale…): alarms are told apart by it.
                .col(ColumnDef::new(IntakeRejection::Reason).string().not_null())
                // 0 when the body named no ward's collection account (or could not be read).
                .col(ColumnDef::new(IntakeRejection::WardId).big_integer().not_null())
                // The hour (UTC) the rejections fell in.
                .col(ColumnDef::new(IntakeRejection::BucketStart).timestamp_with_time_zone().not_null())
                .col(ColumnDef::new(IntakeRejection::Count).big_integer().not_null())
                .col(ColumnDef::new(IntakeRejection::FirstAt).timestamp_with_time_zone().not_null())
                .col(ColumnDef::new(IntakeRejection::LastAt).timestamp_with_time_zone().not_null())
                .col(ColumnDef::new(IntakeRejection::Status).integer().not_null())
                // The first rejection of the bucket, kept as a sample.
                .col(ColumnDef::new(IntakeRejection::SampleError).text().not_null())
                .col(ColumnDef::new(IntakeRejection::SampleExcerpt).text().not_null())
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_intake_rejection_bucket")
                .table(IntakeRejection::Table)
                .col(IntakeRejection::Provider)
                .col(IntakeRejection::Reason)
                .col(IntakeRejection::WardId)
                .col(IntakeRejection::BucketStart)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create().name("ix_intake_rejection_last").table(IntakeRejection::Table).col(IntakeRejection::LastAt).to_owned(),
        )
        .await?;
        // Browsers where an account signed in before: their attempts for that account are
        // throttled on their own, so strangers' failures never lock the owner out.
        m.create_table(
            Table::create()
                .table(KnownDevice::Table)
                .col(ColumnDef::new(KnownDevice::TokenHash).string().not_null().primary_key())
                .col(ColumnDef::new(KnownDevice::AccountId).big_integer().not_null())
                .col(ColumnDef::new(KnownDevice::CreatedAt).timestamp_with_time_zone().not_null())
                .col(ColumnDef::new(KnownDevice::LastUsedAt).timestamp_with_time_zone().not_null())
                .foreign_key(ForeignKey::create().from(KnownDevice::Table, KnownDevice::AccountId).to(Account::Table, Account::Id))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(KnownDevice::Table).to_owned()).await?;
        m.drop_table(Table::drop().table(IntakeRejection::Table).to_owned()).await?;
        m.alter_table(Table::alter().table(KioskPairing::Table).drop_column(KioskPairing::RequestedIp).to_owned()).await
    }
}
