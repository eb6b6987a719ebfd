//! A stored scan report re-matched against another advisory index, without the image: an
//! advisory the new index holds adds the vulnerability and its finding; one it lacks removes
//! them; every other finding stays as it was.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use netvet_forge::FsTree;
use netvet_pipeline::rematch::rematch;
use netvet_pipeline::{AnalyseOptions, Analyser, today};

/// An index holding the built-in advisories and `osv` (one OSV advisory).
fn index(dir: &Path, name: &str, osv: serde_json::Value) -> PathBuf {
    let file = dir.join(format!("{name}.json"));
    std::fs::write(&file, osv.to_string()).unwrap();
    let path = dir.join(format!("{name}.db"));
    netvet_vuln::staged::import_paths(
        &path,
        &[file],
        true,
        &netvet_vuln::advisory::Bounds::default(),
    )
    .unwrap();
    path
}

fn advisory(id: &str, package: &str) -> serde_json::Value {
    serde_json::json!({
        "id": id, "modified": "2026-01-01T00:00:00Z",
        "affected": [{"package": {"ecosystem": "Debian:12", "name": package},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.0-1"}]}]}]
    })
}

#[test]
fn rematch_adds_and_removes_vulnerabilities_and_keeps_other_findings() {
    let dir = tempfile::tempdir().unwrap();
    let without = index(dir.path(), "without", advisory("NV-OTHER-1", "other-pkg"));
    let with = index(dir.path(), "with", advisory("NV-TEST-1", "netvet-test-pkg"));
    let mut t = FsTree::new();
    t.file("/etc/os-release", 0o644, "ID=debian\nVERSION_ID=\"12\"\n");
    t.file(
        "/var/lib/dpkg/status",
        0o644,
        "Package: netvet-test-pkg\nStatus: install ok installed\nVersion: 1.0-1\nArchitecture: amd64\n\n",
    );
    t.file("/etc/passwd", 0o644, "root::0:0:root:/root:/bin/sh\n");
    let image = dir.path().join("image.sqfs");
    std::fs::write(
        &image,
        netvet_forge::squashfs::write(&t, netvet_forge::squashfs::Options::default()),
    )
    .unwrap();
    let analyser = Analyser::new(AnalyseOptions {
        index: Some(without.clone()),
        ..AnalyseOptions::new(today())
    })
    .unwrap();
    let mut report = analyser.analyse(&image, &None).unwrap();
    let vuln_check = netvet_vuln::findings::CHECK;
    assert!(report.vulnerabilities.is_empty());
    let others: Vec<String> = report
        .findings
        .iter()
        .filter(|f| f.check != vuln_check)
        .map(|f| f.id.clone())
        .collect();
    assert!(!others.is_empty(), "the empty root password is a finding");

    let added = rematch(&mut report, Some(&with), today()).unwrap();
    assert_eq!(added.removed, Vec::<String>::new());
    assert_eq!(added.added.len(), 1, "{added:?}");
    assert!(added.added[0].starts_with("NV-TEST-1 "), "{added:?}");
    assert_eq!(report.vulnerabilities.len(), 1);
    assert_eq!(report.vulnerabilities[0].id, "NV-TEST-1");
    assert_eq!(
        report
            .findings
            .iter()
            .filter(|f| f.check == vuln_check)
            .count(),
        1
    );
    assert!(
        report
            .advisory_data
            .as_ref()
            .is_some_and(|a| a.index == with.display().to_string()),
        "{:?}",
        report.advisory_data
    );

    let removed = rematch(&mut report, Some(&without), today()).unwrap();
    assert_eq!(removed.added, Vec::<String>::new());
    assert_eq!(removed.removed, added.added);
    assert!(report.vulnerabilities.is_empty());
    let after: Vec<String> = report
        .findings
        .iter()
        .filter(|f| f.check != vuln_check)
        .map(|f| f.id.clone())
        .collect();
    assert_eq!(after, others);
    // Nothing changes when matched again against the same index.
    assert!(
        rematch(&mut report, Some(&without), today())
            .unwrap()
            .is_empty()
    );
}
