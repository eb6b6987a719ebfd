//! rpm packages end to end: an image with an rpm database (SQLite, rpm's schema, header blobs
//! written here as rpm lays them out) and a distribution's os-release is catalogued, and its
//! packages are matched against OSV advisories of their distribution's ecosystem with the rpm
//! version scheme: an affected package matches, the fixed one and later ones do not.

#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use netvet_forge::FsTree;
use netvet_model::Component;
use netvet_unpack::{MemSource, Options};
use netvet_vuln::advisory::Bounds;
use netvet_vuln::{Index, Matcher};

/// An installed package as its header says it.
struct Pkg {
    name: &'static str,
    epoch: Option<u32>,
    version: &'static str,
    release: &'static str,
    source: &'static str,
}

/// A header blob: NAME, VERSION, RELEASE, EPOCH, ARCH, SOURCERPM (rpm's tags 1000-1003, 1022,
/// 1044), big-endian index entries then the data store.
fn header(p: &Pkg) -> Vec<u8> {
    let string = |tag: u32, s: &str| {
        let mut d = s.as_bytes().to_vec();
        d.push(0);
        (tag, 6u32, d)
    };
    let mut entries = vec![
        string(1000, p.name),
        string(1001, p.version),
        string(1002, p.release),
        string(1022, "x86_64"),
        string(1044, p.source),
    ];
    if let Some(e) = p.epoch {
        entries.push((1003, 4, e.to_be_bytes().to_vec()));
    }
    let (mut index, mut store) = (Vec::new(), Vec::new());
    for (tag, kind, data) in &entries {
        while *kind == 4 && store.len() % 4 != 0 {
            store.push(0);
        }
        for x in [*tag, *kind, store.len() as u32, 1] {
            index.extend_from_slice(&x.to_be_bytes());
        }
        store.extend_from_slice(data);
    }
    let mut blob = (entries.len() as u32).to_be_bytes().to_vec();
    blob.extend_from_slice(&(store.len() as u32).to_be_bytes());
    blob.extend(index);
    blob.extend(store);
    blob
}

/// An rpm SQLite database of the packages.
fn rpmdb(pkgs: &[Pkg]) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rpmdb.sqlite");
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(
        "CREATE TABLE 'Packages' (hnum INTEGER PRIMARY KEY AUTOINCREMENT,blob BLOB NOT NULL);",
    )
    .unwrap();
    for p in pkgs {
        conn.execute("INSERT INTO Packages(blob) VALUES (?1)", [header(p)])
            .unwrap();
    }
    drop(conn);
    std::fs::read(&path).unwrap()
}

fn catalog(os_release: &str, pkgs: &[Pkg]) -> Vec<Component> {
    let mut t = FsTree::new();
    t.file("etc/os-release", 0o644, os_release);
    t.file("var/lib/rpm/rpmdb.sqlite", 0o644, rpmdb(pkgs));
    let bytes = netvet_forge::squashfs::write(&t, netvet_forge::squashfs::Options::default());
    let tree = netvet_unpack::open_source(
        "el.img",
        Arc::new(MemSource::new(bytes)),
        &Options::default(),
        None,
    );
    let cat = netvet_sbom::catalog(&tree).unwrap();
    assert!(cat.problems.is_empty(), "{:?}", cat.problems);
    cat.components
}

/// Advisory ids matched, by component name and version.
fn matches(cs: &[Component], index: &Index) -> BTreeMap<String, BTreeSet<String>> {
    let report = Matcher::new(index).match_all(cs).unwrap();
    assert_eq!(report.not_comparable, [], "rpm versions are comparable");
    assert_eq!(report.bad_ranges, 0);
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for v in &report.vulnerabilities {
        let c = cs
            .iter()
            .find(|c| netvet_vuln::matcher::component_key(c) == *v.component)
            .unwrap();
        let key = format!("{}@{}", c.name, c.version.as_deref().unwrap());
        out.entry(key).or_default().insert(v.id.clone());
    }
    out
}

fn labels(l: &[(&str, &[&str])]) -> BTreeMap<String, BTreeSet<String>> {
    l.iter()
        .map(|(k, v)| (k.to_string(), v.iter().map(|s| s.to_string()).collect()))
        .collect()
}

const ROCKY: &str = "NAME=\"Rocky Linux\"\nVERSION=\"9.3 (Blue Onyx)\"\nID=\"rocky\"\nVERSION_ID=\"9.3\"\nPRETTY_NAME=\"Rocky Linux 9.3 (Blue Onyx)\"\nCPE_NAME=\"cpe:/o:rocky:rocky:9::baseos\"\n";

