//! Every request gets an id, a tracing span and a line in the metrics.
//!
//! The id is the client's `X-Request-Id` when it is sane (1 to 64 characters of
//! `A-Z a-z 0-9 . _ : -`, so it cannot forge log lines or headers), otherwise a random one.
//! It is echoed in the response's `X-Request-Id`, carried by the `request` span (so JSON
//! log lines show it, see [`crate::logs`]) and put into problem documents.

use std::time::Instant;

use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, Method};
use axum::middleware::Next;
use axum::response::Response;
use futures_util::StreamExt;
use tracing::Instrument;

use crate::AppState;

/// The header that carries a request's id, both ways.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The route template of firmware uploads, whose body bytes are counted.
const UPLOAD_ROUTE: &str = "/api/v1/analyses";

tokio::task_local! {
    static REQUEST_ID: String;
}

/// The id of the request being handled on this task, if any.
pub fn current_request_id() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}

/// True when a client's request id may be used as it is.
fn sane(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'))
}

/// A fresh request id (16 random bytes as hex; a counter if the OS has no randomness).
fn fresh_id() -> String {
    static FALLBACK: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    netvet_store::random_secret(16).unwrap_or_else(|_| {
        format!(
            "local-{}",
            FALLBACK.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        )
    })
}

/// A method's label: the standard ones by name, anything else as `OTHER` (bounded labels).
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "OTHER",
    }
}

/// The middleware: id, span, upload byte count, metrics, access log line.
pub async fn request_context(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let id = request
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| sane(v))
        .map_or_else(fresh_id, str::to_string);
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str)
        .to_string();
    let method = method_label(request.method());
    if method == "POST" && route == UPLOAD_ROUTE {
        let metrics = state.metrics.clone();
        let body = std::mem::take(request.body_mut());
        let counted = body.into_data_stream().inspect(move |chunk| {
            if let Ok(bytes) = chunk {
                metrics.record_upload_bytes(bytes.len() as u64);
            }
        });
        *request.body_mut() = Body::from_stream(counted);
    }
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method,
        route = %route,
    );
    let mut response = REQUEST_ID
        .scope(id.clone(), next.run(request).instrument(span.clone()))
        .await;
    let took = started.elapsed();
    let status = response.status().as_u16();
    state.metrics.record_request(&route, method, status, took);
    span.in_scope(|| {
        tracing::info!(
            status,
            latency_ms = u64::try_from(took.as_millis()).unwrap_or(u64::MAX),
            "request handled"
        );
    });
    if let Ok(v) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID_HEADER, v);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_sane_request_ids_are_taken() {
        assert!(sane("abc-123_x.y:z"));
        assert!(sane(&"a".repeat(64)));
        assert!(!sane(""));
        assert!(!sane(&"a".repeat(65)));
        assert!(!sane("a b"));
        assert!(!sane("a\"}\n{\"level\":\"ERROR\""));
        assert_eq!(fresh_id().len(), 32);
    }
}
