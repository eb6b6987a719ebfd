//! Benchmark of the advisory index (run by `bench/vuln.sh`): generates advisories of the
//! same shape as the real ones (NVD CVE 2.0 files with CPE ranges, OSV Debian records), builds
//! an index from them plus the built-in real set, and matches generated components.
//!
//! `vuln_bench WORKDIR [ADVISORIES] [COMPONENTS]` (defaults 200000 and 10000). Prints one
//! `name value unit` line per measure. Generation is deterministic (fixed seed).

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

// The same allocator as the netvet binary.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use netvet_model::{Component, ComponentEvidence, ComponentType};
use netvet_vuln::advisory::Bounds;
use netvet_vuln::{Index, Matcher};
use serde_json::json;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn version(&mut self) -> String {
        format!("{}.{}.{}", self.below(10), self.below(30), self.below(50))
    }
}

/// Real products weigh more (the kernel has the most advisories, as in NVD).
const HEAVY: &[(&str, &str, u64)] = &[
    ("linux", "linux_kernel", 60),
    ("openssl", "openssl", 4),
    ("busybox", "busybox", 2),
    ("thekelleys", "dnsmasq", 1),
    ("haxx", "curl", 4),
];
const PRODUCTS: u64 = 20_000;
const PACKAGES: u64 = 5_000;

fn product(rng: &mut Rng) -> (String, String) {
    let r = rng.below(1000);
    let mut acc = 0;
    for (v, p, w) in HEAVY {
        acc += w;
        if r < acc {
            return (v.to_string(), p.to_string());
        }
    }
    let n = rng.below(PRODUCTS);
    (format!("vendor{}", n % 7000), format!("product{n}"))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let work = Path::new(args.get(1).map(String::as_str).unwrap_or("bench-work"));
    let total: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(200_000);
    let n_components: u64 = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(10_000);
    std::fs::create_dir_all(work.join("advisories"))?;
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);

    // VULN_BENCH_REUSE=1 keeps an index built by an earlier run (to time matching alone).
    let db = work.join("advisories.db");
    let reuse = std::env::var_os("VULN_BENCH_REUSE").is_some() && db.exists();
    if !reuse {
        build(work, total, &db, &mut rng)?;
    }
    match_components(work, &db, n_components)
}

fn build(
    work: &Path,
    total: u64,
    db: &Path,
    rng: &mut Rng,
) -> Result<(), Box<dyn std::error::Error>> {
    // 75 % NVD-shaped, 25 % OSV-shaped, in files of 10,000 records.
    let t = Instant::now();
    let real = netvet_vuln::builtin::FILES.len() as u64;
    let generated = total.saturating_sub(21);
    let n_nvd = generated * 3 / 4;
    let n_osv = generated - n_nvd;
    let mut files = Vec::new();
    let mut i = 0;
    while i < n_nvd {
        let batch: Vec<_> = (i..(i + 10_000).min(n_nvd))
            .map(|k| {
                let matches: Vec<_> = (0..1 + rng.below(4))
                    .map(|_| {
                        // As in NVD: a range per stable branch (>=M.m.0, <M.m.fix), sometimes
                        // only an upper bound (every earlier version).
                        let (v, p) = product(rng);
                        let (major, minor) = (rng.below(10), rng.below(30));
                        let fix = format!("{major}.{minor}.{}", 1 + rng.below(50));
                        let criteria = format!("cpe:2.3:a:{v}:{p}:*:*:*:*:*:*:*:*");
                        if rng.below(100) < if p == "linux_kernel" { 3 } else { 20 } {
                            json!({"vulnerable": true, "criteria": criteria, "versionEndExcluding": fix})
                        } else {
                            json!({"vulnerable": true, "criteria": criteria,
                                   "versionStartIncluding": format!("{major}.{minor}.0"), "versionEndExcluding": fix})
                        }
                    })
                    .collect();
                json!({"cve": {"id": format!("CVE-9{:03}-{k:07}", k % 997),
                    "descriptions": [{"lang": "en", "value": "Generated advisory of the shape of an NVD CVE 2.0 record."}],
                    "metrics": {"cvssMetricV31": [{"type": "Primary", "cvssData": {"baseScore": 7.5, "baseSeverity": "HIGH"}}]},
                    "configurations": [{"nodes": [{"operator": "OR", "negate": false, "cpeMatch": matches}]}],
                    "references": [{"url": "https://example.invalid/generated"}]}})
            })
            .collect();
        let path = work.join(format!("advisories/nvd-{i:07}.json"));
        std::fs::write(
            &path,
            serde_json::to_vec(
                &json!({"format": "NVD_CVE", "version": "2.0", "vulnerabilities": batch}),
            )?,
        )?;
        files.push(path);
        i += 10_000;
    }
    let mut i = 0;
    while i < n_osv {
        let batch: Vec<_> = (i..(i + 10_000).min(n_osv))
            .map(|k| {
                let name = format!("pkg{}", rng.below(PACKAGES));
                json!({"id": format!("DEBIAN-GEN-{k:07}"), "aliases": [format!("CVE-8{:03}-{k:07}", k % 997)],
                    "summary": "Generated advisory of the shape of an OSV Debian record.",
                    "affected": [{"package": {"ecosystem": "Debian:12", "name": name},
                        "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": format!("{}-{}", rng.version(), 1 + rng.below(5))}]}]}],
                    "references": [{"type": "ADVISORY", "url": "https://example.invalid/generated"}]})
            })
            .collect();
        let path = work.join(format!("advisories/osv-{i:07}.json"));
        std::fs::write(&path, serde_json::to_vec(&batch)?)?;
        files.push(path);
        i += 10_000;
    }
    println!("generate_seconds {:.2} s", t.elapsed().as_secs_f64());
    println!(
        "advisories {} (real {} files: 21 advisories; generated {generated})",
        21 + generated,
        real
    );

    // Build: a fresh index from the real set and every generated file.
    let _ = std::fs::remove_file(db);
    let t = Instant::now();
    let mut idx = Index::create(db)?;
    idx.bulk_mode()?;
    idx.import_builtin()?;
    for f in &files {
        idx.import(
            &f.display().to_string(),
            &std::fs::read(f)?,
            &Bounds::default(),
        )?;
    }
    drop(idx);
    println!("build_seconds {:.2} s", t.elapsed().as_secs_f64());
    println!("index_bytes {} B", std::fs::metadata(db)?.len());
    Ok(())
}

