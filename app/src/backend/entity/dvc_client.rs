use sea_orm::entity::prelude::*;

/// A portal client allowed to call the DVC connector API. Rows are made to match the
/// configuration (`WARDPAY_DVC_KEYS`) at every start; keys no longer configured are
/// deactivated, never deleted (old dossiers name them in `created_by`).
#[derive(Clone, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "dvc_client")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub key_id: String,
    /// The shared HMAC secret. Never logged, never sent anywhere.
    pub secret: String,
    /// Where signed callbacks go (`WARDPAY_DVC_CALLBACK_URL`).
    pub callback_url: Option<String>,
    pub active: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("dvc_client")
            .field("id", &self.id)
            .field("key_id", &self.key_id)
            .field("secret", &"***")
            .field("callback_url", &self.callback_url)
            .field("active", &self.active)
            .finish()
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
