//! Benchmark: N products under a catalogue (default de-2024).
//! `cargo run --release -p netvet-policy --example bench_assess -- [CATALOGUE] [PRODUCTS]
//! [identical|varied] [SEED] [WRITE_DIR]`
//!
//! Products are generated in memory, deterministically:
//! - `identical` (the default): each declares network functions covering 30 roles and belongs
//!   to one of the built-in vendors in turn; one in ten carries a scan report.
//! - `varied`: a vendor drawn from the built-in dossiers, one to five functions (so one or
//!   more roles each), a version, and for one product in ten firmware with a scan report made
//!   from one of `examples/evidence/`, all drawn from a generator seeded with SEED (default 1).
//!   With WRITE_DIR, the products are also written there (`products/*.toml`,
//!   `evidence/*.json`) for timing `netvet assess` on the same inputs.
//!
//! Loading, compiling and generating are timed apart from evaluation; then the report is
//! written as canonical JSON (to nowhere) and its size and writing time printed.

use std::path::Path;
use std::time::Instant;

// The same allocator as the netvet binary: evaluation allocates many small values.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use netvet_model::{Firmware, NetworkFunction, Product, RecordSource, Role, SourceStatus};
use netvet_policy::evidence::{Evidence, LoadedScan};
use netvet_policy::products::{LoadedProduct, ProductSet};
use netvet_policy::{Catalogue, DossierSet, Evaluator, Inputs, Job, Limits};

/// The scan reports varied products' firmware is given (their image digest replaced).
const SCANS: &[&str] = &[
    include_str!("../../../examples/evidence/acme-gnb-4.2.json"),
    include_str!("../../../examples/evidence/acme-upf-2.0.json"),
    include_str!("../../../examples/evidence/borealis-amf-5.1.json"),
    include_str!("../../../examples/evidence/borealis-upf-3.2.json"),
    include_str!("../../../examples/evidence/cobalt-gnb-7.0.json"),
];

/// xorshift64: small, fast and the same everywhere.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        // A zero state would stay zero.
        Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let catalogue = args.next().unwrap_or_else(|| "de-2024".to_string());
    let n: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(5000);
    let limits = Limits::default();

    let t = Instant::now();
    let cat = Catalogue::load(&catalogue, &limits).unwrap_or_else(|e| fail(e));
    let dossiers = DossierSet::load(None, &limits).unwrap_or_else(|e| fail(e));
    let evaluator = Evaluator::new(&cat, &limits).unwrap_or_else(|e| fail(e));
    let load = t.elapsed();

    let varied = match args.next().as_deref() {
        None | Some("identical") => false,
        Some("varied") => true,
        Some(other) => fail(format!("mode {other:?}: identical or varied")),
    };
    let seed: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(1);
    let write = args.next();
    let t = Instant::now();
    let (products, evidence, jobs) = if varied {
        let (products, evidence, texts) = varied_products(&dossiers, n, seed);
        if let Some(dir) = &write {
            write_inputs(Path::new(dir), &products, &texts).unwrap_or_else(|e| fail(e));
        }
        let jobs = netvet_policy::jobs(&products, None, &Default::default());
        (products, evidence, jobs)
    } else {
        identical_products(&dossiers, n)
    };
    let generate = t.elapsed();
    let inputs = Inputs {
        dossiers: &dossiers,
        products: &products,
        evidence: &evidence,
        shares: None,
        as_of: "2025-06-30".parse().unwrap_or_else(|e: String| fail(e)),
    };
    let roles = jobs.iter().map(|j| j.roles.len()).sum::<usize>();

    let t = Instant::now();
    let cpu0 = cpu_seconds();
    let assessments = evaluator.run(&inputs, &jobs).unwrap_or_else(|e| fail(e));
    let eval = t.elapsed();
    let cpu = cpu_seconds() - cpu0;
    let evaluations = assessments.len();
    assert_eq!(evaluations, roles);
    let per = eval.as_secs_f64() / evaluations as f64;
    println!(
        "catalogue {} ({} requirements): {n} {} products, {evaluations} product-role evaluations",
        cat.info.id,
        cat.requirements.len(),
        if varied { "varied" } else { "identical" },
    );
    println!(
        "load + compile: {:.3} s; generate: {:.3} s",
        load.as_secs_f64(),
        generate.as_secs_f64()
    );
    let per_vendor: Vec<&str> = evaluator.per_vendor().iter().map(String::as_str).collect();
    println!(
        "decided once per vendor: {} of {} requirements ({})",
        per_vendor.len(),
        cat.requirements.len(),
        per_vendor.join(", ")
    );
    println!(
        "evaluation:     {:.3} s wall on {} threads, {:.3} s CPU",
        eval.as_secs_f64(),
        rayon::current_num_threads(),
        cpu
    );
    println!(
        "CPU per product-role evaluation: {:.1} us",
        cpu / evaluations as f64 * 1e6
    );
    println!(
        "per product-role evaluation: {:.1} us; per product (all roles): {:.1} us",
        per * 1e6,
        eval.as_secs_f64() / n as f64 * 1e6
    );
    let t = Instant::now();
    let report = netvet_policy::assess::report(&cat, &inputs, assessments);
    let mut counted = Counted(0);
    netvet_model::json::write_canonical(&mut counted, &report).unwrap_or_else(|e| fail(e));
    println!(
        "document: {} bytes of JSON written in {:.3} s",
        counted.0,
        t.elapsed().as_secs_f64()
    );
}

