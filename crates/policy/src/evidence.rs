//! Scan evidence: `netvet.scan/1` reports, linked to product records by the sha256 of the
//! image they scanned.

use std::collections::BTreeMap;
use std::path::Path;

use netvet_model::ScanReport;
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

/// Scan reports by image sha256.
#[derive(Clone, Debug, Default)]
pub struct Evidence {
    pub by_sha256: BTreeMap<String, Vec<LoadedScan>>,
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

    pub fn add(&mut self, scan: LoadedScan) {
        self.by_sha256
            .entry(scan.report.image.sha256.clone())
            .or_default()
            .push(scan);
    }
}
