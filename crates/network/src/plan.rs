//! The replacement plan: a quarter-by-quarter schedule that replaces the prohibited elements
//! before their deadlines at the least cost, within each operator's crews and budget and a cap
//! on any vendor's share — or, when none exists, what is short, where and by when.
//!
//! # Model
//!
//! The horizon runs from `start` to the quarter of the latest deadline (`end`), at most
//! [`MAX_QUARTERS`] quarters. A [`Demand`] must be replaced in a quarter whose last day is on
//! or before its deadline; when no such quarter exists at or after `start` (the deadline has
//! passed, or falls before the end of `start`), the demand is *overdue* and must be replaced in
//! `start`.
//!
//! The variables are `x[d, v, q] ≥ 0`: elements of demand `d` replaced by vendor `v` in quarter
//! `q`, for every vendor allowed in the demand's role other than its current one, and every
//! quarter up to the demand's last. Constraints:
//!
//! - every demand is replaced in full: `Σ_{v,q} x[d,v,q] = elements(d)`;
//! - per operator and quarter, when the operator has a [`Capacity`]: `Σ x ≤ elements_per_quarter`
//!   and `Σ price_factor(v) · unit_cost(d) · x ≤ budget_per_quarter` (an operator without an
//!   entry is unbounded);
//! - with `max_vendor_share_percent = p`, per operator, domain and vendor `w`:
//!   `kept(w) + Σ x[·, w, ·] ≤ ⌊p/100 · (kept + demands of the domain)⌋`. The plan replaces only
//!   prohibited elements, so a vendor whose kept elements are already above the cap is not
//!   made to shrink: it just receives none.
//!
//! The objective is the replacement cost `Σ price_factor · unit_cost · x`, plus a tie-break of
//! `1e-6 · mean unit cost · q` per element that, at equal cost, does the work earlier (less
//! exposure); reported costs leave the tie-break out.
//!
//! Operators share nothing, so each is solved on its own with `good_lp` and the bundled
//! pure-Rust `microlp` solver, first as the linear relaxation. Its cost (without the tie-break)
//! is the plan's `lower_bound`, exact up to what the tie-break moved. Where the relaxation is
//! already in whole elements, it is the schedule (proven optimal). Otherwise it is rounded:
//! every `x` floored, then the rest of each demand, earliest deadline first, placed on the
//! cheapest vendor in the earliest quarter with spare crews, budget and share, moving elements
//! of other demands to other quarters of theirs where a quarter is full. An operator's model
//! with at most [`INTEGER_VARIABLES`] variables is then solved in whole elements by branch and
//! bound from that rounding, to within [`MIP_GAP`] of the bound (at most [`MIP_SECONDS`]);
//! `lower_bound` equals `total_cost` when every operator's schedule is proven optimal. A larger
//! model keeps the rounding. Elements the rounding cannot place are reported as a `rounding`
//! shortfall, not hidden. Every schedule is checked in whole elements against every constraint
//! before it is used.
//!
//! Before solving, per operator, an earliest-deadline-first check compares, for each deadline
//! quarter `t`, the elements (and cheapest cost) due by `t` with the crews (and budget) of the
//! quarters up to `t`; a role with no replacement vendor is short of one. When those find nothing and the solver still finds no
//! schedule, the vendor cap is named with the domain it binds in.
//!
//! # Configuration
//!
//! [`PlanConfig`] is what a user writes in `plan.toml` (`netvet network --plan plan.toml`):
//! `start`, `max_vendor_share_percent`, `[costs]` per function over netvet's built-in defaults
//! (`data/replacement-costs.toml`), `[[capacity]]` per operator (`*`: every other operator) and
//! `[[replacement]]` vendors with price factors and, optionally, roles.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::sync::OnceLock;

use good_lp::{
    Expression, ProblemVariables, ResolutionError, Solution, SolutionStatus, SolverModel, Variable,
    WithInitialSolution, WithMipGap, WithTimeLimit, microlp, variable,
};
use netvet_model::{
    Capacity, Date, Domain, FunctionCost, NetworkFunction, Plan, PlanAssumptions, PlanStep,
    Quarter, QuarterLoad, ReplacementOption, Role, Shortfall,
};
use serde::Deserialize;
use toml::Spanned;

use crate::error::Error;

/// An operator's model with at most this many variables is solved in whole elements; a larger
/// one as its linear relaxation, rounded.
pub const INTEGER_VARIABLES: usize = 2_000;
/// The most variables (demands × vendors × quarters) a plan may have.
pub const MAX_VARIABLES: usize = 200_000;
/// The longest horizon, in quarters (twenty years).
pub const MAX_QUARTERS: i64 = 80;
/// The time branch and bound may take per operator before the best schedule found is kept.
pub const MIP_SECONDS: f64 = 20.0;
/// Branch and bound stops when its schedule is within this fraction of its bound: the rounded
/// start usually is, which keeps the integer path fast and its result independent of time.
pub const MIP_GAP: f32 = 1e-4;
/// The early-work tie-break per element and quarter, as a fraction of the mean unit cost.
const TIE_BREAK: f64 = 1e-6;
/// How far a solver value may be from a whole number and still count as one (the schedule is
/// then checked against every constraint in whole elements).
const WHOLE: f64 = 1e-6;
/// How far below a whole number a relaxed value may be and still round up to it: small enough
/// that flooring never pushes a quarter over its budget by a cent.
const SNAP: f64 = 1e-9;

/// Elements of one role at one operator, all of one current vendor, that must be gone by
/// `deadline`.
#[derive(Clone, Debug, PartialEq)]
pub struct Demand {
    pub operator: String,
    pub role: Role,
    /// The vendor replaced (dossier id).
    pub from_vendor: String,
    pub elements: u64,
    /// Total replacement cost of these elements at price factor 1.0.
    pub cost: f64,
    pub deadline: Date,
}

/// Elements that stay (not replaced): counted in the diversity constraint.
#[derive(Clone, Debug, PartialEq)]
pub struct Kept {
    pub operator: String,
    pub domain: Domain,
    pub vendor: String,
    pub elements: u64,
}

/// Everything a plan is computed from.
#[derive(Clone, Debug, PartialEq)]
pub struct PlanInput {
    /// The first quarter work can be scheduled in.
    pub start: Quarter,
    pub demands: Vec<Demand>,
    pub kept: Vec<Kept>,
    /// Per operator (exact name); an operator without an entry is unbounded.
    pub capacities: Vec<Capacity>,
    /// The vendors that may replace each role, and their price factors.
    pub replacements: Vec<ReplacementOption>,
    pub max_vendor_share_percent: Option<f64>,
    /// Echoed in the plan's assumptions (the demands' costs already include them).
    pub default_costs: Vec<FunctionCost>,
}

