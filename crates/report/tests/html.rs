//! The HTML network report: escaping of untrusted strings, self-containment, determinism,
//! numbers that match the JSON, and (where Chromium is installed) what a browser renders.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use netvet_model::exposure::percent;
use netvet_model::{
    Capacity, CatalogueRef, ClassVerdict, Condition, Date, Decision, Dimension, Exposure,
    FunctionCost, Ground, InventoryRead, NetworkReport, OperatorExposure, Plan, PlanAssumptions,
    PlanStep, ProductRef, Quarter, QuarterLoad, Reason, ReplacementOption, Role, ShareRule,
    Shortfall, Slice, Status, UnmatchedClass, VendorShare,
};
use netvet_report::html;
use serde_json::Value;

const HOSTILE_OPERATOR: &str = "Evil<script>alert(1)</script> Telecom \"onmouseover=alert(1) x=\"";
const HOSTILE_VENDOR: &str = "acme-\"onmouseover=alert(2)";
const HOSTILE_VENDOR_NAME: &str = "Acme \"onmouseover=alert(2) <script>alert(1)</script>";
const HOSTILE_REGION: &str = "Nord\"><svg onload=alert(4)>";
const SCAN_SHA: &str = "3f5a9c0d1e2b4a6f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a392817";

// ---------------------------------------------------------------------------------------------
// A realistic network, built from rows so that every total agrees with its parts.

/// Elements of one vendor in one role and region at one operator, with their verdict.
struct Row {
    operator: &'static str,
    role: &'static str,
    region: &'static str,
    vendor: &'static str,
    /// `p` prohibited, `c` conditional, `a` allowed, `u` unassessed.
    status: char,
    elements: u64,
    past: u64,
    near: u64,
}

fn rows() -> Vec<Row> {
    let r = |operator, role, region, vendor, status, elements, past, near| Row {
        operator,
        role,
        region,
        vendor,
        status,
        elements,
        past,
        near,
    };
    let nord = "Nordwave Mobile";
    let evil = HOSTILE_OPERATOR;
    vec![
        r(nord, "RAN:gNB", "North", "huawei", 'p', 1200, 0, 0),
        r(nord, "RAN:gNB", "South", "ericsson", 'a', 2300, 0, 0),
        r(nord, "RAN:gNB", "North", "ericsson", 'a', 400, 0, 0),
        r(nord, "RAN:RU", "North", "huawei", 'p', 800, 0, 0),
        r(nord, "RAN:RU", "South", "nokia", 'c', 650, 0, 0),
        r(nord, "core:AMF", "Capital", "ericsson", 'a', 12, 0, 0),
        r(nord, "core:UPF", "Capital", "huawei", 'p', 24, 0, 24),
        r(nord, "core:UPF", "South", "nokia", 'a', 16, 0, 0),
        r(nord, "transport:router", "North", "zte", 'c', 300, 0, 0),
        r(nord, "transport:router", "South", "zte", 'c', 280, 0, 0),
        r(nord, "management:EMS", "Capital", "huawei", 'p', 3, 3, 0),
        r(evil, "RAN:gNB", HOSTILE_REGION, "huawei", 'p', 500, 0, 0),
        r(evil, "RAN:gNB", "Metro", HOSTILE_VENDOR, 'u', 120, 0, 0),
        r(evil, "RAN:gNB", "Metro", "nokia", 'a', 900, 0, 0),
        r(evil, "core:AMF", "Metro", "nokia", 'a', 6, 0, 0),
        r(evil, "core:SMF", "Metro", "nokia", 'a', 6, 0, 0),
        r(
            evil,
            "transport:router",
            "Metro",
            HOSTILE_VENDOR,
            'u',
            40,
            0,
            0,
        ),
        r(evil, "transport:router", "Metro", "ericsson", 'a', 60, 0, 0),
    ]
}

fn vendor_name(id: &str) -> (&'static str, bool) {
    match id {
        "huawei" => ("Huawei Technologies", true),
        "ericsson" => ("Ericsson", true),
        "nokia" => ("Nokia", true),
        "zte" => ("ZTE", true),
        _ => (HOSTILE_VENDOR_NAME, false),
    }
}

fn date(s: &str) -> Date {
    s.parse().expect("a date")
}

fn role(s: &str) -> Role {
    s.parse().expect("a role")
}

fn quarter(s: &str) -> Quarter {
    s.parse().expect("a quarter")
}

fn exposure(rows: &[&Row]) -> Exposure {
    let sum = |status: char| -> u64 {
        rows.iter()
            .filter(|r| r.status == status)
            .map(|r| r.elements)
            .sum()
    };
    let elements = rows.iter().map(|r| r.elements).sum();
    let (prohibited, conditional) = (sum('p'), sum('c'));
    Exposure {
        elements,
        allowed: sum('a'),
        conditional,
        prohibited,
        unassessed: sum('u'),
        past_deadline: rows.iter().map(|r| r.past).sum(),
        near_deadline: rows.iter().map(|r| r.near).sum(),
        prohibited_percent: percent(prohibited, elements),
        conditional_percent: percent(conditional, elements),
    }
}

