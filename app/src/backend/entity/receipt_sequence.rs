use sea_orm::entity::prelude::*;

/// The next number of each ward's receipt series (and notice years, keyed `04SS-<year>`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "receipt_sequence")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub ward_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub series: String,
    pub next_number: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
