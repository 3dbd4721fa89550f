//! Errors of the server's own HTTP paths (REST endpoints, the access layer, body limits), all
//! answered as the app's one error ([`app::error::AppError`]) in its one JSON shape,
//! `{"error": {"code": "...", "message": "...", "field": "..."}}`, with the status its code
//! maps to. (The bank intake answers providers in their own format, and the DVC connector
//! in the error codes of its published OpenAPI document.)

use app::backend::BackendError;
use app::error::{AppError, ErrorCode, ErrorEnvelope};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error(transparent)]
    Backend(#[from] BackendError),
    #[error("{0}")]
    BadRequest(String),
    /// A failure of ours that is not the database's (a file that could not be made); logged,
    /// never shown.
    #[error("{0}")]
    Internal(String),
}

impl From<ApiError> for AppError {
    fn from(e: ApiError) -> Self {
        match e {
            ApiError::Backend(b) => AppError::from(b),
            ApiError::BadRequest(m) => AppError::new(ErrorCode::BadRequest, m),
            ApiError::Internal(m) => {
                tracing::error!(error = %m, "request failed");
                AppError::internal()
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        respond(AppError::from(self))
    }
}

/// The answer for `e`: its status, `Retry-After` when it has one, the JSON body.
pub fn respond(e: AppError) -> Response {
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, [(header::CONTENT_TYPE, "application/json")], ErrorEnvelope::body(&e)).into_response();
    if let Some(Ok(v)) = e.retry_after_secs.map(|s| HeaderValue::from_str(&s.to_string())) {
        response.headers_mut().insert(header::RETRY_AFTER, v);
    }
    response
}
