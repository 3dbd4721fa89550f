//! What the report files and the report commands share: the caller's ward, a ward by its
//! code, the output formats and the error that sets a command's exit status.

use crate::error::ApiError;
use crate::state::AppState;
use app::backend::auth::Principal;

/// The ward a signed-in staff member works for (an admin of every ward: the first ward).
pub async fn staff_ward(state: &AppState, who: Principal) -> Result<(app::backend::auth::StaffUser, i64), ApiError> {
    let Principal::Staff(me) = who else {
        return Err(app::backend::BackendError::Forbidden("staff only").into());
    };
    let ward = match me.ward_id {
        Some(w) => w,
        None => app::backend::counters::default_ward_id(&state.backend.db).await?,
    };
    Ok((me, ward))
}

/// The ward with agency code `code`, for the command line.
pub async fn ward_by_code(db: &sea_orm::DatabaseConnection, code: &str) -> Result<app::backend::entity::ward::Model, ReportError> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    app::backend::entity::ward::Entity::find()
        .filter(app::backend::entity::ward::Column::Code.eq(code.trim()))
        .one(db)
        .await
        .map_err(|e| ReportError::System(e.to_string()))?
        .ok_or_else(|| ReportError::Input(format!("no ward with code {code:?}")))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    Json,
    Csv,
    Xlsx,
}

/// Why a report command failed: the caller's input (exit 2) or the system (exit 1).
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("{0}")]
    Input(String),
    #[error("{0}")]
    System(String),
}

impl ReportError {
    pub fn exit_code(&self) -> u8 {
        match self {
            ReportError::Input(_) => 2,
            ReportError::System(_) => 1,
        }
    }
}

impl From<app::backend::BackendError> for ReportError {
    fn from(e: app::backend::BackendError) -> Self {
        match e {
            app::backend::BackendError::Db(_) | app::backend::BackendError::Unavailable => ReportError::System(e.to_string()),
            e => ReportError::Input(e.to_string()),
        }
    }
}
