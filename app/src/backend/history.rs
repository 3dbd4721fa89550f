//! A realistic past for benchmarks and demonstrations (`wardpay seed-history`): a number of
//! payment requests spread over several wards and the working days of the past year, with
//! the mix of outcomes a real counter sees (most paid by QR transfer at once, some cash, a
//! few expired or cancelled, and a few percent of bank exceptions: under- and overpaid,
//! late, duplicate, unknown code, each resolved as a supervisor would), every receipt
//! numbered and signed, and every past day closed (its reconciliation frozen). Rows are
//! written in bulk, a day per transaction, so a million requests take minutes, not hours.
//! The history is generated from a seed: the same arguments give the same data.
//!
//! It writes only into wards with no payment request yet, so it never mixes with real data.

use super::entity::{bank_exception, bank_notification, counter, day_close, dossier, fee_line, payment_request, receipt, ward};
use super::{payments, receipts, reconciliation, BackendError};
use crate::domain::fees::{self, LineInput};
use crate::domain::payment::PaymentMethod;
use crate::model::{FeeLineView, ReceiptContent};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect, Set,
    TransactionTrait,
};
use std::collections::HashMap;

/// What to generate.
#[derive(Clone, Copy, Debug)]
pub struct Plan {
    /// Payment requests in all, over all wards and days.
    pub payments: u64,
    pub wards: u32,
    /// Calendar days back from yesterday (Vietnam time).
    pub days: u32,
    pub seed: u64,
}

/// What was generated.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub wards: usize,
    pub days_closed: usize,
    pub payment_requests: u64,
    pub notifications: u64,
    pub exceptions: u64,
    pub receipts: u64,
}

/// The outcome of one generated request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fate {
    Matched,
    Cash,
    Expired,
    Cancelled,
    Under,
    Over,
    Late,
    Duplicate,
}

/// Roughly what a ward's counters see in a year (per thousand requests).
fn fate(roll: u32) -> Fate {
    match roll {
        0..930 => Fate::Matched,
        930..955 => Fate::Cash,
        955..970 => Fate::Expired,
        970..975 => Fate::Cancelled,
        975..982 => Fate::Under,
        982..987 => Fate::Over,
        987..995 => Fate::Late,
        _ => Fate::Duplicate,
    }
}

/// How busy a day is: one-stop counters work Monday to Friday and Saturday morning.
fn weight(d: NaiveDate) -> f64 {
    match d.weekday() {
        Weekday::Sun => 0.0,
        Weekday::Sat => 0.5,
        _ => 1.0,
    }
}

const SURNAMES: &[&str] = &["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô"];
const MIDDLE: &[&str] = &["Văn", "Thị", "Minh", "Thu", "Đức", "Ngọc", "Hữu", "Thanh"];
const GIVEN: &[&str] = &["An", "Bình", "Cường", "Dung", "Giang", "Hà", "Hùng", "Lan", "Long", "Mai", "Nam", "Phương", "Quân", "Trang"];

struct WardCtx {
    ward: ward::Model,
    counters: Vec<(i64, i32)>,
    items: Vec<(crate::model::CatalogEntry, i64)>,
    next_receipt: HashMap<String, i64>,
}

/// Ids handed out in bulk (explicit ids, so rows can refer to each other before insert).
struct Ids {
    dossier: i64,
    line: i64,
    request: i64,
    notification: i64,
    exception: i64,
    receipt: i64,
}

async fn max_id<E: EntityTrait>(db: &impl ConnectionTrait, col: E::Column) -> Result<i64, BackendError>
where
    E::Model: Sync,
{
    let v: Option<Option<i64>> = E::find().select_only().column_as(Expr::col(col).max(), "m").into_tuple().one(db).await?;
    Ok(v.flatten().unwrap_or(0))
}

