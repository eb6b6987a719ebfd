//! Vendor dossiers end to end on SQLite: every role reads them; admin and analyst edit whole
//! dossiers or single facts, each fact added or changed with a source, each edit checked as
//! `netvet dossier check` checks files and kept as a revision; product records and
//! assessments read the stored dossiers.
#![allow(clippy::unwrap_used)]

mod common;

use axum::http::{Method, StatusCode, header};
use common::{App, Auth, acme_record};
use serde_json::{Value, json};

fn assert_problem(r: &common::Reply, status: StatusCode, says: &str) {
    assert_eq!(r.status, status, "{}", r.body);
    assert_eq!(r.content_type(), "application/problem+json");
    let detail = r.body["detail"].as_str().unwrap();
    assert!(detail.contains(says), "{detail:?} does not say {says:?}");
}

fn fact(id: &str, sources: &[&str]) -> Value {
    json!({
        "id": id, "kind": "incorporation", "summary": "Moved its seat (test).",
        "date": "2024-02-01", "sources": sources, "status": "SOURCED"
    })
}

fn newco() -> Value {
    json!({
        "vendor": {"id": "newco", "name": "Newco Networks (fictional)", "jurisdiction": "XA", "fictional": true},
        "fact": [fact("N1", &["doc:test data"])]
    })
}

