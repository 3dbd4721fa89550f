//! The accountant's books as files, for the signed-in accountant or supervisor of the ward
//! (the access layer let them in): the receipts register, the treasury slip, the refunds
//! register (CSV or XLSX) and a day's tax summary (XML); and the same from the command line
//! (`wardpay report receipts|treasury|refunds`, `wardpay tax-summary`).

use crate::error::ApiError;
use crate::report_support::{staff_ward, ward_by_code, ReportError, ReportFormat};
use crate::state::AppState;
use app::backend::accounting_export::{self as export, Sheet};
use app::backend::auth::Principal;
use app::backend::reconciliation::DayRange;
use app::backend::{receipt_register, refunds, tax_summaries, treasury, BackendError};
use app::domain::treasury::FeeKind;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Extension;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct Period {
    pub from: Option<String>,
    pub to: Option<String>,
    pub kind: Option<String>,
    pub day: Option<String>,
}

fn file(sheets: &[Sheet], name: &str, xlsx: bool) -> Result<Response, ApiError> {
    let name = name.replace(['/', '\\', '"'], "_");
    let (body, mime, ext) = if xlsx {
        (export::to_xlsx(sheets)?, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx")
    } else {
        (export::to_csv(sheets).into_bytes(), "text/csv; charset=utf-8", "csv")
    };
    Ok(([(header::CONTENT_TYPE, mime.to_string()), (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}.{ext}\""))], body)
        .into_response())
}

fn range(p: &Period) -> Result<DayRange, BackendError> {
    DayRange::or_month_so_far(p.from.clone(), p.to.clone(), chrono::Utc::now())
}

fn kind(p: &Period) -> Result<FeeKind, BackendError> {
    FeeKind::parse(p.kind.as_deref().unwrap_or("").trim()).ok_or_else(|| BackendError::invalid("kind", "phi hoặc le_phi"))
}

async fn register_file(state: AppState, who: Principal, p: Period, xlsx: bool) -> Result<Response, ApiError> {
    let (_, ward) = staff_ward(&state, who).await?;
    let r = receipt_register::register(&state.backend.db, ward, range(&p)?).await?;
    file(&export::register_sheets(&r), &format!("so-bien-lai-{}-{}-{}", r.ward_code, r.from, r.to), xlsx)
}

#[tracing::instrument(name = "report_receipts_csv", skip(state, who))]
pub async fn receipts_csv(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    Query(p): Query<Period>,
) -> Result<Response, ApiError> {
    register_file(state, who, p, false).await
}

#[tracing::instrument(name = "report_receipts_xlsx", skip(state, who))]
pub async fn receipts_xlsx(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    Query(p): Query<Period>,
) -> Result<Response, ApiError> {
    register_file(state, who, p, true).await
}

async fn slip_file(state: AppState, who: Principal, p: Period, xlsx: bool) -> Result<Response, ApiError> {
    let (_, ward) = staff_ward(&state, who).await?;
    let (from, to) = match (&p.from, &p.to) {
        (Some(f), Some(t)) => (f.clone(), t.clone()),
        _ => return Err(BackendError::invalid("from", "from và to (YYYY-MM-DD) là bắt buộc (from and to are required)").into()),
    };
    let s = treasury::slip(&state.backend.db, ward, kind(&p)?, &from, &to).await?;
    file(&export::slip_sheets(&s), &format!("C1-02NS-{}-{}-{}", s.kind.as_str(), s.from, s.to), xlsx)
}

#[tracing::instrument(name = "report_treasury_csv", skip(state, who))]
pub async fn treasury_csv(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    Query(p): Query<Period>,
) -> Result<Response, ApiError> {
    slip_file(state, who, p, false).await
}

#[tracing::instrument(name = "report_treasury_xlsx", skip(state, who))]
pub async fn treasury_xlsx(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    Query(p): Query<Period>,
) -> Result<Response, ApiError> {
    slip_file(state, who, p, true).await
}

async fn refunds_file(state: AppState, who: Principal, xlsx: bool) -> Result<Response, ApiError> {
    let (_, ward) = staff_ward(&state, who).await?;
    let w = {
        use sea_orm::EntityTrait;
        app::backend::entity::ward::Entity::find_by_id(ward)
            .one(&state.backend.db)
            .await
            .map_err(BackendError::Db)?
            .ok_or(BackendError::NotFound("ward"))?
    };
    let rows = refunds::list(&state.backend.db, ward).await?;
    file(&export::refund_sheets(&w.name, &rows), &format!("so-hoan-tien-{}", w.code), xlsx)
}

#[tracing::instrument(name = "report_refunds_csv", skip(state, who))]
pub async fn refunds_csv(State(state): State<AppState>, Extension(who): Extension<Principal>) -> Result<Response, ApiError> {
    refunds_file(state, who, false).await
}

