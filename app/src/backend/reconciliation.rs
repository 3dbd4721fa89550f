//! The reconciliation report (báo cáo đối soát) of a ward over a range of Vietnam calendar
//! days: one row per payment request with the notification that paid it and its receipt,
//! and one per bank notification that did not simply pay one (the exception queue's money).
//! Each row's state comes from `domain::reconciliation`; totals are by state, by count and
//! amount. The same report serves the page, the CSV download and `wardpay report`.

use super::entity::{bank_exception, bank_notification, counter, day_report, dossier, payment_request, receipt, statement_import, statement_line, ward};
use super::BackendError;
use crate::domain::mask;
use crate::domain::payment::PaymentState;
use crate::domain::reconciliation::{exception_state, request_state, with_statement, BankRecord, RecState, RequestFacts};
use crate::model::{ReconReport, ReconRow, ReconTotal};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use std::collections::{BTreeMap, HashMap};

/// The longest range one report covers.
pub const MAX_DAYS: i64 = 366;
/// Ids per `IN (…)` list: well under both engines' limits on bound parameters.
const CHUNK: usize = 1_000;

/// A checked range of Vietnam calendar days, both included.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DayRange {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl DayRange {
    /// `from` and `to` as `YYYY-MM-DD`: in order, not in the future, at most [`MAX_DAYS`].
    pub fn parse(from: &str, to: &str, now: DateTime<Utc>) -> Result<DayRange, BackendError> {
        let day = |field: &'static str, s: &str| {
            NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
                .map_err(|_| BackendError::invalid(field, format!("{s:?}: ngày phải có dạng YYYY-MM-DD (expected YYYY-MM-DD)")))
        };
        let (from, to) = (day("from", from)?, day("to", to)?);
        if from > to {
            return Err(BackendError::invalid("to", "ngày cuối trước ngày đầu (the range ends before it starts)"));
        }
        let today = crate::time::to_vn(now).date_naive();
        if to > today {
            return Err(BackendError::invalid("to", "không đối soát ngày chưa đến (that day has not come yet)"));
        }
        if (to - from).num_days() + 1 > MAX_DAYS {
            return Err(BackendError::invalid("to", format!("tối đa {MAX_DAYS} ngày mỗi báo cáo (at most {MAX_DAYS} days per report)")));
        }
        Ok(DayRange { from, to })
    }

    /// The first of this month and today (Vietnam time), as `YYYY-MM-DD`.
    pub fn month_so_far(now: DateTime<Utc>) -> (String, String) {
        use chrono::Datelike;
        let today = crate::time::to_vn(now).date_naive();
        let first = today.with_day(1).unwrap_or(today);
        (first.format("%Y-%m-%d").to_string(), today.format("%Y-%m-%d").to_string())
    }

    /// The UTC instants `[start, end)` the range covers.
    pub fn bounds(&self) -> (DateTime<Utc>, DateTime<Utc>) {
        let start = |d: NaiveDate| {
            crate::time::vn_day_bounds(&d.format("%Y-%m-%d").to_string()).map(|b| b.0).unwrap_or_default()
        };
        (start(self.from), start(self.to) + chrono::Duration::days(1))
    }
}

fn day_of(t: DateTime<Utc>) -> String {
    crate::time::to_vn(t).format("%Y-%m-%d").to_string()
}

/// How far back a correction of a closed day is looked for when a report covers open days.
const ADJUSTMENT_LOOKBACK_DAYS: i64 = 62;

