//! `netvet assess --catalogue ID|DIR`: every product in every role it can take, against a
//! requirements catalogue — each requirement's status with reasons and evidence, and the verdict.

use std::fmt::Write as _;

use anyhow::Context;
use netvet_model::{Assessment, AssessmentReport, Decision, Requirement, Role, Status};
use netvet_policy::assess::report;
use netvet_policy::{Catalogue, Evaluator, Limits, jobs};
use serde::Serialize;

use super::policy_inputs::{DataArgs, InventoryArgs};
use crate::output::{self, ReportFormat, cell, columns};

/// Assess products against a requirements catalogue: per product and deployment role, every
/// requirement's status (pass, fail, not-applicable, unknown) with reasons and evidence, and
/// the verdict (allow, allow-with-conditions, prohibit) with legal basis and deadline.
#[derive(clap::Args)]
pub struct Args {
    /// A built-in catalogue (de-2019, de-2024, uk-2022) or a catalogue directory.
    #[arg(long, value_name = "ID|DIR")]
    catalogue: String,
    #[command(flatten)]
    data: DataArgs,
    #[command(flatten)]
    inventory: InventoryArgs,
    /// Only these products (by id; repeatable).
    #[arg(long = "product", value_name = "ID")]
    only_products: Vec<String>,
    /// Only this vendor's products (by dossier id; repeatable).
    #[arg(long = "vendor", value_name = "ID")]
    only_vendors: Vec<String>,
    /// Explain one requirement: its sources, scope and rule, and its result for every product
    /// and role.
    #[arg(long, value_name = "REQUIREMENT")]
    explain: Option<String>,
    /// Exit with 1 when a verdict reaches this level.
    #[arg(long, value_enum, value_name = "LEVEL")]
    fail_on: Option<FailOn>,
    /// Output format (table on a terminal, else JSON).
    #[arg(long, value_enum)]
    format: Option<ReportFormat>,
}

/// Which verdicts make `assess` exit with 1.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailOn {
    /// A prohibition.
    Prohibit,
    /// A prohibition or an allowance with conditions.
    Conditions,
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let limits = Limits::default();
    let catalogue = Catalogue::load(&args.catalogue, &limits)
        .with_context(|| format!("invalid catalogue {}", args.catalogue))?;
    let data = args.data.load(&limits)?;
    let inventory = args.inventory.load(&data.dossiers)?;
    let inputs = data.inputs(inventory.as_ref());
    let mut jobs = jobs(&data.products, inputs.shares);
    select(
        &data.products,
        &mut jobs,
        &args.only_products,
        &args.only_vendors,
    )?;
    let assessments = Evaluator::new(&catalogue, &limits)?.run(&inputs, &jobs)?;
    let report = report(&catalogue, &inputs, assessments);
    for w in &report.warnings {
        eprintln!("netvet: warning: {w}");
    }
    let format = ReportFormat::or_default(args.format);
    match &args.explain {
        Some(id) => explain(&catalogue, &report, id, format)?,
        None => match format {
            ReportFormat::Json => output::print_json(&report)?,
            ReportFormat::Table => output::print_text(&table(&report))?,
            ReportFormat::Markdown => output::print_text(&markdown(&catalogue, &report))?,
        },
    }
    let reached = |a: &Assessment| match args.fail_on {
        Some(FailOn::Prohibit) => a.verdict.decision == Decision::Prohibit,
        Some(FailOn::Conditions) => a.verdict.decision != Decision::Allow,
        None => false,
    };
    Ok(if report.assessments.iter().any(reached) {
        crate::EXIT_FINDINGS
    } else {
        crate::EXIT_OK
    })
}

/// Keeps only the jobs of the products asked for.
fn select(
    products: &netvet_policy::ProductSet,
    jobs: &mut Vec<netvet_policy::Job>,
    ids: &[String],
    vendors: &[String],
) -> anyhow::Result<()> {
    for id in ids {
        if !products.products.iter().any(|p| &p.product.id == id) {
            anyhow::bail!("no product {id:?} in {}", products.root);
        }
    }
    jobs.retain(|j| {
        let p = &products.products[j.product].product;
        (ids.is_empty() || ids.contains(&p.id))
            && (vendors.is_empty() || vendors.contains(&p.vendor))
    });
    Ok(())
}

fn role_text(a: &Assessment) -> String {
    format!("{}{}", a.role, if a.critical { "*" } else { "" })
}

fn product_text(a: &Assessment) -> String {
    format!(
        "{}{}",
        a.product.id,
        if a.product.fictional { " (f)" } else { "" }
    )
}

/// The requirements behind a verdict, shortened for a table.
fn grounds_text(a: &Assessment) -> String {
    let ids: Vec<&str> = a
        .verdict
        .grounds
        .iter()
        .map(|g| g.requirement.as_str())
        .collect();
    match ids.len() {
        0 => "-".to_string(),
        n if n <= 3 => ids.join(", "),
        n => format!("{}, +{} more", ids[..2].join(", "), n - 2),
    }
}

