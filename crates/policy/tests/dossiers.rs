//! Dossier and product-record validation: every problem named with file and line.

mod common;

use std::path::Path;

use common::*;
use netvet_policy::{DossierSet, Error, ProductSet};

const JURISDICTION: &str =
    "[jurisdiction]\ncode = \"XA\"\nname = \"Atlantis (fictional)\"\nfictional = true\n";

fn vendor(id: &str, name: &str, facts: &str) -> String {
    format!(
        "[vendor]\nid = \"{id}\"\nname = \"{name}\"\njurisdiction = \"XA\"\nfictional = true\n{facts}"
    )
}

const FACT: &str = "\n[[fact]]\nid = \"F1\"\nkind = \"listing\"\nsummary = \"Listed.\"\ndate = \"2020-05\"\nsources = [\"https://example.invalid/list\"]\nstatus = \"SOURCED\"\nlist = \"entity-list\"\ncountry = \"US\"\n";

fn problems(dir: &Path) -> Vec<(String, Option<usize>, String)> {
    let e = DossierSet::load(Some(dir), &limits()).expect_err("invalid");
    assert!(matches!(e, Error::Invalid(_)), "{e}");
    e.diagnostics()
        .iter()
        .map(|d| {
            (
                d.file.rsplit('/').next().unwrap_or_default().to_string(),
                d.line,
                d.message.clone(),
            )
        })
        .collect()
}

fn setup(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "jurisdictions/xa.toml", JURISDICTION);
    for (rel, text) in files {
        write(dir.path(), rel, text);
    }
    dir
}

#[test]
fn a_valid_dossier_loads() {
    let dir = setup(&[("a.toml", &vendor("a", "A (fictional)", FACT))]);
    let set = DossierSet::load(Some(dir.path()), &limits()).expect("valid");
    assert_eq!(
        set.vendors["a"].dossier.facts[0].date.to_string(),
        "2020-05"
    );
}

#[test]
fn unknown_fields_are_rejected_with_their_line() {
    let dir = setup(&[(
        "a.toml",
        &vendor("a", "A (fictional)", &FACT.replace("list = ", "lists = ")),
    )]);
    let p = problems(dir.path());
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!((p[0].0.as_str(), p[0].1), ("a.toml", Some(14)));
    assert!(p[0].2.contains("unknown field `lists`"), "{p:?}");
}

#[test]
fn dates_that_do_not_parse_are_rejected_with_their_line() {
    for bad in ["2020-13", "May 2020", "2020-02-30"] {
        let dir = setup(&[(
            "a.toml",
            &vendor(
                "a",
                "A (fictional)",
                &FACT.replace("\"2020-05\"", &format!("\"{bad}\"")),
            ),
        )]);
        let p = problems(dir.path());
        assert_eq!(
            (p[0].0.as_str(), p[0].1),
            ("a.toml", Some(11)),
            "{bad}: {p:?}"
        );
        assert!(p[0].2.contains("is not a date"), "{bad}: {p:?}");
    }
}

#[test]
fn duplicate_vendors_are_rejected_naming_both_files() {
    let dir = setup(&[
        ("a.toml", &vendor("a", "A (fictional)", "")),
        ("b.toml", &vendor("a", "B (fictional)", "")),
    ]);
    let p = problems(dir.path());
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!((p[0].0.as_str(), p[0].1), ("b.toml", Some(2)));
    assert!(
        p[0].2.starts_with("duplicate vendor a: also in ") && p[0].2.ends_with("a.toml"),
        "{p:?}"
    );
}

#[test]
fn duplicate_fact_ids_and_missing_sources_are_rejected_at_the_fact() {
    let facts = format!(
        "{FACT}{}",
        FACT.replace("sources = [\"https://example.invalid/list\"]\n", "")
    );
    let dir = setup(&[("a.toml", &vendor("a", "A (fictional)", &facts))]);
    let p = problems(dir.path());
    let messages: Vec<(Option<usize>, &str)> = p.iter().map(|x| (x.1, x.2.as_str())).collect();
    assert_eq!(
        messages,
        vec![
            (Some(17), "duplicate fact id F1 (first at line 7)"),
            (
                Some(17),
                "fact F1: status SOURCED needs at least one source"
            ),
        ]
    );
}

#[test]
fn facts_carry_only_the_attributes_of_their_kind() {
    let dir = setup(&[(
        "a.toml",
        &vendor(
            "a",
            "A (fictional)",
            &FACT.replace(
                "list = \"entity-list\"",
                "list = \"entity-list\"\ncompels_assistance = true",
            ),
        ),
    )]);
    let p = problems(dir.path());
    assert_eq!(
        p[0].2,
        "fact F1: attribute compels_assistance does not belong to a listing fact"
    );
}

