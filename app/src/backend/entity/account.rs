use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "account")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub username: String,
    pub display_name: String,
    /// argon2id, PHC string.
    pub password_hash: String,
    /// `model::Role` as text.
    pub role: String,
    pub ward_id: Option<i64>,
    pub active: bool,
    pub created_at: DateTimeUtc,
    pub created_by: String,
    pub password_changed_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
