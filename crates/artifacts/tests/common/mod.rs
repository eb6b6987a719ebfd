//! The behaviour suite that every backend must pass, and what it needs to look inside a store.
#![allow(dead_code)] // each test binary uses part of it

use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use bytes::Bytes;
use futures_util::{StreamExt, TryStreamExt, stream};
use netvet_artifacts::{Artifacts, Error, PART_SIZE, object_key};
use object_store::ObjectStoreExt;
use sha2::{Digest, Sha256};

/// How to see everything a backend holds, beyond what `Artifacts` shows.
pub enum Inside {
    /// The store's directory: every regular file in it (staging files included).
    Local(PathBuf),
    /// An S3 server on 127.0.0.1: its bucket's multipart uploads that were never completed
    /// nor aborted.
    S3 { port: u16, bucket: String },
}

/// Every object in the store and every partial upload, sorted: the test of "nothing stored".
pub async fn everything(artifacts: &Artifacts, inside: &Inside) -> Vec<String> {
    let mut all: Vec<String> = artifacts
        .object_store()
        .list(None)
        .map_ok(|meta| format!("object {}", meta.location))
        .try_collect()
        .await
        .unwrap();
    match inside {
        Inside::Local(root) => {
            for file in files_under(root) {
                all.push(format!("file {file}"));
            }
        }
        Inside::S3 { port, bucket } => {
            let body = http(*port, "GET", &format!("/{bucket}?uploads")).await;
            for upload in body.split("<Upload>").skip(1) {
                let key = upload
                    .split("<Key>")
                    .nth(1)
                    .and_then(|k| k.split("</Key>").next());
                all.push(format!("multipart upload {}", key.unwrap_or(upload)));
            }
        }
    }
    all.sort();
    all
}

fn files_under(root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let entry = entry.unwrap();
            let kind = entry.file_type().unwrap();
            if kind.is_dir() {
                dirs.push(entry.path());
            } else {
                out.push(
                    entry
                        .path()
                        .strip_prefix(root)
                        .unwrap()
                        .display()
                        .to_string(),
                );
            }
        }
    }
    out
}

/// A minimal HTTP/1.1 exchange with the test's S3 server (unsigned, as the test server
/// accepts); returns the body after checking for a 2xx status.
pub async fn http(port: u16, method: &str, target: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut conn = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let request = format!(
        "{method} {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    conn.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    conn.read_to_string(&mut response).await.unwrap();
    let status = response.split(' ').nth(1).unwrap_or_default();
    assert!(status.starts_with('2'), "{method} {target}: {response}");
    response
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_string())
        .unwrap_or_default()
}

/// `len` bytes of a deterministic pattern that differs with `seed`.
pub fn pattern(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        out.extend_from_slice(&state.to_le_bytes());
    }
    out.truncate(len);
    out
}

pub fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// `data` as a stream of chunks of uneven sizes (so parts never align with chunks).
pub fn chunked(
    data: &[u8],
) -> impl futures_util::Stream<Item = Result<Bytes, io::Error>> + Unpin + use<> {
    let sizes = [1, 4093, 65_536, 1_000_003, 17];
    let mut chunks = Vec::new();
    let mut rest = data;
    let mut i = 0;
    while !rest.is_empty() {
        let (chunk, tail) = rest.split_at(sizes[i % sizes.len()].min(rest.len()));
        chunks.push(Ok(Bytes::copy_from_slice(chunk)));
        rest = tail;
        i += 1;
    }
    stream::iter(chunks)
}

/// Sizes that take the single-put path and the multipart path.
pub fn sizes() -> [usize; 4] {
    [0, 100_000, PART_SIZE, 2 * PART_SIZE + 12_345]
}

pub async fn stores_once_and_reads_back(artifacts: &Artifacts, inside: &Inside, scratch: &Path) {
    let mut expected = Vec::new();
    for (seed, size) in sizes().into_iter().enumerate() {
        let data = pattern(size, seed as u64);
        let sha = sha256(&data);
        let limit = size as u64;

        let first = artifacts.put_stream(chunked(&data), limit).await.unwrap();
        assert_eq!(
            (first.sha256.as_str(), first.size, first.created),
            (sha.as_str(), limit, true)
        );

        let again = artifacts.put_stream(chunked(&data), limit).await.unwrap();
        assert_eq!(
            (again.sha256.as_str(), again.size, again.created),
            (sha.as_str(), limit, false)
        );

        let file = scratch.join(format!("upload-{seed}"));
        std::fs::write(&file, &data).unwrap();
        let from_file = artifacts.put_file(&file, limit).await.unwrap();
        assert_eq!(
            (from_file.sha256.as_str(), from_file.created),
            (sha.as_str(), false)
        );

        assert!(artifacts.exists(&sha).await.unwrap());
        assert_eq!(artifacts.size(&sha).await.unwrap(), limit);
        let dest = scratch.join(format!("download-{seed}"));
        artifacts.get_to_file(&sha, &dest).await.unwrap();
        assert!(
            std::fs::read(&dest).unwrap() == data,
            "size {size}: read back differs"
        );

        let stream = artifacts.get_stream(&sha).await.unwrap();
        assert_eq!(stream.size(), limit);
        let streamed: Vec<Bytes> = stream.try_collect().await.unwrap();
        assert_eq!(streamed.concat().len(), size);

        expected.push(format!("object {}", object_key(&sha).unwrap()));
        if let Inside::Local(_) = inside {
            expected.push(format!("file {}", object_key(&sha).unwrap()));
        }
    }
    expected.sort();
    // One object per distinct artifact; nothing left in incoming/.
    assert_eq!(everything(artifacts, inside).await, expected);
}

