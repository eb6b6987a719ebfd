//! CycloneDX 1.6 and SPDX 2.3 output: valid against the official schemas (vendored in
//! `schemas/`), stable (golden files), and read back without loss; vendor SBOMs compared.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::PathBuf;

use netvet_sbom::compare::{self, ABSENT, UNDECLARED, VERSION_DIFFERS};
use netvet_sbom::cyclonedx::{self, ReadLimits, Subject};
use netvet_sbom::spdx;
use serde_json::Value;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn load(rel: &str) -> Value {
    serde_json::from_slice(&std::fs::read(repo().join(rel)).unwrap()).unwrap()
}

/// Resolves the CycloneDX schema's relative references from the vendored files.
struct Local;

impl jsonschema::Retrieve for Local {
    fn retrieve(
        &self,
        uri: &jsonschema::Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        let name = uri
            .path()
            .as_str()
            .rsplit('/')
            .next()
            .unwrap_or("")
            .to_string();
        let path = repo().join("schemas/cyclonedx").join(&name);
        Ok(serde_json::from_slice(
            &std::fs::read(&path).map_err(|e| format!("{name}: {e}"))?,
        )?)
    }
}

fn assert_valid(schema: &str, doc: &Value) {
    let schema = load(schema);
    let v = jsonschema::options()
        .with_retriever(Local)
        .build(&schema)
        .unwrap();
    let errors: Vec<String> = v
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

fn subject() -> Subject<'static> {
    Subject {
        name: "fw.bin",
        sha256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        timestamp: Some("2026-01-01T00:00:00Z"),
    }
}

fn components() -> Vec<netvet_model::Component> {
    let tree = common::open("fw.bin", &common::openwrt());
    netvet_sbom::catalog(&tree).unwrap().components
}

fn golden(name: &str, doc: &Value) {
    let path = repo().join("crates/sbom/tests/golden").join(name);
    let text = netvet_model::json::to_canonical_string(doc).unwrap();
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &text).unwrap();
    }
    let want = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        want == text,
        "{} differs (UPDATE_GOLDEN=1 rewrites it):\n{text}",
        path.display()
    );
}

#[test]
fn cyclonedx_output_is_valid_stable_and_reads_back() {
    let cs = components();
    let doc = cyclonedx::write(&subject(), &cs);
    assert_valid("schemas/cyclonedx/bom-1.6.schema.json", &doc);
    golden("openwrt.cdx.json", &doc);
    let back = cyclonedx::read("out.json", &doc, &ReadLimits::default()).unwrap();
    assert_eq!(back.components.len(), cs.len());
    assert!(back.problems.is_empty(), "{:?}", back.problems);
    let f = compare::compare("fw.bin", &back, &cs);
    assert!(
        f.is_empty(),
        "{:#?}",
        f.iter().map(|x| &x.title).collect::<Vec<_>>()
    );
}

#[test]
fn spdx_output_is_valid_stable_and_reads_back() {
    let cs = components();
    let doc = spdx::write(&subject(), &cs);
    assert_valid("schemas/spdx/spdx-schema-2.3.json", &doc);
    golden("openwrt.spdx.json", &doc);
    let back = spdx::read("out.json", &doc, &ReadLimits::default()).unwrap();
    assert_eq!(back.components.len(), cs.len());
    assert!(back.problems.is_empty(), "{:?}", back.problems);
    let f = compare::compare("fw.bin", &back, &cs);
    assert!(
        f.is_empty(),
        "{:#?}",
        f.iter().map(|x| &x.title).collect::<Vec<_>>()
    );
}

#[test]
fn a_vendor_sbom_that_differs_from_the_image_gives_findings() {
    let cs = components();
    // The vendor's SBOM: dnsmasq at another version, no dropbear, and a component the image
    // does not have.
    let vendor = serde_json::json!({
        "bomFormat": "CycloneDX", "specVersion": "1.5",
        "components": [
            {"type": "library", "name": "busybox", "version": "1.30.1", "purl": "pkg:generic/busybox@1.30.1"},
            {"type": "library", "name": "dnsmasq", "version": "2.86", "cpe": "cpe:2.3:a:thekelleys:dnsmasq:2.86:*:*:*:*:*:*:*"},
            {"type": "library", "name": "libopenssl1.1", "version": "1.1.1g-1"},
            {"type": "library", "name": "uhttpd"},
            {"type": "library", "name": "linux-kernel", "version": "4.14.195"},
            {"type": "library", "name": "lighttpd", "version": "1.4.59"}
        ]
    });
    let declared = compare::read_sbom(
        "vendor.json",
        vendor.to_string().as_bytes(),
        &ReadLimits::default(),
    )
    .unwrap();
    let f = compare::compare("fw.bin", &declared, &cs);
    let by = |check: &str| -> Vec<String> {
        f.iter()
            .filter(|x| x.check == check)
            .map(|x| x.title.clone())
            .collect()
    };
    assert_eq!(
        by(ABSENT),
        ["lighttpd 1.4.59 is declared in the supplied SBOM but was not found in the image"]
    );
    assert_eq!(
        by(UNDECLARED),
        ["dropbear 2019.78-2 is in the image but not in the supplied SBOM"]
    );
    let differs = by(VERSION_DIFFERS);
    assert_eq!(differs.len(), 2, "{differs:?}");
    assert!(
        differs
            .iter()
            .any(|t| t.starts_with("dnsmasq-full is 2.80-16.3"))
    );
    assert!(differs.iter().any(|t| t.starts_with("dnsmasq is 2.62")));
    assert!(
        f.iter()
            .all(|x| x.category == netvet_model::Category::Integrity)
    );
}

#[test]
fn hostile_sboms_are_refused_or_bounded() {
    let limits = ReadLimits {
        max_bytes: 1000,
        max_components: 3,
        ..ReadLimits::default()
    };
    let big = vec![b' '; 2000];
    assert!(
        compare::read_sbom("big.json", &big, &limits)
            .unwrap_err()
            .to_string()
            .contains("limit 1000")
    );
    let many = serde_json::json!({"bomFormat": "CycloneDX", "components": [{"name": "a"}, {"name": "b"}, {"name": "c"}, {"name": "d"}]});
    assert!(compare::read_sbom("many.json", many.to_string().as_bytes(), &limits).is_err());
    let spdx_cycle = serde_json::json!({
        "spdxVersion": "SPDX-2.3", "documentDescribes": ["SPDXRef-A"],
        "packages": [{"SPDXID": "SPDXRef-A", "name": "a"}, {"SPDXID": "SPDXRef-B", "name": "b"}],
        "relationships": [
            {"spdxElementId": "SPDXRef-A", "relationshipType": "DEPENDS_ON", "relatedSpdxElement": "SPDXRef-B"},
            {"spdxElementId": "SPDXRef-B", "relationshipType": "DEPENDS_ON", "relatedSpdxElement": "SPDXRef-A"}
        ]
    });
    let s = compare::read_sbom(
        "c.json",
        spdx_cycle.to_string().as_bytes(),
        &ReadLimits::default(),
    )
    .unwrap();
    assert!(
        s.problems.iter().any(|p| p.contains("cycle")),
        "{:?}",
        s.problems
    );
    assert!(compare::read_sbom("x.json", b"[1,2]", &ReadLimits::default()).is_err());
    assert!(compare::read_sbom("x.json", b"not json", &ReadLimits::default()).is_err());
}
