//! The API's endpoints (`/api/dvc/v1/...`, documented in `openapi.json`).

use super::auth::{self, FIELD_IDEMPOTENCY_KEY, HEADER_IDEMPOTENCY_KEY};
use super::error::DvcError;
use crate::state::AppState;
use app::backend::dvc::{self as service, PortalDossier, UpsertOutcome};
use app::backend::entity::{counter, dvc_client, dvc_idempotency, fee_item, ward};
use app::backend::Backend;
use app::domain::dossier_code::DossierCode;
use app::domain::fees::{self, FeeRule, LineInput};
use app::model::{LineRequest, NewDossier};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set, TryInsertResult};
use serde::Deserialize;
use serde_json::Value;
use std::future::Future;

/// A request body as the portal sends it (field names: see the OpenAPI document, which maps
/// them to the portal's MaHoSo, MaTTHC, PhiLePhi...).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateRequest {
    pub dossier_code: String,
    pub procedure_code: String,
    #[serde(default)]
    pub procedure_name: Option<String>,
    #[serde(default)]
    pub agency_code: Option<String>,
    pub applicant_name: String,
    #[serde(default)]
    pub id_number: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    pub counter_number: i32,
    pub lines: Vec<LineIn>,
    #[serde(default)]
    pub total: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineIn {
    pub catalog_code: String,
    pub quantity: u32,
    #[serde(default)]
    pub pages: Option<u32>,
    #[serde(default)]
    pub amount: Option<i64>,
    #[serde(default)]
    pub exempt_reason: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CancelRequest {
    #[serde(default)]
    pub reason: Option<String>,
}

/// Parses JSON, naming the field at fault: 400 for text that is not JSON, 422 for JSON
/// that does not fit.
fn parse<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, DvcError> {
    let de = &mut serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let message = inner.to_string();
        if !inner.is_data() {
            return DvcError::bad_request(None, format!("the body is not valid JSON: {message}"));
        }
        let named = |marker: &str| {
            message.split(marker).nth(1).and_then(|rest| rest.split('`').next()).map(|name| {
                if path == "." || path.is_empty() {
                    name.to_string()
                } else if path.ends_with(name) {
                    path.clone()
                } else {
                    format!("{path}.{name}")
                }
            })
        };
        let field = named("missing field `").or_else(|| named("unknown field `")).unwrap_or_else(|| {
            if path == "." {
                String::new()
            } else {
                path.clone()
            }
        });
        DvcError::invalid(field, message)
    })
}

fn opt_text(v: &Option<String>, field: &str, max: usize) -> Result<Option<String>, DvcError> {
    let v = v.as_ref().map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    if v.as_ref().is_some_and(|s| s.chars().count() > max) {
        return Err(DvcError::invalid(field, format!("at most {max} characters")));
    }
    Ok(v)
}

