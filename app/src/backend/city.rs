//! A demonstration city in one database: the demo ward and sibling wards, each with its
//! counters, fee catalog, example budget codes and three staff accounts (officer, supervisor,
//! accountant). Hà Nội has 126 wards and communes since the 2025 reorganisation; that is the
//! default size. Idempotent: a ward, counter or account that exists is left as it is.

use super::entity::{account, counter, ward};
use super::{auth, seed, BackendError};
use crate::model::{CounterStatus, NewAccount, Role};
use chrono::Utc;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, Set, TransactionTrait};

/// Hà Nội's wards and communes after the 2025 reorganisation.
pub const HANOI_WARDS: u32 = 126;

/// What [`seed_city`] made (or found).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct City {
    /// Ward ids in ward-number order; the first is the demo ward.
    pub wards: Vec<i64>,
    pub counters: usize,
    pub accounts_created: usize,
}

/// Ward `k`'s agency code: the demo ward is `000.00.01.H26`, ward 2 `000.00.02.H26`… and from
/// 100 on `000.01.00.H26`, so every code keeps the portal's `000.XX.YY.H26` shape.
pub fn ward_code(k: u32) -> String {
    format!("000.{:02}.{:02}.H26", k / 100, k % 100)
}

/// The staff accounts of ward `k` (k ≥ 2; ward 1 has the demo accounts): `canbo.007`…
pub fn staff_usernames(k: u32) -> [(String, Role); 3] {
    [(format!("canbo.{k:03}"), Role::Officer), (format!("truongbp.{k:03}"), Role::Supervisor), (format!("ketoan.{k:03}"), Role::Accountant)]
}

/// Ward `k` (created with `counters` counters if it does not exist); its id.
pub async fn ensure_sibling_ward(db: &DatabaseConnection, k: u32, counters: i32) -> Result<i64, BackendError> {
    let code = ward_code(k);
    let txn = db.begin().await?;
    let id = match ward::Entity::find().filter(ward::Column::Code.eq(code.clone())).one(&txn).await? {
        Some(w) => w.id,
        None => {
            let w = ward::ActiveModel {
                code: Set(code),
                name: Set(format!("UBND Phường Mẫu {k}")),
                address: Set(format!("{k} Phố Mẫu, Hà Nội")),
                tax_code: Set(format!("0100{k:06}")),
                budget_code: Set(format!("1{k:06}")),
                bank_bin: Set("970415".into()),
                bank_account: Set(format!("1133666688{k:02}")),
                bank_account_name: Set(format!("UBND PHUONG MAU {k}")),
                receipt_form: Set("EBL01".into()),
                receipt_series: Set(format!("26TP{}", char::from(b'A' + (k % 26) as u8))),
                receipt_key: Set(seed::new_receipt_key()),
                created_at: Set(Utc::now()),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
            seed::insert_standard_catalog(&txn, w.id).await?;
            if super::budget_codes::profiles(&txn, w.id).await?.is_empty() {
                super::budget_codes::seed_examples(&txn, w.id).await?;
            }
            w.id
        }
    };
    ensure_counters(&txn, id, counters).await?;
    txn.commit().await?;
    Ok(id)
}

/// Counters 1..=n of a ward, the missing ones created open.
pub async fn ensure_counters(db: &impl ConnectionTrait, ward_id: i64, n: i32) -> Result<usize, BackendError> {
    let have: Vec<i32> =
        counter::Entity::find().filter(counter::Column::WardId.eq(ward_id)).all(db).await?.into_iter().map(|c| c.number).collect();
    let mut added = 0;
    for number in (1..=n).filter(|n| !have.contains(n)) {
        counter::ActiveModel {
            ward_id: Set(ward_id),
            number: Set(number),
            name: Set(format!("Quầy {number}")),
            status: Set(CounterStatus::Open.as_str().into()),
            status_changed_at: Set(Utc::now()),
            status_changed_by: Set("seed".into()),
            ..Default::default()
        }
        .insert(db)
        .await?;
        added += 1;
    }
    Ok(added)
}

/// The city: `wards` wards (the demo ward first) with `counters` counters each, and staff.
/// Every account has the demo password; it is hashed once (argon2 takes a moment each).
pub async fn seed_city(db: &DatabaseConnection, wards: u32, counters: i32) -> Result<City, BackendError> {
    if !(1..=999).contains(&wards) || !(1..=50).contains(&counters) {
        return Err(BackendError::invalid("wards", "from 1 to 999 wards, 1 to 50 counters each"));
    }
    let demo = seed::seed_demo(db).await?;
    auth::seed_demo_accounts(db, demo).await?;
    ensure_counters(db, demo, counters).await?;
    let mut ids = vec![demo];
    let hash = auth::hash_password(auth::DEMO_PASSWORD.to_string()).await?;
    let mut accounts_created = 0;
    for k in 2..=wards {
        let id = ensure_sibling_ward(db, k, counters).await?;
        for (username, role) in staff_usernames(k) {
            if account::Entity::find().filter(account::Column::Username.eq(username.clone())).one(db).await?.is_some() {
                continue;
            }
            let input = NewAccount {
                username,
                display_name: format!("{} {k} (demo)", role_name(role)),
                role,
                ward_id: Some(id),
                password: String::new(),
            };
            auth::create_account_hashed(db, input, hash.clone(), "seed").await?;
            accounts_created += 1;
        }
        ids.push(id);
    }
    let counters = counter::Entity::find().filter(counter::Column::WardId.is_in(ids.clone())).all(db).await?.len();
    Ok(City { wards: ids, counters, accounts_created })
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Officer => "Cán bộ một cửa phường",
        Role::Supervisor => "Trưởng bộ phận phường",
        Role::Accountant => "Kế toán phường",
        Role::Support => "Hỗ trợ phường",
        Role::Admin => "Quản trị",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ward_codes_keep_the_portals_shape_and_are_distinct() {
        assert_eq!(ward_code(1), seed::DEMO_WARD_CODE);
        assert_eq!(ward_code(7), "000.00.07.H26");
        assert_eq!(ward_code(126), "000.01.26.H26");
        let codes: std::collections::BTreeSet<String> = (1..=HANOI_WARDS).map(ward_code).collect();
        assert_eq!(codes.len(), HANOI_WARDS as usize);
    }

    #[test]
    fn staff_names_are_valid_usernames() {
        for (name, _) in staff_usernames(126) {
            assert_eq!(auth::clean_username(&name).ok().as_deref(), Some(name.as_str()));
        }
    }
}
