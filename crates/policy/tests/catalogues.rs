//! Broken and hostile catalogues end in a clear error naming the file and line, within bounded
//! time; valid overlays extend and override the built-in catalogues.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::*;
use netvet_model::{Decision, NetworkFunction, Status};
use netvet_policy::evidence::Evidence;
use netvet_policy::products::ProductSet;
use netvet_policy::{Catalogue, Error, Evaluator, Limits, jobs};

fn load(dir: &Path) -> Result<Catalogue, Error> {
    Catalogue::load(dir.to_str().expect("utf-8 path"), &limits())
}

/// The (file name, line, message) of each problem of a validation error.
fn problems(e: &Error) -> Vec<(String, Option<usize>, String)> {
    assert!(
        matches!(e, Error::Invalid(_)),
        "not a validation error: {e}"
    );
    e.diagnostics()
        .iter()
        .map(|d| {
            let name = d.file.rsplit('/').next().unwrap_or_default().to_string();
            (name, d.line, d.message.clone())
        })
        .collect()
}

#[test]
fn minimal_catalogue_loads_and_evaluates() {
    let dir = tempfile::tempdir().expect("tempdir");
    minimal_catalogue(dir.path());
    let c = load(dir.path()).expect("valid");
    assert_eq!(c.layers, ["test"]);
    Evaluator::new(&c, &limits()).expect("compiles");
}

#[test]
fn rego_syntax_error_names_file_and_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    minimal_catalogue(dir.path());
    write(
        dir.path(),
        "policy/one.rego",
        "package netvet.requirements.t_one\n\npass contains x if {\n  x := [1,\n",
    );
    let e = load(dir.path()).expect_err("syntax error");
    let p = problems(&e);
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(p[0].0, "one.rego");
    assert!(p[0].1.is_some_and(|l| l >= 4), "{p:?}");
    assert!(e.to_string().contains("one.rego:"), "{e}");
}

#[test]
fn rule_for_an_unknown_requirement_is_rejected_at_its_package_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    minimal_catalogue(dir.path());
    write(
        dir.path(),
        "policy/stray.rego",
        &format!("# a stray rule\n{}", rule("t_two")),
    );
    let p = problems(&load(dir.path()).expect_err("unknown requirement"));
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!((p[0].0.as_str(), p[0].1), ("stray.rego", Some(2)));
    assert!(
        p[0].2
            .starts_with("rule for an unknown requirement: package netvet.requirements.t_two"),
        "{p:?}"
    );
}

#[test]
fn requirement_without_a_rule_is_rejected_at_its_id() {
    let dir = tempfile::tempdir().expect("tempdir");
    minimal_catalogue(dir.path());
    write(
        dir.path(),
        "requirements/T.TWO.toml",
        &requirement_toml("T.TWO", ""),
    );
    let p = problems(&load(dir.path()).expect_err("no rule"));
    assert_eq!(p, [(
        "T.TWO.toml".to_string(),
        Some(1),
        "requirement T.TWO has no rule: no policy/*.rego declares package netvet.requirements.t_two".to_string()
    )]);
}

#[test]
fn unknown_function_name_in_a_scope_names_file_and_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    minimal_catalogue(dir.path());
    write(
        dir.path(),
        "requirements/T.ONE.toml",
        &requirement_toml("T.ONE", "\n[scope]\nfunctions = [\"AMF\", \"gNodeX\"]\n"),
    );
    let p = problems(&load(dir.path()).expect_err("unknown function"));
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!((p[0].0.as_str(), p[0].1), ("T.ONE.toml", Some(9)));
    assert!(
        p[0].2.contains("unknown network function \"gNodeX\""),
        "{p:?}"
    );
}