/// Computes the replacement plan (see the module documentation for the model).
pub fn plan(input: &PlanInput) -> Result<Plan, Error> {
    validate(input)?;
    let start = input.start;
    let end = input
        .demands
        .iter()
        .map(|d| Quarter::of(d.deadline))
        .max()
        .map_or(start, |q| q.max(start));
    let span = start.until(end) + 1;
    if span > MAX_QUARTERS {
        return Err(Error::Plan(format!(
            "the horizon {start} to {end} is {span} quarters, more than {MAX_QUARTERS}: \
             plan towards an earlier deadline"
        )));
    }
    let horizon = span as usize;
    let operators = operators(input, start);

    let variables: usize = operators.values().map(|o| cells(o).len()).sum();
    if variables > MAX_VARIABLES {
        return Err(Error::Plan(format!(
            "the plan would need {} variables (demands × vendors × quarters), more than {}: \
             aggregate the demands (one per operator, role, vendor and deadline), allow fewer \
             replacement vendors or shorten the horizon",
            grouped(variables as u64),
            grouped(MAX_VARIABLES as u64)
        )));
    }

    let share = input.max_vendor_share_percent;
    let mut shortfalls: Vec<Shortfall> = Vec::new();
    let mut checked: BTreeSet<&str> = BTreeSet::new();
    for op in operators.values() {
        let found = precheck(op, start);
        if found.is_empty() {
            checked.insert(op.name);
        }
        shortfalls.extend(found);
    }
    // Once the plan is infeasible, the other operators are only checked for what else is
    // short (their relaxation), not scheduled.
    let check_only = !shortfalls.is_empty();
    let mut schedules: Vec<(&Operator, Schedule)> = Vec::new();
    for op in operators.values().filter(|o| checked.contains(o.name)) {
        match schedule(op, share, check_only)? {
            Outcome::Scheduled(s) => schedules.push((op, s)),
            Outcome::Feasible => {}
            Outcome::Short(found) => shortfalls.extend(found),
        }
    }

    let feasible = shortfalls.is_empty();
    let mut steps: BTreeMap<StepKey, (u64, f64)> = BTreeMap::new();
    let mut lower_bound = 0.0;
    if feasible {
        for (op, s) in &schedules {
            let cells = cells(op);
            for (cell, &n) in cells.iter().zip(&s.counts) {
                if n == 0 {
                    continue;
                }
                let job = &op.jobs[cell.job];
                let (vendor, price) = job.options[cell.option];
                let step = steps
                    .entry((
                        start.plus(cell.quarter as u32),
                        op.name,
                        job.demand.role,
                        job.demand.from_vendor.as_str(),
                        vendor,
                        job.demand.deadline,
                    ))
                    .or_default();
                step.0 += n;
                step.1 += price * job.unit * n as f64;
            }
            lower_bound += s.bound;
        }
    }
    let steps: Vec<PlanStep> = steps
        .into_iter()
        .map(
            |((quarter, operator, role, from, to, deadline), (elements, cost))| PlanStep {
                quarter,
                operator: operator.to_string(),
                role,
                from_vendor: from.to_string(),
                to_vendor: to.to_string(),
                elements,
                cost: cents(cost),
                deadline,
            },
        )
        .collect();
    let total_cost = cents(steps.iter().map(|s| s.cost).sum());
    let all_optimal = schedules.iter().all(|(_, s)| s.optimal);
    let lower_bound = if !feasible {
        0.0
    } else if all_optimal {
        total_cost
    } else {
        cents(lower_bound).min(total_cost)
    };

    let mut loads: BTreeMap<(&str, Quarter), (u64, f64)> = BTreeMap::new();
    for s in &steps {
        let load = loads.entry((s.operator.as_str(), s.quarter)).or_default();
        load.0 += s.elements;
        load.1 += s.cost;
    }
    let mut quarters = Vec::new();
    for op in operators.values() {
        for q in 0..horizon {
            let quarter = start.plus(q as u32);
            let (elements, cost) = loads.get(&(op.name, quarter)).copied().unwrap_or_default();
            quarters.push(QuarterLoad {
                quarter,
                operator: op.name.to_string(),
                elements,
                cost: cents(cost),
                crew_capacity: op.crews,
                budget: op.budget,
            });
        }
    }

    shortfalls.sort_by(|a, b| {
        (&a.operator, &a.resource, a.by, &a.message).cmp(&(
            &b.operator,
            &b.resource,
            b.by,
            &b.message,
        ))
    });
    let mut capacities = input.capacities.clone();
    capacities.sort_by(|a, b| a.operator.cmp(&b.operator));
    let mut replacements = input.replacements.clone();
    replacements.sort_by(|a, b| (a.role, &a.vendor).cmp(&(b.role, &b.vendor)));
    let mut default_costs = input.default_costs.clone();
    default_costs.sort_by_key(|c| c.function);
    let jobs = operators.values().flat_map(|o| &o.jobs);
    Ok(Plan {
        feasible,
        start,
        end,
        elements: input.demands.iter().map(|d| d.elements).sum(),
        total_cost: if feasible { total_cost } else { 0.0 },
        lower_bound,
        overdue: jobs.filter(|j| j.overdue).map(|j| j.elements).sum(),
        steps: if feasible { steps } else { Vec::new() },
        quarters,
        shortfalls,
        assumptions: PlanAssumptions {
            default_costs,
            capacities,
            replacements,
            max_vendor_share_percent: share,
        },
    })
}

/// What steps are aggregated by (and sorted by): quarter, operator, role, from, to, deadline.
type StepKey<'a> = (Quarter, &'a str, Role, &'a str, &'a str, Date);

fn validate(input: &PlanInput) -> Result<(), Error> {
    let bad = |m: String| Err(Error::Plan(m));
    if let Some(p) = input.max_vendor_share_percent
        && !(p.is_finite() && p > 0.0 && p <= 100.0)
    {
        return bad(format!(
            "max_vendor_share_percent {p} is not a percentage above 0 and at most 100"
        ));
    }
    let mut seen = BTreeSet::new();
    for c in &input.capacities {
        if !seen.insert(c.operator.as_str()) {
            return bad(format!("two capacities for operator {:?}", c.operator));
        }
        if let Some(b) = c.budget_per_quarter
            && !(b.is_finite() && b >= 0.0)
        {
            return bad(format!(
                "budget_per_quarter {b} of {:?} is not a sum of money",
                c.operator
            ));
        }
    }
    let mut seen = BTreeSet::new();
    for r in &input.replacements {
        if !seen.insert((r.role, r.vendor.as_str())) {
            return bad(format!(
                "vendor {:?} is listed twice for {}",
                r.vendor, r.role
            ));
        }
        if !(r.price_factor.is_finite() && r.price_factor > 0.0) {
            return bad(format!(
                "price factor {} of vendor {:?} in {} is not above 0",
                r.price_factor, r.vendor, r.role
            ));
        }
    }
    for d in &input.demands {
        if !(d.cost.is_finite() && d.cost >= 0.0) {
            return bad(format!(
                "cost {} of {}'s {} elements of {} is not a sum of money",
                d.cost, d.operator, d.role, d.from_vendor
            ));
        }
    }
    Ok(())
}

/// One operator's part of the model.
#[derive(Clone, Debug)]
struct Operator<'a> {
    name: &'a str,
    /// Sorted by last quarter, role, vendor and deadline: earliest deadline first.
    jobs: Vec<Job<'a>>,
    crews: Option<u64>,
    budget: Option<f64>,
    /// Per domain with demands: its size and kept elements by vendor.
    mix: BTreeMap<Domain, Mix<'a>>,
    /// Mean cost per element: the solver's unit of money, so its coefficients stay near 1.
    scale: f64,
}

#[derive(Clone, Debug)]
struct Job<'a> {
    demand: &'a Demand,
    elements: u64,
    /// Cost per element at price factor 1.
    unit: f64,
    /// The last quarter (offset from start) the elements may be replaced in.
    last: usize,
    overdue: bool,
    /// Vendors that may replace the role, cheapest first.
    options: Vec<(&'a str, f64)>,
}

