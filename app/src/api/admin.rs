//! Ward set-up by an admin: accounts and kiosk pairing. An admin of one ward manages only
//! that ward; the first admin (made by `wardpay admin create`) manages every ward.

use crate::error::AppError;
use crate::model::{AccountRow, BankChoice, CounterInfo, KioskDeviceRow, NewAccount, WardForm, WardInfo};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetupView {
    pub wards: Vec<WardInfo>,
    /// The same wards, every field, for editing.
    pub ward_forms: Vec<WardForm>,
    /// The NAPAS directory, for the collection account's bank.
    pub banks: Vec<BankChoice>,
    /// Whether this admin may create wards (an admin of every ward).
    pub can_create_wards: bool,
    pub counters: Vec<CounterInfo>,
    pub accounts: Vec<AccountRow>,
    pub kiosks: Vec<KioskDeviceRow>,
}

#[server(endpoint = "admin_setup")]
pub async fn admin_setup() -> Result<SetupView, AppError> {
    use super::guard::*;
    use crate::backend::entity::{counter, ward};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    let me = staff("admin_setup")?;
    let b = backend()?;
    let mut wq = ward::Entity::find().order_by_asc(ward::Column::Id);
    let mut cq = counter::Entity::find().order_by_asc(counter::Column::WardId).order_by_asc(counter::Column::Number);
    if let Some(w) = me.ward_id {
        wq = wq.filter(ward::Column::Id.eq(w));
        cq = cq.filter(counter::Column::WardId.eq(w));
    }
    let wards = wq.all(&b.db).await.map_err(|e| fail(e.into()))?;
    let counters = cq.all(&b.db).await.map_err(|e| fail(e.into()))?;
    Ok(SetupView {
        wards: wards.iter().map(crate::backend::counters::ward_info).collect(),
        ward_forms: wards.iter().map(crate::backend::wards::form_of).collect(),
        banks: crate::backend::wards::banks(),
        can_create_wards: me.ward_id.is_none(),
        counters: counters.iter().map(crate::backend::counters::counter_info).collect(),
        accounts: crate::backend::auth::list_accounts(&b.db, me.ward_id).await.map_err(fail)?,
        kiosks: crate::backend::kiosks::list(&b.db, me.ward_id).await.map_err(fail)?,
    })
}

#[server(endpoint = "admin_create_account", input = server_fn::codec::Json)]
pub async fn admin_create_account(input: NewAccount) -> Result<AccountRow, AppError> {
    use super::guard::*;
    let me = staff("admin_create_account")?;
    let b = backend()?;
    // A ward's admin creates accounts of that ward only.
    if let Some(w) = me.ward_id {
        if input.ward_id != Some(w) {
            return Err(refuse(crate::error::ErrorCode::Forbidden, "chỉ tạo được tài khoản của phường mình (your ward only)"));
        }
    }
    crate::backend::auth::create_account(&b.db, input, &me.username).await.map_err(fail)
}

#[cfg(feature = "ssr")]
async fn account_in_scope(b: &crate::backend::Backend, me: &crate::backend::auth::StaffUser, id: i64) -> Result<(), AppError> {
    use super::guard::*;
    let a = crate::backend::auth::find_account(&b.db, id).await.map_err(fail)?;
    match (me.ward_id, a.ward_id) {
        (None, _) => Ok(()),
        (Some(mine), Some(theirs)) if mine == theirs => Ok(()),
        _ => Err(refuse(crate::error::ErrorCode::Forbidden, "tài khoản thuộc phường khác (another ward's account)")),
    }
}

#[server(endpoint = "admin_set_account_active")]
pub async fn admin_set_account_active(id: i64, active: bool) -> Result<(), AppError> {
    use super::guard::*;
    let me = staff("admin_set_account_active")?;
    let b = backend()?;
    account_in_scope(&b, &me, id).await?;
    crate::backend::auth::set_active(&b.db, id, active, &me).await.map_err(fail)
}

