//! A self-contained HTML report of an operator network, for regulators and operators: one
//! file with inline CSS and inline SVG charts, no script and nothing loaded from anywhere.
//!
//! Every string of the report comes from inventories and dossiers nobody vetted, so each one
//! is escaped where it is written ([`Esc`]); ids and classes are built from indices and our
//! own vocabulary only. Key numbers carry `data-key` (their path in the JSON report, `.`
//! between segments) and `data-value` (the number as plain text), so tests and tools can check
//! the page against the JSON.
//!
//! This module builds the page (header, table of contents, section order); the sections are
//! in [`sections`], the charts in [`charts`], formatting and escaping in [`format`], the style
//! sheet in [`style`].

use crate::text::{group, grouped_f64};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::{self, Write};

use netvet_model::{
    Date, Decision, Dimension, Exposure, NetworkReport, OperatorExposure, Plan, Quarter, Reason,
    Role, Slice, Status,
};

mod charts;
pub(crate) mod format;
mod sections;
mod style;

use charts::*;
use format::*;
use sections::*;
use style::*;

/// Rows of the replacement steps table; the rest are in the JSON.
pub const MAX_STEP_ROWS: usize = 500;

/// Vendor colours, by vendor order (most elements in the report first). Red is left out: it
/// marks prohibition. Each colour comes with the ink legible on it.
const VENDOR_PALETTE: [(&str, &str); 12] = [
    ("#4e79a7", "#ffffff"),
    ("#f28e2b", "#1d2939"),
    ("#59a14f", "#ffffff"),
    ("#76b7b2", "#1d2939"),
    ("#edc948", "#1d2939"),
    ("#b07aa1", "#ffffff"),
    ("#9c755f", "#ffffff"),
    ("#2f4b7c", "#ffffff"),
    ("#bab0ac", "#1d2939"),
    ("#a0cbe8", "#1d2939"),
    ("#8cd17d", "#1d2939"),
    ("#d4a6c8", "#1d2939"),
];

/// Operator colours in the replacement timeline.
const OPERATOR_PALETTE: [&str; 8] = [
    "#1f3a5f", "#8fb3d3", "#3d7a74", "#c8a165", "#6b5b95", "#a7a9ac", "#8c4f3f", "#cfd8a6",
];

const RED: &str = "#b42318";

const AMBER: &str = "#e09a2b";

const GREEN: &str = "#5b8c5a";

const GREY: &str = "#c4c9d1";

const INK: &str = "#1d2939";

const RULE: &str = "#d0d5dd";

/// The HTML page of a network report, money in euros. The same report gives the same bytes.
pub fn network(report: &NetworkReport) -> String {
    network_in(report, crate::network_summary::DEFAULT_CURRENCY)
}

/// The HTML page of a network report with money in `currency` (an ISO 4217 code).
pub fn network_in(report: &NetworkReport, currency: &str) -> String {
    let mut out = String::with_capacity(64 * 1024);
    // Writing to a String cannot fail.
    let _ = page(&mut out, report, currency);
    out
}

/// What several sections look up: colours, names and anchors, built once.
struct Context {
    vendor_colour: BTreeMap<String, usize>,
    vendor_name: BTreeMap<String, String>,
    operator_colour: BTreeMap<String, usize>,
    verdict_anchor: BTreeMap<(String, Role), String>,
    /// The currency money is shown in.
    currency: String,
}

