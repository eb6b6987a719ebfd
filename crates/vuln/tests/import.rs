//! Importing advisory files: the repository's `advisories/` from disk, and hostile files.

#![allow(clippy::unwrap_used)]

use netvet_vuln::Index;
use netvet_vuln::advisory::Bounds;

#[test]
fn the_advisories_directory_imports_like_the_built_in_set() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../advisories");
    let mut idx = Index::in_memory().unwrap();
    let mut files = 0;
    for sub in ["nvd", "osv", "kev"] {
        let mut paths: Vec<_> = std::fs::read_dir(dir.join(sub))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        paths.sort();
        for p in paths {
            let s = idx
                .import(
                    &p.display().to_string(),
                    &std::fs::read(&p).unwrap(),
                    &Bounds::default(),
                )
                .unwrap();
            assert!(s.skipped.is_empty(), "{}: {:?}", p.display(), s.skipped);
            files += 1;
        }
    }
    assert_eq!(
        files,
        netvet_vuln::builtin::FILES.len(),
        "every file in advisories/ is built in"
    );
    let (a, b) = (
        idx.status().unwrap(),
        Index::builtin().unwrap().status().unwrap(),
    );
    assert_eq!(
        (a.advisories, a.cpe_ranges, a.package_ranges, a.kev_entries),
        (b.advisories, b.cpe_ranges, b.package_ranges, b.kev_entries)
    );
    // Every advisory names where it comes from.
    for (name, text) in netvet_vuln::builtin::FILES {
        assert!(text.contains("https://"), "{name} has no source URL");
    }
}

#[test]
fn hostile_advisory_files_give_errors_or_skipped_records_never_panics() {
    let mut idx = Index::in_memory().unwrap();
    let b = Bounds::default();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("truncated", br#"{"id": "X", "affected": [{"#.to_vec()),
        (
            "deep",
            format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)).into_bytes(),
        ),
        ("binary", vec![0xff, 0xfe, 0x00, 0x01]),
        ("empty", Vec::new()),
        ("number", b"42".to_vec()),
    ];
    for (name, bytes) in cases {
        assert!(
            idx.import(name, &bytes, &b).is_err(),
            "{name} should be refused"
        );
    }
    // Well-formed JSON with wrong shapes: records skipped with a reason, the rest imported.
    let mixed = serde_json::json!([
        {"id": "GOOD", "affected": [{"package": {"ecosystem": "Debian:12", "name": "x"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.0"}]}]}]},
        {"id": ["not", "a", "string"]},
        {"summary": "no id"},
        {"id": "HUGE", "affected": (0..20_000).map(|_| serde_json::json!({})).collect::<Vec<_>>()},
    ]);
    let s = idx
        .import("mixed.json", mixed.to_string().as_bytes(), &b)
        .unwrap();
    assert_eq!(s.advisories, 1);
    assert_eq!(s.skipped.len(), 3, "{:?}", s.skipped);
    let nvd_bad_cpe = serde_json::json!({"vulnerabilities": [{"cve": {"id": "CVE-X", "configurations": [{"nodes": [{"cpeMatch": [{"vulnerable": true, "criteria": "cpe:/a:old:format"}]}]}]}}]});
    let s = idx
        .import("nvd.json", nvd_bad_cpe.to_string().as_bytes(), &b)
        .unwrap();
    assert_eq!(s.skipped.len(), 1);
    assert!(s.skipped[0].contains("bad CPE"), "{:?}", s.skipped);
}

#[test]
fn ranges_with_unparseable_bounds_are_counted_not_matched() {
    let mut idx = Index::in_memory().unwrap();
    let osv = serde_json::json!({"id": "ODD", "affected": [{"package": {"ecosystem": "Debian:12", "name": "x"},
        "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "not a version!"}]}]}]});
    idx.import("odd.json", osv.to_string().as_bytes(), &Bounds::default())
        .unwrap();
    let c = netvet_model::Component {
        name: "x".into(),
        version: Some("1.0-1".into()),
        kind: netvet_model::ComponentType::Package,
        purl: Some("pkg:deb/debian/x@1.0-1".into()),
        cpes: vec![],
        end_of_support: None,
        unsupported: false,
        evidence: vec![],
        ecosystem: Some("Debian:12".to_string()),
        source_package: None,
        distro: None,
        properties: Default::default(),
    };
    let r = netvet_vuln::Matcher::new(&idx).match_all(&[c]).unwrap();
    assert!(r.vulnerabilities.is_empty());
    assert_eq!(r.bad_ranges, 1);
}
