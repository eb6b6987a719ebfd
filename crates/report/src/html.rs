//! A self-contained HTML report of an operator network, for regulators and operators: one
//! file with inline CSS and inline SVG charts, no script and nothing loaded from anywhere.
//!
//! Every string of the report comes from inventories and dossiers nobody vetted, so each one
//! is escaped where it is written ([`Esc`]); ids and classes are built from indices and our
//! own vocabulary only. Key numbers carry `data-key` (their path in the JSON report, `.`
//! between segments) and `data-value` (the number as plain text), so tests and tools can check
//! the page against the JSON.

use crate::text::{group, grouped_f64};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::{self, Write};

use netvet_model::{
    Date, Decision, Dimension, Exposure, NetworkReport, OperatorExposure, Plan, Quarter, Reason,
    Role, Slice, Status,
};

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

/// The HTML page of a network report. The same report gives the same bytes.
pub fn network(report: &NetworkReport) -> String {
    let mut out = String::with_capacity(64 * 1024);
    // Writing to a String cannot fail.
    let _ = page(&mut out, report);
    out
}

/// What several sections look up: colours, names and anchors, built once.
struct Context {
    vendor_colour: BTreeMap<String, usize>,
    vendor_name: BTreeMap<String, String>,
    operator_colour: BTreeMap<String, usize>,
    verdict_anchor: BTreeMap<(String, Role), String>,
}

