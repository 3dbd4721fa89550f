#![recursion_limit = "512"]
//! `wardpay`: serve the app, migrate, seed. Errors end the process with one readable line.

use clap::Parser;
use server::cli::{Cli, Command};
use server::config::ServeArgs;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    // The codec's command prints its own errors and exits 2 on invalid input.
    if let Some(Command::Qr { command }) = cli.command {
        return vietqr::cli::run(command);
    }
    server::telemetry::init(&cli.common.log_level, cli.common.log_format);
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(&cli.common, &cli.serve).await,
        Command::Migrate => server::open_database(&cli.common).await.map(|_| println!("migrations applied")).map_err(|e| e.to_string()),
        Command::SeedDemo => seed(&cli.common).await,
        Command::Backup { output } => match server::open_database(&cli.common).await {
            Ok(db) => server::backup::sqlite_backup(&db, &output)
                .await
                .map(|done| println!("backup written: {} ({} bytes)", done.path.display(), done.bytes))
                .map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        },
        Command::SeedCity { wards, counters } => seed_city(&cli.common, wards, counters).await,
        Command::SeedHistory { payments, wards, days, seed } => {
            seed_history(&cli.common, app::backend::history::Plan { payments, wards, days, seed }).await
        }
        Command::Admin { command } => match server::open_database(&cli.common).await {
            Ok(db) => server::cli_admin::admin(&db, &command).await,
            Err(e) => Err(e.to_string()),
        },
        Command::Audit { command } => match server::open_database(&cli.common).await {
            Ok(db) => match server::cli_admin::audit(&db, &command).await {
                Ok(true) => Ok(()),
                Ok(false) => return ExitCode::FAILURE,
                Err(e) => Err(e),
            },
            Err(e) => Err(e.to_string()),
        },
        Command::Qr { .. } => Ok(()),
        Command::SimulateBank(args) => match server::simulate_bank::run(&args).await {
            // The bad-signature scenario succeeds when WardPay refuses it.
            Ok(statuses)
                if statuses.iter().all(|s| (200..300).contains(s))
                    || (args.scenario == server::simulate_bank::Scenario::BadSignature && statuses.iter().all(|s| *s == 401)) =>
            {
                Ok(())
            }
            Ok(statuses) => Err(format!("unexpected answer {statuses:?}")),
            Err(e) => Err(e),
        },
        Command::SimulateDvc(args) => server::dvc::simulate::run(&cli.common, &args).await,
        Command::Report { command } => {
            return match server::reports::run(&cli.common, &command).await {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::from(e.exit_code())
                }
            }
        }
        Command::TaxSummary { ward, day, output } => {
            return match server::accounting_reports::run_tax_summary(&cli.common, &ward, &day, &output).await {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("wardpay tax-summary: {e}");
                    ExitCode::from(e.exit_code())
                }
            };
        }
        Command::Receipt { command } => return receipt(&cli.common, command).await,
        Command::Statement { command } => {
            return match server::statements::run(&cli.common, &command).await {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::from(e.exit_code())
                }
            }
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(common: &server::config::CommonArgs, args: &ServeArgs) -> Result<(), String> {
    let srv = server::start(common, args).await.map_err(|e| e.to_string())?;
    let base = args.public_url.clone().unwrap_or_else(|| srv.base_url());
    let kiosk = app::backend::counters::first_counter_id(&srv.backend.db).await.ok().flatten().unwrap_or(1);
    println!("WardPay is running ({})", if args.demo { "demo ward" } else { "no demo data" });
    println!("  Officer:    {base}/");
    println!("  Kiosk:      {base}/kiosk/{kiosk}");
    println!("  Supervisor: {base}/stats");
    println!("  Accountant: {base}/reconciliation   (books: {base}/accounting/treasury)");
    println!("  Admin:      {base}/admin   (audit log: {base}/audit)");
    if args.demo {
        println!("Demo accounts (password \"{}\"):", app::backend::auth::DEMO_PASSWORD);
        for (user, name, role) in app::backend::auth::DEMO_ACCOUNTS {
            println!("  {:<11} {user:<9} {name}", format!("{}:", role.as_str()));
        }
        println!("A kiosk shows a pairing code; sign in as admin at {base}/admin and enter it.");
    } else {
        println!("Create the first admin with: wardpay admin create --username <name>");
    }
    let token = srv.shutdown_token();
    tokio::spawn(async move {
        shutdown_signal().await;
        tracing::info!("shutting down");
        token.cancel();
    });
    srv.wait().await.map_err(|e| e.to_string())
}