/// A law that compels assistance must say whom it binds: a duty of service providers or network
/// operators does not reach an equipment maker.
#[test]
fn a_law_compelling_assistance_must_say_whom_it_binds() {
    let law = "\n[[fact]]\nid = \"F1\"\nkind = \"law\"\nsummary = \"A law.\"\ndate = \"2020-05\"\nsources = [\"https://example.invalid/law\"]\nstatus = \"SOURCED\"\ncompels_assistance = true\n";
    let unbound = setup(&[("a.toml", &vendor("a", "A (fictional)", law))]);
    let p = problems(unbound.path());
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(
        p[0].2,
        "fact F1: a law that compels assistance needs binds (whom the duty binds)"
    );
    let odd = setup(&[(
        "a.toml",
        &vendor("a", "A (fictional)", &format!("{law}binds = \"vendors\"\n")),
    )]);
    let p = problems(odd.path());
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(
        p[0].2,
        "fact F1: binds \"vendors\": all-organisations, service-providers or network-operators"
    );
    let bound = setup(&[(
        "a.toml",
        &vendor(
            "a",
            "A (fictional)",
            &format!("{law}binds = \"service-providers\"\n"),
        ),
    )]);
    DossierSet::load(Some(bound.path()), &limits())
        .expect("a law that says whom it binds is valid");
}

#[test]
fn fictional_vendors_say_so_in_their_names_and_need_a_jurisdiction() {
    let dir = setup(&[(
        "a.toml",
        &vendor("a", "Acme", "").replace("jurisdiction = \"XA\"", "jurisdiction = \"XQ\""),
    )]);
    let p = problems(dir.path());
    let messages: Vec<&str> = p.iter().map(|x| x.2.as_str()).collect();
    assert!(
        messages.contains(&"\"Acme\" is fictional: its name must end with \"(fictional)\""),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.starts_with("no jurisdictions/xq.toml")),
        "{messages:?}"
    );
}

#[test]
fn product_records_are_checked_against_the_dossiers() {
    let dossiers = builtin_dossiers();
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "p.toml",
        "id = \"p\"\nvendor = \"huawei\"\nname = \"Huawei back door (fictional)\"\nversion = \"1\"\nfunctions = [\"gNB\"]\nfictional = true\n",
    );
    write(
        dir.path(),
        "q.toml",
        "id = \"q\"\nvendor = \"nobody\"\nname = \"Q\"\nversion = \"1\"\nfunctions = [\"gNodeX\"]\n",
    );
    let e = ProductSet::load(Some(dir.path()), &dossiers, &limits()).expect_err("invalid");
    let p: Vec<(String, Option<usize>, String)> = e
        .diagnostics()
        .iter()
        .map(|d| {
            (
                d.file.rsplit('/').next().unwrap_or_default().to_string(),
                d.line,
                d.message.clone(),
            )
        })
        .collect();
    assert_eq!(p, vec![
        ("p.toml".to_string(), Some(6), "huawei is a real vendor: its product records may not be marked fictional".to_string()),
        ("q.toml".to_string(), Some(5), "unknown network function \"gNodeX\" (known: gNB, CU, DU, RU, eNB, AMF, SMF, UPF, UDM, UDR, AUSF, NRF, NSSF, PCF, NEF, SEPP, SCP, N3IWF, NWDAF, CHF, IMS, LI, router, switch, optical, firewall, EMS, NMS, OSS, MANO, SDN-controller, NFVI)".to_string()),
    ]);
}

#[test]
fn the_built_in_dossiers_cover_the_real_vendors_with_sourced_facts() {
    let d = builtin_dossiers();
    let real: Vec<&str> = d
        .vendors
        .values()
        .filter(|v| !v.dossier.vendor.fictional)
        .map(|v| v.dossier.vendor.id.as_str())
        .collect();
    assert!(real.len() >= 12, "{real:?}");
    for v in d.vendors.values().filter(|v| !v.dossier.vendor.fictional) {
        for f in &v.dossier.facts {
            assert!(
                f.sources.iter().all(|s| !s.contains("fictional")),
                "{}: {}",
                v.dossier.vendor.id,
                f.id
            );
        }
    }
}

#[test]
fn only_built_in_product_records_must_cite_sources() {
    use netvet_policy::files::{FileSet, SourceFile};
    let dossiers = builtin_dossiers();
    let text = "id = \"nokia-airscale\"\nvendor = \"nokia\"\nname = \"Nokia AirScale\"\nversion = \"*\"\nfunctions = [\"gNB\"]\n";
    // Written by a user for a real vendor, without sources: accepted.
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "nokia.toml", text);
    let set = ProductSet::load(Some(dir.path()), &dossiers, &limits()).expect("a user's record");
    assert_eq!(set.products.len(), 1);
    // The same record shipped with netvet: the sourcing rule holds.
    let builtin = FileSet {
        root: "builtin:examples/products".into(),
        files: vec![SourceFile {
            name: "builtin:examples/products/nokia.toml".into(),
            rel: "nokia.toml".into(),
            text: text.into(),
        }],
    };
    let e = ProductSet::from_files(&builtin, &dossiers).expect_err("needs a source");
    let messages: Vec<&str> = e.diagnostics().iter().map(|d| d.message.as_str()).collect();
    assert_eq!(
        messages,
        vec!["a real vendor's product record needs at least one [[source]]"]
    );
}
