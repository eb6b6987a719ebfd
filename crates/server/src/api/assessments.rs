//! Assessments of a product under a built-in catalogue or a stored overlay, computed by
//! `netvet_pipeline::assess::assess` — the function `netvet assess` calls — from the stored
//! record, the vendor dossiers in effect and the scan reports of the record's firmware that the
//! caller may see.
//!
//! Each assessment computed is kept (`netvet_store`'s `assessments`): with the digest of the
//! catalogue, the digest of every input and the as-of date, and each role's decision. A
//! request whose inputs have the same digest reads the kept assessment instead of evaluating
//! again; `GET /assessments` lists them, filtered by product, catalogue or decision.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, OnceLock};

use axum::Json;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use netvet_model::{AssessmentReport, Date};
use netvet_pipeline::assess::Selection;
use netvet_pipeline::{PolicyData, today};
use netvet_policy::evidence::LoadedScan;
use netvet_policy::{Evidence, Limits};
use netvet_store::{AssessmentFilter, NewAssessment, RoleDecision, StoredAssessment};
use serde::{Deserialize, Serialize};
use tokio::sync::Semaphore;
use utoipa::{IntoParams, ToSchema};

use super::products::product_set;
use super::{PageQuery, Paged, json_with_etag};
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

/// Assesses a product record in every role it can take (`netvet.assessment/2`). The
/// assessment is kept: `Content-Location` names it under `/assessments`, and a request with
/// the same inputs (catalogue, date, record, scan reports, dossier revisions) reads it back.
#[utoipa::path(get, path = "/products/{id}/assessment", tag = "assessments",
    params(("id" = i64, Path, description = "Product id"), AssessQuery),
    responses(
        (status = 200, description = "The assessment report", body = serde_json::Value,
            headers(("Content-Location" = String, description = "The kept assessment"))),
        (status = 400, description = "Unknown query key or bad date", body = Problem),
        (status = 401, description = "Not authenticated", body = Problem),
        (status = 404, description = "No such product visible to the caller, or no such catalogue", body = Problem),
        (status = 409, description = "The record changed while it was assessed", body = Problem),
    ))]
pub async fn assess_product(
    State(state): State<AppState>,
    caller: Caller,
    id: Result<Path<i64>, PathRejection>,
    q: Result<Query<AssessQuery>, QueryRejection>,
) -> ApiResult<Response> {
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
    let digest = input_digest(
        &q.catalogue,
        as_of,
        &stored.record,
        &reports,
        &dossiers.revisions,
    );
    let key = (digest, caller.actor.assessment_scope());
    if let Some(hit) = cached(&key) {
        return Ok(kept(hit));
    }
    let input_hex = hex::encode(digest);
    if let Some((kept_id, text)) = state
        .store
        .assessment_by_input(&caller.actor, id, &input_hex)
        .await?
    {
        let report: serde_json::Value = serde_json::from_str(&text).map_err(ApiError::internal)?;
        let hit = Arc::new((kept_id, report));
        remember(key, hit.clone());
        return Ok(kept(hit));
    }
    // Evaluations are CPU-bound: at most one per core at once, so a burst of requests queues
    // here instead of holding a policy engine each.
    let _permit = evaluations().acquire().await.map_err(ApiError::internal)?;
    if let Some(hit) = cached(&key) {
        return Ok(kept(hit));
    }
    let (new, report) =
        tokio::task::spawn_blocking(move || -> ApiResult<(NewAssessment, serde_json::Value)> {
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
            let value = serde_json::to_value(&report).map_err(ApiError::internal)?;
            let new = NewAssessment {
                product_id: stored.id,
                product_revision: stored.revision,
                catalogue_id: q.catalogue,
                catalogue_digest: catalogue.digest.clone(),
                input_digest: input_hex,
                as_of: as_of.to_string(),
                roles: roles(&report),
                report: value.to_string(),
            };
            Ok((new, value))
        })
        .await
        .map_err(ApiError::internal)??;
    let kept_id = state.store.keep_assessment(&caller.actor, &new).await?;
    let hit = Arc::new((kept_id, report));
    remember(key, hit.clone());
    Ok(kept(hit))
}

/// A kept assessment's document, naming where it is kept.
fn kept(hit: Arc<(i64, serde_json::Value)>) -> Response {
    let location = HeaderValue::from_str(&format!("/api/v1/assessments/{}", hit.0))
        .unwrap_or(HeaderValue::from_static("/api/v1/assessments"));
    ([(header::CONTENT_LOCATION, location)], Json(hit.1.clone())).into_response()
}

fn roles(report: &AssessmentReport) -> Vec<RoleDecision> {
    report
        .assessments
        .iter()
        .map(|a| RoleDecision {
            role: a.role.key(),
            critical: a.critical,
            decision: a.verdict.decision.as_str().to_string(),
        })
        .collect()
}

/// A verdict's decision, as a filter.
#[derive(Clone, Copy, Debug, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum DecisionParam {
    Allow,
    AllowWithConditions,
    Prohibit,
}

impl DecisionParam {
    fn as_str(self) -> &'static str {
        match self {
            DecisionParam::Allow => "allow",
            DecisionParam::AllowWithConditions => "allow-with-conditions",
            DecisionParam::Prohibit => "prohibit",
        }
    }
}

/// Which kept assessments to list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AssessmentsQuery {
    /// Rows per page, 1 to 500 (default 50).
    pub limit: Option<u32>,
    /// Rows to skip (default 0).
    pub offset: Option<u64>,
    /// Only assessments of this product.
    pub product_id: Option<i64>,
    /// Only assessments under this catalogue (a built-in id or an overlay digest, as asked).
    pub catalogue: Option<String>,
    /// Only assessments with at least one role of this decision.
    pub decision: Option<DecisionParam>,
}

