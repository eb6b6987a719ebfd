//! The checks of one scan: selected by tag, rule packs compiled once, run on each file of the
//! pipeline's single pass and then over the tree.
//!
//! The pass itself (unpacking, reading each file once, other stages such as the SBOM) belongs
//! to `netvet-pipeline`; this module only runs checks. A check that panics on hostile bytes
//! is contained: the panic becomes an error naming the check and the file, and every other
//! check still runs.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::Arc;

use netvet_model::scan::Hardening;
use netvet_model::{Finding, Service};
use netvet_unpack::contain::panic_message;
use netvet_unpack::{Entry, Tree};

use crate::check::{CheckInfo, Sink};
use crate::checks::{Check, Extras, Rules, registry};
use crate::content::{ContentKind, FileCtx};
use crate::error::Error;

/// Which checks to run.
#[derive(Clone)]
pub struct CheckOptions {
    /// Run only checks whose area or tags are listed (`None`: all).
    pub tags: Option<Vec<String>>,
    /// Users' YARA rule files or folders.
    pub rules: Vec<PathBuf>,
    /// Use the built-in rule packs.
    pub builtin_rules: bool,
    /// The time certificates are judged against (seconds since the epoch).
    pub now: i64,
}

impl Default for CheckOptions {
    fn default() -> CheckOptions {
        CheckOptions {
            tags: None,
            rules: Vec::new(),
            builtin_rules: true,
            now: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64),
        }
    }
}

/// The tags that select signature checks (rule packs), besides the checks' own tags.
const RULE_TAGS: [&str; 3] = ["signatures", "backdoor", "user-rules"];

/// Makes a fresh instance of a check for each image (checks keep per-image state).
pub type CheckFactory = Arc<dyn Fn() -> Box<dyn Check> + Send + Sync>;

/// A configured set of checks: rule packs compiled once, reusable for many images.
pub struct CheckSet {
    opts: CheckOptions,
    rules: Option<Rules>,
    extra: Vec<CheckFactory>,
}

impl CheckSet {
    /// Compiles the rule packs (errors name file and line) and checks the tag selection.
    pub fn new(opts: CheckOptions) -> Result<CheckSet, Error> {
        let wants_rules = opts
            .tags
            .as_ref()
            .is_none_or(|t| t.iter().any(|t| RULE_TAGS.contains(&t.as_str())))
            || !opts.rules.is_empty();
        let rules: Option<Rules> = if wants_rules && (opts.builtin_rules || !opts.rules.is_empty())
        {
            Some(compile_rules(&opts)?)
        } else {
            None
        };
        if let Some(tags) = &opts.tags {
            let known = known_tags();
            if let Some(bad) = tags.iter().find(|t| !known.contains(t)) {
                return Err(Error::Data {
                    file: "--checks".into(),
                    message: format!("unknown check tag {bad:?} (known: {})", known.join(", ")),
                });
            }
        }
        Ok(CheckSet {
            opts,
            rules,
            extra: Vec::new(),
        })
    }

    /// Adds a check beyond the built-in ones (a user's own, or a test's); it runs whatever
    /// the tag selection.
    pub fn with_check(mut self, check: CheckFactory) -> CheckSet {
        self.extra.push(check);
        self
    }

    /// Fresh instances of the selected checks.
    #[cfg_attr(not(feature = "yara"), allow(clippy::clone_on_copy))]
    fn instances(&self) -> Vec<Box<dyn Check>> {
        registry(self.rules.clone(), self.opts.now)
            .into_iter()
            .filter(|c| selected(c.as_ref(), self.opts.tags.as_deref()))
            .chain(self.extra.iter().map(|f| f()))
            .collect()
    }

    /// Every kind of finding the selected checks can emit (for SARIF rule lists).
    pub fn infos(&self) -> Vec<CheckInfo> {
        self.instances()
            .iter()
            .flat_map(|c| c.infos().into_iter().cloned().collect::<Vec<_>>())
            .collect()
    }

