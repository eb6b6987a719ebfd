//! Views of `netvet.diff/1` and `netvet.equivalence/1` for people: a terminal summary and
//! tables, Markdown, and an HTML page with the old and the new release side by side.
//!
//! Each change kind becomes one [`Section`] of rows with an old and a new column, and the
//! three formats render the same sections.

use std::fmt::Write as _;

use netvet_model::diff::{
    Change, DiffReport, DifferenceClass, EquivalenceReport, FileChange, Side,
};

use crate::terminal::Style;
use crate::text::{count, md_cell, size};

/// Rows shown per section on a terminal and in Markdown; the JSON has all.
const MAX_ROWS: usize = 100;

/// A table of one change kind: item, old, new, detail.
struct Section {
    title: &'static str,
    rows: Vec<[String; 4]>,
}

const DASH: &str = "—";

fn dash() -> String {
    DASH.to_string()
}

fn file_row(f: &FileChange) -> [String; 4] {
    let desc = |sz: Option<u64>, sha: &Option<String>| match (sz, sha) {
        (Some(s), Some(h)) => format!("{} {}", size(s), &h[..h.len().min(12)]),
        (Some(s), None) => size(s),
        _ => f.kind.clone(),
    };
    let mut detail: Vec<String> = f.metadata.clone();
    if let Some(b) = &f.binary {
        let sections: Vec<String> = b
            .sections
            .iter()
            .map(|s| format!("{} {}", s.name, s.change.as_str()))
            .collect();
        if !sections.is_empty() {
            detail.push(format!("sections: {}", sections.join(", ")));
        }
        for (what, list) in [
            ("imports +", &b.imports_added),
            ("imports −", &b.imports_removed),
            ("exports +", &b.exports_added),
            ("exports −", &b.exports_removed),
        ] {
            if !list.is_empty() {
                detail.push(format!("{what}{}", list.join(" ")));
            }
        }
        if b.strings_added_total + b.strings_removed_total > 0 {
            detail.push(format!(
                "strings +{} −{}",
                b.strings_added_total, b.strings_removed_total
            ));
        }
    }
    let (old, new) = match f.change {
        Change::Added => (dash(), desc(f.new_size, &f.new_sha256)),
        Change::Removed => (desc(f.old_size, &f.old_sha256), dash()),
        Change::Renamed => (f.old_path.clone().unwrap_or_default(), f.path.clone()),
        _ => (
            desc(f.old_size, &f.old_sha256),
            desc(f.new_size, &f.new_sha256),
        ),
    };
    [
        format!("{} {}", f.change.as_str(), f.path),
        old,
        new,
        detail.join("; "),
    ]
}

/// Rows for items that appeared (`new` column) and disappeared (`old` column): `labels` are
/// the change names, `item` the cell, `detail` the last column.
fn appeared<T>(
    labels: (&str, &str),
    appeared: &[T],
    gone: &[T],
    item: impl Fn(&T) -> String,
    detail: impl Fn(&T) -> String,
) -> Vec<[String; 4]> {
    appeared
        .iter()
        .map(|x| [labels.0.to_string(), dash(), item(x), detail(x)])
        .chain(
            gone.iter()
                .map(|x| [labels.1.to_string(), item(x), dash(), detail(x)]),
        )
        .collect()
}