#[tracing::instrument(name = "report_refunds_xlsx", skip(state, who))]
pub async fn refunds_xlsx(State(state): State<AppState>, Extension(who): Extension<Principal>) -> Result<Response, ApiError> {
    refunds_file(state, who, true).await
}

/// A day's 01/TH-BLĐT summary, exactly as prepared.
#[tracing::instrument(name = "report_tax_summary", skip(state, who))]
pub async fn tax_summary_xml(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    Query(p): Query<Period>,
) -> Result<Response, ApiError> {
    let (_, ward) = staff_ward(&state, who).await?;
    let day = p.day.unwrap_or_default();
    let (name, xml) = tax_summaries::xml(&state.backend.db, ward, &day).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/xml; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        xml,
    )
        .into_response())
}

/// `wardpay report receipts|treasury|refunds`.
pub async fn run_books(
    common: &crate::config::CommonArgs,
    book: &str,
    ward: &str,
    from: &str,
    to: &str,
    kind: Option<&str>,
    format: ReportFormat,
) -> Result<Vec<u8>, ReportError> {
    let days = DayRange::parse(from, to, chrono::Utc::now())?;
    let kinds: Vec<FeeKind> = match kind {
        None => FeeKind::ALL.to_vec(),
        Some(k) => vec![FeeKind::parse(k).ok_or_else(|| ReportError::Input(format!("--kind {k:?}: phi or le_phi")))?],
    };
    let db = crate::open_database(common).await.map_err(|e| ReportError::System(e.to_string()))?;
    let w = ward_by_code(&db, ward).await?;
    let (sheets, data): (Vec<Sheet>, Vec<u8>) = match book {
        "receipts" => {
            let r = receipt_register::register(&db, w.id, days).await?;
            (export::register_sheets(&r), pretty(&r)?)
        }
        "treasury" => {
            let mut slips = Vec::new();
            for k in kinds {
                slips.push(treasury::slip(&db, w.id, k, &days.from.to_string(), &days.to.to_string()).await?);
            }
            let mut sheets = Vec::new();
            for s in &slips {
                for mut sh in export::slip_sheets(s) {
                    if slips.len() > 1 {
                        sh.name = format!("{} {}", if s.kind == FeeKind::Phi { "Phi" } else { "LePhi" }, sh.name);
                    }
                    sheets.push(sh);
                }
            }
            (sheets, pretty(&slips)?)
        }
        "refunds" => {
            let (start, end) = days.bounds();
            let rows: Vec<_> = refunds::list(&db, w.id)
                .await?
                .into_iter()
                .filter(|r| chrono::DateTime::parse_from_rfc3339(&r.requested_at).is_ok_and(|t| t >= start && t < end))
                .collect();
            (export::refund_sheets(&w.name, &rows), pretty(&rows)?)
        }
        other => return Err(ReportError::Input(format!("unknown report {other:?}"))),
    };
    Ok(match format {
        ReportFormat::Json => data,
        ReportFormat::Csv => export::to_csv(&sheets).into_bytes(),
        ReportFormat::Xlsx => export::to_xlsx(&sheets).map_err(|e| ReportError::System(e.to_string()))?,
    })
}

/// `wardpay tax-summary --ward CODE --day YYYY-MM-DD -o FILE.xml`: the day's summary as
/// prepared at its close (prepared now, marked late, for a closed day that has none).
pub async fn run_tax_summary(
    common: &crate::config::CommonArgs,
    ward: &str,
    day: &str,
    output: &std::path::Path,
) -> Result<(), ReportError> {
    let date = chrono::NaiveDate::parse_from_str(day.trim(), "%Y-%m-%d")
        .map_err(|_| ReportError::Input(format!("--day {day:?}: expected YYYY-MM-DD")))?;
    let db = crate::open_database(common).await.map_err(|e| ReportError::System(e.to_string()))?;
    let w = ward_by_code(&db, ward).await?;
    let day = date.format("%Y-%m-%d").to_string();
    let xml = match tax_summaries::xml(&db, w.id, &day).await {
        Ok((_, xml)) => xml,
        Err(BackendError::NotFound(_)) => {
            tax_summaries::prepare(&db, w.id, &day, "cli", None).await?;
            tax_summaries::xml(&db, w.id, &day).await?.1
        }
        Err(e) => return Err(e.into()),
    };
    std::fs::write(output, xml).map_err(|e| ReportError::Input(format!("cannot write {}: {e}", output.display())))
}

fn pretty<T: serde::Serialize>(v: &T) -> Result<Vec<u8>, ReportError> {
    serde_json::to_vec_pretty(v).map_err(|e| ReportError::System(e.to_string()))
}
