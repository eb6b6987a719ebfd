//! Merging: copies of one program become one component with one piece of evidence per file;
//! a package and the binaries it installed become one component; hits on an image file whose
//! content is catalogued through its unpacked children are dropped.

use std::collections::{BTreeMap, HashMap};

use netvet_model::{Component, ComponentType};
use netvet_unpack::Tree;

use crate::classifier::Classifiers;
use crate::identity;
use crate::installed::Installed;

/// Merges per-file components and installed packages into the image's components.
pub fn merge(
    tree: &Tree,
    classifiers: &Classifiers,
    found: Vec<Component>,
    installed: Vec<Installed>,
) -> Vec<Component> {
    let found = drop_container_hits(tree, found);

    // Copies of the same program and version: one component.
    let mut groups: BTreeMap<(String, Option<String>), Component> = BTreeMap::new();
    for c in found {
        let key = (c.name.clone(), c.version.clone());
        match groups.get_mut(&key) {
            Some(g) => absorb(g, c),
            None => {
                groups.insert(key, c);
            }
        }
    }
    let mut binaries: Vec<Component> = groups.into_values().collect();

    // Packages take the binaries they own, or (without file lists) the ones their name
    // installs in the same image, when the versions agree.
    let mut packages: Vec<Component> = Vec::new();
    let mut seen_purls: HashMap<String, usize> = HashMap::new();
    for pkg in installed {
        let Installed {
            mut component,
            files,
        } = pkg;
        let root = component
            .evidence
            .first()
            .map(|e| netvet_unpack::tree::image_root(&e.path).to_string())
            .unwrap_or_default();
        let owned: std::collections::HashSet<&str> = files.iter().map(String::as_str).collect();
        for b in binaries.iter_mut() {
            if !versions_agree(component.version.as_deref(), b.version.as_deref()) {
                continue;
            }
            let by_list = !owned.is_empty();
            let names_it = classifiers
                .get(b.evidence.first().map_or("", |e| e.cataloger.as_str()))
                .is_some_and(|c| c.packages.contains(&component.name))
                || b.name == component.name;
            let (take, keep): (Vec<_>, Vec<_>) = b.evidence.drain(..).partition(|e| {
                if by_list {
                    owned.contains(e.path.as_str())
                        || tree
                            .resolve(&e.path)
                            .is_some_and(|r| owned.contains(r.path.as_str()))
                } else {
                    names_it && netvet_unpack::tree::image_root(&e.path) == root
                }
            });
            b.evidence = keep;
            if take.is_empty() {
                continue;
            }
            component.evidence.extend(take);
            for cpe in &b.cpes {
                if component.cpes.is_empty() {
                    // The package's name is not in the table: its binary's identity is.
                    let upstream = component.version.as_deref().map(identity::upstream_version);
                    let c = cpe_with_version(cpe, upstream);
                    if !component.cpes.contains(&c) {
                        component.cpes.push(c);
                    }
                }
            }
            for (k, v) in &b.properties {
                component
                    .properties
                    .entry(k.clone())
                    .or_insert_with(|| v.clone());
            }
        }
        component.evidence.sort_by(|a, b| a.path.cmp(&b.path));
        // The same package listed twice (status and status.d): one component.
        match component
            .purl
            .clone()
            .and_then(|p| seen_purls.get(&p).copied())
        {
            Some(i) => absorb(&mut packages[i], component),
            None => {
                if let Some(p) = &component.purl {
                    seen_purls.insert(p.clone(), packages.len());
                }
                packages.push(component);
            }
        }
    }
    binaries.retain(|b| !b.evidence.is_empty());
    packages.extend(binaries);
    packages
}