fn slice(dimension: Dimension, key: String, rows: &[&Row]) -> Slice {
    let exposure = exposure(rows);
    let mut by_vendor: BTreeMap<&str, Vec<&Row>> = BTreeMap::new();
    for r in rows {
        by_vendor.entry(r.vendor).or_default().push(r);
    }
    let mut vendors: Vec<VendorShare> = by_vendor
        .into_iter()
        .map(|(vendor, rs)| {
            let e = self::exposure(&rs);
            let (name, known) = vendor_name(vendor);
            VendorShare {
                vendor: vendor.to_owned(),
                vendor_name: name.to_owned(),
                known,
                elements: e.elements,
                share_percent: percent(e.elements, exposure.elements),
                prohibited: e.prohibited,
                conditional: e.conditional,
            }
        })
        .collect();
    vendors.sort_by(|a, b| b.elements.cmp(&a.elements).then(a.vendor.cmp(&b.vendor)));
    let total = exposure.elements as f64;
    let hhi: f64 = vendors
        .iter()
        .map(|v| (v.elements as f64 * 100.0 / total).powi(2))
        .sum();
    let single_vendor =
        (vendors.len() == 1 && exposure.elements >= 2).then(|| vendors[0].vendor.clone());
    Slice {
        dimension,
        key,
        exposure,
        vendors,
        hhi: (hhi * 10.0).round() / 10.0,
        single_vendor,
    }
}

fn operator(name: &str, rows: &[Row]) -> OperatorExposure {
    let mine: Vec<&Row> = rows.iter().filter(|r| r.operator == name).collect();
    let mut slices = Vec::new();
    type KeyOf = fn(&Row) -> String;
    let cuts: [(Dimension, KeyOf); 3] = [
        (Dimension::Domain, |r| role(r.role).domain.to_string()),
        (Dimension::Function, |r| role(r.role).to_string()),
        (Dimension::Region, |r| r.region.to_owned()),
    ];
    for (dimension, key_of) in cuts {
        let mut groups: BTreeMap<String, Vec<&Row>> = BTreeMap::new();
        for r in &mine {
            groups.entry(key_of(r)).or_default().push(r);
        }
        slices.extend(
            groups
                .into_iter()
                .map(|(key, rs)| slice(dimension, key, &rs)),
        );
    }
    let prohibited: u64 = mine
        .iter()
        .filter(|r| r.status == 'p')
        .map(|r| r.elements)
        .sum();
    OperatorExposure {
        operator: name.to_owned(),
        exposure: exposure(&mine),
        prohibited_cost: 27_345_600.5,
        prohibited_without_cost: prohibited.min(3),
        slices,
    }
}

fn product(id: &str, vendor: &str, name: &str, version: &str) -> ProductRef {
    ProductRef {
        id: id.to_owned(),
        vendor: vendor.to_owned(),
        vendor_name: vendor_name(vendor).0.to_owned(),
        name: name.to_owned(),
        version: version.to_owned(),
        fictional: true,
    }
}

fn prohibited(p: ProductRef, r: &str, deadline: &str, elements: u64) -> ClassVerdict {
    ClassVerdict {
        product: p,
        role: role(r),
        licences: vec![],
        decision: Decision::Prohibit,
        deadline: Some(date(deadline)),
        legal_basis: vec![
            "BSIG §41(2)".to_owned(),
            "EU 5G Toolbox TM03 <high-risk supplier>".to_owned(),
        ],
        grounds: vec![Ground {
            requirement: "de-hrv-critical-functions".to_owned(),
            status: Status::Fail,
            legal_basis: "BSIG §41(2)".to_owned(),
            effective: date(deadline),
            licences: vec![],
        }],
        conditions: vec![],
        evidence_needed: vec![],
        reasons: vec![Reason {
            message: "Vendor is subject to a third-country state's direction (National \
                      Intelligence Law art. 7) & operates <critical> functions"
                .to_owned(),
            evidence: vec![
                "dossier:huawei:H14".to_owned(),
                "dossier:huawei:H3".to_owned(),
                format!("scan:{SCAN_SHA}:finding:accounts-9f2e"),
            ],
        }],
        elements,
    }
}

fn allowed(p: ProductRef, r: &str, elements: u64) -> ClassVerdict {
    ClassVerdict {
        product: p,
        role: role(r),
        licences: vec![],
        decision: Decision::Allow,
        deadline: None,
        legal_basis: vec![],
        grounds: vec![],
        conditions: vec![],
        evidence_needed: vec![],
        reasons: vec![],
        elements,
    }
}

fn conditional(p: ProductRef, r: &str, elements: u64) -> ClassVerdict {
    let id = p.id.clone();
    ClassVerdict {
        product: p,
        role: role(r),
        licences: vec![],
        decision: Decision::AllowWithConditions,
        deadline: None,
        legal_basis: vec!["TKG §165(4)".to_owned()],
        grounds: vec![Ground {
            requirement: "nesas-certificate".to_owned(),
            status: Status::Unknown,
            legal_basis: "TKG §165(4)".to_owned(),
            effective: date("2026-01-01"),
            licences: vec![],
        }],
        conditions: vec![Condition {
            requirement: "nesas-certificate".to_owned(),
            text: "A current NESAS/SCAS certificate must be on file".to_owned(),
            deadline: Some(date("2027-03-31")),
        }],
        evidence_needed: vec![],
        reasons: vec![Reason {
            message: "No certificate in the product record; the vendor's page says one is \
                      'pending'"
                .to_owned(),
            evidence: vec![
                format!("product:{id}:certification:0"),
                "https://evil.example/payload.js".to_owned(),
                "javascript:alert(1)".to_owned(),
            ],
        }],
        elements,
    }
}

/// Replacement cost per element by role.
fn unit_cost(r: &str) -> f64 {
    match r {
        "RAN:gNB" => 18_500.0,
        "RAN:RU" => 4_200.5,
        "core:UPF" => 250_000.0,
        _ => 15_000.0,
    }
}

