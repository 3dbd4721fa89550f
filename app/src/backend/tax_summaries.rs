//! The day's receipt summary for the tax authority (form 01/TH-BLĐT): prepared when the
//! day closes (or later, for a day closed late, and then marked late with the reason),
//! kept as the exact XML handed over, and tracked by the accountant: prepared → sent →
//! accepted or rejected (with a note).

use super::audit::{self, Entry};
use super::auth::StaffUser;
use super::days::BookingWindow;
use super::entity::{day_close, receipt, receipt_notice, tax_summary, ward};
use super::{receipts, BackendError};
use crate::domain::tax_summary::{to_xml, EntryStatus, SummaryEntry, SummaryHeader};
use crate::model::{ReceiptContent, TaxSummariesView, TaxSummaryRow};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use sha2::{Digest, Sha256};
use std::collections::HashMap;

pub const STATUSES: [&str; 4] = ["prepared", "sent", "accepted", "rejected"];

fn row(t: tax_summary::Model) -> TaxSummaryRow {
    TaxSummaryRow {
        id: t.id,
        day: t.day,
        sequence: t.sequence,
        prepared_at: t.prepared_at.to_rfc3339(),
        prepared_by: t.prepared_by,
        late: t.late,
        late_reason: t.late_reason,
        receipts: t.receipts,
        total: t.total,
        sha256: t.sha256,
        status: t.status,
        status_note: t.status_note,
        status_by: t.status_by,
        status_at: t.status_at.map(|x| x.to_rfc3339()),
    }
}

fn vn_date(t: DateTime<Utc>) -> NaiveDate {
    crate::time::to_vn(t).date_naive()
}

