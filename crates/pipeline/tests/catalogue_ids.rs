//! The evidence chain holds: every check id a catalogue (its rules, its Rego tests, the
//! shared Rego library) names is one that netvet emits. A catalogue test written against an
//! id no check has would pass while the real scans never trigger it.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::path::Path;

/// Every check id netvet's stages emit.
fn emitted() -> BTreeSet<String> {
    let checks = netvet_inspect::CheckSet::new(netvet_inspect::CheckOptions::default()).unwrap();
    let mut ids: BTreeSet<String> = checks.infos().iter().map(|i| i.id.to_string()).collect();
    ids.extend(
        [
            netvet_vuln::findings::CHECK,
            netvet_vuln::eos::CHECK,
            netvet_sbom::compare::UNDECLARED,
            netvet_sbom::compare::ABSENT,
            netvet_sbom::compare::VERSION_DIFFERS,
        ]
        .map(String::from),
    );
    ids
}

/// `"nv-…"` string literals in the Rego files under `dir`, with the file each is in.
fn named(dir: &Path, out: &mut Vec<(String, String)>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let path = e.unwrap().path();
        if path.is_dir() {
            named(&path, out);
        } else if path.extension().is_some_and(|x| x == "rego") {
            let text = std::fs::read_to_string(&path).unwrap();
            for part in text.split('"').skip(1).step_by(2) {
                if part.starts_with("nv-") {
                    out.push((part.to_string(), path.display().to_string()));
                }
            }
        }
    }
}

#[test]
fn catalogues_name_only_check_ids_that_netvet_emits() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut found = Vec::new();
    named(&root.join("catalogue"), &mut found);
    named(&root.join("crates/policy/rego"), &mut found);
    assert!(!found.is_empty(), "the catalogue tests name check ids");
    let known = emitted();
    let unknown: Vec<String> = found
        .iter()
        .filter(|(id, _)| !known.contains(id))
        .map(|(id, file)| format!("{id} in {file}"))
        .collect();
    assert!(unknown.is_empty(), "no check emits: {unknown:#?}");
}
