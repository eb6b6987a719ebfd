//! Known vulnerabilities of an image's components, or of the components an SBOM declares,
//! matched offline against the advisory index.

use std::io::Read;
use std::path::{Path, PathBuf};

use netvet_model::Date;
use netvet_vuln::report::{IndexSummary, VULNS_SCHEMA, VulnsReport};

use crate::error::Error;
use crate::progress::{ProgressRef, stage};
use crate::software::Software;

/// How to match.
#[derive(Clone)]
pub struct VulnsOptions {
    /// Unpacking limits and spool directory (for images).
    pub unpack: netvet_unpack::Options,
    /// The advisory index (default: see [`crate::index::location`]).
    pub index: Option<PathBuf>,
    /// VEX documents marking vulnerabilities not affected.
    pub vex: Vec<PathBuf>,
    /// The day end of support is judged on.
    pub as_of: Date,
}

/// Matches the image or SBOM at `target`.
pub fn vulns(
    target: &Path,
    opts: &VulnsOptions,
    progress: &ProgressRef,
) -> crate::Result<VulnsReport> {
    let name = target.display().to_string();
    let mut head = Vec::with_capacity(4096);
    std::fs::File::open(target)
        .and_then(|f| f.take(4096).read_to_end(&mut head))
        .map_err(|e| Error::io("open", target, e))?;
    let opened = crate::index::open_for_matching(opts.index.as_deref())?;
    let status = opened.index.status()?;
    let software = Software::matching(
        crate::software::cataloger(None)?,
        opened.index,
        crate::software::read_vex(&opts.vex)?,
        opts.as_of,
    );
    let (mut components, problems) = if crate::software::is_sbom(&head) {
        let bytes = std::fs::read(target).map_err(|e| Error::io("read", target, e))?;
        crate::software::declared_components(&name, &bytes)?
    } else {
        let (_, catalog) =
            crate::software::catalog_image(&software, target, &opts.unpack, progress)?;
        (catalog.components, catalog.problems)
    };
    stage(progress, "matching vulnerabilities");
    let (matches, end_of_support) = software.match_components(&mut components)?;
    Ok(VulnsReport {
        schema: VULNS_SCHEMA,
        target: name,
        as_of: opts.as_of,
        index: IndexSummary {
            path: status.path,
            schema_version: status.schema_version,
            built: status.built,
            advisories: status.advisories,
        },
        components,
        vulnerabilities: matches.vulnerabilities,
        not_comparable: matches.not_comparable,
        suppressed: matches.suppressed,
        dropped_platform: matches.dropped_platform,
        bad_ranges: matches.bad_ranges,
        end_of_support,
        problems,
        advisory_data: matches.advisory_data,
        notes: opened.notes,
    })
}
