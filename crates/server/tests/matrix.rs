//! Every operation of the OpenAPI document, called as every role and as users of other
//! tenants (with the other tenant's object ids), against a table of the statuses the rules
//! give. An operation missing from the table fails the test, so a new endpoint cannot ship
//! without its rules written down.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;

use axum::body::Body;
use axum::http::{Method, StatusCode};
use common::{App, Auth, PASSWORD, acme_record, inventory_csv, overlay_files, upload_inventory};
use serde_json::{Value, json};

/// The callers: the regulator's four roles, the operator that owns the analysis, another
/// operator, the vendor that owns the product, and a lab.
const CALLERS: [&str; 8] = [
    "admin", "analyst", "decider", "auditor", "op_a", "op_b", "vendor", "lab",
];

/// What the rules say each caller gets from each operation, in `CALLERS` order. The objects
/// named in paths are operator A's (analysis, organisation, user, token, inventory) and the
/// vendor's product. Auditor tokens only read, so every write is 403 for the auditor.
fn expected() -> BTreeMap<&'static str, [u16; 8]> {
    BTreeMap::from([
        //                      admin analyst decider auditor op_a op_b vendor lab
        ("login", [401, 401, 401, 401, 401, 401, 401, 401]),
        ("logout", [204, 204, 204, 403, 204, 204, 204, 204]),
        ("me", [200; 8]),
        ("list_tokens", [200; 8]),
        ("create_token", [201, 201, 201, 403, 201, 201, 201, 201]),
        // Own tokens only; the admin may revoke anyone's.
        ("revoke_token", [200, 404, 404, 403, 200, 404, 404, 404]),
        ("list_organisations", [200; 8]),
        (
            "create_organisation",
            [201, 403, 403, 403, 403, 403, 403, 403],
        ),
        ("get_organisation", [200, 200, 200, 200, 200, 404, 404, 404]),
        ("list_users", [200; 8]),
        ("create_user", [201, 403, 403, 403, 403, 403, 403, 403]),
        ("get_user", [200, 200, 200, 200, 200, 404, 404, 404]),
        ("list_products", [200; 8]),
        ("create_product", [201, 201, 403, 403, 403, 403, 201, 403]),
        ("get_product", [200, 200, 200, 200, 404, 404, 200, 404]),
        ("update_product", [200, 200, 403, 403, 404, 404, 200, 404]),
        ("assess_product", [200, 200, 200, 200, 404, 404, 200, 404]),
        // Kept assessments: the regulator's roles read all; others those computed from their
        // own view (the one in the path is the vendor's).
        ("list_assessments", [200; 8]),
        ("get_assessment", [200, 200, 200, 200, 404, 404, 200, 404]),
        ("list_catalogues", [200; 8]),
        ("list_analyses", [200; 8]),
        ("upload", [202, 202, 403, 403, 202, 202, 202, 202]),
        ("get_analysis", [200, 200, 200, 200, 200, 404, 404, 404]),
        // The analysis has no report yet: 409 for those who may see it.
        ("get_report", [409, 409, 409, 409, 409, 404, 404, 404]),
        ("get_findings", [409, 409, 409, 409, 409, 404, 404, 404]),
        ("get_sbom", [409, 409, 409, 409, 409, 404, 404, 404]),
        ("diff_analyses", [409, 409, 409, 409, 409, 404, 404, 404]),
        // Inventories: operator A's own; the regulator's roles see all, vendors and labs
        // none. The upload names operator A's organisation.
        ("list_inventories", [200; 8]),
        ("upload_inventory", [201, 201, 403, 403, 201, 404, 403, 403]),
        ("get_inventory", [200, 200, 200, 200, 200, 404, 404, 404]),
        ("network_report", [200, 200, 200, 200, 200, 404, 404, 404]),
        // Dossiers: everyone reads; admin and analyst edit; the regulator reads the history.
        ("list_dossiers", [200; 8]),
        ("get_dossier", [200; 8]),
        ("put_dossier", [200, 200, 403, 403, 403, 403, 403, 403]),
        ("put_fact", [200, 200, 403, 403, 403, 403, 403, 403]),
        ("dossier_history", [200, 200, 200, 200, 403, 403, 403, 403]),
        // Catalogue overlays: everyone reads; admin and analyst upload. Impact: everyone, over
        // the product records they see.
        ("list_overlays", [200; 8]),
        ("upload_overlay", [201, 201, 403, 403, 403, 403, 403, 403]),
        ("get_overlay", [200; 8]),
        ("impact", [200; 8]),
        // Advisories: only the admin imports; verdict changes are read by everyone, each
        // seeing its own (none exist here).
        (
            "import_advisories",
            [202, 403, 403, 403, 403, 403, 403, 403],
        ),
        ("list_verdict_changes", [200; 8]),
    ])
}

