//! Markdown reports of scans, assessments and catalogue changes, for tickets, merge requests and audit files.

use std::fmt::Write;

use netvet_model::{AssessmentReport, Coverage, ImpactReport, ScanReport, Severity, Status};

use crate::terminal::assess::product_text;
use crate::text::{date_or_dash, json_name, md_cell, md_cell as esc, money};

/// A Markdown report of one or more scans.
pub fn scan(reports: &[ScanReport]) -> String {
    let mut out = String::new();
    for r in reports {
        let img = &r.image;
        let _ = writeln!(out, "# netvet scan: {}\n", esc(&img.image));
        let _ = writeln!(out, "- SHA-256: `{}`", img.sha256);
        let _ = writeln!(
            out,
            "- Size: {}; {}; {}",
            crate::terminal::counted(img.size as usize, "byte", "bytes"),
            crate::terminal::counted(img.layers.len(), "layer", "layers"),
            crate::terminal::counted(img.totals.entries as usize, "entry", "entries")
        );
        let count = |s: Severity| {
            r.findings
                .iter()
                .filter(|f| f.severity == s && f.suppressed.is_none())
                .count()
        };
        let _ = writeln!(
            out,
            "- Findings: {} critical, {} high, {} medium, {} low, {} info\n",
            count(Severity::Critical),
            count(Severity::High),
            count(Severity::Medium),
            count(Severity::Low),
            count(Severity::Info)
        );
        if r.coverage != Coverage::Complete {
            let _ = writeln!(
                out,
                "**{}** Not read:\n",
                if r.coverage == Coverage::Unreadable {
                    "Nothing inside this input could be read; no findings means nothing."
                } else {
                    "Part of this input could not be read; the findings cover the rest."
                }
            );
            for (layer, w) in r.image.unread() {
                let at = layer.map(|l| format!("layer {l}: ")).unwrap_or_default();
                let _ = writeln!(out, "- `{}` {at}{}", json_name(&w.code), esc(&w.message));
            }
            for e in &r.errors {
                let _ = writeln!(out, "- {}", esc(e));
            }
            out.push('\n');
        }
        let _ = writeln!(out, "## Findings\n");
        let suppressed = r.findings.iter().filter(|f| f.suppressed.is_some()).count();
        if suppressed > 0 {
            let _ = writeln!(
                out,
                "{} by the suppression file {} not listed (the JSON and SARIF keep {}, marked).\n",
                crate::terminal::counted(suppressed, "finding suppressed", "findings suppressed"),
                if suppressed == 1 { "is" } else { "are" },
                if suppressed == 1 { "it" } else { "them" }
            );
        }
        if r.findings.len() == suppressed {
            let _ = writeln!(out, "None.\n");
        } else {
            let _ = writeln!(out, "| Severity | Check | Title | Location | Evidence |");
            let _ = writeln!(out, "|---|---|---|---|---|");
            for f in r.findings.iter().filter(|f| f.suppressed.is_none()) {
                let loc = match (f.location.line, f.location.offset) {
                    (Some(l), _) => format!("{}:{l}", f.location.path),
                    (None, Some(o)) => format!("{}@{o:#x}", f.location.path),
                    _ => f.location.path.clone(),
                };
                let _ = writeln!(
                    out,
                    "| {} | `{}` | {} | `{}` | {} |",
                    f.severity,
                    f.check,
                    esc(&f.title),
                    esc(&loc),
                    esc(&f.evidence)
                );
            }
            let _ = writeln!(out);
        }
        if !r.services.is_empty() {
            let _ = writeln!(out, "## Services\n");
            let _ = writeln!(
                out,
                "| Service | Ports | Started by | Authentication | Where |"
            );
            let _ = writeln!(out, "|---|---|---|---|---|");
            for s in &r.services {
                let ports: Vec<String> = s
                    .ports
                    .iter()
                    .map(|p| format!("{}/{:?}", p.number, p.protocol).to_lowercase())
                    .collect();
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} | `{}:{}` |",
                    esc(&s.name),
                    ports.join(", "),
                    s.started_by,
                    s.authentication,
                    esc(&s.location.path),
                    s.location.line.unwrap_or(0)
                );
            }
            let _ = writeln!(out);
        }
        if !r.hardening.is_empty() {
            let _ = writeln!(out, "## Binary hardening\n");
            let _ = writeln!(
                out,
                "| Filesystem | ELF | NX | PIE (executables) | Full RELRO | Canary | FORTIFY | setuid |"
            );
            let _ = writeln!(out, "|---|---|---|---|---|---|---|---|");
            for h in &r.hardening {
                let _ = writeln!(
                    out,
                    "| `{}` | {} | {} | {}/{} | {} | {} | {} | {} |",
                    esc(&h.root),
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
            let _ = writeln!(out);
        }
        if !r.errors.is_empty() {
            let _ = writeln!(out, "## Could not read\n");
            for e in &r.errors {
                let _ = writeln!(out, "- {}", esc(e));
            }
            let _ = writeln!(out);
        }
    }
    out
}

