//! The scan: one parallel pass over an image that reads each file once and gives it to every
//! check (and to other stages such as the SBOM), then the tree-level checks.

use std::cell::RefCell;
use std::io::Read;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use netvet_model::ScanReport;
use netvet_model::scan::SCAN_REPORT_SCHEMA;
use netvet_unpack::{Entry, Tree};

use crate::check::{CheckInfo, Sink};
use crate::checks::{Check, Extras, registry};
use crate::content::{ContentKind, FileCtx};
use crate::error::Error;
use crate::rules::{self, RulePack};

/// How to scan.
#[derive(Clone)]
pub struct ScanOptions {
    pub unpack: netvet_unpack::Options,
    /// Run only checks whose area or tags are listed (`None`: all).
    pub tags: Option<Vec<String>>,
    /// Users' YARA rule files or folders.
    pub rules: Vec<PathBuf>,
    /// Use the built-in rule packs.
    pub builtin_rules: bool,
    /// Bytes of each file given to the checks (files are read once, up to this).
    pub max_scan_size: u64,
    /// The time certificates are judged against (seconds since the epoch).
    pub now: i64,
}

impl Default for ScanOptions {
    fn default() -> ScanOptions {
        ScanOptions {
            unpack: netvet_unpack::Options::default(),
            tags: None,
            rules: Vec::new(),
            builtin_rules: true,
            max_scan_size: 256 << 20,
            now: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64),
        }
    }
}

/// Another stage of the pipeline that joins the single pass (the SBOM catalogers, the
/// vulnerability matcher): it sees every file's content during the pass and completes the
/// report afterwards.
pub trait Stage: Send + Sync {
    /// Sees one file's content (in parallel with other files).
    fn file(&self, entry: &Entry, data: &[u8]);
    /// Adds its results once the pass is over.
    fn finish(&self, tree: &Tree, report: &mut ScanReport);
}

/// A configured scanner: rule packs compiled once, reusable for many images.
pub struct Scanner {
    opts: ScanOptions,
    rules: Option<Arc<RulePack>>,
}

thread_local! {
    static BUF: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

impl Scanner {
    /// Compiles the rule packs (errors name file and line) and checks the tag selection.
    pub fn new(opts: ScanOptions) -> Result<Scanner, Error> {
        let wants_rules = opts.tags.as_ref().is_none_or(|t| {
            t.iter()
                .any(|t| t == "signatures" || t == "backdoor" || t == "user-rules")
        }) || !opts.rules.is_empty();
        let rules = if wants_rules && (opts.builtin_rules || !opts.rules.is_empty()) {
            Some(rules::compile(opts.builtin_rules, &opts.rules)?)
        } else {
            None
        };
        let s = Scanner { opts, rules };
        if let Some(tags) = &s.opts.tags {
            let known = s.known_tags();
            if let Some(bad) = tags.iter().find(|t| !known.contains(t)) {
                return Err(Error::Data {
                    file: "--checks".into(),
                    message: format!("unknown check tag {bad:?} (known: {})", known.join(", ")),
                });
            }
        }
        Ok(s)
    }

    fn all_checks(&self) -> Vec<Box<dyn Check>> {
        registry(self.rules.clone(), self.opts.now)
    }

    /// Every tag that selects checks.
    pub fn known_tags(&self) -> Vec<String> {
        let mut t: Vec<String> = registry(None, 0)
            .iter()
            .flat_map(|c| {
                let mut v = vec![c.area().to_string()];
                v.extend(
                    c.infos()
                        .iter()
                        .flat_map(|i| i.tags.iter().map(|s| s.to_string())),
                );
                v
            })
            .chain(["signatures", "backdoor", "user-rules"].map(String::from))
            .collect();
        t.sort();
        t.dedup();
        t
    }

    /// The checks this scanner runs.
    fn checks(&self) -> Vec<Box<dyn Check>> {
        let all = self.all_checks();
        match &self.opts.tags {
            None => all,
            Some(tags) => all
                .into_iter()
                .filter(|c| {
                    tags.iter().any(|t| {
                        c.area() == t || c.infos().iter().any(|i| i.tags.contains(&t.as_str()))
                    })
                })
                .collect(),
        }
    }

    /// Every kind of finding the selected checks can emit (for SARIF rule lists).
    pub fn infos(&self) -> Vec<CheckInfo> {
        self.checks()
            .iter()
            .flat_map(|c| c.infos().into_iter().cloned().collect::<Vec<_>>())
            .collect()
    }

    /// Scans the image at `path`, with `stages` joining the pass.
    pub fn scan(&self, path: &Path, stages: &[&dyn Stage]) -> Result<ScanReport, Error> {
        let checks = self.checks();
        let sink = Sink::new();
        let max = self.opts.max_scan_size;
        let visit = |entry: &Entry, r: &mut dyn Read| -> std::io::Result<()> {
            let mut buf = BUF.with(|b| std::mem::take(&mut *b.borrow_mut()));
            buf.clear();
            let res = r.take(max).read_to_end(&mut buf);
            if let Err(e) = res {
                sink.error(format!("{}: {e}", entry.path));
                // Checks still see what was read.
            }
            let ctx = FileCtx {
                entry,
                data: &buf,
                kind: ContentKind::of(&buf),
                complete: entry.size <= max,
            };
            for c in &checks {
                if catch_unwind(AssertUnwindSafe(|| c.file(&ctx, &sink))).is_err() {
                    sink.error(format!(
                        "{}: check {} failed on this file (internal error)",
                        entry.path,
                        c.area()
                    ));
                }
            }
            for s in stages {
                if catch_unwind(AssertUnwindSafe(|| s.file(entry, &buf))).is_err() {
                    sink.error(format!(
                        "{}: a pipeline stage failed on this file (internal error)",
                        entry.path
                    ));
                }
            }
            // Keep large buffers from pinning memory between files.
            if buf.capacity() <= 16 << 20 {
                BUF.with(|b| *b.borrow_mut() = buf);
            }
            Ok(())
        };
        let tree = netvet_unpack::walk_path(path, &self.opts.unpack, &visit)?;
        let mut extras = Extras::default();
        for c in &checks {
            if catch_unwind(AssertUnwindSafe(|| c.finish(&tree, &sink, &mut extras))).is_err() {
                sink.error(format!("check {} failed (internal error)", c.area()));
            }
        }
        let (mut findings, errors) = sink.into_parts();
        // A check may emit several kinds of finding; keep only the kinds selected.
        if let Some(tags) = &self.opts.tags {
            findings.retain(|f| f.tags.iter().any(|t| tags.contains(t)));
        }
        let mut report = ScanReport {
            schema: SCAN_REPORT_SCHEMA.to_string(),
            image: tree.report().clone(),
            findings,
            services: extras.services,
            components: Vec::new(),
            vulnerabilities: Vec::new(),
            hardening: extras.hardening,
            errors,
            advisory_index: None,
        };
        for s in stages {
            s.finish(&tree, &mut report);
        }
        report.findings.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then_with(|| a.location.cmp(&b.location))
                .then_with(|| a.check.cmp(&b.check))
                .then_with(|| a.id.cmp(&b.id))
        });
        report.findings.dedup_by(|a, b| a.id == b.id);
        Ok(report)
    }
}
