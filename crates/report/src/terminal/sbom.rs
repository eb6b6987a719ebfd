//! `netvet sbom`: components with version, support, evidence, PURL and CPE.

use crate::terminal::Style;
use crate::terminal::counted;
use std::fmt::Write as _;

use netvet_model::SbomReport;

use crate::text::json_name;

/// The components of one image and the findings about them.
pub fn sbom(r: &SbomReport, style: &Style) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}: {}",
        r.image,
        counted(r.components.len(), "component", "components")
    );
    let _ = writeln!(
        out,
        "  {:<10} {:<22} {:<24} {:<12} evidence",
        "type", "name", "version", "support"
    );
    for c in &r.components {
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
        // The evidence (paths) goes under the row when the width leaves it no room.
        let lead = format!(
            "  {:<10} {:<22} {:<24} {:<12} ",
            json_name(&c.kind),
            c.name,
            c.version.as_deref().unwrap_or("?"),
            support
        );
        let evidence = ev.join("; ");
        let room = style.width.map(|w| w.saturating_sub(lead.chars().count()));
        if room.is_none_or(|r| r >= 24) {
            let _ = writeln!(
                out,
                "{lead}{}",
                style.fit_middle(&evidence, lead.chars().count())
            );
        } else {
            let _ = writeln!(out, "{}", lead.trim_end());
            let _ = writeln!(out, "    {}", style.fit_middle(&evidence, 4));
        }
        if let Some(cpe) = c.cpes.first() {
            let ids = format!("{}  {cpe}", c.purl.as_deref().unwrap_or(""));
            let _ = writeln!(out, "{:36}{}", "", style.fit_middle(&ids, 36));
        }
    }
    if !r.findings.is_empty() {
        let _ = writeln!(out, "findings ({}):", r.findings.len());
        for f in &r.findings {
            let line = format!("{} — {}", f.check, f.title);
            let _ = writeln!(
                out,
                "  [{}] {}",
                style.severity(f.severity, false, 0),
                style.fit_middle(&line, 4 + f.severity.as_str().len())
            );
        }
    }
    for p in &r.problems {
        let _ = writeln!(out, "problem: {p}");
    }
    out
}

/// The catalogers `--catalogers` can choose: id, stage, tags and what each reads (one row each,
/// as `netvet_sbom::registry::CATALOGERS` lists them).
pub fn catalogers(rows: &[(&str, &str, &[&str], &str)], style: &Style) -> String {
    let mut table = vec![crate::text::header(&["id", "stage", "tags", "reads"])];
    for (id, stage, tags, reads) in rows {
        table.push(vec![
            id.to_string(),
            stage.to_string(),
            tags.join(","),
            reads.to_string(),
        ]);
    }
    style.columns(&table)
}
