use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "treasury_profile")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub ward_id: i64,
    /// First Vietnam day (YYYY-MM-DD) these settings apply to.
    pub valid_from: String,
    /// First day they no longer apply (exclusive); `None` while current.
    pub valid_to: Option<String>,
    /// Mã chương of the collecting unit (e.g. 830).
    pub chapter: String,
    /// Mã địa bàn hành chính of the ward.
    pub dbhc_code: String,
    /// The receiving treasury (KBNN): its code and name.
    pub kbnn_code: String,
    pub kbnn_name: String,
    /// Treasury account for phí (awaiting payment into the budget).
    pub account_phi: String,
    /// Treasury account for lệ phí (budget revenue).
    pub account_le_phi: String,
    /// Cơ quan quản lý thu.
    pub revenue_agency: String,
    /// `daily`, `weekly` or `monthly`.
    pub interval_phi: String,
    pub interval_le_phi: String,
    /// Demo values, shown as examples until the accountant confirms real ones.
    pub example: bool,
    pub set_by: String,
    pub set_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
