//! Vulnerabilities as findings of category `vulnerability` (what `netvet scan` reports).

use std::collections::{BTreeMap, HashMap};

use netvet_model::{Category, Component, Finding, Location, Vulnerability, finding_id};

/// Check id of vulnerability findings.
pub const CHECK: &str = "nv-known-vulnerability";

/// One finding per vulnerability, located at the first file of its component.
pub fn findings(vulns: &[Vulnerability], components: &[Component]) -> Vec<Finding> {
    let paths = Paths::new(components);
    vulns.iter().map(|v| finding(v, paths.of(v))).collect()
}

/// Where each component was found (its first file), by the key vulnerabilities name it by.
pub struct Paths<'a>(HashMap<String, &'a str>);

impl<'a> Paths<'a> {
    pub fn new(components: &'a [Component]) -> Paths<'a> {
        let mut paths = HashMap::with_capacity(components.len());
        for c in components {
            // The last component of a key wins, as it did in the map this replaces.
            paths.insert(
                crate::matcher::component_key(c),
                c.evidence.first().map_or("", |e| e.path.as_str()),
            );
        }
        Paths(paths)
    }

    /// The path of the component `v` is about (empty when unknown).
    pub fn of(&self, v: &Vulnerability) -> &'a str {
        self.0.get(&*v.component).copied().unwrap_or("")
    }
}

/// The finding of one vulnerability of the component found at `path`.
pub fn finding(v: &Vulnerability, path: &str) -> Finding {
    let mut details = BTreeMap::new();
    details.insert("component".to_string(), serde_json::json!(v.component));
    if let Some(c) = v.cvss {
        details.insert("cvss".to_string(), serde_json::json!(c));
    }
    if let Some(f) = &v.fixed_in {
        details.insert("fixed_in".to_string(), serde_json::json!(f));
    }
    if let Some(e) = &v.evidence {
        details.insert("searched".to_string(), serde_json::json!(e.searched));
        details.insert("matched".to_string(), serde_json::json!(e.matched));
        details.insert("scheme".to_string(), serde_json::json!(e.scheme));
        details.insert("advisory_source".to_string(), serde_json::json!(e.source));
    }
    let mut references: Vec<String> = std::iter::once(&v.id)
        .chain(&v.aliases)
        .filter(|id| id.starts_with("CVE-"))
        .map(|id| format!("cve:{id}"))
        .collect();
    references.sort();
    references.dedup();
    Finding {
        id: finding_id(CHECK, path, &[&v.component, &v.id]),
        check: CHECK.to_string(),
        title: format!(
            "{}{} in {}",
            v.id,
            if v.known_exploited {
                " (known exploited)"
            } else {
                ""
            },
            v.component
        ),
        severity: v.severity,
        category: Category::Vulnerability,
        cwe: Vec::new(),
        location: Location {
            path: path.to_string(),
            offset: None,
            line: None,
        },
        evidence: v.matched_by.clone(),
        remediation: match &v.fixed_in {
            Some(f) => format!("Update to {f} or later (or a vendor build with the fix)."),
            None => "No fixed version is recorded; mitigate or replace the component.".to_string(),
        },
        references,
        tags: if v.known_exploited {
            vec!["kev".to_string()]
        } else {
            Vec::new()
        },
        details,
        suppressed: None,
    }
}
