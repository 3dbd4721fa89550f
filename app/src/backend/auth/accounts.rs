//! Staff accounts: create (audited), list, disable, change a password.

use super::*;

pub(super) fn account_row(a: &account::Model) -> Result<AccountRow, BackendError> {
    Ok(AccountRow {
        id: a.id,
        username: a.username.clone(),
        display_name: a.display_name.clone(),
        role: Role::parse(&a.role).ok_or_else(|| BackendError::invalid("role", format!("unknown role {}", a.role)))?,
        ward_id: a.ward_id,
        active: a.active,
        created_at: a.created_at.to_rfc3339(),
    })
}

/// Creates an account. `by` is the admin's name (or `cli`/`seed`), recorded with it.
pub async fn create_account(db: &DatabaseConnection, input: NewAccount, by: &str) -> Result<AccountRow, BackendError> {
    let username = clean_username(&input.username)?;
    let display_name = input.display_name.trim().to_string();
    if display_name.is_empty() || display_name.chars().count() > 100 {
        return Err(BackendError::invalid("display_name", "cần họ tên (1–100 ký tự) (a name is required)"));
    }
    if input.role != Role::Admin && input.ward_id.is_none() {
        return Err(BackendError::invalid("ward_id", "tài khoản này cần thuộc một phường (this role belongs to one ward)"));
    }
    if let Some(w) = input.ward_id {
        crate::backend::entity::ward::Entity::find_by_id(w).one(db).await?.ok_or(BackendError::invalid("ward_id", "no such ward"))?;
    }
    check_password_rules(&input.password)?;
    let hash = hash_password(input.password.clone()).await?;
    insert_account(db, input, username, display_name, hash, by).await
}

/// Creates an account whose password is already hashed (checked and validated by the caller,
/// as [`create_account`] does); audited like any other. Seeding many accounts with one
/// password hashes it once.
pub async fn create_account_hashed(db: &DatabaseConnection, input: NewAccount, hash: String, by: &str) -> Result<AccountRow, BackendError> {
    let username = clean_username(&input.username)?;
    let display_name = input.display_name.trim().to_string();
    insert_account(db, input, username, display_name, hash, by).await
}

pub(super) async fn insert_account(
    db: &DatabaseConnection,
    input: NewAccount,
    username: String,
    display_name: String,
    hash: String,
    by: &str,
) -> Result<AccountRow, BackendError> {
    let txn = db.begin().await?;
    if account::Entity::find().filter(account::Column::Username.eq(username.clone())).one(&txn).await?.is_some() {
        return Err(BackendError::invalid("username", "tên đăng nhập đã có (username taken)"));
    }
    let now = Utc::now();
    let a = account::ActiveModel {
        username: Set(username.clone()),
        display_name: Set(display_name),
        password_hash: Set(hash),
        role: Set(input.role.as_str().into()),
        ward_id: Set(input.ward_id),
        active: Set(true),
        created_at: Set(now),
        created_by: Set(by.into()),
        password_changed_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| match e.sql_err() {
        // Created a moment ago by someone else (the unique index decided).
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => BackendError::invalid("username", "tên đăng nhập đã có (username taken)"),
        _ => BackendError::Db(e),
    })?;
    audit::append(
        &txn,
        Entry::new(by, input.ward_id, "account.create", format!("account:{username}"))
            .detail(serde_json::json!({ "role": input.role.as_str() })),
    )
    .await?;
    txn.commit().await?;
    account_row(&a)
}

pub async fn list_accounts(db: &DatabaseConnection, ward_id: Option<i64>) -> Result<Vec<AccountRow>, BackendError> {
    let mut q = account::Entity::find();
    if let Some(w) = ward_id {
        q = q.filter(account::Column::WardId.eq(w));
    }
    q.order_by_asc(account::Column::Username).all(db).await?.iter().map(account_row).collect()
}

pub async fn find_account(db: &DatabaseConnection, id: i64) -> Result<account::Model, BackendError> {
    account::Entity::find_by_id(id).one(db).await?.ok_or(BackendError::NotFound("account"))
}

/// Turns an account on or off; turning it off also ends its sessions.
pub async fn set_active(db: &DatabaseConnection, id: i64, active: bool, by: &StaffUser) -> Result<(), BackendError> {
    let a = find_account(db, id).await?;
    if a.id == by.account_id && !active {
        return Err(BackendError::invalid("active", "không thể tự khoá tài khoản của mình (you cannot disable yourself)"));
    }
    let txn = db.begin().await?;
    let ward = a.ward_id;
    let username = a.username.clone();
    let mut am = a.into_active_model();
    am.active = Set(active);
    am.update(&txn).await?;
    if !active {
        session::Entity::delete_many().filter(session::Column::AccountId.eq(id)).exec(&txn).await?;
        known_device::Entity::delete_many().filter(known_device::Column::AccountId.eq(id)).exec(&txn).await?;
    }
    audit::append(
        &txn,
        Entry::new(&by.username, ward, if active { "account.enable" } else { "account.disable" }, format!("account:{username}")),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Sets a new password and ends the account's sessions.
pub async fn set_password(db: &DatabaseConnection, id: i64, password: String, by: &str) -> Result<(), BackendError> {
    check_password_rules(&password)?;
    let a = find_account(db, id).await?;
    let hash = hash_password(password).await?;
    let txn = db.begin().await?;
    let (ward, username) = (a.ward_id, a.username.clone());
    let mut am = a.into_active_model();
    am.password_hash = Set(hash);
    am.password_changed_at = Set(Utc::now());
    am.update(&txn).await?;
    session::Entity::delete_many().filter(session::Column::AccountId.eq(id)).exec(&txn).await?;
    // A browser trusted under the old password is not trusted under the new one.
    known_device::Entity::delete_many().filter(known_device::Column::AccountId.eq(id)).exec(&txn).await?;
    audit::append(&txn, Entry::new(by, ward, "account.password", format!("account:{username}"))).await?;
    txn.commit().await?;
    Ok(())
}
