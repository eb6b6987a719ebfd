//! Progress of long jobs, reported through a callback: the CLI draws it as a progress line,
//! the service stores it as the job's progress.

use std::sync::Arc;

/// Receives a job's progress. The unpacking part (layers opened, files and bytes read) comes
/// through [`netvet_unpack::Progress`]; `stage` names each step of the job as it starts.
pub trait Progress: netvet_unpack::Progress {
    /// A step of the job started (`unpacking and scanning`, `matching vulnerabilities`...).
    fn stage(&self, name: &str);
}

/// An optional progress receiver, as jobs take it.
pub type ProgressRef = Option<Arc<dyn Progress>>;

/// Tells `progress` (if any) that a stage started, and logs it.
pub(crate) fn stage(progress: &ProgressRef, name: &str) {
    tracing::debug!(stage = name, "stage started");
    if let Some(p) = progress {
        p.stage(name);
    }
}

/// Unpacking options that report to `progress`.
pub(crate) fn unpack_options(
    base: &netvet_unpack::Options,
    progress: &ProgressRef,
) -> netvet_unpack::Options {
    let mut opts = base.clone();
    if let Some(p) = progress {
        let p: Arc<dyn netvet_unpack::Progress> = p.clone();
        opts.progress = Some(p);
    }
    opts
}
