//! The supervisor's calls: exceptions, the intake log, closing the day, the audit log.

use crate::error::AppError;
use crate::model::{AuditFilter, AuditRow, AuditVerdict, DayCloseRow, ExceptionRow, IntakeLogRow, Resolution};
use leptos::prelude::*;

#[server(endpoint = "get_exceptions")]
pub async fn get_exceptions(ward_id: i64, only_open: bool) -> Result<Vec<ExceptionRow>, AppError> {
    use super::guard::*;
    let who = authorize("get_exceptions")?;
    ward_scope(&who, ward_id)?;
    let b = backend()?;
    crate::backend::exceptions::list(&b.db, ward_id, only_open).await.map_err(fail)
}

#[server(endpoint = "resolve_exception", input = server_fn::codec::Json)]
pub async fn resolve_exception(id: i64, resolution: Resolution, note: Option<String>) -> Result<(), AppError> {
    use super::guard::*;
    let who = authorize("resolve_exception")?;
    let b = backend()?;
    // Money that reached no ward's account is every supervisor's to sort out.
    if let Some(w) = crate::backend::exceptions::ward_of(&b.db, id).await.map_err(fail)? {
        ward_scope(&who, w)?;
    }
    let caller_ward = match &who {
        crate::backend::auth::Principal::Staff(s) => s.ward_id,
        _ => None,
    };
    let done = crate::backend::exceptions::resolve(&b, id, resolution, note, &who.actor(), caller_ward).await;
    audit_refusal(&b, &who, caller_ward, "exception.refused", format!("exception:{id}"), done).await
}

/// Refused bank notifications of the last day (the intake log), counted per provider,
/// reason and hour: the caller's ward's and those that named no ward.
#[server(endpoint = "get_intake_log")]
pub async fn get_intake_log() -> Result<Vec<IntakeLogRow>, AppError> {
    use super::guard::*;
    let me = staff("get_intake_log")?;
    let b = backend()?;
    crate::backend::exceptions::intake_log(&b.db, me.ward_id, 24).await.map_err(fail)
}

/// How the providers' pollers stand (empty when none is configured).
#[server(endpoint = "get_pollers")]
pub async fn get_pollers() -> Result<Vec<crate::model::PollStatus>, AppError> {
    use super::guard::*;
    let _me = staff("get_pollers")?;
    let b = backend()?;
    Ok(b.polls.all())
}

/// Refused sign-ins of the last day per name and address (the caller's ward's accounts;
/// every one for an admin of all wards).
#[server(endpoint = "get_login_attempts")]
pub async fn get_login_attempts() -> Result<Vec<crate::model::LoginAttemptRow>, AppError> {
    use super::guard::*;
    let me = staff("get_login_attempts")?;
    let b = backend()?;
    crate::backend::auth::recent_attempts(&b.db, me.ward_id, 24).await.map_err(fail)
}

/// Closes the supervisor's ward for `day` (today when `None`).
#[server(endpoint = "close_day")]
pub async fn close_day(day: Option<String>) -> Result<DayCloseRow, AppError> {
    use super::guard::*;
    let me = staff("close_day")?;
    let b = backend()?;
    let ward = home_ward(&b, &me).await?;
    let subject = format!("day:{}", day.as_deref().unwrap_or("today").chars().take(20).collect::<String>());
    let done = crate::backend::days::close(&b.db, ward, day, &me).await;
    audit_refusal(&b, &principal(), Some(ward), "day.close_refused", subject, done).await
}

#[server(endpoint = "get_day_closes")]
pub async fn get_day_closes() -> Result<Vec<DayCloseRow>, AppError> {
    use super::guard::*;
    let me = staff("get_day_closes")?;
    let b = backend()?;
    let ward = home_ward(&b, &me).await?;
    crate::backend::days::recent(&b.db, ward, 14).await.map_err(fail)
}

