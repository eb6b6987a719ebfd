//! `netvet catalogue list|check|test`: the built-in catalogues, validating a catalogue (and the
//! ones it extends), and running its Rego tests.

use netvet_policy::{Catalogue, Limits, run_tests};
use serde::Serialize;

use crate::output::{self, Format, columns};

/// Work with requirements catalogues.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand)]
enum Command {
    /// List the built-in catalogues.
    List(FormatArgs),
    /// Validate a catalogue and the catalogues it extends, and list its requirements.
    Check(CatalogueArgs),
    /// Run the Rego tests of a catalogue and of each catalogue it extends.
    Test(CatalogueArgs),
}

#[derive(clap::Args)]
struct FormatArgs {
    /// Output format (table on a terminal, else JSON).
    #[arg(long, value_enum)]
    format: Option<Format>,
}

#[derive(clap::Args)]
struct CatalogueArgs {
    /// A built-in catalogue id or a catalogue directory.
    #[arg(value_name = "ID|DIR")]
    catalogue: String,
    #[command(flatten)]
    format: FormatArgs,
}

fn format_of(f: &FormatArgs) -> Format {
    Format::or_default(f.format)
}

#[derive(Serialize)]
struct CatalogueSummary {
    reference: netvet_model::CatalogueRef,
    legal_basis: Vec<String>,
    requirements: Vec<RequirementSummary>,
}

#[derive(Serialize)]
struct RequirementSummary {
    id: String,
    title: String,
    consequence: netvet_model::Consequence,
    #[serde(skip_serializing_if = "Option::is_none")]
    deadline: Option<netvet_model::Date>,
    layer: String,
    file: String,
    /// `vendor` when the requirement's rules read only the vendor's side of the input (it is
    /// decided once per vendor), else `product`.
    decided_per: &'static str,
    /// What its rules can read of the input; absent when they may read any of it.
    #[serde(skip_serializing_if = "Option::is_none")]
    input_reads: Option<Vec<String>>,
}

fn summarise(c: &Catalogue) -> CatalogueSummary {
    CatalogueSummary {
        reference: c.reference(),
        legal_basis: c.info.legal_basis.clone(),
        requirements: c
            .requirements
            .values()
            .map(|r| RequirementSummary {
                id: r.requirement.id.clone(),
                title: r.requirement.title.clone(),
                consequence: r.requirement.consequence,
                deadline: r.requirement.deadline,
                layer: r.layer.clone(),
                file: r.file.clone(),
                decided_per: if netvet_policy::assess::per_vendor(r) {
                    "vendor"
                } else {
                    "product"
                },
                input_reads: r.input_reads.as_ref().map(|s| s.iter().cloned().collect()),
            })
            .collect(),
    }
}

#[derive(Serialize)]
struct TestDoc {
    schema: &'static str,
    catalogues: Vec<LayerTests>,
    passed: bool,
}

#[derive(Serialize)]
struct LayerTests {
    catalogue: String,
    tests: Vec<TestResult>,
    untested_requirements: Vec<String>,
}

#[derive(Serialize)]
struct TestResult {
    rule: String,
    file: String,
    line: usize,
    passed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    failure: Option<String>,
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let limits = Limits::default();
    match args.command {
        Command::List(f) => {
            let all: Vec<CatalogueSummary> = Catalogue::builtin_ids()
                .iter()
                .map(|id| Catalogue::load(id, &limits).map(|c| summarise(&c)))
                .collect::<Result<_, _>>()?;
            match format_of(&f) {
                Format::Json => output::print_json(
                    &serde_json::json!({"schema": "netvet.catalogues/1", "catalogues": all}),
                )?,
                Format::Table => {
                    let mut rows = vec![
                        [
                            "ID",
                            "VERSION",
                            "EFFECTIVE",
                            "REQUIREMENTS",
                            "EXTENDS",
                            "TITLE",
                        ]
                        .map(String::from)
                        .to_vec(),
                    ];
                    for c in &all {
                        let r = &c.reference;
                        let base = r
                            .layers
                            .iter()
                            .rev()
                            .nth(1)
                            .cloned()
                            .unwrap_or_else(|| "-".into());
                        rows.push(vec![
                            r.id.clone(),
                            r.version.clone(),
                            r.effective.to_string(),
                            c.requirements.len().to_string(),
                            base,
                            r.title.clone(),
                        ]);
                    }
                    output::print_text(&columns(&rows))?;
                }
            }
            Ok(crate::EXIT_OK)
        }
        Command::Check(a) => {
            let c = Catalogue::load(&a.catalogue, &limits)?;
            // Compiling runs every rule once: runtime errors surface here too.
            netvet_policy::Evaluator::new(&c, &limits)?;
            let s = summarise(&c);
            match format_of(&a.format) {
                Format::Json => output::print_json(&s)?,
                Format::Table => {
                    let r = &s.reference;
                    let mut text = format!(
                        "{} {} — {} ({}; layers {}): valid\n\n",
                        r.id,
                        r.version,
                        r.title,
                        r.jurisdiction,
                        r.layers.join(" → ")
                    );
                    let mut rows = vec![
                        [
                            "REQUIREMENT",
                            "CONSEQUENCE",
                            "DEADLINE",
                            "LAYER",
                            "DECIDED PER",
                            "TITLE",
                        ]
                        .map(String::from)
                        .to_vec(),
                    ];
                    for q in &s.requirements {
                        rows.push(vec![
                            q.id.clone(),
                            q.consequence.as_str().to_string(),
                            q.deadline
                                .map(|d| d.to_string())
                                .unwrap_or_else(|| "-".into()),
                            q.layer.clone(),
                            q.decided_per.to_string(),
                            q.title.clone(),
                        ]);
                    }
                    text.push_str(&columns(&rows));
                    output::print_text(&text)?;
                }
            }
            Ok(crate::EXIT_OK)
        }
        Command::Test(a) => {
            let mut doc = TestDoc {
                schema: "netvet.catalogue-tests/1",
                catalogues: Vec::new(),
                passed: true,
            };
            for layer in Catalogue::load_layers(&a.catalogue, &limits)? {
                let report = run_tests(&layer, &limits)?;
                doc.passed &= report.passed();
                doc.catalogues.push(LayerTests {
                    catalogue: report.catalogue.clone(),
                    untested_requirements: report.untested.clone(),
                    tests: report
                        .outcomes
                        .into_iter()
                        .map(|o| TestResult {
                            passed: o.failure.is_none(),
                            rule: o.rule,
                            file: o.file,
                            line: o.line,
                            failure: o.failure,
                        })
                        .collect(),
                });
            }
            match format_of(&a.format) {
                Format::Json => output::print_json(&doc)?,
                Format::Table => {
                    let mut text = String::new();
                    for l in &doc.catalogues {
                        let passed = l.tests.iter().filter(|t| t.passed).count();
                        text.push_str(&format!(
                            "{}: {passed}/{} tests passed\n",
                            l.catalogue,
                            l.tests.len()
                        ));
                        for t in l.tests.iter().filter(|t| !t.passed) {
                            text.push_str(&format!(
                                "  FAIL {} ({}:{}): {}\n",
                                t.rule,
                                t.file,
                                t.line,
                                t.failure.as_deref().unwrap_or("")
                            ));
                        }
                        for id in &l.untested_requirements {
                            text.push_str(&format!("  UNTESTED {id}: no tests/{id}_test.rego\n"));
                        }
                    }
                    output::print_text(&text)?;
                }
            }
            Ok(if doc.passed {
                crate::EXIT_OK
            } else {
                crate::EXIT_FINDINGS
            })
        }
    }
}