struct World {
    auth: BTreeMap<&'static str, Auth>,
    ids: BTreeMap<&'static str, i64>,
    vendor_org: i64,
    lab_org: i64,
    record: Value,
    /// The sample vendor's dossier as served.
    dossier: Value,
    /// The digest of an overlay the admin uploaded.
    overlay: String,
}

async fn world(app: &App) -> World {
    let admin = app.admin().await;
    let a = app.org(&admin, "Operator A", "operator").await;
    let b = app.org(&admin, "Operator B", "operator").await;
    let v = app.org(&admin, "Acme", "vendor").await;
    let l = app.org(&admin, "Lab L", "lab").await;
    let mut auth = BTreeMap::new();
    let mut ids = BTreeMap::new();
    for (name, org, role) in [
        ("analyst", 1, "analyst"),
        ("decider", 1, "decider"),
        ("auditor", 1, "auditor"),
        ("op_a", a, "operator"),
        ("op_b", b, "operator"),
        ("vendor", v, "vendor"),
        ("lab", l, "lab"),
    ] {
        let (token, id) = app.user(&admin, org, name, role).await;
        auth.insert(name, token);
        if name == "op_a" {
            ids.insert("user", id);
        }
    }
    auth.insert("admin", admin);
    ids.insert("organisation", a);
    // Operator A's second token, the one others try to revoke.
    let t = app.token("op_a", PASSWORD, &["read"]).await;
    let listed = app.get("/api/v1/tokens", &Auth::Token(t)).await;
    ids.insert("token", listed.body[0]["id"].as_i64().unwrap());
    let record = acme_record("acme-gnb-1", None);
    let p = app
        .json(
            Method::POST,
            "/api/v1/products",
            &auth["vendor"],
            Some(json!({"record": record})),
        )
        .await;
    ids.insert("product", p.body["id"].as_i64().unwrap());
    let kept = app
        .get(
            &format!(
                "/api/v1/products/{}/assessment?catalogue=de-2024&as_of=2026-06-01",
                ids["product"]
            ),
            &auth["vendor"],
        )
        .await;
    let kept = kept.headers["content-location"].to_str().unwrap();
    ids.insert(
        "assessment",
        kept.rsplit('/').next().unwrap().parse().unwrap(),
    );
    let up = app
        .upload(&auth["op_a"], "", b"operator A's image".to_vec())
        .await;
    ids.insert("analysis", up.body["id"].as_i64().unwrap());
    let inv = upload_inventory(
        app,
        &auth["op_a"],
        "",
        "text/csv",
        inventory_csv("Operator A"),
    )
    .await;
    ids.insert("inventory", inv.body["id"].as_i64().unwrap());
    let dossier = app.get("/api/v1/dossiers/acme", &auth["admin"]).await.body["dossier"].clone();
    let overlay = app
        .json(
            Method::POST,
            "/api/v1/catalogues/overlays",
            &auth["admin"],
            Some(json!({"files": overlay_files("world")})),
        )
        .await
        .body["digest"]
        .as_str()
        .unwrap()
        .to_string();
    World {
        auth,
        ids,
        vendor_org: v,
        lab_org: l,
        record,
        dossier,
        overlay,
    }
}

/// The concrete path of an operation's path template.
fn concrete(path: &str, w: &World) -> String {
    let ids = &w.ids;
    let object = if path.starts_with("/api/v1/analyses") {
        "analysis"
    } else if path.starts_with("/api/v1/assessments") {
        "assessment"
    } else if path.starts_with("/api/v1/inventories") {
        "inventory"
    } else if path.starts_with("/api/v1/products") {
        "product"
    } else if path.starts_with("/api/v1/organisations") {
        "organisation"
    } else if path.starts_with("/api/v1/users") {
        "user"
    } else {
        "token"
    };
    // A diff compares the analysis with itself; dossiers are the sample vendor's.
    path.replace("{id}", &ids[object].to_string())
        .replace("{other}", &ids[object].to_string())
        .replace("{vendor}", "acme")
        .replace("{fact}", "AC1")
        .replace("{digest}", &w.overlay)
}