fn plan() -> Plan {
    let nord = "Nordwave Mobile";
    let evil = HOSTILE_OPERATOR;
    let step = |q: &str, op: &str, r: &str, to: &str, elements: u64, deadline: &str| PlanStep {
        quarter: quarter(q),
        operator: op.to_owned(),
        role: role(r),
        from_vendor: "huawei".to_owned(),
        to_vendor: to.to_owned(),
        elements,
        cost: unit_cost(r) * elements as f64,
        deadline: date(deadline),
    };
    let mut steps = vec![
        step(
            "2026-Q3",
            nord,
            "management:EMS",
            "ericsson",
            3,
            "2026-03-31",
        ),
        step("2026-Q3", nord, "core:UPF", "nokia", 12, "2026-12-31"),
        step("2026-Q4", nord, "core:UPF", "nokia", 12, "2026-12-31"),
    ];
    for q in ["2027-Q1", "2027-Q2", "2027-Q3", "2027-Q4"] {
        steps.push(step(q, nord, "RAN:gNB", "ericsson", 300, "2027-12-31"));
    }
    for q in ["2026-Q4", "2027-Q1", "2027-Q2", "2027-Q3"] {
        steps.push(step(q, nord, "RAN:RU", "nokia", 200, "2027-12-31"));
    }
    for q in ["2027-Q1", "2027-Q2"] {
        steps.push(step(q, evil, "RAN:gNB", "nokia", 250, "2027-12-31"));
    }
    steps.sort_by(|a, b| {
        (a.quarter, &a.operator, a.role, &a.from_vendor, &a.to_vendor).cmp(&(
            b.quarter,
            &b.operator,
            b.role,
            &b.from_vendor,
            &b.to_vendor,
        ))
    });
    let (start, end) = (quarter("2026-Q3"), quarter("2027-Q4"));
    let mut quarters = Vec::new();
    for op in [evil, nord] {
        for n in 0..=start.until(end) {
            let q = start.plus(n as u32);
            let mine = steps.iter().filter(|s| s.quarter == q && s.operator == op);
            let (elements, cost) = mine.fold((0, 0.0), |(e, c), s| (e + s.elements, c + s.cost));
            quarters.push(QuarterLoad {
                quarter: q,
                operator: op.to_owned(),
                elements,
                cost,
                crew_capacity: (op == nord).then_some(600),
                budget: (op == evil).then_some(5_000_000.0),
            });
        }
    }
    quarters.sort_by(|a, b| (a.quarter, &a.operator).cmp(&(b.quarter, &b.operator)));
    let total_cost = steps.iter().map(|s| s.cost).sum();
    Plan {
        feasible: true,
        start,
        end,
        elements: steps.iter().map(|s| s.elements).sum(),
        total_cost,
        lower_bound: total_cost,
        overdue: 3,
        steps,
        quarters,
        shortfalls: vec![],
        assumptions: PlanAssumptions {
            default_costs: vec![FunctionCost {
                function: "gNB".parse().expect("a function"),
                cost: 18_500.0,
            }],
            capacities: vec![
                Capacity {
                    operator: evil.to_owned(),
                    elements_per_quarter: None,
                    budget_per_quarter: Some(5_000_000.0),
                },
                Capacity {
                    operator: nord.to_owned(),
                    elements_per_quarter: Some(600),
                    budget_per_quarter: None,
                },
            ],
            replacements: vec![
                ReplacementOption {
                    role: role("RAN:gNB"),
                    vendor: "ericsson".to_owned(),
                    price_factor: 1.0,
                },
                ReplacementOption {
                    role: role("RAN:gNB"),
                    vendor: "nokia".to_owned(),
                    price_factor: 1.15,
                },
            ],
            max_vendor_share_percent: Some(60.0),
        },
    }
}

