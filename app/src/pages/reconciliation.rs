//! The reconciliation report at `/reconciliation` (accountant and supervisor): a range of
//! days, totals by state, every row with its differences highlighted, and the CSV file.

use crate::api::{get_reconciliation, get_statements};
use crate::components::readable;
use crate::components::UserNav;
use crate::domain::words::format_vnd;
use crate::i18n::{t, tx, LangSwitch};
use crate::model::{ReconReport, StatementsView};
use crate::time::format_vn_datetime;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn ReconciliationPage() -> impl IntoView {
    let query = use_query_map();
    // No range in the address: the server picks this month so far (the browser's clock is
    // neither trusted nor needed).
    let range = Signal::derive(move || {
        let q = query.read();
        (q.get("from"), q.get("to"), q.get("page").and_then(|p| p.parse::<u32>().ok()))
    });
    let filter = Signal::derive(move || {
        let q = query.read();
        Filter {
            counter: q.get("counter").unwrap_or_default(),
            officer: q.get("officer").unwrap_or_default(),
            procedure: q.get("procedure").unwrap_or_default(),
        }
    });
    let report = Resource::new(
        move || (range.get(), filter.get()),
        |((from, to, page), f)| get_reconciliation(from, to, page, Some(f.counter), Some(f.officer), Some(f.procedure)),
    );
    view! {
        <Title text="WardPay — Đối soát"/>
        <header class="topbar">
            <a class="brand" href="/reconciliation">"WardPay"</a>
            <h1 class="topbar-title">{tx("Đối soát", "Reconciliation")}</h1>
            <UserNav/>
            <LangSwitch/>
        </header>
        <div class="page reconciliation">
            <crate::pages::accounting::OverdueBanner/>
            <Suspense fallback=move || view! { <p class="loading">"…"</p> }>
                {move || Suspend::new(async move {
                    match report.await {
                        Ok(r) => view! {
                            <RangeForm from=r.from.clone() to=r.to.clone() filter=filter.get_untracked()/>
                            <Report r=r filter=filter.get_untracked()/>
                        }.into_any(),
                        Err(e) => {
                            let (from, to, _) = range.get_untracked();
                            view! {
                                <RangeForm from=from.unwrap_or_default() to=to.unwrap_or_default() filter=filter.get_untracked()/>
                                <p class="error" role="alert" data-testid="recon-error">{readable(&e)}</p>
                            }.into_any()
                        }
                    }
                })}
            </Suspense>
            <Statements/>
        </div>
    }
}