/// Shaped like Rocky Linux's OSV records (RLSA, source package names, epoch in the fixed
/// version when the package has one); written for this test, not a real advisory.
const RLSA: &str = r#"[
 {"id": "RLSA-2099:0001", "summary": "Important: openssl security update (test)",
  "affected": [{"package": {"ecosystem": "Rocky Linux:9", "name": "openssl"},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1:3.0.7-25.el9_3"}]}]}]},
 {"id": "RLSA-2099:0002", "summary": "Moderate: curl security update (test)",
  "affected": [{"package": {"ecosystem": "Rocky Linux:9", "name": "curl"},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "7.76.1-26.el9_3.2"}]}]}]},
 {"id": "RLSA-2099:0003", "summary": "Low: curl on Rocky Linux 8 (test)",
  "affected": [{"package": {"ecosystem": "Rocky Linux:8", "name": "curl"},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "7.61.1-34.el8"}]}]}]},
 {"id": "RLSA-2099:0004", "summary": "Low: a pre-release fixed in the release (test)",
  "affected": [{"package": {"ecosystem": "Rocky Linux:9", "name": "netvet-rc"},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.0-1.el9"}]}]}]}
]"#;

fn rocky_index() -> Index {
    let mut index = Index::in_memory().unwrap();
    let s = index
        .import("rlsa-test.json", RLSA.as_bytes(), &Bounds::default())
        .unwrap();
    assert_eq!(s.advisories, 4);
    index
}

#[test]
fn rocky_packages_match_their_advisories_and_fixed_ones_do_not() {
    let index = rocky_index();
    let old = catalog(
        ROCKY,
        &[
            // Binary package of the openssl source package: matched through its source name.
            Pkg {
                name: "openssl-libs",
                epoch: Some(1),
                version: "3.0.7",
                release: "24.el9",
                source: "openssl-3.0.7-24.el9.src.rpm",
            },
            // el9_3.1 < el9_3.2: the release decides.
            Pkg {
                name: "curl",
                epoch: None,
                version: "7.76.1",
                release: "26.el9_3.1",
                source: "curl-7.76.1-26.el9_3.1.src.rpm",
            },
            // 2.0~rc1 sorts before 2.0.
            Pkg {
                name: "netvet-rc",
                epoch: None,
                version: "2.0~rc1",
                release: "1.el9",
                source: "netvet-rc-2.0~rc1-1.el9.src.rpm",
            },
        ],
    );
    let os = old.iter().find(|c| c.name == "openssl-libs").unwrap();
    assert_eq!(os.ecosystem.as_deref().unwrap_or_default(), "Rocky Linux:9");
    assert_eq!(os.source_package.as_deref().unwrap_or_default(), "openssl");
    assert_eq!(
        matches(&old, &index),
        labels(&[
            ("openssl-libs@1:3.0.7-24.el9", &["RLSA-2099:0001"]),
            ("curl@7.76.1-26.el9_3.1", &["RLSA-2099:0002"]),
            ("netvet-rc@2.0~rc1-1.el9", &["RLSA-2099:0004"]),
        ])
    );
    let report = Matcher::new(&index).match_all(&old).unwrap();
    let v = report
        .vulnerabilities
        .iter()
        .find(|v| v.id == "RLSA-2099:0001")
        .unwrap();
    let ev = v.evidence.as_ref().unwrap();
    assert_eq!(&*ev.searched, "osv Rocky Linux:9 openssl 1:3.0.7-24.el9");
    assert_eq!(ev.matched, "<1:3.0.7-25.el9_3");
    assert_eq!(&*ev.scheme, "rpm");
    assert_eq!(v.fixed_in.as_deref(), Some("1:3.0.7-25.el9_3"));

    // The fixed versions, and later ones, match nothing; the Rocky 8 advisory never applied.
    for (ssl, curl, rc) in [
        ("3.0.7-25.el9_3", "26.el9_3.2", "2.0"),
        ("3.0.7-27.el9", "26.el9_4", "2.0.1"),
    ] {
        let (v, r) = ssl.split_once('-').unwrap();
        let (rv, rr) = (rc, "1.el9");
        let fixed = catalog(
            ROCKY,
            &[
                Pkg {
                    name: "openssl-libs",
                    epoch: Some(1),
                    version: v,
                    release: r,
                    source: "openssl-x.src.rpm",
                },
                Pkg {
                    name: "curl",
                    epoch: None,
                    version: "7.76.1",
                    release: curl,
                    source: "curl-7.76.1-1.src.rpm",
                },
                Pkg {
                    name: "netvet-rc",
                    epoch: None,
                    version: rv,
                    release: rr,
                    source: "netvet-rc-2.0-1.src.rpm",
                },
            ],
        );
        assert_eq!(
            matches(&fixed, &index),
            BTreeMap::new(),
            "{ssl} {curl} {rc}"
        );
    }

    // An advisory's version without the package's epoch is epoch 0, as rpm compares it: the
    // epoch-1 package is newer than any of it.
    let mut index = Index::in_memory().unwrap();
    index
        .import(
            "no-epoch.json",
            RLSA.replace("1:3.0.7-25.el9_3", "3.9.9-99.el9").as_bytes(),
            &Bounds::default(),
        )
        .unwrap();
    let only_ssl: Vec<Component> = old
        .into_iter()
        .filter(|c| c.name == "openssl-libs")
        .collect();
    assert_eq!(matches(&only_ssl, &index), BTreeMap::new());
}

/// AlmaLinux's real ALSA-2024:9333 (the built-in set): openssl-libs before 1:3.2.2-6.el9_5.
#[test]
fn almalinux_packages_match_the_built_in_alsa() {
    let index = Index::builtin().unwrap();
    let alma =
        "NAME=\"AlmaLinux\"\nVERSION=\"9.5 (Teal Serval)\"\nID=\"almalinux\"\nVERSION_ID=\"9.5\"\n";
    let pkg = |release: &'static str| Pkg {
        name: "openssl-libs",
        epoch: Some(1),
        version: "3.2.2",
        release,
        source: "openssl-3.2.2-6.el9_5.src.rpm",
    };
    let old = catalog(alma, &[pkg("5.el9_5")]);
    assert_eq!(
        matches(&old, &index),
        labels(&[("openssl-libs@1:3.2.2-5.el9_5", &["ALSA-2024:9333"])])
    );
    assert_eq!(
        matches(&catalog(alma, &[pkg("6.el9_5")]), &index),
        BTreeMap::new()
    );
    assert_eq!(
        matches(&catalog(alma, &[pkg("6.el9_5.1")]), &index),
        BTreeMap::new()
    );
    // The same package on Rocky Linux is not in AlmaLinux's ecosystem.
    assert_eq!(
        matches(&catalog(ROCKY, &[pkg("5.el9_5")]), &index),
        BTreeMap::new()
    );
}

/// Red Hat's ecosystems are per product stream: a RHEL 9 package is matched in every stream
/// of RHEL 9 (baseos and appstream), once per advisory, and never in RHEL 8's.
#[test]
fn rhel_packages_match_every_rhel_9_stream_once() {
    let rhsa = r#"[{"id": "RHSA-2099:0005", "summary": "test, shaped like Red Hat's OSV records",
      "affected": [
        {"package": {"ecosystem": "Red Hat:enterprise_linux:9::appstream", "name": "openssl"},
         "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1:3.0.7-27.el9"}]}]},
        {"package": {"ecosystem": "Red Hat:enterprise_linux:9::baseos", "name": "openssl-libs"},
         "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1:3.0.7-27.el9"}]}]},
        {"package": {"ecosystem": "Red Hat:enterprise_linux:8::baseos", "name": "openssl-libs"},
         "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1:9.9.9-1.el8"}]}]}]}]"#;
    let mut index = Index::in_memory().unwrap();
    index
        .import("rhsa-test.json", rhsa.as_bytes(), &Bounds::default())
        .unwrap();
    let rhel = "NAME=\"Red Hat Enterprise Linux\"\nID=\"rhel\"\nVERSION_ID=\"9.4\"\n";
    let pkg = |release: &'static str| Pkg {
        name: "openssl-libs",
        epoch: Some(1),
        version: "3.0.7",
        release,
        source: "openssl-3.0.7-1.el9.src.rpm",
    };
    let cs = catalog(rhel, &[pkg("26.el9")]);
    let c = cs.iter().find(|c| c.name == "openssl-libs").unwrap();
    assert_eq!(
        c.ecosystem.as_deref().unwrap_or_default(),
        "Red Hat:enterprise_linux:9"
    );
    assert!(
        c.purl
            .as_deref()
            .unwrap()
            .starts_with("pkg:rpm/redhat/openssl-libs@3.0.7-26.el9?")
    );
    let report = Matcher::new(&index).match_all(&cs).unwrap();
    assert_eq!(
        report.vulnerabilities.len(),
        1,
        "{:#?}",
        report.vulnerabilities
    );
    assert_eq!(report.vulnerabilities[0].id, "RHSA-2099:0005");
    assert_eq!(
        matches(&catalog(rhel, &[pkg("27.el9")]), &index),
        BTreeMap::new()
    );
}
