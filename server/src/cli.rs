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

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::{CommandFactory, Parser};
    use std::collections::BTreeMap;

    /// The settings file a deployment copies (`deploy/README.md`): it must name only settings
    /// the server reads, describe every one it reads, and hold values the server accepts.
    const ENV_EXAMPLE: &str = include_str!("../../deploy/wardpay.env.example");

    /// The file's settings: `KEY=value` lines in use, and `#KEY=value` lines left commented
    /// out (prose comments start with "# ").
    fn example_settings() -> Vec<(&'static str, &'static str, bool)> {
        ENV_EXAMPLE
            .lines()
            .filter_map(|line| {
                let (active, setting) = match line.strip_prefix('#') {
                    Some(rest) => (false, rest),
                    None => (true, line),
                };
                let (key, value) = setting.split_once('=')?;
                let is_key = !key.is_empty() && key.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
                is_key.then_some((key, value, active))
            })
            .collect()
    }

    /// Every environment variable the server's options read (not its subcommands'), with the
    /// option's long name and whether it is a switch (no value on the command line).
    fn server_env() -> BTreeMap<String, (String, bool)> {
        Cli::command()
            .get_arguments()
            .filter_map(|a| {
                let switch = matches!(a.get_action(), clap::ArgAction::SetTrue);
                Some((a.get_env()?.to_str()?.to_string(), (a.get_long()?.to_string(), switch)))
            })
            .collect()
    }

    /// The systemd units of `deploy/`, by file name.
    const UNITS: [(&str, &str); 2] = [
        ("wardpay@.service", include_str!("../../deploy/wardpay@.service")),
        ("wardpay-backup.service", include_str!("../../deploy/wardpay-backup.service")),
    ];

    /// The `wardpay` command a unit's `ExecStart=` line runs, as arguments: the words after
    /// the binary up to the end of the shell command, a shell expansion standing for a path.
    fn wardpay_command(exec_start: &str) -> Option<Vec<String>> {
        let (_, rest) = exec_start.split_once("bin/wardpay")?;
        let rest = rest.trim_start_matches('"');
        let command = rest.split('\'').next()?;
        let mut words = vec!["wardpay".to_string()];
        let mut word = String::new();
        let mut quoted = false;
        for c in command.chars().chain([' ']) {
            match c {
                '"' => quoted = !quoted,
                ' ' if !quoted => {
                    let w = std::mem::take(&mut word);
                    if w.contains("$$") {
                        words.push("/tmp/expanded-by-the-shell".into());
                    } else if !w.is_empty() {
                        words.push(w);
                    }
                }
                c => word.push(c),
            }
        }
        Some(words)
    }

    #[test]
    fn the_systemd_units_read_the_settings_file_and_run_commands_the_server_accepts() {
        let settings_path = ENV_EXAMPLE.lines().next().and_then(|l| l.strip_prefix("# ")).and_then(|l| l.split_whitespace().next());
        assert_eq!(settings_path, Some("/etc/wardpay/wardpay.env"), "the settings file names where it goes");
        for (name, unit) in UNITS {
            assert!(unit.lines().any(|l| l == "EnvironmentFile=/etc/wardpay/wardpay.env"), "{name} reads the settings file");
            let commands: Vec<Vec<String>> =
                unit.lines().filter_map(|l| l.strip_prefix("ExecStart=")).filter_map(wardpay_command).collect();
            assert_eq!(commands.len(), 1, "{name} runs wardpay once: {commands:?}");
            for args in commands {
                if let Err(e) = Cli::try_parse_from(&args) {
                    panic!("{name} runs {args:?}, which wardpay refuses: {e}");
                }
            }
        }
    }

    #[test]
    fn every_setting_in_the_deployment_env_file_is_one_the_server_reads() {
        let env = server_env();
        let settings = example_settings();
        assert!(settings.len() >= 10, "the file's settings are found: {settings:?}");
        for (key, _, _) in settings {
            assert!(env.contains_key(key), "{key} in deploy/wardpay.env.example is read by no option of `wardpay`");
        }
    }

    #[test]
    fn every_server_setting_is_described_in_the_deployment_env_file() {
        let words: Vec<&str> = ENV_EXAMPLE.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).collect();
        for key in server_env().keys() {
            assert!(words.contains(&key.as_str()), "{key} is a server setting that deploy/wardpay.env.example does not mention");
        }
    }

    #[test]
    fn the_deployment_env_files_settings_in_use_are_values_the_server_accepts() {
        let env = server_env();
        let mut args = vec!["wardpay".to_string()];
        for (key, value, active) in example_settings() {
            if !active {
                continue;
            }
            let (long, switch) = &env[key];
            // systemd and the shell both drop the quotes around a value.
            let value = value.trim_matches('\'');
            if *switch {
                // A switch is on or off in the environment, and present or absent as a flag.
                assert!(matches!(value, "true" | "false"), "{key}={value}: a switch is true or false");
                if value == "true" {
                    args.push(format!("--{long}"));
                }
            } else {
                args.push(format!("--{long}={value}"));
            }
        }
        assert!(args.len() > 3, "{args:?}");
        if let Err(e) = Cli::try_parse_from(&args) {
            panic!("the settings in use in deploy/wardpay.env.example do not parse: {e}");
        }
    }
}
