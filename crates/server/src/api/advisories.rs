//! The advisory index and what its changes do: an admin imports advisories (the files
//! `netvet db import` takes, through the same `netvet_vuln::staged::import_paths`), which
//! queues a re-match of every stored report against the new index; the verdicts that changed
//! are read here.

use std::io::Write;

use axum::Json;
use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use futures_util::StreamExt;
use netvet_store::VerdictChange;
use serde::Serialize;
use sha2::{Digest, Sha256};
use tokio::sync::Mutex;
use utoipa::ToSchema;

use super::{PageQuery, Paged};
use crate::AppState;
use crate::auth::Caller;
use crate::problem::{ApiError, ApiResult, Problem};

/// What an import did.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportView {
    /// SHA-256 of the index file after the import: what re-matches match against.
    pub index_digest: String,
    /// Stored reports queued for re-matching.
    pub rematch_jobs: u64,
    /// The import report (`netvet db import --format json`).
    #[schema(value_type = Object)]
    pub import: serde_json::Value,
}

/// A recorded change of an assessment verdict.
#[derive(Debug, Serialize, ToSchema)]
pub struct VerdictChangeView {
    pub id: i64,
    pub product_id: i64,
    /// The product's vendor organisation.
    pub org_id: i64,
    /// The analysis whose re-matched report caused it.
    pub analysis_id: i64,
    pub catalogue_id: String,
    /// The role assessed (`ran:gNB`).
    pub role: String,
    pub decision_before: String,
    pub decision_after: String,
    /// SHA-256 of the advisory index matched against.
    pub index_digest: String,
    pub created_at: i64,
}

impl From<VerdictChange> for VerdictChangeView {
    fn from(c: VerdictChange) -> VerdictChangeView {
        VerdictChangeView {
            id: c.id,
            product_id: c.product_id,
            org_id: c.org_id,
            analysis_id: c.analysis_id,
            catalogue_id: c.catalogue_id,
            role: c.role,
            decision_before: c.decision_before,
            decision_after: c.decision_after,
            index_digest: c.index_digest,
            created_at: c.created_at,
        }
    }
}

/// One import at a time writes the index.
static IMPORTING: Mutex<()> = Mutex::const_new(());

/// Imports advisories (admin): an OSV, NVD CVE 2.0 or CISA KEV JSON file as the body,
/// `application/json`, up to the configured limit. The index is replaced all or nothing; then
/// every stored report is queued for re-matching against it.
#[utoipa::path(post, path = "/advisories/import", tag = "advisories",
    request_body(content = Object, content_type = "application/json"),
    responses(
        (status = 202, description = "Imported; re-matches queued", body = ImportView),
        (status = 400, description = "The body broke off", body = Problem),
        (status = 401, description = "Not authenticated", body = Problem),
        (status = 403, description = "Only an admin imports advisories", body = Problem),
        (status = 413, description = "Larger than the import limit", body = Problem),
        (status = 415, description = "Not application/json", body = Problem),
        (status = 422, description = "Not advisories the index can take", body = Problem),
    ))]
pub async fn import_advisories(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<(StatusCode, Json<ImportView>)> {
    state.store.check_advisory_import(&caller.actor)?;
    if super::media_type(&headers) != "application/json" {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "send the advisory file as the body, with Content-Type: application/json",
        ));
    }
    let limit = state.config.max_advisory_upload;
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("an advisory import holds at most {limit} bytes"),
        )
    };
    super::declared_within(&headers, limit, too_large)?;
    let work = state.config.data_dir.join("work");
    tokio::fs::create_dir_all(&work)
        .await
        .map_err(ApiError::internal)?;
    let mut file = tempfile::Builder::new()
        .prefix("advisories-")
        .suffix(".json")
        .tempfile_in(&work)
        .map_err(ApiError::internal)?;
    let mut size = 0u64;
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| ApiError::bad_request(format!("reading the body: {e}")))?;
        size += chunk.len() as u64;
        if size > limit {
            return Err(too_large());
        }
        file.write_all(&chunk).map_err(ApiError::internal)?;
    }
    file.flush().map_err(ApiError::internal)?;
    let index = state.config.advisory_index_path();
    let _one = IMPORTING.lock().await;
    let (import, digest) = tokio::task::spawn_blocking(move || -> ApiResult<_> {
        let outcome = netvet_vuln::staged::import_paths(
            &index,
            &[file.path().to_path_buf()],
            true,
            &netvet_vuln::advisory::Bounds::default(),
        )
        .map_err(|e| {
            // Name the upload, not the scratch file it was spooled to.
            let message = e
                .to_string()
                .replace(&file.path().display().to_string(), "body");
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, message)
        })?;
        let data_age = netvet_vuln::age::summarise(
            &outcome.status.path,
            &outcome.status.sources,
            &netvet_pipeline::today().to_string(),
            netvet_vuln::age::DEFAULT_STALE_DAYS,
        );
        let report =
            netvet_vuln::report::DbImportReport::new(&outcome.imported, &outcome.status, &data_age);
        let import = serde_json::to_value(&report).map_err(ApiError::internal)?;
        let mut hasher = Sha256::new();
        let mut index_file = std::fs::File::open(&index).map_err(ApiError::internal)?;
        let mut buf = vec![0u8; 1 << 16];
        loop {
            let n = std::io::Read::read(&mut index_file, &mut buf).map_err(ApiError::internal)?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
        }
        Ok((import, hex::encode(hasher.finalize())))
    })
    .await
    .map_err(ApiError::internal)??;
    let jobs = state.store.enqueue_rematch(&caller.actor, &digest).await?;
    state.jobs.notify_waiters();
    Ok((
        StatusCode::ACCEPTED,
        Json(ImportView {
            index_digest: digest,
            rematch_jobs: jobs,
            import,
        }),
    ))
}

/// The assessment verdicts re-matching changed, newest first (a vendor its own products';
/// the regulator's roles all).
#[utoipa::path(get, path = "/verdict-changes", tag = "advisories", params(PageQuery),
    responses(
        (status = 200, body = Paged<VerdictChangeView>),
        (status = 400, description = "Bad pagination or unknown query key", body = Problem),
        (status = 401, description = "Not authenticated", body = Problem),
    ))]
pub async fn list_verdict_changes(
    State(state): State<AppState>,
    caller: Caller,
    q: Result<Query<PageQuery>, QueryRejection>,
) -> ApiResult<Json<Paged<VerdictChangeView>>> {
    let page = q?.0.page()?;
    let list = state
        .store
        .list_verdict_changes(&caller.actor, page)
        .await?;
    Ok(Json(Paged::new(
        list.into_iter().map(VerdictChangeView::from).collect(),
        page,
    )))
}
