//! Ward set-up by an admin: the ward's identity, its collection account and receipt
//! numbering, and its counters. Changing the collection account is the most sensitive
//! edit WardPay has (money would go elsewhere): it is refused while a code of the ward can
//! still be paid, and the audit log keeps the old and the new account.

use super::audit::{self, Entry};
use super::auth::StaffUser;
use super::entity::{counter, payment_request, ward};
use super::BackendError;
use crate::model::{BankChoice, CounterInfo, CounterStatus, WardForm, WardInfo};
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};

pub fn banks() -> Vec<BankChoice> {
    let mut v: Vec<BankChoice> =
        vietqr::banks::all().iter().map(|b| BankChoice { bin: b.bin.into(), short_name: b.short_name.into() }).collect();
    v.sort_by_key(|b| b.short_name.to_lowercase());
    v
}

pub fn form_of(w: &ward::Model) -> WardForm {
    WardForm {
        id: Some(w.id),
        code: w.code.clone(),
        name: w.name.clone(),
        address: w.address.clone(),
        tax_code: w.tax_code.clone(),
        budget_code: w.budget_code.clone(),
        bank_bin: w.bank_bin.clone(),
        bank_account: w.bank_account.clone(),
        bank_account_name: w.bank_account_name.clone(),
        receipt_form: w.receipt_form.clone(),
        receipt_series: w.receipt_series.clone(),
        kiosk_chime: w.kiosk_chime,
    }
}

fn digits(s: &str, n: &[usize]) -> bool {
    n.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
}

/// Trims every field and checks it; the first problem names its field.
pub fn check(f: &WardForm) -> Result<WardForm, BackendError> {
    let t = |s: &str| s.trim().to_string();
    let f = WardForm {
        id: f.id,
        code: t(&f.code).to_uppercase(),
        name: t(&f.name),
        address: t(&f.address),
        tax_code: t(&f.tax_code),
        budget_code: t(&f.budget_code),
        bank_bin: t(&f.bank_bin),
        bank_account: t(&f.bank_account),
        bank_account_name: t(&f.bank_account_name).to_uppercase(),
        receipt_form: t(&f.receipt_form),
        receipt_series: t(&f.receipt_series).to_uppercase(),
        kiosk_chime: f.kiosk_chime,
    };
    let code_ok = (5..=20).contains(&f.code.len()) && f.code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.');
    if !code_ok {
        return Err(BackendError::invalid("code", "mã cơ quan như 000.00.01.H26 (agency code such as 000.00.01.H26)"));
    }
    if f.name.is_empty() || f.name.chars().count() > 120 {
        return Err(BackendError::invalid("name", "cần tên phường, xã (the ward's name is required)"));
    }
    if f.address.is_empty() {
        return Err(BackendError::invalid("address", "cần địa chỉ (the address is printed on receipts)"));
    }
    if !digits(&f.tax_code, &[10, 13]) && !digits(&f.tax_code.replace('-', ""), &[13]) {
        return Err(BackendError::invalid("tax_code", "mã số thuế gồm 10 hoặc 13 chữ số (10 or 13 digits)"));
    }
    if !digits(&f.budget_code, &[7]) {
        return Err(BackendError::invalid("budget_code", "mã quan hệ ngân sách gồm 7 chữ số (7 digits)"));
    }
    if vietqr::banks::lookup(&f.bank_bin).is_none() {
        return Err(BackendError::invalid("bank_bin", "ngân hàng không có trong danh bạ NAPAS (not a NAPAS bank BIN)"));
    }
    let account_ok = (6..=19).contains(&f.bank_account.len()) && f.bank_account.bytes().all(|b| b.is_ascii_alphanumeric());
    if !account_ok {
        return Err(BackendError::invalid("bank_account", "số tài khoản 6–19 chữ số hoặc chữ cái (6–19 letters or digits)"));
    }
    let name_ok = !f.bank_account_name.is_empty()
        && f.bank_account_name.len() <= 50
        && f.bank_account_name.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b' ');
    if !name_ok {
        return Err(BackendError::invalid(
            "bank_account_name",
            "tên chủ tài khoản viết hoa không dấu như ngân hàng in (upper case without diacritics, as the bank prints it)",
        ));
    }
    // The account must fit a VietQR code: the encoder is the judge.
    let probe = vietqr::VietQr::new(f.bank_bin.clone(), f.bank_account.clone(), vietqr::Service::ToAccount).with_amount(1000);
    if let Err(e) = vietqr::encode(&probe) {
        return Err(BackendError::invalid("bank_account", e.to_string()));
    }
    // TT 91 symbols: checked here, where the ward registers them, so no receipt can carry others.
    crate::domain::receipt_rules::check_form(&f.receipt_form).map_err(|e| BackendError::invalid("receipt_form", e.to_string()))?;
    crate::domain::receipt_rules::check_series(&f.receipt_series).map_err(|e| BackendError::invalid("receipt_series", e.to_string()))?;
    Ok(f)
}

