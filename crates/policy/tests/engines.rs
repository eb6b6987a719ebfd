//! The VM (used for assessments) and the interpreter (used for catalogue tests) agree on every
//! built-in catalogue, example product and evidence, with and without an operator inventory.
//!
//! The interpreter decides every requirement once per product, from the whole input, and
//! composes every verdict anew; the VM decides the vendor's requirements once per vendor, from
//! the vendor's part of the input, and composes each distinct set of results once. Equal
//! assessments show that the split loses nothing.

mod common;

use common::*;
use netvet_model::{Domain, InventoryElement, NetworkFunction};
use netvet_policy::products::ProductSet;
use netvet_policy::{Catalogue, Evaluator, Inputs, Shares, jobs};

fn element(
    op: &str,
    id: usize,
    domain: Domain,
    f: NetworkFunction,
    vendor: &str,
) -> InventoryElement {
    InventoryElement {
        operator: op.into(),
        element_id: format!("e{id}"),
        site: "site".into(),
        region: "region".into(),
        domain,
        function: f,
        vendor: vendor.into(),
        product: "product".into(),
        version: "1".into(),
        installation_date: as_of(),
        replacement_cost: None,
        licences: vec![],
    }
}

#[test]
fn vm_and_interpreter_give_the_same_assessments() {
    let dossiers = builtin_dossiers();
    let products = builtin_products(&dossiers);
    let evidence = example_evidence();
    // An inventory where Huawei holds 60 % of one operator's RAN and ZTE all of its AMFs, so
    // the share rules fail for some vendors and pass for others.
    let mut shares = Shares::default();
    let rows = [
        (Domain::Ran, NetworkFunction::Gnb, "Huawei", 6),
        (Domain::Ran, NetworkFunction::Gnb, "Ericsson", 4),
        (Domain::Core, NetworkFunction::Amf, "ZTE", 2),
        (Domain::Core, NetworkFunction::Smf, "Nokia", 1),
    ];
    let mut n = 0;
    for (domain, f, vendor, count) in rows {
        for _ in 0..count {
            n += 1;
            shares.add(
                element("Nordnetz (fictional)", n, domain, f, vendor),
                &dossiers,
            );
        }
    }
    let without = inputs(&dossiers, &products, &evidence);
    let with = Inputs {
        shares: Some(&shares),
        ..without
    };
    for inputs in [without, with] {
        for id in Catalogue::builtin_ids() {
            let c = Catalogue::load(&id, &limits()).expect("built-in catalogue");
            let jobs = jobs(&products, inputs.shares, &c.licences());
            let e = Evaluator::new(&c, &limits()).expect("compiles");
            let per_vendor: Vec<&str> = e.per_vendor().iter().map(String::as_str).collect();
            let want: &[&str] = match id.as_str() {
                "de-2019" => &[
                    "DE.KAT.DATA",
                    "DE.KAT.DIVERSITY",
                    "DE.KAT.MONITOR",
                    "DE.KAT.STAFF",
                    "DE.KAT.TRUST",
                ],
                "de-2024" => &[
                    "DE.2024.CORE",
                    "DE.2024.MGMT",
                    "DE.BSIG.9b.2",
                    "DE.BSIG.9b.3",
                    "DE.KAT.DATA",
                    "DE.KAT.DIVERSITY",
                    "DE.KAT.INTEGRITY",
                    "DE.KAT.MONITOR",
                    "DE.KAT.STAFF",
                ],
                "de-2025" => &[
                    "DE.2024.CORE",
                    "DE.2024.MGMT",
                    "DE.BSIG.41",
                    "DE.KAT.DATA",
                    "DE.KAT.DIVERSITY",
                    "DE.KAT.INTEGRITY",
                    "DE.KAT.MONITOR",
                    "DE.KAT.STAFF",
                ],
                "se-2020" => &["SE.PTS.LOCALISE", "SE.PTS.NEW", "SE.PTS.PHASEOUT"],
                "uk-2022" => &[
                    "UK.HRV.CAP",
                    "UK.HRV.EXCLUDE",
                    "UK.HW.5G",
                    "UK.HW.CORE",
                    "UK.HW.INSTALL",
                    "UK.HW.PURCHASE",
                    "UK.HW.SITES",
                    "UK.HW.TRANSMISSION",
                ],
                other => {
                    panic!("a new built-in catalogue {other}: list its per-vendor requirements")
                }
            };
            assert_eq!(per_vendor, want, "{id}: requirements decided per vendor");
            let vm = e.run(&inputs, &jobs).expect("VM");
            let interpreted = e.run_interpreted(&inputs, &jobs).expect("interpreter");
            assert_eq!(vm.len(), interpreted.len());
            for (a, b) in vm.iter().zip(&interpreted) {
                assert_eq!(a, b, "{id}: {} in {}", a.product.id, a.role);
            }
        }
    }
}

