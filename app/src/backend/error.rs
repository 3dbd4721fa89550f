use thiserror::Error;

/// Everything a service can refuse or fail with. It reaches the browser and scripts as a
/// [`crate::error::AppError`] (one conversion, one mapping to HTTP statuses).
#[derive(Debug, Error)]
pub enum BackendError {
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{field}: {message}")]
    Invalid { field: &'static str, message: String },
    /// Signed in (or paired), but this belongs to another ward or counter.
    #[error("không có quyền: {0} (forbidden)")]
    Forbidden(&'static str),
    #[error("conflict: {0}")]
    Conflict(String),
    /// Too many of these from this caller or for this target; try again after the wait.
    #[error("{message}")]
    Throttled { retry_after_secs: u64, message: String },
    #[error("the server is not ready")]
    Unavailable,
    #[error("database error: {0}")]
    Db(#[from] sea_orm::DbErr),
}

impl BackendError {
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        BackendError::Invalid { field, message: message.into() }
    }

    /// Its HTTP status, through the one mapping ([`crate::error::ErrorCode::status`]).
    pub fn status(&self) -> u16 {
        match self {
            BackendError::NotFound(_) => crate::error::ErrorCode::NotFound,
            BackendError::Invalid { .. } => crate::error::ErrorCode::Invalid,
            BackendError::Forbidden(_) => crate::error::ErrorCode::Forbidden,
            BackendError::Conflict(_) => crate::error::ErrorCode::Conflict,
            BackendError::Throttled { .. } => crate::error::ErrorCode::Throttled,
            BackendError::Unavailable => crate::error::ErrorCode::Unavailable,
            BackendError::Db(_) => crate::error::ErrorCode::Internal,
        }
        .status()
    }
}
