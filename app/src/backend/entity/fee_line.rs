use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "fee_line")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub dossier_id: i64,
    pub fee_item_id: i64,
    pub fee_name: String,
    pub kind: String,
    pub budget_subitem: String,
    pub quantity: i32,
    pub pages: Option<i32>,
    pub amount: i64,
    pub exempt_reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
