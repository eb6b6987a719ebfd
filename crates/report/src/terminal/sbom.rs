//! `netvet sbom`: components with version, support, evidence, PURL and CPE.

use std::fmt::Write as _;

use netvet_model::SbomReport;

use crate::text::json_name;

/// The components of one image and the findings about them.
pub fn sbom(r: &SbomReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}: {} components", r.image, r.components.len());
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
        let _ = writeln!(
            out,
            "  {:<10} {:<22} {:<24} {:<12} {}",
            json_name(&c.kind),
            c.name,
            c.version.as_deref().unwrap_or("?"),
            support,
            ev.join("; ")
        );
        if let Some(cpe) = c.cpes.first() {
            let _ = writeln!(
                out,
                "  {:<10} {:<22} {}  {}",
                "",
                "",
                c.purl.as_deref().unwrap_or(""),
                cpe
            );
        }
    }
    if !r.findings.is_empty() {
        let _ = writeln!(out, "findings ({}):", r.findings.len());
        for f in &r.findings {
            let _ = writeln!(out, "  [{}] {} — {}", f.severity, f.check, f.title);
        }
    }
    for p in &r.problems {
        let _ = writeln!(out, "problem: {p}");
    }
    out
}

/// The catalogers `--catalogers` can choose: id, stage, tags and what each reads (one row each,
/// as `netvet_sbom::registry::CATALOGERS` lists them).
pub fn catalogers(rows: &[(&str, &str, &[&str], &str)]) -> String {
    let mut table = vec![crate::text::header(&["id", "stage", "tags", "reads"])];
    for (id, stage, tags, reads) in rows {
        table.push(vec![
            id.to_string(),
            stage.to_string(),
            tags.join(","),
            reads.to_string(),
        ]);
    }
    crate::text::columns(&table)
}
