//! `netvet assess`: verdicts per product and role, and one requirement explained.

use crate::terminal::Style;
use crate::terminal::counted;
use std::fmt::Write as _;

use netvet_model::{Assessment, AssessmentReport, Explanation};

pub(crate) fn role_text(a: &Assessment) -> String {
    format!("{}{}", a.role, if a.critical { "*" } else { "" })
}

pub(crate) fn product_text(a: &Assessment) -> String {
    format!(
        "{}{}",
        a.product.id,
        if a.product.fictional { " (f)" } else { "" }
    )
}

/// The requirements behind a verdict, shortened for a table.
fn grounds_text(a: &Assessment) -> String {
    let ids: Vec<&str> = a
        .verdict
        .grounds
        .iter()
        .map(|g| g.requirement.as_str())
        .collect();
    match ids.len() {
        0 => "-".to_string(),
        n if n <= 3 => ids.join(", "),
        n => format!("{}, +{} more", ids[..2].join(", "), n - 2),
    }
}

fn header(report: &AssessmentReport) -> String {
    let c = &report.catalogue;
    format!(
        "{} {} — {} (effective {}; layers {}); as of {}\n\n",
        c.id,
        c.version,
        c.title,
        c.effective,
        c.layers.join(" → "),
        report.as_of
    )
}

/// Every product and role with its verdict, deadline and grounds (and, for a catalogue with
/// licence conditions, the licences each was assessed as used under).
pub fn assessments(report: &AssessmentReport, style: &Style) -> String {
    let mut out = header(report);
    let licensed = report.assessments.iter().any(|a| !a.licences.is_empty());
    let mut head = vec!["PRODUCT", "VENDOR", "ROLE"];
    if licensed {
        head.push("LICENCES");
    }
    head.extend(["VERDICT", "DEADLINE", "GROUNDS"]);
    let mut rows = vec![head.into_iter().map(String::from).collect::<Vec<_>>()];
    for a in &report.assessments {
        let mut row = vec![product_text(a), a.product.vendor.clone(), role_text(a)];
        if licensed {
            row.push(if a.licences.is_empty() {
                "-".to_string()
            } else {
                a.licences.join(", ")
            });
        }
        row.extend([
            a.verdict.decision.to_string(),
            a.verdict
                .deadline
                .map(|d| d.to_string())
                .unwrap_or_else(|| "-".into()),
            grounds_text(a),
        ]);
        rows.push(row);
    }
    out.push_str(&style.columns(&rows));
    let s = &report.summary;
    let _ = write!(
        out,
        "\n* critical role; (f) fictional sample product\n{}: {} allow, {} allow with conditions, {} prohibit\n",
        counted(report.assessments.len(), "assessment", "assessments"),
        s.allow,
        s.allow_with_conditions,
        s.prohibit
    );
    out
}

/// A requirement, its sources and rule, and its result for every product and role.
pub fn explanation(d: &Explanation, style: &Style) -> String {
    let q = &d.requirement;
    let mut out = String::new();
    let _ = writeln!(out, "{} — {}\n", q.id, q.title);
    let _ = writeln!(out, "{}\n", q.rationale.trim());
    let _ = writeln!(out, "legal basis:  {}", q.legal_basis);
    let _ = writeln!(
        out,
        "consequence:  {}{}",
        q.consequence.as_str(),
        q.deadline
            .map(|d| format!(" (deadline {d})"))
            .unwrap_or_default()
    );
    let scope = &q.scope;
    let list = |v: Vec<String>| {
        if v.is_empty() {
            "any".to_string()
        } else {
            v.join(", ")
        }
    };
    let _ = writeln!(
        out,
        "scope:        domains {}; functions {}; criticality {}",
        list(scope.domains.iter().map(|d| d.to_string()).collect()),
        list(scope.functions.iter().map(|f| f.to_string()).collect()),
        if scope.criticality == netvet_model::CriticalityScope::Critical {
            "critical roles"
        } else {
            "any"
        }
    );
    let evidence: Vec<String> = q
        .evidence
        .iter()
        .filter_map(|e| serde_json::to_value(e).ok())
        .filter_map(|v| v.as_str().map(String::from))
        .collect();
    let _ = writeln!(out, "evidence:     {}", evidence.join(", "));
    if !q.params.is_empty() {
        let params: Vec<String> = q.params.iter().map(|(k, v)| format!("{k} = {v}")).collect();
        let _ = writeln!(out, "parameters:   {}", params.join("; "));
    }
    let _ = writeln!(
        out,
        "defined in:   {} (catalogue {})",
        d.defined_in, d.layer
    );
    let _ = writeln!(out, "\nsources:");
    for s in &q.sources {
        let _ = writeln!(
            out,
            "  [{}] {} — {} ({}){}",
            s.status,
            s.reference,
            s.title,
            s.url,
            s.note
                .as_ref()
                .map(|n| format!("; {n}"))
                .unwrap_or_default()
        );
    }
    for r in &d.rule {
        let _ = writeln!(out, "\nrule {} ({}):\n", r.package, r.file);
        for l in r.text.lines() {
            let _ = writeln!(out, "    {l}");
        }
    }
    let _ = writeln!(out, "\nresults (as of {}):", d.as_of);
    let mut rows = vec![
        ["PRODUCT", "ROLE", "STATUS", "REASONS"]
            .map(String::from)
            .to_vec(),
    ];
    for r in &d.results {
        let reasons: Vec<&str> = r.reasons.iter().map(|x| x.message.as_str()).collect();
        rows.push(vec![
            r.product.to_string(),
            format!("{}{}", r.role, if r.critical { "*" } else { "" }),
            r.status.to_string(),
            reasons.join("; "),
        ]);
    }
    out.push_str(&style.columns(&rows));
    out
}
