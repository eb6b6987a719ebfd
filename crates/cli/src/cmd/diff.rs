//! `netvet diff OLD NEW` and `netvet equivalence TESTED DEPLOYED`: what changed between two
//! releases, and whether a deployed image is the build that was tested.

use std::path::PathBuf;

use netvet_diff::Gate;
use netvet_model::Date;
use netvet_model::diff::EquivalenceVerdict;
use netvet_pipeline::{AnalyseOptions, Analyser};

use super::limits::LimitArgs;
use crate::output;
use crate::progress::with_progress;

/// Output formats of `diff`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum DiffFormat {
    Table,
    Json,
    Markdown,
    /// One page with the old and the new release side by side.
    Html,
}

/// Output formats of `equivalence`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum EquivalenceFormat {
    Table,
    Json,
    Markdown,
    /// The verdict as an in-toto Statement (v1) with both images' digests as subjects.
    Intoto,
}

/// What changed between two releases: layers, files (added, removed, changed, renamed), the
/// sections, symbols and strings of changed binaries, services and listeners, accounts, keys
/// and certificates, components and vulnerabilities, findings and hardening.
#[derive(clap::Args)]
pub struct DiffArgs {
    /// The earlier release: a firmware image, or a stored analysis (`netvet scan` JSON).
    #[arg(value_name = "OLD")]
    old: PathBuf,
    /// The later release: a firmware image, or a stored analysis.
    #[arg(value_name = "NEW")]
    new: PathBuf,
    /// Output format (table on a terminal, else JSON).
    #[arg(long, value_enum)]
    format: Option<DiffFormat>,
    /// Write the output to FILE instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Exit with code 1 when the new release regresses (comma separated): new-listener,
    /// new-account (or an account that became uid 0), new-key, hardening,
    /// finding=SEVERITY (a new finding at or above it), vulnerability=SEVERITY.
    #[arg(long, value_name = "GATES", value_delimiter = ',')]
    fail_on: Vec<Gate>,
    /// Judge certificate expiry and end of support on this day (YYYY-MM-DD) instead of today.
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = super::parse_date)]
    as_of: Option<Date>,
    /// Advisory index for vulnerability matching (as for `scan`).
    #[arg(long, value_name = "PATH")]
    db: Option<PathBuf>,
    #[command(flatten)]
    limits: LimitArgs,
}

/// Whether DEPLOYED is the build TESTED is: both images unpacked and compared entry by entry,
/// every difference classified as explained (timestamps, build ids, signatures, padding,
/// compression settings, file order) or material.
#[derive(clap::Args)]
pub struct EquivalenceArgs {
    /// The image that was tested or certified.
    #[arg(value_name = "TESTED")]
    tested: PathBuf,
    /// The image that is deployed (or offered as the same build).
    #[arg(value_name = "DEPLOYED")]
    deployed: PathBuf,
    /// Output format (table on a terminal, else JSON).
    #[arg(long, value_enum)]
    format: Option<EquivalenceFormat>,
    /// Write the output to FILE instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Also write the verdict as an in-toto Statement (v1) to FILE, for a lab to sign and
    /// give to an operator.
    #[arg(long, value_name = "FILE")]
    attestation: Option<PathBuf>,
    #[command(flatten)]
    limits: LimitArgs,
}

pub fn run_diff(args: DiffArgs) -> anyhow::Result<u8> {
    let format = output::choose(
        args.format,
        args.output.as_deref(),
        DiffFormat::Table,
        DiffFormat::Json,
    );
    let as_of = args.as_of.unwrap_or_else(netvet_pipeline::today);
    let analyser = Analyser::new(AnalyseOptions {
        unpack: args.limits.options(),
        index: crate::config::db(args.db.as_deref()),
        ..AnalyseOptions::new(as_of)
    })?;
    for n in analyser.notes() {
        output::note(n);
    }
    let subject = format!("{} → {}", args.old.display(), args.new.display());
    let report = with_progress(&subject, |p| {
        netvet_pipeline::diff::diff(&analyser, &args.old, &args.new, p)
    })?;
    let tripped = netvet_diff::tripped(&report, &args.fail_on);
    let text = match format {
        DiffFormat::Json => netvet_model::json::to_canonical_string(&report)?,
        DiffFormat::Markdown => netvet_report::diff::diff_markdown(&report, &tripped),
        DiffFormat::Html => netvet_report::diff::diff_html(&report, &tripped),
        DiffFormat::Table => netvet_report::diff::diff_table(
            &report,
            &tripped,
            &output::style(args.output.as_deref()),
        ),
    };
    if format == DiffFormat::Table {
        output::emit_table(&text, args.output.as_deref())?;
    } else {
        output::emit(&text, args.output.as_deref())?;
    }
    for t in &tripped {
        output::warn(&format!("gate failed: {t}"));
    }
    let unreadable = [&report.old, &report.new]
        .iter()
        .any(|s| s.coverage == "unreadable");
    Ok(if !args.fail_on.is_empty() && unreadable {
        crate::EXIT_UNREADABLE
    } else if !tripped.is_empty() {
        crate::EXIT_FINDINGS
    } else {
        crate::EXIT_OK
    })
}

pub fn run_equivalence(args: EquivalenceArgs) -> anyhow::Result<u8> {
    let format = output::choose(
        args.format,
        args.output.as_deref(),
        EquivalenceFormat::Table,
        EquivalenceFormat::Json,
    );
    let analyser = Analyser::new(AnalyseOptions {
        unpack: args.limits.options(),
        software: false,
        ..AnalyseOptions::new(netvet_pipeline::today())
    })?;
    let subject = format!("{} ≟ {}", args.tested.display(), args.deployed.display());
    let report = with_progress(&subject, |p| {
        netvet_pipeline::diff::equivalence(&analyser, &args.tested, &args.deployed, p)
    })?;
    let statement = netvet_diff::attestation(&report, env!("CARGO_PKG_VERSION"));
    let text = match format {
        EquivalenceFormat::Json => netvet_model::json::to_canonical_string(&report)?,
        EquivalenceFormat::Intoto => netvet_model::json::to_canonical_string(&statement)?,
        EquivalenceFormat::Markdown => netvet_report::diff::equivalence_markdown(&report),
        EquivalenceFormat::Table => {
            netvet_report::diff::equivalence_table(&report, &output::style(args.output.as_deref()))
        }
    };
    if format == EquivalenceFormat::Table {
        output::emit_table(&text, args.output.as_deref())?;
    } else {
        output::emit(&text, args.output.as_deref())?;
    }
    if let Some(path) = &args.attestation {
        output::emit(
            &netvet_model::json::to_canonical_string(&statement)?,
            Some(path),
        )?;
    }
    Ok(match report.verdict {
        EquivalenceVerdict::Equivalent => crate::EXIT_OK,
        EquivalenceVerdict::NotEquivalent => crate::EXIT_FINDINGS,
        EquivalenceVerdict::Undetermined => crate::EXIT_UNREADABLE,
    })
}
