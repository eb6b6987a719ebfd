//! The inline SVG charts (vendor shares, regions, the replacement timeline) and their axes.

use super::*;

pub(super) fn share_chart(
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

pub(super) fn status_colours() -> [(&'static str, &'static str); 4] {
    [
        ("prohibited", RED),
        ("conditional", AMBER),
        ("allowed", GREEN),
        ("unassessed", GREY),
    ]
}

pub(super) fn region_chart(
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

/// Every quarter from the plan's start to its end, and any other quarter the plan uses.
pub(super) fn quarter_axis(p: &Plan) -> Vec<Quarter> {
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

pub(super) fn timeline_chart(
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
pub(super) fn deadlines(r: &NetworkReport, p: &Plan) -> BTreeMap<Date, (u64, u64)> {
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
pub(super) fn fraction_of_quarter(d: Date) -> f64 {
    let month_in_quarter = f64::from((d.month - 1) % 3);
    (month_in_quarter + f64::from(d.day.saturating_sub(1)) / 31.0) / 3.0
}

/// A tick step and the axis maximum (a multiple of it) for counts up to `max`.
pub(super) fn nice_axis(max: u64) -> (u64, u64) {
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
