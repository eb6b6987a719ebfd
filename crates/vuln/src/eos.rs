//! End of support: which components have passed their support date, from a data file
//! (`data/end-of-support.toml`, embedded) with a source per product.
//!
//! A component the vendor built from upstream follows the upstream branch's date (OpenSSL 1.1.1
//! ended 2023-09-11). A distribution's package does not: Debian 12's `openssl 3.0.x` keeps
//! getting fixes after upstream's 3.0 branch ends, for as long as Debian 12 is supported. So a
//! package of a distribution (a `deb`, `rpm`, `apk` or `alpm` PURL, or a `distro` property) gets
//! its distribution release's date, and no finding of its own: the finding is the release's, on
//! the operating-system component, counting the packages that depend on it. A distribution
//! package whose release is unknown or not in the table gets no date at all rather than
//! upstream's.

use std::collections::BTreeMap;

use serde::Deserialize;

use netvet_model::{Category, Component, Finding, Location, Severity, finding_id};

use crate::error::{Error, Result};

/// The check id of end-of-support findings.
pub const CHECK: &str = "nv-component-end-of-support";

/// The built-in table.
pub const BUILTIN_TOML: &str = include_str!("../data/end-of-support.toml");

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    schema: u32,
    product: Vec<Product>,
}

/// A product and its branches.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Product {
    pub name: String,
    /// Component names it applies to.
    #[serde(default)]
    pub names: Vec<String>,
    /// CPE `vendor:product` pairs it applies to.
    #[serde(default)]
    pub cpe: Vec<String>,
    pub source: String,
    pub branches: Vec<Branch>,
}

/// A release branch and its last day of support.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Branch {
    pub branch: String,
    /// `YYYY-MM-DD`.
    pub eos: String,
    #[serde(default)]
    pub projected: bool,
}

/// A validated end-of-support table.
#[derive(Clone, Debug)]
pub struct EndOfSupport {
    products: Vec<Product>,
}

fn valid_date(d: &str) -> bool {
    let b = d.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && d.split('-').all(|p| p.chars().all(|c| c.is_ascii_digit()))
        && d[5..7].parse::<u32>().is_ok_and(|m| (1..=12).contains(&m))
        && d[8..10].parse::<u32>().is_ok_and(|x| (1..=31).contains(&x))
}

/// Whether `version` is in `branch` (equal, or continuing at a component boundary).
pub fn in_branch(version: &str, branch: &str) -> bool {
    match version.strip_prefix(branch) {
        Some("") => true,
        Some(rest) => {
            let c = rest.chars().next().unwrap_or('.');
            c == '.'
                || c == '-'
                || c == '+'
                || c == '~'
                || (c.is_ascii_alphabetic() && !branch.ends_with(char::is_alphabetic))
        }
        None => false,
    }
}

impl EndOfSupport {
    /// The built-in table.
    pub fn builtin() -> Result<EndOfSupport> {
        EndOfSupport::parse("end-of-support.toml (built in)", BUILTIN_TOML)
    }

    /// Parses and validates a table.
    pub fn parse(file: &str, text: &str) -> Result<EndOfSupport> {
        let err = |message: String| Error::Data {
            file: file.to_string(),
            message,
        };
        let f: File = toml::from_str(text).map_err(|e| err(e.to_string()))?;
        if f.schema != 1 {
            return Err(err(format!("schema {} is not supported (1)", f.schema)));
        }
        for p in &f.product {
            if p.source.trim().is_empty() {
                return Err(err(format!("product {:?} has no source", p.name)));
            }
            for b in &p.branches {
                if !valid_date(&b.eos) {
                    return Err(err(format!(
                        "product {:?} branch {}: {:?} is not YYYY-MM-DD",
                        p.name, b.branch, b.eos
                    )));
                }
            }
        }
        Ok(EndOfSupport {
            products: f.product,
        })
    }

    /// The branch a component is on, with its product: for a distribution's package, the
    /// distribution release it belongs to (see the module docs).
    pub fn lookup(&self, c: &Component) -> Option<(&Product, &Branch)> {
        if distribution_package(c) {
            let (id, release) = c.distro.as_deref()?.rsplit_once('-')?;
            let p = self
                .products
                .iter()
                .find(|p| p.names.iter().any(|n| n == id))?;
            return Some((p, branch_of(p, release)?));
        }
        let version = c.version.as_deref()?;
        let version = version.split_once(':').map_or(version, |(e, r)| {
            if e.chars().all(|x| x.is_ascii_digit()) {
                r
            } else {
                version
            }
        });
        let pairs: Vec<String> = c
            .cpes
            .iter()
            .filter_map(|x| {
                let p: Vec<&str> = x.split(':').collect();
                (p.len() > 5).then(|| format!("{}:{}", p[3], p[4]))
            })
            .collect();
        let p = self
            .products
            .iter()
            .find(|p| p.names.contains(&c.name) || p.cpe.iter().any(|x| pairs.contains(x)))?;
        Some((p, branch_of(p, version)?))
    }

