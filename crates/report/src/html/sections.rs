//! The report's sections, one function each, in page order: summary, vendor shares, regions,
//! functions, the plan and its assumptions, verdicts, share rules, unassessed classes, warnings.

use super::*;

/// The one-page overview before the detail: the headline sentences every view shares, and the
/// plan's outcome. Printing breaks the page after it.
pub(super) fn overview(o: &mut String, r: &NetworkReport, cx: &Context) -> fmt::Result {
    o.push_str("<ul class=\"overview\">\n");
    for line in crate::network_summary::headline(r, &cx.currency) {
        writeln!(
            o,
            "<li>{}</li>",
            Esc(&crate::network_summary::capitalised(&line))
        )?;
    }
    o.push_str("</ul>\n");
    Ok(())
}

pub(super) fn summary(o: &mut String, r: &NetworkReport, cx: &Context) -> fmt::Result {
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
    write!(
        o,
        "<div class=\"scroll\"><table class=\"data\">\n<thead><tr><th>Operator</th>\
         <th class=\"num\">Elements</th><th class=\"num\">Allowed</th>\
         <th class=\"num\">Conditional</th><th class=\"num\">Prohibited</th>\
         <th class=\"num\">Prohibited %</th><th class=\"num\">Unassessed</th>\
         <th class=\"num\">Past deadline</th><th class=\"num\">Near deadline</th>\
         <th class=\"num\">Cost of prohibited ({cur})</th><th class=\"num\">Without cost</th>\
         </tr></thead>\n<tbody>\n",
        cur = Esc(&cx.currency)
    )?;
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

pub(super) fn exposure_cells(o: &mut String, prefix: &str, e: &Exposure) -> fmt::Result {
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

pub(super) fn slices_of(op: &OperatorExposure, d: Dimension) -> Vec<(usize, &Slice)> {
    op.slices
        .iter()
        .enumerate()
        .filter(|(_, s)| s.dimension == d)
        .collect()
}

pub(super) fn vendor_shares(o: &mut String, r: &NetworkReport, cx: &Context) -> fmt::Result {
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

pub(super) fn regions(o: &mut String, r: &NetworkReport) -> fmt::Result {
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

pub(super) fn functions(o: &mut String, r: &NetworkReport, cx: &Context) -> fmt::Result {
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

pub(super) fn plan(o: &mut String, r: &NetworkReport, p: &Plan, cx: &Context) -> fmt::Result {
    let optimal = p.feasible && p.total_cost == p.lower_bound;
    let cur = format!(" {}", Esc(&cx.currency));
    o.push_str("<div class=\"plan-summary\">\n<dl class=\"facts\">\n");
    // Green only when every deadline can still be met; overdue elements make it amber.
    writeln!(
        o,
        "<div><dt>Feasible</dt><dd><span class=\"badge {}\" data-key=\"plan.feasible\" \
         data-value=\"{}\">{}</span> <span class=\"muted\">{}</span></dd></div>",
        match (p.feasible, p.overdue > 0) {
            (true, false) => "green",
            (true, true) => "amber",
            (false, _) => "red",
        },
        p.feasible,
        if p.feasible { "feasible" } else { "infeasible" },
        Esc(&crate::network_summary::plan_sentence(p))
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
        keyed("span", "plan.total_cost", Shown::Money(p.total_cost), &cur),
        if p.feasible {
            ""
        } else {
            " <span class=\"muted\">(no feasible schedule)</span>"
        }
    )?;
    writeln!(
        o,
        "<div><dt>Lower bound</dt><dd>{}{}</dd></div>",
        keyed(
            "span",
            "plan.lower_bound",
            Shown::Money(p.lower_bound),
            &cur
        ),
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
                let (shown, unit): (fn(f64) -> Shown, &str) = if s.resource == "budget" {
                    (Shown::Money, &cur)
                } else {
                    (Shown::Factor, "")
                };
                writeln!(
                    o,
                    "<tr><td>{}</td><td><code>{}</code></td><td class=\"date\">{}</td>{}{}<td class=\"num hot\">{}{unit}</td><td>{}</td></tr>",
                    Esc(&s.operator),
                    Esc(&s.resource),
                    s.by.map(|q| q.to_string()).unwrap_or_default(),
                    keyed(
                        "td",
                        &format!("plan.shortfalls.{k}.needed"),
                        shown(s.needed),
                        unit
                    ),
                    keyed(
                        "td",
                        &format!("plan.shortfalls.{k}.available"),
                        shown(s.available),
                        unit
                    ),
                    shown((s.needed - s.available).max(0.0)).text(),
                    Esc(&crate::network_summary::shortfall(s, &cx.currency))
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
        write!(
            o,
            "<div class=\"scroll\"><table class=\"data\">\n<thead><tr><th>Quarter</th><th>Operator</th>\
             <th>Role</th><th>Replacement</th><th class=\"num\">Elements</th>\
             <th class=\"num\">Cost ({})</th><th>Deadline</th></tr></thead>\n<tbody>\n",
            Esc(&cx.currency)
        )?;
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
    assumptions(o, p, &cx.currency)
}

pub(super) fn assumptions(o: &mut String, p: &Plan, currency: &str) -> fmt::Result {
    let a = &p.assumptions;
    o.push_str("<h3>Assumptions</h3>\n<div class=\"columns\">\n");
    o.push_str("<div><h4>Capacity per quarter</h4>");
    if a.capacities.is_empty() {
        o.push_str("<p class=\"muted\">Unbounded.</p>");
    } else {
        write!(
            o,
            "<table class=\"data\"><thead><tr><th>Operator</th><th class=\"num\">Elements</th>\
             <th class=\"num\">Budget ({})</th></tr></thead><tbody>",
            Esc(currency)
        )?;
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
        write!(
            o,
            "<table class=\"data\"><thead><tr><th>Function</th><th class=\"num\">Cost ({})</th></tr>\
             </thead><tbody>",
            Esc(currency)
        )?;
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

pub(super) fn decision_badge(d: Decision) -> (&'static str, &'static str) {
    match d {
        Decision::Allow => ("green", "allowed"),
        Decision::AllowWithConditions => ("amber", "allowed with conditions"),
        Decision::Prohibit => ("red", "prohibited"),
    }
}

pub(super) fn status_badge(s: Status) -> &'static str {
    match s {
        Status::Pass => "green",
        Status::Fail => "red",
        Status::NotApplicable => "grey",
        Status::Unknown => "amber",
    }
}

pub(super) fn verdicts(o: &mut String, r: &NetworkReport, cx: &Context) -> fmt::Result {
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
            Esc(&crate::network_summary::role_under_licences(v)),
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
pub(super) fn reasons(o: &mut String, rs: &[Reason]) -> fmt::Result {
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

pub(super) fn share_rules(o: &mut String, r: &NetworkReport, cx: &Context) -> fmt::Result {
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

pub(super) fn unassessed(o: &mut String, r: &NetworkReport) -> fmt::Result {
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

pub(super) fn warnings(o: &mut String, r: &NetworkReport) -> fmt::Result {
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
