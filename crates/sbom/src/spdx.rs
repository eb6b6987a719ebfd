//! SPDX 2.3 JSON: writing an image's components as packages, and reading a vendor's document.

use serde_json::{Value, json};

use netvet_model::{Component, ComponentType};

use crate::compare::{Declared, DeclaredSbom};
use crate::cyclonedx::{ReadLimits, Subject};
use crate::error::{Error, Result};

fn purpose(c: &Component) -> &'static str {
    match c.kind {
        ComponentType::Package | ComponentType::Library => "LIBRARY",
        ComponentType::Binary => "APPLICATION",
        ComponentType::Kernel | ComponentType::OperatingSystem => "OPERATING_SYSTEM",
        ComponentType::Firmware => "FIRMWARE",
    }
}

/// `s` with every character but letters, digits, `.` and `-` replaced by `-` (what
/// `SPDXRef-` ids and namespace URIs may hold).
fn id_chars(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

fn spdx_id(prefix: &str, name: &str, n: usize) -> String {
    format!("SPDXRef-{prefix}-{}-{n}", id_chars(name))
}

/// The SPDX 2.3 document for an image's components. SPDX requires a creation time: pass
/// one (`SOURCE_DATE_EPOCH` in the CLI) for reproducible output.
pub fn write(subject: &Subject<'_>, components: &[Component]) -> Value {
    let image_id = "SPDXRef-Firmware".to_string();
    let mut packages = vec![json!({
        "SPDXID": image_id,
        "name": subject.name,
        "downloadLocation": "NOASSERTION",
        "filesAnalyzed": false,
        "checksums": [{"algorithm": "SHA256", "checksumValue": subject.sha256}],
        "primaryPackagePurpose": "FIRMWARE",
        "licenseConcluded": "NOASSERTION",
        "licenseDeclared": "NOASSERTION",
        "copyrightText": "NOASSERTION",
    })];
    let mut relationships = vec![json!({
        "spdxElementId": "SPDXRef-DOCUMENT",
        "relationshipType": "DESCRIBES",
        "relatedSpdxElement": image_id,
    })];
    for (i, c) in components.iter().enumerate() {
        let id = spdx_id("Package", &c.name, i + 1);
        let mut refs: Vec<Value> = Vec::new();
        if let Some(p) = &c.purl {
            refs.push(json!({"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": p}));
        }
        for cpe in &c.cpes {
            refs.push(json!({"referenceCategory": "SECURITY", "referenceType": "cpe23Type", "referenceLocator": cpe}));
        }
        let evidence: Vec<String> = c
            .evidence
            .iter()
            .map(|e| format!("{} {} (confidence {})", e.cataloger, e.path, e.confidence))
            .collect();
        let mut p = json!({
            "SPDXID": id,
            "name": c.name,
            "downloadLocation": "NOASSERTION",
            "filesAnalyzed": false,
            "primaryPackagePurpose": purpose(c),
            "licenseConcluded": "NOASSERTION",
            "licenseDeclared": "NOASSERTION",
            "copyrightText": "NOASSERTION",
            "sourceInfo": format!("found by netvet: {}", evidence.join("; ")),
            "externalRefs": refs,
        });
        if let Some(v) = &c.version {
            p["versionInfo"] = json!(v);
        }
        if let Some(l) = c.properties.get("license") {
            p["comment"] = json!(format!("license as the package database states it: {l}"));
        }
        if let Some(eos) = &c.end_of_support {
            p["validUntilDate"] = json!(format!("{eos}T00:00:00Z"));
        }
        packages.push(p);
        relationships.push(json!({
            "spdxElementId": image_id,
            "relationshipType": "CONTAINS",
            "relatedSpdxElement": id,
        }));
    }
    let safe_name = id_chars(subject.name);
    json!({
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": format!("netvet SBOM of {}", subject.name),
        "documentNamespace": format!("https://netvet.invalid/spdx/{safe_name}-{}", subject.sha256),
        "creationInfo": {
            "created": subject.timestamp.unwrap_or("1970-01-01T00:00:00Z"),
            "creators": [format!("Tool: netvet-{}", env!("CARGO_PKG_VERSION"))],
        },
        "documentDescribes": [image_id],
        "packages": packages,
        "relationships": relationships,
    })
}

/// Reads the packages an SPDX 2.x JSON document declares. Relationships are checked for
/// dangling references and `DEPENDS_ON`/`CONTAINS` cycles, reported as problems.
pub fn read(file: &str, doc: &Value, limits: &ReadLimits) -> Result<DeclaredSbom> {
    let version = doc.get("spdxVersion").and_then(Value::as_str).unwrap_or("");
    if !version.starts_with("SPDX-2.") {
        return Err(Error::Sbom {
            file: file.to_string(),
            message: format!("not an SPDX 2.x JSON document (spdxVersion {version:?})"),
        });
    }
    let mut out = DeclaredSbom {
        format: version.to_string(),
        ..DeclaredSbom::default()
    };
    let described: Vec<&str> = doc
        .get("documentDescribes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let packages = doc
        .get("packages")
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    if packages.len() > limits.max_components {
        return Err(Error::Limit {
            file: file.to_string(),
            message: "too many packages".to_string(),
            limit: limits.max_components as u64,
        });
    }
    for p in packages {
        let s = |k: &str| p.get(k).and_then(Value::as_str).map(str::to_string);
        let Some(name) = s("name") else {
            out.problems
                .push("a package without a name was skipped".to_string());
            continue;
        };
        let id = s("SPDXID");
        // The firmware itself is the document's subject, not one of its components.
        if id.as_deref().is_some_and(|i| described.contains(&i))
            && p.get("primaryPackagePurpose").and_then(Value::as_str) == Some("FIRMWARE")
        {
            continue;
        }
        let mut purl = None;
        let mut cpes = Vec::new();
        for r in p
            .get("externalRefs")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let t = r.get("referenceType").and_then(Value::as_str).unwrap_or("");
            let loc = r.get("referenceLocator").and_then(Value::as_str);
            match (t, loc) {
                ("purl", Some(l)) if purl.is_none() => purl = Some(l.to_string()),
                ("cpe23Type" | "cpe22Type", Some(l)) => cpes.push(l.to_string()),
                _ => {}
            }
        }
        out.components.push(Declared {
            reference: id,
            name,
            version: s("versionInfo"),
            source: crate::compare::upstream_of(purl.as_deref()),
            purl,
            cpes,
        });
    }
    let rels = doc
        .get("relationships")
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    if rels.len() > limits.max_dependency_edges {
        return Err(Error::Limit {
            file: file.to_string(),
            message: "too many relationships".to_string(),
            limit: limits.max_dependency_edges as u64,
        });
    }
    let edges: Vec<(String, String)> = rels
        .iter()
        .filter(|r| {
            matches!(
                r.get("relationshipType").and_then(Value::as_str),
                Some("DEPENDS_ON" | "CONTAINS")
            )
        })
        .filter_map(|r| {
            Some((
                r.get("spdxElementId")?.as_str()?.to_string(),
                r.get("relatedSpdxElement")?.as_str()?.to_string(),
            ))
        })
        .collect();
    let mut known: Vec<&str> = vec!["SPDXRef-DOCUMENT"];
    known.extend(described.iter().copied());
    out.check_graph(&edges, &known);
    Ok(out)
}
