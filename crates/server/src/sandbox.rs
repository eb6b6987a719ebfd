//! The unpack-and-scan step of an analysis in a child process with resource limits: the
//! service re-executes a `netvet` binary (`netvet __analyse`), which lowers its own address
//! space (RLIMIT_AS) and CPU time (RLIMIT_CPU) limits before it reads the image, and writes
//! the report to a file; the service keeps a wall-clock limit and kills the child past it. A
//! crash or a limit in the child makes the analysis `failed` with a message saying which;
//! the service keeps serving. Without a [`ChildAnalysis`] configured the step runs in
//! process (tests, and machines without the binary).

use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use netvet_model::{Date, ScanReport};
use tokio::io::AsyncReadExt;

/// How to run analyses in a child process.
#[derive(Clone, Debug)]
pub struct ChildAnalysis {
    /// The `netvet` binary to run (`netvet serve` uses its own).
    pub program: PathBuf,
    /// Address space of the child, bytes; 0: unlimited.
    pub max_memory: u64,
    /// CPU time of the child; zero: unlimited.
    pub max_cpu: Duration,
    /// Wall-clock time before the child is killed.
    pub wall: Duration,
}

/// Bytes of the child's stderr kept for the message (its end).
const STDERR_TAIL: usize = 2048;

/// The command-line arguments that carry `unpack`'s limits (the `scan` flags).
fn limit_args(unpack: &netvet_unpack::Options) -> Vec<String> {
    let l = &unpack.limits;
    let mut args = vec![
        format!("--max-depth={}", l.max_depth),
        format!("--max-bytes={}", l.max_total_bytes),
        format!("--max-entries={}", l.max_entries),
        format!("--max-ratio={}", l.max_ratio),
        format!("--timeout={}", l.max_time.as_secs().max(1)),
        format!("--max-file-size={}", l.max_file_size),
    ];
    if !unpack.carve_members {
        args.push("--no-carve-members".into());
    }
    args
}

/// Why a child that did not exit 0 stopped, for the analysis's error.
fn explain(spec: &ChildAnalysis, status: std::process::ExitStatus, stderr: &str) -> String {
    let last = stderr
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim();
    let said = if last.is_empty() {
        String::new()
    } else {
        format!(" (it said: {last})")
    };
    let memory = if spec.max_memory > 0 {
        format!("{} MiB", spec.max_memory >> 20)
    } else {
        "none".into()
    };
    match status.signal() {
        // SIGXCPU at the soft CPU limit, SIGKILL at the hard one.
        Some(24) | Some(9) if !spec.max_cpu.is_zero() => format!(
            "the analysis process was stopped by its CPU time limit of {} s or killed (signal {}){said}",
            spec.max_cpu.as_secs(),
            status.signal().unwrap_or(0)
        ),
        // An allocation refused under RLIMIT_AS aborts a Rust process.
        Some(6) => format!(
            "the analysis process aborted, most likely at its memory limit ({memory}){said}"
        ),
        Some(sig) => format!("the analysis process crashed (signal {sig}){said}"),
        None => format!(
            "the analysis process failed with exit code {}{said}",
            status.code().unwrap_or(-1)
        ),
    }
}

/// Runs the analysis of `image` in a child; the report, or the reason there is none.
pub async fn analyse(
    spec: &ChildAnalysis,
    image: &Path,
    dir: &Path,
    unpack: &netvet_unpack::Options,
    index: Option<&Path>,
    as_of: Date,
) -> Result<ScanReport, String> {
    let out = dir.join("report.json");
    let mut command = tokio::process::Command::new(&spec.program);
    if let Some(index) = index {
        command.arg("--index").arg(index);
    }
    command
        .arg("__analyse")
        .arg("--image")
        .arg(image)
        .arg("--out")
        .arg(&out)
        .arg(format!("--as-of={as_of}"))
        .arg(format!("--max-memory={}", spec.max_memory))
        .arg(format!("--max-cpu={}", spec.max_cpu.as_secs()))
        .args(limit_args(unpack))
        .arg("--tmp-dir")
        .arg(unpack.spooler.tmp_dir.as_deref().unwrap_or(dir))
        .env("RUST_LOG", "error")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let mut child = command.spawn().map_err(|e| {
        format!(
            "cannot start the analysis process {}: {e}",
            spec.program.display()
        )
    })?;
    // The child's stderr, read as it comes (a full pipe would stall it); its end is kept.
    let mut pipe = child.stderr.take();
    let stderr = tokio::spawn(async move {
        let mut tail: Vec<u8> = Vec::new();
        if let Some(p) = pipe.as_mut() {
            let mut chunk = [0u8; 4096];
            while let Ok(n) = p.read(&mut chunk).await {
                if n == 0 {
                    break;
                }
                tail.extend_from_slice(&chunk[..n]);
                if tail.len() > STDERR_TAIL {
                    tail.drain(..tail.len() - STDERR_TAIL);
                }
            }
        }
        String::from_utf8_lossy(&tail).into_owned()
    });
    let status = match tokio::time::timeout(spec.wall, child.wait()).await {
        Ok(Ok(status)) => status,
        Ok(Err(e)) => return Err(format!("waiting for the analysis process: {e}")),
        Err(_) => {
            let _ = child.kill().await;
            return Err(format!(
                "the analysis took longer than its wall-clock limit of {} s and was stopped",
                spec.wall.as_secs()
            ));
        }
    };
    let stderr = stderr.await.unwrap_or_default();
    if !status.success() {
        return Err(explain(spec, status, &stderr));
    }
    let text = tokio::fs::read_to_string(&out)
        .await
        .map_err(|e| format!("the analysis process wrote no report: {e}"))?;
    serde_json::from_str(&text)
        .map_err(|e| format!("the analysis process wrote an unreadable report: {e}"))
}
