use sea_orm::entity::prelude::*;

/// Refused bank notifications, counted per provider, reason, ward and hour (one row per
/// bucket, with the first one kept as a sample), so that a flood fills nothing and cannot
/// push a real alarm out of sight.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "intake_rejection")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub provider: String,
    pub reason: String,
    /// 0 when the body named no ward's collection account (unverified: the body was refused).
    pub ward_id: i64,
    pub bucket_start: DateTimeUtc,
    pub count: i64,
    pub first_at: DateTimeUtc,
    pub last_at: DateTimeUtc,
    pub status: i32,
    #[sea_orm(column_type = "Text")]
    pub sample_error: String,
    #[sea_orm(column_type = "Text")]
    pub sample_excerpt: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
