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
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
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
    assert!(v.to_string().contains("50000"), "{v}");
    let mut broken = payload.to_string();
    broken.replace_range(broken.len() - 4.., "0000");
    let (code, _, err) = run(&["qr", "decode", &broken]);
    assert_eq!(code, 2);
    assert!(err.to_lowercase().contains("crc"), "{err}");
}

fn wardpay_env(args: &[&str], db: &str, env: &[(&str, &str)]) -> (i32, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_wardpay"));
    cmd.args(args).env("DATABASE_URL", db).env("WARDPAY_LOG", "warn").env_remove("WARDPAY_ADMIN_PASSWORD");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.stdin(std::process::Stdio::null()).output().expect("run wardpay");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn the_first_admin_is_created_from_the_command_line_and_the_log_verifies() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = format!("sqlite://{}", dir.path().join("admin.sqlite").display());
    let secret = "correct horse battery staple";
    let (code, out, err) = wardpay_env(&["admin", "create", "--username", "Root"], &db, &[("WARDPAY_ADMIN_PASSWORD", secret)]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("admin account root created"), "{out}");
    assert!(!out.contains(secret) && !err.contains(secret), "the password is never printed");
    // The same name again, or a short password, is one readable line and exit 1.
    let (code, _, err) = wardpay_env(&["admin", "create", "--username", "root"], &db, &[("WARDPAY_ADMIN_PASSWORD", secret)]);
    assert_eq!(code, 1);
    assert!(err.contains("username"), "{err}");
    let pw = dir.path().join("pw.txt");
    std::fs::write(&pw, "short\n").expect("write");
    let (code, _, err) = wardpay_env(&["admin", "create", "--username", "other", "--password-file", pw.to_str().expect("path")], &db, &[]);
    assert_eq!(code, 1);
    assert!(err.contains("10"), "{err}");
    // No password from anywhere (empty standard input) is refused too.
    let (code, _, _) = wardpay_env(&["admin", "create", "--username", "third"], &db, &[]);
    assert_eq!(code, 1);
    let (code, out, _) = wardpay_env(&["audit", "verify"], &db, &[]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("audit log intact: 1 entries"), "{out}");
    // The printed anchor checks later; a wrong one fails.
    let anchor = out.lines().find_map(|l| l.strip_prefix("anchor for a later check: --anchor ")).expect("anchor line").to_string();
    assert_eq!(wardpay_env(&["audit", "verify", "--anchor", &anchor], &db, &[]).0, 0);
    let wrong = format!("1:{}", "0".repeat(64));
    let (code, out, _) = wardpay_env(&["audit", "verify", "--anchor", &wrong], &db, &[]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("no longer has the anchored hash"), "{out}");
}
