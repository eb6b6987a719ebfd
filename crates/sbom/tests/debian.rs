//! Real binaries: a squashfs of 49 Debian 12 packages (unpacked with dpkg-deb) with a dpkg
//! status and file lists made from the packages' own control data. Every package whose
//! program a classifier knows must come out as ONE component carrying both the database
//! evidence and the classifier's, with the CPE of the classifier and the package's upstream
//! version.
//!
//! The packages are fetched by `tests/debian/fetch.sh` (run by `.ci/run`) into
//! `target/debian-debs`. Without them the test says so and passes, unless
//! `NETVET_REQUIRE_DEBS` is set (as `.ci/run` sets it).

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use netvet_forge::FsTree;
use netvet_unpack::{MemSource, Options};

/// (package, classifier that must recognise its program).
const EXPECTED: &[(&str, &str)] = &[
    ("busybox", "busybox-binary"),
    ("libssl3", "openssl-library"),
    ("dropbear-bin", "dropbear-binary"),
    ("openssh-server", "openssh-binary"),
    ("openssh-client", "openssh-binary"),
    ("lighttpd", "lighttpd-binary"),
    ("nginx", "nginx-binary"),
    ("mini-httpd", "mini-httpd-binary"),
    ("dnsmasq-base", "dnsmasq-binary"),
    ("hostapd", "hostapd-binary"),
    ("wpasupplicant", "wpa-supplicant-binary"),
    ("curl", "curl-binary"),
    ("libcurl4", "libcurl-library"),
    ("zlib1g", "zlib-library"),
    ("xz-utils", "xz-binary"),
    ("liblzma5", "liblzma-library"),
    ("libc6", "glibc-library"),
    ("musl", "musl-library"),
    ("iptables", "iptables-binary"),
    ("libsnmp40", "net-snmp-library"),
    ("strongswan-charon", "strongswan-binary"),
    ("openvpn", "openvpn-binary"),
    ("frr", "frr-binary"),
    ("samba", "samba-binary"),
    ("vsftpd", "vsftpd-binary"),
    ("proftpd-core", "proftpd-binary"),
    ("libsqlite3-0", "sqlite-library"),
    ("libxml2", "libxml2-library"),
    ("libexpat1", "expat-library"),
    ("ntpsec", "ntpsec-binary"),
    ("chrony", "chrony-binary"),
    ("avahi-daemon", "avahi-binary"),
    ("liblua5.3-0", "lua-binary"),
    ("lua5.1", "lua-binary"),
    ("php8.2-cli", "php-binary"),
    ("python3.11-minimal", "python-binary"),
    ("bash", "bash-binary"),
    ("ppp", "pppd-binary"),
    ("libpcap0.8", "libpcap-library"),
    ("isc-dhcp-server", "isc-dhcp-binary"),
    ("slapd", "openldap-binary"),
    ("keepalived", "keepalived-binary"),
    ("sudo", "sudo-binary"),
    ("unbound", "unbound-binary"),
    ("bind9", "bind-binary"),
    ("libmbedcrypto7", "mbedtls-library"),
    ("libgnutls30", "gnutls-library"),
    ("libzstd1", "zstd-library"),
];

fn debs_dir() -> PathBuf {
    std::env::var_os("NETVET_DEBIAN_DEBS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/debian-debs")
        })
}

