//! The `vietqr` binary end to end: stdout, stderr and exit status.

use std::io::Write;
use std::process::{Command, Output, Stdio};

const EX4: &str =
    "00020101021238560010A0000007270126000697041501121133666688880208QRIBFTTA53037045405790005802VN62220818Ung Ho Quy Vac Xin63043ACF";

fn run(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_vietqr"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary starts");
    if let Some(input) = stdin {
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    } else {
        drop(child.stdin.take());
    }
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn encode_prints_the_payload() {
    let out =
        run(&["encode", "--bin", "970415", "--account", "113366668888", "--amount", "79000", "--purpose", "Ủng hộ Quỹ Vắc-xin"], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "00020101021238560010A0000007270126000697041501121133666688880208QRIBFTTA53037045405790005802VN62220818Ung ho Quy Vac xin6304"
            .to_owned()
            + &format!("{:04X}\n", vietqr::crc16(b"00020101021238560010A0000007270126000697041501121133666688880208QRIBFTTA53037045405790005802VN62220818Ung ho Quy Vac xin6304"))
    );
}

#[test]
fn encode_card_with_labels_and_truncation() {
    let args = [
        "encode",
        "--bin",
        "970403",
        "--account",
        "9704031101234567",
        "--to-card",
        "--bill",
        "NPS6869",
        "--reference",
        "R1",
        "--terminal",
        "T1",
        "--purpose",
        "Thanh toán hóa đơn tiền nước tháng 7",
    ];
    let out = run(&args, None);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("over the maximum of 25"), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty());

    let mut args = args.to_vec();
    args.push("--truncate");
    let out = run(&args, None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let qr = vietqr::decode(text(&out.stdout).trim_end()).unwrap();
    assert_eq!(qr.service, vietqr::Service::ToCard);
    assert_eq!(qr.purpose.as_deref(), Some("Thanh toan hoa don tien n"));
    assert_eq!(qr.terminal_label.as_deref(), Some("T1"));
}

#[test]
fn encode_rejects_unknown_bin_with_status_2() {
    let out = run(&["encode", "--bin", "970401", "--account", "1"], None);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(text(&out.stderr), "error: BIN \"970401\" is not in the NAPAS bank directory\n");
}

#[test]
fn decode_shows_fields_and_bank_name() {
    let out = run(&["decode", EX4], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("Bank:            970415 VietinBank (Ngân hàng TMCP Công thương Việt Nam)"), "{stdout}");
    assert!(stdout.contains("Account:         113366668888"), "{stdout}");
    assert!(stdout.contains("Amount:          79,000 VND"), "{stdout}");
    assert!(stdout.contains("Purpose:         Ung Ho Quy Vac Xin"), "{stdout}");
    assert!(stdout.contains("Initiation:      dynamic (12)"), "{stdout}");
}

#[test]
fn decode_json_from_stdin() {
    let out = run(&["decode", "-", "--json"], Some(&format!("{EX4}\n")));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["bin"], "970415");
    assert_eq!(json["amount"], 79000);
    assert_eq!(json["service"], "to_account");
    assert_eq!(json["initiation"], "dynamic");
    assert_eq!(json["bank"]["short_name"], "VietinBank");
    assert_eq!(json["warnings"], serde_json::json!([]));
}

#[test]
fn decode_invalid_payload_exits_2() {
    let bad = EX4.replace("3ACF", "3ACE");
    let out = run(&["decode", &bad], None);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(text(&out.stderr), "error: CRC mismatch: expected 3ACF, found 3ACE\n");
    assert!(out.stdout.is_empty());

    let out = run(&["decode", "--json", "hello"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).starts_with("error: payload does not end with a CRC object"));
}

#[test]
fn render_svg_and_png() {
    let dir = std::env::temp_dir().join(format!("vietqr-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let svg = dir.join("code.svg");
    let png = dir.join("code.PNG");
    let out = run(&["render", EX4, "-o", svg.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(std::fs::read_to_string(&svg).unwrap().starts_with("<svg"));
    let out = run(&["render", "-", "--output", png.to_str().unwrap(), "--scale", "4"], Some(EX4));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(std::fs::read(&png).unwrap().starts_with(b"\x89PNG\r\n\x1a\n"));

    let out = run(&["render", EX4, "-o", dir.join("code.jpg").to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("must end in .svg or .png"));
    let out = run(&["render", "not a payload", "-o", svg.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(2));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_command_line_is_status_2_too() {
    let out = run(&["encode", "--bin", "970415"], None);
    assert_eq!(out.status.code(), Some(2));
    let out = run(&["encode", "--bin", "970415", "--account", "1", "--amount", "12.5"], None);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn in_process_run_with() {
    use clap::Parser;
    #[derive(Parser)]
    struct Cli {
        #[command(subcommand)]
        qr: vietqr::cli::QrCommand,
    }
    let cli = Cli::try_parse_from(["wardpay-qr", "decode", "-"]).unwrap();
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    let status = vietqr::cli::run_with(cli.qr, &mut EX4.as_bytes(), &mut stdout, &mut stderr);
    assert_eq!(status, 0);
    assert!(text(&stdout).contains("VietinBank"));
}
