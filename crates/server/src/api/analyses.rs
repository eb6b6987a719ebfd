//! Firmware uploads and their analyses: the upload streams into the object store (hashed and
//! bounded as it arrives) and records the analysis and its job in one transaction; a worker
//! runs it; the report, its findings and its SBOM are read here.

use axum::Json;
use axum::body::Body;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use netvet_model::ScanReport;
use netvet_store::{Analysis, AnalysisStatus, NewAnalysis};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{PageQuery, Paged, json_with_etag, with_etag};
use crate::AppState;
use crate::auth::Caller;
use crate::problem::{ApiError, ApiResult, Problem};
use netvet_artifacts as objects;

/// Where an analysis stands.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Queued,
    Running,
    Done,
    /// Finished, but an unpacking limit stopped part of it (see `warning`).
    Partial,
    Failed,
}

impl From<AnalysisStatus> for Status {
    fn from(s: AnalysisStatus) -> Status {
        match s {
            AnalysisStatus::Queued => Status::Queued,
            AnalysisStatus::Running => Status::Running,
            AnalysisStatus::Done => Status::Done,
            AnalysisStatus::Partial => Status::Partial,
            AnalysisStatus::Failed => Status::Failed,
        }
    }
}

impl From<Status> for AnalysisStatus {
    fn from(s: Status) -> AnalysisStatus {
        match s {
            Status::Queued => AnalysisStatus::Queued,
            Status::Running => AnalysisStatus::Running,
            Status::Done => AnalysisStatus::Done,
            Status::Partial => AnalysisStatus::Partial,
            Status::Failed => AnalysisStatus::Failed,
        }
    }
}

/// An analysis.
#[derive(Debug, Serialize, ToSchema)]
pub struct AnalysisView {
    pub id: i64,
    /// SHA-256 of the uploaded image.
    pub sha256: String,
    pub size: i64,
    pub media_type: String,
    pub file_name: String,
    pub product_id: Option<i64>,
    pub org_id: i64,
    pub user_id: i64,
    pub status: Status,
    /// The worker's last progress report: `stage`, `layers`, `files`, `bytes`.
    #[schema(value_type = Object)]
    pub progress: serde_json::Value,
    pub warning: Option<String>,
    pub error: Option<String>,
    /// True once the `netvet.scan/1` report is stored (`GET …/report`).
    pub has_report: bool,
    pub created_at: i64,
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
}

impl From<Analysis> for AnalysisView {
    fn from(a: Analysis) -> AnalysisView {
        AnalysisView {
            progress: serde_json::from_str(&a.progress)
                .unwrap_or_else(|_| serde_json::Value::Object(Default::default())),
            id: a.id,
            sha256: a.artifact_sha256,
            size: a.size,
            media_type: a.media_type,
            file_name: a.file_name,
            product_id: a.product_id,
            org_id: a.org_id,
            user_id: a.user_id,
            status: a.status.into(),
            warning: a.warning,
            error: a.error,
            has_report: a.has_report,
            created_at: a.created_at,
            started_at: a.started_at,
            finished_at: a.finished_at,
        }
    }
}

/// What an upload is.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UploadQuery {
    /// The image's file name (default `upload.bin`).
    pub file_name: Option<String>,
    /// The product record the image belongs to.
    pub product_id: Option<i64>,
}

/// Which analyses to list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AnalysesQuery {
    /// Rows per page, 1 to 500 (default 50).
    pub limit: Option<u32>,
    /// Rows to skip (default 0).
    pub offset: Option<u64>,
    /// Only analyses with this status.
    pub status: Option<Status>,
}

/// Uploads a firmware image (the request body, `application/octet-stream`) and queues its
/// analysis.
#[utoipa::path(post, path = "/analyses", tag = "analyses", params(UploadQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses(
        (status = 202, description = "Stored and queued", body = AnalysisView),
        (status = 400, description = "Unknown query key, or the upload broke off", body = Problem),
        (status = 401, description = "Not authenticated", body = Problem),
        (status = 403, description = "The role may not upload", body = Problem),
        (status = 404, description = "No such product visible to the caller", body = Problem),
        (status = 413, description = "Larger than the upload limit", body = Problem),
        (status = 415, description = "Not application/octet-stream", body = Problem),
    ))]
