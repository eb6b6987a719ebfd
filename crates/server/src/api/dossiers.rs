//! Vendor dossiers: the built-in ones (`dossiers/`) with the regulator's stored edits in
//! their place. Every role reads them; admin and analyst edit a whole dossier or one fact.
//! An edit is refused unless every fact it adds or changes names a source and the resulting
//! set passes the check `netvet dossier check` runs
//! (`netvet_pipeline::catalogues::check_dossier_files`); each stored edit is a revision with
//! the previous value, so the history can be read back. Product validation, assessments and
//! network reports read the dossiers in effect ([`current`]).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock};

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use netvet_model::{Dossier, Fact};
use netvet_policy::DossierSet;
use netvet_policy::files::{FileSet, SourceFile};
use netvet_store::{Actor, DossierChange, DossierEdit, DossierRevision};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use super::{PageQuery, Paged, json_with_etag};
use crate::AppState;
use crate::auth::Caller;
use crate::problem::{ApiError, ApiResult, Problem};

/// The dossiers in effect and, per vendor, the stored revision in effect (absent: built-in).
#[derive(Clone)]
pub(crate) struct Current {
    pub set: Arc<DossierSet>,
    pub revisions: BTreeMap<String, i64>,
}

/// The dossiers in effect, with the digest of the stored revisions they were built from.
type Cached = (Vec<u8>, Current);

/// The built-in dossier files.
fn builtin_files() -> ApiResult<FileSet> {
    FileSet::builtin("dossiers").ok_or_else(|| ApiError::internal("no built-in dossiers"))
}

/// The built-in files with `stored` (vendor id → dossier) in place of, or beside, them.
fn files_with(stored: &BTreeMap<String, (i64, Dossier)>) -> ApiResult<FileSet> {
    let mut files = builtin_files()?;
    files
        .files
        .retain(|f| !stored.contains_key(f.rel.trim_end_matches(".toml")));
    for (vendor, (revision, dossier)) in stored {
        files.files.push(SourceFile {
            name: format!("store:dossiers/{vendor}.toml@{revision}"),
            rel: format!("{vendor}.toml"),
            text: toml::to_string(dossier).map_err(ApiError::internal)?,
        });
    }
    files.root = "store:dossiers".into();
    Ok(files)
}

/// Stored dossiers parsed, by vendor id.
fn parse_stored(stored: &[DossierRevision]) -> ApiResult<BTreeMap<String, (i64, Dossier)>> {
    stored
        .iter()
        .map(|r| {
            let d: Dossier = serde_json::from_str(&r.dossier).map_err(ApiError::internal)?;
            Ok((r.vendor_id.clone(), (r.revision, d)))
        })
        .collect()
}

/// The dossiers in effect. The validated set is cached by the digest of the stored revisions,
/// so requests between edits do not parse the files again.
pub(crate) async fn current(state: &AppState, actor: &Actor) -> ApiResult<Current> {
    built(state.store.stored_dossiers(actor).await?).await
}

/// [`current`] for the workers, which act for no user.
pub(crate) async fn current_in_effect(state: &AppState) -> ApiResult<Current> {
    built(state.store.dossiers_in_effect().await?).await
}

async fn built(stored: Vec<DossierRevision>) -> ApiResult<Current> {
    static CACHE: OnceLock<Mutex<Option<Cached>>> = OnceLock::new();
    let mut digest = Sha256::new();
    for r in &stored {
        digest.update(r.vendor_id.as_bytes());
        digest.update([0]);
        digest.update(r.revision.to_be_bytes());
        digest.update(Sha256::digest(r.dossier.as_bytes()));
    }
    let key = digest.finalize().to_vec();
    let cache = CACHE.get_or_init(|| Mutex::new(None));
    if let Ok(guard) = cache.lock()
        && let Some((k, c)) = guard.as_ref()
        && *k == key
    {
        return Ok(c.clone());
    }
    let current = tokio::task::spawn_blocking(move || -> ApiResult<Current> {
        let parsed = parse_stored(&stored)?;
        let files = files_with(&parsed)?;
        // Stored edits passed this check when they were stored.
        let (set, _) =
            netvet_pipeline::catalogues::check_dossier_files(&files).map_err(ApiError::internal)?;
        Ok(Current {
            set: Arc::new(set),
            revisions: parsed.into_iter().map(|(v, (r, _))| (v, r)).collect(),
        })
    })
    .await
    .map_err(ApiError::internal)??;
    if let Ok(mut guard) = cache.lock() {
        *guard = Some((key, current.clone()));
    }
    Ok(current)
}