async fn seed(common: &server::config::CommonArgs) -> Result<(), String> {
    let db = server::open_database(common).await.map_err(|e| e.to_string())?;
    let id = app::backend::seed::seed_demo(&db).await.map_err(|e| e.to_string())?;
    app::backend::auth::seed_demo_accounts(&db, id).await.map_err(|e| e.to_string())?;
    println!("demo ward ready (id {id})");
    Ok(())
}

async fn seed_city(common: &server::config::CommonArgs, wards: u32, counters: i32) -> Result<(), String> {
    let db = server::open_database(common).await.map_err(|e| e.to_string())?;
    let city = app::backend::city::seed_city(&db, wards, counters).await.map_err(|e| e.to_string())?;
    println!(
        "city ready: {} wards, {} counters, {} new staff accounts (canbo.NNN, truongbp.NNN, ketoan.NNN for ward NNN ≥ 002; password {})",
        city.wards.len(),
        city.counters,
        city.accounts_created,
        app::backend::auth::DEMO_PASSWORD
    );
    Ok(())
}

async fn seed_history(common: &server::config::CommonArgs, plan: app::backend::history::Plan) -> Result<(), String> {
    let db = server::open_database(common).await.map_err(|e| e.to_string())?;
    let started = std::time::Instant::now();
    let s = app::backend::history::seed(&db, plan, |line| println!("  {line}")).await.map_err(|e| e.to_string())?;
    println!(
        "history ready in {:.0} s: {} wards, {} payment requests, {} notifications, {} exceptions, {} receipts, {} ward-days closed",
        started.elapsed().as_secs_f64(),
        s.wards,
        s.payment_requests,
        s.notifications,
        s.exceptions,
        s.receipts,
        s.days_closed
    );
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

/// `wardpay receipt …`: 0 when the receipt checks out (or the command did its work), 1 when
/// it does not, 2 when the input or the database could not be used.
async fn receipt(common: &server::config::CommonArgs, command: server::cli_receipts::ReceiptCommand) -> ExitCode {
    use server::cli_receipts::{self as cli, ReceiptCommand};
    let done = match command {
        ReceiptCommand::Verify { receipt, keys } => cli::verify(&receipt, keys.as_ref(), common).await.map(|v| {
            for line in &v.lines {
                println!("{line}");
            }
            println!("{}", if v.valid { "KẾT QUẢ: HỢP LỆ (valid)" } else { "KẾT QUẢ: KHÔNG HỢP LỆ (not valid)" });
            v.valid
        }),
        ReceiptCommand::Keys => match server::open_database(common).await {
            Ok(db) => cli::keys_json(&db).await.map(|json| {
                println!("{json}");
                true
            }),
            Err(e) => Err(cli::ReceiptCliError::System(e.to_string())),
        },
        ReceiptCommand::RotateKey { ward } => match server::open_database(common).await {
            Ok(db) => cli::rotate_key(&db, &ward).await.map(|id| {
                println!("new signing key {id} for ward {ward}; receipts signed before stay checkable with the old key");
                true
            }),
            Err(e) => Err(cli::ReceiptCliError::System(e.to_string())),
        },
    };
    match done {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("wardpay receipt: {e}");
            ExitCode::from(2)
        }
    }
}