fn sections(r: &DiffReport) -> Vec<Section> {
    let mut out = Vec::new();
    out.push(Section {
        title: "Layers",
        rows: r
            .layers
            .iter()
            .map(|l| {
                [
                    format!(
                        "{} {} ({})",
                        l.change.as_str(),
                        if l.path.is_empty() {
                            "(image)"
                        } else {
                            &l.path
                        },
                        l.format
                    ),
                    l.old.clone().unwrap_or_else(dash),
                    l.new.clone().unwrap_or_else(dash),
                    String::new(),
                ]
            })
            .collect(),
    });
    out.push(Section {
        title: "Files",
        rows: r.files.iter().map(file_row).collect(),
    });
    let listener = |l: &netvet_model::diff::Listener| {
        format!(
            "{}/{} {} ({})",
            l.port.number,
            l.port.protocol.as_str(),
            l.program.as_deref().unwrap_or(&l.service),
            l.authentication
        )
    };
    out.push(Section {
        title: "Listeners",
        rows: appeared(
            ("added", "removed"),
            &r.listeners.added,
            &r.listeners.removed,
            listener,
            |_| String::new(),
        ),
    });
    let service = |s: &netvet_model::scan::Service| {
        format!(
            "{} ({}, started by {})",
            s.name,
            s.binary.as_deref().unwrap_or("?"),
            s.started_by
        )
    };
    out.push(Section {
        title: "Services",
        rows: appeared(
            ("added", "removed"),
            &r.services.added,
            &r.services.removed,
            service,
            |_| String::new(),
        ),
    });
    let account = |a: &netvet_model::diff::Account| {
        format!(
            "{} uid {} {} password {}",
            a.name, a.uid, a.shell, a.password
        )
    };
    out.push(Section {
        title: "Accounts",
        rows: appeared(
            ("added", "removed"),
            &r.accounts.added,
            &r.accounts.removed,
            account,
            |a| a.file.clone(),
        )
        .into_iter()
        .chain(r.accounts.changed.iter().map(|c| {
            [
                "changed".into(),
                account(&c.old),
                account(&c.new),
                c.new.file.clone(),
            ]
        }))
        .collect(),
    });
    for (title, m) in [("Keys", &r.keys), ("Certificates", &r.certificates)] {
        let item = |k: &netvet_model::diff::Material| format!("{} {}", k.kind, k.fingerprint);
        out.push(Section {
            title,
            rows: appeared(("added", "removed"), &m.added, &m.removed, item, |k| {
                k.path.clone()
            }),
        });
    }
    let version = |v: &Option<String>| v.clone().unwrap_or_else(|| "?".into());
    out.push(Section {
        title: "Components",
        rows: r
            .components
            .changed
            .iter()
            .map(|c| {
                [
                    format!("changed {}", c.name),
                    version(&c.old_version),
                    version(&c.new_version),
                    c.ecosystem.clone().unwrap_or_default(),
                ]
            })
            .chain(r.components.added.iter().map(|c| {
                [
                    format!("added {}", c.name),
                    dash(),
                    version(&c.version),
                    c.ecosystem.clone().unwrap_or_default(),
                ]
            }))
            .chain(r.components.removed.iter().map(|c| {
                [
                    format!("removed {}", c.name),
                    version(&c.version),
                    dash(),
                    c.ecosystem.clone().unwrap_or_default(),
                ]
            }))
            .collect(),
    });
    let vuln = |v: &netvet_model::diff::VulnerabilityRef| {
        format!(
            "{} {}{}",
            v.id,
            v.severity,
            if v.known_exploited { " KEV" } else { "" }
        )
    };
    out.push(Section {
        title: "Vulnerabilities",
        rows: appeared(
            ("introduced", "fixed"),
            &r.vulnerabilities.introduced,
            &r.vulnerabilities.fixed,
            vuln,
            |v| v.component.clone(),
        ),
    });
    let finding = |f: &netvet_model::diff::FindingRef| format!("{} {}", f.severity, f.check);
    out.push(Section {
        title: "Findings",
        rows: appeared(
            ("new", "resolved"),
            &r.findings.new,
            &r.findings.resolved,
            finding,
            |f| f.path.clone(),
        ),
    });
    out.push(Section {
        title: "Hardening",
        rows: r
            .hardening
            .regressions
            .iter()
            .map(|h| {
                [
                    format!("worse {}", h.property),
                    h.old.clone(),
                    h.new.clone(),
                    h.path.clone(),
                ]
            })
            .chain(r.hardening.improvements.iter().map(|h| {
                [
                    format!("better {}", h.property),
                    h.old.clone(),
                    h.new.clone(),
                    h.path.clone(),
                ]
            }))
            .collect(),
    });
    out.retain(|s| !s.rows.is_empty());
    out
}

fn side(s: &Side) -> String {
    format!(
        "{} ({}, {}, sha256 {}{})",
        s.input,
        s.kind,
        size(s.size),
        &s.sha256[..s.sha256.len().min(12)],
        if s.coverage == "complete" {
            String::new()
        } else {
            format!(", {} read", s.coverage)
        }
    )
}

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", count(n), if n == 1 { one } else { many })
}

