//! The Linux kernel. Kernel images are recognised by their banner (`Linux version 4.14.180-acme
//! (builder@host) ...`) and modules by `vermagic=`, both through the classifier table
//! (`linux-kernel`, `linux-kernel-module`). This module adds `linux-kernel-modules-cataloger`:
//! the names of `/lib/modules/VERSION/` directories, weaker evidence of the running kernel.

use std::collections::BTreeMap;

use netvet_model::EntryKind;
use netvet_model::{Component, ComponentEvidence, ComponentType};
use netvet_unpack::Tree;

use crate::identity;

/// Cataloger id.
pub const ID: &str = "linux-kernel-modules-cataloger";

/// The component name every kernel cataloger uses, so their evidence merges.
pub const NAME: &str = "linux-kernel";

/// Splits a kernel release into the version NVD uses and the local suffix
/// (`4.14.180-acme` → `4.14.180`, `-acme`). `None` when it does not start with `N.N`.
pub fn split_release(release: &str) -> Option<(&str, &str)> {
    let end = release
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(release.len());
    let version = release[..end].trim_end_matches('.');
    let mut parts = version.split('.');
    let ok =
        parts.next().is_some_and(|p| !p.is_empty()) && parts.next().is_some_and(|p| !p.is_empty());
    ok.then(|| (version, &release[version.len()..]))
}

/// A kernel component for a release string, with one piece of evidence.
pub fn component(release: &str, path: &str, cataloger: &str, confidence: f64) -> Option<Component> {
    let (version, local) = split_release(release)?;
    let mut properties = BTreeMap::new();
    if !local.is_empty() {
        properties.insert(format!("{NAME}:release"), local.to_string());
    }
    Some(Component {
        name: NAME.to_string(),
        version: Some(version.to_string()),
        kind: ComponentType::Kernel,
        purl: Some(identity::purl("generic", None, NAME, Some(version), &[])),
        cpes: vec![identity::cpe('o', "linux", "linux_kernel", Some(version))],
        end_of_support: None,
        unsupported: false,
        evidence: vec![ComponentEvidence {
            path: path.to_string(),
            cataloger: cataloger.to_string(),
            confidence,
        }],
        properties,
    })
}

/// Kernels named by `/lib/modules/VERSION/` directories that hold modules.
pub fn module_dirs(tree: &Tree) -> Vec<Component> {
    tree.entries()
        .iter()
        .filter(|e| e.kind == EntryKind::Dir)
        .filter_map(|e| {
            let rel = e.path.rsplit_once("!/")?.1;
            let release = rel.strip_prefix("lib/modules/")?;
            if release.contains('/') || tree.children(&e.path).next().is_none() {
                return None;
            }
            component(release, &e.path, ID, 0.6)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn releases_split_into_version_and_local_suffix() {
        assert_eq!(split_release("4.14.180-acme"), Some(("4.14.180", "-acme")));
        assert_eq!(
            split_release("5.15.0-91-generic"),
            Some(("5.15.0", "-91-generic"))
        );
        assert_eq!(split_release("6.1"), Some(("6.1", "")));
        assert_eq!(split_release("extra"), None);
        assert_eq!(split_release("5."), None);
    }
}
