//! Analyse an image: one pass that unpacks it and reads each file once for every check and
//! cataloger; then the tree-level checks, the SBOM and the vulnerability match. The result is
//! one `netvet.scan/1` report per image, the evidence `assess` reads.

use std::collections::BTreeSet;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use netvet_inspect::scan::CheckFactory;
use netvet_inspect::{CheckInfo, CheckOptions, CheckSet};
use netvet_model::scan::{SCAN_REPORT_SCHEMA, SCAN_SET_SCHEMA};
use netvet_model::{Coverage, Date, ScanReport};
use netvet_unpack::contain::panic_message;
use serde::Deserialize;

use crate::error::Error;
use crate::pass::{ChecksStage, FileStage, PassOptions};
use crate::progress::{ProgressRef, stage, unpack_options};
use crate::software::{Software, SoftwareResults};

/// The check tags that select the software stage (SBOM and vulnerability matching) rather
/// than checks.
pub const SOFTWARE_TAGS: [&str; 4] = ["sbom", "vulns", "vulnerability", "component"];

/// How to analyse images.
#[derive(Clone)]
pub struct AnalyseOptions {
    /// Unpacking limits and spool directory.
    pub unpack: netvet_unpack::Options,
    /// Only checks with these tags (and the software stage when one of [`SOFTWARE_TAGS`] is
    /// listed); `None`: everything.
    pub checks: Option<Vec<String>>,
    /// Users' YARA rule files or folders.
    pub rules: Vec<PathBuf>,
    /// Use the built-in rule packs.
    pub builtin_rules: bool,
    /// The day certificates and end of support are judged on.
    pub as_of: Date,
    /// The advisory index (default: see [`crate::index::location`]).
    pub index: Option<PathBuf>,
    /// VEX documents marking vulnerabilities not affected.
    pub vex: Vec<PathBuf>,
    /// Run the software stage (SBOM and vulnerability matching); with `checks` given, it
    /// runs only when one of [`SOFTWARE_TAGS`] is listed.
    pub software: bool,
    /// Bytes of each file given to the checks and catalogers (files are read once, up to
    /// this).
    pub max_read: u64,
    /// Group many informational findings of one check in documentation and source files
    /// into one ([`crate::group`]); off to list each.
    pub group_informational: bool,
}

impl AnalyseOptions {
    /// Everything, with default limits, judged on `as_of`.
    pub fn new(as_of: Date) -> AnalyseOptions {
        AnalyseOptions {
            unpack: netvet_unpack::Options::default(),
            checks: None,
            rules: Vec::new(),
            builtin_rules: true,
            as_of,
            index: None,
            vex: Vec::new(),
            software: true,
            max_read: PassOptions::default().max_read,
            group_informational: true,
        }
    }
}

/// Checks and the software stage, set up once (rule packs compiled, index opened) for many
/// images.
pub struct Analyser {
    checks: CheckSet,
    software: Option<Software>,
    pass: PassOptions,
    notes: Vec<String>,
    group_informational: bool,
}

impl Analyser {
    /// Compiles the rule packs, checks the tag selection, opens the advisory index and reads
    /// the VEX documents.
    pub fn new(opts: AnalyseOptions) -> crate::Result<Analyser> {
        let wants_software = opts.software
            && opts
                .checks
                .as_ref()
                .is_none_or(|t| t.iter().any(|t| SOFTWARE_TAGS.contains(&t.as_str())));
        let check_tags = opts.checks.as_ref().map(|t| {
            t.iter()
                .filter(|t| !SOFTWARE_TAGS.contains(&t.as_str()))
                .cloned()
                .collect()
        });
        let checks = CheckSet::new(CheckOptions {
            tags: check_tags,
            rules: opts.rules.clone(),
            builtin_rules: opts.builtin_rules,
            now: opts.as_of.unix_seconds(),
        })?;
        let mut notes = Vec::new();
        let software = if wants_software {
            let opened = crate::index::open_for_matching(opts.index.as_deref())?;
            notes.extend(opened.notes);
            Some(Software::matching(
                crate::software::cataloger(None)?,
                opened.index,
                crate::software::read_vex(&opts.vex)?,
                opts.as_of,
            ))
        } else {
            None
        };
        Ok(Analyser {
            checks,
            software,
            pass: PassOptions {
                unpack: opts.unpack,
                max_read: opts.max_read,
            },
            notes,
            group_informational: opts.group_informational,
        })
    }

    /// Adds a check beyond the built-in ones.
    pub fn with_check(mut self, check: CheckFactory) -> Analyser {
        self.checks = self.checks.with_check(check);
        self
    }

    /// Things the user should know about the set-up (the built-in advisories standing in for
    /// a missing index).
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// The pass options (unpacking limits, read limit) with `progress` attached.
    pub fn pass_options(&self, progress: &ProgressRef) -> PassOptions {
        PassOptions {
            unpack: unpack_options(&self.pass.unpack, progress),
            ..self.pass.clone()
        }
    }

    /// Every kind of finding the selected checks can emit (for SARIF rule lists).
    pub fn check_infos(&self) -> Vec<CheckInfo> {
        self.checks.infos()
    }

