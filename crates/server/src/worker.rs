//! The in-process worker pool: each worker claims an analysis job, copies the image out of
//! the object store (verifying its hash), runs `netvet_pipeline::Analyser::analyse` — what
//! `netvet scan` runs — on a blocking thread, reports progress into the analysis (once a
//! second at most, which also extends its lease), and stores the outcome with its fencing
//! token. Shutdown gives the running job back to the queue. With a [`crate::ChildAnalysis`]
//! configured, the unpack-and-scan step runs in a child process instead ([`crate::sandbox`]).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use netvet_model::{ScanReport, WarningCode};
use netvet_pipeline::{AnalyseOptions, Analyser, Progress, ProgressRef};
use netvet_store::{Claim, Outcome};
use tokio::sync::watch;

use crate::AppState;

/// How long a claim holds a job without a progress report.
const LEASE: Duration = Duration::from_secs(60);
/// How often progress is written (and the lease extended).
const PROGRESS_EVERY: Duration = Duration::from_secs(1);
/// How long an idle worker waits before looking again (uploads wake it sooner).
const IDLE: Duration = Duration::from_secs(2);

/// A name for this process's workers in the queue (`host-pid`).
pub fn host_id() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "netvet".into());
    format!("{host}-{}", std::process::id())
}

/// What the analysis has done so far, updated from the pipeline's threads.
#[derive(Default)]
struct Counters {
    stage: Mutex<String>,
    layers: AtomicU64,
    files: AtomicU64,
    bytes: AtomicU64,
}

impl netvet_unpack::Progress for Counters {
    fn file_done(&self, bytes: u64) {
        self.files.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(bytes, Ordering::Relaxed);
    }

    fn layer_opened(&self, _path: &str, _format: &str) {
        self.layers.fetch_add(1, Ordering::Relaxed);
    }
}

impl Progress for Counters {
    fn stage(&self, name: &str) {
        if let Ok(mut s) = self.stage.lock() {
            *s = name.to_string();
        }
    }
}

impl Counters {
    fn json(&self) -> String {
        let stage = self.stage.lock().map(|s| s.clone()).unwrap_or_default();
        serde_json::json!({
            "stage": stage,
            "layers": self.layers.load(Ordering::Relaxed),
            "files": self.files.load(Ordering::Relaxed),
            "bytes": self.bytes.load(Ordering::Relaxed),
        })
        .to_string()
    }
}

/// Analysis options as `netvet scan` builds them from its flags (here the service's).
fn options(state: &AppState) -> AnalyseOptions {
    let as_of = netvet_pipeline::today();
    let mut unpack = state.config.unpack.clone();
    if unpack.spooler.tmp_dir.is_none() {
        unpack.spooler.tmp_dir = Some(state.config.data_dir.join("work"));
    }
    AnalyseOptions {
        unpack,
        index: crate::rematch::index_in_use(state),
        ..AnalyseOptions::new(as_of)
    }
}

/// The advisory index as a worker last opened it: its path, size and modification time
/// (an import replaces the file, so any of them changes).
fn index_stamp(
    state: &AppState,
) -> Option<(std::path::PathBuf, u64, Option<std::time::SystemTime>)> {
    let path = crate::rematch::index_in_use(state)?;
    let meta = std::fs::metadata(&path).ok()?;
    Some((path, meta.len(), meta.modified().ok()))
}

/// An analyser with the options in effect (compiling the rule packs takes a while: once per
/// worker, and again only when the advisory index was replaced).
async fn analyser(state: &AppState) -> Option<Arc<Analyser>> {
    let opts = options(state);
    match tokio::task::spawn_blocking(move || Analyser::new(opts)).await {
        Ok(Ok(a)) => Some(Arc::new(a)),
        Ok(Err(e)) => {
            tracing::error!(error = %e, "worker cannot set up the analyser");
            None
        }
        Err(e) => {
            tracing::error!(error = %e, "worker set-up panicked");
            None
        }
    }
}

/// Runs one worker until `stop` turns true.
pub async fn run(state: AppState, name: String, mut stop: watch::Receiver<bool>) {
    let work = state.config.data_dir.join("work");
    if let Err(e) = tokio::fs::create_dir_all(&work).await {
        tracing::error!(dir = %work.display(), error = %e, "worker cannot create its work directory");
        return;
    }
    let mut stamp = index_stamp(&state);
    // Compiling the rule packs takes a while: once per worker, not per job (and not at all
    // when a child process analyses).
    let mut analyser = if state.config.child_analysis.is_some() {
        None
    } else {
        match analyser(&state).await {
            Some(a) => Some(a),
            None => return,
        }
    };
    tracing::info!(worker = %name, "worker ready");
    while !*stop.borrow() {
        match state.store.claim_job(&name, LEASE).await {
            Ok(Some(claim)) => {
                tracing::info!(worker = %name, job = claim.job_id, kind = %claim.kind, analysis = claim.analysis_id, "job claimed");
                if claim.kind == netvet_store::REMATCH {
                    crate::rematch::run_job(&state, claim).await;
                    continue;
                }
                // The analyser holds the index it opened: after an import, open the new one
                // (a child process opens the index in use each time).
                let now = index_stamp(&state);
                if now != stamp && analyser.is_some() {
                    match self::analyser(&state).await {
                        Some(a) => {
                            analyser = Some(a);
                            stamp = now;
                        }
                        None => {
                            finish(
                                &state,
                                &claim,
                                Outcome::Failed {
                                    error: "the analyser could not open the new advisory index"
                                        .into(),
                                },
                            )
                            .await;
                            continue;
                        }
                    }
                }
                run_job(&state, &analyser, claim, &mut stop).await;
            }
            Ok(None) => {
                tokio::select! {
                    () = state.jobs.notified() => {}
                    () = tokio::time::sleep(IDLE) => {}
                    _ = stop.changed() => {}
                }
            }
            Err(e) => {
                tracing::error!(worker = %name, error = %e, "claiming a job failed");
                tokio::time::sleep(IDLE).await;
            }
        }
    }
    tracing::info!(worker = %name, "worker stopped");
}