impl Context {
    fn of(r: &NetworkReport) -> Context {
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

fn page(o: &mut String, r: &NetworkReport) -> fmt::Result {
    let cx = Context::of(r);
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
            "summary" => summary(o, r)?,
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

// ---------------------------------------------------------------------------------------------
// 1. Summary

fn summary(o: &mut String, r: &NetworkReport) -> fmt::Result {
    let t = &r.totals;
    o.push_str("<div class=\"cards\">\n");
    // Label, class, field of `totals`, value, and the percentage shown under it.
    type Card<'a> = (&'a str, &'a str, &'a str, u64, Option<(&'a str, f64)>);
    let cards: [Card; 7] = [
        ("Elements", "", "elements", t.elements, None),
        (
            "Prohibited",
            "prohibited",
            "prohibited",
            t.prohibited,
            Some(("prohibited_percent", t.prohibited_percent)),
        ),
        (
            "Conditional",
            "conditional",
            "conditional",
            t.conditional,
            Some(("conditional_percent", t.conditional_percent)),
        ),
        ("Allowed", "allowed", "allowed", t.allowed, None),
        ("Unassessed", "unassessed", "unassessed", t.unassessed, None),
        (
            "Past deadline",
            "prohibited",
            "past_deadline",
            t.past_deadline,
            None,
        ),
        (
            "Near deadline",
            "conditional",
            "near_deadline",
            t.near_deadline,
            None,
        ),
    ];
    for (label, class, field, value, percent) in cards {
        write!(
            o,
            "<div class=\"card {class}\"><div class=\"label\">{label}</div>\
             <div class=\"value\">{}</div>",
            keyed("span", &format!("totals.{field}"), Shown::Count(value), "")
        )?;
        if let Some((pfield, p)) = percent {
            write!(
                o,
                "<div class=\"sub\">{} of elements</div>",
                keyed("span", &format!("totals.{pfield}"), Shown::Percent(p), "")
            )?;
        }
        o.push_str("</div>\n");
    }
    o.push_str("</div>\n");

    o.push_str("<h3>Per operator</h3>\n");
    if r.operators.is_empty() {
        o.push_str("<p class=\"muted\">No operators in the inventory.</p>\n");
        return Ok(());
    }
    o.push_str(
        "<div class=\"scroll\"><table class=\"data\">\n<thead><tr><th>Operator</th>\
         <th class=\"num\">Elements</th><th class=\"num\">Allowed</th>\
         <th class=\"num\">Conditional</th><th class=\"num\">Prohibited</th>\
         <th class=\"num\">Prohibited %</th><th class=\"num\">Unassessed</th>\
         <th class=\"num\">Past deadline</th><th class=\"num\">Near deadline</th>\
         <th class=\"num\">Cost of prohibited</th><th class=\"num\">Without cost</th>\
         </tr></thead>\n<tbody>\n",
    );
    for (i, op) in r.operators.iter().enumerate() {
        write!(
            o,
            "<tr id=\"operator-{i}\"><th scope=\"row\">{}</th>",
            Esc(&op.operator)
        )?;
        exposure_cells(o, &format!("operators.{i}.exposure"), &op.exposure)?;
        writeln!(
            o,
            "{}{}</tr>",
            keyed(
                "td",
                &format!("operators.{i}.prohibited_cost"),
                Shown::Money(op.prohibited_cost),
                ""
            ),
            keyed(
                "td",
                &format!("operators.{i}.prohibited_without_cost"),
                Shown::Count(op.prohibited_without_cost),
                ""
            )
        )?;
    }
    o.push_str("</tbody>\n<tfoot><tr><th scope=\"row\">All operators</th>");
    exposure_cells(o, "totals", t)?;
    let cost: f64 = r.operators.iter().map(|op| op.prohibited_cost).sum();
    let without: u64 = r
        .operators
        .iter()
        .map(|op| op.prohibited_without_cost)
        .sum();
    write!(
        o,
        "<td class=\"num\">{}</td><td class=\"num\">{}</td></tr></tfoot>\n</table></div>\n",
        Shown::Money(cost).text(),
        Shown::Count(without).text()
    )?;
    Ok(())
}

fn exposure_cells(o: &mut String, prefix: &str, e: &Exposure) -> fmt::Result {
    let cells = [
        ("elements", Shown::Count(e.elements), false),
        ("allowed", Shown::Count(e.allowed), false),
        ("conditional", Shown::Count(e.conditional), false),
        ("prohibited", Shown::Count(e.prohibited), e.prohibited > 0),
        (
            "prohibited_percent",
            Shown::Percent(e.prohibited_percent),
            false,
        ),
        ("unassessed", Shown::Count(e.unassessed), false),
        (
            "past_deadline",
            Shown::Count(e.past_deadline),
            e.past_deadline > 0,
        ),
        ("near_deadline", Shown::Count(e.near_deadline), false),
    ];
    for (field, v, hot) in cells {
        write!(
            o,
            "<td class=\"num{}\" data-key=\"{prefix}.{field}\" data-value=\"{}\">{}</td>",
            if hot { " hot" } else { "" },
            v.plain(),
            v.text()
        )?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// 2. Vendor share per domain

fn slices_of(op: &OperatorExposure, d: Dimension) -> Vec<(usize, &Slice)> {
    op.slices
        .iter()
        .enumerate()
        .filter(|(_, s)| s.dimension == d)
        .collect()
}

fn vendor_shares(o: &mut String, r: &NetworkReport, cx: &Context) -> fmt::Result {
    o.push_str(
        "<p class=\"lead\">Each bar is a domain of the operator's network, split by vendor in \
         proportion to elements. Hatched red: the vendor's prohibited elements. HHI is the \
         Herfindahl–Hirschman index of the vendor shares (10,000: a single vendor).</p>\n",
    );
    if r.operators.is_empty() {
        o.push_str("<p class=\"muted\">No operators in the inventory.</p>\n");
    }
    for (i, op) in r.operators.iter().enumerate() {
        writeln!(o, "<h3 id=\"vendor-shares-{i}\">{}</h3>", Esc(&op.operator))?;
        let domains = slices_of(op, Dimension::Domain);
        if domains.is_empty() {
            o.push_str("<p class=\"muted\">No domain slices.</p>\n");
            continue;
        }
        o.push_str("<figure class=\"chart\">\n");
        share_chart(o, i, op, &domains, cx)?;
        // The legend: the vendors of this operator's domains, in colour order.
        let mut seen: BTreeMap<usize, (&str, &str, bool)> = BTreeMap::new();
        for (_, s) in &domains {
            for v in &s.vendors {
                let idx = cx.vendor_colour.get(&v.vendor).copied().unwrap_or(0);
                seen.entry(idx)
                    .or_insert((&v.vendor, &v.vendor_name, v.known));
            }
        }
        o.push_str("<figcaption><ul class=\"legend\">");
        for (vendor, name, known) in seen.values() {
            write!(
                o,
                "<li data-vendor=\"{}\"><span class=\"swatch\" style=\"background:{}\"></span>{}{}</li>",
                Esc(vendor),
                cx.colour(vendor).0,
                Esc(name),
                if *known { "" } else { " <em>(no dossier)</em>" }
            )?;
        }
        o.push_str(
            "<li><span class=\"swatch hatch\"></span>prohibited elements</li></ul></figcaption>\n",
        );
        o.push_str("</figure>\n");
    }
    Ok(())
}

fn share_chart(
    o: &mut String,
    i: usize,
    op: &OperatorExposure,
    domains: &[(usize, &Slice)],
    cx: &Context,
) -> fmt::Result {
    const LABEL_RIGHT: f64 = 112.0;
    const BAR_X: f64 = 124.0;
    const BAR_W: f64 = 560.0;
    const TOP: f64 = 30.0;
    const ROW: f64 = 44.0;
    const BAR_H: f64 = 24.0;
    let width = 960.0;
    let height = TOP + ROW * domains.len() as f64 + 6.0;
    let bottom = TOP + ROW * domains.len() as f64;
    writeln!(
        o,
        "<svg class=\"chart\" viewBox=\"0 0 {width} {height}\" \
         width=\"{width}\" height=\"{height}\" role=\"img\" aria-labelledby=\"shares-title-{i}\">\
         <title id=\"shares-title-{i}\">Vendor share per domain: {}</title>",
        Esc(&op.operator)
    )?;
    writeln!(
        o,
        "<defs><pattern id=\"hatch-{i}\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" \
         patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#ffffff\" \
         fill-opacity=\"0.35\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"{RED}\" \
         stroke-width=\"3\"/></pattern></defs>"
    )?;
    for p in [0u32, 25, 50, 75, 100] {
        let x = BAR_X + BAR_W * f64::from(p) / 100.0;
        write!(
            o,
            "<line x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{x:.1}\" y2=\"{bottom:.1}\" stroke=\"{RULE}\" \
             stroke-dasharray=\"2 3\"/><text x=\"{x:.1}\" y=\"16\" text-anchor=\"middle\" \
             class=\"axis\">{p}%</text>",
            TOP - 6.0
        )?;
    }
    o.push_str(
        "<text x=\"780\" y=\"16\" text-anchor=\"end\" class=\"axis\">Elements</text>\
         <text x=\"850\" y=\"16\" text-anchor=\"end\" class=\"axis\">HHI</text>\
         <text x=\"868\" y=\"16\" class=\"axis\">Diversity</text>\n",
    );
    for (row, (j, s)) in domains.iter().enumerate() {
        let y = TOP + ROW * row as f64 + (ROW - BAR_H) / 2.0;
        let mid = y + BAR_H / 2.0 + 4.0;
        write!(
            o,
            "<g class=\"slice\" data-slice=\"{}\"><text x=\"{LABEL_RIGHT}\" y=\"{mid:.1}\" \
             text-anchor=\"end\" class=\"label\"><title>{}</title>{}</text>",
            Esc(&s.key),
            Esc(&s.key),
            Esc(&truncate(&s.key, 15))
        )?;
        let sum: u64 = s.vendors.iter().map(|v| v.elements).sum();
        if sum == 0 {
            write!(
                o,
                "<rect x=\"{BAR_X}\" y=\"{y:.1}\" width=\"{BAR_W}\" height=\"{BAR_H}\" \
                 fill=\"#f5f6f8\" stroke=\"{RULE}\"/><text x=\"{:.1}\" y=\"{mid:.1}\" \
                 class=\"axis\">no elements</text>",
                BAR_X + 8.0
            )?;
        }
        let mut cum = 0u64;
        let mut outlines = String::new();
        for (k, v) in s.vendors.iter().enumerate() {
            if sum == 0 || v.elements == 0 {
                continue;
            }
            let x = BAR_X + BAR_W * cum as f64 / sum as f64;
            let w = BAR_W * v.elements as f64 / sum as f64;
            cum += v.elements;
            let (fill, ink) = cx.colour(&v.vendor);
            write!(
                o,
                "<rect x=\"{x:.2}\" y=\"{y:.1}\" width=\"{w:.2}\" height=\"{BAR_H}\" fill=\"{fill}\" \
                 stroke=\"#ffffff\" stroke-width=\"1\" data-key=\"operators.{i}.slices.{j}.vendors.{k}.elements\" \
                 data-value=\"{}\" data-vendor=\"{}\" data-elements=\"{}\" data-prohibited=\"{}\" \
                 data-conditional=\"{}\"><title>{} in {}: {} elements ({} of the slice); {} prohibited, \
                 {} conditional</title></rect>",
                v.elements,
                Esc(&v.vendor),
                v.elements,
                v.prohibited,
                v.conditional,
                Esc(&v.vendor_name),
                Esc(&s.key),
                Int(v.elements),
                Shown::Percent(v.share_percent).text(),
                Int(v.prohibited),
                Int(v.conditional),
            )?;
            if v.prohibited > 0 {
                let pw = w * (v.prohibited.min(v.elements) as f64) / v.elements as f64;
                write!(
                    o,
                    "<rect x=\"{x:.2}\" y=\"{y:.1}\" width=\"{pw:.2}\" height=\"{BAR_H}\" \
                     fill=\"url(#hatch-{i})\" data-vendor=\"{}\" data-prohibited=\"{}\">\
                     <title>{} in {}: {} prohibited elements</title></rect>",
                    Esc(&v.vendor),
                    v.prohibited,
                    Esc(&v.vendor_name),
                    Esc(&s.key),
                    Int(v.prohibited)
                )?;
                write!(
                    outlines,
                    "<rect x=\"{:.2}\" y=\"{:.1}\" width=\"{:.2}\" height=\"{:.1}\" fill=\"none\" \
                     stroke=\"{RED}\" stroke-width=\"2\"/>",
                    x + 1.0,
                    y + 1.0,
                    (w - 2.0).max(0.5),
                    BAR_H - 2.0
                )?;
            }
            if w >= 46.0 {
                write!(
                    o,
                    "<text x=\"{:.1}\" y=\"{mid:.1}\" text-anchor=\"middle\" fill=\"{ink}\" \
                     class=\"inbar{}\">{}</text>",
                    x + w / 2.0,
                    if v.prohibited > 0 { " halo" } else { "" },
                    Shown::Percent(v.share_percent).text()
                )?;
            }
        }
        o.push_str(&outlines);
        write!(
            o,
            "<text x=\"780\" y=\"{mid:.1}\" text-anchor=\"end\" \
             data-key=\"operators.{i}.slices.{j}.exposure.elements\" \
             data-value=\"{}\">{}</text><text x=\"850\" y=\"{mid:.1}\" text-anchor=\"end\" \
             data-key=\"operators.{i}.slices.{j}.hhi\" data-value=\"{}\">{}</text>",
            s.exposure.elements,
            Int(s.exposure.elements),
            plain_f64(s.hhi),
            Shown::Index(s.hhi).text()
        )?;
        if let Some(single) = &s.single_vendor {
            write!(
                o,
                "<text x=\"868\" y=\"{mid:.1}\" class=\"flag\" data-single-vendor=\"{}\">\
                 <title>Every element of {} is supplied by {}</title>single vendor</text>",
                Esc(single),
                Esc(&s.key),
                Esc(cx.vendor(single))
            )?;
        }
        o.push_str("</g>\n");
    }
    o.push_str("</svg>\n");
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// 3. Exposure by region

fn regions(o: &mut String, r: &NetworkReport) -> fmt::Result {
    o.push_str(
        "<p class=\"lead\">Elements per region, by what the catalogue says of them.</p>\n\
         <ul class=\"legend\">",
    );
    for (label, colour) in status_colours() {
        write!(
            o,
            "<li><span class=\"swatch\" style=\"background:{colour}\"></span>{label}</li>"
        )?;
    }
    o.push_str("</ul>\n");
    if r.operators.is_empty() {
        o.push_str("<p class=\"muted\">No operators in the inventory.</p>\n");
    }
    for (i, op) in r.operators.iter().enumerate() {
        writeln!(o, "<h3 id=\"regions-{i}\">{}</h3>", Esc(&op.operator))?;
        let regions = slices_of(op, Dimension::Region);
        if regions.is_empty() {
            o.push_str("<p class=\"muted\">No region slices.</p>\n");
            continue;
        }
        o.push_str("<figure class=\"chart\">\n");
        region_chart(o, i, op, &regions)?;
        o.push_str("</figure>\n");
    }
    Ok(())
}

fn status_colours() -> [(&'static str, &'static str); 4] {
    [
        ("prohibited", RED),
        ("conditional", AMBER),
        ("allowed", GREEN),
        ("unassessed", GREY),
    ]
}

fn region_chart(
    o: &mut String,
    i: usize,
    op: &OperatorExposure,
    regions: &[(usize, &Slice)],
) -> fmt::Result {
    const LABEL_RIGHT: f64 = 168.0;
    const BAR_X: f64 = 180.0;
    const BAR_W: f64 = 600.0;
    const TOP: f64 = 30.0;
    const ROW: f64 = 26.0;
    const BAR_H: f64 = 16.0;
    let total = |s: &Slice| {
        let e = &s.exposure;
        (e.prohibited + e.conditional + e.allowed + e.unassessed).max(e.elements)
    };
    let max = regions.iter().map(|(_, s)| total(s)).max().unwrap_or(0);
    let (step, axis_max) = nice_axis(max);
    let width = 960.0;
    let bottom = TOP + ROW * regions.len() as f64;
    let height = bottom + 6.0;
    writeln!(
        o,
        "<svg class=\"chart\" viewBox=\"0 0 {width} {height}\" \
         width=\"{width}\" height=\"{height}\" role=\"img\" aria-labelledby=\"regions-title-{i}\">\
         <title id=\"regions-title-{i}\">Exposure by region: {}</title>",
        Esc(&op.operator)
    )?;
    let mut tick = 0;
    while tick <= axis_max {
        let x = BAR_X + BAR_W * tick as f64 / axis_max as f64;
        write!(
            o,
            "<line x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{x:.1}\" y2=\"{bottom:.1}\" stroke=\"{RULE}\" \
             stroke-dasharray=\"2 3\"/><text x=\"{x:.1}\" y=\"16\" text-anchor=\"middle\" \
             class=\"axis\">{}</text>",
            TOP - 6.0,
            Int(tick)
        )?;
        tick += step;
    }
    o.push('\n');
    for (row, (j, s)) in regions.iter().enumerate() {
        let y = TOP + ROW * row as f64 + (ROW - BAR_H) / 2.0;
        let mid = y + BAR_H / 2.0 + 4.0;
        let e = &s.exposure;
        write!(
            o,
            "<g class=\"slice\" data-slice=\"{}\"><text x=\"{LABEL_RIGHT}\" y=\"{mid:.1}\" \
             text-anchor=\"end\" class=\"label\"><title>{}</title>{}</text>",
            Esc(&s.key),
            Esc(&s.key),
            Esc(&truncate(&s.key, 24))
        )?;
        let mut x = BAR_X;
        let parts = [
            ("prohibited", e.prohibited, RED),
            ("conditional", e.conditional, AMBER),
            ("allowed", e.allowed, GREEN),
            ("unassessed", e.unassessed, GREY),
        ];
        for (status, n, colour) in parts {
            if n == 0 {
                continue;
            }
            let w = BAR_W * n as f64 / axis_max as f64;
            write!(
                o,
                "<rect x=\"{x:.2}\" y=\"{y:.1}\" width=\"{w:.2}\" height=\"{BAR_H}\" fill=\"{colour}\" \
                 data-key=\"operators.{i}.slices.{j}.exposure.{status}\" data-value=\"{n}\" \
                 data-status=\"{status}\" data-elements=\"{n}\"><title>{}: {} {status} of {} \
                 elements</title></rect>",
                Esc(&s.key),
                Int(n),
                Int(e.elements)
            )?;
            x += w;
        }
        write!(
            o,
            "<text x=\"{:.1}\" y=\"{mid:.1}\" class=\"value\"><tspan \
             data-key=\"operators.{i}.slices.{j}.exposure.elements\" data-value=\"{}\">{}</tspan>",
            x + 6.0,
            e.elements,
            Int(e.elements)
        )?;
        if e.prohibited > 0 {
            write!(
                o,
                "<tspan class=\"hot\"> · {} prohibited</tspan>",
                Shown::Percent(e.prohibited_percent).text()
            )?;
        }
        o.push_str("</text>");
        o.push_str("</g>\n");
    }
    o.push_str("</svg>\n");
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// 4. Functions

fn functions(o: &mut String, r: &NetworkReport, cx: &Context) -> fmt::Result {
    if r.operators.is_empty() {
        o.push_str("<p class=\"muted\">No operators in the inventory.</p>\n");
    }
    for (i, op) in r.operators.iter().enumerate() {
        writeln!(o, "<h3 id=\"functions-{i}\">{}</h3>", Esc(&op.operator))?;
        let slices = slices_of(op, Dimension::Function);
        if slices.is_empty() {
            o.push_str("<p class=\"muted\">No function slices.</p>\n");
            continue;
        }
        o.push_str(
            "<div class=\"scroll\"><table class=\"data\">\n<thead><tr><th>Function</th>\
             <th class=\"num\">Elements</th><th>Vendors (share of elements)</th>\
             <th class=\"num\">HHI</th><th class=\"num\">Prohibited</th>\
             <th class=\"num\">Conditional</th><th class=\"num\">Past deadline</th>\
             <th class=\"num\">Near deadline</th><th>Diversity</th></tr></thead>\n<tbody>\n",
        );
        for (j, s) in slices {
            let e = &s.exposure;
            let p = format!("operators.{i}.slices.{j}");
            write!(
                o,
                "<tr><th scope=\"row\"><code>{}</code></th>{}<td><ul class=\"shares\">",
                Esc(&s.key),
                keyed(
                    "td",
                    &format!("{p}.exposure.elements"),
                    Shown::Count(e.elements),
                    ""
                )
            )?;
            for (k, v) in s.vendors.iter().enumerate() {
                write!(
                    o,
                    "<li data-vendor=\"{}\"><span class=\"swatch\" style=\"background:{}\"></span>{}{} {}",
                    Esc(&v.vendor),
                    cx.colour(&v.vendor).0,
                    Esc(&v.vendor_name),
                    if v.known {
                        ""
                    } else {
                        " <em>(no dossier)</em>"
                    },
                    keyed(
                        "span",
                        &format!("{p}.vendors.{k}.share_percent"),
                        Shown::Percent(v.share_percent),
                        ""
                    )
                )?;
                if v.prohibited > 0 {
                    write!(
                        o,
                        " <span class=\"hot\">({} prohibited)</span>",
                        keyed(
                            "span",
                            &format!("{p}.vendors.{k}.prohibited"),
                            Shown::Count(v.prohibited),
                            ""
                        )
                    )?;
                }
                o.push_str("</li>");
            }
            o.push_str("</ul></td>");
            let hot = |n: u64| if n > 0 { " hot" } else { "" };
            write!(
                o,
                "{}<td class=\"num{}\" data-key=\"{p}.exposure.prohibited\" data-value=\"{}\">{}</td>{}\
                 <td class=\"num{}\" data-key=\"{p}.exposure.past_deadline\" data-value=\"{}\">{}</td>{}",
                keyed("td", &format!("{p}.hhi"), Shown::Index(s.hhi), ""),
                hot(e.prohibited),
                e.prohibited,
                Int(e.prohibited),
                keyed(
                    "td",
                    &format!("{p}.exposure.conditional"),
                    Shown::Count(e.conditional),
                    ""
                ),
                hot(e.past_deadline),
                e.past_deadline,
                Int(e.past_deadline),
                keyed(
                    "td",
                    &format!("{p}.exposure.near_deadline"),
                    Shown::Count(e.near_deadline),
                    ""
                ),
            )?;
            match &s.single_vendor {
                Some(v) => write!(
                    o,
                    "<td><span class=\"badge amber\" data-single-vendor=\"{}\">single vendor</span> {}</td>",
                    Esc(v),
                    Esc(cx.vendor(v))
                )?,
                None => o.push_str("<td></td>"),
            }
            o.push_str("</tr>\n");
        }
        o.push_str("</tbody>\n</table></div>\n");
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// 5. Replacement plan

fn plan(o: &mut String, r: &NetworkReport, p: &Plan, cx: &Context) -> fmt::Result {
    let optimal = p.feasible && p.total_cost == p.lower_bound;
    o.push_str("<div class=\"plan-summary\">\n<dl class=\"facts\">\n");
    writeln!(
        o,
        "<div><dt>Feasible</dt><dd><span class=\"badge {}\" data-key=\"plan.feasible\" \
         data-value=\"{}\">{}</span> <span class=\"muted\">{}</span></dd></div>",
        if p.feasible { "green" } else { "red" },
        p.feasible,
        if p.feasible { "feasible" } else { "infeasible" },
        if p.feasible {
            "every deadline met"
        } else {
            "deadlines cannot all be met"
        }
    )?;
    writeln!(
        o,
        "<div><dt>Schedule</dt><dd>{} to {}</dd></div>",
        p.start, p.end
    )?;
    writeln!(
        o,
        "<div><dt>Elements to replace</dt><dd>{}</dd></div>",
        keyed("span", "plan.elements", Shown::Count(p.elements), "")
    )?;
    writeln!(
        o,
        "<div><dt>Overdue</dt><dd>{} <span class=\"muted\">(due before {})</span></dd></div>",
        keyed("span", "plan.overdue", Shown::Count(p.overdue), ""),
        p.start
    )?;
    writeln!(
        o,
        "<div><dt>Total cost</dt><dd>{}{}</dd></div>",
        keyed("span", "plan.total_cost", Shown::Money(p.total_cost), ""),
        if p.feasible {
            ""
        } else {
            " <span class=\"muted\">(no feasible schedule)</span>"
        }
    )?;
    writeln!(
        o,
        "<div><dt>Lower bound</dt><dd>{}{}</dd></div>",
        keyed("span", "plan.lower_bound", Shown::Money(p.lower_bound), ""),
        if optimal {
            " <span class=\"muted\">(optimal)</span>"
        } else {
            ""
        }
    )?;
    o.push_str("</dl>\n</div>\n");

    if !p.feasible {
        writeln!(
            o,
            "<div class=\"alert\" id=\"shortfalls\" role=\"alert\"><h3>Infeasible: {} shortfall{}</h3>",
            Int(p.shortfalls.len() as u64),
            if p.shortfalls.len() == 1 { "" } else { "s" }
        )?;
        if p.shortfalls.is_empty() {
            o.push_str("<p>The planner found no feasible schedule and named no shortfall.</p>");
        } else {
            o.push_str(
                "<table class=\"data\"><thead><tr><th>Operator</th><th>Resource</th><th>By</th>\
                 <th class=\"num\">Needed</th><th class=\"num\">Available</th>\
                 <th class=\"num\">Short by</th><th>What is short</th></tr></thead><tbody>\n",
            );
            for (k, s) in p.shortfalls.iter().enumerate() {
                let shown = |v: f64| {
                    if s.resource == "budget" {
                        Shown::Money(v)
                    } else {
                        Shown::Factor(v)
                    }
                };
                writeln!(
                    o,
                    "<tr><td>{}</td><td><code>{}</code></td><td class=\"date\">{}</td>{}{}<td class=\"num hot\">{}</td><td>{}</td></tr>",
                    Esc(&s.operator),
                    Esc(&s.resource),
                    s.by.map(|q| q.to_string()).unwrap_or_default(),
                    keyed(
                        "td",
                        &format!("plan.shortfalls.{k}.needed"),
                        shown(s.needed),
                        ""
                    ),
                    keyed(
                        "td",
                        &format!("plan.shortfalls.{k}.available"),
                        shown(s.available),
                        ""
                    ),
                    shown((s.needed - s.available).max(0.0)).text(),
                    Esc(&s.message)
                )?;
            }
            o.push_str("</tbody></table>\n");
        }
        o.push_str("</div>\n");
    }

    o.push_str("<h3>Elements replaced per quarter</h3>\n");
    let axis = quarter_axis(p);
    if axis.is_empty() || p.quarters.iter().all(|q| q.elements == 0) {
        o.push_str("<p class=\"muted\">No replacement is scheduled.</p>\n");
        let deadlines = deadlines(r, p);
        if !deadlines.is_empty() {
            o.push_str("<p>Deadlines to meet:</p>\n<ul class=\"deadlines\">");
            for (d, (_, prohibited)) in &deadlines {
                write!(
                    o,
                    "<li data-deadline=\"{d}\"><strong>{d}</strong>: {} elements of prohibited \
                     classes</li>",
                    Int(*prohibited)
                )?;
            }
            o.push_str("</ul>\n");
        }
    } else {
        o.push_str("<figure class=\"chart\">\n");
        timeline_chart(o, r, p, &axis, cx)?;
        o.push_str("<figcaption><ul class=\"legend\">");
        let mut ops: Vec<(&str, usize)> = cx
            .operator_colour
            .iter()
            .filter(|(name, _)| p.quarters.iter().any(|q| &q.operator == *name))
            .map(|(name, idx)| (name.as_str(), *idx))
            .collect();
        ops.sort_by_key(|(_, idx)| *idx);
        for (name, _) in ops {
            write!(
                o,
                "<li><span class=\"swatch\" style=\"background:{}\"></span>{}</li>",
                cx.operator_colour(name),
                Esc(name)
            )?;
        }
        o.push_str(
            "<li><span class=\"swatch deadline\"></span>deadline</li></ul></figcaption>\n</figure>\n",
        );
    }

    o.push_str("<h3>Steps</h3>\n");
    if p.steps.is_empty() {
        o.push_str("<p class=\"muted\">No steps.</p>\n");
    } else {
        o.push_str(
            "<div class=\"scroll\"><table class=\"data\">\n<thead><tr><th>Quarter</th><th>Operator</th>\
             <th>Role</th><th>Replacement</th><th class=\"num\">Elements</th>\
             <th class=\"num\">Cost</th><th>Deadline</th></tr></thead>\n<tbody>\n",
        );
        for (k, s) in p.steps.iter().enumerate().take(MAX_STEP_ROWS) {
            writeln!(
                o,
                "<tr><td class=\"date\">{}</td><td>{}</td><td><code>{}</code></td><td>{} → {}</td>{}{}<td class=\"date\">{}</td></tr>",
                s.quarter,
                Esc(&s.operator),
                s.role,
                Esc(cx.vendor(&s.from_vendor)),
                Esc(cx.vendor(&s.to_vendor)),
                keyed(
                    "td",
                    &format!("plan.steps.{k}.elements"),
                    Shown::Count(s.elements),
                    ""
                ),
                keyed(
                    "td",
                    &format!("plan.steps.{k}.cost"),
                    Shown::Money(s.cost),
                    ""
                ),
                s.deadline
            )?;
        }
        o.push_str("</tbody>\n</table></div>\n");
        if p.steps.len() > MAX_STEP_ROWS {
            writeln!(
                o,
                "<p class=\"note\" data-omitted-steps=\"{}\">{} more steps in the JSON.</p>",
                p.steps.len() - MAX_STEP_ROWS,
                Int((p.steps.len() - MAX_STEP_ROWS) as u64)
            )?;
        }
    }
    assumptions(o, p)
}

fn assumptions(o: &mut String, p: &Plan) -> fmt::Result {
    let a = &p.assumptions;
    o.push_str("<h3>Assumptions</h3>\n<div class=\"columns\">\n");
    o.push_str("<div><h4>Capacity per quarter</h4>");
    if a.capacities.is_empty() {
        o.push_str("<p class=\"muted\">Unbounded.</p>");
    } else {
        o.push_str(
            "<table class=\"data\"><thead><tr><th>Operator</th><th class=\"num\">Elements</th>\
             <th class=\"num\">Budget</th></tr></thead><tbody>",
        );
        for c in &a.capacities {
            write!(
                o,
                "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                Esc(&c.operator),
                c.elements_per_quarter
                    .map_or("unbounded".to_owned(), |n| Int(n).to_string()),
                c.budget_per_quarter
                    .map_or("unbounded".to_owned(), |b| Shown::Money(b).text())
            )?;
        }
        o.push_str("</tbody></table>");
    }
    o.push_str("</div>\n<div><h4>Replacement vendors</h4>");
    if a.replacements.is_empty() {
        o.push_str("<p class=\"muted\">None given.</p>");
    } else {
        o.push_str(
            "<table class=\"data\"><thead><tr><th>Role</th><th>Vendor</th>\
             <th class=\"num\">Price factor</th></tr></thead><tbody>",
        );
        for rep in &a.replacements {
            write!(
                o,
                "<tr><td><code>{}</code></td><td>{}</td><td class=\"num\">{}</td></tr>",
                rep.role,
                Esc(&rep.vendor),
                Shown::Factor(rep.price_factor).text()
            )?;
        }
        o.push_str("</tbody></table>");
    }
    o.push_str("</div>\n<div><h4>Default cost per element</h4>");
    if a.default_costs.is_empty() {
        o.push_str("<p class=\"muted\">None given.</p>");
    } else {
        o.push_str(
            "<table class=\"data\"><thead><tr><th>Function</th><th class=\"num\">Cost</th></tr>\
             </thead><tbody>",
        );
        for c in &a.default_costs {
            write!(
                o,
                "<tr><td><code>{}</code></td><td class=\"num\">{}</td></tr>",
                c.function,
                Shown::Money(c.cost).text()
            )?;
        }
        o.push_str("</tbody></table>");
    }
    if let Some(max) = a.max_vendor_share_percent {
        write!(
            o,
            "<p>No vendor may hold more than {} of an operator's domain after replacement.</p>",
            Shown::Percent(max).text()
        )?;
    }
    o.push_str("</div>\n</div>\n");
    Ok(())
}

/// Every quarter from the plan's start to its end, and any other quarter the plan uses.
fn quarter_axis(p: &Plan) -> Vec<Quarter> {
    // More than 50 years of quarters is not a schedule anyone draws.
    const MAX_SPAN: i64 = 200;
    let mut set = BTreeSet::new();
    let span = p.start.until(p.end);
    if (0..=MAX_SPAN).contains(&span) {
        for n in 0..=span {
            set.insert(p.start.plus(n as u32));
        }
    }
    set.extend(p.quarters.iter().map(|q| q.quarter));
    set.extend(p.steps.iter().map(|s| s.quarter));
    set.into_iter().collect()
}

fn timeline_chart(
    o: &mut String,
    r: &NetworkReport,
    p: &Plan,
    axis: &[Quarter],
    cx: &Context,
) -> fmt::Result {
    const LEFT: f64 = 72.0;
    const RIGHT: f64 = 944.0;
    const TOP: f64 = 46.0;
    const BOTTOM: f64 = 266.0;
    let width = 960.0;
    let height = 300.0;
    let band = (RIGHT - LEFT) / axis.len() as f64;
    let index: BTreeMap<Quarter, usize> = axis.iter().enumerate().map(|(i, q)| (*q, i)).collect();

    // Per quarter, the loads stacked in operator order.
    let mut stacks: BTreeMap<Quarter, Vec<(usize, usize)>> = BTreeMap::new();
    for (k, q) in p.quarters.iter().enumerate() {
        if q.elements > 0 {
            let order = cx.operator_colour.get(&q.operator).copied().unwrap_or(0);
            stacks.entry(q.quarter).or_default().push((order, k));
        }
    }
    for loads in stacks.values_mut() {
        loads.sort();
    }
    let max = stacks
        .values()
        .map(|loads| {
            loads
                .iter()
                .map(|(_, k)| p.quarters[*k].elements)
                .sum::<u64>()
        })
        .max()
        .unwrap_or(0);
    let (step, axis_max) = nice_axis(max);
    let y_of = |n: u64| BOTTOM - (BOTTOM - TOP) * n as f64 / axis_max as f64;

    o.push_str(&format!(
        "<svg class=\"chart\" viewBox=\"0 0 {width} {height}\" \
         width=\"{width}\" height=\"{height}\" role=\"img\" aria-labelledby=\"timeline-title\">\
         <title id=\"timeline-title\">Elements replaced per quarter, {} to {}</title>\n",
        p.start, p.end
    ));
    let mut tick = 0;
    while tick <= axis_max {
        let y = y_of(tick);
        write!(
            o,
            "<line x1=\"{LEFT}\" y1=\"{y:.1}\" x2=\"{RIGHT}\" y2=\"{y:.1}\" stroke=\"{RULE}\" \
             stroke-dasharray=\"2 3\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" \
             class=\"axis\">{}</text>",
            LEFT - 6.0,
            y + 4.0,
            Int(tick)
        )?;
        tick += step;
    }
    writeln!(
        o,
        "<text x=\"14\" y=\"{:.1}\" class=\"axis\" transform=\"rotate(-90 14 {:.1})\" \
         text-anchor=\"middle\">elements</text>",
        (TOP + BOTTOM) / 2.0,
        (TOP + BOTTOM) / 2.0
    )?;
    // Quarter labels: as many as fit, always the first.
    let every = (56.0 / band).ceil().max(1.0) as usize;
    for (n, q) in axis.iter().enumerate() {
        let x = LEFT + band * (n as f64 + 0.5);
        if n % every == 0 {
            write!(
                o,
                "<text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\" class=\"axis\">{q}</text>",
                BOTTOM + 16.0
            )?;
        }
    }
    o.push('\n');
    let bar_w = (band * 0.7).max(1.0);
    for (q, loads) in &stacks {
        let Some(n) = index.get(q) else { continue };
        let x = LEFT + band * *n as f64 + (band - bar_w) / 2.0;
        let mut below = 0u64;
        for (_, k) in loads {
            let load = &p.quarters[*k];
            let y1 = y_of(below);
            let y0 = y_of(below + load.elements);
            below += load.elements;
            let limits = match (load.crew_capacity, load.budget) {
                (Some(c), Some(b)) => format!(
                    "; capacity {} elements, budget {}",
                    Int(c),
                    Shown::Money(b).text()
                ),
                (Some(c), None) => format!("; capacity {} elements", Int(c)),
                (None, Some(b)) => format!("; budget {}", Shown::Money(b).text()),
                (None, None) => String::new(),
            };
            write!(
                o,
                "<rect x=\"{x:.2}\" y=\"{y0:.2}\" width=\"{bar_w:.2}\" height=\"{:.2}\" fill=\"{}\" \
                 stroke=\"#ffffff\" stroke-width=\"0.5\" data-key=\"plan.quarters.{k}.elements\" \
                 data-value=\"{}\" data-operator=\"{}\" data-quarter=\"{q}\" data-elements=\"{}\">\
                 <title>{q}, {}: {} elements, cost {}{}</title></rect>",
                y1 - y0,
                cx.operator_colour(&load.operator),
                load.elements,
                Esc(&load.operator),
                load.elements,
                Esc(&load.operator),
                Int(load.elements),
                Shown::Money(load.cost).text(),
                Esc(&limits)
            )?;
        }
    }
    o.push('\n');

    let deadlines = deadlines(r, p);
    let (first, last) = (axis[0], axis[axis.len() - 1]);
    for (n, (d, (scheduled, prohibited))) in deadlines.iter().enumerate() {
        let q = Quarter::of(*d);
        let x = if q < first {
            LEFT
        } else if q > last {
            RIGHT
        } else {
            let at = index.get(&q).copied().unwrap_or(0) as f64;
            LEFT + band * (at + fraction_of_quarter(*d))
        };
        let label_y = if n % 2 == 0 { 16.0 } else { 32.0 };
        let anchor = if x < LEFT + 40.0 {
            "start"
        } else if x > RIGHT - 40.0 {
            "end"
        } else {
            "middle"
        };
        let when = if q < first {
            " (before the schedule)"
        } else if q > last {
            " (after the schedule)"
        } else {
            ""
        };
        write!(
            o,
            "<g class=\"deadline\" data-deadline=\"{d}\"><title>Deadline {d}{when}: {} elements \
             scheduled against it; {} elements of prohibited classes</title>\
             <line x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{x:.1}\" y2=\"{BOTTOM}\" stroke=\"{RED}\" \
             stroke-width=\"1.5\" stroke-dasharray=\"5 3\"/><text x=\"{x:.1}\" y=\"{label_y}\" \
             text-anchor=\"{anchor}\" class=\"flag\">{d}</text></g>",
            Int(*scheduled),
            Int(*prohibited),
            label_y + 4.0
        )?;
    }
    write!(
        o,
        "<line x1=\"{LEFT}\" y1=\"{BOTTOM}\" x2=\"{RIGHT}\" y2=\"{BOTTOM}\" stroke=\"{INK}\"/>\n</svg>\n"
    )
}

/// The deadlines the steps must meet and those of the prohibited classes: per date, elements
/// scheduled against it and elements of prohibited classes.
fn deadlines(r: &NetworkReport, p: &Plan) -> BTreeMap<Date, (u64, u64)> {
    let mut deadlines: BTreeMap<Date, (u64, u64)> = BTreeMap::new();
    for s in &p.steps {
        deadlines.entry(s.deadline).or_default().0 += s.elements;
    }
    for v in &r.verdicts {
        if let (Decision::Prohibit, Some(d)) = (v.decision, v.deadline) {
            deadlines.entry(d).or_default().1 += v.elements;
        }
    }
    deadlines
}

/// How far into its quarter a date falls, 0–1.
fn fraction_of_quarter(d: Date) -> f64 {
    let month_in_quarter = f64::from((d.month - 1) % 3);
    (month_in_quarter + f64::from(d.day.saturating_sub(1)) / 31.0) / 3.0
}

// ---------------------------------------------------------------------------------------------
// 6. Verdicts

fn decision_badge(d: Decision) -> (&'static str, &'static str) {
    match d {
        Decision::Allow => ("green", "allowed"),
        Decision::AllowWithConditions => ("amber", "allowed with conditions"),
        Decision::Prohibit => ("red", "prohibited"),
    }
}

fn status_badge(s: Status) -> &'static str {
    match s {
        Status::Pass => "green",
        Status::Fail => "red",
        Status::NotApplicable => "grey",
        Status::Unknown => "amber",
    }
}

fn verdicts(o: &mut String, r: &NetworkReport, cx: &Context) -> fmt::Result {
    let count = |d: Decision| r.verdicts.iter().filter(|v| v.decision == d).count() as u64;
    writeln!(
        o,
        "<p class=\"lead\">Each product record the inventory uses, in each role it is used in: \
         {} prohibited, {} allowed with conditions, {} allowed.</p>",
        Int(count(Decision::Prohibit)),
        Int(count(Decision::AllowWithConditions)),
        Int(count(Decision::Allow))
    )?;
    if r.verdicts.is_empty() {
        o.push_str("<p class=\"muted\">No verdicts.</p>\n");
        return Ok(());
    }
    o.push_str(
        "<div class=\"scroll\"><table class=\"data verdicts\">\n<thead><tr><th>Product</th>\
         <th>Role</th><th>Decision</th><th>Deadline</th><th>Legal basis</th>\
         <th class=\"num\">Elements</th></tr></thead>\n",
    );
    for (k, v) in r.verdicts.iter().enumerate() {
        let anchor = cx
            .verdict_anchor
            .get(&(v.product.id.clone(), v.role))
            .cloned()
            .unwrap_or_else(|| format!("verdict-{k}"));
        let (class, label) = decision_badge(v.decision);
        write!(
            o,
            "<tbody class=\"verdict\"><tr id=\"{anchor}\" class=\"head\"><td><strong>{}</strong> {}\
             <div class=\"muted\">{} · <code>{}</code>{}</div></td><td><code>{}</code></td>\
             <td><span class=\"badge {class}\" data-decision=\"{}\">{label}</span></td><td class=\"date\">{}</td><td>",
            Esc(&v.product.name),
            Esc(&v.product.version),
            Esc(&v.product.vendor_name),
            Esc(&v.product.id),
            if v.product.fictional {
                " · <em>fictional record</em>"
            } else {
                ""
            },
            v.role,
            v.decision,
            v.deadline.map(|d| d.to_string()).unwrap_or_default()
        )?;
        join(o, &v.legal_basis, "<br>", |o, l| write!(o, "{}", Esc(l)))?;
        writeln!(
            o,
            "</td>{}</tr>",
            keyed(
                "td",
                &format!("verdicts.{k}.elements"),
                Shown::Count(v.elements),
                ""
            )
        )?;
        let detail = !v.grounds.is_empty()
            || !v.conditions.is_empty()
            || !v.evidence_needed.is_empty()
            || !v.reasons.is_empty();
        if detail {
            o.push_str("<tr class=\"detail\"><td colspan=\"6\">");
            if !v.grounds.is_empty() {
                o.push_str("<div class=\"grounds\"><span class=\"tag\">Grounds</span><ul>");
                for g in &v.grounds {
                    write!(
                        o,
                        "<li><code>{}</code> <span class=\"badge {}\">{}</span> {} \
                         <span class=\"muted\">(effective {})</span></li>",
                        Esc(&g.requirement),
                        status_badge(g.status),
                        g.status,
                        Esc(&g.legal_basis),
                        g.effective
                    )?;
                }
                o.push_str("</ul></div>");
            }
            for (tag, list) in [
                ("Conditions", &v.conditions),
                ("Evidence needed", &v.evidence_needed),
            ] {
                if list.is_empty() {
                    continue;
                }
                write!(
                    o,
                    "<div class=\"grounds\"><span class=\"tag\">{tag}</span><ul>"
                )?;
                for c in list {
                    write!(
                        o,
                        "<li><code>{}</code> {}{}</li>",
                        Esc(&c.requirement),
                        Esc(&c.text),
                        c.deadline
                            .map(|d| format!(" <span class=\"muted\">(by {d})</span>"))
                            .unwrap_or_default()
                    )?;
                }
                o.push_str("</ul></div>");
            }
            if !v.reasons.is_empty() {
                o.push_str("<div class=\"grounds\"><span class=\"tag\">Reasons</span>");
                reasons(o, &v.reasons)?;
                o.push_str("</div>");
            }
            o.push_str("</td></tr>\n");
        }
        o.push_str("</tbody>\n");
    }
    o.push_str("</table></div>\n");
    Ok(())
}

/// Reasons with their evidence references, shown as text: a reference is never followed.
fn reasons(o: &mut String, rs: &[Reason]) -> fmt::Result {
    o.push_str("<ul class=\"reasons\">");
    for reason in rs {
        write!(o, "<li>{}", Esc(&reason.message))?;
        if !reason.evidence.is_empty() {
            o.push_str("<ul class=\"evidence\">");
            for e in &reason.evidence {
                write!(o, "<li><code class=\"evidence\">{}</code></li>", Esc(e))?;
            }
            o.push_str("</ul>");
        }
        o.push_str("</li>");
    }
    o.push_str("</ul>");
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// 7. Share rules

fn share_rules(o: &mut String, r: &NetworkReport, cx: &Context) -> fmt::Result {
    o.push_str(
        "<p class=\"lead\">Requirements on the inventory's shares (caps, diversity) that did not \
         pass, per product and role.</p>\n",
    );
    if r.share_rules.is_empty() {
        o.push_str("<p class=\"muted\">None: every share rule passed.</p>\n");
        return Ok(());
    }
    o.push_str(
        "<div class=\"scroll\"><table class=\"data\">\n<thead><tr><th>Requirement</th>\
         <th>Vendor</th><th>Product</th><th>Role</th><th>Status</th><th>Reasons</th></tr></thead>\n\
         <tbody>\n",
    );
    for s in &r.share_rules {
        write!(
            o,
            "<tr><td><code>{}</code><div class=\"muted\">{}</div></td><td>{}</td><td>",
            Esc(&s.requirement),
            Esc(&s.title),
            Esc(cx.vendor(&s.vendor))
        )?;
        match cx.verdict_anchor.get(&(s.product.clone(), s.role)) {
            Some(anchor) => write!(
                o,
                "<a href=\"#{anchor}\"><code>{}</code></a>",
                Esc(&s.product)
            )?,
            None => write!(o, "<code>{}</code>", Esc(&s.product))?,
        }
        write!(
            o,
            "</td><td><code>{}</code></td><td><span class=\"badge {}\">{}</span></td><td>",
            s.role,
            status_badge(s.status),
            s.status
        )?;
        reasons(o, &s.reasons)?;
        o.push_str("</td></tr>\n");
    }
    o.push_str("</tbody>\n</table></div>\n");
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// 8. Unassessed classes

fn unassessed(o: &mut String, r: &NetworkReport) -> fmt::Result {
    writeln!(
        o,
        "<p class=\"lead\">Inventory classes no product record matched: counted, not dropped. \
         {} elements in all.</p>",
        keyed(
            "span",
            "totals.unassessed",
            Shown::Count(r.totals.unassessed),
            ""
        )
    )?;
    if r.unassessed.is_empty() {
        o.push_str("<p class=\"muted\">None: every class matched a product record.</p>\n");
        return Ok(());
    }
    o.push_str(
        "<div class=\"scroll\"><table class=\"data\">\n<thead><tr><th>Vendor</th><th>Product</th>\
         <th>Version</th><th>Function</th><th class=\"num\">Elements</th></tr></thead>\n<tbody>\n",
    );
    for (k, u) in r.unassessed.iter().enumerate() {
        writeln!(
            o,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td>{}</tr>",
            Esc(&u.vendor),
            Esc(&u.product),
            Esc(&u.version),
            u.function,
            keyed(
                "td",
                &format!("unassessed.{k}.elements"),
                Shown::Count(u.elements),
                ""
            )
        )?;
    }
    o.push_str("</tbody>\n</table></div>\n");
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// 9. Warnings

fn warnings(o: &mut String, r: &NetworkReport) -> fmt::Result {
    if r.warnings.is_empty() {
        o.push_str("<p class=\"muted\">None.</p>\n");
        return Ok(());
    }
    o.push_str("<ul class=\"warnings\">\n");
    for w in &r.warnings {
        writeln!(o, "<li>{}</li>", Esc(w))?;
    }
    o.push_str("</ul>\n");
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Escaping, numbers, small helpers

/// Text escaped for HTML text and double-quoted attribute values (and SVG inside HTML).
/// Control characters and bidirectional overrides, which can hide or reorder what a reader
/// sees, are shown as U+FFFD.
struct Esc<'a>(&'a str);

impl fmt::Display for Esc<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0;
        let mut last = 0;
        for (i, c) in s.char_indices() {
            let replacement = match c {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' => "&quot;",
                '\'' => "&#39;",
                '\n' | '\t' | '\r' => continue,
                c if c.is_control() || is_bidi_control(c) => "\u{FFFD}",
                _ => continue,
            };
            f.write_str(&s[last..i])?;
            f.write_str(replacement)?;
            last = i + c.len_utf8();
        }
        f.write_str(&s[last..])
    }
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// A lowercase ASCII slug for ids: letters and digits, `-` for everything else.
fn slug(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let trimmed = out.trim_matches('-');
    if trimmed.is_empty() {
        "x".to_owned()
    } else {
        trimmed.to_owned()
    }
}

/// At most `max` characters, with `…` when cut (before escaping, so no entity is cut).
fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

fn join<T>(
    o: &mut String,
    items: &[T],
    sep: &str,
    mut each: impl FnMut(&mut String, &T) -> fmt::Result,
) -> fmt::Result {
    for (n, item) in items.iter().enumerate() {
        if n > 0 {
            o.push_str(sep);
        }
        each(o, item)?;
    }
    Ok(())
}

/// A tick step and the axis maximum (a multiple of it) for counts up to `max`.
fn nice_axis(max: u64) -> (u64, u64) {
    if max == 0 {
        return (1, 1);
    }
    let raw = max.div_ceil(5).max(1);
    let mut magnitude = 1u64;
    while magnitude.saturating_mul(10) <= raw {
        magnitude *= 10;
    }
    let step = [1, 2, 5, 10]
        .into_iter()
        .map(|f| f * magnitude)
        .find(|s| *s >= raw)
        .unwrap_or(10 * magnitude);
    (step, max.div_ceil(step) * step)
}

/// An integer with thousands separators.
struct Int(u64);

impl fmt::Display for Int {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&group(&self.0.to_string()))
    }
}

/// A float as the data attribute holds it: Rust's shortest round-trip form, no exponent.
fn plain_f64(v: f64) -> String {
    format!("{v}")
}

/// A number as shown: how it reads to a person, and its plain form for `data-value`.
#[derive(Clone, Copy)]
enum Shown {
    Count(u64),
    /// One decimal and `%`.
    Percent(f64),
    /// Whole units, or two decimals when there are cents.
    Money(f64),
    /// HHI: whole numbers.
    Index(f64),
    /// As precise as it is, up to two decimals.
    Factor(f64),
}

impl Shown {
    fn plain(self) -> String {
        match self {
            Shown::Count(n) => n.to_string(),
            Shown::Percent(f) | Shown::Money(f) | Shown::Index(f) | Shown::Factor(f) => {
                plain_f64(f)
            }
        }
    }

    fn text(self) -> String {
        match self {
            Shown::Count(n) => Int(n).to_string(),
            Shown::Percent(f) => format!("{}%", grouped_f64(f, 1)),
            Shown::Money(f) if f.fract() == 0.0 => grouped_f64(f, 0),
            Shown::Money(f) => grouped_f64(f, 2),
            Shown::Index(f) => grouped_f64(f, 0),
            Shown::Factor(f) if f.fract() == 0.0 => grouped_f64(f, 0),
            Shown::Factor(f) => {
                let s = grouped_f64(f, 2);
                s.trim_end_matches('0').trim_end_matches('.').to_owned()
            }
        }
    }
}

/// An element carrying a key number: `<td class="num" data-key=… data-value=…>1,234</td>`.
fn keyed(tag: &str, key: &str, v: Shown, suffix: &str) -> String {
    let class = if tag == "td" { " class=\"num\"" } else { "" };
    format!(
        "<{tag}{class} data-key=\"{}\" data-value=\"{}\">{}{suffix}</{tag}>",
        Esc(key),
        v.plain(),
        v.text()
    )
}

const CSS: &str = r#":root {
  --ink: #1d2939; --muted: #667085; --rule: #d0d5dd; --soft: #f5f6f8; --accent: #1f3a5f;
  --red: #b42318; --red-soft: #fef3f2; --amber: #b54708; --amber-soft: #fffaeb;
  --green: #2e6b2d; --green-soft: #edf7ed;
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; color: var(--ink); background: #fff;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
header.page { background: var(--accent); color: #fff; }
header.page .wrap, main, footer { max-width: 1200px; margin: 0 auto; padding: 0 32px; }
header.page .wrap { padding-top: 22px; padding-bottom: 20px; }
header.page code { background: rgba(255,255,255,.14); color: #fff; }
.kicker { margin: 0; font-size: 12px; letter-spacing: .08em; text-transform: uppercase; opacity: .8; }
h1 { font-size: 24px; font-weight: 600; margin: 4px 0 14px; }
h2 { font-size: 19px; font-weight: 600; margin: 40px 0 12px; padding-bottom: 6px;
  border-bottom: 2px solid var(--accent); }
h3 { font-size: 15px; font-weight: 600; margin: 22px 0 8px; }
h4 { font-size: 13px; font-weight: 600; margin: 10px 0 6px; color: var(--muted); }
.secno { display: inline-block; min-width: 1.6em; color: var(--muted); font-weight: 500; }
dl.meta { display: grid; grid-template-columns: repeat(auto-fill, minmax(260px, 1fr));
  gap: 6px 28px; margin: 0; font-size: 13px; }
dl.meta dt { font-size: 11px; text-transform: uppercase; letter-spacing: .06em; opacity: .75; }
dl.meta dd { margin: 0; overflow-wrap: anywhere; }
nav.toc { margin: 22px 0 0; padding: 12px 18px; border: 1px solid var(--rule); border-radius: 6px;
  background: var(--soft); }
nav.toc h2 { border: 0; margin: 0 0 4px; padding: 0; font-size: 13px; text-transform: uppercase;
  letter-spacing: .06em; color: var(--muted); }
nav.toc ol { margin: 0; padding-left: 22px; columns: 2; column-gap: 40px; }
nav.toc ol ol { columns: 1; padding-left: 18px; font-size: 12px; }
nav.toc a { color: var(--accent); text-decoration: none; }
nav.toc a:hover { text-decoration: underline; }
.lead { color: var(--muted); margin: 4px 0 12px; max-width: 70em; }
.muted { color: var(--muted); }
.hot { color: var(--red); font-weight: 600; }
.note { color: var(--muted); font-style: italic; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(140px, 1fr)); gap: 12px;
  margin: 8px 0 8px; }
.card { border: 1px solid var(--rule); border-left: 4px solid var(--accent); border-radius: 6px;
  padding: 10px 12px; }
.card.prohibited { border-left-color: var(--red); }
.card.conditional { border-left-color: #e09a2b; }
.card.allowed { border-left-color: #5b8c5a; }
.card.unassessed { border-left-color: #98a2b3; }
.card .label { font-size: 11px; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); }
.card .value { font-size: 22px; font-weight: 600; font-variant-numeric: tabular-nums; }
.card .sub { font-size: 12px; color: var(--muted); }
.scroll { overflow-x: auto; }
table.data { border-collapse: collapse; width: 100%; margin: 6px 0 14px; font-size: 13px; }
table.data th, table.data td { border-bottom: 1px solid var(--rule); padding: 5px 8px;
  text-align: left; vertical-align: top; }
table.data thead th { background: var(--soft); font-weight: 600; font-size: 12px;
  border-bottom: 1px solid #98a2b3; }
table.data tbody th { font-weight: 600; }
table.data tfoot th, table.data tfoot td { border-top: 2px solid var(--ink); border-bottom: 0;
  font-weight: 600; }
table.data .num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.data thead th.num { white-space: normal; }
table.data .date, table.data code { white-space: nowrap; overflow-wrap: normal; }
table.data code.evidence { white-space: normal; overflow-wrap: anywhere; }
table.verdicts tbody.verdict tr.head td { border-bottom: 0; padding-top: 9px; }
table.verdicts tbody.verdict tr.detail td { padding-top: 0; padding-bottom: 10px; }
table.verdicts tbody.verdict:target, table.verdicts tr:target { background: var(--amber-soft); }
code { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace;
  background: var(--soft); padding: 1px 4px; border-radius: 3px; overflow-wrap: anywhere; }
ul.shares, ul.reasons, ul.evidence, .grounds ul { margin: 0; padding: 0; list-style: none; }
ul.shares li { margin: 0 0 1px; }
ul.shares .hot { white-space: nowrap; }
ul.reasons > li { margin: 3px 0; }
ul.evidence { display: flex; flex-wrap: wrap; gap: 3px 6px; margin-top: 2px; }
ul.evidence code { color: #344054; }
.grounds { display: grid; grid-template-columns: 90px 1fr; gap: 4px 10px; margin: 4px 0; }
.grounds ul li { margin: 1px 0; }
.tag { font-size: 11px; text-transform: uppercase; letter-spacing: .06em; color: var(--muted);
  padding-top: 2px; }
.badge { display: inline-block; padding: 0 7px; border-radius: 10px; font-size: 12px;
  font-weight: 600; white-space: nowrap; border: 1px solid; }
.badge.red { color: var(--red); background: var(--red-soft); border-color: #fda29b; }
.badge.amber { color: var(--amber); background: var(--amber-soft); border-color: #fec84b; }
.badge.green { color: var(--green); background: var(--green-soft); border-color: #a6d3a5; }
.badge.grey { color: var(--muted); background: var(--soft); border-color: var(--rule); }
.alert { border: 2px solid var(--red); background: var(--red-soft); border-radius: 6px;
  padding: 4px 16px 8px; margin: 14px 0; }
.alert h3 { color: var(--red); }
.alert table.data { background: #fff; }
dl.facts { display: grid; grid-template-columns: repeat(auto-fill, minmax(165px, 1fr));
  gap: 10px 20px; margin: 8px 0; }
dl.facts dt { font-size: 11px; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); }
dl.facts dd { margin: 0; font-size: 15px; font-variant-numeric: tabular-nums; }
.columns { display: grid; grid-template-columns: repeat(auto-fit, minmax(280px, 1fr)); gap: 20px; }
figure.chart { margin: 6px 0 18px; }
svg.chart { display: block; width: 100%; max-width: 960px; height: auto; }
svg.chart text { font-size: 12px; fill: var(--ink); }
svg.chart text.axis { font-size: 11px; fill: var(--muted); }
svg.chart text.inbar { font-size: 11px; font-weight: 600; }
svg.chart text.halo { paint-order: stroke; stroke: #ffffff; stroke-width: 3px; }
svg.chart text.flag { font-size: 11px; font-weight: 600; fill: var(--red); }
svg.chart text.value { font-size: 11px; }
svg.chart .hot { fill: var(--red); font-weight: 600; }
ul.legend { list-style: none; padding: 0; margin: 6px 0 0; display: flex; flex-wrap: wrap;
  gap: 4px 18px; font-size: 12px; }
.swatch { display: inline-block; width: 12px; height: 12px; border-radius: 2px;
  vertical-align: -2px; margin-right: 5px; }
.swatch.hatch { background: repeating-linear-gradient(45deg, var(--red) 0 2px, #fff 2px 5px);
  outline: 1.5px solid var(--red); outline-offset: -1.5px; }
.swatch.deadline { width: 0; height: 14px; border-left: 2px dashed var(--red); border-radius: 0; }
ul.warnings li, ul.deadlines li { margin: 3px 0; }
footer { color: var(--muted); font-size: 12px; padding-top: 12px; padding-bottom: 28px;
  border-top: 1px solid var(--rule); margin-top: 40px; }
@media print {
  header.page { background: none; color: var(--ink); border-bottom: 2px solid var(--accent); }
  header.page code { background: var(--soft); color: var(--ink); }
  nav.toc { display: none; }
  h2, h3 { break-after: avoid; }
  tr, figure, .card, .alert { break-inside: avoid; }
  .scroll { overflow: visible; }
}
"#;

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
