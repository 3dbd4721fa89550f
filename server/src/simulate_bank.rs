//! `wardpay simulate-bank`: plays a bank-notification provider against a running WardPay,
//! sending correctly signed requests in that provider's own format, for demos and tests.

use bankfeed::sign::{self, Mangle, SignedRequest, SimTransfer};
use bankfeed::PaymentCode;
use clap::{Args, ValueEnum};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SimProvider {
    Sepay,
    Casso,
    Payos,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Scenario {
    /// The code exactly as issued.
    Exact,
    /// The code glued into a bank's memo (`MBVCB.123.WP….CT tu …`), spaced and lowercased.
    Mangled,
    /// The same notification twice: WardPay must count it once.
    Duplicate,
    /// Half of what the code asks for: WardPay books it as a part and asks for the rest.
    Underpaid,
    /// A transfer whose text carries no issued code.
    UnknownCode,
    /// A body signed with the wrong secret: WardPay must refuse it.
    BadSignature,
}

#[derive(Debug, Args)]
pub struct SimulateBankArgs {
    #[arg(long, value_enum, default_value_t = SimProvider::Sepay)]
    pub provider: SimProvider,
    /// WardPay's base URL.
    #[arg(long, default_value = "http://127.0.0.1:3000")]
    pub url: String,
    /// The provider secret WardPay is configured with (WARDPAY_SEPAY_KEYS and so on).
    #[arg(long, env = "SIMULATE_BANK_SECRET", hide_env_values = true)]
    pub secret: String,
    #[arg(long, value_enum, default_value_t = Scenario::Exact)]
    pub scenario: Scenario,
    /// The payment code shown on the kiosk (e.g. WPAB12CD3EW); not needed for unknown-code.
    #[arg(long)]
    pub code: Option<String>,
    /// Amount in VND (the code's amount for exact payments).
    #[arg(long, default_value_t = 50_000)]
    pub amount: i64,
    /// The ward's collection account the money arrives in.
    #[arg(long, default_value = "113366668888")]
    pub account: String,
    /// Provider transaction id (random when not given).
    #[arg(long)]
    pub id: Option<i64>,
}

fn signed(args: &SimulateBankArgs, transfer: &SimTransfer, secret: &str) -> Result<SignedRequest, String> {
    let now = chrono::Utc::now();
    match args.provider {
        SimProvider::Sepay => Ok(sign::sepay_hmac(&sign::sepay_body(transfer), secret, now.timestamp())),
        SimProvider::Casso => Ok(sign::casso(&sign::casso_body(transfer), secret, now.timestamp_millis())),
        SimProvider::Payos => sign::payos(&sign::payos_data(transfer, transfer.id), secret).map_err(|e| e.to_string()),
    }
}

/// Sends the scenario; returns the HTTP statuses received, or a readable error.
pub async fn run(args: &SimulateBankArgs) -> Result<Vec<u16>, String> {
    let content = match (args.scenario, &args.code) {
        (Scenario::UnknownCode, _) => "CHUYEN TIEN LE PHI KHONG MA".to_string(),
        (_, None) => return Err("--code is required for this scenario".into()),
        (scenario, Some(code)) => {
            let code: PaymentCode = code.parse().map_err(|e| format!("--code: {e}"))?;
            match scenario {
                Scenario::Mangled => sign::mangled_content(&code, Mangle::VcbGlued),
                _ => sign::mangled_content(&code, Mangle::Exact),
            }
        }
    };
    let amount = if args.scenario == Scenario::Underpaid { (args.amount / 2).max(1) } else { args.amount };
    let id = args.id.unwrap_or_else(|| i64::from(rand::random::<u32>()) + 2_000_000_000);
    let transfer = SimTransfer::new(id, &args.account, amount, &content);
    let secret = if args.scenario == Scenario::BadSignature { format!("{}-wrong", args.secret) } else { args.secret.clone() };
    let req = signed(args, &transfer, &secret)?;
    let path = match args.provider {
        SimProvider::Sepay => "sepay",
        SimProvider::Casso => "casso",
        SimProvider::Payos => "payos",
    };
    let url = format!("{}/api/bank/{path}", args.url.trim_end_matches('/'));
    let client = reqwest::Client::new();
    let times = if args.scenario == Scenario::Duplicate { 2 } else { 1 };
    let mut statuses = Vec::new();
    for _ in 0..times {
        let mut call = client.post(&url).body(req.body.clone());
        for (k, v) in &req.headers {
            call = call.header(k, v);
        }
        let resp = call.send().await.map_err(|e| format!("cannot reach {url}: {e}"))?;
        let status = resp.status().as_u16();
        let body = resp.text().await.unwrap_or_default();
        println!("{status} {body}");
        statuses.push(status);
    }
    Ok(statuses)
}
