//! Software inventory of firmware images: catalogers over an unpacked [`Tree`] that produce
//! [`Component`]s, CycloneDX 1.6 and SPDX 2.3 out and in, and comparison of a vendor's SBOM
//! with what an image holds.
//!
//! # Catalogers
//!
//! | id | reads |
//! |---|---|
//! | `dpkg-db-cataloger` | `/var/lib/dpkg/status`, `status.d/*`, `info/*.list` |
//! | `opkg-db-cataloger` | `/usr/lib/opkg/status` (and `/var/lib/opkg`, `ipkg`), `info/*.control`, `info/*.list` |
//! | `apk-db-cataloger` | `/lib/apk/db/installed` |
//! | `rpm-db-cataloger` | `rpmdb.sqlite`, `Packages` (Berkeley DB hash), `Packages.db` (NDB) in `/var/lib/rpm`, `/usr/lib/sysimage/rpm`, `/usr/share/rpm`: see [`rpm`] |
//! | `os-release-cataloger` | `/etc/os-release`, `/etc/openwrt_release`, `/etc/alpine-release`, `/etc/redhat-release` (and `system-release`, `openEuler-release`), `/etc/debian_version` |
//! | `linux-kernel-modules-cataloger` | `/lib/modules/VERSION/` directories (an ABI name: see [`kernel`]) |
//! | `linux-kernel-image-cataloger` | bzImage setup-header version strings, LZ4-legacy zImage payloads, uImage names |
//! | `java-archive-cataloger` | `META-INF/maven/*/*/pom.properties` in Java archives: see [`java`] |
//! | `busybox-applet-cataloger` | symlinks and hard links that resolve to a BusyBox binary |
//! | `binary-classifier-cataloger` (`busybox-binary`, `openssl-library`, `linux-kernel`, ...) | the bytes of every binary file: see [`classifier`] and `data/classifiers.toml` |
//!
//! [`registry`] lists them with their tags; [`Cataloger::with_selection`] runs only some.
//!
//! # The contract with the scan's single pass
//!
//! `netvet scan` reads every file of an image exactly once, in parallel
//! ([`netvet_unpack::walk_path`]). Cataloging fits into that pass in two steps:
//!
//! 1. **Per file** — [`Cataloger::file`] takes an entry and its whole content (already read
//!    by the pass) and returns the components its bytes show (binary classifiers, kernel
//!    banners, module `vermagic`), each with one piece of evidence. It is pure, cheap on files
//!    that hold nothing (text files are skipped; one multi-pattern automaton pass otherwise),
//!    and may be called from any thread in any order.
//! 2. **Finish** — [`Cataloger::finish`] takes the completed tree and everything step 1
//!    returned (in any order) and runs the tree-level catalogers, which read package
//!    databases by path through the [`Tree`]; then merges each package with the binaries it
//!    installed (one component, two pieces of evidence), merges copies of the same program
//!    (one component, one piece of evidence per file), drops hits on an image file whose
//!    content is catalogued through its unpacked children, and sorts the result.
//!
//! [`Cataloger::catalog`] (or the free function [`catalog`]) does both over an opened tree,
//! reading the files itself, for callers that have no pass of their own.

pub mod apk;
pub mod busybox;
pub mod classifier;
pub mod compare;
pub mod control;
pub mod cyclonedx;
pub mod dpkg;
pub mod error;
pub mod identity;
pub mod installed;
pub mod java;
pub mod kernel;
mod merge;
pub mod opkg;
pub mod os;
pub mod registry;
pub mod rpm;
pub mod spdx;

use std::collections::BTreeMap;

use netvet_model::{Component, ComponentEvidence, ComponentType};
use netvet_unpack::{Entry, Origin, Tree};
use rayon::prelude::*;

pub use classifier::{Classifier, Classifiers};
pub use error::{Error, Result};
pub use registry::{CatalogerInfo, Selection};

/// Files larger than this are not classified by content (kernels and big daemons are far
/// smaller; this bounds the work one hostile file can cause).
pub const MAX_CLASSIFY_BYTES: u64 = 256 << 20;

/// The outcome of cataloging one image.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Catalog {
    /// Components, sorted by type, name, version and PURL.
    pub components: Vec<Component>,
    /// Problems met (unreadable or oversized databases...); cataloging went on.
    pub problems: Vec<String>,
}

/// Runs the catalogers. Build once (the classifier table is compiled and validated) and share
/// between threads.
#[derive(Clone, Debug)]
pub struct Cataloger {
    classifiers: Classifiers,
    selection: Selection,
}

impl Cataloger {
    /// With the built-in classifier table.
    pub fn new() -> Result<Cataloger> {
        Ok(Cataloger {
            classifiers: classifier::builtin()?.clone(),
            selection: Selection::all(),
        })
    }

