use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "payment_request")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub ward_id: i64,
    pub counter_id: i64,
    pub dossier_id: i64,
    pub amount: i64,
    pub payment_code: String,
    pub qr_payload: Option<String>,
    pub purpose: String,
    /// `domain::payment::PaymentState` as text; changed only through `payments::transition`.
    pub state: String,
    pub method: Option<String>,
    /// Bumped on every transition: the optimistic lock that lets one of two officers win.
    pub version: i32,
    pub issued_at: Option<DateTimeUtc>,
    pub expires_at: Option<DateTimeUtc>,
    pub paid_at: Option<DateTimeUtc>,
    pub state_changed_at: DateTimeUtc,
    pub cash_reason: Option<String>,
    pub bank_ref: Option<String>,
    pub amount_received: Option<i64>,
    pub created_at: DateTimeUtc,
    pub created_by: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