#[test]
fn unknown_fields_and_misnamed_files_are_rejected() {
    let dir = tempfile::tempdir().expect("tempdir");
    minimal_catalogue(dir.path());
    write(
        dir.path(),
        "requirements/T.ONE.toml",
        &requirement_toml("T.ONE", "severity = \"high\"\n"),
    );
    let p = problems(&load(dir.path()).expect_err("unknown field"));
    assert_eq!((p[0].0.as_str(), p[0].1), ("T.ONE.toml", Some(7)));
    assert!(p[0].2.contains("unknown field `severity`"), "{p:?}");

    write(
        dir.path(),
        "requirements/T.ONE.toml",
        &requirement_toml("T.UNO", ""),
    );
    let p = problems(&load(dir.path()).expect_err("misnamed"));
    assert!(
        p.iter()
            .any(|x| x.2.contains("the file must be named T.UNO.toml")),
        "{p:?}"
    );
}

#[test]
fn recursive_functions_are_rejected_before_they_can_overflow_the_stack() {
    let dir = tempfile::tempdir().expect("tempdir");
    minimal_catalogue(dir.path());
    write(
        dir.path(),
        "policy/one.rego",
        "package netvet.requirements.t_one\n\ndepth(n) := d if {\n\td := depth(n + 1)\n}\n\npass contains depth(0) if true\n",
    );
    let p = problems(&load(dir.path()).expect_err("recursion"));
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!((p[0].0.as_str(), p[0].1), ("one.rego", Some(3)));
    assert!(
        p[0].2
            .starts_with("recursive function: netvet.requirements.t_one.depth"),
        "{p:?}"
    );
}

#[test]
fn mutually_recursive_rules_are_rejected_with_their_lines() {
    let dir = tempfile::tempdir().expect("tempdir");
    minimal_catalogue(dir.path());
    write(
        dir.path(),
        "policy/one.rego",
        "package netvet.requirements.t_one\n\na if b\n\nb if a\n\npass contains 1 if a\n",
    );
    let p = problems(&load(dir.path()).expect_err("cycle"));
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!((p[0].0.as_str(), p[0].1), ("one.rego", Some(3)));
    assert!(
        p[0].2
            .contains("recursive rules: netvet.requirements.t_one.a"),
        "{p:?}"
    );
}

#[test]
fn a_requirement_reading_the_assessment_back_is_a_cycle() {
    let dir = tempfile::tempdir().expect("tempdir");
    minimal_catalogue(dir.path());
    write(
        dir.path(),
        "policy/one.rego",
        "package netvet.requirements.t_one\n\nfail := {r | some r in data.netvet.assessment.decided}\n",
    );
    let p = problems(&load(dir.path()).expect_err("cycle"));
    assert!(
        p.iter().any(|x| x.2.starts_with("recursive rules:")),
        "{p:?}"
    );
}

#[test]
fn a_verdict_reading_the_input_is_rejected() {
    let dir = tempfile::tempdir().expect("tempdir");
    minimal_catalogue(dir.path());
    // Composed once per distinct set of results, a verdict may not look at the product.
    write(
        dir.path(),
        "policy/verdict.rego",
        "package netvet.verdict\n\nverdict(results) := v if {\n\tinput.product.vendor == \"acme\"\n\tv := {\"decision\": \"prohibit\", \"legal_basis\": [], \"grounds\": [], \"conditions\": [], \"advisories\": []}\n} else := {\"decision\": \"allow\", \"legal_basis\": [], \"grounds\": [], \"conditions\": [], \"advisories\": []}\n",
    );
    let p = problems(&load(dir.path()).expect_err("verdict reads input"));
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!((p[0].0.as_str(), p[0].1), ("verdict.rego", Some(1)));
    assert!(p[0].2.contains("reads input.product.vendor"), "{}", p[0].2);
}

#[test]
fn requirements_reading_only_the_vendor_are_decided_per_vendor() {
    let dir = tempfile::tempdir().expect("tempdir");
    minimal_catalogue(dir.path());
    write(
        dir.path(),
        "requirements/T.VENDOR.toml",
        &requirement_toml("T.VENDOR", ""),
    );
    write(
        dir.path(),
        "policy/vendor.rego",
        "package netvet.requirements.t_vendor\n\nfail contains data.netvet.lib.reason(\"listed\", [data.netvet.lib.vendor_ref]) if {\n\tcount(data.netvet.lib.facts(\"listing\")) > 0\n}\n\npass contains data.netvet.lib.reason(\"not listed\", [data.netvet.lib.vendor_ref]) if {\n\tcount(data.netvet.lib.facts(\"listing\")) == 0\n}\n",
    );
    let c = load(dir.path()).expect("valid");
    let e = Evaluator::new(&c, &limits()).expect("compiles");
    let per_vendor: Vec<&str> = e.per_vendor().iter().map(String::as_str).collect();
    assert_eq!(per_vendor, ["T.VENDOR"], "T.ONE reads the scans");
    let reads = c.requirements["T.VENDOR"]
        .input_reads
        .clone()
        .expect("bounded reads");
    assert_eq!(
        reads.into_iter().collect::<Vec<_>>(),
        ["input.product.vendor", "input.vendor.by_kind"]
    );
}