#[derive(Clone, Debug, Default)]
struct Mix<'a> {
    total: u64,
    kept: BTreeMap<&'a str, u64>,
}

impl Mix<'_> {
    /// The most elements of the domain one vendor may hold under a `p` % cap.
    fn cap(&self, p: f64) -> u64 {
        (p * self.total as f64 / 100.0 + 1e-9).floor() as u64
    }

    /// The elements `vendor` may still receive under the cap (negative: already above it,
    /// so it receives none).
    fn room(&self, p: f64, vendor: &str) -> f64 {
        self.cap(p) as f64 - self.kept.get(vendor).copied().unwrap_or(0) as f64
    }
}

impl Operator<'_> {
    /// The solver's cost coefficient of one element of `job` by option `option`.
    fn coef(&self, job: &Job, option: usize) -> f64 {
        job.options[option].1 * job.unit / self.scale
    }
}

fn operators(input: &PlanInput, start: Quarter) -> BTreeMap<&str, Operator<'_>> {
    let mut by_role: BTreeMap<Role, Vec<(&str, f64)>> = BTreeMap::new();
    for r in &input.replacements {
        by_role
            .entry(r.role)
            .or_default()
            .push((r.vendor.as_str(), r.price_factor));
    }
    for options in by_role.values_mut() {
        options.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(b.0)));
    }
    let mut ops: BTreeMap<&str, Operator> = BTreeMap::new();
    for d in input.demands.iter().filter(|d| d.elements > 0) {
        let due = Quarter::of(d.deadline);
        let mut last = start.until(due);
        if due.last_day() != d.deadline {
            last -= 1;
        }
        let options = by_role
            .get(&d.role)
            .map(|o| {
                o.iter()
                    .filter(|(v, _)| *v != d.from_vendor)
                    .copied()
                    .collect()
            })
            .unwrap_or_default();
        let op = ops.entry(d.operator.as_str()).or_insert_with(|| {
            let capacity = input.capacities.iter().find(|c| c.operator == d.operator);
            Operator {
                name: d.operator.as_str(),
                jobs: Vec::new(),
                crews: capacity.and_then(|c| c.elements_per_quarter),
                budget: capacity.and_then(|c| c.budget_per_quarter),
                mix: BTreeMap::new(),
                scale: 1.0,
            }
        });
        op.jobs.push(Job {
            demand: d,
            elements: d.elements,
            unit: d.cost / d.elements as f64,
            last: last.max(0) as usize,
            overdue: last < 0,
            options,
        });
        op.mix.entry(d.role.domain).or_default().total += d.elements;
    }
    for k in &input.kept {
        if let Some(mix) = ops
            .get_mut(k.operator.as_str())
            .and_then(|o| o.mix.get_mut(&k.domain))
        {
            mix.total += k.elements;
            *mix.kept.entry(k.vendor.as_str()).or_default() += k.elements;
        }
    }
    for op in ops.values_mut() {
        op.jobs.sort_by(|a, b| {
            (
                a.last,
                a.demand.role,
                &a.demand.from_vendor,
                a.demand.deadline,
            )
                .cmp(&(
                    b.last,
                    b.demand.role,
                    &b.demand.from_vendor,
                    b.demand.deadline,
                ))
        });
        let elements: u64 = op.jobs.iter().map(|j| j.elements).sum();
        let cost: f64 = op.jobs.iter().map(|j| j.demand.cost).sum();
        if cost > 0.0 {
            op.scale = cost / elements as f64;
        }
    }
    ops
}

/// One variable: elements of a job replaced by one of its options in one quarter.
#[derive(Clone, Copy, Debug)]
struct Cell {
    job: usize,
    option: usize,
    quarter: usize,
}

/// The model's variables, per job, cheapest option first, earliest quarter first.
fn cells(op: &Operator) -> Vec<Cell> {
    let mut out = Vec::new();
    for (job, j) in op.jobs.iter().enumerate() {
        for option in 0..j.options.len() {
            out.extend((0..=j.last).map(|quarter| Cell {
                job,
                option,
                quarter,
            }));
        }
    }
    out
}

/// What is short before any solving: replacement vendors, and crews and budget by the
/// earliest-deadline-first check.
fn precheck(op: &Operator, start: Quarter) -> Vec<Shortfall> {
    let mut out = Vec::new();
    let mut orphans: BTreeMap<Role, (u64, usize, BTreeSet<&str>)> = BTreeMap::new();
    for j in op.jobs.iter().filter(|j| j.options.is_empty()) {
        let o = orphans
            .entry(j.demand.role)
            .or_insert((0, usize::MAX, BTreeSet::new()));
        o.0 += j.elements;
        o.1 = o.1.min(j.last);
        o.2.insert(j.demand.from_vendor.as_str());
    }
    for (role, (elements, last, from)) in orphans {
        let from: Vec<&str> = from.into_iter().collect();
        out.push(Shortfall {
            operator: op.name.to_string(),
            resource: "replacement-vendor".into(),
            by: Some(start.plus(last as u32)),
            needed: elements as f64,
            available: 0.0,
            message: format!(
                "{}: no vendor is allowed to replace the {} {role} elements of {} (no other vendor's product is allowed in {role}; name one under [[replacement]] with roles = [\"{role}\"])",
                op.name,
                grouped(elements),
                from.join(", ")
            ),
        });
    }
    if let Some(crews) = op.crews
        && let Some((t, needed, available)) =
            earliest_deadline_first(op, crews as f64, |j| Some(j.elements as f64))
    {
        let by = start.plus(t as u32);
        out.push(Shortfall {
            operator: op.name.to_string(),
            resource: "crews".into(),
            by: Some(by),
            needed,
            available,
            message: format!(
                "{}: {} elements due by {by}, crews can replace {} (short by {})",
                op.name,
                grouped(needed as u64),
                grouped(available as u64),
                grouped((needed - available) as u64)
            ),
        });
    }
    if let Some(budget) = op.budget
        && let Some((t, needed, available)) = earliest_deadline_first(op, budget, |j| {
            j.options.first().map(|o| o.1 * j.demand.cost)
        })
    {
        let by = start.plus(t as u32);
        out.push(Shortfall {
            operator: op.name.to_string(),
            resource: "budget".into(),
            by: Some(by),
            needed: cents(needed),
            available: cents(available),
            message: format!(
                "{}: replacements due by {by} cost at least {}, the budget allows {} (short by {})",
                op.name,
                money(needed),
                money(available),
                money(needed - available)
            ),
        });
    }
    out
}

/// For each deadline quarter `t`: what is due by `t` against `per_quarter` × the quarters up
/// to `t`. The worst shortage (earliest on a tie), as (t, needed, available).
fn earliest_deadline_first(
    op: &Operator,
    per_quarter: f64,
    need: impl Fn(&Job) -> Option<f64>,
) -> Option<(usize, f64, f64)> {
    let mut due: BTreeMap<usize, f64> = BTreeMap::new();
    for j in &op.jobs {
        if let Some(n) = need(j) {
            *due.entry(j.last).or_default() += n;
        }
    }
    let mut needed = 0.0;
    let mut worst: Option<(usize, f64, f64)> = None;
    for (t, n) in due {
        needed += n;
        let available = per_quarter * (t + 1) as f64;
        let short = needed - available;
        if short > 1e-6 * needed.max(1.0) && worst.is_none_or(|w| short > w.1 - w.2) {
            worst = Some((t, needed, available));
        }
    }
    worst
}

