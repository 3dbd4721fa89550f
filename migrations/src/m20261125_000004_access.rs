//! Who may do what: staff accounts and their sessions, paired kiosk screens, the
//! hash-chained audit log (append-only, enforced by triggers) and closed days.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Account {
    Table,
    Id,
    Username,
    DisplayName,
    PasswordHash,
    Role,
    WardId,
    Active,
    CreatedAt,
    CreatedBy,
    PasswordChangedAt,
}
#[derive(DeriveIden)]
enum Session {
    Table,
    Id,
    AccountId,
    CreatedAt,
    ExpiresAt,
    LastSeenAt,
    Ip,
    UserAgent,
}
#[derive(DeriveIden)]
enum KioskDevice {
    Table,
    Id,
    WardId,
    CounterId,
    Label,
    TokenHash,
    PairedAt,
    PairedBy,
    RevokedAt,
    RevokedBy,
    LastSeenAt,
}
#[derive(DeriveIden)]
enum KioskPairing {
    Table,
    Id,
    Code,
    ClaimHash,
    CounterId,
    CreatedAt,
    ExpiresAt,
}
#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Seq,
    At,
    Actor,
    WardId,
    Action,
    Subject,
    Detail,
    PrevHash,
    Hash,
}
#[derive(DeriveIden)]
enum AuditHead {
    Table,
    Id,
    Seq,
    Hash,
}
#[derive(DeriveIden)]
enum DayClose {
    Table,
    Id,
    WardId,
    Day,
    ClosedAt,
    ClosedBy,
    Paid,
    PaidAmount,
    Summary,
}
#[derive(DeriveIden)]
enum Ward {
    Table,
    Id,
}
#[derive(DeriveIden)]
enum Counter {
    Table,
    Id,
}

fn id<T: IntoIden>(c: T) -> ColumnDef {
    ColumnDef::new(c).big_integer().not_null().auto_increment().primary_key().to_owned()
}

