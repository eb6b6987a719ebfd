//! Operating the service: metrics, request ids, login back-off, housekeeping.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Method, StatusCode, header};
use common::{App, Auth};
use serde_json::json;

/// One sample of the exposition text: name, labels, value.
type Sample = (String, BTreeMap<String, String>, f64);

/// Parses Prometheus text exposition format strictly enough to catch malformed output:
/// `# HELP`/`# TYPE` comments, then `name{label="value",…} number` lines.
fn parse_exposition(text: &str) -> Vec<Sample> {
    let mut samples = Vec::new();
    let mut typed = BTreeMap::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').unwrap();
            assert!(
                ["counter", "gauge", "histogram"].contains(&kind),
                "bad type in {line:?}"
            );
            typed.insert(name.to_string(), kind.to_string());
            continue;
        }
        if line.starts_with("# HELP ") {
            continue;
        }
        assert!(
            !line.is_empty() && !line.starts_with('#'),
            "stray line {line:?}"
        );
        let (series, value) = line.rsplit_once(' ').unwrap();
        let value: f64 = value
            .parse()
            .unwrap_or_else(|_| panic!("value in {line:?}"));
        let (name, labels) = match series.split_once('{') {
            Some((name, rest)) => {
                let body = rest.strip_suffix('}').unwrap_or_else(|| panic!("{line:?}"));
                let mut labels = BTreeMap::new();
                // Label values here never hold commas or escaped quotes.
                for pair in body.split(',') {
                    let (k, v) = pair.split_once('=').unwrap();
                    let v = v.strip_prefix('"').and_then(|v| v.strip_suffix('"'));
                    labels.insert(
                        k.to_string(),
                        v.unwrap_or_else(|| panic!("{line:?}")).to_string(),
                    );
                }
                (name.to_string(), labels)
            }
            None => (series.to_string(), BTreeMap::new()),
        };
        assert!(
            name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'),
            "name in {line:?}"
        );
        let family = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|s| {
                name.strip_suffix(s)
                    .filter(|f| typed.get(*f).is_some_and(|k| k == "histogram"))
            })
            .unwrap_or(&name);
        assert!(typed.contains_key(family), "{name} has no TYPE line");
        samples.push((name, labels, value));
    }
    samples
}

/// The value of the sample `name` whose labels include `labels`.
fn value(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    samples
        .iter()
        .find(|(n, l, _)| {
            n == name
                && labels
                    .iter()
                    .all(|(k, v)| l.get(*k).is_some_and(|x| x == v))
        })
        .map(|(_, _, v)| *v)
}

