//! The `wardpay` command line: the server's options and every subcommand, each defined by
//! the module that runs it.

use crate::config::{CommonArgs, ServeArgs};
use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "wardpay", version, about = "WardPay: cashless fee collection for ward one-stop counters")]
pub struct Cli {
    #[command(flatten)]
    pub common: CommonArgs,
    #[command(flatten)]
    pub serve: ServeArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web app (the default when no command is given).
    Serve,
    /// VietQR payment codes: encode, decode, render.
    Qr {
        #[command(subcommand)]
        command: vietqr::cli::QrCommand,
    },
    /// Play a bank-notification provider: send a signed notification to a running WardPay.
    SimulateBank(crate::simulate_bank::SimulateBankArgs),
    /// Apply pending database migrations and exit.
    Migrate,
    /// Create or update the demo ward and its demo accounts (idempotent) and exit.
    SeedDemo,
    /// Create a city in this database (idempotent): the demo ward and sibling wards, each
    /// with its counters, fee catalog, example budget codes and three staff accounts
    /// (`canbo.NNN`, `truongbp.NNN`, `ketoan.NNN`, with the demo password).
    SeedCity {
        /// Wards in all (Hà Nội has 126 wards and communes).
        #[arg(long, default_value_t = app::backend::city::HANOI_WARDS, value_parser = clap::value_parser!(u32).range(1..=999))]
        wards: u32,
        /// Counters per ward.
        #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(i32).range(1..=50))]
        counters: i32,
    },
    /// Generate a realistic past year into empty wards (for benchmarks and demonstrations):
    /// payment requests with the usual mix of outcomes and bank exceptions, every past day
    /// closed. Same arguments, same data.
    SeedHistory {
        /// Payment requests in all.
        #[arg(long, default_value_t = 1_000_000)]
        payments: u64,
        /// Wards (the demo ward and siblings created as needed).
        #[arg(long, default_value_t = 5)]
        wards: u32,
        /// Days back from yesterday.
        #[arg(long, default_value_t = 365)]
        days: u32,
        #[arg(long, default_value_t = 2026)]
        seed: u64,
    },
    /// Accounts: create the first admin, reset a password.
    Admin {
        #[command(subcommand)]
        command: crate::cli_admin::AdminCommand,
    },
    /// The audit log: verify its hash chain.
    Audit {
        #[command(subcommand)]
        command: crate::cli_admin::AuditCommand,
    },
    /// Play the DVC portal: send a signed payment request for a demo dossier (and, with
    /// --receive, print the callbacks WardPay sends back).
    SimulateDvc(crate::dvc::simulate::SimulateDvcArgs),
    /// Reports for scripts and scheduled jobs, with the same figures as the pages.
    Report {
        #[command(subcommand)]
        command: crate::reports::ReportCommand,
    },
    /// The day's receipt summary for the tax authority (01/TH-BLĐT) as XML.
    TaxSummary {
        /// The ward's agency code, e.g. `000.00.01.H26`.
        #[arg(long)]
        ward: String,
        /// The (closed) day, YYYY-MM-DD.
        #[arg(long)]
        day: String,
        /// The XML file to write.
        #[arg(short, long)]
        output: std::path::PathBuf,
    },
    /// A consistent copy of the SQLite database while the server keeps serving (PostgreSQL:
    /// pg_dump). Restore by stopping the server and putting the copy in the database's place.
    Backup {
        /// The new file to write (never overwritten).
        #[arg(short, long)]
        output: std::path::PathBuf,
    },
    /// Bank statements (sao kê): import a file for a ward.
    Statement {
        #[command(subcommand)]
        command: crate::statements::StatementCommand,
    },
    /// Receipts: check one from its PDF or link, list or rotate the signing keys.
    Receipt {
        #[command(subcommand)]
        command: crate::cli_receipts::ReceiptCommand,
    },
}
