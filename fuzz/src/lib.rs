//! Shared driver for the fuzz targets: open bytes as one format (or identify them), with
//! small limits, and read every file of the resulting tree; or read bytes as one of the rpm
//! database formats the rpm cataloger reads.

use std::sync::Arc;
use std::time::Duration;

use netvet_unpack::{Limits, MemSource, Options, Tree};

/// Small limits so one input cannot run long or allocate much.
pub fn options() -> Options {
    Options {
        limits: Limits {
            max_depth: 4,
            max_total_bytes: 64 << 20,
            max_entries: 20_000,
            max_ratio: 200,
            max_time: Duration::from_secs(5),
            max_file_size: 16 << 20,
            max_metadata: 16 << 20,
        },
        ..Options::default()
    }
}

fn read_all(tree: &Tree) {
    for e in tree.entries() {
        if e.is_file() {
            let _ = tree.read(e);
        }
    }
    let _ = tree.report();
}

/// Opens `data` directly as `format` and reads everything in it.
pub fn exercise(format: &str, data: &[u8]) {
    let src = Arc::new(MemSource::new(data.to_vec()));
    let tree = netvet_unpack::open_forced("fuzz", src, &options(), format);
    read_all(&tree);
}

/// Identifies and carves `data` as an unknown blob and reads everything found.
pub fn identify(data: &[u8]) {
    let src = Arc::new(MemSource::new(data.to_vec()));
    let tree = netvet_unpack::open_source("fuzz", src, &options(), None);
    read_all(&tree);
}

/// The file-list budget of one input, as the cataloger has one per database (smaller).
fn budget() -> netvet_sbom::rpm::header::Budget {
    netvet_sbom::rpm::header::Budget {
        entries: 1 << 20,
        bytes: 64 << 20,
    }
}

/// Reads `data` as an rpm header blob (every tag the cataloger reads).
pub fn rpm_header(data: &[u8]) {
    let _ = netvet_sbom::rpm::header::package(data, &mut budget());
}

/// Opens `data` as a Berkeley DB hash database and reads every pair, parsing each value as
/// an rpm header, as the cataloger does.
pub fn rpm_bdb(data: &[u8]) {
    if let Ok(db) = netvet_sbom::rpm::bdb::Db::open(data) {
        let mut budget = budget();
        let _ = db.for_each(|item| {
            let _ = netvet_sbom::rpm::header::package(&item.value, &mut budget);
            std::ops::ControlFlow::Continue(())
        });
    }
}

/// Reads `data` as an NDB `Packages.db`, parsing each blob as an rpm header.
pub fn rpm_ndb(data: &[u8]) {
    let mut budget = budget();
    let _ = netvet_sbom::rpm::ndb::for_each(data, |_, _, blob| {
        let _ = netvet_sbom::rpm::header::package(blob, &mut budget);
        std::ops::ControlFlow::Continue(())
    });
}

/// Reads `data` as a shell script the way the services check does: parsed, walked (every
/// `. file` sourcing the same text again, up to the nesting bound), and the init entry
/// functions called.
pub fn shell(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let load = |p: &str| Some((format!("fuzz!{p}"), text.to_string()));
    let mut e = netvet_shell::Evaluator::new(netvet_shell::EvalLimits::default(), &load);
    e.run_file("fuzz", &text, &["start".to_string()]);
    for f in ["boot", "start", "start_service"] {
        if e.defines(f) {
            e.call(f, &[]);
        }
    }
}