/// A writer that only counts.
struct Counted(u64);

impl std::io::Write for Counted {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// `n` products each declaring functions covering the first 30 roles (`ROLES` overrides),
/// vendors in turn, one in ten with the acme gNB's scan report.
fn identical_products(dossiers: &DossierSet, n: usize) -> (ProductSet, Evidence, Vec<Job>) {
    let nroles: usize = std::env::var("ROLES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(30);
    let roles: Vec<netvet_policy::Placement> = Role::all()
        .take(nroles)
        .map(netvet_policy::Placement::plain)
        .collect();
    let functions: Vec<NetworkFunction> = {
        let mut f: Vec<NetworkFunction> = roles.iter().map(|r| r.role.function).collect();
        f.dedup();
        f
    };
    let vendors: Vec<&String> = dossiers.vendors.keys().collect();
    let mut evidence = Evidence::default();
    let mut products = Vec::with_capacity(n);
    for i in 0..n {
        let vendor = vendors[i % vendors.len()].clone();
        let fictional = dossiers.vendors[&vendor].dossier.vendor.fictional;
        let mut firmware = Vec::new();
        if i % 10 == 0 {
            let sha = format!("{:064x}", i + 1);
            let mut report = Evidence::parse("bench", SCANS[0]).unwrap_or_else(|d| fail(d));
            report.image.sha256 = sha.clone();
            evidence.add(LoadedScan {
                report,
                file: format!("bench-{i}.json"),
            });
            firmware.push(Firmware {
                image: format!("fw-{i}.bin"),
                sha256: sha,
                signed_updates: Some(true),
            });
        }
        products.push(LoadedProduct {
            product: Product {
                id: format!("bench-{i:05}"),
                vendor,
                name: format!(
                    "Bench product {i}{}",
                    if fictional { " (fictional)" } else { "" }
                ),
                aliases: vec![],
                version: format!("1.{}", i % 7),
                functions: functions.clone(),
                fictional,
                sources: vec![],
                certifications: vec![],
                services: vec![],
                firmware,
                predecessor: None,
            },
            file: "generated".to_string(),
        });
    }
    let jobs = (0..n)
        .map(|i| Job {
            product: i,
            roles: roles.clone(),
        })
        .collect();
    (
        ProductSet {
            root: "generated".to_string(),
            products,
        },
        evidence,
        jobs,
    )
}

/// `n` products with vendors, functions, versions and scan evidence drawn from `seed`; also
/// the text of each product's scan report (by product), for writing.
fn varied_products(
    dossiers: &DossierSet,
    n: usize,
    seed: u64,
) -> (ProductSet, Evidence, Vec<Option<String>>) {
    let mut rng = Rng::new(seed);
    let vendors: Vec<&String> = dossiers.vendors.keys().collect();
    let mut evidence = Evidence::default();
    let mut products = Vec::with_capacity(n);
    let mut texts = Vec::with_capacity(n);
    for i in 0..n {
        let vendor = vendors[rng.below(vendors.len())].clone();
        let fictional = dossiers.vendors[&vendor].dossier.vendor.fictional;
        let mut functions: Vec<NetworkFunction> = (0..1 + rng.below(5))
            .map(|_| NetworkFunction::ALL[rng.below(NetworkFunction::ALL.len())])
            .collect();
        functions.sort();
        functions.dedup();
        let version = match rng.below(10) {
            0 => "*".to_string(),
            _ => format!("{}.{}", 1 + rng.below(12), rng.below(10)),
        };
        let id = format!("{vendor}-p{i:05}");
        let mut firmware = Vec::new();
        let mut text = None;
        if rng.below(10) == 0 {
            let sha = format!("{:016x}{:048x}", rng.next(), i);
            let mut scan: serde_json::Value =
                serde_json::from_str(SCANS[rng.below(SCANS.len())]).unwrap_or_else(|e| fail(e));
            scan["image"]["sha256"] = sha.clone().into();
            let json = netvet_model::json::to_canonical_string(&scan).unwrap_or_else(|e| fail(e));
            let report = Evidence::parse(&id, &json).unwrap_or_else(|d| fail(d));
            evidence.add(LoadedScan {
                report,
                file: format!("{id}.json"),
            });
            firmware.push(Firmware {
                image: format!("{id}.bin"),
                sha256: sha,
                signed_updates: Some(rng.below(2) == 0),
            });
            text = Some(json);
        }
        texts.push(text);
        products.push(LoadedProduct {
            product: Product {
                name: format!(
                    "{} product {i}{}",
                    dossiers.vendors[&vendor].dossier.vendor.name,
                    if fictional { " (fictional)" } else { "" }
                ),
                id,
                vendor,
                aliases: vec![],
                version,
                functions,
                fictional,
                // A record of a real vendor needs a source; this one says what it is.
                sources: if fictional {
                    vec![]
                } else {
                    vec![RecordSource {
                        reference: "bench".to_string(),
                        url: "doc:crates/policy/examples/bench_assess.rs".to_string(),
                        status: SourceStatus::Note,
                        note: Some(format!("generated benchmark product, seed {seed}")),
                    }]
                },
                certifications: vec![],
                services: vec![],
                firmware,
                predecessor: None,
            },
            file: "generated".to_string(),
        });
    }
    let products = ProductSet {
        root: "generated".to_string(),
        products,
    };
    (products, evidence, texts)
}

/// Writes the products as `DIR/products/<id>.toml` and their scan reports as
/// `DIR/evidence/<id>.json` (both directories emptied first).
fn write_inputs(dir: &Path, products: &ProductSet, scans: &[Option<String>]) -> Result<(), String> {
    let io = |p: &Path, e: std::io::Error| format!("{}: {e}", p.display());
    for sub in ["products", "evidence"] {
        let d = dir.join(sub);
        if d.exists() {
            std::fs::remove_dir_all(&d).map_err(|e| io(&d, e))?;
        }
        std::fs::create_dir_all(&d).map_err(|e| io(&d, e))?;
    }
    for (p, scan) in products.products.iter().zip(scans) {
        let path = dir.join("products").join(format!("{}.toml", p.product.id));
        let text = toml::to_string(&p.product).map_err(|e| format!("{}: {e}", p.product.id))?;
        std::fs::write(&path, text).map_err(|e| io(&path, e))?;
        if let Some(json) = scan {
            let path = dir.join("evidence").join(format!("{}.json", p.product.id));
            std::fs::write(&path, json).map_err(|e| io(&path, e))?;
        }
    }
    Ok(())
}

/// CPU time of this process (user + system) from /proc, in seconds; 0 where unavailable.
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // Fields after the command name (which is in parentheses), from the state: utime and stime
    // are the 12th and 13th, in clock ticks (100 per second on Linux).
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let tick = |i: usize| f.get(i).and_then(|x| x.parse::<f64>().ok()).unwrap_or(0.0);
    (tick(11) + tick(12)) / 100.0
}

fn fail(e: impl std::fmt::Display) -> ! {
    eprintln!("{e}");
    std::process::exit(2)
}