    /// Sets `end_of_support` and `unsupported` (as of `today`, `YYYY-MM-DD`) on components.
    pub fn annotate(&self, components: &mut [Component], today: &str) {
        for c in components.iter_mut() {
            if let Some((_, b)) = self.lookup(c) {
                c.end_of_support = Some(b.eos.clone());
                c.unsupported = b.eos.as_str() < today;
            }
        }
    }

    /// Findings (category `component`) for components past their end of support.
    pub fn findings(&self, components: &[Component], today: &str) -> Vec<Finding> {
        let mut out = Vec::new();
        // Distribution packages past their release's support, per (product, branch).
        let mut packages: BTreeMap<(&str, &str), usize> = BTreeMap::new();
        for c in components.iter().filter(|c| distribution_package(c)) {
            if let Some((p, b)) = self.lookup(c) {
                *packages.entry((&p.name, &b.branch)).or_default() += 1;
            }
        }
        for c in components {
            if distribution_package(c) {
                continue;
            }
            let Some((p, b)) = self.lookup(c) else {
                continue;
            };
            if b.eos.as_str() >= today {
                continue;
            }
            let dependents = packages
                .get(&(p.name.as_str(), b.branch.as_str()))
                .copied()
                .unwrap_or(0);
            let version = c.version.clone().unwrap_or_default();
            let path = c
                .evidence
                .first()
                .map(|e| e.path.clone())
                .unwrap_or_default();
            let mut details = BTreeMap::new();
            details.insert("end_of_support".to_string(), serde_json::json!(b.eos));
            details.insert("branch".to_string(), serde_json::json!(b.branch));
            details.insert("source".to_string(), serde_json::json!(p.source));
            details.insert(
                "component".to_string(),
                serde_json::json!(c.purl.clone().unwrap_or_else(|| c.name.clone())),
            );
            let mut evidence = format!(
                "{} {version} on branch {} (support ended {}; source: {})",
                c.name, b.branch, b.eos, p.source
            );
            if dependents > 0 {
                details.insert("packages".to_string(), serde_json::json!(dependents));
                evidence.push_str(&format!(
                    "; {dependents} package(s) of this release get no more security fixes"
                ));
            }
            out.push(Finding {
                id: finding_id(CHECK, &path, &[&c.name, &version]),
                check: CHECK.to_string(),
                title: format!("{} {version} is past its end of support ({} branch ended {})", c.name, b.branch, b.eos),
                severity: Severity::High,
                category: Category::Component,
                cwe: vec![1104],
                location: Location {
                    path,
                    offset: None,
                    line: None,
                },
                evidence,
                remediation: format!("Update {} to a supported branch; an unsupported component gets no security fixes.", c.name),
                references: vec!["3gpp:33.117:4.3.2.5".to_string()],
                tags: vec!["end-of-support".to_string()],
                details,
                suppressed: None,
            });
        }
        out.sort_by(|a, b| a.title.cmp(&b.title));
        out
    }
}

/// Whether a distribution builds and patches this package (its support is the release's).
fn distribution_package(c: &Component) -> bool {
    const TYPES: [&str; 4] = ["pkg:deb/", "pkg:rpm/", "pkg:apk/", "pkg:alpm/"];
    c.distro.is_some()
        || c.purl.as_deref().is_some_and(|p| {
            TYPES
                .iter()
                .any(|t| p.get(..t.len()).is_some_and(|h| h.eq_ignore_ascii_case(t)))
        })
}

/// The branch `version` is on; the longest branch first ("3.10" before "3.1").
fn branch_of<'a>(p: &'a Product, version: &str) -> Option<&'a Branch> {
    let mut branches: Vec<&Branch> = p.branches.iter().collect();
    branches.sort_by_key(|b| std::cmp::Reverse(b.branch.len()));
    branches.into_iter().find(|b| in_branch(version, &b.branch))
}

#[cfg(test)]
mod tests {
    use super::*;
    use netvet_model::{ComponentEvidence, ComponentType};

    fn comp(name: &str, version: &str) -> Component {
        Component {
            name: name.into(),
            version: Some(version.into()),
            kind: ComponentType::Library,
            purl: None,
            cpes: vec![],
            end_of_support: None,
            unsupported: false,
            evidence: vec![ComponentEvidence {
                path: "fw!/lib/x".into(),
                cataloger: "t".into(),
                confidence: 1.0,
            }],
            ecosystem: None,
            source_package: None,
            distro: None,
            properties: Default::default(),
        }
    }

