//! `busybox-applet-cataloger`: the applets a BusyBox binary serves, from the symlinks and hard
//! links in the same image that resolve to it (`/bin/sh -> busybox`, `/usr/sbin/telnetd ->
//! ../../bin/busybox`). They are recorded on the BusyBox component as `busybox:applets`, so a
//! `telnetd` that exists only as an applet is still visible.

use std::collections::{BTreeMap, BTreeSet};

use netvet_model::{Component, EntryKind};
use netvet_unpack::Tree;

/// Cataloger id.
pub const ID: &str = "busybox-applet-cataloger";

/// Adds `busybox:applets` (sorted, comma-separated) and `busybox:applet-count` to every
/// component with evidence from the `busybox-binary` classifier.
pub fn add_applets(tree: &Tree, components: &mut [Component]) {
    let targets: BTreeSet<&str> = components
        .iter()
        .flat_map(|c| c.evidence.iter())
        .filter(|e| e.cataloger == "busybox-binary")
        .map(|e| e.path.as_str())
        .collect();
    if targets.is_empty() {
        return;
    }
    let mut applets: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for e in tree.entries() {
        if !matches!(e.kind, EntryKind::Symlink | EntryKind::HardLink) {
            continue;
        }
        let Some(target) = tree.resolve(&e.path) else {
            continue;
        };
        if targets.contains(target.path.as_str()) && target.path != e.path {
            applets
                .entry(target.path.clone())
                .or_default()
                .insert(e.name().to_string());
        }
    }
    for c in components.iter_mut() {
        let names: BTreeSet<&String> = c
            .evidence
            .iter()
            .filter_map(|e| applets.get(&e.path))
            .flatten()
            .collect();
        if names.is_empty() {
            continue;
        }
        let list: Vec<&str> = names.iter().map(|s| s.as_str()).collect();
        c.properties
            .insert("busybox:applets".to_string(), list.join(","));
        c.properties
            .insert("busybox:applet-count".to_string(), list.len().to_string());
    }
}
