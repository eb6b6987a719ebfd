//! Who is calling: an API token (`Authorization: Bearer nvt_…`) or a session cookie. A
//! state-changing request (anything but GET, HEAD, OPTIONS) needs a token with the `write`
//! scope, or — with a cookie — the session's CSRF token in `X-CSRF-Token`.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{Method, StatusCode, header};
use netvet_store::{Actor, TokenScope};
use sha2::{Digest, Sha256};
use utoipa::Modify;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};

use crate::AppState;
use crate::problem::ApiError;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "netvet_session";
/// The header that carries the CSRF token.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// How long a session lasts, seconds.
pub const SESSION_TTL: i64 = 12 * 3600;

/// How the caller authenticated.
#[derive(Clone, Debug)]
pub enum Via {
    /// A session cookie; its secret (to end it at logout).
    Session { secret: String },
    /// An API token.
    Token,
}

/// The authenticated caller.
#[derive(Clone, Debug)]
pub struct Caller {
    pub actor: Actor,
    pub via: Via,
}

fn changes_state(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The value of cookie `name`, if sent.
fn cookie<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|kv| {
            let (k, v) = kv.trim().split_once('=')?;
            (k == name).then_some(v)
        })
}

/// Compares two secrets without leaking where they differ (through their digests).
fn same_secret(a: &str, b: &str) -> bool {
    let (x, y) = (Sha256::digest(a.as_bytes()), Sha256::digest(b.as_bytes()));
    x.iter()
        .zip(y.iter())
        .fold(0u8, |acc, (p, q)| acc | (p ^ q))
        == 0
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Caller, ApiError> {
        let writes = changes_state(&parts.method);
        if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
            let secret = value
                .to_str()
                .ok()
                .and_then(|v| v.strip_prefix("Bearer "))
                .ok_or_else(|| {
                    ApiError::new(
                        StatusCode::UNAUTHORIZED,
                        "the Authorization header takes `Bearer <token>`",
                    )
                })?;
            let (actor, scopes) = state.store.token(secret.trim()).await?;
            if writes && !scopes.contains(&TokenScope::Write) {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    "this API token has no write scope",
                ));
            }
            return Ok(Caller {
                actor,
                via: Via::Token,
            });
        }
        let secret = cookie(parts, SESSION_COOKIE).ok_or(netvet_store::Error::Unauthenticated)?;
        let session = state.store.session(secret).await?;
        if writes {
            let sent = parts
                .headers
                .get(CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            if !same_secret(sent, &session.csrf_token) {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    "state-changing requests with a session cookie need the session's CSRF token in X-CSRF-Token",
                ));
            }
        }
        Ok(Caller {
            actor: session.actor,
            via: Via::Session {
                secret: secret.to_string(),
            },
        })
    }
}

/// The `Set-Cookie` value that carries a session (or, with `secret` empty and `max_age` 0,
/// removes it).
pub fn session_cookie(secret: &str, max_age: i64, secure: bool) -> String {
    format!(
        "{SESSION_COOKIE}={secret}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{}",
        if secure { "; Secure" } else { "" }
    )
}

/// Declares the two ways to authenticate in the OpenAPI document.
pub struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                SESSION_COOKIE,
                "Set by POST /api/v1/login; state-changing requests also send X-CSRF-Token",
            ))),
        );
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An API token (nvt_…) from POST /api/v1/tokens"))
                    .build(),
            ),
        );
    }
}

/// The client's IP address, when the connection's peer is known (the socket's; proxies'
/// `X-Forwarded-For` is not trusted).
#[derive(Clone, Copy, Debug)]
pub struct ClientAddr(pub Option<std::net::IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<ClientAddr, Self::Rejection> {
        Ok(ClientAddr(
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|c| c.0.ip()),
        ))
    }
}
