//! Budget codes and treasury settings as dated data the accountant keeps (TT 130/2025):
//! per fee line the chương and NDKT, per ward the ĐBHC, the receiving treasury and its
//! accounts for phí and lệ phí, and the deposit intervals. Each row applies from its first
//! day until the next row's; a report uses the rows in effect on the day the money came.

use super::audit::{self, Entry};
use super::auth::StaffUser;
use super::entity::{fee_budget_code, fee_item, treasury_profile};
use super::{fields, BackendError};
use crate::domain::treasury::{self as rules, in_effect, DepositInterval};
use crate::model::{BudgetCodesView, FeeCodeForm, FeeCodeRow, FeeCodeView, TreasuryProfileForm, TreasuryProfileView};
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};

fn is_free(i: &fee_item::Model) -> bool {
    serde_json::from_str::<crate::domain::fees::FeeRule>(&i.rule).is_ok_and(|r| r == crate::domain::fees::FeeRule::Free)
}

fn profile_view(p: treasury_profile::Model) -> TreasuryProfileView {
    TreasuryProfileView {
        id: p.id,
        valid_to: p.valid_to,
        example: p.example,
        set_by: p.set_by,
        form: TreasuryProfileForm {
            valid_from: p.valid_from,
            chapter: p.chapter,
            dbhc_code: p.dbhc_code,
            kbnn_code: p.kbnn_code,
            kbnn_name: p.kbnn_name,
            account_phi: p.account_phi,
            account_le_phi: p.account_le_phi,
            revenue_agency: p.revenue_agency,
            interval_phi: p.interval_phi,
            interval_le_phi: p.interval_le_phi,
        },
    }
}

fn code_view(c: &fee_budget_code::Model) -> FeeCodeView {
    FeeCodeView {
        id: c.id,
        valid_from: c.valid_from.clone(),
        valid_to: c.valid_to.clone(),
        chapter: c.chapter.clone(),
        ndkt: c.ndkt.clone(),
        example: c.example,
        set_by: c.set_by.clone(),
    }
}

pub async fn profiles(db: &impl ConnectionTrait, ward_id: i64) -> Result<Vec<treasury_profile::Model>, BackendError> {
    Ok(treasury_profile::Entity::find()
        .filter(treasury_profile::Column::WardId.eq(ward_id))
        .order_by_asc(treasury_profile::Column::ValidFrom)
        .all(db)
        .await?)
}

/// The treasury settings in effect on `day` (YYYY-MM-DD).
pub fn profile_on<'a>(rows: &'a [treasury_profile::Model], day: &str) -> Option<&'a treasury_profile::Model> {
    rows.iter().find(|p| in_effect(&p.valid_from, p.valid_to.as_deref(), day))
}

pub async fn fee_codes(db: &impl ConnectionTrait, ward_id: i64) -> Result<Vec<fee_budget_code::Model>, BackendError> {
    Ok(fee_budget_code::Entity::find()
        .filter(fee_budget_code::Column::WardId.eq(ward_id))
        .order_by_asc(fee_budget_code::Column::ValidFrom)
        .all(db)
        .await?)
}

/// The code of fee item `fee_item_id` in effect on `day`.
pub fn code_on<'a>(rows: &'a [fee_budget_code::Model], fee_item_id: i64, day: &str) -> Option<&'a fee_budget_code::Model> {
    rows.iter().find(|c| c.fee_item_id == fee_item_id && in_effect(&c.valid_from, c.valid_to.as_deref(), day))
}

pub async fn view(db: &DatabaseConnection, ward_id: i64, can_edit: bool) -> Result<BudgetCodesView, BackendError> {
    let today = crate::time::vn_today(Utc::now());
    let codes = fee_codes(db, ward_id).await?;
    let items =
        fee_item::Entity::find().filter(fee_item::Column::WardId.eq(ward_id)).order_by_asc(fee_item::Column::ProcedureName).all(db).await?;
    let fees = items
        .into_iter()
        // A free procedure has nothing to deposit, so nothing to code.
        .filter(|i| !is_free(i))
        .map(|i| FeeCodeRow {
            current: code_on(&codes, i.id, &today).map(code_view),
            history: codes.iter().filter(|c| c.fee_item_id == i.id).map(code_view).collect(),
            fee_item_id: i.id,
            procedure_name: i.procedure_name,
            fee_name: i.fee_name,
            kind: i.kind,
        })
        .collect();
    Ok(BudgetCodesView {
        profiles: profiles(db, ward_id).await?.into_iter().map(profile_view).collect(),
        fees,
        holidays: super::holidays::list(db, ward_id).await?,
        can_edit,
        today,
    })
}

fn day(field: &'static str, s: &str) -> Result<String, BackendError> {
    fields::day(field, s).map(|d| d.format("%Y-%m-%d").to_string())
}

