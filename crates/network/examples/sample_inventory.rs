//! Writes the generated sample inventory (`netvet_network::sample`) as CSV, for benchmarks.
//! `cargo run --release -p netvet-network --example sample_inventory -- ROWS OUT.csv [SEED]`

use std::io::Write;

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let rows: u64 = args
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let out = args.next().unwrap_or_else(|| "inventory.csv".to_string());
    let seed: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(2026);
    let mut w = std::io::BufWriter::new(std::fs::File::create(&out)?);
    let n = netvet_network::sample::write_csv(&mut w, rows, seed)?;
    w.flush()?;
    println!("{n} rows written to {out}");
    Ok(())
}
