use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "fee_item")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub ward_id: i64,
    pub procedure_code: String,
    pub procedure_name: String,
    pub fee_name: String,
    /// `phi` or `le_phi`.
    pub kind: String,
    /// The fee rule as JSON (`domain::fees::FeeRule`): rules are data, not code paths.
    pub rule: String,
    pub legal_basis: String,
    pub budget_subitem: String,
    pub active: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
