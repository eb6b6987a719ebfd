//! Every cataloger in one explicit list, with a stable id and selection tags, as the checks of
//! `netvet-inspect` have them; `netvet sbom --catalogers TAGS` chooses among them.
//!
//! Two kinds take part in the scan's single pass (see the crate docs): *file* catalogers see
//! each file's bytes as the pass reads it (the binary classifiers, the kernel image
//! cataloger), *tree* catalogers read package databases and manifests by path once the tree
//! is complete ([`TreeCataloger`]). A tree cataloger that panics on hostile bytes is contained:
//! the panic becomes a problem naming it, and the other catalogers' results stand.

use std::collections::{BTreeMap, BTreeSet};

use netvet_unpack::Tree;

use crate::classifier::Classifiers;
use crate::installed::Installed;
use crate::os::Distro;
use crate::{Error, Result};

/// When a cataloger runs in the pass.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Sees each file's bytes as the pass reads it.
    File,
    /// Reads the completed tree by path.
    Tree,
}

impl Stage {
    /// The stage's name as `sbom --catalogers list` prints it.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::File => "file",
            Stage::Tree => "tree",
        }
    }
}

/// What a cataloger is: its id (the `cataloger` of the evidence it gives), tags and what it reads.
#[derive(Clone, Copy, Debug)]
pub struct CatalogerInfo {
    pub id: &'static str,
    pub stage: Stage,
    /// Selection tags: the family first (`packages`, `binaries`, `kernel`, ...).
    pub tags: &'static [&'static str],
    pub reads: &'static str,
}

/// The binary classifiers as one cataloger (each classifier's own id is in the evidence).
pub const CLASSIFIERS_ID: &str = "binary-classifier-cataloger";

/// Every cataloger, in the order they run.
pub const CATALOGERS: &[CatalogerInfo] = &[
    CatalogerInfo {
        id: CLASSIFIERS_ID,
        stage: Stage::File,
        tags: &["binaries", "classifiers"],
        reads: "the bytes of every binary file (data/classifiers.toml)",
    },
    CatalogerInfo {
        id: crate::kernel::IMAGE_ID,
        stage: Stage::File,
        tags: &["kernel", "binaries"],
        reads: "kernel images: bzImage setup headers, zImage payloads, version banners; uImage names",
    },
    CatalogerInfo {
        id: crate::os::ID,
        stage: Stage::Tree,
        tags: &["os"],
        reads: "/etc/os-release, /etc/openwrt_release, /etc/alpine-release, /etc/redhat-release, /etc/debian_version",
    },
    CatalogerInfo {
        id: crate::dpkg::ID,
        stage: Stage::Tree,
        tags: &["packages", "dpkg", "debian"],
        reads: "/var/lib/dpkg/status, status.d/*, info/*.list",
    },
    CatalogerInfo {
        id: crate::opkg::ID,
        stage: Stage::Tree,
        tags: &["packages", "opkg", "openwrt"],
        reads: "/usr/lib/opkg/status (and /var/lib/opkg, ipkg), info/*.control, info/*.list",
    },
    CatalogerInfo {
        id: crate::apk::ID,
        stage: Stage::Tree,
        tags: &["packages", "apk", "alpine"],
        reads: "/lib/apk/db/installed",
    },
    CatalogerInfo {
        id: crate::rpm::ID,
        stage: Stage::Tree,
        tags: &["packages", "rpm"],
        reads: "rpmdb.sqlite, Packages (Berkeley DB), Packages.db (NDB)",
    },
    CatalogerInfo {
        id: crate::java::ID,
        stage: Stage::Tree,
        tags: &["packages", "java", "maven"],
        reads: "META-INF/maven/*/*/pom.properties inside Java archives (.jar, .war, .ear)",
    },
    CatalogerInfo {
        id: crate::kernel::ID,
        stage: Stage::Tree,
        tags: &["kernel"],
        reads: "/lib/modules/VERSION/ directories",
    },
    CatalogerInfo {
        id: crate::busybox::ID,
        stage: Stage::Tree,
        tags: &["binaries", "busybox"],
        reads: "symlinks and hard links that resolve to a BusyBox binary",
    },
];

/// Every tag and id a selection may name, sorted.
pub fn known() -> Vec<&'static str> {
    let mut v: Vec<&'static str> = CATALOGERS
        .iter()
        .flat_map(|c| std::iter::once(c.id).chain(c.tags.iter().copied()))
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// Which catalogers run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Selection {
    enabled: BTreeSet<&'static str>,
}

impl Default for Selection {
    fn default() -> Selection {
        Selection::all()
    }
}

impl Selection {
    /// Every cataloger.
    pub fn all() -> Selection {
        Selection {
            enabled: CATALOGERS.iter().map(|c| c.id).collect(),
        }
    }

    /// The catalogers a list of ids and tags names; an unknown word is an error listing the
    /// known ones.
    pub fn parse(words: &[String]) -> Result<Selection> {
        let mut enabled = BTreeSet::new();
        for w in words {
            let w = w.trim();
            let hits: Vec<&'static str> = CATALOGERS
                .iter()
                .filter(|c| c.id == w || c.tags.contains(&w))
                .map(|c| c.id)
                .collect();
            if hits.is_empty() {
                return Err(Error::Selection {
                    word: w.to_string(),
                    known: known().join(", "),
                });
            }
            enabled.extend(hits);
        }
        Ok(Selection { enabled })
    }

    /// Whether the cataloger `id` runs.
    pub fn runs(&self, id: &str) -> bool {
        self.enabled.contains(id)
    }

