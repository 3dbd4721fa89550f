#![allow(dead_code)]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub fn at_secs(s: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(u64::try_from(s).expect("positive"))
}

pub fn at_ms(ms: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(u64::try_from(ms).expect("positive"))
}

pub fn secrets(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

pub const TEST_SECRET: &str = "wardpay-test-secret";
