//! Every error is one RFC 9457 `application/problem+json` document: `type` (`about:blank`,
//! so `title` is the status's phrase), `title`, `status`, a `detail` for people and the
//! `request_id` to quote when asking the operator.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// Always `about:blank`: the status code says what kind of problem it is.
    #[serde(rename = "type")]
    pub kind: String,
    /// The status code's phrase.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong, for people.
    pub detail: String,
    /// The request's id (also in the `X-Request-Id` response header and the server's log).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

/// An error a handler returns; rendered as a [`Problem`].
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub detail: String,
}

/// A handler's result.
pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    /// An error with `status` and `detail`.
    pub fn new(status: StatusCode, detail: impl Into<String>) -> ApiError {
        ApiError {
            status,
            detail: detail.into(),
        }
    }

    /// 400 Bad Request.
    pub fn bad_request(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, detail)
    }

    /// 404 Not Found (also for objects of another tenant).
    pub fn not_found() -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "no such object")
    }

    /// 500, logged with its cause; the client learns nothing internal.
    pub fn internal(cause: impl std::fmt::Display) -> ApiError {
        tracing::error!(%cause, "internal error");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal error; the server log has the cause",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Problem {
            kind: "about:blank".into(),
            title: self
                .status
                .canonical_reason()
                .unwrap_or("Error")
                .to_string(),
            status: self.status.as_u16(),
            detail: self.detail,
            request_id: crate::observe::current_request_id(),
        };
        let mut resp = (self.status, axum::Json(body)).into_response();
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        resp
    }
}

impl From<netvet_store::Error> for ApiError {
    fn from(e: netvet_store::Error) -> ApiError {
        use netvet_store::Error as E;
        match e {
            E::NotFound => ApiError::not_found(),
            E::Forbidden(m) => ApiError::new(StatusCode::FORBIDDEN, m),
            E::Unauthenticated => ApiError::new(
                StatusCode::UNAUTHORIZED,
                "not authenticated: log in, or send an API token as `Authorization: Bearer …`",
            ),
            E::Conflict(m) => ApiError::new(StatusCode::CONFLICT, m),
            E::Invalid(m) => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, m),
            other => ApiError::internal(other),
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> ApiError {
        // 400 malformed JSON, 422 JSON of the wrong shape, 415 not JSON, 413 too large.
        let status = r.status();
        ApiError::new(status, r.body_text())
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> ApiError {
        ApiError::bad_request(r.body_text())
    }
}

impl From<PathRejection> for ApiError {
    fn from(r: PathRejection) -> ApiError {
        ApiError::bad_request(r.body_text())
    }
}

/// The answer to a path no route matches.
pub async fn no_route() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "no such path")
}

/// The answer to a method a path does not take.
pub async fn no_method() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "this path does not take that method",
    )
}