#[test]
fn rego_v1_imports_regex_and_semver_builtins_work_and_regex_replace_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    minimal_catalogue(dir.path());
    write(
        dir.path(),
        "policy/one.rego",
        "package netvet.requirements.t_one\n\nimport rego.v1\n\nrelease := regex.match(`^[0-9]+\\.[0-9]+$`, input.product.version)\n\nnew_enough := semver.compare(sprintf(\"%s.0\", [input.product.version]), \"1.0.0\") >= 0\n\npass contains data.netvet.lib.reason(\"a release of 1.0 or later\", [data.netvet.lib.product_ref]) if {\n\trelease\n\tnew_enough\n}\n\nfail contains data.netvet.lib.reason(\"not a release\", [data.netvet.lib.product_ref]) if not release\n",
    );
    let c = load(dir.path()).expect("valid");
    let e = Evaluator::new(&c, &limits()).expect("compiles");
    let dossiers = builtin_dossiers();
    let mut p = product("p", "acme", true, &[NetworkFunction::Amf], &sha(1));
    let mut statuses = Vec::new();
    for version in ["1.2", "1.2-beta"] {
        p.product.version = version.to_string();
        let products = ProductSet {
            root: "test".into(),
            products: vec![p.clone()],
        };
        let evidence = Evidence::default();
        let inputs = inputs(&dossiers, &products, &evidence);
        let a = e
            .run(&inputs, &jobs(&products, None, &Default::default()))
            .expect("evaluates");
        statuses.push(a[0].requirements[0].status);
    }
    assert_eq!(statuses, [Status::Pass, Status::Fail]);

    write(
        dir.path(),
        "policy/one.rego",
        "package netvet.requirements.t_one\n\nbig := regex.replace(input.product.name, `.`, input.product.name)\n\npass contains big if true\n",
    );
    let p = problems(&load(dir.path()).expect_err("regex.replace"));
    assert!(p[0].2.contains("call to regex.replace"), "{p:?}");
}

#[test]
fn unbounded_builtins_are_rejected() {
    let dir = tempfile::tempdir().expect("tempdir");
    minimal_catalogue(dir.path());
    write(
        dir.path(),
        "policy/one.rego",
        "package netvet.requirements.t_one\n\nbig := count([x | some x in numbers.range(1, 1000000000)])\n\npass contains big if true\n",
    );
    let p = problems(&load(dir.path()).expect_err("numbers.range"));
    assert_eq!((p[0].0.as_str(), p[0].1), ("one.rego", Some(3)));
    assert!(p[0].2.contains("call to numbers.range"), "{p:?}");
}

#[test]
fn runaway_evaluation_stops_at_the_time_limit() {
    let dir = tempfile::tempdir().expect("tempdir");
    minimal_catalogue(dir.path());
    // A cross product of two large arrays built from the data: no single builtin is unbounded,
    // the loop is.
    let big: Vec<String> = (0..3000).map(|i| i.to_string()).collect();
    write(
        dir.path(),
        "requirements/T.ONE.toml",
        &requirement_toml("T.ONE", &format!("[params]\nxs = [{}]\n", big.join(", "))),
    );
    write(
        dir.path(),
        "policy/one.rego",
        "package netvet.requirements.t_one\n\nxs := data.netvet.catalogue.requirements[\"T.ONE\"].params.xs\n\npairs := count({[a, b] | some a in xs; some b in xs})\n\npass contains pairs if true\n",
    );
    let c = load(dir.path()).expect("valid catalogue");
    let limits = Limits {
        eval_time: Duration::from_millis(300),
        ..Limits::default()
    };
    let started = Instant::now();
    let e = Evaluator::new(&c, &limits).err().expect("time limit");
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "took {:?}",
        started.elapsed()
    );
    let text = e.to_string();
    assert!(text.contains("limit"), "{text}");
}

