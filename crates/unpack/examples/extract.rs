//! Unpacks an image into a directory as `netvet unpack --out` does (the safe writer fed by the
//! unpacking visitor), or only opens it (`--no-write`), and prints the wall time: for timing
//! the readers side by side with other tools without building the whole CLI.
//! `cargo run --release -p netvet-unpack --example extract -- IMAGE OUT_DIR [--no-write]`

use std::error::Error;
use std::path::PathBuf;
use std::time::Instant;

use netvet_unpack::Options;
use netvet_unpack::materialize::{WriteOptions, Writer};

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: extract IMAGE OUT_DIR [--no-write]";
    let image = PathBuf::from(args.next().ok_or(usage)?);
    let out = PathBuf::from(args.next().ok_or(usage)?);
    let write = args.next().as_deref() != Some("--no-write");
    let opts = Options::default();
    let t = Instant::now();
    let tree = if write {
        let writer = Writer::new(&out, WriteOptions::default())?;
        let visit = |e: &netvet_unpack::Entry, r: &mut dyn std::io::Read| writer.write_file(e, r);
        let tree = netvet_unpack::walk_path(&image, &opts, &visit)?;
        let summary = writer.finish(&tree);
        println!(
            "wrote {} files, {} bytes, {} skipped",
            summary.files,
            summary.bytes,
            summary.skipped.len()
        );
        tree
    } else {
        netvet_unpack::open_path(&image, &opts)?
    };
    let secs = t.elapsed().as_secs_f64();
    let r = tree.report();
    println!(
        "{secs:.2} s: {} layers, {} entries, {} warnings",
        r.layers.len(),
        r.totals.entries,
        r.all_warnings().count()
    );
    for l in &r.layers {
        println!("  {:<9} {} ({} bytes)", l.format, l.path, l.length);
    }
    for (_, w) in r.all_warnings() {
        println!("  warning: {:?} {}", w.code, w.message);
    }
    Ok(())
}
