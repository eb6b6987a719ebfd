//! A test instance of the service: a temporary data directory, SQLite (or a throwaway
//! PostgreSQL database), the router driven in process with `oneshot`.
#![allow(dead_code, clippy::unwrap_used)]

use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use netvet_server::{AppState, Config};
use serde_json::{Value, json};
use tokio::sync::watch;
use tower::ServiceExt;

/// How a request authenticates.
#[derive(Clone, Debug)]
pub enum Auth {
    None,
    Token(String),
    Session {
        cookie: String,
        csrf: Option<String>,
    },
}

/// A running test instance.
pub struct App {
    pub router: Router,
    pub state: AppState,
    pub admin_password: String,
    pub dir: tempfile::TempDir,
    stop: Option<watch::Sender<bool>>,
    /// The PostgreSQL cluster the store uses, if any (dropped last: stopped after the app).
    cluster: Option<netvet_store::testing::PgCluster>,
}

/// A response: status, headers and the body (JSON when it parses, else a string).
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Reply {
    pub fn content_type(&self) -> &str {
        self.headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }
}

impl App {
    /// A fresh instance on SQLite; `tune` adjusts the configuration.
    pub async fn start(tune: impl FnOnce(&mut Config)) -> App {
        App::start_with(None, tune).await
    }

    /// A fresh instance on a throwaway PostgreSQL cluster; `None` (reason printed) when
    /// PostgreSQL is not installed and not required.
    pub async fn start_on_postgres() -> Option<App> {
        let cluster = netvet_store::testing::PgCluster::start().unwrap()?;
        let url = cluster.fresh_database().await.unwrap();
        let mut app = App::start_with(Some(url), |_| {}).await;
        app.cluster = Some(cluster);
        Some(app)
    }

    async fn start_with(database: Option<String>, tune: impl FnOnce(&mut Config)) -> App {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config::new(dir.path().join("data"));
        config.secure_cookies = false;
        config.database = database;
        tune(&mut config);
        let (state, pw) = netvet_server::open(config).await.unwrap();
        App {
            router: netvet_server::router(state.clone()),
            state,
            admin_password: pw.unwrap(),
            dir,
            stop: None,
            cluster: None,
        }
    }

    /// An instance over a state the test opened itself (e.g. with `open_full`).
    pub fn from_state(state: AppState, admin_password: String, dir: tempfile::TempDir) -> App {
        App {
            router: netvet_server::router(state.clone()),
            state,
            admin_password,
            dir,
            stop: None,
            cluster: None,
        }
    }