/// An assessment report for reviews: the summary table, then each product's roles with
/// conditions, and every applicable requirement's status, reasons and evidence.
pub fn assessments(report: &AssessmentReport, legal_basis: &[String]) -> String {
    let c = &report.catalogue;
    let s = &report.summary;
    let mut out = String::new();
    let _ = writeln!(out, "# Assessment under {} — {}\n", c.id, c.title);
    let _ = writeln!(
        out,
        "- Catalogue: {} version {}, jurisdiction {}, effective {}, layers {}",
        c.id,
        c.version,
        c.jurisdiction,
        c.effective,
        c.layers.join(" → ")
    );
    let _ = writeln!(out, "- Legal basis: {}", legal_basis.join("; "));
    let _ = writeln!(out, "- Assessed as of {}", report.as_of);
    let _ = writeln!(
        out,
        "- Verdicts: {} allow, {} allow with conditions, {} prohibit ({} product × role assessments)\n",
        s.allow,
        s.allow_with_conditions,
        s.prohibit,
        report.assessments.len()
    );
    let _ = writeln!(out, "## Summary\n");
    let _ = writeln!(
        out,
        "| Product | Vendor | Role | Critical | Verdict | Deadline | Grounds |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|");
    for a in &report.assessments {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | **{}** | {} | {} |",
            md_cell(&product_text(a)),
            md_cell(&a.product.vendor_name),
            a.role,
            if a.critical { "yes" } else { "no" },
            a.verdict.decision,
            a.verdict
                .deadline
                .map(|d| d.to_string())
                .unwrap_or_default(),
            md_cell(
                &a.verdict
                    .grounds
                    .iter()
                    .map(|g| g.requirement.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
    }
    let mut last_product = "";
    for a in &report.assessments {
        if a.product.id != last_product {
            last_product = &a.product.id;
            let p = &a.product;
            let _ = writeln!(out, "\n## {} — {}\n", p.id, p.name);
            let _ = writeln!(
                out,
                "Vendor {} ({}), version {}{}.",
                p.vendor_name,
                p.vendor,
                p.version,
                if p.fictional {
                    ", a fictional sample product"
                } else {
                    ""
                }
            );
        }
        let v = &a.verdict;
        let _ = writeln!(
            out,
            "\n### {}{}: {}{}\n",
            a.role,
            if a.critical { " (critical)" } else { "" },
            v.decision,
            v.deadline.map(|d| format!(" from {d}")).unwrap_or_default()
        );
        let _ = writeln!(out, "Legal basis: {}\n", v.legal_basis.join("; "));
        for (title, list) in [
            ("Conditions imposed (what to do)", &v.conditions),
            ("Evidence needed (what to supply)", &v.evidence_needed),
        ] {
            if list.is_empty() {
                continue;
            }
            let _ = writeln!(out, "{title}:\n");
            for c in list {
                let due = c.deadline.map(|d| format!(" (by {d})")).unwrap_or_default();
                let _ = writeln!(out, "- {}{due}: {}", c.requirement, md_cell(&c.text));
            }
            out.push('\n');
        }
        let _ = writeln!(
            out,
            "| Requirement | Consequence | Status | Reasons | Evidence |"
        );
        let _ = writeln!(out, "|---|---|---|---|---|");
        for r in a
            .requirements
            .iter()
            .filter(|r| r.status != Status::NotApplicable)
        {
            let reasons: Vec<&str> = r.reasons.iter().map(|x| x.message.as_str()).collect();
            let evidence: Vec<&str> = r
                .reasons
                .iter()
                .flat_map(|x| x.evidence.iter().map(String::as_str))
                .collect();
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                r.id,
                r.consequence.as_str(),
                r.status,
                md_cell(&reasons.join("; ")),
                md_cell(&evidence.join(", "))
            );
        }
    }
    out
}

/// What a catalogue change does, for reviews: exclusions, changed verdicts, operators.
pub fn impact(r: &ImpactReport) -> String {
    let s = &r.summary;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Impact of moving from {} to {}\n",
        r.from.id, r.to.id
    );
    let _ = writeln!(
        out,
        "- From: {} ({}, effective {})",
        r.from.title, r.from.version, r.from.effective
    );
    let _ = writeln!(
        out,
        "- To: {} ({}, effective {})",
        r.to.title, r.to.version, r.to.effective
    );
    let _ = writeln!(out, "- As of {}", r.as_of);
    let _ = writeln!(
        out,
        "- {} product × role assessments: {} change, {} become prohibited, {} are no longer prohibited\n",
        s.assessed, s.changed, s.newly_prohibited, s.no_longer_prohibited
    );
    if !r.exclusions.is_empty() {
        let _ = writeln!(
            out,
            "## Newly excluded\n\n| Vendor | Role | From | Products | Because of |\n|---|---|---|---|---|"
        );
        for e in &r.exclusions {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                md_cell(&e.vendor_name),
                e.role,
                date_or_dash(e.deadline),
                md_cell(&e.products.join(", ")),
                e.requirements.join(", ")
            );
        }
        out.push('\n');
    }
    if !r.changes.is_empty() {
        let _ = writeln!(
            out,
            "## Changed verdicts\n\n| Product | Role | From | To | Because of |\n|---|---|---|---|---|"
        );
        for c in &r.changes {
            let _ = writeln!(
                out,
                "| {} | {} | {} {} | {} {} | {} |",
                c.product.id,
                c.role,
                c.from,
                date_or_dash(c.from_deadline),
                c.to,
                date_or_dash(c.to_deadline),
                c.requirements.join(", ")
            );
        }
        out.push('\n');
    }
    if let Some(inv) = &r.inventory {
        let _ = writeln!(
            out,
            "## Operators\n\nInventory `{}`: {} rows ({} rejected), {} distinct classes.\n",
            inv.file, inv.rows, inv.rejected_rows, inv.classes
        );
        let _ = writeln!(
            out,
            "| Operator | Elements | Changed | Newly prohibited | Not assessed |\n|---|---|---|---|---|"
        );
        for o in &inv.operators {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                md_cell(&o.operator),
                o.elements,
                o.changed,
                o.newly_prohibited,
                o.unassessed
            );
        }
        for o in inv.operators.iter().filter(|o| !o.groups.is_empty()) {
            let _ = writeln!(
                out,
                "\n### {}\n\n| Vendor | Product | Role | From | To | By | Elements | Replacement cost |\n|---|---|---|---|---|---|---|---|",
                md_cell(&o.operator)
            );
            for g in &o.groups {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} | {} | {} | {} | {} |",
                    g.vendor,
                    g.product,
                    g.role,
                    g.from,
                    g.to,
                    date_or_dash(g.deadline),
                    g.elements,
                    money(g.replacement_cost)
                );
            }
        }
    }
    out
}

