//! `wardpay backup`: a consistent copy of a SQLite database while the server keeps serving.
//!
//! SQLite's `VACUUM INTO` writes the database as one read transaction sees it, so a copy
//! taken in the middle of the day holds every committed payment up to that instant and no
//! half of one; the server's writes wait for nothing. The copy is written beside the target
//! and renamed into place only once it is complete and passes SQLite's integrity check, so a
//! backup interrupted half-way never leaves a file that looks like a backup.
//!
//! PostgreSQL is backed up with its own tool, `pg_dump` (see `deploy/README.md`): a
//! consistent snapshot of a live database is what it does.

use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, Statement};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("`wardpay backup` copies SQLite databases; for PostgreSQL use pg_dump (deploy/README.md, \"Backups\")")]
    NotSqlite,
    #[error("{0} exists already: choose a new file name (a backup never overwrites one)")]
    Exists(PathBuf),
    #[error("the backup's folder {0} does not exist")]
    NoFolder(PathBuf),
    #[error("the copy failed its integrity check: {0}")]
    Corrupt(String),
    #[error("database: {0}")]
    Db(#[from] sea_orm::DbErr),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// What a finished backup holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupDone {
    pub path: PathBuf,
    pub bytes: u64,
}

/// Copies the open SQLite database `db` to `target` (a new file).
pub async fn sqlite_backup(db: &DatabaseConnection, target: &Path) -> Result<BackupDone, BackupError> {
    if db.get_database_backend() != DatabaseBackend::Sqlite {
        return Err(BackupError::NotSqlite);
    }
    if target.exists() {
        return Err(BackupError::Exists(target.to_path_buf()));
    }
    let folder = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !folder.is_dir() {
        return Err(BackupError::NoFolder(folder));
    }
    let partial = target.with_extension(format!("partial-{}", std::process::id()));
    let _ = std::fs::remove_file(&partial);
    let result = copy_and_check(db, &partial).await;
    if let Err(e) = result {
        let _ = std::fs::remove_file(&partial);
        return Err(e);
    }
    std::fs::File::open(&partial)?.sync_all()?;
    std::fs::rename(&partial, target)?;
    // The rename itself survives a power cut only once the folder is synced.
    if let Ok(dir) = std::fs::File::open(&folder) {
        let _ = dir.sync_all();
    }
    Ok(BackupDone { path: target.to_path_buf(), bytes: std::fs::metadata(target)?.len() })
}

async fn copy_and_check(db: &DatabaseConnection, partial: &Path) -> Result<(), BackupError> {
    let path = partial.to_string_lossy().into_owned();
    db.execute_raw(Statement::from_sql_and_values(DatabaseBackend::Sqlite, "VACUUM INTO ?", [path.clone().into()])).await?;
    // One connection of its own: the journal mode can only change when no one else has it open.
    let mut opts = sea_orm::ConnectOptions::new(format!("sqlite://{path}"));
    opts.max_connections(1).min_connections(1).sqlx_logging(false);
    let copy = sea_orm::Database::connect(opts).await?;
    let row = copy.query_one_raw(Statement::from_string(DatabaseBackend::Sqlite, "PRAGMA integrity_check")).await?;
    let verdict: String = row.and_then(|r| r.try_get_by_index::<String>(0).ok()).unwrap_or_default();
    // The copy must not keep a write-ahead log beside it: one self-contained file.
    let _ = copy.execute_raw(Statement::from_string(DatabaseBackend::Sqlite, "PRAGMA journal_mode=DELETE")).await;
    copy.close().await?;
    if verdict != "ok" {
        return Err(BackupError::Corrupt(verdict));
    }
    Ok(())
}