/// One vendor in the list.
#[derive(Debug, Serialize, ToSchema)]
pub struct DossierSummary {
    /// The vendor id (`acme`).
    pub id: String,
    pub name: String,
    pub jurisdiction: String,
    pub fictional: bool,
    /// Facts in the dossier.
    pub facts: usize,
    /// The stored revision in effect; 0: the built-in dossier.
    pub revision: i64,
}

/// A vendor's dossier.
#[derive(Debug, Serialize, ToSchema)]
pub struct DossierView {
    pub vendor_id: String,
    /// The stored revision in effect; 0: the built-in dossier.
    pub revision: i64,
    /// The dossier (the JSON form of a `dossiers/<vendor>.toml` file).
    #[schema(value_type = Object)]
    pub dossier: serde_json::Value,
}

/// A whole dossier to store.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DossierUpdate {
    /// Store only if the revision in effect is still this one (0: the built-in dossier).
    pub revision: Option<i64>,
    #[schema(value_type = Object)]
    pub dossier: serde_json::Value,
}

/// One fact to add or replace.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FactUpdate {
    /// Store only if the revision in effect is still this one (0: the built-in dossier).
    pub revision: Option<i64>,
    #[schema(value_type = Object)]
    pub fact: serde_json::Value,
}

/// One stored edit.
#[derive(Debug, Serialize, ToSchema)]
pub struct DossierRevisionView {
    pub revision: i64,
    /// `dossier` (replaced whole) or `fact` (one fact added or replaced).
    pub change: String,
    /// The fact changed, for a fact edit.
    pub fact_id: Option<String>,
    /// What the changed dossier or fact was before (absent when it was new).
    #[schema(value_type = Option<Object>)]
    pub previous: Option<serde_json::Value>,
    /// The whole dossier after the edit.
    #[schema(value_type = Object)]
    pub dossier: serde_json::Value,
    /// Who made the edit.
    pub user_id: i64,
    pub created_at: i64,
}

fn invalid(detail: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, detail)
}

fn view(vendor_id: &str, current: &Current) -> ApiResult<DossierView> {
    let d = current.set.vendors.get(vendor_id).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            format!("no dossier of vendor {vendor_id:?}"),
        )
    })?;
    Ok(DossierView {
        vendor_id: vendor_id.to_string(),
        revision: current.revisions.get(vendor_id).copied().unwrap_or(0),
        dossier: serde_json::to_value(&d.dossier).map_err(ApiError::internal)?,
    })
}

/// Every vendor's dossier in effect, by vendor id.
#[utoipa::path(get, path = "/dossiers", tag = "dossiers", params(PageQuery),
    responses(
        (status = 200, body = Paged<DossierSummary>),
        (status = 400, description = "Bad pagination or unknown query key", body = Problem),
        (status = 401, description = "Not authenticated", body = Problem),
    ))]
pub async fn list_dossiers(
    State(state): State<AppState>,
    caller: Caller,
    q: Result<Query<PageQuery>, QueryRejection>,
) -> ApiResult<Json<Paged<DossierSummary>>> {
    let page = q?.0.page()?;
    let current = current(&state, &caller.actor).await?;
    let items = current
        .set
        .vendors
        .values()
        .skip(usize::try_from(page.offset).unwrap_or(usize::MAX))
        .take(page.limit as usize)
        .map(|d| {
            let v = &d.dossier.vendor;
            DossierSummary {
                id: v.id.clone(),
                name: v.name.clone(),
                jurisdiction: v.jurisdiction.clone(),
                fictional: v.fictional,
                facts: d.dossier.facts.len(),
                revision: current.revisions.get(&v.id).copied().unwrap_or(0),
            }
        })
        .collect();
    Ok(Json(Paged::new(items, page)))
}

/// One vendor's dossier in effect.
#[utoipa::path(get, path = "/dossiers/{vendor}", tag = "dossiers",
    params(("vendor" = String, Path, description = "Vendor id")),
    responses(
        (status = 200, body = DossierView, headers(("ETag" = String))),
        (status = 304, description = "Not modified"),
        (status = 401, description = "Not authenticated", body = Problem),
        (status = 404, description = "No dossier of that vendor", body = Problem),
    ))]