fn report() -> NetworkReport {
    let rows = rows();
    let all: Vec<&Row> = rows.iter().collect();
    let mut names: Vec<&str> = rows.iter().map(|r| r.operator).collect();
    names.sort();
    names.dedup();
    let mut verdicts = vec![
        prohibited(
            product("huawei-bts5900", "huawei", "BTS5900 <gNodeB>", "V100R016"),
            "RAN:gNB",
            "2027-12-31",
            1700,
        ),
        prohibited(
            product("huawei-aau5613", "huawei", "AAU5613", "V100R016"),
            "RAN:RU",
            "2027-12-31",
            800,
        ),
        prohibited(
            product("huawei-unc", "huawei", "UNC", "20.9"),
            "core:UPF",
            "2026-12-31",
            24,
        ),
        prohibited(
            product("huawei-u2020", "huawei", "iMaster MAE (U2020)", "22.1"),
            "management:EMS",
            "2026-03-31",
            3,
        ),
        allowed(
            product("ericsson-ran", "ericsson", "Radio System 6630", "23.Q4"),
            "RAN:gNB",
            2700,
        ),
        allowed(
            product("ericsson-core", "ericsson", "Dual-mode 5G Core", "1.14"),
            "core:AMF",
            12,
        ),
        allowed(
            product("ericsson-router", "ericsson", "Router 6675", "22.2"),
            "transport:router",
            60,
        ),
        conditional(
            product("nokia-airscale", "nokia", "AirScale RU", "24R1"),
            "RAN:RU",
            650,
        ),
        allowed(
            product("nokia-airscale", "nokia", "AirScale", "24R1"),
            "RAN:gNB",
            900,
        ),
        allowed(
            product("nokia-core", "nokia", "Cloud Packet Core", "23.10"),
            "core:UPF",
            16,
        ),
        conditional(
            product("zte-zxr10", "zte", "ZXR10 M6000", "5.00"),
            "transport:router",
            580,
        ),
    ];
    verdicts.sort_by(|a, b| (&a.product.id, a.role).cmp(&(&b.product.id, b.role)));
    NetworkReport {
        schema: netvet_model::exposure::NETWORK_SCHEMA.to_owned(),
        catalogue: CatalogueRef {
            id: "de-5g-critical".to_owned(),
            version: "2026.1".to_owned(),
            title: "German 5G critical components (BSIG §41) <draft>".to_owned(),
            jurisdiction: "DE".to_owned(),
            effective: date("2026-01-01"),
            layers: vec!["eu-5g-toolbox".to_owned(), "de-5g-critical".to_owned()],
        },
        as_of: date("2026-06-30"),
        near_days: 365,
        inventory: InventoryRead {
            file: "inventories/nordwave-2026Q2.csv".to_owned(),
            rows: 18_412,
            accepted: 18_408,
            rejected: 4,
            classes: 17,
        },
        totals: exposure(&all),
        operators: names.iter().map(|n| operator(n, &rows)).collect(),
        verdicts,
        share_rules: vec![
            ShareRule {
                requirement: "ran-vendor-cap".to_owned(),
                title: "No vendor above 60 % of an operator's RAN".to_owned(),
                product: "ericsson-ran".to_owned(),
                vendor: "ericsson".to_owned(),
                role: role("RAN:gNB"),
                status: Status::Fail,
                reasons: vec![Reason {
                    message: "Ericsson holds 64.6 % of Nordwave Mobile's RAN".to_owned(),
                    evidence: vec!["inventory:operator:Nordwave Mobile:domain:RAN".to_owned()],
                }],
            },
            ShareRule {
                requirement: "transport-diversity".to_owned(),
                title: "At least two transport vendors".to_owned(),
                product: "zte-zxr10".to_owned(),
                vendor: "zte".to_owned(),
                role: role("transport:router"),
                status: Status::Unknown,
                reasons: vec![Reason {
                    message: "Single vendor in transport:router".to_owned(),
                    evidence: vec![],
                }],
            },
        ],
        unassessed: vec![
            UnmatchedClass {
                vendor: HOSTILE_VENDOR.to_owned(),
                product: "<script>alert(1)</script>".to_owned(),
                version: "1.0'".to_owned(),
                function: "gNB".parse().expect("a function"),
                elements: 120,
            },
            UnmatchedClass {
                vendor: HOSTILE_VENDOR.to_owned(),
                product: "EdgeRouter \"X\"".to_owned(),
                version: "2.0".to_owned(),
                function: "router".parse().expect("a function"),
                elements: 40,
            },
        ],
        plan: Some(plan()),
        warnings: vec![
            "4 rows rejected: see the inventory check".to_owned(),
            "row 17: unknown function \"<script>alert(1)</script>\"".to_owned(),
        ],
    }
}

/// The same network when the capacities cannot meet the deadlines.
fn infeasible_report() -> NetworkReport {
    let mut r = report();
    let Some(p) = r.plan.as_mut() else {
        panic!("the report has a plan")
    };
    p.feasible = false;
    p.lower_bound = p.total_cost;
    p.total_cost = 0.0;
    p.steps.clear();
    for q in &mut p.quarters {
        q.elements = 0;
        q.cost = 0.0;
    }
    p.shortfalls = vec![
        Shortfall {
            operator: "Nordwave Mobile".to_owned(),
            resource: "crews".to_owned(),
            by: Some(quarter("2027-Q4")),
            needed: 2027.0,
            available: 1200.0,
            message: "2,027 elements are due by 2027-12-31; crews can replace 1,200".to_owned(),
        },
        Shortfall {
            operator: HOSTILE_OPERATOR.to_owned(),
            resource: "budget".to_owned(),
            by: Some(quarter("2027-Q2")),
            needed: 9_250_000.0,
            available: 5_000_000.5,
            message: "<script>alert(1)</script> budget short".to_owned(),
        },
    ];
    r
}

/// The same network with more steps than the table shows.
fn long_plan_report() -> NetworkReport {
    let mut r = report();
    let Some(p) = r.plan.as_mut() else {
        panic!("the report has a plan")
    };
    let template = p.steps[0].clone();
    p.steps = (0..1234)
        .map(|n| PlanStep {
            elements: 1 + n % 7,
            cost: 1000.0 + n as f64,
            ..template.clone()
        })
        .collect();
    r
}

// ---------------------------------------------------------------------------------------------
// A small HTML tag reader: enough for the page we write and for Chromium's serialisation.

#[derive(Debug)]
struct Tag {
    name: String,
    attrs: Vec<(String, String)>,
    /// The text right after the tag, up to the next tag.
    text: String,
}

impl Tag {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
}