    #[test]
    fn branches_match_at_boundaries() {
        assert!(in_branch("1.0.1e", "1.0.1"));
        assert!(in_branch("1.0.1", "1.0.1"));
        assert!(!in_branch("1.0.10", "1.0.1"));
        assert!(in_branch("4.14.180", "4.14"));
        assert!(!in_branch("4.140", "4.14"));
        assert!(in_branch("3.0.13", "3.0"));
    }

    #[test]
    fn past_support_gives_findings() {
        let eos = EndOfSupport::builtin().unwrap();
        let mut comps = vec![
            comp("openssl", "1.0.1e"),
            comp("openssl", "3.0.13"),
            comp("linux-kernel", "4.14.180"),
            comp("busybox", "1.24.1"),
        ];
        eos.annotate(&mut comps, "2026-01-01");
        assert_eq!(comps[0].end_of_support.as_deref(), Some("2016-12-31"));
        assert!(comps[0].unsupported && !comps[1].unsupported && comps[2].unsupported);
        assert_eq!(comps[3].end_of_support, None);
        let f = eos.findings(&comps, "2026-01-01");
        assert_eq!(f.len(), 2);
        assert!(f.iter().all(|x| x.category == Category::Component));
        assert_eq!(eos.findings(&comps, "2026-12-01").len(), 3);
    }

    #[test]
    fn distribution_packages_follow_their_release() {
        let eos = EndOfSupport::builtin().unwrap();
        let pkg = |version: &str, purl: &str, distro: Option<&str>| {
            let mut c = comp("openssl", version);
            c.kind = ComponentType::Package;
            c.purl = Some(purl.into());
            if let Some(d) = distro {
                c.distro = Some(d.into());
            }
            c
        };
        let mut os = comp("debian", "9");
        os.kind = ComponentType::OperatingSystem;
        let mut comps = vec![
            // Debian 12 maintains its 3.0 after upstream's 3.0 branch ends (2026-09-07).
            pkg(
                "3.0.15-1~deb12u1",
                "pkg:deb/debian/openssl@3.0.15-1~deb12u1?distro=debian-12",
                Some("debian-12"),
            ),
            // Debian 9's 1.1.0 is past support because Debian 9 is.
            pkg(
                "1.1.0l-1~deb9u6",
                "pkg:deb/debian/openssl@1.1.0l-1~deb9u6?distro=debian-9",
                Some("debian-9"),
            ),
            pkg(
                "1.1.0l-1~deb9u6",
                "pkg:deb/debian/libssl1.1@1.1.0l-1~deb9u6?distro=debian-9",
                Some("debian-9"),
            ),
            // A package of a release the table lacks gets no date, not upstream's.
            pkg(
                "3.0.2-0ubuntu1.18",
                "pkg:deb/ubuntu/openssl@3.0.2-0ubuntu1.18",
                None,
            ),
            // The same version built by the vendor from upstream keeps upstream's date.
            comp("openssl", "3.0.15"),
            os,
        ];
        eos.annotate(&mut comps, "2026-12-01");
        assert_eq!(comps[0].end_of_support.as_deref(), Some("2028-06-30"));
        assert!(!comps[0].unsupported);
        assert_eq!(comps[1].end_of_support.as_deref(), Some("2022-06-30"));
        assert!(comps[1].unsupported);
        assert_eq!(comps[3].end_of_support, None);
        assert!(comps[4].unsupported);
        let f = eos.findings(&comps, "2026-12-01");
        let titles: Vec<&str> = f.iter().map(|x| x.title.as_str()).collect();
        assert_eq!(f.len(), 2, "{titles:?}");
        let debian = f.iter().find(|x| x.title.starts_with("debian 9")).unwrap();
        assert_eq!(debian.details["packages"], serde_json::json!(2));
        assert!(
            debian.evidence.contains("2 package(s)"),
            "{}",
            debian.evidence
        );
        assert!(f.iter().any(|x| x.title.starts_with("openssl 3.0.15 ")));
    }

    #[test]
    fn rejects_bad_tables() {
        assert!(
            EndOfSupport::parse(
                "t",
                "schema = 1\n[[product]]\nname='x'\nsource=''\nbranches=[]\n"
            )
            .is_err()
        );
        assert!(EndOfSupport::parse("t", "schema = 1\n[[product]]\nname='x'\nsource='s'\nbranches=[{branch='1', eos='2020-13-01'}]\n").is_err());
    }
}