fn checked(field: &'static str, r: Result<(), rules::CodeError>) -> Result<(), BackendError> {
    r.map_err(|e| BackendError::invalid(field, e.to_string()))
}

fn interval(field: &'static str, s: &str) -> Result<String, BackendError> {
    DepositInterval::parse(s.trim())
        .map(|i| i.as_str().to_string())
        .ok_or_else(|| BackendError::invalid(field, "daily, weekly hoặc monthly (daily, weekly or monthly)"))
}

/// Adds (or, for the same first day, changes) the ward's treasury settings from a day on.
pub async fn set_profile(
    db: &DatabaseConnection,
    ward_id: i64,
    f: TreasuryProfileForm,
    by: &StaffUser,
) -> Result<TreasuryProfileView, BackendError> {
    let valid_from = day("valid_from", &f.valid_from)?;
    let chapter = f.chapter.trim().to_string();
    checked("chapter", rules::check_chapter(&chapter))?;
    let dbhc = f.dbhc_code.trim().to_string();
    checked("dbhc_code", rules::check_dbhc(&dbhc))?;
    let kbnn = f.kbnn_code.trim().to_string();
    checked("kbnn_code", rules::check_kbnn(&kbnn))?;
    let kbnn_name = fields::text("kbnn_name", &f.kbnn_name, 120)?;
    let account_phi = f.account_phi.trim().to_string();
    checked("account_phi", rules::check_account(&account_phi))?;
    let account_le_phi = f.account_le_phi.trim().to_string();
    checked("account_le_phi", rules::check_account(&account_le_phi))?;
    let agency = fields::text("revenue_agency", &f.revenue_agency, 120)?;
    let (interval_phi, interval_le_phi) = (interval("interval_phi", &f.interval_phi)?, interval("interval_le_phi", &f.interval_le_phi)?);
    let txn = db.begin().await?;
    let existing = treasury_profile::Entity::find()
        .filter(treasury_profile::Column::WardId.eq(ward_id))
        .filter(treasury_profile::Column::ValidFrom.eq(valid_from.clone()))
        .one(&txn)
        .await?;
    let before = existing.as_ref().map(|p| serde_json::json!(profile_view(p.clone()).form));
    let mut am = match existing {
        Some(p) => p.into_active_model(),
        None => treasury_profile::ActiveModel { ward_id: Set(ward_id), valid_from: Set(valid_from.clone()), ..Default::default() },
    };
    am.chapter = Set(chapter);
    am.dbhc_code = Set(dbhc);
    am.kbnn_code = Set(kbnn);
    am.kbnn_name = Set(kbnn_name);
    am.account_phi = Set(account_phi);
    am.account_le_phi = Set(account_le_phi);
    am.revenue_agency = Set(agency);
    am.interval_phi = Set(interval_phi);
    am.interval_le_phi = Set(interval_le_phi);
    am.example = Set(false);
    am.set_by = Set(by.username.clone());
    am.set_at = Set(Utc::now());
    am.valid_to = Set(None);
    let saved = am.save(&txn).await?;
    let id = saved.id.clone().unwrap();
    chain_profiles(&txn, ward_id).await?;
    let saved = treasury_profile::Entity::find_by_id(id).one(&txn).await?.ok_or(BackendError::NotFound("treasury settings"))?;
    audit::append(
        &txn,
        Entry::new(&by.username, Some(ward_id), "treasury.settings", format!("treasury_profile:{id}"))
            .detail(serde_json::json!({ "before": before, "after": profile_view(saved.clone()).form })),
    )
    .await?;
    txn.commit().await?;
    Ok(profile_view(saved))
}

/// Each row applies until the next row's first day.
async fn chain_profiles(txn: &impl ConnectionTrait, ward_id: i64) -> Result<(), BackendError> {
    let rows = profiles(txn, ward_id).await?;
    let ends = rules::chained_ends(&rows.iter().map(|p| p.valid_from.as_str()).collect::<Vec<_>>());
    for (p, end) in rows.into_iter().zip(ends) {
        if p.valid_to != end {
            let mut am = p.into_active_model();
            am.valid_to = Set(end);
            am.update(txn).await?;
        }
    }
    Ok(())
}