pub async fn get_dossier(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    vendor: Result<Path<String>, PathRejection>,
) -> ApiResult<Response> {
    let Path(vendor) = vendor?;
    let current = current(&state, &caller.actor).await?;
    json_with_etag(&headers, &view(&vendor, &current)?)
}

/// Facts of `new` that are not in `old` as they are: each must name a source.
fn check_sources<'a>(new: &'a [Fact], old: &[Fact]) -> ApiResult<()> {
    let unsourced: Vec<&'a str> = new
        .iter()
        .filter(|f| !old.contains(f))
        .filter(|f| f.sources.iter().all(|s| s.trim().is_empty()))
        .map(|f| f.id.as_str())
        .collect();
    if unsourced.is_empty() {
        Ok(())
    } else {
        Err(invalid(format!(
            "fact {} has no source: every fact added or changed names one (a URL, repo: or doc: reference)",
            unsourced.join(", ")
        )))
    }
}

/// What an edit changed, besides the dossier it gives.
struct Edit {
    change: DossierChange,
    fact_id: Option<String>,
    /// The previous value of what changed.
    previous: Option<serde_json::Value>,
    /// The revision the editor saw.
    revision: Option<i64>,
}

/// Validates `dossier` as the vendor's next dossier and stores it as a revision.
async fn store_edit(
    state: &AppState,
    caller: &Caller,
    vendor: &str,
    dossier: Dossier,
    edit: Edit,
) -> ApiResult<DossierView> {
    let stored = state.store.stored_dossiers(&caller.actor).await?;
    let mut parsed = parse_stored(&stored)?;
    let next = parsed.get(vendor).map_or(1, |(r, _)| r + 1);
    parsed.insert(vendor.to_string(), (next, dossier.clone()));
    tokio::task::spawn_blocking(move || -> ApiResult<()> {
        let files = files_with(&parsed)?;
        netvet_pipeline::catalogues::check_dossier_files(&files)
            .map(|_| ())
            .map_err(|e| invalid(e.to_string()))
    })
    .await
    .map_err(ApiError::internal)??;
    let previous = edit
        .previous
        .map(|p| serde_json::to_string(&p))
        .transpose()
        .map_err(ApiError::internal)?;
    state
        .store
        .save_dossier(
            &caller.actor,
            DossierEdit {
                vendor_id: vendor.to_string(),
                dossier: serde_json::to_string(&dossier).map_err(ApiError::internal)?,
                change: edit.change,
                fact_id: edit.fact_id,
                previous,
                expected_revision: edit.revision,
            },
        )
        .await?;
    let current = current(state, &caller.actor).await?;
    view(vendor, &current)
}

/// Replaces (or creates) a vendor's dossier.
#[utoipa::path(put, path = "/dossiers/{vendor}", tag = "dossiers",
    params(("vendor" = String, Path, description = "Vendor id")),
    request_body = DossierUpdate,
    responses(
        (status = 200, body = DossierView),
        (status = 400, description = "Malformed request", body = Problem),
        (status = 401, description = "Not authenticated", body = Problem),
        (status = 403, description = "The role may not edit dossiers", body = Problem),
        (status = 409, description = "Stale revision", body = Problem),
        (status = 422, description = "Invalid dossier, or a fact without a source", body = Problem),
    ))]
pub async fn put_dossier(
    State(state): State<AppState>,
    caller: Caller,
    vendor: Result<Path<String>, PathRejection>,
    body: Result<Json<DossierUpdate>, JsonRejection>,
) -> ApiResult<Json<DossierView>> {
    let Path(vendor) = vendor?;
    state.store.check_dossier_edit(&caller.actor)?;
    let Json(req) = body?;
    let dossier: Dossier =
        serde_json::from_value(req.dossier).map_err(|e| invalid(format!("dossier: {e}")))?;
    if dossier.vendor.id != vendor {
        return Err(invalid(format!(
            "the dossier's vendor id is {:?}, not {vendor:?}",
            dossier.vendor.id
        )));
    }
    let current = current(&state, &caller.actor).await?;
    let old = current.set.vendors.get(&vendor).map(|d| d.dossier.clone());
    check_sources(
        &dossier.facts,
        old.as_ref().map_or(&[][..], |d| d.facts.as_slice()),
    )?;
    let previous = old
        .map(serde_json::to_value)
        .transpose()
        .map_err(ApiError::internal)?;
    let edit = Edit {
        change: DossierChange::Dossier,
        fact_id: None,
        previous,
        revision: req.revision,
    };
    let v = store_edit(&state, &caller, &vendor, dossier, edit).await?;
    Ok(Json(v))
}

