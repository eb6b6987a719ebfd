//! The VM (used for assessments) and the interpreter (used for catalogue tests) agree on every
//! built-in catalogue, example product and evidence.

mod common;

use common::*;
use netvet_policy::{Catalogue, Evaluator, jobs};

#[test]
fn vm_and_interpreter_give_the_same_assessments() {
    let dossiers = builtin_dossiers();
    let products = builtin_products(&dossiers);
    let evidence = example_evidence();
    let inputs = inputs(&dossiers, &products, &evidence);
    let jobs = jobs(&products, None);
    for id in Catalogue::builtin_ids() {
        let c = Catalogue::load(&id, &limits()).expect("built-in catalogue");
        let e = Evaluator::new(&c, &limits()).expect("compiles");
        let vm = e.run(&inputs, &jobs).expect("VM");
        let interpreted = e.run_interpreted(&inputs, &jobs).expect("interpreter");
        assert_eq!(vm.len(), interpreted.len());
        for (a, b) in vm.iter().zip(&interpreted) {
            assert_eq!(a, b, "{id}: {} in {}", a.product.id, a.role);
        }
    }
}