    /// A run of these checks over one image.
    pub fn start(&self) -> CheckRun<'_> {
        CheckRun {
            set: self,
            checks: self.instances(),
            sink: Sink::new(),
        }
    }
}

/// Compiles the built-in rule packs and the user's rules.
#[cfg(feature = "yara")]
fn compile_rules(opts: &CheckOptions) -> Result<Rules, Error> {
    crate::rules::compile(opts.builtin_rules, &opts.rules)
}

/// Built without YARA support, rule packs cannot be used: say so rather than skip them.
#[cfg(not(feature = "yara"))]
fn compile_rules(_opts: &CheckOptions) -> Result<Rules, Error> {
    Err(Error::Data {
        file: "rules".into(),
        message: "this build has no YARA support (netvet-inspect's `yara` feature); \
                  rule packs cannot be used"
            .into(),
    })
}

/// Every tag that selects checks.
pub fn known_tags() -> Vec<String> {
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
        .chain(RULE_TAGS.map(String::from))
        .collect();
    t.sort();
    t.dedup();
    t
}

fn selected(c: &dyn Check, tags: Option<&[String]>) -> bool {
    match tags {
        None => true,
        Some(tags) => tags
            .iter()
            .any(|t| c.area() == t || c.infos().iter().any(|i| i.tags.contains(&t.as_str()))),
    }
}

/// What the checks found in one image.
#[derive(Default)]
pub struct CheckResults {
    /// Findings, deduplicated by id, sorted by severity then location.
    pub findings: Vec<Finding>,
    /// What could not be read, and checks that failed (each names the check).
    pub errors: Vec<String>,
    /// The service inventory.
    pub services: Vec<Service>,
    /// ELF hardening per filesystem.
    pub hardening: Vec<Hardening>,
}

/// The checks running over one image: fed each file during the pass, then finished over the
/// tree.
pub struct CheckRun<'a> {
    set: &'a CheckSet,
    checks: Vec<Box<dyn Check>>,
    sink: Sink,
}

impl CheckRun<'_> {
    /// Gives one file's content to every check (called in parallel). `data` is the file's
    /// content, possibly cut short; it is complete when it holds `entry.size` bytes.
    pub fn file(&self, entry: &Entry, data: &[u8]) {
        let ctx = FileCtx {
            entry,
            data,
            kind: ContentKind::of(data),
            complete: data.len() as u64 >= entry.size,
            lossy: std::cell::OnceCell::new(),
        };
        for c in &self.checks {
            if let Err(panic) = catch_unwind(AssertUnwindSafe(|| c.file(&ctx, &self.sink))) {
                self.sink.error(format!(
                    "{}: check {} failed on this file (internal error: {})",
                    entry.path,
                    c.area(),
                    panic_message(panic.as_ref())
                ));
            }
        }
    }

    /// Runs the checks that need several files, then returns everything found.
    pub fn finish(self, tree: &Tree) -> CheckResults {
        let CheckRun { set, checks, sink } = self;
        let mut extras = Extras::default();
        for c in &checks {
            if let Err(panic) =
                catch_unwind(AssertUnwindSafe(|| c.finish(tree, &sink, &mut extras)))
            {
                sink.error(format!(
                    "check {} failed (internal error: {})",
                    c.area(),
                    panic_message(panic.as_ref())
                ));
            }
        }
        let (mut findings, errors) = sink.into_parts();
        // A check may emit several kinds of finding; keep only the kinds selected (and
        // whatever the checks added beyond the built-in ones emit).
        if let Some(tags) = &set.opts.tags {
            let added: Vec<&str> = checks[checks.len() - set.extra.len()..]
                .iter()
                .flat_map(|c| c.infos().into_iter().map(|i| i.id))
                .collect();
            findings.retain(|f| {
                f.tags.iter().any(|t| tags.contains(t)) || added.contains(&f.check.as_str())
            });
        }
        CheckResults {
            findings,
            errors,
            services: extras.services,
            hardening: extras.hardening,
        }
    }
}
