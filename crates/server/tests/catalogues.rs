//! Catalogue overlays and impact end to end on SQLite: overlays validated and tested as
//! `netvet catalogue check` and `test` do, stored once by digest, usable wherever a catalogue
//! is named; the impact of a change over the stored products and an operator's inventory.
#![allow(clippy::unwrap_used)]

mod common;

use axum::http::{Method, StatusCode, header};
use common::{App, Auth, acme_record, inventory_csv, overlay_files, upload_inventory};
use serde_json::{Value, json};

fn assert_problem(r: &common::Reply, status: StatusCode, says: &str) {
    assert_eq!(r.status, status, "{}", r.body);
    assert_eq!(r.content_type(), "application/problem+json");
    let detail = r.body["detail"].as_str().unwrap();
    assert!(detail.contains(says), "{detail:?} does not say {says:?}");
}

async fn upload(app: &App, auth: &Auth, files: Value) -> common::Reply {
    app.json(
        Method::POST,
        "/api/v1/catalogues/overlays",
        auth,
        Some(json!({ "files": files })),
    )
    .await
}

#[tokio::test]
async fn overlays_are_checked_tested_and_stored_once() {
    let app = App::start(|_| {}).await;
    let admin = app.admin().await;
    let (analyst, _) = app.user(&admin, 1, "analyst", "analyst").await;
    let v = app.org(&admin, "Acme", "vendor").await;
    let (vendor, _) = app.user(&admin, v, "vendor", "vendor").await;

    let r = upload(&app, &admin, overlay_files("a")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let digest = r.body["digest"].as_str().unwrap().to_string();
    assert_eq!(digest.len(), 64);
    assert_eq!(r.body["catalogue_id"], json!("draft-a"));
    assert_eq!(r.body["extends"], json!("de-2024"));
    assert_eq!(
        r.headers[header::LOCATION].to_str().unwrap(),
        format!("/api/v1/catalogues/overlays/{digest}")
    );
    // The same files again: the stored overlay, once.
    let again = upload(&app, &analyst, overlay_files("a")).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    assert_eq!(again.body["digest"], json!(digest));
    let list = app.get("/api/v1/catalogues/overlays", &vendor).await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 1);
    let got = app
        .get(&format!("/api/v1/catalogues/overlays/{digest}"), &vendor)
        .await;
    assert_eq!(got.status, StatusCode::OK, "{}", got.body);
    assert_eq!(got.body["files"], overlay_files("a"));

    // Refused: another role, no catalogue.toml, extends no built-in (or a path), a path out
    // of the overlay, a bad requirement, a failing test, too large.
    let r = upload(&app, &vendor, overlay_files("b")).await;
    assert_problem(&r, StatusCode::FORBIDDEN, "upload catalogues");
    let mut files = overlay_files("b");
    files.as_object_mut().unwrap().remove("catalogue.toml");
    let r = upload(&app, &admin, files).await;
    assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "catalogue.toml");
    for extends in ["\"/etc\"", "\"../de-2024\"", "\"nowhere\""] {
        let mut files = overlay_files("b");
        let head = files["catalogue.toml"]
            .as_str()
            .unwrap()
            .replace("\"de-2024\"", extends);
        files["catalogue.toml"] = json!(head);
        let r = upload(&app, &admin, files).await;
        assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "extends a built-in");
    }
    let mut files = overlay_files("b");
    files["../escape.toml"] = json!("x = 1");
    let r = upload(&app, &admin, files).await;
    assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "../escape.toml");
    let mut files = overlay_files("b");
    files["requirements/X.toml"] = json!("id = \"X\"\ntitle = 3\n");
    let r = upload(&app, &admin, files).await;
    assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "requirements/X.toml");
    let mut files = overlay_files("b");
    files["tests/fail_test.rego"] =
        json!("package netvet.tests.fail\n\ntest_never_holds if {\n\tfalse\n}\n");
    let r = upload(&app, &admin, files).await;
    assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "test_never_holds");
    let mut files = overlay_files("b");
    files["big.toml"] = json!(format!("x = \"{}\"", "a".repeat(2 << 20)));
    let r = upload(&app, &admin, files).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.body);
    assert_eq!(
        app.get("/api/v1/catalogues/overlays", &admin).await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let r = app
        .get(
            &format!("/api/v1/catalogues/overlays/{}", "0".repeat(64)),
            &admin,
        )
        .await;
    assert_problem(&r, StatusCode::NOT_FOUND, "no such object");
}