/// The report of ward `ward_id` over `range`.
///
/// A closed day is read as it was frozen at its close, so its report never changes
/// afterwards. A later change to one of its rows (an exception resolved, a statement's
/// verdict, a late payment) lands in the first open day after it as an adjustment row that
/// names the day it corrects and carries the change of the amounts; when that day closes,
/// its frozen report keeps the adjustment.
pub async fn report(db: &impl ConnectionTrait, ward_id: i64, range: DayRange) -> Result<ReconReport, BackendError> {
    let w = ward::Entity::find_by_id(ward_id).one(db).await?.ok_or(BackendError::NotFound("ward"))?;
    let day = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
    let window_from = range.from - chrono::Duration::days(ADJUSTMENT_LOOKBACK_DAYS);
    let frozen: BTreeMap<String, Vec<ReconRow>> = day_report::Entity::find()
        .filter(day_report::Column::WardId.eq(ward_id))
        .filter(day_report::Column::Day.gte(day(window_from)))
        .filter(day_report::Column::Day.lte(day(range.to)))
        .all(db)
        .await?
        .into_iter()
        .map(|f| serde_json::from_str::<Vec<ReconRow>>(&f.rows).map(|rows| (f.day, rows)))
        .collect::<Result<_, _>>()
        .map_err(|e| BackendError::invalid("day_report", e.to_string()))?;
    let days_in_range: Vec<NaiveDate> = range.from.iter_days().take_while(|d| *d <= range.to).collect();
    let open_in_range: Vec<String> = days_in_range.iter().map(|d| day(*d)).filter(|d| !frozen.contains_key(d)).collect();

    let mut rows: Vec<ReconRow> = Vec::new();
    let covered = statement_spans(db, ward_id, range).await?;
    for d in &days_in_range {
        if let Some(f) = frozen.get(&day(*d)) {
            rows.extend(f.iter().cloned());
        }
    }
    if !open_in_range.is_empty() {
        // Closed days before the range matter only for the corrections they may owe.
        let first_closed = frozen.keys().next().and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
        let live_from = first_closed.map_or(range.from, |f| f.min(range.from));
        let (live, _) = live_rows(db, ward_id, DayRange { from: live_from, to: range.to }).await?;
        let in_range = |d: &str| *d >= *day(range.from) && *d <= *day(range.to);
        let mut live_by_day: BTreeMap<String, Vec<ReconRow>> = BTreeMap::new();
        for r in live {
            live_by_day.entry(r.day.clone()).or_default().push(r);
        }
        for d in &open_in_range {
            rows.extend(live_by_day.get(d).into_iter().flatten().cloned());
        }
        for adj in adjustments(&frozen, &live_by_day, &range) {
            if in_range(&adj.day) {
                rows.push(adj);
            }
        }
    }
    rows.sort_by(|a, b| a.day.cmp(&b.day).then(a.adjusts.is_some().cmp(&b.adjusts.is_some())).then(a.at.cmp(&b.at)).then(a.source.cmp(&b.source)));

    let mut totals: Vec<ReconTotal> = Vec::new();
    for state in RecState::ALL {
        let of_state = rows.iter().filter(|r| r.state == state);
        let (count, due, received) = of_state.fold((0, 0, 0), |(c, d, r), row| (c + 1, d + row.amount_due, r + row.amount_received));
        if count > 0 {
            totals.push(ReconTotal { state, count, amount_due: due, amount_received: received });
        }
    }
    Ok(ReconReport {
        ward_code: w.code,
        ward_name: w.name,
        collection_account: w.bank_account,
        from: day(range.from),
        to: day(range.to),
        total_due: rows.iter().filter(|r| r.source == "payment_request").map(|r| r.amount_due).sum(),
        total_received: rows.iter().map(|r| r.amount_received).sum(),
        statements: covered,
        totals,
        rows,
    })
}

/// Which row of which request or notification: the identity corrections are tracked by.
fn row_key(r: &ReconRow) -> (String, Option<i64>, Option<i64>) {
    (r.source.clone(), r.payment_request_id, r.notification_id)
}

