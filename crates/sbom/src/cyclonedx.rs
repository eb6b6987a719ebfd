//! CycloneDX 1.6 JSON: writing an image's components, and reading a vendor's BOM.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use netvet_model::{Component, ComponentType};

use crate::compare::{Declared, DeclaredSbom};
use crate::error::{Error, Result};

/// What describes the image in a document (the BOM's subject).
#[derive(Clone, Debug)]
pub struct Subject<'a> {
    /// Image file name.
    pub name: &'a str,
    /// SHA-256 of the image, hex.
    pub sha256: &'a str,
    /// RFC 3339 creation time; `None` leaves it out (CycloneDX makes it optional).
    pub timestamp: Option<&'a str>,
}

/// The CycloneDX type of a component.
fn cdx_type(c: &Component) -> &'static str {
    match c.kind {
        ComponentType::Package | ComponentType::Library => "library",
        ComponentType::Binary => "application",
        ComponentType::Kernel | ComponentType::OperatingSystem => "operating-system",
        ComponentType::Firmware => "firmware",
    }
}

/// A stable `bom-ref` for each component: its PURL when unique, else name@version#n.
pub fn bom_refs(components: &[Component]) -> Vec<String> {
    let mut seen = std::collections::HashMap::new();
    components
        .iter()
        .map(|c| {
            let base = c
                .purl
                .clone()
                .unwrap_or_else(|| format!("{}@{}", c.name, c.version.as_deref().unwrap_or("")));
            let n = seen.entry(base.clone()).or_insert(0u32);
            *n += 1;
            if *n == 1 { base } else { format!("{base}#{n}") }
        })
        .collect()
}

/// A deterministic `urn:uuid:` from the image hash (same image, same serial number).
pub fn serial_number(sha256: &str) -> String {
    let h: String = sha256
        .chars()
        .filter(char::is_ascii_hexdigit)
        .chain(std::iter::repeat('0'))
        .take(32)
        .collect::<String>()
        .to_ascii_lowercase();
    // Version 5 and RFC 4122 variant bits, so validators accept it as a UUID.
    format!(
        "urn:uuid:{}-{}-5{}-{}{}-{}",
        &h[0..8],
        &h[8..12],
        &h[13..16],
        ["8", "9", "a", "b"][usize::from_str_radix(&h[16..17], 16).unwrap_or(0) % 4],
        &h[17..20],
        &h[20..32]
    )
}

/// The CycloneDX 1.6 document for an image's components.
pub fn write(subject: &Subject<'_>, components: &[Component]) -> Value {
    let refs = bom_refs(components);
    let comps: Vec<Value> = components
        .iter()
        .zip(&refs)
        .map(|(c, r)| component_json(c, r))
        .collect();
    let mut metadata = json!({
        "tools": {"components": [{
            "type": "application",
            "name": "netvet",
            "version": env!("CARGO_PKG_VERSION"),
        }]},
        "component": {
            "type": "firmware",
            "bom-ref": "image",
            "name": subject.name,
            "hashes": [{"alg": "SHA-256", "content": subject.sha256}],
        },
    });
    if let Some(t) = subject.timestamp {
        metadata["timestamp"] = json!(t);
    }
    json!({
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "serialNumber": serial_number(subject.sha256),
        "version": 1,
        "metadata": metadata,
        "components": comps,
        "dependencies": [{"ref": "image", "dependsOn": refs}],
    })
}

fn component_json(c: &Component, bom_ref: &str) -> Value {
    let mut v = json!({
        "type": cdx_type(c),
        "bom-ref": bom_ref,
        "name": c.name,
    });
    if let Some(ver) = &c.version {
        v["version"] = json!(ver);
    }
    if let Some(p) = &c.purl {
        v["purl"] = json!(p);
    }
    if let Some(cpe) = c.cpes.first() {
        v["cpe"] = json!(cpe);
    }
    let mut props: Vec<Value> = c
        .cpes
        .iter()
        .skip(1)
        .map(|cpe| json!({"name": "netvet:cpe", "value": cpe}))
        .collect();
    props.push(json!({"name": "netvet:type", "value": serde_json::to_value(c.kind).unwrap_or(Value::Null)}));
    // The typed facts under the property names they have always had in netvet's CycloneDX.
    let mut facts: BTreeMap<&str, &str> = c
        .properties
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    for (k, val) in [
        ("distro", &c.distro),
        ("osv:ecosystem", &c.ecosystem),
        ("package:source", &c.source_package),
    ] {
        if let Some(val) = val {
            facts.insert(k, val);
        }
    }
    for (k, val) in facts {
        props.push(json!({"name": format!("netvet:{k}"), "value": val}));
    }
    if let Some(eos) = &c.end_of_support {
        props.push(json!({"name": "netvet:end-of-support", "value": eos}));
        props.push(json!({"name": "netvet:unsupported", "value": c.unsupported.to_string()}));
    }
    v["properties"] = Value::Array(props);
    let best = c.evidence.iter().map(|e| e.confidence).fold(0.0, f64::max);
    let methods: Vec<Value> = c
        .evidence
        .iter()
        .map(|e| {
            let technique = if e.cataloger.ends_with("-db-cataloger") {
                "manifest-analysis"
            } else if e.cataloger.ends_with("-cataloger") {
                "filename"
            } else {
                "binary-analysis"
            };
            json!({"technique": technique, "confidence": e.confidence, "value": format!("{} {}", e.cataloger, e.path)})
        })
        .collect();
    let mut evidence = json!({
        "occurrences": c.evidence.iter().map(|e| json!({"location": e.path})).collect::<Vec<_>>(),
    });
    if !methods.is_empty() {
        evidence["identity"] = json!([{
            "field": if c.purl.is_some() { "purl" } else { "name" },
            "confidence": best,
            "methods": methods,
        }]);
    }
    v["evidence"] = evidence;
    v
}

