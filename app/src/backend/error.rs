use thiserror::Error;

/// Everything a service can refuse or fail with. REST handlers map these to HTTP statuses
/// (see the server crate); server functions show the message on screen.
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

    pub fn status(&self) -> u16 {
        match self {
            BackendError::NotFound(_) => 404,
            BackendError::Invalid { .. } => 422,
            BackendError::Forbidden(_) => 403,
            BackendError::Conflict(_) => 409,
            BackendError::Throttled { .. } => 429,
            BackendError::Unavailable => 503,
            BackendError::Db(_) => 500,
        }
    }
}
