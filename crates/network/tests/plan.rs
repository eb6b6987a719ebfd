//! The replacement plan, on cases solved by hand.

use std::collections::BTreeMap;
use std::time::Instant;

use netvet_model::{
    Capacity, Date, Domain, Plan, PlanStep, Quarter, QuarterLoad, ReplacementOption, Role,
    Shortfall,
};
use netvet_network::plan::{Demand, INTEGER_VARIABLES, Kept, PlanInput, plan};

const OP: &str = "Nordnetz (fictional)";

fn date(s: &str) -> Date {
    s.parse().expect("test date")
}

fn quarter(s: &str) -> Quarter {
    s.parse().expect("test quarter")
}

fn role(s: &str) -> Role {
    s.parse().expect("test role")
}

fn demand(role_: &str, from: &str, elements: u64, cost: f64, deadline: &str) -> Demand {
    Demand {
        operator: OP.into(),
        role: role(role_),
        from_vendor: from.into(),
        elements,
        cost,
        deadline: date(deadline),
    }
}

fn option(role_: &str, vendor: &str, price_factor: f64) -> ReplacementOption {
    ReplacementOption {
        role: role(role_),
        vendor: vendor.into(),
        price_factor,
    }
}

fn input(demands: Vec<Demand>, replacements: Vec<ReplacementOption>) -> PlanInput {
    PlanInput {
        start: quarter("2027-Q1"),
        demands,
        kept: Vec::new(),
        capacities: Vec::new(),
        replacements,
        max_vendor_share_percent: None,
        default_costs: Vec::new(),
    }
}

fn capacity(crews: Option<u64>, budget: Option<f64>) -> Capacity {
    Capacity {
        operator: OP.into(),
        elements_per_quarter: crews,
        budget_per_quarter: budget,
    }
}

fn step(
    q: &str,
    role_: &str,
    from: &str,
    to: &str,
    elements: u64,
    cost: f64,
    deadline: &str,
) -> PlanStep {
    PlanStep {
        quarter: quarter(q),
        operator: OP.into(),
        role: role(role_),
        from_vendor: from.into(),
        to_vendor: to.into(),
        elements,
        cost,
        deadline: date(deadline),
    }
}

/// (quarter, elements, cost) of each quarter of the plan's only operator.
fn loads(plan: &Plan) -> Vec<(String, u64, f64)> {
    plan.quarters
        .iter()
        .map(|l| (l.quarter.to_string(), l.elements, l.cost))
        .collect()
}

#[test]
fn one_demand_goes_to_the_cheaper_vendor_in_the_first_quarter() {
    // 10 gNBs at 45,000 each; nokia's factor 0.9: 10 × 40,500 = 405,000, all at once.
    let plan = plan(&input(
        vec![demand("RAN:gNB", "huawei", 10, 450_000.0, "2027-12-31")],
        vec![
            option("RAN:gNB", "ericsson", 1.0),
            option("RAN:gNB", "nokia", 0.9),
        ],
    ))
    .expect("plan");
    assert!(plan.feasible);
    assert_eq!(plan.start, quarter("2027-Q1"));
    assert_eq!(plan.end, quarter("2027-Q4"));
    assert_eq!(plan.elements, 10);
    assert_eq!(plan.overdue, 0);
    assert_eq!(
        plan.steps,
        vec![step(
            "2027-Q1",
            "RAN:gNB",
            "huawei",
            "nokia",
            10,
            405_000.0,
            "2027-12-31"
        )]
    );
    assert_eq!(plan.total_cost, 405_000.0);
    assert_eq!(plan.lower_bound, 405_000.0);
    assert_eq!(
        loads(&plan),
        vec![
            ("2027-Q1".into(), 10, 405_000.0),
            ("2027-Q2".into(), 0, 0.0),
            ("2027-Q3".into(), 0, 0.0),
            ("2027-Q4".into(), 0, 0.0),
        ]
    );
    assert!(
        plan.quarters
            .iter()
            .all(|l| l.crew_capacity.is_none() && l.budget.is_none())
    );
    assert!(plan.shortfalls.is_empty());
}