/// Limits on reading SBOMs (a vendor's document is untrusted input).
#[derive(Clone, Copy, Debug)]
pub struct ReadLimits {
    pub max_bytes: u64,
    pub max_components: usize,
    /// Deepest nesting of components inside components.
    pub max_depth: usize,
    pub max_dependency_edges: usize,
}

impl Default for ReadLimits {
    fn default() -> ReadLimits {
        ReadLimits {
            max_bytes: 256 << 20,
            max_components: 1_000_000,
            max_depth: 64,
            max_dependency_edges: 5_000_000,
        }
    }
}

/// Reads the components a CycloneDX JSON BOM declares (nested ones included). The dependency
/// graph is checked for dangling references and cycles, which are reported as problems.
pub fn read(file: &str, doc: &Value, limits: &ReadLimits) -> Result<DeclaredSbom> {
    if doc.get("bomFormat").and_then(Value::as_str) != Some("CycloneDX") {
        return Err(Error::Sbom {
            file: file.to_string(),
            message: "not a CycloneDX JSON document (bomFormat is not \"CycloneDX\")".to_string(),
        });
    }
    let mut out = DeclaredSbom {
        format: format!(
            "CycloneDX {}",
            doc.get("specVersion")
                .and_then(Value::as_str)
                .unwrap_or("?")
        ),
        ..DeclaredSbom::default()
    };
    let mut stack: Vec<(&Value, usize)> = doc
        .get("components")
        .and_then(Value::as_array)
        .map(|a| a.iter().rev().map(|c| (c, 1)).collect())
        .unwrap_or_default();
    while let Some((c, depth)) = stack.pop() {
        if depth > limits.max_depth {
            return Err(Error::Limit {
                file: file.to_string(),
                message: "components nested too deeply".to_string(),
                limit: limits.max_depth as u64,
            });
        }
        if out.components.len() >= limits.max_components {
            return Err(Error::Limit {
                file: file.to_string(),
                message: "too many components".to_string(),
                limit: limits.max_components as u64,
            });
        }
        let s = |k: &str| c.get(k).and_then(Value::as_str).map(str::to_string);
        let Some(name) = s("name") else {
            out.problems
                .push("a component without a name was skipped".to_string());
            continue;
        };
        let props: Vec<(&str, &str)> = c
            .get("properties")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|p| {
                Some((
                    p.get("name").and_then(Value::as_str)?,
                    p.get("value").and_then(Value::as_str)?,
                ))
            })
            .collect();
        let prop = |k: &'static str| {
            props
                .iter()
                .filter(move |(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        };
        let mut cpes: Vec<String> = s("cpe").into_iter().collect();
        cpes.extend(prop("netvet:cpe"));
        let purl = s("purl");
        let source = crate::compare::upstream_of(purl.as_deref())
            .or_else(|| prop("aquasecurity:trivy:SrcName").next());
        out.components.push(Declared {
            reference: s("bom-ref"),
            name,
            version: s("version"),
            purl,
            cpes,
            source,
        });
        if let Some(children) = c.get("components").and_then(Value::as_array) {
            stack.extend(children.iter().rev().map(|ch| (ch, depth + 1)));
        }
    }
    let mut edges = Vec::new();
    for d in doc
        .get("dependencies")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(from) = d.get("ref").and_then(Value::as_str) else {
            continue;
        };
        for to in d
            .get("dependsOn")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(to) = to.as_str() {
                if edges.len() >= limits.max_dependency_edges {
                    return Err(Error::Limit {
                        file: file.to_string(),
                        message: "too many dependency edges".to_string(),
                        limit: limits.max_dependency_edges as u64,
                    });
                }
                edges.push((from.to_string(), to.to_string()));
            }
        }
    }
    out.check_graph(&edges, &["image"]);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serial_numbers_are_uuids_derived_from_the_image() {
        let s = serial_number("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
        assert_eq!(s, "urn:uuid:9f86d081-884c-5d65-9a2f-eaa0c55ad015");
        assert_eq!(
            s,
            serial_number("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")
        );
    }

    #[test]
    fn reading_rejects_deep_nesting_and_reports_cycles() {
        let mut c = json!({"name": "leaf"});
        for i in 0..70 {
            c = json!({"name": format!("n{i}"), "components": [c]});
        }
        let doc = json!({"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [c]});
        let e = read("x.json", &doc, &ReadLimits::default()).unwrap_err();
        assert!(e.to_string().contains("nested too deeply"), "{e}");

        let doc = json!({
            "bomFormat": "CycloneDX", "specVersion": "1.6",
            "components": [{"bom-ref": "a", "name": "a"}, {"bom-ref": "b", "name": "b"}],
            "dependencies": [{"ref": "a", "dependsOn": ["b"]}, {"ref": "b", "dependsOn": ["a", "ghost"]}],
        });
        let sbom = read("x.json", &doc, &ReadLimits::default()).unwrap();
        assert_eq!(sbom.components.len(), 2);
        assert!(
            sbom.problems.iter().any(|p| p.contains("cycle")),
            "{:?}",
            sbom.problems
        );
        assert!(
            sbom.problems.iter().any(|p| p.contains("ghost")),
            "{:?}",
            sbom.problems
        );
    }
}