impl Context {
    fn of(r: &NetworkReport, currency: &str) -> Context {
        let mut elements: BTreeMap<&str, u64> = BTreeMap::new();
        let mut vendor_name = BTreeMap::new();
        for op in &r.operators {
            for s in op
                .slices
                .iter()
                .filter(|s| s.dimension == Dimension::Domain)
            {
                for v in &s.vendors {
                    *elements.entry(&v.vendor).or_default() += v.elements;
                }
            }
            for s in &op.slices {
                for v in &s.vendors {
                    elements.entry(&v.vendor).or_default();
                    vendor_name
                        .entry(v.vendor.clone())
                        .or_insert_with(|| v.vendor_name.clone());
                }
            }
        }
        for v in &r.verdicts {
            vendor_name
                .entry(v.product.vendor.clone())
                .or_insert_with(|| v.product.vendor_name.clone());
        }
        let mut order: Vec<(&str, u64)> = elements.into_iter().collect();
        order.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let vendor_colour = order
            .iter()
            .enumerate()
            .map(|(i, (v, _))| ((*v).to_owned(), i))
            .collect();

        let mut operators: Vec<String> = r.operators.iter().map(|o| o.operator.clone()).collect();
        let mut extra = BTreeSet::new();
        if let Some(p) = &r.plan {
            extra.extend(p.quarters.iter().map(|q| q.operator.clone()));
            extra.extend(p.steps.iter().map(|s| s.operator.clone()));
        }
        for name in extra {
            if !operators.contains(&name) {
                operators.push(name);
            }
        }
        let mut operator_colour = BTreeMap::new();
        for (i, name) in operators.into_iter().enumerate() {
            operator_colour.entry(name).or_insert(i);
        }

        let mut taken = BTreeSet::new();
        let mut verdict_anchor = BTreeMap::new();
        for v in &r.verdicts {
            let base = format!(
                "verdict-{}-{}",
                slug(&v.product.id),
                slug(&v.role.to_string())
            );
            let mut id = base.clone();
            let mut n = 2;
            while taken.contains(&id) {
                id = format!("{base}-{n}");
                n += 1;
            }
            taken.insert(id.clone());
            verdict_anchor
                .entry((v.product.id.clone(), v.role))
                .or_insert(id);
        }
        Context {
            vendor_colour,
            vendor_name,
            operator_colour,
            verdict_anchor,
            currency: currency.to_string(),
        }
    }

    fn colour(&self, vendor: &str) -> (&'static str, &'static str) {
        let i = self.vendor_colour.get(vendor).copied().unwrap_or(0);
        VENDOR_PALETTE[i % VENDOR_PALETTE.len()]
    }

    fn operator_colour(&self, operator: &str) -> &'static str {
        let i = self.operator_colour.get(operator).copied().unwrap_or(0);
        OPERATOR_PALETTE[i % OPERATOR_PALETTE.len()]
    }

    fn vendor<'a>(&'a self, id: &'a str) -> &'a str {
        self.vendor_name.get(id).map_or(id, String::as_str)
    }
}

fn sections(r: &NetworkReport) -> Vec<(&'static str, &'static str)> {
    let mut s = vec![
        ("overview", "At a glance"),
        ("summary", "Summary"),
        ("vendor-shares", "Vendor share per domain"),
        ("regions", "Exposure by region"),
        ("functions", "Network functions"),
    ];
    if r.plan.is_some() {
        s.push(("plan", "Replacement plan"));
    }
    s.extend([
        ("verdicts", "Verdicts"),
        ("share-rules", "Share rules"),
        ("unassessed", "Unassessed classes"),
        ("warnings", "Warnings"),
    ]);
    s
}

fn page(o: &mut String, r: &NetworkReport, currency: &str) -> fmt::Result {
    let cx = Context::of(r, currency);
    o.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    // Defence in depth: even a string that slipped past escaping could run or load nothing.
    o.push_str(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'\">\n",
    );
    o.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    o.push_str("<meta name=\"generator\" content=\"netvet\">\n");
    writeln!(
        o,
        "<title>Network exposure: {} {}</title>",
        Esc(&r.catalogue.id),
        Esc(&r.catalogue.version)
    )?;
    o.push_str("<style>\n");
    o.push_str(CSS);
    o.push_str("</style>\n</head>\n<body>\n");
    header(o, r)?;
    o.push_str("<main>\n");
    let list = sections(r);
    toc(o, r, &list)?;
    for (n, (id, title)) in list.iter().enumerate() {
        writeln!(
            o,
            "<section id=\"{id}\">\n<h2><span class=\"secno\">{}</span>{title}</h2>",
            n + 1
        )?;
        match *id {
            "overview" => overview(o, r, &cx)?,
            "summary" => summary(o, r, &cx)?,
            "vendor-shares" => vendor_shares(o, r, &cx)?,
            "regions" => regions(o, r)?,
            "functions" => functions(o, r, &cx)?,
            "plan" => {
                if let Some(p) = &r.plan {
                    plan(o, r, p, &cx)?;
                }
            }
            "verdicts" => verdicts(o, r, &cx)?,
            "share-rules" => share_rules(o, r, &cx)?,
            "unassessed" => unassessed(o, r)?,
            _ => warnings(o, r)?,
        }
        o.push_str("</section>\n");
    }
    o.push_str("</main>\n<footer>\n");
    writeln!(
        o,
        "<p>Written by netvet {} from a <code>{}</code> report. The numbers are those of the \
         JSON report; each key number carries its JSON path in <code>data-key</code>.</p>",
        env!("CARGO_PKG_VERSION"),
        Esc(&r.schema)
    )?;
    o.push_str("</footer>\n</body>\n</html>\n");
    Ok(())
}

