//! A vendor-supplied SBOM compared with what the image holds: components the image has but
//! the SBOM does not declare, declared components the image does not have, and versions that
//! differ become findings of category `integrity`.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use netvet_model::{Category, Component, ComponentType, Finding, Location, Severity, finding_id};
use serde_json::Value;

use crate::cyclonedx::{self, ReadLimits};
use crate::error::{Error, Result};
use crate::identity;
use crate::spdx;

/// A component an SBOM declares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Declared {
    /// `bom-ref` (CycloneDX) or `SPDXID`.
    pub reference: Option<String>,
    pub name: String,
    pub version: Option<String>,
    pub purl: Option<String>,
    pub cpes: Vec<String>,
    /// The source package a distribution package was built from, where the SBOM says: the
    /// PURL's `upstream` qualifier (syft) or trivy's `SrcName` property. Distribution
    /// advisories (OSV Debian, Ubuntu…) name source packages.
    pub source: Option<String>,
}

/// The source package named by a PURL's `upstream` qualifier (`openssl`, or `openssl@3.0.11-1`
/// where the source version differs).
pub(crate) fn upstream_of(purl: Option<&str>) -> Option<String> {
    let up = identity::purl_qualifier(purl?, "upstream")?;
    let name = up.split('@').next().unwrap_or(&up).trim();
    (!name.is_empty()).then(|| name.to_string())
}

/// What an SBOM document declares.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeclaredSbom {
    /// `CycloneDX 1.6`, `SPDX-2.3`.
    pub format: String,
    pub components: Vec<Declared>,
    /// Structural problems (dangling references, dependency cycles, nameless entries).
    pub problems: Vec<String>,
}

impl DeclaredSbom {
    /// Reports references to unknown elements and cycles in a dependency graph.
    pub(crate) fn check_graph(&mut self, edges: &[(String, String)], extra_known: &[&str]) {
        let mut known: BTreeSet<&str> = self
            .components
            .iter()
            .filter_map(|c| c.reference.as_deref())
            .collect();
        known.extend(extra_known);
        let mut dangling = BTreeSet::new();
        let mut adj: HashMap<&str, Vec<&str>> = HashMap::new();
        for (a, b) in edges {
            for x in [a, b] {
                if !known.contains(x.as_str()) {
                    dangling.insert(x.clone());
                }
            }
            adj.entry(a).or_default().push(b);
        }
        for d in dangling.iter().take(20) {
            self.problems
                .push(format!("dependency graph refers to unknown element {d:?}"));
        }
        if let Some(cycle) = find_cycle(&adj) {
            self.problems
                .push(format!("dependency cycle: {}", cycle.join(" -> ")));
        }
    }
}

/// A cycle in a directed graph, found iteratively (no recursion on hostile input).
fn find_cycle<'a>(adj: &HashMap<&'a str, Vec<&'a str>>) -> Option<Vec<String>> {
    // 0 unvisited, 1 on the stack, 2 done.
    let mut state: HashMap<&str, u8> = HashMap::new();
    let mut starts: Vec<&&str> = adj.keys().collect();
    starts.sort();
    for &start in starts {
        if state.get(start).copied().unwrap_or(0) != 0 {
            continue;
        }
        let mut stack: Vec<(&str, usize)> = vec![(start, 0)];
        state.insert(start, 1);
        while let Some((node, i)) = stack.last().copied() {
            let next = adj.get(node).and_then(|v| v.get(i)).copied();
            match next {
                Some(n) => {
                    if let Some(top) = stack.last_mut() {
                        top.1 += 1;
                    }
                    match state.get(n).copied().unwrap_or(0) {
                        0 => {
                            state.insert(n, 1);
                            stack.push((n, 0));
                        }
                        1 => {
                            let from = stack.iter().position(|(x, _)| *x == n).unwrap_or(0);
                            let mut cycle: Vec<String> =
                                stack[from..].iter().map(|(x, _)| x.to_string()).collect();
                            cycle.push(n.to_string());
                            return Some(cycle);
                        }
                        _ => {}
                    }
                }
                None => {
                    state.insert(node, 2);
                    stack.pop();
                }
            }
        }
    }
    None
}

/// Reads a CycloneDX or SPDX JSON SBOM (detected by content), bounded by `limits`.
pub fn read_sbom(file: &str, bytes: &[u8], limits: &ReadLimits) -> Result<DeclaredSbom> {
    if bytes.len() as u64 > limits.max_bytes {
        return Err(Error::Limit {
            file: file.to_string(),
            message: format!("{} bytes", bytes.len()),
            limit: limits.max_bytes,
        });
    }
    let doc: Value = serde_json::from_slice(bytes).map_err(|e| Error::Sbom {
        file: file.to_string(),
        message: format!("not JSON: {e}"),
    })?;
    if doc.get("bomFormat").is_some() {
        cyclonedx::read(file, &doc, limits)
    } else if doc.get("spdxVersion").is_some() {
        spdx::read(file, &doc, limits)
    } else {
        Err(Error::Sbom {
            file: file.to_string(),
            message: "neither CycloneDX (bomFormat) nor SPDX (spdxVersion) JSON".to_string(),
        })
    }
}

