//! SARIF 2.1.0 output for code-scanning interfaces (GitHub, GitLab, Azure DevOps, VS Code).
//!
//! One run per scanned image. Locations are the virtual paths, percent-encoded into URI
//! references; text files get a line region, binaries a byte offset. Each result carries the
//! finding's stable id as a partial fingerprint so interfaces track it across scans, and
//! `security-severity` so GitHub ranks it.

use std::collections::BTreeMap;

use netvet_model::{Coverage, Finding, ScanReport, Severity};
use serde_json::{Value, json};

use crate::RuleInfo;

/// SARIF level of a severity.
pub fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// GitHub's numeric security severity (0-10) of a severity.
pub fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.0",
    }
}

/// Percent-encodes a virtual path into a relative URI reference.
pub fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        let keep = b.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=:@".contains(&b);
        if keep {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn result(f: &Finding, rule_index: usize) -> Value {
    let mut region = serde_json::Map::new();
    if let Some(l) = f.location.line {
        region.insert("startLine".into(), json!(l.max(1)));
    } else if let Some(o) = f.location.offset {
        region.insert("byteOffset".into(), json!(o));
        region.insert("byteLength".into(), json!(1));
    }
    let mut physical = json!({ "artifactLocation": { "uri": uri(&f.location.path) } });
    if !region.is_empty() {
        physical["region"] = Value::Object(region);
    }
    let mut props = serde_json::Map::new();
    props.insert("severity".into(), json!(f.severity.as_str()));
    props.insert("category".into(), json!(f.category.as_str()));
    props.insert("evidence".into(), json!(f.evidence));
    if !f.references.is_empty() {
        props.insert("references".into(), json!(f.references));
    }
    for (k, v) in &f.details {
        props.insert(format!("netvet.{k}"), v.clone());
    }
    let mut result = json!({
        "ruleId": f.check,
        "ruleIndex": rule_index,
        "level": level(f.severity),
        "message": { "text": format!("{}: {}", f.title, f.evidence) },
        "locations": [{ "physicalLocation": physical }],
        "partialFingerprints": { "netvetFindingId/v1": f.id },
        "properties": Value::Object(props),
    });
    // SARIF 2.1.0 §3.27.23 and §3.35: suppressed in a file outside the analysed code. No
    // `status`: the published schema in tests/schemas names that property `state`.
    if let Some(sup) = &f.suppressed {
        let mut suppression = json!({
            "kind": "external",
            "justification": sup.reason,
        });
        // `source` is `FILE:LINE`.
        let (file, line) = match sup.source.rsplit_once(':') {
            Some((f, l)) => (f, l.parse::<u64>().ok()),
            None => (sup.source.as_str(), None),
        };
        let mut at = json!({ "artifactLocation": { "uri": uri(file) } });
        if let Some(l) = line {
            at["region"] = json!({ "startLine": l.max(1) });
        }
        suppression["location"] = json!({ "physicalLocation": at });
        if let Some(day) = &sup.expires {
            suppression["properties"] = json!({ "expires": day });
        }
        result["suppressions"] = json!([suppression]);
    }
    result
}

fn rule(r: &RuleInfo) -> Value {
    let mut tags: Vec<String> = vec!["security".into()];
    tags.extend(r.tags.iter().cloned());
    tags.extend(r.cwe.iter().map(|c| format!("external/cwe/cwe-{c}")));
    let refs = if r.references.is_empty() {
        String::new()
    } else {
        format!("\n\nRequirements: {}", r.references.join(", "))
    };
    json!({
        "id": r.id,
        "name": r.id.split('-').map(|w| {
            let mut c = w.chars();
            c.next().map(|f| f.to_uppercase().collect::<String>() + c.as_str()).unwrap_or_default()
        }).collect::<String>(),
        "shortDescription": { "text": r.title },
        "fullDescription": { "text": r.description },
        "help": {
            "text": format!("{}\n\nRemediation: {}{refs}", r.description, r.remediation),
            "markdown": format!("{}\n\n**Remediation:** {}{refs}", r.description, r.remediation),
        },
        "defaultConfiguration": { "level": level(r.severity) },
        "properties": {
            "tags": tags,
            "security-severity": security_severity(r.severity),
            "precision": "high",
        },
    })
}

/// A SARIF log with one run per report. `rules` describes every check id that may appear;
/// ids found in results but not described get a minimal rule.
pub fn write(reports: &[ScanReport], rules: &[RuleInfo], version: &str) -> Value {
    let runs: Vec<Value> = reports
        .iter()
        .map(|report| {
            let mut used: BTreeMap<&str, RuleInfo> = BTreeMap::new();
            for f in &report.findings {
                used.entry(f.check.as_str()).or_insert_with(|| {
                    rules.iter().find(|r| r.id == f.check).cloned().unwrap_or(RuleInfo {
                        id: f.check.clone(),
                        title: f.title.clone(),
                        description: f.title.clone(),
                        remediation: f.remediation.clone(),
                        severity: f.severity,
                        tags: f.tags.clone(),
                        cwe: f.cwe.clone(),
                        references: Vec::new(),
                    })
                });
            }
            let index: BTreeMap<&str, usize> = used.keys().enumerate().map(|(i, k)| (*k, i)).collect();
            let results: Vec<Value> = report
                .findings
                .iter()
                .map(|f| result(f, index[f.check.as_str()]))
                .collect();
            // What could not be read, as the invocation's notifications: a code-scanning view
            // must not show an unread image as clean.
            let notifications: Vec<Value> = report
                .image
                .unread()
                .map(|(_, w)| {
                    json!({
                        "level": "error",
                        "message": { "text": w.message },
                        "descriptor": { "id": crate::text::json_name(&w.code) },
                    })
                })
                .chain(report.errors.iter().map(|e| {
                    json!({ "level": "warning", "message": { "text": e } })
                }))
                .collect();
            json!({
                "invocations": [{
                    "executionSuccessful": report.coverage != Coverage::Unreadable,
                    "toolExecutionNotifications": notifications,
                }],
                "tool": {
                    "driver": {
                        "name": "netvet",
                        "semanticVersion": version,
                        "informationUri": "https://example.invalid/netvet",
                        "rules": used.values().map(rule).collect::<Vec<_>>(),
                    }
                },
                "originalUriBaseIds": {
                    "IMAGE": { "description": { "text": format!("the scanned image {}, sha256 {}", report.image.image, report.image.sha256) } }
                },
                "results": results,
                "properties": {
                    "image": report.image.image,
                    "sha256": report.image.sha256,
                    "coverage": report.coverage,
                },
            })
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": runs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_percent_encoded() {
        assert_eq!(
            uri("fw.bin!/0x40.squashfs!/etc/with space"),
            "fw.bin!/0x40.squashfs!/etc/with%20space"
        );
        assert_eq!(uri("a/\u{fc}"), "a/%C3%BC");
    }
}