#[test]
fn huge_files_are_refused_before_they_are_parsed() {
    let dir = tempfile::tempdir().expect("tempdir");
    minimal_catalogue(dir.path());
    let mut huge = requirement_toml("T.ONE", "[params]\nblob = \"");
    huge.push_str(&"x".repeat(2 << 20));
    huge.push_str("\"\n");
    write(dir.path(), "requirements/T.ONE.toml", &huge);
    let e = load(dir.path()).expect_err("too big");
    assert!(e.to_string().contains("T.ONE.toml: file is"), "{e}");
    assert!(e.to_string().contains("the limit is 1048576"), "{e}");
}

#[test]
fn reserved_packages_and_unknown_removals_are_rejected() {
    let dir = tempfile::tempdir().expect("tempdir");
    minimal_catalogue(dir.path());
    write(
        dir.path(),
        "policy/lib.rego",
        "package netvet.lib\n\nreason(m, e) := {\"message\": m}\n",
    );
    let p = problems(&load(dir.path()).expect_err("reserved"));
    assert!(
        p.iter()
            .any(|x| x.0 == "lib.rego" && x.2.contains("package netvet.lib is reserved")),
        "{p:?}"
    );

    let over = tempfile::tempdir().expect("tempdir");
    write(
        over.path(),
        "catalogue.toml",
        "id = \"op\"\nversion = \"1\"\ntitle = \"t\"\njurisdiction = \"DE\"\neffective = 2025-01-01\nlegal_basis = [\"x\"]\nextends = \"de-2024\"\nremove = [\"DE.NOPE\"]\n",
    );
    let p = problems(&load(over.path()).expect_err("unknown removal"));
    assert_eq!(
        p,
        [(
            "catalogue.toml".to_string(),
            Some(8),
            "remove \"DE.NOPE\": no such requirement in the extended catalogue".to_string()
        )]
    );
}

#[test]
fn catalogues_extending_each_other_in_a_cycle_are_rejected() {
    let root = tempfile::tempdir().expect("tempdir");
    for (id, other) in [("a", "b"), ("b", "a")] {
        write(
            &root.path().join(id),
            "catalogue.toml",
            &CATALOGUE_TOML.replace(
                "id = \"test\"",
                &format!("id = \"{id}\"\nextends = \"../{other}\""),
            ),
        );
    }
    let e = load(&root.path().join("a")).expect_err("cycle");
    assert!(e.to_string().contains("extends itself"), "{e}");
}

#[test]
fn an_unknown_catalogue_lists_the_built_in_ones() {
    let e = Catalogue::load("fr-2030", &limits()).expect_err("unknown");
    assert_eq!(
        e.to_string(),
        "no catalogue \"fr-2030\": not a directory and not a built-in catalogue (de-2019, de-2024, de-2025, se-2020, uk-2022)"
    );
}

