//! `os-release-cataloger`: which distribution each image root is (Debian, Alpine, OpenWrt...),
//! from `/etc/os-release`, `/etc/openwrt_release`, `/etc/alpine-release`, `/etc/debian_version`.
//! Package catalogers use it for PURL namespaces and the OSV ecosystem their packages match in.

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
    /// The file it was read from (virtual path).
    pub path: String,
}

/// NVD CPE vendor:product of distributions, and the OSV ecosystem naming their packages.
/// Distributions not listed get no CPE and no OSV ecosystem (their packages are matched by
/// CPE through the classifier table's package names).
const KNOWN: &[(&str, &str, &str)] = &[
    ("debian", "debian:debian_linux", "Debian"),
    ("ubuntu", "canonical:ubuntu_linux", "Ubuntu"),
    ("alpine", "alpinelinux:alpine_linux", "Alpine"),
    ("openwrt", "openwrt:openwrt", ""),
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
        let (id, version) = distro.split_once('-')?;
        Some(Distro {
            id: id.to_ascii_lowercase(),
            version: version.to_string(),
            pretty: None,
            path: String::new(),
        })
    }

    /// The OSV ecosystem of this release's packages: `Debian:12`, `Alpine:v3.19`,
    /// `Ubuntu:22.04:LTS` (even-year April releases are Ubuntu's long-term ones), `Ubuntu:24.10`.
    pub fn osv_ecosystem(&self) -> Option<String> {
        let (_, _, eco) = KNOWN.iter().find(|(id, _, _)| *id == self.id)?;
        match *eco {
            "Debian" => {
                let major = self.version.split('.').next()?;
                major
                    .chars()
                    .all(|c| c.is_ascii_digit())
                    .then(|| format!("Debian:{major}"))
            }
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
            _ => None,
        }
    }

    /// The distribution as a component.
    pub fn component(&self) -> Component {
        let cpes = KNOWN
            .iter()
            .find(|(id, _, _)| *id == self.id)
            .map(|(_, vp, _)| {
                let (v, p) = vp.split_once(':').unwrap_or((vp, vp));
                vec![identity::cpe('o', v, p, Some(&self.version))]
            })
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
                    path,
                });
            }
        }
    }
    if let Some((path, text)) = read_text(tree, &at("etc/debian_version")) {
        let v = text.trim();
        if v.starts_with(|c: char| c.is_ascii_digit()) {
            return Some(Distro {
                id: "debian".to_string(),
                version: v.to_string(),
                pretty: None,
                path,
            });
        }
    }
    None
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
            path: String::new(),
        }
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
