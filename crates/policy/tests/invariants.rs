//! Properties every built-in catalogue keeps, whatever the product.

mod common;

use common::*;
use netvet_model::{Category, Consequence, Decision, NetworkFunction, Role, Severity, Status};
use netvet_policy::evidence::Evidence;
use netvet_policy::products::ProductSet;
use netvet_policy::{Catalogue, Evaluator, Inputs, Job, assess};

/// The built-in catalogues that judge a product's own security: every one with a requirement
/// that reads scan evidence. se-2020 encodes licence conditions on vendors and operators
/// only, and is left out; the test below checks that it is the only one.
fn catalogues() -> Vec<Catalogue> {
    Catalogue::builtin_ids()
        .iter()
        .map(|id| Catalogue::load(id, &limits()).expect("built-in catalogue"))
        .filter(judges_security)
        .collect()
}

fn judges_security(c: &Catalogue) -> bool {
    c.requirements.values().any(|r| {
        r.requirement.evidence.iter().any(|e| {
            matches!(
                e,
                netvet_model::EvidenceKind::ScanFindings | netvet_model::EvidenceKind::ScanServices
            )
        })
    })
}

#[test]
fn only_the_licence_condition_catalogue_is_left_out_of_the_invariants() {
    let left_out: Vec<String> = Catalogue::builtin_ids()
        .into_iter()
        .filter(|id| !judges_security(&Catalogue::load(id, &limits()).expect("built-in")))
        .collect();
    assert_eq!(left_out, ["se-2020"]);
}

/// One product per vendor (real and fictional) with a telnet root shell, otherwise perfect
/// (certified, documented, signed), assessed in every role of the vocabulary.
#[test]
fn an_unauthenticated_root_shell_is_never_allowed_in_a_critical_role() {
    let dossiers = builtin_dossiers();
    let functions: Vec<NetworkFunction> = NetworkFunction::ALL.to_vec();
    let mut evidence = Evidence::default();
    let mut products = Vec::new();
    for (i, (vendor, d)) in dossiers.vendors.iter().enumerate() {
        let sha = sha(i as u8 + 1);
        let mut p = product(
            &format!("shell-{vendor}"),
            vendor,
            d.dossier.vendor.fictional,
            &functions,
            &sha,
        );
        p.product.certifications.push(netvet_model::Certification {
            scheme: "NESAS-CCS-GI".into(),
            lab: "Lab".into(),
            certificate: None,
            date: as_of(),
            expiry: None,
            release: "1.0".into(),
            firmware_sha256: vec![sha.clone()],
        });
        p.product.services.push(netvet_model::DeclaredService {
            name: "telnetd".into(),
            ports: vec![],
            purpose: "debug (documented)".into(),
            authentication: "none".into(),
        });
        evidence.add(scan(&sha, vec![], vec![root_shell()]));
        products.push(p);
    }
    let products = ProductSet {
        root: "test".into(),
        products,
    };
    let inputs = inputs(&dossiers, &products, &evidence);
    let jobs: Vec<Job> = (0..products.products.len())
        .map(|product| Job {
            product,
            roles: Role::all().map(netvet_policy::Placement::plain).collect(),
        })
        .collect();
    for c in catalogues() {
        let assessments = Evaluator::new(&c, &limits())
            .expect("compiles")
            .run(&inputs, &jobs)
            .expect("runs");
        let mut critical = 0;
        for a in assessments.iter().filter(|a| a.critical) {
            critical += 1;
            assert_eq!(
                a.verdict.decision,
                Decision::Prohibit,
                "{}: {} in {} is {}",
                c.info.id,
                a.product.id,
                a.role,
                a.verdict.decision
            );
        }
        assert!(
            critical > 100,
            "{}: only {critical} critical assessments",
            c.info.id
        );
    }
}

