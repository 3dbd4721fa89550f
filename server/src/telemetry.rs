//! Structured logs with `tracing`; every HTTP request gets a span carrying its request id.

use crate::config::LogFormat;
use tracing_subscriber::{fmt, EnvFilter};

pub fn init(filter: &str, format: LogFormat) {
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|e| {
        eprintln!("warning: invalid log filter {filter:?} ({e}); using info");
        EnvFilter::new("info")
    });
    let builder = fmt().with_env_filter(filter).with_target(true);
    // try_init: tests start several servers in one process.
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}