/// Checks the request against the ward's catalog and resolves it to WardPay's ids.
async fn resolve(db: &sea_orm::DatabaseConnection, req: &CreateRequest) -> Result<PortalDossier, DvcError> {
    let code = req.dossier_code.trim();
    let parsed: DossierCode =
        code.parse().map_err(|e: app::domain::dossier_code::DossierCodeError| DvcError::invalid("dossier_code", e.to_string()))?;
    if parsed.to_string() != code {
        return Err(DvcError::invalid("dossier_code", "write the dossier code in its canonical form"));
    }
    let procedure_code = req.procedure_code.trim();
    if procedure_code.is_empty() || procedure_code.chars().count() > 64 {
        return Err(DvcError::invalid("procedure_code", "the procedure code (MaTTHC) is required, at most 64 characters"));
    }
    let procedure_name = opt_text(&req.procedure_name, "procedure_name", 255)?;
    let id_number = opt_text(&req.id_number, "id_number", 32)?;
    let phone = opt_text(&req.phone, "phone", 32)?;
    // The ward: the agency code when given, else the dossier code's agency, else the first ward.
    let w = match opt_text(&req.agency_code, "agency_code", 64)? {
        Some(agency) => ward::Entity::find()
            .filter(ward::Column::Code.eq(agency.as_str()))
            .one(db)
            .await?
            .ok_or_else(|| DvcError::invalid("agency_code", format!("no ward with agency code {agency:?}")))?,
        None => {
            let by_code = ward::Entity::find().filter(ward::Column::Code.eq(parsed.agency().to_string())).one(db).await?;
            match by_code {
                Some(w) => w,
                None => ward::Entity::find()
                    .order_by_asc(ward::Column::Id)
                    .one(db)
                    .await?
                    .ok_or_else(|| DvcError::invalid("agency_code", "no ward is configured"))?,
            }
        }
    };
    let c = counter::Entity::find()
        .filter(counter::Column::WardId.eq(w.id))
        .filter(counter::Column::Number.eq(req.counter_number))
        .one(db)
        .await?
        .ok_or_else(|| DvcError::invalid("counter_number", format!("{} has no counter number {}", w.name, req.counter_number)))?;
    if req.lines.is_empty() {
        return Err(DvcError::invalid("lines", "a payment request needs at least one fee line (PhiLePhi)"));
    }
    let mut lines = Vec::with_capacity(req.lines.len());
    let mut total: i64 = 0;
    for (i, l) in req.lines.iter().enumerate() {
        let field = |name: &str| format!("lines[{i}].{name}");
        let catalog_code = l.catalog_code.trim();
        let item = fee_item::Entity::find()
            .filter(fee_item::Column::WardId.eq(w.id))
            .filter(fee_item::Column::ProcedureCode.eq(catalog_code))
            .filter(fee_item::Column::Active.eq(true))
            .order_by_asc(fee_item::Column::Id)
            .one(db)
            .await?
            .ok_or_else(|| DvcError::invalid(field("catalog_code"), format!("{catalog_code:?} is not in the ward's fee catalog")))?;
        let rule: FeeRule = serde_json::from_str(&item.rule)
            .map_err(|e| DvcError::invalid(field("catalog_code"), format!("the catalog's rule for {catalog_code} is unreadable: {e}")))?;
        let computed = fees::compute(&rule, &LineInput::new(l.quantity, l.pages)).map_err(|e| {
            DvcError::invalid(field(e.field().filter(|f| ["quantity", "pages"].contains(f)).unwrap_or("quantity")), e.to_string())
        })?;
        let exempt_reason = opt_text(&l.exempt_reason, &field("exempt_reason"), 255)?;
        if l.exempt_reason.is_some() && exempt_reason.is_none() {
            return Err(DvcError::invalid(field("exempt_reason"), "an exemption needs its reason"));
        }
        let amount = fees::apply_exemption(computed, exempt_reason.is_some());
        if let Some(expected) = l.amount {
            if expected != amount {
                return Err(DvcError::invalid(
                    field("amount"),
                    format!("the catalog gives {amount} đồng for this line ({}), the request says {expected}", rule.describe_en()),
                ));
            }
        }
        total = total.checked_add(amount).ok_or_else(|| DvcError::invalid("lines", "the total is too large"))?;
        lines.push(LineRequest { fee_item_id: item.id, quantity: l.quantity, pages: l.pages, exempt_reason });
    }
    if let Some(expected) = req.total {
        if expected != total {
            return Err(DvcError::invalid("total", format!("the catalog gives a total of {total} đồng, the request says {expected}")));
        }
    }
    Ok(PortalDossier {
        code: code.to_string(),
        procedure_code: procedure_code.to_string(),
        procedure_name,
        dossier: NewDossier { counter_id: c.id, applicant_name: req.applicant_name.clone(), id_number, phone, lines, request_key: None },
    })
}

fn actor(client: &dvc_client::Model) -> String {
    format!("{}{}", service::ACTOR_PREFIX, client.key_id)
}

fn json_response(status: StatusCode, body: &Value) -> Response {
    (status, axum::Json(body)).into_response()
}

type Outcome = Result<(StatusCode, Value), DvcError>;

