//! A progress line on stderr while images are unpacked (only on a terminal).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use netvet_unpack::Progress;

use crate::output::human_size;

/// Counts files and bytes and shows them with the layer being opened.
pub struct Spinner {
    bar: ProgressBar,
    files: AtomicU64,
    bytes: AtomicU64,
    verb: &'static str,
}

impl Spinner {
    /// A spinner for `image`, or None when stderr is not a terminal.
    pub fn start(verb: &'static str, image: &str) -> Option<Arc<Spinner>> {
        if !crate::output::stderr_is_tty() {
            return None;
        }
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{spinner} {prefix} {msg} [{elapsed}]")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.set_prefix(format!("{verb} {image}"));
        bar.enable_steady_tick(Duration::from_millis(120));
        Some(Arc::new(Spinner {
            bar,
            files: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
            verb,
        }))
    }

    /// Clears the line.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }

    fn update(&self) {
        let f = self.files.load(Ordering::Relaxed);
        let b = self.bytes.load(Ordering::Relaxed);
        self.bar
            .set_message(format!("{f} files, {} {}", human_size(b), self.verb));
    }
}

impl Progress for Spinner {
    fn file_done(&self, bytes: u64) {
        self.files.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(bytes, Ordering::Relaxed);
        self.update();
    }

    fn layer_opened(&self, _path: &str, format: &str) {
        self.bar.set_prefix(format!("{} ({format})", self.verb));
    }
}