    /// Analyses the image at `path`.
    pub fn analyse(&self, path: &Path, progress: &ProgressRef) -> crate::Result<ScanReport> {
        Ok(self.analyse_with(path, progress, &[])?.0)
    }

    /// Analyses the image at `path` with more stages joining the pass (they see every file
    /// as the checks do), and gives the unpacked tree back with the report, for those stages
    /// to finish and to read files again.
    pub fn analyse_with(
        &self,
        path: &Path,
        progress: &ProgressRef,
        extra: &[&dyn FileStage],
    ) -> crate::Result<(ScanReport, netvet_unpack::Tree)> {
        stage(progress, "unpacking and scanning");
        let checks = ChecksStage(self.checks.start());
        let software = self.software.as_ref().map(Software::start);
        let mut stages: Vec<&dyn FileStage> = vec![&checks];
        if let Some(s) = &software {
            stages.push(s);
        }
        stages.extend_from_slice(extra);
        let opts = self.pass_options(progress);
        let pass = crate::pass::run(path, &opts, &stages)?;
        stage(progress, "checking the tree");
        let results = checks.0.finish(&pass.tree);
        let mut report = ScanReport {
            schema: SCAN_REPORT_SCHEMA.to_string(),
            image: pass.tree.report().clone(),
            findings: results.findings,
            services: results.services,
            components: Vec::new(),
            vulnerabilities: Vec::new(),
            hardening: results.hardening,
            errors: pass.errors,
            advisory_data: None,
            coverage: Coverage::Complete,
        };
        report.errors.extend(results.errors);
        if let Some(run) = software {
            stage(progress, "cataloging software and matching vulnerabilities");
            match catch_unwind(AssertUnwindSafe(|| run.finish(&pass.tree))) {
                Ok(SoftwareResults {
                    components,
                    vulnerabilities,
                    findings,
                    problems,
                    advisory_data,
                }) => {
                    report.advisory_data = advisory_data;
                    report.components = components;
                    report.vulnerabilities = vulnerabilities;
                    report.findings.extend(findings);
                    report.errors.extend(problems);
                }
                Err(panic) => report.errors.push(format!(
                    "the software stage failed (internal error: {})",
                    panic_message(panic.as_ref())
                )),
            }
        }
        sort_findings(&mut report.findings);
        report.findings.dedup_by(|a, b| a.id == b.id);
        if self.group_informational {
            crate::group::group_informational(&mut report);
        }
        report.coverage = report.assess_coverage();
        Ok((report, pass.tree))
    }
}

/// Findings of an earlier scan, to show only what is new.
pub struct Baseline {
    ids: BTreeSet<String>,
}

#[derive(Deserialize)]
struct BaselineDoc {
    schema: String,
    #[serde(default)]
    findings: Vec<BaselineFinding>,
    #[serde(default)]
    scans: Vec<BaselineScan>,
}

#[derive(Deserialize)]
struct BaselineScan {
    #[serde(default)]
    findings: Vec<BaselineFinding>,
}

#[derive(Deserialize)]
struct BaselineFinding {
    id: String,
}

impl Baseline {
    /// Reads an earlier `netvet scan` JSON (one report or a set).
    pub fn load(path: &Path) -> crate::Result<Baseline> {
        let text =
            std::fs::read_to_string(path).map_err(|e| Error::io("read baseline", path, e))?;
        let doc: BaselineDoc = serde_json::from_str(&text).map_err(|e| Error::Input {
            file: path.display().to_string(),
            message: format!("not a netvet scan: {e}"),
        })?;
        let findings: Vec<BaselineFinding> = match doc.schema.as_str() {
            SCAN_REPORT_SCHEMA => doc.findings,
            SCAN_SET_SCHEMA => doc.scans.into_iter().flat_map(|s| s.findings).collect(),
            other => {
                return Err(Error::Input {
                    file: path.display().to_string(),
                    message: format!("not a netvet scan (schema {other:?})"),
                });
            }
        };
        Ok(Baseline {
            ids: findings.into_iter().map(|f| f.id).collect(),
        })
    }

    /// Removes the findings the baseline has; returns how many.
    pub fn suppress(&self, report: &mut ScanReport) -> usize {
        let before = report.findings.len();
        report.findings.retain(|f| !self.ids.contains(&f.id));
        before - report.findings.len()
    }
}

/// The order findings are reported in: most severe first, then by place, check and id.
pub(crate) fn sort_findings(findings: &mut [netvet_model::Finding]) {
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.location.cmp(&b.location))
            .then_with(|| a.check.cmp(&b.check))
            .then_with(|| a.id.cmp(&b.id))
    });
}

/// Writes `report` as `DIR/IMAGE.scan.json`, evidence for `netvet assess --evidence DIR`.
pub fn write_evidence(dir: &Path, report: &ScanReport) -> crate::Result<PathBuf> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io("create", dir, e))?;
    let file = dir.join(format!("{}.scan.json", report.image.image));
    let text = netvet_model::json::to_canonical_string(report).map_err(|e| Error::Input {
        file: file.display().to_string(),
        message: e.to_string(),
    })?;
    std::fs::write(&file, text).map_err(|e| Error::io("write", &file, e))?;
    Ok(file)
}
