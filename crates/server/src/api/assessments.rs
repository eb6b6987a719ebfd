//! Assessments of a product under a built-in catalogue, computed by
//! `netvet_pipeline::assess::assess` — the function `netvet assess` calls — from the stored
//! record, the vendor dossiers in effect and the scan reports of the record's firmware that the
//! caller may see.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, OnceLock};

use axum::Json;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use netvet_model::Date;
use netvet_pipeline::assess::Selection;
use netvet_pipeline::{PolicyData, today};
use netvet_policy::evidence::LoadedScan;
use netvet_policy::{Evidence, Limits};
use serde::{Deserialize, Serialize};
use tokio::sync::Semaphore;
use utoipa::{IntoParams, ToSchema};

use super::products::product_set;
use crate::AppState;
use crate::auth::Caller;
use crate::problem::{ApiError, ApiResult, Problem};

/// Which catalogue, and on which day.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AssessQuery {
    /// A built-in catalogue id (see `GET /catalogues`) or a stored overlay's digest.
    pub catalogue: String,
    /// Judge on this day (YYYY-MM-DD); default today (UTC).
    pub as_of: Option<String>,
}

/// A built-in catalogue.
#[derive(Debug, Serialize, ToSchema)]
pub struct CatalogueView {
    pub id: String,
    /// The catalogue's summary (`netvet catalogue list --format json`).
    #[schema(value_type = Object)]
    pub summary: serde_json::Value,
}

/// The built-in catalogues' summaries, computed once.
fn catalogues() -> ApiResult<&'static [CatalogueView]> {
    static LIST: OnceLock<Result<Vec<CatalogueView>, String>> = OnceLock::new();
    LIST.get_or_init(|| {
        let list =
            netvet_pipeline::catalogues::list(&Limits::default()).map_err(|e| e.to_string())?;
        list.catalogues
            .into_iter()
            .map(|c| {
                Ok(CatalogueView {
                    id: c.reference.id.clone(),
                    summary: serde_json::to_value(&c).map_err(|e| e.to_string())?,
                })
            })
            .collect()
    })
    .as_deref()
    .map_err(ApiError::internal)
}

/// The built-in catalogues.
#[utoipa::path(get, path = "/catalogues", tag = "assessments",
    responses(
        (status = 200, body = Vec<CatalogueView>),
        (status = 401, description = "Not authenticated", body = Problem),
    ))]
pub async fn list_catalogues(_caller: Caller) -> ApiResult<Json<&'static [CatalogueView]>> {
    let list = tokio::task::spawn_blocking(catalogues)
        .await
        .map_err(ApiError::internal)??;
    Ok(Json(list))
}

/// Assesses a product record in every role it can take (`netvet.assessment/2`).
#[utoipa::path(get, path = "/products/{id}/assessment", tag = "assessments",
    params(("id" = i64, Path, description = "Product id"), AssessQuery),
    responses(
        (status = 200, description = "The assessment report", body = serde_json::Value),
        (status = 400, description = "Unknown query key or bad date", body = Problem),
        (status = 401, description = "Not authenticated", body = Problem),
        (status = 404, description = "No such product visible to the caller, or no such catalogue", body = Problem),
    ))]
