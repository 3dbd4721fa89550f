//! Sign-in attempts counted in the database, so that every server on one PostgreSQL throttles
//! the same name and address together (a guesser gains nothing by spreading tries over the
//! instances behind the load balancer).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum LoginAttempt {
    Table,
    Id,
    Key,
    At,
    Settled,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(LoginAttempt::Table)
                .col(ColumnDef::new(LoginAttempt::Id).big_integer().not_null().auto_increment().primary_key())
                // `pair:name|address`, `ip:address`, `user:name` or `dev:browser|name`.
                .col(ColumnDef::new(LoginAttempt::Key).string().not_null())
                .col(ColumnDef::new(LoginAttempt::At).timestamp_with_time_zone().not_null())
                // false while the password is being checked; true once it was wrong.
                .col(ColumnDef::new(LoginAttempt::Settled).boolean().not_null())
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_login_attempt_key_at")
                .table(LoginAttempt::Table)
                .col(LoginAttempt::Key)
                .col(LoginAttempt::At)
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("ix_login_attempt_at").table(LoginAttempt::Table).col(LoginAttempt::At).to_owned()).await
    }
}
