//! The DVC connector: the portal's API clients (keys synced from configuration), the
//! signatures seen recently (replay protection), stored responses for idempotency keys,
//! and the outbox of signed callbacks to the portal.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum DvcClient {
    Table,
    Id,
    KeyId,
    Secret,
    CallbackUrl,
    Active,
    CreatedAt,
    UpdatedAt,
}
#[derive(DeriveIden)]
enum DvcNonce {
    Table,
    Signature,
    KeyId,
    SeenAt,
}
#[derive(DeriveIden)]
enum DvcIdempotency {
    Table,
    Id,
    KeyId,
    IdemKey,
    Fingerprint,
    Status,
    ResponseBody,
    CreatedAt,
    UpdatedAt,
}
#[derive(DeriveIden)]
enum DvcOutbox {
    Table,
    Id,
    EventId,
    PaymentRequestId,
    DossierCode,
    KeyId,
    Event,
    Payload,
    Status,
    Attempts,
    NextAttemptAt,
    LastStatus,
    LastError,
    CreatedAt,
    DeliveredAt,
}

fn id<T: IntoIden>(c: T) -> ColumnDef {
    ColumnDef::new(c).big_integer().not_null().auto_increment().primary_key().to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(DvcClient::Table)
                .col(id(DvcClient::Id))
                .col(ColumnDef::new(DvcClient::KeyId).string().not_null().unique_key())
                // The HMAC secret, as configured (WARDPAY_DVC_KEYS); like ward.receipt_key it
                // never leaves the server.
                .col(ColumnDef::new(DvcClient::Secret).string().not_null())
                .col(ColumnDef::new(DvcClient::CallbackUrl).string().null())
                .col(ColumnDef::new(DvcClient::Active).boolean().not_null())
                .col(ColumnDef::new(DvcClient::CreatedAt).timestamp_with_time_zone().not_null())
                .col(ColumnDef::new(DvcClient::UpdatedAt).timestamp_with_time_zone().not_null())
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(DvcNonce::Table)
                .col(ColumnDef::new(DvcNonce::Signature).string().not_null().primary_key())
                .col(ColumnDef::new(DvcNonce::KeyId).string().not_null())
                .col(ColumnDef::new(DvcNonce::SeenAt).timestamp_with_time_zone().not_null())
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("ix_dvc_nonce_seen").table(DvcNonce::Table).col(DvcNonce::SeenAt).to_owned()).await?;
        m.create_table(
            Table::create()
                .table(DvcIdempotency::Table)
                .col(id(DvcIdempotency::Id))
                .col(ColumnDef::new(DvcIdempotency::KeyId).string().not_null())
                .col(ColumnDef::new(DvcIdempotency::IdemKey).string().not_null())
                .col(ColumnDef::new(DvcIdempotency::Fingerprint).string().not_null())
                // 0 while the first request is being handled, then its HTTP status.
                .col(ColumnDef::new(DvcIdempotency::Status).integer().not_null())
                .col(ColumnDef::new(DvcIdempotency::ResponseBody).text().null())
                .col(ColumnDef::new(DvcIdempotency::CreatedAt).timestamp_with_time_zone().not_null())
                .col(ColumnDef::new(DvcIdempotency::UpdatedAt).timestamp_with_time_zone().not_null())
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_dvc_idempotency_key")
                .table(DvcIdempotency::Table)
                .col(DvcIdempotency::KeyId)
                .col(DvcIdempotency::IdemKey)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create().name("ix_dvc_idempotency_created").table(DvcIdempotency::Table).col(DvcIdempotency::CreatedAt).to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(DvcOutbox::Table)
                .col(id(DvcOutbox::Id))
                .col(ColumnDef::new(DvcOutbox::EventId).string().not_null().unique_key())
                .col(ColumnDef::new(DvcOutbox::PaymentRequestId).big_integer().not_null())
                .col(ColumnDef::new(DvcOutbox::DossierCode).string().not_null())
                .col(ColumnDef::new(DvcOutbox::KeyId).string().not_null())
                .col(ColumnDef::new(DvcOutbox::Event).string().not_null())
                .col(ColumnDef::new(DvcOutbox::Payload).text().not_null())
                // `pending` or `delivered`.
                .col(ColumnDef::new(DvcOutbox::Status).string().not_null())
                .col(ColumnDef::new(DvcOutbox::Attempts).integer().not_null())
                .col(ColumnDef::new(DvcOutbox::NextAttemptAt).timestamp_with_time_zone().not_null())
                .col(ColumnDef::new(DvcOutbox::LastStatus).integer().null())
                .col(ColumnDef::new(DvcOutbox::LastError).string().null())
                .col(ColumnDef::new(DvcOutbox::CreatedAt).timestamp_with_time_zone().not_null())
                .col(ColumnDef::new(DvcOutbox::DeliveredAt).timestamp_with_time_zone().null())
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_dvc_outbox_event")
                .table(DvcOutbox::Table)
                .col(DvcOutbox::PaymentRequestId)
                .col(DvcOutbox::Event)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_dvc_outbox_due")
                .table(DvcOutbox::Table)
                .col(DvcOutbox::Status)
                .col(DvcOutbox::NextAttemptAt)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in
            [DvcOutbox::Table.into_iden(), DvcIdempotency::Table.into_iden(), DvcNonce::Table.into_iden(), DvcClient::Table.into_iden()]
        {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
