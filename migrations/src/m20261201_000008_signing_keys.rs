//! Receipts signed with a public key: each ward's Ed25519 keys (one current, older ones kept
//! with their validity so receipts signed with them stay verifiable after a rotation), and
//! on each receipt the algorithm and key that signed it. Receipts signed before keep their
//! HMAC and say so.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SigningKey {
    Table,
    Id,
    WardId,
    KeyId,
    Algorithm,
    PublicKey,
    SecretKey,
    ValidFrom,
    ValidTo,
    CreatedBy,
}
#[derive(DeriveIden)]
enum Receipt {
    Table,
    SigAlg,
    KeyId,
}
#[derive(DeriveIden)]
enum Ward {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(SigningKey::Table)
                .col(ColumnDef::new(SigningKey::Id).big_integer().not_null().auto_increment().primary_key())
                .col(ColumnDef::new(SigningKey::WardId).big_integer().not_null())
                .col(ColumnDef::new(SigningKey::KeyId).string().not_null().unique_key())
                .col(ColumnDef::new(SigningKey::Algorithm).string().not_null())
                .col(ColumnDef::new(SigningKey::PublicKey).string().not_null())
                .col(ColumnDef::new(SigningKey::SecretKey).string().not_null())
                .col(ColumnDef::new(SigningKey::ValidFrom).timestamp_with_time_zone().not_null())
                .col(ColumnDef::new(SigningKey::ValidTo).timestamp_with_time_zone().null())
                .col(ColumnDef::new(SigningKey::CreatedBy).string().not_null())
                .foreign_key(&mut ForeignKey::create().from(SigningKey::Table, SigningKey::WardId).to(Ward::Table, Ward::Id).to_owned())
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("ix_signing_key_ward").table(SigningKey::Table).col(SigningKey::WardId).to_owned()).await?;
        m.alter_table(
            Table::alter()
                .table(Receipt::Table)
                .add_column(ColumnDef::new(Receipt::SigAlg).string().not_null().default("hmac-sha256"))
                .to_owned(),
        )
        .await?;
        m.alter_table(Table::alter().table(Receipt::Table).add_column(ColumnDef::new(Receipt::KeyId).string().null()).to_owned()).await
    }
}