/// Every start tag, with its attributes (unescaped) and the text that follows it.
fn tags(html: &str) -> Vec<Tag> {
    let b = html.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(off) = html[i..].find('<') {
        i += off + 1;
        match b.get(i) {
            Some(b'!') | Some(b'/') | Some(b'?') => {
                i += html[i..].find('>').map_or(html.len() - i, |n| n + 1);
                continue;
            }
            Some(c) if c.is_ascii_alphabetic() => {}
            _ => continue,
        }
        let start = i;
        while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'-') {
            i += 1;
        }
        let name = html[start..i].to_ascii_lowercase();
        let mut attrs = Vec::new();
        loop {
            while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b'/') {
                i += 1;
            }
            if i >= b.len() || b[i] == b'>' {
                i += 1;
                break;
            }
            let a = i;
            while i < b.len() && !b[i].is_ascii_whitespace() && !matches!(b[i], b'=' | b'>' | b'/')
            {
                i += 1;
            }
            let attr = html[a..i].to_ascii_lowercase();
            let mut value = String::new();
            if b.get(i) == Some(&b'=') {
                i += 1;
                match b.get(i) {
                    Some(&q) if q == b'"' || q == b'\'' => {
                        let end = html[i + 1..]
                            .find(q as char)
                            .map_or(html.len(), |n| i + 1 + n);
                        value = unescape(&html[i + 1..end]);
                        i = end + 1;
                    }
                    _ => {
                        let v = i;
                        while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' {
                            i += 1;
                        }
                        value = unescape(&html[v..i]);
                    }
                }
            }
            attrs.push((attr, value));
        }
        let i_clamped = i.min(html.len());
        let text_end = html[i_clamped..]
            .find('<')
            .map_or(html.len(), |n| i_clamped + n);
        out.push(Tag {
            name,
            attrs,
            text: unescape(&html[i_clamped..text_end]),
        });
        i = i_clamped;
    }
    out
}

/// The value at a dotted path of the JSON (`operators.1.slices.0.hhi`).
fn json_at<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    key.split('.').try_fold(v, |v, seg| match v {
        Value::Array(a) => seg.parse::<usize>().ok().and_then(|i| a.get(i)),
        Value::Object(m) => m.get(seg),
        _ => None,
    })
}

/// Checks every `data-key` of the page against the JSON of the report: `data-value` exactly,
/// the visible text as rounded for display (with thousands separators). Returns the keys seen.
fn check_keys(html: &str, report: &NetworkReport) -> BTreeSet<String> {
    let json = serde_json::to_value(report).expect("the report serialises");
    let mut seen = BTreeSet::new();
    for tag in tags(html) {
        let Some(key) = tag.attr("data-key") else {
            continue;
        };
        let value = tag
            .attr("data-value")
            .unwrap_or_else(|| panic!("{key}: no data-value"));
        let expected = json_at(&json, key).unwrap_or_else(|| panic!("{key}: not in the JSON"));
        match expected {
            Value::Bool(b) => assert_eq!(value, b.to_string(), "{key}"),
            Value::Number(n) if n.is_u64() => {
                let n = n.as_u64().expect("u64");
                assert_eq!(value, n.to_string(), "{key}");
                let text = tag.text.trim();
                if !text.is_empty() {
                    let shown = text.split(' ').next().unwrap_or_default();
                    assert_eq!(
                        shown.replace(',', ""),
                        n.to_string(),
                        "{key}: text {text:?}"
                    );
                    if n >= 1000 {
                        assert!(shown.contains(','), "{key}: {text:?} has no separator");
                    }
                }
            }
            Value::Number(n) => {
                let n = n.as_f64().expect("f64");
                let parsed: f64 = value.parse().unwrap_or_else(|_| panic!("{key}: {value:?}"));
                assert_eq!(parsed, n, "{key}");
                let text = tag.text.trim();
                if !text.is_empty() {
                    let shown = text.split(' ').next().unwrap_or_default();
                    let shown: f64 = shown
                        .trim_end_matches('%')
                        .replace(',', "")
                        .parse()
                        .unwrap_or_else(|_| panic!("{key}: text {text:?}"));
                    assert!((shown - n).abs() <= 0.5, "{key}: text {text:?} for {n}");
                }
            }
            other => panic!("{key}: not a number or flag: {other}"),
        }
        seen.insert(key.to_owned());
    }
    seen
}

const SECTIONS: [&str; 9] = [
    "summary",
    "vendor-shares",
    "regions",
    "functions",
    "plan",
    "verdicts",
    "share-rules",
    "unassessed",
    "warnings",
];

