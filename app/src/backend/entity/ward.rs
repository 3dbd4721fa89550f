use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ward")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Agency code in the portal's `V1V2V3.Z1Z2.Y1Y2.Hxx` form; prefixes dossier codes.
    pub code: String,
    pub name: String,
    pub address: String,
    pub tax_code: String,
    /// Budget relation code (mã QHNS).
    pub budget_code: String,
    pub bank_bin: String,
    pub bank_account: String,
    pub bank_account_name: String,
    pub receipt_form: String,
    pub receipt_series: String,
    /// Hex HMAC key that signs this ward's receipts. Never sent to a browser.
    pub receipt_key: String,
    pub created_at: DateTimeUtc,
    /// The ward's kiosks sound a chime when a payment succeeds.
    pub kiosk_chime: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