#[test]
fn crews_spread_the_work_over_quarters_earliest_first() {
    // 10 due by the end of 2027-Q2, 6 a quarter: 6 in Q1, the other 4 in Q2.
    let mut i = input(
        vec![demand("RAN:gNB", "huawei", 10, 1_000.0, "2027-06-30")],
        vec![option("RAN:gNB", "ericsson", 1.0)],
    );
    i.capacities = vec![capacity(Some(6), None)];
    let plan = plan(&i).expect("plan");
    assert!(plan.feasible);
    assert_eq!(
        plan.steps,
        vec![
            step(
                "2027-Q1",
                "RAN:gNB",
                "huawei",
                "ericsson",
                6,
                600.0,
                "2027-06-30"
            ),
            step(
                "2027-Q2",
                "RAN:gNB",
                "huawei",
                "ericsson",
                4,
                400.0,
                "2027-06-30"
            ),
        ]
    );
    assert_eq!(plan.total_cost, 1_000.0);
    assert_eq!(plan.lower_bound, 1_000.0);
    assert_eq!(
        plan.quarters,
        vec![
            QuarterLoad {
                quarter: quarter("2027-Q1"),
                operator: OP.into(),
                elements: 6,
                cost: 600.0,
                crew_capacity: Some(6),
                budget: None,
            },
            QuarterLoad {
                quarter: quarter("2027-Q2"),
                operator: OP.into(),
                elements: 4,
                cost: 400.0,
                crew_capacity: Some(6),
                budget: None,
            },
        ]
    );
}

#[test]
fn too_few_crews_for_a_deadline_is_a_crews_shortfall() {
    let mut i = input(
        vec![demand("RAN:gNB", "huawei", 10, 1_000.0, "2027-03-31")],
        vec![option("RAN:gNB", "ericsson", 1.0)],
    );
    i.capacities = vec![capacity(Some(6), None)];
    let plan = plan(&i).expect("plan");
    assert!(!plan.feasible);
    assert_eq!(plan.total_cost, 0.0);
    assert_eq!(plan.lower_bound, 0.0);
    assert!(plan.steps.is_empty());
    assert_eq!(
        plan.shortfalls,
        vec![Shortfall {
            operator: OP.into(),
            resource: "crews".into(),
            by: Some(quarter("2027-Q1")),
            needed: 10.0,
            available: 6.0,
            message: "Nordnetz (fictional): 10 elements due by 2027-Q1, crews can replace 6 \
                      (short by 4)"
                .into(),
        }]
    );
}

#[test]
fn crews_shortfall_reports_the_worst_deadline() {
    // 4 by Q1 (4 ≤ 5), 8 more by Q2 (12 > 10: short 2), 3 more by Q4 (15 ≤ 20).
    let mut i = input(
        vec![
            demand("RAN:gNB", "huawei", 4, 400.0, "2027-03-31"),
            demand("RAN:gNB", "huawei", 8, 800.0, "2027-06-30"),
            demand("RAN:gNB", "huawei", 3, 300.0, "2027-12-31"),
        ],
        vec![option("RAN:gNB", "ericsson", 1.0)],
    );
    i.capacities = vec![capacity(Some(5), None)];
    let plan = plan(&i).expect("plan");
    assert!(!plan.feasible);
    assert_eq!(plan.shortfalls.len(), 1);
    let s = &plan.shortfalls[0];
    assert_eq!(
        (s.by, s.needed, s.available),
        (Some(quarter("2027-Q2")), 12.0, 10.0)
    );
}

