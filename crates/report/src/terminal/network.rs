//! `netvet network`: exposure per operator, share rules, unassessed classes and the plan.

use crate::terminal::Style;
use std::fmt::Write as _;

use netvet_model::{Dimension, NetworkReport, Quarter};

use crate::network_summary::{
    conditional_sentence, money_in, plan_cost, plan_sentence, prohibited_sentence,
};
use crate::terminal::counted;
use crate::text::count;

/// Writes `text` wrapped to the style's width, continuation lines indented by `indent`.
fn put(out: &mut String, style: &Style, first: &str, indent: usize, text: &str) {
    for (i, line) in style.wrap(text, indent).iter().enumerate() {
        let _ = writeln!(
            out,
            "{}{line}",
            if i == 0 {
                first.to_string()
            } else {
                " ".repeat(indent)
            }
        );
    }
}

/// The terminal summary; money in `currency` (an ISO 4217 code).
pub fn network(r: &NetworkReport, style: &Style, currency: &str) -> String {
    let mut out = String::new();
    let t = &r.totals;
    put(
        &mut out,
        style,
        "",
        2,
        &format!(
            "{} ({} {}), as of {}: {} of {} in {} ({} rejected)",
            r.catalogue.id,
            r.catalogue.jurisdiction,
            r.catalogue.version,
            r.as_of,
            counted(t.elements as usize, "element", "elements"),
            counted(r.operators.len(), "operator", "operators"),
            counted(r.inventory.classes as usize, "class", "classes"),
            counted(r.inventory.rejected as usize, "row", "rows")
        ),
    );
    put(
        &mut out,
        style,
        "",
        2,
        &format!("{};", prohibited_sentence(r)),
    );
    put(
        &mut out,
        style,
        "",
        2,
        &format!(
            "{}; allowed {}; unassessed {}",
            conditional_sentence(r),
            count(t.allowed),
            count(t.unassessed)
        ),
    );
    out.push('\n');
    for o in &r.operators {
        let x = &o.exposure;
        let line = format!(
            "{}: {}, {} prohibited ({} %), {} past deadline, {} near; replacement cost of the prohibited ones {}{}",
            o.operator,
            counted(x.elements as usize, "element", "elements"),
            count(x.prohibited),
            x.prohibited_percent,
            count(x.past_deadline),
            count(x.near_deadline),
            money_in(o.prohibited_cost, currency),
            if o.prohibited_without_cost > 0 {
                format!(
                    " (+{} without a stated cost)",
                    count(o.prohibited_without_cost)
                )
            } else {
                String::new()
            }
        );
        put(&mut out, style, "", 2, &line);
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
        let line = format!(
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
        put(&mut out, style, "", 2, &line);
    }
    if !r.unassessed.is_empty() {
        let n: u64 = r.unassessed.iter().map(|u| u.elements).sum();
        let _ = writeln!(
            out,
            "not assessed (no product record): {} in {}",
            counted(n as usize, "element", "elements"),
            counted(r.unassessed.len(), "class", "classes")
        );
    }
    if let Some(p) = &r.plan {
        let _ = writeln!(
            out,
            "\nreplacement plan {} – {}: {}",
            p.start,
            p.end,
            counted(p.elements as usize, "element", "elements")
        );
        put(&mut out, style, "  ", 4, &plan_sentence(p));
        put(&mut out, style, "  ", 4, &plan_cost(p, currency));
        if p.feasible {
            let mut per_quarter: std::collections::BTreeMap<Quarter, (u64, f64)> =
                Default::default();
            for q in &p.quarters {
                let e = per_quarter.entry(q.quarter).or_default();
                e.0 += q.elements;
                e.1 += q.cost;
            }
            for (q, (n, c)) in per_quarter.iter().filter(|(_, (n, _))| *n > 0) {
                let _ = writeln!(
                    out,
                    "  {q}: {}, {}",
                    counted(*n as usize, "element", "elements"),
                    money_in(*c, currency)
                );
            }
        } else {
            let _ = writeln!(out, "  NOT FEASIBLE, what is short:");
            for s in &p.shortfalls {
                put(
                    &mut out,
                    style,
                    "  - ",
                    4,
                    &crate::network_summary::shortfall(s, currency),
                );
            }
        }
    }
    out
}
