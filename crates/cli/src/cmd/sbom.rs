//! `netvet sbom IMAGE`: the software inventory of a firmware image (table, JSON, CycloneDX
//! 1.6 or SPDX 2.3), optionally compared with a vendor-supplied SBOM.

use std::path::PathBuf;

use netvet_model::{Date, Severity};
use netvet_pipeline::sbom::{self, SbomOptions};
use netvet_sbom::cyclonedx::Subject;

use super::limits::LimitArgs;
use crate::output;
use crate::progress::with_progress;

/// Output formats of `sbom`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SbomFormat {
    Table,
    /// netvet's JSON (`netvet.sbom/1`).
    Json,
    /// CycloneDX 1.6 JSON.
    Cyclonedx,
    /// SPDX 2.3 JSON.
    Spdx,
}

/// List the software components of a firmware image (package databases, kernels, BusyBox,
/// programs recognised by their bytes) with PURLs, CPEs and evidence.
#[derive(clap::Args)]
pub struct Args {
    /// Firmware image.
    #[arg(value_name = "IMAGE", required_unless_present = "catalogers")]
    image: Option<PathBuf>,
    /// Output format (table on a terminal, else JSON).
    #[arg(long, value_enum)]
    format: Option<SbomFormat>,
    /// A vendor-supplied SBOM (CycloneDX or SPDX JSON) to compare with the image.
    #[arg(long, value_name = "SBOM")]
    compare: Option<PathBuf>,
    /// Use this classifier table instead of the built-in one (docs/classifiers.md).
    #[arg(long, value_name = "TOML")]
    classifiers: Option<PathBuf>,
    /// Run only the catalogers with these ids or tags (comma separated): packages, dpkg,
    /// opkg, apk, rpm, java, binaries, classifiers, kernel, os, busybox. `--catalogers list`
    /// prints them all.
    #[arg(long, value_name = "TAGS", value_delimiter = ',')]
    catalogers: Option<Vec<String>>,
    /// Judge end of support on this day (default: today, UTC).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = super::parse_date)]
    as_of: Option<Date>,
    /// Exit 1 when a comparison or end-of-support finding reaches this severity.
    #[arg(long, value_name = "SEVERITY")]
    fail_on: Option<Severity>,
    #[command(flatten)]
    limits: LimitArgs,
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    if args.catalogers.as_deref() == Some(&["list".to_string()][..]) {
        let rows: Vec<_> = netvet_sbom::registry::CATALOGERS
            .iter()
            .map(|c| (c.id, c.stage.as_str(), c.tags, c.reads))
            .collect();
        output::emit_table(
            &netvet_report::terminal::sbom::catalogers(&rows, &output::style(None)),
            None,
        )?;
        return Ok(crate::EXIT_OK);
    }
    let Some(image) = args.image.clone() else {
        anyhow::bail!("an IMAGE is needed (only `--catalogers list` runs without one)");
    };
    let opts = SbomOptions {
        unpack: args.limits.options(),
        classifiers: args.classifiers.clone(),
        as_of: args.as_of.unwrap_or_else(netvet_pipeline::today),
        compare: args.compare.clone(),
        catalogers: args.catalogers.clone(),
    };
    let name = image.display().to_string();
    let report = output::about(
        with_progress(&name, |p| sbom::sbom(&image, &opts, p)),
        "catalog",
        &name,
    )?;
    let timestamp = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.parse::<i64>().ok())
        .map(netvet_vuln::store::rfc3339);
    let subject = Subject {
        name: &report.image,
        sha256: &report.sha256,
        timestamp: timestamp.as_deref(),
    };
    match output::choose(args.format, None, SbomFormat::Table, SbomFormat::Json) {
        SbomFormat::Cyclonedx => output::emit_json(
            &netvet_sbom::cyclonedx::write(&subject, &report.components),
            None,
        )?,
        SbomFormat::Spdx => {
            let mut doc = netvet_sbom::spdx::write(&subject, &report.components);
            if timestamp.is_none() {
                doc["creationInfo"]["created"] =
                    serde_json::Value::String(netvet_vuln::store::now_rfc3339());
            }
            output::emit_json(&doc, None)?
        }
        SbomFormat::Json => output::emit_json(&report, None)?,
        SbomFormat::Table => output::emit_table(
            &netvet_report::terminal::sbom::sbom(&report, &output::style(None)),
            None,
        )?,
    }
    let fail = args
        .fail_on
        .is_some_and(|f| report.findings.iter().any(|x| x.severity >= f));
    Ok(if fail {
        crate::EXIT_FINDINGS
    } else {
        crate::EXIT_OK
    })
}
