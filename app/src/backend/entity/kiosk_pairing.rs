use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "kiosk_pairing")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The short one-time code the kiosk shows.
    pub code: String,
    /// SHA-256 (hex) of the waiting kiosk's secret; on approval it becomes the device's token hash.
    pub claim_hash: String,
    pub counter_id: i64,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    /// The address that asked for the code (creation is limited per address).
    pub requested_ip: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
