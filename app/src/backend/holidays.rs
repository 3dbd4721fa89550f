//! The ward's days off besides weekends (Tết, national holidays, the days the government
//! moves each year), kept by the accountant beside the treasury settings: a deposit that
//! falls due on one is due the next working day, so the books do not call money overdue
//! while the treasury is closed.

use super::audit::{self, Entry};
use super::auth::StaffUser;
use super::entity::ward_holiday;
use super::fields;
use super::BackendError;
use crate::domain::treasury::WorkCalendar;
use crate::model::{HolidayForm, HolidayRow};
use chrono::{Datelike, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};

/// More days off than any year has: past it, a list is a mistake (or a flood), not a calendar.
pub const MAX_PER_YEAR: u64 = 40;
const MAX_NAME: usize = 120;

fn row(h: ward_holiday::Model) -> HolidayRow {
    HolidayRow { id: h.id, day: h.day, name: h.name, added_by: h.added_by }
}

/// The ward's holidays, by day.
pub async fn list(db: &impl ConnectionTrait, ward_id: i64) -> Result<Vec<HolidayRow>, BackendError> {
    Ok(ward_holiday::Entity::find()
        .filter(ward_holiday::Column::WardId.eq(ward_id))
        .order_by_asc(ward_holiday::Column::Day)
        .all(db)
        .await?
        .into_iter()
        .map(row)
        .collect())
}

/// The ward's working days: Monday to Friday less its holidays.
pub async fn calendar(db: &impl ConnectionTrait, ward_id: i64) -> Result<WorkCalendar, BackendError> {
    let days = list(db, ward_id).await?;
    Ok(WorkCalendar::with_holidays(days.iter().filter_map(|h| NaiveDate::parse_from_str(&h.day, "%Y-%m-%d").ok())))
}

/// Lists a day off. A day is listed once; the year is this one, a past one (money of old
/// periods may still be outstanding) or the next two.
pub async fn add(db: &DatabaseConnection, ward_id: i64, f: HolidayForm, by: &StaffUser) -> Result<HolidayRow, BackendError> {
    let day = fields::day("day", &f.day)?;
    let this_year = Utc::now().year();
    if !(2000..=this_year + 2).contains(&day.year()) {
        return Err(BackendError::invalid("day", format!("năm từ 2000 đến {} (a year from 2000 to {})", this_year + 2, this_year + 2)));
    }
    let name = fields::text("name", &f.name, MAX_NAME)?;
    let day_s = day.format("%Y-%m-%d").to_string();
    let txn = db.begin().await?;
    let in_year = ward_holiday::Entity::find()
        .filter(ward_holiday::Column::WardId.eq(ward_id))
        .filter(ward_holiday::Column::Day.gte(format!("{}-01-01", day.year())))
        .filter(ward_holiday::Column::Day.lte(format!("{}-12-31", day.year())))
        .count(&txn)
        .await?;
    if in_year >= MAX_PER_YEAR {
        return Err(BackendError::invalid(
            "day",
            format!("một năm có tối đa {MAX_PER_YEAR} ngày nghỉ trong danh sách (at most {MAX_PER_YEAR} listed days off a year)"),
        ));
    }
    let saved = ward_holiday::ActiveModel {
        ward_id: Set(ward_id),
        day: Set(day_s.clone()),
        name: Set(name.clone()),
        added_by: Set(by.username.clone()),
        added_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| match e.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => {
            BackendError::Conflict(format!("ngày {day_s} đã có trong danh sách (that day is already listed)"))
        }
        _ => BackendError::Db(e),
    })?;
    audit::append(
        &txn,
        Entry::new(&by.username, Some(ward_id), "treasury.holiday_added", format!("ward_holiday:{}", saved.id))
            .detail(serde_json::json!({ "day": day_s, "name": name })),
    )
    .await?;
    txn.commit().await?;
    Ok(row(saved))
}

/// Takes a day off the list (listed by mistake, or the government moved it).
pub async fn remove(db: &DatabaseConnection, ward_id: i64, id: i64, by: &StaffUser) -> Result<(), BackendError> {
    let txn = db.begin().await?;
    let h = ward_holiday::Entity::find_by_id(id)
        .filter(ward_holiday::Column::WardId.eq(ward_id))
        .one(&txn)
        .await?
        .ok_or(BackendError::NotFound("holiday"))?;
    ward_holiday::Entity::delete_by_id(h.id).exec(&txn).await?;
    audit::append(
        &txn,
        Entry::new(&by.username, Some(ward_id), "treasury.holiday_removed", format!("ward_holiday:{}", h.id))
            .detail(serde_json::json!({ "day": h.day, "name": h.name })),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
