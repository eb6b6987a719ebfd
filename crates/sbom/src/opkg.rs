//! `opkg-db-cataloger`: OpenWrt's `/usr/lib/opkg/status` (also `/var/lib/opkg/status` and
//! the older `ipkg`), versions completed from `info/NAME.control`, owned files from
//! `info/NAME.list`. OpenWrt has no OSV ecosystem, so these packages get CPEs (from the
//! classifier table's package names) with their upstream version and are matched by CPE:
//! this is where grype, which matches only recognised distributions, finds nothing.

use std::collections::BTreeMap;

use netvet_unpack::Tree;

use crate::classifier::Classifiers;
use crate::control;
use crate::installed::{Installed, Record, find, list_paths, package, read_db};
use crate::os::Distro;

/// Cataloger id.
pub const ID: &str = "opkg-db-cataloger";

const DBS: &[&str] = &[
    "usr/lib/opkg/status",
    "var/lib/opkg/status",
    "usr/lib/ipkg/status",
];

/// Packages installed in every opkg database of the tree.
pub fn catalog(
    tree: &Tree,
    distros: &BTreeMap<String, Distro>,
    classifiers: &Classifiers,
    problems: &mut Vec<String>,
) -> Vec<Installed> {
    let mut out = Vec::new();
    for rel in DBS {
        for db in find(tree, rel) {
            let Some(text) = read_db(tree, db, problems) else {
                continue;
            };
            let root = db.image_root();
            let info = format!(
                "{root}!/{}",
                rel.trim_end_matches("status").to_string() + "info"
            );
            let distro = distros.get(root);
            let (paragraphs, truncated) = control::parse(&text);
            if truncated {
                problems.push(format!(
                    "{}: more than {} packages; the rest not read",
                    db.path,
                    control::MAX_PARAGRAPHS
                ));
            }
            for p in paragraphs {
                let Some(name) = p.get("Package") else {
                    continue;
                };
                if let Some(status) = p.get("Status")
                    && status.split_whitespace().nth(2) != Some("installed")
                {
                    continue;
                }
                let control = tree
                    .get(&format!("{info}/{name}.control"))
                    .and_then(|e| read_db(tree, e, problems))
                    .map(|t| control::parse(&t).0.into_iter().next().unwrap_or_default());
                let field = |k: &str| {
                    p.get(k)
                        .map(str::to_string)
                        .or_else(|| control.as_ref().and_then(|c| c.get(k)).map(str::to_string))
                };
                let Some(version) = field("Version") else {
                    problems.push(format!("{}: package {name} has no version", db.path));
                    continue;
                };
                let arch = field("Architecture").unwrap_or_default();
                let source = field("SourceName").or_else(|| {
                    field("Source").map(|s| s.rsplit('/').next().unwrap_or(&s).to_string())
                });
                let license = field("License");
                let record = Record {
                    cataloger: ID,
                    db_path: &db.path,
                    purl_type: "opkg",
                    default_namespace: "openwrt",
                    name,
                    version: &version,
                    arch: &arch,
                    source: source.as_deref(),
                    license: license.as_deref(),
                    distro,
                    purl_version: None,
                    qualifiers: &[],
                };
                let component = package(classifiers, &record, BTreeMap::new());
                let files = tree
                    .get(&format!("{info}/{name}.list"))
                    .and_then(|e| read_db(tree, e, problems))
                    .map(|t| {
                        list_paths(
                            root,
                            &t.lines()
                                .map(|l| l.split('\t').next().unwrap_or(""))
                                .collect::<Vec<_>>()
                                .join("\n"),
                        )
                    })
                    .unwrap_or_default();
                out.push(Installed { component, files });
            }
        }
    }
    out
}
