//! Treasury deposits (nộp tiền vào Kho bạc): the C1-02/NS slip and its list for one kind
//! of money over a period, the record of a deposit made, and the money collected and not
//! yet deposited with its due date.
//!
//! A receipt counts on the day it was issued; a replacement counts its own amount on its
//! day and takes back the replaced receipt's on the same day, so a closed or deposited day
//! never changes. Revenue given back (a refund against a receipt) is deducted on the day it
//! was paid; money that never became revenue (an exception refunded) is not on the slip.

use super::audit::{self, Entry};
use super::auth::StaffUser;
use super::budget_codes::{self, code_on, profile_on};
use super::days::BookingWindow;
use super::entity::{dossier, fee_item, fee_line, payment_request, receipt, treasury_deposit, treasury_deposit_day, ward};
use super::{fields, receipts, refunds, BackendError};
use crate::domain::refund::RefundOrigin;
use crate::domain::treasury::{DepositInterval, FeeKind};
use crate::domain::words::vnd_in_words_vi;
use crate::model::{
    DepositInput, DepositRow, Outstanding, ReceiptContent, SlipLine, SlipNoCharge, SlipReceipt, SlipRefund, SlipUncoded, TreasurySlip,
    TreasuryView,
};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set, TransactionTrait};
use std::collections::{BTreeMap, BTreeSet, HashMap};