/// The corrections closed days owe: each closed day's rows now, against the rows as frozen
/// plus the adjustments already frozen into later days, compared per row and state (every
/// real row has a non-zero amount, so a state's sum says whether the row is in it). A
/// changed state comes out as the old state reversed and the new one in full; a changed
/// amount as the difference. Each lands in the first open day after the day it corrects.
fn adjustments(frozen: &BTreeMap<String, Vec<ReconRow>>, live_by_day: &BTreeMap<String, Vec<ReconRow>>, range: &DayRange) -> Vec<ReconRow> {
    type Key = ((String, Option<i64>, Option<i64>), RecState);
    fn add(book: &mut BTreeMap<Key, (i64, i64, ReconRow)>, r: &ReconRow) {
        let e = book.entry((row_key(r), r.state)).or_insert_with(|| (0, 0, r.clone()));
        e.0 += r.amount_due;
        e.1 += r.amount_received;
    }
    let mut booked: BTreeMap<String, BTreeMap<Key, (i64, i64, ReconRow)>> = BTreeMap::new();
    for (d, rows) in frozen {
        for r in rows {
            let corrected = r.adjusts.clone().unwrap_or_else(|| d.clone());
            add(booked.entry(corrected).or_default(), r);
        }
    }
    let last = range.to.format("%Y-%m-%d").to_string();
    let first_open_after = |d: &str| -> Option<String> {
        let mut next = NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()?.succ_opt()?;
        loop {
            let s = next.format("%Y-%m-%d").to_string();
            if s > last {
                return None;
            }
            if !frozen.contains_key(&s) {
                return Some(s);
            }
            next = next.succ_opt()?;
        }
    };
    let mut out = Vec::new();
    for (d, was) in &booked {
        if !frozen.contains_key(d) {
            continue;
        }
        let Some(lands) = first_open_after(d) else { continue };
        let mut now = BTreeMap::new();
        for r in live_by_day.get(d).into_iter().flatten() {
            add(&mut now, r);
        }
        let mut keys: Vec<&Key> = now.keys().chain(was.keys()).collect();
        keys.sort();
        keys.dedup();
        let (mut reversals, mut additions) = (Vec::new(), Vec::new());
        for k in keys {
            let (due0, rec0) = was.get(k).map_or((0, 0), |e| (e.0, e.1));
            let (due1, rec1) = now.get(k).map_or((0, 0), |e| (e.0, e.1));
            let (due, received) = (due1 - due0, rec1 - rec0);
            if due == 0 && received == 0 {
                continue;
            }
            let Some(template) = now.get(k).or_else(|| was.get(k)).map(|e| &e.2) else { continue };
            let row = ReconRow {
                day: lands.clone(),
                amount_due: due,
                amount_received: received,
                difference: received - due,
                adjusts: Some(d.clone()),
                ..template.clone()
            };
            if due < 0 || received < 0 {
                reversals.push(row);
            } else {
                additions.push(row);
            }
        }
        out.extend(reversals);
        out.extend(additions);
    }
    out
}

