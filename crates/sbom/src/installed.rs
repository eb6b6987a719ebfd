//! What the package-database catalogers (dpkg, opkg, apk) produce, and helpers they share.

use std::collections::BTreeMap;

use netvet_model::{Component, ComponentEvidence, ComponentType};
use netvet_unpack::{Entry, Tree};

use crate::classifier::Classifiers;
use crate::identity;

/// Largest package database read (bytes); larger ones are reported and skipped.
pub const MAX_DB_BYTES: u64 = 64 << 20;

/// A package a package manager installed, with the files it owns (virtual paths).
#[derive(Clone, Debug)]
pub struct Installed {
    pub component: Component,
    pub files: Vec<String>,
}

/// Entries at `rel` (image-relative, e.g. `var/lib/dpkg/status`) in every image of the tree.
pub fn find<'t>(tree: &'t Tree, rel: &str) -> Vec<&'t Entry> {
    let suffix = format!("!/{rel}");
    tree.entries()
        .iter()
        .filter(|e| e.is_file() && e.path.ends_with(&suffix))
        .collect()
}

/// Reads a database file as text, bounded by [`MAX_DB_BYTES`].
pub fn read_db(tree: &Tree, e: &Entry, problems: &mut Vec<String>) -> Option<String> {
    if e.size > MAX_DB_BYTES {
        problems.push(format!(
            "{}: {} bytes, larger than the {} bytes a package database may have; not read",
            e.path, e.size, MAX_DB_BYTES
        ));
        return None;
    }
    match tree.read(e) {
        Ok(b) => Some(String::from_utf8_lossy(&b).into_owned()),
        Err(err) => {
            problems.push(format!("{}: {err}", e.path));
            None
        }
    }
}

/// A package component: CPEs come from the classifier that lists the package name (so
/// `dnsmasq-full` gets `thekelleys:dnsmasq`), with the upstream version.
#[allow(clippy::too_many_arguments)]
pub fn package(
    classifiers: &Classifiers,
    cataloger: &str,
    db_path: &str,
    name: &str,
    version: &str,
    purl: String,
    source: Option<&str>,
    mut properties: BTreeMap<String, String>,
) -> Component {
    let upstream = identity::upstream_version(version);
    let cpes = classifiers
        .for_package(name)
        .or_else(|| source.and_then(|s| classifiers.for_package(s)))
        .map(|c| c.cpes_for(Some(upstream)))
        .unwrap_or_default();
    if let Some(s) = source.filter(|s| *s != name) {
        properties.insert("package:source".to_string(), s.to_string());
    }
    Component {
        name: name.to_string(),
        version: Some(version.to_string()),
        kind: ComponentType::Package,
        purl: Some(purl),
        cpes,
        end_of_support: None,
        unsupported: false,
        evidence: vec![ComponentEvidence {
            path: db_path.to_string(),
            cataloger: cataloger.to_string(),
            confidence: 1.0,
        }],
        properties,
    }
}

/// Absolute paths listed one per line (dpkg/opkg `.list` files) as virtual paths in `root`.
pub fn list_paths(root: &str, text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| l.starts_with('/') && l.len() > 1)
        .map(|l| format!("{root}!/{}", l.trim_start_matches('/')))
        .collect()
}
