//! The one error that crosses from the server to the browser and to scripts.
//!
//! Every server function returns `Result<_, AppError>`. Server functions and the REST
//! endpoints answer it in one JSON shape, `{"error": {"code":…, "field":…, "message":…}}`
//! ([`ErrorEnvelope`]), which the browser decodes back into an `AppError` and shows (`message`
//! next to `field`) without parsing any text. [`ErrorCode::status`] is the one mapping from
//! errors to HTTP statuses; a service's `BackendError` becomes an `AppError` in one place
//! (`From<BackendError>`).

use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use leptos::server_fn::{Bytes, ContentType, Decodes, Encodes, Format, FormatType};
use serde::{Deserialize, Serialize};

/// What kind of refusal or failure it is; decides the HTTP status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The request itself is malformed (missing or unreadable arguments).
    BadRequest,
    /// Not signed in (or the session ended).
    SignIn,
    /// Signed in, but not allowed: another role, ward or counter.
    Forbidden,
    NotFound,
    /// Someone changed it first, or it is in a state that does not allow this.
    Conflict,
    /// A value was refused; `field` names it.
    Invalid,
    /// The request's body is larger than its route allows.
    TooLarge,
    /// Too many tries; `retry_after_secs` says how long to wait.
    Throttled,
    /// The server cannot serve it now (database unreachable, not ready).
    Unavailable,
    /// A failure of ours; its details are in the server's log, never in the answer.
    Internal,
    /// The browser could not reach the server or read its answer.
    Network,
}

impl ErrorCode {
    pub fn status(self) -> u16 {
        match self {
            ErrorCode::BadRequest => 400,
            ErrorCode::SignIn => 401,
            ErrorCode::Forbidden => 403,
            ErrorCode::NotFound => 404,
            ErrorCode::Conflict => 409,
            ErrorCode::TooLarge => 413,
            ErrorCode::Invalid => 422,
            ErrorCode::Throttled => 429,
            ErrorCode::Unavailable => 503,
            ErrorCode::Internal | ErrorCode::Network => 500,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::BadRequest => "bad_request",
            ErrorCode::SignIn => "sign_in",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::NotFound => "not_found",
            ErrorCode::Conflict => "conflict",
            ErrorCode::Invalid => "invalid",
            ErrorCode::TooLarge => "too_large",
            ErrorCode::Throttled => "throttled",
            ErrorCode::Unavailable => "unavailable",
            ErrorCode::Internal => "internal",
            ErrorCode::Network => "network",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct AppError {
    pub code: ErrorCode,
    /// The input the message is about, when it is about one.
    #[serde(default)]
    pub field: Option<String>,
    /// For people, in Vietnamese with the English after it.
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_secs: Option<u64>,
}

impl AppError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        AppError { code, field: None, message: message.into(), retry_after_secs: None }
    }

    /// What a server-side failure shows: nothing of its cause.
    pub fn internal() -> Self {
        AppError::new(ErrorCode::Internal, "lỗi máy chủ; vui lòng thử lại (internal error)")
    }

    pub fn status(&self) -> u16 {
        self.code.status()
    }
}

/// The wire form of an error: the [`AppError`] under `"error"`, for server functions as for
/// every other HTTP answer.
pub struct ErrorEnvelope;

#[derive(Serialize)]
struct Wrapped<'a> {
    error: &'a AppError,
}

#[derive(Deserialize)]
struct Unwrapped {
    error: AppError,
}

impl ErrorEnvelope {
    /// The body of an error answer.
    pub fn body(e: &AppError) -> String {
        serde_json::to_string(&Wrapped { error: e })
            .unwrap_or_else(|_| r#"{"error":{"code":"internal","field":null,"message":"internal error"}}"#.into())
    }
}

impl ContentType for ErrorEnvelope {
    const CONTENT_TYPE: &'static str = "application/json";
}

impl FormatType for ErrorEnvelope {
    const FORMAT_TYPE: Format = Format::Text;
}

impl Encodes<AppError> for ErrorEnvelope {
    type Error = serde_json::Error;

    fn encode(e: &AppError) -> Result<Bytes, Self::Error> {
        serde_json::to_vec(&Wrapped { error: e }).map(Bytes::from)
    }
}

impl Decodes<AppError> for ErrorEnvelope {
    type Error = serde_json::Error;

