//! The table of expected decisions in `docs/legal-basis.md`, written from the instruments, is
//! what netvet decides for the built-in products and dossiers.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::*;
use netvet_model::{Date, Role};
use netvet_policy::evidence::Evidence;
use netvet_policy::{Catalogue, Inputs, assess};

/// One row: (catalogue, product, role, as of) and the expected decision.
struct Expectation {
    catalogue: String,
    product: String,
    role: Role,
    as_of: Date,
    decision: String,
    applies_from: Option<Date>,
    grounds: BTreeSet<String>,
    conditions: BTreeSet<String>,
    advisories: BTreeSet<String>,
}

fn ids(cell: &str) -> BTreeSet<String> {
    if cell == "—" {
        return BTreeSet::new();
    }
    cell.split(',').map(|s| s.trim().to_string()).collect()
}

fn expectations() -> Vec<Expectation> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/legal-basis.md");
    let text = std::fs::read_to_string(&path).expect("docs/legal-basis.md");
    let section = text
        .split("\n## Expected decisions\n")
        .nth(1)
        .expect("a ## Expected decisions section");
    let section = section.split("\n## ").next().unwrap_or(section);
    let mut out = Vec::new();
    for line in section.lines().filter(|l| l.starts_with('|')) {
        let c: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
        if c.first() == Some(&"Catalogue") || c.iter().all(|x| x.starts_with("---")) {
            continue;
        }
        assert_eq!(c.len(), 10, "a row needs ten cells: {line}");
        assert!(!c[9].is_empty(), "{line}: no legal basis");
        out.push(Expectation {
            catalogue: c[0].to_string(),
            product: c[1].to_string(),
            role: c[2].parse().unwrap_or_else(|e| panic!("{line}: role: {e}")),
            as_of: c[3]
                .parse()
                .unwrap_or_else(|e| panic!("{line}: as of: {e}")),
            decision: c[4].to_string(),
            applies_from: (c[5] != "—")
                .then(|| c[5].parse().unwrap_or_else(|e| panic!("{line}: date: {e}"))),
            grounds: ids(c[6]),
            conditions: ids(c[7]),
            advisories: ids(c[8]),
        });
    }
    out
}

#[test]
fn netvet_decides_what_the_instruments_say() {
    let rows = expectations();
    assert!(rows.len() >= 10, "only {} expectations", rows.len());
    let dossiers = builtin_dossiers();
    let products = builtin_products(&dossiers);
    let evidence = Evidence::default();
    let mut wrong = Vec::new();
    for e in &rows {
        let c = Catalogue::load(&e.catalogue, &limits()).expect("built-in catalogue");
        let inputs = Inputs {
            as_of: e.as_of,
            ..inputs(&dossiers, &products, &evidence)
        };
        let report = assess(&c, &inputs, &limits()).expect("assesses");
        let Some(a) = report
            .assessments
            .iter()
            .find(|a| a.product.id == e.product && a.role == e.role)
        else {
            wrong.push(format!(
                "{} {} {}: not assessed",
                e.catalogue, e.product, e.role
            ));
            continue;
        };
        let v = &a.verdict;
        let grounds: BTreeSet<String> = if v.decision.as_str() == "prohibit" {
            v.grounds.iter().map(|g| g.requirement.clone()).collect()
        } else {
            BTreeSet::new()
        };
        let conditions: BTreeSet<String> =
            v.conditions.iter().map(|c| c.requirement.clone()).collect();
        let advisories: BTreeSet<String> = v.advisories.iter().cloned().collect();
        let got = (
            v.decision.as_str().to_string(),
            v.deadline,
            grounds,
            conditions,
            advisories,
        );
        let want = (
            e.decision.clone(),
            e.applies_from,
            e.grounds.clone(),
            e.conditions.clone(),
            e.advisories.clone(),
        );
        if got != want {
            wrong.push(format!(
                "{} {} {} as of {}:\n  instruments: {want:?}\n  netvet:      {got:?}",
                e.catalogue, e.product, e.role, e.as_of
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