/// An operator's schedule: elements per cell of [`cells`].
struct Schedule {
    counts: Vec<u64>,
    /// A lower bound on the operator's cost (real money).
    bound: f64,
    /// Whether the schedule is proven optimal.
    optimal: bool,
}

enum Outcome {
    Scheduled(Schedule),
    /// Only checked, and a schedule exists.
    Feasible,
    Short(Vec<Shortfall>),
}

/// What the solver minimises or maximises.
#[derive(Clone, Copy, PartialEq)]
enum Goal {
    /// Every demand in full at the least cost.
    Cost,
    /// As many elements as possible, demands at most in full.
    Reach,
}

struct Solved {
    values: Vec<f64>,
    objective: f64,
    optimal: bool,
}

fn schedule(op: &Operator, share: Option<f64>, check_only: bool) -> Result<Outcome, Error> {
    let cells = cells(op);
    let Some(relaxed) = solve(op, &cells, share, Goal::Cost, false, None)? else {
        return Ok(Outcome::Short(diagnose(op, share)?));
    };
    if check_only {
        return Ok(Outcome::Feasible);
    }
    // The relaxation's cost without the tie-break: a bound up to what the tie-break moved (at
    // most 1e-6 of the mean unit cost per element and quarter).
    let bound: f64 = cells
        .iter()
        .zip(&relaxed.values)
        .map(|(c, v)| {
            let job = &op.jobs[c.job];
            job.options[c.option].1 * job.unit * v
        })
        .sum();
    let nearest =
        |values: &[f64]| -> Vec<u64> { values.iter().map(|v| v.round().max(0.0) as u64).collect() };
    if relaxed.values.iter().all(|v| (v - v.round()).abs() < WHOLE) {
        let counts = nearest(&relaxed.values);
        if valid(op, &cells, share, &counts) {
            return Ok(Outcome::Scheduled(Schedule {
                counts,
                bound,
                optimal: true,
            }));
        }
    }
    let rounded = round(op, &cells, share, &relaxed.values);
    let whole =
        cells.len() <= INTEGER_VARIABLES && op.jobs.iter().all(|j| j.elements <= i32::MAX as u64);
    if whole {
        let warm: Option<Vec<f64>> = rounded
            .as_ref()
            .ok()
            .map(|c| c.iter().map(|&n| n as f64).collect());
        match solve(op, &cells, share, Goal::Cost, true, warm.as_deref()) {
            Ok(Some(s)) => {
                let counts = nearest(&s.values);
                if valid(op, &cells, share, &counts) {
                    return Ok(Outcome::Scheduled(Schedule {
                        counts,
                        bound,
                        optimal: s.optimal,
                    }));
                }
            }
            Ok(None) => return Ok(Outcome::Short(diagnose(op, share)?)),
            // No whole schedule found in time, or a numerical failure: the rounded one, or
            // what rounding could not place.
            Err(_) => {}
        }
    }
    match rounded {
        Ok(counts) => Ok(Outcome::Scheduled(Schedule {
            counts,
            bound,
            optimal: false,
        })),
        Err(unplaced) => Ok(Outcome::Short(vec![Shortfall {
            operator: op.name.to_string(),
            resource: "rounding".into(),
            by: None,
            needed: op.jobs.iter().map(|j| j.elements).sum::<u64>() as f64,
            available: (op.jobs.iter().map(|j| j.elements).sum::<u64>() - unplaced) as f64,
            message: format!(
                "{}: a schedule exists in fractions of elements, but rounding it to whole \
                 elements left {} unplaced; a whole schedule may still exist (try fewer, larger \
                 demands or a little more capacity)",
                op.name,
                grouped(unplaced)
            ),
        }])),
    }
}

/// Builds and solves the operator's model; `None` when it has no solution.
fn solve(
    op: &Operator,
    cells: &[Cell],
    share: Option<f64>,
    goal: Goal,
    integer: bool,
    warm: Option<&[f64]>,
) -> Result<Option<Solved>, Error> {
    if cells.is_empty() {
        let feasible = goal == Goal::Reach || op.jobs.is_empty();
        return Ok(feasible.then(|| Solved {
            values: Vec::new(),
            objective: 0.0,
            optimal: true,
        }));
    }
    let mut vars = ProblemVariables::new();
    let mut objective = Expression::with_capacity(cells.len());
    let mut xs: Vec<Variable> = Vec::with_capacity(cells.len());
    let mut coefs: Vec<f64> = Vec::with_capacity(cells.len());
    for c in cells {
        let job = &op.jobs[c.job];
        let mut def = variable().min(0.0).max(job.elements as f64);
        if integer {
            def = def.integer();
        }
        let x = vars.add(def);
        let coef = op.coef(job, c.option);
        match goal {
            Goal::Cost => objective.add_mul(coef + TIE_BREAK * c.quarter as f64, x),
            Goal::Reach => objective.add_mul(1.0, x),
        }
        xs.push(x);
        coefs.push(coef);
    }
    let horizon = op.jobs.iter().map(|j| j.last + 1).max().unwrap_or(1);
    let mut demand = vec![Expression::default(); op.jobs.len()];
    let mut crews = vec![Expression::default(); horizon];
    let mut budget = vec![Expression::default(); horizon];
    let mut shares: BTreeMap<(Domain, &str), Expression> = BTreeMap::new();
    for ((c, &x), &coef) in cells.iter().zip(&xs).zip(&coefs) {
        let job = &op.jobs[c.job];
        demand[c.job].add_mul(1.0, x);
        crews[c.quarter].add_mul(1.0, x);
        if coef > 0.0 {
            budget[c.quarter].add_mul(coef, x);
        }
        if share.is_some() {
            shares
                .entry((job.demand.role.domain, job.options[c.option].0))
                .or_default()
                .add_mul(1.0, x);
        }
    }
    let problem = match goal {
        Goal::Cost => vars.minimise(objective.clone()),
        Goal::Reach => vars.maximise(objective.clone()),
    };
    let mut model = problem.using(microlp);
    for (row, job) in demand.into_iter().zip(&op.jobs) {
        let n = job.elements as f64;
        model.add_constraint(match goal {
            Goal::Cost => row.eq(n),
            Goal::Reach => row.leq(n),
        });
    }
    if let Some(c) = op.crews {
        for row in crews {
            model.add_constraint(row.leq(c as f64));
        }
    }
    if let Some(b) = op.budget {
        for row in budget {
            model.add_constraint(row.leq(b / op.scale));
        }
    }
    if let Some(p) = share {
        for ((domain, vendor), row) in shares {
            let room = op.mix.get(&domain).map_or(0.0, |m| m.room(p, vendor));
            model.add_constraint(row.leq(room.max(0.0)));
        }
    }
    if integer {
        model = model
            .with_mip_gap(MIP_GAP)
            .map_err(|e| Error::Plan(format!("solver option: {e}")))?
            .with_time_limit(MIP_SECONDS);
        if let Some(w) = warm {
            model = model.with_initial_solution(xs.iter().copied().zip(w.iter().copied()));
        }
    }
    match model.solve() {
        Ok(s) => {
            let values: Vec<f64> = xs.iter().map(|&x| s.value(x)).collect();
            Ok(Some(Solved {
                objective: objective.eval_with(&s),
                optimal: matches!(s.status(), SolutionStatus::Optimal),
                values,
            }))
        }
        Err(ResolutionError::Infeasible) => Ok(None),
        Err(e) => Err(Error::Plan(format!("{}: the solver failed: {e}", op.name))),
    }
}

