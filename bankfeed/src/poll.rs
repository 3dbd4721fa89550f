//! The providers' query APIs, read back into [`Notification`]s: the safety net for
//! webhooks that never arrived. Pure: the server's poller does the HTTP.
//!
//! * SePay API v2, `GET /v2/transactions` (bearer token): a JSON envelope
//!   `{"status": "success", "data": [...], "meta": {"pagination": {"has_more": …}}}`; each
//!   transaction has a UUID `id` (the webhook's id is a number, so a polled transaction and
//!   its webhook are the same money by the bank's `reference_number`), `transaction_date`
//!   (Vietnam time), `account_number`, `va`, `transfer_type` (`in`/`out`), `amount_in`,
//!   `amount_out`, `transaction_content`, `reference_number`, `code`, `bank_brand_name`.
//! * Casso API v2, `GET /v2/transactions?fromDate=…&page=…&pageSize=…&sort=ASC` (`Apikey`):
//!   `{"error": 0, "data": {"page": …, "nextPage": …, "totalPages": …, "records": [...]}}`;
//!   each record has the numeric `id` its webhook carries, `tid` (the bank's reference),
//!   `description`, a signed `amount`, `when`, `bankSubAccId` (the account),
//!   `virtualAccount`, and the payer (`corresponsive…`).
//!
//! payOS has no account-wide list: it answers per payment link, and WardPay's VietQR codes
//! are plain transfers with no payOS link, so there is nothing to poll there.

use crate::notification::{parse_vietnam_local, Direction, Notification, Provider};
use serde_json::Value;
use thiserror::Error;

/// One page of a provider's transaction list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub notifications: Vec<Notification>,
    /// Each transaction's JSON as the provider gave it (the evidence kept with it).
    pub raw: Vec<String>,
    /// Whether another page follows.
    pub has_more: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PollError {
    #[error("the answer is not JSON: {0}")]
    NotJson(String),
    #[error("the provider reported an error: {0}")]
    Provider(String),
    #[error("transaction {index}: {why}")]
    Transaction { index: usize, why: String },
}