/// An operator's stricter policy on top of de-2024: diversity becomes a prohibition, facts from
/// secondary sources count, supply-chain proof is dropped, and a new requirement demands a scan.
#[test]
fn overlay_extends_overrides_removes_and_adds() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(
        d,
        "catalogue.toml",
        r#"
id = "operator-strict"
version = "2025.1"
title = "An operator's stricter policy"
jurisdiction = "DE"
effective = 2025-01-01
legal_basis = ["Operator security policy 2025"]
extends = "de-2024"
remove = ["DE.KAT.SUPPLYCHAIN"]

[params]
accepted_status = ["SOURCED", "SOURCED-2"]
"#,
    );
    let diversity = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../catalogue/de-2024/requirements/DE.KAT.DIVERSITY.toml"),
    )
    .expect("built-in requirement")
    .replace("consequence = \"advisory\"", "consequence = \"prohibit\"");
    write(d, "requirements/DE.KAT.DIVERSITY.toml", &diversity);
    write(
        d,
        "requirements/OP.SCAN.toml",
        &requirement_toml("OP.SCAN", ""),
    );
    write(d, "policy/scan.rego", &rule("op_scan"));
    let c = load(d).expect("valid overlay");
    assert_eq!(c.layers, ["de-2019", "de-2024", "operator-strict"]);
    assert!(c.requirements.contains_key("OP.SCAN"));
    assert!(!c.requirements.contains_key("DE.KAT.SUPPLYCHAIN"));
    assert_eq!(
        c.requirements["DE.KAT.DIVERSITY"].requirement.consequence,
        netvet_model::Consequence::Prohibit
    );
    assert_eq!(
        c.info.legal_basis.last().map(String::as_str),
        Some("Operator security policy 2025")
    );
    assert!(
        c.info.legal_basis.len() > 2,
        "the extended catalogues' legal basis is kept"
    );

    // ZTE's state ownership through Zhongxingxin (Z3) is SOURCED-2: it counts here, not in de-2024.
    let dossiers = builtin_dossiers();
    let products = builtin_products(&dossiers);
    let evidence = Evidence::default();
    let inputs = inputs(&dossiers, &products, &evidence);
    let only = |p: &ProductSet, id: &str| {
        let mut j = jobs(p, None, &Default::default());
        j.retain(|j| p.products[j.product].product.id == id);
        j
    };
    let base = Catalogue::load("de-2024", &limits()).expect("built-in");
    let status = |c: &Catalogue, id: &str| {
        let a = Evaluator::new(c, &limits())
            .expect("compiles")
            .run(&inputs, &only(&products, "zte-5g-nr"))
            .expect("runs");
        let r = a[0]
            .requirements
            .iter()
            .find(|r| r.id == id)
            .expect("requirement")
            .clone();
        (r.status, r.reasons)
    };
    let (_, base_reasons) = status(&base, "DE.BSIG.9b.2");
    let (_, strict_reasons) = status(&c, "DE.BSIG.9b.2");
    let mentions_z3 = |rs: &[netvet_model::Reason]| {
        rs.iter()
            .any(|r| r.evidence.iter().any(|e| e == "dossier:zte:Z3"))
    };
    assert!(!mentions_z3(&base_reasons) && mentions_z3(&strict_reasons));
    let (s, _) = status(&c, "OP.SCAN");
    assert_eq!(s, Status::Unknown);

    // A monoculture now prohibits: an operator whose gNBs all come from ZTE.
    let mut shares = netvet_policy::Shares::default();
    for i in 0..3 {
        shares.add(
            netvet_model::InventoryElement {
                operator: "Nordnetz (fictional)".into(),
                element_id: format!("gnb-{i}"),
                site: "s".into(),
                region: "r".into(),
                domain: netvet_model::Domain::Ran,
                function: NetworkFunction::Gnb,
                vendor: "ZTE".into(),
                product: "ZTE 5G NR".into(),
                version: "V1".into(),
                installation_date: as_of(),
                replacement_cost: None,
                licences: vec![],
            },
            &dossiers,
        );
    }
    let with_inventory = netvet_policy::Inputs {
        shares: Some(&shares),
        ..inputs
    };
    let a = Evaluator::new(&c, &limits())
        .expect("compiles")
        .run(&with_inventory, &only(&products, "zte-5g-nr"))
        .expect("runs");
    let diversity = a[0]
        .requirements
        .iter()
        .find(|r| r.id == "DE.KAT.DIVERSITY")
        .expect("requirement");
    assert_eq!(diversity.status, Status::Fail);
    assert!(
        diversity.reasons[0]
            .message
            .contains("Nordnetz (fictional): all 3 gNB elements"),
        "{:?}",
        diversity.reasons
    );
    assert_eq!(a[0].verdict.decision, Decision::Prohibit);
    assert!(
        a[0].verdict
            .grounds
            .iter()
            .any(|g| g.requirement == "DE.KAT.DIVERSITY")
    );
}
