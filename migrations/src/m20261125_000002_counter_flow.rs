//! Dossiers, fee lines, payment requests with their transitions, receipts and the
//! sequences that number them; bank notifications, exceptions and the intake log.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Ward { Table, ReceiptKey }
#[derive(DeriveIden)]
enum Dossier { Table, Id, RequestKey, WardId, CounterId, Code, ApplicantName, IdNumber, Phone, ProcedureCode, ProcedureName, Source, Total, Outcome, CreatedAt, CreatedBy }
#[derive(DeriveIden)]
enum FeeLine { Table, Id, DossierId, FeeItemId, FeeName, Kind, BudgetSubitem, Quantity, Pages, Amount, ExemptReason }
#[derive(DeriveIden)]
enum PaymentRequest { Table, Id, WardId, CounterId, DossierId, Amount, PaymentCode, QrPayload, Purpose, State, Method, Version, IssuedAt, ExpiresAt, PaidAt, StateChangedAt, CashReason, BankRef, AmountReceived, CreatedAt, CreatedBy }
#[derive(DeriveIden)]
enum PaymentEvent { Table, Id, PaymentRequestId, FromState, ToState, Event, Actor, At, Note }
#[derive(DeriveIden)]
enum Receipt { Table, Id, WardId, PaymentRequestId, Form, Series, Year, Number, PayerName, Amount, Method, BankRef, IssuedAt, Content, Signature }
#[derive(DeriveIden)]
enum ReceiptSequence { Table, WardId, Series, NextNumber }
#[derive(DeriveIden)]
enum DossierSequence { Table, WardId, Day, NextNumber }
#[derive(DeriveIden)]
enum BankNotification { Table, Id, Provider, ProviderTxnId, BankReference, RawBody, Headers, ReceivedAt, Amount, AccountNumber, Content, PaymentRequestId, Outcome }
#[derive(DeriveIden)]
enum BankException { Table, Id, WardId, NotificationId, PaymentRequestId, Kind, Amount, Status, Resolution, Note, ResolvedBy, ResolvedAt, CreatedAt }
#[derive(DeriveIden)]
enum IntakeLog { Table, Id, Provider, ReceivedAt, Status, Error, BodyExcerpt }

