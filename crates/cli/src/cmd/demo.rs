//! `netvet demo`: the project's main job on embedded sample data. It builds the sample
//! devices' firmware from the recipes in `examples/firmware/` (embedded in the binary), scans
//! each image (unpacking, every check, software inventory and known vulnerabilities in one
//! pass), writes the scan reports as evidence, extracts the images, and says where
//! everything is.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use netvet_forge::recipe::Recipe;
use netvet_inspect::{ScanOptions, Scanner, Stage};
use netvet_model::{ScanReport, Severity};
use netvet_unpack::materialize::{WriteOptions, Writer};

use super::pipeline::SoftwareStage;
use crate::output::human_size;

/// Run the whole pipeline on built-in sample devices (fictional vendors with planted problems
/// and clean ones).
#[derive(clap::Args)]
pub struct Args {
    /// Where to put the sample images and results.
    #[arg(long, value_name = "DIR", default_value = "netvet-demo")]
    out: PathBuf,
}

/// The sample device recipes, embedded so the demo runs from any directory.
const RECIPES: &[(&str, &str)] = &[
    (
        "acme-ru4400.toml",
        include_str!("../../../../examples/firmware/acme-ru4400.toml"),
    ),
    (
        "northwind-nc5000.toml",
        include_str!("../../../../examples/firmware/northwind-nc5000.toml"),
    ),
];

pub fn run(args: Args) -> anyhow::Result<u8> {
    let start = Instant::now();
    let firmware = args.out.join("firmware");
    let evidence = args.out.join("evidence");
    let unpacked = args.out.join("unpacked");
    // The demo owns its directory: results of an earlier run are replaced.
    for d in [&firmware, &evidence, &unpacked] {
        if d.exists() {
            std::fs::remove_dir_all(d).with_context(|| format!("cannot clear {}", d.display()))?;
        }
        std::fs::create_dir_all(d).with_context(|| format!("cannot create {}", d.display()))?;
    }
    println!(
        "netvet demo: sample devices (fictional vendors) → {}",
        args.out.display()
    );
    let today = super::sbom::as_of(None)?;
    let stage = SoftwareStage::new(None, &[], today)?;
    let scanner = Scanner::new(ScanOptions::default())?;
    for (name, text) in RECIPES {
        let recipe = Recipe::parse(name, text)?;
        let (file, bytes) = recipe.build(name)?;
        let image = firmware.join(&file);
        std::fs::write(&image, &bytes)
            .with_context(|| format!("cannot write {}", image.display()))?;
        println!(
            "\n{} {} {} — {} ({})",
            recipe.device.vendor,
            recipe.device.product,
            recipe.device.version,
            file,
            human_size(bytes.len() as u64)
        );
        let stages: [&dyn Stage; 1] = [&stage];
        let report = scanner
            .scan(&image, &stages)
            .with_context(|| format!("cannot scan {}", image.display()))?;
        let ev = evidence.join(format!("{file}.scan.json"));
        std::fs::write(&ev, netvet_model::json::to_canonical_string(&report)?)
            .with_context(|| format!("cannot write {}", ev.display()))?;
        print_scan(&report);
        unpack(&image, &unpacked.join(&file))?;
    }
    println!(
        "\nimages in {}, scan reports (evidence for `netvet assess`) in {}, extracted trees in {} ({:.1} s)",
        firmware.display(),
        evidence.display(),
        unpacked.display(),
        start.elapsed().as_secs_f64()
    );
    Ok(crate::EXIT_OK)
}

fn print_scan(r: &ScanReport) {
    for l in &r.image.layers {
        let depth = std::iter::successors(l.parent, |p| {
            r.image.layers.get(*p as usize).and_then(|x| x.parent)
        })
        .count();
        println!(
            "  {}{:<9} {:#10x}  {}",
            "  ".repeat(depth),
            l.format,
            l.offset,
            l.path
        );
    }
    let count = |s: Severity| r.findings.iter().filter(|f| f.severity == s).count();
    println!(
        "  findings (netvet scan): {} critical, {} high, {} medium, {} low",
        count(Severity::Critical),
        count(Severity::High),
        count(Severity::Medium),
        count(Severity::Low)
    );
    for f in r
        .findings
        .iter()
        .filter(|f| f.severity >= Severity::High)
        .take(12)
    {
        let place = netvet_inspect::content::fs_path(&f.location.path);
        println!("    {:<8} {} — {place}", f.severity.as_str(), f.title);
    }
    for s in &r.services {
        let ports: Vec<String> = s.ports.iter().map(|p| p.number.to_string()).collect();
        println!(
            "  service {:<8} port {:<10} started by {:<12} authentication: {}",
            s.name,
            ports.join(","),
            s.started_by,
            s.authentication
        );
    }
    println!("  software (netvet sbom):");
    for c in &r.components {
        let key = netvet_vuln::matcher::component_key(c);
        let n = r
            .vulnerabilities
            .iter()
            .filter(|v| v.component == key)
            .count();
        println!(
            "    {:<14} {:<10} {}{}",
            c.name,
            c.version.as_deref().unwrap_or("?"),
            if n > 0 {
                format!("{n} known vulnerabilities")
            } else {
                String::new()
            },
            match (&c.end_of_support, c.unsupported) {
                (Some(d), true) => format!("; unsupported since {d}"),
                _ => String::new(),
            }
        );
    }
    let kev: Vec<&str> = r
        .vulnerabilities
        .iter()
        .filter(|v| v.known_exploited)
        .map(|v| v.id.as_str())
        .collect();
    if !kev.is_empty() {
        println!("    known exploited (CISA KEV): {}", kev.join(", "));
    }
}

fn unpack(image: &Path, out: &Path) -> anyhow::Result<()> {
    let writer = Writer::new(out, WriteOptions::default())?;
    let visit = |e: &netvet_unpack::Entry, r: &mut dyn std::io::Read| writer.write_file(e, r);
    let tree = netvet_unpack::walk_path(image, &netvet_unpack::Options::default(), &visit)?;
    let summary = writer.finish(&tree);
    println!(
        "  extracted {} files ({}), {} symlinks; {} device nodes listed, not created",
        summary.files,
        human_size(summary.bytes),
        summary.symlinks,
        summary.not_created.len()
    );
    Ok(())
}
