//! Command line and environment configuration (clap). Every option has an environment
//! variable so that services can be configured without flags.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::net::SocketAddr;
use std::path::PathBuf;

pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/wardpay.sqlite";

#[derive(Debug, Parser)]
#[command(name = "wardpay", version, about = "WardPay: cashless fee collection for ward one-stop counters")]
pub struct Cli {
    #[command(flatten)]
    pub common: CommonArgs,
    #[command(flatten)]
    pub serve: ServeArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Clone, Args)]
pub struct CommonArgs {
    /// Database URL: `sqlite://path/to/file.sqlite` (embedded, the default) or
    /// `postgres://user@host:5432/db` (production).
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL, global = true)]
    pub database_url: String,

    /// Log filter, e.g. `info` or `wardpay=debug,tower_http=info` (RUST_LOG syntax).
    #[arg(long, env = "WARDPAY_LOG", default_value = "info", global = true)]
    pub log_level: String,

    /// Log output format.
    #[arg(long, env = "WARDPAY_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web app (the default when no command is given).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Create or update the demo ward (idempotent) and exit.
    SeedDemo,
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "WARDPAY_BIND", default_value = "127.0.0.1:3000", global = true)]
    pub bind: SocketAddr,

    /// Demo mode: seed the demo ward and show the "simulate payment" control.
    #[arg(long, env = "WARDPAY_DEMO", default_value_t = false, global = true)]
    pub demo: bool,

    /// Directory with the built front end (`pkg/wardpay.js`, `.wasm`, `.css`).
    #[arg(long, env = "LEPTOS_SITE_ROOT", default_value = "target/site", global = true)]
    pub site_root: PathBuf,

    /// How long a payment code stays payable, in seconds.
    #[arg(long, env = "WARDPAY_QR_TTL_SECS", default_value_t = 900, global = true)]
    pub qr_ttl_secs: i64,

    /// SePay webhook secrets (HMAC secret or API key), comma-separated; several for rotation.
    #[arg(long, env = "WARDPAY_SEPAY_KEYS", value_delimiter = ',', hide_env_values = true, global = true)]
    pub sepay_keys: Vec<String>,

    /// Casso webhook v2 security keys, comma-separated.
    #[arg(long, env = "WARDPAY_CASSO_KEYS", value_delimiter = ',', hide_env_values = true, global = true)]
    pub casso_keys: Vec<String>,

    /// payOS checksum keys, comma-separated.
    #[arg(long, env = "WARDPAY_PAYOS_KEYS", value_delimiter = ',', hide_env_values = true, global = true)]
    pub payos_keys: Vec<String>,

    /// Public base URL printed at start-up (defaults to http://<bind>).
    #[arg(long, env = "WARDPAY_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,
}

impl Default for ServeArgs {
    fn default() -> Self {
        ServeArgs {
            bind: SocketAddr::from(([127, 0, 0, 1], 3000)),
            demo: false,
            site_root: PathBuf::from("target/site"),
            public_url: None,
            qr_ttl_secs: 900,
            sepay_keys: Vec::new(),
            casso_keys: Vec::new(),
            payos_keys: Vec::new(),
        }
    }
}
