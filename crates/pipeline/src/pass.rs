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
        if let Err(e) = read_bounded(r, max, entry.size, &mut buf) {
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

/// Bytes read before deciding whether a file is padding.
const HEAD: usize = 1 << 20;

/// Reads at most `max` bytes of a file into `buf` for the stages, without letting padding cost
/// memory: when the first MiB is one repeated byte (erased flash, zeros, a sparse file), what
/// follows is read but not kept while it stays that byte. A file that is padding to its end
/// (or to `max`) leaves the stages its first MiB only, marked incomplete by its length; one
/// with data after the padding gets the padding back in front of the data, so offsets hold.
fn read_bounded(r: &mut dyn Read, max: u64, size: u64, buf: &mut Vec<u8>) -> std::io::Result<()> {
    let mut limited = r.take(max);
    (&mut limited).take(HEAD as u64).read_to_end(buf)?;
    if buf.len() < HEAD {
        return Ok(());
    }
    let fill = buf[0];
    if buf.iter().all(|&b| b == fill) {
        let mut chunk = [0u8; 1 << 16];
        let mut skipped = 0usize;
        loop {
            let n = match limited.read(&mut chunk) {
                Ok(0) => return Ok(()),
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if chunk[..n].iter().all(|&b| b == fill) {
                skipped += n;
                continue;
            }
            buf.resize(buf.len() + skipped, fill);
            buf.extend_from_slice(&chunk[..n]);
            break;
        }
    } else {
        // The size is known: no doubling (and no copy of everything read so far) on the way.
        let want = usize::try_from(size.min(max)).unwrap_or(usize::MAX);
        buf.reserve(want.saturating_sub(buf.len()));
    }
    limited.read_to_end(buf)?;
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

    fn read(data: &[u8], max: u64) -> Vec<u8> {
        let mut buf = Vec::new();
        read_bounded(
            &mut std::io::Cursor::new(data),
            max,
            data.len() as u64,
            &mut buf,
        )
        .expect("read");
        buf
    }

    #[test]
    fn padding_is_not_kept_but_data_after_it_is_at_its_offset() {
        let zeros = vec![0u8; 5 << 20];
        assert_eq!(read(&zeros, 256 << 20).len(), HEAD);
        let mut erased = vec![0xffu8; 3 << 20];
        erased.extend_from_slice(b"hsqs and the rest of a filesystem");
        let got = read(&erased, 256 << 20);
        assert_eq!(got, erased);
        // The read limit still holds after padding.
        assert_eq!(read(&erased, (3 << 20) + 4).len(), (3 << 20) + 4);
        // Ordinary content is read whole, and small files are not padding however they look.
        let text = b"root:x:0:0::/root:/bin/sh\n".repeat(100_000);
        assert_eq!(read(&text, 256 << 20), text);
        assert_eq!(read(&[0u8; 100], 256 << 20).len(), 100);
    }
}