#[test]
fn budget_per_quarter_spreads_the_cheap_vendor_over_quarters() {
    // 10 elements at 1,000, nokia 0.8 (800 each), budget 6,000 a quarter, due by 2027-Q2.
    // All-nokia (8,000) is cheapest; a quarter affords 7 of them (5,600): 7 in Q1, 3 in Q2.
    let mut i = input(
        vec![demand("RAN:gNB", "huawei", 10, 10_000.0, "2027-06-30")],
        vec![
            option("RAN:gNB", "ericsson", 1.0),
            option("RAN:gNB", "nokia", 0.8),
        ],
    );
    i.capacities = vec![capacity(None, Some(6_000.0))];
    let plan = plan(&i).expect("plan");
    assert!(plan.feasible);
    assert_eq!(
        plan.steps,
        vec![
            step(
                "2027-Q1",
                "RAN:gNB",
                "huawei",
                "nokia",
                7,
                5_600.0,
                "2027-06-30"
            ),
            step(
                "2027-Q2",
                "RAN:gNB",
                "huawei",
                "nokia",
                3,
                2_400.0,
                "2027-06-30"
            ),
        ]
    );
    assert_eq!(plan.total_cost, 8_000.0);
    assert_eq!(plan.lower_bound, 8_000.0);
    assert!(plan.quarters.iter().all(|l| l.budget == Some(6_000.0)));
}

#[test]
fn budget_too_small_is_a_budget_shortfall_at_the_cheapest_price() {
    // Due by Q1: at least 10 × 800 = 8,000 against 6,000.
    let mut i = input(
        vec![demand("RAN:gNB", "huawei", 10, 10_000.0, "2027-03-31")],
        vec![
            option("RAN:gNB", "ericsson", 1.0),
            option("RAN:gNB", "nokia", 0.8),
        ],
    );
    i.capacities = vec![capacity(Some(100), Some(6_000.0))];
    let plan = plan(&i).expect("plan");
    assert!(!plan.feasible);
    assert_eq!(
        plan.shortfalls,
        vec![Shortfall {
            operator: OP.into(),
            resource: "budget".into(),
            by: Some(quarter("2027-Q1")),
            needed: 8_000.0,
            available: 6_000.0,
            message: "Nordnetz (fictional): replacements due by 2027-Q1 cost at least 8,000, the \
                      budget allows 6,000 (short by 2,000)"
                .into(),
        }]
    );
}

fn kept(vendor: &str, elements: u64) -> Kept {
    Kept {
        operator: OP.into(),
        domain: Domain::Ran,
        vendor: vendor.into(),
        elements,
    }
}

#[test]
fn vendor_cap_splits_the_replacement_between_vendors() {
    // RAN: 6 ericsson kept + 14 huawei to replace = 20; a 50 % cap allows 10 per vendor.
    // ericsson (0.8) may take 4 more, nokia (1.0) the other 10:
    // 4 × 800 + 10 × 1,000 = 13,200.
    let mut i = input(
        vec![demand("RAN:gNB", "huawei", 14, 14_000.0, "2027-03-31")],
        vec![
            option("RAN:gNB", "ericsson", 0.8),
            option("RAN:gNB", "nokia", 1.0),
        ],
    );
    i.kept = vec![kept("ericsson", 6)];
    i.max_vendor_share_percent = Some(50.0);
    let plan = plan(&i).expect("plan");
    assert!(plan.feasible, "{:?}", plan.shortfalls);
    assert_eq!(
        plan.steps,
        vec![
            step(
                "2027-Q1",
                "RAN:gNB",
                "huawei",
                "ericsson",
                4,
                3_200.0,
                "2027-03-31"
            ),
            step(
                "2027-Q1",
                "RAN:gNB",
                "huawei",
                "nokia",
                10,
                10_000.0,
                "2027-03-31"
            ),
        ]
    );
    assert_eq!(plan.total_cost, 13_200.0);
    assert_eq!(plan.assumptions.max_vendor_share_percent, Some(50.0));
}

