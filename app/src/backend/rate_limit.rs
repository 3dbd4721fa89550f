//! A fixed-window limit per key (a caller's address) for public, unauthenticated reads such
//! as the receipt check. It belongs to one server (it lives in [`super::Backend`]), so two
//! servers in one process, as in the tests, do not share their counts.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Past this many keys the table drops the ones whose window has ended, so a flood from
/// many addresses cannot grow it without bound.
const PRUNE_ABOVE: usize = 50_000;

#[derive(Debug)]
pub struct WindowLimiter {
    per_window: u32,
    window: Duration,
    seen: Mutex<HashMap<String, (Instant, u32)>>,
}

impl WindowLimiter {
    pub fn new(per_window: u32, window: Duration) -> Self {
        WindowLimiter { per_window, window, seen: Mutex::new(HashMap::new()) }
    }

    /// Counts one call of `key`; `Err(seconds)` says how long until it may call again.
    pub fn check(&self, key: &str) -> Result<(), u64> {
        self.check_at(key, Instant::now())
    }

    /// [`Self::check`] as the refusal callers return: `what_vi` / `what_en` name what there
    /// were too many of ("lần kiểm tra" / "checks").
    pub fn admit(&self, key: &str, what_vi: &str, what_en: &str) -> Result<(), super::BackendError> {
        self.check(key).map_err(|wait| super::BackendError::Throttled {
            retry_after_secs: wait,
            message: format!("quá nhiều {what_vi}; thử lại sau {wait} giây (too many {what_en}; try again in {wait} s)"),
        })
    }

    fn check_at(&self, key: &str, now: Instant) -> Result<(), u64> {
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        if seen.len() > PRUNE_ABOVE {
            let window = self.window;
            seen.retain(|_, (at, _)| now.duration_since(*at) < window);
        }
        let entry = seen.entry(key.to_string()).or_insert((now, 0));
        if now.duration_since(entry.0) >= self.window {
            *entry = (now, 0);
        }
        entry.1 = entry.1.saturating_add(1);
        if entry.1 > self.per_window {
            let left = self.window.saturating_sub(now.duration_since(entry.0));
            return Err(left.as_secs().max(1));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_past_its_allowance_waits_for_the_window_and_others_are_unaffected() {
        let l = WindowLimiter::new(3, Duration::from_secs(60));
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(l.check_at("a", t0), Ok(()));
        }
        let wait = l.check_at("a", t0 + Duration::from_secs(20)).expect_err("the fourth call in the window waits");
        assert_eq!(wait, 40);
        assert_eq!(l.check_at("b", t0), Ok(()), "another address has its own count");
        assert_eq!(l.check_at("a", t0 + Duration::from_secs(60)), Ok(()), "a new window starts afresh");
    }

    #[test]
    fn a_flood_of_addresses_is_pruned_once_their_windows_end() {
        let l = WindowLimiter::new(1, Duration::from_secs(60));
        let t0 = Instant::now();
        for i in 0..=PRUNE_ABOVE {
            let _ = l.check_at(&i.to_string(), t0);
        }
        let _ = l.check_at("late", t0 + Duration::from_secs(61));
        assert_eq!(l.seen.lock().map(|m| m.len()).unwrap_or(0), 1, "only the address of the new window is kept");
    }
}
