//! Markdown reports of scans, for tickets, merge requests and audit files.

use std::fmt::Write;

use netvet_model::{ScanReport, Severity};

fn esc(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// A Markdown report of one or more scans.
pub fn scan(reports: &[ScanReport]) -> String {
    let mut out = String::new();
    for r in reports {
        let img = &r.image;
        let _ = writeln!(out, "# netvet scan: {}\n", esc(&img.image));
        let _ = writeln!(out, "- SHA-256: `{}`", img.sha256);
        let _ = writeln!(
            out,
            "- Size: {} bytes; {} layers; {} entries",
            img.size,
            img.layers.len(),
            img.totals.entries
        );
        let count = |s: Severity| r.findings.iter().filter(|f| f.severity == s).count();
        let _ = writeln!(
            out,
            "- Findings: {} critical, {} high, {} medium, {} low, {} info\n",
            count(Severity::Critical),
            count(Severity::High),
            count(Severity::Medium),
            count(Severity::Low),
            count(Severity::Info)
        );
        let _ = writeln!(out, "## Findings\n");
        if r.findings.is_empty() {
            let _ = writeln!(out, "None.\n");
        } else {
            let _ = writeln!(out, "| Severity | Check | Title | Location | Evidence |");
            let _ = writeln!(out, "|---|---|---|---|---|");
            for f in &r.findings {
                let loc = match (f.location.line, f.location.offset) {
                    (Some(l), _) => format!("{}:{l}", f.location.path),
                    (None, Some(o)) => format!("{}@{o:#x}", f.location.path),
                    _ => f.location.path.clone(),
                };
                let _ = writeln!(
                    out,
                    "| {} | `{}` | {} | `{}` | {} |",
                    f.severity,
                    f.check,
                    esc(&f.title),
                    esc(&loc),
                    esc(&f.evidence)
                );
            }
            let _ = writeln!(out);
        }
        if !r.services.is_empty() {
            let _ = writeln!(out, "## Services\n");
            let _ = writeln!(
                out,
                "| Service | Ports | Started by | Authentication | Where |"
            );
            let _ = writeln!(out, "|---|---|---|---|---|");
            for s in &r.services {
                let ports: Vec<String> = s
                    .ports
                    .iter()
                    .map(|p| format!("{}/{:?}", p.number, p.protocol).to_lowercase())
                    .collect();
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} | `{}:{}` |",
                    esc(&s.name),
                    ports.join(", "),
                    s.started_by,
                    s.authentication,
                    esc(&s.location.path),
                    s.location.line.unwrap_or(0)
                );
            }
            let _ = writeln!(out);
        }
        if !r.hardening.is_empty() {
            let _ = writeln!(out, "## Binary hardening\n");
            let _ = writeln!(
                out,
                "| Filesystem | ELF | NX | PIE (executables) | Full RELRO | Canary | FORTIFY | setuid |"
            );
            let _ = writeln!(out, "|---|---|---|---|---|---|---|---|");
            for h in &r.hardening {
                let _ = writeln!(
                    out,
                    "| `{}` | {} | {} | {}/{} | {} | {} | {} | {} |",
                    esc(&h.root),
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
            let _ = writeln!(out);
        }
        if !r.errors.is_empty() {
            let _ = writeln!(out, "## Could not read\n");
            for e in &r.errors {
                let _ = writeln!(out, "- {}", esc(e));
            }
            let _ = writeln!(out);
        }
    }
    out
}
