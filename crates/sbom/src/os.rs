//! `os-release-cataloger`: which distribution each image root is (Debian, Alpine, OpenWrt,
//! RHEL and its rebuilds, openEuler...), from `/etc/os-release`, `/etc/openwrt_release`,
//! `/etc/alpine-release`, `/etc/redhat-release` (and `system-release`, `openEuler-release`)
//! for RHEL-family releases without `os-release` (RHEL and CentOS 6), `/etc/debian_version`.
//! Package catalogers use it for PURL namespaces and the OSV ecosystem their packages match in.
//!
//! # OSV ecosystems of rpm-based distributions
//!
//! Names from OSV's ecosystem list (`ossf/osv-schema`: `ecosystems.json`, `osvconstants`),
//! the release suffix as each feed writes it:
//!
//! | os-release `ID` | OSV ecosystem | from |
//! |---|---|---|
//! | `rocky` | `Rocky Linux:9` | major version (`VERSION_ID` 9.3) |
//! | `almalinux` | `AlmaLinux:9` | major version; as AlmaLinux's own OSV feed (`AlmaLinux/osv-database`) writes it |
//! | `rhel` | `Red Hat:enterprise_linux:9`, a family: advisories of every stream under it (`…::baseos`, `…::appstream`, `…::crb`) match | major version; Red Hat's ecosystem is its CPE without `cpe:/[oa]:redhat:` |
//! | `openeuler` | `openEuler:22.03-LTS-SP1`, `openEuler:24.03-LTS`, `openEuler:23.09` | `VERSION_ID` and the `LTS…` label of `VERSION` (`22.03 (LTS-SP1)`), as openEuler names its releases; none when `VERSION` is unknown |
//! | `opensuse-leap` | `openSUSE:Leap 15.6` | `VERSION_ID` |
//! | `opensuse-tumbleweed` | `openSUSE:Tumbleweed` | |
//! | `mageia` | `Mageia:9` | `VERSION_ID` |
//! | `photon` | `Photon OS:5.0` | `VERSION_ID` |
//!
//! Not mapped, so their packages are matched by CPE like any other component: SUSE Linux
//! Enterprise (`sles`, `sled`, ...), because SUSE files advisories under the *module* that
//! ships a package (`SUSE:Linux Enterprise Module for Basesystem 15 SP5`), which os-release
//! does not name; and distributions OSV has no feed for (CentOS, Fedora, Oracle Linux, Amazon
//! Linux, Wind River Linux, Yocto/Poky).

use std::collections::BTreeMap;

use netvet_model::{Component, ComponentEvidence, ComponentType};
use netvet_unpack::Tree;

use crate::identity;

/// Cataloger id.
pub const ID: &str = "os-release-cataloger";

/// A distribution release found in an image.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Distro {
    /// `debian`, `alpine`, `openwrt`, `ubuntu`... (os-release `ID`).
    pub id: String,
    /// `12`, `3.19.1`, `22.03.5`.
    pub version: String,
    pub pretty: Option<String>,
    /// os-release `VERSION` (`22.03 (LTS-SP1)`), or what follows `release` in a RHEL-family
    /// release file.
    pub version_text: Option<String>,
    /// os-release `CPE_NAME` (`cpe:/o:rocky:rocky:9::baseos`).
    pub cpe_name: Option<String>,
    /// The file it was read from (virtual path).
    pub path: String,
}

/// NVD CPE vendor:product of distributions, and the OSV ecosystem naming their packages.
/// Distributions not listed get no CPE and no OSV ecosystem (their packages are matched by
/// CPE through the classifier table's package names).
/// Distributions not listed here take the CPE their os-release `CPE_NAME` gives, if any.
const KNOWN: &[(&str, &str, &str)] = &[
    ("debian", "debian:debian_linux", "Debian"),
    ("ubuntu", "canonical:ubuntu_linux", "Ubuntu"),
    ("alpine", "alpinelinux:alpine_linux", "Alpine"),
    ("openwrt", "openwrt:openwrt", ""),
    ("rhel", "redhat:enterprise_linux", "Red Hat"),
    ("rocky", "", "Rocky Linux"),
    ("almalinux", "", "AlmaLinux"),
    ("openeuler", "", "openEuler"),
    ("opensuse-leap", "", "openSUSE"),
    ("opensuse-tumbleweed", "", "openSUSE"),
    ("mageia", "", "Mageia"),
    ("photon", "", "Photon OS"),
];