pub async fn upload(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    q: Result<Query<UploadQuery>, QueryRejection>,
    body: Body,
) -> ApiResult<Response> {
    let Query(q) = q?;
    // Whether the caller may upload (and see the product) is settled before a byte is stored.
    state
        .store
        .check_upload(&caller.actor, q.product_id)
        .await?;
    let content_type = super::media_type(&headers);
    if content_type != "application/octet-stream" {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "send the image as the body, with Content-Type: application/octet-stream",
        ));
    }
    let limit = state.config.max_upload;
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the upload limit is {limit} bytes"),
        )
    };
    super::declared_within(&headers, limit, too_large)?;
    let stored = match state
        .objects
        .put_stream(body.into_data_stream(), limit)
        .await
    {
        Ok(s) => s,
        Err(objects::Error::TooLarge { .. }) => return Err(too_large()),
        Err(e @ objects::Error::Upload { .. }) => return Err(ApiError::bad_request(e.to_string())),
        Err(e) => return Err(ApiError::internal(e)),
    };
    let analysis = state
        .store
        .create_analysis(
            &caller.actor,
            NewAnalysis {
                sha256: stored.sha256,
                size: stored.size,
                media_type: content_type,
                file_name: q.file_name.unwrap_or_else(|| "upload.bin".into()),
                product_id: q.product_id,
            },
        )
        .await?;
    state.jobs.notify_waiters();
    let location = HeaderValue::from_str(&format!("/api/v1/analyses/{}", analysis.id))
        .map_err(ApiError::internal)?;
    Ok((
        StatusCode::ACCEPTED,
        [(header::LOCATION, location)],
        Json(AnalysisView::from(analysis)),
    )
        .into_response())
}

/// The analyses the caller may see, newest first.
#[utoipa::path(get, path = "/analyses", tag = "analyses", params(AnalysesQuery),
    responses(
        (status = 200, body = Paged<AnalysisView>),
        (status = 400, description = "Bad pagination, status or unknown query key", body = Problem),
        (status = 401, description = "Not authenticated", body = Problem),
    ))]
pub async fn list_analyses(
    State(state): State<AppState>,
    caller: Caller,
    q: Result<Query<AnalysesQuery>, QueryRejection>,
) -> ApiResult<Json<Paged<AnalysisView>>> {
    let Query(q) = q?;
    let page = PageQuery {
        limit: q.limit,
        offset: q.offset,
    }
    .page()?;
    let list = state
        .store
        .list_analyses(&caller.actor, q.status.map(Into::into), page)
        .await?;
    Ok(Json(Paged::new(
        list.into_iter().map(AnalysisView::from).collect(),
        page,
    )))
}

/// One analysis: status and progress.
#[utoipa::path(get, path = "/analyses/{id}", tag = "analyses",
    params(("id" = i64, Path, description = "Analysis id")),
    responses(
        (status = 200, body = AnalysisView, headers(("ETag" = String))),
        (status = 304, description = "Not modified"),
        (status = 401, description = "Not authenticated", body = Problem),
        (status = 404, description = "No such analysis visible to the caller", body = Problem),
    ))]
pub async fn get_analysis(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    id: Result<Path<i64>, PathRejection>,
) -> ApiResult<Response> {
    let Path(id) = id?;
    let a = state.store.analysis(&caller.actor, id).await?;
    json_with_etag(&headers, &AnalysisView::from(a))
}

/// The stored report text, or 409 while there is none.
async fn report_text(state: &AppState, caller: &Caller, id: i64) -> ApiResult<String> {
    match state.store.analysis_report(&caller.actor, id).await? {
        Some(r) => Ok(r),
        None => Err(ApiError::new(
            StatusCode::CONFLICT,
            "the analysis has no report (yet): see its status",
        )),
    }
}