/// Freezes the report of `day` as it stands (called in the day-close transaction).
pub async fn freeze_day(db: &impl ConnectionTrait, ward_id: i64, day: NaiveDate) -> Result<(), BackendError> {
    let r = report(db, ward_id, DayRange { from: day, to: day }).await?;
    day_report::Entity::insert(day_report::ActiveModel {
        ward_id: sea_orm::Set(ward_id),
        day: sea_orm::Set(day.format("%Y-%m-%d").to_string()),
        rows: sea_orm::Set(serde_json::to_string(&r.rows).map_err(|e| BackendError::invalid("day_report", e.to_string()))?),
        created_at: sea_orm::Set(Utc::now()),
        ..Default::default()
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

async fn statement_spans(db: &impl ConnectionTrait, ward_id: i64, range: DayRange) -> Result<Vec<(String, String)>, BackendError> {
    Ok(statement_import::Entity::find()
        .filter(statement_import::Column::WardId.eq(ward_id))
        .filter(statement_import::Column::FirstDay.lte(range.to.format("%Y-%m-%d").to_string()))
        .filter(statement_import::Column::LastDay.gte(range.from.format("%Y-%m-%d").to_string()))
        .all(db)
        .await?
        .into_iter()
        .map(|i| (i.first_day, i.last_day))
        .collect())
}

/// The rows of ward `ward_id` over `range` as the records stand now, and the day spans of
/// the statements that overlap it.
async fn live_rows(db: &impl ConnectionTrait, ward_id: i64, range: DayRange) -> Result<(Vec<ReconRow>, Vec<(String, String)>), BackendError> {
    let (start, end) = range.bounds();
    let counters: HashMap<i64, i32> = counter::Entity::find()
        .filter(counter::Column::WardId.eq(ward_id))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c.number))
        .collect();

    // Requests the screens showed (drafts nobody issued are not money matters).
    let requests = payment_request::Entity::find()
        .filter(payment_request::Column::WardId.eq(ward_id))
        .filter(payment_request::Column::CreatedAt.gte(start))
        .filter(payment_request::Column::CreatedAt.lt(end))
        .filter(
            Condition::any()
                .add(payment_request::Column::IssuedAt.is_not_null())
                .add(payment_request::Column::PaidAt.is_not_null()),
        )
        .order_by_asc(payment_request::Column::CreatedAt)
        .order_by_asc(payment_request::Column::Id)
        .all(db)
        .await?;
    let mut dossiers = HashMap::new();
    let mut receipts = HashMap::new();
    let mut paying: HashMap<i64, bank_notification::Model> = HashMap::new();
    let mut resolutions: HashMap<i64, Option<String>> = HashMap::new();
    for chunk in requests.chunks(CHUNK) {
        let ids: Vec<i64> = chunk.iter().map(|p| p.id).collect();
        let dossier_ids: Vec<i64> = chunk.iter().map(|p| p.dossier_id).collect();
        for d in dossier::Entity::find().filter(dossier::Column::Id.is_in(dossier_ids)).all(db).await? {
            dossiers.insert(d.id, d);
        }
        for r in receipt::Entity::find().filter(receipt::Column::PaymentRequestId.is_in(ids.clone())).all(db).await? {
            receipts.insert(r.payment_request_id, r);
        }
        let linked = bank_notification::Entity::find().filter(bank_notification::Column::PaymentRequestId.is_in(ids)).all(db).await?;
        let linked_ids: Vec<i64> = linked.iter().map(|n| n.id).collect();
        for e in bank_exception::Entity::find().filter(bank_exception::Column::NotificationId.is_in(linked_ids)).all(db).await? {
            resolutions.insert(e.notification_id, e.resolution);
        }
        for n in linked {
            // The notification that paid the request: matched at once, booked as assisted,
            // or an exception a supervisor resolved into this request.
            let pays = matches!(n.outcome.as_str(), "matched" | "assisted")
                || matches!(resolutions.get(&n.id), Some(Some(r)) if r == "assigned" || r == "accepted_late");
            if pays {
                if let Some(pr_id) = n.payment_request_id {
                    paying.insert(pr_id, n);
                }
            }
        }
    }

    // What the ward's statements say: the days they cover, and the lines tied to the
    // notifications behind the rows (loaded with the exceptions' below).
    let covered = statement_spans(db, ward_id, range).await?;
    let exceptions = exceptions_of(db, ward_id, start, end).await?;
    let mut notes: HashMap<i64, bank_notification::Model> = HashMap::new();
    for chunk in exceptions.chunks(CHUNK) {
        let n_ids: Vec<i64> = chunk.iter().map(|e| e.notification_id).collect();
        for n in bank_notification::Entity::find().filter(bank_notification::Column::Id.is_in(n_ids)).all(db).await? {
            notes.insert(n.id, n);
        }
    }
    let mut on_statement: HashMap<i64, i64> = HashMap::new();
    if !covered.is_empty() {
        let ids: Vec<i64> = paying.values().chain(notes.values()).map(|n| n.id).collect();
        for chunk in ids.chunks(CHUNK) {
            for l in statement_line::Entity::find().filter(statement_line::Column::NotificationId.is_in(chunk.to_vec())).all(db).await? {
                if let Some(n) = l.notification_id {
                    on_statement.insert(n, l.amount);
                }
            }
        }
    }
    let bank_record = |n: &bank_notification::Model| {
        if n.source == "statement" {
            return BankRecord::OnlyOnStatement;
        }
        if on_statement.get(&n.id) == Some(&n.amount) {
            return BankRecord::Confirmed;
        }
        let day = day_of(n.received_at);
        if covered.iter().any(|(a, b)| *a <= day && day <= *b) {
            BankRecord::Missing
        } else {
            BankRecord::NotChecked
        }
    };

    let mut rows = Vec::with_capacity(requests.len());
    for pr in &requests {
        let state = PaymentState::parse(&pr.state).unwrap_or(PaymentState::Draft);
        let n = paying.get(&pr.id);
        let rec = request_state(RequestFacts {
            settled: state.is_settled(),
            method: pr.method.as_deref(),
            paying_outcome: n.map(|n| n.outcome.as_str()),
        });
        let rec = n.map_or(rec, |n| with_statement(rec, bank_record(n)));
        let d = dossiers.get(&pr.dossier_id);
        let received = if state.is_settled() { pr.amount_received.unwrap_or(pr.amount) } else { 0 };
        rows.push(ReconRow {
            state: rec,
            source: "payment_request".into(),
            day: day_of(pr.created_at),
            at: pr.created_at.to_rfc3339(),
            counter: counters.get(&pr.counter_id).copied(),
            dossier_code: d.map(|d| d.code.clone()),
            procedure: d.map(|d| d.procedure_name.clone()),
            payer: d.map(|d| mask::mask_name(&d.applicant_name)),
            payment_code: Some(pr.payment_code.clone()),
            amount_due: pr.amount,
            amount_received: received,
            difference: if rec == RecState::Unpaid { 0 } else { received - pr.amount },
            method: pr.method.clone(),
            provider: n.map(|n| n.provider.clone()),
            bank_reference: n.and_then(|n| n.bank_reference.clone()).or_else(|| pr.bank_ref.clone()),
            received_at: n.map(|n| n.received_at.to_rfc3339()).or_else(|| pr.paid_at.map(|t| t.to_rfc3339())),
            receipt: receipts.get(&pr.id).map(super::receipts::label),
            officer: Some(pr.created_by.clone()),
            payment_request_id: Some(pr.id),
            notification_id: n.map(|n| n.id),
            adjusts: None,
        });
    }

    let mut due_of: HashMap<i64, payment_request::Model> = HashMap::new();
    for chunk in exceptions.chunks(CHUNK) {
        let pr_ids: Vec<i64> = chunk.iter().filter_map(|e| e.payment_request_id).collect();
        for pr in payment_request::Entity::find().filter(payment_request::Column::Id.is_in(pr_ids)).all(db).await? {
            due_of.insert(pr.id, pr);
        }
    }
    let mut missing_dossiers: Vec<i64> = due_of.values().map(|p| p.dossier_id).filter(|id| !dossiers.contains_key(id)).collect();
    missing_dossiers.sort_unstable();
    missing_dossiers.dedup();
    for chunk in missing_dossiers.chunks(CHUNK) {
        for d in dossier::Entity::find().filter(dossier::Column::Id.is_in(chunk.to_vec())).all(db).await? {
            dossiers.insert(d.id, d);
        }
    }
    for e in &exceptions {
        let n = notes.get(&e.notification_id);
        let rec = exception_state(&e.kind, e.resolution.as_deref());
        let rec = n.map_or(rec, |n| with_statement(rec, bank_record(n)));
        let pr = e.payment_request_id.and_then(|id| due_of.get(&id));
        let d = pr.and_then(|p| dossiers.get(&p.dossier_id));
        // What this money was for: the rest of an underpayment, or nothing at all.
        let due = match rec {
            RecState::Under | RecState::Over => pr.map_or(0, |p| p.amount),
            _ => 0,
        };
        rows.push(ReconRow {
            state: rec,
            source: "notification".into(),
            day: day_of(e.created_at),
            at: e.created_at.to_rfc3339(),
            counter: pr.and_then(|p| counters.get(&p.counter_id).copied()),
            dossier_code: d.map(|d| d.code.clone()),
            procedure: d.map(|d| d.procedure_name.clone()),
            payer: d.map(|d| mask::mask_name(&d.applicant_name)),
            payment_code: pr.map(|p| p.payment_code.clone()),
            amount_due: due,
            amount_received: e.amount,
            difference: e.amount - due,
            method: None,
            provider: n.map(|n| n.provider.clone()),
            bank_reference: n.and_then(|n| n.bank_reference.clone().or_else(|| Some(n.provider_txn_id.clone()))),
            received_at: n.map(|n| n.received_at.to_rfc3339()),
            receipt: None,
            officer: e.resolved_by.clone(),
            payment_request_id: e.payment_request_id,
            notification_id: Some(e.notification_id),
            adjusts: None,
        });
    }
    rows.sort_by(|a, b| a.at.cmp(&b.at).then(a.source.cmp(&b.source)));
    Ok((rows, covered))
}

/// Money that did not simply pay a request: the exception queue of the range, except what
/// a person booked onto a request (that money is in the request's row).
async fn exceptions_of(
    db: &impl ConnectionTrait,
    ward_id: i64,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<Vec<bank_exception::Model>, BackendError> {
    Ok(bank_exception::Entity::find()
        .filter(bank_exception::Column::WardId.eq(ward_id))
        .filter(bank_exception::Column::CreatedAt.gte(start))
        .filter(bank_exception::Column::CreatedAt.lt(end))
        .filter(
            Condition::any()
                .add(bank_exception::Column::Resolution.is_null())
                .add(bank_exception::Column::Resolution.is_not_in(["assigned", "accepted_late", "assisted"])),
        )
        .order_by_asc(bank_exception::Column::CreatedAt)
        .order_by_asc(bank_exception::Column::Id)
        .all(db)
        .await?)
}

/// The report as CSV for a spreadsheet: UTF-8 with a byte-order mark (so Excel reads the
/// Vietnamese right), a header row, one line per row, then one total line per state.
pub fn to_csv(r: &ReconReport) -> String {
    fn field(s: &str) -> String {
        // Quote every text field; a leading = + - @ is prefixed so no cell runs as a formula.
        let s = if s.starts_with(['=', '+', '-', '@']) { format!("'{s}") } else { s.to_string() };
        format!("\"{}\"", s.replace('"', "\"\""))
    }
    let opt = |s: &Option<String>| field(s.as_deref().unwrap_or(""));
    let mut out = String::from("\u{feff}");
    out.push_str("Ngày,Trạng thái,state,Quầy,Mã hồ sơ,Thủ tục,Người nộp,Mã thanh toán,Phải thu,Đã nhận,Chênh lệch,Hình thức,Nguồn,Mã giao dịch,Thời điểm nhận,Biên lai,Cán bộ,Điều chỉnh cho ngày\r\n");
    for row in &r.rows {
        let cols = [
            field(&row.day),
            field(row.state.label_vi()),
            field(row.state.as_str()),
            row.counter.map(|c| c.to_string()).unwrap_or_default(),
            opt(&row.dossier_code),
            opt(&row.procedure),
            opt(&row.payer),
            opt(&row.payment_code),
            row.amount_due.to_string(),
            row.amount_received.to_string(),
            row.difference.to_string(),
            opt(&row.method),
            opt(&row.provider),
            opt(&row.bank_reference),
            opt(&row.received_at),
            opt(&row.receipt),
            opt(&row.officer),
            opt(&row.adjusts),
        ];
        out.push_str(&cols.join(","));
        out.push_str("\r\n");
    }
    for t in &r.totals {
        out.push_str(&format!(
            "{},{},{},,,,,,{},{},{},,,,,,,\r\n",
            field("Tổng"),
            field(t.state.label_vi()),
            field(t.state.as_str()),
            t.amount_due,
            t.amount_received,
            t.amount_received - t.amount_due,
        ));
    }
    out
}

/// The report as an Excel workbook: a frozen header row, amounts as numbers in a đồng
/// format (so they sum in Excel), Vietnamese labels, then a totals line per state and the
/// grand total. Rows are written in order with constant memory.
pub fn to_xlsx(r: &ReconReport) -> Result<Vec<u8>, BackendError> {
    use rust_xlsxwriter::{Format, FormatBorder, Workbook};
    let fail = |e: rust_xlsxwriter::XlsxError| BackendError::invalid("xlsx", e.to_string());
    let mut book = Workbook::new();
    let bold = Format::new().set_bold().set_border_bottom(FormatBorder::Thin).set_text_wrap();
    let vnd = Format::new().set_num_format("#,##0\" đ\"");
    let vnd_bold = Format::new().set_num_format("#,##0\" đ\"").set_bold();
    let text_bold = Format::new().set_bold();
    let sheet = book.add_worksheet_with_constant_memory();
    sheet.set_name("Doi soat").map_err(fail)?;
    let headers = [
        ("Ngày", 11.0), ("Trạng thái", 18.0), ("state", 14.0), ("Quầy", 6.0), ("Mã hồ sơ", 22.0), ("Thủ tục", 36.0),
        ("Người nộp", 16.0), ("Mã thanh toán", 16.0), ("Phải thu", 13.0), ("Đã nhận", 13.0), ("Chênh lệch", 13.0),
        ("Hình thức", 12.0), ("Nguồn", 9.0), ("Mã giao dịch", 20.0), ("Thời điểm nhận", 20.0), ("Biên lai", 16.0), ("Cán bộ", 12.0),
        ("Điều chỉnh cho ngày", 14.0),
    ];
    for (c, (h, width)) in headers.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &bold).map_err(fail)?;
        sheet.set_column_width(c as u16, *width).map_err(fail)?;
    }
    sheet.set_freeze_panes(1, 0).map_err(fail)?;
    let mut row: u32 = 1;
    for x in &r.rows {
        let texts: [(u16, Option<&str>); 6] = [
            (0, Some(x.day.as_str())), (1, Some(x.state.label_vi())), (2, Some(x.state.as_str())),
            (4, x.dossier_code.as_deref()), (5, x.procedure.as_deref()), (6, x.payer.as_deref()),
        ];
        for (c, v) in texts {
            if let Some(v) = v {
                sheet.write_string(row, c, v).map_err(fail)?;
            }
        }
        if let Some(counter) = x.counter {
            sheet.write_number(row, 3, f64::from(counter)).map_err(fail)?;
        }
        if let Some(v) = &x.payment_code {
            sheet.write_string(row, 7, v).map_err(fail)?;
        }
        for (c, v) in [(8u16, x.amount_due), (9, x.amount_received), (10, x.difference)] {
            sheet.write_number_with_format(row, c, v as f64, &vnd).map_err(fail)?;
        }
        let more: [(u16, &Option<String>); 7] = [
            (11, &x.method), (12, &x.provider), (13, &x.bank_reference), (14, &x.received_at), (15, &x.receipt), (16, &x.officer),
            (17, &x.adjusts),
        ];
        for (c, v) in more {
            if let Some(v) = v {
                sheet.write_string(row, c, v).map_err(fail)?;
            }
        }
        row += 1;
    }
    for t in &r.totals {
        sheet.write_string_with_format(row, 0, "Tổng", &text_bold).map_err(fail)?;
        sheet.write_string_with_format(row, 1, t.state.label_vi(), &text_bold).map_err(fail)?;
        sheet.write_string(row, 2, t.state.as_str()).map_err(fail)?;
        sheet.write_number(row, 3, t.count as f64).map_err(fail)?;
        sheet.write_number_with_format(row, 8, t.amount_due as f64, &vnd_bold).map_err(fail)?;
        sheet.write_number_with_format(row, 9, t.amount_received as f64, &vnd_bold).map_err(fail)?;
        sheet.write_number_with_format(row, 10, (t.amount_received - t.amount_due) as f64, &vnd_bold).map_err(fail)?;
        row += 1;
    }
    sheet.write_string_with_format(row, 0, "Tổng cộng", &text_bold).map_err(fail)?;
    sheet.write_string(row, 2, "total").map_err(fail)?;
    sheet.write_number_with_format(row, 8, r.total_due as f64, &vnd_bold).map_err(fail)?;
    sheet.write_number_with_format(row, 9, r.total_received as f64, &vnd_bold).map_err(fail)?;
    book.save_to_buffer().map_err(fail)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-30T10:00:00+07:00").expect("time").with_timezone(&Utc)
    }

    #[test]
    fn ranges_are_checked() {
        assert!(DayRange::parse("2026-11-01", "2026-11-30", now()).is_ok());
        assert!(DayRange::parse("2026-11-30", "2026-11-01", now()).is_err(), "inverted");
        assert!(DayRange::parse("2026-11-01", "2026-12-01", now()).is_err(), "the future");
        assert!(DayRange::parse("2025-01-01", "2026-11-30", now()).is_err(), "more than a year");
        assert!(DayRange::parse("30/11/2026", "2026-11-30", now()).is_err(), "not YYYY-MM-DD");
    }

    #[test]
    fn a_range_covers_whole_vietnam_days() {
        let r = DayRange::parse("2026-11-30", "2026-11-30", now()).expect("range");
        let (a, b) = r.bounds();
        assert_eq!(a.to_rfc3339(), "2026-11-29T17:00:00+00:00");
        assert_eq!((b - a).num_hours(), 24);
    }
}
