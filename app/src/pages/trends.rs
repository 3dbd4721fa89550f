//! Statistics over time on the supervisor's screen: a range of days by day, week or month,
//! split by counter, procedure or officer, with a chart drawn as SVG by the same view code
//! on the server and in the browser (no chart library, nothing from a CDN). The range lives
//! in the address (`/stats?from=…&to=…&bucket=…&by=…`); today's part refreshes with every
//! push the screen receives.

use crate::api::get_trends;
use crate::components::readable;
use crate::domain::words::format_vnd;
use crate::i18n::tx;
use crate::model::{TrendReport, TrendRow};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

fn minutes(secs: Option<i64>) -> String {
    match secs {
        None => "—".into(),
        Some(s) if s < 60 => format!("{s} s"),
        Some(s) => format!("{}:{:02}", s / 60, s % 60),
    }
}

/// An axis label: `W49` for a week, `30/11` for a day, `11/2026` for a month.
fn short_label(key: &str) -> String {
    if let Some((_, w)) = key.split_once("-W") {
        return format!("W{w}");
    }
    let parts: Vec<&str> = key.split('-').collect();
    match parts.as_slice() {
        [_, m, d] => format!("{d}/{m}"),
        [y, m] => format!("{m}/{y}"),
        _ => key.to_string(),
    }
}

fn percent(permille: Option<i64>) -> String {
    permille.map_or_else(|| "—".into(), |p| format!("{},{} %", p / 10, p % 10))
}

#[component]
pub fn Trends(pushes: RwSignal<u64>) -> impl IntoView {
    let query = use_query_map();
    let params = Signal::derive(move || {
        let q = query.read();
        (q.get("from"), q.get("to"), q.get("bucket"), q.get("by"))
    });
    let report = Resource::new(move || (params.get(), pushes.get()), |((from, to, bucket, by), _)| get_trends(from, to, bucket, by));
    view! {
        <section class="panel trends" data-testid="trends" aria-labelledby="trends-title">
            <h2 id="trends-title">{tx("Thống kê theo thời gian", "Statistics over time")}</h2>
            <Transition fallback=move || view! { <p class="loading">"…"</p> }>
                {move || report.get().map(|r| match r {
                    Ok(r) => view! { <TrendForm r=r.clone()/><TrendBody r=r/> }.into_any(),
                    Err(e) => view! { <p class="error" role="alert" data-testid="trends-error">{readable(&e)}</p> }.into_any(),
                })}
            </Transition>
        </section>
    }
}

/// A plain GET form: the view can be bookmarked and sent.
#[component]
fn TrendForm(r: TrendReport) -> impl IntoView {
    let bucket = r.bucket.clone();
    let by = r.by.clone();
    view! {
        <form class="range-form" method="get" action="/stats" data-testid="trends-form">
            <label>{tx("Từ ngày", "From")}<input type="date" name="from" value=r.from.clone() required/></label>
            <label>{tx("Đến ngày", "To")}<input type="date" name="to" value=r.to.clone() required/></label>
            <label>{tx("Theo", "By")}
                <select name="bucket" data-testid="trends-bucket">
                    <option value="day" selected=bucket == "day">{tx("Ngày", "Day")}</option>
                    <option value="week" selected=bucket == "week">{tx("Tuần", "Week")}</option>
                    <option value="month" selected=bucket == "month">{tx("Tháng", "Month")}</option>
                </select>
            </label>
            <label>{tx("Chia theo", "Split by")}
                <select name="by" data-testid="trends-by">
                    <option value="ward" selected=by == "ward">{tx("Cả phường", "Whole ward")}</option>
                    <option value="counter" selected=by == "counter">{tx("Quầy", "Counter")}</option>
                    <option value="procedure" selected=by == "procedure">{tx("Thủ tục", "Procedure")}</option>
                    <option value="officer" selected=by == "officer">{tx("Cán bộ", "Officer")}</option>
                </select>
            </label>
            <button class="btn" type="submit" data-testid="trends-show">{tx("Xem", "Show")}</button>
        </form>
    }
}

#[component]
fn TrendBody(r: TrendReport) -> impl IntoView {
    let total = r.total.clone();
    let exceptions: i64 = total.exceptions.iter().map(|(_, n)| n).sum();
    view! {
        <div class="kpis" data-testid="trends-total">
            <div class="kpi"><div class="kpi-value" data-testid="trends-dossiers">{total.dossiers}</div><div class="kpi-label">{tx("Hồ sơ", "Dossiers")}</div></div>
            <div class="kpi"><div class="kpi-value" data-testid="trends-collected">{format_vnd(total.collected)}</div><div class="kpi-label">{tx("Đã thu", "Collected")}</div></div>
            <div class="kpi"><div class="kpi-value">{percent(total.cashless_permille)}</div><div class="kpi-label">{tx("Không tiền mặt (QR tự chuyển)", "Cashless (own QR transfer)")}</div></div>
            <div class="kpi"><div class="kpi-value">{format!("{} / {} / {}", total.paid_qr, total.paid_assisted, total.paid_cash)}</div><div class="kpi-label">{tx("QR / hỗ trợ / tiền mặt", "QR / assisted / cash")}</div></div>
            <div class="kpi"><div class="kpi-value">{format!("{} / {}", total.free, total.exempt)}</div><div class="kpi-label">{tx("Miễn phí / miễn giảm", "Free / exempt")}</div></div>
            <div class="kpi"><div class="kpi-value">{total.expired}</div><div class="kpi-label">{tx("Mã hết hạn", "Expired codes")}</div></div>
            <div class="kpi"><div class="kpi-value">{exceptions}</div><div class="kpi-label">{tx("Ngoại lệ ngân hàng", "Bank exceptions")}</div></div>
            <div class="kpi"><div class="kpi-value">{format!("{} / {}", minutes(total.wait_p50_secs), minutes(total.wait_p90_secs))}</div><div class="kpi-label">{tx("Từ mã đến khi trả (p50 / p90)", "Code to paid (p50 / p90)")}</div></div>
        </div>
        <Chart rows=r.buckets.clone()/>
        <TrendTable rows=r.buckets.clone() first=tx("Kỳ", "Period") testid="trends-buckets"/>
        {(!r.groups.is_empty()).then(|| {
            let first = match r.by.as_str() {
                "counter" => tx("Quầy", "Counter"),
                "procedure" => tx("Thủ tục", "Procedure"),
                _ => tx("Cán bộ", "Officer"),
            };
            view! { <TrendTable rows=r.groups.clone() first=first testid="trends-groups"/> }
        })}
    }
}

