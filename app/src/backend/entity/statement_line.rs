use sea_orm::entity::prelude::*;

/// One credit on a ward's collection account as a bank statement shows it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "statement_line")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub ward_id: i64,
    pub import_id: i64,
    /// `bankfeed::statement::Line::key`: unique per ward.
    pub line_key: String,
    pub line_no: i64,
    pub booked_at: DateTimeUtc,
    pub date_only: bool,
    pub amount: i64,
    #[sea_orm(column_type = "Text")]
    pub content: String,
    pub reference: Option<String>,
    pub account: Option<String>,
    pub provider_txn_id: Option<String>,
    /// The notification this credit is.
    pub notification_id: Option<i64>,
    /// Whether WardPay had that notification before the statement (a webhook or poll
    /// brought it), or the import made it (money only on the statement).
    pub found: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
