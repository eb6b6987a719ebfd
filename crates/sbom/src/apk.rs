//! `apk-db-cataloger`: Alpine's `/lib/apk/db/installed` (`P:` name, `V:` version, `A:` arch,
//! `o:` origin, `L:` licence, `F:` directory and `R:` file lines per package).

use std::collections::BTreeMap;

use netvet_unpack::Tree;

use crate::classifier::Classifiers;
use crate::installed::{Installed, Record, find, package, read_db};
use crate::os::Distro;

/// Cataloger id.
pub const ID: &str = "apk-db-cataloger";

/// Most packages read from one database.
const MAX_PACKAGES: usize = 200_000;

#[derive(Default)]
struct DbEntry {
    fields: BTreeMap<char, String>,
    files: Vec<String>,
    dir: String,
}

/// Packages installed in every apk database of the tree.
pub fn catalog(
    tree: &Tree,
    distros: &BTreeMap<String, Distro>,
    classifiers: &Classifiers,
    problems: &mut Vec<String>,
) -> Vec<Installed> {
    let mut out = Vec::new();
    for db in find(tree, "lib/apk/db/installed") {
        let Some(text) = read_db(tree, db, problems) else {
            continue;
        };
        let root = db.image_root();
        let distro = distros.get(root);
        let mut records = vec![DbEntry::default()];
        for line in text.lines() {
            let Some(cur) = records.last_mut() else { break };
            if line.trim().is_empty() {
                if !cur.fields.is_empty() {
                    if records.len() >= MAX_PACKAGES {
                        problems.push(format!(
                            "{}: more than {MAX_PACKAGES} packages; the rest not read",
                            db.path
                        ));
                        break;
                    }
                    records.push(DbEntry::default());
                }
                continue;
            }
            let mut chars = line.chars();
            let (Some(k), Some(':')) = (chars.next(), chars.next()) else {
                continue;
            };
            let v = chars.as_str().to_string();
            match k {
                'F' => cur.dir = v,
                'R' => cur.files.push(format!(
                    "{root}!/{}",
                    if cur.dir.is_empty() {
                        v
                    } else {
                        format!("{}/{v}", cur.dir)
                    }
                )),
                _ => {
                    cur.fields.entry(k).or_insert(v);
                }
            }
        }
        for r in records {
            let (Some(name), Some(version)) = (r.fields.get(&'P'), r.fields.get(&'V')) else {
                continue;
            };
            let arch = r.fields.get(&'A').map_or("", String::as_str);
            let origin = r.fields.get(&'o').map(String::as_str);
            let record = Record {
                cataloger: ID,
                db_path: &db.path,
                purl_type: "apk",
                default_namespace: "alpine",
                name,
                version,
                arch,
                source: origin,
                license: r.fields.get(&'L').map(String::as_str),
                distro,
                purl_version: None,
                qualifiers: &[],
            };
            let component = package(classifiers, &record, BTreeMap::new());
            out.push(Installed {
                component,
                files: r.files,
            });
        }
    }
    out
}