/// Verdict rows the Markdown network report lists; the rest are in the JSON and HTML.
const MAX_NETWORK_VERDICTS: usize = 200;

/// A Markdown network report: a one-page overview first (the headline with conditional split,
/// overdue elements and what the plan can still meet, money in `currency`), then per operator,
/// the plan by quarter, and the verdicts of the classes in use.
pub fn network(r: &netvet_model::NetworkReport, currency: &str) -> String {
    use crate::network_summary::{capitalised, headline, money_in, plan_cost, plan_sentence};
    use crate::text::count;
    let mut out = String::new();
    let _ = writeln!(out, "# Network exposure: {}\n", esc(&r.catalogue.title));
    let _ = writeln!(out, "## At a glance\n");
    for line in headline(r, currency) {
        let _ = writeln!(out, "- {}", esc(&capitalised(&line)));
    }
    let _ = writeln!(out);
    if !r.operators.is_empty() {
        let _ = writeln!(out, "## Per operator\n");
        let _ = writeln!(
            out,
            "| Operator | Elements | Prohibited | Past deadline | Conditional | Unassessed | Cost of prohibited ({}) |",
            esc(currency)
        );
        let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|");
        for o in &r.operators {
            let x = &o.exposure;
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {}{} |",
                esc(&o.operator),
                count(x.elements),
                count(x.prohibited),
                count(x.past_deadline),
                count(x.conditional),
                count(x.unassessed),
                money(o.prohibited_cost),
                if o.prohibited_without_cost > 0 {
                    format!(" (+{} without cost)", count(o.prohibited_without_cost))
                } else {
                    String::new()
                }
            );
        }
        let _ = writeln!(out);
    }
    if let Some(p) = &r.plan {
        let _ = writeln!(out, "## Replacement plan {} – {}\n", p.start, p.end);
        let _ = writeln!(out, "{}.\n", esc(&capitalised(&plan_sentence(p))));
        let _ = writeln!(out, "{}.\n", esc(&capitalised(&plan_cost(p, currency))));
        if p.feasible {
            let mut per_quarter: std::collections::BTreeMap<netvet_model::Quarter, (u64, f64)> =
                Default::default();
            for q in &p.quarters {
                let e = per_quarter.entry(q.quarter).or_default();
                e.0 += q.elements;
                e.1 += q.cost;
            }
            let _ = writeln!(out, "| Quarter | Elements | Cost |");
            let _ = writeln!(out, "|---|---:|---:|");
            for (q, (n, c)) in per_quarter.iter().filter(|(_, (n, _))| *n > 0) {
                let _ = writeln!(out, "| {q} | {} | {} |", count(*n), money_in(*c, currency));
            }
            let _ = writeln!(out);
        } else {
            let _ = writeln!(out, "What is short:\n");
            for s in &p.shortfalls {
                let _ = writeln!(out, "- {}", esc(&s.message));
            }
            let _ = writeln!(out);
        }
    }
    let _ = writeln!(out, "## Verdicts of the classes in use\n");
    if r.verdicts.is_empty() {
        let _ = writeln!(out, "None.\n");
    } else {
        let _ = writeln!(
            out,
            "| Product | Role | Verdict | Deadline | Elements | Evidence to supply | Conditions |"
        );
        let _ = writeln!(out, "|---|---|---|---|---:|---:|---:|");
        for v in r.verdicts.iter().take(MAX_NETWORK_VERDICTS) {
            let _ = writeln!(
                out,
                "| {} {} | {} | {} | {} | {} | {} | {} |",
                esc(&v.product.name),
                esc(&v.product.version),
                esc(&crate::network_summary::role_under_licences(v)),
                v.decision.as_str(),
                date_or_dash(v.deadline),
                count(v.elements),
                v.evidence_needed.len(),
                v.conditions.len()
            );
        }
        if r.verdicts.len() > MAX_NETWORK_VERDICTS {
            let _ = writeln!(
                out,
                "\n… and {} more (see the JSON or HTML report).",
                count((r.verdicts.len() - MAX_NETWORK_VERDICTS) as u64)
            );
        }
        let _ = writeln!(out);
    }
    if !r.unassessed.is_empty() {
        let n: u64 = r.unassessed.iter().map(|u| u.elements).sum();
        let _ = writeln!(
            out,
            "## Not assessed\n\n{} in {} matched no product record.\n",
            crate::terminal::counted(n as usize, "element", "elements"),
            crate::terminal::counted(r.unassessed.len(), "class", "classes")
        );
    }
    for w in &r.warnings {
        let _ = writeln!(out, "> warning: {}\n", esc(w));
    }
    out
}
