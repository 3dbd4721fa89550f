//! The JSON error body of every REST endpoint: `{"error": {"code": "...", "message": "...", "field": "..."}}`.

use app::backend::BackendError;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

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

impl ApiError {
    fn parts(&self) -> (StatusCode, &'static str, Option<&'static str>) {
        match self {
            ApiError::Backend(BackendError::NotFound(_)) => (StatusCode::NOT_FOUND, "not_found", None),
            ApiError::Backend(BackendError::Invalid { field, .. }) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid", Some(*field)),
            ApiError::Backend(BackendError::Conflict(_)) => (StatusCode::CONFLICT, "conflict", None),
            ApiError::Backend(BackendError::Throttled { .. }) => (StatusCode::TOO_MANY_REQUESTS, "throttled", None),
            ApiError::Backend(BackendError::Forbidden(_)) => (StatusCode::FORBIDDEN, "forbidden", None),
            ApiError::Backend(BackendError::Unavailable) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable", None),
            ApiError::Backend(BackendError::Db(_)) => (StatusCode::INTERNAL_SERVER_ERROR, "internal", None),
            ApiError::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request", None),
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal", None),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, field) = self.parts();
        let message = if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
            "internal error".to_string()
        } else {
            self.to_string()
        };
        let mut response = (status, Json(json!({ "error": { "code": code, "message": message, "field": field } }))).into_response();
        if let ApiError::Backend(BackendError::Throttled { retry_after_secs, .. }) = &self {
            if let Ok(v) = axum::http::HeaderValue::from_str(&retry_after_secs.to_string()) {
                response.headers_mut().insert(axum::http::header::RETRY_AFTER, v);
            }
        }
        response
    }
}
