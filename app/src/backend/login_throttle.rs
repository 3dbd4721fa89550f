//! Sign-in throttling, counted in the database so that every server on one PostgreSQL sees
//! the same counts: spreading guesses over the instances behind a load balancer gains nothing.
//!
//! An attempt is written as a row *before* its password is checked (`settled` false), so a
//! burst of parallel tries, to one server or to several, gets no more guesses than a sequence
//! would. A wrong password settles the row as a failure; the right one deletes it. A row left
//! unsettled by a server that died mid-check stops counting after [`UNSETTLED_FOR`].

use super::entity::login_attempt;
use super::BackendError;
use chrono::{DateTime, Duration, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect, Set};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration as StdDuration;

/// An attempt still unsettled after this long belongs to a server that stopped mid-check.
const UNSETTLED_FOR: Duration = Duration::seconds(60);
/// The first wait after a key reaches its limit; it doubles with every further failure.
const BACKOFF_BASE: StdDuration = StdDuration::from_secs(30);

/// How many failures each kind of key may have in the window.
///
/// - per **name and address** (`pair:`): five failures, then one try after a wait that
///   doubles with each further failure (30 s, 1 min, 2 min… at most the window);
/// - per **address** (`ip:`, 100) and per **name** from any address (`user:`, 50), with the
///   same backoff, against sprays across names or from many addresses;
/// - a browser the account signed in from before (its `wp_device` cookie) is counted on its
///   own (`dev:`) and never by the address or name-wide counts: a stranger's failures, or a
///   colleague's behind the same NAT, never lock the owner out of their own PC.
#[derive(Clone, Copy, Debug)]
pub struct ThrottleRules {
    pub window: StdDuration,
    pub per_pair: usize,
    pub per_ip: usize,
    pub per_user: usize,
}

impl Default for ThrottleRules {
    fn default() -> Self {
        ThrottleRules { window: StdDuration::from_secs(15 * 60), per_pair: 5, per_ip: 100, per_user: 50 }
    }
}

/// What the database knows about one key within the window.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KeyCount {
    pub failures: usize,
    pub last_failure: Option<DateTime<Utc>>,
    /// Other attempts under way.
    pub flying: usize,
}

impl ThrottleRules {
    fn limit(&self, key: &str) -> usize {
        if key.starts_with("ip:") {
            self.per_ip
        } else if key.starts_with("user:") {
            self.per_user
        } else {
            self.per_pair
        }
    }

    fn window(&self) -> Duration {
        Duration::from_std(self.window).unwrap_or(Duration::minutes(15))
    }

    /// Seconds `key` must still wait, given its count, or `None` to let the attempt run.
    pub fn wait(&self, key: &str, count: KeyCount, now: DateTime<Utc>) -> Option<u64> {
        let limit = self.limit(key);
        let n = count.failures;
        if n + count.flying < limit {
            return None;
        }
        if n < limit || count.flying > 0 {
            // Parallel tries past the limit: they wait for the ones under way.
            return Some(1);
        }
        let doublings = u32::try_from(n - limit).unwrap_or(u32::MAX).min(16);
        let backoff = BACKOFF_BASE.saturating_mul(1 << doublings).min(self.window);
        let until = count.last_failure.unwrap_or(now) + Duration::from_std(backoff).unwrap_or(Duration::minutes(15));
        // Whole seconds, rounded up: a client that waits what it is told is let in.
        (until > now).then(|| {
            let left = (until - now).num_milliseconds();
            u64::try_from((left + 999) / 1000).unwrap_or(1).max(1)
        })
    }
}

/// The keys an attempt counts under (see [`ThrottleRules`]).
pub fn login_keys(username: &str, ip: Option<&str>, known_device: Option<&str>) -> Vec<String> {
    let ip = ip.unwrap_or("-");
    match known_device {
        Some(device) => vec![format!("dev:{device}|{username}")],
        None => vec![format!("pair:{username}|{ip}"), format!("ip:{ip}"), format!("user:{username}")],
    }
}

/// The throttle of one server: rules and counts in the database, plus what stays local on
/// purpose (how many argon2 checks this process runs at once, and how often it writes a
/// refusal to the audit log).
pub struct LoginThrottle {
    pub rules: ThrottleRules,
    /// When each key set's throttling was last reported to the audit log, by this server.
    reported: Mutex<HashMap<String, DateTime<Utc>>>,
    /// Password checks running at once in this process (argon2id takes ~19 MiB each).
    pub hashing: tokio::sync::Semaphore,
}

