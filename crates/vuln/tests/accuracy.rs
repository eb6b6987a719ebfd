//! Accuracy on the quality corpus: images with planted vulnerable components (the demo's
//! sample devices, an OpenWrt-style router, Debian images), labelled with the advisories
//! each must match. Every planted vulnerable component is matched (no false negatives), no
//! other match appears (no false positives), and no advisory ever matches its fixed version.

#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use netvet_forge::FsTree;
use netvet_model::{Component, ComponentEvidence, ComponentType};
use netvet_unpack::{MemSource, Options};
use netvet_vuln::advisory::{self, Bounds, Event};
use netvet_vuln::{Index, Matcher};

fn catalog(name: &str, image: Vec<u8>) -> Vec<Component> {
    let tree = netvet_unpack::open_source(
        name,
        Arc::new(MemSource::new(image)),
        &Options::default(),
        None,
    );
    netvet_sbom::catalog(&tree).unwrap().components
}

fn recipe(file: &str) -> Vec<u8> {
    let path = format!(
        "{}/../../examples/firmware/{file}",
        env!("CARGO_MANIFEST_DIR")
    );
    let r =
        netvet_forge::recipe::Recipe::parse(file, &std::fs::read_to_string(path).unwrap()).unwrap();
    r.build(file).unwrap().1
}

fn program(s: &str) -> Vec<u8> {
    let mut b = b"\x7fELF\x01\x01\x01\0".to_vec();
    b.resize(256, 0);
    b.extend_from_slice(s.as_bytes());
    b.resize(b.len() + 64, 0);
    b
}

fn squashfs(t: &FsTree) -> Vec<u8> {
    netvet_forge::squashfs::write(t, netvet_forge::squashfs::Options::default())
}

fn openwrt() -> Vec<u8> {
    let mut t = FsTree::new();
    t.file(
        "etc/openwrt_release",
        0o644,
        "DISTRIB_ID='OpenWrt'\nDISTRIB_RELEASE='19.07.4'\n",
    );
    t.file(
        "usr/lib/opkg/status",
        0o644,
        "Package: busybox\nVersion: 1.30.1-6\nStatus: install user installed\n\n\
         Package: dnsmasq-full\nVersion: 2.80-16.3\nStatus: install user installed\n\n\
         Package: libopenssl1.1\nVersion: 1.1.1g-1\nStatus: install user installed\n\n\
         Package: uhttpd\nVersion: 2020-02-12-2ee323c0-1\nStatus: install user installed\n\n\
         Package: dropbear\nVersion: 2019.78-2\nStatus: install user installed\n",
    );
    t.file("usr/lib/opkg/info/busybox.list", 0o644, "/bin/busybox\n");
    t.file(
        "usr/lib/opkg/info/dnsmasq-full.list",
        0o644,
        "/usr/sbin/dnsmasq\n",
    );
    t.file(
        "bin/busybox",
        0o755,
        program("BusyBox v1.30.1 (2020-09-01) multi-call binary."),
    );
    t.file("usr/sbin/dnsmasq", 0o755, program("\0dnsmasq-2.80\0"));
    t.file("usr/bin/dns-helper", 0o755, program("\0dnsmasq-2.62\0"));
    t.file(
        "lib/modules/4.14.195/x.ko",
        0o644,
        program("vermagic=4.14.195 SMP mod_unload "),
    );
    squashfs(&t)
}

fn debian(busybox: &str, libssl: &str) -> Vec<u8> {
    let mut t = FsTree::new();
    t.file("etc/os-release", 0o644, "ID=debian\nVERSION_ID=\"12\"\n");
    t.file(
        "var/lib/dpkg/status",
        0o644,
        format!(
            "Package: busybox\nStatus: install ok installed\nVersion: {busybox}\n\n\
             Package: libssl3\nStatus: install ok installed\nSource: openssl\nVersion: {libssl}\n"
        ),
    );
    squashfs(&t)
}

type Labels = BTreeMap<&'static str, Vec<&'static str>>;

fn matched(
    components: &[Component],
    index: &Index,
) -> (BTreeMap<String, BTreeSet<String>>, netvet_vuln::MatchReport) {
    let report = Matcher::new(index).match_all(components).unwrap();
    let mut by: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for v in &report.vulnerabilities {
        let name = components
            .iter()
            .find(|c| netvet_vuln::matcher::component_key(c) == *v.component)
            .map(|c| format!("{}@{}", c.name, c.version.as_deref().unwrap_or("")))
            .unwrap();
        by.entry(name).or_default().insert(v.id.clone());
    }
    (by, report)
}

