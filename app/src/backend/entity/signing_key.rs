use sea_orm::entity::prelude::*;

/// A ward's receipt-signing key. The public half is published on /verify; the secret half
/// never leaves the server. A rotated key keeps its row (with `valid_to`) so receipts it
/// signed stay verifiable.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "signing_key")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub ward_id: i64,
    /// Printed on receipts: which key signed them.
    pub key_id: String,
    pub algorithm: String,
    /// Base64 (standard, padded) of the 32-byte Ed25519 public key.
    pub public_key: String,
    /// Hex of the 32-byte secret key.
    pub secret_key: String,
    pub valid_from: DateTimeUtc,
    pub valid_to: Option<DateTimeUtc>,
    pub created_by: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