/// The newest audit entries of the caller's ward (every ward for an admin of all), filtered.
#[server(endpoint = "get_audit", input = server_fn::codec::Json)]
pub async fn get_audit(filter: AuditFilter) -> Result<Vec<AuditRow>, AppError> {
    use super::guard::*;
    let me = staff("get_audit")?;
    let b = backend()?;
    crate::backend::audit::list(&b.db, me.ward_id, &filter, 200).await.map_err(fail)
}

/// Walks the whole chain (every ward: one chain) and says whether it is intact.
#[server(endpoint = "verify_audit")]
pub async fn verify_audit() -> Result<AuditVerdict, AppError> {
    use super::guard::*;
    staff("verify_audit")?;
    let b = backend()?;
    crate::backend::audit::verify(&b.db).await.map_err(fail)
}

/// The reconciliation of the caller's ward for the Vietnam days `from`..=`to` (YYYY-MM-DD);
/// without them, this month so far.
#[server(endpoint = "get_reconciliation")]
pub async fn get_reconciliation(
    from: Option<String>,
    to: Option<String>,
    #[server(default)] page: Option<u32>,
    #[server(default)] counter: Option<String>,
    #[server(default)] officer: Option<String>,
    #[server(default)] procedure: Option<String>,
) -> Result<crate::model::ReconReport, AppError> {
    use super::guard::*;
    let me = staff("get_reconciliation")?;
    let b = backend()?;
    let ward = home_ward(&b, &me).await?;
    let range = crate::backend::reconciliation::DayRange::or_month_so_far(from, to, chrono::Utc::now()).map_err(fail)?;
    let offset = page.unwrap_or(0) as usize * crate::model::RECON_PAGE_ROWS;
    let filter = crate::backend::reconciliation::RowFilter::parse(counter, officer, procedure).map_err(fail)?;
    crate::backend::reconciliation::report_filtered(&b.db, ward, range, &filter, offset, crate::model::RECON_PAGE_ROWS).await.map_err(fail)
}

/// The ward's imported bank statements (newest first) and its saved column mapping.
#[server(endpoint = "get_statements")]
pub async fn get_statements() -> Result<crate::model::StatementsView, AppError> {
    use super::guard::*;
    let me = staff("get_statements")?;
    let b = backend()?;
    let ward = home_ward(&b, &me).await?;
    Ok(crate::model::StatementsView {
        imports: crate::backend::statements::list(&b.db, ward, 50).await.map_err(fail)?,
        saved_mapping: crate::backend::statements::saved_mapping(&b.db, ward).await.map_err(fail)?,
        can_import: me.role == crate::model::Role::Accountant,
    })
}

/// The supervisor's statistics over time: `from`..`to` (this month so far when absent), by
/// `bucket` (`day`, `week`, `month`), split `by` `ward`, `counter`, `procedure` or `officer`.
#[server(endpoint = "get_trends")]
pub async fn get_trends(
    from: Option<String>,
    to: Option<String>,
    #[server(default)] bucket: Option<String>,
    #[server(default)] by: Option<String>,
) -> Result<crate::model::TrendReport, AppError> {
    use super::guard::*;
    use crate::domain::trends::{Bucket, GroupBy};
    let me = staff("get_trends")?;
    let b = backend()?;
    let ward = home_ward(&b, &me).await?;
    let range = crate::backend::reconciliation::DayRange::or_month_so_far(from, to, chrono::Utc::now()).map_err(fail)?;
    let bucket = match bucket.as_deref().filter(|s| !s.is_empty()) {
        None => Bucket::Day,
        Some(s) => Bucket::parse(s)
            .ok_or_else(|| fail(crate::backend::BackendError::invalid("bucket", "day, week hoặc month (day, week or month)")))?,
    };
    let by = GroupBy::parse(by.as_deref().unwrap_or(""))
        .ok_or_else(|| fail(crate::backend::BackendError::invalid("by", "ward, counter, procedure hoặc officer")))?;
    crate::backend::trends::report(&b.db, ward, range, bucket, by).await.map_err(fail)
}
