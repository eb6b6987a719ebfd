//! `netvet vulns IMAGE|SBOM`: known vulnerabilities of an image's components (or of the
//! components an SBOM declares), matched offline against the advisory index.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::Context;
use netvet_model::{Component, ComponentEvidence, ComponentType, Severity};
use netvet_sbom::cyclonedx::ReadLimits;
use netvet_vuln::vex;

use super::limits::LimitArgs;
use super::sbom::{as_of, catalog_image, cataloger};
use crate::output::{self, Format};

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
    /// Date for end-of-support decisions (YYYY-MM-DD; default today).
    #[arg(long, value_name = "DATE")]
    as_of: Option<String>,
    #[command(flatten)]
    limits: LimitArgs,
}

/// What `netvet vulns --format json` prints (schema `netvet.vulns/1`). It borrows the
/// results: a JSON value of them all would be built only once, by the canonical writer.
#[derive(serde::Serialize)]
struct VulnsOutput<'a> {
    schema: &'static str,
    target: &'a str,
    as_of: &'a str,
    index: IndexOutput<'a>,
    components: &'a [Component],
    vulnerabilities: &'a [netvet_model::Vulnerability],
    not_comparable: &'a [netvet_vuln::matcher::NotComparable],
    suppressed: &'a [vex::Suppressed],
    dropped_platform: u64,
    bad_ranges: u64,
    findings: &'a [netvet_model::Finding],
    problems: &'a [String],
}

#[derive(serde::Serialize)]
struct IndexOutput<'a> {
    path: &'a str,
    schema_version: u32,
    built: &'a str,
    advisories: u64,
}

fn sbom_components(file: &str, bytes: &[u8]) -> anyhow::Result<Vec<Component>> {
    let declared = netvet_sbom::compare::read_sbom(file, bytes, &ReadLimits::default())?;
    for p in &declared.problems {
        eprintln!("netvet: {file}: {p}");
    }
    Ok(declared
        .components
        .into_iter()
        .map(|d| {
            let mut properties = BTreeMap::new();
            let distro = d
                .purl
                .as_deref()
                .and_then(netvet_sbom::os::Distro::from_purl);
            if let Some(d) = distro {
                properties.insert("distro".to_string(), d.qualifier());
                if let Some(eco) = d.osv_ecosystem() {
                    properties.insert("osv:ecosystem".to_string(), eco);
                }
            }
            if let Some(src) = d.source {
                properties.insert("package:source".to_string(), src);
            }
            Component {
                name: d.name,
                version: d.version,
                kind: ComponentType::Package,
                purl: d.purl,
                cpes: d.cpes,
                end_of_support: None,
                unsupported: false,
                evidence: vec![ComponentEvidence {
                    path: file.to_string(),
                    cataloger: "declared-in-sbom".to_string(),
                    confidence: 1.0,
                }],
                properties,
            }
        })
        .collect())
}

fn is_sbom(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(4096)];
    head.trim_ascii_start().starts_with(b"{")
        && (memfind(head, b"\"bomFormat\"") || memfind(head, b"\"spdxVersion\""))
}

