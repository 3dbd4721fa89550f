//! The demo accounts, one per role (demo mode only).

use super::*;

/// Demo accounts (demo mode only): one per role, all with [`DEMO_PASSWORD`].
pub const DEMO_ACCOUNTS: [(&str, &str, Role); 5] = [
    ("admin", "Quản trị viên (demo)", Role::Admin),
    ("canbo", "Nguyễn Thị Cán Bộ (demo)", Role::Officer),
    ("truongbp", "Trần Văn Trưởng (demo)", Role::Supervisor),
    ("hotro", "Lê Thị Hỗ Trợ (demo)", Role::Support),
    ("ketoan", "Phạm Thị Kế Toán (demo)", Role::Accountant),
];
pub const DEMO_PASSWORD: &str = "wardpay-demo";

/// Creates the demo accounts that are missing (idempotent).
pub async fn seed_demo_accounts(db: &DatabaseConnection, ward_id: i64) -> Result<(), BackendError> {
    for (username, name, role) in DEMO_ACCOUNTS {
        if account::Entity::find().filter(account::Column::Username.eq(username)).one(db).await?.is_some() {
            continue;
        }
        let input = NewAccount {
            username: username.into(),
            display_name: name.into(),
            role,
            ward_id: Some(ward_id),
            password: DEMO_PASSWORD.into(),
        };
        create_account(db, input, "seed").await?;
    }
    Ok(())
}