impl Distro {
    /// `debian-12`, the PURL `distro` qualifier.
    pub fn qualifier(&self) -> String {
        format!("{}-{}", self.id, self.version)
    }

    /// The distribution a PURL's `distro` qualifier names (`debian-12`, `ubuntu-22.04`,
    /// `alpine-3.19.1`), as syft and trivy write it.
    pub fn from_purl(purl: &str) -> Option<Distro> {
        let distro = identity::purl_qualifier(purl, "distro")?;
        // The version follows the last hyphen: `opensuse-leap-15.6`.
        let (id, version) = distro.rsplit_once('-')?;
        Some(Distro {
            id: id.to_ascii_lowercase(),
            version: version.to_string(),
            pretty: None,
            version_text: None,
            cpe_name: None,
            path: String::new(),
        })
    }

    /// The PURL namespace of this distribution's packages: the os-release `ID`, except
    /// `redhat` for RHEL, `opensuse` for every openSUSE and `suse` for SUSE Linux Enterprise
    /// (as syft and SUSE's own SBOMs write them).
    pub fn purl_namespace(&self) -> &str {
        match self.id.as_str() {
            "rhel" => "redhat",
            id if id.starts_with("opensuse") => "opensuse",
            "sles" | "sled" | "sles_sap" | "sle-micro" | "sle_hpc" => "suse",
            id => id,
        }
    }

    /// The OSV ecosystem of this release's packages: `Debian:12`, `Alpine:v3.19`,
    /// `Ubuntu:22.04:LTS` (even-year April releases are Ubuntu's long-term ones),
    /// `Ubuntu:24.10`, `Rocky Linux:9` (the table in the module docs). `None` when OSV has no feed for the
    /// distribution or the release cannot be named without guessing.
    pub fn osv_ecosystem(&self) -> Option<String> {
        let (_, _, eco) = KNOWN.iter().find(|(id, _, _)| *id == self.id)?;
        let numeric = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
        let major = self.version.split('.').next().filter(|m| numeric(m));
        match *eco {
            "Debian" => major.map(|m| format!("Debian:{m}")),
            "Alpine" => {
                let mut it = self.version.split('.');
                Some(format!("Alpine:v{}.{}", it.next()?, it.next()?))
            }
            "Ubuntu" => {
                let mut it = self.version.split('.');
                let (year, month) = (it.next()?, it.next()?);
                let (y, m) = (year.parse::<u32>().ok()?, month.parse::<u32>().ok()?);
                let lts = m == 4 && y % 2 == 0;
                Some(format!(
                    "Ubuntu:{year}.{month}{}",
                    if lts { ":LTS" } else { "" }
                ))
            }
            "Rocky Linux" | "AlmaLinux" => major.map(|m| format!("{eco}:{m}")),
            "Red Hat" => major.map(|m| format!("Red Hat:enterprise_linux:{m}")),
            "openEuler" => {
                // VERSION "22.03 (LTS-SP1)" names the release "openEuler-22.03-LTS-SP1"; an
                // innovation release has no label ("23.09"). Without VERSION an LTS release
                // cannot be told from an innovation one.
                let text = self.version_text.as_deref()?;
                let label = text
                    .split_once('(')
                    .and_then(|(_, rest)| rest.split_once(')'))
                    .map(|(label, _)| label.trim())
                    .filter(|l| l.to_ascii_uppercase().starts_with("LTS"));
                Some(match label {
                    Some(l) => format!("openEuler:{}-{}", self.version, l.replace(' ', "-")),
                    None => format!("openEuler:{}", self.version),
                })
            }
            "openSUSE" if self.id == "opensuse-tumbleweed" => {
                Some("openSUSE:Tumbleweed".to_string())
            }
            "openSUSE" => Some(format!("openSUSE:Leap {}", self.version)),
            "Mageia" | "Photon OS" => Some(format!("{eco}:{}", self.version)),
            _ => None,
        }
    }