#[test]
fn vendor_at_the_cap_gets_nothing_more() {
    // 10 ericsson kept + 10 huawei = 20, cap 10: ericsson is full, all 10 go to nokia.
    let mut i = input(
        vec![demand("RAN:gNB", "huawei", 10, 10_000.0, "2027-03-31")],
        vec![
            option("RAN:gNB", "ericsson", 0.8),
            option("RAN:gNB", "nokia", 1.0),
        ],
    );
    i.kept = vec![kept("ericsson", 10)];
    i.max_vendor_share_percent = Some(50.0);
    let plan = plan(&i).expect("plan");
    assert_eq!(
        plan.steps,
        vec![step(
            "2027-Q1",
            "RAN:gNB",
            "huawei",
            "nokia",
            10,
            10_000.0,
            "2027-03-31"
        )]
    );
    assert_eq!(plan.total_cost, 10_000.0);
}

#[test]
fn vendor_cap_without_room_is_a_diversity_shortfall() {
    // 6 ericsson kept + 14 huawei = 20; a 40 % cap allows nokia, the only vendor allowed,
    // 8 of the 14.
    let mut i = input(
        vec![demand("RAN:gNB", "huawei", 14, 14_000.0, "2027-12-31")],
        vec![option("RAN:gNB", "nokia", 1.0)],
    );
    i.kept = vec![kept("ericsson", 6)];
    i.max_vendor_share_percent = Some(40.0);
    let plan = plan(&i).expect("plan");
    assert!(!plan.feasible);
    assert_eq!(
        plan.shortfalls,
        vec![Shortfall {
            operator: OP.into(),
            resource: "diversity".into(),
            by: None,
            needed: 14.0,
            available: 8.0,
            message: "Nordnetz (fictional): with no vendor above 40% of RAN, the allowed vendors \
                      (nokia) can take 8 of the 14 RAN elements to replace"
                .into(),
        }]
    );
}

#[test]
fn kept_vendor_above_the_cap_receives_none_and_keeps_its_elements() {
    // 12 ericsson kept of 20 RAN elements, cap 50 % (10): ericsson, the cheaper, is already
    // above the cap and gets none of the 8; nokia takes them (8 ≤ 10): 8 × 1,000.
    let mut i = input(
        vec![demand("RAN:gNB", "huawei", 8, 8_000.0, "2027-12-31")],
        vec![
            option("RAN:gNB", "ericsson", 0.8),
            option("RAN:gNB", "nokia", 1.0),
        ],
    );
    i.kept = vec![kept("ericsson", 12)];
    i.max_vendor_share_percent = Some(50.0);
    let plan = plan(&i).expect("plan");
    assert!(plan.feasible, "{:?}", plan.shortfalls);
    assert_eq!(
        plan.steps,
        vec![step(
            "2027-Q1",
            "RAN:gNB",
            "huawei",
            "nokia",
            8,
            8_000.0,
            "2027-12-31"
        )]
    );
    assert_eq!(plan.total_cost, 8_000.0);
}

#[test]
fn role_without_a_replacement_vendor_is_a_shortfall() {
    let plan = plan(&input(
        vec![
            demand("core:AMF", "huawei", 2, 500_000.0, "2027-12-31"),
            demand("RAN:gNB", "huawei", 10, 450_000.0, "2027-12-31"),
        ],
        vec![
            option("RAN:gNB", "ericsson", 1.0),
            option("core:AMF", "huawei", 1.0),
        ],
    ))
    .expect("plan");
    assert!(!plan.feasible);
    assert!(plan.steps.is_empty());
    assert_eq!(
        plan.shortfalls,
        vec![Shortfall {
            operator: OP.into(),
            resource: "replacement-vendor".into(),
            by: Some(quarter("2027-Q4")),
            needed: 2.0,
            available: 0.0,
            message: "Nordnetz (fictional): no vendor is allowed to replace the 2 core:AMF \
                      elements of huawei (no other vendor's product is allowed in core:AMF; \
                      name one under [[replacement]] with roles = [\"core:AMF\"])"
                .into(),
        }]
    );
}

