//! A progress line on stderr while jobs run (only on a terminal): the stage, the layer being
//! opened, files and bytes read.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use netvet_pipeline::{Progress, ProgressRef};
use netvet_report::text::size;

/// Counts files and bytes and shows them with the stage and the layer being opened.
pub struct Spinner {
    bar: ProgressBar,
    files: AtomicU64,
    bytes: AtomicU64,
}

impl Spinner {
    /// A spinner for work on `subject`, or None when stderr is not a terminal.
    pub fn start(subject: &str) -> Option<Arc<Spinner>> {
        if !crate::output::stderr_is_tty() {
            return None;
        }
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{spinner} {prefix} {msg} [{elapsed}]")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.set_prefix(subject.to_string());
        bar.enable_steady_tick(Duration::from_millis(120));
        Some(Arc::new(Spinner {
            bar,
            files: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
        }))
    }

    /// Clears the line.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }

    fn update(&self) {
        let f = self.files.load(Ordering::Relaxed);
        let b = self.bytes.load(Ordering::Relaxed);
        self.bar.set_message(format!("{f} files, {} read", size(b)));
    }
}

impl netvet_unpack::Progress for Spinner {
    fn file_done(&self, bytes: u64) {
        self.files.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(bytes, Ordering::Relaxed);
        self.update();
    }

    fn layer_opened(&self, path: &str, format: &str) {
        self.bar.set_message(format!("{format} {path}"));
    }
}

impl Progress for Spinner {
    fn stage(&self, name: &str) {
        self.bar.set_prefix(name.to_string());
    }
}

/// Runs `job` with a progress line for `subject` (on a terminal), cleared afterwards.
pub fn with_progress<T>(subject: &str, job: impl FnOnce(&ProgressRef) -> T) -> T {
    let spinner = Spinner::start(subject);
    let progress: ProgressRef = spinner.clone().map(|s| s as Arc<dyn Progress>);
    let out = job(&progress);
    if let Some(s) = spinner {
        s.finish();
    }
    out
}