/// A request the operation accepts when the caller may perform it (unique per caller where
/// the store demands unique names).
fn request(op: &str, caller: &str, w: &World) -> (Option<&'static str>, Body, String) {
    let json_body = |v: Value| {
        (
            Some("application/json"),
            Body::from(v.to_string()),
            String::new(),
        )
    };
    match op {
        // A name per caller: eight failures under one name would start the login back-off.
        "login" => {
            json_body(json!({"name": format!("nobody-{caller}"), "password": "wrong password"}))
        }
        "create_token" => json_body(json!({"name": "matrix", "scopes": ["read"]})),
        "create_organisation" => {
            json_body(json!({"name": format!("Lab of {caller}"), "kind": "lab"}))
        }
        "create_user" => json_body(json!({
            "org_id": w.lab_org, "name": format!("lab-user-of-{caller}"), "role": "lab", "password": PASSWORD
        })),
        "create_product" => json_body(json!({
            "org_id": w.vendor_org,
            "record": acme_record(&format!("acme-gnb-{}", caller.replace('_', "-")), None)
        })),
        "update_product" => json_body(json!({"record": w.record})),
        "put_dossier" => json_body(json!({"dossier": w.dossier})),
        "put_fact" => json_body(json!({"fact": w.dossier["fact"][0]})),
        "upload_overlay" => json_body(json!({"files": overlay_files(caller)})),
        "import_advisories" => json_body(json!({
            "id": format!("NV-MATRIX-{caller}"), "modified": "2026-01-01T00:00:00Z",
            "affected": [{"package": {"ecosystem": "Debian:12", "name": "x"},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.0"}]}]}]
        })),
        "impact" => (
            None,
            Body::empty(),
            "?from=de-2024&to=de-2025&as_of=2026-06-01".into(),
        ),
        "upload" => (
            Some("application/octet-stream"),
            Body::from(format!("image uploaded by {caller}")),
            String::new(),
        ),
        "assess_product" | "network_report" => (
            None,
            Body::empty(),
            "?catalogue=de-2024&as_of=2026-06-01".into(),
        ),
        "upload_inventory" => (
            Some("text/csv"),
            Body::from(inventory_csv("Operator A")),
            format!("?org_id={}", w.ids["organisation"]),
        ),
        _ => (None, Body::empty(), String::new()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_as_every_role_on_sqlite() {
    every_operation_as_every_role(&App::start(|_| {}).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_as_every_role_on_postgres() {
    if let Some(app) = App::start_on_postgres().await {
        every_operation_as_every_role(&app).await;
    }
}

async fn every_operation_as_every_role(app: &App) {
    let w = world(app).await;
    let doc = serde_json::to_value(netvet_server::openapi()).unwrap();
    let table = expected();
    let mut seen = Vec::new();
    let mut wrong = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let Ok(method) = method.to_uppercase().parse::<Method>() else {
                continue;
            };
            let id = op["operationId"].as_str().unwrap();
            seen.push(id.to_string());
            let Some(statuses) = table.get(id) else {
                wrong.push(format!("{id}: not in the table of expected statuses"));
                continue;
            };
            // Every status the table expects is documented for the operation.
            for s in statuses {
                if op["responses"].get(s.to_string()).is_none() {
                    wrong.push(format!("{id}: status {s} is not documented"));
                }
            }
            for (caller, want) in CALLERS.iter().zip(statuses) {
                let (ct, body, query) = request(id, caller, &w);
                let uri = concrete(path, &w) + &query;
                let r = app
                    .send(method.clone(), &uri, &w.auth[caller], ct, body)
                    .await;
                if r.status != StatusCode::from_u16(*want).unwrap() {
                    wrong.push(format!(
                        "{id} ({method} {uri}) as {caller}: {} (expected {want}): {}",
                        r.status.as_u16(),
                        r.body
                    ));
                }
                if r.status.as_u16() >= 400 && r.content_type() != "application/problem+json" {
                    wrong.push(format!(
                        "{id} as {caller}: error without a problem document"
                    ));
                }
            }
        }
    }
    for id in table.keys() {
        if !seen.iter().any(|s| s == id) {
            wrong.push(format!(
                "{id}: in the table but not in the OpenAPI document"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // Unauthenticated, every operation but login is a 401.
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let method: Method = method.to_uppercase().parse().unwrap();
            if op["operationId"] == json!("login") {
                continue;
            }
            let r = app
                .send(
                    method,
                    &concrete(path, &w),
                    &Auth::None,
                    None,
                    Body::empty(),
                )
                .await;
            assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{path}");
        }
    }
}
