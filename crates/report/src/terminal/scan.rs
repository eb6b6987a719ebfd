//! `netvet scan`: findings, services and hardening per image.

use std::fmt::Write as _;

use netvet_model::{Component, Coverage, ScanReport, Severity};

use crate::text::{json_name, size};

/// Each image's findings (severity, check, title, location, evidence), services, hardening
/// and counts; `suppressed` findings were in the baseline.
pub fn scan(reports: &[ScanReport], suppressed: usize) -> String {
    let mut s = String::new();
    for r in reports {
        let img = &r.image;
        let _ = writeln!(
            s,
            "{}  {}  sha256:{}  {} layers, {} entries",
            img.image,
            size(img.size),
            img.sha256,
            img.layers.len(),
            img.totals.entries
        );
        if r.findings.is_empty() {
            let _ = writeln!(s, "  no findings");
        }
        for f in &r.findings {
            let loc = match (f.location.line, f.location.offset) {
                (Some(l), _) => format!("{}:{l}", f.location.path),
                (None, Some(o)) => format!("{}@{o:#x}", f.location.path),
                _ => f.location.path.clone(),
            };
            let _ = writeln!(
                s,
                "  {:<8} {:<34} {}",
                f.severity.as_str().to_uppercase(),
                f.check,
                f.title
            );
            let _ = writeln!(s, "  {:<8} {:<34} {loc}", "", "");
            let _ = writeln!(s, "  {:<8} {:<34} {}", "", "", f.evidence);
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
                let _ = writeln!(
                    s,
                    "    {:<10} {:<12} {:<12} auth:{:<9} {}:{}",
                    svc.name,
                    ports.join(","),
                    svc.started_by,
                    svc.authentication,
                    svc.location.path,
                    svc.location.line.unwrap_or(0)
                );
            }
        }
        for h in &r.hardening {
            let _ = writeln!(
                s,
                "  hardening {}: {} ELF, NX {}, PIE {}/{}, full RELRO {}, canary {}, FORTIFY {}, setuid {}",
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
                r.findings.iter().filter(|f| f.severity == *sev).count(),
                sev
            )
        })
        .collect();
        let _ = writeln!(s, "  findings: {}", counts.join(", "));
        if let Some(data) = &r.advisory_data {
            let _ = writeln!(s, "  {}", crate::text::advisory_data(data));
        }
        unread(&mut s, r);
        s.push('\n');
    }
    if suppressed > 0 {
        let _ = writeln!(
            s,
            "{suppressed} findings present in the baseline are not shown"
        );
    }
    s
}

/// Shown on every scan whose input was not read in full: what was not read, so that few or no
/// findings are not taken for a clean image.
fn unread(s: &mut String, r: &ScanReport) {
    const SHOWN: usize = 8;
    let coverage = match r.coverage {
        Coverage::Complete => return,
        Coverage::Partial => "NOT FULLY READ: the findings cover only what could be read",
        Coverage::Unreadable => {
            "NOT READ: nothing inside this input could be read; no findings means nothing"
        }
    };
    let _ = writeln!(s, "  {coverage}");
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
        let _ = writeln!(s, "    {line}");
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
            .filter(|v| v.component == key)
            .count();
        let _ = writeln!(
            out,
            "    {:<14} {:<10} {}{}",
            c.name,
            c.version.as_deref().unwrap_or("?"),
            if n > 0 {
                format!("{n} known vulnerabilities")
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