    /// With a classifier table of one's own (see [`Classifiers::parse`]).
    pub fn with_classifiers(classifiers: Classifiers) -> Cataloger {
        Cataloger {
            classifiers,
            selection: Selection::all(),
        }
    }

    /// Runs only the selected catalogers (see [`registry`]).
    pub fn with_selection(mut self, selection: Selection) -> Cataloger {
        self.selection = selection;
        self
    }

    /// The catalogers that run.
    pub fn selection(&self) -> &Selection {
        &self.selection
    }

    /// The classifier table in use.
    pub fn classifiers(&self) -> &Classifiers {
        &self.classifiers
    }

    /// Step 1 of the contract: what the bytes of one file show.
    pub fn file(&self, entry: &Entry, content: &[u8]) -> Vec<Component> {
        if !entry.is_file() || entry.size > MAX_CLASSIFY_BYTES || !is_binary(content) {
            return Vec::new();
        }
        let mut found = Vec::new();
        if self.selection.runs(registry::CLASSIFIERS_ID) {
            found = self.classify(entry, content);
        }
        if self.selection.runs(kernel::IMAGE_ID) {
            kernel::per_file(entry, content, &mut found);
        }
        found
    }

    fn classify(&self, entry: &Entry, content: &[u8]) -> Vec<Component> {
        self.classifiers
            .classify(entry.name(), content)
            .into_iter()
            .map(|h| {
                let kind = match self.classifiers.get(&h.classifier).map(|c| c.kind.as_str()) {
                    Some("library") => ComponentType::Library,
                    Some("kernel") => ComponentType::Kernel,
                    Some("firmware") => ComponentType::Firmware,
                    _ => ComponentType::Binary,
                };
                let mut properties = BTreeMap::new();
                if let Some(r) = h.release.filter(|r| !r.is_empty()) {
                    properties.insert(format!("{}:release", h.name), r);
                }
                Component {
                    name: h.name,
                    version: h.version,
                    kind,
                    purl: Some(h.purl),
                    cpes: h.cpes,
                    end_of_support: None,
                    unsupported: false,
                    evidence: vec![ComponentEvidence {
                        path: entry.path.clone(),
                        cataloger: h.classifier,
                        confidence: h.confidence,
                    }],
                    ecosystem: None,
                    source_package: None,
                    distro: None,
                    properties,
                }
            })
            .collect()
    }

    /// Step 2 of the contract: tree-level catalogers, merging and deduplication.
    pub fn finish(&self, tree: &Tree, found: Vec<Component>) -> Catalog {
        let mut problems = Vec::new();
        let distros = os::detect(tree);
        let cx = registry::Context {
            tree,
            distros: &distros,
            classifiers: &self.classifiers,
        };
        let mut installed = Vec::new();
        for c in registry::PACKAGE_CATALOGERS {
            if self.selection.runs(c.id()) {
                installed.extend(registry::run_contained(*c, &cx, &mut problems));
            }
        }
        let found = kernel::resolve(
            tree,
            found,
            self.selection.runs(kernel::ID),
            self.selection.runs(kernel::IMAGE_ID),
        );
        let mut components = merge::merge(tree, &self.classifiers, found, installed);
        if self.selection.runs(os::ID) {
            components.extend(distros.values().map(os::Distro::component));
        }
        if self.selection.runs(busybox::ID) {
            busybox::add_applets(tree, &mut components);
        }
        merge::sort(&mut components);
        tracing::debug!(
            components = components.len(),
            problems = problems.len(),
            distributions = distros.len(),
            "catalogued"
        );
        Catalog {
            components,
            problems,
        }
    }

    /// Both steps over an opened tree, reading each file (in parallel).
    pub fn catalog(&self, tree: &Tree) -> Catalog {
        let mut problems = Vec::new();
        let results: Vec<std::result::Result<Vec<Component>, String>> = tree
            .entries()
            .par_iter()
            .filter(|e| e.is_file() && e.origin != Origin::Carved && e.size <= MAX_CLASSIFY_BYTES)
            .map(|e| {
                tree.read(e)
                    .map(|bytes| self.file(e, &bytes))
                    .map_err(|err| format!("{}: {err}", e.path))
            })
            .collect();
        let mut found = Vec::new();
        for r in results {
            match r {
                Ok(c) => found.extend(c),
                Err(e) => problems.push(e),
            }
        }
        let mut out = self.finish(tree, found);
        problems.append(&mut out.problems);
        out.problems = problems;
        out
    }
}

/// Catalogs a tree with the built-in classifiers.
pub fn catalog(tree: &Tree) -> Result<Catalog> {
    Ok(Cataloger::new()?.catalog(tree))
}

/// ELF files and other files with a NUL byte in their first 8 KiB: programs, libraries,
/// kernels. Text (scripts, documentation, changelogs that quote version strings) is not
/// classified.
fn is_binary(content: &[u8]) -> bool {
    content.starts_with(b"\x7fELF") || content[..content.len().min(8192)].contains(&0)
}