/// With no evidence at all — no certificate, firmware, scan, dossier facts or inventory — no
/// requirement that reads such evidence passes.
#[test]
fn missing_evidence_gives_unknown_never_pass() {
    let dossiers = builtin_dossiers();
    let mut products = Vec::new();
    for (vendor, d) in &dossiers.vendors {
        let mut p = product(
            &format!("bare-{vendor}"),
            vendor,
            d.dossier.vendor.fictional,
            NetworkFunction::ALL,
            &sha(0),
        );
        p.product.firmware.clear();
        products.push(p);
    }
    let products = ProductSet {
        root: "test".into(),
        products,
    };
    let evidence = Evidence::default();
    let inputs = inputs(&dossiers, &products, &evidence);
    for c in catalogues() {
        let report = assess(&c, &inputs, &limits()).expect("assesses");
        for a in &report.assessments {
            for r in a.requirements.iter() {
                let evidence = &c.requirements[&r.id].requirement.evidence;
                let product_or_scan = evidence.iter().all(|e| {
                    let name = serde_json::to_value(e).expect("serialises");
                    let name = name.as_str().unwrap_or_default();
                    name.starts_with("scan.")
                        || name.starts_with("product.")
                        || name.starts_with("inventory.")
                });
                if product_or_scan {
                    assert_ne!(
                        r.status,
                        Status::Pass,
                        "{}: {} passes for {} in {}",
                        c.info.id,
                        r.id,
                        a.product.id,
                        a.role
                    );
                }
                if r.status == Status::Pass {
                    assert!(
                        !r.reasons.is_empty() && r.reasons.iter().all(|x| !x.evidence.is_empty()),
                        "{}: pass without evidence: {r:?}",
                        c.info.id
                    );
                }
            }
            // Where no requirement that can bar or condition use applies (a draft's
            // certification tests outside critical roles), allow is the answer.
            let binding_applies = a.requirements.iter().any(|r| {
                r.status != Status::NotApplicable && r.consequence != Consequence::Advisory
            });
            if !binding_applies {
                continue;
            }
            assert_ne!(
                a.verdict.decision,
                Decision::Allow,
                "{}: {} allowed in {} without evidence",
                c.info.id,
                a.product.id,
                a.role
            );
        }
    }
}

/// The same inputs give byte-identical JSON, whatever the number of threads.
#[test]
fn the_same_inputs_give_byte_identical_output() {
    let dossiers = builtin_dossiers();
    let products = builtin_products(&dossiers);
    let evidence = example_evidence();
    let inputs: Inputs = inputs(&dossiers, &products, &evidence);
    for c in catalogues() {
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("pool");
            let report = pool
                .install(|| assess(&c, &inputs, &limits()))
                .expect("assesses");
            netvet_model::json::to_canonical_string(&report).expect("serialises")
        };
        let one = run(1);
        assert_eq!(one, run(2), "{}", c.info.id);
        assert_eq!(one, run(1), "{}", c.info.id);
    }
}

/// A hard-coded credential found by a scan fails the credential requirement of every catalogue.
#[test]
fn a_hard_coded_credential_fails_every_catalogue() {
    let dossiers = builtin_dossiers();
    let s = sha(9);
    let products = ProductSet {
        root: "test".into(),
        products: vec![product("cred", "acme", true, &[NetworkFunction::Amf], &s)],
    };
    let mut evidence = Evidence::default();
    evidence.add(scan(
        &s,
        vec![finding(
            "nv-account-hardcoded-password",
            Category::Credential,
            Severity::Critical,
        )],
        vec![],
    ));
    let inputs = inputs(&dossiers, &products, &evidence);
    for c in catalogues() {
        let report = assess(&c, &inputs, &limits()).expect("assesses");
        let a = &report.assessments[0];
        assert_eq!(a.verdict.decision, Decision::Prohibit, "{}", c.info.id);
        let failed: Vec<&str> = a
            .requirements
            .iter()
            .filter(|r| r.status == Status::Fail)
            .map(|r| r.id.as_str())
            .collect();
        assert!(
            failed.iter().any(|id| id.ends_with("CREDENTIALS")),
            "{}: {failed:?}",
            c.info.id
        );
    }
}
