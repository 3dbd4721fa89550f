//! The ward's figures for a Vietnam calendar day.

use super::entity::{bank_exception, bank_notification, dossier, payment_request, ward};
use super::{BackendError, Settings};
use crate::domain::payment::{PaymentMethod, PaymentState};
use crate::model::DayStats;
use chrono::{DateTime, Duration, Utc};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};

pub async fn day_stats(db: &impl ConnectionTrait, ward_id: i64, now: DateTime<Utc>) -> Result<DayStats, BackendError> {
    let start = crate::time::vn_day_start_utc(now);
    let end = start + Duration::days(1);
    let dossiers = dossier::Entity::find()
        .filter(dossier::Column::WardId.eq(ward_id))
        .filter(dossier::Column::CreatedAt.gte(start))
        .filter(dossier::Column::CreatedAt.lt(end))
        .all(db)
        .await?;
    let requests = payment_request::Entity::find()
        .filter(payment_request::Column::WardId.eq(ward_id))
        .filter(payment_request::Column::CreatedAt.gte(start))
        .filter(payment_request::Column::CreatedAt.lt(end))
        .all(db)
        .await?;
    let mut s = DayStats { dossiers: dossiers.len() as i64, ..Default::default() };
    s.free = dossiers.iter().filter(|d| d.outcome == "free").count() as i64;
    for pr in &requests {
        match PaymentState::parse(&pr.state) {
            Some(PaymentState::QrIssued) if pr.expires_at.is_some_and(|e| e > now) => s.awaiting += 1,
            Some(PaymentState::PartiallyPaid) => s.awaiting += 1,
            Some(PaymentState::QrIssued) | Some(PaymentState::Expired) => s.expired += 1,
            Some(PaymentState::Cancelled) => s.cancelled += 1,
            Some(PaymentState::Paid) | Some(PaymentState::ReceiptIssued) => {
                s.collected += pr.amount_received.unwrap_or(pr.amount);
                match pr.method.as_deref().and_then(PaymentMethod::parse) {
                    Some(PaymentMethod::Assisted) => s.paid_assisted += 1,
                    Some(PaymentMethod::Cash) => s.paid_cash += 1,
                    _ => s.paid_qr += 1,
                }
            }
            _ => {}
        }
    }
    s.open_exceptions = bank_exception::Entity::find()
        .filter(bank_exception::Column::Status.eq("open"))
        .filter(Condition::any().add(bank_exception::Column::WardId.eq(ward_id)).add(bank_exception::Column::WardId.is_null()))
        .count(db)
        .await? as i64;
    Ok(s)
}

/// Minutes since the bank last spoke, when that is worth a warning: codes are waiting, it is
/// opening hours, and neither a notification nor a new code came in the last
/// `settings.bank_silence_mins` minutes.
pub async fn bank_silence(
    db: &impl ConnectionTrait,
    ward_id: i64,
    settings: &Settings,
    now: DateTime<Utc>,
) -> Result<Option<i64>, BackendError> {
    let minute_of_day = {
        let local = crate::time::to_vn(now);
        use chrono::Timelike;
        local.hour() * 60 + local.minute()
    };
    if minute_of_day < settings.opening_hours.0 || minute_of_day >= settings.opening_hours.1 {
        return Ok(None);
    }
    let Some(oldest_waiting) = payment_request::Entity::find()
        .filter(payment_request::Column::WardId.eq(ward_id))
        .filter(payment_request::Column::State.eq(PaymentState::QrIssued.as_str()))
        .filter(payment_request::Column::ExpiresAt.gt(now))
        .order_by_asc(payment_request::Column::IssuedAt)
        .one(db)
        .await?
        .and_then(|p| p.issued_at)
    else {
        return Ok(None);
    };
    let Some(w) = ward::Entity::find_by_id(ward_id).one(db).await? else { return Ok(None) };
    let last_heard = bank_notification::Entity::find()
        .filter(bank_notification::Column::AccountNumber.eq(w.bank_account))
        .order_by_desc(bank_notification::Column::ReceivedAt)
        .one(db)
        .await?
        .map(|n| n.received_at);
    let since = last_heard.map_or(oldest_waiting, |h| h.max(oldest_waiting));
    let minutes = (now - since).num_minutes();
    Ok((minutes >= settings.bank_silence_mins).then_some(minutes))
}
