//! Replacement receipts need two people: one proposes the corrected receipt, another
//! approves it and only then is it issued (or rejects it with a reason).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ReceiptReplacement {
    Table,
    Id,
    WardId,
    ReceiptId,
    PendingReceiptId,
    Input,
    Changes,
    Reason,
    AmountBefore,
    AmountAfter,
    State,
    ProposedBy,
    ProposedAt,
    DecidedBy,
    DecidedAt,
    Note,
    ReplacementId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(ReceiptReplacement::Table)
                .col(ColumnDef::new(ReceiptReplacement::Id).big_integer().not_null().auto_increment().primary_key())
                .col(ColumnDef::new(ReceiptReplacement::WardId).big_integer().not_null())
                .col(ColumnDef::new(ReceiptReplacement::ReceiptId).big_integer().not_null())
                // The receipt while the proposal waits, NULL once decided: its unique index
                // allows one waiting proposal per receipt, even when two people propose at once.
                .col(ColumnDef::new(ReceiptReplacement::PendingReceiptId).big_integer().null())
                // The correction as proposed (`CorrectionInput`), applied when approved.
                .col(ColumnDef::new(ReceiptReplacement::Input).text().not_null())
                .col(ColumnDef::new(ReceiptReplacement::Changes).text().not_null())
                .col(ColumnDef::new(ReceiptReplacement::Reason).text().not_null())
                .col(ColumnDef::new(ReceiptReplacement::AmountBefore).big_integer().not_null())
                .col(ColumnDef::new(ReceiptReplacement::AmountAfter).big_integer().not_null())
                .col(ColumnDef::new(ReceiptReplacement::State).string().not_null())
                .col(ColumnDef::new(ReceiptReplacement::ProposedBy).string().not_null())
                .col(ColumnDef::new(ReceiptReplacement::ProposedAt).timestamp_with_time_zone().not_null())
                .col(ColumnDef::new(ReceiptReplacement::DecidedBy).string().null())
                .col(ColumnDef::new(ReceiptReplacement::DecidedAt).timestamp_with_time_zone().null())
                .col(ColumnDef::new(ReceiptReplacement::Note).text().null())
                .col(ColumnDef::new(ReceiptReplacement::ReplacementId).big_integer().null())
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_receipt_replacement_pending")
                .table(ReceiptReplacement::Table)
                .col(ReceiptReplacement::PendingReceiptId)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_receipt_replacement_ward_state")
                .table(ReceiptReplacement::Table)
                .col(ReceiptReplacement::WardId)
                .col(ReceiptReplacement::State)
                .to_owned(),
        )
        .await
    }
}