impl Default for LoginThrottle {
    fn default() -> Self {
        LoginThrottle::new(ThrottleRules::default())
    }
}

/// One sign-in attempt under way. Settle it with [`Attempt::failed`] or
/// [`Attempt::succeeded`]; dropped unsettled (an error on the way), its rows are removed.
pub struct Attempt {
    db: DatabaseConnection,
    ids: Vec<i64>,
    keys: Vec<String>,
    settled: bool,
}

impl LoginThrottle {
    pub fn new(rules: ThrottleRules) -> Self {
        LoginThrottle { rules, reported: Mutex::new(HashMap::new()), hashing: tokio::sync::Semaphore::new(4) }
    }

    /// Starts an attempt under `keys`, or says how many seconds to wait.
    pub async fn begin(&self, db: &DatabaseConnection, keys: &[String]) -> Result<Result<Attempt, u64>, BackendError> {
        let now = Utc::now();
        // Written first and counted after, so that two servers racing on one key both see
        // each other (at worst both wait a second), never neither.
        let mut attempt = Attempt { db: db.clone(), ids: Vec::with_capacity(keys.len()), keys: keys.to_vec(), settled: false };
        for key in keys {
            let row = login_attempt::ActiveModel { key: Set(key.clone()), at: Set(now), settled: Set(false), ..Default::default() };
            attempt.ids.push(login_attempt::Entity::insert(row).exec(db).await?.last_insert_id);
        }
        let counts = self.counts(db, keys, &attempt.ids, now).await?;
        let wait = keys.iter().filter_map(|k| self.rules.wait(k, counts.get(k).copied().unwrap_or_default(), now)).max();
        match wait {
            Some(w) => {
                attempt.forget().await?;
                Ok(Err(w))
            }
            None => Ok(Ok(attempt)),
        }
    }

    /// Seconds to wait, if any of `keys` is throttled now (no attempt is started).
    pub async fn blocked(&self, db: &DatabaseConnection, keys: &[String]) -> Result<Option<u64>, BackendError> {
        let now = Utc::now();
        let counts = self.counts(db, keys, &[], now).await?;
        Ok(keys.iter().filter_map(|k| self.rules.wait(k, counts.get(k).copied().unwrap_or_default(), now)).max())
    }

    async fn counts(
        &self,
        db: &DatabaseConnection,
        keys: &[String],
        own: &[i64],
        now: DateTime<Utc>,
    ) -> Result<HashMap<String, KeyCount>, BackendError> {
        let since = now - self.rules.window();
        let rows: Vec<(i64, String, DateTime<Utc>, bool)> = login_attempt::Entity::find()
            .select_only()
            .columns([login_attempt::Column::Id, login_attempt::Column::Key, login_attempt::Column::At, login_attempt::Column::Settled])
            .filter(login_attempt::Column::Key.is_in(keys.iter().cloned()))
            .filter(login_attempt::Column::At.gt(since))
            .into_tuple()
            .all(db)
            .await?;
        let mut counts: HashMap<String, KeyCount> = HashMap::new();
        for (id, key, at, settled) in rows {
            let c = counts.entry(key).or_default();
            if settled {
                c.failures += 1;
                c.last_failure = c.last_failure.max(Some(at));
            } else if !own.contains(&id) && at > now - UNSETTLED_FOR {
                c.flying += 1;
            }
        }
        Ok(counts)
    }

    /// Whether a refusal for `keys` should go to the audit log: once a minute per key set
    /// and server, so a flood of refused tries is seen without writing a row for each.
    pub fn should_report(&self, keys: &[String]) -> bool {
        let now = Utc::now();
        let key = keys.join(" ");
        let mut map = self.reported.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() > 10_000 {
            map.retain(|_, t| now - *t < Duration::seconds(60));
        }
        match map.get(&key) {
            Some(t) if now - *t < Duration::seconds(60) => false,
            _ => {
                map.insert(key, now);
                true
            }
        }
    }
}

impl Attempt {
    /// The password was wrong: the attempt counts as a failure from now. Failures older than
    /// the window are deleted on the way (the table holds one window of failures).
    pub async fn failed(mut self, rules: &ThrottleRules) -> Result<(), BackendError> {
        let now = Utc::now();
        login_attempt::Entity::update_many()
            .col_expr(login_attempt::Column::Settled, sea_orm::sea_query::Expr::value(true))
            .col_expr(login_attempt::Column::At, sea_orm::sea_query::Expr::value(now))
            .filter(login_attempt::Column::Id.is_in(self.ids.clone()))
            .exec(&self.db)
            .await?;
        self.settled = true;
        login_attempt::Entity::delete_many().filter(login_attempt::Column::At.lt(now - rules.window())).exec(&self.db).await?;
        Ok(())
    }

