//! A generated but realistic sample inventory, for the demo and the benchmarks: fictional
//! operators whose networks are built the way mobile networks are — cell sites in regions, each
//! with a base station and radio units from the region's RAN vendor, aggregation routers every
//! few sites, optical transport per region, core functions in data centres, element managers
//! per RAN vendor and region — from the product records of real vendors in `examples/products/`.
//! The vendor mixes are invented; the products, versions and functions are the records' own.
//! Deterministic: the same size and seed give the same rows.

use std::io::{self, Write};

/// One operator's make-up: RAN vendors by region, and the core, transport and management
/// vendors (product record ids).
struct OperatorPlan {
    name: &'static str,
    /// Share of the sample's cell sites.
    weight: u32,
    regions: &'static [(&'static str, RanVendor)],
    core: &'static [&'static str],
    transport: &'static [&'static str],
    optical: &'static [&'static str],
    management: &'static [&'static str],
}

/// A RAN vendor: its base-station record, and the radio-unit / CU / DU records used with it.
#[derive(Clone, Copy)]
struct RanVendor {
    vendor: &'static str,
    gnb: &'static str,
    /// An Open RAN split: CU/DU and RU records instead of integrated gNB radios.
    split: Option<(&'static str, &'static str)>,
    lte: Option<&'static str>,
    ems: &'static str,
}

impl RanVendor {
    /// Elements a cell site of this vendor has on average (see `write_csv`).
    fn elements_per_site(&self) -> f64 {
        match self.split {
            Some(_) => 1.0 + 1.0 / 8.0 + 3.0,
            None => {
                1.0 + if self.lte.is_some() { 0.5 } else { 0.0 }
                    + if self.vendor == "Samsung" { 1.0 } else { 0.0 }
            }
        }
    }
}

const HUAWEI: RanVendor = RanVendor {
    vendor: "Huawei",
    gnb: "huawei-5g-ran",
    split: None,
    lte: Some("huawei-lte-ran"),
    ems: "huawei-management",
};
const ERICSSON: RanVendor = RanVendor {
    vendor: "Ericsson",
    gnb: "ericsson-ran",
    split: None,
    lte: Some("ericsson-ran"),
    ems: "",
};
const NOKIA: RanVendor = RanVendor {
    vendor: "Nokia",
    gnb: "nokia-ran",
    split: None,
    lte: Some("nokia-ran"),
    ems: "",
};
const ZTE: RanVendor = RanVendor {
    vendor: "ZTE",
    gnb: "zte-5g-nr",
    split: None,
    lte: None,
    ems: "zte-management",
};
const SAMSUNG: RanVendor = RanVendor {
    vendor: "Samsung",
    gnb: "samsung-ran",
    split: None,
    lte: None,
    ems: "",
};
const OPEN_RAN: RanVendor = RanVendor {
    vendor: "Mavenir",
    gnb: "",
    split: Some(("mavenir-open-ran", "fujitsu-oran-radio")),
    lte: None,
    ems: "",
};

const OPERATORS: &[OperatorPlan] = &[
    OperatorPlan {
        name: "Nordnetz (fictional)",
        weight: 35,
        regions: &[
            ("North", HUAWEI),
            ("East", HUAWEI),
            ("West", ERICSSON),
            ("South", ERICSSON),
            ("Central", HUAWEI),
        ],
        core: &["huawei-5g-core", "ericsson-5g-core"],
        transport: &["huawei-transport", "nokia-ip-routing"],
        optical: &["huawei-transport"],
        management: &["huawei-management"],
    },
    OperatorPlan {
        name: "Südfunk (fictional)",
        weight: 30,
        regions: &[
            ("South", NOKIA),
            ("Central", NOKIA),
            ("West", ERICSSON),
            ("East", ZTE),
        ],
        core: &["nokia-5g-core"],
        transport: &["cisco-xhaul", "juniper-routing"],
        optical: &["nokia-optical"],
        management: &["zte-management"],
    },
    OperatorPlan {
        name: "Westlink (fictional)",
        weight: 20,
        regions: &[
            ("West", OPEN_RAN),
            ("North", SAMSUNG),
            ("Central", OPEN_RAN),
        ],
        core: &["samsung-5g-core", "cisco-ultra-cloud-core"],
        transport: &["juniper-routing", "nec-xhaul"],
        optical: &["ciena-packet-optical"],
        management: &["ciena-mcp"],
    },
    OperatorPlan {
        name: "Ostmobil (fictional)",
        weight: 15,
        regions: &[("East", ZTE), ("North", ZTE), ("South", NOKIA)],
        core: &["hpe-5g-core", "zte-zxun-uspp"],
        transport: &["zte-transport", "huawei-transport"],
        optical: &["zte-transport"],
        management: &["zte-management", "huawei-management"],
    },
];

