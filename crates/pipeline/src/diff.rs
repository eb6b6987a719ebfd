//! The comparison jobs: `diff` (what changed between two releases) and `equivalence` (is the
//! deployed image the tested build). Each image is read in the single pass with the
//! fingerprint collector of `netvet-diff` joining the checks and catalogers, so a diff costs
//! two scans and the comparison, and an equivalence check two passes without the checks.

use std::io::Read;
use std::path::Path;

use netvet_diff::{CollectOptions, Collector, Fingerprints, Release};
use netvet_model::ScanReport;
use netvet_model::diff::{DiffReport, EquivalenceReport, Side};
use netvet_model::scan::SCAN_REPORT_SCHEMA;
use netvet_unpack::{Entry, Tree};

use crate::analyse::Analyser;
use crate::error::Error;
use crate::pass::FileStage;
use crate::progress::{ProgressRef, stage};

/// A stored analysis larger than this is not read (a scan report of a large appliance image
/// is a few tens of MB).
const MAX_ANALYSIS: u64 = 1 << 30;

struct CollectStage<'a>(&'a Collector);

impl FileStage for CollectStage<'_> {
    fn name(&self) -> &str {
        "fingerprints"
    }

    fn file(&self, entry: &Entry, data: &[u8]) {
        self.0.file(entry, data);
    }
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

fn side(path: &Path, kind: &str, scan_image: &netvet_model::ImageReport, coverage: String) -> Side {
    Side {
        input: file_name(path),
        kind: kind.to_string(),
        sha256: scan_image.sha256.clone(),
        size: scan_image.size,
        coverage,
    }
}

/// A stored `netvet.scan/1` report, when `path` is JSON (its first byte that is not white
/// space is `{`); `None` for anything else, which is then read as an image. JSON that is not
/// a scan report is an error naming the file.
pub fn stored_analysis(path: &Path) -> crate::Result<Option<ScanReport>> {
    let mut head = Vec::with_capacity(512);
    std::fs::File::open(path)
        .map_err(|e| Error::io("open", path, e))?
        .take(512)
        .read_to_end(&mut head)
        .map_err(|e| Error::io("read", path, e))?;
    if head.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Ok(None);
    }
    let len = std::fs::metadata(path)
        .map_err(|e| Error::io("read", path, e))?
        .len();
    if len > MAX_ANALYSIS {
        return Err(Error::Input {
            file: path.display().to_string(),
            message: format!("a stored analysis of {len} bytes is over the 1 GiB limit"),
        });
    }
    let text = std::fs::read(path).map_err(|e| Error::io("read", path, e))?;
    let report: ScanReport = serde_json::from_slice(&text).map_err(|e| Error::Input {
        file: path.display().to_string(),
        message: format!("JSON that is not a {SCAN_REPORT_SCHEMA} report: {e}"),
    })?;
    if report.schema != SCAN_REPORT_SCHEMA {
        return Err(Error::Input {
            file: path.display().to_string(),
            message: format!("schema {:?}, expected {SCAN_REPORT_SCHEMA}", report.schema),
        });
    }
    Ok(Some(report))
}

/// One release read for a diff.
pub struct ReadRelease {
    pub side: Side,
    pub scan: ScanReport,
    pub prints: Option<Fingerprints>,
    /// The unpacked image, kept to read changed files again.
    pub tree: Option<Tree>,
}

/// Reads a release: a stored analysis as it is, an image by analysing it with the
/// fingerprint collector in the pass.
pub fn read_release(
    analyser: &Analyser,
    path: &Path,
    opts: CollectOptions,
    progress: &ProgressRef,
) -> crate::Result<ReadRelease> {
    if let Some(scan) = stored_analysis(path)? {
        let coverage = scan.coverage;
        return Ok(ReadRelease {
            side: side(path, "analysis", &scan.image, coverage.as_str().to_string()),
            scan,
            prints: None,
            tree: None,
        });
    }
    let collector = Collector::new(opts);
    let stage = CollectStage(&collector);
    let (scan, tree) = analyser.analyse_with(path, progress, &[&stage])?;
    let prints = collector.finish(&tree, path);
    Ok(ReadRelease {
        side: side(
            path,
            "image",
            &scan.image,
            scan.coverage.as_str().to_string(),
        ),
        scan,
        prints: Some(prints),
        tree: Some(tree),
    })
}

