use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "dossier")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub ward_id: i64,
    pub counter_id: i64,
    pub code: String,
    pub request_key: Option<String>,
    pub applicant_name: String,
    pub id_number: Option<String>,
    pub phone: Option<String>,
    pub procedure_code: String,
    pub procedure_name: String,
    /// `counter` (typed by the officer) or `dvc` (arrived from the portal).
    pub source: String,
    pub total: i64,
    /// `pending`, `free` (nothing to pay, no QR), `paid`, `cancelled`.
    pub outcome: String,
    pub created_at: DateTimeUtc,
    pub created_by: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
