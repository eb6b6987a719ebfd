//! Analyses in a child process: a crash or a limit in the child fails the analysis with a
//! message saying so, and the service keeps serving.
#![allow(clippy::unwrap_used)]

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

use axum::http::StatusCode;
use common::{App, Auth};
use netvet_server::ChildAnalysis;

/// A stand-in for the `netvet` binary: a shell script with `body`.
fn program(dir: &Path, name: &str, body: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

async fn analysis_of(app: &App, admin: &Auth) -> serde_json::Value {
    let up = app
        .upload(admin, "?file_name=x.bin", common::sample_image())
        .await;
    assert_eq!(up.status, StatusCode::ACCEPTED, "{}", up.body);
    let id = up.body["id"].as_i64().unwrap();
    app.wait_done(admin, id, Duration::from_secs(60)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crashing_child_fails_the_analysis_and_the_service_goes_on() {
    let scripts = tempfile::tempdir().unwrap();
    let crash = program(
        scripts.path(),
        "crash",
        "echo 'reader blew up' >&2\nkill -SEGV $$",
    );
    let mut app = App::start(|c| {
        c.child_analysis = Some(ChildAnalysis {
            program: crash,
            max_memory: 0,
            max_cpu: Duration::ZERO,
            wall: Duration::from_secs(30),
        });
    })
    .await;
    app.start_workers();
    let admin = app.admin().await;
    let done = analysis_of(&app, &admin).await;
    assert_eq!(done["status"], "failed", "{done}");
    let error = done["error"].as_str().unwrap();
    assert!(
        error.contains("crashed (signal 11)") && error.contains("reader blew up"),
        "{error}"
    );
    assert_eq!(
        app.get("/healthz", &Auth::None).await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.get("/api/v1/analyses", &admin).await.status,
        StatusCode::OK
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_child_past_its_wall_clock_limit_is_stopped() {
    let scripts = tempfile::tempdir().unwrap();
    let slow = program(scripts.path(), "slow", "exec sleep 60");
    let mut app = App::start(|c| {
        c.child_analysis = Some(ChildAnalysis {
            program: slow,
            max_memory: 0,
            max_cpu: Duration::ZERO,
            wall: Duration::from_secs(1),
        });
    })
    .await;
    app.start_workers();
    let admin = app.admin().await;
    let started = std::time::Instant::now();
    let done = analysis_of(&app, &admin).await;
    assert!(started.elapsed() < Duration::from_secs(30));
    assert_eq!(done["status"], "failed", "{done}");
    assert!(
        done["error"]
            .as_str()
            .unwrap()
            .contains("wall-clock limit of 1 s"),
        "{done}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_child_that_exits_with_an_error_says_what_it_said() {
    let scripts = tempfile::tempdir().unwrap();
    let fails = program(
        scripts.path(),
        "fails",
        "echo 'netvet: error: cannot analyse x.bin' >&2\nexit 2",
    );
    let mut app = App::start(|c| {
        c.child_analysis = Some(ChildAnalysis {
            program: fails,
            max_memory: 1 << 30,
            max_cpu: Duration::from_secs(60),
            wall: Duration::from_secs(30),
        });
    })
    .await;
    app.start_workers();
    let admin = app.admin().await;
    let done = analysis_of(&app, &admin).await;
    assert_eq!(done["status"], "failed", "{done}");
    assert_eq!(
        done["error"],
        "the analysis process failed with exit code 2 (it said: netvet: error: cannot analyse x.bin)"
    );
}