/// Compares two releases (images or stored analyses). Both are read at once, each on its own
/// thread (a pass has stretches that use one core; two overlap them), without strings; then
/// the strings of the binaries that changed are read again from the kept trees.
pub fn diff(
    analyser: &Analyser,
    old: &Path,
    new: &Path,
    progress: &ProgressRef,
) -> crate::Result<DiffReport> {
    stage(progress, "reading both releases");
    let opts = || CollectOptions {
        strings: false,
        ..CollectOptions::default()
    };
    let (o, n) = both(
        || read_release(analyser, old, opts(), progress),
        || read_release(analyser, new, opts(), progress),
    )?;
    let (mut o, mut n) = (o?, n?);
    stage(progress, "comparing");
    let budget = CollectOptions::default().strings_budget / 2;
    if let (Some(op), Some(np), Some(tree)) =
        (o.prints.as_mut(), n.prints.as_ref(), o.tree.as_ref())
    {
        netvet_diff::collect::fill_strings(op, np, tree, budget);
    }
    if let (Some(np), Some(op), Some(tree)) =
        (n.prints.as_mut(), o.prints.as_ref(), n.tree.as_ref())
    {
        netvet_diff::collect::fill_strings(np, op, tree, budget);
    }
    drop(o.tree.take());
    drop(n.tree.take());
    Ok(netvet_diff::diff(
        &Release {
            side: o.side.clone(),
            scan: &o.scan,
            prints: o.prints.as_ref(),
        },
        &Release {
            side: n.side.clone(),
            scan: &n.scan,
            prints: n.prints.as_ref(),
        },
    ))
}

/// Runs two jobs at once, the first on a thread of its own. A panic in either becomes an
/// error rather than taking the caller down.
fn both<A: Send, B>(a: impl FnOnce() -> A + Send, b: impl FnOnce() -> B) -> crate::Result<(A, B)> {
    std::thread::scope(|s| {
        let first = s.spawn(a);
        let second = std::panic::catch_unwind(std::panic::AssertUnwindSafe(b));
        let first = first.join();
        match (first, second) {
            (Ok(x), Ok(y)) => Ok((x, y)),
            (Err(p), _) | (_, Err(p)) => Err(Error::Usage(format!(
                "internal error while reading the images: {}",
                netvet_unpack::contain::panic_message(p.as_ref())
            ))),
        }
    })
}

/// Compares two stored analyses (`netvet.scan/1` reports): services, listeners, components,
/// vulnerabilities, findings, hardening, and keys and certificates through the findings. The
/// service's comparison of two releases' analyses.
pub fn diff_analyses(old: &ScanReport, new: &ScanReport) -> DiffReport {
    let side = |r: &ScanReport| Side {
        input: r.image.image.clone(),
        kind: "analysis".to_string(),
        sha256: r.image.sha256.clone(),
        size: r.image.size,
        coverage: r.coverage.as_str().to_string(),
    };
    netvet_diff::diff(
        &Release {
            side: side(old),
            scan: old,
            prints: None,
        },
        &Release {
            side: side(new),
            scan: new,
            prints: None,
        },
    )
}

/// Reads one image for an equivalence check: one pass with the collector only.
fn fingerprint(
    analyser: &Analyser,
    path: &Path,
    progress: &ProgressRef,
) -> crate::Result<(Side, Fingerprints)> {
    let collector = Collector::new(CollectOptions {
        strings: false,
        inventory: false,
        ..CollectOptions::default()
    });
    let stage = CollectStage(&collector);
    let pass = crate::pass::run(path, &analyser.pass_options(progress), &[&stage])?;
    let prints = collector.finish(&pass.tree, path);
    let mut coverage = pass.tree.report().coverage().as_str().to_string();
    if !pass.errors.is_empty() && coverage == "complete" {
        coverage = "partial".into();
    }
    let s = side(path, "image", pass.tree.report(), coverage);
    Ok((s, prints))
}

/// Decides whether `deployed` is the build `tested` is.
pub fn equivalence(
    analyser: &Analyser,
    tested: &Path,
    deployed: &Path,
    progress: &ProgressRef,
) -> crate::Result<EquivalenceReport> {
    for p in [tested, deployed] {
        if stored_analysis(p)?.is_some() {
            return Err(Error::Input {
                file: p.display().to_string(),
                message: "equivalence compares images byte for byte; a stored analysis holds \
                          no file contents"
                    .into(),
            });
        }
    }
    stage(progress, "reading both images");
    let (t, d) = both(
        || fingerprint(analyser, tested, progress),
        || fingerprint(analyser, deployed, progress),
    )?;
    let (t, d) = (t?, d?);
    stage(progress, "comparing");
    Ok(netvet_diff::equivalence((&t.0, &t.1), (&d.0, &d.1)))
}
