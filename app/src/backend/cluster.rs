//! Several servers on one PostgreSQL: each tells the others which screens its commands
//! changed, through LISTEN/NOTIFY (ids only), so a kiosk connected to one server follows
//! an officer working on another. SQLite has one server and needs none of this.
//!
//! The channel is named after the database schema, so that servers of different
//! installations (or test runs) sharing one database never hear each other.

use super::changes::{parse_relay, relay_payloads, Change, ChangeFeed, Coalesced};
use super::BackendError;
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, Statement};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// This server's place among the others on the same database.
#[derive(Clone, Debug)]
pub struct Cluster {
    /// Random per start: a server ignores its own notifications.
    pub instance: String,
    pub channel: String,
    /// Whether this server hears the others right now (its LISTEN connection is up): a
    /// server that cannot is not ready, since its kiosks would miss the others' changes.
    hearing: Arc<AtomicBool>,
}

impl Cluster {
    /// `None` on SQLite.
    pub async fn for_database(db: &DatabaseConnection) -> Result<Option<Cluster>, BackendError> {
        if db.get_database_backend() != DatabaseBackend::Postgres {
            return Ok(None);
        }
        let row = db.query_one_raw(Statement::from_string(DatabaseBackend::Postgres, "SELECT current_schema() AS s")).await?;
        let schema: String = row.and_then(|r| r.try_get::<String>("", "s").ok()).unwrap_or_else(|| "public".into());
        Ok(Some(Cluster::new(uuid::Uuid::new_v4().simple().to_string(), channel_for(&schema))))
    }

    fn new(instance: String, channel: String) -> Cluster {
        Cluster { instance, channel, hearing: Arc::new(AtomicBool::new(false)) }
    }

    /// Whether the others' changes reach this server now (see [`Cluster::listen`]).
    pub fn hears_others(&self) -> bool {
        self.hearing.load(Ordering::Relaxed)
    }

    /// Tells the other servers about a round of this server's own changes.
    pub async fn relay(&self, db: &DatabaseConnection, round: &Coalesced) -> Result<(), BackendError> {
        for payload in relay_payloads(&self.instance, round) {
            db.execute_raw(Statement::from_sql_and_values(
                DatabaseBackend::Postgres,
                "SELECT pg_notify($1, $2)",
                [self.channel.clone().into(), payload.into()],
            ))
            .await?;
        }
        Ok(())
    }

    /// Hears the other servers' changes and feeds them to this server's push task, for ever.
    /// Whenever the listening connection is re-established, every screen is rebuilt: what
    /// was said while it was down is lost, so the screens re-sync from the database. (At
    /// start there is nothing to catch up: a socket's first message is a whole snapshot.)
    pub async fn listen(self, db: DatabaseConnection, feed: ChangeFeed) {
        use sea_orm::sqlx::postgres::PgListener;
        let mut first = true;
        loop {
            let pool = db.get_postgres_connection_pool();
            let mut listener = match PgListener::connect_with(pool).await {
                Ok(l) => l,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot listen for other servers' changes; retrying");
                    tokio::time::sleep(Duration::from_secs(2)).await;
                    continue;
                }
            };
            if let Err(e) = listener.listen(&self.channel).await {
                tracing::warn!(error = %e, channel = %self.channel, "LISTEN failed; retrying");
                tokio::time::sleep(Duration::from_secs(2)).await;
                continue;
            }
            tracing::info!(channel = %self.channel, "listening for other servers' changes");
            self.hearing.store(true, Ordering::Relaxed);
            if !std::mem::take(&mut first) {
                feed.heard(Change::Everything);
            }
            loop {
                match listener.try_recv().await {
                    Ok(Some(n)) => self.hear(n.payload(), &feed),
                    Ok(None) => {
                        self.hearing.store(false, Ordering::Relaxed);
                        // Listen again on a fresh connection; once it is up, every screen
                        // re-syncs. A short pause first: a database that just dropped every
                        // connection is often restarting.
                        tracing::warn!("lost the connection that hears other servers; reconnecting");
                        tokio::time::sleep(Duration::from_millis(500)).await;
                        break;
                    }
                    Err(e) => {
                        self.hearing.store(false, Ordering::Relaxed);
                        tracing::warn!(error = %e, "listening for other servers failed; reconnecting");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                        break;
                    }
                }
            }
        }
    }

    fn hear(&self, payload: &str, feed: &ChangeFeed) {
        match parse_relay(payload) {
            Some((from, _)) if from == self.instance => {}
            Some((_, changes)) => changes.into_iter().for_each(|c| feed.heard(c)),
            None => {
                tracing::warn!(payload = %payload.chars().take(200).collect::<String>(), "a change notice that does not parse; re-syncing every screen");
                feed.heard(Change::Everything);
            }
        }
    }
}

/// A channel name PostgreSQL accepts unquoted (at most 63 bytes of `[a-z0-9_]`).
fn channel_for(schema: &str) -> String {
    let clean: String = schema.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' }).collect();
    let mut name = format!("wardpay_changes_{clean}");
    name.truncate(63);
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_channel_is_a_plain_identifier_per_schema() {
        assert_eq!(channel_for("public"), "wardpay_changes_public");
        assert_eq!(channel_for("T-1; DROP"), "wardpay_changes_t_1__drop");
        assert!(channel_for(&"x".repeat(100)).len() <= 63);
    }

    #[test]
    fn a_server_ignores_its_own_notices_and_resyncs_on_garbage() {
        let cluster = Cluster::new("me".into(), "c".into());
        let (feed, mut rx) = ChangeFeed::new();
        cluster.hear(&relay_payloads("me", &Coalesced { counters: vec![1], ..Default::default() })[0], &feed);
        assert!(rx.try_recv().is_err(), "its own notice changes nothing");
        cluster.hear(&relay_payloads("other", &Coalesced { counters: vec![4], ..Default::default() })[0], &feed);
        assert_eq!(rx.try_recv().map(|e| (e.change, e.local)).ok(), Some((Change::Counter(4), false)));
        cluster.hear("{garbage", &feed);
        assert_eq!(rx.try_recv().map(|e| e.change).ok(), Some(Change::Everything));
    }
}