pub async fn over_the_limit_stores_nothing(artifacts: &Artifacts, inside: &Inside, scratch: &Path) {
    let before = everything(artifacts, inside).await;
    for (seed, size) in sizes().into_iter().enumerate().skip(1) {
        let data = pattern(size, 100 + seed as u64);
        let limit = size as u64 - 1;
        let err = artifacts
            .put_stream(chunked(&data), limit)
            .await
            .unwrap_err();
        assert!(
            matches!(err, Error::TooLarge { limit: l } if l == limit),
            "{err}"
        );

        let file = scratch.join(format!("big-{seed}"));
        std::fs::write(&file, &data).unwrap();
        let err = artifacts.put_file(&file, limit).await.unwrap_err();
        assert!(matches!(err, Error::TooLarge { .. }), "{err}");
        assert!(!artifacts.exists(&sha256(&data)).await.unwrap());
    }
    // A source that is larger than it claimed: a chunk far past the limit at once.
    let huge = stream::iter([Ok::<_, io::Error>(Bytes::from(vec![7u8; 3 * PART_SIZE]))]);
    let err = artifacts
        .put_stream(huge, PART_SIZE as u64)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::TooLarge { .. }), "{err}");
    settle(artifacts, inside, &before).await;
}

pub async fn failing_stream_stores_nothing(artifacts: &Artifacts, inside: &Inside) {
    let before = everything(artifacts, inside).await;
    for (seed, size) in sizes().into_iter().enumerate() {
        let data = pattern(size, 200 + seed as u64);
        let failing = chunked(&data).chain(stream::iter([Err(io::Error::new(
            io::ErrorKind::ConnectionReset,
            "client went away",
        ))]));
        let err = artifacts.put_stream(failing, u64::MAX).await.unwrap_err();
        match err {
            Error::Upload { received, source } => {
                assert_eq!(received, size as u64);
                assert_eq!(source.to_string(), "client went away");
            }
            other => panic!("size {size}: {other}"),
        }
        assert!(!artifacts.exists(&sha256(&data)).await.unwrap());
    }
    // A file that cannot be read names the file.
    let err = artifacts
        .put_file(Path::new("/nonexistent/firmware.bin"), 10)
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("/nonexistent/firmware.bin"),
        "{err}"
    );
    settle(artifacts, inside, &before).await;
}

/// Identical uploads at the same moment all succeed and leave one object (which of them
/// reports `created` is a race; their bytes are the same).
pub async fn concurrent_identical_puts_store_one_object(artifacts: &Artifacts, inside: &Inside) {
    let before = everything(artifacts, inside).await;
    let large = pattern(PART_SIZE + 1000, 500);
    let small = pattern(1000, 501);
    let put = |data: &[u8]| artifacts.put_stream(chunked(data), u64::MAX);
    let (a, b, c, d) = tokio::join!(put(&large), put(&large), put(&small), put(&small));
    let mut expected = before;
    for (data, x, y) in [(&large, a, b), (&small, c, d)] {
        let (x, y) = (x.unwrap(), y.unwrap());
        assert_eq!((&x.sha256, x.size), (&sha256(data), data.len() as u64));
        assert_eq!((&y.sha256, y.size), (&x.sha256, x.size));
        assert!(x.created || y.created);
        let key = object_key(&x.sha256).unwrap();
        expected.push(format!("object {key}"));
        if let Inside::Local(_) = inside {
            expected.push(format!("file {key}"));
        }
    }
    expected.sort();
    settle(artifacts, inside, &expected).await;
}

