//! `netvet network --inventory FILE --catalogue ID`: what an operator must change — the share
//! of each part of its network that is prohibited or conditional, vendor diversity, deadlines,
//! and a quarter-by-quarter replacement plan.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context;
use netvet_model::{Dimension, EvidenceKind, NetworkReport, Quarter};
use netvet_network::exposure::Horizon;
use netvet_network::plan::PlanConfig;
use netvet_network::report::{PlanSettings, ReportInput, Resolution, ShareRequirement, build};
use netvet_policy::shares::ClassKey;
use netvet_policy::{Catalogue, Evaluator, Limits, jobs};

use super::policy_inputs::{Data, DataArgs, Inventory, InventoryArgs};
use crate::output::{self, columns};

/// Show an operator what it must change: per domain, function and region the share of
/// prohibited and conditional elements, vendor shares and diversity (HHI), single-vendor
/// dependencies, elements past or near a deadline, and a replacement plan that meets every
/// deadline at least cost (or what is short).
#[derive(clap::Args)]
pub struct Args {
    /// A built-in catalogue (de-2019, de-2024, uk-2022) or a catalogue directory.
    #[arg(long, value_name = "ID|DIR")]
    catalogue: String,
    #[command(flatten)]
    data: DataArgs,
    #[command(flatten)]
    inventory: InventoryArgs,
    /// Plan configuration (TOML): default costs, crews and budget per quarter, replacement
    /// vendors and prices, a diversity cap (docs/inventory.md).
    #[arg(long, value_name = "FILE")]
    plan: Option<PathBuf>,
    /// Do not compute a replacement plan.
    #[arg(long, conflicts_with = "plan")]
    no_plan: bool,
    /// Prohibited elements whose deadline is within this many days count as near it.
    #[arg(long, value_name = "DAYS", default_value_t = 365)]
    near_days: u32,
    /// Output format (table on a terminal, else JSON).
    #[arg(long, value_enum)]
    format: Option<NetworkFormat>,
    /// Write the output to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// Exit with 1 when this is found.
    #[arg(long, value_enum, value_name = "WHAT")]
    fail_on: Option<FailOn>,
}

/// How the network report is written.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum NetworkFormat {
    /// A summary for people (default on a terminal).
    Table,
    /// Stable, versioned JSON (`netvet.network/1`).
    Json,
    /// One self-contained HTML page with charts (nothing loaded when viewed).
    Html,
}

/// What makes `network` exit with 1.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailOn {
    /// Any prohibited element.
    Prohibited,
    /// A prohibited element whose deadline has passed.
    PastDeadline,
    /// No replacement plan meets every deadline.
    Infeasible,
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let limits = Limits::default();
    let catalogue = Catalogue::load(&args.catalogue, &limits)
        .with_context(|| format!("invalid catalogue {}", args.catalogue))?;
    let data = args.data.load(&limits)?;
    if args.inventory.inventory.is_none() {
        anyhow::bail!("--inventory FILE is required");
    }
    let inventory = args
        .inventory
        .load(&data.dossiers)?
        .context("no inventory read")?;
    let config = match &args.plan {
        Some(path) => Some(read_plan(path)?),
        None if args.no_plan => None,
        None => Some(PlanConfig::default()),
    };
    let report = evaluate(
        &catalogue,
        &data,
        &inventory,
        config,
        args.near_days,
        &limits,
    )?;
    for w in &report.warnings {
        eprintln!("netvet: warning: {w}");
    }
    let format = match (args.format, &args.output) {
        (Some(f), _) => f,
        (None, Some(p))
            if p.extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("html")) =>
        {
            NetworkFormat::Html
        }
        (None, Some(_)) => NetworkFormat::Json,
        (None, None) => match output::Format::or_default(None) {
            output::Format::Table => NetworkFormat::Table,
            output::Format::Json => NetworkFormat::Json,
        },
    };
    let text = match format {
        NetworkFormat::Json => netvet_model::json::to_canonical_string(&report)?,
        NetworkFormat::Table => table(&report),
        NetworkFormat::Html => netvet_report::html::network(&report),
    };
    match &args.output {
        Some(path) => std::fs::write(path, text)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => output::print_text(&text)?,
    }
    let failed = match args.fail_on {
        None => false,
        Some(FailOn::Prohibited) => report.totals.prohibited > 0,
        Some(FailOn::PastDeadline) => report.totals.past_deadline > 0,
        Some(FailOn::Infeasible) => report.plan.as_ref().is_some_and(|p| !p.feasible),
    };
    Ok(if failed {
        crate::EXIT_FINDINGS
    } else {
        crate::EXIT_OK
    })
}

