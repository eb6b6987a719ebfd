//! Golden assessments of the real vendors' products under every built-in catalogue
//! (tests/golden/<catalogue>.json). Regenerate with NETVET_UPDATE_GOLDEN=1 and review the diff.

mod common;

use std::path::Path;

use common::*;
use netvet_policy::evidence::Evidence;
use netvet_policy::{Catalogue, assess};

#[test]
fn real_vendor_assessments_match_the_golden_files() {
    let dossiers = builtin_dossiers();
    let mut products = builtin_products(&dossiers);
    products.products.retain(|p| !p.product.fictional);
    assert!(products.products.len() >= 25);
    let evidence = Evidence::default();
    let inputs = inputs(&dossiers, &products, &evidence);
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let update = std::env::var_os("NETVET_UPDATE_GOLDEN").is_some();
    let mut stale = Vec::new();
    for id in Catalogue::builtin_ids() {
        let c = Catalogue::load(&id, &limits()).expect("built-in catalogue");
        let report = assess(&c, &inputs, &limits()).expect("assesses");
        let text = netvet_model::json::to_canonical_string(&report).expect("serialises");
        let path = dir.join(format!("{id}.json"));
        if update {
            std::fs::create_dir_all(&dir).expect("mkdir");
            std::fs::write(&path, &text).expect("write golden");
            continue;
        }
        let want = std::fs::read_to_string(&path).unwrap_or_default();
        if want != text {
            stale.push(path.display().to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "assessments differ from {stale:?}; run with NETVET_UPDATE_GOLDEN=1 and review the diff"
    );
}