async fn report(state: &AppState, caller: &Caller, id: i64) -> ApiResult<ScanReport> {
    let text = report_text(state, caller, id).await?;
    serde_json::from_str(&text).map_err(ApiError::internal)
}

/// The analysis's `netvet.scan/1` report.
#[utoipa::path(get, path = "/analyses/{id}/report", tag = "analyses",
    params(("id" = i64, Path, description = "Analysis id")),
    responses(
        (status = 200, description = "The netvet.scan/1 report", body = serde_json::Value, headers(("ETag" = String))),
        (status = 304, description = "Not modified"),
        (status = 401, description = "Not authenticated", body = Problem),
        (status = 404, description = "No such analysis visible to the caller", body = Problem),
        (status = 409, description = "No report yet", body = Problem),
    ))]
pub async fn get_report(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    id: Result<Path<i64>, PathRejection>,
) -> ApiResult<Response> {
    let Path(id) = id?;
    let text = report_text(&state, &caller, id).await?;
    Ok(with_etag(&headers, text.into_bytes(), "application/json"))
}

/// The report's findings.
#[utoipa::path(get, path = "/analyses/{id}/findings", tag = "analyses",
    params(("id" = i64, Path, description = "Analysis id")),
    responses(
        (status = 200, description = "The findings, most severe first", body = Vec<serde_json::Value>),
        (status = 401, description = "Not authenticated", body = Problem),
        (status = 404, description = "No such analysis visible to the caller", body = Problem),
        (status = 409, description = "No report yet", body = Problem),
    ))]
pub async fn get_findings(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    id: Result<Path<i64>, PathRejection>,
) -> ApiResult<Response> {
    let Path(id) = id?;
    let r = report(&state, &caller, id).await?;
    json_with_etag(&headers, &r.findings)
}

/// What changed from this analysis to another (`netvet.diff/1`, from stored reports: services,
/// listeners, components, vulnerabilities, findings, hardening; files are not compared).
#[utoipa::path(get, path = "/analyses/{id}/diff/{other}", tag = "analyses",
    params(
        ("id" = i64, Path, description = "The earlier release's analysis"),
        ("other" = i64, Path, description = "The later release's analysis"),
    ),
    responses(
        (status = 200, description = "The netvet.diff/1 document", body = serde_json::Value, headers(("ETag" = String))),
        (status = 304, description = "Not modified"),
        (status = 401, description = "Not authenticated", body = Problem),
        (status = 404, description = "No such analysis visible to the caller", body = Problem),
        (status = 409, description = "An analysis has no report yet", body = Problem),
    ))]
pub async fn diff_analyses(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    ids: Result<Path<(i64, i64)>, PathRejection>,
) -> ApiResult<Response> {
    let Path((id, other)) = ids?;
    let old = report(&state, &caller, id).await?;
    let new = report(&state, &caller, other).await?;
    let diff = netvet_pipeline::diff::diff_analyses(&old, &new);
    json_with_etag(&headers, &diff)
}

/// The image's software bill of materials (CycloneDX 1.6 JSON).
#[utoipa::path(get, path = "/analyses/{id}/sbom", tag = "analyses",
    params(("id" = i64, Path, description = "Analysis id")),
    responses(
        (status = 200, description = "CycloneDX 1.6", body = serde_json::Value, content_type = "application/vnd.cyclonedx+json"),
        (status = 401, description = "Not authenticated", body = Problem),
        (status = 404, description = "No such analysis visible to the caller", body = Problem),
        (status = 409, description = "No report yet", body = Problem),
    ))]
pub async fn get_sbom(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    id: Result<Path<i64>, PathRejection>,
) -> ApiResult<Response> {
    let Path(id) = id?;
    let r = report(&state, &caller, id).await?;
    let subject = netvet_sbom::cyclonedx::Subject {
        name: &r.image.image,
        sha256: &r.image.sha256,
        timestamp: None,
    };
    let doc = netvet_sbom::cyclonedx::write(&subject, &r.components);
    let body = serde_json::to_vec(&doc).map_err(ApiError::internal)?;
    Ok(with_etag(&headers, body, "application/vnd.cyclonedx+json"))
}
