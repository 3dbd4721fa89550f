//! The receipts register (sổ biên lai) of a period: every receipt in number order per
//! series, replaced and notified ones marked, and the numbering checked: a number missing
//! from a series is an alarm of its own, never a silent row.

use super::entity::{receipt, receipt_notice, receipt_sequence, ward};
use super::reconciliation::DayRange;
use super::{receipt_corrections, receipts, BackendError};
use crate::domain::receipt_rules::{gaps, ReceiptStatus};
use crate::model::{ReceiptContent, ReceiptRegister, RegisterGap, RegisterRow};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use std::collections::{BTreeMap, HashMap};

pub async fn register(db: &impl ConnectionTrait, ward_id: i64, range: DayRange) -> Result<ReceiptRegister, BackendError> {
    let w = ward::Entity::find_by_id(ward_id).one(db).await?.ok_or(BackendError::NotFound("ward"))?;
    let (start, end) = range.bounds();
    let list = receipts::issued_between(db, ward_id, start, end).await?;
    let ids: Vec<i64> = list.iter().map(|r| r.id).collect();
    let mut replaced_by: HashMap<i64, String> = HashMap::new();
    for chunk in ids.chunks(500) {
        for r in receipt::Entity::find().filter(receipt::Column::ReplacesId.is_in(chunk.to_vec())).all(db).await? {
            if let Some(old) = r.replaces_id {
                replaced_by.insert(old, receipts::label(&r));
            }
        }
    }
    let replaces_ids: Vec<i64> = list.iter().filter_map(|r| r.replaces_id).collect();
    let mut originals: HashMap<i64, String> = HashMap::new();
    for chunk in replaces_ids.chunks(500) {
        for r in receipt::Entity::find().filter(receipt::Column::Id.is_in(chunk.to_vec())).all(db).await? {
            originals.insert(r.id, receipts::label(&r));
        }
    }
    // Notices of the period, and those of the period's receipts issued later.
    let mut notice_rows = receipt_notice::Entity::find()
        .filter(receipt_notice::Column::WardId.eq(ward_id))
        .filter(receipt_notice::Column::CreatedAt.gte(start))
        .filter(receipt_notice::Column::CreatedAt.lt(end))
        .all(db)
        .await?;
    for chunk in ids.chunks(500) {
        for n in receipt_notice::Entity::find().filter(receipt_notice::Column::ReceiptId.is_in(chunk.to_vec())).all(db).await? {
            if !notice_rows.iter().any(|m| m.id == n.id) {
                notice_rows.push(n);
            }
        }
    }
    notice_rows.sort_by_key(|n| n.id);
    let mut notice_labels: HashMap<i64, Vec<String>> = HashMap::new();
    let mut notices = Vec::new();
    for n in notice_rows {
        let r = match list.iter().find(|r| r.id == n.receipt_id) {
            Some(r) => r.clone(),
            None => receipt::Entity::find_by_id(n.receipt_id).one(db).await?.ok_or(BackendError::NotFound("receipt"))?,
        };
        let v = receipt_corrections::view(n, &r, true);
        notice_labels.entry(r.id).or_default().push(v.label.clone());
        notices.push(v);
    }

    let mut rows = Vec::with_capacity(list.len());
    let mut by_series: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for r in &list {
        by_series.entry(r.series.clone()).or_default().push(r.number);
        let dossier_code = serde_json::from_str::<ReceiptContent>(&r.content).map(|c| c.dossier_code).unwrap_or_default();
        let its_notices = notice_labels.remove(&r.id).unwrap_or_default();
        let status = ReceiptStatus::of(replaced_by.contains_key(&r.id), its_notices.len());
        rows.push(RegisterRow {
            id: r.id,
            form: r.form.clone(),
            series: r.series.clone(),
            number: r.number,
            label: format!("{} {}", r.form, receipts::label(r)),
            issued_at: r.issued_at.to_rfc3339(),
            payer_name: r.payer_name.clone(),
            dossier_code,
            amount: r.amount,
            method: r.method.clone(),
            bank_ref: r.bank_ref.clone(),
            status,
            replaces: r.replaces_id.and_then(|id| originals.get(&id).cloned()),
            replaced_by: replaced_by.get(&r.id).cloned(),
            notices: its_notices,
        });
    }
    let found =
        continuity(db, ward_id, &by_series, start, range.to.format("%Y-%m-%d").to_string() >= crate::time::vn_today(chrono::Utc::now()))
            .await?;
    Ok(ReceiptRegister {
        ward_name: w.name,
        ward_code: w.code,
        from: range.from.to_string(),
        to: range.to.to_string(),
        issued: rows.len() as i64,
        replaced: rows.iter().filter(|r| r.status == ReceiptStatus::Replaced).count() as i64,
        notified: rows.iter().filter(|r| r.status == ReceiptStatus::Notified).count() as i64,
        amount_standing: rows.iter().filter(|r| r.status != ReceiptStatus::Replaced).map(|r| r.amount).sum(),
        rows,
        gaps: found,
        notices,
        pending_replacements: super::receipt_corrections::pending_in_ward(db, ward_id).await?,
    })
}

/// Every series of the period must run on from the number before the period (or from 1)
/// without a hole; when the period reaches today, also up to the last number handed out.
async fn continuity(
    db: &impl ConnectionTrait,
    ward_id: i64,
    by_series: &BTreeMap<String, Vec<i64>>,
    start: chrono::DateTime<chrono::Utc>,
    to_now: bool,
) -> Result<Vec<RegisterGap>, BackendError> {
    let mut out = Vec::new();
    let mut series_names: Vec<String> = by_series.keys().cloned().collect();
    if to_now {
        // A series whose every receipt went missing still has its counter.
        for s in receipt_sequence::Entity::find().filter(receipt_sequence::Column::WardId.eq(ward_id)).all(db).await? {
            if !s.series.starts_with("04SS-") && !series_names.contains(&s.series) {
                series_names.push(s.series);
            }
        }
    }
    for series in series_names {
        let numbers = by_series.get(&series).cloned().unwrap_or_default();
        let before: Option<i64> = receipt::Entity::find()
            .select_only()
            .column_as(receipt::Column::Number.max(), "max")
            .filter(receipt::Column::WardId.eq(ward_id))
            .filter(receipt::Column::Series.eq(series.clone()))
            .filter(receipt::Column::IssuedAt.lt(start))
            .into_tuple::<Option<i64>>()
            .one(db)
            .await?
            .flatten();
        let first = before.map(|n| n + 1).unwrap_or(1);
        let mut numbers = numbers;
        numbers.sort_unstable();
        for (from, to) in gaps(first, &numbers) {
            out.push(RegisterGap { series: series.clone(), from, to });
        }
        if to_now {
            let handed_out = receipt_sequence::Entity::find()
                .filter(receipt_sequence::Column::WardId.eq(ward_id))
                .filter(receipt_sequence::Column::Series.eq(series.clone()))
                .one(db)
                .await?
                .map(|s| s.next_number - 1)
                .unwrap_or(0);
            let last_seen = numbers.last().copied().unwrap_or(first - 1).max(first - 1);
            if handed_out > last_seen {
                out.push(RegisterGap { series: series.clone(), from: last_seen + 1, to: handed_out });
            }
        }
    }
    Ok(out)
}
