//! Operator inventories end to end on SQLite: uploads validated as `netvet network` reads
//! files (a bad row refuses the upload, nothing stored), tenancy, and the network report.
#![allow(clippy::unwrap_used)]

mod common;

use axum::http::{Method, StatusCode, header};
use common::{App, Auth, acme_record, inventory_csv, upload_inventory};
use serde_json::json;

fn assert_problem(r: &common::Reply, status: StatusCode) {
    assert_eq!(r.status, status, "{}", r.body);
    assert_eq!(r.content_type(), "application/problem+json");
    assert_eq!(r.body["status"], json!(status.as_u16()));
}

struct World {
    admin: Auth,
    op_a: Auth,
    op_b: Auth,
    vendor: Auth,
    org_a: i64,
}

async fn world(app: &App) -> World {
    let admin = app.admin().await;
    let org_a = app.org(&admin, "Operator A", "operator").await;
    let org_b = app.org(&admin, "Operator B", "operator").await;
    let v = app.org(&admin, "Acme", "vendor").await;
    let (op_a, _) = app.user(&admin, org_a, "op_a", "operator").await;
    let (op_b, _) = app.user(&admin, org_b, "op_b", "operator").await;
    let (vendor, _) = app.user(&admin, v, "vendor", "vendor").await;
    World {
        admin,
        op_a,
        op_b,
        vendor,
        org_a,
    }
}

async fn count(app: &App, auth: &Auth) -> usize {
    let r = app.get("/api/v1/inventories", auth).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body["items"].as_array().unwrap().len()
}

#[tokio::test]
async fn operator_inventory_gets_its_network_report() {
    let app = App::start(|_| {}).await;
    let w = world(&app).await;
    let p = app
        .json(
            Method::POST,
            "/api/v1/products",
            &w.vendor,
            Some(json!({"record": acme_record("acme-gnb-1", None)})),
        )
        .await;
    assert_eq!(p.status, StatusCode::CREATED, "{}", p.body);

    let up = upload_inventory(
        &app,
        &w.op_a,
        "?name=network-a.csv",
        "text/csv; charset=utf-8",
        inventory_csv("Operator A"),
    )
    .await;
    assert_eq!(up.status, StatusCode::CREATED, "{}", up.body);
    let id = up.body["id"].as_i64().unwrap();
    assert_eq!(up.body["org_id"], json!(w.org_a));
    assert_eq!(up.body["elements"], json!(3));
    assert_eq!(up.body["format"], json!("csv"));
    assert_eq!(up.body["name"], json!("network-a.csv"));
    assert_eq!(
        up.headers[header::LOCATION].to_str().unwrap(),
        format!("/api/v1/inventories/{id}")
    );

    // Its owner and the regulator see it; another operator and the vendor do not.
    let got = app.get(&format!("/api/v1/inventories/{id}"), &w.op_a).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.body, up.body);
    assert_eq!(count(&app, &w.op_a).await, 1);
    assert_eq!(count(&app, &w.admin).await, 1);
    assert_eq!(count(&app, &w.op_b).await, 0);
    assert_eq!(count(&app, &w.vendor).await, 0);
    for who in [&w.op_b, &w.vendor] {
        let r = app.get(&format!("/api/v1/inventories/{id}"), who).await;
        assert_problem(&r, StatusCode::NOT_FOUND);
        let r = app
            .get(
                &format!("/api/v1/inventories/{id}/report?catalogue=de-2024"),
                who,
            )
            .await;
        assert_problem(&r, StatusCode::NOT_FOUND);
    }

    // The report judges the stored record's gNBs and counts the AMF no record describes.
    let r = app
        .get(
            &format!("/api/v1/inventories/{id}/report?catalogue=de-2024&as_of=2026-06-01"),
            &w.op_a,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["schema"], json!("netvet.network/1"));
    assert_eq!(r.body["as_of"], json!("2026-06-01"));
    assert_eq!(r.body["near_days"], json!(365));
    assert_eq!(r.body["inventory"]["file"], json!("network-a.csv"));
    assert_eq!(r.body["inventory"]["accepted"], json!(3));
    assert_eq!(r.body["totals"]["elements"], json!(3));
    assert_eq!(r.body["totals"]["unassessed"], json!(1));
    let verdicts = r.body["verdicts"].as_array().unwrap();
    assert!(
        verdicts
            .iter()
            .any(|v| v.to_string().contains("acme-gnb-1")),
        "{verdicts:?}"
    );
    assert!(r.body.get("plan").is_some());
    // The admin reads the same report; without a plan when asked.
    let r2 = app
        .get(
            &format!(
                "/api/v1/inventories/{id}/report?catalogue=de-2024&as_of=2026-06-01&plan=false&near_days=30"
            ),
            &w.admin,
        )
        .await;
    assert_eq!(r2.status, StatusCode::OK, "{}", r2.body);
    assert!(r2.body.get("plan").is_none());
    assert_eq!(r2.body["near_days"], json!(30));
    assert_eq!(r2.body["verdicts"], r.body["verdicts"]);

    // Bad report queries.
    for (query, status) in [
        ("catalogue=nope", StatusCode::NOT_FOUND),
        ("catalogue=de-2024&as_of=yesterday", StatusCode::BAD_REQUEST),
        ("catalogue=de-2024&near_days=99999", StatusCode::BAD_REQUEST),
        ("catalogue=de-2024&sort=name", StatusCode::BAD_REQUEST),
        ("as_of=2026-06-01", StatusCode::BAD_REQUEST),
    ] {
        let r = app
            .get(&format!("/api/v1/inventories/{id}/report?{query}"), &w.op_a)
            .await;
        assert_problem(&r, status);
    }
}

