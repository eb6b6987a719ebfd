//! Reads a generated inventory of N rows (default one million) and reports the rate.
//! `cargo run --release -p netvet-network --example inventory_bench -- [ROWS] [csv|jsonl]`

use std::io::Write;
use std::time::Instant;

use netvet_network::{ReadOptions, read_inventory};

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let n: usize = args
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let format = args.next().unwrap_or_else(|| "csv".to_string());
    let dir = std::env::temp_dir().join(format!("netvet-inventory-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let path = dir.join(format!("inventory.{format}"));
    let roles = [
        ("RAN", "gNB"),
        ("RAN", "DU"),
        ("core", "AMF"),
        ("core", "UPF"),
        ("transport", "router"),
        ("management", "EMS"),
    ];
    let vendors = ["Huawei", "Ericsson", "Nokia", "ZTE", "Samsung"];
    {
        let mut w = std::io::BufWriter::new(std::fs::File::create(&path)?);
        if format == "csv" {
            writeln!(
                w,
                "operator,element_id,site,region,domain,function,vendor,product,version,installation_date,replacement_cost"
            )?;
        }
        for i in 0..n {
            let (d, f) = roles[i % roles.len()];
            let v = vendors[i % vendors.len()];
            let op = format!("Operator {} (fictional)", i % 3);
            if format == "csv" {
                writeln!(
                    w,
                    "{op},el-{i},site-{},region-{},{d},{f},{v},{v} {f},1.{},20{:02}-0{}-1{},{}",
                    i % 5000,
                    i % 16,
                    i % 4,
                    15 + i % 10,
                    1 + i % 9,
                    i % 9,
                    1000 + i % 50_000
                )?;
            } else {
                writeln!(
                    w,
                    "{{\"operator\":\"{op}\",\"element_id\":\"el-{i}\",\"site\":\"site-{}\",\"region\":\"region-{}\",\"domain\":\"{d}\",\"function\":\"{f}\",\"vendor\":\"{v}\",\"product\":\"{v} {f}\",\"version\":\"1.{}\",\"installation_date\":\"20{:02}-0{}-1{}\",\"replacement_cost\":{}}}",
                    i % 5000,
                    i % 16,
                    i % 4,
                    15 + i % 10,
                    1 + i % 9,
                    i % 9,
                    1000 + i % 50_000
                )?;
            }
        }
    }
    let bytes = std::fs::metadata(&path)?.len();
    let started = Instant::now();
    let mut elements = 0u64;
    let summary = read_inventory(&path, &ReadOptions::default(), |_| elements += 1)
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    let took = started.elapsed().as_secs_f64();
    println!(
        "{format}: {} rows ({:.0} MiB) read and validated in {took:.2} s: {:.0} rows/s; {} accepted, {} rejected",
        summary.rows,
        bytes as f64 / (1 << 20) as f64,
        summary.rows as f64 / took,
        elements,
        summary.rejected
    );
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
