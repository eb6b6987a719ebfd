//! Inputs for the integration tests, built in code.
#![allow(dead_code)]

use std::path::Path;

use netvet_model::scan::SCAN_REPORT_SCHEMA;
use netvet_model::{
    Category, Date, Finding, Firmware, ImageReport, Location, NetworkFunction, Port, Product,
    Protocol, ScanReport, Service, Severity, Totals,
};
use netvet_policy::evidence::{Evidence, LoadedScan};
use netvet_policy::products::{LoadedProduct, ProductSet};
use netvet_policy::{DossierSet, Inputs, Limits};

pub fn limits() -> Limits {
    Limits::default()
}

pub fn as_of() -> Date {
    Date::new(2025, 6, 30).expect("a valid date")
}

/// Writes `text` at `dir/rel`, creating directories.
pub fn write(dir: &Path, rel: &str, text: &str) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

pub const CATALOGUE_TOML: &str = r#"
id = "test"
version = "1"
title = "Test catalogue"
jurisdiction = "XX"
effective = 2025-01-01
legal_basis = ["Test Act §1"]

[criticality]
critical = ["core:*"]

[[criticality.source]]
kind = "law"
ref = "test:1"
title = "Test Act"
url = "https://example.invalid/act"
status = "SOURCED"
"#;

pub fn requirement_toml(id: &str, extra: &str) -> String {
    format!(
        r#"id = "{id}"
title = "Test requirement {id}"
rationale = "Because."
legal_basis = "Test Act §1"
consequence = "prohibit"
evidence = ["scan.findings"]
{extra}
[[source]]
kind = "law"
ref = "test:1"
title = "Test Act"
url = "https://example.invalid/act"
status = "SOURCED"
"#
    )
}

/// A rule that passes when a scan exists and is unknown otherwise.
pub fn rule(package_slug: &str) -> String {
    format!(
        r#"package netvet.requirements.{package_slug}

pass contains data.netvet.lib.reason("scanned", data.netvet.lib.scan_refs) if data.netvet.lib.has_scan

unknown contains data.netvet.lib.no_scan("nothing known") if not data.netvet.lib.has_scan
"#
    )
}

/// A valid one-requirement catalogue in `dir`.
pub fn minimal_catalogue(dir: &Path) {
    write(dir, "catalogue.toml", CATALOGUE_TOML);
    write(
        dir,
        "requirements/T.ONE.toml",
        &requirement_toml("T.ONE", ""),
    );
    write(dir, "policy/one.rego", &rule("t_one"));
}

pub fn builtin_dossiers() -> DossierSet {
    DossierSet::load(None, &limits()).expect("built-in dossiers are valid")
}

pub fn builtin_products(d: &DossierSet) -> ProductSet {
    ProductSet::load(None, d, &limits()).expect("built-in products are valid")
}

pub fn example_evidence() -> Evidence {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/evidence");
    Evidence::load(&dir, &limits()).expect("example evidence is valid")
}

pub fn inputs<'a>(d: &'a DossierSet, p: &'a ProductSet, e: &'a Evidence) -> Inputs<'a> {
    Inputs {
        dossiers: d,
        products: p,
        evidence: e,
        shares: None,
        as_of: as_of(),
    }
}

pub fn sha(n: u8) -> String {
    format!("{n:02x}").repeat(32)
}

/// A product record with one firmware image.
pub fn product(
    id: &str,
    vendor: &str,
    fictional: bool,
    functions: &[NetworkFunction],
    sha: &str,
) -> LoadedProduct {
    LoadedProduct {
        product: Product {
            id: id.to_string(),
            vendor: vendor.to_string(),
            name: format!("{id}{}", if fictional { " (fictional)" } else { "" }),
            aliases: vec![],
            version: "1.0".to_string(),
            functions: functions.to_vec(),
            fictional,
            sources: vec![],
            certifications: vec![],
            services: vec![],
            firmware: vec![Firmware {
                image: format!("{id}.bin"),
                sha256: sha.to_string(),
                signed_updates: Some(true),
            }],
            predecessor: None,
        },
        file: format!("{id}.toml"),
    }
}

/// A scan report of image `sha` with the given findings and services.
pub fn scan(sha: &str, findings: Vec<Finding>, services: Vec<Service>) -> LoadedScan {
    LoadedScan {
        report: ScanReport {
            schema: SCAN_REPORT_SCHEMA.to_string(),
            image: ImageReport {
                schema: "netvet.image-report/1".to_string(),
                image: "fw.bin".to_string(),
                size: 1,
                sha256: sha.to_string(),
                layers: vec![],
                totals: Totals::default(),
                warnings: vec![],
            },
            findings,
            services,
            components: vec![],
            vulnerabilities: vec![],
            hardening: vec![],
            errors: vec![],
            coverage: netvet_model::Coverage::Complete,
            advisory_data: None,
        },
        file: format!("{sha}.json"),
    }
}

/// A telnet daemon on port 2323 that runs a root shell without login.
pub fn root_shell() -> Service {
    Service {
        name: "telnetd".to_string(),
        binary: Some("/usr/sbin/telnetd".to_string()),
        ports: vec![Port {
            number: 2323,
            protocol: Protocol::Tcp,
        }],
        started_by: "inittab".to_string(),
        schedule: Some("respawn".to_string()),
        start: Some("/etc/inittab:3 (respawn)".to_string()),
        authentication: "none".to_string(),
        location: Location {
            path: "fw.bin!/etc/inittab".to_string(),
            offset: None,
            line: Some(3),
        },
    }
}

pub fn finding(check: &str, category: Category, severity: Severity) -> Finding {
    Finding {
        id: netvet_model::fingerprint(check, &["fw.bin!/etc/shadow"]),
        check: check.to_string(),
        title: check.to_string(),
        severity,
        category,
        cwe: vec![],
        location: Location {
            path: "fw.bin!/etc/shadow".to_string(),
            offset: None,
            line: None,
        },
        evidence: "redacted".to_string(),
        remediation: "remove it".to_string(),
        references: vec![],
        tags: vec![],
        details: Default::default(),
        suppressed: None,
    }
}
