use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "receipt")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub ward_id: i64,
    pub payment_request_id: i64,
    pub form: String,
    pub series: String,
    pub year: i32,
    pub number: i64,
    pub payer_name: String,
    pub amount: i64,
    pub method: String,
    pub bank_ref: Option<String>,
    pub issued_at: DateTimeUtc,
    /// The canonical JSON content that `signature` covers.
    #[sea_orm(column_type = "Text")]
    pub content: String,
    pub signature: String,
    /// The receipt this one replaces (TT 91: a replacement names the receipt it corrects).
    pub replaces_id: Option<i64>,
    /// Why a replacement was issued.
    #[sea_orm(column_type = "Text", nullable)]
    pub reason: Option<String>,
    /// Who issued a replacement (receipts of a payment are issued by the system).
    pub issued_by: Option<String>,
    /// `ed25519` (key `key_id`, published on /verify) or `hmac-sha256` (receipts signed
    /// before public keys).
    pub sig_alg: String,
    pub key_id: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