    fn decode(bytes: Bytes) -> Result<AppError, Self::Error> {
        serde_json::from_slice::<Unwrapped>(&bytes).map(|u| u.error)
    }
}

impl FromServerFnError for AppError {
    type Encoder = ErrorEnvelope;

    fn from_server_fn_error(e: ServerFnErrorErr) -> Self {
        match e {
            ServerFnErrorErr::Request(m) => {
                AppError::new(ErrorCode::Network, format!("không kết nối được máy chủ (cannot reach the server): {m}"))
            }
            ServerFnErrorErr::Args(m) | ServerFnErrorErr::MissingArg(m) | ServerFnErrorErr::Deserialization(m) => {
                AppError::new(ErrorCode::BadRequest, format!("yêu cầu không hợp lệ (bad request): {m}"))
            }
            ServerFnErrorErr::Response(m) => {
                AppError::new(ErrorCode::Network, format!("không đọc được câu trả lời (unreadable answer): {m}"))
            }
            other => {
                #[cfg(feature = "ssr")]
                tracing::error!(error = %other, "server function failed");
                #[cfg(not(feature = "ssr"))]
                let _ = other;
                AppError::internal()
            }
        }
    }
}

#[cfg(feature = "ssr")]
impl From<crate::backend::BackendError> for AppError {
    fn from(e: crate::backend::BackendError) -> Self {
        use crate::backend::BackendError as B;
        let code = match &e {
            B::NotFound(_) => ErrorCode::NotFound,
            B::Invalid { .. } => ErrorCode::Invalid,
            B::Forbidden(_) => ErrorCode::Forbidden,
            B::Conflict(_) => ErrorCode::Conflict,
            B::Throttled { .. } => ErrorCode::Throttled,
            B::Unavailable => ErrorCode::Unavailable,
            B::Db(_) => ErrorCode::Internal,
        };
        if code == ErrorCode::Internal {
            tracing::error!(error = %e, "request failed");
            return AppError::internal();
        }
        AppError {
            code,
            field: match &e {
                B::Invalid { field, .. } => Some((*field).to_string()),
                _ => None,
            },
            message: e.to_string(),
            retry_after_secs: match &e {
                B::Throttled { retry_after_secs, .. } => Some(*retry_after_secs),
                _ => None,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_code_has_its_status_and_a_stable_name_on_the_wire() {
        for (code, status, name) in [
            (ErrorCode::BadRequest, 400, "bad_request"),
            (ErrorCode::SignIn, 401, "sign_in"),
            (ErrorCode::Forbidden, 403, "forbidden"),
            (ErrorCode::NotFound, 404, "not_found"),
            (ErrorCode::Conflict, 409, "conflict"),
            (ErrorCode::Invalid, 422, "invalid"),
            (ErrorCode::TooLarge, 413, "too_large"),
            (ErrorCode::Throttled, 429, "throttled"),
            (ErrorCode::Unavailable, 503, "unavailable"),
            (ErrorCode::Internal, 500, "internal"),
        ] {
            assert_eq!(code.status(), status);
            assert_eq!(code.as_str(), name);
            assert_eq!(serde_json::to_string(&code).ok(), Some(format!("\"{name}\"")));
        }
    }

    #[test]
    fn a_refused_value_names_its_field_and_a_database_failure_reveals_nothing() {
        use crate::backend::BackendError;
        let e = AppError::from(BackendError::invalid("amount", "phải lớn hơn 0 (must be positive)"));
        assert_eq!((e.code, e.field.as_deref(), e.status()), (ErrorCode::Invalid, Some("amount"), 422));
        let db = AppError::from(BackendError::Db(sea_orm::DbErr::Custom("password=hunter2".into())));
        assert_eq!(db, AppError::internal());
        let throttled = AppError::from(BackendError::Throttled { retry_after_secs: 30, message: "chờ".into() });
        assert_eq!(throttled.retry_after_secs, Some(30));
        let json: serde_json::Value = serde_json::from_str(&ErrorEnvelope::body(&e)).unwrap_or_default();
        assert_eq!(json["error"]["code"], "invalid");
        assert_eq!(json["error"]["field"], "amount");
        let bytes = <ErrorEnvelope as Encodes<AppError>>::encode(&e).unwrap_or_default();
        assert_eq!(<ErrorEnvelope as Decodes<AppError>>::decode(bytes).ok(), Some(e), "what the server sends, the browser reads back");
    }
}