#[tokio::test]
async fn dossiers_are_read_by_all_and_edited_with_sources_and_history() {
    let app = App::start(|_| {}).await;
    let admin = app.admin().await;
    let v = app.org(&admin, "Acme", "vendor").await;
    let (vendor, _) = app.user(&admin, v, "vendor", "vendor").await;
    let (analyst, analyst_id) = app.user(&admin, 1, "analyst", "analyst").await;
    let (auditor, _) = app.user(&admin, 1, "auditor", "auditor").await;

    // The built-in dossiers, to everyone, at revision 0.
    let list = app.get("/api/v1/dossiers?limit=500", &vendor).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    let builtin = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../../dossiers"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "toml")
        })
        .count();
    let items = list.body["items"].as_array().unwrap();
    assert_eq!(items.len(), builtin);
    let acme = items.iter().find(|i| i["id"] == json!("acme")).unwrap();
    assert_eq!(acme["revision"], json!(0));
    assert_eq!(acme["jurisdiction"], json!("XA"));
    let got = app.get("/api/v1/dossiers/acme", &vendor).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.body["revision"], json!(0));
    let facts_before = got.body["dossier"]["fact"].as_array().unwrap().len();
    let etag = got.headers[header::ETAG].to_str().unwrap().to_string();
    let again = app
        .send(
            Method::GET,
            "/api/v1/dossiers/acme",
            &vendor,
            None,
            axum::body::Body::empty(),
        )
        .await;
    assert_eq!(again.headers[header::ETAG].to_str().unwrap(), etag);
    assert_problem(
        &app.get("/api/v1/dossiers/nobody", &vendor).await,
        StatusCode::NOT_FOUND,
        "nobody",
    );

    // An analyst adds a sourced fact: revision 1.
    let put = |uri: &'static str, auth: &Auth, body: Value| {
        let auth = auth.clone();
        let app = &app;
        async move { app.json(Method::PUT, uri, &auth, Some(body)).await }
    };
    let r = put(
        "/api/v1/dossiers/acme/facts/AC9",
        &analyst,
        json!({"revision": 0, "fact": fact("AC9", &["https://example.org/acme-seat"])}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["revision"], json!(1));
    assert_eq!(
        r.body["dossier"]["fact"].as_array().unwrap().len(),
        facts_before + 1
    );

    // Refused, nothing stored: no source, a wrong id, a stale revision, a vendor, an auditor.
    let r = put(
        "/api/v1/dossiers/acme/facts/AC10",
        &analyst,
        json!({"fact": fact("AC10", &[])}),
    )
    .await;
    assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "AC10 has no source");
    let r = put(
        "/api/v1/dossiers/acme/facts/AC10",
        &analyst,
        json!({"fact": fact("AC11", &["doc:x"])}),
    )
    .await;
    assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "AC11");
    let r = put(
        "/api/v1/dossiers/acme/facts/AC9",
        &admin,
        json!({"revision": 0, "fact": fact("AC9", &["doc:y"])}),
    )
    .await;
    assert_problem(&r, StatusCode::CONFLICT, "revision 1");
    let r = put(
        "/api/v1/dossiers/acme/facts/AC9",
        &vendor,
        json!({"fact": fact("AC9", &["doc:y"])}),
    )
    .await;
    assert_problem(&r, StatusCode::FORBIDDEN, "edit dossiers");
    let r = put(
        "/api/v1/dossiers/acme/facts/AC9",
        &analyst,
        json!({"fact": fact("AC9", &["doc:y"]), "colour": "red"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(
        app.get("/api/v1/dossiers/acme", &vendor).await.body["revision"],
        json!(1)
    );

    // A whole dossier: the check `netvet dossier check` runs must pass.
    let mut bad = newco();
    bad["vendor"]["jurisdiction"] = json!("ZZ");
    let r = put("/api/v1/dossiers/newco", &admin, json!({"dossier": bad})).await;
    assert_problem(
        &r,
        StatusCode::UNPROCESSABLE_ENTITY,
        "jurisdictions/zz.toml",
    );
    let mut bad = newco();
    bad["vendor"]["name"] = json!("Newco Networks");
    let r = put("/api/v1/dossiers/newco", &admin, json!({"dossier": bad})).await;
    assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "fictional");
    let r = put(
        "/api/v1/dossiers/other",
        &admin,
        json!({"dossier": newco()}),
    )
    .await;
    assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "\"newco\"");
    let mut bad = newco();
    bad["fact"][0]["sources"] = json!([]);
    let r = put("/api/v1/dossiers/newco", &admin, json!({"dossier": bad})).await;
    assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "N1 has no source");

    // Before its dossier exists, a product of the new vendor is refused; after, it is
    // stored and assessed.
    let mut record = acme_record("newco-gnb-1", None);
    record["vendor"] = json!("newco");
    let r = app
        .json(
            Method::POST,
            "/api/v1/products",
            &admin,
            Some(json!({"org_id": v, "record": record})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let r = put(
        "/api/v1/dossiers/newco",
        &admin,
        json!({"dossier": newco()}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["revision"], json!(1));
    let r = app
        .json(
            Method::POST,
            "/api/v1/products",
            &admin,
            Some(json!({"org_id": v, "record": record})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let product = r.body["id"].as_i64().unwrap();
    let r = app
        .get(
            &format!("/api/v1/products/{product}/assessment?catalogue=de-2024&as_of=2026-06-01"),
            &admin,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.to_string().contains("newco"));
    // Assessments are kept by the digest of their inputs: the same request gives the same
    // document, and after a dossier edit the request is computed again, not served stale.
    let url = format!("/api/v1/products/{product}/assessment?catalogue=de-2024&as_of=2026-06-01");
    let again = app.get(&url, &admin).await;
    assert_eq!(again.body, r.body);
    assert!(r.body.to_string().contains("Newco Networks (fictional)"));
    let mut renamed = newco();
    renamed["vendor"]["name"] = json!("Newco Radio (fictional)");
    let edit = put(
        "/api/v1/dossiers/newco",
        &admin,
        json!({"revision": 1, "dossier": renamed}),
    )
    .await;
    assert_eq!(edit.status, StatusCode::OK, "{}", edit.body);
    let after = app.get(&url, &admin).await;
    assert_eq!(after.status, StatusCode::OK, "{}", after.body);
    assert!(after.body.to_string().contains("Newco Radio (fictional)"));
    assert!(
        !after
            .body
            .to_string()
            .contains("Newco Networks (fictional)")
    );
    let list = app.get("/api/v1/dossiers?limit=500", &vendor).await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), builtin + 1);

    // Replacing a fact keeps its previous value; the history reads newest first.
    let r = put(
        "/api/v1/dossiers/acme/facts/AC9",
        &admin,
        json!({"revision": 1, "fact": fact("AC9", &["doc:corrected"])}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["revision"], json!(2));
    let h = app.get("/api/v1/dossiers/acme/history", &auditor).await;
    assert_eq!(h.status, StatusCode::OK, "{}", h.body);
    let items = h.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["revision"], json!(2));
    assert_eq!(items[0]["change"], json!("fact"));
    assert_eq!(items[0]["fact_id"], json!("AC9"));
    assert_eq!(
        items[0]["previous"]["sources"],
        json!(["https://example.org/acme-seat"])
    );
    assert_eq!(items[1]["revision"], json!(1));
    assert_eq!(items[1]["user_id"], json!(analyst_id));
    assert_eq!(items[1]["previous"], Value::Null);
    assert_eq!(
        app.get("/api/v1/dossiers/borealis/history", &auditor)
            .await
            .body["items"],
        json!([])
    );
    assert_problem(
        &app.get("/api/v1/dossiers/nobody/history", &auditor).await,
        StatusCode::NOT_FOUND,
        "nobody",
    );
    assert_problem(
        &app.get("/api/v1/dossiers/acme/history", &vendor).await,
        StatusCode::FORBIDDEN,
        "history",
    );
}
