//! Runs the Rego tests of every built-in catalogue (`catalogue/<id>/tests/*.rego`) and checks
//! that every requirement a catalogue defines or overrides has tests.

use netvet_policy::{Catalogue, Limits, run_tests};

#[test]
fn every_builtin_catalogue_passes_its_rego_tests_and_tests_every_requirement() {
    let limits = Limits::default();
    let ids = Catalogue::builtin_ids();
    assert_eq!(ids, ["de-2019", "de-2024", "de-2025", "se-2020", "uk-2022"]);
    let mut failures = Vec::new();
    let mut total = 0;
    for id in &ids {
        let catalogue = Catalogue::load(id, &limits).unwrap_or_else(|e| panic!("{id}: {e}"));
        let report = run_tests(&catalogue, &limits).unwrap_or_else(|e| panic!("{id}: {e}"));
        total += report.outcomes.len();
        for o in &report.outcomes {
            if let Some(f) = &o.failure {
                failures.push(format!("{id}: {} ({}:{}): {f}", o.rule, o.file, o.line));
            }
        }
        for r in &report.untested {
            failures.push(format!("{id}: requirement {r} has no tests/{r}_test.rego"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(total >= 60, "only {total} Rego tests");
}
