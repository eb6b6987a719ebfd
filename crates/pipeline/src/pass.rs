//! The single pass: an image is unpacked once and each file's content is read once and given,
//! in parallel, to every stage that joins the pass (the checks, the catalogers). Stages that
//! need the whole tree run after it, by the job that started the pass.
//!
//! A stage that panics on one file is contained here: the panic becomes an error naming the
//! stage and the file, and the pass goes on.

use std::cell::RefCell;
use std::io::Read;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::Mutex;

use netvet_unpack::contain::panic_message;
use netvet_unpack::{Entry, Tree};

/// A stage that sees every file's content during the pass.
pub trait FileStage: Send + Sync {
    /// The stage's name, for messages (`checks`, `catalogers`).
    fn name(&self) -> &str;
    /// Sees one file's content (in parallel with other files). `data` holds at most the
    /// pass's read limit; it is complete when it holds `entry.size` bytes.
    fn file(&self, entry: &Entry, data: &[u8]);
}

/// How to run a pass.
#[derive(Clone)]
pub struct PassOptions {
    /// Unpacking limits, spool directory and progress.
    pub unpack: netvet_unpack::Options,
    /// Bytes of each file given to the stages (files are read once, up to this).
    pub max_read: u64,
}

impl Default for PassOptions {
    fn default() -> PassOptions {
        PassOptions {
            unpack: netvet_unpack::Options::default(),
            max_read: 256 << 20,
        }
    }
}

/// What a pass leaves: the tree (entries, layers, warnings) and what could not be read.
pub struct Pass {
    /// The image's tree: entries, layers and their warnings.
    pub tree: Tree,
    /// Files that could not be read, and stages that failed on a file.
    pub errors: Vec<String>,
}

thread_local! {
    static BUF: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Unpacks the image at `path` and gives every file's content to `stages`.
pub fn run(path: &Path, opts: &PassOptions, stages: &[&dyn FileStage]) -> crate::Result<Pass> {
    let errors = Mutex::new(Vec::new());
    let error = |m: String| errors.lock().unwrap_or_else(|p| p.into_inner()).push(m);
    let max = opts.max_read;
    let visit = |entry: &Entry, r: &mut dyn Read| -> std::io::Result<()> {
        let mut buf = BUF.with(|b| std::mem::take(&mut *b.borrow_mut()));
        buf.clear();
        if let Err(e) = r.take(max).read_to_end(&mut buf) {
            // Stages still see what was read.
            error(format!("{}: {e}", entry.path));
        }
        for s in stages {
            if let Err(panic) = catch_unwind(AssertUnwindSafe(|| s.file(entry, &buf))) {
                error(format!(
                    "{}: stage {} failed on this file (internal error: {})",
                    entry.path,
                    s.name(),
                    panic_message(panic.as_ref())
                ));
            }
        }
        // Keep large buffers from pinning memory between files.
        if buf.capacity() <= 16 << 20 {
            BUF.with(|b| *b.borrow_mut() = buf);
        }
        Ok(())
    };
    let tree = netvet_unpack::walk_path(path, &opts.unpack, &visit)?;
    let mut errors = errors.into_inner().unwrap_or_else(|p| p.into_inner());
    errors.sort();
    errors.dedup();
    Ok(Pass { tree, errors })
}

/// The checks as a stage of the pass.
pub(crate) struct ChecksStage<'a>(pub netvet_inspect::CheckRun<'a>);

impl FileStage for ChecksStage<'_> {
    fn name(&self) -> &str {
        "checks"
    }

    fn file(&self, entry: &Entry, data: &[u8]) {
        self.0.file(entry, data);
    }
}
