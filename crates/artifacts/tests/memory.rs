//! A 200 MB streamed put and read back on the local backend, with the process's peak resident
//! memory measured around it. Alone in its test binary so that no other test's memory counts.
// The shared suite's helpers unwrap too: a failure there is the test failing.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Instant;

use bytes::Bytes;
use futures_util::stream;
use netvet_artifacts::{Artifacts, ArtifactsConfig};
use sha2::{Digest, Sha256};

const TOTAL: usize = 200 * 1000 * 1000;
const CHUNK: usize = 64 * 1024;

/// Chunk `index` of the generated artifact: a fixed random block stamped with its index.
fn chunk(block: &[u8], index: usize) -> Bytes {
    let mut chunk = block[..CHUNK.min(TOTAL - index * CHUNK)].to_vec();
    chunk[..8].copy_from_slice(&(index as u64).to_le_bytes());
    Bytes::from(chunk)
}

fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with(field)).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streamed_put_of_200_mb_keeps_memory_flat() {
    let dir = tempfile::TempDir::new().unwrap();
    let artifacts = Artifacts::open(&ArtifactsConfig::Local {
        root: dir.path().join("store"),
    })
    .await
    .unwrap();
    let block = common::pattern(CHUNK, 42);
    let chunks = TOTAL.div_ceil(CHUNK);
    let mut expected = Sha256::new();
    for i in 0..chunks {
        expected.update(chunk(&block, i));
    }
    let expected = hex::encode(expected.finalize());

    // Writing 5 to clear_refs resets the peak (VmHWM) to the current resident size.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let baseline = status_kib("VmRSS:");
    let started = Instant::now();
    let source = stream::iter((0..chunks).map(|i| Ok::<_, std::io::Error>(chunk(&block, i))));
    let stored = artifacts.put_stream(source, TOTAL as u64).await.unwrap();
    let elapsed = started.elapsed();
    assert_eq!(
        (stored.sha256.as_str(), stored.size),
        (expected.as_str(), TOTAL as u64)
    );

    let dest = dir.path().join("read-back");
    artifacts.get_to_file(&stored.sha256, &dest).await.unwrap();
    assert_eq!(std::fs::metadata(&dest).unwrap().len(), TOTAL as u64);

    let growth_mib = status_kib("VmHWM:").saturating_sub(baseline) / 1024;
    eprintln!(
        "200 MB put in {elapsed:.2?} ({:.0} MB/s, debug build); peak RSS growth {growth_mib} MiB",
        TOTAL as f64 / 1e6 / elapsed.as_secs_f64()
    );
    // The bound is 32 MiB of parts in flight plus a chunk; a put that held the artifact would
    // grow by 200 MB or more. Loose, for allocator slack.
    assert!(growth_mib < 96, "peak RSS grew by {growth_mib} MiB");
}