/// Sets a fee line's chương and NDKT from a day on.
pub async fn set_fee_code(db: &DatabaseConnection, ward_id: i64, f: FeeCodeForm, by: &StaffUser) -> Result<FeeCodeView, BackendError> {
    let valid_from = day("valid_from", &f.valid_from)?;
    let chapter = f.chapter.trim().to_string();
    checked("chapter", rules::check_chapter(&chapter))?;
    let ndkt = f.ndkt.trim().to_string();
    checked("ndkt", rules::check_ndkt(&ndkt))?;
    let txn = db.begin().await?;
    let item = fee_item::Entity::find_by_id(f.fee_item_id)
        .one(&txn)
        .await?
        .filter(|i| i.ward_id == ward_id)
        .ok_or(BackendError::NotFound("fee item"))?;
    let existing = fee_budget_code::Entity::find()
        .filter(fee_budget_code::Column::FeeItemId.eq(item.id))
        .filter(fee_budget_code::Column::ValidFrom.eq(valid_from.clone()))
        .one(&txn)
        .await?;
    let before = existing.as_ref().map(|c| serde_json::json!({ "chapter": c.chapter, "ndkt": c.ndkt, "example": c.example }));
    let mut am = match existing {
        Some(c) => c.into_active_model(),
        None => fee_budget_code::ActiveModel {
            ward_id: Set(ward_id),
            fee_item_id: Set(item.id),
            valid_from: Set(valid_from.clone()),
            ..Default::default()
        },
    };
    am.chapter = Set(chapter.clone());
    am.ndkt = Set(ndkt.clone());
    am.example = Set(false);
    am.set_by = Set(by.username.clone());
    am.set_at = Set(Utc::now());
    am.valid_to = Set(None);
    let id = am.save(&txn).await?.id.clone().unwrap();
    // Chain this item's rows, each until the next one's first day.
    let mut rows: Vec<fee_budget_code::Model> = fee_budget_code::Entity::find()
        .filter(fee_budget_code::Column::FeeItemId.eq(item.id))
        .order_by_asc(fee_budget_code::Column::ValidFrom)
        .all(&txn)
        .await?;
    let ends = rules::chained_ends(&rows.iter().map(|c| c.valid_from.as_str()).collect::<Vec<_>>());
    for (c, end) in rows.iter_mut().zip(ends) {
        if c.valid_to != end {
            let mut am = c.clone().into_active_model();
            am.valid_to = Set(end.clone());
            am.update(&txn).await?;
            c.valid_to = end;
        }
    }
    // The catalog's sub-item (copied onto each new fee line) follows today's code.
    let today = crate::time::vn_today(Utc::now());
    if let Some(now) = code_on(&rows, item.id, &today) {
        if now.ndkt != item.budget_subitem {
            let mut im = item.clone().into_active_model();
            im.budget_subitem = Set(now.ndkt.clone());
            im.update(&txn).await?;
        }
    }
    let saved = fee_budget_code::Entity::find_by_id(id).one(&txn).await?.ok_or(BackendError::NotFound("budget code"))?;
    audit::append(
        &txn,
        Entry::new(&by.username, Some(ward_id), "treasury.fee_code", format!("fee_item:{}", item.id)).detail(serde_json::json!({
            "fee_name": item.fee_name, "valid_from": valid_from, "before": before, "after": { "chapter": chapter, "ndkt": ndkt },
        })),
    )
    .await?;
    txn.commit().await?;
    Ok(code_view(&saved))
}

/// Demo values for a new demo ward: shown as examples until the accountant confirms them.
pub async fn seed_examples(txn: &impl ConnectionTrait, ward_id: i64) -> Result<(), BackendError> {
    let now = Utc::now();
    treasury_profile::ActiveModel {
        ward_id: Set(ward_id),
        valid_from: Set("2026-01-01".into()),
        valid_to: Set(None),
        chapter: Set("830".into()),
        dbhc_code: Set("00001".into()),
        kbnn_code: Set("0011".into()),
        kbnn_name: Set("Kho bạc Nhà nước khu vực I (ví dụ)".into()),
        account_phi: Set("3511.0.1000001".into()),
        account_le_phi: Set("7111.0.1000001".into()),
        revenue_agency: Set("Thuế cơ sở phường (ví dụ)".into()),
        interval_phi: Set(DepositInterval::Weekly.as_str().into()),
        interval_le_phi: Set(DepositInterval::Weekly.as_str().into()),
        example: Set(true),
        set_by: Set("seed".into()),
        set_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    let items = fee_item::Entity::find().filter(fee_item::Column::WardId.eq(ward_id)).all(txn).await?;
    for i in items.into_iter().filter(|i| !is_free(i)) {
        // TT 130/2025 examples: 2716 phí chứng thực, 2771 lệ phí hộ tịch; the copy fee of a
        // civil-status extract has no example code, so the demo shows a flagged line.
        let ndkt = if i.kind == "le_phi" {
            "2771"
        } else if i.procedure_name.to_lowercase().contains("chứng thực") || i.fee_name.to_lowercase().contains("chứng thực") {
            "2716"
        } else {
            continue;
        };
        fee_budget_code::ActiveModel {
            ward_id: Set(ward_id),
            fee_item_id: Set(i.id),
            valid_from: Set("2026-01-01".into()),
            valid_to: Set(None),
            chapter: Set("830".into()),
            ndkt: Set(ndkt.into()),
            example: Set(true),
            set_by: Set("seed".into()),
            set_at: Set(now),
            ..Default::default()
        }
        .insert(txn)
        .await?;
    }
    Ok(())
}