#[tokio::test]
async fn json_inventories_and_uploads_for_an_operator() {
    let app = App::start(|_| {}).await;
    let w = world(&app).await;
    let row = |id: &str| {
        json!({
            "operator": "Operator A", "element_id": id, "site": "s", "region": "North",
            "domain": "core", "function": "AMF", "vendor": "Nobody", "product": "Nobody AMF",
            "version": "1", "installation_date": "2020-01-01"
        })
    };
    let array = json!([row("amf-1"), row("amf-2")]).to_string();
    let r = upload_inventory(&app, &w.op_a, "", "application/json", array).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body["format"], json!("json"));
    assert_eq!(r.body["name"], json!("inventory.json"));
    assert_eq!(r.body["elements"], json!(2));
    let lines = format!("{}\n{}\n", row("amf-3"), row("amf-4"));
    let r = upload_inventory(&app, &w.op_a, "", "application/x-ndjson", lines).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body["elements"], json!(2));
    // The admin uploads for operator A by naming it, and must name it.
    let r = upload_inventory(
        &app,
        &w.admin,
        &format!("?org_id={}", w.org_a),
        "text/csv",
        inventory_csv("Operator A"),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body["org_id"], json!(w.org_a));
    let r = upload_inventory(&app, &w.admin, "", "text/csv", inventory_csv("A")).await;
    assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY);
    // Operator B cannot upload into A's organisation; a vendor cannot upload at all.
    let r = upload_inventory(
        &app,
        &w.op_b,
        &format!("?org_id={}", w.org_a),
        "text/csv",
        inventory_csv("Operator A"),
    )
    .await;
    assert_problem(&r, StatusCode::NOT_FOUND);
    let r = upload_inventory(&app, &w.vendor, "", "text/csv", inventory_csv("V")).await;
    assert_problem(&r, StatusCode::FORBIDDEN);
    assert_eq!(count(&app, &w.op_a).await, 3);
    assert_eq!(count(&app, &w.op_b).await, 0);
}

#[tokio::test]
async fn bad_inventories_are_refused_and_nothing_is_stored() {
    let app = App::start(|_| {}).await;
    let w = world(&app).await;
    let mut bad_date = inventory_csv("Operator A");
    bad_date = bad_date.replacen("2022-03-01", "2022-13-45", 2);
    let r = upload_inventory(&app, &w.op_a, "?name=ops.csv", "text/csv", bad_date).await;
    assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY);
    let detail = r.body["detail"].as_str().unwrap();
    assert!(
        detail.starts_with("ops.csv:2: installation_date:"),
        "{detail}"
    );

    let wrong_domain = inventory_csv("Operator A").replacen(",RAN,gNB,", ",core,gNB,", 1);
    let r = upload_inventory(&app, &w.op_a, "?name=ops.csv", "text/csv", wrong_domain).await;
    assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body["detail"]
            .as_str()
            .unwrap()
            .starts_with("ops.csv:2: function:"),
        "{}",
        r.body
    );

    let no_vendor_column = "operator,element_id,site,region,domain,function\nA,x,s,r,RAN,gNB\n";
    let r = upload_inventory(&app, &w.op_a, "", "text/csv", no_vendor_column).await;
    assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body["detail"]
            .as_str()
            .unwrap()
            .contains("missing column"),
        "{}",
        r.body
    );

    let header_only = inventory_csv("Operator A")
        .lines()
        .next()
        .unwrap()
        .to_string()
        + "\n";
    let r = upload_inventory(&app, &w.op_a, "", "text/csv", header_only).await;
    assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY);

    let r = upload_inventory(&app, &w.op_a, "", "application/json", "[{\"operator\": ").await;
    assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY);

    let mut not_utf8 = inventory_csv("Operator A").into_bytes();
    not_utf8.extend_from_slice(&[0xff, 0xfe, b'\n']);
    let r = upload_inventory(&app, &w.op_a, "", "text/csv", not_utf8).await;
    assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY);

    let r = upload_inventory(&app, &w.op_a, "", "application/yaml", "operator: A\n").await;
    assert_problem(&r, StatusCode::UNSUPPORTED_MEDIA_TYPE);

    let r = upload_inventory(&app, &w.op_a, "?colour=red", "text/csv", "x").await;
    assert_problem(&r, StatusCode::BAD_REQUEST);

    // One byte over the limit, sent without a declared length.
    let huge = vec![b'a'; netvet_store::MAX_INVENTORY_BYTES + 1];
    let r = upload_inventory(&app, &w.op_a, "", "text/csv", huge).await;
    assert_problem(&r, StatusCode::PAYLOAD_TOO_LARGE);

    assert_eq!(count(&app, &w.op_a).await, 0);
    assert_eq!(count(&app, &w.admin).await, 0);
}
