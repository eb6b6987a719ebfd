//! `dpkg-db-cataloger`: Debian's `/var/lib/dpkg/status` (and distroless `status.d/*`), with
//! the files each package owns from `/var/lib/dpkg/info/NAME[:ARCH].list`.

use std::collections::BTreeMap;

use netvet_unpack::Tree;

use crate::classifier::Classifiers;
use crate::control;
use crate::installed::{Installed, Record, find, list_paths, package, read_db};
use crate::os::Distro;

/// Cataloger id.
pub const ID: &str = "dpkg-db-cataloger";

/// Packages installed in every dpkg database of the tree.
pub fn catalog(
    tree: &Tree,
    distros: &BTreeMap<String, Distro>,
    classifiers: &Classifiers,
    problems: &mut Vec<String>,
) -> Vec<Installed> {
    let mut dbs = find(tree, "var/lib/dpkg/status");
    dbs.extend(
        tree.entries()
            .iter()
            .filter(|e| e.is_file() && e.path.contains("!/var/lib/dpkg/status.d/")),
    );
    let mut out = Vec::new();
    for db in dbs {
        let Some(text) = read_db(tree, db, problems) else {
            continue;
        };
        let root = db.image_root();
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
            let (Some(name), Some(version)) = (p.get("Package"), p.get("Version")) else {
                continue;
            };
            // "install ok installed": only the third word says the package is on disk.
            if let Some(status) = p.get("Status")
                && status.split_whitespace().nth(2) != Some("installed")
            {
                continue;
            }
            let arch = p.get("Architecture").unwrap_or("");
            let (source, source_version) = match p.get("Source") {
                Some(s) => match s.split_once(' ') {
                    Some((n, v)) => (
                        n.to_string(),
                        Some(v.trim_matches(|c| c == '(' || c == ')').to_string()),
                    ),
                    None => (s.to_string(), None),
                },
                None => (name.to_string(), None),
            };
            let mut props = BTreeMap::new();
            if let Some(sv) = source_version {
                props.insert("package:source-version".to_string(), sv);
            }
            let record = Record {
                cataloger: ID,
                db_path: &db.path,
                purl_type: "deb",
                default_namespace: "debian",
                name,
                version,
                arch,
                source: Some(&source),
                license: None,
                distro,
                purl_version: None,
                qualifiers: &[],
            };
            let component = package(classifiers, &record, props);
            let mut files = Vec::new();
            for list in [format!("{name}.list"), format!("{name}:{arch}.list")] {
                if let Some(e) = tree.get(&format!("{root}!/var/lib/dpkg/info/{list}"))
                    && let Some(t) = read_db(tree, e, problems)
                {
                    files.extend(list_paths(root, &t));
                }
            }
            out.push(Installed { component, files });
        }
    }
    out
}
