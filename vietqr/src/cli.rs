//! `qr` subcommands, mounted by WardPay as `wardpay qr ...` and by the `vietqr` binary.
//!
//! Exit status: 0 on success, 2 when the input is invalid (the same status clap uses for a bad
//! command line), 1 when reading input or writing output fails.

use std::io::{self, BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Subcommand;

use crate::{decode, encode_with, render_png, render_svg, EncodeOptions, Service, SvgOptions, VietQr};

#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum QrCommand {
    /// Build a transfer payload and print it.
    Encode {
        /// Bank BIN, e.g. 970436 (Vietcombank).
        #[arg(long)]
        bin: String,
        /// Account number, or card number with --to-card.
        #[arg(long)]
        account: String,
        /// Whole VND; leave out to let the payer type the amount.
        #[arg(long)]
        amount: Option<u64>,
        /// Transfer message; Vietnamese is turned into plain letters and digits.
        #[arg(long)]
        purpose: Option<String>,
        /// Transfer to a card number (QRIBFTTC) instead of an account (QRIBFTTA).
        #[arg(long)]
        to_card: bool,
        /// Bill number (62/01).
        #[arg(long)]
        bill: Option<String>,
        /// Reference label (62/05).
        #[arg(long)]
        reference: Option<String>,
        /// Terminal label (62/07).
        #[arg(long)]
        terminal: Option<String>,
        /// Cut a purpose over 25 characters instead of failing.
        #[arg(long)]
        truncate: bool,
    },
    /// Check a payload and show its fields.
    Decode {
        /// The payload, or "-" to read it from standard input.
        payload: String,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Check a payload and write its QR code; the format follows the extension (.svg or .png).
    Render {
        /// The payload, or "-" to read it from standard input.
        payload: String,
        /// Output file, ending in .svg or .png.
        #[arg(short, long)]
        output: PathBuf,
        /// PNG pixels per module.
        #[arg(long, default_value_t = 8)]
        scale: u32,
    },
}

/// Runs a command on the process's standard streams.
pub fn run(command: QrCommand) -> ExitCode {
    let stdin = io::stdin();
    let status = run_with(command, &mut stdin.lock(), &mut io::stdout().lock(), &mut io::stderr().lock());
    ExitCode::from(status)
}

/// Failure of one command: which exit status and what to tell the user.
enum Failure {
    Invalid(String),
    Io(String),
}

/// [`run`] with explicit streams (for tests and embedding); returns the exit status.
pub fn run_with(command: QrCommand, stdin: &mut dyn BufRead, stdout: &mut dyn Write, stderr: &mut dyn Write) -> u8 {
    let result = match command {
        QrCommand::Encode { bin, account, amount, purpose, to_card, bill, reference, terminal, truncate } => {
            let service = if to_card { Service::ToCard } else { Service::ToAccount };
            let qr = VietQr {
                amount,
                purpose,
                bill_number: bill,
                reference_label: reference,
                terminal_label: terminal,
                ..VietQr::new(bin, account, service)
            };
            cmd_encode(&qr, truncate, stdout, stderr)
        }
        QrCommand::Decode { payload, json } => read_payload(payload, stdin).and_then(|payload| cmd_decode(&payload, json, stdout, stderr)),
        QrCommand::Render { payload, output, scale } => {
            read_payload(payload, stdin).and_then(|payload| cmd_render(&payload, &output, scale))
        }
    };
    match result {
        Ok(()) => 0,
        Err(Failure::Invalid(message)) => {
            let _ = writeln!(stderr, "error: {message}");
            2
        }
        Err(Failure::Io(message)) => {
            let _ = writeln!(stderr, "error: {message}");
            1
        }
    }
}

fn io_failure(what: &str) -> impl Fn(io::Error) -> Failure + '_ {
    move |e| Failure::Io(format!("{what}: {e}"))
}

fn read_payload(payload: String, stdin: &mut dyn BufRead) -> Result<String, Failure> {
    if payload != "-" {
        return Ok(payload);
    }
    let mut text = String::new();
    stdin.read_to_string(&mut text).map_err(io_failure("cannot read standard input"))?;
    // Only the line break a shell or `echo` adds: spaces may belong to the payload's last value.
    Ok(text.trim_end_matches(['\n', '\r']).to_owned())
}

