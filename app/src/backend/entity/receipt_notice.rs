use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "receipt_notice")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub ward_id: i64,
    pub receipt_id: i64,
    pub year: i32,
    /// Per ward and year, from 1, without gaps (like receipt numbers).
    pub number: i64,
    #[sea_orm(column_type = "Text")]
    pub reason: String,
    /// `[{field, was, now}]` as JSON.
    #[sea_orm(column_type = "Text")]
    pub changes: String,
    /// The canonical JSON the signature covers.
    #[sea_orm(column_type = "Text")]
    pub content: String,
    pub signature: String,
    pub created_by: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
