//! Bank statements (sao kê): each imported file, each credit it holds (one row per credit,
//! unique per ward, so importing a file again or an overlapping one adds nothing twice), the
//! ward's saved column mapping for its bank's own files, and where each notification came
//! from (webhook, poll or statement); and each closed day's reconciliation, frozen.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum BankNotification {
    Table,
    Source,
    BankReference,
    PaymentRequestId,
}
#[derive(DeriveIden)]
enum Ward {
    Table,
    Id,
}
#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Subject,
}
#[derive(DeriveIden)]
enum Dossier {
    Table,
    WardId,
    CreatedAt,
}
#[derive(DeriveIden)]
enum FeeLine {
    Table,
    DossierId,
}
#[derive(DeriveIden)]
enum StatementImport {
    Table,
    Id,
    WardId,
    Format,
    FileName,
    FileSha256,
    Credits,
    NewLines,
    FirstDay,
    LastDay,
    ImportedBy,
    ImportedAt,
}
#[derive(DeriveIden)]
enum StatementLine {
    Table,
    Id,
    WardId,
    ImportId,
    LineKey,
    LineNo,
    BookedAt,
    DateOnly,
    Amount,
    Content,
    Reference,
    Account,
    ProviderTxnId,
    NotificationId,
    Found,
}
#[derive(DeriveIden)]
enum StatementMapping {
    Table,
    WardId,
    Spec,
    UpdatedBy,
    UpdatedAt,
}
#[derive(DeriveIden)]
enum DayReport {
    Table,
    Id,
    WardId,
    Day,
    DayStart,
    DayEnd,
    Rows,
    RowCount,
    Totals,
    Stats,
    CreatedAt,
}
#[derive(DeriveIden)]
enum DayAdjustment {
    Table,
    Id,
    WardId,
    CorrectsDay,
    LandsDay,
    Row,
}
#[derive(DeriveIden)]
enum PaymentRequest {
    Table,
    WardId,
    CreatedAt,
}
#[derive(DeriveIden)]
enum BankException {
    Table,
    WardId,
    CreatedAt,
    NotificationId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // Every notification so far came by webhook.
        m.alter_table(
            Table::alter()
                .table(BankNotification::Table)
                .add_column(ColumnDef::new(BankNotification::Source).string().not_null().default("webhook"))
                .to_owned(),
        )
        .await?;
        // A statement line is matched to its notification by the bank's reference.
        m.create_index(
            Index::create()
                .name("ix_bank_notification_reference")
                .table(BankNotification::Table)
                .col(BankNotification::BankReference)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(StatementImport::Table)
                .col(ColumnDef::new(StatementImport::Id).big_integer().not_null().auto_increment().primary_key())
                .col(ColumnDef::new(StatementImport::WardId).big_integer().not_null())
                .col(ColumnDef::new(StatementImport::Format).string().not_null())
                .col(ColumnDef::new(StatementImport::FileName).string().not_null())
                .col(ColumnDef::new(StatementImport::FileSha256).string().not_null())
                .col(ColumnDef::new(StatementImport::Credits).big_integer().not_null())
                .col(ColumnDef::new(StatementImport::NewLines).big_integer().not_null())
                // The Vietnam calendar days the file covers (`YYYY-MM-DD`): notifications of
                // those days that no line confirms are "only in WardPay".
                .col(ColumnDef::new(StatementImport::FirstDay).string().not_null())
                .col(ColumnDef::new(StatementImport::LastDay).string().not_null())
                .col(ColumnDef::new(StatementImport::ImportedBy).string().not_null())
                .col(ColumnDef::new(StatementImport::ImportedAt).timestamp_with_time_zone().not_null())
                .foreign_key(ForeignKey::create().from(StatementImport::Table, StatementImport::WardId).to(Ward::Table, Ward::Id))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_statement_import_file")
                .table(StatementImport::Table)
                .col(StatementImport::WardId)
                .col(StatementImport::FileSha256)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(StatementLine::Table)
                .col(ColumnDef::new(StatementLine::Id).big_integer().not_null().auto_increment().primary_key())
                .col(ColumnDef::new(StatementLine::WardId).big_integer().not_null())
                .col(ColumnDef::new(StatementLine::ImportId).big_integer().not_null())
                .col(ColumnDef::new(StatementLine::LineKey).string().not_null())
                .col(ColumnDef::new(StatementLine::LineNo).big_integer().not_null())
                .col(ColumnDef::new(StatementLine::BookedAt).timestamp_with_time_zone().not_null())
                .col(ColumnDef::new(StatementLine::DateOnly).boolean().not_null())
                .col(ColumnDef::new(StatementLine::Amount).big_integer().not_null())
                .col(ColumnDef::new(StatementLine::Content).text().not_null())
                .col(ColumnDef::new(StatementLine::Reference).string().null())
                .col(ColumnDef::new(StatementLine::Account).string().null())
                .col(ColumnDef::new(StatementLine::ProviderTxnId).string().null())
                // The notification this credit is: one WardPay had (`found`), or the one the
                // import made for money no webhook brought.
                .col(ColumnDef::new(StatementLine::NotificationId).big_integer().null())
                .col(ColumnDef::new(StatementLine::Found).boolean().not_null())
                .foreign_key(
                    ForeignKey::create()
                        .from(StatementLine::Table, StatementLine::ImportId)
                        .to(StatementImport::Table, StatementImport::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_statement_line_key")
                .table(StatementLine::Table)
                .col(StatementLine::WardId)
                .col(StatementLine::LineKey)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_statement_line_notification")
                .table(StatementLine::Table)
                .col(StatementLine::NotificationId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(StatementMapping::Table)
                .col(ColumnDef::new(StatementMapping::WardId).big_integer().not_null().primary_key())
                .col(ColumnDef::new(StatementMapping::Spec).text().not_null())
                .col(ColumnDef::new(StatementMapping::UpdatedBy).string().not_null())
                .col(ColumnDef::new(StatementMapping::UpdatedAt).timestamp_with_time_zone().not_null())
                .foreign_key(ForeignKey::create().from(StatementMapping::Table, StatementMapping::WardId).to(Ward::Table, Ward::Id))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(DayReport::Table)
                .col(ColumnDef::new(DayReport::Id).big_integer().not_null().auto_increment().primary_key())
                .col(ColumnDef::new(DayReport::WardId).big_integer().not_null())
                .col(ColumnDef::new(DayReport::Day).string().not_null())
                // The day's UTC bounds, so "changed after the close" is one join per table.
                .col(ColumnDef::new(DayReport::DayStart).timestamp_with_time_zone().not_null())
                .col(ColumnDef::new(DayReport::DayEnd).timestamp_with_time_zone().not_null())
                .col(ColumnDef::new(DayReport::Rows).text().not_null())
                .col(ColumnDef::new(DayReport::RowCount).big_integer().not_null())
                .col(ColumnDef::new(DayReport::Totals).text().not_null())
                .col(ColumnDef::new(DayReport::Stats).text().not_null())
                .col(ColumnDef::new(DayReport::CreatedAt).timestamp_with_time_zone().not_null())
                .foreign_key(ForeignKey::create().from(DayReport::Table, DayReport::WardId).to(Ward::Table, Ward::Id))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_day_report_day")
                .table(DayReport::Table)
                .col(DayReport::WardId)
                .col(DayReport::Day)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(DayAdjustment::Table)
                .col(ColumnDef::new(DayAdjustment::Id).big_integer().not_null().auto_increment().primary_key())
                .col(ColumnDef::new(DayAdjustment::WardId).big_integer().not_null())
                .col(ColumnDef::new(DayAdjustment::CorrectsDay).string().not_null())
                .col(ColumnDef::new(DayAdjustment::LandsDay).string().not_null())
                .col(ColumnDef::new(DayAdjustment::Row).text().not_null())
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_day_adjustment_corrects")
                .table(DayAdjustment::Table)
                .col(DayAdjustment::WardId)
                .col(DayAdjustment::CorrectsDay)
                .to_owned(),
        )
        .await?;
        // The report reads a ward's requests and exceptions by day, and each request's
        // notifications (receipts are unique per request already).
        m.create_index(
            Index::create()
                .name("ix_payreq_ward_created")
                .table(PaymentRequest::Table)
                .col(PaymentRequest::WardId)
                .col(PaymentRequest::CreatedAt)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_bank_exception_ward_created")
                .table(BankException::Table)
                .col(BankException::WardId)
                .col(BankException::CreatedAt)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_bank_exception_notification")
                .table(BankException::Table)
                .col(BankException::NotificationId)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_bank_notification_request")
                .table(BankNotification::Table)
                .col(BankNotification::PaymentRequestId)
                .to_owned(),
        )
        .await?;
        // A day's statistics read the ward's dossiers of the day and their fee lines.
        m.create_index(
            Index::create().name("ix_dossier_ward_created").table(Dossier::Table).col(Dossier::WardId).col(Dossier::CreatedAt).to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("ix_fee_line_dossier").table(FeeLine::Table).col(FeeLine::DossierId).to_owned()).await?;
        // A report row's evidence lists the audit entries of its request, dossier and exceptions.
        m.create_index(Index::create().name("ix_audit_subject").table(AuditLog::Table).col(AuditLog::Subject).to_owned()).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (name, table) in [
            ("ix_audit_subject", AuditLog::Table.into_iden()),
            ("ix_fee_line_dossier", FeeLine::Table.into_iden()),
            ("ix_dossier_ward_created", Dossier::Table.into_iden()),
            ("ix_bank_notification_request", BankNotification::Table.into_iden()),
            ("ix_bank_exception_notification", BankException::Table.into_iden()),
            ("ix_bank_exception_ward_created", BankException::Table.into_iden()),
            ("ix_payreq_ward_created", PaymentRequest::Table.into_iden()),
        ] {
            m.drop_index(Index::drop().name(name).table(table).to_owned()).await?;
        }
        m.drop_table(Table::drop().table(DayAdjustment::Table).to_owned()).await?;
        m.drop_table(Table::drop().table(DayReport::Table).to_owned()).await?;
        m.drop_table(Table::drop().table(StatementMapping::Table).to_owned()).await?;
        m.drop_table(Table::drop().table(StatementLine::Table).to_owned()).await?;
        m.drop_table(Table::drop().table(StatementImport::Table).to_owned()).await?;
        m.drop_index(Index::drop().name("ix_bank_notification_reference").table(BankNotification::Table).to_owned()).await?;
        m.alter_table(Table::alter().table(BankNotification::Table).drop_column(BankNotification::Source).to_owned()).await
    }
}
