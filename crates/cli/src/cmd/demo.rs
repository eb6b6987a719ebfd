//! `netvet demo`: the project's main job on embedded sample data. It builds the sample
//! devices' firmware from the recipes in `examples/firmware/` (embedded in the binary), scans
//! each image (unpacking, every check, software inventory and known vulnerabilities in one
//! pass), writes the scan reports as evidence, extracts the images; then assesses the product
//! records of real vendors (and the fictional samples, whose firmware it has just scanned: the
//! fresh scans are their evidence) under every built-in catalogue,
//! generates a sample inventory of four fictional operators, measures their exposure, plans
//! the replacements, writes the HTML reports, and says where everything is.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use netvet_forge::recipe::Recipe;
use netvet_pipeline::{AnalyseOptions, Analyser, PolicyData, assess, images, write_evidence};
use netvet_report::text::{money, size};
use netvet_unpack::materialize::WriteOptions;

use crate::output;

/// Prints a line of the demo's story; a closed pipe (`netvet demo | head`) becomes an error
/// that main ends on quietly, never a panic.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout().lock(), $($arg)*)?;
    }};
}

/// Run the whole pipeline on built-in sample devices (fictional vendors with planted problems
/// and clean ones).
#[derive(clap::Args)]
pub struct Args {
    /// Where to put the sample images and results.
    #[arg(long, value_name = "DIR", default_value = "netvet-demo")]
    out: PathBuf,
    /// Elements of the generated sample inventory.
    #[arg(long, value_name = "N", default_value_t = 60_000)]
    elements: u64,
    /// Judge deadlines, certificates and support on this day (default: today, UTC).
    #[arg(long, value_name = "YYYY-MM-DD")]
    as_of: Option<netvet_model::Date>,
}

/// The built-in catalogues the demo assesses under.
const CATALOGUES: &[&str] = &["de-2019", "de-2024", "uk-2022"];

/// The sample plan: crews and budgets of the fictional operators.
const PLAN: &str = include_str!("../../../../examples/inventory/plan.toml");

/// The sample device recipes, embedded so the demo runs from any directory: two devices with
/// planted problems, and the firmware of the five fictional product records
/// (`examples/products/`), whose fresh scans are the evidence the assessments read.
const RECIPES: &[(&str, &str)] = &[
    (
        "acme-ru4400.toml",
        include_str!("../../../../examples/firmware/acme-ru4400.toml"),
    ),
    (
        "northwind-nc5000.toml",
        include_str!("../../../../examples/firmware/northwind-nc5000.toml"),
    ),
    (
        "acme-gnb-4.2.toml",
        include_str!("../../../../examples/firmware/acme-gnb-4.2.toml"),
    ),
    (
        "acme-upf-2.0.toml",
        include_str!("../../../../examples/firmware/acme-upf-2.0.toml"),
    ),
    (
        "borealis-amf-5.1.toml",
        include_str!("../../../../examples/firmware/borealis-amf-5.1.toml"),
    ),
    (
        "borealis-upf-3.2.toml",
        include_str!("../../../../examples/firmware/borealis-upf-3.2.toml"),
    ),
    (
        "cobalt-gnb-7.0.toml",
        include_str!("../../../../examples/firmware/cobalt-gnb-7.0.toml"),
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
    say!(
        "netvet demo: sample devices (fictional vendors) → {}",
        args.out.display()
    );
    let as_of = args.as_of.unwrap_or_else(netvet_pipeline::today);
    let analyser = Analyser::new(AnalyseOptions::new(as_of))?;
    for n in analyser.notes() {
        output::note(n);
    }
    let mut scans = Vec::new();
    for (name, text) in RECIPES {
        let recipe = Recipe::parse(name, text)?;
        let (file, bytes) = recipe.build(name)?;
        let image = firmware.join(&file);
        std::fs::write(&image, &bytes)
            .with_context(|| format!("cannot write {}", image.display()))?;
        say!(
            "\n{} {} {} — {} ({})",
            recipe.device.vendor,
            recipe.device.product,
            recipe.device.version,
            file,
            size(bytes.len() as u64)
        );
        let report = analyser
            .analyse(&image, &None)
            .with_context(|| format!("cannot scan {}", image.display()))?;
        let written = write_evidence(&evidence, &report)?;
        say!(
            "{}",
            netvet_report::terminal::scan::summary(&report).trim_end()
        );
        let doc = images::unpack(
            &image,
            &unpacked.join(&file),
            WriteOptions::default(),
            &netvet_unpack::Options::default(),
            &None,
        )?;
        let w = &doc.written;
        say!(
            "  extracted {} files ({}), {} symlinks; {} device nodes listed, not created",
            w.files,
            size(w.bytes),
            w.symlinks,
            doc.not_created.len()
        );
        scans.push(netvet_policy::evidence::LoadedScan {
            report,
            file: written.display().to_string(),
        });
    }
    say!(
        "\nimages in {}, scan reports (evidence for `netvet assess`) in {}, extracted trees in {}",
        firmware.display(),
        evidence.display(),
        unpacked.display(),
    );
    let reports = networks(&args.out, args.elements, as_of, scans)?;
    say!(
        "\nnetwork reports: {} ({:.1} s in all)",
        reports
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", "),
        start.elapsed().as_secs_f64()
    );
    Ok(crate::EXIT_OK)
}