fn header(report: &AssessmentReport) -> String {
    let c = &report.catalogue;
    format!(
        "{} {} — {} (effective {}; layers {}); as of {}\n\n",
        c.id,
        c.version,
        c.title,
        c.effective,
        c.layers.join(" → "),
        report.as_of
    )
}

fn table(report: &AssessmentReport) -> String {
    let mut out = header(report);
    let mut rows = vec![
        [
            "PRODUCT", "VENDOR", "ROLE", "VERDICT", "DEADLINE", "GROUNDS",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for a in &report.assessments {
        rows.push(vec![
            product_text(a),
            a.product.vendor.clone(),
            role_text(a),
            a.verdict.decision.to_string(),
            a.verdict
                .deadline
                .map(|d| d.to_string())
                .unwrap_or_else(|| "-".into()),
            grounds_text(a),
        ]);
    }
    out.push_str(&columns(&rows));
    let s = &report.summary;
    let _ = write!(
        out,
        "\n* critical role; (f) fictional sample product\n{} assessments: {} allow, {} allow with conditions, {} prohibit\n",
        report.assessments.len(),
        s.allow,
        s.allow_with_conditions,
        s.prohibit
    );
    out
}

fn markdown(catalogue: &Catalogue, report: &AssessmentReport) -> String {
    let c = &report.catalogue;
    let s = &report.summary;
    let mut out = String::new();
    let _ = writeln!(out, "# Assessment under {} — {}\n", c.id, c.title);
    let _ = writeln!(
        out,
        "- Catalogue: {} version {}, jurisdiction {}, effective {}, layers {}",
        c.id,
        c.version,
        c.jurisdiction,
        c.effective,
        c.layers.join(" → ")
    );
    let _ = writeln!(
        out,
        "- Legal basis: {}",
        catalogue.info.legal_basis.join("; ")
    );
    let _ = writeln!(out, "- Assessed as of {}", report.as_of);
    let _ = writeln!(
        out,
        "- Verdicts: {} allow, {} allow with conditions, {} prohibit ({} product × role assessments)\n",
        s.allow,
        s.allow_with_conditions,
        s.prohibit,
        report.assessments.len()
    );
    let _ = writeln!(out, "## Summary\n");
    let _ = writeln!(
        out,
        "| Product | Vendor | Role | Critical | Verdict | Deadline | Grounds |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|");
    for a in &report.assessments {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | **{}** | {} | {} |",
            cell(&product_text(a)),
            cell(&a.product.vendor_name),
            a.role,
            if a.critical { "yes" } else { "no" },
            a.verdict.decision,
            a.verdict
                .deadline
                .map(|d| d.to_string())
                .unwrap_or_default(),
            cell(
                &a.verdict
                    .grounds
                    .iter()
                    .map(|g| g.requirement.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
    }
    let mut last_product = "";
    for a in &report.assessments {
        if a.product.id != last_product {
            last_product = &a.product.id;
            let p = &a.product;
            let _ = writeln!(out, "\n## {} — {}\n", p.id, p.name);
            let _ = writeln!(
                out,
                "Vendor {} ({}), version {}{}.",
                p.vendor_name,
                p.vendor,
                p.version,
                if p.fictional {
                    ", a fictional sample product"
                } else {
                    ""
                }
            );
        }
        let v = &a.verdict;
        let _ = writeln!(
            out,
            "\n### {}{}: {}{}\n",
            a.role,
            if a.critical { " (critical)" } else { "" },
            v.decision,
            v.deadline.map(|d| format!(" from {d}")).unwrap_or_default()
        );
        let _ = writeln!(out, "Legal basis: {}\n", v.legal_basis.join("; "));
        if !v.conditions.is_empty() {
            let _ = writeln!(out, "Conditions:\n");
            for c in &v.conditions {
                let due = c.deadline.map(|d| format!(" (by {d})")).unwrap_or_default();
                let _ = writeln!(out, "- {}{due}: {}", c.requirement, c.text);
            }
            out.push('\n');
        }
        let _ = writeln!(
            out,
            "| Requirement | Consequence | Status | Reasons | Evidence |"
        );
        let _ = writeln!(out, "|---|---|---|---|---|");
        for r in a
            .requirements
            .iter()
            .filter(|r| r.status != Status::NotApplicable)
        {
            let reasons: Vec<&str> = r.reasons.iter().map(|x| x.message.as_str()).collect();
            let evidence: Vec<&str> = r
                .reasons
                .iter()
                .flat_map(|x| x.evidence.iter().map(String::as_str))
                .collect();
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                r.id,
                r.consequence.as_str(),
                r.status,
                cell(&reasons.join("; ")),
                cell(&evidence.join(", "))
            );
        }
    }
    out
}

/// `--explain`: one requirement, its rule and its results.
#[derive(Serialize)]
struct Explanation<'a> {
    schema: &'static str,
    catalogue: &'a netvet_model::CatalogueRef,
    as_of: netvet_model::Date,
    requirement: &'a Requirement,
    /// The file that defines the requirement, and the layer.
    defined_in: &'a str,
    layer: &'a str,
    rule: Vec<RuleFile<'a>>,
    results: Vec<ExplainedResult<'a>>,
}

#[derive(Serialize)]
struct RuleFile<'a> {
    file: &'a str,
    package: &'a str,
    text: &'a str,
}

#[derive(Serialize)]
struct ExplainedResult<'a> {
    product: &'a str,
    vendor: &'a str,
    role: Role,
    critical: bool,
    status: Status,
    reasons: &'a [netvet_model::Reason],
}

