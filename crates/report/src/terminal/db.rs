//! `netvet db status|import|update`: the advisory index and the age of its data.

use crate::terminal::counted;
use std::fmt::Write as _;

use netvet_model::AdvisoryData;
use netvet_vuln::store::{ImportStats, Status};
use netvet_vuln::update::FeedReport;

/// The day of an RFC 3339 time, or `fallback`.
fn day<'a>(t: Option<&'a str>, fallback: &'a str) -> &'a str {
    t.and_then(|t| t.get(0..10)).unwrap_or(fallback)
}

/// The index's schema, counts, the age of each feed, and its sources.
pub fn status(s: &Status, data: &AdvisoryData) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "index {}", s.path);
    let _ = writeln!(
        out,
        "  schema {}  changed {}  by netvet {}",
        s.schema_version,
        day(Some(&s.built), &s.built),
        s.netvet_version
    );
    let _ = writeln!(
        out,
        "  {}, {}, {}, {}",
        counted(s.advisories as usize, "advisory", "advisories"),
        counted(s.package_ranges as usize, "package range", "package ranges"),
        counted(s.cpe_ranges as usize, "CPE range", "CPE ranges"),
        counted(s.kev_entries as usize, "KEV entry", "KEV entries")
    );
    let _ = writeln!(out, "  data age:");
    for f in &data.feeds {
        let _ = writeln!(
            out,
            "    {:<8} {:>8} records  newest {}  fetched {}  imported {}  {} {} old{}",
            f.feed,
            f.records,
            day(f.newest.as_deref(), "unknown"),
            day(f.fetched.as_deref(), "never"),
            day(Some(&f.imported), &f.imported),
            f.age_days,
            if f.age_days == 1 { "day" } else { "days" },
            if f.stale { "  STALE" } else { "" }
        );
    }
    for src in &s.sources {
        let _ = writeln!(
            out,
            "  {:<6} {:>8} records {:>4} skipped  newest {}  {}",
            src.kind,
            src.records,
            src.skipped,
            day(src.newest.as_deref(), "unknown"),
            src.name
        );
    }
    out
}

/// What each imported file gave, then the index's status.
pub fn import(results: &[(String, ImportStats)], after: &Status, data: &AdvisoryData) -> String {
    let mut out = String::new();
    for (n, s) in results {
        let _ = writeln!(
            out,
            "{n}: {} {}, {}{}",
            s.kind,
            counted(s.advisories as usize, "advisory", "advisories"),
            counted(s.kev as usize, "KEV entry", "KEV entries"),
            if s.skipped.is_empty() {
                String::new()
            } else {
                format!(", {} skipped ({})", s.skipped.len(), s.skipped[0])
            }
        );
    }
    out.push_str(&status(after, data));
    out
}

/// What each feed's download gave, then the index's status.
pub fn update(feeds: &[FeedReport], after: &Status, data: &AdvisoryData) -> String {
    let mut out = String::new();
    for f in feeds {
        let _ = match &f.imported {
            Some(s) => writeln!(
                out,
                "{}: {}{}, verified {}: {}, {}",
                f.name,
                counted(f.bytes as usize, "byte", "bytes"),
                if f.resumed_from > 0 {
                    format!(" (resumed at {})", f.resumed_from)
                } else {
                    String::new()
                },
                f.verified,
                counted(s.advisories as usize, "advisory", "advisories"),
                counted(s.kev as usize, "KEV entry", "KEV entries")
            ),
            None => writeln!(out, "{}: {}", f.name, f.outcome),
        };
    }
    out.push_str(&status(after, data));
    out
}
