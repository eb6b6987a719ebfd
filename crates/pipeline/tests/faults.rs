//! Faults contained: a format reader and a check that panic on the bytes they are given (bugs
//! that hostile input finds) fail only their own layer or check. The scan completes, the
//! report names each failure, and everything else is still analysed.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use netvet_forge::FsTree;
use netvet_inspect::checks::Check;
use netvet_inspect::{CheckInfo, FileCtx, Sink};
use netvet_model::{Category, Severity, WarningCode};
use netvet_pipeline::{AnalyseOptions, Analyser};
use netvet_unpack::format::{Format, Magic, OpenCtx, Opened, Probe};
use netvet_unpack::source::{Source, SourceRef};

/// A reader that claims files starting with `PANICFMT` and panics opening them.
struct Panicky;

static PANICKY: Panicky = Panicky;

impl Format for Panicky {
    fn id(&self) -> &'static str {
        "panicky"
    }

    fn magics(&self) -> &'static [Magic] {
        const M: [Magic; 1] = [Magic::start(b"PANICFMT")];
        &M
    }

    fn probe(&self, src: &dyn Source, offset: u64) -> Option<Probe> {
        let mut head = [0u8; 8];
        (src.read_at(offset, &mut head).ok()? == 8 && &head == b"PANICFMT").then(|| Probe {
            length: None,
            description: "a reader with a bug".into(),
        })
    }

    fn open(&self, _src: SourceRef, _ctx: &mut OpenCtx<'_>) -> netvet_unpack::Result<Opened> {
        panic!("index out of bounds: the len is 8 but the index is 4096")
    }
}

static BOOM: CheckInfo = CheckInfo {
    id: "nv-test-boom",
    title: "a check with a bug",
    tags: &["test"],
    category: Category::Backdoor,
    severity: Severity::High,
    cwe: &[],
    references: &[],
    remediation: "",
    description: "",
};

/// A check that panics on a file named `trigger`, in the pass and again over the tree.
struct Boom;

impl Check for Boom {
    fn area(&self) -> &'static str {
        "boom"
    }

    fn infos(&self) -> Vec<&CheckInfo> {
        vec![&BOOM]
    }

    fn file(&self, ctx: &FileCtx<'_>, _sink: &Sink) {
        if ctx.entry.path.ends_with("/trigger") {
            panic!("attempt to subtract with overflow");
        }
    }

    fn finish(
        &self,
        _tree: &netvet_unpack::Tree,
        _sink: &Sink,
        _extras: &mut netvet_inspect::checks::Extras,
    ) {
        panic!("called `Option::unwrap()` on a `None` value");
    }
}

#[test]
fn a_panicking_reader_and_a_panicking_check_leave_the_rest_of_the_scan_intact() {
    let mut t = FsTree::new();
    t.file(
        "etc/passwd",
        0o644,
        "root:x:0:0::/root:/bin/sh\nguest::0:0::/:/bin/sh\n",
    );
    let mut blob = b"PANICFMT".to_vec();
    blob.extend(vec![0x5a; 70_000]);
    t.file("opt/fw/update.bin", 0o644, blob);
    t.file("opt/trigger", 0o644, "anything");
    let img = netvet_forge::squashfs::write(&t, netvet_forge::squashfs::Options::default());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("faulty.sqfs");
    std::fs::write(&path, img).unwrap();

    let mut opts = AnalyseOptions {
        software: false,
        ..AnalyseOptions::new("2026-12-06".parse().unwrap())
    };
    opts.unpack.extra_formats = vec![&PANICKY];
    let analyser = Analyser::new(opts)
        .unwrap()
        .with_check(Arc::new(|| Box::new(Boom) as Box<dyn Check>));
    let report = analyser.analyse(&path, &None).unwrap();

    // The reader's failure is a warning on the image, naming the reader and its message.
    let failed: Vec<_> = report
        .image
        .all_warnings()
        .filter(|(_, w)| w.code == WarningCode::ReaderFailed)
        .map(|(_, w)| w.message.clone())
        .collect();
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert!(failed[0].contains("panicky"), "{failed:?}");
    assert!(failed[0].contains("index out of bounds"), "{failed:?}");
    // The file itself is still an entry of the squashfs.
    assert!(report.image.totals.files >= 3, "{:?}", report.image.totals);

    // The check's failures are errors naming the check, the file and the message.
    let in_pass = report
        .errors
        .iter()
        .find(|e| e.contains("/opt/trigger") && e.contains("check boom failed"))
        .unwrap_or_else(|| panic!("{:?}", report.errors));
    assert!(in_pass.contains("attempt to subtract with overflow"));
    assert!(
        report
            .errors
            .iter()
            .any(|e| e.starts_with("check boom failed") && e.contains("unwrap")),
        "{:?}",
        report.errors
    );

    // Every other check ran: the empty password is found.
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.check == "nv-account-empty-password"
                && f.location.path.ends_with("/etc/passwd")),
        "{:?}",
        report.findings.iter().map(|f| &f.check).collect::<Vec<_>>()
    );
}
