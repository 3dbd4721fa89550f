use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "fee_budget_code")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub ward_id: i64,
    pub fee_item_id: i64,
    /// First Vietnam day (YYYY-MM-DD) the code applies to.
    pub valid_from: String,
    /// First day it no longer applies (exclusive); `None` while current.
    pub valid_to: Option<String>,
    pub chapter: String,
    /// Mã nội dung kinh tế (tiểu mục), e.g. 2716.
    pub ndkt: String,
    pub example: bool,
    pub set_by: String,
    pub set_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
