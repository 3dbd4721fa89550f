//! Test harness: a fresh database per test on SQLite and on PostgreSQL, and a real server on
//! a free port.
//!
//! PostgreSQL tests run when `TEST_DATABASE_URL` is set; each gets its own schema so that
//! runs never collide. With `WARDPAY_REQUIRE_POSTGRES=1` (set by `make test`) a missing URL
//! fails the test instead of skipping it.

#![allow(dead_code)]

use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use server::config::ServeArgs;
use server::Server;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

pub struct TestDb {
    pub db: DatabaseConnection,
    pub url: String,
    pub schema: Option<String>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    /// A connection to the same database (another pool), e.g. for a second server.
    pub async fn reconnect(&self) -> DatabaseConnection {
        app::backend::db::connect(&self.url, self.schema.as_deref()).await.expect("reconnect")
    }
}

pub fn postgres_url() -> Option<String> {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            if std::env::var("WARDPAY_REQUIRE_POSTGRES").is_ok_and(|v| v == "1") {
                panic!("WARDPAY_REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is not set");
            }
            None
        }
    }
}

/// `None` when the engine is not available in this run (PostgreSQL without a URL).
pub async fn fresh_db(engine: Engine) -> Option<TestDb> {
    match engine {
        Engine::Sqlite => {
            let dir = tempfile::tempdir().expect("tempdir");
            let url = format!("sqlite://{}", dir.path().join("test.sqlite").display());
            let db = app::backend::db::connect(&url, None).await.expect("sqlite connect");
            app::backend::db::migrate(&db).await.expect("migrate");
            Some(TestDb { db, url, schema: None, _dir: Some(dir) })
        }
        Engine::Postgres => {
            let url = postgres_url()?;
            let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
            let admin = app::backend::db::connect(&url, None).await.expect("postgres connect");
            admin
                .execute_raw(Statement::from_string(admin.get_database_backend(), format!("CREATE SCHEMA {schema}")))
                .await
                .expect("create schema");
            admin.close().await.ok();
            let db = app::backend::db::connect(&url, Some(&schema)).await.expect("postgres schema connect");
            app::backend::db::migrate(&db).await.expect("migrate");
            Some(TestDb { db, url, schema: Some(schema), _dir: None })
        }
    }
}

/// Drops a PostgreSQL test schema (SQLite's temp dir goes by itself).
pub async fn cleanup(t: TestDb) {
    if let Some(schema) = &t.schema {
        let admin = app::backend::db::connect(&t.url, None).await.expect("postgres connect");
        let _ = admin
            .execute_raw(Statement::from_string(admin.get_database_backend(), format!("DROP SCHEMA {schema} CASCADE")))
            .await;
    }
}

pub fn serve_args() -> ServeArgs {
    ServeArgs { bind: "127.0.0.1:0".parse().expect("addr"), demo: true, ..ServeArgs::default() }
}

pub async fn start_server(db: DatabaseConnection) -> Server {
    server::start_with_db(db, &serve_args()).await.expect("server starts")
}

pub fn http() -> reqwest::Client {
    reqwest::Client::builder().build().expect("client")
}

/// Defines each listed `async fn name(engine: Engine)` as two tests: `sqlite::name` and `postgres::name`.
#[macro_export]
macro_rules! db_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(super::common::Engine::Sqlite).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if super::common::postgres_url().is_none() {
                        eprintln!("skipped: TEST_DATABASE_URL not set");
                        return;
                    }
                    super::$name(super::common::Engine::Postgres).await;
                }
            )*
        }
    };
}