/// Runs a POST once per `Idempotency-Key` (per client): the same key with the same request
/// gets the first response again, with another request 409.
async fn idempotent(
    backend: &Backend,
    client: &dvc_client::Model,
    method: &Method,
    path: &str,
    headers: &HeaderMap,
    body: &[u8],
    work: impl Future<Output = Outcome>,
) -> Response {
    let db = &backend.db;
    let key = match headers.get(HEADER_IDEMPOTENCY_KEY).and_then(|v| v.to_str().ok()).map(str::trim) {
        Some(k) if !k.is_empty() && k.len() <= 255 && k.bytes().all(|b| b.is_ascii_graphic()) => k.to_string(),
        Some(_) => return DvcError::bad_request(Some(FIELD_IDEMPOTENCY_KEY.into()), "1 to 255 visible ASCII characters").into_response(),
        None => {
            return DvcError::bad_request(Some(FIELD_IDEMPOTENCY_KEY.into()), "the Idempotency-Key header is required on POST")
                .into_response()
        }
    };
    let fingerprint = auth::sha256_hex(format!("{}\n{}\n{}", method.as_str(), path, auth::sha256_hex(body)).as_bytes());
    let now = Utc::now();
    let reserve = dvc_idempotency::ActiveModel {
        key_id: Set(client.key_id.clone()),
        idem_key: Set(key.clone()),
        fingerprint: Set(fingerprint.clone()),
        status: Set(0),
        response_body: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    let reserved = match dvc_idempotency::Entity::insert(reserve)
        .on_conflict_do_nothing_on([dvc_idempotency::Column::KeyId, dvc_idempotency::Column::IdemKey])
        .exec_without_returning(db)
        .await
    {
        Ok(TryInsertResult::Inserted(n)) => n > 0,
        Ok(_) => false,
        Err(e) => return DvcError::from(e).into_response(),
    };
    if !reserved {
        let found = dvc_idempotency::Entity::find()
            .filter(dvc_idempotency::Column::KeyId.eq(client.key_id.as_str()))
            .filter(dvc_idempotency::Column::IdemKey.eq(key.as_str()))
            .one(db)
            .await;
        let row = match found {
            Ok(Some(r)) => r,
            Ok(None) => {
                return DvcError::conflict("idempotency_in_progress", Some(FIELD_IDEMPOTENCY_KEY), "retry in a moment").into_response()
            }
            Err(e) => return DvcError::from(e).into_response(),
        };
        if row.fingerprint != fingerprint {
            return DvcError::conflict(
                "idempotency_key_reused",
                Some(FIELD_IDEMPOTENCY_KEY),
                "this Idempotency-Key was used for another request; use a new key for a new request",
            )
            .into_response();
        }
        if row.status == 0 {
            // The first request is still running (or its server died: then retry after a minute).
            let stale = (now - row.updated_at).num_seconds() > 60;
            let taken = stale
                && dvc_idempotency::Entity::update_many()
                    .col_expr(dvc_idempotency::Column::UpdatedAt, Expr::value(now))
                    .filter(dvc_idempotency::Column::Id.eq(row.id))
                    .filter(dvc_idempotency::Column::Status.eq(0))
                    .filter(dvc_idempotency::Column::UpdatedAt.eq(row.updated_at))
                    .exec(db)
                    .await
                    .is_ok_and(|r| r.rows_affected == 1);
            if !taken {
                return DvcError::conflict(
                    "idempotency_in_progress",
                    Some(FIELD_IDEMPOTENCY_KEY),
                    "a request with this Idempotency-Key is still being handled; retry in a moment",
                )
                .into_response();
            }
        } else {
            let status = StatusCode::from_u16(row.status as u16).unwrap_or(StatusCode::OK);
            let body: Value = row.response_body.as_deref().and_then(|b| serde_json::from_str(b).ok()).unwrap_or(Value::Null);
            let mut resp = json_response(status, &body);
            resp.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
            return resp;
        }
    }
    let (status, body) = match work.await {
        Ok(ok) => ok,
        Err(e) => (e.status, e.body()),
    };
    let finish = if status.is_server_error() {
        // Nothing was done (one transaction): let a retry with the same key run again.
        dvc_idempotency::Entity::delete_many()
            .filter(dvc_idempotency::Column::KeyId.eq(client.key_id.as_str()))
            .filter(dvc_idempotency::Column::IdemKey.eq(key.as_str()))
            .exec(db)
            .await
            .map(|_| ())
    } else {
        dvc_idempotency::Entity::update_many()
            .col_expr(dvc_idempotency::Column::Status, Expr::value(i32::from(status.as_u16())))
            .col_expr(dvc_idempotency::Column::ResponseBody, Expr::value(body.to_string()))
            .col_expr(dvc_idempotency::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(dvc_idempotency::Column::KeyId.eq(client.key_id.as_str()))
            .filter(dvc_idempotency::Column::IdemKey.eq(key.as_str()))
            .exec(db)
            .await
            .map(|_| ())
    };
    if let Err(e) = finish {
        tracing::error!(error = %e, "could not record the idempotent response");
    }
    json_response(status, &body)
}

async fn create_inner(backend: &Backend, client: &dvc_client::Model, body: &[u8]) -> Outcome {
    let req: CreateRequest = parse(body)?;
    let input = resolve(&backend.db, &req).await?;
    let (outcome, d) = service::upsert(backend, input, &actor(client)).await?;
    let status = service::status(&backend.db, &d).await?;
    let code = if outcome == UpsertOutcome::Created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((code, serde_json::to_value(status).map_err(|e| DvcError::bad_request(None, e.to_string()))?))
}

/// `POST /api/dvc/v1/payment-requests`: create or update a dossier's payment request.
pub async fn create(State(state): State<AppState>, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let backend = &state.backend;
    let client = match auth::authenticate(&backend.db, method.as_str(), uri.path(), &headers, &body).await {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    idempotent(backend, &client, &method, uri.path(), &headers, &body, create_inner(backend, &client, &body)).await
}

/// `GET /api/dvc/v1/payment-requests/{dossier_code}`.
pub async fn read(
    State(state): State<AppState>,
    Path(code): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let backend = &state.backend;
    if let Err(e) = auth::authenticate(&backend.db, method.as_str(), uri.path(), &headers, &body).await {
        return e.into_response();
    }
    let result: Outcome = async {
        let d = service::find_by_code(&backend.db, &code)
            .await?
            .ok_or_else(|| DvcError::not_found(Some("dossier_code"), format!("no payment request for dossier {code}")))?;
        let status = service::status(&backend.db, &d).await?;
        Ok((StatusCode::OK, serde_json::to_value(status).map_err(|e| DvcError::bad_request(None, e.to_string()))?))
    }
    .await;
    match result {
        Ok((s, v)) => json_response(s, &v),
        Err(e) => e.into_response(),
    }
}

async fn cancel_inner(backend: &Backend, client: &dvc_client::Model, code: &str, body: &[u8]) -> Outcome {
    let req: CancelRequest = if body.iter().all(u8::is_ascii_whitespace) { CancelRequest::default() } else { parse(body)? };
    let reason = opt_text(&req.reason, "reason", 255)?;
    if service::find_by_code(&backend.db, code).await?.is_none() {
        return Err(DvcError::not_found(Some("dossier_code"), format!("no payment request for dossier {code}")));
    }
    let d = service::cancel_by_code(backend, code, &actor(client), reason).await?;
    let status = service::status(&backend.db, &d).await?;
    Ok((StatusCode::OK, serde_json::to_value(status).map_err(|e| DvcError::bad_request(None, e.to_string()))?))
}

/// `POST /api/dvc/v1/payment-requests/{dossier_code}/cancel`.
pub async fn cancel(
    State(state): State<AppState>,
    Path(code): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let backend = &state.backend;
    let client = match auth::authenticate(&backend.db, method.as_str(), uri.path(), &headers, &body).await {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    idempotent(backend, &client, &method, uri.path(), &headers, &body, cancel_inner(backend, &client, &code, &body)).await
}

/// `GET /api/dvc/v1/openapi.json` (public: it holds no secret).
pub async fn openapi() -> Response {
    ([("content-type", "application/json")], super::OPENAPI_JSON).into_response()
}

pub async fn not_found(uri: Uri) -> Response {
    DvcError::not_found(None, format!("no endpoint {}", uri.path())).into_response()
}
