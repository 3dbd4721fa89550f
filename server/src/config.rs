//! The options every command shares and the server's (clap). Every option has an
//! environment variable so that services can be configured without flags. The commands
//! themselves are listed in `cli.rs`.

use clap::{Args, ValueEnum};
use std::net::SocketAddr;
use std::path::PathBuf;

/// A secret from the configuration (a provider's key or token, the database URL with its
/// password): usable where it is needed
/// ([`Secret::expose`]) and never printed by accident: `Debug` shows `***`, so logging the
/// options, or a panic that prints them, reveals no key.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Secret(s.to_string()))
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        Secret(s.to_string())
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Self {
        Secret(s)
    }
}

pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/wardpay.sqlite";

#[derive(Debug, Clone, Args)]
pub struct CommonArgs {
    /// Database URL: `sqlite://path/to/file.sqlite` (embedded, the default) or
    /// `postgres://user@host:5432/db` (production). A secret: it may hold a password.
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL, hide_env_values = true, global = true)]
    pub database_url: Secret,

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

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "WARDPAY_BIND", default_value = "127.0.0.1:3000", global = true)]
    pub bind: SocketAddr,

    /// Demo mode: seed the demo ward and show the "simulate payment" control.
    #[arg(long, env = "WARDPAY_DEMO", default_value_t = false, global = true)]
    pub demo: bool,

    /// Directory with the built front end (`pkg/wardpay.js`, `.wasm`, `.css`). By default
    /// the `site` folder beside the binary's folder: where the build puts it
    /// (`<target>/site` for `<target>/release/wardpay`) and where a deployment keeps it
    /// (`/opt/wardpay/current/site` for `/opt/wardpay/current/bin/wardpay`).
    #[arg(long, env = "LEPTOS_SITE_ROOT", default_value_os_t = default_site_root(), global = true)]
    pub site_root: PathBuf,

    /// How long a payment code stays payable, in seconds.
    #[arg(long, env = "WARDPAY_QR_TTL_SECS", default_value_t = 900, global = true)]
    pub qr_ttl_secs: i64,

    /// SePay webhook secrets (HMAC secret or API key), comma-separated; several for rotation.
    #[arg(long, env = "WARDPAY_SEPAY_KEYS", value_delimiter = ',', hide_env_values = true, global = true)]
    pub sepay_keys: Vec<Secret>,

    /// Casso webhook v2 security keys, comma-separated.
    #[arg(long, env = "WARDPAY_CASSO_KEYS", value_delimiter = ',', hide_env_values = true, global = true)]
    pub casso_keys: Vec<Secret>,

    /// payOS checksum keys, comma-separated.
    #[arg(long, env = "WARDPAY_PAYOS_KEYS", value_delimiter = ',', hide_env_values = true, global = true)]
    pub payos_keys: Vec<Secret>,

    /// Warn when no bank notification has arrived for this many minutes while codes wait.
    #[arg(long, env = "WARDPAY_BANK_SILENCE_MINS", default_value_t = 10, global = true)]
    pub bank_silence_mins: i64,

    /// Opening hours (Vietnam time) during which bank silence is worth a warning, `HH:MM-HH:MM`.
    #[arg(long, env = "WARDPAY_OPENING_HOURS", default_value = "07:00-18:00", value_parser = parse_hours, global = true)]
    pub opening_hours: (u32, u32),

    /// Public base URL printed at start-up (defaults to http://<bind>).
    #[arg(long, env = "WARDPAY_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,

    /// What this deployment is called (e.g. its git commit). Open screens reload themselves
    /// when it changes. By default: the version and a digest of the front end's files.
    #[arg(long, env = "WARDPAY_BUILD_ID", global = true)]
    pub build_id: Option<String>,

    /// Behind a reverse proxy: take the client's address from the last `X-Forwarded-For`
    /// entry (sign-in throttling per address, audit log). Only with a proxy that sets it.
    #[arg(long, env = "WARDPAY_TRUST_PROXY", default_value_t = false, global = true)]
    pub trust_proxy: bool,

    /// DVC portal API keys as `keyid:secret` (secret at least 16 characters),
    /// comma-separated; several for rotation. Demo mode without keys makes key `demo`.
    #[arg(long, env = "WARDPAY_DVC_KEYS", value_delimiter = ',', hide_env_values = true, global = true, value_parser = crate::dvc::auth::DvcKeyParser)]
    pub dvc_keys: Vec<crate::dvc::DvcKey>,

    /// Where signed payment callbacks for DVC dossiers are posted (the portal's endpoint).
    #[arg(long, env = "WARDPAY_DVC_CALLBACK_URL", global = true)]
    pub dvc_callback_url: Option<reqwest::Url>,

    /// First retry delay of a failed DVC callback, in milliseconds; doubles per attempt up to an hour.
    #[arg(long, env = "WARDPAY_DVC_RETRY_BASE_MS", default_value_t = 10_000, global = true)]
    pub dvc_retry_base_ms: u64,

    /// Seconds a client has to send a request's headers (also how long an idle keep-alive
    /// connection stays open): slow or silent connections are closed after it.
    #[arg(long, env = "WARDPAY_HEADER_TIMEOUT_SECS", default_value_t = 15, global = true)]
    pub header_timeout_secs: u64,

    /// SePay API v2 token: when set, SePay's transaction list is polled for transfers whose
    /// webhook was lost.
    #[arg(long, env = "WARDPAY_SEPAY_API_TOKEN", hide_env_values = true, global = true)]
    pub sepay_api_token: Option<Secret>,
    #[arg(long, env = "WARDPAY_SEPAY_API_URL", default_value = "https://userapi.sepay.vn", global = true)]
    pub sepay_api_url: String,
    /// Casso API key: when set, Casso's transaction list is polled.
    #[arg(long, env = "WARDPAY_CASSO_API_KEY", hide_env_values = true, global = true)]
    pub casso_api_key: Option<Secret>,
    #[arg(long, env = "WARDPAY_CASSO_API_URL", default_value = "https://oauth.casso.vn", global = true)]
    pub casso_api_url: String,
    /// Seconds between two polls of a provider (errors back off from there).
    #[arg(long, env = "WARDPAY_POLL_INTERVAL_SECS", default_value_t = 120, global = true)]
    pub poll_interval_secs: u64,
}

