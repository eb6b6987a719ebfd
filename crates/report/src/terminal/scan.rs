//! `netvet scan`: findings, services and hardening per image.

use std::fmt::Write as _;

use netvet_model::{Component, Coverage, ScanReport, Severity};

use crate::terminal::style::{Style, counted};
use crate::text::{json_name, size};

/// Findings a scan does not show in its table, by why: counted in a closing line so that a
/// short table is not taken for a clean image.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Hidden {
    /// Findings present in the baseline (`--baseline`).
    pub baseline: usize,
    /// Findings below the minimum severity (`--min-severity`) and that severity.
    pub below: Option<(Severity, usize)>,
    /// Findings matched by the suppression file (`--suppress`).
    pub suppressed: usize,
}

/// The width of the severity and check columns of the wide layout; below this width plus a
/// readable title the findings are stacked instead.
const SEVERITY_COLUMN: usize = 9;
const CHECK_COLUMN: usize = 35;
const WIDE_TEXT: usize = 50;

/// Each image's findings (severity, check, title, location, evidence), services, hardening
/// and counts, fitted to the style's width; `hidden` says what is not shown and why.
pub fn scan(reports: &[ScanReport], hidden: &Hidden, style: &Style) -> String {
    let mut s = String::new();
    let wide = style
        .width
        .is_none_or(|w| w >= 2 + SEVERITY_COLUMN + CHECK_COLUMN + WIDE_TEXT);
    for r in reports {
        let img = &r.image;
        let contents = format!(
            "{}, {}",
            counted(img.layers.len(), "layer", "layers"),
            counted(img.totals.entries as usize, "entry", "entries")
        );
        let head = format!(
            "{}  {}  sha256:{}  {contents}",
            img.image,
            size(img.size),
            img.sha256
        );
        if style.width.is_none_or(|w| head.chars().count() <= w) {
            let _ = writeln!(s, "{head}");
        } else {
            // The digest on a line of its own, where a terminal can select it whole.
            put(
                &mut s,
                style,
                0,
                &format!("{}  {}  {contents}", img.image, size(img.size)),
            );
            let _ = writeln!(s, "  sha256:{}", img.sha256);
        }
        if r.findings.iter().all(|f| f.suppressed.is_some()) {
            let _ = writeln!(s, "  no findings");
        }
        for f in r.findings.iter().filter(|f| f.suppressed.is_none()) {
            let loc = match (f.location.line, f.location.offset) {
                (Some(l), _) => format!("{}:{l}", f.location.path),
                (None, Some(o)) => format!("{}@{o:#x}", f.location.path),
                _ => f.location.path.clone(),
            };
            let sev = style.severity(f.severity, true, SEVERITY_COLUMN - 1);
            if wide {
                let indent = 2 + SEVERITY_COLUMN + CHECK_COLUMN;
                let pad = " ".repeat(indent);
                let mut title = style.wrap(&f.title, indent).into_iter();
                let _ = writeln!(
                    s,
                    "  {sev} {:<34} {}",
                    f.check,
                    title.next().unwrap_or_default()
                );
                for line in title {
                    let _ = writeln!(s, "{pad}{line}");
                }
                let _ = writeln!(s, "{pad}{}", style.fit_middle(&loc, indent));
                for line in style.wrap(&f.evidence, indent) {
                    let _ = writeln!(s, "{pad}{line}");
                }
            } else {
                // Stacked: severity and check on one line, the rest indented under them.
                let _ = writeln!(
                    s,
                    "  {sev} {}",
                    style.fit_middle(&f.check, 2 + SEVERITY_COLUMN)
                );
                for line in style.wrap(&f.title, 4) {
                    let _ = writeln!(s, "    {line}");
                }
                let _ = writeln!(s, "    {}", style.fit_middle(&loc, 4));
                for line in style.wrap(&f.evidence, 4) {
                    let _ = writeln!(s, "    {line}");
                }
            }
        }
        if !r.services.is_empty() {
            let _ = writeln!(s, "  services:");
            for svc in &r.services {
                let ports: Vec<String> = svc
                    .ports
                    .iter()
                    .map(|p| {
                        format!(
                            "{}/{}",
                            p.number,
                            format!("{:?}", p.protocol).to_lowercase()
                        )
                    })
                    .collect();
                let place = format!("{}:{}", svc.location.path, svc.location.line.unwrap_or(0));
                let _ = writeln!(
                    s,
                    "    {:<10} {:<12} {:<12} auth:{:<9} {}",
                    svc.name,
                    ports.join(","),
                    svc.started_by,
                    svc.authentication,
                    style.fit_middle(&place, 56)
                );
            }
        }
        for h in &r.hardening {
            let line = format!(
                "hardening {}: {} ELF, NX {}, PIE {}/{}, full RELRO {}, canary {}, FORTIFY {}, setuid {}",
                h.root,
                h.binaries,
                h.nx,
                h.pie,
                h.executables,
                h.relro_full,
                h.canary,
                h.fortify,
                h.setuid
            );
            put(&mut s, style, 2, &line);
        }
        let counts: Vec<String> = [
            Severity::Critical,
            Severity::High,
            Severity::Medium,
            Severity::Low,
            Severity::Info,
        ]
        .iter()
        .map(|sev| {
            format!(
                "{} {}",
                r.findings
                    .iter()
                    .filter(|f| f.severity == *sev && f.suppressed.is_none())
                    .count(),
                sev
            )
        })
        .collect();
        let _ = writeln!(s, "  findings: {}", counts.join(", "));
        if let Some(data) = &r.advisory_data {
            put(&mut s, style, 2, &crate::text::advisory_data(data));
        }
        unread(&mut s, r, style);
        s.push('\n');
    }
    for line in hidden_lines(hidden) {
        put(&mut s, style, 0, &line);
    }
    s
}