    /// The distribution as a component.
    pub fn component(&self) -> Component {
        let known = KNOWN
            .iter()
            .find(|(id, _, _)| *id == self.id)
            .map(|(_, vp, _)| *vp)
            .filter(|vp| !vp.is_empty())
            .and_then(|vp| vp.split_once(':'));
        // `cpe:/o:rocky:rocky:9::baseos`: the image's own word for vendor and product.
        let declared = || {
            let mut parts = self
                .cpe_name
                .as_deref()?
                .strip_prefix("cpe:/o:")?
                .split(':');
            let (v, p) = (parts.next()?, parts.next()?);
            let ok = |s: &str| {
                !s.is_empty()
                    && s.chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
            };
            (ok(v) && ok(p)).then_some((v, p))
        };
        let cpes = known
            .or_else(declared)
            .map(|(v, p)| vec![identity::cpe('o', v, p, Some(&self.version))])
            .unwrap_or_default();
        let mut properties = BTreeMap::new();
        if let Some(p) = &self.pretty {
            properties.insert("os:pretty-name".to_string(), p.clone());
        }
        Component {
            name: self.id.clone(),
            version: Some(self.version.clone()),
            kind: ComponentType::OperatingSystem,
            purl: Some(identity::purl(
                "generic",
                None,
                &self.id,
                Some(&self.version),
                &[],
            )),
            cpes,
            end_of_support: None,
            unsupported: false,
            evidence: vec![ComponentEvidence {
                path: self.path.clone(),
                cataloger: ID.to_string(),
                confidence: 0.95,
            }],
            ecosystem: None,
            source_package: None,
            distro: None,
            properties,
        }
    }
}

/// The distribution of every image root that has one, keyed by image root.
pub fn detect(tree: &Tree) -> BTreeMap<String, Distro> {
    let mut roots: Vec<String> = tree
        .entries()
        .iter()
        .filter(|e| e.name() == "etc" && e.path.ends_with("!/etc"))
        .map(|e| e.image_root().to_string())
        .collect();
    roots.dedup();
    let mut out = BTreeMap::new();
    for root in roots {
        if let Some(d) = detect_root(tree, &root) {
            out.insert(root, d);
        }
    }
    out
}

fn read_text(tree: &Tree, path: &str) -> Option<(String, String)> {
    let e = tree.resolve(path)?;
    if !e.is_file() || e.size > 64 * 1024 {
        return None;
    }
    let bytes = tree.read(e).ok()?;
    Some((e.path.clone(), String::from_utf8_lossy(&bytes).into_owned()))
}

fn detect_root(tree: &Tree, root: &str) -> Option<Distro> {
    let at = |rel: &str| format!("{root}!/{rel}");
    if let Some((path, text)) = read_text(tree, &at("etc/openwrt_release")) {
        let kv = shell_vars(&text);
        if let Some(v) = kv.get("DISTRIB_RELEASE") {
            return Some(Distro {
                id: "openwrt".to_string(),
                version: v.clone(),
                pretty: kv.get("DISTRIB_DESCRIPTION").cloned(),
                version_text: None,
                cpe_name: None,
                path,
            });
        }
    }
    if let Some((path, text)) = read_text(tree, &at("etc/alpine-release")) {
        let v = text.trim();
        if !v.is_empty() && v.len() < 32 {
            return Some(Distro {
                id: "alpine".to_string(),
                version: v.to_string(),
                pretty: None,
                version_text: None,
                cpe_name: None,
                path,
            });
        }
    }
    for rel in ["etc/os-release", "usr/lib/os-release"] {
        if let Some((path, text)) = read_text(tree, &at(rel)) {
            let kv = shell_vars(&text);
            if let (Some(id), Some(v)) = (kv.get("ID"), kv.get("VERSION_ID")) {
                return Some(Distro {
                    id: id.to_ascii_lowercase(),
                    version: v.clone(),
                    pretty: kv.get("PRETTY_NAME").cloned(),
                    version_text: kv.get("VERSION").cloned(),
                    cpe_name: kv.get("CPE_NAME").cloned(),
                    path,
                });
            }
        }
    }
    for rel in [
        "etc/redhat-release",
        "etc/system-release",
        "etc/openEuler-release",
    ] {
        if let Some((path, text)) = read_text(tree, &at(rel))
            && let Some(d) = redhat_release(&text, path)
        {
            return Some(d);
        }
    }
    if let Some((path, text)) = read_text(tree, &at("etc/debian_version")) {
        let v = text.trim();
        if v.starts_with(|c: char| c.is_ascii_digit()) {
            return Some(Distro {
                id: "debian".to_string(),
                version: v.to_string(),
                pretty: None,
                version_text: None,
                cpe_name: None,
                path,
            });
        }
    }
    None
}

