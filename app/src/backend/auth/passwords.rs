//! Passwords: argon2id hashing off the async threads, the rules a new one must meet, and
//! the username's shape.

use super::*;

/// Hashes off the async threads: argon2id is meant to be slow.
pub async fn hash_password(password: String) -> Result<String, BackendError> {
    tokio::task::spawn_blocking(move || {
        use argon2::password_hash::PasswordHasher;
        argon2::Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| BackendError::invalid("password", e.to_string()))
    })
    .await
    .map_err(|_| BackendError::Unavailable)?
}

pub(super) async fn password_matches(password: String, phc: String) -> bool {
    tokio::task::spawn_blocking(move || {
        use argon2::password_hash::{phc::PasswordHash, PasswordVerifier};
        PasswordHash::new(&phc).is_ok_and(|h| argon2::Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
    })
    .await
    .unwrap_or(false)
}

/// Checked against when the username is unknown, so that a wrong name takes as long as a
/// wrong password and timing does not tell which names exist.
pub(super) static DUMMY_HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();

pub(super) async fn dummy_hash() -> String {
    if let Some(h) = DUMMY_HASH.get() {
        return h.clone();
    }
    let h = hash_password(new_token()).await.unwrap_or_default();
    DUMMY_HASH.get_or_init(|| h).clone()
}

pub fn check_password_rules(password: &str) -> Result<(), BackendError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(BackendError::invalid(
            "password",
            format!("mật khẩu cần ít nhất {MIN_PASSWORD_CHARS} ký tự (at least {MIN_PASSWORD_CHARS} characters)"),
        ));
    }
    if password.len() > 256 {
        return Err(BackendError::invalid("password", "mật khẩu quá dài (at most 256 bytes)"));
    }
    Ok(())
}

pub fn clean_username(s: &str) -> Result<String, BackendError> {
    let u = s.trim().to_lowercase();
    let ok = (3..=40).contains(&u.len()) && u.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if !ok {
        return Err(BackendError::invalid("username", "3–40 chữ thường, số, dấu . _ - (3–40 of a-z 0-9 . _ -)"));
    }
    Ok(u)
}
