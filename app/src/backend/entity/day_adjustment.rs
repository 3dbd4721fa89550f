use sea_orm::entity::prelude::*;

/// An adjustment row frozen into the day it landed on, kept by the closed day it corrects
/// (so what the books hold for that day is read without reading every later day).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "day_adjustment")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub ward_id: i64,
    pub corrects_day: String,
    pub lands_day: String,
    /// The `ReconRow` as JSON.
    #[sea_orm(column_type = "Text")]
    pub row: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
