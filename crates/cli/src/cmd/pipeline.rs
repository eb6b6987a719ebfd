//! Wiring shared by the commands that run the whole firmware pipeline (`scan`, `demo`): the
//! software stage that joins the scan's single pass.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::Context;
use netvet_inspect::Stage;
use netvet_model::{Component, ScanReport};

/// The SBOM and vulnerability stage: catalogers see every file in the scan's single pass;
/// afterwards components are merged, matched against the advisory index, and their
/// vulnerabilities and end-of-support problems become findings.
pub struct SoftwareStage {
    cataloger: netvet_sbom::Cataloger,
    /// SQLite connections are not shared between threads; matching runs once per image.
    index: Mutex<netvet_vuln::Index>,
    statements: Vec<netvet_vuln::vex::Statement>,
    today: String,
    found: Mutex<Vec<Component>>,
}

impl SoftwareStage {
    /// The built-in classifiers, the advisory index `db` (or the default one), VEX files, and
    /// the date (`YYYY-MM-DD`) end of support is judged at.
    pub fn new(db: Option<&Path>, vex: &[PathBuf], today: String) -> anyhow::Result<SoftwareStage> {
        let mut statements = Vec::new();
        for v in vex {
            let bytes = std::fs::read(v).with_context(|| format!("cannot read {}", v.display()))?;
            statements.extend(netvet_vuln::vex::parse(&v.display().to_string(), &bytes)?);
        }
        Ok(SoftwareStage {
            cataloger: super::sbom::cataloger(None)?,
            index: Mutex::new(super::db::open_for_matching(db)?),
            statements,
            today,
            found: Mutex::new(Vec::new()),
        })
    }
}

impl Stage for SoftwareStage {
    fn file(&self, entry: &netvet_unpack::Entry, data: &[u8]) {
        let c = self.cataloger.file(entry, data);
        if !c.is_empty() {
            self.found
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .extend(c);
        }
    }

    fn finish(&self, tree: &netvet_unpack::Tree, report: &mut ScanReport) {
        let found = std::mem::take(&mut *self.found.lock().unwrap_or_else(|p| p.into_inner()));
        let mut catalog = self.cataloger.finish(tree, found);
        report
            .errors
            .extend(catalog.problems.iter().map(|p| p.to_string()));
        let index = self.index.lock().unwrap_or_else(|p| p.into_inner());
        match netvet_vuln::assess(
            &mut catalog.components,
            &index,
            &self.statements,
            &self.today,
        ) {
            Ok((matches, findings)) => {
                report.vulnerabilities = matches.vulnerabilities;
                report.findings.extend(findings);
            }
            Err(e) => report
                .errors
                .push(format!("vulnerability matching failed: {e}")),
        }
        report.components = catalog.components;
    }
}
