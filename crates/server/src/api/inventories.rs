//! Operator inventories and their network reports. An upload is read exactly as
//! `netvet network --inventory FILE --strict` reads a file (`netvet_pipeline::Inventory`):
//! any bad row refuses the whole upload with the line and field, and nothing is stored. The
//! report is `netvet_pipeline::assess::network` — the function `netvet network` calls — over
//! the stored product records and the newest scan report of their firmware.

use std::io::Cursor;

use axum::Json;
use axum::body::Body;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use netvet_network::plan::PlanConfig;
use netvet_pipeline::{Inventory, InventoryFormat, PolicyData};
use netvet_policy::{DossierSet, Limits};
use netvet_store::{MAX_INVENTORY_BYTES, NewInventory};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::assessments::{as_of, evidence};
use super::products::product_set;
use super::{PageQuery, Paged, json_with_etag};
use crate::AppState;
use crate::auth::Caller;
use crate::problem::{ApiError, ApiResult, Problem};

/// A stored inventory.
#[derive(Debug, Serialize, ToSchema)]
pub struct InventoryView {
    pub id: i64,
    /// The operator organisation that owns it.
    pub org_id: i64,
    /// Who uploaded it.
    pub user_id: i64,
    pub name: String,
    /// `csv` or `json`.
    pub format: String,
    /// SHA-256 of the content as uploaded (hex).
    pub sha256: String,
    /// Bytes uploaded.
    pub size: i64,
    /// Network elements it holds.
    pub elements: i64,
    pub created_at: i64,
}

impl From<netvet_store::Inventory> for InventoryView {
    fn from(i: netvet_store::Inventory) -> InventoryView {
        InventoryView {
            id: i.id,
            org_id: i.org_id,
            user_id: i.user_id,
            name: i.name,
            format: i.format,
            sha256: i.sha256,
            size: i.size,
            elements: i.elements,
            created_at: i.created_at,
        }
    }
}

/// Who owns an uploaded inventory and what to call it.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct InventoryUploadQuery {
    /// The operator organisation (admin and analyst must name it; an operator's is its own).
    pub org_id: Option<i64>,
    /// A name for it, used in messages (default `inventory.csv` or `inventory.json`).
    pub name: Option<String>,
}

/// Which catalogue, on which day, and how near a deadline counts as near.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct NetworkQuery {
    /// A built-in catalogue id (see `GET /catalogues`) or a stored overlay's digest.
    pub catalogue: String,
    /// Judge on this day (YYYY-MM-DD); default today (UTC).
    pub as_of: Option<String>,
    /// Prohibited elements whose deadline is within this many days count as near it
    /// (0 to 3650, default 365).
    pub near_days: Option<u32>,
    /// Compute a replacement plan with the default settings (default true).
    pub plan: Option<bool>,
}

/// Longest horizon for `near_days`.
const MAX_NEAR_DAYS: u32 = 3650;

/// The inventory format a request's `Content-Type` names.
fn format_of(headers: &HeaderMap) -> ApiResult<InventoryFormat> {
    let essence = super::media_type(headers);
    match essence.as_str() {
        "text/csv" => Ok(InventoryFormat::Csv),
        "application/json" | "application/x-ndjson" | "application/jsonl" => {
            Ok(InventoryFormat::Json)
        }
        _ => Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "send the inventory as the body with Content-Type text/csv, application/json or \
             application/x-ndjson (one object per line)",
        )),
    }
}

/// Reads an inventory strictly: the first bad row refuses it (422 with file, line, field).
pub(crate) fn read_strict(
    name: &str,
    format: InventoryFormat,
    content: &str,
    dossiers: &DossierSet,
) -> ApiResult<Inventory> {
    let inventory = Inventory::read(
        name,
        format,
        Cursor::new(content.as_bytes()),
        true,
        dossiers,
    )
    .map_err(|e| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()))?;
    if inventory.accepted == 0 {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("{name}: no network elements"),
        ));
    }
    Ok(inventory)
}