    /// Stops the worker pool started by [`App::start_workers`].
    pub fn stop_workers(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(true);
        }
    }

    /// Starts the worker pool (analyses run from now on).
    pub fn start_workers(&mut self) {
        let (tx, rx) = watch::channel(false);
        netvet_server::start_workers(&self.state, rx);
        self.stop = Some(tx);
    }

    /// Sends a request.
    pub async fn send(
        &self,
        method: Method,
        uri: &str,
        auth: &Auth,
        content_type: Option<&str>,
        body: Body,
    ) -> Reply {
        let mut req = Request::builder().method(method).uri(uri);
        match auth {
            Auth::None => {}
            Auth::Token(t) => req = req.header(header::AUTHORIZATION, format!("Bearer {t}")),
            Auth::Session { cookie, csrf } => {
                req = req.header(header::COOKIE, cookie.as_str());
                if let Some(c) = csrf {
                    req = req.header("x-csrf-token", c.as_str());
                }
            }
        }
        if let Some(ct) = content_type {
            req = req.header(header::CONTENT_TYPE, ct);
        }
        let resp = self
            .router
            .clone()
            .oneshot(req.body(body).unwrap())
            .await
            .unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        let body = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
        Reply {
            status,
            headers,
            body,
        }
    }

    /// Sends JSON (or nothing).
    pub async fn json(&self, method: Method, uri: &str, auth: &Auth, body: Option<Value>) -> Reply {
        match body {
            Some(b) => {
                self.send(
                    method,
                    uri,
                    auth,
                    Some("application/json"),
                    Body::from(b.to_string()),
                )
                .await
            }
            None => self.send(method, uri, auth, None, Body::empty()).await,
        }
    }

    pub async fn get(&self, uri: &str, auth: &Auth) -> Reply {
        self.json(Method::GET, uri, auth, None).await
    }

    /// Uploads `bytes` as a firmware image.
    pub async fn upload(&self, auth: &Auth, query: &str, bytes: Vec<u8>) -> Reply {
        self.send(
            Method::POST,
            &format!("/api/v1/analyses{query}"),
            auth,
            Some("application/octet-stream"),
            Body::from(bytes),
        )
        .await
    }

    /// Logs in; returns the session's cookie and CSRF token.
    pub async fn login(&self, name: &str, password: &str) -> (String, String) {
        let r = self
            .json(
                Method::POST,
                "/api/v1/login",
                &Auth::None,
                Some(json!({"name": name, "password": password})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let set = r.headers[header::SET_COOKIE].to_str().unwrap();
        let cookie = set.split(';').next().unwrap().to_string();
        (cookie, r.body["csrf_token"].as_str().unwrap().to_string())
    }

    /// Logs in and creates an API token with `scopes`.
    pub async fn token(&self, name: &str, password: &str, scopes: &[&str]) -> String {
        let (cookie, csrf) = self.login(name, password).await;
        let r = self
            .json(
                Method::POST,
                "/api/v1/tokens",
                &Auth::Session {
                    cookie,
                    csrf: Some(csrf),
                },
                Some(json!({"name": "test", "scopes": scopes})),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        r.body["secret"].as_str().unwrap().to_string()
    }

    /// The admin's token (read and write).
    pub async fn admin(&self) -> Auth {
        Auth::Token(
            self.token("admin", &self.admin_password.clone(), &["read", "write"])
                .await,
        )
    }

    /// Creates an organisation; returns its id.
    pub async fn org(&self, admin: &Auth, name: &str, kind: &str) -> i64 {
        let r = self
            .json(
                Method::POST,
                "/api/v1/organisations",
                admin,
                Some(json!({"name": name, "kind": kind})),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        r.body["id"].as_i64().unwrap()
    }

    /// Creates a user and returns a token of theirs (read+write, or read for an auditor)
    /// and their user id.
    pub async fn user(&self, admin: &Auth, org: i64, name: &str, role: &str) -> (Auth, i64) {
        let r = self
            .json(
                Method::POST,
                "/api/v1/users",
                admin,
                Some(json!({"org_id": org, "name": name, "role": role, "password": PASSWORD})),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let scopes: &[&str] = if role == "auditor" {
            &["read"]
        } else {
            &["read", "write"]
        };
        (
            Auth::Token(self.token(name, PASSWORD, scopes).await),
            r.body["id"].as_i64().unwrap(),
        )
    }

    /// Polls an analysis until it leaves queued/running (at most `timeout`).
    pub async fn wait_done(&self, auth: &Auth, id: i64, timeout: Duration) -> Value {
        let start = std::time::Instant::now();
        loop {
            let r = self.get(&format!("/api/v1/analyses/{id}"), auth).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            let status = r.body["status"].as_str().unwrap().to_string();
            if status != "queued" && status != "running" {
                return r.body;
            }
            assert!(
                start.elapsed() < timeout,
                "analysis {id} still {status} after {timeout:?}: {}",
                r.body
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

impl Drop for App {
    fn drop(&mut self) {
        if let Some(stop) = &self.stop {
            let _ = stop.send(true);
        }
    }
}

pub const PASSWORD: &str = "a long test password";

/// The sample product record `examples/products/acme-gnb-4.2.toml` as JSON, with `id` and
/// the firmware digest changed.
pub fn acme_record(id: &str, firmware_sha256: Option<&str>) -> Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/products/acme-gnb-4.2.toml"
    ))
    .unwrap();
    let toml: toml::Value = toml::from_str(&text).unwrap();
    let mut v = serde_json::to_value(toml).unwrap();
    v["id"] = json!(id);
    if let Some(sha) = firmware_sha256 {
        v["firmware"][0]["sha256"] = json!(sha);
    }
    v
}

/// A small squashfs image with a passwordless root account and a telnet daemon started at
/// boot: enough for findings.
pub fn sample_image() -> Vec<u8> {
    let mut t = netvet_forge::FsTree::new();
    t.file("/etc/passwd", 0o644, "root::0:0:root:/root:/bin/sh\n");
    t.file("/etc/shadow", 0o600, "root::19000:0:99999:7:::\n");
    t.file(
        "/etc/inittab",
        0o644,
        "::sysinit:/etc/init.d/rcS\n::respawn:/usr/sbin/telnetd -l /bin/sh -p 2323\n",
    );
    t.file(
        "/usr/sbin/telnetd",
        0o755,
        "#!/bin/sh\nexec busybox telnetd \"$@\"\n",
    );
    netvet_forge::squashfs::write(&t, netvet_forge::squashfs::Options::default())
}

/// A tar of `n` small files.
pub fn many_files(n: usize) -> Vec<u8> {
    let mut t = netvet_forge::FsTree::new();
    for i in 0..n {
        t.file(&format!("/data/file-{i}.txt"), 0o644, format!("file {i}\n"));
    }
    netvet_forge::tar::write(&t)
}

/// A CSV inventory of `operator` with two gNBs of the sample Acme record (`acme_record`)
/// and one AMF of a product no record describes.
pub fn inventory_csv(operator: &str) -> String {
    let mut csv = String::from(
        "operator,element_id,site,region,domain,function,vendor,product,version,installation_date,replacement_cost\n",
    );
    for (id, function, domain, vendor, product, version) in [
        (
            "gnb-001",
            "gNB",
            "RAN",
            "Acme",
            "Acme AR-5000 gNB (fictional)",
            "4.2",
        ),
        (
            "gnb-002",
            "gNB",
            "RAN",
            "Acme",
            "Acme AR-5000 gNB (fictional)",
            "4.2",
        ),
        ("amf-001", "AMF", "core", "Nobody", "Nobody AMF", "1.0"),
    ] {
        csv.push_str(&format!(
            "{operator},{id},site-1,North,{domain},{function},{vendor},{product},{version},2022-03-01,40000\n"
        ));
    }
    csv
}

/// Uploads an inventory with `content_type`; `query` starts with `?` or is empty.
pub async fn upload_inventory(
    app: &App,
    auth: &Auth,
    query: &str,
    content_type: &str,
    body: impl Into<Body>,
) -> Reply {
    app.send(
        Method::POST,
        &format!("/api/v1/inventories{query}"),
        auth,
        Some(content_type),
        body.into(),
    )
    .await
}

/// A catalogue overlay extending de-2024 without its guarantee-declaration requirement, with
/// one passing Rego test; `tag` makes its id and digest its own.
pub fn overlay_files(tag: &str) -> Value {
    json!({
        "catalogue.toml": format!(r#"id = "draft-{tag}"
version = "2026-01-01"
title = "Draft {tag}: de-2024 without the guarantee declaration"
jurisdiction = "DE"
effective = 2026-01-01
binding = false
extends = "de-2024"
remove = ["DE.BSIG.9b.3"]
legal_basis = ["A draft for testing"]
"#),
        "tests/draft_test.rego": "package netvet.tests.draft\n\ntest_catalogue_is_loaded if {\n\tcount(data.netvet.catalogue.requirements) > 0\n}\n",
    })
}
