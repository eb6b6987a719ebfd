//! What the package-database catalogers (dpkg, opkg, apk, rpm) produce, and helpers they share.

use std::collections::BTreeMap;

use netvet_model::{Component, ComponentEvidence, ComponentType};
use netvet_unpack::{Entry, Tree};

use crate::classifier::Classifiers;
use crate::identity;
use crate::os::Distro;

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

/// What a package database says about one installed package.
pub struct Record<'a> {
    /// Cataloger id (evidence).
    pub cataloger: &'a str,
    /// Virtual path of the database (evidence).
    pub db_path: &'a str,
    /// PURL type (`deb`, `opkg`, `apk`, `rpm`) and the namespace used when no distribution is
    /// known.
    pub purl_type: &'a str,
    pub default_namespace: &'a str,
    pub name: &'a str,
    pub version: &'a str,
    /// The PURL's version when it differs from `version` (rpm: `3.0.7-27.el9`, the epoch
    /// being a qualifier).
    pub purl_version: Option<&'a str>,
    /// PURL qualifiers besides `arch` and `distro` (rpm: `epoch`, `upstream`).
    pub qualifiers: &'a [(&'a str, &'a str)],
    pub arch: &'a str,
    /// Source package name, when it differs or is known.
    pub source: Option<&'a str>,
    pub license: Option<&'a str>,
    pub distro: Option<&'a Distro>,
}

/// A package component: PURL with `arch` and `distro` qualifiers, the distribution's OSV
/// ecosystem, and CPEs from the classifier that lists the package (or its source) name, so
/// `dnsmasq-full` gets `thekelleys:dnsmasq`, with the upstream version.
pub fn package(
    classifiers: &Classifiers,
    r: &Record<'_>,
    mut properties: BTreeMap<String, String>,
) -> Component {
    let upstream = identity::upstream_version(r.version);
    let cpes = classifiers
        .for_package(r.name)
        .or_else(|| r.source.and_then(|s| classifiers.for_package(s)))
        .map(|c| c.cpes_for(Some(upstream)))
        .unwrap_or_default();
    let ns = r.distro.map_or(r.default_namespace, Distro::purl_namespace);
    let dq = r.distro.map(Distro::qualifier).unwrap_or_default();
    let mut qualifiers = vec![("arch", r.arch), ("distro", dq.as_str())];
    qualifiers.extend_from_slice(r.qualifiers);
    let purl = identity::purl(
        r.purl_type,
        Some(ns),
        r.name,
        Some(r.purl_version.unwrap_or(r.version)),
        &qualifiers,
    );
    if let Some(l) = r.license {
        properties.insert("license".to_string(), l.to_string());
    }
    Component {
        name: r.name.to_string(),
        version: Some(r.version.to_string()),
        kind: ComponentType::Package,
        purl: Some(purl),
        cpes,
        end_of_support: None,
        unsupported: false,
        evidence: vec![ComponentEvidence {
            path: r.db_path.to_string(),
            cataloger: r.cataloger.to_string(),
            confidence: 1.0,
        }],
        ecosystem: r.distro.and_then(Distro::osv_ecosystem),
        source_package: r.source.filter(|s| *s != r.name).map(str::to_string),
        distro: r.distro.map(Distro::qualifier),
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