    /// The selected catalogers, in running order.
    pub fn infos(&self) -> Vec<CatalogerInfo> {
        CATALOGERS
            .iter()
            .filter(|c| self.runs(c.id))
            .copied()
            .collect()
    }
}

/// What a tree cataloger gets: the tree, the distributions found in it, the classifier table
/// (package names → CPEs).
pub struct Context<'a> {
    pub tree: &'a Tree,
    pub distros: &'a BTreeMap<String, Distro>,
    pub classifiers: &'a Classifiers,
}

/// A cataloger that reads the completed tree by path.
pub trait TreeCataloger: Sync {
    fn id(&self) -> &'static str;
    /// The packages found, with the files each installed; problems met are pushed.
    fn catalog(&self, cx: &Context<'_>, problems: &mut Vec<String>) -> Vec<Installed>;
}

type CatalogFn =
    fn(&Tree, &BTreeMap<String, Distro>, &Classifiers, &mut Vec<String>) -> Vec<Installed>;

/// A package-database cataloger.
struct PackageDb {
    id: &'static str,
    catalog: CatalogFn,
}

impl TreeCataloger for PackageDb {
    fn id(&self) -> &'static str {
        self.id
    }
    fn catalog(&self, cx: &Context<'_>, problems: &mut Vec<String>) -> Vec<Installed> {
        (self.catalog)(cx.tree, cx.distros, cx.classifiers, problems)
    }
}

struct JavaArchives;

impl TreeCataloger for JavaArchives {
    fn id(&self) -> &'static str {
        crate::java::ID
    }
    fn catalog(&self, cx: &Context<'_>, problems: &mut Vec<String>) -> Vec<Installed> {
        crate::java::catalog(cx.tree, problems)
            .into_iter()
            .map(|component| Installed {
                component,
                files: Vec::new(),
            })
            .collect()
    }
}

/// The tree catalogers that find packages, in running order.
pub static PACKAGE_CATALOGERS: &[&dyn TreeCataloger] = &[
    &PackageDb {
        id: crate::dpkg::ID,
        catalog: crate::dpkg::catalog,
    },
    &PackageDb {
        id: crate::opkg::ID,
        catalog: crate::opkg::catalog,
    },
    &PackageDb {
        id: crate::apk::ID,
        catalog: crate::apk::catalog,
    },
    &PackageDb {
        id: crate::rpm::ID,
        catalog: crate::rpm::catalog,
    },
    &JavaArchives,
];

/// Runs one tree cataloger, containing a panic as a problem that names it.
pub fn run_contained(
    c: &dyn TreeCataloger,
    cx: &Context<'_>,
    problems: &mut Vec<String>,
) -> Vec<Installed> {
    let mut own = Vec::new();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| c.catalog(cx, &mut own)));
    problems.append(&mut own);
    match result {
        Ok(found) => found,
        Err(payload) => {
            problems.push(format!(
                "cataloger {} failed on this image and was skipped: {}",
                c.id(),
                netvet_unpack::contain::panic_message(payload.as_ref())
            ));
            Vec::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_every_package_cataloger_is_listed() {
        let ids: BTreeSet<&str> = CATALOGERS.iter().map(|c| c.id).collect();
        assert_eq!(ids.len(), CATALOGERS.len());
        for c in PACKAGE_CATALOGERS {
            let info = CATALOGERS.iter().find(|i| i.id == c.id());
            assert!(info.is_some_and(|i| i.stage == Stage::Tree), "{}", c.id());
        }
    }

    #[test]
    fn tags_and_ids_select_and_unknown_words_are_refused() {
        let s = Selection::parse(&["packages".into()]).unwrap();
        assert!(s.runs(crate::dpkg::ID) && s.runs(crate::java::ID));
        assert!(!s.runs(CLASSIFIERS_ID) && !s.runs(crate::kernel::ID));
        let s = Selection::parse(&["rpm-db-cataloger".into(), "kernel".into()]).unwrap();
        assert_eq!(
            s.infos().iter().map(|i| i.id).collect::<Vec<_>>(),
            [crate::kernel::IMAGE_ID, crate::rpm::ID, crate::kernel::ID]
        );
        let e = Selection::parse(&["pakages".into()])
            .unwrap_err()
            .to_string();
        assert!(e.contains("pakages") && e.contains("packages"), "{e}");
    }

    struct Panics;
    impl TreeCataloger for Panics {
        fn id(&self) -> &'static str {
            "panicking-cataloger"
        }
        fn catalog(&self, _: &Context<'_>, problems: &mut Vec<String>) -> Vec<Installed> {
            problems.push("read half".into());
            panic!("hostile bytes")
        }
    }

    #[test]
    fn a_panicking_cataloger_becomes_a_problem_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("empty.bin");
        std::fs::write(&file, b"nothing to see").unwrap();
        let tree = netvet_unpack::open_path(&file, &netvet_unpack::Options::default()).unwrap();
        let distros = BTreeMap::new();
        let classifiers = crate::classifier::builtin().unwrap().clone();
        let cx = Context {
            tree: &tree,
            distros: &distros,
            classifiers: &classifiers,
        };
        let mut problems = Vec::new();
        let found = run_contained(&Panics, &cx, &mut problems);
        assert!(found.is_empty());
        assert_eq!(problems[0], "read half");
        assert!(
            problems[1].contains("panicking-cataloger") && problems[1].contains("hostile bytes"),
            "{problems:?}"
        );
    }
}