fn check(
    image: &str,
    components: &[Component],
    index: &Index,
    labels: Labels,
) -> netvet_vuln::MatchReport {
    let (got, report) = matched(components, index);
    let want: BTreeMap<String, BTreeSet<String>> = labels
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.into_iter().map(str::to_string).collect()))
        .collect();
    assert_eq!(got, want, "{image}: matches differ from the labels");
    report
}

#[test]
fn sample_radio_unit_matches_exactly_its_labels() {
    let index = Index::builtin().unwrap();
    let cs = catalog("acme-ru4400-2.1.7.bin", recipe("acme-ru4400.toml"));
    let report = check(
        "acme",
        &cs,
        &index,
        BTreeMap::from([
            (
                "busybox@1.24.1",
                vec![
                    "CVE-2016-2147",
                    "CVE-2016-2148",
                    "CVE-2017-16544",
                    "CVE-2022-48174",
                ],
            ),
            // CVE-2016-7406 was fixed in 2016.74 itself: not matched.
            (
                "dropbear@2016.74",
                vec!["CVE-2017-9078", "CVE-2018-15599", "CVE-2020-36254"],
            ),
            (
                "openssl@1.0.1e",
                vec!["CVE-2014-0160", "CVE-2014-0224", "CVE-2016-2107"],
            ),
            // Dirty COW (fixed in 4.8.3) and Dirty Pipe (5.8+) do not apply to 4.14.180.
            (
                "linux-kernel@4.14.180",
                vec!["CVE-2021-22555", "CVE-2024-1086"],
            ),
        ]),
    );
    let kev: BTreeSet<&str> = report
        .vulnerabilities
        .iter()
        .filter(|v| v.known_exploited)
        .map(|v| v.id.as_str())
        .collect();
    assert_eq!(
        kev,
        BTreeSet::from(["CVE-2014-0160", "CVE-2021-22555", "CVE-2024-1086"])
    );
    let heartbleed = report
        .vulnerabilities
        .iter()
        .find(|v| v.id == "CVE-2014-0160")
        .unwrap();
    let ev = heartbleed.evidence.as_ref().unwrap();
    assert_eq!(&*ev.searched, "cpe:2.3:a:openssl:openssl:1.0.1e");
    assert_eq!(ev.matched, ">=1.0.1, <1.0.1g");
    assert_eq!(&*ev.scheme, "generic");
    assert_eq!(&*ev.source, "builtin:nvd/openssl.json");
    assert_eq!(heartbleed.fixed_in.as_deref(), Some("1.0.1g"));
}

#[test]
fn sample_core_appliance_matches_exactly_its_labels() {
    let index = Index::builtin().unwrap();
    let cs = catalog(
        "northwind-nc5000-5.3.0.tar.gz",
        recipe("northwind-nc5000.toml"),
    );
    check(
        "northwind",
        &cs,
        &index,
        BTreeMap::from([
            ("openssl@3.0.13", vec!["CVE-2024-5535"]),
            // Dirty Pipe was fixed in 5.15.25.
            ("linux-kernel@5.15.120", vec!["CVE-2024-1086"]),
        ]),
    );
}

#[test]
fn openwrt_packages_match_by_cpe_with_their_upstream_version() {
    let index = Index::builtin().unwrap();
    let cs = catalog("owrt.bin", openwrt());
    let report = check(
        "openwrt",
        &cs,
        &index,
        BTreeMap::from([
            ("busybox@1.30.1-6", vec!["CVE-2022-48174"]),
            // CVE-2017-14491 was fixed in 2.78.
            ("dnsmasq-full@2.80-16.3", vec!["CVE-2020-25681"]),
            ("dnsmasq@2.62", vec!["CVE-2017-14491", "CVE-2020-25681"]),
            // CVE-2018-15599 affects up to 2018.76 only.
            ("dropbear@2019.78-2", vec!["CVE-2020-36254"]),
            (
                "linux-kernel@4.14.195",
                vec!["CVE-2021-22555", "CVE-2024-1086"],
            ),
        ]),
    );
    // A git-snapshot version cannot be ordered against release ranges: reported, not guessed.
    let nc: Vec<(&str, &str)> = report
        .not_comparable
        .iter()
        .map(|n| (n.component.as_str(), n.version.as_str()))
        .collect();
    assert!(
        nc.contains(&(
            "pkg:opkg/openwrt/uhttpd@2020-02-12-2ee323c0-1?distro=openwrt-19.07.4",
            "2020-02-12-2ee323c0-1"
        )),
        "{nc:?}"
    );
}

