//! Informational findings from documentation and source code, grouped. Manuals, licences,
//! headers and script libraries quote URLs, addresses and example strings by the thousand; one
//! line each buries the findings that matter. When one check has many informational findings
//! in such files, they become one finding with the count and sample paths (`scan -v` keeps
//! them all).

use std::collections::BTreeMap;

use netvet_model::{Finding, Location, ScanReport, Severity, fingerprint};

/// From this many informational findings of one check in documentation and source files,
/// they are grouped.
pub const GROUP_FROM: usize = 4;
/// Sample paths a grouped finding lists.
const SAMPLES: usize = 8;

/// File name endings of source code and libraries of scripts, whose strings are code and
/// comments rather than the device's configuration. Shell scripts are left out on purpose:
/// on firmware they are the start-up and configuration logic.
const SOURCE_ENDINGS: &[&str] = &[
    ".c", ".h", ".cc", ".cpp", ".hpp", ".py", ".pyc", ".pl", ".pm", ".rb", ".js", ".ts", ".go",
    ".rs", ".java", ".php", ".lua", ".tcl", ".el",
];

/// Whether the path inside an image is documentation or source code.
pub fn is_doc_or_source(fs_path: &str) -> bool {
    let lower = fs_path.to_ascii_lowercase();
    netvet_inspect::checks::is_documentation(fs_path)
        || SOURCE_ENDINGS.iter().any(|e| lower.ends_with(e))
}

/// Groups the informational findings of `report` that are in documentation or source files
/// (and not suppressed): per check, from [`GROUP_FROM`] findings on, one finding replaces them.
/// Returns how many findings were folded into groups.
pub fn group_informational(report: &mut ScanReport) -> usize {
    let mut buckets: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, f) in report.findings.iter().enumerate() {
        if f.severity == Severity::Info
            && f.suppressed.is_none()
            && is_doc_or_source(inner_path(&f.location.path))
        {
            buckets.entry(f.check.clone()).or_default().push(i);
        }
    }
    let mut folded = vec![false; report.findings.len()];
    let mut groups = Vec::new();
    for (check, members) in buckets.into_iter().filter(|(_, m)| m.len() >= GROUP_FROM) {
        let first = &report.findings[members[0]];
        let mut files: Vec<&str> = members
            .iter()
            .map(|&i| report.findings[i].location.path.as_str())
            .collect();
        files.sort_unstable();
        files.dedup();
        let samples: Vec<String> = files
            .iter()
            .take(SAMPLES)
            .map(|p| inner_path(p).to_string())
            .collect();
        let mut details = BTreeMap::new();
        details.insert("grouped".to_string(), serde_json::json!(members.len()));
        details.insert("files".to_string(), serde_json::json!(files.len()));
        details.insert("sample_paths".to_string(), serde_json::json!(samples));
        let n = members.len();
        groups.push(Finding {
            id: fingerprint(&check, &["grouped in documentation and source"]),
            title: format!(
                "{n} informational findings of {check} in documentation and source files"
            ),
            check,
            severity: Severity::Info,
            category: first.category,
            cwe: first.cwe.clone(),
            location: Location {
                path: root_of(&first.location.path).to_string(),
                offset: None,
                line: None,
            },
            evidence: format!(
                "{n} in {} file{}, e.g. {}{} (scan --verbose lists each)",
                files.len(),
                if files.len() == 1 { "" } else { "s" },
                samples.join(", "),
                if files.len() > samples.len() {
                    ", …"
                } else {
                    ""
                }
            ),
            remediation: first.remediation.clone(),
            references: first.references.clone(),
            tags: first.tags.clone(),
            details,
            suppressed: None,
        });
        for i in members {
            folded[i] = true;
        }
    }
    let count = folded.iter().filter(|f| **f).count();
    if count > 0 {
        let mut keep = folded.iter().map(|f| !f);
        report.findings.retain(|_| keep.next().unwrap_or(true));
        report.findings.extend(groups);
        crate::analyse::sort_findings(&mut report.findings);
    }
    count
}

