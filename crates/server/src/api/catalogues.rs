//! Catalogue overlays and the impact of a catalogue change. An overlay is a requirements
//! catalogue (its `catalogue.toml`, requirements, Rego policies and tests) that extends a
//! built-in one; an upload is validated as `netvet catalogue check` and `netvet catalogue
//! test` validate a directory (`netvet_pipeline::catalogues::{check_files, test_files}`) and
//! stored once by the digest of its files. Wherever the API takes a catalogue, it takes a
//! built-in id or a stored overlay's digest. The impact is `netvet_pipeline::assess::impact`,
//! the function `netvet impact` calls.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use netvet_policy::files::{FileSet, SourceFile};
use netvet_policy::{Catalogue, Limits};
use netvet_store::{Actor, NewOverlay, Overlay};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};

use super::assessments::{as_of, evidence};
use super::inventories::read_strict;
use super::products::product_set;
use super::{PageQuery, Paged, json_with_etag};
use crate::AppState;
use crate::auth::Caller;
use crate::problem::{ApiError, ApiResult, Problem};

/// Most files in one overlay.
const MAX_OVERLAY_FILES: usize = 500;

/// A catalogue named in a request, resolved.
pub(crate) enum CatalogueSource {
    Builtin(String),
    Overlay(FileSet),
}

impl CatalogueSource {
    /// Loads it (blocking: parses and composes the layers).
    pub(crate) fn load(self, limits: &Limits) -> ApiResult<Catalogue> {
        match self {
            CatalogueSource::Builtin(id) => Catalogue::load(&id, limits),
            CatalogueSource::Overlay(files) => Catalogue::load_files(files, limits),
        }
        .map_err(ApiError::internal)
    }
}

/// A built-in catalogue id, or the digest of a stored overlay; 404 for anything else (a
/// catalogue spec may also be a directory, which the API must not let callers name).
pub(crate) async fn resolve(
    state: &AppState,
    actor: &Actor,
    spec: &str,
) -> ApiResult<CatalogueSource> {
    if Catalogue::builtin_ids().iter().any(|b| b == spec) {
        return Ok(CatalogueSource::Builtin(spec.to_string()));
    }
    let digest = spec.strip_prefix("sha256:").unwrap_or(spec);
    if is_digest(digest) {
        match state.store.overlay(actor, digest).await {
            Ok(o) => return Ok(CatalogueSource::Overlay(file_set(&o)?)),
            Err(netvet_store::Error::NotFound) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::new(
        StatusCode::NOT_FOUND,
        format!("no built-in catalogue or stored overlay {spec:?}"),
    ))
}

fn is_digest(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// A stored overlay's files as the set the policy engine loads.
fn file_set(o: &Overlay) -> ApiResult<FileSet> {
    let files: BTreeMap<String, String> =
        serde_json::from_str(&o.files).map_err(ApiError::internal)?;
    Ok(to_file_set(&o.digest, files))
}

fn to_file_set(digest: &str, files: BTreeMap<String, String>) -> FileSet {
    FileSet {
        root: format!("overlay:{digest}"),
        files: files
            .into_iter()
            .map(|(rel, text)| SourceFile {
                name: rel.clone(),
                rel,
                text,
            })
            .collect(),
    }
}

/// The digest of an overlay's files: SHA-256 over each path and text, in path order.
fn digest_of(files: &BTreeMap<String, String>) -> String {
    let mut h = Sha256::new();
    for (path, text) in files {
        h.update((path.len() as u64).to_be_bytes());
        h.update(path.as_bytes());
        h.update((text.len() as u64).to_be_bytes());
        h.update(text.as_bytes());
    }
    hex::encode(h.finalize())
}

/// A relative path of lowercase-safe components, ending in `.toml` or `.rego`.
fn check_path(path: &str) -> ApiResult<()> {
    let ok_component = |c: &str| {
        !c.is_empty()
            && c != "."
            && c != ".."
            && c.len() <= 100
            && c.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
    };
    let ok = path.len() <= 300
        && path.split('/').count() <= 4
        && path.split('/').all(ok_component)
        && (path.ends_with(".toml") || path.ends_with(".rego"));
    if ok {
        Ok(())
    } else {
        Err(invalid(format!(
            "file {path:?}: a relative path (letters, digits, . _ -, at most 4 levels) ending in .toml or .rego"
        )))
    }
}

fn invalid(detail: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, detail)
}

/// An overlay to upload.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OverlayRequest {
    /// The catalogue's files by relative path (`catalogue.toml`, `requirements/X.toml`,
    /// `policy/x.rego`, `tests/x_test.rego`).
    pub files: BTreeMap<String, String>,
}