fn cmd_encode(qr: &VietQr, truncate: bool, stdout: &mut dyn Write, stderr: &mut dyn Write) -> Result<(), Failure> {
    let options = EncodeOptions { truncate_purpose: truncate, ..EncodeOptions::default() };
    let payload = encode_with(qr, &options).map_err(|e| Failure::Invalid(e.to_string()))?;
    for warning in qr.warnings() {
        let _ = writeln!(stderr, "warning: {warning}");
    }
    writeln!(stdout, "{payload}").map_err(io_failure("cannot write output"))
}

fn cmd_decode(payload: &str, json: bool, stdout: &mut dyn Write, stderr: &mut dyn Write) -> Result<(), Failure> {
    let qr = decode(payload).map_err(|e| Failure::Invalid(e.to_string()))?;
    let written = if json {
        let report = Report { qr: &qr, initiation: qr.initiation(), bank: qr.bank(), warnings: qr.warnings() };
        serde_json::to_string_pretty(&report)
            .map_err(|e| Failure::Io(e.to_string()))
            .and_then(|text| writeln!(stdout, "{text}").map_err(io_failure("cannot write output")))
    } else {
        for warning in qr.warnings() {
            let _ = writeln!(stderr, "warning: {warning}");
        }
        write_human(&qr, stdout).map_err(io_failure("cannot write output"))
    };
    written
}

#[derive(serde::Serialize)]
struct Report<'a> {
    #[serde(flatten)]
    qr: &'a VietQr,
    initiation: crate::Initiation,
    bank: Option<&'static crate::banks::Bank>,
    warnings: Vec<crate::Warning>,
}

fn write_human(qr: &VietQr, out: &mut dyn Write) -> io::Result<()> {
    let bank = match qr.bank() {
        Some(bank) => format!("{} {} ({})", qr.bin, bank.short_name, bank.name),
        None => format!("{} (not in the bank directory)", qr.bin),
    };
    writeln!(out, "Bank:            {bank}")?;
    let kind = match qr.service {
        Service::ToAccount => "Account:        ",
        Service::ToCard => "Card:           ",
    };
    writeln!(out, "{kind} {}", qr.account)?;
    let service = match qr.service {
        Service::ToAccount => "transfer to account",
        Service::ToCard => "transfer to card",
    };
    writeln!(out, "Service:         {} ({service})", qr.service.code())?;
    let initiation = qr.initiation();
    let kind = match initiation {
        crate::Initiation::Static => "static",
        crate::Initiation::Dynamic => "dynamic",
    };
    writeln!(out, "Initiation:      {kind} ({})", initiation.code())?;
    match qr.amount {
        Some(amount) => writeln!(out, "Amount:          {} VND", group_thousands(amount))?,
        None => writeln!(out, "Amount:          (entered by the payer)")?,
    }
    let optional = [
        ("Purpose:        ", &qr.purpose),
        ("Bill number:    ", &qr.bill_number),
        ("Reference:      ", &qr.reference_label),
        ("Terminal:       ", &qr.terminal_label),
    ];
    for (label, value) in optional {
        if let Some(value) = value {
            writeln!(out, "{label} {value}")?;
        }
    }
    let preserved = &qr.preserved;
    let groups =
        [("", &preserved.root), ("38/", &preserved.merchant_account), ("38/01/", &preserved.beneficiary), ("62/", &preserved.additional)];
    for (prefix, fields) in groups {
        for field in fields {
            writeln!(out, "Other field:     {prefix}{:02} = {}", field.id, field.value)?;
        }
    }
    Ok(())
}

/// `1234567` → `1,234,567`.
fn group_thousands(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn cmd_render(payload: &str, output: &Path, scale: u32) -> Result<(), Failure> {
    // Refuse to draw a payload that bank apps would reject: a printed bad code is costly to recall.
    decode(payload).map_err(|e| Failure::Invalid(e.to_string()))?;
    let extension = output.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    let bytes = match extension.as_deref() {
        Some("svg") => render_svg(payload, &SvgOptions::default()).map(String::into_bytes).map_err(|e| Failure::Invalid(e.to_string()))?,
        Some("png") => render_png(payload, scale).map_err(|e| Failure::Invalid(e.to_string()))?,
        _ => return Err(Failure::Invalid(format!("output {} must end in .svg or .png", output.display()))),
    };
    std::fs::write(output, bytes).map_err(|e| Failure::Io(format!("cannot write {}: {e}", output.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands() {
        assert_eq!(group_thousands(1), "1");
        assert_eq!(group_thousands(180000), "180,000");
        assert_eq!(group_thousands(1234567), "1,234,567");
    }
}
