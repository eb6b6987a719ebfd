//! The checks, one module each, and the explicit list of them.

pub mod accounts;
pub mod authcmp;
pub mod crypto;
pub mod hardening;
pub mod network;
pub mod secrets;
pub mod services;
#[cfg(feature = "yara")]
pub mod signatures;
pub mod updates;
pub mod webroot;

#[cfg(feature = "yara")]
use std::sync::Arc;

use netvet_model::Service;
use netvet_model::scan::Hardening;
use netvet_unpack::Tree;

use crate::check::{CheckInfo, Sink};
use crate::content::FileCtx;

/// What the tree stage may add to the report besides findings.
#[derive(Default)]
pub struct Extras {
    pub services: Vec<Service>,
    pub hardening: Vec<Hardening>,
}

/// A check. The scan calls `file` for every file during the single pass (in parallel), then
/// `finish` once with the whole tree.
pub trait Check: Send + Sync {
    /// Selection tag of this check's area (`accounts`, `services`, ...).
    fn area(&self) -> &'static str;

    /// Every kind of finding the check can emit.
    fn infos(&self) -> Vec<&CheckInfo>;

    /// Sees one file's content during the pass.
    fn file(&self, _ctx: &FileCtx<'_>, _sink: &Sink) {}

    /// Runs after the pass over the whole tree.
    fn finish(&self, _tree: &Tree, _sink: &Sink, _extras: &mut Extras) {}
}

/// A compiled rule pack, as the `signatures` check takes it.
#[cfg(feature = "yara")]
pub type Rules = Arc<crate::rules::RulePack>;
/// Built without the `yara` feature there is no rule pack (and no `signatures` check).
#[cfg(not(feature = "yara"))]
pub type Rules = std::convert::Infallible;

/// Every built-in check, in reporting order; `signatures` uses the compiled rule pack.
pub fn registry(rules: Option<Rules>, now: i64) -> Vec<Box<dyn Check>> {
    #[cfg_attr(not(feature = "yara"), allow(unused_mut))]
    let mut v: Vec<Box<dyn Check>> = vec![
        Box::new(accounts::Accounts::default()),
        Box::new(services::Services),
        Box::new(crypto::Crypto::new(now)),
        Box::new(secrets::Secrets::new()),
        Box::new(network::Network::new()),
        Box::new(hardening::HardeningCheck::default()),
        Box::new(webroot::WebRoot),
        Box::new(updates::Updates),
    ];
    if let Some(r) = rules {
        #[cfg(feature = "yara")]
        v.push(Box::new(signatures::Signatures::new(r)));
        #[cfg(not(feature = "yara"))]
        match r {}
    }
    v
}

/// Documentation and reference text: manuals, licences, translations, headers, examples and
/// Markdown. Checks scan these paths like any other (a back door can hide anywhere); what
/// they find there is an example or a quotation more often than behaviour, so it is reported
/// at informational severity with `documentation: true`, never skipped.
pub fn is_documentation(fs_path: &str) -> bool {
    const DIRS: &[&str] = &[
        "/usr/share/doc/",
        "/usr/share/man/",
        "/usr/share/info/",
        "/usr/share/locale/",
        "/usr/share/common-licenses/",
        "/usr/share/gtk-doc/",
        "/usr/include/",
    ];
    DIRS.iter().any(|d| fs_path.starts_with(d))
        || fs_path.contains("/examples/")
        || fs_path.ends_with(".md")
}

/// The virtual paths of the filesystems in a tree that look like a system root (they have an
/// `etc`, `bin`, `sbin` or `usr` directory), e.g. `fw.bin!/0x100000.squashfs`.
pub fn system_roots(tree: &Tree) -> Vec<String> {
    let mut roots: Vec<String> = tree
        .report()
        .layers
        .iter()
        .map(|l| l.path.clone())
        .filter(|p| {
            ["etc", "bin", "sbin", "usr"].iter().any(|d| {
                tree.get(&format!("{p}!/{d}"))
                    .is_some_and(|e| e.kind == netvet_model::EntryKind::Dir)
            })
        })
        .collect();
    roots.sort();
    roots.dedup();
    roots
}

/// Text lines of a file found by path inside a root, following links; `None` when absent or
/// unreadable (the reason goes to the sink).
pub fn read_text(tree: &Tree, root: &str, path: &str, sink: &Sink) -> Option<(String, String)> {
    let vpath = format!("{root}!/{}", path.trim_start_matches('/'));
    let e = tree.resolve(&vpath)?;
    if !e.is_file() {
        return None;
    }
    match tree.read(e) {
        Ok(bytes) => Some((e.path.clone(), String::from_utf8_lossy(&bytes).into_owned())),
        Err(err) => {
            sink.error(format!("{vpath}: {err}"));
            None
        }
    }
}

/// Deterministic bytes that look random, for tests.
#[cfg(test)]
pub(crate) fn tests_noise(len: usize) -> Vec<u8> {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documentation_paths() {
        assert!(is_documentation("/usr/share/doc/curl/copyright"));
        assert!(is_documentation("/usr/share/man/man8/x.8"));
        assert!(is_documentation("/opt/app/examples/server.conf"));
        assert!(is_documentation("/README.md"));
        assert!(!is_documentation("/usr/share/www/index.html"));
        assert!(!is_documentation("/etc/ssl/certs/gw.crt"));
    }
}
