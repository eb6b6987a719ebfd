//! The sample products' scan evidence (`examples/evidence/`) is the scan of their firmware
//! recipes (`examples/firmware/`), byte for byte, and each product record names the digest of
//! the image its recipe builds. `examples/evidence/regenerate.sh` (this test with
//! `NETVET_BLESS=1`) rewrites the evidence and the digests when a recipe or netvet changes.

use std::path::{Path, PathBuf};

use netvet_forge::recipe::Recipe;
use netvet_model::Date;
use netvet_pipeline::{AnalyseOptions, Analyser};

/// The products whose evidence comes from a recipe of the same name.
const PRODUCTS: &[&str] = &[
    "acme-gnb-4.2",
    "acme-upf-2.0",
    "borealis-amf-5.1",
    "borealis-upf-3.2",
    "cobalt-gnb-7.0",
];

/// The day the evidence is judged on (end of support, certificate expiry).
const AS_OF: &str = "2026-12-01";

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

#[derive(serde::Deserialize)]
struct Record {
    firmware: Vec<Firmware>,
}

#[derive(serde::Deserialize)]
struct Firmware {
    image: String,
    sha256: String,
}

#[test]
fn evidence_is_the_scan_of_each_products_recipe() {
    let bless = std::env::var_os("NETVET_BLESS").is_some();
    let dir = tempfile::tempdir().unwrap();
    let as_of: Date = AS_OF.parse().unwrap();
    let analyser = Analyser::new(AnalyseOptions::new(as_of)).unwrap();
    let mut drift = Vec::new();
    for product in PRODUCTS {
        let recipe_path = examples().join(format!("firmware/{product}.toml"));
        let recipe =
            Recipe::parse(product, &std::fs::read_to_string(&recipe_path).unwrap()).unwrap();
        let (file, bytes) = recipe.build(product).unwrap();
        let image = dir.path().join(&file);
        std::fs::write(&image, &bytes).unwrap();
        let report = analyser.analyse(&image, &None).unwrap();
        assert!(
            report.errors.is_empty(),
            "{product}: the scan met errors: {:?}",
            report.errors
        );

        // The product record names this image and its digest.
        let record_path = examples().join(format!("products/{product}.toml"));
        let record_text = std::fs::read_to_string(&record_path).unwrap();
        let record: Record = toml::from_str(&record_text).unwrap();
        let fw = &record.firmware[0];
        assert_eq!(fw.image, file, "{product}: the record names another image");
        let digest = &report.image.sha256;
        if &fw.sha256 != digest {
            if bless {
                // Every mention of the old digest (the firmware, and the certificate that
                // names it) follows; other digests in the record stay as they are.
                std::fs::write(&record_path, record_text.replace(&fw.sha256, digest)).unwrap();
            } else {
                drift.push(format!(
                    "{}: firmware sha256 {} but the recipe builds {digest}",
                    record_path.display(),
                    fw.sha256
                ));
            }
        }

        let evidence_path = examples().join(format!("evidence/{product}.json"));
        let json = netvet_model::json::to_canonical_string(&report).unwrap();
        let committed = std::fs::read_to_string(&evidence_path).unwrap_or_default();
        if committed != json {
            if bless {
                std::fs::write(&evidence_path, &json).unwrap();
            } else {
                drift.push(format!(
                    "{} is not the scan of examples/firmware/{product}.toml",
                    evidence_path.display()
                ));
            }
        }
    }
    assert!(
        drift.is_empty(),
        "the sample evidence drifted (run examples/evidence/regenerate.sh and review the diff):\n{}",
        drift.join("\n")
    );
}

/// What each sample was built to show is what its scan finds.
#[test]
fn the_evidence_shows_what_each_sample_was_built_to_show() {
    let read = |p: &str| -> netvet_model::ScanReport {
        let text = std::fs::read_to_string(examples().join(format!("evidence/{p}.json"))).unwrap();
        serde_json::from_str(&text).unwrap()
    };
    let checks = |r: &netvet_model::ScanReport| -> Vec<String> {
        r.findings.iter().map(|f| f.check.clone()).collect()
    };
    let gnb = read("acme-gnb-4.2");
    let found = checks(&gnb);
    for want in [
        "nv-service-unauthenticated-shell",
        "nv-account-default-password",
        "nv-account-extra-uid0",
    ] {
        assert!(
            found.iter().any(|c| c == want),
            "acme-gnb-4.2 lacks {want}: {found:?}"
        );
    }
    assert!(
        gnb.services
            .iter()
            .any(|s| s.ports.iter().any(|p| p.number == 2323))
    );

    let upf = read("acme-upf-2.0");
    let ids: Vec<&str> = upf.vulnerabilities.iter().map(|v| v.id.as_str()).collect();
    assert!(ids.contains(&"GHSA-jfh8-c2jp-5v3q"), "{ids:?}");
    assert!(
        upf.vulnerabilities
            .iter()
            .any(|v| v.known_exploited && v.aliases.iter().any(|a| a == "CVE-2021-44228"))
    );
    assert!(
        upf.components
            .iter()
            .any(|c| c.name == "openssl" && c.unsupported),
        "OpenSSL 1.0.2 is past its support"
    );
    assert!(
        checks(&upf)
            .iter()
            .any(|c| c == "nv-update-unverified-flash"),
        "the UPF's update script flashes without a signature"
    );

    for clean in ["borealis-amf-5.1", "borealis-upf-3.2", "cobalt-gnb-7.0"] {
        let r = read(clean);
        let serious: Vec<_> = r
            .findings
            .iter()
            .filter(|f| f.severity >= netvet_model::Severity::High)
            .map(|f| &f.check)
            .collect();
        assert!(serious.is_empty(), "{clean} should be clean: {serious:?}");
    }
}