/// The wards to fill: the demo ward and `H26`-coded siblings, created as needed.
async fn wards(db: &DatabaseConnection, n: u32) -> Result<Vec<WardCtx>, BackendError> {
    let first = super::seed::seed_demo(db).await?;
    let mut ids = vec![first];
    for k in 2..=n {
        let id = super::city::ensure_sibling_ward(db, k, 3).await?;
        ids.push(id);
    }
    let mut out = Vec::new();
    for id in ids {
        let existing = payment_request::Entity::find().filter(payment_request::Column::WardId.eq(id)).count(db).await?;
        if existing > 0 {
            return Err(BackendError::Conflict(format!(
                "ward {id} already has {existing} payment requests: history goes only into empty wards (use a fresh database)"
            )));
        }
        // The history is older than the ward's record says: the ward existed all along.
        ward::Entity::update_many()
            .col_expr(ward::Column::CreatedAt, Expr::value(Utc::now() - Duration::days(800)))
            .filter(ward::Column::Id.eq(id))
            .exec(db)
            .await?;
        let w = ward::Entity::find_by_id(id).one(db).await?.ok_or(BackendError::NotFound("ward"))?;
        let counters =
            counter::Entity::find().filter(counter::Column::WardId.eq(id)).all(db).await?.into_iter().map(|c| (c.id, c.number)).collect();
        let items = payments::catalog(db, id)
            .await?
            .into_iter()
            .filter_map(|c| {
                let amount = fees::compute(&c.rule, &LineInput { quantity: 1, pages: Some(2) }).ok()?;
                (amount > 0).then_some((c, amount))
            })
            .collect::<Vec<_>>();
        if items.is_empty() {
            return Err(BackendError::invalid("catalog", "the ward has no priced fee item"));
        }
        out.push(WardCtx { ward: w, counters, items, next_receipt: HashMap::new() });
    }
    Ok(out)
}

/// Generates the history of `plan`; `progress` hears a line every month of days.
pub async fn seed(db: &DatabaseConnection, plan: Plan, progress: impl Fn(&str)) -> Result<Summary, BackendError> {
    if plan.wards == 0 || plan.days == 0 {
        return Err(BackendError::invalid("plan", "at least one ward and one day"));
    }
    let mut wards = wards(db, plan.wards).await?;
    let mut rng = StdRng::seed_from_u64(plan.seed);
    let yesterday = crate::time::to_vn(Utc::now()).date_naive() - Duration::days(1);
    let days: Vec<NaiveDate> = (0..plan.days).rev().map(|i| yesterday - Duration::days(i64::from(i))).collect();
    let total_weight: f64 = days.iter().map(|d| weight(*d)).sum::<f64>() * f64::from(plan.wards);
    let per_unit = plan.payments as f64 / total_weight.max(1.0);
    let mut ids = Ids {
        dossier: max_id::<dossier::Entity>(db, dossier::Column::Id).await? + 1,
        line: max_id::<fee_line::Entity>(db, fee_line::Column::Id).await? + 1,
        request: max_id::<payment_request::Entity>(db, payment_request::Column::Id).await? + 1,
        notification: max_id::<bank_notification::Entity>(db, bank_notification::Column::Id).await? + 1,
        exception: max_id::<bank_exception::Entity>(db, bank_exception::Column::Id).await? + 1,
        receipt: max_id::<receipt::Entity>(db, receipt::Column::Id).await? + 1,
    };
    let mut summary = Summary { wards: wards.len(), ..Default::default() };
    let mut made: u64 = 0;
    let mut carry = 0.0;
    for (i, day) in days.iter().enumerate() {
        let txn = db.begin().await?;
        for (wi, w) in wards.iter_mut().enumerate() {
            carry += per_unit * weight(*day);
            let last = i + 1 == days.len() && wi + 1 == plan.wards as usize;
            let n = if last { plan.payments.saturating_sub(made) } else { carry.floor() as u64 };
            carry -= n as f64;
            made += n;
            let batch = generate_day(w, *day, n, &mut rng, &mut ids);
            summary.payment_requests += batch.requests.len() as u64;
            summary.notifications += batch.notifications.len() as u64;
            summary.exceptions += batch.exceptions.len() as u64;
            summary.receipts += batch.receipts.len() as u64;
            batch.insert(&txn).await?;
        }
        txn.commit().await?;
        if (i + 1) % 30 == 0 || i + 1 == days.len() {
            progress(&format!("{} / {} days, {} payment requests", i + 1, days.len(), summary.payment_requests));
        }
    }
    // Receipts continue their numbering after the history.
    for w in &wards {
        for (series, next) in &w.next_receipt {
            let stmt = sea_orm::Statement::from_sql_and_values(
                db.get_database_backend(),
                match db.get_database_backend() {
                    sea_orm::DbBackend::Postgres => "INSERT INTO receipt_sequence (ward_id, series, next_number) VALUES ($1, $2, $3) ON CONFLICT (ward_id, series) DO UPDATE SET next_number = GREATEST(receipt_sequence.next_number, EXCLUDED.next_number)",
                    _ => "INSERT INTO receipt_sequence (ward_id, series, next_number) VALUES (?, ?, ?) ON CONFLICT (ward_id, series) DO UPDATE SET next_number = MAX(receipt_sequence.next_number, excluded.next_number)",
                },
                [w.ward.id.into(), series.clone().into(), (*next).into()],
            );
            db.execute_raw(stmt).await?;
        }
    }
    if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        for t in ["dossier", "fee_line", "payment_request", "bank_notification", "bank_exception", "receipt"] {
            db.execute_unprepared(&format!("SELECT setval(pg_get_serial_sequence('{t}', 'id'), COALESCE((SELECT MAX(id) FROM {t}), 1))"))
                .await?;
        }
    }
    // Every past day closed, as a ward does: its reconciliation frozen.
    for (i, day) in days.iter().enumerate() {
        let txn = db.begin().await?;
        for w in &wards {
            close_day(&txn, w.ward.id, *day).await?;
            summary.days_closed += 1;
        }
        txn.commit().await?;
        if (i + 1) % 30 == 0 || i + 1 == days.len() {
            progress(&format!("{} / {} days closed", i + 1, days.len()));
        }
    }
    Ok(summary)
}

