//! `netvet scan IMAGE...`: unpack each image and run every check in one pass.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use netvet_inspect::{ScanOptions, Scanner, Stage};

use super::pipeline::SoftwareStage;
use netvet_model::{ScanReport, Severity};
use netvet_report::RuleInfo;
use serde::Serialize;

use super::limits::LimitArgs;
use crate::output::human_size;
use crate::progress::Spinner;

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
    /// Exit with code 1 when a finding reaches this severity.
    #[arg(long, value_name = "SEVERITY")]
    fail_on: Option<Severity>,
    /// Run only checks with these tags (comma separated): accounts, services, crypto,
    /// secrets, network, hardening, web, signatures, backdoor, credentials, user-rules, and
    /// sbom/vulns for the software inventory and vulnerability matching.
    #[arg(long, value_name = "TAGS", value_delimiter = ',')]
    checks: Option<Vec<String>>,
    /// YARA rule files or folders to scan with, besides the built-in packs.
    #[arg(long, value_name = "PATH")]
    rules: Vec<PathBuf>,
    /// Do not use the built-in rule packs.
    #[arg(long)]
    no_builtin_rules: bool,
    /// Show only findings that are not in this earlier scan (JSON of `netvet scan`).
    #[arg(long, value_name = "OLD.json")]
    baseline: Option<PathBuf>,
    /// Judge certificate expiry and end of support at this date (YYYY-MM-DD) instead of
    /// today, for reproducible reports.
    #[arg(long, value_name = "DATE")]
    now: Option<String>,
    /// Advisory index for vulnerability matching (default: $NETVET_DB, the imported index in
    /// the cache directory, else the built-in advisories).
    #[arg(long, value_name = "PATH")]
    db: Option<PathBuf>,
    /// VEX documents (CycloneDX VEX, OpenVEX) marking vulnerabilities not affected.
    #[arg(long, value_name = "FILE")]
    vex: Vec<PathBuf>,
    #[command(flatten)]
    limits: LimitArgs,
}

/// Several scans in one JSON document.
#[derive(Serialize)]
struct ScanSet<'a> {
    schema: &'static str,
    scans: &'a [ScanReport],
}

/// Days since the epoch of a civil date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

fn parse_date(s: &str) -> anyhow::Result<i64> {
    let p: Vec<&str> = s.split('-').collect();
    let bad = || anyhow::anyhow!("--now {s:?}: expected YYYY-MM-DD");
    if p.len() != 3 {
        return Err(bad());
    }
    let (y, m, d): (i64, i64, i64) = (
        p[0].parse().map_err(|_| bad())?,
        p[1].parse().map_err(|_| bad())?,
        p[2].parse().map_err(|_| bad())?,
    );
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return Err(bad());
    }
    Ok(days_from_civil(y, m, d) * 86400)
}

/// Loads finding ids from an earlier scan (one report or a set).
fn baseline_ids(path: &PathBuf) -> anyhow::Result<BTreeSet<String>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read baseline {}", path.display()))?;
    let v: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{}: not JSON", path.display()))?;
    let reports: Vec<serde_json::Value> = match v.get("schema").and_then(|s| s.as_str()) {
        Some("netvet.scan/1") => vec![v],
        Some("netvet.scan-set/1") => v
            .get("scans")
            .and_then(|s| s.as_array())
            .cloned()
            .unwrap_or_default(),
        other => anyhow::bail!("{}: not a netvet scan (schema {:?})", path.display(), other),
    };
    Ok(reports
        .iter()
        .flat_map(|r| {
            r.get("findings")
                .and_then(|f| f.as_array())
                .cloned()
                .unwrap_or_default()
        })
        .filter_map(|f| f.get("id").and_then(|i| i.as_str()).map(str::to_string))
        .collect())
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let format = args.format.unwrap_or(
        if std::io::IsTerminal::is_terminal(&std::io::stdout()) && args.output.is_none() {
            ScanFormat::Table
        } else {
            ScanFormat::Json
        },
    );
    let now = match &args.now {
        Some(d) => parse_date(d)?,
        None => ScanOptions::default().now,
    };
    // `sbom` and `vulns` select the software stage; the other tags select checks.
    let software_tags = ["sbom", "vulns", "vulnerability", "component"];
    let software = args
        .checks
        .as_ref()
        .is_none_or(|t| t.iter().any(|t| software_tags.contains(&t.as_str())));
    let check_tags: Option<Vec<String>> = args.checks.as_ref().map(|t| {
        t.iter()
            .filter(|t| !software_tags.contains(&t.as_str()))
            .cloned()
            .collect()
    });
    let today = super::sbom::as_of(args.now.as_deref())?;
    let stage = SoftwareStage::new(args.db.as_deref(), &args.vex, today)?;
    let scanner = Scanner::new(ScanOptions {
        unpack: args.limits.options(),
        tags: check_tags,
        rules: args.rules.clone(),
        builtin_rules: !args.no_builtin_rules,
        now,
        ..ScanOptions::default()
    })?;
    let baseline = args.baseline.as_ref().map(baseline_ids).transpose()?;
    let mut reports = Vec::new();
    let mut suppressed = 0usize;
    for image in &args.images {
        let spinner = Spinner::start("scanning", &image.display().to_string());
        let stages: Vec<&dyn Stage> = if software { vec![&stage] } else { Vec::new() };
        let report = scanner.scan(image, &stages);
        if let Some(s) = spinner {
            s.finish();
        }
        let mut report = report.with_context(|| format!("cannot scan {}", image.display()))?;
        if let Some(old) = &baseline {
            let before = report.findings.len();
            report.findings.retain(|f| !old.contains(&f.id));
            suppressed += before - report.findings.len();
        }
        if let Some(dir) = &args.evidence_dir {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            let file = dir.join(format!("{}.scan.json", report.image.image));
            std::fs::write(&file, netvet_model::json::to_canonical_string(&report)?)
                .with_context(|| format!("cannot write {}", file.display()))?;
        }
        reports.push(report);
    }
    let text = match format {
        ScanFormat::Json if reports.len() == 1 => {
            netvet_model::json::to_canonical_string(&reports[0])?
        }
        ScanFormat::Json => netvet_model::json::to_canonical_string(&ScanSet {
            schema: "netvet.scan-set/1",
            scans: &reports,
        })?,
        ScanFormat::Sarif => {
            let rules: Vec<RuleInfo> = scanner
                .infos()
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
        ScanFormat::Table => table(&reports, suppressed),
    };
    match &args.output {
        Some(path) => std::fs::write(path, &text)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())?;
            out.flush()?;
        }
    }
    if let Some(level) = args.fail_on
        && reports
            .iter()
            .any(|r| r.findings.iter().any(|f| f.severity >= level))
    {
        return Ok(crate::EXIT_FINDINGS);
    }
    Ok(crate::EXIT_OK)
}