/// The headline of a diff: one line per kind of change that happened.
fn headline(r: &DiffReport) -> Vec<String> {
    let s = &r.summary;
    let mut out = Vec::new();
    if r.files_compared {
        out.push(format!(
            "files: {} added, {} removed, {} changed ({}), {} renamed, {} with other metadata",
            count(s.files_added),
            count(s.files_removed),
            count(s.files_changed),
            plural(s.binaries_changed, "binary", "binaries"),
            count(s.files_renamed),
            count(s.metadata_changed)
        ));
    }
    out.push(format!(
        "listeners: {} opened, {} closed; services: {} added, {} removed",
        s.listeners_added, s.listeners_removed, s.services_added, s.services_removed
    ));
    out.push(format!(
        "accounts: {} added, {} removed, {} changed; keys: {} added, {} removed; certificates: {} added, {} removed",
        s.accounts_added,
        s.accounts_removed,
        s.accounts_changed,
        s.keys_added,
        s.keys_removed,
        s.certificates_added,
        s.certificates_removed
    ));
    out.push(format!(
        "components: {} added, {} removed, {} changed; vulnerabilities: {} fixed, {} introduced",
        s.components_added,
        s.components_removed,
        s.components_changed,
        s.vulnerabilities_fixed,
        s.vulnerabilities_introduced
    ));
    out.push(format!(
        "findings: {} new, {} resolved; hardening: {}, {}",
        s.findings_new,
        s.findings_resolved,
        plural(s.hardening_regressions, "regression", "regressions"),
        plural(s.hardening_improvements, "improvement", "improvements")
    ));
    out
}

/// A diff on a terminal, fitted to `style`'s width.
pub fn diff_table(r: &DiffReport, tripped: &[String], style: &Style) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "old: {}", side(&r.old));
    let _ = writeln!(out, "new: {}", side(&r.new));
    for l in headline(r) {
        let _ = writeln!(out, "  {l}");
    }
    for n in &r.notes {
        let _ = writeln!(out, "note: {n}");
    }
    for s in sections(r) {
        let _ = writeln!(out, "\n{} ({})", s.title, count(s.rows.len() as u64));
        let mut rows = vec![vec![
            "change".to_string(),
            "old".into(),
            "new".into(),
            "detail".into(),
        ]];
        rows.extend(s.rows.iter().take(MAX_ROWS).map(|r| r.to_vec()));
        out.push_str(&style.columns(&rows));
        if s.rows.len() > MAX_ROWS {
            let _ = writeln!(
                out,
                "… {} more (the JSON output has all)",
                count((s.rows.len() - MAX_ROWS) as u64)
            );
        }
    }
    for t in tripped {
        let _ = writeln!(out, "\nFAIL: {t}");
    }
    out
}

/// A diff in Markdown.
pub fn diff_markdown(r: &DiffReport, tripped: &[String]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# What changed: {} → {}\n", r.old.input, r.new.input);
    let _ = writeln!(out, "- Old: {}", md_cell(&side(&r.old)));
    let _ = writeln!(out, "- New: {}", md_cell(&side(&r.new)));
    for l in headline(r) {
        let _ = writeln!(out, "- {}", md_cell(&l));
    }
    for n in &r.notes {
        let _ = writeln!(out, "- Note: {}", md_cell(n));
    }
    for t in tripped {
        let _ = writeln!(out, "- **Gate failed:** {}", md_cell(t));
    }
    for s in sections(r) {
        let _ = writeln!(out, "\n## {} ({})\n", s.title, s.rows.len());
        out.push_str("| change | old | new | detail |\n|---|---|---|---|\n");
        for row in s.rows.iter().take(MAX_ROWS) {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                md_cell(&row[0]),
                md_cell(&row[1]),
                md_cell(&row[2]),
                md_cell(&row[3])
            );
        }
        if s.rows.len() > MAX_ROWS {
            let _ = writeln!(
                out,
                "\n{} more rows are in the JSON output.",
                s.rows.len() - MAX_ROWS
            );
        }
    }
    out
}

fn esc(s: &str) -> String {
    crate::html::format::Esc(s).to_string()
}

