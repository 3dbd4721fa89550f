//! Opening the database: SQLite (embedded default) or PostgreSQL, chosen by the URL.

use migrations::MigratorTrait;
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, Statement};
use std::time::Duration;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum DbOpenError {
    #[error("DATABASE_URL must start with sqlite: or postgres:// (got {0:?})")]
    UnsupportedScheme(String),
    #[error("cannot open database {url}: {source}")]
    Connect { url: String, source: sea_orm::DbErr },
    #[error("migrations failed: {0}")]
    Migrate(sea_orm::DbErr),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

pub fn engine_of(url: &str) -> Result<Engine, DbOpenError> {
    if url.starts_with("sqlite:") {
        Ok(Engine::Sqlite)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Engine::Postgres)
    } else {
        Err(DbOpenError::UnsupportedScheme(redact(url)))
    }
}

/// The URL without its password, for messages and logs.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let userinfo = &url[s + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// Connects, sets the per-engine durability options and (optionally) a schema search path.
pub async fn connect(url: &str, schema: Option<&str>) -> Result<DatabaseConnection, DbOpenError> {
    let engine = engine_of(url)?;
    let mut opts = ConnectOptions::new(url.to_string());
    opts.sqlx_logging(false).connect_timeout(Duration::from_secs(5)).acquire_timeout(Duration::from_secs(10));
    match engine {
        Engine::Sqlite => {
            // SQLite has one writer at a time; a small pool avoids lock convoys while still
            // letting readers run beside the writer in WAL mode.
            opts.max_connections(8).min_connections(1);
            opts.map_sqlx_sqlite_opts(|o| {
                o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                    .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Full)
                    .busy_timeout(Duration::from_secs(10))
                    .foreign_keys(true)
                    .create_if_missing(true)
            });
        }
        Engine::Postgres => {
            opts.max_connections(20).min_connections(1);
            if let Some(schema) = schema {
                opts.set_schema_search_path(schema.to_string());
            }
        }
    }
    let db = Database::connect(opts).await.map_err(|source| DbOpenError::Connect { url: redact(url), source })?;
    // Prove the connection really works now rather than at the first request.
    db.execute_raw(Statement::from_string(db.get_database_backend(), "SELECT 1"))
        .await
        .map_err(|source| DbOpenError::Connect { url: redact(url), source })?;
    Ok(db)
}

/// Where the database's schema stands against this binary's migrations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SchemaState {
    /// Migrations this binary knows that the database has not had yet.
    pub pending: Vec<String>,
    /// Migrations the database has had that this binary does not know: a newer version
    /// migrated it (a rolling upgrade under way).
    pub newer: Vec<String>,
}

impl SchemaState {
    /// Everything this binary relies on is there (newer additions do not matter to it).
    pub fn usable(&self) -> bool {
        self.pending.is_empty()
    }
}

/// Reads the migration table directly: sea-orm's own check refuses a database that has
/// migrations this binary does not know, which is exactly the state of a rolling upgrade.
pub async fn schema_state(db: &DatabaseConnection) -> Result<SchemaState, sea_orm::DbErr> {
    let applied: Vec<String> =
        match db.query_all_raw(Statement::from_string(db.get_database_backend(), "SELECT version FROM seaql_migrations")).await {
            Ok(rows) => rows.iter().filter_map(|r| r.try_get::<String>("", "version").ok()).collect(),
            // No table yet: a fresh database.
            Err(_) => Vec::new(),
        };
    let known: Vec<String> = migrations::Migrator::migrations().iter().map(|m| m.name().to_string()).collect();
    Ok(SchemaState {
        pending: known.iter().filter(|k| !applied.contains(k)).cloned().collect(),
        newer: applied.iter().filter(|a| !known.contains(a)).cloned().collect(),
    })
}

/// Applies this binary's pending migrations. A database that a newer version has already
/// migrated further is left as it is, as long as it has everything this binary needs: during
/// a rolling upgrade the old instances keep serving (migrations only ever add). When two new
/// instances start at once, the one that loses the race finds the work done and goes on.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbOpenError> {
    let state = schema_state(db).await.map_err(DbOpenError::Migrate)?;
    if !state.newer.is_empty() {
        if state.usable() {
            tracing::warn!(newer = ?state.newer, "the database was migrated by a newer version; serving with the schema as it is");
            return Ok(());
        }
        return Err(DbOpenError::Migrate(sea_orm::DbErr::Custom(format!(
            "the database has migrations this version does not know ({}) and lacks some it needs ({}): not starting",
            state.newer.join(", "),
            state.pending.join(", ")
        ))));
    }
    if state.pending.is_empty() {
        return Ok(());
    }
    match run_migrations(db).await {
        Ok(()) => Ok(()),
        Err(e) => match schema_state(db).await {
            Ok(after) if after.usable() => {
                tracing::info!(error = %e, "another server applied the migrations at the same moment");
                Ok(())
            }
            _ => Err(e),
        },
    }
}

async fn run_migrations(db: &DatabaseConnection) -> Result<(), DbOpenError> {
    if db.get_database_backend() == sea_orm::DatabaseBackend::Sqlite {
        // One connection for the whole migration: SQLite connections of a pool can hold an
        // older snapshot of the schema, so a table rebuilt on one (a rename, a dropped index)
        // can still be seen on the next one and refuse the step after.
        let options = (*db.get_sqlite_connection_pool().connect_options()).clone();
        let pool = sea_orm::sqlx::sqlite::SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await
            .map_err(|e| DbOpenError::Migrate(sea_orm::DbErr::Conn(sea_orm::RuntimeErr::SqlxError(e.into()))))?;
        let single = sea_orm::SqlxSqliteConnector::from_sqlx_sqlite_pool(pool);
        let done = migrations::Migrator::up(&single, None).await.map_err(DbOpenError::Migrate);
        let _ = single.close().await;
        return done;
    }
    migrations::Migrator::up(db, None).await.map_err(DbOpenError::Migrate)
}

/// True when every migration the binary knows has been applied (newer ones may be too).
pub async fn migrations_applied(db: &DatabaseConnection) -> Result<bool, sea_orm::DbErr> {
    Ok(schema_state(db).await?.usable())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(redact("postgres://u:secret@h:5432/db"), "postgres://u:***@h:5432/db");
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redact("sqlite://x.db"), "sqlite://x.db");
    }

    #[test]
    fn only_known_engines() {
        assert_eq!(engine_of("sqlite://a.db?mode=rwc").ok(), Some(Engine::Sqlite));
        assert_eq!(engine_of("postgresql://x/y").ok(), Some(Engine::Postgres));
        assert!(matches!(engine_of("mysql://x"), Err(DbOpenError::UnsupportedScheme(_))));
    }
}