/// `Red Hat Enterprise Linux Server release 6.10 (Santiago)`, `CentOS release 6.10 (Final)`,
/// `openEuler release 22.03 (LTS-SP1)`: the first line of a RHEL-family release file, with the
/// os-release `ID` its product name stands for.
fn redhat_release(text: &str, path: String) -> Option<Distro> {
    const PRODUCTS: &[(&str, &str)] = &[
        ("Red Hat Enterprise Linux", "rhel"),
        ("CentOS", "centos"),
        ("Rocky Linux", "rocky"),
        ("AlmaLinux", "almalinux"),
        ("Fedora", "fedora"),
        ("openEuler", "openeuler"),
        ("Oracle Linux", "ol"),
        ("Scientific Linux", "scientific"),
    ];
    let line = text.lines().next()?.trim();
    let id = PRODUCTS
        .iter()
        .find(|(p, _)| line.starts_with(p))
        .map(|(_, id)| *id)?;
    let (_, after) = line.split_once(" release ")?;
    let version = after.split_whitespace().next()?;
    if !version.starts_with(|c: char| c.is_ascii_digit()) || version.len() > 32 {
        return None;
    }
    Some(Distro {
        id: id.to_string(),
        version: version.to_string(),
        pretty: Some(line.to_string()),
        version_text: Some(after.trim().to_string()),
        cpe_name: None,
        path,
    })
}

