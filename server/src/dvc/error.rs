//! The connector's error body, the same shape as every REST endpoint's:
//! `{"error": {"code": "...", "message": "...", "field": "..."}}`, where `field` names the
//! request field (`lines[1].amount`) or header (`X-WardPay-Signature`) at fault.

use app::backend::BackendError;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DvcError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub field: Option<String>,
}

impl DvcError {
    pub fn new(status: StatusCode, code: &'static str, field: Option<String>, message: impl Into<String>) -> Self {
        DvcError { status, code, message: message.into(), field }
    }

    pub fn unauthorized(code: &'static str, field: &str, message: impl Into<String>) -> Self {
        DvcError::new(StatusCode::UNAUTHORIZED, code, Some(field.to_string()), message)
    }

    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        DvcError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", Some(field.into()), message)
    }

    pub fn bad_request(field: Option<String>, message: impl Into<String>) -> Self {
        DvcError::new(StatusCode::BAD_REQUEST, "bad_request", field, message)
    }

    pub fn conflict(code: &'static str, field: Option<&str>, message: impl Into<String>) -> Self {
        DvcError::new(StatusCode::CONFLICT, code, field.map(str::to_string), message)
    }

    pub fn not_found(field: Option<&str>, message: impl Into<String>) -> Self {
        DvcError::new(StatusCode::NOT_FOUND, "not_found", field.map(str::to_string), message)
    }

    pub fn body(&self) -> Value {
        json!({ "error": { "code": self.code, "message": self.message, "field": self.field } })
    }
}

/// The API's names for the service layer's fields.
fn api_field(field: &str) -> String {
    match field {
        "counter_id" => "counter_number".into(),
        f => f.into(),
    }
}

impl From<BackendError> for DvcError {
    fn from(e: BackendError) -> Self {
        match e {
            BackendError::NotFound(what) => DvcError::not_found(None, format!("{what} not found")),
            BackendError::Invalid { field, message } => DvcError::invalid(api_field(field), message),
            BackendError::Conflict(m) => DvcError::conflict("conflict", None, m),
            BackendError::Forbidden(m) => DvcError::new(StatusCode::FORBIDDEN, "forbidden", None, m),
            BackendError::Throttled { message, .. } => DvcError::new(StatusCode::TOO_MANY_REQUESTS, "throttled", None, message),
            BackendError::Unavailable => DvcError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", None, "the server is not ready"),
            BackendError::Db(e) => {
                tracing::error!(error = %e, "DVC request failed");
                DvcError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", None, "internal error")
            }
        }
    }
}

impl From<sea_orm::DbErr> for DvcError {
    fn from(e: sea_orm::DbErr) -> Self {
        BackendError::from(e).into()
    }
}

impl IntoResponse for DvcError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body())).into_response()
    }
}
