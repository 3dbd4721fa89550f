use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "treasury_deposit")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub ward_id: i64,
    /// `phi` or `le_phi`: they go to different treasury accounts.
    pub kind: String,
    pub from_day: String,
    pub to_day: String,
    pub receipts: i64,
    pub gross: i64,
    pub refunds: i64,
    pub amount: i64,
    pub deposited_on: String,
    pub treasury_ref: String,
    pub recorded_by: String,
    pub recorded_at: DateTimeUtc,
    /// The slip as recorded (JSON of `model::TreasurySlip`).
    #[sea_orm(column_type = "Text")]
    pub slip: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
