//! Login, logout, who am I, and API tokens.

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use netvet_store::{ApiToken, Role, TokenScope};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::{Caller, ClientAddr, SESSION_TTL, Via, session_cookie};
use crate::problem::{ApiError, ApiResult, Problem};

/// A user's role (the regulator's: admin, analyst, decider, auditor).
#[derive(Clone, Copy, Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum RoleName {
    Admin,
    Analyst,
    Decider,
    Operator,
    Vendor,
    Lab,
    Auditor,
}

impl From<Role> for RoleName {
    fn from(r: Role) -> RoleName {
        match r {
            Role::Admin => RoleName::Admin,
            Role::Analyst => RoleName::Analyst,
            Role::Decider => RoleName::Decider,
            Role::Operator => RoleName::Operator,
            Role::Vendor => RoleName::Vendor,
            Role::Lab => RoleName::Lab,
            Role::Auditor => RoleName::Auditor,
        }
    }
}

impl From<RoleName> for Role {
    fn from(r: RoleName) -> Role {
        match r {
            RoleName::Admin => Role::Admin,
            RoleName::Analyst => Role::Analyst,
            RoleName::Decider => Role::Decider,
            RoleName::Operator => Role::Operator,
            RoleName::Vendor => Role::Vendor,
            RoleName::Lab => Role::Lab,
            RoleName::Auditor => Role::Auditor,
        }
    }
}

/// A password login.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub name: String,
    pub password: String,
}

/// The session started (its secret is in the `netvet_session` cookie).
#[derive(Debug, Serialize, ToSchema)]
pub struct LoginResponse {
    pub user_id: i64,
    pub org_id: i64,
    pub role: RoleName,
    /// Send this in `X-CSRF-Token` with every state-changing request.
    pub csrf_token: String,
    /// Unix seconds.
    pub expires_at: i64,
}

/// Starts a session.
#[utoipa::path(post, path = "/login", tag = "session", security(()),
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in; the session cookie is set", body = LoginResponse),
        (status = 400, description = "Malformed request", body = Problem),
        (status = 401, description = "Wrong name or password", body = Problem),
        (status = 429, description = "Too many failed logins for this name or address; `Retry-After` says how many seconds to wait", body = Problem),
    ))]
pub async fn login(
    State(state): State<AppState>,
    ClientAddr(address): ClientAddr,
    body: Result<Json<LoginRequest>, JsonRejection>,
) -> ApiResult<Response> {
    let Json(req) = body?;
    let now = std::time::Instant::now();
    // An absurdly long name is counted under a bounded key.
    let key: String = req.name.chars().take(200).collect();
    if let Err(wait) = state.logins.check(&key, address, now) {
        state.metrics.record_login_failure("rate_limited");
        let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        let mut resp = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            format!("too many failed logins: try again in {secs} s"),
        )
        .into_response();
        resp.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        return Ok(resp);
    }
    let actor = if req.name.len() > 200 || req.password.len() > 1024 {
        Err(netvet_store::Error::Unauthenticated)
    } else {
        state.store.login(&req.name, &req.password).await
    };
    let actor = match actor {
        Ok(a) => a,
        Err(netvet_store::Error::Unauthenticated) => {
            state.logins.failed(&key, address, now);
            state.metrics.record_login_failure("password");
            tracing::info!(user = %key, address = ?address, "login failed");
            return Err(netvet_store::Error::Unauthenticated.into());
        }
        Err(e) => return Err(e.into()),
    };
    state.logins.succeeded(&key, address);
    let session = state.store.create_session(&actor, SESSION_TTL).await?;
    let cookie = session_cookie(&session.secret, SESSION_TTL, state.config.secure_cookies);
    Ok((
        [(header::SET_COOKIE, cookie)],
        Json(LoginResponse {
            user_id: actor.user,
            org_id: actor.org,
            role: actor.role.into(),
            csrf_token: session.csrf_token,
            expires_at: session.expires_at,
        }),
    )
        .into_response())
}

/// Ends the session (with a token: nothing to end).
#[utoipa::path(post, path = "/logout", tag = "session",
    responses(
        (status = 204, description = "Logged out; the cookie is cleared"),
        (status = 401, description = "Not authenticated", body = Problem),
        (status = 403, description = "A read-only token, or a missing CSRF token", body = Problem),
    ))]
