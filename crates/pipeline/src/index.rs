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

/// An index opened for matching, and what the user must know about its data.
pub struct OpenedIndex {
    /// The index, read-only.
    pub index: Index,
    /// Notes: the built-in sample advisories standing in for a missing index, data that is
    /// only samples, stale or empty.
    pub notes: Vec<String>,
}

/// Opens the index to match against: the chosen one, or the built-in advisories when the
/// default location holds none. The notes say so, and warn of stale or sample-only data (its
/// age as of today).
pub fn open_for_matching(chosen: Option<&Path>) -> crate::Result<OpenedIndex> {
    let (path, by_user) = location(chosen);
    let mut notes = Vec::new();
    let index = if !by_user && !path.exists() {
        notes.push(format!(
            "no advisory index at {}; using the built-in advisories (netvet db update builds one)",
            path.display()
        ));
        Index::builtin()?
    } else {
        Index::open(&path)?
    };
    let today = crate::inputs::today().to_string();
    notes.extend(
        netvet_vuln::age::data_age(&index, &today, netvet_vuln::age::DEFAULT_STALE_DAYS)?.warnings,
    );
    Ok(OpenedIndex { index, notes })
}