/// `KEY=value` and `KEY='value'` lines.
fn shell_vars(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| {
            let v = v.trim().trim_matches(|c| c == '"' || c == '\'');
            (k.trim().to_string(), v.to_string())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn distro(id: &str, v: &str) -> Distro {
        Distro {
            id: id.into(),
            version: v.into(),
            pretty: None,
            version_text: None,
            cpe_name: None,
            path: String::new(),
        }
    }

    #[test]
    fn rpm_distributions_name_their_osv_ecosystems() {
        let eco = |d: Distro| d.osv_ecosystem();
        assert_eq!(
            eco(distro("rocky", "9.3")).as_deref(),
            Some("Rocky Linux:9")
        );
        assert_eq!(
            eco(distro("almalinux", "8.10")).as_deref(),
            Some("AlmaLinux:8")
        );
        assert_eq!(
            eco(distro("rhel", "9.4")).as_deref(),
            Some("Red Hat:enterprise_linux:9")
        );
        let oe = |text: Option<&str>| Distro {
            version_text: text.map(str::to_string),
            ..distro("openeuler", "22.03")
        };
        assert_eq!(
            eco(oe(Some("22.03 (LTS-SP1)"))).as_deref(),
            Some("openEuler:22.03-LTS-SP1")
        );
        assert_eq!(
            eco(oe(Some("22.03 (LTS)"))).as_deref(),
            Some("openEuler:22.03-LTS")
        );
        let innovation = Distro {
            version_text: Some("23.09".into()),
            ..distro("openeuler", "23.09")
        };
        assert_eq!(eco(innovation).as_deref(), Some("openEuler:23.09"));
        assert_eq!(eco(oe(None)), None, "LTS or not cannot be guessed");
        assert_eq!(
            eco(distro("opensuse-leap", "15.6")).as_deref(),
            Some("openSUSE:Leap 15.6")
        );
        assert_eq!(
            eco(distro("opensuse-tumbleweed", "20240101")).as_deref(),
            Some("openSUSE:Tumbleweed")
        );
        for none in ["centos", "fedora", "sles", "ol", "amzn", "wrlinux", "poky"] {
            assert_eq!(eco(distro(none, "9")), None, "{none}");
        }
        assert_eq!(distro("rhel", "9.4").purl_namespace(), "redhat");
        assert_eq!(distro("opensuse-leap", "15.6").purl_namespace(), "opensuse");
        assert_eq!(distro("sles", "15.5").purl_namespace(), "suse");
        assert_eq!(distro("rocky", "9.3").purl_namespace(), "rocky");
    }

    #[test]
    fn redhat_release_files_name_old_releases() {
        let d = redhat_release(
            "Red Hat Enterprise Linux Server release 6.10 (Santiago)\n",
            "x".into(),
        )
        .unwrap();
        assert_eq!((d.id.as_str(), d.version.as_str()), ("rhel", "6.10"));
        assert_eq!(
            d.osv_ecosystem().as_deref(),
            Some("Red Hat:enterprise_linux:6")
        );
        let c = redhat_release("CentOS release 6.10 (Final)", "x".into()).unwrap();
        assert_eq!((c.id.as_str(), c.version.as_str()), ("centos", "6.10"));
        let o = redhat_release("openEuler release 22.03 (LTS-SP1)", "x".into()).unwrap();
        assert_eq!(
            o.osv_ecosystem().as_deref(),
            Some("openEuler:22.03-LTS-SP1")
        );
        assert!(redhat_release("Debian GNU/Linux 12", "x".into()).is_none());
        assert!(redhat_release("CentOS release (Final)", "x".into()).is_none());
    }

    #[test]
    fn os_release_cpe_names_give_the_os_cpe() {
        let rocky = Distro {
            cpe_name: Some("cpe:/o:rocky:rocky:9::baseos".into()),
            ..distro("rocky", "9.3")
        };
        assert_eq!(
            rocky.component().cpes,
            ["cpe:2.3:o:rocky:rocky:9.3:*:*:*:*:*:*:*"]
        );
        assert_eq!(
            distro("rhel", "9.4").component().cpes,
            ["cpe:2.3:o:redhat:enterprise_linux:9.4:*:*:*:*:*:*:*"]
        );
        let odd = Distro {
            cpe_name: Some("cpe:/o:a b:c".into()),
            ..distro("x", "1")
        };
        assert!(odd.component().cpes.is_empty());
    }

    #[test]
    fn osv_ecosystems_follow_osv_naming() {
        assert_eq!(
            distro("debian", "12").osv_ecosystem().as_deref(),
            Some("Debian:12")
        );
        assert_eq!(
            distro("debian", "11.9").osv_ecosystem().as_deref(),
            Some("Debian:11")
        );
        assert_eq!(
            distro("alpine", "3.19.1").osv_ecosystem().as_deref(),
            Some("Alpine:v3.19")
        );
        assert_eq!(distro("openwrt", "22.03.5").osv_ecosystem(), None);
        assert_eq!(
            distro("ubuntu", "22.04").osv_ecosystem().as_deref(),
            Some("Ubuntu:22.04:LTS")
        );
        assert_eq!(
            distro("ubuntu", "24.10").osv_ecosystem().as_deref(),
            Some("Ubuntu:24.10")
        );
        assert_eq!(
            distro("ubuntu", "23.04").osv_ecosystem().as_deref(),
            Some("Ubuntu:23.04")
        );
    }

    #[test]
    fn purl_distro_qualifiers_name_the_distribution() {
        let eco = |p: &str| Distro::from_purl(p).and_then(|d| d.osv_ecosystem());
        assert_eq!(
            eco("pkg:deb/debian/openssl@3.0.11-1?arch=amd64&distro=debian-12").as_deref(),
            Some("Debian:12")
        );
        assert_eq!(
            eco("pkg:deb/debian/libc6@2.36-9?distro=debian-12.8").as_deref(),
            Some("Debian:12")
        );
        assert_eq!(
            eco("pkg:apk/alpine/busybox@1.36.1-r5?distro=alpine-3.19.1").as_deref(),
            Some("Alpine:v3.19")
        );
        assert_eq!(
            eco("pkg:deb/ubuntu/openssl@3.0.2-0ubuntu1.10?arch=amd64&distro=ubuntu-22.04")
                .as_deref(),
            Some("Ubuntu:22.04:LTS")
        );
        assert_eq!(
            eco("pkg:rpm/rocky/openssl@3.0.7-27.el9?arch=x86_64&distro=rocky-9.3").as_deref(),
            Some("Rocky Linux:9")
        );
        assert_eq!(
            eco("pkg:rpm/opensuse/bash@5.2-1?distro=opensuse-leap-15.6").as_deref(),
            Some("openSUSE:Leap 15.6")
        );
        assert_eq!(eco("pkg:generic/busybox@1.24.1"), None);
        assert_eq!(
            distro("openwrt", "22.03.5").component().cpes,
            ["cpe:2.3:o:openwrt:openwrt:22.03.5:*:*:*:*:*:*:*"]
        );
    }

    #[test]
    fn shell_vars_strip_quotes() {
        let kv = shell_vars("DISTRIB_ID='OpenWrt'\nDISTRIB_RELEASE=\"22.03.5\"\n");
        assert_eq!(kv["DISTRIB_ID"], "OpenWrt");
        assert_eq!(kv["DISTRIB_RELEASE"], "22.03.5");
    }
}
