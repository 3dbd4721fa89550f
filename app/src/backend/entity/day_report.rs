use sea_orm::entity::prelude::*;

/// A closed day's reconciliation rows as they stood at its close (JSON of `ReconRow`s):
/// the day's report is read from here ever after.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "day_report")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub ward_id: i64,
    /// Vietnam calendar day, YYYY-MM-DD.
    pub day: String,
    /// The day's bounds in UTC, `[start, end)`.
    pub day_start: DateTimeUtc,
    pub day_end: DateTimeUtc,
    #[sea_orm(column_type = "Text")]
    pub rows: String,
    pub row_count: i64,
    /// `reconciliation::DayTotals` as JSON: the day's totals, read without its rows.
    #[sea_orm(column_type = "Text")]
    pub totals: String,
    /// `domain::trends::DayTally` as JSON: the day's statistics.
    #[sea_orm(column_type = "Text")]
    pub stats: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
