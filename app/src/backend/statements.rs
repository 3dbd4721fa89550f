//! Importing a ward's bank statement (sao kê): every credit on the collection account is
//! tied to the notification WardPay had for it, or, when no webhook or poll ever brought it,
//! recorded as notification evidence of source `statement` and matched like any other (so
//! it can still pay its dossier). The import is one transaction, and a credit is held once
//! per ward however many files show it: importing a statement again changes nothing.
//! What the report makes of it is in `backend::reconciliation` (docs/domain.md §10).

use super::bank::{self, Outcome, Transfer};
use super::entity::{bank_notification, statement_import, statement_line, statement_mapping, ward};
use super::{audit, BackendError};
use crate::model::StatementImportView;
use bankfeed::statement::{self, Format, Line, Mapping, Statement};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
    TransactionTrait,
};
use sha2::{Digest, Sha256};

/// A statement file as uploaded.
pub struct Upload<'a> {
    pub ward_id: i64,
    /// `sepay`, `casso`, `payos` or `csv`.
    pub format: &'a str,
    /// For `csv`: the file's header for each field (`date=…,amount=…,content=…`); saved for
    /// the ward, and the saved one is used when this is absent.
    pub mapping: Option<&'a str>,
    pub file_name: &'a str,
    pub bytes: &'a [u8],
    pub actor: &'a str,
}

/// The import's result, and what changed for the screens.
pub struct Imported {
    pub view: StatementImportView,
    pub outcomes: Vec<Outcome>,
}

/// Reads and imports `up`, all or nothing.
pub async fn import(db: &DatabaseConnection, up: Upload<'_>, now: DateTime<Utc>) -> Result<Imported, BackendError> {
    let w = ward::Entity::find_by_id(up.ward_id).one(db).await?.ok_or(BackendError::NotFound("ward"))?;
    let format = resolve_format(db, up.ward_id, up.format, up.mapping).await?;
    let today = crate::time::to_vn(now).date_naive();
    let stmt = statement::read(up.bytes, &format, today).map_err(|e| BackendError::invalid("file", e.to_string()))?;
    check_account(&stmt, &w.bank_account)?;
    let (Some(first_day), Some(last_day)) = (stmt.first_day, stmt.last_day) else {
        return Err(BackendError::invalid("file", "sao kê không có khoản tiền vào nào (the statement holds no credits)"));
    };
    let sha = hex::encode(Sha256::digest(up.bytes));

    let txn = db.begin().await?;
    if let Some(earlier) = statement_import::Entity::find()
        .filter(statement_import::Column::WardId.eq(up.ward_id))
        .filter(statement_import::Column::FileSha256.eq(sha.clone()))
        .one(&txn)
        .await?
    {
        txn.rollback().await?;
        let mut view = view_of(&earlier, 0, 0);
        view.already_imported = true;
        return Ok(Imported { view, outcomes: Vec::new() });
    }
    if let (Format::Csv(m), Some(_)) = (&format, up.mapping) {
        save_mapping(&txn, up.ward_id, m, up.actor, now).await?;
    }
    let import_id = statement_import::Entity::insert(statement_import::ActiveModel {
        ward_id: Set(up.ward_id),
        format: Set(format.name().into()),
        file_name: Set(clip(up.file_name, 200)),
        file_sha256: Set(sha),
        credits: Set(stmt.lines.len() as i64),
        new_lines: Set(0),
        first_day: Set(first_day.format("%Y-%m-%d").to_string()),
        last_day: Set(last_day.format("%Y-%m-%d").to_string()),
        imported_by: Set(up.actor.into()),
        imported_at: Set(now),
        ..Default::default()
    })
    .exec(&txn)
    .await
    .map_err(|e| match e.sql_err() {
        // The same file uploaded twice at once: the other upload imports it.
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => {
            BackendError::Conflict("tệp này đang được nhập (this statement is being imported right now)".into())
        }
        _ => BackendError::Db(e),
    })?
    .last_insert_id;

    let provider = stmt.provider;
    let (mut new_lines, mut confirmed, mut only) = (0i64, 0i64, 0i64);
    let mut outcomes = Vec::new();
    for line in &stmt.lines {
        let key = line.key(provider);
        let held = statement_line::Entity::find()
            .filter(statement_line::Column::WardId.eq(up.ward_id))
            .filter(statement_line::Column::LineKey.eq(key.clone()))
            .one(&txn)
            .await?;
        if held.is_some() {
            continue;
        }
        new_lines += 1;
        let (notification_id, found) = match known_notification(&txn, &format, line, &w.bank_account).await? {
            Some(n) => {
                confirmed += 1;
                (n.id, true)
            }
            None => {
                only += 1;
                let (outcome, id) = record_unseen(&txn, &format, line, &key, &w.bank_account, import_id, up.file_name).await?;
                outcomes.push(outcome);
                (id, false)
            }
        };
        statement_line::Entity::insert(statement_line::ActiveModel {
            ward_id: Set(up.ward_id),
            import_id: Set(import_id),
            line_key: Set(key),
            line_no: Set(line.line as i64),
            booked_at: Set(line.at),
            date_only: Set(line.date_only),
            amount: Set(line.amount),
            content: Set(line.content.clone()),
            reference: Set(line.reference.clone()),
            account: Set(line.account.clone()),
            provider_txn_id: Set(line.provider_txn_id.clone()),
            notification_id: Set(Some(notification_id)),
            found: Set(found),
            ..Default::default()
        })
        .exec_without_returning(&txn)
        .await?;
    }
    statement_import::Entity::update_many()
        .col_expr(statement_import::Column::NewLines, sea_orm::sea_query::Expr::value(new_lines))
        .filter(statement_import::Column::Id.eq(import_id))
        .exec(&txn)
        .await?;
    audit::append(
        &txn,
        audit::Entry::new(up.actor, Some(up.ward_id), "statement.import", format!("statement:{import_id}")).detail(serde_json::json!({
            "format": format.name(), "file": clip(up.file_name, 200), "credits": stmt.lines.len(), "new": new_lines,
            "confirmed": confirmed, "statement_only": only, "first_day": first_day.to_string(), "last_day": last_day.to_string(),
        })),
    )
    .await?;
    let row = statement_import::Entity::find_by_id(import_id).one(&txn).await?.ok_or(BackendError::NotFound("statement"))?;
    txn.commit().await?;
    tracing::info!(import_id, new_lines, confirmed, statement_only = only, "bank statement imported");
    Ok(Imported { view: view_of(&row, confirmed, only), outcomes })
}