fn read_plan(path: &Path) -> anyhow::Result<PlanConfig> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read plan configuration {}", path.display()))?;
    Ok(PlanConfig::parse(&path.display().to_string(), &text)?)
}

/// Assesses every product the inventory uses (and the candidates that could replace them)
/// once per role, then builds the report. Shared with `netvet demo`.
pub fn evaluate(
    catalogue: &Catalogue,
    data: &Data,
    inventory: &Inventory,
    plan: Option<PlanConfig>,
    near_days: u32,
    limits: &Limits,
) -> anyhow::Result<NetworkReport> {
    let inputs = data.inputs(Some(inventory));
    let jobs = jobs(&data.products, Some(&inventory.shares));
    let assessments = Evaluator::new(catalogue, limits)?.run(&inputs, &jobs)?;
    let share_requirements: Vec<ShareRequirement> = catalogue
        .requirements
        .values()
        .filter(|r| {
            r.requirement
                .evidence
                .contains(&EvidenceKind::InventoryShares)
        })
        .map(|r| ShareRequirement {
            id: r.requirement.id.clone(),
            title: r.requirement.title.clone(),
        })
        .collect();
    let mut warnings = netvet_policy::assess::evidence_warnings(&inputs);
    if inventory.rejected > 0 {
        warnings.push(format!(
            "{}: {} of {} rows rejected (see the warnings above)",
            inventory.file, inventory.rejected, inventory.rows
        ));
    }
    let input = ReportInput {
        catalogue: catalogue.reference(),
        horizon: Horizon {
            as_of: data.as_of,
            near_days,
        },
        inventory: netvet_model::InventoryRead {
            file: inventory.file.clone(),
            rows: inventory.rows,
            accepted: inventory.accepted,
            rejected: inventory.rejected,
            classes: 0,
        },
        groups: &inventory.groups,
        assessments: &assessments,
        share_requirements: &share_requirements,
        plan: plan.map(|config| PlanSettings {
            config,
            start: Quarter::of(data.as_of),
        }),
        warnings,
    };
    let shares = &inventory.shares;
    let report = build(input, |k| {
        let dossier = shares
            .vendor_id(&k.vendor)
            .and_then(|id| data.dossiers.find_vendor(id));
        let class = ClassKey {
            vendor: k.vendor.clone(),
            product: k.product.clone(),
            version: k.version.clone(),
            role: k.role,
        };
        Resolution {
            vendor: dossier
                .map(|d| d.dossier.vendor.id.clone())
                .unwrap_or_else(|| k.vendor.trim().to_lowercase()),
            vendor_name: dossier
                .map(|d| d.dossier.vendor.name.clone())
                .unwrap_or_else(|| k.vendor.clone()),
            known_vendor: dossier.is_some(),
            product: shares
                .product_of(&data.products, &class)
                .map(|i| data.products.products[i].product.id.clone()),
        }
    })?;
    Ok(report)
}

