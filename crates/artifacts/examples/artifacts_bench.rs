//! Drives the local store for bench/artifacts.sh:
//! `artifacts_bench put STORE FILE` stores FILE; `artifacts_bench get STORE SHA256 DEST` reads
//! an artifact back, verified. Each prints bytes, seconds and MB/s on one line.

use std::path::PathBuf;
use std::time::Instant;

use netvet_artifacts::{Artifacts, ArtifactsConfig};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: artifacts_bench put STORE FILE | get STORE SHA256 DEST";
    let (command, store) = match args.as_slice() {
        [command, store, ..] => (command.as_str(), PathBuf::from(store)),
        _ => return Err(usage.into()),
    };
    let artifacts = Artifacts::open(&ArtifactsConfig::Local { root: store }).await?;
    let started = Instant::now();
    let (bytes, what) = match (command, &args[2..]) {
        ("put", [file]) => {
            let stored = artifacts.put_file(file.as_ref(), u64::MAX).await?;
            (
                stored.size,
                format!("sha256 {} created {}", stored.sha256, stored.created),
            )
        }
        ("get", [sha256, dest]) => {
            artifacts.get_to_file(sha256, dest.as_ref()).await?;
            (
                artifacts.size(sha256).await?,
                format!("sha256 {sha256} verified"),
            )
        }
        _ => return Err(usage.into()),
    };
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{command}: {bytes} bytes in {seconds:.2} s = {:.0} MB/s; {what}",
        bytes as f64 / 1e6 / seconds
    );
    Ok(())
}
