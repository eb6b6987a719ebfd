//! Running a catalogue's Rego tests: every rule named `test_*` in the `tests/*.rego` modules
//! must evaluate to `true` against the catalogue (OPA's convention).

use std::collections::BTreeSet;

use crate::assess::Evaluator;
use crate::catalogue::{Catalogue, TESTING_MODULE};
use crate::error::{Error, Result, rego_diagnostic};
use crate::limits::Limits;

/// The outcome of one test rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TestOutcome {
    pub file: String,
    pub line: usize,
    /// `data.netvet.tests.x.test_y`.
    pub rule: String,
    /// None when it passed; else what it evaluated to or the error.
    pub failure: Option<String>,
}

/// Results of a catalogue's tests.
#[derive(Clone, Debug)]
pub struct TestReport {
    pub catalogue: String,
    pub outcomes: Vec<TestOutcome>,
    /// Requirements of the catalogue's top layer without a `tests/<ID>_test.rego`.
    pub untested: Vec<String>,
}

impl TestReport {
    pub fn passed(&self) -> bool {
        self.untested.is_empty() && self.outcomes.iter().all(|o| o.failure.is_none())
    }
}

/// Runs the top layer's tests of `catalogue`.
pub fn run_tests(catalogue: &Catalogue, limits: &Limits) -> Result<TestReport> {
    let evaluator = Evaluator::new(catalogue, limits)?;
    let mut engine = evaluator.engine().clone();
    let (file, text) = TESTING_MODULE;
    engine
        .add_policy(file.to_string(), text.to_string())
        .map_err(|e| Error::Invalid(vec![rego_diagnostic(file, &e)]))?;
    for t in &catalogue.tests {
        engine
            .add_policy(t.file.clone(), t.text.clone())
            .map_err(|e| Error::Invalid(vec![rego_diagnostic(&t.file, &e)]))?;
    }
    let mut outcomes = Vec::new();
    for t in &catalogue.tests {
        let mut seen = BTreeSet::new();
        for r in t.info.rules.iter().filter(|r| r.name.starts_with("test_")) {
            if !seen.insert(&r.name) {
                continue;
            }
            let rule = format!("data.{}.{}", t.package, r.name);
            let failure = match engine.eval_rule(rule.clone()) {
                Ok(regorus::Value::Bool(true)) => None,
                Ok(regorus::Value::Undefined) => {
                    Some("undefined (a condition did not hold)".to_string())
                }
                Ok(v) => Some(format!("evaluated to {v}")),
                Err(e) => Some(rego_diagnostic(&t.file, &e).to_string()),
            };
            outcomes.push(TestOutcome {
                file: t.file.clone(),
                line: r.line,
                rule,
                failure,
            });
        }
    }
    Ok(TestReport {
        catalogue: catalogue.info.id.clone(),
        outcomes,
        untested: catalogue
            .untested()
            .into_iter()
            .map(|r| r.requirement.id.clone())
            .collect(),
    })
}
