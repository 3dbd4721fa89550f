//! Stand-alone front end for the `cli` module, for trying the commands end to end; WardPay mounts
//! the same [`vietqr::cli::QrCommand`] as `wardpay qr ...`.

use std::process::ExitCode;

use clap::Parser;

#[derive(Parser)]
#[command(name = "vietqr", version, about = "Encode, decode and render VietQR transfer codes")]
struct Cli {
    #[command(subcommand)]
    command: vietqr::cli::QrCommand,
}

fn main() -> ExitCode {
    vietqr::cli::run(Cli::parse().command)
}
