//! The binary's own error handling: bad configuration ends with one readable line.

use std::process::Command;

fn wardpay(args: &[&str], db: &str) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_wardpay"))
        .args(args)
        .env("DATABASE_URL", db)
        .env("WARDPAY_BIND", "127.0.0.1:0")
        .output()
        .expect("run wardpay");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn malformed_database_url_is_one_line() {
    let (code, err) = wardpay(&["migrate"], "mysql://nope");
    assert_eq!(code, 1);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("DATABASE_URL"), "{err}");
    assert!(!err.contains("panicked"));
}

#[test]
fn unreachable_database_is_one_line() {
    // Port 1 on loopback: nothing listens, the connection is refused at once.
    let (code, err) = wardpay(&["migrate"], "postgres://nobody:secret@127.0.0.1:1/none");
    assert_eq!(code, 1);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("cannot open database"), "{err}");
    assert!(!err.contains("secret"), "password must not be printed: {err}");
}

#[test]
fn help_documents_every_option() {
    let out = Command::new(env!("CARGO_BIN_EXE_wardpay")).arg("--help").output().expect("run");
    let help = String::from_utf8_lossy(&out.stdout);
    for opt in ["--database-url", "--bind", "--log-level", "--demo", "--site-root", "DATABASE_URL", "WARDPAY_BIND"] {
        assert!(help.contains(opt), "--help mentions {opt}");
    }
}

#[test]
fn migrate_and_seed_on_a_new_sqlite_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("sub/dir/w.sqlite").display());
    let (code, err) = wardpay(&["seed-demo"], &url);
    assert_eq!(code, 0, "{err}");
    let (code, err) = wardpay(&["seed-demo"], &url);
    assert_eq!(code, 0, "seeding twice is harmless: {err}");
}

#[test]
fn qr_encode_decode_and_invalid_input() {
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_wardpay")).args(args).output().expect("run");
        (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
    };
    let (code, payload, err) =
        run(&["qr", "encode", "--bin", "970436", "--account", "0011001234567", "--amount", "50000", "--purpose", "Lệ phí hộ tịch"]);
    assert_eq!(code, 0, "{err}");
    let payload = payload.trim();
    assert!(payload.starts_with("000201010212"), "{payload}");
    assert!(payload.contains("Le phi ho tich"), "purpose normalised: {payload}");
    let (code, fields, _) = run(&["qr", "decode", "--json", payload]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&fields).expect("json");
    assert_eq!(v.to_string().contains("50000"), true, "{v}");
    let mut broken = payload.to_string();
    broken.replace_range(broken.len() - 4.., "0000");
    let (code, _, err) = run(&["qr", "decode", &broken]);
    assert_eq!(code, 2);
    assert!(err.to_lowercase().contains("crc"), "{err}");
}