/// Rounds a relaxed schedule to whole elements: every value floored, then the rest of each
/// demand (earliest deadline first) placed on its cheapest vendor in the earliest quarter with
/// spare crews, budget and share — where a quarter is full, by moving an element of a demand
/// due later to a later quarter. `Err` with the elements it could not place.
fn round(
    op: &Operator,
    cells: &[Cell],
    share: Option<f64>,
    values: &[f64],
) -> Result<Vec<u64>, u64> {
    let mut r = Rounding::new(op, cells, share);
    for (i, v) in values.iter().enumerate() {
        let job = &op.jobs[cells[i].job];
        // Flooring overshoots a demand only if the solver's tolerance added up: trim.
        let n = ((v + SNAP).floor().max(0.0) as u64).min(job.elements - r.placed[cells[i].job]);
        r.add(i, n);
    }
    let mut unplaced = 0;
    for j in 0..op.jobs.len() {
        let mut rest = op.jobs[j].elements - r.placed[j];
        for i in r.by_job[j].clone() {
            while rest > 0 {
                let n = rest.min(r.fits(i));
                if n > 0 {
                    r.add(i, n);
                    rest -= n;
                } else if r.share_full(i) || !r.make_room(i) {
                    break;
                }
            }
        }
        unplaced += rest;
    }
    if unplaced == 0 {
        Ok(r.counts)
    } else {
        Err(unplaced)
    }
}

/// Whether whole `counts` meet every constraint: each demand in full, crews and share caps
/// exactly, budgets to the cent.
fn valid(op: &Operator, cells: &[Cell], share: Option<f64>, counts: &[u64]) -> bool {
    let mut r = Rounding::new(op, cells, share);
    for (i, &n) in counts.iter().enumerate() {
        if n > op.jobs[cells[i].job].elements - r.placed[cells[i].job] {
            return false;
        }
        r.add(i, n);
    }
    let full = op.jobs.iter().zip(&r.placed).all(|(j, &n)| n == j.elements);
    let crews = op.crews.is_none_or(|cap| r.crews.iter().all(|&n| n <= cap));
    let budget = op
        .budget
        .is_none_or(|b| r.spent.iter().all(|&s| s * op.scale <= b + 0.005));
    let shares = share.is_none_or(|p| {
        r.held.iter().all(|((domain, vendor), &n)| {
            op.mix
                .get(domain)
                .is_some_and(|m| n as f64 <= m.room(p, vendor) + 1e-9)
        })
    });
    full && crews && budget && shares
}

/// The state of a rounding: whole elements per cell and what they use.
struct Rounding<'o, 'a> {
    op: &'o Operator<'a>,
    cells: &'o [Cell],
    share: Option<f64>,
    counts: Vec<u64>,
    placed: Vec<u64>,
    crews: Vec<u64>,
    spent: Vec<f64>,
    held: BTreeMap<(Domain, &'a str), u64>,
    /// Each job's cells: option-major, then quarter 0 to its last.
    by_job: Vec<Range<usize>>,
    by_quarter: Vec<Vec<usize>>,
}

impl<'o, 'a> Rounding<'o, 'a> {
    fn new(op: &'o Operator<'a>, cells: &'o [Cell], share: Option<f64>) -> Self {
        let horizon = op.jobs.iter().map(|j| j.last + 1).max().unwrap_or(1);
        let mut by_job: Vec<Range<usize>> = vec![0..0; op.jobs.len()];
        let mut by_quarter = vec![Vec::new(); horizon];
        for (i, c) in cells.iter().enumerate() {
            if by_job[c.job].is_empty() {
                by_job[c.job] = i..i;
            }
            by_job[c.job].end = i + 1;
            by_quarter[c.quarter].push(i);
        }
        Rounding {
            op,
            cells,
            share,
            counts: vec![0; cells.len()],
            placed: vec![0; op.jobs.len()],
            crews: vec![0; horizon],
            spent: vec![0.0; horizon],
            held: BTreeMap::new(),
            by_job,
            by_quarter,
        }
    }

    fn key(&self, i: usize) -> (&Job<'a>, f64, (Domain, &'a str)) {
        let c = self.cells[i];
        let job = &self.op.jobs[c.job];
        let coef = self.op.coef(job, c.option);
        (job, coef, (job.demand.role.domain, job.options[c.option].0))
    }

    /// How many more elements cell `i` can take.
    fn fits(&self, i: usize) -> u64 {
        let q = self.cells[i].quarter;
        let (job, coef, held) = self.key(i);
        let mut n = job.elements - self.placed[self.cells[i].job];
        if let Some(cap) = self.op.crews {
            n = n.min(cap.saturating_sub(self.crews[q]));
        }
        if let Some(b) = self.op.budget
            && coef > 0.0
        {
            let spare = (b / self.op.scale - self.spent[q]).max(0.0);
            n = n.min((spare / coef + 1e-9).floor() as u64);
        }
        if let Some(p) = self.share {
            let room = self.op.mix.get(&held.0).map_or(0.0, |m| m.room(p, held.1));
            let used = self.held.get(&held).copied().unwrap_or(0);
            n = n.min((room - used as f64 + 1e-9).max(0.0).floor() as u64);
        }
        n
    }

    /// Whether cell `i`'s vendor has no room left under the share cap (moving other demands'
    /// elements between quarters cannot help then).
    fn share_full(&self, i: usize) -> bool {
        let Some(p) = self.share else {
            return false;
        };
        let (_, _, held) = self.key(i);
        let room = self.op.mix.get(&held.0).map_or(0.0, |m| m.room(p, held.1));
        let used = self.held.get(&held).copied().unwrap_or(0);
        room - (used as f64) < 1.0 - 1e-9
    }

    fn add(&mut self, i: usize, n: u64) {
        if n == 0 {
            return;
        }
        let c = self.cells[i];
        let (_, coef, held) = self.key(i);
        self.counts[i] += n;
        self.placed[c.job] += n;
        self.crews[c.quarter] += n;
        self.spent[c.quarter] += coef * n as f64;
        *self.held.entry(held).or_default() += n;
    }

    fn remove(&mut self, i: usize, n: u64) {
        let c = self.cells[i];
        let (_, coef, held) = self.key(i);
        self.counts[i] -= n;
        self.placed[c.job] -= n;
        self.crews[c.quarter] -= n;
        self.spent[c.quarter] -= coef * n as f64;
        if let Some(h) = self.held.get_mut(&held) {
            *h -= n;
        }
    }

    /// Frees room for one element in cell `i`'s quarter by moving elements of other demands
    /// to other quarters they may use (same vendor, so shares stay). Whether it did; when it
    /// cannot, nothing is moved.
    fn make_room(&mut self, i: usize) -> bool {
        let c = self.cells[i];
        let mut moved: Vec<(usize, usize)> = Vec::new();
        while self.fits(i) == 0 {
            match self.move_out(c.quarter, c.job) {
                Some(m) => moved.push(m),
                None => {
                    for (from, to) in moved.into_iter().rev() {
                        self.remove(to, 1);
                        self.add(from, 1);
                    }
                    return false;
                }
            }
        }
        true
    }