/// Writes `text` indented by `indent`, wrapped to the style's width; continuation lines are
/// indented two more.
fn put(s: &mut String, style: &Style, indent: usize, text: &str) {
    for (i, part) in style.wrap(text, indent + 2).iter().enumerate() {
        let pad = if i == 0 { indent } else { indent + 2 };
        let _ = writeln!(s, "{:pad$}{part}", "");
    }
}

/// One line per reason findings are not shown, with the count and the right plural.
fn hidden_lines(hidden: &Hidden) -> Vec<String> {
    let verb = |n: usize| if n == 1 { "is" } else { "are" };
    let mut out = Vec::new();
    if hidden.baseline > 0 {
        out.push(format!(
            "{} present in the baseline {} not shown",
            counted(hidden.baseline, "finding", "findings"),
            verb(hidden.baseline)
        ));
    }
    if let Some((level, n)) = hidden.below.filter(|(_, n)| *n > 0) {
        out.push(format!(
            "{} below {level} {} not shown (--min-severity)",
            counted(n, "finding", "findings"),
            verb(n)
        ));
    }
    if hidden.suppressed > 0 {
        out.push(format!(
            "{} suppressed by the suppression file {} not shown (the JSON and SARIF keep them, marked)",
            counted(hidden.suppressed, "finding", "findings"),
            verb(hidden.suppressed)
        ));
    }
    out
}

/// Shown on every scan whose input was not read in full: what was not read, so that few or no
/// findings are not taken for a clean image.
fn unread(s: &mut String, r: &ScanReport, style: &Style) {
    const SHOWN: usize = 8;
    let coverage = match r.coverage {
        Coverage::Complete => return,
        Coverage::Partial => "NOT FULLY READ: the findings cover only what could be read",
        Coverage::Unreadable => {
            "NOT READ: nothing inside this input could be read; no findings means nothing"
        }
    };
    put(s, style, 2, coverage);
    let lost: Vec<String> = r
        .image
        .unread()
        .map(|(layer, w)| {
            let at = layer.map(|l| format!("layer {l}: ")).unwrap_or_default();
            format!("[{}] {at}{}", json_name(&w.code), w.message)
        })
        .chain(r.errors.iter().cloned())
        .collect();
    for line in lost.iter().take(SHOWN) {
        put(s, style, 4, line);
    }
    if lost.len() > SHOWN {
        let _ = writeln!(s, "    … and {} more (see the JSON)", lost.len() - SHOWN);
    }
    if r.image.size == 0 {
        let _ = writeln!(s, "    the file is empty");
    }
}

/// A short summary of one scan: layers, counts, the high findings, services, software.
pub fn summary(r: &ScanReport) -> String {
    let mut out = String::new();
    for l in &r.image.layers {
        let depth = std::iter::successors(l.parent, |p| {
            r.image.layers.get(*p as usize).and_then(|x| x.parent)
        })
        .count();
        let _ = writeln!(
            out,
            "  {}{:<9} {:#10x}  {}",
            "  ".repeat(depth),
            l.format,
            l.offset,
            l.path
        );
    }
    let count = |s: Severity| r.findings.iter().filter(|f| f.severity == s).count();
    let _ = writeln!(
        out,
        "  findings (netvet scan): {} critical, {} high, {} medium, {} low",
        count(Severity::Critical),
        count(Severity::High),
        count(Severity::Medium),
        count(Severity::Low)
    );
    for f in r
        .findings
        .iter()
        .filter(|f| f.severity >= Severity::High)
        .take(12)
    {
        let place = fs_path(&f.location.path);
        let _ = writeln!(out, "    {:<8} {} — {place}", f.severity.as_str(), f.title);
    }
    for s in &r.services {
        let ports: Vec<String> = s.ports.iter().map(|p| p.number.to_string()).collect();
        let _ = writeln!(
            out,
            "  service {:<8} port {:<10} started by {:<12} authentication: {}",
            s.name,
            ports.join(","),
            s.started_by,
            s.authentication
        );
    }
    let _ = writeln!(out, "  software (netvet sbom):");
    for c in &r.components {
        let key = component_key(c);
        let n = r
            .vulnerabilities
            .iter()
            .filter(|v| *v.component == *key)
            .count();
        let _ = writeln!(
            out,
            "    {:<14} {:<10} {}{}",
            c.name,
            c.version.as_deref().unwrap_or("?"),
            if n > 0 {
                counted(n, "known vulnerability", "known vulnerabilities")
            } else {
                String::new()
            },
            match (&c.end_of_support, c.unsupported) {
                (Some(d), true) => format!("; unsupported since {d}"),
                _ => String::new(),
            }
        );
    }
    let kev: Vec<&str> = r
        .vulnerabilities
        .iter()
        .filter(|v| v.known_exploited)
        .map(|v| v.id.as_str())
        .collect();
    if !kev.is_empty() {
        let _ = writeln!(out, "    known exploited (CISA KEV): {}", kev.join(", "));
    }
    out
}

/// The path inside the innermost image (`fw.bin!/rootfs!/etc/passwd` → `/etc/passwd`).
fn fs_path(vpath: &str) -> &str {
    match vpath.rfind("!/") {
        Some(i) => &vpath[i + 1..],
        None => vpath,
    }
}

/// How a vulnerability names its component: its PURL, else `name@version`.
fn component_key(c: &Component) -> String {
    c.purl
        .clone()
        .unwrap_or_else(|| format!("{}@{}", c.name, c.version.as_deref().unwrap_or("")))
}