    /// The right password: the name's own counts (with this address or browser) start over;
    /// the address- and name-wide counts stay, they are about other people's tries.
    pub async fn succeeded(mut self) -> Result<(), BackendError> {
        let own: Vec<String> = self.keys.iter().filter(|k| k.starts_with("pair:") || k.starts_with("dev:")).cloned().collect();
        login_attempt::Entity::delete_many().filter(login_attempt::Column::Key.is_in(own)).exec(&self.db).await?;
        self.forget().await
    }

    async fn forget(&mut self) -> Result<(), BackendError> {
        login_attempt::Entity::delete_many().filter(login_attempt::Column::Id.is_in(self.ids.clone())).exec(&self.db).await?;
        self.settled = true;
        Ok(())
    }
}

impl Drop for Attempt {
    fn drop(&mut self) {
        if self.settled || self.ids.is_empty() {
            return;
        }
        // Left by an error: its rows would hold the key for a minute (see UNSETTLED_FOR).
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            let db = self.db.clone();
            let ids = std::mem::take(&mut self.ids);
            rt.spawn(async move {
                let _ = login_attempt::Entity::delete_many().filter(login_attempt::Column::Id.is_in(ids)).exec(&db).await;
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::<Utc>::from_timestamp(1_800_000_000 + secs, 0).unwrap_or_default()
    }

    fn failures(n: usize, last: i64) -> KeyCount {
        KeyCount { failures: n, last_failure: Some(at(last)), flying: 0 }
    }

    #[test]
    fn five_failures_of_a_name_at_one_address_make_it_wait_thirty_seconds() {
        let r = ThrottleRules::default();
        let k = &login_keys("a", Some("1"), None)[0];
        assert_eq!(r.wait(k, failures(4, 0), at(0)), None);
        assert_eq!(r.wait(k, failures(5, 0), at(0)), Some(30));
        assert_eq!(r.wait(k, failures(5, 0), at(29)), Some(1));
        assert_eq!(r.wait(k, failures(5, 0), at(30)), None, "after the wait, one more try");
    }

    #[test]
    fn the_wait_doubles_with_each_further_failure_up_to_the_window() {
        let r = ThrottleRules::default();
        let k = &login_keys("a", Some("1"), None)[0];
        assert_eq!(r.wait(k, failures(6, 0), at(0)), Some(60));
        assert_eq!(r.wait(k, failures(7, 0), at(0)), Some(120));
        assert_eq!(r.wait(k, failures(30, 0), at(0)), Some(15 * 60), "never more than the window");
    }

    #[test]
    fn address_and_name_wide_keys_allow_an_office_behind_one_address() {
        let r = ThrottleRules::default();
        let keys = login_keys("canbo", Some("10.0.0.1"), None);
        assert_eq!(r.wait(&keys[1], failures(20, 0), at(0)), None, "twenty failures behind one address lock no one");
        assert!(r.wait(&keys[1], failures(100, 0), at(0)).is_some(), "a hundred slow the address down");
        assert_eq!(r.wait(&keys[2], failures(49, 0), at(0)), None);
        assert!(r.wait(&keys[2], failures(50, 0), at(0)).is_some(), "fifty on one name from anywhere slow the name");
        assert_eq!(
            login_keys("canbo", Some("10.0.0.1"), Some("dev1")),
            vec!["dev:dev1|canbo".to_string()],
            "a known browser has its own count only"
        );
    }

    #[test]
    fn parallel_tries_past_the_limit_wait_for_the_ones_under_way() {
        let r = ThrottleRules { per_pair: 2, ..ThrottleRules::default() };
        let k = &login_keys("a", Some("1"), None)[0];
        assert_eq!(r.wait(k, KeyCount { failures: 0, last_failure: None, flying: 1 }, at(0)), None);
        assert_eq!(r.wait(k, KeyCount { failures: 0, last_failure: None, flying: 2 }, at(0)), Some(1));
        assert_eq!(r.wait(k, KeyCount { failures: 1, last_failure: Some(at(0)), flying: 1 }, at(0)), Some(1));
    }

    #[test]
    fn throttling_is_reported_once_a_minute_per_key_set() {
        let t = LoginThrottle::default();
        let k = login_keys("a", Some("1"), None);
        assert!(t.should_report(&k));
        assert!(!t.should_report(&k));
        assert!(t.should_report(&login_keys("a", Some("2"), None)));
    }
}
