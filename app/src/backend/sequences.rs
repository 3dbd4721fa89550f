//! Gap-free numbering inside the caller's transaction: dossier codes per ward and day,
//! receipt numbers per ward and series. A rolled-back transaction gives its number back.

use super::BackendError;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, OnConflict, Query};
use sea_orm::{ConnectionTrait, DatabaseTransaction};

/// Takes the next number of `(ward_id, key)` in `table` (columns ward_id, <key_col>, next_number).
async fn next(txn: &DatabaseTransaction, table: &str, key_col: &str, ward_id: i64, key: &str) -> Result<i64, BackendError> {
    let backend = txn.get_database_backend();
    let insert = Query::insert()
        .into_table(Alias::new(table))
        .columns([Alias::new("ward_id"), Alias::new(key_col), Alias::new("next_number")])
        .values_panic([ward_id.into(), key.into(), 1i64.into()])
        .on_conflict(OnConflict::columns([Alias::new("ward_id"), Alias::new(key_col)]).do_nothing().to_owned())
        .to_owned();
    txn.execute_raw(backend.build(&insert)).await?;
    // The UPDATE takes the row lock (PostgreSQL) or the write lock (SQLite) that makes
    // concurrent payments queue here instead of reading the same number.
    let update = Query::update()
        .table(Alias::new(table))
        .value(Alias::new("next_number"), Expr::col(Alias::new("next_number")).add(1))
        .and_where(Expr::col(Alias::new("ward_id")).eq(ward_id))
        .and_where(Expr::col(Alias::new(key_col)).eq(key))
        .returning_col(Alias::new("next_number"))
        .to_owned();
    let row = txn.query_one_raw(backend.build(&update)).await?.ok_or(BackendError::NotFound("sequence"))?;
    let after: i64 = row.try_get("", "next_number")?;
    Ok(after - 1)
}

pub async fn next_dossier_number(txn: &DatabaseTransaction, ward_id: i64, day: &str) -> Result<i64, BackendError> {
    next(txn, "dossier_sequence", "day", ward_id, day).await
}

pub async fn next_receipt_number(txn: &DatabaseTransaction, ward_id: i64, series: &str) -> Result<i64, BackendError> {
    next(txn, "receipt_sequence", "series", ward_id, series).await
}

/// Notices (04/SS-CTĐT) are numbered per ward and year, in the same kind of sequence.
pub async fn next_notice_number(txn: &DatabaseTransaction, ward_id: i64, year: i32) -> Result<i64, BackendError> {
    next(txn, "receipt_sequence", "series", ward_id, &format!("04SS-{year}")).await
}
