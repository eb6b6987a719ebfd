//! Scan evidence: `netvet.scan/1` reports, linked to product records by the sha256 of the
//! image they scanned.

use std::collections::BTreeMap;
use std::path::Path;

use netvet_model::ScanReport;
use netvet_model::diff::{DIFF_SCHEMA, DiffReport, EQUIVALENCE_SCHEMA, EquivalenceReport};
use netvet_model::scan::SCAN_REPORT_SCHEMA;

use crate::error::{Diagnostic, Error, Result};
use crate::files::read_text;
use crate::limits::Limits;
use crate::products::is_sha256;

/// A scan report and the file it came from.
#[derive(Clone, Debug)]
pub struct LoadedScan {
    pub report: ScanReport,
    pub file: String,
}

/// A comparison of two images: an equivalence check or a diff, from the image of an earlier
/// (tested) build to a later one.
#[derive(Clone, Debug, PartialEq)]
pub struct Comparison {
    pub file: String,
    /// `equivalence` or `diff`.
    pub kind: &'static str,
    pub from_sha256: String,
    pub to_sha256: String,
    /// The equivalence verdict (`equivalent`, `not-equivalent`, `undetermined`).
    pub verdict: Option<String>,
    /// The diff's counts, and whether files were compared.
    pub summary: Option<serde_json::Value>,
}

/// Scan reports by image sha256, and comparisons between images.
#[derive(Clone, Debug, Default)]
pub struct Evidence {
    pub by_sha256: BTreeMap<String, Vec<LoadedScan>>,
    pub comparisons: Vec<Comparison>,
}

#[derive(serde::Deserialize)]
struct Head {
    #[serde(default)]
    schema: String,
}

impl Evidence {
    /// Reads every `*.json` file in `dir` (not recursive) as a scan report.
    pub fn load(dir: &Path, limits: &Limits) -> Result<Evidence> {
        let io = |source| Error::Io {
            path: dir.to_path_buf(),
            source,
        };
        let mut paths: Vec<_> = std::fs::read_dir(dir)
            .map_err(io)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "json"))
            .collect();
        paths.sort();
        if paths.len() > limits.max_files {
            return Err(Error::at(
                dir.display().to_string(),
                None,
                format!("more than {} scan reports (limit)", limits.max_files),
            ));
        }
        let mut evidence = Evidence::default();
        let mut diags = Vec::new();
        for path in paths {
            let name = path.display().to_string();
            let text = read_text(&path, limits.max_evidence_bytes)?;
            let schema = serde_json::from_str::<Head>(&text)
                .map(|h| h.schema)
                .unwrap_or_default();
            if schema == DIFF_SCHEMA || schema == EQUIVALENCE_SCHEMA {
                match Evidence::parse_comparison(&name, &text) {
                    Ok(c) => evidence.comparisons.push(c),
                    Err(d) => diags.push(d),
                }
                continue;
            }
            match Evidence::parse(&name, &text) {
                Ok(report) => evidence.add(LoadedScan { report, file: name }),
                Err(d) => diags.push(d),
            }
        }
        if !diags.is_empty() {
            return Err(Error::Invalid(diags));
        }
        Ok(evidence)
    }

    /// Parses one scan report.
    pub fn parse(name: &str, text: &str) -> std::result::Result<ScanReport, Diagnostic> {
        let report: ScanReport = serde_json::from_str(text).map_err(|e| {
            Diagnostic::new(name, Some(e.line()), format!("not a scan report: {e}"))
        })?;
        if report.schema != SCAN_REPORT_SCHEMA {
            return Err(Diagnostic::new(
                name,
                None,
                format!("schema {:?}; expected {SCAN_REPORT_SCHEMA}", report.schema),
            ));
        }
        if !is_sha256(&report.image.sha256) {
            return Err(Diagnostic::new(
                name,
                None,
                "image.sha256 is not 64 lowercase hex digits",
            ));
        }
        Ok(report)
    }

    /// Parses a `netvet.equivalence/1` or `netvet.diff/1` document.
    pub fn parse_comparison(name: &str, text: &str) -> std::result::Result<Comparison, Diagnostic> {
        let bad = |e: serde_json::Error| {
            Diagnostic::new(
                name,
                Some(e.line()),
                format!("not a netvet comparison: {e}"),
            )
        };
        let head: Head = serde_json::from_str(text).map_err(bad)?;
        let c = if head.schema == EQUIVALENCE_SCHEMA {
            let r: EquivalenceReport = serde_json::from_str(text).map_err(bad)?;
            Comparison {
                file: name.to_string(),
                kind: "equivalence",
                from_sha256: r.tested.sha256,
                to_sha256: r.deployed.sha256,
                verdict: Some(r.verdict.as_str().to_string()),
                summary: None,
            }
        } else {
            let r: DiffReport = serde_json::from_str(text).map_err(bad)?;
            let mut summary = serde_json::to_value(&r.summary).map_err(bad)?;
            if let serde_json::Value::Object(m) = &mut summary {
                m.insert("files_compared".into(), r.files_compared.into());
            }
            Comparison {
                file: name.to_string(),
                kind: "diff",
                from_sha256: r.old.sha256,
                to_sha256: r.new.sha256,
                verdict: None,
                summary: Some(summary),
            }
        };
        for d in [&c.from_sha256, &c.to_sha256] {
            if !is_sha256(d) {
                return Err(Diagnostic::new(
                    name,
                    None,
                    format!("{d:?} is not 64 lowercase hex digits"),
                ));
            }
        }
        Ok(c)
    }

    pub fn add(&mut self, scan: LoadedScan) {
        self.by_sha256
            .entry(scan.report.image.sha256.clone())
            .or_default()
            .push(scan);
    }
}