/// The bank statements imported so far, the outcome of the last import, and (for the
/// accountant) the upload form. A plain multipart form: the server answers with a redirect
/// back here, to the report of the statement's days.
#[component]
fn Statements() -> impl IntoView {
    let query = use_query_map();
    let data = Resource::new(|| (), |_| get_statements());
    let notice = move || {
        let q = query.read();
        if let Some(e) = q.get("import_error") {
            return Some(view! { <p class="error" role="alert" data-testid="import-error">{tx("Không nhập được sao kê: ", "The statement was not imported: ")}{e}</p> }.into_any());
        }
        None
    };
    view! {
        <section class="panel statements" data-testid="statements" aria-labelledby="statements-title">
            <h2 id="statements-title">{tx("Sao kê ngân hàng", "Bank statements")}</h2>
            {notice}
            <Suspense fallback=move || view! { <p class="loading">"…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(v) => view! { <StatementList v=v/> }.into_any(),
                        Err(e) => view! { <p class="error" role="alert">{readable(&e)}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn StatementList(v: StatementsView) -> impl IntoView {
    let query = use_query_map();
    let imported: Option<i64> = query.read_untracked().get("imported").and_then(|s| s.parse().ok());
    let again = query.read_untracked().get("again").is_some();
    let done = imported.and_then(|id| v.imports.iter().find(|i| i.id == id).cloned());
    let mapping = v.saved_mapping.clone().unwrap_or_default();
    view! {
        {done.map(|i| view! {
            <p class="notice" role="status" data-testid="import-done">
                {if again {
                    tx("Tệp này đã được nhập trước đó, không có gì thay đổi: ", "This file was imported before; nothing changed: ")
                } else {
                    tx("Đã nhập sao kê: ", "Statement imported: ")
                }}
                <span data-testid="import-summary">
                    {i.credits}{tx(" khoản tiền vào, ", " credits, ")}{i.new_lines}{tx(" mới (", " new (")}
                    {i.confirmed}{tx(" khớp với thông báo đã có, ", " confirm notifications, ")}
                    <strong data-testid="import-statement-only">{i.statement_only}</strong>{tx(" chỉ có trên sao kê)", " only on the statement)")}
                </span>
            </p>
        })}
        {v.can_import.then(|| view! {
            <form class="import-form" method="post" action="/statements/import" enctype="multipart/form-data" data-testid="import-form">
                <label>{tx("Định dạng", "Format")}
                    <select name="format" data-testid="import-format" required>
                        <option value="sepay">"SePay"</option>
                        <option value="casso">"Casso"</option>
                        <option value="payos">"payOS"</option>
                        <option value="csv">{tx("Tệp của ngân hàng (theo ánh xạ cột)", "The bank's own file (column mapping)")}</option>
                    </select>
                </label>
                <label>{tx("Ánh xạ cột (chỉ cho tệp của ngân hàng)", "Column mapping (the bank's own file only)")}
                    <input type="text" name="map" data-testid="import-map" value=mapping
                        placeholder="date=Ngày giao dịch,amount=Số tiền,content=Nội dung,reference=Mã GD,account=Số tài khoản"/>
                </label>
                <label>{tx("Tệp sao kê (CSV hoặc XLSX)", "Statement file (CSV or XLSX)")}
                    <input type="file" name="file" data-testid="import-file" accept=".csv,.xlsx,.xls,text/csv" required/>
                </label>
                <button class="btn" type="submit" data-testid="import-submit">{tx("Nhập sao kê", "Import statement")}</button>
            </form>
        })}
        {if v.imports.is_empty() {
            view! { <p class="muted" data-testid="statements-empty">{tx("Chưa nhập sao kê nào.", "No statement imported yet.")}</p> }.into_any()
        } else {
            view! {
                <table class="grid" data-testid="statement-list">
                    <thead><tr>
                        <th>{tx("Tệp", "File")}</th><th>{tx("Định dạng", "Format")}</th><th>{tx("Từ – đến", "Days")}</th>
                        <th class="num">{tx("Khoản vào", "Credits")}</th><th class="num">{tx("Mới", "New")}</th>
                        <th class="num">{tx("Chỉ có trên sao kê", "Only on the statement")}</th>
                        <th>{tx("Người nhập", "Imported by")}</th><th>{tx("Lúc", "At")}</th>
                    </tr></thead>
                    <tbody>
                        {v.imports.into_iter().map(|i| view! {
                            <tr data-import=i.id>
                                <td>{i.file_name}</td><td>{i.format}</td><td>{i.first_day}" – "{i.last_day}</td>
                                <td class="num">{i.credits}</td><td class="num">{i.new_lines}</td>
                                <td class="num" class:diff=i.statement_only != 0>{i.statement_only}</td>
                                <td>{i.imported_by}</td><td>{format_vn_datetime(&i.imported_at)}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        }}
    }
}

/// The report's optional filters, as the address carries them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Filter {
    counter: String,
    officer: String,
    procedure: String,
}

impl Filter {
    /// `&counter=…&officer=…&procedure=…` for the ones set, encoded for a link.
    fn query(&self) -> String {
        let enc = |s: &str| {
            s.bytes()
                .map(|b| if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") })
                .collect::<String>()
        };
        [("counter", &self.counter), ("officer", &self.officer), ("procedure", &self.procedure)]
            .iter()
            .filter(|(_, v)| !v.trim().is_empty())
            .map(|(k, v)| format!("&{k}={}", enc(v.trim())))
            .collect()
    }
}

/// A plain GET form: the range lives in the address, so a report can be bookmarked or sent.
#[component]
fn RangeForm(from: String, to: String, filter: Filter) -> impl IntoView {
    let csv = format!("/reports/reconciliation.csv?from={from}&to={to}{}", filter.query());
    let xlsx = format!("/reports/reconciliation.xlsx?from={from}&to={to}{}", filter.query());
    view! {
        <form class="panel range-form" method="get" action="/reconciliation" data-testid="recon-range">
            <label>{tx("Từ ngày", "From")}
                <input type="date" name="from" data-testid="recon-from" value=from required/>
            </label>
            <label>{tx("Đến ngày", "To")}
                <input type="date" name="to" data-testid="recon-to" value=to required/>
            </label>
            <label>{tx("Quầy số", "Counter no.")}
                <input type="number" min="1" name="counter" data-testid="recon-counter" class="narrow-input" value=filter.counter.clone()/>
            </label>
            <label>{tx("Cán bộ", "Officer")}
                <input type="text" name="officer" data-testid="recon-officer" class="narrow-input" value=filter.officer.clone()/>
            </label>
            <label>{tx("Thủ tục", "Procedure")}
                <input type="text" name="procedure" data-testid="recon-procedure" value=filter.procedure.clone()/>
            </label>
            <button class="btn" type="submit" data-testid="recon-show">{tx("Xem", "Show")}</button>
            // rel=external and download: a file, not a page for the client-side router.
            <a class="btn secondary" data-testid="recon-csv" rel="external" download="" href=csv>
                {tx("Tải CSV", "Download CSV")}
            </a>
            <a class="btn secondary" data-testid="recon-xlsx" rel="external" download="" href=xlsx>
                {tx("Tải Excel (XLSX)", "Download Excel (XLSX)")}
            </a>
            <button class="btn secondary no-print" type="button" data-testid="recon-print"
                on:click=move |_| { let _ = leptos::prelude::window().print(); }>
                {tx("In (A4)", "Print (A4)")}
            </button>
        </form>
    }
}

/// The row's evidence (notifications as received, statement lines, audit entries), opened
/// beside the report.
fn evidence_link(request: Option<i64>, notification: Option<i64>) -> Option<impl IntoView> {
    let mut q = Vec::new();
    if let Some(id) = request {
        q.push(format!("payment_request={id}"));
    }
    if let Some(id) = notification {
        q.push(format!("notification={id}"));
    }
    (!q.is_empty()).then(|| {
        let href = format!("/reports/evidence?{}", q.join("&"));
        view! {
            <br/><a class="small" rel="external noopener" target="_blank" data-testid="recon-evidence" href=href>
                {tx("Chứng từ", "Evidence")}
            </a>
        }
    })
}

#[component]
fn Report(r: ReconReport, filter: Filter) -> impl IntoView {
    let totals = r.totals.clone();
    let rows = r.rows.clone();
    let pager = (r.row_count > r.rows.len()).then(|| {
        let page = r.offset / crate::model::RECON_PAGE_ROWS;
        let link = |p: usize| format!("/reconciliation?from={}&to={}&page={p}{}", r.from, r.to, filter.query());
        let (first, last) = (r.offset + 1, r.offset + r.rows.len());
        let prev = (page > 0).then(|| link(page - 1));
        let next = (last < r.row_count).then(|| link(page + 1));
        view! {
            <nav class="pager no-print" aria-label="Trang" data-testid="recon-pager">
                {prev.map(|h| view! { <a class="btn secondary small" href=h rel="prev">{tx("← Trang trước", "← Previous")}</a> })}
                <span>{tx("Dòng ", "Rows ")}{first}"–"{last}{tx(" trên ", " of ")}{r.row_count}</span>
                {next.map(|h| view! { <a class="btn secondary small" href=h rel="next">{tx("Trang sau →", "Next →")}</a> })}
            </nav>
        }
    });
    view! {
        <section class="panel" data-testid="recon-totals">
            <h2>{r.ward_name.clone()}</h2>
            <p class="muted">
                {tx("Tài khoản thu: ", "Collection account: ")}{r.collection_account.clone()}
                " · "{r.from.clone()}" → "{r.to.clone()}
            </p>
            <p class="muted" data-testid="recon-statements">
                {if r.statements.is_empty() {
                    tx("Chưa có sao kê nào cho khoảng này: chưa đối chiếu được với ngân hàng.", "No bank statement covers this range yet.").into_any()
                } else {
                    let spans = r.statements.iter().map(|(a, b)| format!("{a} – {b}")).collect::<Vec<_>>().join(", ");
                    view! { {tx("Đã đối chiếu với sao kê: ", "Checked against the statements of: ")}{spans} }.into_any()
                }}
            </p>
            <table class="grid">
                <thead><tr>
                    <th>{tx("Trạng thái", "State")}</th><th class="num">{tx("Số dòng", "Rows")}</th>
                    <th class="num">{tx("Phải thu", "Due")}</th><th class="num">{tx("Đã nhận", "Received")}</th>
                </tr></thead>
                <tbody>
                    {totals.into_iter().map(|total| view! {
                        <tr data-state=total.state.as_str() class:diff=total.state.is_difference()>
                            <td>{t(total.state.label())}</td>
                            <td class="num" data-testid="recon-count">{total.count}</td>
                            <td class="num">{format_vnd(total.amount_due)}</td>
                            <td class="num" data-testid="recon-received">{format_vnd(total.amount_received)}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
                <tfoot><tr>
                    <th>{tx("Tổng", "Total")}</th><th></th>
                    <th class="num" data-testid="recon-total-due">{format_vnd(r.total_due)}</th>
                    <th class="num" data-testid="recon-total-received">{format_vnd(r.total_received)}</th>
                </tr></tfoot>
            </table>
        </section>
        <section class="panel">
            <h3>{tx("Chi tiết", "Rows")}</h3>
            {pager}
            {if rows.is_empty() {
                view! { <p class="muted" data-testid="recon-empty">{tx("Không có giao dịch nào trong khoảng này.", "Nothing in this range.")}</p> }.into_any()
            } else {
                view! {
                    <table class="grid recon-rows" data-testid="recon-rows">
                        <thead><tr>
                            <th>{tx("Thời điểm", "Time")}</th><th>{tx("Trạng thái", "State")}</th><th>{tx("Hồ sơ", "Dossier")}</th>
                            <th>{tx("Người nộp", "Payer")}</th><th>{tx("Mã thanh toán", "Payment code")}</th>
                            <th class="num">{tx("Phải thu", "Due")}</th><th class="num">{tx("Đã nhận", "Received")}</th>
                            <th class="num">{tx("Chênh lệch", "Difference")}</th><th>{tx("Giao dịch", "Transaction")}</th><th>{tx("Biên lai", "Receipt")}</th>
                        </tr></thead>
                        <tbody>
                            {rows.into_iter().map(|row| {
                                let state = row.state;
                                view! {
                                    <tr data-state=state.as_str() class:diff=state.is_difference() data-adjusts=row.adjusts.clone()>
                                        <td>
                                            {format_vn_datetime(&row.at)}
                                            {row.adjusts.clone().map(|d| view! {
                                                <br/><span class="badge adjust" data-testid="recon-adjusts">{tx("Điều chỉnh cho ngày ", "Adjusts ")}{d}</span>
                                            })}
                                        </td>
                                        <td><span class="badge" data-status=state.as_str()>{t(state.label())}</span></td>
                                        <td class="mono">{row.dossier_code.unwrap_or_default()}</td>
                                        <td>{row.payer.unwrap_or_default()}</td>
                                        <td class="mono">{row.payment_code.unwrap_or_default()}</td>
                                        <td class="num">{format_vnd(row.amount_due)}</td>
                                        <td class="num">{format_vnd(row.amount_received)}</td>
                                        <td class="num">{(row.difference != 0).then(|| format_vnd(row.difference))}</td>
                                        <td class="mono small">
                                            {row.provider.clone().unwrap_or_default()}" "{row.bank_reference.clone().unwrap_or_default()}
                                            {evidence_link(row.payment_request_id, row.notification_id)}
                                        </td>
                                        <td class="mono">{row.receipt.unwrap_or_default()}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </section>
    }
}
