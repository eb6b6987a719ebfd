//! `netvet impact --from A --to B [--inventory FILE]`: what moving from one catalogue to another
//! changes — verdicts, vendors excluded from roles, and the operators' network elements affected.

use std::fmt::Write as _;

use anyhow::Context;
use netvet_model::{Decision, ImpactReport};
use netvet_policy::impact::{InventoryInput, compare};
use netvet_policy::{Catalogue, Limits};

use super::policy_inputs::{DataArgs, InventoryArgs};
use crate::output::{self, ReportFormat, cell, columns};

/// Show the impact of a catalogue change before it is enacted: which verdicts change, which
/// vendors and products become excluded from which roles, and — with an operator inventory —
/// how many network elements of which operators are affected.
#[derive(clap::Args)]
pub struct Args {
    /// The catalogue in force (built-in id or directory).
    #[arg(long, value_name = "ID|DIR")]
    from: String,
    /// The catalogue proposed (built-in id or directory).
    #[arg(long, value_name = "ID|DIR")]
    to: String,
    #[command(flatten)]
    data: DataArgs,
    #[command(flatten)]
    inventory: InventoryArgs,
    /// Exit with 1 when the change newly prohibits a product in some role.
    #[arg(long)]
    fail_on_exclusion: bool,
    /// Output format (table on a terminal, else JSON).
    #[arg(long, value_enum)]
    format: Option<ReportFormat>,
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let limits = Limits::default();
    let from = Catalogue::load(&args.from, &limits)
        .with_context(|| format!("invalid catalogue {}", args.from))?;
    let to = Catalogue::load(&args.to, &limits)
        .with_context(|| format!("invalid catalogue {}", args.to))?;
    let data = args.data.load(&limits)?;
    let inventory = args.inventory.load(&data.dossiers)?;
    let inputs = data.inputs(inventory.as_ref());
    let inv = inventory.as_ref().map(|i| InventoryInput {
        file: i.file.clone(),
        rows: i.rows,
        rejected_rows: i.rejected,
        shares: &i.shares,
    });
    let report = compare(&from, &to, &inputs, inv.as_ref(), &limits)?;
    for w in &report.warnings {
        eprintln!("netvet: warning: {w}");
    }
    match ReportFormat::or_default(args.format) {
        ReportFormat::Json => output::print_json(&report)?,
        ReportFormat::Table => output::print_text(&table(&report))?,
        ReportFormat::Markdown => output::print_text(&markdown(&report))?,
    }
    Ok(
        if args.fail_on_exclusion && report.summary.newly_prohibited > 0 {
            crate::EXIT_FINDINGS
        } else {
            crate::EXIT_OK
        },
    )
}

fn date(d: Option<netvet_model::Date>) -> String {
    d.map(|d| d.to_string()).unwrap_or_else(|| "-".into())
}

fn money(x: f64) -> String {
    // An empty float sum is -0.0.
    format!("{:.0}", x + 0.0)
}

fn table(r: &ImpactReport) -> String {
    let s = &r.summary;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} {} → {} {} (as of {})\n",
        r.from.id, r.from.version, r.to.id, r.to.version, r.as_of
    );
    let _ = writeln!(
        out,
        "{} product × role assessments; {} verdicts change; {} newly prohibited; {} no longer prohibited",
        s.assessed, s.changed, s.newly_prohibited, s.no_longer_prohibited
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
                date(e.deadline),
                e.products.join(", "),
                e.requirements.join(", "),
            ]);
        }
        out.push_str(&columns(&rows));
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
                format!("{} {}", c.from, date(c.from_deadline)),
                format!("{} {}", c.to, date(c.to_deadline)),
                c.requirements.join(", "),
            ]);
        }
        out.push_str(&columns(&rows));
        out.push('\n');
    }
    if let Some(inv) = &r.inventory {
        let _ = writeln!(
            out,
            "Inventory {}: {} rows ({} rejected), {} distinct classes",
            inv.file, inv.rows, inv.rejected_rows, inv.classes
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
        out.push_str(&columns(&rows));
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
                    date(g.deadline),
                    g.elements.to_string(),
                ]);
            }
        }
        if rows.len() > 1 {
            out.push('\n');
            out.push_str(&columns(&rows));
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
            out.push_str(&columns(&rows));
        }
    }
    out
}

fn markdown(r: &ImpactReport) -> String {
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
                cell(&e.vendor_name),
                e.role,
                date(e.deadline),
                cell(&e.products.join(", ")),
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
                date(c.from_deadline),
                c.to,
                date(c.to_deadline),
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
                cell(&o.operator),
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
                cell(&o.operator)
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
                    date(g.deadline),
                    g.elements,
                    money(g.replacement_cost)
                );
            }
        }
    }
    out
}