#[test]
fn debian_packages_match_distribution_advisories_not_upstream_ranges() {
    let index = Index::builtin().unwrap();
    let old = catalog("deb-old.img", debian("1:1.35.0-4", "3.0.11-1~deb12u2"));
    check(
        "debian old",
        &old,
        &index,
        BTreeMap::from([
            ("busybox@1:1.35.0-4", vec!["DEBIAN-CVE-2022-48174"]),
            ("libssl3@3.0.11-1~deb12u2", vec!["DEBIAN-CVE-2024-5535"]),
        ]),
    );
    // The fixed versions, and later ones, match nothing.
    let fixed = catalog(
        "deb-fixed.img",
        debian("1:1.35.0-4+deb12u1", "3.0.15-1~deb12u1"),
    );
    check("debian fixed", &fixed, &index, BTreeMap::new());
    let later = catalog(
        "deb-later.img",
        debian("1:1.35.0-4+deb12u1+b1", "3.0.22-1~deb12u2"),
    );
    check("debian later", &later, &index, BTreeMap::new());
}

fn component(
    name: &str,
    version: &str,
    cpe: Option<(&str, &str)>,
    ecosystem: Option<&str>,
) -> Component {
    Component {
        name: name.into(),
        version: Some(version.into()),
        kind: ComponentType::Binary,
        purl: Some(format!("pkg:generic/{name}@{version}")),
        cpes: cpe
            .map(|(v, p)| vec![format!("cpe:2.3:a:{v}:{p}:{version}:*:*:*:*:*:*:*")])
            .unwrap_or_default(),
        end_of_support: None,
        unsupported: false,
        evidence: vec![ComponentEvidence {
            path: "x".into(),
            cataloger: "test".into(),
            confidence: 1.0,
        }],
        ecosystem: ecosystem.map(str::to_string),
        source_package: None,
        distro: None,
        properties: BTreeMap::new(),
    }
}

#[test]
fn no_advisory_ever_matches_its_fixed_version() {
    let index = Index::builtin().unwrap();
    let mut checked = 0;
    for (name, text) in netvet_vuln::builtin::FILES {
        let parsed = advisory::parse(name, text.as_bytes(), &Bounds::default()).unwrap();
        for a in &parsed.advisories {
            let mut probes = Vec::new();
            for c in &a.cpes {
                for fixed in [&c.end_excluding, &c.start_excluding].into_iter().flatten() {
                    probes.push(component(
                        &c.product,
                        fixed,
                        Some((&c.vendor, &c.product)),
                        None,
                    ));
                }
            }
            for p in &a.affected {
                for r in &p.ranges {
                    for e in &r.events {
                        if let Event::Fixed(f) = e {
                            probes.push(component(&p.name, f, None, Some(&p.ecosystem)));
                        }
                    }
                }
            }
            for probe in probes {
                let report = Matcher::new(&index)
                    .match_all(std::slice::from_ref(&probe))
                    .unwrap();
                assert!(
                    !report
                        .vulnerabilities
                        .iter()
                        .any(|v| v.id == a.id || v.aliases.contains(&a.id)),
                    "{} matched its fixed version {:?}",
                    a.id,
                    probe.version
                );
                checked += 1;
            }
        }
    }
    assert!(checked >= 30, "{checked} fixed versions checked");
}

#[test]
fn and_configurations_need_their_platform_in_the_image() {
    let mut index = Index::in_memory().unwrap();
    let nvd = serde_json::json!({"vulnerabilities": [{"cve": {
        "id": "CVE-TEST-WINDOWS-ONLY",
        "configurations": [{"operator": "AND", "nodes": [
            {"operator": "OR", "cpeMatch": [{"vulnerable": true, "criteria": "cpe:2.3:a:openssl:openssl:*:*:*:*:*:*:*:*", "versionEndExcluding": "9.9"}]},
            {"operator": "OR", "cpeMatch": [{"vulnerable": false, "criteria": "cpe:2.3:o:microsoft:windows:-:*:*:*:*:*:*:*"}]}
        ]}]
    }}]});
    index
        .import("t.json", nvd.to_string().as_bytes(), &Bounds::default())
        .unwrap();
    let ssl = component("openssl", "1.0.2", Some(("openssl", "openssl")), None);
    let r = Matcher::new(&index)
        .match_all(std::slice::from_ref(&ssl))
        .unwrap();
    assert!(r.vulnerabilities.is_empty());
    assert_eq!(r.dropped_platform, 1);
    let windows = Component {
        cpes: vec!["cpe:2.3:o:microsoft:windows:-:*:*:*:*:*:*:*".into()],
        ..component("windows", "10", None, None)
    };
    let r = Matcher::new(&index).match_all(&[ssl, windows]).unwrap();
    assert_eq!(r.vulnerabilities.len(), 1);
}