/// Uploads an operator inventory: CSV (`text/csv`) or JSON (`application/json`: an array of
/// objects; `application/x-ndjson`: one object per line), the columns of `docs/inventory.md`.
#[utoipa::path(post, path = "/inventories", tag = "inventories", params(InventoryUploadQuery),
    request_body(content = String, content_type = "text/csv",
        description = "The inventory; also application/json or application/x-ndjson"),
    responses(
        (status = 201, description = "Validated and stored", body = InventoryView),
        (status = 400, description = "Unknown query key, or the body broke off", body = Problem),
        (status = 401, description = "Not authenticated", body = Problem),
        (status = 403, description = "The role may not upload inventories", body = Problem),
        (status = 404, description = "No such operator organisation visible to the caller", body = Problem),
        (status = 413, description = "Larger than the inventory limit", body = Problem),
        (status = 415, description = "Not CSV or JSON", body = Problem),
        (status = 422, description = "A bad row (file, line and field named), or not an operator", body = Problem),
    ))]
pub async fn upload_inventory(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    q: Result<Query<InventoryUploadQuery>, QueryRejection>,
    body: Body,
) -> ApiResult<Response> {
    let Query(q) = q?;
    // Who may upload, for whom, is settled before the body is read.
    state
        .store
        .check_inventory_upload(&caller.actor, q.org_id)
        .await?;
    let format = format_of(&headers)?;
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("an inventory holds at most {MAX_INVENTORY_BYTES} bytes"),
        )
    };
    super::declared_within(&headers, MAX_INVENTORY_BYTES as u64, too_large)?;
    let mut bytes = Vec::new();
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| ApiError::bad_request(format!("reading the body: {e}")))?;
        if bytes.len() + chunk.len() > MAX_INVENTORY_BYTES {
            return Err(too_large());
        }
        bytes.extend_from_slice(&chunk);
    }
    let name = q
        .name
        .unwrap_or_else(|| format!("inventory.{}", format.as_str()));
    let content = String::from_utf8(bytes).map_err(|e| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("{name}: not UTF-8 at byte {}", e.utf8_error().valid_up_to()),
        )
    })?;
    let dossiers = super::dossiers::current(&state, &caller.actor).await?;
    let (content, elements) = {
        let name = name.clone();
        tokio::task::spawn_blocking(move || -> ApiResult<(String, u64)> {
            let inventory = read_strict(&name, format, &content, &dossiers.set)?;
            Ok((content, inventory.accepted))
        })
        .await
        .map_err(ApiError::internal)??
    };
    let stored = state
        .store
        .create_inventory(
            &caller.actor,
            NewInventory {
                org_id: q.org_id,
                name,
                format: format.as_str().to_string(),
                content,
                elements,
            },
        )
        .await?;
    let location = HeaderValue::from_str(&format!("/api/v1/inventories/{}", stored.id))
        .map_err(ApiError::internal)?;
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(InventoryView::from(stored)),
    )
        .into_response())
}

/// The inventories the caller may see (an operator its own; the regulator's roles all).
#[utoipa::path(get, path = "/inventories", tag = "inventories", params(PageQuery),
    responses(
        (status = 200, body = Paged<InventoryView>),
        (status = 400, description = "Bad pagination or unknown query key", body = Problem),
        (status = 401, description = "Not authenticated", body = Problem),
    ))]
pub async fn list_inventories(
    State(state): State<AppState>,
    caller: Caller,
    q: Result<Query<PageQuery>, QueryRejection>,
) -> ApiResult<Json<Paged<InventoryView>>> {
    let page = q?.0.page()?;
    let list = state.store.list_inventories(&caller.actor, page).await?;
    Ok(Json(Paged::new(
        list.into_iter().map(InventoryView::from).collect(),
        page,
    )))
}

