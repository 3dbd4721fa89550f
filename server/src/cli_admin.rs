//! `wardpay admin …` (accounts from the command line, for the first admin) and
//! `wardpay audit verify` (walk the hash chain).

use app::backend::{audit, auth};
use app::model::{NewAccount, Role};
use clap::{Args, Subcommand};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use std::io::BufRead;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create an admin account. Without --ward it administers every ward.
    Create(CreateAdmin),
    /// Set a new password for an account (its sessions end).
    SetPassword(SetPassword),
}

#[derive(Debug, Args)]
pub struct CreateAdmin {
    #[arg(long)]
    pub username: String,
    /// The name shown on screens.
    #[arg(long, default_value = "Quản trị viên")]
    pub name: String,
    /// Limit the admin to the ward with this code (e.g. 000.00.01.H26).
    #[arg(long)]
    pub ward: Option<String>,
    #[command(flatten)]
    pub password: PasswordSource,
}

#[derive(Debug, Args)]
pub struct SetPassword {
    #[arg(long)]
    pub username: String,
    #[command(flatten)]
    pub password: PasswordSource,
}

/// Passwords never come from a flag (flags end up in shell history and `ps`): from the
/// environment, a file, or a line on standard input.
#[derive(Debug, Args)]
pub struct PasswordSource {
    /// Read the password from this file (first line).
    #[arg(long)]
    pub password_file: Option<PathBuf>,
}

impl PasswordSource {
    fn read(&self) -> Result<String, String> {
        if let Ok(p) = std::env::var("WARDPAY_ADMIN_PASSWORD") {
            if !p.is_empty() {
                return Ok(p);
            }
        }
        let line = match &self.password_file {
            Some(path) => std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?,
            None => {
                eprintln!("password (one line on standard input, or set WARDPAY_ADMIN_PASSWORD / --password-file):");
                let mut s = String::new();
                std::io::stdin().lock().read_line(&mut s).map_err(|e| e.to_string())?;
                s
            }
        };
        Ok(line.lines().next().unwrap_or("").to_string())
    }
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Recompute every entry's hash and the chain's links; exit 1 if anything was changed or removed.
    Verify {
        /// `SEQ:HASH` printed by an earlier run (kept outside the database): that entry must
        /// still be there, unchanged. Catches a tail cut and a rewritten head.
        #[arg(long)]
        anchor: Vec<String>,
    },
}

pub async fn admin(db: &DatabaseConnection, cmd: &AdminCommand) -> Result<(), String> {
    match cmd {
        AdminCommand::Create(a) => {
            let ward_id = match &a.ward {
                Some(code) => Some(
                    app::backend::entity::ward::Entity::find()
                        .filter(app::backend::entity::ward::Column::Code.eq(code.trim()))
                        .one(db)
                        .await
                        .map_err(|e| e.to_string())?
                        .ok_or_else(|| format!("no ward with code {code}"))?
                        .id,
                ),
                None => None,
            };
            let password = a.password.read()?;
            let input = NewAccount { username: a.username.clone(), display_name: a.name.clone(), role: Role::Admin, ward_id, password };
            let row = auth::create_account(db, input, "cli").await.map_err(|e| e.to_string())?;
            println!("admin account {} created (id {})", row.username, row.id);
            Ok(())
        }
        AdminCommand::SetPassword(s) => {
            let a = app::backend::entity::account::Entity::find()
                .filter(app::backend::entity::account::Column::Username.eq(s.username.trim().to_lowercase()))
                .one(db)
                .await
                .map_err(|e| e.to_string())?
                .ok_or_else(|| format!("no account {}", s.username))?;
            let password = s.password.read()?;
            auth::set_password(db, a.id, password, "cli").await.map_err(|e| e.to_string())?;
            println!("password of {} changed; its sessions ended", a.username);
            Ok(())
        }
    }
}

/// Prints the verdict; `Ok(false)` when the chain is broken.
pub async fn audit(db: &DatabaseConnection, cmd: &AuditCommand) -> Result<bool, String> {
    match cmd {
        AuditCommand::Verify { anchor } => {
            let v = audit::verify(db).await.map_err(|e| e.to_string())?;
            for a in anchor {
                let (seq, hash) = a.split_once(':').ok_or_else(|| format!("--anchor {a}: expected SEQ:HASH"))?;
                let seq: i64 = seq.trim().parse().map_err(|_| format!("--anchor {a}: SEQ is a number"))?;
                if let Some(why) = audit::check_anchor(db, seq, hash).await.map_err(|e| e.to_string())? {
                    println!("audit log BROKEN at entry {seq}: {why}");
                    return Ok(false);
                }
            }
            match v.broken {
                None => {
                    println!("audit log intact: {} entries, head {}", v.entries, v.head_hash);
                    println!("anchor for a later check: --anchor {}:{}", v.entries, v.head_hash);
                    Ok(true)
                }
                Some((seq, why)) => {
                    println!("audit log BROKEN at entry {seq}: {why}");
                    Ok(false)
                }
            }
        }
    }
}
