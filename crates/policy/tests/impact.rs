//! The impact of moving between the built-in catalogues, with an inventory built in code.

mod common;

use common::*;
use netvet_model::{Decision, Domain, InventoryElement, NetworkFunction};
use netvet_policy::evidence::Evidence;
use netvet_policy::impact::{InventoryInput, compare};
use netvet_policy::{Catalogue, Inputs, Shares};

fn element(
    op: &str,
    id: &str,
    domain: Domain,
    f: NetworkFunction,
    vendor: &str,
    product: &str,
    cost: Option<f64>,
) -> InventoryElement {
    InventoryElement {
        operator: op.into(),
        element_id: id.into(),
        site: "site".into(),
        region: "region".into(),
        domain,
        function: f,
        vendor: vendor.into(),
        product: product.into(),
        version: "V100R001".into(),
        installation_date: as_of(),
        replacement_cost: cost,
        licences: vec![],
    }
}

#[test]
fn moving_from_de_2019_to_de_2024_excludes_the_named_vendors_from_cores_and_management() {
    let dossiers = builtin_dossiers();
    let products = builtin_products(&dossiers);
    let evidence = Evidence::default();
    let inputs = inputs(&dossiers, &products, &evidence);
    let from = Catalogue::load("de-2019", &limits()).expect("built-in");
    let to = Catalogue::load("de-2024", &limits()).expect("built-in");
    let r = compare(&from, &to, &inputs, None, &limits()).expect("compares");
    let excluded: Vec<(String, String)> = r
        .exclusions
        .iter()
        .map(|e| (e.vendor.clone(), e.role.to_string()))
        .collect();
    for want in [
        ("huawei", "core:AMF"),
        ("huawei", "management:EMS"),
        ("zte", "core:UDM"),
        ("zte", "management:NMS"),
    ] {
        assert!(
            excluded.contains(&(want.0.to_string(), want.1.to_string())),
            "{want:?} not in {excluded:?}"
        );
    }
    let huawei_core = r
        .exclusions
        .iter()
        .find(|e| e.vendor == "huawei" && e.role.to_string() == "core:AMF")
        .expect("exclusion");
    assert_eq!(
        huawei_core.deadline.map(|d| d.to_string()).as_deref(),
        Some("2026-12-31")
    );
    assert_eq!(huawei_core.requirements, ["DE.2024.CORE"]);
    // No vendor outside the 2024 agreement is newly excluded: the fictional Cobalt's guarantee
    // declaration and its home law's duty to assist are no ground (§9b(3) is a duty to declare).
    assert!(
        r.exclusions
            .iter()
            .all(|e| ["huawei", "zte"].contains(&e.vendor.as_str())),
        "{excluded:?}"
    );
    // Huawei's RAN stays allowed with conditions under both.
    assert!(
        !r.changes
            .iter()
            .any(|c| c.product.id == "huawei-5g-ran" && c.to == Decision::Prohibit)
    );
}

#[test]
fn inventory_impact_counts_elements_per_operator_by_distinct_class() {
    let dossiers = builtin_dossiers();
    let products = builtin_products(&dossiers);
    let evidence = Evidence::default();
    let mut shares = Shares::default();
    let mut rows = 0;
    // Operator A: 3 Huawei AMFs (named by product name), 2 Ericsson gNBs, 1 unknown product.
    for i in 0..3 {
        shares.add(
            element(
                "A (fictional)",
                &format!("amf{i}"),
                Domain::Core,
                NetworkFunction::Amf,
                "Huawei",
                "Huawei 5G core (UDG, UDM, UNC, UPCF)",
                Some(100.0),
            ),
            &dossiers,
        );
        rows += 1;
    }
    for i in 0..2 {
        shares.add(
            element(
                "A (fictional)",
                &format!("gnb{i}"),
                Domain::Ran,
                NetworkFunction::Gnb,
                "Ericsson",
                "ericsson-ran",
                None,
            ),
            &dossiers,
        );
        rows += 1;
    }
    shares.add(
        element(
            "A (fictional)",
            "x",
            Domain::Core,
            NetworkFunction::Smf,
            "Nobody",
            "Mystery core",
            None,
        ),
        &dossiers,
    );
    rows += 1;
    // Operator B: a ZTE EMS (by alias vendor name and product id).
    shares.add(
        element(
            "B (fictional)",
            "ems1",
            Domain::Management,
            NetworkFunction::Ems,
            "zte",
            "zte-management",
            Some(50.0),
        ),
        &dossiers,
    );
    rows += 1;
    let inputs = Inputs {
        shares: Some(&shares),
        ..inputs(&dossiers, &products, &evidence)
    };
    let inv = InventoryInput {
        file: "test.csv".into(),
        rows,
        rejected_rows: 0,
        shares: &shares,
    };
    let from = Catalogue::load("de-2019", &limits()).expect("built-in");
    let to = Catalogue::load("de-2024", &limits()).expect("built-in");
    let r = compare(&from, &to, &inputs, Some(&inv), &limits()).expect("compares");
    let inv = r.inventory.expect("inventory impact");
    assert_eq!(inv.classes, 4);
    let a = &inv.operators[0];
    assert_eq!(
        (
            a.operator.as_str(),
            a.elements,
            a.newly_prohibited,
            a.unassessed
        ),
        ("A (fictional)", 6, 3, 1)
    );
    assert_eq!(a.groups.len(), 1);
    assert_eq!(
        (
            a.groups[0].product.as_str(),
            a.groups[0].elements,
            a.groups[0].replacement_cost
        ),
        ("huawei-5g-core", 3, 300.0)
    );
    let b = &inv.operators[1];
    assert_eq!(
        (b.operator.as_str(), b.elements, b.newly_prohibited),
        ("B (fictional)", 1, 1)
    );
    assert_eq!(
        b.groups[0].deadline.map(|d| d.to_string()).as_deref(),
        Some("2029-12-31")
    );
    assert_eq!(inv.unmatched.len(), 1);
    assert_eq!(
        (inv.unmatched[0].vendor.as_str(), inv.unmatched[0].elements),
        ("Nobody", 1)
    );
}
