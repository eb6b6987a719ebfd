//! Where the advisory index is, and opening it for matching.

use std::path::{Path, PathBuf};

use netvet_vuln::Index;

/// The index file: `chosen` (a `--db` flag), else `NETVET_DB`, else
/// `$XDG_CACHE_HOME/netvet/advisories.db` (`~/.cache/netvet/advisories.db`). The flag says
/// whether the user chose it (by flag or environment).
pub fn location(chosen: Option<&Path>) -> (PathBuf, bool) {
    if let Some(p) = chosen {
        return (p.to_path_buf(), true);
    }
    if let Some(p) = std::env::var_os("NETVET_DB").filter(|v| !v.is_empty()) {
        return (PathBuf::from(p), true);
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(|| PathBuf::from("."));
    (cache.join("netvet").join("advisories.db"), false)
}

/// An index opened for matching, and a note when it is not the one the user may expect.
pub struct OpenedIndex {
    pub index: Index,
    /// Set when the built-in sample advisories stand in for a missing index.
    pub note: Option<String>,
}

/// Opens the index to match against: the chosen one, or the built-in advisories when the
/// default location holds none (the note says so).
pub fn open_for_matching(chosen: Option<&Path>) -> crate::Result<OpenedIndex> {
    let (path, by_user) = location(chosen);
    if !by_user && !path.exists() {
        return Ok(OpenedIndex {
            index: Index::builtin()?,
            note: Some(format!(
                "no advisory index at {}; using the built-in advisories (netvet db import builds one)",
                path.display()
            )),
        });
    }
    Ok(OpenedIndex {
        index: Index::open(&path)?,
        note: None,
    })
}
