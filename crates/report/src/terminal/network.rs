//! `netvet network`: exposure per operator, share rules, unassessed classes and the plan.

use crate::terminal::Style;
use std::fmt::Write as _;

use netvet_model::{Dimension, NetworkReport, Quarter};

use crate::text::{count, money};

/// The terminal summary.
pub fn network(r: &NetworkReport, style: &Style) -> String {
    let mut out = String::new();
    let t = &r.totals;
    let _ = writeln!(
        out,
        "{} ({} {}), as of {}: {} elements of {} operators in {} classes ({} rows rejected)",
        r.catalogue.id,
        r.catalogue.jurisdiction,
        r.catalogue.version,
        r.as_of,
        count(t.elements),
        r.operators.len(),
        r.inventory.classes,
        r.inventory.rejected
    );
    let _ = writeln!(
        out,
        "prohibited {} ({} %), {} past their deadline, {} within {} days; conditional {} ({} %); unassessed {}\n",
        count(t.prohibited),
        t.prohibited_percent,
        count(t.past_deadline),
        count(t.near_deadline),
        r.near_days,
        count(t.conditional),
        t.conditional_percent,
        count(t.unassessed)
    );
    for o in &r.operators {
        let x = &o.exposure;
        let _ = writeln!(
            out,
            "{}: {} elements, {} prohibited ({} %), {} past deadline, {} near; replacement cost of the prohibited ones {}{}",
            o.operator,
            count(x.elements),
            count(x.prohibited),
            x.prohibited_percent,
            count(x.past_deadline),
            count(x.near_deadline),
            money(o.prohibited_cost),
            if o.prohibited_without_cost > 0 {
                format!(
                    " (+{} without a stated cost)",
                    count(o.prohibited_without_cost)
                )
            } else {
                String::new()
            }
        );
        let mut rows = vec![vec![
            "  slice".to_string(),
            "elements".into(),
            "prohibited".into(),
            "conditional".into(),
            "HHI".into(),
            "vendors".into(),
        ]];
        for s in o.slices.iter().filter(|s| s.dimension != Dimension::Region) {
            let vendors: Vec<String> = s
                .vendors
                .iter()
                .take(4)
                .map(|v| format!("{} {} %", v.vendor_name, v.share_percent))
                .collect();
            rows.push(vec![
                format!(
                    "  {}{}",
                    if s.dimension == Dimension::Function {
                        "  "
                    } else {
                        ""
                    },
                    s.key
                ),
                count(s.exposure.elements),
                count(s.exposure.prohibited),
                count(s.exposure.conditional),
                format!("{:.0}", s.hhi),
                format!(
                    "{}{}",
                    vendors.join(", "),
                    if s.single_vendor.is_some() {
                        "  [single vendor]"
                    } else {
                        ""
                    }
                ),
            ]);
        }
        out.push_str(&style.columns(&rows));
        out.push('\n');
    }
    for s in &r.share_rules {
        let _ = writeln!(
            out,
            "{} {} ({}, {}): {}",
            s.requirement,
            s.status,
            s.vendor,
            s.role,
            s.reasons
                .iter()
                .map(|x| x.message.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        );
    }
    if !r.unassessed.is_empty() {
        let n: u64 = r.unassessed.iter().map(|u| u.elements).sum();
        let _ = writeln!(
            out,
            "not assessed (no product record): {} elements in {} classes",
            count(n),
            r.unassessed.len()
        );
    }
    if let Some(p) = &r.plan {
        let _ = writeln!(
            out,
            "\nreplacement plan {} – {}: {} elements{}",
            p.start,
            p.end,
            count(p.elements),
            if p.overdue > 0 {
                format!(" ({} already overdue)", count(p.overdue))
            } else {
                String::new()
            }
        );
        if p.feasible {
            let _ = writeln!(
                out,
                "  feasible; cost {} (lower bound {})",
                money(p.total_cost),
                money(p.lower_bound)
            );
            let mut per_quarter: std::collections::BTreeMap<Quarter, (u64, f64)> =
                Default::default();
            for q in &p.quarters {
                let e = per_quarter.entry(q.quarter).or_default();
                e.0 += q.elements;
                e.1 += q.cost;
            }
            for (q, (n, c)) in per_quarter.iter().filter(|(_, (n, _))| *n > 0) {
                let _ = writeln!(out, "  {q}: {} elements, {}", count(*n), money(*c));
            }
        } else {
            let _ = writeln!(out, "  NOT FEASIBLE:");
            for s in &p.shortfalls {
                let _ = writeln!(out, "  - {}", s.message);
            }
        }
    }
    out
}
