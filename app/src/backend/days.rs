//! Closing a day: the supervisor confirms the ward's figures for a Vietnam calendar day.
//! The figures are frozen in `day_close` and the close is in the audit log; a day closes
//! once, and not while a code of that day can still be paid.

use super::audit::{self, Entry};
use super::auth::StaffUser;
use super::day_range::DayRange;
use super::entity::{day_close, payment_request};
use super::{stats, BackendError};
use crate::model::DayCloseRow;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    Set, TransactionTrait,
};
use std::collections::HashMap;

fn row(m: day_close::Model) -> DayCloseRow {
    DayCloseRow { day: m.day, closed_at: m.closed_at.to_rfc3339(), closed_by: m.closed_by, paid: m.paid, paid_amount: m.paid_amount }
}

/// Closes `day` (today when `None`) for `ward_id`.
pub async fn close(db: &DatabaseConnection, ward_id: i64, day: Option<String>, by: &StaffUser) -> Result<DayCloseRow, BackendError> {
    let now = Utc::now();
    let today = crate::time::vn_today(now);
    let day = day.map(|d| d.trim().to_string()).filter(|d| !d.is_empty()).unwrap_or(today);
    let date = chrono::NaiveDate::parse_from_str(&day, "%Y-%m-%d").map_err(|_| BackendError::invalid("day", "expected YYYY-MM-DD"))?;
    // One spelling per day ("2026-12-5" is "2026-12-05"), so the unique index sees repeats.
    let day = date.format("%Y-%m-%d").to_string();
    let (start, end) = crate::time::vn_day_bounds(&day).ok_or_else(|| BackendError::invalid("day", "expected YYYY-MM-DD"))?;
    if start > now {
        return Err(BackendError::invalid("day", "không thể chốt một ngày chưa đến (that day has not come yet)"));
    }
    let ward = super::entity::ward::Entity::find_by_id(ward_id).one(db).await?.ok_or(BackendError::NotFound("ward"))?;
    if end <= ward.created_at {
        return Err(BackendError::invalid("day", "phường chưa được lập vào ngày đó (the ward did not exist on that day)"));
    }
    // Today's figures as of now; a past day's as of its last second.
    let at = if end > now { now } else { end - Duration::seconds(1) };
    let s = stats::day_stats(db, ward_id, at).await?;
    // Codes issued that day that can still be paid, now (a code from 23:55 lives past
    // midnight), and partly paid requests, which hold money until the rest comes or they
    // are cancelled (and the money refunded).
    let live = payment_request::Entity::find()
        .filter(payment_request::Column::WardId.eq(ward_id))
        .filter(super::payments::payable_at(now))
        .filter(payment_request::Column::CreatedAt.gte(start))
        .filter(payment_request::Column::CreatedAt.lt(end))
        .count(db)
        .await?;
    if live > 0 {
        return Err(BackendError::Conflict(format!(
            "còn {live} mã QR đang chờ thanh toán hoặc hồ sơ mới nhận một phần tiền; huỷ hoặc chờ hết hạn rồi chốt ngày ({live} codes can still be paid or requests are partly paid)"
        )));
    }
    let paid = s.paid_qr + s.paid_assisted + s.paid_cash;
    let summary = serde_json::json!({
        "dossiers": s.dossiers, "free": s.free, "paid_qr": s.paid_qr, "paid_assisted": s.paid_assisted,
        "paid_cash": s.paid_cash, "collected": s.collected, "expired": s.expired, "cancelled": s.cancelled,
        "open_exceptions": s.open_exceptions,
    });
    // The insert comes first: it takes the write lock (SQLite) and the unique index decides
    // between two supervisors closing at once.
    let txn = db.begin().await?;
    let m = day_close::ActiveModel {
        ward_id: Set(ward_id),
        day: Set(day.clone()),
        closed_at: Set(now),
        closed_by: Set(by.username.clone()),
        paid: Set(paid),
        paid_amount: Set(s.collected),
        summary: Set(summary.to_string()),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| match e.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => BackendError::Conflict(format!("ngày {day} đã được chốt (already closed)")),
        _ => BackendError::Db(e),
    })?;
    // The day's reconciliation as it stands now is the one it keeps.
    super::reconciliation::freeze_day(&txn, ward_id, date).await?;
    // The tax authority's summary of the day's receipts is made as the day closes.
    super::tax_summaries::prepare_in(&txn, ward_id, date, &by.username, None).await?;
    audit::append(&txn, Entry::new(&by.username, Some(ward_id), "day.close", format!("day:{day}")).detail(summary)).await?;
    txn.commit().await?;
    Ok(row(m))
}

pub async fn recent(db: &DatabaseConnection, ward_id: i64, limit: u64) -> Result<Vec<DayCloseRow>, BackendError> {
    Ok(day_close::Entity::find()
        .filter(day_close::Column::WardId.eq(ward_id))
        .order_by_desc(day_close::Column::Day)
        .limit(limit)
        .all(db)
        .await?
        .into_iter()
        .map(row)
        .collect())
}

/// The days `from..=to` as money is booked on them: a receipt, a refund paid or a notice
/// counts on the Vietnam day it moved or, when that day was already closed (a late transfer
/// booked after the close), on the next day. A closed day's books, its tax summary and its
/// deposit therefore never change, and every movement lands on exactly one day. The
/// treasury, the tax summary and reconciliation all book through this, so they agree.
///
/// Money booked on `from` may have moved the day before, after that day's close: read what
/// moved in `start..end` (from the start of the day before), then keep what [`Self::holds`].
#[derive(Clone, Debug)]
pub struct BookingWindow {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// When each day of `from - 1 ..= to` was closed.
    closed: HashMap<NaiveDate, DateTime<Utc>>,
}

impl BookingWindow {
    pub async fn load(db: &impl ConnectionTrait, ward_id: i64, from: NaiveDate, to: NaiveDate) -> Result<BookingWindow, BackendError> {
        let before = from - Duration::days(1);
        let (start, end) = DayRange { from: before, to }.bounds();
        let key = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
        let closed = day_close::Entity::find()
            .filter(day_close::Column::WardId.eq(ward_id))
            .filter(day_close::Column::Day.gte(key(before)))
            .filter(day_close::Column::Day.lte(key(to)))
            .all(db)
            .await?
            .into_iter()
            .filter_map(|c| NaiveDate::parse_from_str(&c.day, "%Y-%m-%d").ok().map(|d| (d, c.closed_at)))
            .collect();
        Ok(BookingWindow { from, to, start, end, closed })
    }

    /// The day money that moved at `at` counts on.
    pub fn day_of(&self, at: DateTime<Utc>) -> NaiveDate {
        let day = crate::time::to_vn(at).date_naive();
        match self.closed.get(&day) {
            Some(c) if *c < at => day + Duration::days(1),
            _ => day,
        }
    }

    /// Whether money that moved at `at` counts on a day of the window.
    pub fn holds(&self, at: DateTime<Utc>) -> bool {
        (self.from..=self.to).contains(&self.day_of(at))
    }

    /// When `day` (from the day before the window to its last) was closed, if it was.
    pub fn closed_at(&self, day: NaiveDate) -> Option<DateTime<Utc>> {
        self.closed.get(&day).copied()
    }
}
