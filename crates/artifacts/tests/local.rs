//! The behaviour suite against the local-directory backend.
// The shared suite's helpers unwrap too: a failure there is the test failing.
#![allow(clippy::unwrap_used)]

mod common;

use common::Inside;
use netvet_artifacts::{Artifacts, ArtifactsConfig, Error};
use tempfile::TempDir;

struct Local {
    artifacts: Artifacts,
    inside: Inside,
    scratch: TempDir,
    _root: TempDir,
}

async fn local() -> Local {
    let root = TempDir::new().unwrap();
    // A directory that does not exist yet: open creates it.
    let store = root.path().join("artifacts");
    let artifacts = Artifacts::open(&ArtifactsConfig::Local {
        root: store.clone(),
    })
    .await
    .unwrap();
    Local {
        artifacts,
        inside: Inside::Local(store),
        scratch: TempDir::new().unwrap(),
        _root: root,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stores_once_and_reads_back() {
    let t = local().await;
    common::stores_once_and_reads_back(&t.artifacts, &t.inside, t.scratch.path()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_the_limit_stores_nothing() {
    let t = local().await;
    common::over_the_limit_stores_nothing(&t.artifacts, &t.inside, t.scratch.path()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_stream_stores_nothing() {
    let t = local().await;
    common::failing_stream_stores_nothing(&t.artifacts, &t.inside).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corrupt_object_is_detected() {
    let t = local().await;
    common::corrupt_object_is_detected(&t.artifacts, t.scratch.path()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_digests_are_rejected() {
    let t = local().await;
    common::bad_digests_are_rejected(&t.artifacts, t.scratch.path()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_artifact_is_not_found() {
    let t = local().await;
    common::missing_artifact_is_not_found(&t.artifacts, t.scratch.path()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sweep_removes_only_stale_incoming() {
    let t = local().await;
    common::sweep_removes_only_stale_incoming(&t.artifacts, &t.inside).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corrupt_file_on_disk_is_detected() {
    // Damage done outside the object store (a disk error, a hand edit) is caught the same way.
    let t = local().await;
    let data = common::pattern(5000, 9);
    let stored = t
        .artifacts
        .put_stream(common::chunked(&data), 5000)
        .await
        .unwrap();
    let Inside::Local(root) = &t.inside else {
        unreachable!()
    };
    let on_disk = root.join(
        netvet_artifacts::object_key(&stored.sha256)
            .unwrap()
            .as_ref(),
    );
    let mut bytes = std::fs::read(&on_disk).unwrap();
    bytes[0] ^= 0x80;
    std::fs::write(&on_disk, bytes).unwrap();
    let dest = t.scratch.path().join("out");
    let err = t
        .artifacts
        .get_to_file(&stored.sha256, &dest)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Corrupt { .. }), "{err}");
    assert!(!dest.exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_fails_on_a_root_that_is_a_file() {
    let dir = TempDir::new().unwrap();
    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, b"x").unwrap();
    let err = Artifacts::open(&ArtifactsConfig::Local { root: file.clone() })
        .await
        .unwrap_err();
    assert!(err.to_string().contains("not-a-dir"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opens_from_a_file_url() {
    let dir = TempDir::new().unwrap();
    let url = format!("file://{}/store", dir.path().display());
    let config = ArtifactsConfig::from_url(&url).unwrap();
    let artifacts = Artifacts::open(&config).await.unwrap();
    let stored = artifacts
        .put_stream(common::chunked(b"letter"), 6)
        .await
        .unwrap();
    assert!(
        dir.path()
            .join("store")
            .join(
                netvet_artifacts::object_key(&stored.sha256)
                    .unwrap()
                    .as_ref()
            )
            .is_file()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn abandoned_upload_leaves_nothing() {
    let t = local().await;
    common::abandoned_upload_leaves_nothing(&t.artifacts, &t.inside).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handles_and_futures_can_move_between_threads() {
    // The server spawns puts and reads on tokio's pool: the futures must be Send (the
    // artifact stream a Send stream), the store Send + Sync. This fails to compile otherwise.
    fn is_send<T: Send>(value: T) -> T {
        value
    }
    fn is_shared<T: Send + Sync>(_: &T) {}
    let t = local().await;
    is_shared(&t.artifacts);
    let source =
        futures_util::stream::iter([Ok::<_, std::io::Error>(bytes::Bytes::from_static(b"abc"))]);
    let stored = is_send(t.artifacts.put_stream(source, 3)).await.unwrap();
    let file = t.scratch.path().join("f");
    std::fs::write(&file, b"abc").unwrap();
    assert!(
        !is_send(t.artifacts.put_file(&file, 3))
            .await
            .unwrap()
            .created
    );
    let dest = t.scratch.path().join("g");
    is_send(t.artifacts.get_to_file(&stored.sha256, &dest))
        .await
        .unwrap();
    let stream = is_send(t.artifacts.get_stream(&stored.sha256))
        .await
        .unwrap();
    let handle = tokio::spawn(async move {
        use futures_util::TryStreamExt;
        is_send(stream).try_collect::<Vec<_>>().await
    });
    assert_eq!(handle.await.unwrap().unwrap().concat(), b"abc");
    assert!(is_send(t.artifacts.exists(&stored.sha256)).await.unwrap());
    assert_eq!(is_send(t.artifacts.size(&stored.sha256)).await.unwrap(), 3);
    let artifacts = std::sync::Arc::new(t.artifacts);
    let shared = artifacts.clone();
    let spawned = tokio::spawn(async move {
        let source = futures_util::stream::iter([Ok::<_, std::io::Error>(
            bytes::Bytes::from_static(b"xyz"),
        )]);
        shared.put_stream(source, 3).await
    });
    assert!(spawned.await.unwrap().unwrap().created);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_identical_puts_store_one_object() {
    let t = local().await;
    common::concurrent_identical_puts_store_one_object(&t.artifacts, &t.inside).await;
}
