//! Organisations and users. Only an admin creates them; reads are filtered by the store (the
//! regulator's roles see all, everyone else their own organisation and themselves).

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use netvet_store::{NewUser, OrgKind, Organisation, User};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::session::RoleName;
use super::{PageQuery, Paged, json_with_etag};
use crate::AppState;
use crate::auth::Caller;
use crate::problem::{ApiResult, Problem};

/// An organisation's kind.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Regulator,
    Operator,
    Vendor,
    Lab,
}

impl From<Kind> for OrgKind {
    fn from(k: Kind) -> OrgKind {
        match k {
            Kind::Regulator => OrgKind::Regulator,
            Kind::Operator => OrgKind::Operator,
            Kind::Vendor => OrgKind::Vendor,
            Kind::Lab => OrgKind::Lab,
        }
    }
}

impl From<OrgKind> for Kind {
    fn from(k: OrgKind) -> Kind {
        match k {
            OrgKind::Regulator => Kind::Regulator,
            OrgKind::Operator => Kind::Operator,
            OrgKind::Vendor => Kind::Vendor,
            OrgKind::Lab => Kind::Lab,
        }
    }
}

/// An organisation.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrganisationView {
    pub id: i64,
    pub name: String,
    pub kind: Kind,
    pub created_at: i64,
}

impl From<Organisation> for OrganisationView {
    fn from(o: Organisation) -> OrganisationView {
        OrganisationView {
            id: o.id,
            name: o.name,
            kind: o.kind.into(),
            created_at: o.created_at,
        }
    }
}

/// An organisation to create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrganisation {
    pub name: String,
    pub kind: Kind,
}

/// A user.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    pub id: i64,
    pub org_id: i64,
    pub name: String,
    pub role: RoleName,
    pub created_at: i64,
}

impl From<User> for UserView {
    fn from(u: User) -> UserView {
        UserView {
            id: u.id,
            org_id: u.org_id,
            name: u.name,
            role: u.role.into(),
            created_at: u.created_at,
        }
    }
}

/// A user to create; the role must fit the organisation's kind.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserRequest {
    pub org_id: i64,
    pub name: String,
    pub role: RoleName,
    /// 12 to 1024 characters.
    pub password: String,
}

/// The organisations the caller may see.
#[utoipa::path(get, path = "/organisations", tag = "directory", params(PageQuery),
    responses(
        (status = 200, body = Paged<OrganisationView>),
        (status = 400, description = "Bad pagination or unknown query key", body = Problem),
        (status = 401, description = "Not authenticated", body = Problem),
    ))]
pub async fn list_organisations(
    State(state): State<AppState>,
    caller: Caller,
    q: Result<Query<PageQuery>, QueryRejection>,
) -> ApiResult<Json<Paged<OrganisationView>>> {
    let page = q?.0.page()?;
    let orgs = state.store.list_organisations(&caller.actor, page).await?;
    Ok(Json(Paged::new(
        orgs.into_iter().map(OrganisationView::from).collect(),
        page,
    )))
}

/// Creates an organisation (admin).
#[utoipa::path(post, path = "/organisations", tag = "directory",
    request_body = NewOrganisation,
    responses(
        (status = 201, body = OrganisationView),
        (status = 400, description = "Malformed request", body = Problem),
        (status = 401, description = "Not authenticated", body = Problem),
        (status = 403, description = "Not an admin", body = Problem),
        (status = 409, description = "Name taken", body = Problem),
    ))]
pub async fn create_organisation(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Json<NewOrganisation>, JsonRejection>,
) -> ApiResult<impl IntoResponse> {
    let Json(req) = body?;
    let org = state
        .store
        .create_organisation(&caller.actor, &req.name, req.kind.into())
        .await?;
    Ok((StatusCode::CREATED, Json(OrganisationView::from(org))))
}

/// One organisation.
#[utoipa::path(get, path = "/organisations/{id}", tag = "directory",
    params(("id" = i64, Path, description = "Organisation id")),
    responses(
        (status = 200, body = OrganisationView, headers(("ETag" = String))),
        (status = 304, description = "Not modified"),
        (status = 401, description = "Not authenticated", body = Problem),
        (status = 404, description = "No such organisation visible to the caller", body = Problem),
    ))]
pub async fn get_organisation(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    id: Result<Path<i64>, PathRejection>,
) -> ApiResult<Response> {
    let Path(id) = id?;
    let org = state.store.organisation(&caller.actor, id).await?;
    json_with_etag(&headers, &OrganisationView::from(org))
}

/// The users the caller may see.
#[utoipa::path(get, path = "/users", tag = "directory", params(PageQuery),
    responses(
        (status = 200, body = Paged<UserView>),
        (status = 400, description = "Bad pagination or unknown query key", body = Problem),
        (status = 401, description = "Not authenticated", body = Problem),
    ))]
pub async fn list_users(
    State(state): State<AppState>,
    caller: Caller,
    q: Result<Query<PageQuery>, QueryRejection>,
) -> ApiResult<Json<Paged<UserView>>> {
    let page = q?.0.page()?;
    let users = state.store.list_users(&caller.actor, page).await?;
    Ok(Json(Paged::new(
        users.into_iter().map(UserView::from).collect(),
        page,
    )))
}

/// Creates a user (admin).
#[utoipa::path(post, path = "/users", tag = "directory",
    request_body = NewUserRequest,
    responses(
        (status = 201, body = UserView),
        (status = 400, description = "Malformed request", body = Problem),
        (status = 401, description = "Not authenticated", body = Problem),
        (status = 403, description = "Not an admin", body = Problem),
        (status = 404, description = "No such organisation", body = Problem),
        (status = 409, description = "Name taken", body = Problem),
        (status = 422, description = "Role does not fit the organisation, or a short password", body = Problem),
    ))]
pub async fn create_user(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Json<NewUserRequest>, JsonRejection>,
) -> ApiResult<impl IntoResponse> {
    let Json(req) = body?;
    let user = state
        .store
        .create_user(
            &caller.actor,
            NewUser {
                org_id: req.org_id,
                name: req.name,
                role: req.role.into(),
                password: req.password,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(UserView::from(user))))
}

/// One user.
#[utoipa::path(get, path = "/users/{id}", tag = "directory",
    params(("id" = i64, Path, description = "User id")),
    responses(
        (status = 200, body = UserView, headers(("ETag" = String))),
        (status = 304, description = "Not modified"),
        (status = 401, description = "Not authenticated", body = Problem),
        (status = 404, description = "No such user visible to the caller", body = Problem),
    ))]
pub async fn get_user(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    id: Result<Path<i64>, PathRejection>,
) -> ApiResult<Response> {
    let Path(id) = id?;
    let user = state.store.user(&caller.actor, id).await?;
    json_with_etag(&headers, &UserView::from(user))
}