#[test]
fn overdue_demands_are_counted_and_scheduled_in_the_first_quarter() {
    // Past before start, and within the start quarter but before its last day: both overdue.
    let plan = plan(&input(
        vec![
            demand("RAN:gNB", "huawei", 5, 500.0, "2026-12-31"),
            demand("RAN:gNB", "zte", 2, 200.0, "2027-02-15"),
            demand("RAN:gNB", "huawei", 3, 300.0, "2027-09-30"),
        ],
        vec![option("RAN:gNB", "ericsson", 1.0)],
    ))
    .expect("plan");
    assert!(plan.feasible);
    assert_eq!(plan.overdue, 7);
    assert_eq!(plan.end, quarter("2027-Q3"));
    assert_eq!(
        plan.steps,
        vec![
            step(
                "2027-Q1",
                "RAN:gNB",
                "huawei",
                "ericsson",
                5,
                500.0,
                "2026-12-31"
            ),
            step(
                "2027-Q1",
                "RAN:gNB",
                "huawei",
                "ericsson",
                3,
                300.0,
                "2027-09-30"
            ),
            step(
                "2027-Q1",
                "RAN:gNB",
                "zte",
                "ericsson",
                2,
                200.0,
                "2027-02-15"
            ),
        ]
    );
}

#[test]
fn deadline_before_a_quarters_last_day_means_the_quarter_before() {
    // Due 2027-06-15: the work must be done in 2027-Q1; 6 crews a quarter cannot do 10.
    let mut i = input(
        vec![demand("RAN:gNB", "huawei", 10, 1_000.0, "2027-06-15")],
        vec![option("RAN:gNB", "ericsson", 1.0)],
    );
    i.capacities = vec![capacity(Some(6), None)];
    let plan = plan(&i).expect("plan");
    assert!(!plan.feasible);
    assert_eq!(plan.shortfalls[0].by, Some(quarter("2027-Q1")));
    assert_eq!(plan.end, quarter("2027-Q2"));
}

#[test]
fn output_does_not_depend_on_input_order() {
    let demands = vec![
        demand("RAN:gNB", "huawei", 7, 700.0, "2027-06-30"),
        demand("RAN:DU", "zte", 5, 150.0, "2027-12-31"),
        demand("core:UPF", "huawei", 3, 540.0, "2027-12-31"),
    ];
    let replacements = vec![
        option("RAN:gNB", "ericsson", 1.0),
        option("RAN:gNB", "nokia", 1.0),
        option("RAN:DU", "nokia", 1.1),
        option("core:UPF", "ericsson", 0.95),
    ];
    let mut a = input(demands.clone(), replacements.clone());
    a.capacities = vec![capacity(Some(4), None)];
    let mut b = a.clone();
    b.demands.reverse();
    b.replacements.reverse();
    let pa = plan(&a).expect("plan");
    assert!(pa.feasible);
    assert_eq!(pa, plan(&b).expect("plan"));
}

#[test]
fn rejects_a_horizon_beyond_twenty_years() {
    let err = plan(&input(
        vec![demand("RAN:gNB", "huawei", 1, 1.0, "2050-12-31")],
        vec![option("RAN:gNB", "ericsson", 1.0)],
    ))
    .expect_err("too long");
    assert!(err.to_string().contains("more than 80"), "{err}");
}

/// A small deterministic generator (no dependency for tests).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