/// `site/` beside the folder the running binary is in, when it exists; else `target/site`.
pub fn default_site_root() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().and_then(|bin| bin.parent()).map(|root| root.join("site")))
        .filter(|site| site.is_dir())
        .unwrap_or_else(|| PathBuf::from("target/site"))
}

impl Default for ServeArgs {
    fn default() -> Self {
        ServeArgs {
            bind: SocketAddr::from(([127, 0, 0, 1], 3000)),
            demo: false,
            site_root: default_site_root(),
            public_url: None,
            build_id: None,
            trust_proxy: false,
            qr_ttl_secs: 900,
            sepay_keys: Vec::new(),
            casso_keys: Vec::new(),
            payos_keys: Vec::new(),
            bank_silence_mins: 10,
            opening_hours: (7 * 60, 18 * 60),
            dvc_keys: Vec::new(),
            dvc_callback_url: None,
            dvc_retry_base_ms: 10_000,
            header_timeout_secs: 15,
            sepay_api_token: None,
            sepay_api_url: "https://userapi.sepay.vn".into(),
            casso_api_key: None,
            casso_api_url: "https://oauth.casso.vn".into(),
            poll_interval_secs: 120,
        }
    }
}

/// `"07:30-17:00"` → minutes after midnight of the start and the end.
pub fn parse_hours(s: &str) -> Result<(u32, u32), String> {
    let minutes = |hm: &str| -> Result<u32, String> {
        let (h, m) = hm.trim().split_once(':').ok_or_else(|| format!("{hm:?} is not HH:MM"))?;
        let (h, m): (u32, u32) =
            (h.parse().map_err(|_| format!("bad hour in {hm:?}"))?, m.parse().map_err(|_| format!("bad minute in {hm:?}"))?);
        if h > 23 || m > 59 {
            return Err(format!("{hm:?} is not a time of day"));
        }
        Ok(h * 60 + m)
    };
    let (a, b) = s.split_once('-').ok_or("expected HH:MM-HH:MM")?;
    let (a, b) = (minutes(a)?, minutes(b)?);
    if a >= b {
        return Err("opening hours must end after they start".into());
    }
    Ok((a, b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printing_the_options_reveals_no_secret() {
        let args = ServeArgs {
            sepay_keys: vec!["sepay-very-secret".into()],
            sepay_api_token: Some("token-very-secret".into()),
            ..ServeArgs::default()
        };
        let printed = format!("{args:?}");
        assert!(!printed.contains("very-secret"), "{printed}");
        assert_eq!(args.sepay_keys[0].expose(), "sepay-very-secret");
        let common = CommonArgs {
            database_url: "postgres://wardpay:db-very-secret@db:5432/wardpay".into(),
            log_level: "info".into(),
            log_format: LogFormat::Text,
        };
        let printed = format!("{common:?}");
        assert!(!printed.contains("very-secret"), "the database password is not printed: {printed}");
    }

    #[test]
    fn opening_hours() {
        assert_eq!(parse_hours("07:30-17:00"), Ok((450, 1020)));
        assert!(parse_hours("17:00-07:00").is_err());
        assert!(parse_hours("25:00-26:00").is_err());
        assert!(parse_hours("7h-17h").is_err());
    }
}
