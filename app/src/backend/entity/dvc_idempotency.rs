use sea_orm::entity::prelude::*;

/// The first response to a POST with a given `Idempotency-Key`, per client.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "dvc_idempotency")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub key_id: String,
    pub idem_key: String,
    /// SHA-256 (hex) of method, path and body: the same key with another body is refused.
    pub fingerprint: String,
    /// 0 while the first request is in progress, then its HTTP status.
    pub status: i32,
    #[sea_orm(column_type = "Text", nullable)]
    pub response_body: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