/// The entries of `day`: the receipts booked on it (new or replacing another) in series and
/// number order, then the receipts corrected by a notice booked on it. Booked, as for the
/// treasury: a receipt or notice made after its own day was closed (a late transfer) goes
/// into the next day's summary, with its own date, so that no receipt misses a summary
/// that was prepared at the close.
async fn entries(db: &impl ConnectionTrait, ward_id: i64, day: NaiveDate) -> Result<Vec<SummaryEntry>, BackendError> {
    let window = BookingWindow::load(db, ward_id, day, day).await?;
    let (start, end) = (window.start, window.end);
    let issued: Vec<receipt::Model> =
        receipts::issued_between(db, ward_id, start, end).await?.into_iter().filter(|r| window.holds(r.issued_at)).collect();
    let replaced_ids: Vec<i64> = issued.iter().filter_map(|r| r.replaces_id).collect();
    let originals: HashMap<i64, receipt::Model> =
        receipt::Entity::find().filter(receipt::Column::Id.is_in(replaced_ids)).all(db).await?.into_iter().map(|r| (r.id, r)).collect();
    let mut out = Vec::new();
    for r in &issued {
        let status = match r.replaces_id.and_then(|id| originals.get(&id)) {
            Some(o) => EntryStatus::Replacement {
                form: o.form.clone(),
                series: o.series.clone(),
                number: o.number,
                issued_on: vn_date(o.issued_at),
            },
            None => EntryStatus::New,
        };
        out.push(SummaryEntry {
            form: r.form.clone(),
            series: r.series.clone(),
            number: r.number,
            issued_on: vn_date(r.issued_at),
            payer_name: Some(r.payer_name.clone()),
            total: r.amount,
            status,
            note: r.reason.clone(),
        });
    }
    let notices = receipt_notice::Entity::find()
        .filter(receipt_notice::Column::WardId.eq(ward_id))
        .filter(receipt_notice::Column::CreatedAt.gte(start))
        .filter(receipt_notice::Column::CreatedAt.lt(end))
        .order_by_asc(receipt_notice::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .filter(|n| window.holds(n.created_at));
    for n in notices {
        let Some(r) = receipt::Entity::find_by_id(n.receipt_id).one(db).await? else {
            continue;
        };
        let payer = serde_json::from_str::<ReceiptContent>(&r.content).map(|c| c.payer_name).unwrap_or(r.payer_name.clone());
        out.push(SummaryEntry {
            form: r.form.clone(),
            series: r.series.clone(),
            number: r.number,
            issued_on: vn_date(r.issued_at),
            payer_name: Some(payer),
            total: r.amount,
            status: EntryStatus::CorrectedByNotice,
            note: Some(format!("{} số {}/{}: {}", super::receipt_corrections::NOTICE_FORM, n.number, n.year, n.reason)),
        });
    }
    Ok(out)
}

/// Prepares (or, while not yet sent, prepares again) the summary of `day` for `ward_id`,
/// in the caller's transaction. A summary made after its day is marked late.
pub async fn prepare_in(
    db: &impl ConnectionTrait,
    ward_id: i64,
    day: NaiveDate,
    actor: &str,
    reason: Option<String>,
) -> Result<tax_summary::Model, BackendError> {
    let w = ward::Entity::find_by_id(ward_id).one(db).await?.ok_or(BackendError::NotFound("ward"))?;
    let day_s = day.format("%Y-%m-%d").to_string();
    let now = Utc::now();
    let existing = tax_summary::Entity::find()
        .filter(tax_summary::Column::WardId.eq(ward_id))
        .filter(tax_summary::Column::Day.eq(day_s.clone()))
        .one(db)
        .await?;
    if let Some(t) = &existing {
        if matches!(t.status.as_str(), "sent" | "accepted") {
            return Err(BackendError::Conflict(format!("bảng tổng hợp ngày {day_s} đã gửi cơ quan thuế (already sent)")));
        }
    }
    let late = vn_date(now) > day;
    let late_reason = late.then(|| {
        reason
            .map(|r| r.trim().chars().take(300).collect::<String>())
            .filter(|r| !r.is_empty())
            .unwrap_or_else(|| format!("Lập sau ngày {} do chốt sổ muộn hoặc sự cố (prepared after its day)", day.format("%d/%m/%Y")))
    });
    let sequence = match &existing {
        Some(t) => t.sequence,
        None => {
            let max: Option<i32> = tax_summary::Entity::find()
                .select_only()
                .column_as(tax_summary::Column::Sequence.max(), "max")
                .filter(tax_summary::Column::WardId.eq(ward_id))
                .into_tuple::<Option<i32>>()
                .one(db)
                .await?
                .flatten();
            max.unwrap_or(0) + 1
        }
    };
    let list = entries(db, ward_id, day).await?;
    let header = SummaryHeader {
        sequence: u32::try_from(sequence).unwrap_or(1),
        day,
        prepared_on: vn_date(now),
        unit_name: w.name.clone(),
        tax_code: w.tax_code.clone(),
        supplement: None,
        note: late_reason.clone(),
    };
    let xml = to_xml(&header, &list);
    let sha = hex::encode(Sha256::digest(xml.as_bytes()));
    let count = list.iter().filter(|e| e.status != EntryStatus::CorrectedByNotice).count() as i64;
    let total = list.iter().filter(|e| e.status != EntryStatus::CorrectedByNotice).map(|e| e.total).sum();
    let mut am = match existing {
        Some(t) => t.into(),
        None => tax_summary::ActiveModel { ward_id: Set(ward_id), day: Set(day_s.clone()), sequence: Set(sequence), ..Default::default() },
    };
    am.prepared_at = Set(now);
    am.prepared_by = Set(actor.into());
    am.late = Set(late);
    am.late_reason = Set(late_reason);
    am.receipts = Set(count);
    am.total = Set(total);
    am.xml = Set(xml);
    am.sha256 = Set(sha.clone());
    am.status = Set("prepared".into());
    am.status_note = Set(None);
    am.status_by = Set(None);
    am.status_at = Set(None);
    let saved = am.save(db).await?;
    let id = saved.id.clone().unwrap();
    audit::append(
        db,
        Entry::new(actor, Some(ward_id), "tax_summary.prepare", format!("tax_summary:{day_s}"))
            .detail(serde_json::json!({ "day": day_s, "receipts": count, "total": total, "late": late, "sha256": sha })),
    )
    .await?;
    tax_summary::Entity::find_by_id(id).one(db).await?.ok_or(BackendError::NotFound("tax summary"))
}

/// Prepares a closed day's summary on request (the accountant's button, the command line).
pub async fn prepare(
    db: &DatabaseConnection,
    ward_id: i64,
    day: &str,
    actor: &str,
    reason: Option<String>,
) -> Result<TaxSummaryRow, BackendError> {
    use sea_orm::TransactionTrait;
    let date = super::fields::day("day", day)?;
    let closed = day_close::Entity::find()
        .filter(day_close::Column::WardId.eq(ward_id))
        .filter(day_close::Column::Day.eq(date.format("%Y-%m-%d").to_string()))
        .one(db)
        .await?;
    if closed.is_none() {
        return Err(BackendError::Conflict(format!(
            "ngày {} chưa chốt; chốt ngày trước khi lập bảng tổng hợp (close the day first)",
            date.format("%d/%m/%Y")
        )));
    }
    let txn = db.begin().await?;
    let t = prepare_in(&txn, ward_id, date, actor, reason).await?;
    txn.commit().await?;
    Ok(row(t))
}

/// The accountant records what became of a summary.
pub async fn set_status(
    db: &DatabaseConnection,
    ward_id: i64,
    id: i64,
    status: &str,
    note: Option<String>,
    by: &StaffUser,
) -> Result<TaxSummaryRow, BackendError> {
    if !STATUSES.contains(&status) {
        return Err(BackendError::invalid("status", "prepared, sent, accepted hoặc rejected"));
    }
    let note = note.map(|n| n.trim().chars().take(500).collect::<String>()).filter(|n| !n.is_empty());
    if status == "rejected" && note.is_none() {
        return Err(BackendError::invalid("note", "cần ghi lý do cơ quan thuế từ chối (a rejection needs its reason)"));
    }
    let t =
        tax_summary::Entity::find_by_id(id).one(db).await?.filter(|t| t.ward_id == ward_id).ok_or(BackendError::NotFound("tax summary"))?;
    let txn = sea_orm::TransactionTrait::begin(db).await?;
    tax_summary::Entity::update_many()
        .col_expr(tax_summary::Column::Status, Expr::value(status))
        .col_expr(tax_summary::Column::StatusNote, Expr::value(note.clone()))
        .col_expr(tax_summary::Column::StatusBy, Expr::value(by.username.clone()))
        .col_expr(tax_summary::Column::StatusAt, Expr::value(Utc::now()))
        .filter(tax_summary::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    audit::append(
        &txn,
        Entry::new(&by.username, Some(ward_id), "tax_summary.status", format!("tax_summary:{}", t.day))
            .detail(serde_json::json!({ "from": t.status, "to": status, "note": note })),
    )
    .await?;
    txn.commit().await?;
    let saved = tax_summary::Entity::find_by_id(id).one(db).await?.ok_or(BackendError::NotFound("tax summary"))?;
    Ok(row(saved))
}

pub async fn list(db: &DatabaseConnection, ward_id: i64, can_edit: bool) -> Result<TaxSummariesView, BackendError> {
    let summaries: Vec<TaxSummaryRow> = tax_summary::Entity::find()
        .filter(tax_summary::Column::WardId.eq(ward_id))
        .order_by_desc(tax_summary::Column::Day)
        .limit(120)
        .all(db)
        .await?
        .into_iter()
        .map(row)
        .collect();
    let closed = day_close::Entity::find()
        .filter(day_close::Column::WardId.eq(ward_id))
        .order_by_desc(day_close::Column::Day)
        .limit(120)
        .all(db)
        .await?;
    let have: std::collections::HashSet<&str> = summaries.iter().map(|s| s.day.as_str()).collect();
    let missing_days = closed.iter().map(|c| c.day.clone()).filter(|d| !have.contains(d.as_str())).collect();
    Ok(TaxSummariesView { summaries, missing_days, can_edit })
}

/// The stored XML of a summary and its file name.
pub async fn xml(db: &impl ConnectionTrait, ward_id: i64, day: &str) -> Result<(String, String), BackendError> {
    let t = tax_summary::Entity::find()
        .filter(tax_summary::Column::WardId.eq(ward_id))
        .filter(tax_summary::Column::Day.eq(day.trim()))
        .one(db)
        .await?
        .ok_or(BackendError::NotFound("tax summary"))?;
    let w = ward::Entity::find_by_id(ward_id).one(db).await?.ok_or(BackendError::NotFound("ward"))?;
    Ok((format!("01TH-BLDT-{}-{}.xml", w.tax_code, t.day), t.xml))
}