fn table(reports: &[ScanReport], suppressed: usize) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    for r in reports {
        let img = &r.image;
        let _ = writeln!(
            s,
            "{}  {}  sha256:{}  {} layers, {} entries",
            img.image,
            human_size(img.size),
            img.sha256,
            img.layers.len(),
            img.totals.entries
        );
        if r.findings.is_empty() {
            let _ = writeln!(s, "  no findings");
        }
        for f in &r.findings {
            let loc = match (f.location.line, f.location.offset) {
                (Some(l), _) => format!("{}:{l}", f.location.path),
                (None, Some(o)) => format!("{}@{o:#x}", f.location.path),
                _ => f.location.path.clone(),
            };
            let _ = writeln!(
                s,
                "  {:<8} {:<34} {}",
                f.severity.as_str().to_uppercase(),
                f.check,
                f.title
            );
            let _ = writeln!(s, "  {:<8} {:<34} {loc}", "", "");
            let _ = writeln!(s, "  {:<8} {:<34} {}", "", "", f.evidence);
        }
        if !r.services.is_empty() {
            let _ = writeln!(s, "  services:");
            for svc in &r.services {
                let ports: Vec<String> = svc
                    .ports
                    .iter()
                    .map(|p| {
                        format!(
                            "{}/{}",
                            p.number,
                            format!("{:?}", p.protocol).to_lowercase()
                        )
                    })
                    .collect();
                let _ = writeln!(
                    s,
                    "    {:<10} {:<12} {:<12} auth:{:<9} {}:{}",
                    svc.name,
                    ports.join(","),
                    svc.started_by,
                    svc.authentication,
                    svc.location.path,
                    svc.location.line.unwrap_or(0)
                );
            }
        }
        for h in &r.hardening {
            let _ = writeln!(
                s,
                "  hardening {}: {} ELF, NX {}, PIE {}/{}, full RELRO {}, canary {}, FORTIFY {}, setuid {}",
                h.root,
                h.binaries,
                h.nx,
                h.pie,
                h.executables,
                h.relro_full,
                h.canary,
                h.fortify,
                h.setuid
            );
        }
        let counts: Vec<String> = [
            Severity::Critical,
            Severity::High,
            Severity::Medium,
            Severity::Low,
            Severity::Info,
        ]
        .iter()
        .map(|sev| {
            format!(
                "{} {}",
                r.findings.iter().filter(|f| f.severity == *sev).count(),
                sev
            )
        })
        .collect();
        let _ = writeln!(
            s,
            "  findings: {}{}",
            counts.join(", "),
            if r.errors.is_empty() {
                String::new()
            } else {
                format!(
                    "; {} parts could not be read (see JSON errors)",
                    r.errors.len()
                )
            }
        );
        s.push('\n');
    }
    if suppressed > 0 {
        let _ = writeln!(
            s,
            "{suppressed} findings present in the baseline are not shown"
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_parse() {
        assert_eq!(parse_date("1970-01-02").unwrap(), 86400);
        assert_eq!(parse_date("2026-11-28").unwrap(), 1_795_824_000);
        assert!(parse_date("2026-13-01").is_err());
    }
}