/// Copies of every example product under new ids that sort before, between and after the
/// originals, so products alike but for their id are decided together with a stand-in id.
fn copies(set: &ProductSet) -> ProductSet {
    let mut products = set.products.clone();
    for lp in &set.products {
        for prefix in ["a-", "m-", "zz-"] {
            let mut c = lp.clone();
            c.product.id = format!("{prefix}{}", lp.product.id);
            c.file = format!("{}.toml", c.product.id);
            products.push(c);
        }
    }
    products.sort_by(|a, b| a.product.id.cmp(&b.product.id));
    ProductSet {
        root: set.root.clone(),
        products,
    }
}

/// Products alike but for their id are decided once, and each gets results citing its own id,
/// in the order a decision for it alone gives: the same assessments as the interpreter's.
#[test]
fn products_decided_together_get_their_own_ids() {
    let dossiers = builtin_dossiers();
    let products = copies(&builtin_products(&dossiers));
    let evidence = example_evidence();
    let inputs = inputs(&dossiers, &products, &evidence);
    for id in Catalogue::builtin_ids() {
        let c = Catalogue::load(&id, &limits()).expect("built-in catalogue");
        let e = Evaluator::new(&c, &limits()).expect("compiles");
        assert!(e.decides_alike_products_once(), "{id}");
        let jobs = jobs(&products, None, &c.licences());
        let vm = e.run(&inputs, &jobs).expect("VM");
        let interpreted = e.run_interpreted(&inputs, &jobs).expect("interpreter");
        assert_eq!(vm.len(), interpreted.len());
        for (a, b) in vm.iter().zip(&interpreted) {
            assert_eq!(a, b, "{id}: {} in {}", a.product.id, a.role);
        }
    }
}

/// A rule that cites the product among other references (its reasons are sorted by them), one
/// that takes the citation apart, and one that reads the id itself.
#[test]
fn rules_that_use_the_id_otherwise_are_decided_per_product() {
    let citing = r#"package netvet.requirements.t_cite

fail contains data.netvet.lib.reason("this product", [data.netvet.lib.product_ref])

fail contains data.netvet.lib.reason("a product named m", ["product:m"])

fail contains data.netvet.lib.reason(upper(data.netvet.lib.product_ref), []) if input.product.version == "2.0"
"#;
    let direct = r#"package netvet.requirements.t_direct

fail contains data.netvet.lib.reason("an a product", [data.netvet.lib.product_ref]) if startswith(input.product.id, "a-")

pass contains data.netvet.lib.reason("not an a product", [data.netvet.lib.product_ref]) if not startswith(input.product.id, "a-")
"#;
    let dossiers = builtin_dossiers();
    let mut set = Vec::new();
    for (i, id) in ["a-1", "m-2", "zz-3", "a-4", "b-5"].iter().enumerate() {
        let mut p = common::product(id, "acme", true, &[NetworkFunction::Amf], &sha(1));
        if i % 2 == 1 {
            p.product.version = "2.0".into();
        }
        set.push(p);
    }
    set.sort_by(|a, b| a.product.id.cmp(&b.product.id));
    let products = ProductSet {
        root: "test".into(),
        products: set,
    };
    let evidence = example_evidence();
    let inputs = inputs(&dossiers, &products, &evidence);
    let cases: [(&[(&str, &str)], bool); 3] = [
        (&[("T.CITE", citing)], true),
        (&[("T.DIRECT", direct)], false),
        // Both in one catalogue: each group decided as its rules allow.
        (&[("T.CITE", citing), ("T.DIRECT", direct)], false),
    ];
    for (requirements, together) in cases {
        let dir = tempfile::tempdir().expect("tempdir");
        write(dir.path(), "catalogue.toml", CATALOGUE_TOML);
        for (rid, rego) in requirements {
            write(
                dir.path(),
                &format!("requirements/{rid}.toml"),
                &requirement_toml(rid, ""),
            );
            write(dir.path(), &format!("policy/{rid}.rego"), rego);
        }
        let rego = requirements
            .iter()
            .map(|(r, _)| *r)
            .collect::<Vec<_>>()
            .join("+");
        let c = Catalogue::load(dir.path().to_str().expect("utf-8"), &limits()).expect("valid");
        let e = Evaluator::new(&c, &limits()).expect("compiles");
        assert_eq!(e.decides_alike_products_once(), together, "{rego}");
        let jobs = jobs(&products, None, &c.licences());
        let vm = e.run(&inputs, &jobs).expect("VM");
        let interpreted = e.run_interpreted(&inputs, &jobs).expect("interpreter");
        assert_eq!(vm, interpreted, "{rego}");
        let cited: Vec<Vec<String>> = vm
            .iter()
            .filter(|a| a.product.id == "a-1")
            .flat_map(|a| {
                a.requirements
                    .iter()
                    .filter(|r| r.id.as_str() == requirements[0].0)
            })
            .map(|r| r.reasons.iter().flat_map(|x| x.evidence.clone()).collect())
            .collect();
        assert!(!cited.is_empty(), "{rego}: a-1 is assessed");
        assert!(
            cited
                .iter()
                .all(|c| c.first().map(String::as_str) == Some("product:a-1")),
            "{cited:?}"
        );
    }
}