fn id<T: IntoIden>(c: T) -> ColumnDef {
    ColumnDef::new(c).big_integer().not_null().auto_increment().primary_key().to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // The key that signs the ward's receipts (hex); generated when the ward is created.
        m.alter_table(
            Table::alter()
                .table(Ward::Table)
                .add_column(ColumnDef::new(Ward::ReceiptKey).string().not_null().default(""))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Dossier::Table)
                .col(id(Dossier::Id))
                .col(ColumnDef::new(Dossier::WardId).big_integer().not_null())
                .col(ColumnDef::new(Dossier::CounterId).big_integer().not_null())
                .col(ColumnDef::new(Dossier::Code).string().not_null().unique_key())
                // The form's submission id: a double click or a retried request finds the first dossier.
                .col(ColumnDef::new(Dossier::RequestKey).string().null().unique_key())
                .col(ColumnDef::new(Dossier::ApplicantName).string().not_null())
                .col(ColumnDef::new(Dossier::IdNumber).string().null())
                .col(ColumnDef::new(Dossier::Phone).string().null())
                .col(ColumnDef::new(Dossier::ProcedureCode).string().not_null())
                .col(ColumnDef::new(Dossier::ProcedureName).string().not_null())
                .col(ColumnDef::new(Dossier::Source).string().not_null())
                .col(ColumnDef::new(Dossier::Total).big_integer().not_null())
                .col(ColumnDef::new(Dossier::Outcome).string().not_null())
                .col(ColumnDef::new(Dossier::CreatedAt).timestamp_with_time_zone().not_null())
                .col(ColumnDef::new(Dossier::CreatedBy).string().not_null())
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("ix_dossier_counter_created").table(Dossier::Table).col(Dossier::CounterId).col(Dossier::CreatedAt).to_owned()).await?;
        m.create_table(
            Table::create()
                .table(FeeLine::Table)
                .col(id(FeeLine::Id))
                .col(ColumnDef::new(FeeLine::DossierId).big_integer().not_null())
                .col(ColumnDef::new(FeeLine::FeeItemId).big_integer().not_null())
                .col(ColumnDef::new(FeeLine::FeeName).string().not_null())
                .col(ColumnDef::new(FeeLine::Kind).string().not_null())
                .col(ColumnDef::new(FeeLine::BudgetSubitem).string().not_null())
                .col(ColumnDef::new(FeeLine::Quantity).integer().not_null())
                .col(ColumnDef::new(FeeLine::Pages).integer().null())
                .col(ColumnDef::new(FeeLine::Amount).big_integer().not_null())
                .col(ColumnDef::new(FeeLine::ExemptReason).string().null())
                .foreign_key(ForeignKey::create().from(FeeLine::Table, FeeLine::DossierId).to(Dossier::Table, Dossier::Id))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(PaymentRequest::Table)
                .col(id(PaymentRequest::Id))
                .col(ColumnDef::new(PaymentRequest::WardId).big_integer().not_null())
                .col(ColumnDef::new(PaymentRequest::CounterId).big_integer().not_null())
                .col(ColumnDef::new(PaymentRequest::DossierId).big_integer().not_null())
                .col(ColumnDef::new(PaymentRequest::Amount).big_integer().not_null())
                .col(ColumnDef::new(PaymentRequest::PaymentCode).string().not_null().unique_key())
                .col(ColumnDef::new(PaymentRequest::QrPayload).text().null())
                .col(ColumnDef::new(PaymentRequest::Purpose).string().not_null())
                .col(ColumnDef::new(PaymentRequest::State).string().not_null())
                .col(ColumnDef::new(PaymentRequest::Method).string().null())
                .col(ColumnDef::new(PaymentRequest::Version).integer().not_null())
                .col(ColumnDef::new(PaymentRequest::IssuedAt).timestamp_with_time_zone().null())
                .col(ColumnDef::new(PaymentRequest::ExpiresAt).timestamp_with_time_zone().null())
                .col(ColumnDef::new(PaymentRequest::PaidAt).timestamp_with_time_zone().null())
                .col(ColumnDef::new(PaymentRequest::StateChangedAt).timestamp_with_time_zone().not_null())
                .col(ColumnDef::new(PaymentRequest::CashReason).string().null())
                .col(ColumnDef::new(PaymentRequest::BankRef).string().null())
                .col(ColumnDef::new(PaymentRequest::AmountReceived).big_integer().null())
                .col(ColumnDef::new(PaymentRequest::CreatedAt).timestamp_with_time_zone().not_null())
                .col(ColumnDef::new(PaymentRequest::CreatedBy).string().not_null())
                .foreign_key(ForeignKey::create().from(PaymentRequest::Table, PaymentRequest::DossierId).to(Dossier::Table, Dossier::Id))
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("ix_payreq_counter_state").table(PaymentRequest::Table).col(PaymentRequest::CounterId).col(PaymentRequest::State).to_owned()).await?;
        m.create_index(Index::create().name("ix_payreq_state_expires").table(PaymentRequest::Table).col(PaymentRequest::State).col(PaymentRequest::ExpiresAt).to_owned()).await?;
        m.create_table(
            Table::create()
                .table(PaymentEvent::Table)
                .col(id(PaymentEvent::Id))
                .col(ColumnDef::new(PaymentEvent::PaymentRequestId).big_integer().not_null())
                .col(ColumnDef::new(PaymentEvent::FromState).string().not_null())
                .col(ColumnDef::new(PaymentEvent::ToState).string().not_null())
                .col(ColumnDef::new(PaymentEvent::Event).string().not_null())
                .col(ColumnDef::new(PaymentEvent::Actor).string().not_null())
                .col(ColumnDef::new(PaymentEvent::At).timestamp_with_time_zone().not_null())
                .col(ColumnDef::new(PaymentEvent::Note).string().null())
                .foreign_key(ForeignKey::create().from(PaymentEvent::Table, PaymentEvent::PaymentRequestId).to(PaymentRequest::Table, PaymentRequest::Id))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Receipt::Table)
                .col(id(Receipt::Id))
                .col(ColumnDef::new(Receipt::WardId).big_integer().not_null())
                .col(ColumnDef::new(Receipt::PaymentRequestId).big_integer().not_null().unique_key())
                .col(ColumnDef::new(Receipt::Form).string().not_null())
                .col(ColumnDef::new(Receipt::Series).string().not_null())
                .col(ColumnDef::new(Receipt::Year).integer().not_null())
                .col(ColumnDef::new(Receipt::Number).big_integer().not_null())
                .col(ColumnDef::new(Receipt::PayerName).string().not_null())
                .col(ColumnDef::new(Receipt::Amount).big_integer().not_null())
                .col(ColumnDef::new(Receipt::Method).string().not_null())
                .col(ColumnDef::new(Receipt::BankRef).string().null())
                .col(ColumnDef::new(Receipt::IssuedAt).timestamp_with_time_zone().not_null())
                .col(ColumnDef::new(Receipt::Content).text().not_null())
                .col(ColumnDef::new(Receipt::Signature).string().not_null())
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("ux_receipt_number").table(Receipt::Table).col(Receipt::WardId).col(Receipt::Series).col(Receipt::Number).unique().to_owned()).await?;
        m.create_table(
            Table::create()
                .table(ReceiptSequence::Table)
                .col(ColumnDef::new(ReceiptSequence::WardId).big_integer().not_null())
                .col(ColumnDef::new(ReceiptSequence::Series).string().not_null())
                .col(ColumnDef::new(ReceiptSequence::NextNumber).big_integer().not_null())
                .primary_key(Index::create().col(ReceiptSequence::WardId).col(ReceiptSequence::Series))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(DossierSequence::Table)
                .col(ColumnDef::new(DossierSequence::WardId).big_integer().not_null())
                .col(ColumnDef::new(DossierSequence::Day).string().not_null())
                .col(ColumnDef::new(DossierSequence::NextNumber).big_integer().not_null())
                .primary_key(Index::create().col(DossierSequence::WardId).col(DossierSequence::Day))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(BankNotification::Table)
                .col(id(BankNotification::Id))
                .col(ColumnDef::new(BankNotification::Provider).string().not_null())
                .col(ColumnDef::new(BankNotification::ProviderTxnId).string().not_null())
                .col(ColumnDef::new(BankNotification::BankReference).string().null())
                .col(ColumnDef::new(BankNotification::RawBody).text().not_null())
                .col(ColumnDef::new(BankNotification::Headers).text().not_null())
                .col(ColumnDef::new(BankNotification::ReceivedAt).timestamp_with_time_zone().not_null())
                .col(ColumnDef::new(BankNotification::Amount).big_integer().not_null())
                .col(ColumnDef::new(BankNotification::AccountNumber).string().not_null())
                .col(ColumnDef::new(BankNotification::Content).text().not_null())
                .col(ColumnDef::new(BankNotification::PaymentRequestId).big_integer().null())
                .col(ColumnDef::new(BankNotification::Outcome).string().not_null())
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("ux_bank_notification_txn").table(BankNotification::Table).col(BankNotification::Provider).col(BankNotification::ProviderTxnId).unique().to_owned()).await?;
        m.create_table(
            Table::create()
                .table(BankException::Table)
                .col(id(BankException::Id))
                .col(ColumnDef::new(BankException::WardId).big_integer().null())
                .col(ColumnDef::new(BankException::NotificationId).big_integer().not_null())
                .col(ColumnDef::new(BankException::PaymentRequestId).big_integer().null())
                .col(ColumnDef::new(BankException::Kind).string().not_null())
                .col(ColumnDef::new(BankException::Amount).big_integer().not_null())
                .col(ColumnDef::new(BankException::Status).string().not_null())
                .col(ColumnDef::new(BankException::Resolution).string().null())
                .col(ColumnDef::new(BankException::Note).string().null())
                .col(ColumnDef::new(BankException::ResolvedBy).string().null())
                .col(ColumnDef::new(BankException::ResolvedAt).timestamp_with_time_zone().null())
                .col(ColumnDef::new(BankException::CreatedAt).timestamp_with_time_zone().not_null())
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(IntakeLog::Table)
                .col(id(IntakeLog::Id))
                .col(ColumnDef::new(IntakeLog::Provider).string().not_null())
                .col(ColumnDef::new(IntakeLog::ReceivedAt).timestamp_with_time_zone().not_null())
                .col(ColumnDef::new(IntakeLog::Status).integer().not_null())
                .col(ColumnDef::new(IntakeLog::Error).string().not_null())
                .col(ColumnDef::new(IntakeLog::BodyExcerpt).text().not_null())
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            IntakeLog::Table.into_iden(),
            BankException::Table.into_iden(),
            BankNotification::Table.into_iden(),
            DossierSequence::Table.into_iden(),
            ReceiptSequence::Table.into_iden(),
            Receipt::Table.into_iden(),
            PaymentEvent::Table.into_iden(),
            PaymentRequest::Table.into_iden(),
            FeeLine::Table.into_iden(),
            Dossier::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