/// A stored overlay.
#[derive(Debug, Serialize, ToSchema)]
pub struct OverlayView {
    /// SHA-256 of its files: name it as the catalogue of an assessment, report or impact.
    pub digest: String,
    pub catalogue_id: String,
    /// The built-in catalogue it extends.
    pub extends: String,
    /// Its summary (`netvet catalogue check --format json`).
    #[schema(value_type = Object)]
    pub summary: serde_json::Value,
    /// Its files (only on the single overlay).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub files: Option<BTreeMap<String, String>>,
    /// Who uploaded it first.
    pub user_id: i64,
    pub created_at: i64,
}

impl OverlayView {
    fn from_stored(o: Overlay, with_files: bool) -> ApiResult<OverlayView> {
        Ok(OverlayView {
            summary: serde_json::from_str(&o.summary).map_err(ApiError::internal)?,
            files: if with_files {
                Some(serde_json::from_str(&o.files).map_err(ApiError::internal)?)
            } else {
                None
            },
            digest: o.digest,
            catalogue_id: o.catalogue_id,
            extends: o.extends,
            user_id: o.user_id,
            created_at: o.created_at,
        })
    }
}

/// Uploads a catalogue overlay (admin, analyst): validated and its Rego tests run as the CLI
/// does; stored once by digest.
#[utoipa::path(post, path = "/catalogues/overlays", tag = "catalogues",
    request_body = OverlayRequest,
    responses(
        (status = 201, description = "Validated and stored", body = OverlayView),
        (status = 200, description = "Already stored (same digest)", body = OverlayView),
        (status = 400, description = "Malformed request", body = Problem),
        (status = 401, description = "Not authenticated", body = Problem),
        (status = 403, description = "The role may not upload catalogues", body = Problem),
        (status = 413, description = "Larger than the request limit", body = Problem),
        (status = 422, description = "Invalid catalogue, failing tests, or not extending a built-in one", body = Problem),
    ))]
pub async fn upload_overlay(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Json<OverlayRequest>, JsonRejection>,
) -> ApiResult<Response> {
    state.store.check_overlay_upload(&caller.actor)?;
    let Json(req) = body?;
    if req.files.is_empty() || req.files.len() > MAX_OVERLAY_FILES {
        return Err(invalid(format!(
            "an overlay has 1 to {MAX_OVERLAY_FILES} files"
        )));
    }
    for path in req.files.keys() {
        check_path(path)?;
    }
    let head = req
        .files
        .get("catalogue.toml")
        .ok_or_else(|| invalid("an overlay has a catalogue.toml"))?;
    let info: toml::Table =
        toml::from_str(head).map_err(|e| invalid(format!("catalogue.toml: {}", e.message())))?;
    let extends = match info.get("extends").and_then(|v| v.as_str()) {
        Some(e) if Catalogue::builtin_ids().iter().any(|b| b == e) => e.to_string(),
        _ => {
            return Err(invalid(format!(
                "catalogue.toml: an overlay extends a built-in catalogue ({})",
                Catalogue::builtin_ids().join(", ")
            )));
        }
    };
    let digest = digest_of(&req.files);
    let files_json = serde_json::to_string(&req.files).map_err(ApiError::internal)?;
    let set = to_file_set(&digest, req.files);
    let summary = tokio::task::spawn_blocking(move || -> ApiResult<serde_json::Value> {
        let limits = Limits::default();
        let check = netvet_pipeline::catalogues::check_files(set.clone(), &limits)
            .map_err(|e| invalid(e.to_string()))?;
        let tests = netvet_pipeline::catalogues::test_files(set, &limits)
            .map_err(|e| invalid(e.to_string()))?;
        if !tests.passed {
            let failed: Vec<String> = tests
                .catalogues
                .iter()
                .flat_map(|c| c.tests.iter())
                .filter(|t| !t.passed)
                .map(|t| format!("{}:{}: {}", t.file, t.line, t.rule))
                .collect();
            return Err(invalid(format!(
                "the catalogue's tests fail: {}",
                failed.join("; ")
            )));
        }
        serde_json::to_value(&check.summary).map_err(ApiError::internal)
    })
    .await
    .map_err(ApiError::internal)??;
    let catalogue_id = summary
        .pointer("/reference/id")
        .and_then(|v| v.as_str())
        .map(str::to_string)
        .ok_or_else(|| ApiError::internal("catalogue summary without reference.id"))?;
    let (stored, created) = state
        .store
        .create_overlay(
            &caller.actor,
            NewOverlay {
                digest,
                catalogue_id,
                extends,
                files: files_json,
                summary: summary.to_string(),
            },
        )
        .await?;
    let location = HeaderValue::from_str(&format!("/api/v1/catalogues/overlays/{}", stored.digest))
        .map_err(ApiError::internal)?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        [(header::LOCATION, location)],
        Json(OverlayView::from_stored(stored, false)?),
    )
        .into_response())
}

/// The stored overlays, oldest first.
#[utoipa::path(get, path = "/catalogues/overlays", tag = "catalogues", params(PageQuery),
    responses(
        (status = 200, body = Paged<OverlayView>),
        (status = 400, description = "Bad pagination or unknown query key", body = Problem),
        (status = 401, description = "Not authenticated", body = Problem),
    ))]
