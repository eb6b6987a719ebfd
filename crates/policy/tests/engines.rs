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
