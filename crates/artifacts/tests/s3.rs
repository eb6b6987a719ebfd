//! The behaviour suite against the S3 backend, on a real S3-protocol server (moto's server
//! mode, from PyPI: `pip install 'moto[s3]' flask flask-cors`, the S3 part of `moto[server]`)
//! that each test starts on a free port of
//! 127.0.0.1 and stops. Without moto the tests are skipped with the reason printed, unless
//! NETVET_REQUIRE_S3=1, when they fail. NETVET_PYTHON names the interpreter (python3).
// The shared suite's helpers unwrap too: a failure there is the test failing.
#![allow(clippy::unwrap_used)]

mod common;

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::Inside;
use netvet_artifacts::{Artifacts, ArtifactsConfig, Error};
use tempfile::TempDir;

/// A moto server; killed when dropped.
struct Moto {
    child: Child,
    port: u16,
    dir: TempDir,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn python() -> String {
    std::env::var("NETVET_PYTHON").unwrap_or_else(|_| "python3".into())
}

/// Why moto's server cannot run here, if it cannot.
fn unavailable() -> Option<String> {
    let probe = Command::new(python())
        .args(["-c", "import moto.server, flask, flask_cors"])
        .output();
    match probe {
        Err(e) => Some(format!("{} cannot run: {e}", python())),
        Ok(out) if !out.status.success() => Some(format!(
            "moto's server is not installed (pip install 'moto[s3]' flask flask-cors): {}",
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .last()
                .unwrap_or_default()
        )),
        Ok(_) => None,
    }
}

/// Starts moto, or returns `None` (skip) when it is not installed and not required.
fn start_moto() -> Option<Moto> {
    if let Some(reason) = unavailable() {
        assert!(
            std::env::var("NETVET_REQUIRE_S3").as_deref() != Ok("1"),
            "NETVET_REQUIRE_S3=1 but {reason}"
        );
        eprintln!("skipping the S3 test: {reason}");
        return None;
    }
    let dir = TempDir::new().unwrap();
    // The port is free now; moto binds it a moment later (a race another process could win
    // only by chance, and the start-up wait below would then report it).
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let log = std::fs::File::create(dir.path().join("moto.log")).unwrap();
    let child = Command::new(python())
        .args([
            "-m",
            "moto.server",
            "-H",
            "127.0.0.1",
            "-p",
            &port.to_string(),
        ])
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap();
    let mut moto = Moto { child, port, dir };
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        let log = || std::fs::read_to_string(moto.dir.path().join("moto.log")).unwrap_or_default();
        if let Some(status) = moto.child.try_wait().unwrap() {
            panic!("moto exited ({status}) before listening:\n{}", log());
        }
        assert!(
            Instant::now() < deadline,
            "moto did not listen within 60 s:\n{}",
            log()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    Some(moto)
}

fn config(moto: &Moto, bucket: &str) -> ArtifactsConfig {
    ArtifactsConfig::S3 {
        endpoint: Some(format!("http://127.0.0.1:{}", moto.port)),
        bucket: bucket.into(),
        region: "us-east-1".into(),
        access_key_id: "testing".into(),
        secret_access_key: "testing".into(),
        allow_http: true,
        // A prefix, so that the keys seen through it and the bucket's own differ.
        prefix: Some("netvet/test".into()),
    }
}

struct S3 {
    artifacts: Artifacts,
    inside: Inside,
    scratch: TempDir,
    _moto: Moto,
}

async fn s3() -> Option<S3> {
    let moto = start_moto()?;
    let bucket = "netvet-artifacts";
    common::http(moto.port, "PUT", &format!("/{bucket}")).await;
    let artifacts = Artifacts::open(&config(&moto, bucket)).await.unwrap();
    Some(S3 {
        artifacts,
        inside: Inside::S3 {
            port: moto.port,
            bucket: bucket.into(),
        },
        scratch: TempDir::new().unwrap(),
        _moto: moto,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stores_once_and_reads_back() {
    let Some(t) = s3().await else { return };
    common::stores_once_and_reads_back(&t.artifacts, &t.inside, t.scratch.path()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_the_limit_stores_nothing() {
    let Some(t) = s3().await else { return };
    common::over_the_limit_stores_nothing(&t.artifacts, &t.inside, t.scratch.path()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_stream_stores_nothing() {
    let Some(t) = s3().await else { return };
    common::failing_stream_stores_nothing(&t.artifacts, &t.inside).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corrupt_object_is_detected() {
    let Some(t) = s3().await else { return };
    common::corrupt_object_is_detected(&t.artifacts, t.scratch.path()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_digests_are_rejected() {
    let Some(t) = s3().await else { return };
    common::bad_digests_are_rejected(&t.artifacts, t.scratch.path()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_artifact_is_not_found() {
    let Some(t) = s3().await else { return };
    common::missing_artifact_is_not_found(&t.artifacts, t.scratch.path()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sweep_removes_only_stale_incoming() {
    let Some(t) = s3().await else { return };
    common::sweep_removes_only_stale_incoming(&t.artifacts, &t.inside).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn objects_sit_under_the_prefix_in_the_bucket() {
    let Some(t) = s3().await else { return };
    let stored = t
        .artifacts
        .put_stream(common::chunked(b"sbom"), 4)
        .await
        .unwrap();
    let Inside::S3 { port, bucket } = &t.inside else {
        unreachable!()
    };
    let listing = common::http(*port, "GET", &format!("/{bucket}?list-type=2")).await;
    let key = format!(
        "<Key>netvet/test/sha256/{}/{}</Key>",
        &stored.sha256[..2],
        stored.sha256
    );
    assert!(listing.contains(&key), "{listing}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_fails_on_a_missing_bucket() {
    let Some(moto) = start_moto() else { return };
    let err = Artifacts::open(&config(&moto, "no-such-bucket"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Store { .. }), "{err}");
    assert!(err.to_string().contains("no-such-bucket"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn abandoned_upload_leaves_nothing() {
    let Some(t) = s3().await else { return };
    common::abandoned_upload_leaves_nothing(&t.artifacts, &t.inside).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_identical_puts_store_one_object() {
    let Some(t) = s3().await else { return };
    common::concurrent_identical_puts_store_one_object(&t.artifacts, &t.inside).await;
}