#[tokio::test]
async fn impact_of_an_overlay_on_products_and_an_operator_network() {
    let app = App::start(|_| {}).await;
    let admin = app.admin().await;
    let v = app.org(&admin, "Acme", "vendor").await;
    let a = app.org(&admin, "Operator A", "operator").await;
    let b = app.org(&admin, "Operator B", "operator").await;
    let (vendor, _) = app.user(&admin, v, "vendor", "vendor").await;
    let (op_a, _) = app.user(&admin, a, "op_a", "operator").await;
    let (op_b, _) = app.user(&admin, b, "op_b", "operator").await;
    let p = app
        .json(
            Method::POST,
            "/api/v1/products",
            &vendor,
            Some(json!({"record": acme_record("acme-gnb-1", None)})),
        )
        .await;
    assert_eq!(p.status, StatusCode::CREATED, "{}", p.body);
    let product = p.body["id"].as_i64().unwrap();
    let digest = upload(&app, &admin, overlay_files("a")).await.body["digest"]
        .as_str()
        .unwrap()
        .to_string();
    let inv = upload_inventory(&app, &op_a, "", "text/csv", inventory_csv("Operator A")).await;
    let inv = inv.body["id"].as_i64().unwrap();

    // The vendor sees the impact on its product records.
    let uri = format!("/api/v1/impact?from=de-2024&to={digest}&as_of=2026-06-01");
    let r = app.get(&uri, &vendor).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["schema"], json!("netvet.impact/1"));
    assert_eq!(r.body["from"]["id"], json!("de-2024"));
    assert_eq!(r.body["to"]["id"], json!("draft-a"));
    assert_eq!(r.body["inventory"], Value::Null);
    let vendor_view = r.body.clone();
    // An operator without an inventory sees no product records: nothing changes.
    let r = app.get(&uri, &op_a).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["changes"], json!([]));
    assert_ne!(vendor_view["summary"], r.body["summary"]);
    // With its inventory: its own network's share.
    let r = app.get(&format!("{uri}&inventory={inv}"), &op_a).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let operators = r.body["inventory"]["operators"].as_array().unwrap();
    assert_eq!(operators.len(), 1);
    assert_eq!(operators[0]["operator"], json!("Operator A"));
    assert_eq!(operators[0]["elements"], json!(3));
    assert_eq!(r.body["changes"], vendor_view["changes"]);
    // Another operator cannot name it.
    let r = app.get(&format!("{uri}&inventory={inv}"), &op_b).await;
    assert_problem(&r, StatusCode::NOT_FOUND, "no such object");
    for (query, status) in [
        ("from=de-2024&to=nowhere", StatusCode::NOT_FOUND),
        ("from=/etc&to=de-2024", StatusCode::NOT_FOUND),
        ("from=de-2024", StatusCode::BAD_REQUEST),
        (
            "from=de-2024&to=de-2025&as_of=soon",
            StatusCode::BAD_REQUEST,
        ),
    ] {
        let r = app.get(&format!("/api/v1/impact?{query}"), &vendor).await;
        assert_eq!(r.status, status, "{query}: {}", r.body);
    }
    // An overlay is a catalogue like any other: assessments and network reports take it.
    let r = app
        .get(
            &format!("/api/v1/products/{product}/assessment?catalogue={digest}&as_of=2026-06-01"),
            &vendor,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.to_string().contains("draft-a"));
    let r = app
        .get(
            &format!("/api/v1/inventories/{inv}/report?catalogue=sha256:{digest}&as_of=2026-06-01"),
            &op_a,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["catalogue"]["id"], json!("draft-a"));
}