/// The vendor name an inventory writes for a product record id.
fn vendor_of(product: &str) -> &'static str {
    match product.split('-').next().unwrap_or("") {
        "huawei" => "Huawei",
        "ericsson" => "Ericsson",
        "nokia" => "Nokia",
        "zte" => "ZTE",
        "samsung" => "Samsung",
        "mavenir" => "Mavenir",
        "fujitsu" => "Fujitsu",
        "cisco" => "Cisco",
        "juniper" => "Juniper Networks",
        "nec" => "NEC",
        "ciena" => "Ciena",
        "hpe" => "HPE",
        _ => "unknown",
    }
}

/// splitmix64: a small, good, deterministic generator (no dependency needed for a sample).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// Writes a CSV inventory of about `elements` rows (at least one site per region) and
/// returns the number of rows written.
pub fn write_csv(w: &mut impl Write, elements: u64, seed: u64) -> io::Result<u64> {
    writeln!(
        w,
        "operator,element_id,site,region,domain,function,vendor,product,version,installation_date,replacement_cost"
    )?;
    let mut rng = Rng(seed);
    let mut rows = 0u64;
    let weights: u32 = OPERATORS.iter().map(|o| o.weight).sum();
    for op in OPERATORS {
        // Sites enough for the operator's share of the rows: each region's RAN type gives its
        // elements per site (plus a quarter of a router); core, optical and managers add ~1 %.
        let per_site: f64 = op
            .regions
            .iter()
            .map(|(_, ran)| ran.elements_per_site() + 0.25)
            .sum::<f64>()
            / op.regions.len() as f64;
        let wanted = elements as f64 * f64::from(op.weight) / f64::from(weights);
        let sites = (wanted / per_site / 1.01).ceil() as u64;
        let per_region = sites.div_ceil(op.regions.len() as u64).max(1);
        let mut row = |w: &mut dyn Write,
                       rng: &mut Rng,
                       id: String,
                       site: &str,
                       region: &str,
                       domain: &str,
                       function: &str,
                       product: &str,
                       cost: u64|
         -> io::Result<()> {
            let year = 2017 + rng.below(8);
            let month = 1 + rng.below(12);
            let day = 1 + rng.below(28);
            // A tenth of the rows state no cost: the plan uses the function's default.
            let cost = if rng.below(10) == 0 {
                String::new()
            } else {
                (cost * (90 + rng.below(21)) / 100).to_string()
            };
            rows += 1;
            writeln!(
                w,
                "{},{id},{site},{region},{domain},{function},{},{product},{},{year}-{month:02}-{day:02},{cost}",
                op.name,
                vendor_of(product),
                version_of(product),
            )
        };
        for (r, (region, ran)) in op.regions.iter().enumerate() {
            let code = &region[..1];
            for s in 0..per_region {
                let site = format!("{code}{r}-S{s:05}");
                match ran.split {
                    Some((cudu, ru)) => {
                        row(
                            w,
                            &mut rng,
                            format!("{site}-du"),
                            &site,
                            region,
                            "RAN",
                            "DU",
                            cudu,
                            30_000,
                        )?;
                        if s % 8 == 0 {
                            row(
                                w,
                                &mut rng,
                                format!("{site}-cu"),
                                &site,
                                region,
                                "RAN",
                                "CU",
                                cudu,
                                60_000,
                            )?;
                        }
                        for k in 0..3 {
                            row(
                                w,
                                &mut rng,
                                format!("{site}-ru{k}"),
                                &site,
                                region,
                                "RAN",
                                "RU",
                                ru,
                                12_000,
                            )?;
                        }
                    }
                    None => {
                        row(
                            w,
                            &mut rng,
                            format!("{site}-gnb"),
                            &site,
                            region,
                            "RAN",
                            "gNB",
                            ran.gnb,
                            45_000,
                        )?;
                        if let Some(lte) = ran.lte.filter(|_| s % 2 == 0) {
                            row(
                                w,
                                &mut rng,
                                format!("{site}-enb"),
                                &site,
                                region,
                                "RAN",
                                "eNB",
                                lte,
                                35_000,
                            )?;
                        }
                        if ran.vendor == "Samsung" {
                            row(
                                w,
                                &mut rng,
                                format!("{site}-du"),
                                &site,
                                region,
                                "RAN",
                                "DU",
                                ran.gnb,
                                30_000,
                            )?;
                        }
                    }
                }
                // An aggregation router every four sites.
                if s % 4 == 0 {
                    let p = op.transport[(s / 4) as usize % op.transport.len()];
                    row(
                        w,
                        &mut rng,
                        format!("{site}-rtr"),
                        &site,
                        region,
                        "transport",
                        "router",
                        p,
                        40_000,
                    )?;
                }
            }
            // Optical transport and element managers per region.
            let hub = format!("{code}{r}-HUB");
            let optical = per_region.div_ceil(50).max(2);
            for k in 0..optical {
                let p = op.optical[k as usize % op.optical.len()];
                row(
                    w,
                    &mut rng,
                    format!("{hub}-otn{k:03}"),
                    &hub,
                    region,
                    "transport",
                    "optical",
                    p,
                    70_000,
                )?;
            }
            let ems = if ran.ems.is_empty() {
                op.management[r % op.management.len()]
            } else {
                ran.ems
            };
            let function = if ems.ends_with("mcp") {
                "SDN-controller"
            } else {
                "EMS"
            };
            for k in 0..per_region.div_ceil(400).max(1) {
                row(
                    w,
                    &mut rng,
                    format!("{hub}-ems{k:02}"),
                    &hub,
                    region,
                    "management",
                    function,
                    ems,
                    90_000,
                )?;
            }
        }
        // Core functions in data centres: a pair per 2,000 sites, at least two.
        let centres = sites.div_ceil(2000).max(2);
        for dc in 0..centres {
            let site = format!("DC-{dc:02}");
            let region = op.regions[dc as usize % op.regions.len()].0;
            let core = op.core[dc as usize % op.core.len()];
            let functions: &[(&str, u64)] = if core.ends_with("uspp") {
                &[("UDM", 220_000)]
            } else if core.starts_with("huawei") {
                &[
                    ("AMF", 250_000),
                    ("SMF", 200_000),
                    ("UPF", 180_000),
                    ("UDM", 220_000),
                    ("PCF", 150_000),
                ]
            } else {
                &[("AMF", 250_000), ("SMF", 200_000), ("UPF", 180_000)]
            };
            for (f, cost) in functions {
                for k in 0..2 {
                    let id = format!("{site}-{}-{k}", f.to_lowercase());
                    row(w, &mut rng, id, &site, region, "core", f, core, *cost)?;
                }
            }
            let nms = op.management[dc as usize % op.management.len()];
            if !nms.ends_with("mcp") {
                row(
                    w,
                    &mut rng,
                    format!("{site}-nms"),
                    &site,
                    region,
                    "management",
                    "NMS",
                    nms,
                    150_000,
                )?;
            }
        }
    }
    Ok(rows)
}

/// Product-line records (`version = "*"`) accept any version; the fictional records have one.
fn version_of(product: &str) -> &'static str {
    match product {
        p if p.starts_with("huawei") => "V100R021",
        p if p.starts_with("ericsson") => "23.Q4",
        p if p.starts_with("nokia") => "24R1",
        p if p.starts_with("zte") => "V5.65",
        _ => "2024.1",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_is_deterministic_sized_and_valid() {
        let mut a = Vec::new();
        let n = write_csv(&mut a, 5_000, 7).expect("write");
        let mut b = Vec::new();
        write_csv(&mut b, 5_000, 7).expect("write");
        assert_eq!(a, b);
        assert!((4_500..6_500).contains(&n), "{n} rows");
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("inv.csv");
        std::fs::write(&path, &a).expect("write");
        let summary =
            crate::read_inventory(&path, &crate::ReadOptions::default(), |_| {}).expect("read");
        assert_eq!(summary.rejected, 0, "{:?}", summary.errors.first());
        assert_eq!(summary.accepted, n);
    }
}