fn ymd(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn vn_day(t: DateTime<Utc>) -> NaiveDate {
    crate::time::to_vn(t).date_naive()
}

fn bounds(from: NaiveDate, to: NaiveDate) -> Result<(DateTime<Utc>, DateTime<Utc>), BackendError> {
    let start = crate::time::vn_day_bounds(&ymd(from)).ok_or_else(|| BackendError::invalid("from", "bad day"))?.0;
    let end = crate::time::vn_day_bounds(&ymd(to)).ok_or_else(|| BackendError::invalid("to", "bad day"))?.1;
    Ok((start, end))
}

/// One amount of one kind of money, on one day, for one fee item.
#[derive(Clone, Debug)]
struct Movement {
    day: NaiveDate,
    kind: FeeKind,
    fee_item_id: i64,
    fee_name: String,
    amount: i64,
    /// +1 a receipt, −1 a receipt taken back by its replacement, 0 a refund.
    receipts: i64,
}

/// Each receipt line of `r` (content lines paired with the dossier's fee lines, in order)
/// with its fee item.
fn lines_of(r: &receipt::Model, fee_lines: &[fee_line::Model]) -> Vec<(FeeKind, i64, String, i64)> {
    let Ok(c) = serde_json::from_str::<ReceiptContent>(&r.content) else {
        return Vec::new();
    };
    c.lines
        .iter()
        .zip(fee_lines.iter().map(Some).chain(std::iter::repeat(None)))
        .filter_map(|(l, f)| {
            let kind = FeeKind::parse(&l.kind)?;
            Some((kind, f.map(|f| f.fee_item_id).unwrap_or(0), l.fee_name.clone(), l.amount))
        })
        .collect()
}

/// A refund of revenue: the refund, the receipt it gives back from (label), and how much of
/// each kind of money it takes back.
struct RevenueRefund {
    refund: crate::backend::entity::refund::Model,
    receipt_label: Option<String>,
    parts: Vec<(FeeKind, i64)>,
}

struct Collected {
    /// The days collected and when they (and the day before) were closed.
    window: BookingWindow,
    movements: Vec<Movement>,
    /// Each receipt (or reversal) with its amount of one kind.
    receipts: Vec<(receipt::Model, i64, FeeKind)>,
    refunds: Vec<RevenueRefund>,
}

/// Receipts (and their reversals) and revenue refunds booked on the days `from..=to`.
async fn collect(db: &impl ConnectionTrait, ward_id: i64, from: NaiveDate, to: NaiveDate) -> Result<Collected, BackendError> {
    let window = BookingWindow::load(db, ward_id, from, to).await?;
    let issued: Vec<receipt::Model> = receipt::Entity::find()
        .filter(receipt::Column::WardId.eq(ward_id))
        .filter(receipt::Column::IssuedAt.gte(window.start))
        .filter(receipt::Column::IssuedAt.lt(window.end))
        .order_by_asc(receipt::Column::IssuedAt)
        .all(db)
        .await?
        .into_iter()
        .filter(|r| window.holds(r.issued_at))
        .collect();
    let reversed_ids: Vec<i64> = issued.iter().filter_map(|r| r.replaces_id).collect();
    let mut reversed: HashMap<i64, receipt::Model> = HashMap::new();
    for chunk in reversed_ids.chunks(500) {
        for r in receipt::Entity::find().filter(receipt::Column::Id.is_in(chunk.to_vec())).all(db).await? {
            reversed.insert(r.id, r);
        }
    }
    let paid_refunds: Vec<_> = refunds::paid_between(db, ward_id, window.start, window.end)
        .await?
        .into_iter()
        .filter(|r| r.origin == RefundOrigin::Receipt.as_str())
        .filter(|r| window.holds(r.paid_at.unwrap_or(r.requested_at)))
        .collect();
    let mut refund_receipts: HashMap<i64, receipt::Model> = HashMap::new();
    for r in &paid_refunds {
        if let Some(id) = r.receipt_id {
            if let Some(rc) = receipt::Entity::find_by_id(id).one(db).await? {
                refund_receipts.insert(id, rc);
            }
        }
    }
    // The fee lines of every dossier involved, to know each line's fee item.
    let mut pr_ids: BTreeSet<i64> = issued.iter().map(|r| r.payment_request_id).collect();
    pr_ids.extend(refund_receipts.values().map(|r| r.payment_request_id));
    let mut dossier_of: HashMap<i64, i64> = HashMap::new();
    let ids: Vec<i64> = pr_ids.into_iter().collect();
    for chunk in ids.chunks(500) {
        for p in payment_request::Entity::find().filter(payment_request::Column::Id.is_in(chunk.to_vec())).all(db).await? {
            dossier_of.insert(p.id, p.dossier_id);
        }
    }
    let dossier_ids: Vec<i64> = dossier_of.values().copied().collect::<BTreeSet<_>>().into_iter().collect();
    let mut fee_lines: HashMap<i64, Vec<fee_line::Model>> = HashMap::new();
    for chunk in dossier_ids.chunks(500) {
        for l in fee_line::Entity::find()
            .filter(fee_line::Column::DossierId.is_in(chunk.to_vec()))
            .order_by_asc(fee_line::Column::Id)
            .all(db)
            .await?
        {
            fee_lines.entry(l.dossier_id).or_default().push(l);
        }
    }
    let lines_for = |r: &receipt::Model| {
        let fl = dossier_of.get(&r.payment_request_id).and_then(|d| fee_lines.get(d)).map(Vec::as_slice).unwrap_or(&[]);
        lines_of(r, fl)
    };
    let mut movements = Vec::new();
    let mut listed = Vec::new();
    for r in &issued {
        let day = window.day_of(r.issued_at);
        let mut per_kind: BTreeMap<FeeKind, i64> = BTreeMap::new();
        for (kind, item, name, amount) in lines_for(r) {
            movements.push(Movement { day, kind, fee_item_id: item, fee_name: name, amount, receipts: 1 });
            *per_kind.entry(kind).or_default() += amount;
        }
        for (kind, amount) in per_kind {
            listed.push((r.clone(), amount, kind));
        }
        if let Some(old) = r.replaces_id.and_then(|id| reversed.get(&id)) {
            let mut per_kind: BTreeMap<FeeKind, i64> = BTreeMap::new();
            for (kind, item, name, amount) in lines_for(old) {
                movements.push(Movement { day, kind, fee_item_id: item, fee_name: name, amount: -amount, receipts: -1 });
                *per_kind.entry(kind).or_default() -= amount;
            }
            for (kind, amount) in per_kind {
                listed.push((old.clone(), amount, kind));
            }
        }
    }
    let mut refunds_out = Vec::new();
    for rf in paid_refunds {
        let day = window.day_of(rf.paid_at.unwrap_or(rf.requested_at));
        let Some(rc) = rf.receipt_id.and_then(|id| refund_receipts.get(&id)) else {
            continue;
        };
        // The refund is taken from the receipt's lines in order until it is used up.
        let mut left = rf.amount;
        let mut parts = Vec::new();
        for (kind, item, name, amount) in lines_for(rc) {
            let take = left.min(amount).max(0);
            if take > 0 {
                movements.push(Movement { day, kind, fee_item_id: item, fee_name: name, amount: -take, receipts: 0 });
                parts.push((kind, take));
                left -= take;
            }
        }
        refunds_out.push(RevenueRefund { refund: rf, receipt_label: Some(receipts::label(rc)), parts });
    }
    Ok(Collected { window, movements, receipts: listed, refunds: refunds_out })
}

/// Free and exempt dossiers of the period for one kind: counted, never summed.
async fn no_charge(
    db: &impl ConnectionTrait,
    ward_id: i64,
    kind: FeeKind,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<Vec<SlipNoCharge>, BackendError> {
    let dossiers = dossier::Entity::find()
        .filter(dossier::Column::WardId.eq(ward_id))
        .filter(dossier::Column::CreatedAt.gte(start))
        .filter(dossier::Column::CreatedAt.lt(end))
        .filter(dossier::Column::Outcome.ne("cancelled"))
        .all(db)
        .await?;
    let items: HashMap<String, fee_item::Model> = fee_item::Entity::find()
        .filter(fee_item::Column::WardId.eq(ward_id))
        .all(db)
        .await?
        .into_iter()
        .map(|i| (i.procedure_code.clone(), i))
        .collect();
    let ids: Vec<i64> = dossiers.iter().map(|d| d.id).collect();
    let mut lines: HashMap<i64, Vec<fee_line::Model>> = HashMap::new();
    for chunk in ids.chunks(500) {
        for l in fee_line::Entity::find().filter(fee_line::Column::DossierId.is_in(chunk.to_vec())).all(db).await? {
            lines.entry(l.dossier_id).or_default().push(l);
        }
    }
    let mut counts: BTreeMap<(String, String), i64> = BTreeMap::new();
    for d in &dossiers {
        match lines.get(&d.id) {
            Some(ls) => {
                for l in ls.iter().filter(|l| l.amount == 0 && l.kind == kind.as_str()) {
                    let reason = l.exempt_reason.clone().unwrap_or_else(|| "Miễn thu".to_string());
                    *counts.entry((d.procedure_name.clone(), reason)).or_default() += 1;
                }
            }
            None if d.total == 0 && items.get(&d.procedure_code).is_some_and(|i| i.kind == kind.as_str()) => {
                *counts.entry((d.procedure_name.clone(), "Miễn thu".to_string())).or_default() += 1;
            }
            None => {}
        }
    }
    Ok(counts.into_iter().map(|((procedure_name, reason), count)| SlipNoCharge { procedure_name, reason, count }).collect())
}

fn deposit_row(d: treasury_deposit::Model) -> DepositRow {
    DepositRow {
        id: d.id,
        kind: FeeKind::parse(&d.kind).unwrap_or(FeeKind::Phi),
        from: d.from_day,
        to: d.to_day,
        receipts: d.receipts,
        gross: d.gross,
        refunds: d.refunds,
        amount: d.amount,
        deposited_on: d.deposited_on,
        treasury_ref: d.treasury_ref,
        recorded_by: d.recorded_by,
        recorded_at: d.recorded_at.to_rfc3339(),
    }
}

fn days_between(from: NaiveDate, to: NaiveDate) -> Vec<NaiveDate> {
    from.iter_days().take_while(|d| *d <= to).collect()
}

fn interval_of(p: Option<&super::entity::treasury_profile::Model>, kind: FeeKind) -> DepositInterval {
    p.and_then(|p| DepositInterval::parse(if kind == FeeKind::Phi { &p.interval_phi } else { &p.interval_le_phi }))
        .unwrap_or(DepositInterval::Monthly)
}

/// The C1-02/NS slip for `kind` over `from..=to` (Vietnam days).
pub async fn slip(db: &impl ConnectionTrait, ward_id: i64, kind: FeeKind, from: &str, to: &str) -> Result<TreasurySlip, BackendError> {
    let (from, to) = (fields::day("from", from)?, fields::day("to", to)?);
    if to < from {
        return Err(BackendError::invalid("to", "ngày cuối trước ngày đầu (the last day is before the first)"));
    }
    if (to - from).num_days() > 366 {
        return Err(BackendError::invalid("to", "tối đa một năm mỗi lần nộp (at most a year per deposit)"));
    }
    let w = ward::Entity::find_by_id(ward_id).one(db).await?.ok_or(BackendError::NotFound("ward"))?;
    let (start, end) = bounds(from, to)?;
    let profiles = budget_codes::profiles(db, ward_id).await?;
    let codes = budget_codes::fee_codes(db, ward_id).await?;
    let profile = profile_on(&profiles, &ymd(to)).or_else(|| profile_on(&profiles, &ymd(from)));
    let c = collect(db, ward_id, from, to).await?;

    let mut lines: BTreeMap<(String, String, String), SlipLine> = BTreeMap::new();
    let mut uncoded: BTreeMap<i64, SlipUncoded> = BTreeMap::new();
    let mut money_days: BTreeSet<NaiveDate> = BTreeSet::new();
    for m in c.movements.iter().filter(|m| m.kind == kind) {
        money_days.insert(m.day);
        let day = ymd(m.day);
        let code = code_on(&codes, m.fee_item_id, &day);
        let dbhc = profile_on(&profiles, &day).map(|p| p.dbhc_code.clone());
        match (code, dbhc) {
            (Some(code), Some(dbhc)) => {
                let l = lines.entry((code.chapter.clone(), code.ndkt.clone(), dbhc.clone())).or_insert_with(|| SlipLine {
                    chapter: code.chapter.clone(),
                    ndkt: code.ndkt.clone(),
                    dbhc,
                    fee_names: Vec::new(),
                    receipts: 0,
                    gross: 0,
                    refunds: 0,
                    amount: 0,
                });
                if !l.fee_names.contains(&m.fee_name) {
                    l.fee_names.push(m.fee_name.clone());
                }
                l.receipts += m.receipts;
                if m.receipts == 0 {
                    l.refunds -= m.amount;
                } else {
                    l.gross += m.amount;
                }
                l.amount += m.amount;
            }
            _ => {
                let u = uncoded.entry(m.fee_item_id).or_insert_with(|| SlipUncoded {
                    fee_item_id: m.fee_item_id,
                    fee_name: m.fee_name.clone(),
                    receipts: 0,
                    amount: 0,
                });
                u.receipts += m.receipts;
                u.amount += m.amount;
            }
        }
    }
    let receipts_listed: Vec<SlipReceipt> = c
        .receipts
        .iter()
        .filter(|(_, _, k)| *k == kind)
        .map(|(r, amount, _)| SlipReceipt {
            label: format!("{} {}", r.form, receipts::label(r)),
            issued_at: r.issued_at.to_rfc3339(),
            amount: *amount,
            bank_ref: r.bank_ref.clone(),
            method: r.method.clone(),
        })
        .collect();
    let refunds_listed: Vec<SlipRefund> = c
        .refunds
        .iter()
        .filter_map(|r| {
            let amount: i64 = r.parts.iter().filter(|(k, _)| *k == kind).map(|(_, a)| a).sum();
            (amount > 0).then(|| SlipRefund {
                refund_id: r.refund.id,
                amount,
                receipt_label: r.receipt_label.clone(),
                bank_reference: r.refund.bank_reference.clone(),
                paid_at: r.refund.paid_at.map(|t| t.to_rfc3339()),
                deducted: true,
            })
        })
        .collect();
    let refunds_total: i64 = refunds_listed.iter().map(|r| r.amount).sum();
    let lines: Vec<SlipLine> = lines.into_values().collect();
    let uncoded: Vec<SlipUncoded> = uncoded.into_values().filter(|u| u.amount != 0 || u.receipts != 0).collect();
    let total: i64 = lines.iter().map(|l| l.amount).sum::<i64>() + uncoded.iter().map(|u| u.amount).sum::<i64>();
    let gross = total + refunds_total;
    let receipt_count = lines.iter().map(|l| l.receipts).sum::<i64>() + uncoded.iter().map(|u| u.receipts).sum::<i64>();

    // Days that held money must be closed before their money is deposited; a day still to
    // come can always gain money.
    let closed = |d: &NaiveDate| c.window.closed_at(*d).is_some();
    let today = vn_day(Utc::now());
    let open_days: Vec<String> = days_between(from, to)
        .into_iter()
        .filter(|d| *d > today || (money_days.contains(d) && !closed(d)) || (*d == today && !closed(d)))
        .map(ymd)
        .collect();
    let deposited_days: Vec<String> = treasury_deposit_day::Entity::find()
        .filter(treasury_deposit_day::Column::WardId.eq(ward_id))
        .filter(treasury_deposit_day::Column::Kind.eq(kind.as_str()))
        .filter(treasury_deposit_day::Column::Day.gte(ymd(from)))
        .filter(treasury_deposit_day::Column::Day.lte(ymd(to)))
        .order_by_asc(treasury_deposit_day::Column::Day)
        .all(db)
        .await?
        .into_iter()
        .map(|d| d.day)
        .collect();
    let deposit = treasury_deposit::Entity::find()
        .filter(treasury_deposit::Column::WardId.eq(ward_id))
        .filter(treasury_deposit::Column::Kind.eq(kind.as_str()))
        .filter(treasury_deposit::Column::FromDay.eq(ymd(from)))
        .filter(treasury_deposit::Column::ToDay.eq(ymd(to)))
        .one(db)
        .await?
        .map(deposit_row);
    let interval = interval_of(profile, kind);
    let no_charge = no_charge(db, ward_id, kind, start, end).await?;
    Ok(TreasurySlip {
        kind,
        from: ymd(from),
        to: ymd(to),
        unit_name: w.name.clone(),
        unit_tax_code: w.tax_code.clone(),
        unit_budget_code: w.budget_code.clone(),
        unit_address: w.address.clone(),
        debit_account: w.bank_account.clone(),
        debit_bank: vietqr::banks::lookup(&w.bank_bin).map(|b| b.short_name.to_string()).unwrap_or_else(|| w.bank_bin.clone()),
        kbnn_code: profile.map(|p| p.kbnn_code.clone()).unwrap_or_default(),
        kbnn_name: profile.map(|p| p.kbnn_name.clone()).unwrap_or_default(),
        kbnn_account: profile
            .map(|p| if kind == FeeKind::Phi { p.account_phi.clone() } else { p.account_le_phi.clone() })
            .unwrap_or_default(),
        revenue_agency: profile.map(|p| p.revenue_agency.clone()).unwrap_or_default(),
        dbhc: profile.map(|p| p.dbhc_code.clone()).unwrap_or_default(),
        example: profile.is_some_and(|p| p.example) || codes.iter().any(|c| c.example),
        profile_missing: profile.is_none(),
        lines,
        uncoded,
        no_charge,
        refunds: refunds_listed,
        receipts: receipts_listed,
        receipt_count,
        gross,
        refunds_total,
        total,
        total_words: vnd_in_words_vi(u64::try_from(total.max(0)).unwrap_or(0)),
        interval,
        due_on: ymd(interval.due_date(interval.period_of(from).1, &super::holidays::calendar(db, ward_id).await?)),
        open_days,
        deposited_days,
        deposit,
    })
}

/// Records a deposit as made: only over closed days, no day twice, every line coded.
pub async fn record(db: &DatabaseConnection, ward_id: i64, input: DepositInput, by: &StaffUser) -> Result<DepositRow, BackendError> {
    let kind = FeeKind::parse(input.kind.trim()).ok_or_else(|| BackendError::invalid("kind", "phi hoặc le_phi"))?;
    let deposited_on = fields::day("deposited_on", &input.deposited_on)?;
    let reference = input.treasury_ref.trim().to_string();
    let reference_ok =
        !reference.is_empty() && reference.chars().count() <= 64 && reference.chars().all(|c| c.is_alphanumeric() || " -_./:".contains(c));
    if !reference_ok {
        return Err(BackendError::invalid("treasury_ref", "cần số chứng từ Kho bạc: chữ, số, - _ . / : (the treasury's reference)"));
    }
    let s = slip(db, ward_id, kind, &input.from, &input.to).await?;
    if deposited_on > vn_day(Utc::now()) {
        return Err(BackendError::invalid("deposited_on", "ngày nộp chưa đến (the deposit date is in the future)"));
    }
    if deposited_on.format("%Y-%m-%d").to_string() < s.to {
        return Err(BackendError::invalid("deposited_on", "ngày nộp trước ngày cuối của kỳ (deposited before the period ended)"));
    }
    if !s.open_days.is_empty() {
        return Err(BackendError::Conflict(format!(
            "các ngày chưa chốt: {} — chỉ nộp tiền của ngày đã chốt (days not closed)",
            s.open_days.join(", ")
        )));
    }
    if !s.deposited_days.is_empty() {
        return Err(BackendError::Conflict(format!(
            "các ngày đã nộp: {} — mỗi ngày chỉ nộp một lần (already deposited)",
            s.deposited_days.join(", ")
        )));
    }
    if s.profile_missing {
        return Err(BackendError::invalid("kind", "chưa khai báo Kho bạc và tài khoản nhận trên /admin (treasury settings missing)"));
    }
    if !s.uncoded.is_empty() {
        let names: Vec<&str> = s.uncoded.iter().map(|u| u.fee_name.as_str()).collect();
        return Err(BackendError::invalid(
            "kind",
            format!("khoản thu chưa có mã chương/NDKT: {} — khai báo trên /admin trước khi nộp (budget codes missing)", names.join(", ")),
        ));
    }
    if s.total <= 0 {
        return Err(BackendError::invalid("to", "kỳ này không có tiền để nộp (nothing to deposit)"));
    }
    let txn = db.begin().await?;
    let now = Utc::now();
    let d = treasury_deposit::ActiveModel {
        ward_id: Set(ward_id),
        kind: Set(kind.as_str().into()),
        from_day: Set(s.from.clone()),
        to_day: Set(s.to.clone()),
        receipts: Set(s.receipt_count),
        gross: Set(s.gross),
        refunds: Set(s.refunds_total),
        amount: Set(s.total),
        deposited_on: Set(ymd(deposited_on)),
        treasury_ref: Set(reference.clone()),
        recorded_by: Set(by.username.clone()),
        recorded_at: Set(now),
        slip: Set(serde_json::to_string(&s).map_err(|e| BackendError::invalid("slip", e.to_string()))?),
        ..Default::default()
    };
    let id = treasury_deposit::Entity::insert(d).exec(&txn).await?.last_insert_id;
    let from = fields::day("from", &s.from)?;
    let to = fields::day("to", &s.to)?;
    let rows: Vec<treasury_deposit_day::ActiveModel> = days_between(from, to)
        .into_iter()
        .map(|day| treasury_deposit_day::ActiveModel {
            ward_id: Set(ward_id),
            kind: Set(kind.as_str().into()),
            day: Set(ymd(day)),
            deposit_id: Set(id),
        })
        .collect();
    treasury_deposit_day::Entity::insert_many(rows).exec_without_returning(&txn).await.map_err(|e| match e.sql_err() {
        // Another deposit of an overlapping period committed first.
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => {
            BackendError::Conflict("một ngày trong kỳ vừa được ghi nộp (a day of the period was just deposited)".into())
        }
        _ => BackendError::Db(e),
    })?;
    audit::append(
        &txn,
        Entry::new(&by.username, Some(ward_id), "treasury.deposit", format!("treasury_deposit:{id}")).detail(serde_json::json!({
            "kind": kind.as_str(), "from": s.from, "to": s.to, "amount": s.total, "refunds": s.refunds_total,
            "receipts": s.receipt_count, "deposited_on": ymd(deposited_on), "treasury_ref": reference,
        })),
    )
    .await?;
    txn.commit().await?;
    let saved = treasury_deposit::Entity::find_by_id(id).one(db).await?.ok_or(BackendError::NotFound("deposit"))?;
    Ok(deposit_row(saved))
}

/// The first day that can hold money not yet deposited. Every day before it that held
/// money (a receipt or a revenue refund booked on it) is deposited for both kinds, so the
/// view below never loses old money however long it waits, and reads only from here on.
/// One step per run of deposited days: the first movement after the run is looked up, and
/// the walk stops at the first day it books on that is not deposited.
async fn outstanding_since(
    db: &impl ConnectionTrait,
    ward_id: i64,
    deposited: &BTreeSet<(String, String)>,
    today: NaiveDate,
) -> Result<NaiveDate, BackendError> {
    let fully = |d: NaiveDate| FeeKind::ALL.iter().all(|k| deposited.contains(&(k.as_str().to_string(), ymd(d))));
    let Some(first) = receipts::first_issued_after(db, ward_id, None).await? else { return Ok(today) };
    let mut from = vn_day(first);
    let window = BookingWindow::load(db, ward_id, from, today).await?;
    loop {
        while from <= today && fully(from) {
            from += Duration::days(1);
        }
        if from > today {
            return Ok(today);
        }
        // Money booked on `from` moved on it, or on the day before after that day's close.
        let after = match window.closed_at(from - Duration::days(1)) {
            Some(c) => c,
            None => bounds(from, from)?.0 - Duration::microseconds(1),
        };
        let next_receipt = receipts::first_issued_after(db, ward_id, Some(after)).await?;
        let next_refund = refunds::first_revenue_refund_paid_after(db, ward_id, after).await?;
        let Some(next) = next_receipt.into_iter().chain(next_refund).min() else { return Ok(today) };
        let day = window.day_of(next);
        if !fully(day) {
            return Ok(day);
        }
        from = day + Duration::days(1);
    }
}

/// Money collected and not yet deposited, however old, per kind and deposit period, with
/// due dates; and the deposits made.
pub async fn view(db: &impl ConnectionTrait, ward_id: i64, can_record: bool) -> Result<TreasuryView, BackendError> {
    let now = Utc::now();
    let today = vn_day(now);
    let profiles = budget_codes::profiles(db, ward_id).await?;
    let deposited: BTreeSet<(String, String)> = treasury_deposit_day::Entity::find()
        .filter(treasury_deposit_day::Column::WardId.eq(ward_id))
        .all(db)
        .await?
        .into_iter()
        .map(|d| (d.kind, d.day))
        .collect();
    let since = outstanding_since(db, ward_id, &deposited, today).await?;
    // Tomorrow too: money booked after today's close counts there.
    let c = collect(db, ward_id, since, today + Duration::days(1)).await?;
    let mut periods: BTreeMap<(FeeKind, NaiveDate, NaiveDate), (i64, i64, DepositInterval)> = BTreeMap::new();
    for m in &c.movements {
        if deposited.contains(&(m.kind.as_str().to_string(), ymd(m.day))) {
            continue;
        }
        let interval = interval_of(profile_on(&profiles, &ymd(m.day)), m.kind);
        let (from, to) = interval.period_of(m.day);
        let e = periods.entry((m.kind, from, to)).or_insert((0, 0, interval));
        e.0 += m.amount;
        e.1 += m.receipts;
    }
    let calendar = super::holidays::calendar(db, ward_id).await?;
    let outstanding: Vec<Outstanding> = periods
        .into_iter()
        .filter(|(_, (amount, _, _))| *amount != 0)
        .map(|((kind, from, to), (amount, receipts, interval))| {
            let due = interval.due_date(to, &calendar);
            Outstanding { kind, from: ymd(from), to: ymd(to), receipts, amount, due_on: ymd(due), overdue: today > due }
        })
        .collect();
    let deposits = treasury_deposit::Entity::find()
        .filter(treasury_deposit::Column::WardId.eq(ward_id))
        .order_by_desc(treasury_deposit::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(deposit_row)
        .collect();
    Ok(TreasuryView { overdue: outstanding.iter().any(|o| o.overdue), outstanding, deposits, can_record, today: ymd(today) })
}
