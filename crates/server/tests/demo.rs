//! `netvet serve --demo`: the demo data set loads into a new database, its firmware is
//! analysed through the job queue, its products can be assessed, and a second start loads
//! nothing twice.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use axum::http::StatusCode;
use common::{App, Auth};
use netvet_server::demo::{DemoData, DemoImage};
use serde_json::json;

/// The fictional products with firmware, and their images built by the demo's recipes.
fn demo_data() -> DemoData {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples");
    let mut data = DemoData::default();
    for id in ["acme-gnb-4.2", "borealis-amf-5.1", "cobalt-gnb-7.0"] {
        let text = std::fs::read_to_string(format!("{root}/products/{id}.toml")).unwrap();
        let product: netvet_model::Product = toml::from_str(&text).unwrap();
        data.products.push(serde_json::to_value(&product).unwrap());
        let name = format!("{id}.toml");
        let recipe_text = std::fs::read_to_string(format!("{root}/firmware/{name}")).unwrap();
        let recipe = netvet_forge::recipe::Recipe::parse(&name, &recipe_text).unwrap();
        let (file_name, bytes) = recipe.build(&name).unwrap();
        data.images.push(DemoImage {
            file_name,
            product: id.to_string(),
            bytes,
        });
    }
    data
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_start_yields_finished_analyses_and_an_assessment() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = netvet_server::Config::new(dir.path().join("data"));
    config.secure_cookies = false;
    config.demo = Some(std::sync::Arc::new(demo_data()));
    let opened = netvet_server::open_full(config.clone()).await.unwrap();
    let demo = opened.demo.clone().unwrap();
    assert!(!opened.demo_skipped);
    assert_eq!(demo.analyses.len(), 3);
    assert_eq!(demo.products.len(), 3);
    // One user per role, across organisations of every kind.
    let mut roles: Vec<&str> = demo.users.iter().map(|u| u.role.as_str()).collect();
    roles.sort_unstable();
    roles.dedup();
    assert_eq!(
        roles,
        ["analyst", "auditor", "decider", "lab", "operator", "vendor"]
    );

    let mut app = App::from_state(
        opened.state.clone(),
        opened.admin_password.clone().unwrap(),
        dir,
    );
    app.start_workers();
    let password = |name: &str| {
        demo.users
            .iter()
            .find(|u| u.name == name)
            .unwrap()
            .password
            .clone()
    };
    // The vendor sees its own analysis and product, finished; another vendor does not.
    let acme = Auth::Token(app.token("acme", &password("acme"), &["read"]).await);
    let cobalt = Auth::Token(app.token("cobalt", &password("cobalt"), &["read"]).await);
    let analyst = Auth::Token(app.token("analyst", &password("analyst"), &["read"]).await);
    for id in &demo.analyses {
        let done = app.wait_done(&analyst, *id, Duration::from_secs(300)).await;
        assert_eq!(done["status"], "done", "{done}");
    }
    let mine = app.get("/api/v1/analyses", &acme).await;
    assert_eq!(
        mine.body["items"].as_array().unwrap().len(),
        1,
        "{}",
        mine.body
    );
    let pid = demo.products["acme-gnb-4.2"];
    assert_eq!(
        app.get(&format!("/api/v1/products/{pid}"), &cobalt)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // The planted telnet back door of the Acme gNB grounds a failed requirement.
    let a = app
        .get(
            &format!("/api/v1/products/{pid}/assessment?catalogue=de-2024&as_of=2026-06-01"),
            &acme,
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(a.body["schema"], json!("netvet.assessment/2"));
    assert!(!a.body["assessments"].as_array().unwrap().is_empty());
    assert!(
        a.body["results"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["status"] == "fail" && r.to_string().contains("scan:")),
        "{}",
        a.body
    );

    // A second start on the same data loads nothing twice.
    app.stop_workers();
    opened.state.store.close().await;
    let again = netvet_server::open_full(config).await.unwrap();
    assert!(again.demo.is_none() && again.demo_skipped);
    let listed = again
        .state
        .store
        .list_analyses(
            &again
                .state
                .store
                .login("analyst", &password("analyst"))
                .await
                .unwrap(),
            None,
            netvet_store::Page::default(),
        )
        .await;
    assert_eq!(listed.unwrap().len(), 3);
}