#[server(endpoint = "admin_reset_password")]
pub async fn admin_reset_password(id: i64, password: String) -> Result<(), AppError> {
    use super::guard::*;
    let me = staff("admin_reset_password")?;
    let b = backend()?;
    account_in_scope(&b, &me, id).await?;
    crate::backend::auth::set_password(&b.db, id, password, &me.username).await.map_err(fail)
}

/// Pairs the kiosk showing `code` with `counter_id` (by default the counter it asked for).
#[server(endpoint = "admin_pair_kiosk")]
pub async fn admin_pair_kiosk(code: String, counter_id: Option<i64>, label: String) -> Result<KioskDeviceRow, AppError> {
    use super::guard::*;
    let me = staff("admin_pair_kiosk")?;
    let b = backend()?;
    crate::backend::kiosks::approve(&b.db, &code, counter_id, &label, &me).await.map_err(fail)
}

#[server(endpoint = "admin_revoke_kiosk")]
pub async fn admin_revoke_kiosk(id: i64) -> Result<(), AppError> {
    use super::guard::*;
    let me = staff("admin_revoke_kiosk")?;
    let b = backend()?;
    crate::backend::kiosks::revoke(&b.db, id, &me).await.map_err(fail)?;
    b.hub.publish(crate::model::Topic::Device(id), &crate::model::ServerMsg::Revoked);
    Ok(())
}

/// Creates (`id` `None`) or updates a ward: identity, collection account, receipt numbering.
#[server(endpoint = "admin_save_ward", input = server_fn::codec::Json)]
pub async fn admin_save_ward(input: WardForm) -> Result<WardInfo, AppError> {
    use super::guard::*;
    let me = staff("admin_save_ward")?;
    let b = backend()?;
    // A refused set-up (a receipt series that does not fit TT 91, say) is a person's
    // attempt: audited like the money actions.
    let (ward, subject) = (input.id.or(me.ward_id), format!("ward:{}", input.id.map(|i| i.to_string()).unwrap_or_else(|| "new".into())));
    let done = crate::backend::wards::save(&b.db, input, &me).await;
    audit_refusal(&b, &principal(), ward, "ward.save_refused", subject, done).await
}

#[server(endpoint = "admin_add_counter")]
pub async fn admin_add_counter(ward_id: i64, name: String) -> Result<CounterInfo, AppError> {
    use super::guard::*;
    let me = staff("admin_add_counter")?;
    let b = backend()?;
    let c = crate::backend::wards::add_counter(&b.db, ward_id, &name, &me).await.map_err(fail)?;
    // The supervisor's ward view lists counters.
    b.changes.ward(ward_id);
    Ok(c)
}

/// Every fee item of a ward, offered or not.
#[server(endpoint = "admin_fee_items")]
pub async fn admin_fee_items(ward_id: i64) -> Result<Vec<crate::model::FeeItemRow>, AppError> {
    use super::guard::*;
    let who = authorize("admin_fee_items")?;
    ward_scope(&who, ward_id)?;
    let b = backend()?;
    crate::backend::fee_catalog::list(&b.db, ward_id).await.map_err(fail)
}

#[server(endpoint = "admin_update_fee_item", input = server_fn::codec::Json)]
pub async fn admin_update_fee_item(edit: crate::model::FeeItemEdit) -> Result<crate::model::FeeItemRow, AppError> {
    use super::guard::*;
    let me = staff("admin_update_fee_item")?;
    let b = backend()?;
    crate::backend::fee_catalog::update(&b.db, edit, &me).await.map_err(fail)
}

/// Gives a ward without a catalog the standard one.
#[server(endpoint = "admin_import_catalog")]
pub async fn admin_import_catalog(ward_id: i64) -> Result<usize, AppError> {
    use super::guard::*;
    let me = staff("admin_import_catalog")?;
    let b = backend()?;
    crate::backend::fee_catalog::import_standard(&b.db, ward_id, &me).await.map_err(fail)
}
