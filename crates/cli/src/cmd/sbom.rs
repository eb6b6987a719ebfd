//! `netvet sbom IMAGE`: the software inventory of a firmware image (table, JSON, CycloneDX
//! 1.6 or SPDX 2.3), optionally compared with a vendor-supplied SBOM.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::Context;
use netvet_model::{Component, Finding, Severity};
use netvet_sbom::cyclonedx::{ReadLimits, Subject};
use netvet_sbom::{Catalog, Cataloger, Classifiers};
use netvet_unpack::Tree;
use netvet_vuln::eos::EndOfSupport;

use super::limits::LimitArgs;
use crate::output;

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
    #[arg(value_name = "IMAGE")]
    image: PathBuf,
    /// Output format (table on a terminal, else JSON).
    #[arg(long, value_enum)]
    format: Option<SbomFormat>,
    /// A vendor-supplied SBOM (CycloneDX or SPDX JSON) to compare with the image.
    #[arg(long, value_name = "SBOM")]
    compare: Option<PathBuf>,
    /// Use this classifier table instead of the built-in one (docs/classifiers.md).
    #[arg(long, value_name = "TOML")]
    classifiers: Option<PathBuf>,
    /// Date for end-of-support decisions (YYYY-MM-DD; default today).
    #[arg(long, value_name = "DATE")]
    as_of: Option<String>,
    /// Exit 1 when a comparison or end-of-support finding reaches this severity.
    #[arg(long, value_name = "SEVERITY")]
    fail_on: Option<Severity>,
    #[command(flatten)]
    limits: LimitArgs,
}

/// Today (UTC) as YYYY-MM-DD, or the date given.
pub fn as_of(given: Option<&str>) -> anyhow::Result<String> {
    match given {
        Some(d) if d.len() == 10 && d.as_bytes()[4] == b'-' && d.as_bytes()[7] == b'-' => {
            Ok(d.to_string())
        }
        Some(d) => anyhow::bail!("--as-of {d:?} is not a date (YYYY-MM-DD)"),
        None => Ok(netvet_vuln::store::now_rfc3339()[..10].to_string()),
    }
}

/// Catalogs an image in the scan's single pass: each file's bytes go to the per-file
/// catalogers as the unpacker reads them, then the tree-level step runs.
pub fn catalog_image(
    image: &Path,
    limits: &LimitArgs,
    cataloger: &Cataloger,
) -> anyhow::Result<(Tree, Catalog)> {
    let found = Mutex::new(Vec::new());
    let visit = |e: &netvet_unpack::Entry, r: &mut dyn Read| -> std::io::Result<()> {
        if e.size > netvet_sbom::MAX_CLASSIFY_BYTES {
            return std::io::copy(r, &mut std::io::sink()).map(|_| ());
        }
        let mut bytes = Vec::with_capacity(e.size as usize);
        r.read_to_end(&mut bytes)?;
        let c = cataloger.file(e, &bytes);
        if !c.is_empty() {
            found.lock().unwrap_or_else(|p| p.into_inner()).extend(c);
        }
        Ok(())
    };
    let tree = netvet_unpack::walk_path(image, &limits.options(), &visit)
        .with_context(|| format!("cannot open {}", image.display()))?;
    let found = found.into_inner().unwrap_or_else(|p| p.into_inner());
    let catalog = cataloger.finish(&tree, found);
    Ok((tree, catalog))
}

pub fn cataloger(classifiers: Option<&Path>) -> anyhow::Result<Cataloger> {
    Ok(match classifiers {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("cannot read {}", p.display()))?;
            Cataloger::with_classifiers(Classifiers::parse(&p.display().to_string(), &text)?)
        }
        None => Cataloger::new()?,
    })
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let today = as_of(args.as_of.as_deref())?;
    let cataloger = cataloger(args.classifiers.as_deref())?;
    let (tree, mut catalog) = catalog_image(&args.image, &args.limits, &cataloger)?;
    let eos = EndOfSupport::builtin()?;
    eos.annotate(&mut catalog.components, &today);
    let mut findings = eos.findings(&catalog.components, &today);
    let report = tree.report();
    if let Some(sbom) = &args.compare {
        let bytes =
            std::fs::read(sbom).with_context(|| format!("cannot read {}", sbom.display()))?;
        let declared = netvet_sbom::compare::read_sbom(
            &sbom.display().to_string(),
            &bytes,
            &ReadLimits::default(),
        )?;
        for p in &declared.problems {
            eprintln!("netvet: {}: {p}", sbom.display());
        }
        findings.extend(netvet_sbom::compare::compare(
            &report.image,
            &declared,
            &catalog.components,
        ));
    }
    let timestamp = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.parse::<i64>().ok())
        .map(netvet_vuln::store::rfc3339);
    let subject = Subject {
        name: &report.image,
        sha256: &report.sha256,
        timestamp: timestamp.as_deref(),
    };
    let format = args.format.unwrap_or(match output::choose(None) {
        output::Format::Table => SbomFormat::Table,
        output::Format::Json => SbomFormat::Json,
    });
    match format {
        SbomFormat::Cyclonedx => output::print_json(&netvet_sbom::cyclonedx::write(
            &subject,
            &catalog.components,
        ))?,
        SbomFormat::Spdx => {
            let mut doc = netvet_sbom::spdx::write(&subject, &catalog.components);
            if timestamp.is_none() {
                doc["creationInfo"]["created"] =
                    serde_json::json!(netvet_vuln::store::now_rfc3339());
            }
            output::print_json(&doc)?
        }
        SbomFormat::Json => output::print_json(&serde_json::json!({
            "schema": "netvet.sbom/1",
            "image": report.image,
            "sha256": report.sha256,
            "as_of": today,
            "components": catalog.components,
            "findings": findings,
            "problems": catalog.problems,
        }))?,
        SbomFormat::Table => print_table(
            &report.image,
            &catalog.components,
            &findings,
            &catalog.problems,
        ),
    }
    let fail = args
        .fail_on
        .is_some_and(|f| findings.iter().any(|x| x.severity >= f));
    Ok(if fail {
        crate::EXIT_FINDINGS
    } else {
        crate::EXIT_OK
    })
}

fn print_table(image: &str, components: &[Component], findings: &[Finding], problems: &[String]) {
    println!("{image}: {} components", components.len());
    println!(
        "  {:<10} {:<22} {:<24} {:<12} evidence",
        "type", "name", "version", "support"
    );
    for c in components {
        let kind = serde_json::to_value(c.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let support = match (&c.end_of_support, c.unsupported) {
            (Some(d), true) => format!("ENDED {d}"),
            (Some(d), false) => format!("until {d}"),
            _ => String::new(),
        };
        let ev: Vec<String> = c
            .evidence
            .iter()
            .map(|e| format!("{} ({})", e.path, e.cataloger))
            .collect();
        println!(
            "  {:<10} {:<22} {:<24} {:<12} {}",
            kind,
            c.name,
            c.version.as_deref().unwrap_or("?"),
            support,
            ev.join("; ")
        );
        if let Some(cpe) = c.cpes.first() {
            println!(
                "  {:<10} {:<22} {}  {}",
                "",
                "",
                c.purl.as_deref().unwrap_or(""),
                cpe
            );
        }
    }
    if !findings.is_empty() {
        println!("findings ({}):", findings.len());
        for f in findings {
            println!("  [{}] {} — {}", f.severity, f.check, f.title);
        }
    }
    for p in problems {
        println!("problem: {p}");
    }
}
