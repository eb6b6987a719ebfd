//! `netvet vulns`: vulnerabilities with severity, KEV flag, component and fix.

use crate::terminal::Style;
use crate::terminal::counted;
use std::fmt::Write as _;

use netvet_vuln::report::VulnsReport;

/// The matches of one image or SBOM, what could not be compared, and unsupported components.
pub fn vulns(r: &VulnsReport, style: &Style) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}: {}, {} ({} known exploited), {} suppressed by VEX; index {} ({}, built {})",
        r.target,
        counted(r.components.len(), "component", "components"),
        counted(r.vulnerabilities.len(), "vulnerability", "vulnerabilities"),
        r.vulnerabilities
            .iter()
            .filter(|v| v.known_exploited)
            .count(),
        r.suppressed.len(),
        r.index.path,
        counted(r.index.advisories as usize, "advisory", "advisories"),
        r.index.built.get(0..10).unwrap_or(&r.index.built)
    );
    if let Some(data) = &r.advisory_data {
        let _ = writeln!(out, "  {}", crate::text::advisory_data(data));
    }
    for v in &r.vulnerabilities {
        let _ = writeln!(
            out,
            "  {} {:<16}{} {}  fixed in {}",
            style.severity(v.severity, false, 8),
            v.id,
            if v.known_exploited { " KEV" } else { "    " },
            style.fit_middle(&v.component, 40),
            v.fixed_in.as_deref().unwrap_or("-")
        );
        for line in style.wrap(&v.matched_by, 11) {
            let _ = writeln!(out, "           {line}");
        }
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