/// Adds or replaces one fact of a vendor's dossier.
#[utoipa::path(put, path = "/dossiers/{vendor}/facts/{fact}", tag = "dossiers",
    params(
        ("vendor" = String, Path, description = "Vendor id"),
        ("fact" = String, Path, description = "Fact id"),
    ),
    request_body = FactUpdate,
    responses(
        (status = 200, body = DossierView),
        (status = 400, description = "Malformed request", body = Problem),
        (status = 401, description = "Not authenticated", body = Problem),
        (status = 403, description = "The role may not edit dossiers", body = Problem),
        (status = 404, description = "No dossier of that vendor", body = Problem),
        (status = 409, description = "Stale revision", body = Problem),
        (status = 422, description = "Invalid fact, or one without a source", body = Problem),
    ))]
pub async fn put_fact(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<(String, String)>, PathRejection>,
    body: Result<Json<FactUpdate>, JsonRejection>,
) -> ApiResult<Json<DossierView>> {
    let Path((vendor, fact_id)) = path?;
    state.store.check_dossier_edit(&caller.actor)?;
    let Json(req) = body?;
    let fact: Fact = serde_json::from_value(req.fact).map_err(|e| invalid(format!("fact: {e}")))?;
    if fact.id != fact_id {
        return Err(invalid(format!(
            "the fact's id is {:?}, not {fact_id:?}",
            fact.id
        )));
    }
    let current = current(&state, &caller.actor).await?;
    let mut dossier = current
        .set
        .vendors
        .get(&vendor)
        .map(|d| d.dossier.clone())
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                format!("no dossier of vendor {vendor:?}"),
            )
        })?;
    let old = dossier.facts.iter().position(|f| f.id == fact_id);
    let previous = old.map(|i| dossier.facts[i].clone());
    check_sources(std::slice::from_ref(&fact), previous.as_slice())?;
    match old {
        Some(i) => dossier.facts[i] = fact,
        None => dossier.facts.push(fact),
    }
    let previous = previous
        .map(serde_json::to_value)
        .transpose()
        .map_err(ApiError::internal)?;
    let edit = Edit {
        change: DossierChange::Fact,
        fact_id: Some(fact_id),
        previous,
        revision: req.revision,
    };
    let v = store_edit(&state, &caller, &vendor, dossier, edit).await?;
    Ok(Json(v))
}

/// The stored edits of a vendor's dossier, newest first (the regulator's roles).
#[utoipa::path(get, path = "/dossiers/{vendor}/history", tag = "dossiers",
    params(("vendor" = String, Path, description = "Vendor id"), PageQuery),
    responses(
        (status = 200, body = Paged<DossierRevisionView>),
        (status = 400, description = "Bad pagination or unknown query key", body = Problem),
        (status = 401, description = "Not authenticated", body = Problem),
        (status = 403, description = "The role may not read the history", body = Problem),
        (status = 404, description = "No dossier of that vendor", body = Problem),
    ))]
pub async fn dossier_history(
    State(state): State<AppState>,
    caller: Caller,
    vendor: Result<Path<String>, PathRejection>,
    q: Result<Query<PageQuery>, QueryRejection>,
) -> ApiResult<Json<Paged<DossierRevisionView>>> {
    let Path(vendor) = vendor?;
    let page = q?.0.page()?;
    let revisions = state
        .store
        .dossier_history(&caller.actor, &vendor, page)
        .await?;
    if revisions.is_empty() && page.offset == 0 {
        // A vendor without edits has a history only if it has a dossier at all.
        let current = current(&state, &caller.actor).await?;
        view(&vendor, &current)?;
    }
    let parse = |s: &str| serde_json::from_str::<serde_json::Value>(s).map_err(ApiError::internal);
    let items = revisions
        .into_iter()
        .map(|r| {
            Ok(DossierRevisionView {
                revision: r.revision,
                change: r.change.as_str().to_string(),
                fact_id: r.fact_id,
                previous: r.previous.as_deref().map(parse).transpose()?,
                dossier: parse(&r.dossier)?,
                user_id: r.user_id,
                created_at: r.created_at,
            })
        })
        .collect::<ApiResult<_>>()?;
    Ok(Json(Paged::new(items, page)))
}
