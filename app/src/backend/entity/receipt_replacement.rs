use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "receipt_replacement")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub ward_id: i64,
    pub receipt_id: i64,
    /// `receipt_id` while the proposal waits, `None` once decided (one waiting per receipt).
    pub pending_receipt_id: Option<i64>,
    /// The proposed `CorrectionInput` as JSON.
    #[sea_orm(column_type = "Text")]
    pub input: String,
    /// `[{field, was, now}]` as JSON.
    #[sea_orm(column_type = "Text")]
    pub changes: String,
    #[sea_orm(column_type = "Text")]
    pub reason: String,
    pub amount_before: i64,
    pub amount_after: i64,
    /// `domain::receipt_rules::ReplacementState`.
    pub state: String,
    pub proposed_by: String,
    pub proposed_at: DateTimeUtc,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text", nullable)]
    pub note: Option<String>,
    pub replacement_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