async fn resolve_format(db: &DatabaseConnection, ward_id: i64, name: &str, mapping: Option<&str>) -> Result<Format, BackendError> {
    Ok(match name {
        "sepay" => Format::Sepay,
        "casso" => Format::Casso,
        "payos" => Format::Payos,
        "csv" => {
            let spec = match mapping.map(str::trim).filter(|m| !m.is_empty()) {
                Some(m) => m.to_string(),
                None => saved_mapping(db, ward_id).await?.ok_or_else(|| {
                    BackendError::invalid(
                        "map",
                        "phường chưa lưu ánh xạ cột cho tệp CSV của ngân hàng (no saved column mapping: give date=…,amount=…,content=…)",
                    )
                })?,
            };
            Format::Csv(Mapping::parse(&spec).map_err(|e| BackendError::invalid("map", e.to_string()))?)
        }
        other => {
            return Err(BackendError::invalid("format", format!("{other:?}: định dạng là sepay, casso, payos hoặc csv (unknown format)")))
        }
    })
}

/// The ward's saved mapping for its bank's own files.
pub async fn saved_mapping(db: &impl ConnectionTrait, ward_id: i64) -> Result<Option<String>, BackendError> {
    Ok(statement_mapping::Entity::find_by_id(ward_id).one(db).await?.map(|m| m.spec))
}

