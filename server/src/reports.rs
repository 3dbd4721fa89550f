//! Reports as files: `GET /reports/reconciliation.csv` (and `.xlsx`) `?from=YYYY-MM-DD&to=YYYY-MM-DD` for the
//! signed-in accountant or supervisor, of their own ward (the access layer let them in), and
//! `wardpay report reconciliation` for scripts, with the same figures.

use crate::error::ApiError;
pub use crate::report_support::{staff_ward, ward_by_code, ReportError, ReportFormat};
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
    pub counter: Option<String>,
    pub officer: Option<String>,
    pub procedure: Option<String>,
}

impl Range {
    fn filter(&self) -> Result<reconciliation::RowFilter, app::backend::BackendError> {
        reconciliation::RowFilter::parse(self.counter.clone(), self.officer.clone(), self.procedure.clone())
    }
}

/// A filtered report (one counter, officer or procedure): its kept rows, whole.
async fn filtered(state: &AppState, plan: &reconciliation::Plan, range: &Range) -> Result<Option<app::model::ReconReport>, ApiError> {
    let filter = range.filter()?;
    if filter.is_empty() {
        return Ok(None);
    }
    Ok(Some(plan.filtered(&state.backend.db, &filter, 0, usize::MAX).await?))
}

/// The plan of the caller's ward's report over the asked range.
async fn load(state: &AppState, who: Principal, range: &Range) -> Result<reconciliation::Plan, ApiError> {
    let (_, ward) = staff_ward(state, who).await?;
    let days = DayRange::parse(&range.from, &range.to, chrono::Utc::now())?;
    Ok(reconciliation::plan(&state.backend.db, ward, days).await?)
}

fn file_name(report: &app::model::ReconReport, ext: &str) -> String {
    format!("doi-soat-{}-{}-{}.{ext}", report.ward_code.replace(['/', '\\', '"'], "_"), report.from, report.to)
}

/// The CSV, streamed a day of rows at a time.
#[tracing::instrument(name = "report_reconciliation_csv", skip(state, who))]
pub async fn reconciliation_csv(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    Query(range): Query<Range>,
) -> Result<Response, ApiError> {
    let plan = load(&state, who, &range).await?;
    if let Some(report) = filtered(&state, &plan, &range).await? {
        return Ok((
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{}\"", file_name(&report, "csv"))),
            ],
            reconciliation::to_csv(&report),
        )
            .into_response());
    }
    let plan = std::sync::Arc::new(plan);
    let head = plan.report(Vec::new(), 0);
    let name = file_name(&head, "csv");
    let db = state.backend.db.clone();
    // Step 0 is the header, steps 1..=days a day each, then the totals.
    let chunks = futures_util::stream::unfold(Some(0usize), move |step| {
        let (plan, db, totals) = (plan.clone(), db.clone(), head.totals.clone());
        async move {
            let i = step?;
            let days = plan.days();
            let (chunk, next) = if i == 0 {
                (Ok(reconciliation::csv_header()), Some(1))
            } else if i <= days {
                (plan.day_rows(&db, i - 1).await.map(|rows| reconciliation::csv_rows(&rows)), Some(i + 1))
            } else {
                (Ok(reconciliation::csv_totals(&totals)), None)
            };
            // A failure ends the download there: the file is visibly cut, never silently wrong.
            let chunk = chunk.map_err(|e| {
                tracing::error!(error = %e, "reconciliation CSV failed midway");
                std::io::Error::other(e.to_string())
            });
            let next = if chunk.is_err() { None } else { next };
            Some((chunk, next))
        }
    });
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        axum::body::Body::from_stream(chunks),
    )
        .into_response())
}

#[derive(Debug, Deserialize)]
pub struct EvidenceQuery {
    pub payment_request: Option<i64>,
    pub notification: Option<i64>,
}

/// What stands behind a reconciliation row, as JSON: the dossier and request, the bank
/// notifications exactly as received, the statement lines and the audit entries.
#[tracing::instrument(name = "report_evidence", skip(state, who))]
pub async fn evidence(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    Query(q): Query<EvidenceQuery>,
) -> Result<Response, ApiError> {
    let (_, ward) = staff_ward(&state, who).await?;
    let v = reconciliation::evidence(&state.backend.db, ward, q.payment_request, q.notification).await?;
    Ok(axum::Json(v).into_response())
}

/// Writes the plan's workbook: a day of rows at a time, on disk until the end.
pub async fn workbook(db: &sea_orm::DatabaseConnection, plan: &reconciliation::Plan) -> Result<Vec<u8>, app::backend::BackendError> {
    let head = plan.report(Vec::new(), 0);
    let mut x = reconciliation::XlsxReport::new()?;
    for i in 0..plan.days() {
        let rows = plan.day_rows(db, i).await?;
        x.add_rows(&rows)?;
    }
    // Compressing the workbook is CPU work: off the async workers.
    tokio::task::spawn_blocking(move || x.finish(&head.totals, head.total_due, head.total_received))
        .await
        .map_err(|e| app::backend::BackendError::invalid("xlsx", e.to_string()))?
}

