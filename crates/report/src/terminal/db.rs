//! `netvet db status|import`: the advisory index.

use std::fmt::Write as _;

use netvet_vuln::store::{ImportStats, Status};

/// The index's schema, build, counts and sources.
pub fn status(s: &Status) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "index {}", s.path);
    let _ = writeln!(
        out,
        "  schema {}  built {}  by netvet {}",
        s.schema_version, s.built, s.netvet_version
    );
    let _ = writeln!(
        out,
        "  {} advisories, {} package ranges, {} CPE ranges, {} KEV entries",
        s.advisories, s.package_ranges, s.cpe_ranges, s.kev_entries
    );
    for src in &s.sources {
        let _ = writeln!(
            out,
            "  {:<6} {:>8} records {:>4} skipped  {}  {}",
            src.kind, src.records, src.skipped, src.imported, src.name
        );
    }
    out
}

/// What each imported file gave, then the index's status.
pub fn import(results: &[(String, ImportStats)], status_after: &Status) -> String {
    let mut out = String::new();
    for (n, s) in results {
        let _ = writeln!(
            out,
            "{n}: {} {} advisories, {} KEV entries{}",
            s.kind,
            s.advisories,
            s.kev,
            if s.skipped.is_empty() {
                String::new()
            } else {
                format!(", {} skipped ({})", s.skipped.len(), s.skipped[0])
            }
        );
    }
    out.push_str(&status(status_after));
    out
}
