//! `netvet vulns`: vulnerabilities with severity, KEV flag, component and fix.

use std::fmt::Write as _;

use netvet_vuln::report::VulnsReport;

/// The matches of one image or SBOM, what could not be compared, and unsupported components.
pub fn vulns(r: &VulnsReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}: {} components, {} vulnerabilities ({} known exploited), {} suppressed by VEX; index {} ({} advisories, built {})",
        r.target,
        r.components.len(),
        r.vulnerabilities.len(),
        r.vulnerabilities
            .iter()
            .filter(|v| v.known_exploited)
            .count(),
        r.suppressed.len(),
        r.index.path,
        r.index.advisories,
        r.index.built
    );
    if let Some(data) = &r.advisory_data {
        let _ = writeln!(out, "  {}", crate::text::advisory_data(data));
    }
    for v in &r.vulnerabilities {
        let _ = writeln!(
            out,
            "  {:<8} {:<16}{} {}  fixed in {}",
            v.severity.as_str(),
            v.id,
            if v.known_exploited { " KEV" } else { "    " },
            v.component,
            v.fixed_in.as_deref().unwrap_or("-")
        );
        let _ = writeln!(out, "           {}", v.matched_by);
    }
    for n in &r.not_comparable {
        let _ = writeln!(
            out,
            "  not compared: {} {:?}: {}",
            n.component, n.version, n.reason
        );
    }
    for c in r.components.iter().filter(|c| c.unsupported) {
        let _ = writeln!(
            out,
            "  unsupported: {} {} (support ended {})",
            c.name,
            c.version.as_deref().unwrap_or(""),
            c.end_of_support.as_deref().unwrap_or("")
        );
    }
    out
}
