//! `netvet scan IMAGE...`: unpack each image and run every check in one pass.

use std::path::PathBuf;

use netvet_model::{Coverage, Date, ScanSet, Severity};
use netvet_pipeline::{AnalyseOptions, Analyser, Baseline, Suppressions, write_evidence};
use netvet_report::RuleInfo;

use super::limits::LimitArgs;
use crate::output;
use crate::progress::with_progress;

/// Output formats of `scan`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScanFormat {
    Table,
    Json,
    Sarif,
    Markdown,
}

/// Find back doors, hard-coded credentials, hidden services, keys, indicators, secrets and
/// weak hardening in firmware images.
#[derive(clap::Args)]
pub struct Args {
    /// Firmware images to scan.
    #[arg(required = true, value_name = "IMAGE")]
    images: Vec<PathBuf>,
    /// Output format (table on a terminal, else JSON).
    #[arg(long, value_enum)]
    format: Option<ScanFormat>,
    /// Write the output to FILE instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Also write each image's scan report (netvet.scan/1 JSON) into DIR, as evidence for
    /// `netvet assess --evidence DIR`.
    #[arg(long, value_name = "DIR")]
    evidence_dir: Option<PathBuf>,
    /// Exit with code 1 when a finding reaches this severity (and with 3 when an image could
    /// not be read at all, so the gate cannot pass).
    #[arg(long, value_name = "SEVERITY")]
    fail_on: Option<Severity>,
    /// Run only checks with these tags (comma separated): accounts, services, crypto,
    /// secrets, network, hardening, web, updates, signatures, backdoor, credentials, user-rules, and
    /// sbom/vulns for the software inventory and vulnerability matching.
    #[arg(long, value_name = "TAGS", value_delimiter = ',')]
    checks: Option<Vec<String>>,
    /// YARA rule files or folders to scan with, besides the built-in packs.
    #[arg(long, value_name = "PATH")]
    rules: Vec<PathBuf>,
    /// Do not use the built-in rule packs.
    #[arg(long)]
    no_builtin_rules: bool,
    /// Leave out findings below this severity from every output (a line says how many).
    #[arg(long, value_name = "LEVEL")]
    min_severity: Option<Severity>,
    /// Suppression file (TOML: `[[suppress]]` entries with a finding `id`, or a `check` and
    /// a `path` glob, a `reason` and an optional `expires` date). Suppressed findings stay in
    /// JSON and SARIF, marked; tables leave them out and count them; they never reach
    /// `--fail-on`.
    #[arg(long, value_name = "FILE")]
    suppress: Vec<PathBuf>,
    /// Show only findings that are not in this earlier scan (JSON of `netvet scan`).
    #[arg(long, value_name = "OLD.json")]
    baseline: Option<PathBuf>,
    /// Judge certificate expiry and end of support on this day (YYYY-MM-DD) instead of
    /// today, for reproducible reports.
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = super::parse_date)]
    as_of: Option<Date>,
    /// Advisory index for vulnerability matching (default: $NETVET_DB, the imported index in
    /// the cache directory, else the built-in advisories).
    #[arg(long, value_name = "PATH")]
    db: Option<PathBuf>,
    /// VEX documents (CycloneDX VEX, OpenVEX) marking vulnerabilities not affected.
    #[arg(long, value_name = "FILE")]
    vex: Vec<PathBuf>,
    /// List every finding: do not group many informational findings of one check in
    /// documentation and source files into one.
    #[arg(long, short)]
    verbose: bool,
    #[command(flatten)]
    limits: LimitArgs,
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let format = output::choose(
        args.format,
        args.output.as_deref(),
        ScanFormat::Table,
        ScanFormat::Json,
    );
    let as_of = args.as_of.unwrap_or_else(netvet_pipeline::today);
    let analyser = Analyser::new(AnalyseOptions {
        unpack: args.limits.options(),
        checks: args.checks.clone(),
        rules: args.rules.clone(),
        builtin_rules: !args.no_builtin_rules,
        as_of,
        index: crate::config::db(args.db.as_deref()),
        vex: args.vex.clone(),
        // Grouped below, after suppressions, so that an entry can name one of the findings.
        group_informational: false,
        ..AnalyseOptions::new(as_of)
    })?;
    for n in analyser.notes() {
        output::note(n);
    }
    let baseline = args.baseline.as_deref().map(Baseline::load).transpose()?;
    let config = &crate::config::get().scan;
    let fail_on = args.fail_on.or(config.fail_on);
    let min_severity = args.min_severity.or(config.min_severity);
    let suppress = if args.suppress.is_empty() {
        &config.suppress
    } else {
        &args.suppress
    };
    let suppressions = suppress
        .iter()
        .map(|p| Suppressions::load(p, as_of))
        .collect::<Result<Vec<_>, _>>()?;
    for w in suppressions.iter().flat_map(|s| &s.warnings) {
        output::warn(w);
    }
    let mut reports = Vec::new();
    let mut hidden = netvet_report::terminal::scan::Hidden::default();
    for image in &args.images {
        let name = image.display().to_string();
        let mut report = output::about(
            with_progress(&name, |p| analyser.analyse(image, p)),
            "scan",
            &name,
        )?;
        if let Some(b) = &baseline {
            hidden.baseline += b.suppress(&mut report);
        }
        for s in &suppressions {
            hidden.suppressed += s.apply(&mut report);
        }
        if let Some(level) = min_severity {
            let before = report.findings.len();
            report.findings.retain(|f| f.severity >= level);
            let (_, n) = hidden.below.get_or_insert((level, 0));
            *n += before - report.findings.len();
        }
        if !args.verbose {
            netvet_pipeline::group::group_informational(&mut report);
        }
        if let Some(dir) = &args.evidence_dir {
            write_evidence(dir, &report)?;
        }
        reports.push(report);
    }
    let unreadable = reports.iter().any(|r| r.coverage == Coverage::Unreadable);
    for r in reports.iter().filter(|r| r.coverage != Coverage::Complete) {
        let n = r.image.unread().count() + r.errors.len();
        output::warn(&if r.coverage == Coverage::Unreadable {
            format!(
                "{}: nothing inside could be read ({n} problems); its result covers nothing",
                r.image.image
            )
        } else {
            format!(
                "{}: {n} parts could not be read; the findings cover the rest",
                r.image.image
            )
        });
    }
    let failed = fail_on.is_some_and(|level| {
        reports.iter().any(|r| {
            r.findings
                .iter()
                .any(|f| f.severity >= level && f.suppressed.is_none())
        })
    });
    if format != ScanFormat::Table {
        // The table says this itself.
        if let Some((level, n)) = hidden.below.filter(|(_, n)| *n > 0) {
            output::note(&format!(
                "{} below {level} left out (--min-severity)",
                netvet_report::terminal::counted(n, "finding", "findings")
            ));
        }
        if hidden.suppressed > 0 {
            output::note(&format!(
                "{} by the suppression file (kept in the output, marked)",
                netvet_report::terminal::counted(
                    hidden.suppressed,
                    "finding suppressed",
                    "findings suppressed"
                )
            ));
        }
    }
    let text = match format {
        ScanFormat::Json if reports.len() == 1 => {
            netvet_model::json::to_canonical_string(&reports[0])?
        }
        ScanFormat::Json => netvet_model::json::to_canonical_string(&ScanSet::new(reports))?,
        ScanFormat::Sarif => {
            let rules: Vec<RuleInfo> = analyser
                .check_infos()
                .into_iter()
                .map(|i| RuleInfo {
                    id: i.id.to_string(),
                    title: i.title.to_string(),
                    description: i.description.to_string(),
                    remediation: i.remediation.to_string(),
                    severity: i.severity,
                    tags: i.tags.iter().map(|s| s.to_string()).collect(),
                    cwe: i.cwe.to_vec(),
                    references: i.references.iter().map(|s| s.to_string()).collect(),
                })
                .collect();
            netvet_model::json::to_canonical_string(&netvet_report::sarif::write(
                &reports,
                &rules,
                env!("CARGO_PKG_VERSION"),
            ))?
        }
        ScanFormat::Markdown => netvet_report::markdown::scan(&reports),
        ScanFormat::Table => netvet_report::terminal::scan::scan(
            &reports,
            &hidden,
            &output::style(args.output.as_deref()),
        ),
    };
    if format == ScanFormat::Table {
        output::emit_table(&text, args.output.as_deref())?;
    } else {
        output::emit(&text, args.output.as_deref())?;
    }
    Ok(if fail_on.is_some() && unreadable {
        crate::EXIT_UNREADABLE
    } else if failed {
        crate::EXIT_FINDINGS
    } else {
        crate::EXIT_OK
    })
}