    /// Moves one element of a demand other than `job` out of `quarter`, to another quarter
    /// with room; the (from, to) cells.
    fn move_out(&mut self, quarter: usize, job: usize) -> Option<(usize, usize)> {
        for k in self.by_quarter[quarter].clone() {
            let ck = self.cells[k];
            if ck.job == job || self.counts[k] == 0 {
                continue;
            }
            let last = self.op.jobs[ck.job].last;
            let base = self.by_job[ck.job].start + ck.option * (last + 1);
            self.remove(k, 1);
            for other in (0..=last).filter(|&q| q != quarter) {
                if self.fits(base + other) > 0 {
                    self.add(base + other, 1);
                    return Some((k, base + other));
                }
            }
            self.add(k, 1);
        }
        None
    }
}

/// Why an operator's model has no solution, when the checks before solving found nothing:
/// the vendor cap within a domain, or the cap with crews and budget together.
fn diagnose(op: &Operator, share: Option<f64>) -> Result<Vec<Shortfall>, Error> {
    let mut out = Vec::new();
    if let Some(p) = share {
        for domain in op.mix.keys() {
            // The domain alone, every demand due at once, no crews or budget: only the cap.
            let alone = Operator {
                jobs: op
                    .jobs
                    .iter()
                    .filter(|j| j.demand.role.domain == *domain)
                    .map(|j| Job {
                        last: 0,
                        ..j.clone()
                    })
                    .collect(),
                crews: None,
                budget: None,
                ..op.clone()
            };
            let needed: u64 = alone.jobs.iter().map(|j| j.elements).sum();
            let reach = reach(&alone, share)?;
            if reach < needed {
                let vendors: BTreeSet<&str> = alone
                    .jobs
                    .iter()
                    .flat_map(|j| j.options.iter().map(|o| o.0))
                    .collect();
                let vendors: Vec<&str> = vendors.into_iter().collect();
                out.push(Shortfall {
                    operator: op.name.to_string(),
                    resource: "diversity".into(),
                    by: None,
                    needed: needed as f64,
                    available: reach as f64,
                    message: format!(
                        "{}: with no vendor above {p}% of {domain}, the allowed vendors ({}) \
                         can take {} of the {} {domain} elements to replace",
                        op.name,
                        vendors.join(", "),
                        grouped(reach),
                        grouped(needed)
                    ),
                });
            }
        }
    }
    if out.is_empty() {
        let needed: u64 = op.jobs.iter().map(|j| j.elements).sum();
        let reach = reach(op, share)?;
        let (resource, what) = match share {
            Some(p) => (
                "diversity",
                format!("crews, budget and the {p}% vendor cap"),
            ),
            None if op.budget.is_some() => ("budget", "crews and budget".to_string()),
            None => ("crews", "crews".to_string()),
        };
        out.push(Shortfall {
            operator: op.name.to_string(),
            resource: resource.into(),
            by: None,
            needed: needed as f64,
            available: reach as f64,
            message: format!(
                "{}: {what} together allow {} of the {} elements to be replaced by their \
                 deadlines",
                op.name,
                grouped(reach),
                grouped(needed)
            ),
        });
    }
    Ok(out)
}

/// The most elements the operator's model can place (rounded down to whole elements).
fn reach(op: &Operator, share: Option<f64>) -> Result<u64, Error> {
    let cells = cells(op);
    let solved = solve(op, &cells, share, Goal::Reach, false, None)?;
    Ok(solved.map_or(0, |s| (s.objective + WHOLE).floor().max(0.0) as u64))
}

fn cents(x: f64) -> f64 {
    let c = (x * 100.0).round() / 100.0;
    if c == 0.0 { 0.0 } else { c }
}

/// `1234567` → `1,234,567`.
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// A sum of money, whole units, grouped.
fn money(x: f64) -> String {
    grouped(x.max(0.0).round() as u64)
}

// ---------------------------------------------------------------------------------------------
// The plan configuration (`netvet network --plan plan.toml`) and the built-in costs.

/// The built-in replacement costs per element (`data/replacement-costs.toml`).
const BUILTIN_COSTS: &str = include_str!("../data/replacement-costs.toml");
const BUILTIN_COSTS_FILE: &str = "crates/network/data/replacement-costs.toml";

/// A plan configuration as a user writes it (`plan.toml`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PlanConfig {
    /// The first quarter to schedule in; absent: the caller's default (the quarter after
    /// `as_of`).
    pub start: Option<Quarter>,
    pub max_vendor_share_percent: Option<f64>,
    /// `[costs]`: replacement cost per element by function, over the built-in defaults.
    /// Sorted by function.
    pub costs: Vec<FunctionCost>,
    /// `[[capacity]]` as written; operator `*` stands for every operator without its own
    /// entry (see [`PlanConfig::capacities`]). Sorted by operator.
    pub capacity: Vec<Capacity>,
    /// `[[replacement]]` in file order; empty: the caller's default vendors.
    pub replacement: Vec<ReplacementChoice>,
}

