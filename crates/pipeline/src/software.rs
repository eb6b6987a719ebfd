//! The software stage: catalogers see every file in the single pass; afterwards components are
//! merged, matched against the advisory index, and their vulnerabilities and end-of-support
//! problems become findings. Also: components declared by an SBOM another tool made.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use netvet_model::{Component, ComponentEvidence, ComponentType, Date, Finding, Vulnerability};
use netvet_sbom::cyclonedx::ReadLimits;
use netvet_sbom::{Catalog, Cataloger, Classifiers};
use netvet_unpack::{Entry, Tree};
use netvet_vuln::{Index, MatchReport, vex};

use crate::error::Error;
use crate::pass::FileStage;

/// The cataloger with the built-in classifier table, or with the table in `classifiers`.
pub fn cataloger(classifiers: Option<&Path>) -> crate::Result<Cataloger> {
    Ok(match classifiers {
        Some(p) => {
            let text = std::fs::read_to_string(p).map_err(|e| Error::io("read", p, e))?;
            Cataloger::with_classifiers(Classifiers::parse(&p.display().to_string(), &text)?)
        }
        None => Cataloger::new()?,
    })
}

/// The statements of VEX documents (CycloneDX VEX, OpenVEX).
pub fn read_vex(files: &[PathBuf]) -> crate::Result<Vec<vex::Statement>> {
    let mut statements = Vec::new();
    for v in files {
        let bytes = std::fs::read(v).map_err(|e| Error::io("read", v, e))?;
        statements.extend(vex::parse(&v.display().to_string(), &bytes)?);
    }
    Ok(statements)
}

/// Cataloging, and matching when an index is given, set up once for many images.
pub struct Software {
    cataloger: Cataloger,
    matching: Option<Matching>,
}

/// What components are matched against.
struct Matching {
    /// SQLite connections are not shared between threads; matching runs once per image.
    index: Mutex<Index>,
    statements: Vec<vex::Statement>,
    as_of: Date,
}

/// What the software stage found in one image.
pub struct SoftwareResults {
    pub components: Vec<Component>,
    pub vulnerabilities: Vec<Vulnerability>,
    /// Vulnerabilities and components past their end of support, as findings.
    pub findings: Vec<Finding>,
    /// What the catalogers or the matcher could not do.
    pub problems: Vec<String>,
    /// The advisory data matched against, and its age (None when only cataloging).
    pub advisory_data: Option<netvet_model::AdvisoryData>,
}

impl Software {
    /// Cataloging only.
    pub fn cataloging(cataloger: Cataloger) -> Software {
        Software {
            cataloger,
            matching: None,
        }
    }

    /// Cataloging and matching: the advisory index to match against, VEX statements, and
    /// the date end of support is judged at.
    pub fn matching(
        cataloger: Cataloger,
        index: Index,
        statements: Vec<vex::Statement>,
        as_of: Date,
    ) -> Software {
        Software {
            cataloger,
            matching: Some(Matching {
                index: Mutex::new(index),
                statements,
                as_of,
            }),
        }
    }

    /// A run over one image: joins the pass, then [`SoftwareRun::finish`].
    pub fn start(&self) -> SoftwareRun<'_> {
        SoftwareRun {
            software: self,
            found: Mutex::new(Vec::new()),
        }
    }

    /// Matches `components` (end of support, advisories, VEX); nothing when this stage only
    /// catalogs. The findings are those of the vulnerabilities, then of end of support.
    pub fn assess(
        &self,
        components: &mut [Component],
    ) -> crate::Result<(MatchReport, Vec<Finding>)> {
        let Some(m) = &self.matching else {
            return Ok((MatchReport::default(), Vec::new()));
        };
        let index = m.index.lock().unwrap_or_else(|p| p.into_inner());
        Ok(netvet_vuln::assess(
            components,
            &index,
            &m.statements,
            &m.as_of.to_string(),
        )?)
    }

    /// [`Software::assess`] with the end-of-support findings only: the vulnerabilities'
    /// findings are left to be made as they are written.
    pub fn match_components(
        &self,
        components: &mut [Component],
    ) -> crate::Result<(MatchReport, Vec<Finding>)> {
        let Some(m) = &self.matching else {
            return Ok((MatchReport::default(), Vec::new()));
        };
        let index = m.index.lock().unwrap_or_else(|p| p.into_inner());
        Ok(netvet_vuln::match_components(
            components,
            &index,
            &m.statements,
            &m.as_of.to_string(),
        )?)
    }
}

/// The software stage over one image.
pub struct SoftwareRun<'a> {
    software: &'a Software,
    found: Mutex<Vec<Component>>,
}

impl FileStage for SoftwareRun<'_> {
    fn name(&self) -> &str {
        "catalogers"
    }

    fn file(&self, entry: &Entry, data: &[u8]) {
        let c = self.software.cataloger.file(entry, data);
        if !c.is_empty() {
            self.found
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .extend(c);
        }
    }
}