fn text(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn integer(v: &Value, key: &str) -> Option<i64> {
    match v.get(key)? {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Reads a date-time as the APIs give it: `YYYY-MM-DD HH:MM:SS` or with a `T`, or a bare
/// date, all Vietnam time.
fn bank_time(s: &str) -> (Option<String>, Option<chrono::DateTime<chrono::Utc>>) {
    let normal = s.trim().replace('T', " ");
    let normal = if normal.len() == 10 { format!("{normal} 00:00:00") } else { normal.chars().take(19).collect() };
    let utc = parse_vietnam_local(&normal);
    (utc.map(|_| normal), utc)
}

/// One page of SePay's v2 transaction list.
pub fn sepay_v2_page(body: &[u8]) -> Result<Page, PollError> {
    let v: Value = serde_json::from_slice(body).map_err(|e| PollError::NotJson(e.to_string()))?;
    if v.get("status").and_then(Value::as_str) != Some("success") {
        let why = v.get("message").or_else(|| v.get("error")).map(Value::to_string).unwrap_or_else(|| "no success status".into());
        return Err(PollError::Provider(why));
    }
    let items = v.get("data").and_then(Value::as_array).ok_or_else(|| PollError::Provider("no data list".into()))?;
    let mut notifications = Vec::with_capacity(items.len());
    let raw = items.iter().map(Value::to_string).collect();
    for (index, t) in items.iter().enumerate() {
        let bad = |why: &str| PollError::Transaction { index, why: why.to_string() };
        let id = text(t, "id").ok_or_else(|| bad("no id"))?;
        let incoming = text(t, "transfer_type").as_deref() != Some("out");
        let amount = if incoming { integer(t, "amount_in") } else { integer(t, "amount_out") }.ok_or_else(|| bad("no amount"))?;
        let (bank_time_local, bank_time_utc) = text(t, "transaction_date").map(|s| bank_time(&s)).unwrap_or((None, None));
        notifications.push(Notification {
            provider: Provider::Sepay,
            provider_txn_id: id,
            bank_reference: text(t, "reference_number"),
            amount_vnd: amount.abs(),
            direction: if incoming { Direction::In } else { Direction::Out },
            account_number: text(t, "account_number").ok_or_else(|| bad("no account_number"))?,
            virtual_account: text(t, "va"),
            bank_name: text(t, "bank_brand_name"),
            content: text(t, "transaction_content").unwrap_or_default(),
            description: None,
            bank_time_local,
            bank_time_utc,
            payer_name: None,
            payer_account: None,
            payer_bank_bin: None,
            payer_bank_name: None,
            order_code: None,
            is_test: false,
            provider_code: text(t, "code"),
        });
    }
    let has_more = v.pointer("/meta/pagination/has_more").and_then(Value::as_bool).unwrap_or(false);
    Ok(Page { notifications, raw, has_more })
}

/// One page of Casso's v2 transaction list.
pub fn casso_v2_page(body: &[u8]) -> Result<Page, PollError> {
    let v: Value = serde_json::from_slice(body).map_err(|e| PollError::NotJson(e.to_string()))?;
    if integer(&v, "error").unwrap_or(-1) != 0 {
        return Err(PollError::Provider(v.get("message").map(Value::to_string).unwrap_or_else(|| "error".into())));
    }
    let data = v.get("data").ok_or_else(|| PollError::Provider("no data".into()))?;
    let records = data.get("records").and_then(Value::as_array).ok_or_else(|| PollError::Provider("no records".into()))?;
    let mut notifications = Vec::with_capacity(records.len());
    let raw = records.iter().map(Value::to_string).collect();
    for (index, t) in records.iter().enumerate() {
        let bad = |why: &str| PollError::Transaction { index, why: why.to_string() };
        let id = text(t, "id").ok_or_else(|| bad("no id"))?;
        let amount = integer(t, "amount").ok_or_else(|| bad("no amount"))?;
        let (bank_time_local, bank_time_utc) = text(t, "when").map(|s| bank_time(&s)).unwrap_or((None, None));
        notifications.push(Notification {
            provider: Provider::Casso,
            provider_txn_id: id,
            bank_reference: text(t, "tid").or_else(|| text(t, "reference")),
            amount_vnd: amount.abs(),
            direction: if amount < 0 { Direction::Out } else { Direction::In },
            account_number: text(t, "bankSubAccId").or_else(|| text(t, "accountNumber")).ok_or_else(|| bad("no bankSubAccId"))?,
            virtual_account: text(t, "virtualAccount"),
            bank_name: text(t, "bankCodeName"),
            content: text(t, "description").unwrap_or_default(),
            description: None,
            bank_time_local,
            bank_time_utc,
            payer_name: text(t, "corresponsiveName"),
            payer_account: text(t, "corresponsiveAccount"),
            payer_bank_bin: text(t, "corresponsiveBankId"),
            payer_bank_name: text(t, "corresponsiveBankName"),
            order_code: None,
            is_test: false,
            provider_code: None,
        });
    }
    let page = integer(data, "page").unwrap_or(1);
    let pages = integer(data, "totalPages").unwrap_or(page);
    Ok(Page { notifications, raw, has_more: page < pages })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sepay_v2_page_reads_credits_and_debits_with_their_references() {
        let body = br#"{"status":"success","data":[
            {"id":"07ad3dc9-0000-4000-8000-0afffe87053b","transaction_date":"2026-11-30 09:15:02","account_number":"113366668888",
             "va":"","transfer_type":"in","amount_in":50000,"amount_out":0,"accumulated":0,"transaction_content":"WP7K3M9Q2X NOP PHI",
             "reference_number":"FT26334000001","code":"WP7K3M9Q2X","bank_brand_name":"VPBank","bank_account_id":"d6","webhook_success":0},
            {"id":"17ad3dc9-0000-4000-8000-0afffe87053b","transaction_date":"2026-11-30 09:20:00","account_number":"113366668888",
             "va":null,"transfer_type":"out","amount_in":0,"amount_out":11000,"transaction_content":"PHI SMS","reference_number":"FT2"}
        ],"meta":{"pagination":{"total":2,"per_page":100,"current_page":1,"last_page":1,"has_more":false}}}"#;
        let p = sepay_v2_page(body).expect("page");
        assert!(!p.has_more);
        let n = &p.notifications[0];
        assert_eq!((n.provider, n.amount_vnd, n.direction), (Provider::Sepay, 50_000, Direction::In));
        assert_eq!(n.bank_reference.as_deref(), Some("FT26334000001"));
        assert_eq!(n.virtual_account, None, "an empty va is none");
        assert_eq!(n.bank_time_utc.map(|t| t.to_rfc3339()).as_deref(), Some("2026-11-30T02:15:02+00:00"));
        assert_eq!((p.notifications[1].direction, p.notifications[1].amount_vnd), (Direction::Out, 11_000));
    }

    #[test]
    fn a_casso_v2_page_reads_signed_amounts_and_paging() {
        let body = br#"{"error":0,"message":"success","data":{"page":1,"pageSize":2,"nextPage":2,"prevPage":0,"totalPages":2,"totalRecords":3,
            "records":[{"id":5789,"tid":"TF2104152395814062","description":"WP7K3M9Q2X","amount":50000,"cusum_balance":1,"when":"2026-11-30 09:15:02",
            "bankSubAccId":"113366668888","virtualAccount":"","corresponsiveName":"NGUYEN VAN AN"},
            {"id":5790,"tid":"TF2","description":"rut","amount":-193000,"when":"2026-11-30T10:00:00","bankSubAccId":"113366668888"}]}}"#;
        let p = casso_v2_page(body).expect("page");
        assert!(p.has_more);
        assert_eq!(p.notifications[0].provider_txn_id, "5789");
        assert_eq!(p.notifications[0].bank_reference.as_deref(), Some("TF2104152395814062"));
        assert_eq!(p.notifications[0].payer_name.as_deref(), Some("NGUYEN VAN AN"));
        assert_eq!((p.notifications[1].direction, p.notifications[1].amount_vnd), (Direction::Out, 193_000));
        assert_eq!(p.notifications[1].bank_time_local.as_deref(), Some("2026-11-30 10:00:00"));
    }

    #[test]
    fn provider_errors_and_broken_answers_are_told_apart() {
        assert!(matches!(sepay_v2_page(b"<html>"), Err(PollError::NotJson(_))));
        assert!(matches!(sepay_v2_page(br#"{"status":"error","message":"Unauthorized"}"#), Err(PollError::Provider(_))));
        assert!(matches!(casso_v2_page(br#"{"error":401,"message":"Unauthorized"}"#), Err(PollError::Provider(_))));
        assert!(matches!(
            sepay_v2_page(br#"{"status":"success","data":[{"transfer_type":"in","amount_in":1,"account_number":"1"}]}"#),
            Err(PollError::Transaction { index: 0, .. })
        ));
    }
}
