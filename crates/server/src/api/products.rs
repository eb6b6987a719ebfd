//! Product records: the JSON form of the records `netvet assess` reads, validated the same
//! way (`netvet_policy::ProductSet`, against the vendor dossiers in effect) before they are
//! stored.

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use netvet_policy::files::{FileSet, SourceFile};
use netvet_policy::{DossierSet, ProductSet};
use netvet_store::{NewProduct, Product};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{PageQuery, Paged, json_with_etag};
use crate::AppState;
use crate::auth::Caller;
use crate::problem::{ApiError, ApiResult, Problem};

/// A stored product record.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProductView {
    pub id: i64,
    /// The vendor organisation that owns it.
    pub org_id: i64,
    /// The record's own id (`acme-gnb-4.2`).
    pub record_id: String,
    pub name: String,
    /// Starts at 1; each update adds one.
    pub revision: i64,
    /// The product record (the JSON form of a `examples/products/*.toml` file).
    #[schema(value_type = Object)]
    pub record: serde_json::Value,
    pub created_at: i64,
    pub updated_at: i64,
}

impl ProductView {
    fn from_stored(p: Product) -> ApiResult<ProductView> {
        Ok(ProductView {
            record: serde_json::from_str(&p.record).map_err(ApiError::internal)?,
            id: p.id,
            org_id: p.org_id,
            record_id: p.record_id,
            name: p.name,
            revision: p.revision,
            created_at: p.created_at,
            updated_at: p.updated_at,
        })
    }
}

/// A product record to store.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductRequest {
    /// The vendor organisation (admin and analyst must name it; a vendor's is its own).
    pub org_id: Option<i64>,
    #[schema(value_type = Object)]
    pub record: serde_json::Value,
}

/// A product record's new content.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductUpdate {
    /// Update only if the stored revision is still this one.
    pub revision: Option<i64>,
    #[schema(value_type = Object)]
    pub record: serde_json::Value,
}

/// A product record from JSON, validated as `netvet assess` validates record files.
pub(crate) fn validate(
    record: serde_json::Value,
    dossiers: &DossierSet,
) -> ApiResult<netvet_model::Product> {
    let invalid = |m: String| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, m);
    let product: netvet_model::Product =
        serde_json::from_value(record).map_err(|e| invalid(format!("product record: {e}")))?;
    product_set(std::slice::from_ref(&product), dossiers).map_err(|e| invalid(e.detail))?;
    Ok(product)
}

/// Product records as the set the policy engine reads.
pub(crate) fn product_set(
    products: &[netvet_model::Product],
    dossiers: &DossierSet,
) -> ApiResult<ProductSet> {
    let mut files = Vec::new();
    for p in products {
        let text = toml::to_string(p).map_err(ApiError::internal)?;
        files.push(SourceFile {
            name: format!("store:products/{}", p.id),
            rel: format!("{}.toml", p.id),
            text,
        });
    }
    let set = FileSet {
        root: "store:products".into(),
        files,
    };
    ProductSet::from_files(&set, dossiers)
        .map_err(|e| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()))
}

/// The product records the caller may see.
#[utoipa::path(get, path = "/products", tag = "products", params(PageQuery),
    responses(
        (status = 200, body = Paged<ProductView>),
        (status = 400, description = "Bad pagination or unknown query key", body = Problem),
        (status = 401, description = "Not authenticated", body = Problem),
    ))]
pub async fn list_products(
    State(state): State<AppState>,
    caller: Caller,
    q: Result<Query<PageQuery>, QueryRejection>,
) -> ApiResult<Json<Paged<ProductView>>> {
    let page = q?.0.page()?;
    let products = state.store.list_products(&caller.actor, page).await?;
    let items = products
        .into_iter()
        .map(ProductView::from_stored)
        .collect::<ApiResult<_>>()?;
    Ok(Json(Paged::new(items, page)))
}

/// Stores a product record (vendor: its own; admin, analyst: any vendor's).
#[utoipa::path(post, path = "/products", tag = "products",
    request_body = ProductRequest,
    responses(
        (status = 201, body = ProductView),
        (status = 400, description = "Malformed request", body = Problem),
        (status = 401, description = "Not authenticated", body = Problem),
        (status = 403, description = "The role may not write product records", body = Problem),
        (status = 404, description = "No such vendor organisation", body = Problem),
        (status = 409, description = "A record with that id exists", body = Problem),
        (status = 422, description = "Invalid product record", body = Problem),
    ))]
pub async fn create_product(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Json<ProductRequest>, JsonRejection>,
) -> ApiResult<impl IntoResponse> {
    let Json(req) = body?;
    let dossiers = super::dossiers::current(&state, &caller.actor).await?;
    let product = validate(req.record, &dossiers.set)?;
    let stored = state
        .store
        .create_product(
            &caller.actor,
            NewProduct {
                org_id: req.org_id,
                record_id: product.id.clone(),
                name: product.name.clone(),
                record: serde_json::to_string(&product).map_err(ApiError::internal)?,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(ProductView::from_stored(stored)?)))
}

/// One product record.
#[utoipa::path(get, path = "/products/{id}", tag = "products",
    params(("id" = i64, Path, description = "Product id")),
    responses(
        (status = 200, body = ProductView, headers(("ETag" = String))),
        (status = 304, description = "Not modified"),
        (status = 401, description = "Not authenticated", body = Problem),
        (status = 404, description = "No such product visible to the caller", body = Problem),
    ))]
pub async fn get_product(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    id: Result<Path<i64>, PathRejection>,
) -> ApiResult<Response> {
    let Path(id) = id?;
    let p = state.store.product(&caller.actor, id).await?;
    json_with_etag(&headers, &ProductView::from_stored(p)?)
}

/// Replaces a product record (its id may not change).
#[utoipa::path(put, path = "/products/{id}", tag = "products",
    params(("id" = i64, Path, description = "Product id")),
    request_body = ProductUpdate,
    responses(
        (status = 200, body = ProductView),
        (status = 400, description = "Malformed request", body = Problem),
        (status = 401, description = "Not authenticated", body = Problem),
        (status = 403, description = "The role may not write product records", body = Problem),
        (status = 404, description = "No such product visible to the caller", body = Problem),
        (status = 409, description = "Stale revision", body = Problem),
        (status = 422, description = "Invalid product record", body = Problem),
    ))]
pub async fn update_product(
    State(state): State<AppState>,
    caller: Caller,
    id: Result<Path<i64>, PathRejection>,
    body: Result<Json<ProductUpdate>, JsonRejection>,
) -> ApiResult<Json<ProductView>> {
    let Path(id) = id?;
    let Json(req) = body?;
    let current = state.store.product(&caller.actor, id).await?;
    let dossiers = super::dossiers::current(&state, &caller.actor).await?;
    let product = validate(req.record, &dossiers.set)?;
    if product.id != current.record_id {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!(
                "the record's id is {:?}; it may not change (create another product)",
                current.record_id
            ),
        ));
    }
    let record = serde_json::to_string(&product).map_err(ApiError::internal)?;
    let stored = state
        .store
        .update_product(&caller.actor, id, &product.name, &record, req.revision)
        .await?;
    Ok(Json(ProductView::from_stored(stored)?))
}