fn memfind(h: &[u8], n: &[u8]) -> bool {
    h.windows(n.len()).any(|w| w == n)
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let today = as_of(args.as_of.as_deref())?;
    let name = args.target.display().to_string();
    let head = {
        use std::io::Read;
        let mut f =
            std::fs::File::open(&args.target).with_context(|| format!("cannot open {name}"))?;
        let mut h = vec![0u8; 4096];
        let n = f.read(&mut h)?;
        h.truncate(n);
        h
    };
    let (mut components, problems) = if is_sbom(&head) {
        let bytes = std::fs::read(&args.target).with_context(|| format!("cannot read {name}"))?;
        (sbom_components(&name, &bytes)?, Vec::new())
    } else {
        let (_, catalog) = catalog_image(&args.target, &args.limits, &cataloger(None)?)?;
        (catalog.components, catalog.problems)
    };
    let index = super::db::open_for_matching(args.db.as_deref())?;
    let status = index.status()?;
    let mut statements = Vec::new();
    for v in &args.vex {
        let bytes = std::fs::read(v).with_context(|| format!("cannot read {}", v.display()))?;
        statements.extend(vex::parse(&v.display().to_string(), &bytes)?);
    }
    let (report, findings) = netvet_vuln::assess(&mut components, &index, &statements, &today)?;
    match output::choose(args.format) {
        Format::Json => output::print_json(&VulnsOutput {
            schema: "netvet.vulns/1",
            target: &name,
            as_of: &today,
            index: IndexOutput {
                path: &status.path,
                schema_version: status.schema_version,
                built: &status.built,
                advisories: status.advisories,
            },
            components: &components,
            vulnerabilities: &report.vulnerabilities,
            not_comparable: &report.not_comparable,
            suppressed: &report.suppressed,
            dropped_platform: report.dropped_platform,
            bad_ranges: report.bad_ranges,
            findings: &findings,
            problems: &problems,
        })?,
        Format::Table => {
            println!(
                "{name}: {} components, {} vulnerabilities ({} known exploited), {} suppressed by VEX; index {} ({} advisories, built {})",
                components.len(),
                report.vulnerabilities.len(),
                report
                    .vulnerabilities
                    .iter()
                    .filter(|v| v.known_exploited)
                    .count(),
                report.suppressed.len(),
                status.path,
                status.advisories,
                status.built
            );
            for v in &report.vulnerabilities {
                println!(
                    "  {:<8} {:<16}{} {}  fixed in {}",
                    v.severity.as_str(),
                    v.id,
                    if v.known_exploited { " KEV" } else { "    " },
                    v.component,
                    v.fixed_in.as_deref().unwrap_or("-")
                );
                println!("           {}", v.matched_by);
            }
            for n in &report.not_comparable {
                println!(
                    "  not compared: {} {:?}: {}",
                    n.component, n.version, n.reason
                );
            }
            for c in components.iter().filter(|c| c.unsupported) {
                println!(
                    "  unsupported: {} {} (support ended {})",
                    c.name,
                    c.version.as_deref().unwrap_or(""),
                    c.end_of_support.as_deref().unwrap_or("")
                );
            }
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sbom_packages_of_other_tools_get_their_ecosystem_and_source_package() {
        // As syft (upstream qualifier) and trivy (SrcName property) write them.
        let doc = br#"{"bomFormat": "CycloneDX", "specVersion": "1.5", "components": [
            {"type": "library", "name": "libssl3", "version": "3.0.11-1~deb12u2",
             "purl": "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&upstream=openssl&distro=debian-12"},
            {"type": "library", "name": "libc6", "version": "2.35-0ubuntu3.4",
             "purl": "pkg:deb/ubuntu/libc6@2.35-0ubuntu3.4?arch=amd64&distro=ubuntu-22.04",
             "properties": [{"name": "aquasecurity:trivy:SrcName", "value": "glibc"}]},
            {"type": "application", "name": "dnsmasq", "version": "2.80", "purl": "pkg:generic/dnsmasq@2.80"}
        ]}"#;
        let c = sbom_components("sbom.json", doc).expect("reads");
        let props = |i: usize, k: &str| c[i].properties.get(k).cloned();
        assert_eq!(props(0, "osv:ecosystem").as_deref(), Some("Debian:12"));
        assert_eq!(props(0, "package:source").as_deref(), Some("openssl"));
        assert_eq!(props(0, "distro").as_deref(), Some("debian-12"));
        assert_eq!(
            props(1, "osv:ecosystem").as_deref(),
            Some("Ubuntu:22.04:LTS")
        );
        assert_eq!(props(1, "package:source").as_deref(), Some("glibc"));
        assert_eq!(props(2, "osv:ecosystem"), None);
        assert_eq!(props(2, "package:source"), None);
    }
}