/// A diff as one HTML page: each change kind a table with the old and new release side by
/// side. Self-contained (no scripts, no external resources).
pub fn diff_html(r: &DiffReport, tripped: &[String]) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<title>netvet diff: {} → {}</title>\n<style>{}</style></head><body>\n",
        esc(&r.old.input),
        esc(&r.new.input),
        STYLE
    );
    let _ = write!(
        out,
        "<h1>What changed</h1>\n<table class=\"sides\"><tr><th>Old</th><th>New</th></tr>\
<tr><td>{}</td><td>{}</td></tr></table>\n<ul>",
        esc(&side(&r.old)),
        esc(&side(&r.new))
    );
    for l in headline(r) {
        let _ = write!(out, "<li>{}</li>", esc(&l));
    }
    for n in &r.notes {
        let _ = write!(out, "<li class=\"note\">{}</li>", esc(n));
    }
    for t in tripped {
        let _ = write!(out, "<li class=\"fail\">Gate failed: {}</li>", esc(t));
    }
    out.push_str("</ul>\n");
    for s in sections(r) {
        let _ = write!(
            out,
            "<h2>{} ({})</h2>\n<table><thead><tr><th>change</th><th>old: {}</th>\
<th>new: {}</th><th>detail</th></tr></thead><tbody>\n",
            s.title,
            s.rows.len(),
            esc(&r.old.input),
            esc(&r.new.input)
        );
        for row in &s.rows {
            let class = if row[1] == DASH {
                "added"
            } else if row[2] == DASH {
                "removed"
            } else {
                "changed"
            };
            let _ = writeln!(
                out,
                "<tr class=\"{class}\"><td>{}</td><td class=\"old\">{}</td>\
<td class=\"new\">{}</td><td>{}</td></tr>",
                esc(&row[0]),
                esc(&row[1]),
                esc(&row[2]),
                esc(&row[3])
            );
        }
        out.push_str("</tbody></table>\n");
    }
    out.push_str("</body></html>\n");
    out
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2em;color:#222}\
table{border-collapse:collapse;width:100%;margin-bottom:1.5em;font-size:.9em}\
th,td{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top;\
word-break:break-all}th{background:#f0f0f0}td.old{width:30%}td.new{width:30%}\
tr.added td.new{background:#e6ffe6}tr.removed td.old{background:#ffe6e6}\
tr.changed td.old{background:#fff4e0}tr.changed td.new{background:#fff4e0}\
li.fail{color:#a00;font-weight:bold}li.note{color:#555}";

/// An equivalence check on a terminal, fitted to `style`'s width.
pub fn equivalence_table(r: &EquivalenceReport, style: &Style) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "tested:   {}", side(&r.tested));
    let _ = writeln!(out, "deployed: {}", side(&r.deployed));
    let _ = writeln!(
        out,
        "verdict: {} ({} compared, {} identical, {} explained, {} material)",
        r.verdict.as_str().to_uppercase(),
        plural(r.counts.entries, "entry", "entries"),
        count(r.counts.identical),
        plural(r.counts.explained, "difference", "differences"),
        plural(r.counts.material, "difference", "differences"),
    );
    let applied: Vec<String> = r
        .normalisations
        .iter()
        .filter(|n| n.applied > 0)
        .map(|n| format!("{} ×{}", n.id, n.applied))
        .collect();
    if !applied.is_empty() {
        let _ = writeln!(out, "explained by: {}", applied.join(", "));
    }
    if !r.differences.is_empty() {
        let mut rows = vec![vec![
            "class".to_string(),
            "path".into(),
            "aspect".into(),
            "detail".into(),
        ]];
        rows.extend(r.differences.iter().take(MAX_ROWS).map(|d| {
            vec![
                match d.class {
                    DifferenceClass::Material => "MATERIAL".to_string(),
                    DifferenceClass::Explained => {
                        format!("explained ({})", d.normalisation.as_deref().unwrap_or(""))
                    }
                },
                if d.path.is_empty() {
                    "/".into()
                } else {
                    d.path.clone()
                },
                d.aspect.clone(),
                d.detail.clone(),
            ]
        }));
        out.push('\n');
        out.push_str(&style.columns(&rows));
        if r.differences.len() > MAX_ROWS {
            let _ = writeln!(
                out,
                "… {} more (the JSON output has all)",
                count((r.differences.len() - MAX_ROWS) as u64)
            );
        }
    }
    out
}

/// An equivalence check in Markdown.
pub fn equivalence_markdown(r: &EquivalenceReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Equivalence: {} ({})\n\n- Tested: {}\n- Deployed: {}\n- Entries compared: {}, identical: {}, explained: {}, material: {}\n",
        r.verdict.as_str(),
        r.deployed.input,
        md_cell(&side(&r.tested)),
        md_cell(&side(&r.deployed)),
        r.counts.entries,
        r.counts.identical,
        r.counts.explained,
        r.counts.material
    );
    out.push_str("## Normalisations\n\n| id | applied | what it allows |\n|---|---|---|\n");
    for n in &r.normalisations {
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            n.id,
            n.applied,
            md_cell(&n.description)
        );
    }
    if !r.differences.is_empty() {
        out.push_str("\n## Differences\n\n| class | path | aspect | detail | normalisation |\n|---|---|---|---|---|\n");
        for d in r.differences.iter().take(MAX_ROWS * 10) {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                crate::text::json_name(&d.class),
                md_cell(&d.path),
                d.aspect,
                md_cell(&d.detail),
                d.normalisation.as_deref().unwrap_or("")
            );
        }
    }
    out
}