async fn save_mapping(txn: &DatabaseTransaction, ward_id: i64, m: &Mapping, actor: &str, now: DateTime<Utc>) -> Result<(), BackendError> {
    statement_mapping::Entity::insert(statement_mapping::ActiveModel {
        ward_id: Set(ward_id),
        spec: Set(m.to_spec()),
        updated_by: Set(actor.into()),
        updated_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(statement_mapping::Column::WardId)
            .update_columns([statement_mapping::Column::Spec, statement_mapping::Column::UpdatedBy, statement_mapping::Column::UpdatedAt])
            .to_owned(),
    )
    .exec_without_returning(txn)
    .await?;
    Ok(())
}

/// A statement of another account is refused whole, naming the first line that shows it.
fn check_account(stmt: &Statement, collection_account: &str) -> Result<(), BackendError> {
    let digits = |s: &str| s.chars().filter(|c| !c.is_whitespace() && *c != '-' && *c != '.').collect::<String>();
    let ours = digits(collection_account);
    if let Some(l) = stmt.lines.iter().find(|l| l.account.as_deref().is_some_and(|a| digits(a) != ours)) {
        return Err(BackendError::invalid(
            "file",
            format!(
                "dòng {}: tài khoản {} không phải tài khoản thu của phường ({collection_account}) (line {}: a statement of another account)",
                l.line,
                l.account.as_deref().unwrap_or(""),
                l.line
            ),
        ));
    }
    Ok(())
}

/// The notification WardPay already holds for this credit: the provider's own id when the
/// export has it, else the bank's reference on this account, else (for a bank file without
/// references) the same amount and text on this account around the same time, not yet tied
/// to another statement line.
async fn known_notification(
    txn: &DatabaseTransaction,
    format: &Format,
    line: &Line,
    account: &str,
) -> Result<Option<bank_notification::Model>, BackendError> {
    if let (Some(p), Some(id)) = (format.provider(), &line.provider_txn_id) {
        let n = bank_notification::Entity::find()
            .filter(bank_notification::Column::Provider.eq(p.as_str()))
            .filter(bank_notification::Column::ProviderTxnId.eq(id.clone()))
            .one(txn)
            .await?;
        if n.is_some() {
            return Ok(n);
        }
    }
    let incoming = || {
        bank_notification::Entity::find()
            .filter(bank_notification::Column::AccountNumber.eq(account))
            .filter(bank_notification::Column::Outcome.ne("ignored"))
            .filter(bank_notification::Column::Outcome.ne("pending"))
    };
    if let Some(r) = &line.reference {
        return Ok(incoming()
            .filter(bank_notification::Column::BankReference.eq(r.clone()))
            .order_by_asc(bank_notification::Column::Id)
            .one(txn)
            .await?);
    }
    let window = if line.date_only { chrono::Duration::days(1) } else { chrono::Duration::hours(2) };
    let candidates = incoming()
        .filter(bank_notification::Column::Amount.eq(line.amount))
        .filter(bank_notification::Column::ReceivedAt.gte(line.at - window))
        .filter(bank_notification::Column::ReceivedAt.lt(line.at + window + chrono::Duration::days(1)))
        .order_by_asc(bank_notification::Column::Id)
        .limit(50)
        .all(txn)
        .await?;
    for n in candidates {
        if n.content.trim() != line.content.trim() {
            continue;
        }
        let tied = statement_line::Entity::find().filter(statement_line::Column::NotificationId.eq(n.id)).one(txn).await?;
        if tied.is_none() {
            return Ok(Some(n));
        }
    }
    Ok(None)
}

/// Records a credit no notification brought, through the same matching as a webhook.
#[allow(clippy::too_many_arguments)]
async fn record_unseen(
    txn: &DatabaseTransaction,
    format: &Format,
    line: &Line,
    key: &str,
    account: &str,
    import_id: i64,
    file_name: &str,
) -> Result<(Outcome, i64), BackendError> {
    let provider = format.provider().map_or("bank", |p| p.as_str());
    let txn_id = line.provider_txn_id.clone().unwrap_or_else(|| key.to_string());
    let transfer = Transfer {
        codes: bankfeed::find_codes(&line.content).iter().map(|c| c.as_str().to_string()).collect(),
        account_number: line.account.clone().unwrap_or_else(|| account.to_string()),
        virtual_account: None,
        amount: line.amount,
        booked_reference: line.reference.clone().or_else(|| Some(format!("{provider}:{txn_id}"))),
    };
    let evidence = serde_json::json!({
        "statement_import": import_id, "file": clip(file_name, 200), "line": line.line, "format": format.name(),
        "booked_at": line.at.to_rfc3339(), "date_only": line.date_only, "amount": line.amount, "content": line.content,
        "reference": line.reference, "account": line.account, "provider_txn_id": line.provider_txn_id,
    });
    bank::record_statement_credit(txn, provider, &txn_id, &transfer, line.reference.clone(), &line.content, evidence).await
}

/// The ward's statements, newest first.
pub async fn list(db: &impl ConnectionTrait, ward_id: i64, limit: u64) -> Result<Vec<StatementImportView>, BackendError> {
    let rows = statement_import::Entity::find()
        .filter(statement_import::Column::WardId.eq(ward_id))
        .order_by_desc(statement_import::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let lines = statement_line::Entity::find().filter(statement_line::Column::ImportId.eq(r.id)).all(db).await?;
        let confirmed = lines.iter().filter(|l| l.found).count() as i64;
        out.push(view_of(&r, confirmed, lines.len() as i64 - confirmed));
    }
    Ok(out)
}

fn view_of(r: &statement_import::Model, confirmed: i64, statement_only: i64) -> StatementImportView {
    StatementImportView {
        id: r.id,
        format: r.format.clone(),
        file_name: r.file_name.clone(),
        credits: r.credits,
        new_lines: r.new_lines,
        confirmed,
        statement_only,
        first_day: r.first_day.clone(),
        last_day: r.last_day.clone(),
        imported_by: r.imported_by.clone(),
        imported_at: r.imported_at.to_rfc3339(),
        already_imported: false,
    }
}

fn clip(s: &str, max_chars: usize) -> String {
    s.chars().filter(|c| !c.is_control()).take(max_chars).collect()
}