/// A put whose future is dropped halfway (the request handler of a client that went away)
/// leaves nothing: no object, no open multipart upload, no partial file.
pub async fn abandoned_upload_leaves_nothing(artifacts: &Artifacts, inside: &Inside) {
    let before = everything(artifacts, inside).await;
    let data = pattern(2 * PART_SIZE + 3, 400);
    // The whole artifact but its last bytes, then a source that never yields again.
    let stalled = chunked(&data[..2 * PART_SIZE]).chain(stream::pending());
    let put = artifacts.put_stream(stalled, u64::MAX);
    assert!(
        tokio::time::timeout(Duration::from_secs(3), put)
            .await
            .is_err()
    );
    settle(artifacts, inside, &before).await;
}

pub async fn corrupt_object_is_detected(artifacts: &Artifacts, scratch: &Path) {
    for (seed, size) in [(300, 1000), (301, PART_SIZE + 5)] {
        let data = pattern(size, seed);
        let stored = artifacts
            .put_stream(chunked(&data), u64::MAX)
            .await
            .unwrap();
        let key = object_key(&stored.sha256).unwrap();

        // One bit flipped, then the object cut short: both must be caught.
        let mut flipped = data.clone();
        flipped[size / 2] ^= 1;
        for bad in [flipped, data[..size - 1].to_vec()] {
            artifacts
                .object_store()
                .put(&key, bad.into())
                .await
                .unwrap();
            let dest = scratch.join("corrupt-download");
            let err = artifacts
                .get_to_file(&stored.sha256, &dest)
                .await
                .unwrap_err();
            assert!(
                matches!(&err, Error::Corrupt { sha256 } if *sha256 == stored.sha256),
                "{err}"
            );
            assert!(
                !dest.exists(),
                "a corrupt download was left at {}",
                dest.display()
            );

            let items: Vec<_> = artifacts
                .get_stream(&stored.sha256)
                .await
                .unwrap()
                .collect()
                .await;
            assert!(matches!(items.last(), Some(Err(Error::Corrupt { .. }))));
        }
    }
}

pub async fn bad_digests_are_rejected(artifacts: &Artifacts, scratch: &Path) {
    let valid = sha256(b"x");
    let bad = [
        valid.to_uppercase(),
        format!("../{}", &valid[3..]),
        format!("{}/..", &valid[..62]),
        valid[..63].to_string(),
        format!("{valid}0"),
        String::new(),
        "sha256:abc".to_string(),
    ];
    let dest = scratch.join("never-written");
    for digest in &bad {
        let invalid = |r: Result<(), Error>| matches!(r, Err(Error::InvalidSha256 { .. }));
        assert!(
            invalid(artifacts.exists(digest).await.map(drop)),
            "{digest:?}"
        );
        assert!(
            invalid(artifacts.size(digest).await.map(drop)),
            "{digest:?}"
        );
        assert!(
            invalid(artifacts.get_to_file(digest, &dest).await),
            "{digest:?}"
        );
        assert!(
            invalid(artifacts.get_stream(digest).await.map(drop)),
            "{digest:?}"
        );
    }
    assert!(!dest.exists());
}

pub async fn missing_artifact_is_not_found(artifacts: &Artifacts, scratch: &Path) {
    let absent = sha256(b"never stored");
    assert!(!artifacts.exists(&absent).await.unwrap());
    assert!(
        matches!(artifacts.size(&absent).await, Err(Error::NotFound { sha256 }) if sha256 == absent)
    );
    let dest = scratch.join("absent");
    let err = artifacts.get_to_file(&absent, &dest).await.unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err}");
    assert!(!dest.exists());
}

pub async fn sweep_removes_only_stale_incoming(artifacts: &Artifacts, inside: &Inside) {
    let kept = artifacts.put_stream(chunked(b"kept"), 100).await.unwrap();
    let leftover = object_store::path::Path::from("incoming/crashed-upload");
    artifacts
        .object_store()
        .put(&leftover, b"partial".to_vec().into())
        .await
        .unwrap();
    assert_eq!(
        artifacts
            .sweep_incoming(Duration::from_secs(3600))
            .await
            .unwrap(),
        0
    );
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(
        artifacts
            .sweep_incoming(Duration::from_millis(10))
            .await
            .unwrap(),
        1
    );
    let left = everything(artifacts, inside).await;
    assert!(
        left.iter().all(|entry| !entry.contains("incoming/")),
        "{left:?}"
    );
    assert!(artifacts.exists(&kept.sha256).await.unwrap());
}

/// Asserts the store holds what it held before; an aborted upload's clean-up may trail the
/// error by a moment (local staging files are removed on a blocking thread).
async fn settle(artifacts: &Artifacts, inside: &Inside, before: &[String]) {
    let mut now = Vec::new();
    for _ in 0..50 {
        now = everything(artifacts, inside).await;
        if now == before {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(now, before, "a failed upload left something behind");
}