fn explain(
    catalogue: &Catalogue,
    report: &AssessmentReport,
    id: &str,
    format: ReportFormat,
) -> anyhow::Result<()> {
    let Some(req) = catalogue.requirements.get(id) else {
        let known: Vec<&str> = catalogue.requirements.keys().map(String::as_str).collect();
        anyhow::bail!(
            "no requirement {id:?} in catalogue {} (known: {})",
            catalogue.info.id,
            known.join(", ")
        );
    };
    let rule: Vec<RuleFile> = catalogue
        .policies
        .iter()
        .filter(|m| m.package == req.package)
        .map(|m| RuleFile {
            file: &m.file,
            package: &m.package,
            text: &m.text,
        })
        .collect();
    let results: Vec<ExplainedResult> = report
        .assessments
        .iter()
        .filter_map(|a| {
            let r = a.requirements.iter().find(|r| r.id == id)?;
            Some(ExplainedResult {
                product: &a.product.id,
                vendor: &a.product.vendor,
                role: a.role,
                critical: a.critical,
                status: r.status,
                reasons: &r.reasons,
            })
        })
        .collect();
    let doc = Explanation {
        schema: "netvet.explanation/1",
        catalogue: &report.catalogue,
        as_of: report.as_of,
        requirement: &req.requirement,
        defined_in: &req.file,
        layer: &req.layer,
        rule,
        results,
    };
    match format {
        ReportFormat::Json => output::print_json(&doc),
        ReportFormat::Table | ReportFormat::Markdown => output::print_text(&explain_text(&doc)),
    }
}

fn explain_text(d: &Explanation) -> String {
    let q = d.requirement;
    let mut out = String::new();
    let _ = writeln!(out, "{} — {}\n", q.id, q.title);
    let _ = writeln!(out, "{}\n", q.rationale.trim());
    let _ = writeln!(out, "legal basis:  {}", q.legal_basis);
    let _ = writeln!(
        out,
        "consequence:  {}{}",
        q.consequence.as_str(),
        q.deadline
            .map(|d| format!(" (deadline {d})"))
            .unwrap_or_default()
    );
    let scope = &q.scope;
    let list = |v: Vec<String>| {
        if v.is_empty() {
            "any".to_string()
        } else {
            v.join(", ")
        }
    };
    let _ = writeln!(
        out,
        "scope:        domains {}; functions {}; criticality {}",
        list(scope.domains.iter().map(|d| d.to_string()).collect()),
        list(scope.functions.iter().map(|f| f.to_string()).collect()),
        if scope.criticality == netvet_model::CriticalityScope::Critical {
            "critical roles"
        } else {
            "any"
        }
    );
    let evidence: Vec<String> = q
        .evidence
        .iter()
        .filter_map(|e| serde_json::to_value(e).ok())
        .filter_map(|v| v.as_str().map(String::from))
        .collect();
    let _ = writeln!(out, "evidence:     {}", evidence.join(", "));
    if !q.params.is_empty() {
        let params: Vec<String> = q.params.iter().map(|(k, v)| format!("{k} = {v}")).collect();
        let _ = writeln!(out, "parameters:   {}", params.join("; "));
    }
    let _ = writeln!(
        out,
        "defined in:   {} (catalogue {})",
        d.defined_in, d.layer
    );
    let _ = writeln!(out, "\nsources:");
    for s in &q.sources {
        let _ = writeln!(
            out,
            "  [{}] {} — {} ({}){}",
            s.status,
            s.reference,
            s.title,
            s.url,
            s.note
                .as_ref()
                .map(|n| format!("; {n}"))
                .unwrap_or_default()
        );
    }
    for r in &d.rule {
        let _ = writeln!(out, "\nrule {} ({}):\n", r.package, r.file);
        for l in r.text.lines() {
            let _ = writeln!(out, "    {l}");
        }
    }
    let _ = writeln!(out, "\nresults (as of {}):", d.as_of);
    let mut rows = vec![
        ["PRODUCT", "ROLE", "STATUS", "REASONS"]
            .map(String::from)
            .to_vec(),
    ];
    for r in &d.results {
        let reasons: Vec<&str> = r.reasons.iter().map(|x| x.message.as_str()).collect();
        rows.push(vec![
            r.product.to_string(),
            format!("{}{}", r.role, if r.critical { "*" } else { "" }),
            r.status.to_string(),
            reasons.join("; "),
        ]);
    }
    out.push_str(&columns(&rows));
    out
}