fn dpkg_deb(args: &[&str], deb: &Path) -> String {
    let out = Command::new("dpkg-deb")
        .args(args)
        .arg(deb)
        .output()
        .expect("dpkg-deb runs");
    assert!(out.status.success(), "dpkg-deb {args:?} {}", deb.display());
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn debian_packages_and_their_binaries_are_one_component_each() {
    let dir = debs_dir();
    let mut debs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|r| {
            r.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "deb"))
                .collect()
        })
        .unwrap_or_default();
    if debs.len() < EXPECTED.len() {
        assert!(
            std::env::var_os("NETVET_REQUIRE_DEBS").is_none(),
            "Debian packages missing in {}: run crates/sbom/tests/debian/fetch.sh",
            dir.display()
        );
        eprintln!(
            "skipped: no Debian packages in {} (crates/sbom/tests/debian/fetch.sh)",
            dir.display()
        );
        return;
    }
    debs.sort();
    let root = tempfile::tempdir().unwrap();
    let mut status = String::new();
    let mut lists = Vec::new();
    for deb in &debs {
        let x = Command::new("dpkg-deb")
            .arg("-x")
            .arg(deb)
            .arg(root.path())
            .status()
            .unwrap();
        assert!(x.success());
        let control = dpkg_deb(&["-f"], deb);
        let field = |k: &str| {
            control
                .lines()
                .find_map(|l| l.strip_prefix(&format!("{k}: ")))
                .unwrap_or("")
                .to_string()
        };
        let (name, arch) = (field("Package"), field("Architecture"));
        status.push_str(&format!(
            "Package: {name}\nStatus: install ok installed\nArchitecture: {arch}\nVersion: {}\n",
            field("Version")
        ));
        if !field("Source").is_empty() {
            status.push_str(&format!("Source: {}\n", field("Source")));
        }
        status.push('\n');
        let files: String = dpkg_deb(&["-c"], deb)
            .lines()
            .filter_map(|l| {
                l.split_once("./")
                    .map(|(_, p)| format!("/{}\n", p.split(" -> ").next().unwrap_or(p)))
            })
            .collect();
        lists.push((format!("{name}:{arch}.list"), files));
    }
    let mut tree = FsTree::from_dir(root.path()).unwrap();
    tree.file("var/lib/dpkg/status", 0o644, status);
    for (name, files) in lists {
        tree.file(&format!("var/lib/dpkg/info/{name}"), 0o644, files);
    }
    tree.file("etc/os-release", 0o644, "ID=debian\nVERSION_ID=\"12\"\n");
    let bytes = netvet_forge::squashfs::write(
        &tree,
        netvet_forge::squashfs::Options {
            compress: false,
            ..Default::default()
        },
    );
    let t = netvet_unpack::open_source(
        "debian12.sqfs",
        Arc::new(MemSource::new(bytes)),
        &Options::default(),
        None,
    );
    let cat = netvet_sbom::catalog(&t).unwrap();
    let mut failures = Vec::new();
    for (pkg, classifier) in EXPECTED {
        let comps: Vec<_> = cat.components.iter().filter(|c| c.name == *pkg).collect();
        match comps.as_slice() {
            [c] if c.evidence.iter().any(|e| e.cataloger == *classifier)
                && c.evidence
                    .iter()
                    .any(|e| e.cataloger == "dpkg-db-cataloger")
                && !c.cpes.is_empty() => {}
            _ => failures.push(format!(
                "{pkg}: want one component with {classifier} evidence; got {:?}",
                comps
                    .iter()
                    .map(|c| (
                        &c.version,
                        c.evidence.iter().map(|e| &e.cataloger).collect::<Vec<_>>(),
                        &c.cpes
                    ))
                    .collect::<Vec<_>>()
            )),
        }
    }
    // Binaries a classifier found but no package took (version disagreement) would show up
    // here as stray binary components of the same programs.
    let strays: Vec<String> = cat
        .components
        .iter()
        .filter(|c| {
            c.kind != netvet_model::ComponentType::Package
                && c.kind != netvet_model::ComponentType::OperatingSystem
        })
        .map(|c| {
            format!(
                "{} {:?} {:?}",
                c.name,
                c.version,
                c.evidence.iter().map(|e| &e.path).collect::<Vec<_>>()
            )
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{failures:#?}\nstray binaries: {strays:#?}"
    );
    assert!(
        strays.is_empty(),
        "binaries not merged with their package: {strays:#?}"
    );
}