pub async fn assess_product(
    State(state): State<AppState>,
    caller: Caller,
    id: Result<Path<i64>, PathRejection>,
    q: Result<Query<AssessQuery>, QueryRejection>,
) -> ApiResult<Json<serde_json::Value>> {
    let Path(id) = id?;
    let Query(q) = q?;
    let as_of = as_of(q.as_of.as_deref())?;
    let source = super::catalogues::resolve(&state, &caller.actor, &q.catalogue).await?;
    let stored = state.store.product(&caller.actor, id).await?;
    let product: netvet_model::Product =
        serde_json::from_str(&stored.record).map_err(ApiError::internal)?;
    let shas: Vec<String> = product.firmware.iter().map(|f| f.sha256.clone()).collect();
    let reports = state.store.reports_for(&caller.actor, &shas).await?;
    let dossiers = super::dossiers::current(&state, &caller.actor).await?;
    let key = cache_key(
        &q.catalogue,
        as_of,
        &stored.record,
        &reports,
        &dossiers.revisions,
    );
    if let Some(hit) = cached(&key) {
        return Ok(Json(hit.as_ref().clone()));
    }
    // Evaluations are CPU-bound: at most one per core at once, so a burst of requests queues
    // here instead of holding a policy engine each.
    let _permit = evaluations().acquire().await.map_err(ApiError::internal)?;
    if let Some(hit) = cached(&key) {
        return Ok(Json(hit.as_ref().clone()));
    }
    let report = tokio::task::spawn_blocking(move || -> ApiResult<serde_json::Value> {
        let limits = Limits::default();
        let data = PolicyData {
            products: product_set(std::slice::from_ref(&product), &dossiers.set)?,
            dossiers: (*dossiers.set).clone(),
            evidence: evidence(&reports)?,
            as_of,
        };
        let catalogue = source.load(&limits)?;
        let report = netvet_pipeline::assess::assess(
            &catalogue,
            &data,
            None,
            &Selection::default(),
            &limits,
        )
        .map_err(ApiError::internal)?;
        serde_json::to_value(&report).map_err(ApiError::internal)
    })
    .await
    .map_err(ApiError::internal)??;
    remember(key, Arc::new(report.clone()));
    Ok(Json(report))
}

/// Assessments kept, by the digest of everything they were computed from.
const CACHED: usize = 256;

type Key = [u8; 32];

/// The digest of an assessment's inputs: the catalogue asked for (a built-in id, fixed for the
/// life of the process, or an overlay's content digest), the date, the product record, every
/// scan report it reads (re-matching rewrites a report, so its digest changes) and the dossier
/// revisions in effect. Equal keys give equal assessments; nothing else enters one.
fn cache_key(
    catalogue: &str,
    as_of: Date,
    record: &str,
    reports: &[String],
    dossiers: &std::collections::BTreeMap<String, i64>,
) -> Key {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for part in [
        catalogue.as_bytes(),
        as_of.to_string().as_bytes(),
        record.as_bytes(),
    ] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part);
    }
    h.update((reports.len() as u64).to_be_bytes());
    for r in reports {
        h.update(Sha256::digest(r.as_bytes()));
    }
    for (vendor, revision) in dossiers {
        h.update((vendor.len() as u64).to_be_bytes());
        h.update(vendor.as_bytes());
        h.update(revision.to_be_bytes());
    }
    h.finalize().into()
}

type Cache = Mutex<(HashMap<Key, Arc<serde_json::Value>>, VecDeque<Key>)>;

fn cache() -> &'static Cache {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new((HashMap::new(), VecDeque::new())))
}

fn cached(key: &Key) -> Option<Arc<serde_json::Value>> {
    let guard = cache().lock().unwrap_or_else(|p| p.into_inner());
    guard.0.get(key).cloned()
}

/// Keeps an assessment, forgetting the oldest beyond `CACHED`.
fn remember(key: Key, report: Arc<serde_json::Value>) {
    let mut guard = cache().lock().unwrap_or_else(|p| p.into_inner());
    let (map, order) = &mut *guard;
    if map.insert(key, report).is_none() {
        order.push_back(key);
    }
    while order.len() > CACHED {
        if let Some(old) = order.pop_front() {
            map.remove(&old);
        }
    }
}

/// The bound on assessments evaluated at once: the cores available.
fn evaluations() -> &'static Semaphore {
    static PERMITS: OnceLock<Semaphore> = OnceLock::new();
    PERMITS.get_or_init(|| {
        Semaphore::new(std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get))
    })
}

/// The day asked for (YYYY-MM-DD), or today (UTC).
pub(crate) fn as_of(asked: Option<&str>) -> ApiResult<Date> {
    match asked {
        Some(d) => d
            .parse::<Date>()
            .map_err(|e| ApiError::bad_request(format!("as_of {d:?}: {e}"))),
        None => Ok(today()),
    }
}

/// Stored scan reports as the evidence an assessment reads.
pub(crate) fn evidence(reports: &[String]) -> ApiResult<Evidence> {
    let mut evidence = Evidence::default();
    for (i, text) in reports.iter().enumerate() {
        let name = format!("store:analysis-report-{i}");
        let report = Evidence::parse(&name, text).map_err(ApiError::internal)?;
        evidence.add(LoadedScan { report, file: name });
    }
    Ok(evidence)
}