pub async fn list_overlays(
    State(state): State<AppState>,
    caller: Caller,
    q: Result<Query<PageQuery>, QueryRejection>,
) -> ApiResult<Json<Paged<OverlayView>>> {
    let page = q?.0.page()?;
    let list = state.store.list_overlays(&caller.actor, page).await?;
    let items = list
        .into_iter()
        .map(|o| OverlayView::from_stored(o, false))
        .collect::<ApiResult<_>>()?;
    Ok(Json(Paged::new(items, page)))
}

/// One stored overlay, with its files.
#[utoipa::path(get, path = "/catalogues/overlays/{digest}", tag = "catalogues",
    params(("digest" = String, Path, description = "The overlay's SHA-256 (hex)")),
    responses(
        (status = 200, body = OverlayView, headers(("ETag" = String))),
        (status = 304, description = "Not modified"),
        (status = 401, description = "Not authenticated", body = Problem),
        (status = 404, description = "No such overlay", body = Problem),
    ))]
pub async fn get_overlay(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    digest: Result<Path<String>, PathRejection>,
) -> ApiResult<Response> {
    let Path(digest) = digest?;
    if !is_digest(&digest) {
        return Err(ApiError::not_found());
    }
    let o = state.store.overlay(&caller.actor, &digest).await?;
    json_with_etag(&headers, &OverlayView::from_stored(o, true)?)
}

/// The two catalogues, the day, and optionally an inventory.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ImpactQuery {
    /// The catalogue in force: a built-in id or a stored overlay's digest.
    pub from: String,
    /// The catalogue proposed: a built-in id or a stored overlay's digest.
    pub to: String,
    /// Judge on this day (YYYY-MM-DD); default today (UTC).
    pub as_of: Option<String>,
    /// An inventory the caller sees: the elements of its operator the change affects (every
    /// stored product record is judged). Without one, the product records the caller sees.
    pub inventory: Option<i64>,
}

/// What moving from one catalogue to another changes (`netvet impact --format json`):
/// verdicts, exclusions and, with an inventory, the share of the operator's network affected.
#[utoipa::path(get, path = "/impact", tag = "catalogues", params(ImpactQuery),
    responses(
        (status = 200, description = "The impact report", body = serde_json::Value),
        (status = 400, description = "Unknown query key or bad date", body = Problem),
        (status = 401, description = "Not authenticated", body = Problem),
        (status = 404, description = "No such catalogue, or no such inventory visible to the caller", body = Problem),
    ))]
pub async fn impact(
    State(state): State<AppState>,
    caller: Caller,
    q: Result<Query<ImpactQuery>, QueryRejection>,
) -> ApiResult<Json<serde_json::Value>> {
    let Query(q) = q?;
    let as_of = as_of(q.as_of.as_deref())?;
    let from = resolve(&state, &caller.actor, &q.from).await?;
    let to = resolve(&state, &caller.actor, &q.to).await?;
    let actor = &caller.actor;
    let (stored, inventory) = match q.inventory {
        Some(id) => {
            let inputs = state.store.network_inputs(actor, id).await?;
            (inputs.products, Some((inputs.inventory, inputs.content)))
        }
        None => (state.store.visible_products(actor).await?, None),
    };
    let products = stored
        .iter()
        .map(|p| serde_json::from_str::<netvet_model::Product>(&p.record))
        .collect::<Result<Vec<_>, _>>()
        .map_err(ApiError::internal)?;
    let shas: Vec<String> = products
        .iter()
        .flat_map(|p| p.firmware.iter().map(|f| f.sha256.clone()))
        .collect();
    let reports = match q.inventory {
        Some(id) => state.store.network_reports(actor, id, &shas).await?,
        None => state.store.reports_for(actor, &shas).await?,
    };
    let dossiers = super::dossiers::current(&state, actor).await?;
    let report = tokio::task::spawn_blocking(move || -> ApiResult<serde_json::Value> {
        let limits = Limits::default();
        let inventory = inventory
            .map(|(inv, content)| {
                let format = netvet_pipeline::InventoryFormat::from_extension(&inv.format)
                    .ok_or_else(|| ApiError::internal(format!("stored format {}", inv.format)))?;
                read_strict(&inv.name, format, &content, &dossiers.set)
            })
            .transpose()?;
        let data = netvet_pipeline::PolicyData {
            products: product_set(&products, &dossiers.set)?,
            dossiers: (*dossiers.set).clone(),
            evidence: evidence(&reports)?,
            as_of,
        };
        let from = from.load(&limits)?;
        let to = to.load(&limits)?;
        let report =
            netvet_pipeline::assess::impact(&from, &to, &data, inventory.as_ref(), &limits)
                .map_err(ApiError::internal)?;
        serde_json::to_value(&report).map_err(ApiError::internal)
    })
    .await
    .map_err(ApiError::internal)??;
    Ok(Json(report))
}
