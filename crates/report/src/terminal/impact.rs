//! `netvet impact`: what a stricter catalogue changes.

use crate::terminal::Style;
use crate::terminal::counted;
use std::fmt::Write as _;

use netvet_model::{Decision, ImpactReport};

use crate::text::{date_or_dash, money};

/// What a catalogue change does: counts, exclusions, changed verdicts, operators affected.
pub fn impact(r: &ImpactReport, style: &Style) -> String {
    let s = &r.summary;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} {} → {} {} (as of {})\n",
        r.from.id, r.from.version, r.to.id, r.to.version, r.as_of
    );
    let _ = writeln!(
        out,
        "{}; {} {}; {} newly prohibited; {} no longer prohibited",
        counted(
            s.assessed as usize,
            "product × role assessment",
            "product × role assessments"
        ),
        counted(s.changed as usize, "verdict", "verdicts"),
        if s.changed == 1 { "changes" } else { "change" },
        s.newly_prohibited,
        s.no_longer_prohibited
    );
    let _ = writeln!(
        out,
        "before: {} allow, {} with conditions, {} prohibit; after: {} allow, {} with conditions, {} prohibit\n",
        s.from.allow,
        s.from.allow_with_conditions,
        s.from.prohibit,
        s.to.allow,
        s.to.allow_with_conditions,
        s.to.prohibit
    );
    if !r.exclusions.is_empty() {
        let _ = writeln!(out, "Newly excluded:");
        let mut rows = vec![
            ["VENDOR", "ROLE", "FROM", "PRODUCTS", "BECAUSE OF"]
                .map(String::from)
                .to_vec(),
        ];
        for e in &r.exclusions {
            rows.push(vec![
                e.vendor.clone(),
                e.role.to_string(),
                date_or_dash(e.deadline),
                e.products.join(", "),
                e.requirements.join(", "),
            ]);
        }
        out.push_str(&style.columns(&rows));
        out.push('\n');
    }
    if !r.changes.is_empty() {
        let _ = writeln!(out, "Changed verdicts:");
        let mut rows = vec![
            ["PRODUCT", "ROLE", "FROM", "TO", "BECAUSE OF"]
                .map(String::from)
                .to_vec(),
        ];
        for c in &r.changes {
            rows.push(vec![
                c.product.id.clone(),
                c.role.to_string(),
                format!("{} {}", c.from, date_or_dash(c.from_deadline)),
                format!("{} {}", c.to, date_or_dash(c.to_deadline)),
                c.requirements.join(", "),
            ]);
        }
        out.push_str(&style.columns(&rows));
        out.push('\n');
    }
    if let Some(inv) = &r.inventory {
        let _ = writeln!(
            out,
            "Inventory {}: {} ({} rejected), {}",
            inv.file,
            counted(inv.rows as usize, "row", "rows"),
            inv.rejected_rows,
            counted(inv.classes as usize, "distinct class", "distinct classes")
        );
        let mut rows = vec![
            [
                "OPERATOR",
                "ELEMENTS",
                "CHANGED",
                "NEWLY PROHIBITED",
                "UNASSESSED",
                "REPLACEMENT COST",
            ]
            .map(String::from)
            .to_vec(),
        ];
        for o in &inv.operators {
            let cost: f64 = o
                .groups
                .iter()
                .filter(|g| g.to == Decision::Prohibit && g.from != Decision::Prohibit)
                .map(|g| g.replacement_cost)
                .sum();
            rows.push(vec![
                o.operator.clone(),
                o.elements.to_string(),
                o.changed.to_string(),
                o.newly_prohibited.to_string(),
                o.unassessed.to_string(),
                money(cost),
            ]);
        }
        out.push_str(&style.columns(&rows));
        let mut rows = vec![
            [
                "OPERATOR", "VENDOR", "PRODUCT", "ROLE", "FROM", "TO", "BY", "ELEMENTS",
            ]
            .map(String::from)
            .to_vec(),
        ];
        for o in &inv.operators {
            for g in &o.groups {
                rows.push(vec![
                    o.operator.clone(),
                    g.vendor.clone(),
                    g.product.clone(),
                    g.role.to_string(),
                    g.from.to_string(),
                    g.to.to_string(),
                    date_or_dash(g.deadline),
                    g.elements.to_string(),
                ]);
            }
        }
        if rows.len() > 1 {
            out.push('\n');
            out.push_str(&style.columns(&rows));
        }
        if !inv.unmatched.is_empty() {
            let _ = writeln!(out, "\nNot assessed (no product record matches):");
            let mut rows = vec![
                ["VENDOR", "PRODUCT", "VERSION", "FUNCTION", "ELEMENTS"]
                    .map(String::from)
                    .to_vec(),
            ];
            for u in &inv.unmatched {
                rows.push(vec![
                    u.vendor.clone(),
                    u.product.clone(),
                    u.version.clone(),
                    u.function.to_string(),
                    u.elements.to_string(),
                ]);
            }
            out.push_str(&style.columns(&rows));
        }
    }
    out
}