#[test]
fn large_plan_is_relaxed_rounded_and_within_one_percent_of_its_bound() {
    let roles = [
        "RAN:gNB",
        "RAN:DU",
        "RAN:RU",
        "core:UPF",
        "core:AMF",
        "transport:router",
    ];
    let vendors = [
        ("ericsson", 1.0),
        ("nokia", 0.93),
        ("samsung", 0.88),
        ("ciena", 1.07),
    ];
    let operators = ["Nordnetz (fictional)", "Suedfunk (fictional)"];
    let mut rng = Lcg(7);
    let mut demands = Vec::new();
    for op in operators {
        for (r, role_) in roles.iter().enumerate() {
            for from in ["huawei", "zte"] {
                for k in 0..5 {
                    let elements = 40 + rng.next(400);
                    let unit = [45_000.0, 30_000.0, 12_000.0, 180_000.0, 250_000.0, 40_000.0][r];
                    // Deadlines spread over 2028-2032, on quarter ends and in between.
                    let year = 2028 + rng.next(5) as u16;
                    let month = [3, 6, 9, 12, 5][(k + r) % 5];
                    let day = if month == 5 {
                        20
                    } else if month == 3 || month == 12 {
                        31
                    } else {
                        30
                    };
                    demands.push(Demand {
                        operator: op.into(),
                        role: role(role_),
                        from_vendor: from.into(),
                        elements,
                        cost: unit * elements as f64 * (0.9 + rng.next(20) as f64 / 100.0),
                        deadline: Date::new(year, month, day).expect("date"),
                    });
                }
            }
        }
    }
    let replacements: Vec<ReplacementOption> = roles
        .iter()
        .flat_map(|r| vendors.iter().map(move |(v, f)| option(r, v, *f)))
        .collect();
    let mut kept = Vec::new();
    for op in operators {
        for (domain, vendor, n) in [
            (Domain::Ran, "ericsson", 3_000),
            (Domain::Core, "nokia", 80),
            (Domain::Transport, "ciena", 900),
        ] {
            kept.push(Kept {
                operator: op.into(),
                domain,
                vendor: vendor.into(),
                elements: n,
            });
        }
    }
    let total: u64 = demands.iter().map(|d| d.elements).sum();
    let input = PlanInput {
        start: quarter("2027-Q1"),
        demands: demands.clone(),
        kept: kept.clone(),
        capacities: operators
            .iter()
            .map(|op| Capacity {
                operator: op.to_string(),
                elements_per_quarter: Some(1_000),
                budget_per_quarter: Some(80_000_000.0),
            })
            .collect(),
        replacements,
        max_vendor_share_percent: Some(45.0),
        default_costs: Vec::new(),
    };
    let per_operator: usize = demands
        .iter()
        .filter(|d| d.operator == operators[0])
        .map(|d| {
            let due = Quarter::of(d.deadline);
            let on_time = usize::from(due.last_day() == d.deadline);
            4 * (quarter("2027-Q1").until(due) as usize + on_time)
        })
        .sum();
    assert!(
        per_operator > INTEGER_VARIABLES,
        "{per_operator} variables: not the large path"
    );

    let t = Instant::now();
    let plan = plan(&input).expect("plan");
    eprintln!(
        "large plan: {total} elements, {per_operator} variables per operator, {:.2?}; \
         cost {} against a bound of {}",
        t.elapsed(),
        plan.total_cost,
        plan.lower_bound
    );
    assert!(plan.feasible, "{:#?}", plan.shortfalls);
    assert_eq!(plan.elements, total);

    // Every demand fully placed, on time, by a vendor other than its own.
    let mut placed: BTreeMap<(String, Role, String, Date), u64> = BTreeMap::new();
    for s in &plan.steps {
        assert!(s.quarter.last_day() <= s.deadline, "{s:?} is late");
        assert_ne!(s.from_vendor, s.to_vendor);
        *placed
            .entry((
                s.operator.clone(),
                s.role,
                s.from_vendor.clone(),
                s.deadline,
            ))
            .or_default() += s.elements;
    }
    let mut wanted: BTreeMap<(String, Role, String, Date), u64> = BTreeMap::new();
    for d in &demands {
        *wanted
            .entry((
                d.operator.clone(),
                d.role,
                d.from_vendor.clone(),
                d.deadline,
            ))
            .or_default() += d.elements;
    }
    assert_eq!(placed, wanted);

    // Crews and budget per operator and quarter.
    for l in &plan.quarters {
        assert!(l.elements <= 1_000, "{l:?}");
        assert!(l.cost <= 80_000_000.0 + 0.01, "{l:?}");
    }
    // The 45 % cap per operator, domain and vendor.
    let mut held: BTreeMap<(String, Domain, String), u64> = BTreeMap::new();
    let mut size: BTreeMap<(String, Domain), u64> = BTreeMap::new();
    for k in &kept {
        *held
            .entry((k.operator.clone(), k.domain, k.vendor.clone()))
            .or_default() += k.elements;
        *size.entry((k.operator.clone(), k.domain)).or_default() += k.elements;
    }
    for d in &demands {
        *size.entry((d.operator.clone(), d.role.domain)).or_default() += d.elements;
    }
    for s in &plan.steps {
        *held
            .entry((s.operator.clone(), s.role.domain, s.to_vendor.clone()))
            .or_default() += s.elements;
    }
    for ((op, domain, vendor), n) in &held {
        let total = size[&(op.clone(), *domain)];
        assert!(
            *n * 100 <= 45 * total,
            "{op} {domain} {vendor}: {n} of {total}"
        );
    }

    assert!(
        plan.total_cost >= plan.lower_bound,
        "{} < {}",
        plan.total_cost,
        plan.lower_bound
    );
    assert!(
        plan.total_cost <= plan.lower_bound * 1.01,
        "{} is more than 1 % above {}",
        plan.total_cost,
        plan.lower_bound
    );
    let steps_cost: f64 = plan.steps.iter().map(|s| s.cost).sum();
    assert!((steps_cost - plan.total_cost).abs() < 0.01);
}