#[tracing::instrument(name = "report_reconciliation_xlsx", skip(state, who))]
pub async fn reconciliation_xlsx(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    Query(range): Query<Range>,
) -> Result<Response, ApiError> {
    let plan = load(&state, who, &range).await?;
    let name = file_name(&plan.report(Vec::new(), 0), "xlsx");
    let bytes = match filtered(&state, &plan, &range).await? {
        Some(report) => tokio::task::spawn_blocking(move || reconciliation::to_xlsx(&report))
            .await
            .map_err(|e| ApiError::BadRequest(e.to_string()))??,
        None => workbook(&state.backend.db, &plan).await?,
    };
    Ok((
        [
            (header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        bytes,
    )
        .into_response())
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
        /// Only this counter's rows (its number).
        #[arg(long)]
        counter: Option<String>,
        /// Only this officer's rows (user name).
        #[arg(long)]
        officer: Option<String>,
        /// Only this procedure's rows (its name as the report shows it).
        #[arg(long)]
        procedure: Option<String>,
        /// Write here instead of standard output.
        #[arg(short, long)]
        output: Option<std::path::PathBuf>,
    },
    /// The receipts register (sổ biên lai): every receipt in number order, gaps flagged.
    Receipts(BookArgs),
    /// The treasury deposit slips (C1-02/NS) of the range, phí and lệ phí.
    Treasury {
        #[command(flatten)]
        args: BookArgs,
        /// Only this kind: `phi` or `le_phi`.
        #[arg(long)]
        kind: Option<String>,
    },
    /// The refunds register: refunds requested in the range.
    Refunds(BookArgs),
}

/// The accountant's books over a range, with the same figures as their pages.
#[derive(Debug, clap::Args)]
pub struct BookArgs {
    /// The ward's agency code, e.g. `000.00.01.H26`.
    #[arg(long)]
    pub ward: String,
    /// First day, YYYY-MM-DD.
    #[arg(long)]
    pub from: String,
    /// Last day, YYYY-MM-DD (not in the future).
    #[arg(long)]
    pub to: String,
    #[arg(long, value_enum, default_value_t = ReportFormat::Json)]
    pub format: ReportFormat,
    /// Write here instead of standard output.
    #[arg(short, long)]
    pub output: Option<std::path::PathBuf>,
}

pub async fn run(common: &crate::config::CommonArgs, cmd: &ReportCommand) -> Result<(), ReportError> {
    let (book, args, kind) = match cmd {
        ReportCommand::Reconciliation { .. } => return run_reconciliation(common, cmd).await,
        ReportCommand::Receipts(a) => ("receipts", a, None),
        ReportCommand::Treasury { args, kind } => ("treasury", args, kind.as_deref()),
        ReportCommand::Refunds(a) => ("refunds", a, None),
    };
    let bytes = crate::accounting_reports::run_books(common, book, &args.ward, &args.from, &args.to, kind, args.format).await?;
    write_out(bytes, args.format, args.output.as_deref())
}

async fn run_reconciliation(common: &crate::config::CommonArgs, cmd: &ReportCommand) -> Result<(), ReportError> {
    let ReportCommand::Reconciliation { ward, from, to, format, output, counter, officer, procedure } = cmd else {
        return Err(ReportError::Input("not a reconciliation".into()));
    };
    let days = DayRange::parse(from, to, chrono::Utc::now())?;
    let filter = reconciliation::RowFilter::parse(counter.clone(), officer.clone(), procedure.clone())?;
    let db = crate::open_database(common).await.map_err(|e| ReportError::System(e.to_string()))?;
    let w = ward_by_code(&db, ward).await?;
    let plan = reconciliation::plan(&db, w.id, days).await?;
    let bytes = if !filter.is_empty() {
        let report = plan.filtered(&db, &filter, 0, usize::MAX).await?;
        match format {
            ReportFormat::Json => serde_json::to_string_pretty(&report).map_err(|e| ReportError::System(e.to_string()))?.into_bytes(),
            ReportFormat::Csv => reconciliation::to_csv(&report).into_bytes(),
            ReportFormat::Xlsx => reconciliation::to_xlsx(&report).map_err(|e| ReportError::System(e.to_string()))?,
        }
    } else {
        match format {
            ReportFormat::Json => {
                let rows = plan.rows(&db, 0, usize::MAX).await?;
                serde_json::to_string_pretty(&plan.report(rows, 0)).map_err(|e| ReportError::System(e.to_string()))?.into_bytes()
            }
            ReportFormat::Csv => {
                let mut text = reconciliation::csv_header();
                for i in 0..plan.days() {
                    text.push_str(&reconciliation::csv_rows(&plan.day_rows(&db, i).await?));
                }
                text.push_str(&reconciliation::csv_totals(&plan.report(Vec::new(), 0).totals));
                text.into_bytes()
            }
            ReportFormat::Xlsx => workbook(&db, &plan).await?,
        }
    };
    write_out(bytes, *format, output.as_deref())
}

fn write_out(bytes: Vec<u8>, format: ReportFormat, output: Option<&std::path::Path>) -> Result<(), ReportError> {
    match output {
        Some(path) => std::fs::write(path, bytes).map_err(|e| ReportError::Input(format!("cannot write {}: {e}", path.display()))),
        None if format == ReportFormat::Xlsx && std::io::IsTerminal::is_terminal(&std::io::stdout()) => {
            Err(ReportError::Input("an XLSX workbook is binary: write it to a file with -o FILE".into()))
        }
        None => {
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            out.write_all(&bytes)
                .and_then(|_| if format == ReportFormat::Xlsx { Ok(()) } else { out.write_all(b"\n") })
                .map_err(|e| ReportError::System(e.to_string()))
        }
    }
}