/// Stacked bars per period: paid by QR transfer, assisted, cash, and codes that expired.
#[component]
fn Chart(rows: Vec<TrendRow>) -> impl IntoView {
    const W: f64 = 960.0;
    const H: f64 = 220.0;
    const PAD: f64 = 28.0;
    let max = rows.iter().map(|r| r.paid_qr + r.paid_assisted + r.paid_cash + r.expired).max().unwrap_or(0).max(1) as f64;
    let n = rows.len().max(1) as f64;
    let slot = (W - PAD) / n;
    let bar = (slot * 0.7).max(1.0);
    let scale = (H - PAD) / max;
    let bars = rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let x = PAD + i as f64 * slot + (slot - bar) / 2.0;
            let mut y = H - PAD;
            let mut parts = Vec::new();
            for (value, class) in [(r.paid_qr, "qr"), (r.paid_assisted, "assisted"), (r.paid_cash, "cash"), (r.expired, "expired")] {
                let h = value as f64 * scale;
                y -= h;
                if value > 0 {
                    parts.push(view! { <rect class=format!("bar {class}") x=format!("{x:.1}") y=format!("{y:.1}") width=format!("{bar:.1}") height=format!("{h:.1}")/> });
                }
            }
            let label = (rows.len() <= 16 || i % (rows.len() / 12).max(1) == 0).then(|| {
                let short = short_label(&r.key);
                view! { <text class="axis" x=format!("{:.1}", x + bar / 2.0) y=format!("{:.1}", H - 8.0) text-anchor="middle">{short}</text> }
            });
            view! { <g><title>{format!("{}: {} QR, {} hỗ trợ, {} tiền mặt, {} hết hạn", r.key, r.paid_qr, r.paid_assisted, r.paid_cash, r.expired)}</title>{parts}{label}</g> }
        })
        .collect_view();
    view! {
        <figure class="chart" data-testid="trends-chart">
            <svg viewBox=format!("0 0 {W} {H}") role="img" aria-labelledby="trends-chart-title" preserveAspectRatio="none">
                <title id="trends-chart-title">{tx("Hồ sơ đã trả theo kỳ: QR, hỗ trợ, tiền mặt; và mã hết hạn", "Paid dossiers per period: QR, assisted, cash; and expired codes")}</title>
                <line class="axis-line" x1=PAD y1=H - PAD x2=W y2=H - PAD/>
                <text class="axis" x="2" y="12">{max as i64}</text>
                {bars}
            </svg>
            <figcaption class="legend">
                <span class="swatch qr"></span>{tx("QR tự chuyển", "Own QR transfer")}
                <span class="swatch assisted"></span>{tx("Có hỗ trợ", "Assisted")}
                <span class="swatch cash"></span>{tx("Tiền mặt", "Cash")}
                <span class="swatch expired"></span>{tx("Hết hạn", "Expired")}
            </figcaption>
        </figure>
    }
}

#[component]
fn TrendTable(rows: Vec<TrendRow>, first: impl Fn() -> &'static str + Copy + Send + Sync + 'static, testid: &'static str) -> impl IntoView {
    view! {
        <table class="grid" data-testid=testid>
            <thead><tr>
                <th>{first}</th><th class="num">{tx("Hồ sơ", "Dossiers")}</th><th class="num">{tx("Đã thu", "Collected")}</th>
                <th class="num">"QR"</th><th class="num">{tx("Hỗ trợ", "Assisted")}</th><th class="num">{tx("Tiền mặt", "Cash")}</th>
                <th class="num">{tx("Không tiền mặt", "Cashless")}</th><th class="num">{tx("Miễn phí / giảm", "Free / exempt")}</th>
                <th class="num">{tx("Hết hạn", "Expired")}</th><th>{tx("Ngoại lệ", "Exceptions")}</th><th class="num">"p50 / p90"</th>
            </tr></thead>
            <tbody>
                {rows.into_iter().map(|r| view! {
                    <tr data-key=r.key.clone()>
                        <td>{r.key.clone()}</td>
                        <td class="num">{r.dossiers}</td>
                        <td class="num">{format_vnd(r.collected)}</td>
                        <td class="num">{r.paid_qr}</td>
                        <td class="num">{r.paid_assisted}</td>
                        <td class="num">{r.paid_cash}</td>
                        <td class="num">{percent(r.cashless_permille)}</td>
                        <td class="num">{format!("{} / {}", r.free, r.exempt)}</td>
                        <td class="num">{r.expired}</td>
                        <td class="small">{r.exceptions.iter().map(|(k, n)| format!("{k}: {n}")).collect::<Vec<_>>().join(", ")}</td>
                        <td class="num">{format!("{} / {}", minutes(r.wait_p50_secs), minutes(r.wait_p90_secs))}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}
