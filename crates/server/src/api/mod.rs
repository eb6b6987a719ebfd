//! The `/api/v1` operations, one module per kind of object.

pub mod advisories;
pub mod analyses;
pub mod assessments;
pub mod catalogues;
pub mod directory;
pub mod dossiers;
pub mod health;
pub mod inventories;
pub mod products;
pub mod session;

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::problem::{ApiError, ApiResult};

/// Every operation, registered with its OpenAPI description.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(session::login))
        .routes(routes!(session::logout))
        .routes(routes!(session::me))
        .routes(routes!(session::list_tokens, session::create_token))
        .routes(routes!(session::revoke_token))
        .routes(routes!(
            directory::list_organisations,
            directory::create_organisation
        ))
        .routes(routes!(directory::get_organisation))
        .routes(routes!(directory::list_users, directory::create_user))
        .routes(routes!(directory::get_user))
        .routes(routes!(products::list_products, products::create_product))
        .routes(routes!(products::get_product, products::update_product))
        .routes(routes!(assessments::assess_product))
        .routes(routes!(assessments::list_assessments))
        .routes(routes!(assessments::get_assessment))
        .routes(routes!(assessments::list_catalogues))
        .routes(routes!(analyses::list_analyses, analyses::upload))
        .routes(routes!(analyses::get_analysis))
        .routes(routes!(analyses::get_report))
        .routes(routes!(analyses::get_findings))
        .routes(routes!(analyses::get_sbom))
        .routes(routes!(analyses::diff_analyses))
        .routes(routes!(
            inventories::list_inventories,
            inventories::upload_inventory
        ))
        .routes(routes!(inventories::get_inventory))
        .routes(routes!(inventories::network_report))
        .routes(routes!(dossiers::list_dossiers))
        .routes(routes!(dossiers::get_dossier, dossiers::put_dossier))
        .routes(routes!(dossiers::put_fact))
        .routes(routes!(dossiers::dossier_history))
        .routes(routes!(
            catalogues::list_overlays,
            catalogues::upload_overlay
        ))
        .routes(routes!(catalogues::get_overlay))
        .routes(routes!(catalogues::impact))
        .routes(routes!(advisories::import_advisories))
        .routes(routes!(advisories::list_verdict_changes))
}

/// Pagination of a list: `limit` (1 to 500, default 50) and `offset`. No other keys.
#[derive(Clone, Copy, Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Rows per page, 1 to 500 (default 50).
    pub limit: Option<u32>,
    /// Rows to skip (default 0).
    pub offset: Option<u64>,
}

impl PageQuery {
    /// The page asked for; a limit out of range is the client's error.
    pub fn page(&self) -> ApiResult<netvet_store::Page> {
        let limit = self.limit.unwrap_or(50);
        if limit == 0 || limit > netvet_store::Page::MAX_LIMIT {
            return Err(ApiError::bad_request(format!(
                "limit {limit}: between 1 and {}",
                netvet_store::Page::MAX_LIMIT
            )));
        }
        let offset = self.offset.unwrap_or(0);
        if offset > i64::MAX as u64 {
            return Err(ApiError::bad_request("offset too large"));
        }
        Ok(netvet_store::Page { limit, offset })
    }
}

/// One page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub limit: u32,
    pub offset: u64,
    /// The offset of the next page; absent on the last.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_offset: Option<u64>,
}

impl<T> Paged<T> {
    /// `items` as the page `page` of a list.
    pub fn new(items: Vec<T>, page: netvet_store::Page) -> Paged<T> {
        let full = items.len() as u64 == u64::from(page.limit);
        Paged {
            next_offset: full.then(|| page.offset + items.len() as u64),
            items,
            limit: page.limit,
            offset: page.offset,
        }
    }
}

/// A JSON response with a strong ETag (the SHA-256 of its bytes); `304 Not Modified` when
/// the request's `If-None-Match` names it.
pub fn with_etag(request: &HeaderMap, body: Vec<u8>, content_type: &'static str) -> Response {
    let tag = format!("\"{}\"", hex::encode(Sha256::digest(&body)));
    let matches = request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == tag || t.trim() == "*"));
    let etag = HeaderValue::from_str(&tag).unwrap_or(HeaderValue::from_static("\"\""));
    if matches {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response();
    }
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::ETAG, etag),
        ],
        body,
    )
        .into_response()
}

/// A serialisable value as JSON with an ETag.
pub fn json_with_etag<T: Serialize>(request: &HeaderMap, value: &T) -> ApiResult<Response> {
    let body = serde_json::to_vec(value).map_err(ApiError::internal)?;
    Ok(with_etag(request, body, "application/json"))
}

/// A request's media type without its parameters, lowercase (`Application/JSON; charset=utf-8`
/// → `application/json`); empty when absent or not text.
pub(crate) fn media_type(headers: &HeaderMap) -> String {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// Refuses a body whose declared `Content-Length` is over `limit` before any of it is read
/// (a body without one is counted as it streams).
pub(crate) fn declared_within(
    headers: &HeaderMap,
    limit: u64,
    too_large: impl FnOnce() -> ApiError,
) -> ApiResult<()> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    match declared {
        Some(n) if n > limit => Err(too_large()),
        _ => Ok(()),
    }
}