/// The warning of a report whose unpacking hit a limit, if it did.
fn limit_warning(report: &ScanReport) -> Option<String> {
    let hits: Vec<String> = report
        .image
        .all_warnings()
        .filter(|(_, w)| {
            matches!(
                w.code,
                WarningCode::LimitDepth
                    | WarningCode::LimitBytes
                    | WarningCode::LimitEntries
                    | WarningCode::LimitRatio
                    | WarningCode::LimitTime
                    | WarningCode::LimitFileSize
            )
        })
        .map(|(_, w)| w.message.clone())
        .take(10)
        .collect();
    (!hits.is_empty()).then(|| {
        format!(
            "an unpacking limit stopped part of the analysis: {}",
            hits.join("; ")
        )
    })
}

async fn run_job(
    state: &AppState,
    analyser: &Option<Arc<Analyser>>,
    claim: Claim,
    stop: &mut watch::Receiver<bool>,
) {
    let dir = match tempfile::Builder::new()
        .prefix("job-")
        .tempdir_in(state.config.data_dir.join("work"))
    {
        Ok(d) => d,
        Err(e) => {
            return finish(
                state,
                &claim,
                Outcome::Failed {
                    error: format!("work directory: {e}"),
                },
            )
            .await;
        }
    };
    let image = dir.path().join("image");
    if let Err(e) = state
        .objects
        .get_to_file(&claim.artifact_sha256, &image)
        .await
    {
        return finish(
            state,
            &claim,
            Outcome::Failed {
                error: e.to_string(),
            },
        )
        .await;
    }
    let counters = Arc::new(Counters::default());
    let progress: ProgressRef = Some(counters.clone() as Arc<dyn Progress>);
    let job: std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<ScanReport, String>> + Send>,
    > = match (&state.config.child_analysis, analyser) {
        (Some(spec), _) => {
            counters.stage("analysing in a child process");
            let spec = spec.clone();
            let image = image.clone();
            let work = dir.path().to_path_buf();
            let AnalyseOptions { unpack, index, .. } = options(state);
            Box::pin(async move {
                crate::sandbox::analyse(
                    &spec,
                    &image,
                    &work,
                    &unpack,
                    index.as_deref(),
                    netvet_pipeline::today(),
                )
                .await
            })
        }
        (None, Some(analyser)) => {
            let analyser = analyser.clone();
            let image = image.clone();
            let blocking = tokio::task::spawn_blocking(move || analyser.analyse(&image, &progress));
            Box::pin(async move {
                match blocking.await {
                    Ok(Ok(report)) => Ok(report),
                    Ok(Err(e)) => Err(e.to_string()),
                    Err(join) if join.is_panic() => Err(format!(
                        "the analysis failed (internal error: {})",
                        netvet_unpack::contain::panic_message(join.into_panic().as_ref())
                    )),
                    Err(join) => Err(format!("the analysis was cancelled: {join}")),
                }
            })
        }
        (None, None) => Box::pin(async { Err("no analyser".to_string()) }),
    };
    let mut job = job;
    let mut ticker = tokio::time::interval(PROGRESS_EVERY);
    let result = loop {
        tokio::select! {
            r = &mut job => break r,
            _ = ticker.tick() => {
                if let Err(e) = state.store.record_progress(&claim, &counters.json(), LEASE).await {
                    tracing::warn!(job = claim.job_id, error = %e, "progress not recorded");
                }
            }
            _ = stop.changed() => {
                // Shutting down: the job goes back to the queue for the next start (the
                // blocking analysis is abandoned with the process).
                if let Err(e) = state.store.release_job(&claim).await {
                    tracing::warn!(job = claim.job_id, error = %e, "job not released; its lease will expire");
                }
                return;
            }
        }
    };
    // The final counts, so a finished analysis shows what it covered.
    if let Err(e) = state
        .store
        .record_progress(&claim, &counters.json(), LEASE)
        .await
    {
        tracing::warn!(job = claim.job_id, error = %e, "progress not recorded");
    }
    let outcome = match result {
        Ok(report) => match netvet_model::json::to_canonical_string(&report) {
            Ok(text) => match limit_warning(&report) {
                Some(warning) => Outcome::Partial {
                    report: text,
                    warning,
                },
                None => Outcome::Done { report: text },
            },
            Err(e) => Outcome::Failed {
                error: format!("report not serialisable: {e}"),
            },
        },
        Err(error) => Outcome::Failed { error },
    };
    finish(state, &claim, outcome).await;
}

async fn finish(state: &AppState, claim: &Claim, outcome: Outcome) {
    let status = match &outcome {
        Outcome::Done { .. } => "done",
        Outcome::Partial { .. } => "partial",
        Outcome::Failed { .. } => "failed",
    };
    match state.store.finish_job(claim, outcome).await {
        Ok(()) => tracing::info!(
            job = claim.job_id,
            analysis = claim.analysis_id,
            status,
            "job finished"
        ),
        Err(e) => tracing::warn!(job = claim.job_id, error = %e, "job result not stored"),
    }
}
