//! End of support: which components have passed their upstream support date, from a data
//! file (`data/end-of-support.toml`, embedded) with a source per product.

use std::collections::BTreeMap;

use serde::Deserialize;

use netvet_model::{Category, Component, Finding, Location, Severity, fingerprint};

use crate::error::{Error, Result};

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

    /// The branch a component is on, with its product.
    pub fn lookup(&self, c: &Component) -> Option<(&Product, &Branch)> {
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
        // Longest branch first ("3.10" before "3.1").
        let mut branches: Vec<&Branch> = p.branches.iter().collect();
        branches.sort_by_key(|b| std::cmp::Reverse(b.branch.len()));
        let b = branches
            .into_iter()
            .find(|b| in_branch(version, &b.branch))?;
        Some((p, b))
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
        for c in components {
            let Some((p, b)) = self.lookup(c) else {
                continue;
            };
            if b.eos.as_str() >= today {
                continue;
            }
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
            out.push(Finding {
                id: fingerprint("nv-component-end-of-support", &[&path, &c.name, &version]),
                check: "nv-component-end-of-support".to_string(),
                title: format!("{} {version} is past its end of support ({} branch ended {})", c.name, b.branch, b.eos),
                severity: Severity::High,
                category: Category::Component,
                cwe: vec![1104],
                location: Location {
                    path,
                    offset: None,
                    line: None,
                },
                evidence: format!("{} {version} on branch {} (support ended {}; source: {})", c.name, b.branch, b.eos, p.source),
                remediation: format!("Update {} to a supported branch; an unsupported component gets no security fixes.", c.name),
                references: vec!["3gpp:33.117:4.3.2.5".to_string()],
                tags: vec!["end-of-support".to_string()],
                details,
            });
        }
        out.sort_by(|a, b| a.title.cmp(&b.title));
        out
    }
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
