//! Benchmark: N synthetic products × 30 roles under a catalogue (default de-2024).
//! `cargo run --release -p netvet-policy --example bench_assess -- [CATALOGUE] [PRODUCTS]`
//!
//! Products are generated in memory: each declares network functions covering 30 roles and
//! belongs to one of the built-in vendors; one in ten carries a scan report. Loading,
//! compiling and generating are timed apart from evaluation.

use std::time::Instant;

// The same allocator as the netvet binary: evaluation allocates many small values.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use netvet_model::{NetworkFunction, Product, Role};
use netvet_policy::evidence::{Evidence, LoadedScan};
use netvet_policy::products::{LoadedProduct, ProductSet};
use netvet_policy::{Catalogue, DossierSet, Evaluator, Inputs, Job, Limits};

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

    // 30 roles: the first 30 of the vocabulary, from the functions that give them.
    let nroles: usize = std::env::var("ROLES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(30);
    let roles: Vec<Role> = Role::all().take(nroles).collect();
    let functions: Vec<NetworkFunction> = {
        let mut f: Vec<NetworkFunction> = roles.iter().map(|r| r.function).collect();
        f.dedup();
        f
    };
    let template = include_str!("../../../examples/evidence/acme-gnb-4.2.json");
    let vendors: Vec<&String> = dossiers.vendors.keys().collect();
    let mut evidence = Evidence::default();
    let mut products = Vec::with_capacity(n);
    for i in 0..n {
        let vendor = vendors[i % vendors.len()].clone();
        let fictional = dossiers.vendors[&vendor].dossier.vendor.fictional;
        let mut firmware = Vec::new();
        if i % 10 == 0 {
            let sha = format!("{:064x}", i + 1);
            let mut report = Evidence::parse("bench", template).unwrap_or_else(|d| fail(d));
            report.image.sha256 = sha.clone();
            evidence.add(LoadedScan {
                report,
                file: format!("bench-{i}.json"),
            });
            firmware.push(netvet_model::Firmware {
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
            },
            file: "generated".to_string(),
        });
    }
    let products = ProductSet {
        root: "generated".to_string(),
        products,
    };
    let jobs: Vec<Job> = (0..n)
        .map(|i| Job {
            product: i,
            roles: roles.clone(),
        })
        .collect();
    let inputs = Inputs {
        dossiers: &dossiers,
        products: &products,
        evidence: &evidence,
        shares: None,
        as_of: "2025-06-30".parse().unwrap_or_else(|e: String| fail(e)),
    };

    let t = Instant::now();
    let cpu0 = cpu_seconds();
    let assessments = evaluator.run(&inputs, &jobs).unwrap_or_else(|e| fail(e));
    let eval = t.elapsed();
    let cpu = cpu_seconds() - cpu0;
    let evaluations = assessments.len();
    assert_eq!(evaluations, n * roles.len());
    let per = eval.as_secs_f64() / evaluations as f64;
    println!(
        "catalogue {} ({} requirements): {n} products x {} roles = {evaluations} product-role evaluations",
        cat.info.id,
        cat.requirements.len(),
        roles.len()
    );
    println!("load + compile: {:.3} s", load.as_secs_f64());
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
