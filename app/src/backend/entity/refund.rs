use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "refund")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub ward_id: i64,
    /// `exception` (money that was never revenue) or `receipt` (revenue given back).
    pub origin: String,
    pub exception_id: Option<i64>,
    pub receipt_id: Option<i64>,
    pub notification_id: Option<i64>,
    pub payment_request_id: Option<i64>,
    pub amount: i64,
    #[sea_orm(column_type = "Text")]
    pub reason: String,
    pub payer_name: Option<String>,
    pub payer_account: Option<String>,
    pub payer_bank_bin: Option<String>,
    /// `domain::refund::RefundState`.
    pub state: String,
    pub requested_by: String,
    pub requested_at: DateTimeUtc,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text", nullable)]
    pub decision_note: Option<String>,
    pub paid_by: Option<String>,
    pub paid_at: Option<DateTimeUtc>,
    pub bank_reference: Option<String>,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