/// A kept assessment: what it was computed from and each role's decision.
#[derive(Debug, Serialize, ToSchema)]
pub struct AssessmentView {
    pub id: i64,
    pub product_id: i64,
    /// The product's vendor organisation.
    pub org_id: i64,
    /// The product record's revision it read.
    pub product_revision: i64,
    /// The catalogue as asked for: a built-in id or an overlay digest.
    pub catalogue: String,
    /// SHA-256 of the composed catalogue: netvet's own policy modules and every layer's files.
    pub catalogue_digest: String,
    /// SHA-256 of everything it was computed from: the catalogue asked for, the date, the
    /// product record, each scan report read and the dossier revisions in effect.
    pub input_digest: String,
    /// The day it judged against (YYYY-MM-DD).
    pub as_of: String,
    pub allow: i64,
    pub allow_with_conditions: i64,
    pub prohibit: i64,
    pub roles: Vec<RoleView>,
    /// Who computed it first.
    pub user_id: i64,
    pub created_at: i64,
}

/// One role's decision.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoleView {
    /// `RAN:gNB`.
    pub role: String,
    pub critical: bool,
    pub decision: String,
}

impl From<StoredAssessment> for AssessmentView {
    fn from(a: StoredAssessment) -> AssessmentView {
        AssessmentView {
            id: a.id,
            product_id: a.product_id,
            org_id: a.org_id,
            product_revision: a.product_revision,
            catalogue: a.catalogue_id,
            catalogue_digest: a.catalogue_digest,
            input_digest: a.input_digest,
            as_of: a.as_of,
            allow: a.counts.allow,
            allow_with_conditions: a.counts.allow_with_conditions,
            prohibit: a.counts.prohibit,
            roles: a
                .roles
                .into_iter()
                .map(|r| RoleView {
                    role: r.role,
                    critical: r.critical,
                    decision: r.decision,
                })
                .collect(),
            user_id: a.user_id,
            created_at: a.created_at,
        }
    }
}

/// A kept assessment with its document.
#[derive(Debug, Serialize, ToSchema)]
pub struct AssessmentDetail {
    pub assessment: AssessmentView,
    /// The `netvet.assessment/2` document.
    #[schema(value_type = Object)]
    pub report: serde_json::Value,
}

/// The assessments kept, newest first: the regulator's roles see all; any other caller those
/// computed from its own view of the analyses, of products it may see.
#[utoipa::path(get, path = "/assessments", tag = "assessments", params(AssessmentsQuery),
    responses(
        (status = 200, body = Paged<AssessmentView>),
        (status = 400, description = "Bad pagination, decision or unknown query key", body = Problem),
        (status = 401, description = "Not authenticated", body = Problem),
    ))]
pub async fn list_assessments(
    State(state): State<AppState>,
    caller: Caller,
    q: Result<Query<AssessmentsQuery>, QueryRejection>,
) -> ApiResult<Json<Paged<AssessmentView>>> {
    let Query(q) = q?;
    let page = PageQuery {
        limit: q.limit,
        offset: q.offset,
    }
    .page()?;
    let filter = AssessmentFilter {
        product_id: q.product_id,
        catalogue_id: q.catalogue,
        decision: q.decision.map(|d| d.as_str().to_string()),
    };
    let list = state
        .store
        .list_assessments(&caller.actor, &filter, page)
        .await?;
    Ok(Json(Paged::new(
        list.into_iter().map(AssessmentView::from).collect(),
        page,
    )))
}

/// One kept assessment with its document.
#[utoipa::path(get, path = "/assessments/{id}", tag = "assessments",
    params(("id" = i64, Path, description = "Assessment id")),
    responses(
        (status = 200, body = AssessmentDetail, headers(("ETag" = String))),
        (status = 304, description = "Not modified"),
        (status = 401, description = "Not authenticated", body = Problem),
        (status = 404, description = "No such assessment visible to the caller", body = Problem),
    ))]
pub async fn get_assessment(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    id: Result<Path<i64>, PathRejection>,
) -> ApiResult<Response> {
    let Path(id) = id?;
    let (a, text) = state.store.assessment(&caller.actor, id).await?;
    let report: serde_json::Value = serde_json::from_str(&text).map_err(ApiError::internal)?;
    json_with_etag(
        &headers,
        &AssessmentDetail {
            assessment: a.into(),
            report,
        },
    )
}

/// Assessments held in memory (in front of the store), by the digest of everything they were
/// computed from and the scope they are kept in.
const CACHED: usize = 256;

type Key = ([u8; 32], i64);

/// The digest of an assessment's inputs: the catalogue asked for (a built-in id, fixed for the
/// life of the process, or an overlay's content digest), the date, the product record, every
/// scan report it reads (re-matching rewrites a report, so its digest changes) and the dossier
/// revisions in effect. Equal keys give equal assessments; nothing else enters one.
fn input_digest(
    catalogue: &str,
    as_of: Date,
    record: &str,
    reports: &[String],
    dossiers: &std::collections::BTreeMap<String, i64>,
) -> [u8; 32] {
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

/// A kept assessment's id and document.
type Kept = Arc<(i64, serde_json::Value)>;

type Cache = Mutex<(HashMap<Key, Kept>, VecDeque<Key>)>;

fn cache() -> &'static Cache {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new((HashMap::new(), VecDeque::new())))
}

fn cached(key: &Key) -> Option<Kept> {
    let guard = cache().lock().unwrap_or_else(|p| p.into_inner());
    guard.0.get(key).cloned()
}

/// Keeps an assessment, forgetting the oldest beyond `CACHED`.
fn remember(key: Key, report: Kept) {
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
