//! The software inventory of an image: the catalogers in the single pass, end of support, and
//! an optional comparison with the SBOM the vendor declared.

use std::path::{Path, PathBuf};

use netvet_model::software::SBOM_SCHEMA;
use netvet_model::{Date, SbomReport};
use netvet_sbom::cyclonedx::ReadLimits;
use netvet_vuln::eos::EndOfSupport;

use crate::error::Error;
use crate::progress::ProgressRef;

/// How to build an image's SBOM.
#[derive(Clone)]
pub struct SbomOptions {
    /// Unpacking limits and spool directory.
    pub unpack: netvet_unpack::Options,
    /// A classifier table instead of the built-in one.
    pub classifiers: Option<PathBuf>,
    /// The day end of support is judged on.
    pub as_of: Date,
    /// A vendor-supplied SBOM (CycloneDX or SPDX JSON) to compare with the image.
    pub compare: Option<PathBuf>,
    /// Only the catalogers with these ids or tags (see `netvet_sbom::registry`); all when
    /// `None`.
    pub catalogers: Option<Vec<String>>,
}

/// Catalogs the image at `path` in one pass, marks end of support, and compares with the
/// declared SBOM when one is given.
pub fn sbom(path: &Path, opts: &SbomOptions, progress: &ProgressRef) -> crate::Result<SbomReport> {
    let mut cataloger = crate::software::cataloger(opts.classifiers.as_deref())?;
    if let Some(words) = &opts.catalogers {
        let selection = netvet_sbom::Selection::parse(words)
            .map_err(|e| Error::Usage(format!("--catalogers: {e}")))?;
        cataloger = cataloger.with_selection(selection);
    }
    let software = crate::software::Software::cataloging(cataloger);
    let (report, mut catalog) =
        crate::software::catalog_image(&software, path, &opts.unpack, progress)?;
    let eos = EndOfSupport::builtin()?;
    let today = opts.as_of.to_string();
    eos.annotate(&mut catalog.components, &today);
    let mut findings = eos.findings(&catalog.components, &today);
    let mut problems = std::mem::take(&mut catalog.problems);
    if let Some(sbom) = &opts.compare {
        let bytes = std::fs::read(sbom).map_err(|e| Error::io("read", sbom, e))?;
        let name = sbom.display().to_string();
        let declared = netvet_sbom::compare::read_sbom(&name, &bytes, &ReadLimits::default())?;
        problems.extend(declared.problems.iter().map(|p| format!("{name}: {p}")));
        findings.extend(netvet_sbom::compare::compare(
            &report.image,
            &declared,
            &catalog.components,
        ));
    }
    Ok(SbomReport {
        schema: SBOM_SCHEMA.to_string(),
        image: report.image.clone(),
        sha256: report.sha256.clone(),
        as_of: opts.as_of,
        components: catalog.components,
        findings,
        problems,
    })
}
