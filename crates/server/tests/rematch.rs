//! Advisory imports re-match stored reports without unpacking again: a Debian package with no
//! known vulnerability gains one when its OSV advisory is imported, becomes known exploited
//! when the KEV catalogue lists it, and the product's verdicts that change are recorded with
//! the index's digest.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Method, StatusCode};
use common::{App, Auth, acme_record};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// A Debian 12 root with one installed package of a made-up name.
fn debian_image(motd: &str) -> Vec<u8> {
    let mut t = netvet_forge::FsTree::new();
    t.file("/etc/motd", 0o644, motd);
    t.file(
        "/etc/os-release",
        0o644,
        "ID=debian\nVERSION_ID=\"12\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n",
    );
    t.file(
        "/var/lib/dpkg/status",
        0o644,
        "Package: netvet-test-pkg\nStatus: install ok installed\nVersion: 1.0-1\nArchitecture: amd64\n\n",
    );
    netvet_forge::squashfs::write(&t, netvet_forge::squashfs::Options::default())
}

async fn import(app: &App, auth: &Auth, doc: Value) -> common::Reply {
    app.send(
        Method::POST,
        "/api/v1/advisories/import",
        auth,
        Some("application/json"),
        Body::from(doc.to_string()),
    )
    .await
}

/// Polls the analysis's report until `done` holds for it.
async fn report_until(app: &App, auth: &Auth, id: i64, done: impl Fn(&Value) -> bool) -> Value {
    let start = Instant::now();
    loop {
        let r = app
            .get(&format!("/api/v1/analyses/{id}/report"), auth)
            .await;
        if r.status == StatusCode::OK && done(&r.body) {
            return r.body;
        }
        assert!(start.elapsed() < Duration::from_secs(120), "{}", r.body);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn has_vuln(report: &Value, id: &str, exploited: bool) -> bool {
    report["vulnerabilities"].as_array().is_some_and(|v| {
        v.iter()
            .any(|v| v["id"] == json!(id) && v["known_exploited"] == json!(exploited))
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imports_rematch_stored_reports_and_record_changed_verdicts() {
    let index = tempfile::tempdir().unwrap();
    let index_path = index.path().join("advisories.db");
    let mut app = App::start(|c| c.advisory_index = Some(index_path.clone())).await;
    app.start_workers();
    let admin = app.admin().await;
    let v = app.org(&admin, "Acme", "vendor").await;
    let o = app.org(&admin, "Operator A", "operator").await;
    let (vendor, _) = app.user(&admin, v, "vendor", "vendor").await;
    let (operator, _) = app.user(&admin, o, "operator", "operator").await;
    let image = debian_image("first\n");
    let sha = hex::encode(Sha256::digest(&image));
    let p = app
        .json(
            Method::POST,
            "/api/v1/products",
            &vendor,
            Some(json!({"record": acme_record("acme-gnb-1", Some(&sha))})),
        )
        .await;
    assert_eq!(p.status, StatusCode::CREATED, "{}", p.body);
    let up = app.upload(&vendor, "?file_name=debian.img", image).await;
    assert_eq!(up.status, StatusCode::ACCEPTED, "{}", up.body);
    let id = up.body["id"].as_i64().unwrap();
    let done = app.wait_done(&vendor, id, Duration::from_secs(120)).await;
    assert_eq!(done["status"], json!("done"), "{done}");
    let first = report_until(&app, &vendor, id, |_| true).await;
    assert!(!has_vuln(&first, "NV-TEST-1", false));
    assert!(
        first["components"].to_string().contains("netvet-test-pkg"),
        "{}",
        first["components"]
    );

    // Only an admin imports, only JSON, nothing half.
    let osv = json!({
        "id": "NV-TEST-1", "aliases": ["CVE-2099-0001"], "modified": "2026-01-01T00:00:00Z",
        "summary": "A made-up flaw for the re-match test",
        "affected": [{"package": {"ecosystem": "Debian:12", "name": "netvet-test-pkg"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.0-1"}]}]}]
    });
    let r = import(&app, &vendor, osv.clone()).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let r = app
        .send(
            Method::POST,
            "/api/v1/advisories/import",
            &admin,
            Some("application/zip"),
            Body::from("PK"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{}", r.body);
    let r = import(&app, &admin, json!(42)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        !r.body["detail"].as_str().unwrap().contains("advisories-"),
        "{}",
        r.body
    );

    // The OSV advisory: the stored report gains the vulnerability, without an unpack.
    let r = import(&app, &admin, osv).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    assert_eq!(r.body["rematch_jobs"], json!(1));
    let first_digest = r.body["index_digest"].as_str().unwrap().to_string();
    assert_eq!(first_digest.len(), 64);
    report_until(&app, &vendor, id, |r| has_vuln(r, "NV-TEST-1", false)).await;
    let after = app.get(&format!("/api/v1/analyses/{id}"), &vendor).await;
    assert_eq!(after.body["status"], json!("done"));

    // The KEV catalogue lists it: known exploited, and the product is prohibited where the
    // catalogues forbid known exploited vulnerabilities.
    let kev = json!({
        "catalogVersion": "2026.12.01", "dateReleased": "2026-12-01T00:00:00Z",
        "vulnerabilities": [{"cveID": "CVE-2099-0001", "vendorProject": "Test", "product": "netvet-test-pkg",
            "vulnerabilityName": "Made-up", "dateAdded": "2026-12-01", "shortDescription": "test",
            "requiredAction": "apply updates", "dueDate": "2026-12-22"}]
    });
    let r = import(&app, &admin, kev).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    let digest = r.body["index_digest"].as_str().unwrap().to_string();
    assert_ne!(digest, first_digest);
    report_until(&app, &vendor, id, |r| has_vuln(r, "NV-TEST-1", true)).await;
    let start = Instant::now();
    let changes = loop {
        let r = app.get("/api/v1/verdict-changes", &vendor).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let items = r.body["items"].as_array().unwrap().clone();
        if items.iter().any(|c| c["index_digest"] == json!(digest)) {
            break items;
        }
        assert!(start.elapsed() < Duration::from_secs(120), "{}", r.body);
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    let prohibited: Vec<&Value> = changes
        .iter()
        .filter(|c| c["index_digest"] == json!(digest) && c["decision_after"] == json!("prohibit"))
        .collect();
    assert!(!prohibited.is_empty(), "{changes:?}");
    assert!(prohibited.iter().all(|c| c["analysis_id"] == json!(id)
        && c["product_id"] == p.body["id"]
        && c["decision_before"] != json!("prohibit")));
    // An image analysed after the imports matches against the imported index.
    let up = app
        .upload(&vendor, "?file_name=second.img", debian_image("second\n"))
        .await;
    let second = up.body["id"].as_i64().unwrap();
    app.wait_done(&vendor, second, Duration::from_secs(120))
        .await;
    report_until(&app, &vendor, second, |r| has_vuln(r, "NV-TEST-1", true)).await;
    // The regulator sees them too; an operator none.
    let all = app.get("/api/v1/verdict-changes", &admin).await;
    assert_eq!(all.body["items"].as_array().unwrap().len(), changes.len());
    let none = app.get("/api/v1/verdict-changes", &operator).await;
    assert_eq!(none.body["items"], json!([]));
}