pub async fn logout(State(state): State<AppState>, caller: Caller) -> ApiResult<impl IntoResponse> {
    if let Via::Session { secret } = &caller.via {
        state.store.end_session(secret).await?;
    }
    Ok((
        StatusCode::NO_CONTENT,
        [(
            header::SET_COOKIE,
            session_cookie("", 0, state.config.secure_cookies),
        )],
    ))
}

/// The caller.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    pub user_id: i64,
    pub org_id: i64,
    pub role: RoleName,
}

/// Who is calling.
#[utoipa::path(get, path = "/me", tag = "session",
    responses(
        (status = 200, body = Me),
        (status = 401, description = "Not authenticated", body = Problem),
    ))]
pub async fn me(caller: Caller) -> Json<Me> {
    Json(Me {
        user_id: caller.actor.user,
        org_id: caller.actor.org,
        role: caller.actor.role.into(),
    })
}

/// What a token may do.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// GET requests.
    Read,
    /// State-changing requests too.
    Write,
}

impl From<Scope> for TokenScope {
    fn from(s: Scope) -> TokenScope {
        match s {
            Scope::Read => TokenScope::Read,
            Scope::Write => TokenScope::Write,
        }
    }
}

impl From<TokenScope> for Scope {
    fn from(s: TokenScope) -> Scope {
        match s {
            TokenScope::Read => Scope::Read,
            TokenScope::Write => Scope::Write,
        }
    }
}

/// A token to create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    pub name: String,
    pub scopes: Vec<Scope>,
    /// Unix seconds; absent: never expires.
    pub expires_at: Option<i64>,
}

/// An API token (never its secret, but when created).
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenView {
    pub id: i64,
    pub name: String,
    pub scopes: Vec<Scope>,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

impl From<ApiToken> for TokenView {
    fn from(t: ApiToken) -> TokenView {
        TokenView {
            id: t.id,
            name: t.name,
            scopes: t.scopes.into_iter().map(Scope::from).collect(),
            created_at: t.created_at,
            expires_at: t.expires_at,
            revoked_at: t.revoked_at,
        }
    }
}

/// A token just created, with its secret — shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedToken {
    pub token: TokenView,
    /// Send as `Authorization: Bearer <secret>`. Not shown again.
    pub secret: String,
}

/// The caller's API tokens, newest first.
#[utoipa::path(get, path = "/tokens", tag = "tokens",
    responses(
        (status = 200, body = Vec<TokenView>),
        (status = 401, description = "Not authenticated", body = Problem),
    ))]
pub async fn list_tokens(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<TokenView>>> {
    let tokens = state.store.list_tokens(&caller.actor).await?;
    Ok(Json(tokens.into_iter().map(TokenView::from).collect()))
}

/// Creates an API token for the caller.
#[utoipa::path(post, path = "/tokens", tag = "tokens",
    request_body = TokenRequest,
    responses(
        (status = 201, body = CreatedToken),
        (status = 400, description = "Malformed request", body = Problem),
        (status = 401, description = "Not authenticated", body = Problem),
        (status = 403, description = "Not allowed (an auditor's write token, a missing CSRF token)", body = Problem),
        (status = 422, description = "Invalid name, scopes or expiry", body = Problem),
    ))]
pub async fn create_token(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Json<TokenRequest>, JsonRejection>,
) -> ApiResult<impl IntoResponse> {
    let Json(req) = body?;
    let scopes: Vec<TokenScope> = req.scopes.iter().map(|&s| s.into()).collect();
    let created = state
        .store
        .create_token(&caller.actor, &req.name, &scopes, req.expires_at)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedToken {
            token: created.token.into(),
            secret: created.secret,
        }),
    ))
}

/// Revokes one of the caller's tokens (an admin: anyone's).
#[utoipa::path(delete, path = "/tokens/{id}", tag = "tokens",
    params(("id" = i64, Path, description = "Token id")),
    responses(
        (status = 200, description = "Revoked", body = TokenView),
        (status = 401, description = "Not authenticated", body = Problem),
        (status = 403, description = "A read-only token, or a missing CSRF token", body = Problem),
        (status = 404, description = "No such token of the caller's", body = Problem),
    ))]
pub async fn revoke_token(
    State(state): State<AppState>,
    caller: Caller,
    id: Result<Path<i64>, PathRejection>,
) -> ApiResult<Json<TokenView>> {
    let Path(id) = id?;
    let token = state.store.revoke_token(&caller.actor, id).await?;
    Ok(Json(token.into()))
}
