use sea_orm::entity::prelude::*;

/// A ward's mapping of its bank's own statement headers (`bankfeed::statement::Mapping`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "statement_mapping")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub ward_id: i64,
    #[sea_orm(column_type = "Text")]
    pub spec: String,
    pub updated_by: String,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