/// Creates the ward (`form.id` `None`, admins of every ward only) or updates it.
pub async fn save(db: &DatabaseConnection, form: WardForm, by: &StaffUser) -> Result<WardInfo, BackendError> {
    let f = check(&form)?;
    let txn = db.begin().await?;
    let same_code = ward::Entity::find().filter(ward::Column::Code.eq(f.code.clone())).one(&txn).await?;
    if same_code.as_ref().is_some_and(|w| Some(w.id) != f.id) {
        return Err(BackendError::invalid("code", "mã này đã thuộc phường khác (code already used)"));
    }
    let saved = match f.id {
        None => {
            if by.ward_id.is_some() {
                return Err(BackendError::Forbidden("chỉ quản trị viên toàn hệ thống tạo được phường mới"));
            }
            let w = ward::ActiveModel {
                code: Set(f.code.clone()),
                name: Set(f.name.clone()),
                address: Set(f.address.clone()),
                tax_code: Set(f.tax_code.clone()),
                budget_code: Set(f.budget_code.clone()),
                bank_bin: Set(f.bank_bin.clone()),
                bank_account: Set(f.bank_account.clone()),
                bank_account_name: Set(f.bank_account_name.clone()),
                receipt_form: Set(f.receipt_form.clone()),
                receipt_series: Set(f.receipt_series.clone()),
                kiosk_chime: Set(f.kiosk_chime),
                receipt_key: Set(super::seed::new_receipt_key()),
                created_at: Set(Utc::now()),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
            audit::append(
                &txn,
                Entry::new(&by.username, Some(w.id), "ward.create", format!("ward:{}", w.code))
                    .detail(serde_json::to_value(&f).unwrap_or_default()),
            )
            .await?;
            w
        }
        Some(id) => {
            if !by.covers_ward(id) {
                return Err(BackendError::Forbidden("phường khác (another ward)"));
            }
            let old = ward::Entity::find_by_id(id).one(&txn).await?.ok_or(BackendError::NotFound("ward"))?;
            let account_changes = old.bank_bin != f.bank_bin || old.bank_account != f.bank_account;
            if account_changes {
                // Issuances in flight finish first; later ones read the new account.
                super::payments::lock_ward_counters(&txn, id).await?;
                let payable = payment_request::Entity::find()
                    .filter(payment_request::Column::WardId.eq(id))
                    .filter(super::payments::payable_at(Utc::now()))
                    .count(&txn)
                    .await?;
                if payable > 0 {
                    return Err(BackendError::Conflict(format!(
                        "còn {payable} mã QR trỏ tới tài khoản cũ đang chờ thanh toán; đổi tài khoản sau khi chúng hết hạn hoặc bị huỷ ({payable} codes still point at the old account)"
                    )));
                }
            }
            let before = form_of(&old);
            let mut am = old.into_active_model();
            am.code = Set(f.code.clone());
            am.name = Set(f.name.clone());
            am.address = Set(f.address.clone());
            am.tax_code = Set(f.tax_code.clone());
            am.budget_code = Set(f.budget_code.clone());
            am.bank_bin = Set(f.bank_bin.clone());
            am.bank_account = Set(f.bank_account.clone());
            am.bank_account_name = Set(f.bank_account_name.clone());
            am.receipt_form = Set(f.receipt_form.clone());
            am.receipt_series = Set(f.receipt_series.clone());
            am.kiosk_chime = Set(f.kiosk_chime);
            let w = am.update(&txn).await?;
            audit::append(
                &txn,
                Entry::new(
                    &by.username,
                    Some(w.id),
                    if account_changes { "ward.bank_account" } else { "ward.update" },
                    format!("ward:{}", w.code),
                )
                .detail(serde_json::json!({ "before": before, "after": f })),
            )
            .await?;
            w
        }
    };
    txn.commit().await?;
    Ok(super::counters::ward_info(&saved))
}

/// Adds a counter numbered after the ward's last one.
pub async fn add_counter(db: &DatabaseConnection, ward_id: i64, name: &str, by: &StaffUser) -> Result<CounterInfo, BackendError> {
    if !by.covers_ward(ward_id) {
        return Err(BackendError::Forbidden("phường khác (another ward)"));
    }
    let txn = db.begin().await?;
    ward::Entity::find_by_id(ward_id).one(&txn).await?.ok_or(BackendError::invalid("ward_id", "no such ward"))?;
    let last = counter::Entity::find()
        .filter(counter::Column::WardId.eq(ward_id))
        .order_by_desc(counter::Column::Number)
        .one(&txn)
        .await?
        .map_or(0, |c| c.number);
    let number = last + 1;
    let name = match name.trim() {
        "" => format!("Quầy {number}"),
        n if n.chars().count() > 40 => return Err(BackendError::invalid("name", "tên quầy tối đa 40 ký tự (at most 40 characters)")),
        n => n.to_string(),
    };
    let c = counter::ActiveModel {
        ward_id: Set(ward_id),
        number: Set(number),
        name: Set(name.clone()),
        status: Set(CounterStatus::Open.as_str().into()),
        status_changed_at: Set(Utc::now()),
        status_changed_by: Set(by.username.clone()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::append(
        &txn,
        Entry::new(&by.username, Some(ward_id), "counter.create", format!("counter:{}", c.id))
            .detail(serde_json::json!({ "number": number, "name": name })),
    )
    .await?;
    txn.commit().await?;
    Ok(super::counters::counter_info(&c))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn demo() -> WardForm {
        WardForm {
            id: None,
            code: "000.00.01.H26".into(),
            name: "UBND Phường Demo".into(),
            address: "1 Phố Demo".into(),
            tax_code: "0100000000".into(),
            budget_code: "1000000".into(),
            bank_bin: "970415".into(),
            bank_account: "113366668888".into(),
            bank_account_name: "ubnd phuong demo".into(),
            receipt_form: "EBL01".into(),
            receipt_series: "26taa".into(),
            kiosk_chime: true,
        }
    }

    #[test]
    fn a_good_form_is_cleaned() {
        let f = check(&demo()).expect("valid");
        assert_eq!(f.bank_account_name, "UBND PHUONG DEMO");
        assert_eq!(f.receipt_series, "26TAA");
    }

    #[test]
    fn each_bad_field_is_named() {
        type Spoil = fn(&mut WardForm);
        let cases: [(&str, Spoil); 10] = [
            ("code", |f| f.code = "x".into()),
            ("tax_code", |f| f.tax_code = "12345".into()),
            ("budget_code", |f| f.budget_code = "12".into()),
            ("bank_bin", |f| f.bank_bin = "999999".into()),
            ("bank_account", |f| f.bank_account = "12-34".into()),
            ("bank_account_name", |f| f.bank_account_name = "UBND PHƯỜNG".into()),
            ("receipt_series", |f| f.receipt_series = "X".into()),
            ("receipt_series", |f| f.receipt_series = "26PDM".into()),
            ("receipt_form", |f| f.receipt_form = "01BLP0-001".into()),
            ("name", |f| f.name = " ".into()),
        ];
        for (field, spoil) in cases {
            let mut f = demo();
            spoil(&mut f);
            match check(&f) {
                Err(BackendError::Invalid { field: got, .. }) => assert_eq!(got, field),
                other => panic!("{field}: {other:?}"),
            }
        }
    }
}
