//! `netvet assess --catalogue ID|DIR`: every product in every role it can take, against a
//! requirements catalogue — each requirement's status with reasons and evidence, and the verdict.

use std::path::PathBuf;

use netvet_model::{Assessment, Decision};
use netvet_pipeline::assess::{self, Selection};
use netvet_policy::Limits;
use netvet_report::terminal;

use super::policy_inputs::{CatalogueArgs, DataArgs, InventoryArgs};
use crate::output::{self, ReportFormat};

/// Assess products against a requirements catalogue: per product and deployment role, every
/// requirement's status (pass, fail, not-applicable, unknown) with reasons and evidence, and
/// the verdict (allow, allow-with-conditions, prohibit) with legal basis and deadline.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    catalogue: CatalogueArgs,
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
    /// Assess products as used under this licence (an id the catalogue's `[[licence]]`
    /// tables declare; repeatable). Without it, under every licence the catalogue declares,
    /// so its licence conditions apply.
    #[arg(long = "licence", visible_alias = "license", value_name = "ID")]
    licences: Vec<String>,
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
    /// Write the output to FILE instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
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
    let data = args.data.load(&limits)?;
    let catalogue = args.catalogue.load(data.as_of, &limits)?;
    let inventory = args.inventory.load(&data.dossiers)?;
    let selection = Selection {
        products: args.only_products.clone(),
        vendors: args.only_vendors.clone(),
        licences: (!args.licences.is_empty()).then(|| args.licences.clone()),
    };
    let report = assess::assess(&catalogue, &data, inventory.as_ref(), &selection, &limits)?;
    for w in &report.warnings {
        output::warn(w);
    }
    let out = args.output.as_deref();
    let format = output::choose(args.format, out, ReportFormat::Table, ReportFormat::Json);
    match &args.explain {
        Some(id) => {
            let doc = assess::explain(&catalogue, &report, id)?;
            match format {
                ReportFormat::Json => output::emit_json(&doc, out)?,
                ReportFormat::Table | ReportFormat::Markdown => output::emit_table(
                    &terminal::assess::explanation(&doc, &output::style(out)),
                    out,
                )?,
            }
        }
        None => match format {
            ReportFormat::Json => output::emit_json(&report, out)?,
            ReportFormat::Table => output::emit_table(
                &terminal::assess::assessments(&report, &output::style(out)),
                out,
            )?,
            ReportFormat::Markdown => output::emit(
                &netvet_report::markdown::assessments(&report, &catalogue.info.legal_basis),
                out,
            )?,
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