async fn scrape(app: &App) -> Vec<Sample> {
    let r = app.get("/metrics", &Auth::None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.content_type().starts_with("text/plain; version=0.0.4"));
    parse_exposition(r.body.as_str().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_parse_and_count_requests_by_route_template() {
    let app = App::start(|_| {}).await;
    let admin = app.admin().await;
    app.get("/healthz", &Auth::None).await;
    app.get("/healthz", &Auth::None).await;
    assert_eq!(
        app.get("/api/v1/me", &Auth::None).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.get("/api/v1/analyses/12345", &admin).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/no/such/path", &Auth::None).await.status,
        StatusCode::NOT_FOUND
    );
    let r = app.upload(&admin, "", vec![7u8; 5000]).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);

    let s = scrape(&app).await;
    let requests = |route: &str, method: &str, status: &str| {
        value(
            &s,
            "netvet_http_requests_total",
            &[("route", route), ("method", method), ("status", status)],
        )
    };
    assert_eq!(requests("/healthz", "GET", "200"), Some(2.0));
    assert_eq!(requests("/api/v1/me", "GET", "401"), Some(1.0));
    // The template, not the id the client sent; unmatched paths share one label.
    assert_eq!(requests("/api/v1/analyses/{id}", "GET", "404"), Some(1.0));
    assert_eq!(requests("unmatched", "GET", "404"), Some(1.0));
    assert_eq!(
        value(
            &s,
            "netvet_http_request_duration_seconds_count",
            &[("route", "/healthz"), ("method", "GET")]
        ),
        Some(2.0)
    );
    assert_eq!(
        value(
            &s,
            "netvet_http_request_duration_seconds_bucket",
            &[("route", "/healthz"), ("le", "+Inf")]
        ),
        Some(2.0)
    );
    assert_eq!(value(&s, "netvet_upload_bytes_total", &[]), Some(5000.0));
    assert_eq!(value(&s, "netvet_queue_depth", &[]), Some(1.0));
    assert_eq!(value(&s, "netvet_jobs", &[("state", "queued")]), Some(1.0));
    assert_eq!(
        value(&s, "netvet_analyses", &[("status", "queued")]),
        Some(1.0)
    );
    assert_eq!(
        value(
            &s,
            "netvet_build_info",
            &[("version", env!("CARGO_PKG_VERSION"))]
        ),
        Some(1.0)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_ids_are_echoed_and_quoted_in_problems() {
    let app = App::start(|_| {}).await;
    let send = |id: Option<&'static str>| {
        let router = app.router.clone();
        async move {
            use http_body_util::BodyExt;
            use tower::ServiceExt;
            let mut req = axum::http::Request::builder().uri("/api/v1/me");
            if let Some(id) = id {
                req = req.header("x-request-id", id);
            }
            let resp = router
                .oneshot(req.body(Body::empty()).unwrap())
                .await
                .unwrap();
            let id = resp.headers()["x-request-id"].to_str().unwrap().to_string();
            let body = resp.into_body().collect().await.unwrap().to_bytes();
            (
                id,
                serde_json::from_slice::<serde_json::Value>(&body).unwrap(),
            )
        }
    };
    let (id, problem) = send(Some("client-42.a_b")).await;
    assert_eq!(id, "client-42.a_b");
    assert_eq!(problem["request_id"], "client-42.a_b");
    assert_eq!(problem["status"], 401);
    // An id that could forge log lines is replaced by a fresh one.
    let (id, problem) = send(Some("x\"} {\"level\":\"ERROR")).await;
    assert_eq!(id.len(), 32);
    assert!(id.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(problem["request_id"], id.as_str());
    let (a, _) = send(None).await;
    let (b, _) = send(None).await;
    assert_ne!(a, b);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_logins_back_off_with_retry_after() {
    let app = App::start(|_| {}).await;
    let login = |password: &'static str| {
        app.json(
            Method::POST,
            "/api/v1/login",
            &Auth::None,
            Some(json!({"name": "admin", "password": password})),
        )
    };
    // Five free failures and a sixth that starts the back-off: all plainly refused.
    for _ in 0..6 {
        assert_eq!(login("wrong").await.status, StatusCode::UNAUTHORIZED);
    }
    // Now even the right password waits, with a problem document saying how long.
    let r = login("wrong").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.content_type(), "application/problem+json");
    assert_eq!(r.headers[header::RETRY_AFTER], "1");
    let right = app.admin_password.clone();
    let r = app
        .json(
            Method::POST,
            "/api/v1/login",
            &Auth::None,
            Some(json!({"name": "admin", "password": right})),
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    // After the wait the right password works, and clears the count.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    app.login("admin", &app.admin_password).await;
    assert_eq!(login("wrong").await.status, StatusCode::UNAUTHORIZED);
    let s = scrape(&app).await;
    assert_eq!(
        value(&s, "netvet_login_failures_total", &[("reason", "password")]),
        Some(7.0)
    );
    assert_eq!(
        value(
            &s,
            "netvet_login_failures_total",
            &[("reason", "rate_limited")]
        ),
        Some(2.0)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn housekeeping_prunes_expired_sessions_and_tokens() {
    let app = App::start(|c| c.housekeeping_every = Duration::from_millis(100)).await;
    let actor = app
        .state
        .store
        .login("admin", &app.admin_password)
        .await
        .unwrap();
    let live = app.state.store.create_session(&actor, 3600).await.unwrap();
    for _ in 0..3 {
        app.state.store.create_session(&actor, 0).await.unwrap();
    }
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let task = netvet_server::start_housekeeping(&app.state, stopped);
    let mut pruned = None;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let s = scrape(&app).await;
        pruned = value(&s, "netvet_pruned_total", &[("kind", "session")]);
        if pruned == Some(3.0) {
            break;
        }
    }
    assert_eq!(pruned, Some(3.0));
    assert!(app.state.store.session(&live.secret).await.is_ok());
    stop.send(true).unwrap();
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .unwrap()
        .unwrap();
}
