//! VEX in: CycloneDX VEX (`vulnerabilities[].analysis.state`) and OpenVEX (`statements[]`).
//! A `not_affected` (CycloneDX also `false_positive`) statement for a vulnerability and a
//! product (PURL, qualifiers ignored; no product = every product) suppresses the match; the
//! suppression is kept, with its justification, in the report.

use serde_json::Value;

use netvet_model::Vulnerability;

use crate::error::{Error, Result};

/// One "not affected" statement.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct Statement {
    pub vulnerability: String,
    /// PURLs (without qualifiers); empty means every product.
    pub products: Vec<String>,
    pub justification: String,
    /// The VEX file it came from.
    pub source: String,
}

/// A match a VEX statement suppressed.
#[derive(Clone, Debug, PartialEq, serde::Serialize, schemars::JsonSchema)]
pub struct Suppressed {
    pub vulnerability: Vulnerability,
    pub statement: Statement,
}

fn strip_qualifiers(p: &str) -> &str {
    p.split(['?', '#']).next().unwrap_or(p)
}

/// Reads the not-affected statements of a CycloneDX or OpenVEX JSON document.
pub fn parse(file: &str, bytes: &[u8]) -> Result<Vec<Statement>> {
    if bytes.len() > 64 << 20 {
        return Err(Error::Advisory {
            file: file.to_string(),
            message: "VEX document larger than 64 MiB".to_string(),
        });
    }
    let doc: Value = serde_json::from_slice(bytes).map_err(|e| Error::Advisory {
        file: file.to_string(),
        message: format!("not JSON: {e}"),
    })?;
    let mut out = Vec::new();
    if let Some(statements) = doc.get("statements").and_then(Value::as_array) {
        for s in statements {
            if s.get("status").and_then(Value::as_str) != Some("not_affected") {
                continue;
            }
            let vuln = s.get("vulnerability");
            let Some(id) = vuln
                .and_then(|v| v.get("name").or_else(|| v.get("@id")))
                .or(vuln)
                .and_then(Value::as_str)
            else {
                continue;
            };
            let products = s
                .get("products")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|p| p.get("@id").or(Some(p)).and_then(Value::as_str))
                .map(|p| strip_qualifiers(p).to_string())
                .collect();
            let justification = s
                .get("justification")
                .or_else(|| s.get("impact_statement"))
                .and_then(Value::as_str)
                .unwrap_or("not_affected")
                .to_string();
            out.push(Statement {
                vulnerability: id.to_string(),
                products,
                justification,
                source: file.to_string(),
            });
        }
    } else if doc.get("bomFormat").and_then(Value::as_str) == Some("CycloneDX") {
        let refs: std::collections::HashMap<&str, &str> = doc
            .get("components")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|c| Some((c.get("bom-ref")?.as_str()?, c.get("purl")?.as_str()?)))
            .collect();
        for v in doc
            .get("vulnerabilities")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let state = v.pointer("/analysis/state").and_then(Value::as_str);
            if !matches!(state, Some("not_affected" | "false_positive")) {
                continue;
            }
            let Some(id) = v.get("id").and_then(Value::as_str) else {
                continue;
            };
            let products = v
                .get("affects")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|a| a.get("ref").and_then(Value::as_str))
                .map(|r| strip_qualifiers(refs.get(r).copied().unwrap_or(r)).to_string())
                .collect();
            let justification = v
                .pointer("/analysis/justification")
                .or_else(|| v.pointer("/analysis/detail"))
                .and_then(Value::as_str)
                .unwrap_or(state.unwrap_or_default())
                .to_string();
            out.push(Statement {
                vulnerability: id.to_string(),
                products,
                justification,
                source: file.to_string(),
            });
        }
    } else {
        return Err(Error::Advisory {
            file: file.to_string(),
            message: "neither OpenVEX (statements) nor CycloneDX VEX (bomFormat, vulnerabilities)"
                .to_string(),
        });
    }
    Ok(out)
}

/// Removes the matches the statements mark not affected, returning them.
pub fn apply(vulns: &mut Vec<Vulnerability>, statements: &[Statement]) -> Vec<Suppressed> {
    let mut suppressed = Vec::new();
    vulns.retain(|v| {
        let hit = statements.iter().find(|s| {
            (s.vulnerability == v.id || v.aliases.contains(&s.vulnerability))
                && (s.products.is_empty()
                    || s.products
                        .iter()
                        .any(|p| p == strip_qualifiers(&v.component)))
        });
        match hit {
            Some(s) => {
                suppressed.push(Suppressed {
                    vulnerability: v.clone(),
                    statement: s.clone(),
                });
                false
            }
            None => true,
        }
    });
    suppressed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vuln(id: &str, component: &str) -> Vulnerability {
        Vulnerability {
            id: id.into(),
            aliases: vec![],
            component: component.into(),
            severity: netvet_model::Severity::High,
            cvss: None,
            fixed_in: None,
            known_exploited: false,
            matched_by: String::new(),
            summary: None,
            evidence: None,
        }
    }

    #[test]
    fn openvex_and_cyclonedx_statements_suppress_matches() {
        let openvex = br#"{"@context":"https://openvex.dev/ns/v0.2.0","statements":[
            {"vulnerability":{"name":"CVE-1"},"products":[{"@id":"pkg:generic/busybox@1.24.1"}],"status":"not_affected","justification":"vulnerable_code_not_present"},
            {"vulnerability":{"name":"CVE-2"},"status":"affected"}]}"#;
        let s = parse("v.json", openvex).unwrap();
        assert_eq!(s.len(), 1);
        let mut v = vec![
            vuln("CVE-1", "pkg:generic/busybox@1.24.1"),
            vuln("CVE-1", "pkg:generic/other@1"),
            vuln("CVE-2", "pkg:generic/busybox@1.24.1"),
        ];
        let sup = apply(&mut v, &s);
        assert_eq!(sup.len(), 1);
        assert_eq!(v.len(), 2);

        let cdx = br#"{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"bom-ref":"bb","purl":"pkg:generic/busybox@1.24.1?arch=mips"}],
            "vulnerabilities":[{"id":"CVE-2","analysis":{"state":"not_affected","justification":"code_not_reachable"},"affects":[{"ref":"bb"}]}]}"#;
        let s = parse("c.json", cdx).unwrap();
        assert_eq!(s[0].products, ["pkg:generic/busybox@1.24.1"]);
        assert_eq!(apply(&mut v, &s).len(), 1);
        assert!(parse("x", b"{}").is_err());
    }
}
