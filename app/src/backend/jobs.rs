//! One worker per background job across servers sharing a PostgreSQL: a round of a job
//! (an expiry sweep, a provider poll) runs only on the server that takes the job's
//! transaction-scoped advisory lock; the others skip that round. The lock goes with the
//! transaction, so a server that dies mid-round frees it at once. SQLite has one server.

use super::BackendError;
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, Statement, TransactionTrait};
use std::future::Future;

/// A background job that must not run twice at once across servers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Job {
    /// Expiring codes whose time is up.
    ExpirySweep,
    /// Reading one provider's transaction API (named by `bankfeed::Provider::as_str`).
    Poll(&'static str),
}

impl Job {
    /// The advisory lock's key: stable across versions and servers.
    pub fn key(self) -> i64 {
        // A fixed namespace in the high bits keeps clear of keys other software may use.
        const NAMESPACE: i64 = 0x5750_0000_0000; // "WP"
        match self {
            Job::ExpirySweep => NAMESPACE | 1,
            Job::Poll(provider) => {
                NAMESPACE | 0x100 | i64::from(provider.bytes().fold(0u16, |h, b| h.wrapping_mul(31).wrapping_add(u16::from(b))))
            }
        }
    }
}

/// Runs `work` as this round of `job` if no other server is running it; `None` when one is.
pub async fn run_alone<T>(db: &DatabaseConnection, job: Job, work: impl Future<Output = T>) -> Result<Option<T>, BackendError> {
    if db.get_database_backend() != DatabaseBackend::Postgres {
        return Ok(Some(work.await));
    }
    let txn = db.begin().await?;
    let row = txn
        .query_one_raw(Statement::from_sql_and_values(
            DatabaseBackend::Postgres,
            "SELECT pg_try_advisory_xact_lock($1) AS got",
            [job.key().into()],
        ))
        .await?;
    let got = row.and_then(|r| r.try_get::<bool>("", "got").ok()).unwrap_or(false);
    if !got {
        txn.rollback().await?;
        return Ok(None);
    }
    let out = work.await;
    txn.commit().await?;
    Ok(Some(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_job_has_its_own_key() {
        let keys = [Job::ExpirySweep.key(), Job::Poll("sepay").key(), Job::Poll("casso").key(), Job::Poll("payos").key()];
        for (i, a) in keys.iter().enumerate() {
            for b in &keys[i + 1..] {
                assert_ne!(a, b);
            }
        }
    }
}
