use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "bank_exception")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub ward_id: Option<i64>,
    pub notification_id: i64,
    pub payment_request_id: Option<i64>,
    pub kind: String,
    pub amount: i64,
    /// `open` or `resolved`.
    pub status: String,
    pub resolution: Option<String>,
    pub note: Option<String>,
    pub resolved_by: Option<String>,
    pub resolved_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
