//! `netvet impact --from A --to B [--inventory FILE]`: what moving from one catalogue to another
//! changes — verdicts, vendors excluded from roles, and the operators' network elements affected.

use anyhow::Context;
use netvet_pipeline::assess;
use netvet_policy::{Catalogue, Limits};

use super::policy_inputs::{DataArgs, InventoryArgs};
use crate::output::{self, ReportFormat};

/// Show the impact of a catalogue change before it is enacted: which verdicts change, which
/// vendors and products become excluded from which roles, and — with an operator inventory —
/// how many network elements of which operators are affected.
#[derive(clap::Args)]
pub struct Args {
    /// The catalogue in force (built-in id or directory).
    #[arg(long, value_name = "ID|DIR")]
    from: String,
    /// The catalogue proposed (built-in id or directory).
    #[arg(long, value_name = "ID|DIR")]
    to: String,
    #[command(flatten)]
    data: DataArgs,
    #[command(flatten)]
    inventory: InventoryArgs,
    /// Exit with 1 when the change newly prohibits a product in some role.
    #[arg(long)]
    fail_on_exclusion: bool,
    /// Output format (table on a terminal, else JSON).
    #[arg(long, value_enum)]
    format: Option<ReportFormat>,
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let limits = Limits::default();
    let from = Catalogue::load(&args.from, &limits)
        .with_context(|| format!("invalid catalogue {}", args.from))?;
    let to = Catalogue::load(&args.to, &limits)
        .with_context(|| format!("invalid catalogue {}", args.to))?;
    let data = args.data.load(&limits)?;
    let inventory = args.inventory.load(&data.dossiers)?;
    let report = assess::impact(&from, &to, &data, inventory.as_ref(), &limits)?;
    for w in &report.warnings {
        output::warn(w);
    }
    match output::choose(args.format, None, ReportFormat::Table, ReportFormat::Json) {
        ReportFormat::Json => output::emit_json(&report, None)?,
        ReportFormat::Table => output::emit_table(
            &netvet_report::terminal::impact::impact(&report, &output::style(None)),
            None,
        )?,
        ReportFormat::Markdown => output::emit(&netvet_report::markdown::impact(&report), None)?,
    }
    Ok(
        if args.fail_on_exclusion && report.summary.newly_prohibited > 0 {
            crate::EXIT_FINDINGS
        } else {
            crate::EXIT_OK
        },
    )
}