impl SoftwareRun<'_> {
    /// The tree-level catalogers, merging, and matching.
    pub fn finish(self, tree: &Tree) -> SoftwareResults {
        let found = self.found.into_inner().unwrap_or_else(|p| p.into_inner());
        let Catalog {
            mut components,
            mut problems,
        } = self.software.cataloger.finish(tree, found);
        let (vulnerabilities, findings, advisory_data) = match self.software.assess(&mut components)
        {
            Ok((matches, findings)) => (matches.vulnerabilities, findings, matches.advisory_data),
            Err(e) => {
                problems.push(format!("vulnerability matching failed: {e}"));
                (Vec::new(), Vec::new(), None)
            }
        };
        SoftwareResults {
            components,
            vulnerabilities,
            findings,
            problems,
            advisory_data,
        }
    }

    /// The catalog alone, without matching.
    pub fn catalog(self, tree: &Tree) -> Catalog {
        let found = self.found.into_inner().unwrap_or_else(|p| p.into_inner());
        self.software.cataloger.finish(tree, found)
    }
}

/// Catalogs the image at `path` in one pass (the catalogers alone join it). Problems of the
/// pass (unreadable files) come first in the catalog's problems.
pub fn catalog_image(
    software: &Software,
    path: &Path,
    unpack: &netvet_unpack::Options,
    progress: &crate::progress::ProgressRef,
) -> crate::Result<(netvet_model::ImageReport, Catalog)> {
    crate::progress::stage(progress, "unpacking and cataloging");
    let run = software.start();
    let opts = crate::pass::PassOptions {
        unpack: crate::progress::unpack_options(unpack, progress),
        max_read: netvet_sbom::MAX_CLASSIFY_BYTES,
    };
    let pass = crate::pass::run(path, &opts, &[&run as &dyn FileStage])?;
    let mut catalog = run.catalog(&pass.tree);
    let mut problems = pass.errors;
    problems.append(&mut catalog.problems);
    catalog.problems = problems;
    Ok((pass.tree.report().clone(), catalog))
}

/// True when `head` (a file's first bytes) is a CycloneDX or SPDX JSON document.
pub fn is_sbom(head: &[u8]) -> bool {
    let head = &head[..head.len().min(4096)];
    let has = |n: &[u8]| head.windows(n.len()).any(|w| w == n);
    head.trim_ascii_start().starts_with(b"{") && (has(b"\"bomFormat\"") || has(b"\"spdxVersion\""))
}

/// The components an SBOM declares, ready for matching: the distribution (and its OSV
/// ecosystem) from the PURL's `distro` qualifier, the source package from the `upstream`
/// qualifier (syft) or trivy's `SrcName` property. Also returns the reader's problems.
pub fn declared_components(
    file: &str,
    bytes: &[u8],
) -> crate::Result<(Vec<Component>, Vec<String>)> {
    let declared = netvet_sbom::compare::read_sbom(file, bytes, &ReadLimits::default())?;
    let problems = declared
        .problems
        .iter()
        .map(|p| format!("{file}: {p}"))
        .collect();
    let components = declared
        .components
        .into_iter()
        .map(|d| {
            let distro = d
                .purl
                .as_deref()
                .and_then(netvet_sbom::os::Distro::from_purl);
            Component {
                name: d.name,
                version: d.version,
                kind: ComponentType::Package,
                purl: d.purl,
                cpes: d.cpes,
                end_of_support: None,
                unsupported: false,
                evidence: vec![ComponentEvidence {
                    path: file.to_string(),
                    cataloger: "declared-in-sbom".to_string(),
                    confidence: 1.0,
                }],
                ecosystem: distro.as_ref().and_then(|d| d.osv_ecosystem()),
                source_package: d.source,
                distro: distro.as_ref().map(|d| d.qualifier()),
                properties: BTreeMap::new(),
            }
        })
        .collect();
    Ok((components, problems))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sbom_packages_of_other_tools_get_their_ecosystem_and_source_package() {
        // As syft (upstream qualifier) and trivy (SrcName property) write them.
        let doc = br#"{"bomFormat": "CycloneDX", "specVersion": "1.5", "components": [
            {"type": "library", "name": "libssl3", "version": "3.0.11-1~deb12u2",
             "purl": "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&upstream=openssl&distro=debian-12"},
            {"type": "library", "name": "libc6", "version": "2.35-0ubuntu3.4",
             "purl": "pkg:deb/ubuntu/libc6@2.35-0ubuntu3.4?arch=amd64&distro=ubuntu-22.04",
             "properties": [{"name": "aquasecurity:trivy:SrcName", "value": "glibc"}]},
            {"type": "application", "name": "dnsmasq", "version": "2.80", "purl": "pkg:generic/dnsmasq@2.80"}
        ]}"#;
        let (c, problems) = declared_components("sbom.json", doc).expect("reads");
        assert!(problems.is_empty());
        assert_eq!(c[0].ecosystem.as_deref(), Some("Debian:12"));
        assert_eq!(c[0].source_package.as_deref(), Some("openssl"));
        assert_eq!(c[0].distro.as_deref(), Some("debian-12"));
        assert_eq!(c[1].ecosystem.as_deref(), Some("Ubuntu:22.04:LTS"));
        assert_eq!(c[1].source_package.as_deref(), Some("glibc"));
        assert_eq!(c[2].ecosystem, None);
        assert_eq!(c[2].source_package, None);
    }

    #[test]
    fn sboms_are_told_from_other_json() {
        assert!(is_sbom(br#"  {"bomFormat": "CycloneDX"}"#));
        assert!(is_sbom(br#"{"spdxVersion": "SPDX-2.3"}"#));
        assert!(!is_sbom(br#"{"schema": "netvet.scan/1"}"#));
        assert!(!is_sbom(b"\x1f\x8b\x08"));
    }
}