/// One inventory.
#[utoipa::path(get, path = "/inventories/{id}", tag = "inventories",
    params(("id" = i64, Path, description = "Inventory id")),
    responses(
        (status = 200, body = InventoryView, headers(("ETag" = String))),
        (status = 304, description = "Not modified"),
        (status = 401, description = "Not authenticated", body = Problem),
        (status = 404, description = "No such inventory visible to the caller", body = Problem),
    ))]
pub async fn get_inventory(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    id: Result<Path<i64>, PathRejection>,
) -> ApiResult<Response> {
    let Path(id) = id?;
    let inventory = state.store.inventory(&caller.actor, id).await?;
    json_with_etag(&headers, &InventoryView::from(inventory))
}

/// The network report of an inventory under a built-in catalogue (`netvet.network/…`, as
/// `netvet network --format json` writes it): shares prohibited and conditional, vendor
/// diversity, deadlines and a replacement plan.
#[utoipa::path(get, path = "/inventories/{id}/report", tag = "inventories",
    params(("id" = i64, Path, description = "Inventory id"), NetworkQuery),
    responses(
        (status = 200, description = "The network report", body = serde_json::Value),
        (status = 400, description = "Unknown query key, bad date or horizon", body = Problem),
        (status = 401, description = "Not authenticated", body = Problem),
        (status = 404, description = "No such inventory visible to the caller, or no such catalogue", body = Problem),
        (status = 422, description = "A stored product record no longer validates", body = Problem),
    ))]
pub async fn network_report(
    State(state): State<AppState>,
    caller: Caller,
    id: Result<Path<i64>, PathRejection>,
    q: Result<Query<NetworkQuery>, QueryRejection>,
) -> ApiResult<Json<serde_json::Value>> {
    let Path(id) = id?;
    let Query(q) = q?;
    let as_of = as_of(q.as_of.as_deref())?;
    let near_days = q.near_days.unwrap_or(365);
    if near_days > MAX_NEAR_DAYS {
        return Err(ApiError::bad_request(format!(
            "near_days {near_days}: at most {MAX_NEAR_DAYS}"
        )));
    }
    let source = super::catalogues::resolve(&state, &caller.actor, &q.catalogue).await?;
    let inputs = state.store.network_inputs(&caller.actor, id).await?;
    let products = inputs
        .products
        .iter()
        .map(|p| serde_json::from_str::<netvet_model::Product>(&p.record))
        .collect::<Result<Vec<_>, _>>()
        .map_err(ApiError::internal)?;
    let shas: Vec<String> = products
        .iter()
        .flat_map(|p| p.firmware.iter().map(|f| f.sha256.clone()))
        .collect();
    let reports = state
        .store
        .network_reports(&caller.actor, id, &shas)
        .await?;
    let format = InventoryFormat::from_extension(&inputs.inventory.format)
        .ok_or_else(|| ApiError::internal(format!("stored format {}", inputs.inventory.format)))?;
    let dossiers = super::dossiers::current(&state, &caller.actor).await?;
    let report = tokio::task::spawn_blocking(move || -> ApiResult<serde_json::Value> {
        let limits = Limits::default();
        let inventory = read_strict(
            &inputs.inventory.name,
            format,
            &inputs.content,
            &dossiers.set,
        )?;
        let data = PolicyData {
            products: product_set(&products, &dossiers.set)?,
            dossiers: (*dossiers.set).clone(),
            evidence: evidence(&reports)?,
            as_of,
        };
        let catalogue = source.load(&limits)?;
        let plan = q.plan.unwrap_or(true).then(PlanConfig::default);
        let report = netvet_pipeline::assess::network(
            &catalogue, &data, &inventory, plan, near_days, &limits,
        )
        .map_err(ApiError::internal)?;
        serde_json::to_value(&report).map_err(ApiError::internal)
    })
    .await
    .map_err(ApiError::internal)??;
    Ok(Json(report))
}
