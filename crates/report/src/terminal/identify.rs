//! `netvet identify` and `netvet unpack`: layers, entries, what was written.

use crate::terminal::{Style, counted};
use std::fmt::Write as _;

use netvet_model::{IdentifiedImage, Layer, UnpackDocument};

use crate::text::{json_name, size};

/// One image's layers (indented by nesting), unclaimed regions, totals, warnings, and its
/// entries when they were listed.
pub fn identify(image: &IdentifiedImage, style: &Style) -> String {
    let r = &image.report;
    let mut out = String::new();
    let head = format!("{}  {}  sha256:{}", r.image, size(r.size), r.sha256);
    if style.width.is_none_or(|w| head.chars().count() <= w) {
        let _ = writeln!(out, "{head}");
    } else {
        let _ = writeln!(out, "{}  {}", r.image, size(r.size));
        let _ = writeln!(out, "  sha256:{}", r.sha256);
    }
    let depth_of = |l: &Layer| {
        let mut d = 0;
        let mut p = l.parent;
        while let Some(id) = p {
            d += 1;
            p = r.layers.get(id as usize).and_then(|l| l.parent);
        }
        d
    };
    let _ = writeln!(
        out,
        "  {:>4}  {:<12} {:>12} {:>10}  path — description",
        "id", "format", "offset", "length"
    );
    for l in &r.layers {
        let indent = "  ".repeat(depth_of(l));
        let lead = format!(
            "  {:>4}  {:<12} {:>12} {:>10}  {indent}",
            l.id,
            l.format,
            format!("{:#x}", l.offset),
            size(l.length)
        );
        let used = lead.chars().count();
        let whole = format!("{} — {}", l.path, l.description);
        if style
            .width
            .is_none_or(|w| used + whole.chars().count() <= w)
        {
            let _ = writeln!(out, "{lead}{whole}");
        } else {
            // Stacked: the numbers on the row, the path (cut in the middle) and the
            // description (wrapped) under it, indented by nesting.
            let _ = writeln!(out, "{}", lead.trim_end());
            let under = 8 + indent.len();
            let _ = writeln!(out, "{:under$}{}", "", style.fit_middle(&l.path, under));
            for line in style.wrap(&l.description, under + 2) {
                let _ = writeln!(out, "{:w$}{line}", "", w = under + 2);
            }
        }
        for u in &l.unclaimed {
            let lead = format!(
                "  {:>4}  {:<12} {:>12} {:>10}  {indent}  ",
                "",
                "",
                format!("{:#x}", u.offset),
                size(u.length)
            );
            let used = lead.chars().count();
            let what = format!(
                "unclaimed {} (entropy {:.2})",
                json_name(&u.class),
                u.entropy
            );
            if style.width.is_none_or(|w| used + what.chars().count() <= w) {
                let _ = writeln!(out, "{lead}{what}");
            } else {
                let _ = writeln!(out, "{}", lead.trim_end());
                let under = 10 + indent.len();
                for line in style.wrap(&what, under) {
                    let _ = writeln!(out, "{:under$}{line}", "");
                }
            }
        }
    }
    let t = &r.totals;
    let totals = format!(
        "entries: {} ({}, {}, {}, {}, {}, {} other), {} in files",
        t.entries,
        counted(t.files as usize, "file", "files"),
        counted(t.dirs as usize, "dir", "dirs"),
        counted(t.symlinks as usize, "symlink", "symlinks"),
        counted(t.hard_links as usize, "hard link", "hard links"),
        counted(t.devices as usize, "device", "devices"),
        t.other,
        size(t.file_bytes)
    );
    for (i, line) in style.wrap(&totals, 4).iter().enumerate() {
        let _ = writeln!(out, "{}{line}", if i == 0 { "  " } else { "    " });
    }
    let warnings: Vec<_> = r.all_warnings().collect();
    if !warnings.is_empty() {
        let _ = writeln!(out, "  warnings ({}):", warnings.len());
        for (layer, w) in warnings {
            let at = match layer {
                Some(l) => format!("layer {l}"),
                None => "image".to_string(),
            };
            let text = format!("[{}] {at}: {}", json_name(&w.code), w.message);
            for (i, line) in style.wrap(&text, 6).iter().enumerate() {
                let _ = writeln!(out, "{}{line}", if i == 0 { "    " } else { "      " });
            }
        }
    }
    for e in image.entries.iter().flatten() {
        let target = e
            .link_target
            .as_deref()
            .map(|t| format!(" -> {t}"))
            .unwrap_or_default();
        let lead = format!(
            "  {:<11} {} {:>5}/{:<5} {:>10}  ",
            e.kind.as_str(),
            e.mode,
            e.uid,
            e.gid,
            e.size
        );
        let _ = writeln!(
            out,
            "{lead}{}",
            style.fit_middle(&format!("{}{target}", e.path), lead.chars().count())
        );
    }
    out.push('\n');
    out
}

/// What `unpack` wrote, what it did not create, and what it skipped.
pub fn unpack(d: &UnpackDocument) -> String {
    let (report, s) = (&d.report, &d.written);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} → {}: {} ({}), {}, {}, {}; {}",
        report.image,
        d.out,
        counted(s.files as usize, "file", "files"),
        size(s.bytes),
        counted(s.dirs as usize, "dir", "dirs"),
        counted(s.symlinks as usize, "symlink", "symlinks"),
        counted(s.hard_links as usize, "hard link", "hard links"),
        counted(report.layers.len(), "layer", "layers")
    );
    for l in &report.layers {
        let _ = writeln!(out, "  {:<10} {:#12x}  {}", l.format, l.offset, l.path);
    }
    if s.special_bits_dropped > 0 {
        let _ = writeln!(
            out,
            "  {} setuid/setgid/sticky bits, not applied on disk (see `netvet identify --entries`)",
            counted(s.special_bits_dropped as usize, "file had", "files had")
        );
    }
    for (title, list) in [("not created", &d.not_created), ("skipped", &d.skipped)] {
        if !list.is_empty() {
            let _ = writeln!(out, "  {title} ({}):", list.len());
            for n in list {
                let _ = writeln!(out, "    {}  {}", n.path, n.reason);
            }
        }
    }
    let warnings = report.all_warnings().count();
    if warnings > 0 {
        let _ = writeln!(
            out,
            "  {} (see `netvet identify`)",
            counted(warnings, "warning", "warnings")
        );
    }
    out
}