/// Keys a component may be known by: PURL type/name, CPE vendor:product, and lowercase name.
fn keys(name: &str, purl: Option<&str>, cpes: &[String]) -> Vec<String> {
    let mut k = vec![format!("name:{}", name.to_ascii_lowercase())];
    if let Some(p) = purl.and_then(identity::parse_purl) {
        k.push(format!("purl:{}/{}", p.kind, p.name.to_ascii_lowercase()));
        k.push(format!("name:{}", p.name.to_ascii_lowercase()));
    }
    for c in cpes {
        let parts: Vec<&str> = c.split(':').collect();
        if parts.len() > 5 && parts[0] == "cpe" {
            k.push(format!("cpe:{}:{}", parts[3], parts[4]));
        }
    }
    k
}

/// Check ids of the comparison findings.
pub const UNDECLARED: &str = "nv-sbom-undeclared-component";
pub const ABSENT: &str = "nv-sbom-declared-component-absent";
pub const VERSION_DIFFERS: &str = "nv-sbom-version-differs";

/// Compares a declared SBOM with the components found in image `image`.
pub fn compare(image: &str, declared: &DeclaredSbom, found: &[Component]) -> Vec<Finding> {
    let mut index: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, d) in declared.components.iter().enumerate() {
        for k in keys(&d.name, d.purl.as_deref(), &d.cpes) {
            index.entry(k).or_default().push(i);
        }
    }
    let mut used = vec![false; declared.components.len()];
    let mut findings = Vec::new();
    for c in found {
        let candidates: BTreeSet<usize> = keys(&c.name, c.purl.as_deref(), &c.cpes)
            .iter()
            .filter_map(|k| index.get(k))
            .flatten()
            .copied()
            .collect();
        let path = c
            .evidence
            .first()
            .map(|e| e.path.clone())
            .unwrap_or_default();
        let label = format!(
            "{} {}",
            c.name,
            c.version.as_deref().unwrap_or("(version unknown)")
        );
        // The distribution release is matched when declared, not demanded.
        if candidates.is_empty() && c.kind == ComponentType::OperatingSystem {
            continue;
        }
        if candidates.is_empty() {
            findings.push(finding(
                UNDECLARED,
                &[&label],
                format!("{label} is in the image but not in the supplied SBOM"),
                Severity::Medium,
                &path,
                format!("found by {} at {path}", c.evidence.iter().map(|e| e.cataloger.as_str()).collect::<Vec<_>>().join(", ")),
                "Ask the vendor for a complete SBOM; an SBOM that omits components cannot support vulnerability handling (EU CRA Annex I, 3GPP TS 33.117 4.3.2.5).",
            ));
            continue;
        }
        for &i in &candidates {
            used[i] = true;
        }
        let versions: Vec<&str> = candidates
            .iter()
            .filter_map(|&i| declared.components[i].version.as_deref())
            .collect();
        if let Some(v) = &c.version
            && !versions.is_empty()
            && !versions.iter().any(|d| same_version(d, v))
        {
            findings.push(finding(
                VERSION_DIFFERS,
                &[&c.name, v],
                format!(
                    "{} is {v} in the image but {} in the supplied SBOM",
                    c.name,
                    versions.join(", ")
                ),
                Severity::Medium,
                &path,
                format!("declared {}; found {v} at {path}", versions.join(", ")),
                "Ask the vendor which version ships; match advisories against the version found.",
            ));
        }
    }
    for (i, d) in declared.components.iter().enumerate() {
        if used[i] {
            continue;
        }
        let label = format!("{} {}", d.name, d.version.as_deref().unwrap_or(""));
        findings.push(finding(
            ABSENT,
            &[&label, d.reference.as_deref().unwrap_or("")],
            format!("{} is declared in the supplied SBOM but was not found in the image", label.trim()),
            Severity::Low,
            image,
            format!("declared as {}", d.purl.as_deref().unwrap_or(&d.name)),
            "Check whether the SBOM belongs to this firmware release, or whether the component is present in a form netvet does not recognise.",
        ));
    }
    findings.sort_by(|a, b| a.check.cmp(&b.check).then(a.title.cmp(&b.title)));
    findings
}

/// Versions are the same when equal or equal after the distribution revision is dropped.
fn same_version(declared: &str, found: &str) -> bool {
    declared == found
        || identity::upstream_version(declared) == identity::upstream_version(found)
        || identity::upstream_version(found) == declared
}

fn finding(
    check: &str,
    parts: &[&str],
    title: String,
    severity: Severity,
    path: &str,
    evidence: String,
    remediation: &str,
) -> Finding {
    Finding {
        id: finding_id(check, path, parts),
        check: check.to_string(),
        title,
        severity,
        category: Category::Integrity,
        cwe: vec![1104],
        location: Location {
            path: path.to_string(),
            offset: None,
            line: None,
        },
        evidence,
        remediation: remediation.to_string(),
        references: vec!["3gpp:33.117:4.3.2.5".to_string()],
        tags: vec!["sbom".to_string()],
        details: BTreeMap::new(),
        suppressed: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cycles_are_found_without_recursion() {
        let mut adj: HashMap<&str, Vec<&str>> = HashMap::new();
        let names: Vec<String> = (0..100_000).map(|i| format!("n{i}")).collect();
        for w in names.windows(2) {
            adj.entry(&w[0]).or_default().push(&w[1]);
        }
        assert!(find_cycle(&adj).is_none());
        adj.entry(&names[99_999]).or_default().push(&names[0]);
        assert_eq!(find_cycle(&adj).unwrap().len(), 100_001);
    }
}
