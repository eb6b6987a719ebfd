//! `netvet network --inventory FILE --catalogue ID`: what an operator must change — the share
//! of each part of its network that is prohibited or conditional, vendor diversity, deadlines,
//! and a quarter-by-quarter replacement plan.

use std::path::{Path, PathBuf};

use anyhow::Context;
use netvet_network::plan::PlanConfig;
use netvet_pipeline::assess;
use netvet_policy::Limits;

use super::policy_inputs::{CatalogueArgs, DataArgs, InventoryArgs};
use crate::output;

/// Show an operator what it must change: per domain, function and region the share of
/// prohibited and conditional elements, vendor shares and diversity (HHI), single-vendor
/// dependencies, elements past or near a deadline, and a replacement plan that meets every
/// deadline at least cost (or what is short).
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    catalogue: CatalogueArgs,
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
    /// The currency of the inventory's costs, shown with every sum (an ISO 4217 code; default:
    /// the configuration's `currency`, else EUR).
    #[arg(long, value_name = "CODE", value_parser = parse_currency)]
    currency: Option<String>,
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
    /// Markdown: a one-page overview, then per operator, the plan and the verdicts.
    Markdown,
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
    let data = args.data.load(&limits)?;
    let catalogue = args.catalogue.load(data.as_of, &limits)?;
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
    let report = assess::network(
        &catalogue,
        &data,
        &inventory,
        config,
        args.near_days,
        &limits,
    )?;
    for w in &report.warnings {
        output::warn(w);
    }
    let output_path = args.output.as_deref();
    let format = match (args.format, output_path) {
        (None, Some(p))
            if p.extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("html")) =>
        {
            NetworkFormat::Html
        }
        (None, Some(p)) if p.extension().is_some_and(|e| e.eq_ignore_ascii_case("md")) => {
            NetworkFormat::Markdown
        }
        (asked, _) => output::choose(
            asked,
            output_path,
            NetworkFormat::Table,
            NetworkFormat::Json,
        ),
    };
    let currency = args
        .currency
        .clone()
        .or_else(|| crate::config::get().currency.clone())
        .unwrap_or_else(|| netvet_report::network_summary::DEFAULT_CURRENCY.to_string());
    match format {
        NetworkFormat::Json => output::emit_json(&report, output_path)?,
        NetworkFormat::Table => output::emit_table(
            &netvet_report::terminal::network::network(
                &report,
                &output::style(output_path),
                &currency,
            ),
            output_path,
        )?,
        NetworkFormat::Markdown => output::emit(
            &netvet_report::markdown::network(&report, &currency),
            output_path,
        )?,
        NetworkFormat::Html => output::emit(
            &netvet_report::html::network_in(&report, &currency),
            output_path,
        )?,
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

/// Reads a plan configuration (TOML).
pub fn read_plan(path: &Path) -> anyhow::Result<PlanConfig> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read plan configuration {}", path.display()))?;
    Ok(PlanConfig::parse(&path.display().to_string(), &text)?)
}

/// `--currency`: three capital letters, as ISO 4217 writes them.
fn parse_currency(s: &str) -> Result<String, String> {
    if s.len() == 3 && s.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(s.to_string())
    } else {
        Err(format!(
            "{s:?} is not an ISO 4217 currency code such as EUR or USD"
        ))
    }
}