/// The hash every chain starts from (64 hex zeros).
const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Account::Table)
                .col(id(Account::Id))
                .col(ColumnDef::new(Account::Username).string().not_null().unique_key())
                .col(ColumnDef::new(Account::DisplayName).string().not_null())
                // argon2id in PHC string form: algorithm, parameters and salt travel with the hash.
                .col(ColumnDef::new(Account::PasswordHash).string().not_null())
                .col(ColumnDef::new(Account::Role).string().not_null())
                // NULL only for an admin of every ward (the first one, made by `wardpay admin create`).
                .col(ColumnDef::new(Account::WardId).big_integer().null())
                .col(ColumnDef::new(Account::Active).boolean().not_null())
                .col(ColumnDef::new(Account::CreatedAt).timestamp_with_time_zone().not_null())
                .col(ColumnDef::new(Account::CreatedBy).string().not_null())
                .col(ColumnDef::new(Account::PasswordChangedAt).timestamp_with_time_zone().not_null())
                .foreign_key(ForeignKey::create().from(Account::Table, Account::WardId).to(Ward::Table, Ward::Id))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Session::Table)
                // SHA-256 of the cookie's token: a copy of this table opens no session.
                .col(ColumnDef::new(Session::Id).string().not_null().primary_key())
                .col(ColumnDef::new(Session::AccountId).big_integer().not_null())
                .col(ColumnDef::new(Session::CreatedAt).timestamp_with_time_zone().not_null())
                .col(ColumnDef::new(Session::ExpiresAt).timestamp_with_time_zone().not_null())
                .col(ColumnDef::new(Session::LastSeenAt).timestamp_with_time_zone().not_null())
                .col(ColumnDef::new(Session::Ip).string().null())
                .col(ColumnDef::new(Session::UserAgent).string().null())
                .foreign_key(ForeignKey::create().from(Session::Table, Session::AccountId).to(Account::Table, Account::Id))
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("ix_session_account").table(Session::Table).col(Session::AccountId).to_owned()).await?;
        m.create_table(
            Table::create()
                .table(KioskDevice::Table)
                .col(id(KioskDevice::Id))
                .col(ColumnDef::new(KioskDevice::WardId).big_integer().not_null())
                .col(ColumnDef::new(KioskDevice::CounterId).big_integer().not_null())
                .col(ColumnDef::new(KioskDevice::Label).string().not_null())
                .col(ColumnDef::new(KioskDevice::TokenHash).string().not_null().unique_key())
                .col(ColumnDef::new(KioskDevice::PairedAt).timestamp_with_time_zone().not_null())
                .col(ColumnDef::new(KioskDevice::PairedBy).string().not_null())
                .col(ColumnDef::new(KioskDevice::RevokedAt).timestamp_with_time_zone().null())
                .col(ColumnDef::new(KioskDevice::RevokedBy).string().null())
                .col(ColumnDef::new(KioskDevice::LastSeenAt).timestamp_with_time_zone().null())
                .foreign_key(ForeignKey::create().from(KioskDevice::Table, KioskDevice::CounterId).to(Counter::Table, Counter::Id))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(KioskPairing::Table)
                .col(id(KioskPairing::Id))
                .col(ColumnDef::new(KioskPairing::Code).string().not_null().unique_key())
                // SHA-256 of the secret in the waiting kiosk's cookie; it becomes the device token.
                .col(ColumnDef::new(KioskPairing::ClaimHash).string().not_null().unique_key())
                .col(ColumnDef::new(KioskPairing::CounterId).big_integer().not_null())
                .col(ColumnDef::new(KioskPairing::CreatedAt).timestamp_with_time_zone().not_null())
                .col(ColumnDef::new(KioskPairing::ExpiresAt).timestamp_with_time_zone().not_null())
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(AuditLog::Table)
                // Gapless, assigned from audit_head under its row lock: a missing number is a deleted entry.
                .col(ColumnDef::new(AuditLog::Seq).big_integer().not_null().primary_key())
                .col(ColumnDef::new(AuditLog::At).timestamp_with_time_zone().not_null())
                .col(ColumnDef::new(AuditLog::Actor).string().not_null())
                .col(ColumnDef::new(AuditLog::WardId).big_integer().null())
                .col(ColumnDef::new(AuditLog::Action).string().not_null())
                .col(ColumnDef::new(AuditLog::Subject).string().not_null())
                .col(ColumnDef::new(AuditLog::Detail).text().not_null())
                .col(ColumnDef::new(AuditLog::PrevHash).string().not_null())
                .col(ColumnDef::new(AuditLog::Hash).string().not_null())
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create().name("ix_audit_ward_seq").table(AuditLog::Table).col(AuditLog::WardId).col(AuditLog::Seq).to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(AuditHead::Table)
                .col(ColumnDef::new(AuditHead::Id).integer().not_null().primary_key())
                .col(ColumnDef::new(AuditHead::Seq).big_integer().not_null())
                .col(ColumnDef::new(AuditHead::Hash).string().not_null())
                .to_owned(),
        )
        .await?;
        m.exec_stmt(
            Query::insert()
                .into_table(AuditHead::Table)
                .columns([AuditHead::Id, AuditHead::Seq, AuditHead::Hash])
                .values_panic([1.into(), 0i64.into(), GENESIS.into()])
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(DayClose::Table)
                .col(id(DayClose::Id))
                .col(ColumnDef::new(DayClose::WardId).big_integer().not_null())
                // The Vietnam calendar day, YYYY-MM-DD.
                .col(ColumnDef::new(DayClose::Day).string().not_null())
                .col(ColumnDef::new(DayClose::ClosedAt).timestamp_with_time_zone().not_null())
                .col(ColumnDef::new(DayClose::ClosedBy).string().not_null())
                .col(ColumnDef::new(DayClose::Paid).big_integer().not_null())
                .col(ColumnDef::new(DayClose::PaidAmount).big_integer().not_null())
                .col(ColumnDef::new(DayClose::Summary).text().not_null())
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create().name("ux_day_close").table(DayClose::Table).col(DayClose::WardId).col(DayClose::Day).unique().to_owned(),
        )
        .await?;
        // Indexes the supervisor's queues were missing.
        m.get_connection()
            .execute_unprepared("CREATE INDEX IF NOT EXISTS ix_bank_exception_status_ward ON bank_exception (status, ward_id)")
            .await?;
        // The log refuses changes in the database itself, whoever connects; `wardpay audit
        // verify` still catches an edit made by someone who drops the triggers first.
        let db = m.get_connection();
        match db.get_database_backend() {
            DbBackend::Postgres => {
                db.execute_unprepared(
                    "CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ \
                     BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$",
                )
                .await?;
                db.execute_unprepared(
                    "CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log \
                     FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
                )
                .await?;
                db.execute_unprepared(
                    "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log \
                     FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()",
                )
                .await?;
            }
            _ => {
                db.execute_unprepared(
                    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log \
                     BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
                )
                .await?;
                db.execute_unprepared(
                    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log \
                     BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
                )
                .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        if db.get_database_backend() == DbBackend::Postgres {
            db.execute_unprepared("DROP TRIGGER IF EXISTS audit_log_no_change ON audit_log").await?;
            db.execute_unprepared("DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log").await?;
            db.execute_unprepared("DROP FUNCTION IF EXISTS audit_log_append_only()").await?;
        }
        db.execute_unprepared("DROP INDEX IF EXISTS ix_bank_exception_status_ward").await?;
        for t in [
            DayClose::Table.into_iden(),
            AuditHead::Table.into_iden(),
            AuditLog::Table.into_iden(),
            KioskPairing::Table.into_iden(),
            KioskDevice::Table.into_iden(),
            Session::Table.into_iden(),
            Account::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
