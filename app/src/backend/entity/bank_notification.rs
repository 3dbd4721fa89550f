use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "bank_notification")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub provider: String,
    pub provider_txn_id: String,
    pub bank_reference: Option<String>,
    /// Exactly the bytes received (UTF-8), kept as evidence.
    #[sea_orm(column_type = "Text")]
    pub raw_body: String,
    #[sea_orm(column_type = "Text")]
    pub headers: String,
    pub received_at: DateTimeUtc,
    pub amount: i64,
    pub account_number: String,
    #[sea_orm(column_type = "Text")]
    pub content: String,
    pub payment_request_id: Option<i64>,
    pub outcome: String,
    /// How WardPay learnt of the transfer: `webhook`, `poll` or `statement`.
    pub source: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
