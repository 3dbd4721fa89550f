//! Bank statement import: `POST /statements/import` (multipart: `format`, optional `map`,
//! `file`) for the ward's accountant, and `wardpay statement import` for scheduled jobs.
//! The page's plain form is answered with a redirect back to the report of the statement's
//! days (or to the error); scripts that accept JSON get JSON. Screens whose dossiers the
//! statement paid are pushed by the intake's one push path.

use crate::error::ApiError;
use crate::state::AppState;
use app::backend::auth::Principal;
use app::backend::statements::{self, Upload};
use app::backend::BackendError;
use axum::extract::{Multipart, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Json};

/// The largest upload: the statement itself plus the form's other fields.
pub const MAX_UPLOAD_BYTES: usize = bankfeed::statement::MAX_FILE_BYTES + 64 * 1024;

struct Form {
    format: String,
    map: Option<String>,
    file_name: String,
    bytes: Vec<u8>,
}

async fn read_form(mut multipart: Multipart) -> Result<Form, ApiError> {
    let bad = |m: &str| ApiError::BadRequest(m.to_string());
    let (mut format, mut map, mut file) = (None, None, None);
    while let Some(field) = multipart.next_field().await.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::Backend(BackendError::invalid("file", "tệp quá lớn: tối đa 10 MB (the file is too large: at most 10 MB)"))
        } else {
            bad(&format!("multipart: {e}"))
        }
    })? {
        match field.name().unwrap_or("") {
            "format" => format = Some(field.text().await.map_err(|e| bad(&e.to_string()))?),
            "map" => map = Some(field.text().await.map_err(|e| bad(&e.to_string()))?),
            "file" => {
                let name = field.file_name().unwrap_or("statement").to_string();
                let bytes = field.bytes().await.map_err(|e| bad(&e.to_string()))?;
                file = Some((name, bytes.to_vec()));
            }
            _ => {}
        }
    }
    let format = format.ok_or_else(|| ApiError::Backend(BackendError::invalid("format", "chọn định dạng sao kê (choose the format)")))?;
    let (file_name, bytes) = file.ok_or_else(|| ApiError::Backend(BackendError::invalid("file", "chọn tệp sao kê (choose a file)")))?;
    if bytes.is_empty() {
        return Err(ApiError::Backend(BackendError::invalid("file", "tệp rỗng (the file is empty)")));
    }
    Ok(Form { format: format.trim().to_string(), map: map.filter(|m| !m.trim().is_empty()), file_name, bytes })
}

#[tracing::instrument(name = "statement_import", skip_all)]
pub async fn import(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    headers: HeaderMap,
    multipart: Multipart,
) -> Response {
    let page = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("text/html"));
    let result = import_inner(&state, who, multipart).await;
    match (result, page) {
        (Ok(v), false) => (StatusCode::OK, Json(serde_json::json!({ "import": v }))).into_response(),
        (Err(e), false) => e.into_response(),
        (Ok(v), true) => {
            let again = if v.already_imported { "&again=1" } else { "" };
            Redirect::to(&format!("/reconciliation?from={}&to={}&imported={}{again}", v.first_day, v.last_day, v.id)).into_response()
        }
        (Err(e), true) => {
            let message: String = match &e {
                ApiError::Backend(BackendError::Db(_)) => "lỗi hệ thống, thử lại sau (internal error)".into(),
                other => other.to_string(),
            };
            let q: String = message.chars().take(600).collect();
            Redirect::to(&format!("/reconciliation?import_error={}", encode(&q))).into_response()
        }
    }
}

async fn import_inner(state: &AppState, who: Principal, multipart: Multipart) -> Result<app::model::StatementImportView, ApiError> {
    let (me, ward) = crate::reports::staff_ward(state, who).await?;
    let form = read_form(multipart).await?;
    let imported = statements::import(
        &state.backend.db,
        Upload {
            ward_id: ward,
            format: &form.format,
            mapping: form.map.as_deref(),
            file_name: &form.file_name,
            bytes: &form.bytes,
            actor: &me.username,
        },
        chrono::Utc::now(),
    )
    .await?;
    state.intake.push_outcomes(&imported.outcomes);
    Ok(imported.view)
}

/// Percent-encodes a query value.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[derive(Debug, clap::Subcommand)]
pub enum StatementCommand {
    /// Imports a bank statement file (CSV or XLSX) for a ward: all of it, or nothing.
    Import {
        /// The ward's agency code, e.g. `000.00.01.H26`.
        #[arg(long)]
        ward: String,
        /// Whose export: sepay, casso, payos, or csv (any bank, with --map or the saved mapping).
        #[arg(long)]
        format: String,
        /// For csv: the file's header for each field, e.g.
        /// 'date=Ngày giao dịch,amount=Số tiền,content=Nội dung,reference=Mã GD,account=Số tài khoản'.
        /// Saved for the ward.
        #[arg(long)]
        map: Option<String>,
        /// Who imports, for the audit log.
        #[arg(long, default_value = "cli")]
        actor: String,
        file: std::path::PathBuf,
    },
}

/// Runs `wardpay statement …`; input errors exit 2 (the message names the line).
pub async fn run(common: &crate::config::CommonArgs, cmd: &StatementCommand) -> Result<(), crate::reports::ReportError> {
    use crate::reports::ReportError;
    let StatementCommand::Import { ward, format, map, actor, file } = cmd;
    let bytes = std::fs::read(file).map_err(|e| ReportError::Input(format!("cannot read {}: {e}", file.display())))?;
    let db = crate::open_database(common).await.map_err(|e| ReportError::System(e.to_string()))?;
    let w = crate::reports::ward_by_code(&db, ward).await?;
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let imported = statements::import(
        &db,
        Upload { ward_id: w.id, format, mapping: map.as_deref(), file_name: &name, bytes: &bytes, actor },
        chrono::Utc::now(),
    )
    .await?;
    let v = imported.view;
    if v.already_imported {
        println!("already imported as statement {} on {}: nothing changed", v.id, v.imported_at);
    } else {
        println!(
            "statement {} imported: {} credits ({} new: {} confirmed, {} only on the statement), {} → {}",
            v.id, v.credits, v.new_lines, v.confirmed, v.statement_only, v.first_day, v.last_day
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(super::encode("dòng 3: a&b=c"), "d%C3%B2ng%203%3A%20a%26b%3Dc");
    }
}