fn match_components(
    work: &Path,
    db: &Path,
    n_components: u64,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    // Components: 60 % binaries with CPEs, 40 % Debian packages.
    let components: Vec<Component> = (0..n_components)
        .map(|k| {
            let version = rng.version();
            let ev = vec![ComponentEvidence {
                path: format!("fw!/bin/c{k}"),
                cataloger: "bench".to_string(),
                confidence: 1.0,
            }];
            if rng.below(10) < 6 {
                let (v, p) = product(&mut rng);
                Component {
                    name: p.clone(),
                    version: Some(version.clone()),
                    kind: ComponentType::Binary,
                    purl: Some(format!("pkg:generic/{p}@{version}#{k}")),
                    cpes: vec![format!("cpe:2.3:a:{v}:{p}:{version}:*:*:*:*:*:*:*")],
                    end_of_support: None,
                    unsupported: false,
                    evidence: ev,
                    ecosystem: None,
                    source_package: None,
                    distro: None,
                    properties: BTreeMap::new(),
                }
            } else {
                let name = format!("pkg{}", rng.below(PACKAGES));
                let v = format!("{version}-1");
                Component {
                    name: name.clone(),
                    version: Some(v.clone()),
                    kind: ComponentType::Package,
                    purl: Some(format!("pkg:deb/debian/{name}@{v}?distro=debian-12#{k}")),
                    cpes: vec![],
                    end_of_support: None,
                    unsupported: false,
                    evidence: ev,
                    ecosystem: Some("Debian:12".to_string()),
                    source_package: None,
                    distro: Some("debian-12".to_string()),
                    properties: BTreeMap::new(),
                }
            }
        })
        .collect();
    std::fs::write(
        work.join("components.cdx.json"),
        serde_json::to_vec(&netvet_sbom_like(&components))?,
    )?;

    let t = Instant::now();
    let idx = Index::open(db)?;
    println!("open_seconds {:.3} s", t.elapsed().as_secs_f64());
    let (t, cpu) = (Instant::now(), cpu_seconds());
    let report = Matcher::new(&idx).match_all(&components)?;
    println!("match_seconds {:.3} s", t.elapsed().as_secs_f64());
    // The machine may be shared: CPU time is what the matching itself costs.
    println!("match_cpu_seconds {:.3} s", cpu_seconds() - cpu);
    println!("components {n_components}");
    println!("matches {}", report.vulnerabilities.len());
    println!("lookups {}", report.lookups);
    // Memory with the results held: peak, and now split into the heap and the mapped index
    // (with VULN_BENCH_REUSE the peak is that of matching alone).
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    for field in ["VmHWM", "RssAnon", "RssFile"] {
        if let Some(line) = status.lines().find(|l| l.starts_with(field)) {
            let kib = line[field.len() + 1..].trim();
            println!("{} {kib}", field.to_lowercase());
        }
    }
    Ok(())
}

/// User plus system CPU time of this process (Linux `/proc/self/stat`, 100 ticks a second).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, r)| r)
        .split_whitespace()
        .collect();
    let tick = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (tick(11) + tick(12)) / 100.0
}

/// A minimal CycloneDX document of the components (for timing `netvet vulns` end to end).
fn netvet_sbom_like(components: &[Component]) -> serde_json::Value {
    json!({
        "bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
        "components": components.iter().enumerate().map(|(i, c)| json!({
            "type": "library", "bom-ref": format!("c{i}"), "name": c.name, "version": c.version,
            "purl": c.purl.as_deref().map(|p| p.split('#').next().unwrap_or(p).to_string()),
            "cpe": c.cpes.first(),
        })).collect::<Vec<_>>(),
    })
}
