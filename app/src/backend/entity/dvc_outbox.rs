use sea_orm::entity::prelude::*;

/// A callback to the portal, kept until the portal answers 2xx.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "dvc_outbox")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Sent in the body: the portal deduplicates deliveries by it.
    pub event_id: String,
    pub payment_request_id: i64,
    pub dossier_code: String,
    /// The client whose secret signs the callback (the one that created the dossier).
    pub key_id: String,
    /// `paid` or `receipt_issued`.
    pub event: String,
    /// The JSON body, fixed when the event happened.
    #[sea_orm(column_type = "Text")]
    pub payload: String,
    /// `pending` or `delivered`.
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub created_at: DateTimeUtc,
    pub delivered_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