fn num(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A sum of money, rounded to whole units, with thousands separators.
pub fn money(x: f64) -> String {
    num((x + 0.0).round().max(0.0) as u64)
}

/// The terminal summary.
pub fn table(r: &NetworkReport) -> String {
    let mut out = String::new();
    let t = &r.totals;
    let _ = writeln!(
        out,
        "{} ({} {}), as of {}: {} elements of {} operators in {} classes ({} rows rejected)",
        r.catalogue.id,
        r.catalogue.jurisdiction,
        r.catalogue.version,
        r.as_of,
        num(t.elements),
        r.operators.len(),
        r.inventory.classes,
        r.inventory.rejected
    );
    let _ = writeln!(
        out,
        "prohibited {} ({} %), {} past their deadline, {} within {} days; conditional {} ({} %); unassessed {}\n",
        num(t.prohibited),
        t.prohibited_percent,
        num(t.past_deadline),
        num(t.near_deadline),
        r.near_days,
        num(t.conditional),
        t.conditional_percent,
        num(t.unassessed)
    );
    for o in &r.operators {
        let x = &o.exposure;
        let _ = writeln!(
            out,
            "{}: {} elements, {} prohibited ({} %), {} past deadline, {} near; replacement cost of the prohibited ones {}{}",
            o.operator,
            num(x.elements),
            num(x.prohibited),
            x.prohibited_percent,
            num(x.past_deadline),
            num(x.near_deadline),
            money(o.prohibited_cost),
            if o.prohibited_without_cost > 0 {
                format!(
                    " (+{} without a stated cost)",
                    num(o.prohibited_without_cost)
                )
            } else {
                String::new()
            }
        );
        let mut rows = vec![vec![
            "  slice".to_string(),
            "elements".into(),
            "prohibited".into(),
            "conditional".into(),
            "HHI".into(),
            "vendors".into(),
        ]];
        for s in o.slices.iter().filter(|s| s.dimension != Dimension::Region) {
            let vendors: Vec<String> = s
                .vendors
                .iter()
                .take(4)
                .map(|v| format!("{} {} %", v.vendor_name, v.share_percent))
                .collect();
            rows.push(vec![
                format!(
                    "  {}{}",
                    if s.dimension == Dimension::Function {
                        "  "
                    } else {
                        ""
                    },
                    s.key
                ),
                num(s.exposure.elements),
                num(s.exposure.prohibited),
                num(s.exposure.conditional),
                format!("{:.0}", s.hhi),
                format!(
                    "{}{}",
                    vendors.join(", "),
                    if s.single_vendor.is_some() {
                        "  [single vendor]"
                    } else {
                        ""
                    }
                ),
            ]);
        }
        out.push_str(&columns(&rows));
        out.push('\n');
    }
    for s in &r.share_rules {
        let _ = writeln!(
            out,
            "{} {} ({}, {}): {}",
            s.requirement,
            s.status,
            s.vendor,
            s.role,
            s.reasons
                .iter()
                .map(|x| x.message.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        );
    }
    if !r.unassessed.is_empty() {
        let n: u64 = r.unassessed.iter().map(|u| u.elements).sum();
        let _ = writeln!(
            out,
            "not assessed (no product record): {} elements in {} classes",
            num(n),
            r.unassessed.len()
        );
    }
    if let Some(p) = &r.plan {
        let _ = writeln!(
            out,
            "\nreplacement plan {} – {}: {} elements{}",
            p.start,
            p.end,
            num(p.elements),
            if p.overdue > 0 {
                format!(" ({} already overdue)", num(p.overdue))
            } else {
                String::new()
            }
        );
        if p.feasible {
            let _ = writeln!(
                out,
                "  feasible; cost {} (lower bound {})",
                money(p.total_cost),
                money(p.lower_bound)
            );
            let mut per_quarter: std::collections::BTreeMap<Quarter, (u64, f64)> =
                Default::default();
            for q in &p.quarters {
                let e = per_quarter.entry(q.quarter).or_default();
                e.0 += q.elements;
                e.1 += q.cost;
            }
            for (q, (n, c)) in per_quarter.iter().filter(|(_, (n, _))| *n > 0) {
                let _ = writeln!(out, "  {q}: {} elements, {}", num(*n), money(*c));
            }
        } else {
            let _ = writeln!(out, "  NOT FEASIBLE:");
            for s in &p.shortfalls {
                let _ = writeln!(out, "  - {}", s.message);
            }
        }
    }
    out
}
