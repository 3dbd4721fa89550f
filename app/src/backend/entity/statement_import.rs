use sea_orm::entity::prelude::*;

/// One bank statement file imported for a ward (once: the file's hash is unique per ward).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "statement_import")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub ward_id: i64,
    pub format: String,
    pub file_name: String,
    pub file_sha256: String,
    /// Credits in the file.
    pub credits: i64,
    /// Credits no earlier file held.
    pub new_lines: i64,
    /// The Vietnam calendar days the file covers, `YYYY-MM-DD`.
    pub first_day: String,
    pub last_day: String,
    pub imported_by: String,
    pub imported_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
