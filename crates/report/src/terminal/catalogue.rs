//! `netvet catalogue list|check|test` and `netvet dossier check`.

use crate::terminal::Style;
use crate::terminal::counted;
use std::fmt::Write as _;

use netvet_model::{CatalogueCheck, CatalogueList, CatalogueTests, DossierCheck, SourceStatus};

use crate::text::header;

/// The built-in catalogues.
pub fn list(l: &CatalogueList, style: &Style) -> String {
    let mut rows = vec![header(&[
        "ID",
        "VERSION",
        "EFFECTIVE",
        "REQUIREMENTS",
        "EXTENDS",
        "TITLE",
    ])];
    for c in &l.catalogues {
        let r = &c.reference;
        let base = r
            .layers
            .iter()
            .rev()
            .nth(1)
            .cloned()
            .unwrap_or_else(|| "-".into());
        rows.push(vec![
            r.id.clone(),
            r.version.clone(),
            r.effective.to_string(),
            c.requirements.len().to_string(),
            base,
            r.title.clone(),
        ]);
    }
    style.columns(&rows)
}

/// A validated catalogue and its requirements.
pub fn check(c: &CatalogueCheck, style: &Style) -> String {
    let s = &c.summary;
    let r = &s.reference;
    let mut text = format!(
        "{} {} — {} ({}; layers {}): valid\n\n",
        r.id,
        r.version,
        r.title,
        r.jurisdiction,
        r.layers.join(" → ")
    );
    // Licence conditions bind only what is used under the licences the catalogue names.
    for l in &s.licences {
        let _ = writeln!(
            text,
            "licence {}: {} ({}{})",
            l.id,
            l.title,
            l.authority,
            if l.holders.is_empty() {
                String::new()
            } else {
                format!("; held by {}", l.holders.join(", "))
            }
        );
    }
    if !s.licences.is_empty() {
        text.push('\n');
    }
    let mut rows = vec![header(&[
        "REQUIREMENT",
        "CONSEQUENCE",
        "DEADLINE",
        "LAYER",
        "DECIDED PER",
        "TITLE",
    ])];
    for q in &s.requirements {
        rows.push(vec![
            q.id.clone(),
            q.consequence.as_str().to_string(),
            q.deadline
                .map(|d| d.to_string())
                .unwrap_or_else(|| "-".into()),
            q.layer.clone(),
            q.decided_per.clone(),
            q.title.clone(),
        ]);
    }
    text.push_str(&style.columns(&rows));
    text
}

/// Test results per catalogue layer: failures and untested requirements listed.
pub fn tests(doc: &CatalogueTests) -> String {
    let mut text = String::new();
    for l in &doc.catalogues {
        let passed = l.tests.iter().filter(|t| t.passed).count();
        let _ = writeln!(
            text,
            "{}: {passed}/{} tests passed",
            l.catalogue,
            l.tests.len()
        );
        for t in l.tests.iter().filter(|t| !t.passed) {
            let _ = writeln!(
                text,
                "  FAIL {} ({}:{}): {}",
                t.rule,
                t.file,
                t.line,
                t.failure.as_deref().unwrap_or("")
            );
        }
        for id in &l.untested_requirements {
            let _ = writeln!(text, "  UNTESTED {id}: no tests/{id}_test.rego");
        }
    }
    text
}

/// Vendors with their facts counted by how well they are sourced.
pub fn dossiers(summary: &DossierCheck, style: &Style) -> String {
    let mut rows = vec![header(&[
        "VENDOR",
        "JURISDICTION",
        "FACTS",
        "SOURCED",
        "SOURCED-2",
        "UNVERIFIED",
        "NOTE",
        "NAME",
    ])];
    for v in &summary.vendors {
        let n = |s| v.by_status.get(&s).copied().unwrap_or(0).to_string();
        rows.push(vec![
            v.id.clone(),
            v.jurisdiction.clone(),
            v.facts.to_string(),
            n(SourceStatus::Sourced),
            n(SourceStatus::Sourced2),
            n(SourceStatus::Unverified),
            n(SourceStatus::Note),
            v.name.clone(),
        ]);
    }
    let mut text = style.columns(&rows);
    let _ = writeln!(
        text,
        "\n{}: {}, jurisdictions {}: valid",
        summary.root,
        counted(summary.vendors.len(), "vendor", "vendors"),
        summary.jurisdictions.join(", ")
    );
    text
}
