//! Why a notification was refused, and what HTTP status tells the provider so.

/// Largest request body accepted; real notifications are under 2 KiB, so this only stops abuse.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Largest distance between a signed timestamp and server time (SePay documents 5 minutes;
/// for Casso it is WardPay's own choice).
pub const MAX_SKEW_MS: i64 = 5 * 60 * 1000;

/// A refused notification. Variants are split so the server can pick the status code and log
/// something an operator can act on without reading the raw body.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IntakeError {
    #[error("request body is {len} bytes, more than the {max} allowed", max = MAX_BODY_BYTES)]
    BodyTooLarge { len: usize },

    #[error("no credentials: expected {0}")]
    MissingAuth(&'static str),

    #[error("unreadable credentials: {0}")]
    MalformedAuth(String),

    #[error("signature or API key does not match any configured secret")]
    BadSignature,

    #[error(
        "signed timestamp is {skew_ms} ms away from server time (allowed ±{max} ms); replayed or clock skew",
        max = MAX_SKEW_MS
    )]
    StaleTimestamp { skew_ms: i64 },

    #[error("no non-empty secret configured for this provider")]
    NoSecretConfigured,

    #[error("content type {0:?} is not JSON")]
    UnsupportedContentType(String),

    #[error("body is not valid JSON: {0}")]
    MalformedJson(String),

    #[error("required field `{0}` is missing or null")]
    MissingField(String),

    #[error("field `{field}` must be {expected}")]
    WrongType { field: String, expected: &'static str },

    #[error("field `{field}` has an unusable value: {reason}")]
    InvalidValue { field: String, reason: String },

    #[error("unsupported notification: {0}")]
    Unsupported(String),
}

impl IntakeError {
    /// Status to answer the provider with. 4xx for anything retrying cannot fix except
    /// configuration on our side (500, so the provider keeps retrying until it is fixed).
    pub fn http_status(&self) -> u16 {
        match self {
            Self::MissingAuth(_) | Self::MalformedAuth(_) | Self::BadSignature | Self::StaleTimestamp { .. } => 401,
            Self::BodyTooLarge { .. } => 413,
            Self::UnsupportedContentType(_) => 415,
            Self::MalformedJson(_) => 400,
            Self::MissingField(_) | Self::WrongType { .. } | Self::InvalidValue { .. } | Self::Unsupported(_) => 422,
            Self::NoSecretConfigured => 500,
        }
    }

    /// True when the sender could not be authenticated (log as a possible forgery).
    pub fn is_auth_failure(&self) -> bool {
        self.http_status() == 401
    }

    /// Short stable name for logs and metrics.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::BodyTooLarge { .. } => "body_too_large",
            Self::MissingAuth(_) => "missing_auth",
            Self::MalformedAuth(_) => "malformed_auth",
            Self::BadSignature => "bad_signature",
            Self::StaleTimestamp { .. } => "stale_timestamp",
            Self::NoSecretConfigured => "no_secret_configured",
            Self::UnsupportedContentType(_) => "unsupported_content_type",
            Self::MalformedJson(_) => "malformed_json",
            Self::MissingField(_) => "missing_field",
            Self::WrongType { .. } => "wrong_type",
            Self::InvalidValue { .. } => "invalid_value",
            Self::Unsupported(_) => "unsupported",
        }
    }

    /// JSON body for the error answer; providers ignore it, people reading delivery logs do not.
    pub fn response_body(&self) -> String {
        serde_json::json!({ "success": false, "error": self.kind(), "message": self.to_string() }).to_string()
    }
}