fn header(o: &mut String, r: &NetworkReport) -> fmt::Result {
    let c = &r.catalogue;
    let inv = &r.inventory;
    o.push_str("<header class=\"page\">\n<div class=\"wrap\">\n");
    o.push_str("<p class=\"kicker\">netvet · network exposure report</p>\n");
    writeln!(o, "<h1>{}</h1>", Esc(&c.title))?;
    o.push_str("<dl class=\"meta\">\n");
    writeln!(
        o,
        "<div><dt>Catalogue</dt><dd><code>{}</code> version {}</dd></div>",
        Esc(&c.id),
        Esc(&c.version)
    )?;
    writeln!(
        o,
        "<div><dt>Jurisdiction</dt><dd>{}; effective {}</dd></div>",
        Esc(&c.jurisdiction),
        c.effective
    )?;
    if !c.layers.is_empty() {
        o.push_str("<div><dt>Layers</dt><dd>");
        join(o, &c.layers, " → ", |o, l| write!(o, "{}", Esc(l)))?;
        o.push_str("</dd></div>\n");
    }
    writeln!(
        o,
        "<div><dt>As of</dt><dd>{}; deadlines within {} are near</dd></div>",
        r.as_of,
        keyed(
            "span",
            "near_days",
            Shown::Count(u64::from(r.near_days)),
            " days"
        )
    )?;
    writeln!(
        o,
        "<div><dt>Inventory</dt><dd><code>{}</code></dd></div>",
        Esc(&inv.file)
    )?;
    writeln!(
        o,
        "<div><dt>Rows</dt><dd>{} read, {} accepted, {} rejected; {} classes</dd></div>",
        keyed("span", "inventory.rows", Shown::Count(inv.rows), ""),
        keyed("span", "inventory.accepted", Shown::Count(inv.accepted), ""),
        keyed("span", "inventory.rejected", Shown::Count(inv.rejected), ""),
        keyed("span", "inventory.classes", Shown::Count(inv.classes), ""),
    )?;
    o.push_str("</dl>\n</div>\n</header>\n");
    Ok(())
}

fn toc(o: &mut String, r: &NetworkReport, list: &[(&str, &str)]) -> fmt::Result {
    o.push_str("<nav class=\"toc\" aria-label=\"Contents\">\n<h2>Contents</h2>\n<ol>\n");
    for (id, title) in list {
        write!(o, "<li><a href=\"#{id}\">{title}</a>")?;
        if *id == "vendor-shares" && !r.operators.is_empty() {
            o.push_str("<ol>");
            for (i, op) in r.operators.iter().enumerate() {
                write!(
                    o,
                    "<li><a href=\"#vendor-shares-{i}\">{}</a></li>",
                    Esc(&op.operator)
                )?;
            }
            o.push_str("</ol>");
        }
        o.push_str("</li>\n");
    }
    o.push_str("</ol>\n</nav>\n");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_quotes_and_invisible_controls() {
        let s = Esc("<a href='x'>\"&\u{202E}\u{7}</a>\n").to_string();
        assert_eq!(
            s,
            "&lt;a href=&#39;x&#39;&gt;&quot;&amp;\u{FFFD}\u{FFFD}&lt;/a&gt;\n"
        );
    }

    #[test]
    fn groups_thousands() {
        assert_eq!(Int(0).to_string(), "0");
        assert_eq!(Int(999).to_string(), "999");
        assert_eq!(Int(1000).to_string(), "1,000");
        assert_eq!(Int(1_234_567).to_string(), "1,234,567");
        assert_eq!(grouped_f64(-1234.5, 2), "-1,234.50");
        assert_eq!(grouped_f64(-0.001, 1), "0.0");
        assert_eq!(Shown::Percent(35.0).text(), "35.0%");
        assert_eq!(Shown::Money(1_250_000.0).text(), "1,250,000");
        assert_eq!(Shown::Factor(1.25).text(), "1.25");
        assert_eq!(Shown::Factor(1.5).text(), "1.5");
    }

    #[test]
    fn slugs_are_ascii_ids() {
        assert_eq!(slug("huawei-bts5900"), "huawei-bts5900");
        assert_eq!(slug("core:AMF"), "core-amf");
        assert_eq!(slug("\"><script>"), "script");
        assert_eq!(slug("ü"), "x");
    }

    #[test]
    fn axes_end_on_a_round_number() {
        assert_eq!(nice_axis(0), (1, 1));
        assert_eq!(nice_axis(7), (2, 8));
        assert_eq!(nice_axis(1234), (500, 1500));
        assert_eq!(nice_axis(100), (20, 100));
    }
}
