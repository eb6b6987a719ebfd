//! Shared driver for the fuzz targets: open bytes as one format (or identify them), with
//! small limits, and read every file of the resulting tree.

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