/// Assessments under every built-in catalogue, with the scans just made as the evidence, and
/// the sample operators' networks under each: exposure, plan, and one HTML and one JSON report
/// per catalogue.
fn networks(
    out: &Path,
    elements: u64,
    as_of: netvet_model::Date,
    scans: Vec<netvet_policy::evidence::LoadedScan>,
) -> anyhow::Result<Vec<PathBuf>> {
    use netvet_policy::{Catalogue, DossierSet, Evidence, Limits, ProductSet};

    let limits = Limits::default();
    let dossiers = DossierSet::load(None, &limits)?;
    let products = ProductSet::load(None, &dossiers, &limits)?;
    let mut evidence = Evidence::default();
    for scan in scans {
        evidence.add(scan);
    }
    let data = PolicyData {
        dossiers,
        products,
        evidence,
        as_of,
    };
    let real = data
        .products
        .products
        .iter()
        .filter(|p| !p.product.fictional)
        .count();
    say!(
        "\nassessing {} product records ({real} of real vendors, from the reference notes) as of {as_of}:",
        data.products.products.len()
    );
    let inventory_path = out.join("inventory.csv");
    {
        let file = std::fs::File::create(&inventory_path)
            .with_context(|| format!("cannot write {}", inventory_path.display()))?;
        let mut w = std::io::BufWriter::new(file);
        netvet_network::sample::write_csv(&mut w, elements, 2026)?;
        std::io::Write::flush(&mut w)?;
    }
    let inventory = netvet_pipeline::Inventory::load(&inventory_path, true, &data.dossiers)?;
    let plan = netvet_network::plan::PlanConfig::parse("examples/inventory/plan.toml", PLAN)?;
    let mut written = Vec::new();
    for id in CATALOGUES {
        let catalogue = Catalogue::load(id, &limits)?;
        let assessed = assess::assess(&catalogue, &data, None, &Default::default(), &limits)?;
        let counts = &assessed.summary;
        say!(
            "  {id:<8} {} product roles: {} allowed, {} with conditions, {} prohibited",
            assessed.assessments.len(),
            counts.allow,
            counts.allow_with_conditions,
            counts.prohibit
        );
        let report = assess::network(
            &catalogue,
            &data,
            &inventory,
            Some(plan.clone()),
            365,
            &limits,
        )?;
        let t = &report.totals;
        say!(
            "           network ({} elements, {} operators): {} prohibited ({} %), {} past deadline, {} within a year; {} conditional",
            t.elements,
            report.operators.len(),
            t.prohibited,
            t.prohibited_percent,
            t.past_deadline,
            t.near_deadline,
            t.conditional
        );
        if let Some(p) = &report.plan {
            if p.feasible {
                say!(
                    "           plan {} – {}: {} replacements, cost {}",
                    p.start,
                    p.end,
                    p.elements,
                    money(p.total_cost)
                );
            } else {
                say!(
                    "           plan {} – {}: NOT FEASIBLE — {}",
                    p.start,
                    p.end,
                    p.shortfalls
                        .first()
                        .map(|s| s.message.as_str())
                        .unwrap_or("no schedule meets every deadline")
                );
            }
        }
        let html = out.join(format!("network-{id}.html"));
        std::fs::write(
            &html,
            netvet_report::html::network_in(
                &report,
                crate::config::get()
                    .currency
                    .as_deref()
                    .unwrap_or(netvet_report::network_summary::DEFAULT_CURRENCY),
            ),
        )
        .with_context(|| format!("cannot write {}", html.display()))?;
        let json = out.join(format!("network-{id}.json"));
        std::fs::write(&json, netvet_model::json::to_canonical_string(&report)?)
            .with_context(|| format!("cannot write {}", json.display()))?;
        written.push(html);
    }
    say!("  sample inventory: {}", inventory_path.display());
    Ok(written)
}

/// The fictional product records whose firmware the recipes build (`examples/products/`),
/// embedded like the recipes; each recipe's file name is its product's id.
const PRODUCTS: &[(&str, &str)] = &[
    (
        "acme-gnb-4.2.toml",
        include_str!("../../../../examples/products/acme-gnb-4.2.toml"),
    ),
    (
        "acme-upf-2.0.toml",
        include_str!("../../../../examples/products/acme-upf-2.0.toml"),
    ),
    (
        "borealis-amf-5.1.toml",
        include_str!("../../../../examples/products/borealis-amf-5.1.toml"),
    ),
    (
        "borealis-upf-3.2.toml",
        include_str!("../../../../examples/products/borealis-upf-3.2.toml"),
    ),
    (
        "cobalt-gnb-7.0.toml",
        include_str!("../../../../examples/products/cobalt-gnb-7.0.toml"),
    ),
];

/// The demo data set of `netvet serve --demo`: the fictional product records and their
/// firmware, built by the recipes this command builds.
pub fn service_data() -> anyhow::Result<netvet_server::demo::DemoData> {
    let mut data = netvet_server::demo::DemoData::default();
    for (name, text) in PRODUCTS {
        let product: netvet_model::Product =
            toml::from_str(text).with_context(|| format!("examples/products/{name}"))?;
        data.products.push(serde_json::to_value(&product)?);
        let Some((_, recipe_text)) = RECIPES.iter().find(|(r, _)| r == name) else {
            anyhow::bail!("examples/firmware/{name}: no recipe for the product");
        };
        let recipe = Recipe::parse(name, recipe_text)?;
        let (file_name, bytes) = recipe.build(name)?;
        data.images.push(netvet_server::demo::DemoImage {
            file_name,
            product: product.id.clone(),
            bytes,
        });
    }
    Ok(data)
}