/// The path inside the innermost image (`fw.bin!/rootfs!/etc/passwd` → `/etc/passwd`).
fn inner_path(vpath: &str) -> &str {
    match vpath.rfind("!/") {
        Some(i) => &vpath[i + 1..],
        None => vpath,
    }
}

/// The innermost image of a virtual path (`fw.bin!/rootfs!/etc/passwd` → `fw.bin!/rootfs`).
fn root_of(vpath: &str) -> &str {
    match vpath.rfind("!/") {
        Some(i) => &vpath[..i],
        None => vpath,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use netvet_model::Category;

    fn finding(check: &str, path: &str, severity: Severity) -> Finding {
        Finding {
            id: fingerprint(check, &[path]),
            check: check.into(),
            title: "t".into(),
            severity,
            category: Category::NetworkIndicator,
            cwe: Vec::new(),
            location: Location {
                path: path.into(),
                offset: None,
                line: Some(1),
            },
            evidence: "e".into(),
            remediation: "r".into(),
            references: Vec::new(),
            tags: Vec::new(),
            details: BTreeMap::new(),
            suppressed: None,
        }
    }

    fn report(findings: Vec<Finding>) -> ScanReport {
        let mut r: ScanReport = serde_json::from_value(serde_json::json!({
            "schema": netvet_model::scan::SCAN_REPORT_SCHEMA,
            "image": {"schema": "netvet.image/1", "image": "fw.bin", "warnings": [], "size": 0, "sha256": "", "layers": [],
                      "totals": {"entries": 0, "files": 0, "dirs": 0, "symlinks": 0,
                                 "hard_links": 0, "devices": 0, "other": 0, "file_bytes": 0}},
            "findings": [], "services": []
        }))
        .unwrap_or_else(|e| panic!("{e}"));
        r.findings = findings;
        r
    }

    #[test]
    fn many_informational_findings_in_docs_and_sources_become_one() {
        let mut findings: Vec<Finding> = (0..5)
            .map(|i| {
                finding(
                    "nv-net-url",
                    &format!("fw.bin!/sq!/usr/lib/py/m{i}.py"),
                    Severity::Info,
                )
            })
            .collect();
        findings.push(finding(
            "nv-net-url",
            "fw.bin!/sq!/usr/share/doc/x/README",
            Severity::Info,
        ));
        // Not grouped: configuration, a higher severity, another check with few findings.
        findings.push(finding(
            "nv-net-url",
            "fw.bin!/sq!/etc/config",
            Severity::Info,
        ));
        findings.push(finding(
            "nv-net-url",
            "fw.bin!/sq!/usr/lib/py/evil.py",
            Severity::Low,
        ));
        findings.push(finding(
            "nv-secret",
            "fw.bin!/sq!/usr/lib/py/a.py",
            Severity::Info,
        ));
        let mut r = report(findings);
        assert_eq!(group_informational(&mut r), 6);
        assert_eq!(r.findings.len(), 4);
        let g = r
            .findings
            .iter()
            .find(|f| f.details.contains_key("grouped"))
            .unwrap_or_else(|| panic!("no group"));
        assert_eq!(g.check, "nv-net-url");
        assert_eq!(g.location.path, "fw.bin!/sq");
        assert_eq!(g.details["grouped"], serde_json::json!(6));
        assert_eq!(g.details["files"], serde_json::json!(6));
        assert!(
            g.evidence
                .starts_with("6 in 6 files, e.g. /usr/lib/py/m0.py"),
            "{}",
            g.evidence
        );
        assert!(
            r.findings
                .iter()
                .any(|f| f.location.path.ends_with("/etc/config"))
        );
        assert!(r.findings.iter().any(|f| f.severity == Severity::Low));
        assert!(r.findings.iter().any(|f| f.check == "nv-secret"));
    }

    #[test]
    fn few_findings_stay_as_they_are() {
        let findings: Vec<Finding> = (0..GROUP_FROM - 1)
            .map(|i| {
                finding(
                    "nv-net-url",
                    &format!("fw.bin!/sq!/usr/include/h{i}.h"),
                    Severity::Info,
                )
            })
            .collect();
        let mut r = report(findings.clone());
        assert_eq!(group_informational(&mut r), 0);
        assert_eq!(r.findings, findings);
    }
}
