//! The API end to end on SQLite: bootstrap, login and CSRF, tokens, tenancy, uploads that
//! run through the workers, and the problem documents of bad requests.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use axum::body::Body;
use axum::http::{Method, StatusCode, header};
use common::{App, Auth, PASSWORD, acme_record, many_files, sample_image};
use serde_json::json;
use sha2::{Digest, Sha256};

fn assert_problem(r: &common::Reply, status: StatusCode) {
    assert_eq!(r.status, status, "{}", r.body);
    assert_eq!(r.content_type(), "application/problem+json");
    assert_eq!(r.body["status"], json!(status.as_u16()));
    assert_eq!(r.body["type"], json!("about:blank"));
    assert!(r.body["detail"].as_str().is_some_and(|d| !d.is_empty()));
}

#[tokio::test]
async fn login_sets_a_strict_cookie_and_writes_need_csrf() {
    let app = App::start(|_| {}).await;
    // A wrong password is a 401 problem.
    let bad = app
        .json(
            Method::POST,
            "/api/v1/login",
            &Auth::None,
            Some(json!({"name": "admin", "password": "wrong"})),
        )
        .await;
    assert_problem(&bad, StatusCode::UNAUTHORIZED);

    let r = app
        .json(
            Method::POST,
            "/api/v1/login",
            &Auth::None,
            Some(json!({"name": "admin", "password": app.admin_password})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let set = r.headers[header::SET_COOKIE].to_str().unwrap();
    assert!(set.starts_with("netvet_session="));
    assert!(set.contains("; HttpOnly") && set.contains("; SameSite=Strict"));
    assert!(!set.contains("Secure"), "loopback plain HTTP: no Secure");
    assert_eq!(r.body["role"], json!("admin"));
    let cookie = set.split(';').next().unwrap().to_string();
    let csrf = r.body["csrf_token"].as_str().unwrap().to_string();

    let no_csrf = Auth::Session {
        cookie: cookie.clone(),
        csrf: None,
    };
    let wrong_csrf = Auth::Session {
        cookie: cookie.clone(),
        csrf: Some("0".repeat(64)),
    };
    let with_csrf = Auth::Session {
        cookie: cookie.clone(),
        csrf: Some(csrf),
    };
    // Reads need no CSRF token; writes do.
    assert_eq!(app.get("/api/v1/me", &no_csrf).await.status, StatusCode::OK);
    let body = json!({"name": "Operator A", "kind": "operator"});
    for auth in [&no_csrf, &wrong_csrf] {
        let r = app
            .json(
                Method::POST,
                "/api/v1/organisations",
                auth,
                Some(body.clone()),
            )
            .await;
        assert_problem(&r, StatusCode::FORBIDDEN);
    }
    let r = app
        .json(
            Method::POST,
            "/api/v1/organisations",
            &with_csrf,
            Some(body),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);

    // Logout ends the session and clears the cookie.
    let out = app
        .json(Method::POST, "/api/v1/logout", &with_csrf, None)
        .await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    assert!(
        out.headers[header::SET_COOKIE]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    assert_problem(
        &app.get("/api/v1/me", &no_csrf).await,
        StatusCode::UNAUTHORIZED,
    );
    assert_problem(
        &app.get("/api/v1/me", &Auth::None).await,
        StatusCode::UNAUTHORIZED,
    );
}

#[tokio::test]
async fn cookies_are_secure_off_loopback() {
    assert!(!netvet_server::secure_cookies_for(
        &"127.0.0.1:8080".parse().unwrap()
    ));
    assert!(!netvet_server::secure_cookies_for(
        &"[::1]:8080".parse().unwrap()
    ));
    assert!(netvet_server::secure_cookies_for(
        &"0.0.0.0:8080".parse().unwrap()
    ));
    let app = App::start(|c| c.secure_cookies = true).await;
    let r = app
        .json(
            Method::POST,
            "/api/v1/login",
            &Auth::None,
            Some(json!({"name": "admin", "password": app.admin_password})),
        )
        .await;
    assert!(
        r.headers[header::SET_COOKIE]
            .to_str()
            .unwrap()
            .ends_with("; Secure")
    );
}

#[tokio::test]
async fn token_lifecycle_scopes_and_revocation() {
    let app = App::start(|_| {}).await;
    let read = Auth::Token(
        app.token("admin", &app.admin_password.clone(), &["read"])
            .await,
    );
    let admin = app.admin().await;
    assert_eq!(app.get("/api/v1/me", &read).await.status, StatusCode::OK);
    // A read-only token cannot change anything.
    let r = app
        .json(
            Method::POST,
            "/api/v1/organisations",
            &read,
            Some(json!({"name": "X", "kind": "lab"})),
        )
        .await;
    assert_problem(&r, StatusCode::FORBIDDEN);

    // Listed without secrets.
    let list = app.get("/api/v1/tokens", &admin).await;
    assert_eq!(list.status, StatusCode::OK);
    let tokens = list.body.as_array().unwrap();
    assert_eq!(tokens.len(), 2);
    assert!(tokens.iter().all(|t| t.get("secret").is_none()));
    let read_id = tokens
        .iter()
        .find(|t| t["scopes"] == json!(["read"]))
        .unwrap()["id"]
        .as_i64()
        .unwrap();

    // Revoked: the token no longer authenticates.
    let r = app
        .json(
            Method::DELETE,
            &format!("/api/v1/tokens/{read_id}"),
            &admin,
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body["revoked_at"].is_i64());
    assert_problem(
        &app.get("/api/v1/me", &read).await,
        StatusCode::UNAUTHORIZED,
    );

    // An expiry in the past, or an unknown scope, is refused.
    let past = app
        .json(
            Method::POST,
            "/api/v1/tokens",
            &admin,
            Some(json!({"name": "old", "scopes": ["read"], "expires_at": 1})),
        )
        .await;
    assert_problem(&past, StatusCode::UNPROCESSABLE_ENTITY);
    let odd = app
        .json(
            Method::POST,
            "/api/v1/tokens",
            &admin,
            Some(json!({"name": "odd", "scopes": ["root"]})),
        )
        .await;
    assert_problem(&odd, StatusCode::UNPROCESSABLE_ENTITY);
    // A token that is not one of ours.
    let fake = Auth::Token("nvt_".to_string() + &"ab".repeat(32));
    assert_problem(
        &app.get("/api/v1/me", &fake).await,
        StatusCode::UNAUTHORIZED,
    );
}

#[tokio::test]
async fn tenants_see_only_their_own_objects() {
    let app = App::start(|_| {}).await;
    let admin = app.admin().await;
    let a = app.org(&admin, "Operator A", "operator").await;
    let b = app.org(&admin, "Operator B", "operator").await;
    let v = app.org(&admin, "Acme", "vendor").await;
    let (op_a, _) = app.user(&admin, a, "alice", "operator").await;
    let (op_b, _) = app.user(&admin, b, "bob", "operator").await;
    let (vendor, _) = app.user(&admin, v, "vera", "vendor").await;

    let p = app
        .json(
            Method::POST,
            "/api/v1/products",
            &vendor,
            Some(json!({"record": acme_record("acme-gnb-9", None)})),
        )
        .await;
    assert_eq!(p.status, StatusCode::CREATED, "{}", p.body);
    assert_eq!(p.body["org_id"], json!(v));
    let pid = p.body["id"].as_i64().unwrap();

    let up = app
        .upload(&op_a, "?file_name=a.bin", b"image of A".to_vec())
        .await;
    assert_eq!(up.status, StatusCode::ACCEPTED, "{}", up.body);
    let aid = up.body["id"].as_i64().unwrap();
    assert_eq!(
        up.headers[header::LOCATION].to_str().unwrap(),
        format!("/api/v1/analyses/{aid}")
    );
    assert_eq!(
        up.body["sha256"],
        json!(hex::encode(Sha256::digest(b"image of A")))
    );

    // Operator B: A's analysis does not exist for it, in any form.
    for path in ["", "/report", "/findings", "/sbom"] {
        let r = app
            .get(&format!("/api/v1/analyses/{aid}{path}"), &op_b)
            .await;
        assert_problem(&r, StatusCode::NOT_FOUND);
    }
    let listed = app.get("/api/v1/analyses", &op_b).await;
    assert_eq!(listed.body["items"], json!([]));
    // Operator A sees it; it has no report yet.
    assert_eq!(
        app.get(&format!("/api/v1/analyses/{aid}"), &op_a)
            .await
            .status,
        StatusCode::OK
    );
    assert_problem(
        &app.get(&format!("/api/v1/analyses/{aid}/report"), &op_a)
            .await,
        StatusCode::CONFLICT,
    );

    // The vendor's product: invisible to operators, even to update or upload against.
    assert_problem(
        &app.get(&format!("/api/v1/products/{pid}"), &op_a).await,
        StatusCode::NOT_FOUND,
    );
    let put = app
        .json(
            Method::PUT,
            &format!("/api/v1/products/{pid}"),
            &op_a,
            Some(json!({"record": acme_record("acme-gnb-9", None)})),
        )
        .await;
    assert_problem(&put, StatusCode::NOT_FOUND);
    let up = app
        .upload(&op_b, &format!("?product_id={pid}"), b"x".to_vec())
        .await;
    assert_problem(&up, StatusCode::NOT_FOUND);
    assert_problem(
        &app.get(&format!("/api/v1/organisations/{a}"), &op_b).await,
        StatusCode::NOT_FOUND,
    );
    // The vendor sees its product and may update it, with the revision it read.
    let mine = app.get(&format!("/api/v1/products/{pid}"), &vendor).await;
    assert_eq!(mine.status, StatusCode::OK);
    let etag = mine.headers[header::ETAG].to_str().unwrap().to_string();
    let mut record = acme_record("acme-gnb-9", None);
    record["version"] = json!("4.3");
    let put = app
        .json(
            Method::PUT,
            &format!("/api/v1/products/{pid}"),
            &vendor,
            Some(json!({"revision": 1, "record": record})),
        )
        .await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.body);
    assert_eq!(put.body["revision"], json!(2));
    let stale = app
        .json(
            Method::PUT,
            &format!("/api/v1/products/{pid}"),
            &vendor,
            Some(json!({"revision": 1, "record": record})),
        )
        .await;
    assert_problem(&stale, StatusCode::CONFLICT);
    // The ETag changed with the record; the current one gives 304.
    let now = app.get(&format!("/api/v1/products/{pid}"), &vendor).await;
    let new_etag = now.headers[header::ETAG].to_str().unwrap().to_string();
    assert_ne!(etag, new_etag);
    let mut req = axum::http::Request::builder()
        .uri(format!("/api/v1/products/{pid}"))
        .header(header::IF_NONE_MATCH, &new_etag);
    if let Auth::Token(t) = &vendor {
        req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    let resp = tower::ServiceExt::oneshot(app.router.clone(), req.body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_MODIFIED);
}

#[tokio::test]
async fn upload_is_analysed_and_its_report_assessed() {
    let mut app = App::start(|_| {}).await;
    app.start_workers();
    let admin = app.admin().await;
    let v = app.org(&admin, "Acme", "vendor").await;
    let (vendor, _) = app.user(&admin, v, "vera", "vendor").await;

    let image = sample_image();
    let sha = hex::encode(Sha256::digest(&image));
    let p = app
        .json(
            Method::POST,
            "/api/v1/products",
            &vendor,
            Some(json!({"record": acme_record("acme-gnb-7", Some(&sha))})),
        )
        .await;
    assert_eq!(p.status, StatusCode::CREATED, "{}", p.body);
    let pid = p.body["id"].as_i64().unwrap();

    let up = app
        .upload(
            &vendor,
            &format!("?file_name=gnb.squashfs&product_id={pid}"),
            image.clone(),
        )
        .await;
    assert_eq!(up.status, StatusCode::ACCEPTED, "{}", up.body);
    assert_eq!(up.body["status"], json!("queued"));
    assert_eq!(up.body["size"], json!(image.len()));
    let id = up.body["id"].as_i64().unwrap();
    // Stored once, by digest.
    assert!(
        app.dir
            .path()
            .join("data/objects/sha256")
            .join(&sha[..2])
            .join(&sha)
            .is_file()
    );

    let done = app.wait_done(&vendor, id, Duration::from_secs(300)).await;
    assert_eq!(done["status"], json!("done"), "{done}");
    assert_eq!(done["has_report"], json!(true));
    assert!(done["progress"]["files"].as_u64().unwrap() >= 4, "{done}");
    assert!(done["progress"]["layers"].as_u64().unwrap() >= 1, "{done}");

    let report = app
        .get(&format!("/api/v1/analyses/{id}/report"), &vendor)
        .await;
    assert_eq!(report.status, StatusCode::OK);
    assert_eq!(report.body["schema"], json!("netvet.scan/1"));
    assert_eq!(report.body["image"]["sha256"], json!(sha));
    let findings = app
        .get(&format!("/api/v1/analyses/{id}/findings"), &vendor)
        .await;
    assert_eq!(findings.status, StatusCode::OK);
    let findings = findings.body.as_array().unwrap();
    assert_eq!(findings, report.body["findings"].as_array().unwrap());
    let checks: Vec<&str> = findings
        .iter()
        .map(|f| f["check"].as_str().unwrap())
        .collect();
    assert!(
        checks.contains(&"nv-account-empty-password")
            && checks.contains(&"nv-service-unauthenticated-shell"),
        "the passwordless root and the open telnet shell are found: {checks:?}"
    );
    let sbom = app
        .get(&format!("/api/v1/analyses/{id}/sbom"), &vendor)
        .await;
    assert_eq!(sbom.status, StatusCode::OK);
    assert_eq!(sbom.content_type(), "application/vnd.cyclonedx+json");
    assert_eq!(sbom.body["bomFormat"], json!("CycloneDX"));

    // The next release drops the telnet shell: the diff of the two stored analyses says so.
    let mut t = netvet_forge::FsTree::new();
    t.file("/etc/passwd", 0o644, "root:x:0:0:root:/root:/bin/sh\n");
    t.file("/etc/shadow", 0o600, "root:!:19000:0:99999:7:::\n");
    t.file("/etc/inittab", 0o644, "::sysinit:/etc/init.d/rcS\n");
    let fixed = netvet_forge::squashfs::write(&t, netvet_forge::squashfs::Options::default());
    let up2 = app
        .upload(&vendor, "?file_name=gnb-2.squashfs", fixed)
        .await;
    assert_eq!(up2.status, StatusCode::ACCEPTED, "{}", up2.body);
    let id2 = up2.body["id"].as_i64().unwrap();
    app.wait_done(&vendor, id2, Duration::from_secs(300)).await;
    let diff = app
        .get(&format!("/api/v1/analyses/{id}/diff/{id2}"), &vendor)
        .await;
    assert_eq!(diff.status, StatusCode::OK, "{}", diff.body);
    assert_eq!(diff.body["schema"], json!("netvet.diff/1"));
    assert_eq!(diff.body["files_compared"], json!(false));
    assert_eq!(
        diff.body["listeners"]["removed"][0]["port"]["number"],
        json!(2323)
    );
    let resolved: Vec<&str> = diff.body["findings"]["resolved"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["check"].as_str().unwrap())
        .collect();
    assert!(
        resolved.contains(&"nv-service-unauthenticated-shell"),
        "{resolved:?}"
    );
    assert!(diff.body["findings"]["new"].as_array().unwrap().is_empty());

    // The assessment reads the stored report as the product's evidence.
    let cats = app.get("/api/v1/catalogues", &vendor).await;
    assert_eq!(cats.status, StatusCode::OK);
    let cat = cats.body[0]["id"].as_str().unwrap().to_string();
    let a = app
        .get(
            &format!("/api/v1/products/{pid}/assessment?catalogue={cat}&as_of=2026-06-01"),
            &vendor,
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(a.body["catalogue"]["id"], json!(cat));
    assert_eq!(a.body["as_of"], json!("2026-06-01"));
    let assessments = a.body["assessments"].as_array().unwrap();
    assert!(!assessments.is_empty());
    // `netvet.assessment/2`: products, results and verdicts are tables the rows refer to.
    assert_eq!(a.body["schema"], json!("netvet.assessment/2"));
    assert!(
        assessments
            .iter()
            .all(|x| x["product"] == json!("acme-gnb-7"))
    );
    // The stored report is the product's evidence: findings of this scan ground results.
    let cited = format!("scan:{sha}:finding:");
    let results = a.body["results"].as_array().unwrap();
    let grounded = assessments.iter().any(|x| {
        x["requirements"].as_array().unwrap().iter().any(|i| {
            let r = &results[i.as_u64().unwrap() as usize];
            r["status"] == json!("fail") && r.to_string().contains(&cited)
        })
    });
    assert!(grounded, "no failed requirement cites the scan: {}", a.body);
    // A catalogue that is not built in is not looked for on disk.
    let r = app
        .get(
            &format!("/api/v1/products/{pid}/assessment?catalogue=/etc"),
            &vendor,
        )
        .await;
    assert_problem(&r, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_unpacking_limit_makes_the_analysis_partial() {
    let mut app = App::start(|c| c.unpack.limits.max_entries = 5).await;
    app.start_workers();
    let admin = app.admin().await;
    let up = app
        .upload(&admin, "?file_name=many.tar", many_files(40))
        .await;
    assert_eq!(up.status, StatusCode::ACCEPTED, "{}", up.body);
    let id = up.body["id"].as_i64().unwrap();
    let done = app.wait_done(&admin, id, Duration::from_secs(300)).await;
    assert_eq!(done["status"], json!("partial"), "{done}");
    assert!(
        done["warning"]
            .as_str()
            .unwrap()
            .starts_with("an unpacking limit stopped part of the analysis"),
        "{done}"
    );
    assert_eq!(done["has_report"], json!(true));
}

#[tokio::test]
async fn oversize_uploads_are_413_and_store_nothing() {
    let app = App::start(|c| c.max_upload = 1024).await;
    let admin = app.admin().await;
    // Declared too large.
    let r = app.upload(&admin, "", vec![7u8; 4096]).await;
    assert_problem(&r, StatusCode::PAYLOAD_TOO_LARGE);
    // Streamed without a length: stopped when it passes the limit.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = (0..8).map(|_| Ok(vec![1u8; 512])).collect();
    let body = Body::from_stream(futures_util::stream::iter(chunks));
    let r = app
        .send(
            Method::POST,
            "/api/v1/analyses",
            &admin,
            Some("application/octet-stream"),
            body,
        )
        .await;
    assert_problem(&r, StatusCode::PAYLOAD_TOO_LARGE);
    // Nothing stored: no object, no staging file, no analysis.
    let data = app.dir.path().join("data");
    let files = |d: &str| {
        std::fs::read_dir(data.join(d))
            .map(|r| r.flatten().filter(|e| e.path().is_file()).count())
            .unwrap_or(0)
    };
    for d in ["objects/sha256", "objects/incoming"] {
        let nested: usize = std::fs::read_dir(data.join(d))
            .map(|r| {
                r.flatten()
                    .map(|e| {
                        files(&format!("{d}/{}", e.file_name().to_string_lossy()))
                            + usize::from(e.path().is_file())
                    })
                    .sum()
            })
            .unwrap_or(0);
        assert_eq!(nested, 0, "{d} holds files after a refused upload");
    }
    let list = app.get("/api/v1/analyses", &admin).await;
    assert_eq!(list.body["items"], json!([]));
    // Exactly the limit is fine.
    let r = app.upload(&admin, "", vec![7u8; 1024]).await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    // Not an octet stream: 415.
    let r = app
        .send(
            Method::POST,
            "/api/v1/analyses",
            &admin,
            Some("text/plain"),
            Body::from("x"),
        )
        .await;
    assert_problem(&r, StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

#[tokio::test]
async fn bad_requests_are_problem_documents() {
    let app = App::start(|_| {}).await;
    let admin = app.admin().await;
    let cases: Vec<(Method, &str, Option<&str>, &str, StatusCode)> = vec![
        (
            Method::POST,
            "/api/v1/organisations",
            Some("application/json"),
            "{\"name\": ",
            StatusCode::BAD_REQUEST,
        ),
        (
            Method::POST,
            "/api/v1/organisations",
            Some("text/plain"),
            "{}",
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (
            Method::POST,
            "/api/v1/organisations",
            Some("application/json"),
            "{\"name\":\"x\",\"kind\":\"army\"}",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            Method::POST,
            "/api/v1/organisations",
            Some("application/json"),
            "{\"name\":\"x\",\"kind\":\"lab\",\"admin\":true}",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            Method::POST,
            "/api/v1/products",
            Some("application/json"),
            "{\"org_id\":1,\"record\":{\"id\":\"x\"}}",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            Method::GET,
            "/api/v1/analyses?limit=1000000",
            None,
            "",
            StatusCode::BAD_REQUEST,
        ),
        (
            Method::GET,
            "/api/v1/analyses?limit=0",
            None,
            "",
            StatusCode::BAD_REQUEST,
        ),
        (
            Method::GET,
            "/api/v1/analyses?limit=-1",
            None,
            "",
            StatusCode::BAD_REQUEST,
        ),
        (
            Method::GET,
            "/api/v1/analyses?sort=name",
            None,
            "",
            StatusCode::BAD_REQUEST,
        ),
        (
            Method::GET,
            "/api/v1/analyses?status=done%27%20OR%201=1",
            None,
            "",
            StatusCode::BAD_REQUEST,
        ),
        (
            Method::GET,
            "/api/v1/products?order_by=id",
            None,
            "",
            StatusCode::BAD_REQUEST,
        ),
        (
            Method::GET,
            "/api/v1/products/abc",
            None,
            "",
            StatusCode::BAD_REQUEST,
        ),
        (
            Method::GET,
            "/api/v1/products/999",
            None,
            "",
            StatusCode::NOT_FOUND,
        ),
        (
            Method::GET,
            "/api/v1/nothing",
            None,
            "",
            StatusCode::NOT_FOUND,
        ),
        (
            Method::DELETE,
            "/api/v1/products",
            None,
            "",
            StatusCode::METHOD_NOT_ALLOWED,
        ),
    ];
    for (method, uri, ct, body, status) in cases {
        let r = app
            .send(
                method.clone(),
                uri,
                &admin,
                ct,
                Body::from(body.to_string()),
            )
            .await;
        assert_eq!(r.status, status, "{method} {uri} {body}: {}", r.body);
        assert_eq!(
            r.content_type(),
            "application/problem+json",
            "{method} {uri}"
        );
        assert_eq!(r.body["status"], json!(status.as_u16()));
    }
    // A JSON body past the limit.
    let big = format!("{{\"name\":\"{}\",\"kind\":\"lab\"}}", "x".repeat(2 << 20));
    let r = app
        .send(
            Method::POST,
            "/api/v1/organisations",
            &admin,
            Some("application/json"),
            Body::from(big),
        )
        .await;
    assert_problem(&r, StatusCode::PAYLOAD_TOO_LARGE);
    // Pagination within bounds works, and says where the next page starts.
    for i in 0..3 {
        app.org(&admin, &format!("Lab {i}"), "lab").await;
    }
    let r = app.get("/api/v1/organisations?limit=2", &admin).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["items"].as_array().unwrap().len(), 2);
    assert_eq!(r.body["next_offset"], json!(2));
    let r = app
        .get("/api/v1/organisations?limit=2&offset=2", &admin)
        .await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 2);
    let r = app
        .get("/api/v1/organisations?limit=2&offset=4", &admin)
        .await;
    assert_eq!(r.body["items"], json!([]));
    assert!(r.body.get("next_offset").is_none());
    // Probes.
    assert_eq!(
        app.get("/healthz", &Auth::None).await.status,
        StatusCode::OK
    );
    assert_eq!(app.get("/readyz", &Auth::None).await.status, StatusCode::OK);
    // Passwords are checked for length; users for role and organisation.
    let r = app
        .json(
            Method::POST,
            "/api/v1/users",
            &admin,
            Some(json!({"org_id": 1, "name": "short", "role": "analyst", "password": "short"})),
        )
        .await;
    assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY);
    let _ = PASSWORD;
}

#[tokio::test]
async fn openapi_document_matches_the_committed_one() {
    let doc = netvet_server::openapi();
    let text = serde_json::to_string_pretty(&doc).unwrap() + "\n";
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/openapi.json");
    if std::env::var("NETVET_BLESS").as_deref() == Ok("1") {
        std::fs::write(path, &text).unwrap();
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == text,
        "docs/openapi.json differs from the code's document; regenerate with NETVET_BLESS=1 cargo test -p netvet-server --test api openapi"
    );
    assert_eq!(doc_version(&text), "3.1.0");
    // The served document is the same.
    let app = App::start(|_| {}).await;
    let served = app.get("/api/v1/openapi.json", &Auth::None).await;
    assert_eq!(served.status, StatusCode::OK);
    assert_eq!(
        served.body,
        serde_json::from_str::<serde_json::Value>(&text).unwrap()
    );
}

fn doc_version(text: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(text).unwrap();
    v["openapi"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn a_corrupt_stored_image_fails_the_analysis_with_the_reason() {
    let mut app = App::start(|_| {}).await;
    let admin = app.admin().await;
    let image = b"an image whose stored bytes will change".to_vec();
    let sha = hex::encode(Sha256::digest(&image));
    let up = app.upload(&admin, "", image).await;
    assert_eq!(up.status, StatusCode::ACCEPTED);
    let id = up.body["id"].as_i64().unwrap();
    // The object is altered on disk before a worker reads it.
    let object = app
        .dir
        .path()
        .join("data/objects/sha256")
        .join(&sha[..2])
        .join(&sha);
    std::fs::write(&object, b"other bytes").unwrap();
    app.start_workers();
    let done = app.wait_done(&admin, id, Duration::from_secs(300)).await;
    assert_eq!(done["status"], json!("failed"), "{done}");
    assert_eq!(
        done["error"],
        json!(format!(
            "stored artifact sha256:{sha} is corrupt: its bytes have another SHA-256"
        ))
    );
    assert_eq!(done["has_report"], json!(false));
    assert_problem(
        &app.get(&format!("/api/v1/analyses/{id}/report"), &admin)
            .await,
        StatusCode::CONFLICT,
    );
}

#[tokio::test]
async fn assessments_are_kept_with_their_digests() {
    let app = App::start(|_| {}).await;
    let admin = app.admin().await;
    let v = app.org(&admin, "Acme", "vendor").await;
    let o = app.org(&admin, "Operator O", "operator").await;
    let (vendor, _) = app.user(&admin, v, "vera", "vendor").await;
    let (operator, _) = app.user(&admin, o, "otto", "operator").await;
    let p = app
        .json(
            Method::POST,
            "/api/v1/products",
            &vendor,
            Some(json!({"record": acme_record("acme-gnb-kept", None)})),
        )
        .await;
    assert_eq!(p.status, StatusCode::CREATED, "{}", p.body);
    let pid = p.body["id"].as_i64().unwrap();
    let url = format!("/api/v1/products/{pid}/assessment?catalogue=de-2024&as_of=2026-06-01");
    let location = |r: &common::Reply| {
        r.headers
            .get(header::CONTENT_LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap()
            .to_string()
    };
    // The vendor's assessment is kept; asking again reads the same one.
    let first = app.get(&url, &vendor).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let kept = location(&first);
    assert!(kept.starts_with("/api/v1/assessments/"), "{kept}");
    let again = app.get(&url, &vendor).await;
    assert_eq!((location(&again), &again.body), (kept.clone(), &first.body));
    let detail = app.get(&kept, &vendor).await;
    assert_eq!(detail.status, StatusCode::OK, "{}", detail.body);
    assert_eq!(detail.body["report"], first.body);
    let a = &detail.body["assessment"];
    assert_eq!(a["product_id"], json!(pid));
    assert_eq!(a["product_revision"], json!(1));
    assert_eq!(a["catalogue"], json!("de-2024"));
    assert_eq!(a["as_of"], json!("2026-06-01"));
    for digest in ["catalogue_digest", "input_digest"] {
        let d = a[digest].as_str().unwrap();
        assert!(
            d.len() == 64 && d.bytes().all(|b| b.is_ascii_hexdigit()),
            "{digest}: {d}"
        );
    }
    let roles = a["roles"].as_array().unwrap();
    assert_eq!(
        roles.len(),
        first.body["assessments"].as_array().unwrap().len()
    );
    let count = |d: &str| roles.iter().filter(|r| r["decision"] == json!(d)).count() as i64;
    assert_eq!(a["prohibit"], json!(count("prohibit")));
    assert_eq!(a["allow"], json!(count("allow")));
    // The regulator computes from its own view of the analyses: a separate record, under the
    // same catalogue digest, that the vendor cannot read; operators read neither.
    let by_admin = app.get(&url, &admin).await;
    assert_eq!(by_admin.status, StatusCode::OK, "{}", by_admin.body);
    let admins = location(&by_admin);
    assert_ne!(admins, kept);
    assert_eq!(
        app.get(&admins, &admin).await.body["assessment"]["catalogue_digest"],
        a["catalogue_digest"]
    );
    assert_problem(&app.get(&admins, &vendor).await, StatusCode::NOT_FOUND);
    assert_problem(&app.get(&kept, &operator).await, StatusCode::NOT_FOUND);
    let ids = |r: common::Reply| -> Vec<String> {
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| format!("/api/v1/assessments/{}", i["id"]))
            .collect()
    };
    assert_eq!(
        ids(app.get("/api/v1/assessments", &admin).await),
        vec![admins.clone(), kept.clone()]
    );
    assert_eq!(
        ids(app.get("/api/v1/assessments", &vendor).await),
        vec![kept.clone()]
    );
    assert!(ids(app.get("/api/v1/assessments", &operator).await).is_empty());
    // Filters: product, catalogue, decision (of any role); bad values are 400.
    let decision = roles[0]["decision"].as_str().unwrap();
    assert_eq!(
        ids(app
            .get(
                &format!(
                    "/api/v1/assessments?product_id={pid}&catalogue=de-2024&decision={decision}"
                ),
                &vendor
            )
            .await),
        vec![kept.clone()]
    );
    assert!(
        ids(app
            .get("/api/v1/assessments?catalogue=uk-2022", &admin)
            .await)
        .is_empty()
    );
    for bad in [
        "decision=maybe",
        "decision=prohibit'%20OR%201=1",
        "product_id=abc",
        "limit=0",
        "sort=id",
    ] {
        assert_problem(
            &app.get(&format!("/api/v1/assessments?{bad}"), &admin).await,
            StatusCode::BAD_REQUEST,
        );
    }
    // A new revision of the record is assessed and kept anew; the earlier one stays.
    let mut record = acme_record("acme-gnb-kept", None);
    record["version"] = json!("4.3");
    let r = app
        .json(
            Method::PUT,
            &format!("/api/v1/products/{pid}"),
            &vendor,
            Some(json!({"record": record})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let second = app.get(&url, &vendor).await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.body);
    let newer = location(&second);
    assert_ne!(newer, kept);
    let d = app.get(&newer, &vendor).await;
    assert_eq!(d.body["assessment"]["product_revision"], json!(2));
    assert_ne!(d.body["assessment"]["input_digest"], a["input_digest"]);
    assert_eq!(
        ids(app.get("/api/v1/assessments", &vendor).await),
        vec![newer, kept]
    );
}
