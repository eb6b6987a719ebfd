//! Bounds on what netvet reads and on how long a policy may run.

use std::time::Duration;

/// Limits for loading and evaluation. A value passed in, not a global.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Largest catalogue, dossier or product file.
    pub max_file_bytes: u64,
    /// Largest scan report (evidence).
    pub max_evidence_bytes: u64,
    /// Most files in one input directory.
    pub max_files: usize,
    /// Most bytes of catalogue, dossier or product files in one directory.
    pub max_total_bytes: u64,
    /// Longest a single evaluation (one product, all its roles) may run.
    pub eval_time: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_file_bytes: 1 << 20,
            max_evidence_bytes: 64 << 20,
            max_files: 100_000,
            max_total_bytes: 256 << 20,
            eval_time: Duration::from_secs(2),
        }
    }
}