fn assert_has_sections(html: &str) {
    let ids: BTreeSet<String> = tags(html)
        .into_iter()
        .filter(|t| t.name == "section")
        .filter_map(|t| t.attr("id").map(str::to_owned))
        .collect();
    for s in SECTIONS {
        assert!(ids.contains(s), "section {s} missing; have {ids:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// The page

#[test]
fn escapes_every_string_from_the_inventory() {
    for r in [report(), infeasible_report()] {
        let page = html::network(&r);
        let lower = page.to_ascii_lowercase();
        assert!(!lower.contains("<script"), "a raw <script> in the page");
        assert!(!lower.contains("<svg onload"));
        assert!(!page.contains("\"onmouseover="));
        assert!(!page.contains("<critical>") && !page.contains("<gNodeB>"));
        assert!(page.contains(
            "Evil&lt;script&gt;alert(1)&lt;/script&gt; Telecom &quot;onmouseover=alert(1) x=&quot;"
        ));
        assert!(
            page.contains("Acme &quot;onmouseover=alert(2) &lt;script&gt;alert(1)&lt;/script&gt;")
        );
        assert!(page.contains("Nord&quot;&gt;&lt;svg onload=alert(4)&gt;"));
        assert!(page.contains("1.0&#39;"));
        for tag in tags(&page) {
            for (name, _) in &tag.attrs {
                assert!(
                    !name.starts_with("on"),
                    "event handler {name} on <{}>",
                    tag.name
                );
            }
            assert!(
                !matches!(
                    tag.name.as_str(),
                    "script"
                        | "iframe"
                        | "object"
                        | "embed"
                        | "img"
                        | "base"
                        | "form"
                        | "link"
                        | "image"
                        | "use"
                        | "foreignobject"
                ),
                "<{}> in the page",
                tag.name
            );
        }
        // Ids are ours: letters, digits and dashes.
        for tag in tags(&page) {
            if let Some(id) = tag.attr("id") {
                assert!(
                    id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'),
                    "id {id:?}"
                );
            }
        }
    }
}

#[test]
fn loads_nothing_from_outside() {
    let page = html::network(&report());
    for tag in tags(&page) {
        for (name, value) in &tag.attrs {
            match name.as_str() {
                "src" | "srcset" | "xlink:href" | "action" | "formaction" | "poster"
                | "background" | "ping" | "data" => panic!("<{} {name}={value:?}>", tag.name),
                "href" => assert!(value.starts_with('#'), "<{} href={value:?}>", tag.name),
                "style" => assert!(
                    value.starts_with("background:#") && !value.contains("url"),
                    "style {value:?}"
                ),
                _ => {}
            }
            let v = value.to_ascii_lowercase();
            if name != "content" && name != "title" {
                assert!(
                    !v.contains("http://") && !v.contains("https://") && !v.starts_with("//"),
                    "<{} {name}={value:?}>",
                    tag.name
                );
            }
        }
        if tag.name == "meta" && tag.attr("http-equiv").is_some() {
            assert_eq!(tag.attr("http-equiv"), Some("Content-Security-Policy"));
        }
    }
    let lower = page.to_ascii_lowercase();
    assert!(!lower.contains("<link"));
    assert!(!lower.contains("<script"));
    assert!(!lower.contains("@import"));
    assert!(!lower.contains("@font-face"));
    for (at, _) in lower.match_indices("url(") {
        assert!(lower[at..].starts_with("url(#"), "url() at {at}");
    }
    // URLs of the evidence are shown as text.
    assert!(page.contains("<code class=\"evidence\">https://evil.example/payload.js</code>"));
    assert!(page.contains("<code class=\"evidence\">javascript:alert(1)</code>"));
    assert!(page.contains("default-src &#39;none&#39;") || page.contains("default-src 'none'"));
}

#[test]
fn same_report_gives_same_bytes() {
    for r in [report(), infeasible_report(), long_plan_report()] {
        let a = html::network(&r);
        let b = html::network(&r.clone());
        assert_eq!(a, b);
        let round: NetworkReport =
            serde_json::from_str(&serde_json::to_string(&r).expect("json")).expect("parse");
        assert_eq!(
            html::network(&round),
            a,
            "a JSON round trip changes nothing"
        );
    }
}

#[test]
fn key_numbers_equal_the_reports_numbers() {
    let r = report();
    let page = html::network(&r);
    let seen = check_keys(&page, &r);
    let json = serde_json::to_value(&r).expect("json");
    let must = [
        "totals.elements",
        "totals.prohibited",
        "totals.conditional",
        "totals.allowed",
        "totals.unassessed",
        "totals.past_deadline",
        "totals.near_deadline",
        "totals.prohibited_percent",
        "totals.conditional_percent",
        "inventory.rows",
        "inventory.accepted",
        "inventory.rejected",
        "near_days",
        "operators.0.exposure.prohibited",
        "operators.1.exposure.prohibited",
        "operators.1.exposure.elements",
        "operators.1.prohibited_cost",
        "operators.1.prohibited_without_cost",
        "plan.feasible",
        "plan.total_cost",
        "plan.lower_bound",
        "plan.elements",
        "plan.overdue",
        "plan.steps.0.elements",
        "plan.steps.0.cost",
        "verdicts.0.elements",
        "unassessed.0.elements",
        "unassessed.1.elements",
    ];
    for k in must {
        assert!(seen.contains(k), "{k} not on the page");
    }
    // Every vendor bar, every slice's HHI, every non-empty quarter of the plan.
    for (i, op) in r.operators.iter().enumerate() {
        for (j, s) in op.slices.iter().enumerate() {
            assert!(
                seen.contains(&format!("operators.{i}.slices.{j}.hhi"))
                    || s.dimension == Dimension::Region
            );
            assert!(seen.contains(&format!("operators.{i}.slices.{j}.exposure.elements")));
            for k in 0..s.vendors.len() {
                let field = match s.dimension {
                    Dimension::Domain => "elements",
                    Dimension::Function => "share_percent",
                    Dimension::Region => continue,
                };
                assert!(seen.contains(&format!("operators.{i}.slices.{j}.vendors.{k}.{field}")));
            }
        }
    }
    let plan = r.plan.as_ref().expect("a plan");
    for (k, q) in plan.quarters.iter().enumerate() {
        assert_eq!(
            seen.contains(&format!("plan.quarters.{k}.elements")),
            q.elements > 0,
            "quarter {k}"
        );
    }
    for k in 0..r.verdicts.len() {
        assert!(seen.contains(&format!("verdicts.{k}.elements")));
    }
    // And the exact cells the brief names.
    let cell = |key: &str| {
        let at = page
            .find(&format!("data-key=\"{key}\""))
            .unwrap_or_else(|| panic!("{key}"));
        page[at..]
            .split('>')
            .nth(1)
            .and_then(|t| t.split('<').next())
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(json["totals"]["prohibited"], 2527);
    assert_eq!(cell("totals.prohibited"), "2,527");
    assert_eq!(cell("totals.elements"), "7,617");
    // Money in whole units; a lone sum says its currency, a column says it in its heading.
    assert_eq!(cell("plan.total_cost"), "40,855,400 EUR");
    assert_eq!(cell("operators.1.prohibited_cost"), "27,345,601");
    assert!(page.contains("Cost of prohibited (EUR)"));
    let usd = html::network_in(&r, "USD");
    assert!(usd.contains(">40,855,400 USD<") && usd.contains("Cost of prohibited (USD)"));
    assert_eq!(cell("totals.prohibited_percent"), "33.2%");
}

#[test]
fn vendor_bars_carry_vendor_elements_and_a_tooltip() {
    let r = report();
    let page = html::network(&r);
    let all = tags(&page);
    let bars: Vec<&Tag> = all
        .iter()
        .filter(|t| {
            t.name == "rect" && t.attr("data-elements").is_some() && t.attr("data-vendor").is_some()
        })
        .collect();
    let nord = &r.operators[1];
    let ran = nord
        .slices
        .iter()
        .position(|s| s.dimension == Dimension::Domain && s.key == "RAN")
        .expect("a RAN slice");
    let huawei = bars
        .iter()
        .find(|t| {
            t.attr("data-key") == Some(&format!("operators.1.slices.{ran}.vendors.1.elements"))
        })
        .expect("Huawei's RAN bar at Nordwave");
    assert_eq!(huawei.attr("data-vendor"), Some("huawei"));
    assert_eq!(huawei.attr("data-elements"), Some("2000"));
    assert_eq!(huawei.attr("data-prohibited"), Some("2000"));
    let title_at = page
        .find("Huawei Technologies in RAN: 2,000 elements (37.4% of the slice); 2,000 prohibited")
        .expect("a tooltip");
    assert!(page[..title_at].ends_with("<title>"));
    // The prohibited part is hatched; the hostile vendor's bar names it escaped.
    assert!(page.contains("fill=\"url(#hatch-1)\""));
    assert!(
        bars.iter()
            .any(|t| t.attr("data-vendor") == Some(HOSTILE_VENDOR))
    );
    // Single-vendor slices are flagged: Nordwave's transport (ZTE), the hostile operator's core.
    let flags: Vec<&str> = all
        .iter()
        .filter_map(|t| t.attr("data-single-vendor"))
        .collect();
    assert!(flags.contains(&"zte"), "{flags:?}");
    assert!(flags.contains(&"nokia"), "{flags:?}");
    // Region bars by status.
    let region = all
        .iter()
        .find(|t| t.name == "rect" && t.attr("data-status") == Some("prohibited"))
        .expect("a prohibited region bar");
    assert!(region.attr("data-elements").is_some());
}

#[test]
fn verdicts_have_anchors_evidence_and_a_table_of_contents() {
    let r = report();
    let page = html::network(&r);
    let all = tags(&page);
    let ids: BTreeSet<&str> = all.iter().filter_map(|t| t.attr("id")).collect();
    assert!(ids.contains("verdict-huawei-bts5900-ran-gnb"), "{ids:?}");
    assert!(ids.contains("verdict-nokia-airscale-ran-ru"));
    assert!(ids.contains("verdict-nokia-airscale-ran-gnb"));
    assert_eq!(
        all.iter()
            .filter(|t| t.attr("id").is_some_and(|i| i.starts_with("verdict-")))
            .count(),
        r.verdicts.len()
    );
    // Every link is internal and lands on an id of the page.
    let hrefs: Vec<&str> = all.iter().filter_map(|t| t.attr("href")).collect();
    for h in &hrefs {
        let target = h.strip_prefix('#').expect("internal");
        assert!(ids.contains(target), "dangling link {h}");
    }
    for s in SECTIONS {
        assert!(
            hrefs.contains(&format!("#{s}").as_str()),
            "no contents entry for {s}"
        );
    }
    // Share rules link to the verdict of their product and role.
    assert!(hrefs.contains(&"#verdict-ericsson-ran-ran-gnb"));
    assert!(page.contains("<code class=\"evidence\">dossier:huawei:H14</code>"));
    assert!(page.contains(&format!(
        "<code class=\"evidence\">scan:{SCAN_SHA}:finding:accounts-9f2e</code>"
    )));
    assert!(
        page.contains("<code class=\"evidence\">product:nokia-airscale:certification:0</code>")
    );
    assert!(page.contains("counted, not dropped"));
    assert_has_sections(&page);
}

#[test]
fn an_infeasible_plan_shows_its_shortfalls_first() {
    let r = infeasible_report();
    let page = html::network(&r);
    check_keys(&page, &r);
    let alert = page.find("id=\"shortfalls\"").expect("a shortfall box");
    let steps = page.find("<h3>Steps</h3>").expect("the steps heading");
    assert!(alert < steps);
    assert!(page.contains("Infeasible: 2 shortfalls"));
    assert!(page.contains("data-key=\"plan.feasible\" data-value=\"false\""));
    assert!(page.contains("data-key=\"plan.shortfalls.0.needed\" data-value=\"2027\">2,027<"));
    assert!(page.contains(
        "data-key=\"plan.shortfalls.1.available\" data-value=\"5000000.5\">5,000,001 EUR<"
    ));
    // A budget shortfall is worded from its sums, in the report's currency; the operator's
    // name in it is escaped.
    assert!(page.contains(
        "Evil&lt;script&gt;alert(1)&lt;/script&gt; Telecom &quot;onmouseover=alert(1) x=&quot;: \
         replacements due by 2027-Q2 cost at least 9,250,000 EUR, the budget allows 5,000,001 EUR"
    ));
    assert!(page.contains("No replacement is scheduled."));
    // Nothing to draw: the deadlines of the prohibited classes are listed instead.
    assert!(!page.contains("id=\"timeline-title\""));
    assert!(page.contains("data-deadline=\"2027-12-31\""));
    assert!(page.contains("data-deadline=\"2026-03-31\""));
}

#[test]
fn caps_the_steps_table_and_says_how_many_more() {
    let r = long_plan_report();
    let page = html::network(&r);
    check_keys(&page, &r);
    assert!(page.contains("data-key=\"plan.steps.499.elements\""));
    assert!(!page.contains("data-key=\"plan.steps.500.elements\""));
    assert!(page.contains("734 more steps in the JSON."));
}

#[test]
fn a_report_without_plan_or_operators_still_renders() {
    let mut r = report();
    r.plan = None;
    r.operators.clear();
    r.verdicts.clear();
    r.share_rules.clear();
    r.unassessed.clear();
    r.warnings.clear();
    let page = html::network(&r);
    check_keys(&page, &r);
    assert!(!page.contains("id=\"plan\""));
    assert!(!page.contains("href=\"#plan\""));
    assert!(page.contains("No operators in the inventory."));
    assert!(page.ends_with("</html>\n"));
}

// ---------------------------------------------------------------------------------------------
// Chromium

const CHROMIUM: &str = "/usr/bin/chromium";

/// Runs Chromium headless on the page with `extra` arguments, its stdout into `stdout`; kills
/// its process group after 60 s.
fn chromium(page: &Path, profile: &Path, stdout: &Path, extra: &[&str]) {
    let out = fs::File::create(stdout).expect("stdout file");
    let err = fs::File::create(stdout.with_extension("stderr")).expect("stderr file");
    let mut child = Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .process_group(0)
        .spawn()
        .expect("chromium starts");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        match child.try_wait().expect("wait for chromium") {
            Some(status) => {
                let stderr =
                    fs::read_to_string(stdout.with_extension("stderr")).unwrap_or_default();
                assert!(status.success(), "chromium failed: {status}\n{stderr}");
                return;
            }
            None if Instant::now() > deadline => {
                // Chromium's helpers share its process group: end them all, by group id.
                let _ = Command::new("kill")
                    .args(["-KILL", &format!("-{}", child.id())])
                    .status();
                let _ = child.wait();
                panic!("chromium did not finish within 60 s");
            }
            None => std::thread::sleep(Duration::from_millis(100)),
        }
    }
}

#[test]
fn chromium_renders_the_sections_and_the_numbers_of_the_json() {
    if !Path::new(CHROMIUM).exists() {
        if std::env::var("NETVET_REQUIRE_CHROMIUM").as_deref() == Ok("1") {
            panic!("NETVET_REQUIRE_CHROMIUM=1 but {CHROMIUM} is not installed");
        }
        eprintln!("skipped: {CHROMIUM} is not installed (set NETVET_REQUIRE_CHROMIUM=1 to fail)");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let r = report();
    let page = dir.path().join("network.html");
    fs::write(&page, html::network(&r)).expect("write the page");

    let dom_file = dir.path().join("dom.html");
    chromium(
        &page,
        &dir.path().join("profile-dom"),
        &dom_file,
        &["--dump-dom"],
    );
    let dom = fs::read_to_string(&dom_file).expect("the dumped DOM");
    assert!(
        dom.contains("</body>"),
        "no DOM dumped: {} bytes",
        dom.len()
    );
    assert_has_sections(&dom);
    let seen = check_keys(&dom, &r);
    assert!(seen.contains("totals.prohibited") && seen.contains("plan.total_cost"));
    assert!(
        seen.len() > 100,
        "only {} keys in the rendered DOM",
        seen.len()
    );
    // Nothing from the data became an element.
    let lower = dom.to_ascii_lowercase();
    assert!(!lower.contains("<script"));
    assert!(
        !tags(&dom)
            .iter()
            .any(|t| t.attrs.iter().any(|(n, _)| n.starts_with("on")))
    );
    assert!(dom.contains("Evil&lt;script&gt;alert(1)&lt;/script&gt; Telecom"));

    let png = dir.path().join("page.png");
    chromium(
        &page,
        &dir.path().join("profile-shot"),
        &dir.path().join("shot.txt"),
        &[
            &format!("--screenshot={}", png.display()),
            "--window-size=1280,4000",
        ],
    );
    let bytes = fs::read(&png).expect("a screenshot");
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    assert!(bytes.len() > 20_000, "screenshot of {} bytes", bytes.len());
    if let Ok(keep) = std::env::var("NETVET_HTML_SCREENSHOT") {
        fs::copy(&png, &keep).expect("keep the screenshot");
        fs::copy(&page, Path::new(&keep).with_extension("html")).expect("keep the page");
        let infeasible = Path::new(&keep).with_extension("infeasible.html");
        fs::write(infeasible, html::network(&infeasible_report())).expect("keep a page");
    }
}

#[test]
fn the_page_opens_with_a_one_page_overview_that_splits_conditional_and_names_overdue() {
    let r = report();
    let page = html::network(&r);
    let overview = page.find("<ul class=\"overview\">").expect("an overview");
    let summary = page.find("id=\"summary\"").expect("the summary section");
    assert!(overview < summary, "the overview comes first");
    let end = page[overview..].find("</ul>").expect("its end") + overview;
    let text = &page[overview..end];
    assert!(text.contains("missing evidence"), "{text}");
    assert!(text.contains("under conditions only"), "{text}");
    assert!(text.contains("Replacement plan"), "{text}");
    assert!(text.contains(" EUR"), "{text}");
    // Overdue elements: never "every deadline met", and the badge is not green.
    let mut late = r.clone();
    let p = late.plan.as_mut().expect("a plan");
    p.overdue = p.elements.min(126);
    let page = html::network(&late);
    assert!(!page.contains("every deadline met"));
    assert!(page.contains("already overdue"));
    assert!(page.contains("class=\"badge amber\" data-key=\"plan.feasible\""));
}