/// A `[[replacement]]` entry: a vendor the user allows to replace elements, at a price.
#[derive(Clone, Debug, PartialEq)]
pub struct ReplacementChoice {
    /// Dossier id (lowercase).
    pub vendor: String,
    /// The factor on an element's replacement cost this vendor's price is (default 1.0).
    pub price_factor: f64,
    /// The roles it may replace; `None`: every role where the caller allows the vendor.
    pub roles: Option<Vec<Role>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    start: Option<Quarter>,
    max_vendor_share_percent: Option<Spanned<f64>>,
    #[serde(default)]
    costs: BTreeMap<Spanned<String>, Spanned<f64>>,
    #[serde(default)]
    capacity: Vec<CapacityEntry>,
    #[serde(default)]
    replacement: Vec<ReplacementEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CapacityEntry {
    operator: Spanned<String>,
    elements_per_quarter: Option<u64>,
    budget_per_quarter: Option<Spanned<f64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReplacementEntry {
    vendor: Spanned<String>,
    price_factor: Option<Spanned<f64>>,
    roles: Option<Spanned<Vec<Role>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CostsFile {
    costs: BTreeMap<Spanned<String>, Spanned<f64>>,
}

impl PlanConfig {
    /// Parses and validates a plan configuration; errors name `file` and the line.
    pub fn parse(file: &str, text: &str) -> Result<PlanConfig, Error> {
        let at = |span: Range<usize>, message: String| Error::PlanConfig {
            file: file.to_string(),
            line: Some(line_of(text, span.start)),
            message,
        };
        let raw: ConfigFile = toml::from_str(text).map_err(|e| Error::PlanConfig {
            file: file.to_string(),
            line: e.span().map(|s| line_of(text, s.start)),
            message: e.message().trim_end().to_string(),
        })?;
        let max_vendor_share_percent = match raw.max_vendor_share_percent {
            Some(p) => {
                let v = *p.get_ref();
                if !(v.is_finite() && v > 0.0 && v <= 100.0) {
                    return Err(at(
                        p.span(),
                        format!(
                            "max_vendor_share_percent {v} is not a percentage above 0 and at most 100"
                        ),
                    ));
                }
                Some(v)
            }
            None => None,
        };
        let costs = cost_table(&raw.costs, &at)?;
        let mut capacity: Vec<Capacity> = Vec::new();
        let mut operators = BTreeSet::new();
        for c in raw.capacity {
            let name = c.operator.get_ref().trim().to_string();
            if name.is_empty() {
                return Err(at(c.operator.span(), "capacity without an operator".into()));
            }
            if !operators.insert(name.clone()) {
                return Err(at(
                    c.operator.span(),
                    format!("a second [[capacity]] for operator {name:?}"),
                ));
            }
            let budget = match c.budget_per_quarter {
                Some(b) => {
                    let v = *b.get_ref();
                    if !(v.is_finite() && v >= 0.0) {
                        return Err(at(
                            b.span(),
                            format!("budget_per_quarter {v} is not a sum of money"),
                        ));
                    }
                    Some(v)
                }
                None => None,
            };
            if c.elements_per_quarter.is_none() && budget.is_none() {
                return Err(at(
                    c.operator.span(),
                    format!(
                        "capacity of {name:?} gives neither elements_per_quarter nor budget_per_quarter"
                    ),
                ));
            }
            capacity.push(Capacity {
                operator: name,
                elements_per_quarter: c.elements_per_quarter,
                budget_per_quarter: budget,
            });
        }
        capacity.sort_by(|a, b| a.operator.cmp(&b.operator));
        let mut replacement = Vec::new();
        // (vendor, role); role None: every role of the vendor.
        let mut listed: BTreeSet<(String, Option<Role>)> = BTreeSet::new();
        for r in raw.replacement {
            let vendor = r.vendor.get_ref().trim().to_ascii_lowercase();
            if vendor.is_empty() {
                return Err(at(r.vendor.span(), "replacement without a vendor".into()));
            }
            let price_factor = match &r.price_factor {
                Some(f) => {
                    let v = *f.get_ref();
                    if !(v.is_finite() && v > 0.0) {
                        return Err(at(f.span(), format!("price_factor {v} is not above 0")));
                    }
                    v
                }
                None => 1.0,
            };
            let roles = match r.roles {
                Some(rs) => {
                    let span = rs.span();
                    let rs = rs.into_inner();
                    if rs.is_empty() {
                        return Err(at(
                            span,
                            format!(
                                "vendor {vendor:?} lists no roles (leave roles out for every role)"
                            ),
                        ));
                    }
                    Some(rs)
                }
                None => None,
            };
            let keys: Vec<Option<Role>> = match &roles {
                Some(rs) => rs.iter().copied().map(Some).collect(),
                None => vec![None],
            };
            for key in keys {
                let clash = listed.iter().any(|(v, role)| *v == vendor && *role == key);
                if clash {
                    return Err(at(
                        r.vendor.span(),
                        match key {
                            Some(role) => format!("vendor {vendor:?} is listed twice for {role}"),
                            None => format!("vendor {vendor:?} is listed twice"),
                        },
                    ));
                }
                listed.insert((vendor.clone(), key));
            }
            replacement.push(ReplacementChoice {
                vendor,
                price_factor,
                roles,
            });
        }
        Ok(PlanConfig {
            start: raw.start,
            max_vendor_share_percent,
            costs,
            capacity,
            replacement,
        })
    }

    /// The replacement cost of one element of `function` where the inventory states none:
    /// this file's `[costs]`, else the built-in default.
    pub fn default_cost(&self, function: NetworkFunction) -> f64 {
        self.costs
            .iter()
            .chain(builtin_costs())
            .find(|c| c.function == function)
            .map_or(0.0, |c| c.cost)
    }

    /// The default cost of every function, in [`NetworkFunction::ALL`] order.
    pub fn default_costs(&self) -> Vec<FunctionCost> {
        NetworkFunction::ALL
            .iter()
            .map(|&function| FunctionCost {
                function,
                cost: self.default_cost(function),
            })
            .collect()
    }

    /// The capacities of `operators`, with `*` given to each one without its own entry, and
    /// the named entries; sorted by operator.
    pub fn capacities<'a>(&self, operators: impl IntoIterator<Item = &'a str>) -> Vec<Capacity> {
        let mut out: BTreeMap<String, Capacity> = self
            .capacity
            .iter()
            .filter(|c| c.operator != "*")
            .map(|c| (c.operator.clone(), c.clone()))
            .collect();
        if let Some(any) = self.capacity.iter().find(|c| c.operator == "*") {
            for op in operators {
                out.entry(op.to_string()).or_insert_with(|| Capacity {
                    operator: op.to_string(),
                    ..any.clone()
                });
            }
        }
        out.into_values().collect()
    }
}

/// netvet's built-in replacement cost per element of every function (parsed once).
pub fn builtin_costs() -> &'static [FunctionCost] {
    static COSTS: OnceLock<Vec<FunctionCost>> = OnceLock::new();
    COSTS.get_or_init(
        || match parse_builtin_costs(BUILTIN_COSTS_FILE, BUILTIN_COSTS) {
            Ok(c) => c,
            // The file is compiled in and checked by a test: a failure is a build defect.
            Err(e) => panic!("built-in replacement costs: {e}"),
        },
    )
}

/// Parses a cost file (`[costs]`, one entry per function, every function present).
fn parse_builtin_costs(file: &str, text: &str) -> Result<Vec<FunctionCost>, Error> {
    let raw: CostsFile = toml::from_str(text).map_err(|e| Error::PlanConfig {
        file: file.to_string(),
        line: e.span().map(|s| line_of(text, s.start)),
        message: e.message().trim_end().to_string(),
    })?;
    let at = |span: Range<usize>, message: String| Error::PlanConfig {
        file: file.to_string(),
        line: Some(line_of(text, span.start)),
        message,
    };
    let costs = cost_table(&raw.costs, &at)?;
    let missing: Vec<&str> = NetworkFunction::ALL
        .iter()
        .filter(|f| !costs.iter().any(|c| c.function == **f))
        .map(|f| f.as_str())
        .collect();
    if !missing.is_empty() {
        return Err(Error::PlanConfig {
            file: file.to_string(),
            line: None,
            message: format!("no cost for {}", missing.join(", ")),
        });
    }
    Ok(costs)
}

/// A `[costs]` table: function names (or aliases) to costs per element, sorted by function.
fn cost_table(
    table: &BTreeMap<Spanned<String>, Spanned<f64>>,
    at: &impl Fn(Range<usize>, String) -> Error,
) -> Result<Vec<FunctionCost>, Error> {
    let mut out: BTreeMap<NetworkFunction, f64> = BTreeMap::new();
    // In file order, so the first bad entry is the one reported.
    let mut entries: Vec<(&Spanned<String>, &Spanned<f64>)> = table.iter().collect();
    entries.sort_by_key(|(k, _)| k.span().start);
    for (key, value) in entries {
        let function: NetworkFunction = key
            .get_ref()
            .parse()
            .map_err(|m: String| at(key.span(), format!("[costs]: {m}")))?;
        let cost = *value.get_ref();
        if !(cost.is_finite() && cost >= 0.0) {
            return Err(at(
                value.span(),
                format!("[costs]: {cost} is not a cost per element"),
            ));
        }
        if out.insert(function, cost).is_some() {
            return Err(at(
                key.span(),
                format!("[costs]: a second cost for {function}"),
            ));
        }
    }
    Ok(out
        .into_iter()
        .map(|(function, cost)| FunctionCost { function, cost })
        .collect())
}

/// The 1-based line of byte offset `at`.
fn line_of(text: &str, at: usize) -> u64 {
    let at = at.min(text.len());
    text.as_bytes()[..at]
        .iter()
        .filter(|&&b| b == b'\n')
        .count() as u64
        + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<PlanConfig, Error> {
        PlanConfig::parse("plan.toml", text)
    }

    fn located(e: Error) -> (String, Option<u64>, String) {
        match e {
            Error::PlanConfig {
                file,
                line,
                message,
            } => (file, line, message),
            other => panic!("not a configuration error: {other}"),
        }
    }

    #[test]
    fn parses_a_plan_configuration() {
        let config = parse(
            r#"start = "2027-Q2"
max_vendor_share_percent = 50

[costs]
gNB = 40000
gnb-cu = 1
"SDN-controller" = 99000.5

[[capacity]]
operator = "Nordnetz (fictional)"
elements_per_quarter = 400
budget_per_quarter = 20000000

[[capacity]]
operator = "*"
elements_per_quarter = 100

[[replacement]]
vendor = "Ericsson"
price_factor = 1.0
roles = ["RAN:gNB", "core:AMF"]

[[replacement]]
vendor = "nokia"
"#,
        );
        let config = match config {
            Ok(c) => c,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(config.start, Some("2027-Q2".parse().expect("quarter")));
        assert_eq!(config.max_vendor_share_percent, Some(50.0));
        assert_eq!(
            config.costs,
            vec![
                FunctionCost {
                    function: NetworkFunction::Gnb,
                    cost: 40000.0
                },
                FunctionCost {
                    function: NetworkFunction::Cu,
                    cost: 1.0
                },
                FunctionCost {
                    function: NetworkFunction::SdnController,
                    cost: 99000.5
                },
            ]
        );
        assert_eq!(config.default_cost(NetworkFunction::Gnb), 40000.0);
        assert_eq!(config.default_cost(NetworkFunction::Amf), 250000.0);
        assert_eq!(
            config.capacity,
            vec![
                Capacity {
                    operator: "*".into(),
                    elements_per_quarter: Some(100),
                    budget_per_quarter: None,
                },
                Capacity {
                    operator: "Nordnetz (fictional)".into(),
                    elements_per_quarter: Some(400),
                    budget_per_quarter: Some(20_000_000.0),
                },
            ]
        );
        assert_eq!(
            config.capacities(["Nordnetz (fictional)", "Suedfunk (fictional)"]),
            vec![
                Capacity {
                    operator: "Nordnetz (fictional)".into(),
                    elements_per_quarter: Some(400),
                    budget_per_quarter: Some(20_000_000.0),
                },
                Capacity {
                    operator: "Suedfunk (fictional)".into(),
                    elements_per_quarter: Some(100),
                    budget_per_quarter: None,
                },
            ]
        );
        assert_eq!(
            config.replacement,
            vec![
                ReplacementChoice {
                    vendor: "ericsson".into(),
                    price_factor: 1.0,
                    roles: Some(vec![
                        "RAN:gNB".parse().expect("role"),
                        "core:AMF".parse().expect("role")
                    ]),
                },
                ReplacementChoice {
                    vendor: "nokia".into(),
                    price_factor: 1.0,
                    roles: None,
                },
            ]
        );
    }

    #[test]
    fn empty_configuration_uses_the_defaults() {
        let config = parse("# nothing\n").expect("empty is valid");
        assert_eq!(config, PlanConfig::default());
        assert_eq!(config.default_costs().len(), NetworkFunction::ALL.len());
        assert_eq!(config.capacities(["a"]), Vec::new());
    }

    #[test]
    fn unknown_key_names_file_and_line() {
        let (file, line, message) = located(
            parse("max_vendor_share_percent = 50\n\n[[capacity]]\noperator = \"x\"\ncrews = 4\n")
                .expect_err("unknown key"),
        );
        assert_eq!((file.as_str(), line), ("plan.toml", Some(5)));
        assert!(message.contains("unknown field `crews`"), "{message}");
    }

    #[test]
    fn unknown_function_in_costs_names_its_line() {
        let e = parse("[costs]\ngNB = 1\nwarp-drive = 5\n").expect_err("unknown function");
        assert!(
            e.to_string()
                .starts_with("plan.toml:3: [costs]: unknown network function \"warp-drive\""),
            "{e}"
        );
    }

    #[test]
    fn rejects_invalid_values_at_their_line() {
        let cases = [
            ("max_vendor_share_percent = 0\n", 1, "not a percentage"),
            ("max_vendor_share_percent = 101\n", 1, "not a percentage"),
            ("start = \"2027-Q5\"\n", 1, "not a quarter"),
            ("[costs]\ngNB = -1\n", 2, "not a cost per element"),
            ("[costs]\ngNB = 1\ngnodeb = 2\n", 3, "a second cost for gNB"),
            (
                "[[capacity]]\noperator = \"a\"\n",
                2,
                "neither elements_per_quarter",
            ),
            (
                "[[capacity]]\noperator = \"a\"\nelements_per_quarter = 1\n[[capacity]]\noperator = \"a\"\nelements_per_quarter = 2\n",
                5,
                "a second [[capacity]]",
            ),
            (
                "[[capacity]]\noperator = \"a\"\nelements_per_quarter = -1\n",
                3,
                "",
            ),
            (
                "[[replacement]]\nvendor = \"x\"\nprice_factor = 0\n",
                3,
                "not above 0",
            ),
            (
                "[[replacement]]\nvendor = \"x\"\nroles = [\"RAN:AMF\"]\n",
                3,
                "AMF is not deployed",
            ),
            (
                "[[replacement]]\nvendor = \"x\"\nroles = []\n",
                3,
                "lists no roles",
            ),
            (
                "[[replacement]]\nvendor = \"x\"\nroles = [\"gNB\"]\n[[replacement]]\nvendor = \"X\"\nroles = [\"RAN:gNB\"]\n",
                5,
                "listed twice for RAN:gNB",
            ),
        ];
        for (text, want_line, want) in cases {
            let (_, line, message) = located(parse(text).expect_err(text));
            assert_eq!(line, Some(want_line), "{text:?}: {message}");
            assert!(message.contains(want), "{text:?}: {message}");
        }
    }

    #[test]
    fn every_function_has_a_built_in_cost() {
        let costs = parse_builtin_costs(BUILTIN_COSTS_FILE, BUILTIN_COSTS).expect("valid");
        let functions: Vec<NetworkFunction> = costs.iter().map(|c| c.function).collect();
        assert_eq!(functions, NetworkFunction::ALL.to_vec());
        let cost = |f| costs.iter().find(|c| c.function == f).map(|c| c.cost);
        assert_eq!(cost(NetworkFunction::Gnb), Some(45_000.0));
        assert_eq!(cost(NetworkFunction::Ru), Some(12_000.0));
        assert_eq!(cost(NetworkFunction::Oss), Some(400_000.0));
        assert_eq!(cost(NetworkFunction::Nfvi), Some(500_000.0));
        assert_eq!(builtin_costs(), costs.as_slice());
    }

    #[test]
    fn cost_file_missing_a_function_is_rejected() {
        let e = parse_builtin_costs("costs.toml", "[costs]\ngNB = 1\n").expect_err("incomplete");
        assert!(
            e.to_string().starts_with("costs.toml: no cost for CU, DU"),
            "{e}"
        );
    }

    #[test]
    fn groups_thousands() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1_000), "1,000");
        assert_eq!(grouped(1_234_567), "1,234,567");
    }
}
