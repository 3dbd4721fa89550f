//! The budget codes section of `/admin`: the ward's treasury settings (chương, ĐBHC, KBNN,
//! accounts for phí and lệ phí, deposit intervals) and each fee line's chương and NDKT, all
//! dated. The accountant sets them; demo values are marked as examples.

use crate::api::{add_holiday, get_budget_codes, remove_holiday, set_fee_code, set_treasury_profile};
use crate::components::readable;
use crate::error::AppError;
use crate::i18n::tx;
use crate::model::{
    BudgetCodesView, FeeCodeForm, FeeCodeRow, FeeCodeView, HolidayForm, HolidayRow, TreasuryProfileForm, TreasuryProfileView,
};
use leptos::prelude::*;

type Act<I, O> = Action<I, Result<O, AppError>>;

#[component]
pub fn BudgetCodes() -> impl IntoView {
    let version = RwSignal::new(0u32);
    let data = Resource::new(move || version.get(), |_| get_budget_codes());
    let save_profile = Action::new_local(|f: &TreasuryProfileForm| {
        let f = f.clone();
        async move { set_treasury_profile(f).await }
    });
    let save_code = Action::new_local(|f: &FeeCodeForm| {
        let f = f.clone();
        async move { set_fee_code(f).await }
    });
    Effect::new(move |_| {
        if matches!(save_profile.value().get(), Some(Ok(_))) {
            version.update(|v| *v += 1)
        }
    });
    Effect::new(move |_| {
        if matches!(save_code.value().get(), Some(Ok(_))) {
            version.update(|v| *v += 1)
        }
    });
    let holidays = HolidayActions {
        add: Action::new_local(|f: &HolidayForm| {
            let f = f.clone();
            async move { add_holiday(f).await }
        }),
        remove: Action::new_local(|id: &i64| remove_holiday(*id)),
        error: RwSignal::new(None),
    };
    // The latest answer of either says what is shown: a refusal, or nothing once one worked.
    let settle = move |outcome: Option<Result<(), AppError>>| match outcome {
        Some(Ok(())) => {
            holidays.error.set(None);
            version.update(|v| *v += 1)
        }
        Some(Err(e)) => holidays.error.set(Some(readable(&e))),
        None => {}
    };
    Effect::new(move |_| settle(holidays.add.value().get().map(|r| r.map(|_| ()))));
    Effect::new(move |_| settle(holidays.remove.value().get()));
    let error = move || {
        let e = match (save_profile.value().get(), save_code.value().get()) {
            (Some(Err(e)), _) | (_, Some(Err(e))) => Some(readable(&e)),
            _ => None,
        };
        e.map(|m| view! { <p class="error" role="alert" data-testid="codes-error">{m}</p> })
    };
    view! {
        <section class="panel budget-codes" aria-labelledby="codes-title" data-testid="budget-codes">
            <h2 id="codes-title">{tx("Mã ngân sách và Kho bạc nhận", "Budget codes and receiving treasury")}</h2>
            <p class="muted">{tx("Theo Thông tư 130/2025/TT-BTC. Mỗi mã có ngày bắt đầu hiệu lực; báo cáo dùng mã đang hiệu lực vào ngày thu tiền.",
                "Per Thông tư 130/2025/TT-BTC. Each code applies from a day; reports use the code in effect on the day the money was collected.")}</p>
            {error}
            <Transition fallback=move || view! { <p class="loading">"…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(v) => view! {
                            <Profiles v=v.clone() save=save_profile/>
                            <Holidays rows=v.holidays.clone() can_edit=v.can_edit acts=holidays/>
                            <FeeCodes v=v save=save_code/>
                        }.into_any(),
                        Err(e) => view! { <p class="error" role="alert">{readable(&e)}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

fn example_badge(example: bool) -> Option<impl IntoView> {
    example.then(
        || view! { " "<span class="badge adjust" data-testid="code-example">{tx("Ví dụ — cần xác nhận", "Example — confirm")}</span> },
    )
}

#[component]
fn Profiles(v: BudgetCodesView, save: Act<TreasuryProfileForm, TreasuryProfileView>) -> impl IntoView {
    let current = v.profiles.last().map(|p| p.form.clone()).unwrap_or_default();
    let f = RwSignal::new(TreasuryProfileForm { valid_from: v.today.clone(), ..current });
    let field = move |label_vi: &'static str,
                      label_en: &'static str,
                      id: &'static str,
                      get: fn(&TreasuryProfileForm) -> String,
                      set: fn(&mut TreasuryProfileForm, String)| {
        view! {
            <label>{tx(label_vi, label_en)}
                <input type="text" data-testid=id prop:value=move || f.with(get) on:input=move |ev| f.update(|f| set(f, event_target_value(&ev)))/>
            </label>
        }
    };
    let interval = move |label_vi: &'static str,
                         label_en: &'static str,
                         id: &'static str,
                         get: fn(&TreasuryProfileForm) -> String,
                         set: fn(&mut TreasuryProfileForm, String)| {
        view! {
            <label>{tx(label_vi, label_en)}
                <select data-testid=id prop:value=move || f.with(get) on:change=move |ev| f.update(|f| set(f, event_target_value(&ev)))>
                    <option value="daily">{tx("Hằng ngày", "Daily")}</option>
                    <option value="weekly">{tx("Hằng tuần", "Weekly")}</option>
                    <option value="monthly">{tx("Hằng tháng", "Monthly")}</option>
                </select>
            </label>
        }
    };
    view! {
        <h3>{tx("Đơn vị và Kho bạc nhận", "Unit and receiving treasury")}</h3>
        <table class="grid small" data-testid="profile-rows">
            <thead><tr>
                <th>{tx("Hiệu lực", "In effect")}</th><th>{tx("Chương", "Chapter")}</th><th>"ĐBHC"</th><th>"KBNN"</th>
                <th>{tx("TK phí", "Fee account")}</th><th>{tx("TK lệ phí", "Charge account")}</th><th>{tx("Kỳ nộp", "Interval")}</th><th>{tx("Cơ quan thu", "Agency")}</th>
            </tr></thead>
            <tbody>
                {v.profiles.iter().map(|p| view! {
                    <tr>
                        <td>{p.form.valid_from.clone()}" → "{p.valid_to.clone().unwrap_or_default()}{example_badge(p.example)}</td>
                        <td class="mono">{p.form.chapter.clone()}</td><td class="mono">{p.form.dbhc_code.clone()}</td>
                        <td>{p.form.kbnn_code.clone()}" "{p.form.kbnn_name.clone()}</td>
                        <td class="mono">{p.form.account_phi.clone()}</td><td class="mono">{p.form.account_le_phi.clone()}</td>
                        <td>{p.form.interval_phi.clone()}" / "{p.form.interval_le_phi.clone()}</td><td>{p.form.revenue_agency.clone()}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
        {v.can_edit.then(|| view! {
            <form class="admin-form" data-testid="profile-form" on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); save.dispatch(f.get_untracked()); }>
                <label>{tx("Áp dụng từ ngày", "From")}
                    <input type="date" data-testid="profile-from" prop:value=move || f.with(|f| f.valid_from.clone()) on:input=move |ev| f.update(|f| f.valid_from = event_target_value(&ev))/>
                </label>
                {field("Mã chương", "Chapter", "profile-chapter", |f| f.chapter.clone(), |f, v| f.chapter = v)}
                {field("Mã ĐBHC", "ĐBHC code", "profile-dbhc", |f| f.dbhc_code.clone(), |f, v| f.dbhc_code = v)}
                {field("Mã KBNN", "Treasury code", "profile-kbnn", |f| f.kbnn_code.clone(), |f, v| f.kbnn_code = v)}
                {field("Tên KBNN", "Treasury name", "profile-kbnn-name", |f| f.kbnn_name.clone(), |f, v| f.kbnn_name = v)}
                {field("Tài khoản nhận phí", "Account for phí", "profile-account-phi", |f| f.account_phi.clone(), |f, v| f.account_phi = v)}
                {field("Tài khoản nhận lệ phí", "Account for lệ phí", "profile-account-le-phi", |f| f.account_le_phi.clone(), |f, v| f.account_le_phi = v)}
                {field("Cơ quan quản lý thu", "Revenue agency", "profile-agency", |f| f.revenue_agency.clone(), |f, v| f.revenue_agency = v)}
                {interval("Kỳ nộp phí", "Interval for phí", "profile-interval-phi", |f| f.interval_phi.clone(), |f, v| f.interval_phi = v)}
                {interval("Kỳ nộp lệ phí", "Interval for lệ phí", "profile-interval-le-phi", |f| f.interval_le_phi.clone(), |f, v| f.interval_le_phi = v)}
                <button class="btn" type="submit" data-testid="profile-save">{tx("Lưu thông tin Kho bạc", "Save treasury settings")}</button>
            </form>
        })}
    }
}

#[derive(Clone, Copy)]
struct HolidayActions {
    add: Act<HolidayForm, HolidayRow>,
    remove: Act<i64, ()>,
    /// Why the latest addition or removal was refused.
    error: RwSignal<Option<String>>,
}

/// The ward's days off besides weekends: a deposit due on one is due the next working day.
#[component]
fn Holidays(rows: Vec<HolidayRow>, can_edit: bool, acts: HolidayActions) -> impl IntoView {
    // A listed day reloads the section, which clears the form; a refusal keeps what was typed.
    let f = RwSignal::new(HolidayForm::default());
    let error = move || acts.error.get().map(|m| view! { <p class="error" role="alert" data-testid="holiday-error">{m}</p> });
    let empty = rows.is_empty();
    view! {
        <h3 id="holidays-title">{tx("Ngày nghỉ lễ, Tết", "Public holidays")}</h3>
        <p class="muted">{tx("Ngoài thứ Bảy và Chủ nhật. Tiền đến hạn nộp vào ngày nghỉ thì hạn nộp là ngày làm việc tiếp theo. Nhập theo lịch nghỉ Chính phủ công bố hằng năm (kể cả ngày nghỉ bù).",
            "Besides Saturdays and Sundays. Money due on a day off is due the next working day. Enter the days off the government announces each year (compensating days too).")}</p>
        {error}
        <table class="grid small" data-testid="holiday-rows" aria-labelledby="holidays-title">
            <thead><tr><th>{tx("Ngày", "Day")}</th><th>{tx("Tên", "Name")}</th><th>{tx("Người nhập", "Entered by")}</th>{can_edit.then(|| view! { <th>{tx("Thao tác", "Action")}</th> })}</tr></thead>
            <tbody>
                {empty.then(|| view! { <tr><td colspan="4" class="muted">{tx("Chưa có ngày nào: chỉ thứ Bảy, Chủ nhật được tính là ngày nghỉ.", "None yet: only Saturdays and Sundays count as days off.")}</td></tr> })}
                {rows.into_iter().map(|h| {
                    let (id, day) = (h.id, h.day.clone());
                    view! {
                        <tr data-testid="holiday-row" data-day=h.day.clone()>
                            <td class="mono">{h.day.clone()}</td>
                            <td>{h.name.clone()}</td>
                            <td>{h.added_by.clone()}</td>
                            {can_edit.then(|| view! {
                                <td><button class="btn small secondary" type="button" data-testid="holiday-remove"
                                    aria-label=move || format!("{} {day}", tx("Bỏ ngày", "Remove")())
                                    on:click=move |_| { acts.remove.dispatch(id); }>{tx("Bỏ", "Remove")}</button></td>
                            })}
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
        {can_edit.then(|| view! {
            <form class="admin-form" data-testid="holiday-form" on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); acts.add.dispatch(f.get_untracked()); }>
                <label>{tx("Ngày nghỉ", "Day off")}
                    <input type="date" required data-testid="holiday-day" prop:value=move || f.with(|f| f.day.clone()) on:input=move |ev| f.update(|f| f.day = event_target_value(&ev))/>
                </label>
                <label>{tx("Tên", "Name")}
                    <input type="text" required maxlength="120" placeholder=move || tx("ví dụ: Tết Nguyên đán", "e.g. Tết (Lunar New Year)")() data-testid="holiday-name" prop:value=move || f.with(|f| f.name.clone()) on:input=move |ev| f.update(|f| f.name = event_target_value(&ev))/>
                </label>
                <button class="btn" type="submit" data-testid="holiday-add">{tx("Thêm ngày nghỉ", "Add the day off")}</button>
            </form>
        })}
    }
}

#[component]
fn FeeCodes(v: BudgetCodesView, save: Act<FeeCodeForm, FeeCodeView>) -> impl IntoView {
    let today = v.today.clone();
    view! {
        <h3>{tx("Mã chương và NDKT của từng khoản thu", "Chapter and NDKT of each fee line")}</h3>
        <table class="grid small" data-testid="fee-code-rows">
            <thead><tr><th>{tx("Khoản thu", "Fee line")}</th><th>{tx("Loại", "Kind")}</th><th>{tx("Mã hiện hành", "Current code")}</th><th>{tx("Đặt mã mới", "Set a code")}</th></tr></thead>
            <tbody>
                {v.fees.into_iter().map(|row| view! { <FeeCodeLine row=row can_edit=v.can_edit today=today.clone() save=save/> }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn FeeCodeLine(row: FeeCodeRow, can_edit: bool, today: String, save: Act<FeeCodeForm, FeeCodeView>) -> impl IntoView {
    let current = row.current.clone();
    let missing = current.is_none();
    let f = RwSignal::new(FeeCodeForm {
        fee_item_id: row.fee_item_id,
        valid_from: today,
        chapter: current.as_ref().map(|c| c.chapter.clone()).unwrap_or_else(|| "830".into()),
        ndkt: current.as_ref().map(|c| c.ndkt.clone()).unwrap_or_default(),
    });
    view! {
        <tr data-fee-item=row.fee_item_id class:diff=missing data-testid="fee-code-row">
            <td>{row.fee_name.clone()}<br/><span class="small muted">{row.procedure_name.clone()}</span></td>
            <td>{if row.kind == "le_phi" { "Lệ phí" } else { "Phí" }}</td>
            <td>
                {match current {
                    Some(c) => view! { <span class="mono" data-testid="fee-code-current">{c.chapter.clone()}" / "{c.ndkt.clone()}</span><span class="small">{tx(" từ ", " from ")}{c.valid_from.clone()}</span>{example_badge(c.example)} }.into_any(),
                    None => view! { <strong class="error" data-testid="fee-code-missing">{tx("Chưa có mã — chưa nộp được", "No code — cannot be deposited")}</strong> }.into_any(),
                }}
            </td>
            <td>
                {can_edit.then(|| view! {
                    <form class="inline-form" on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); save.dispatch(f.get_untracked()); }>
                        <input type="date" aria-label=move || tx("Từ ngày", "From")() prop:value=move || f.with(|f| f.valid_from.clone()) on:input=move |ev| f.update(|f| f.valid_from = event_target_value(&ev))/>
                        <input type="text" class="narrow-input" aria-label=move || tx("Mã chương", "Chapter")() data-testid="fee-code-chapter" prop:value=move || f.with(|f| f.chapter.clone()) on:input=move |ev| f.update(|f| f.chapter = event_target_value(&ev))/>
                        <input type="text" class="narrow-input" aria-label=move || tx("Mã NDKT", "NDKT")() data-testid="fee-code-ndkt" prop:value=move || f.with(|f| f.ndkt.clone()) on:input=move |ev| f.update(|f| f.ndkt = event_target_value(&ev))/>
                        <button class="btn small" type="submit" data-testid="fee-code-save">{tx("Lưu", "Save")}</button>
                    </form>
                })}
            </td>
        </tr>
    }
}
