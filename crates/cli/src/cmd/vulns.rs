//! `netvet vulns IMAGE|SBOM`: known vulnerabilities of an image's components (or of the
//! components an SBOM declares), matched offline against the advisory index.

use std::path::PathBuf;

use netvet_model::{Date, Severity};
use netvet_pipeline::vulns::{self, VulnsOptions};

use super::limits::LimitArgs;
use crate::output::{self, Format};
use crate::progress::with_progress;

/// Match the components of a firmware image (or of a CycloneDX / SPDX SBOM) against known
/// vulnerabilities, offline.
#[derive(clap::Args)]
pub struct Args {
    /// Firmware image, or a CycloneDX / SPDX JSON SBOM.
    #[arg(value_name = "IMAGE|SBOM")]
    target: PathBuf,
    /// Advisory index (default: NETVET_DB, else $XDG_CACHE_HOME/netvet/advisories.db, else
    /// the built-in advisories).
    #[arg(long, value_name = "PATH")]
    db: Option<PathBuf>,
    /// VEX documents (CycloneDX VEX or OpenVEX) marking vulnerabilities not affected.
    #[arg(long, value_name = "FILE")]
    vex: Vec<PathBuf>,
    /// Output format (table on a terminal, else JSON).
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Exit 1 when a vulnerability reaches this severity.
    #[arg(long, value_name = "SEVERITY")]
    fail_on: Option<Severity>,
    /// Judge end of support on this day (default: today, UTC).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = super::parse_date)]
    as_of: Option<Date>,
    #[command(flatten)]
    limits: LimitArgs,
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let opts = VulnsOptions {
        unpack: args.limits.options(),
        index: crate::config::db(args.db.as_deref()),
        vex: args.vex.clone(),
        as_of: args.as_of.unwrap_or_else(netvet_pipeline::today),
    };
    let name = args.target.display().to_string();
    let report = output::about(
        with_progress(&name, |p| vulns::vulns(&args.target, &opts, p)),
        "match",
        &name,
    )?;
    for n in &report.notes {
        output::note(n);
    }
    match output::choose(args.format, None, Format::Table, Format::Json) {
        Format::Json => output::emit_json(&report, None)?,
        Format::Table => output::emit_table(
            &netvet_report::terminal::vulns::vulns(&report, &output::style(None)),
            None,
        )?,
    }
    let fail = args
        .fail_on
        .is_some_and(|f| report.vulnerabilities.iter().any(|v| v.severity >= f));
    Ok(if fail {
        crate::EXIT_FINDINGS
    } else {
        crate::EXIT_OK
    })
}