/// Adds `other`'s evidence, CPEs and properties to `into`.
fn absorb(into: &mut Component, other: Component) {
    for e in other.evidence {
        if !into
            .evidence
            .iter()
            .any(|x| x.path == e.path && x.cataloger == e.cataloger)
        {
            into.evidence.push(e);
        }
    }
    for c in other.cpes {
        if !into.cpes.contains(&c) {
            into.cpes.push(c);
        }
    }
    for (k, v) in other.properties {
        into.properties.entry(k).or_insert(v);
    }
    into.evidence
        .sort_by(|a, b| a.path.cmp(&b.path).then(a.cataloger.cmp(&b.cataloger)));
}

/// A binary's version agrees with its package's when it is the package's upstream version,
/// or that version with a repack suffix (`1.2.13` in `1.2.13.dfsg`, `2.80` in `2.80+dfsg`),
/// or unknown.
fn versions_agree(package: Option<&str>, binary: Option<&str>) -> bool {
    let (Some(p), Some(b)) = (package, binary) else {
        return binary.is_none();
    };
    let up = identity::upstream_version(p);
    let Some(rest) = up.strip_prefix(b) else {
        return false;
    };
    let mut chars = rest.chars();
    match chars.next() {
        None | Some('+' | '~') => true,
        Some('.') => chars.next().is_some_and(|c| c.is_ascii_alphabetic()),
        _ => false,
    }
}

fn cpe_with_version(cpe: &str, version: Option<&str>) -> String {
    let parts: Vec<&str> = cpe.splitn(6, ':').collect();
    match (parts.as_slice(), version) {
        ([_, _, part, vendor, product, _], v) => {
            identity::cpe(part.chars().next().unwrap_or('a'), vendor, product, v)
        }
        _ => cpe.to_string(),
    }
}

/// Hits on a file that was itself opened as an image are dropped when the same program and
/// version is also found inside it (the archive's bytes contain its members' bytes).
fn drop_container_hits(tree: &Tree, found: Vec<Component>) -> Vec<Component> {
    let inner: std::collections::HashSet<(String, Option<String>, String)> = found
        .iter()
        .flat_map(|c| {
            c.evidence
                .iter()
                .map(move |e| (c.name.clone(), c.version.clone(), e.path.clone()))
        })
        .collect();
    found
        .into_iter()
        .filter(|c| {
            c.evidence.iter().all(|e| {
                let is_image = tree.get(&e.path).is_some_and(|x| x.nested.is_some());
                !is_image
                    || !inner.iter().any(|(n, v, p)| {
                        n == &c.name && v == &c.version && p.starts_with(&format!("{}!/", e.path))
                    })
            })
        })
        .collect()
}

/// Sorts components (type, name, version, PURL) and their evidence and CPEs.
pub fn sort(components: &mut [Component]) {
    for c in components.iter_mut() {
        c.evidence
            .sort_by(|a, b| a.path.cmp(&b.path).then(a.cataloger.cmp(&b.cataloger)));
        c.cpes.sort();
        c.cpes.dedup();
    }
    let rank = |k: ComponentType| k as u8;
    components.sort_by(|a, b| {
        rank(a.kind)
            .cmp(&rank(b.kind))
            .then(a.name.cmp(&b.name))
            .then(a.version.cmp(&b.version))
            .then(a.purl.cmp(&b.purl))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_agree_on_upstream_prefixes_only() {
        assert!(versions_agree(Some("1:1.35.0-4+b3"), Some("1.35.0")));
        assert!(versions_agree(Some("2.36-9+deb12u4"), Some("2.36")));
        assert!(versions_agree(Some("1:1.2.13.dfsg-1"), Some("1.2.13")));
        assert!(!versions_agree(Some("1.2.1-1"), Some("1.2")));
        assert!(versions_agree(Some("1.1.1w-1"), Some("1.1.1w")));
        assert!(!versions_agree(Some("1.1.1w-1"), Some("1.1.1")));
        assert!(!versions_agree(Some("2.36-9"), Some("2.3")));
        assert!(!versions_agree(Some("1.0.2k-1"), Some("1.1.1")));
        assert!(versions_agree(Some("1.0"), None));
    }
}