async fn close_day(txn: &sea_orm::DatabaseTransaction, ward_id: i64, day: NaiveDate) -> Result<(), BackendError> {
    let key = day.format("%Y-%m-%d").to_string();
    let Some((start, end)) = crate::time::vn_day_bounds(&key) else { return Ok(()) };
    let paid = payment_request::Entity::find()
        .filter(payment_request::Column::WardId.eq(ward_id))
        .filter(payment_request::Column::CreatedAt.gte(start))
        .filter(payment_request::Column::CreatedAt.lt(end))
        .filter(payment_request::Column::State.eq("receipt_issued"))
        .all(txn)
        .await?;
    let collected: i64 = paid.iter().map(|p| p.amount).sum();
    day_close::ActiveModel {
        ward_id: Set(ward_id),
        day: Set(key.clone()),
        closed_at: Set(end + Duration::hours(1)),
        closed_by: Set("history".into()),
        paid: Set(paid.len() as i64),
        paid_amount: Set(collected),
        summary: Set(serde_json::json!({ "paid": paid.len(), "collected": collected, "generated": true }).to_string()),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    reconciliation::freeze_day(txn, ward_id, day).await
}

#[derive(Default)]
struct DayBatch {
    dossiers: Vec<dossier::ActiveModel>,
    lines: Vec<fee_line::ActiveModel>,
    requests: Vec<payment_request::ActiveModel>,
    notifications: Vec<bank_notification::ActiveModel>,
    exceptions: Vec<bank_exception::ActiveModel>,
    receipts: Vec<receipt::ActiveModel>,
}

impl DayBatch {
    async fn insert(self, txn: &sea_orm::DatabaseTransaction) -> Result<(), BackendError> {
        // Below both engines' limit of bound parameters per statement.
        const CHUNK: usize = 500;
        macro_rules! put {
            ($rows:expr, $entity:ty) => {
                let mut rows = $rows;
                while !rows.is_empty() {
                    let rest = rows.split_off(rows.len().min(CHUNK));
                    <$entity>::insert_many(rows).exec_without_returning(txn).await?;
                    rows = rest;
                }
            };
        }
        put!(self.dossiers, dossier::Entity);
        put!(self.lines, fee_line::Entity);
        put!(self.requests, payment_request::Entity);
        put!(self.notifications, bank_notification::Entity);
        put!(self.exceptions, bank_exception::Entity);
        put!(self.receipts, receipt::Entity);
        Ok(())
    }
}

fn generate_day(w: &mut WardCtx, day: NaiveDate, n: u64, rng: &mut StdRng, ids: &mut Ids) -> DayBatch {
    let mut b = DayBatch::default();
    let Some((day_start, _)) = crate::time::vn_day_bounds(&day.format("%Y-%m-%d").to_string()) else { return b };
    let yymmdd = day.format("%y%m%d").to_string();
    for seq in 1..=n {
        let (c_id, _) = w.counters[rng.random_range(0..w.counters.len())];
        let (item, amount) = &w.items[rng.random_range(0..w.items.len())];
        let amount = *amount;
        // Working hours 8:00–17:00, Vietnam time.
        let at = day_start + Duration::hours(8) + Duration::seconds(rng.random_range(0..9 * 3600));
        let name = format!(
            "{} {} {}",
            SURNAMES[rng.random_range(0..SURNAMES.len())],
            MIDDLE[rng.random_range(0..MIDDLE.len())],
            GIVEN[rng.random_range(0..GIVEN.len())]
        );
        let code = format!("{}-{yymmdd}-{seq:04}", w.ward.code);
        let d_id = ids.dossier;
        ids.dossier += 1;
        let f = fate(rng.random_range(0..1000));
        let paid_at = at + Duration::seconds(rng.random_range(40..600));
        let settled = matches!(f, Fate::Matched | Fate::Cash | Fate::Late | Fate::Duplicate);
        b.dossiers.push(dossier::ActiveModel {
            id: Set(d_id),
            ward_id: Set(w.ward.id),
            counter_id: Set(c_id),
            code: Set(code.clone()),
            request_key: Set(None),
            applicant_name: Set(name.clone()),
            id_number: Set(None),
            phone: Set(None),
            procedure_code: Set(item.procedure_code.clone()),
            procedure_name: Set(item.procedure_name.clone()),
            source: Set("counter".into()),
            total: Set(amount),
            outcome: Set(if settled {
                "paid"
            } else if f == Fate::Cancelled {
                "cancelled"
            } else {
                "expired"
            }
            .into()),
            created_at: Set(at),
            created_by: Set("canbo".into()),
        });
        b.lines.push(fee_line::ActiveModel {
            id: Set(ids.line),
            dossier_id: Set(d_id),
            fee_item_id: Set(item.id),
            fee_name: Set(item.fee_name.clone()),
            kind: Set(item.kind.clone()),
            budget_subitem: Set(String::new()),
            quantity: Set(1),
            pages: Set(Some(2)),
            amount: Set(amount),
            exempt_reason: Set(None),
        });
        ids.line += 1;
        let pr_id = ids.request;
        ids.request += 1;
        let payment_code = bankfeed::PaymentCode::generate(rng).as_str().to_string();
        let expires = at + Duration::minutes(15);
        let method = match f {
            Fate::Cash => Some("cash"),
            Fate::Matched | Fate::Late | Fate::Duplicate => Some("qr_transfer"),
            _ => None,
        };
        let state = match f {
            Fate::Cancelled => "cancelled",
            Fate::Expired | Fate::Under | Fate::Over => "expired",
            _ => "receipt_issued",
        };
        let paid_time = if f == Fate::Late { expires + Duration::minutes(rng.random_range(1..120)) } else { paid_at };
        let mut paying_ref = None;
        // The transfers: the one that pays (or fails to), and a second one for a duplicate.
        let transfer = |b: &mut DayBatch, ids: &mut Ids, sent: i64, when: DateTime<Utc>, outcome: &str| {
            let id = ids.notification;
            ids.notification += 1;
            let reference = format!("FTH{id:012}");
            b.notifications.push(bank_notification::ActiveModel {
                id: Set(id),
                provider: Set("sepay".into()),
                provider_txn_id: Set(format!("h{id}")),
                bank_reference: Set(Some(reference.clone())),
                raw_body: Set(format!("{{\"id\":\"h{id}\",\"transferAmount\":{sent},\"content\":\"{payment_code} NOP PHI\"}}")),
                headers: Set("{}".into()),
                received_at: Set(when),
                amount: Set(sent),
                account_number: Set(w.ward.bank_account.clone()),
                content: Set(format!("{payment_code} NOP PHI")),
                payment_request_id: Set(Some(pr_id)),
                outcome: Set(outcome.into()),
                source: Set("webhook".into()),
            });
            (id, reference)
        };
        let exception = |b: &mut DayBatch, ids: &mut Ids, n_id: i64, kind: &str, sent: i64, when: DateTime<Utc>, resolution: &str| {
            b.exceptions.push(bank_exception::ActiveModel {
                id: Set(ids.exception),
                ward_id: Set(Some(w.ward.id)),
                notification_id: Set(n_id),
                payment_request_id: Set(Some(pr_id)),
                kind: Set(kind.into()),
                amount: Set(sent),
                status: Set("resolved".into()),
                resolution: Set(Some(resolution.into())),
                note: Set(Some(if resolution == "refund" { "hoàn về tài khoản nguồn" } else { "chấp nhận" }.into())),
                resolved_by: Set(Some("truongbp".into())),
                resolved_at: Set(Some(when + Duration::minutes(30))),
                created_at: Set(when),
            });
            ids.exception += 1;
        };
        match f {
            Fate::Matched | Fate::Duplicate => {
                let (_, r) = transfer(&mut b, ids, amount, paid_time, "matched");
                paying_ref = Some(r);
                if f == Fate::Duplicate {
                    let again = paid_time + Duration::minutes(2);
                    let (n2, _) = transfer(&mut b, ids, amount, again, "already_paid");
                    exception(&mut b, ids, n2, "already_paid", amount, again, "refund");
                }
            }
            Fate::Late => {
                let (n, r) = transfer(&mut b, ids, amount, paid_time, "late");
                exception(&mut b, ids, n, "late", amount, paid_time, "accepted_late");
                paying_ref = Some(r);
            }
            Fate::Under | Fate::Over => {
                let sent = if f == Fate::Under { amount / 2 } else { amount + 10_000 };
                let kind = if f == Fate::Under { "underpaid" } else { "overpaid" };
                let (n, _) = transfer(&mut b, ids, sent, paid_at, kind);
                exception(&mut b, ids, n, kind, sent, paid_at, "refund");
            }
            _ => {}
        }
        b.requests.push(payment_request::ActiveModel {
            id: Set(pr_id),
            ward_id: Set(w.ward.id),
            counter_id: Set(c_id),
            dossier_id: Set(d_id),
            amount: Set(amount),
            payment_code: Set(payment_code.clone()),
            qr_payload: Set(None),
            purpose: Set(format!("{payment_code} NOP PHI")),
            state: Set(state.into()),
            method: Set(method.map(String::from)),
            version: Set(3),
            issued_at: Set(Some(at)),
            expires_at: Set(Some(expires)),
            paid_at: Set(settled.then_some(paid_time)),
            state_changed_at: Set(if settled { paid_time } else { expires }),
            cash_reason: Set((f == Fate::Cash).then(|| "không có tài khoản ngân hàng".to_string())),
            bank_ref: Set(paying_ref.clone()),
            amount_received: Set(settled.then_some(amount)),
            created_at: Set(at),
            created_by: Set("canbo".into()),
        });
        if settled {
            let year = crate::time::to_vn(paid_time).year();
            let series = receipts::series_for_year(&w.ward.receipt_series, year);
            let number = {
                let next = w.next_receipt.entry(series.clone()).or_insert(1);
                let n = *next;
                *next += 1;
                n
            };
            let method = if f == Fate::Cash { PaymentMethod::Cash } else { PaymentMethod::QrTransfer };
            let content = ReceiptContent {
                title: "BIÊN LAI THU PHÍ, LỆ PHÍ".into(),
                form: w.ward.receipt_form.clone(),
                series: series.clone(),
                number: receipts::format_number(number),
                unit_name: w.ward.name.clone(),
                unit_address: w.ward.address.clone(),
                unit_tax_code: w.ward.tax_code.clone(),
                unit_budget_code: w.ward.budget_code.clone(),
                payer_name: name.clone(),
                payer_id: None,
                dossier_code: code.clone(),
                procedure_name: item.procedure_name.clone(),
                lines: vec![FeeLineView {
                    fee_name: item.fee_name.clone(),
                    kind: item.kind.clone(),
                    quantity: 1,
                    pages: Some(2),
                    amount,
                    exempt_reason: None,
                }],
                total: amount,
                total_words: crate::domain::words::vnd_in_words_vi(u64::try_from(amount).unwrap_or(0)),
                method,
                bank_ref: paying_ref.clone(),
                payment_code: payment_code.clone(),
                issued_at: paid_time.to_rfc3339(),
                collector: w.ward.name.clone(),
                payer_address: None,
                replaces: None,
                transfers: Vec::new(),
            };
            let canonical = serde_json::to_string(&content).unwrap_or_default();
            b.receipts.push(receipt::ActiveModel {
                id: Set(ids.receipt),
                ward_id: Set(w.ward.id),
                payment_request_id: Set(pr_id),
                form: Set(content.form.clone()),
                series: Set(series),
                year: Set(year),
                number: Set(number),
                payer_name: Set(name),
                amount: Set(amount),
                method: Set(method.as_str().into()),
                bank_ref: Set(paying_ref),
                issued_at: Set(paid_time),
                signature: Set(receipts::sign_content(&w.ward.receipt_key, &canonical).unwrap_or_default()),
                content: Set(canonical),
                replaces_id: Set(None),
                reason: Set(None),
                issued_by: Set(None),
                sig_alg: Set(super::signing::HMAC.into()),
                key_id: Set(None),
            });
            ids.receipt += 1;
        }
    }
    // Money that names no code: a few a day per ward, refunded.
    let unknown = (0..n).filter(|_| rng.random_range(0..1000) < 4).count();
    for _ in 0..unknown {
        let id = ids.notification;
        ids.notification += 1;
        let when = day_start + Duration::hours(8) + Duration::seconds(rng.random_range(0..9 * 3600));
        let sent = 10_000 * rng.random_range(1..10);
        b.notifications.push(bank_notification::ActiveModel {
            id: Set(id),
            provider: Set("sepay".into()),
            provider_txn_id: Set(format!("h{id}")),
            bank_reference: Set(Some(format!("FTH{id:012}"))),
            raw_body: Set(format!("{{\"id\":\"h{id}\",\"transferAmount\":{sent},\"content\":\"CHUYEN TIEN\"}}")),
            headers: Set("{}".into()),
            received_at: Set(when),
            amount: Set(sent),
            account_number: Set(w.ward.bank_account.clone()),
            content: Set("CHUYEN TIEN".into()),
            payment_request_id: Set(None),
            outcome: Set("unknown_code".into()),
            source: Set("webhook".into()),
        });
        b.exceptions.push(bank_exception::ActiveModel {
            id: Set(ids.exception),
            ward_id: Set(Some(w.ward.id)),
            notification_id: Set(id),
            payment_request_id: Set(None),
            kind: Set("unknown_code".into()),
            amount: Set(sent),
            status: Set("resolved".into()),
            resolution: Set(Some("refund".into())),
            note: Set(Some("hoàn về tài khoản nguồn".into())),
            resolved_by: Set(Some("truongbp".into())),
            resolved_at: Set(Some(when + Duration::hours(2))),
            created_at: Set(when),
        });
        ids.exception += 1;
    }
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_outcome_mix_is_mostly_paid_with_a_few_percent_of_exceptions() {
        let mut counts: HashMap<&'static str, u32> = HashMap::new();
        for roll in 0..1000 {
            let k = match fate(roll) {
                Fate::Matched => "matched",
                Fate::Cash => "cash",
                Fate::Expired | Fate::Cancelled => "unpaid",
                _ => "exception",
            };
            *counts.entry(k).or_default() += 1;
        }
        assert_eq!(counts["matched"], 930);
        assert_eq!(counts["exception"], 25, "2.5% under, over, late or duplicate");
        assert_eq!(counts["unpaid"], 20);
        assert_eq!(weight(NaiveDate::from_ymd_opt(2026, 11, 29).expect("a Sunday")), 0.0);
    }
}
