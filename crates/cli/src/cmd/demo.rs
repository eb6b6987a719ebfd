//! `netvet demo`: the project's main job on embedded sample data. It builds the sample
//! devices' firmware from the recipes in `examples/firmware/` (embedded in the binary), then
//! identifies and unpacks each image, lists its software and the known vulnerabilities and
//! unsupported components in it (built-in advisories, offline), and says where everything is.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use netvet_forge::recipe::Recipe;
use netvet_unpack::materialize::{WriteOptions, Writer};

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
    let unpacked = args.out.join("unpacked");
    // The demo owns its directory: results of an earlier run are replaced.
    for d in [&firmware, &unpacked] {
        if d.exists() {
            std::fs::remove_dir_all(d).with_context(|| format!("cannot clear {}", d.display()))?;
        }
        std::fs::create_dir_all(d).with_context(|| format!("cannot create {}", d.display()))?;
    }
    println!(
        "netvet demo: sample devices (fictional vendors) → {}",
        args.out.display()
    );
    let cataloger = netvet_sbom::Cataloger::new()?;
    let index = netvet_vuln::Index::builtin()?;
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
        unpack(&image, &unpacked.join(&file), &cataloger, &index)?;
    }
    println!(
        "\nimages in {}, extracted trees in {} ({:.1} s)",
        firmware.display(),
        unpacked.display(),
        start.elapsed().as_secs_f64()
    );
    Ok(crate::EXIT_OK)
}

fn unpack(
    image: &Path,
    out: &Path,
    cataloger: &netvet_sbom::Cataloger,
    index: &netvet_vuln::Index,
) -> anyhow::Result<()> {
    let writer = Writer::new(out, WriteOptions::default())?;
    let found = std::sync::Mutex::new(Vec::new());
    // One pass: each file is written out and catalogued from the same bytes.
    let visit = |e: &netvet_unpack::Entry, r: &mut dyn std::io::Read| {
        let mut bytes = Vec::new();
        r.read_to_end(&mut bytes)?;
        let c = cataloger.file(e, &bytes);
        if !c.is_empty() {
            found.lock().unwrap_or_else(|p| p.into_inner()).extend(c);
        }
        writer.write_file(e, &mut bytes.as_slice())
    };
    let tree = netvet_unpack::walk_path(image, &netvet_unpack::Options::default(), &visit)?;
    let summary = writer.finish(&tree);
    let found = found.into_inner().unwrap_or_else(|p| p.into_inner());
    let mut catalog = cataloger.finish(&tree, found);
    let r = tree.report();
    for l in &r.layers {
        let depth = std::iter::successors(l.parent, |p| {
            r.layers.get(*p as usize).and_then(|x| x.parent)
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
    println!(
        "  {} entries; wrote {} files ({}), {} symlinks; {} device nodes listed, not created; {} warnings",
        r.totals.entries,
        summary.files,
        human_size(summary.bytes),
        summary.symlinks,
        summary.not_created.len(),
        r.all_warnings().count()
    );
    let today = super::sbom::as_of(None)?;
    netvet_vuln::eos::EndOfSupport::builtin()?.annotate(&mut catalog.components, &today);
    let report = netvet_vuln::Matcher::new(index).match_all(&catalog.components)?;
    println!("  software (netvet sbom):");
    for c in &catalog.components {
        let n = report
            .vulnerabilities
            .iter()
            .filter(|v| v.component == netvet_vuln::matcher::component_key(c))
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
    let kev: Vec<&str> = report
        .vulnerabilities
        .iter()
        .filter(|v| v.known_exploited)
        .map(|v| v.id.as_str())
        .collect();
    if !kev.is_empty() {
        println!("    known exploited (CISA KEV): {}", kev.join(", "));
    }
    Ok(())
}
