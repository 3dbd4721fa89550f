//! Reports as files: `GET /reports/reconciliation.csv` (and `.xlsx`) `?from=YYYY-MM-DD&to=YYYY-MM-DD` for the
//! signed-in accountant or supervisor, of their own ward (the access layer let them in), and
//! `wardpay report reconciliation` for scripts, with the same figures.

use crate::error::ApiError;
use crate::state::AppState;
use app::backend::auth::Principal;
use app::backend::reconciliation::{self, DayRange};
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Extension;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct Range {
    pub from: String,
    pub to: String,
}

/// The caller's ward's report over the asked range.
async fn load(state: &AppState, who: Principal, range: &Range) -> Result<app::model::ReconReport, ApiError> {
    let Principal::Staff(me) = who else {
        return Err(app::backend::BackendError::Forbidden("staff only").into());
    };
    let ward = match me.ward_id {
        Some(w) => w,
        None => app::backend::counters::default_ward_id(&state.backend.db).await?,
    };
    let days = DayRange::parse(&range.from, &range.to, chrono::Utc::now())?;
    Ok(reconciliation::report(&state.backend.db, ward, days).await?)
}

fn file_name(report: &app::model::ReconReport, ext: &str) -> String {
    format!("doi-soat-{}-{}-{}.{ext}", report.ward_code.replace(['/', '\\', '"'], "_"), report.from, report.to)
}

#[tracing::instrument(name = "report_reconciliation_csv", skip(state, who))]
pub async fn reconciliation_csv(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    Query(range): Query<Range>,
) -> Result<Response, ApiError> {
    let report = load(&state, who, &range).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{}\"", file_name(&report, "csv"))),
        ],
        reconciliation::to_csv(&report),
    )
        .into_response())
}

#[tracing::instrument(name = "report_reconciliation_xlsx", skip(state, who))]
pub async fn reconciliation_xlsx(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    Query(range): Query<Range>,
) -> Result<Response, ApiError> {
    let report = load(&state, who, &range).await?;
    // Building the workbook is CPU work: off the async workers.
    let name = file_name(&report, "xlsx");
    let bytes = tokio::task::spawn_blocking(move || reconciliation::to_xlsx(&report))
        .await
        .map_err(|e| ApiError::BadRequest(e.to_string()))??;
    Ok((
        [
            (header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    Json,
    Csv,
    Xlsx,
}

#[derive(Debug, clap::Subcommand)]
pub enum ReportCommand {
    /// The reconciliation of a ward over a range of Vietnam calendar days (both included).
    Reconciliation {
        /// The ward's agency code, e.g. `000.00.01.H26`.
        #[arg(long)]
        ward: String,
        /// First day, YYYY-MM-DD.
        #[arg(long)]
        from: String,
        /// Last day, YYYY-MM-DD (not in the future).
        #[arg(long)]
        to: String,
        #[arg(long, value_enum, default_value_t = ReportFormat::Json)]
        format: ReportFormat,
        /// Write here instead of standard output.
        #[arg(short, long)]
        output: Option<std::path::PathBuf>,
    },
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

pub async fn run(common: &crate::config::CommonArgs, cmd: &ReportCommand) -> Result<(), ReportError> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let ReportCommand::Reconciliation { ward, from, to, format, output } = cmd;
    let days = DayRange::parse(from, to, chrono::Utc::now())?;
    let db = crate::open_database(common).await.map_err(|e| ReportError::System(e.to_string()))?;
    let w = app::backend::entity::ward::Entity::find()
        .filter(app::backend::entity::ward::Column::Code.eq(ward.trim()))
        .one(&db)
        .await
        .map_err(|e| ReportError::System(e.to_string()))?
        .ok_or_else(|| ReportError::Input(format!("no ward with code {ward:?}")))?;
    let report = reconciliation::report(&db, w.id, days).await?;
    let bytes = match format {
        ReportFormat::Json => serde_json::to_string_pretty(&report).map_err(|e| ReportError::System(e.to_string()))?.into_bytes(),
        ReportFormat::Csv => reconciliation::to_csv(&report).into_bytes(),
        ReportFormat::Xlsx => reconciliation::to_xlsx(&report).map_err(|e| ReportError::System(e.to_string()))?,
    };
    match output {
        Some(path) => std::fs::write(path, bytes).map_err(|e| ReportError::Input(format!("cannot write {}: {e}", path.display()))),
        None if *format == ReportFormat::Xlsx && std::io::IsTerminal::is_terminal(&std::io::stdout()) => {
            Err(ReportError::Input("an XLSX workbook is binary: write it to a file with -o FILE".into()))
        }
        None => {
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            out.write_all(&bytes).and_then(|_| if *format == ReportFormat::Xlsx { Ok(()) } else { out.write_all(b"\n") }).map_err(|e| ReportError::System(e.to_string()))
        }
    }
}