#[test]
fn too_many_variables_is_an_error_naming_the_fix() {
    // 2,600 demands × 4 vendors × 20 quarters = 208,000 variables.
    let mut demands = Vec::new();
    for i in 0..2_600u64 {
        demands.push(Demand {
            operator: format!("op{i}"),
            role: role("RAN:gNB"),
            from_vendor: "huawei".into(),
            elements: 1,
            cost: 1.0,
            deadline: date("2031-12-31"),
        });
    }
    let replacements = ["a", "b", "c", "d"]
        .iter()
        .map(|v| option("RAN:gNB", v, 1.0))
        .collect();
    let err = plan(&input(demands, replacements)).expect_err("too large");
    let text = err.to_string();
    assert!(
        text.contains("208,000 variables") && text.contains("aggregate"),
        "{text}"
    );
}

#[test]
fn no_demands_is_an_empty_feasible_plan() {
    let plan = plan(&input(Vec::new(), Vec::new())).expect("plan");
    assert!(plan.feasible);
    assert_eq!(
        (plan.start, plan.end),
        (quarter("2027-Q1"), quarter("2027-Q1"))
    );
    assert_eq!(
        (plan.elements, plan.total_cost, plan.lower_bound),
        (0, 0.0, 0.0)
    );
    assert!(plan.steps.is_empty() && plan.quarters.is_empty() && plan.shortfalls.is_empty());
}

#[test]
fn free_replacements_are_scheduled_under_a_budget() {
    // Cost 0 (e.g. under a support contract): the budget does not bind, crews do.
    let mut i = input(
        vec![demand("RAN:gNB", "huawei", 5, 0.0, "2027-06-30")],
        vec![option("RAN:gNB", "ericsson", 1.0)],
    );
    i.capacities = vec![capacity(Some(3), Some(0.0))];
    let plan = plan(&i).expect("plan");
    assert_eq!(
        plan.steps,
        vec![
            step(
                "2027-Q1",
                "RAN:gNB",
                "huawei",
                "ericsson",
                3,
                0.0,
                "2027-06-30"
            ),
            step(
                "2027-Q2",
                "RAN:gNB",
                "huawei",
                "ericsson",
                2,
                0.0,
                "2027-06-30"
            ),
        ]
    );
}
