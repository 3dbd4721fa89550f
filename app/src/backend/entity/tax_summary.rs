use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tax_summary")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub ward_id: i64,
    /// Vietnam day the summary covers, YYYY-MM-DD.
    pub day: String,
    /// Số bảng tổng hợp: per ward, from 1.
    pub sequence: i32,
    pub prepared_at: DateTimeUtc,
    pub prepared_by: String,
    /// Prepared after the day it covers (an outage, a late close).
    pub late: bool,
    #[sea_orm(column_type = "Text", nullable)]
    pub late_reason: Option<String>,
    pub receipts: i64,
    pub total: i64,
    #[sea_orm(column_type = "Text")]
    pub xml: String,
    pub sha256: String,
    /// `prepared`, `sent`, `accepted` or `rejected`.
    pub status: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub status_note: Option<String>,
    pub status_by: Option<String>,
    pub status_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
