//! Changing the index safely: every change is made in a copy beside it, and the copy replaces
//! the index only when all of the change succeeded. A failed `db import` or `db update` (a
//! missing file, a file that is not advisory data, a broken download) leaves no index where
//! there was none and the old index untouched where there was one.

use std::path::{Path, PathBuf};

use crate::advisory::Bounds;
use crate::error::{Error, Result};
use crate::store::{ImportStats, Index, Status};

/// An index being changed in a temporary copy in the same directory (so the final rename is
/// atomic). Dropping it without [`Staged::commit`] discards the copy.
pub struct Staged {
    index: Index,
    /// Removed on drop, with the copy inside it.
    _dir: tempfile::TempDir,
    copy: PathBuf,
    target: PathBuf,
    fresh: bool,
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.display().to_string(),
        source,
    }
}

impl Staged {
    /// Starts a change of the index at `target`: copies it (checking its schema) or, when it
    /// does not exist, creates an empty one in the copy.
    pub fn begin(target: &Path) -> Result<Staged> {
        Staged::start(target, true)
    }

    /// Starts a new, empty index that will replace the one at `target` (one of another schema
    /// version, which cannot be changed in place).
    pub fn begin_empty(target: &Path) -> Result<Staged> {
        Staged::start(target, false)
    }

    fn start(target: &Path, keep: bool) -> Result<Staged> {
        let parent = target
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(parent).map_err(io(parent))?;
        let dir = tempfile::Builder::new()
            .prefix(".netvet-index-")
            .tempdir_in(parent)
            .map_err(io(parent))?;
        let copy = dir.path().join("advisories.db");
        let fresh = !keep || !target.exists();
        if !fresh {
            std::fs::copy(target, &copy).map_err(io(target))?;
        }
        let index = Index::create(&copy).map_err(|e| match e {
            // Name the user's file, not the copy.
            Error::Schema {
                found, expected, ..
            } => Error::Schema {
                path: target.display().to_string(),
                found,
                expected,
            },
            other => other,
        })?;
        // The copy is thrown away on any failure, so it needs no journal; it is synced before
        // it replaces the index.
        index.bulk_mode()?;
        Ok(Staged {
            index,
            _dir: dir,
            copy,
            target: target.to_path_buf(),
            fresh,
        })
    }

    /// The index being changed.
    pub fn index(&mut self) -> &mut Index {
        &mut self.index
    }

    /// Whether there was no index before.
    pub fn fresh(&self) -> bool {
        self.fresh
    }

    /// Writes the copy to disk and moves it over the index; returns the new index's status
    /// (naming the index, not the copy).
    pub fn commit(self) -> Result<Status> {
        let mut status = self.index.status()?;
        status.path = self.target.display().to_string();
        self.index.close()?;
        std::fs::File::open(&self.copy)
            .and_then(|f| f.sync_all())
            .map_err(io(&self.copy))?;
        std::fs::rename(&self.copy, &self.target).map_err(io(&self.target))?;
        Ok(status)
    }
}

/// What `netvet db import` did.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ImportOutcome {
    /// Each imported file (or `built-in`) with what it gave, in import order.
    pub imported: Vec<(String, ImportStats)>,
    /// The index afterwards.
    pub status: Status,
}

/// Imports advisory files and directories of them (searched for `*.json`, in name order)
/// into the index at `target`, all or nothing. A new index also gets the built-in advisories
/// unless `builtin` is false.
pub fn import_paths(
    target: &Path,
    paths: &[PathBuf],
    builtin: bool,
    bounds: &Bounds,
) -> Result<ImportOutcome> {
    let mut files = Vec::new();
    for p in paths {
        json_files(p, 0, &mut files)?;
    }
    let mut staged = Staged::begin(target)?;
    let mut imported = Vec::new();
    if staged.fresh() && builtin {
        for s in staged.index().import_builtin()? {
            imported.push(("built-in".to_string(), s));
        }
    }
    for f in &files {
        let bytes = read_bounded(f, bounds.max_file_bytes)?;
        let name = f.display().to_string();
        let stats = staged.index().import(&name, &bytes, bounds)?;
        imported.push((name, stats));
    }
    let status = staged.commit()?;
    Ok(ImportOutcome { imported, status })
}

/// Reads a file of at most `max` bytes.
pub(crate) fn read_bounded(path: &Path, max: u64) -> Result<Vec<u8>> {
    use std::io::Read;
    let f = std::fs::File::open(path).map_err(io(path))?;
    let mut bytes = Vec::new();
    f.take(max.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io(path))?;
    if bytes.len() as u64 > max {
        return Err(Error::Advisory {
            file: path.display().to_string(),
            message: format!("larger than the {max} bytes allowed"),
        });
    }
    Ok(bytes)
}

/// Deepest directory nesting searched (symbolic links can make loops).
const MAX_DEPTH: usize = 16;

/// `p` itself, or the `*.json` files under the directory `p` (sorted, recursively).
fn json_files(p: &Path, depth: usize, out: &mut Vec<PathBuf>) -> Result<()> {
    let meta = std::fs::metadata(p).map_err(io(p))?;
    if !meta.is_dir() {
        out.push(p.to_path_buf());
        return Ok(());
    }
    if depth >= MAX_DEPTH {
        return Err(Error::Advisory {
            file: p.display().to_string(),
            message: format!("directories nested deeper than {MAX_DEPTH} (a link loop?)"),
        });
    }
    let mut entries = Vec::new();
    for e in std::fs::read_dir(p).map_err(io(p))? {
        entries.push(e.map_err(io(p))?.path());
    }
    entries.sort();
    for e in entries {
        if e.is_dir() || e.extension().is_some_and(|x| x == "json") {
            json_files(&e, depth + 1, out)?;
        }
    }
    Ok(())
}
