//! An operator network judged against a catalogue: how much of it is prohibited or
//! conditional, how diverse its vendors are, which deadlines approach, and a replacement plan
//! that meets them (or what is short).

use std::fmt;
use std::str::FromStr;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::assessment::{CatalogueRef, Condition, Decision, Ground, ProductRef, Reason, Status};
use crate::date::Date;
use crate::impact::UnmatchedClass;
use crate::network::{NetworkFunction, Role};

/// Schema identifier of [`NetworkReport`].
pub const NETWORK_SCHEMA: &str = "netvet.network/1";

/// `netvet network` output.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct NetworkReport {
    /// Always [`NETWORK_SCHEMA`].
    #[schemars(extend("const" = NETWORK_SCHEMA))]
    pub schema: String,
    pub catalogue: CatalogueRef,
    pub as_of: Date,
    /// A prohibited element whose deadline falls within this many days of `as_of` is near it.
    pub near_days: u32,
    pub inventory: InventoryRead,
    /// The whole inventory.
    pub totals: Exposure,
    /// Sorted by operator.
    pub operators: Vec<OperatorExposure>,
    /// Each product record the inventory uses, in each role it is used in, with its verdict.
    /// Sorted by product id, then role.
    pub verdicts: Vec<ClassVerdict>,
    /// Results of the catalogue's requirements that read the inventory's shares (share caps,
    /// diversity), per product and role where they did not pass.
    pub share_rules: Vec<ShareRule>,
    /// Inventory classes no product record matched: counted, never dropped.
    pub unassessed: Vec<UnmatchedClass>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<Plan>,
    pub warnings: Vec<String>,
}

/// What reading the inventory saw.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct InventoryRead {
    pub file: String,
    /// Data rows read, valid or not.
    pub rows: u64,
    pub accepted: u64,
    pub rejected: u64,
    /// Distinct (vendor, product, version, role) classes among the accepted rows.
    pub classes: u64,
}

/// Element counts by what the catalogue says of them.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Exposure {
    pub elements: u64,
    pub allowed: u64,
    pub conditional: u64,
    pub prohibited: u64,
    /// Elements of classes no product record matched.
    pub unassessed: u64,
    /// Prohibited elements whose deadline is on or before `as_of`.
    pub past_deadline: u64,
    /// Prohibited elements whose deadline is after `as_of` but within `near_days`.
    pub near_deadline: u64,
    /// `prohibited` as a percentage of `elements` (one decimal).
    pub prohibited_percent: f64,
    /// `conditional` as a percentage of `elements` (one decimal).
    pub conditional_percent: f64,
}

/// One operator's network.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct OperatorExposure {
    pub operator: String,
    pub exposure: Exposure,
    /// The summed replacement cost of the prohibited elements that state one.
    pub prohibited_cost: f64,
    /// Prohibited elements without a stated replacement cost.
    pub prohibited_without_cost: u64,
    /// One slice per domain, per function (`RAN:gNB`) and per region, in that order, each
    /// sorted by key.
    pub slices: Vec<Slice>,
}

/// What a slice of an operator's network is cut by.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Dimension {
    Domain,
    Function,
    Region,
}

/// A part of an operator's network: a domain, a function in a domain, or a region.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Slice {
    pub dimension: Dimension,
    /// `RAN`; `RAN:gNB`; the region as the inventory writes it.
    pub key: String,
    pub exposure: Exposure,
    /// Sorted by elements (most first), then vendor.
    pub vendors: Vec<VendorShare>,
    /// Herfindahl–Hirschman index of the vendor shares, 0–10 000 (10 000: one vendor).
    pub hhi: f64,
    /// The vendor that supplies every element of the slice, when there is one and the slice
    /// has at least two elements.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub single_vendor: Option<String>,
}

/// One vendor's part of a slice.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct VendorShare {
    /// The dossier id, or the inventory's spelling (lowercase) when no dossier matched.
    pub vendor: String,
    pub vendor_name: String,
    /// Whether a dossier matched.
    pub known: bool,
    pub elements: u64,
    /// Percentage of the slice (one decimal).
    pub share_percent: f64,
    pub prohibited: u64,
    pub conditional: u64,
}

/// A product record in a role, as the inventory uses it, with its verdict.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ClassVerdict {
    pub product: ProductRef,
    pub role: Role,
    /// The licences the class's elements are used under (their conditions bind them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub licences: Vec<String>,
    pub decision: Decision,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<Date>,
    pub legal_basis: Vec<String>,
    pub grounds: Vec<Ground>,
    pub conditions: Vec<Condition>,
    /// What to supply: requirements that could not be decided for lack of evidence.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence_needed: Vec<Condition>,
    /// The reasons of the requirements that ground the verdict, with their evidence.
    pub reasons: Vec<Reason>,
    /// Elements of all operators in this class.
    pub elements: u64,
}

/// A share rule (cap, diversity) that did not pass for a product in a role.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ShareRule {
    pub requirement: String,
    pub title: String,
    pub product: String,
    pub vendor: String,
    pub role: Role,
    pub status: Status,
    pub reasons: Vec<Reason>,
}

/// A calendar quarter, written `2027-Q1`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Quarter {
    pub year: u16,
    /// 1–4.
    pub quarter: u8,
}

impl Quarter {
    /// The quarter a date falls in.
    pub fn of(d: Date) -> Quarter {
        Quarter {
            year: d.year,
            quarter: (d.month - 1) / 3 + 1,
        }
    }

    /// The quarter after this one.
    pub fn next(self) -> Quarter {
        if self.quarter == 4 {
            Quarter {
                year: self.year.saturating_add(1),
                quarter: 1,
            }
        } else {
            Quarter {
                year: self.year,
                quarter: self.quarter + 1,
            }
        }
    }

    /// Quarters from `self` to `later` (0 when equal, negative when `later` is earlier).
    pub fn until(self, later: Quarter) -> i64 {
        (i64::from(later.year) * 4 + i64::from(later.quarter))
            - (i64::from(self.year) * 4 + i64::from(self.quarter))
    }

    /// The quarter `n` quarters after this one.
    pub fn plus(self, n: u32) -> Quarter {
        let index = u32::from(self.year) * 4 + u32::from(self.quarter - 1) + n;
        Quarter {
            year: u16::try_from(index / 4).unwrap_or(u16::MAX),
            quarter: (index % 4) as u8 + 1,
        }
    }

    /// The first day of the quarter.
    pub fn first_day(self) -> Date {
        Date {
            year: self.year,
            month: (self.quarter - 1) * 3 + 1,
            day: 1,
        }
    }

    /// The last day of the quarter.
    pub fn last_day(self) -> Date {
        let (month, day) = match self.quarter {
            1 => (3, 31),
            2 => (6, 30),
            3 => (9, 30),
            _ => (12, 31),
        };
        Date {
            year: self.year,
            month,
            day,
        }
    }
}

impl fmt::Display for Quarter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-Q{}", self.year, self.quarter)
    }
}

impl FromStr for Quarter {
    type Err = String;
    fn from_str(s: &str) -> Result<Quarter, String> {
        let bad = || format!("{s:?} is not a quarter (expected YYYY-Qn, n 1-4)");
        let (y, q) = s.trim().split_once("-Q").ok_or_else(bad)?;
        let year: u16 = (y.len() == 4)
            .then(|| y.parse().ok())
            .flatten()
            .ok_or_else(bad)?;
        let quarter: u8 = q.parse().map_err(|_| bad())?;
        if !(1..=4).contains(&quarter) {
            return Err(bad());
        }
        Ok(Quarter { year, quarter })
    }
}

impl Serialize for Quarter {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A string `YYYY-Qn`.
impl schemars::JsonSchema for Quarter {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Quarter".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "string", "pattern": "^[0-9]{4}-Q[1-4]$" })
    }
}

impl<'de> Deserialize<'de> for Quarter {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Quarter, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// A quarter-by-quarter replacement schedule for the prohibited elements.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Plan {
    /// Whether a schedule meets every deadline within the capacities.
    pub feasible: bool,
    /// The first quarter work can be scheduled in.
    pub start: Quarter,
    /// The last quarter scheduled (the latest deadline).
    pub end: Quarter,
    /// Elements to replace.
    pub elements: u64,
    /// Cost of the schedule (0 when infeasible).
    pub total_cost: f64,
    /// The lowest cost any schedule could have (the solver's bound); equal to `total_cost`
    /// when the schedule is proven optimal.
    pub lower_bound: f64,
    /// Elements whose deadline had passed before `start`: scheduled by the end of `start`.
    pub overdue: u64,
    /// The replacements, sorted by quarter, operator, role, from-vendor, to-vendor.
    pub steps: Vec<PlanStep>,
    /// Per operator and quarter: elements and cost (every quarter from start to end).
    pub quarters: Vec<QuarterLoad>,
    /// When infeasible: what is short, where and by when.
    pub shortfalls: Vec<Shortfall>,
    /// What the plan assumed.
    pub assumptions: PlanAssumptions,
}

/// Elements of one role at one operator replaced in one quarter by one vendor.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PlanStep {
    pub quarter: Quarter,
    pub operator: String,
    pub role: Role,
    /// The vendor replaced (dossier id).
    pub from_vendor: String,
    /// The vendor that replaces it (dossier id).
    pub to_vendor: String,
    pub elements: u64,
    pub cost: f64,
    /// The deadline these elements must be gone by.
    pub deadline: Date,
}

/// One operator's work in one quarter.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct QuarterLoad {
    pub quarter: Quarter,
    pub operator: String,
    pub elements: u64,
    pub cost: f64,
    /// The operator's capacity that quarter (elements), if bounded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crew_capacity: Option<u64>,
    /// The operator's budget that quarter, if bounded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget: Option<f64>,
}

/// What is missing for a feasible plan.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Shortfall {
    pub operator: String,
    /// `crews`, `budget` or `replacement-vendor`.
    pub resource: String,
    /// The deadline quarter by which the work cannot be done.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<Quarter>,
    /// What is needed by then and what is available (elements or currency).
    pub needed: f64,
    pub available: f64,
    pub message: String,
}

/// The inputs the plan was computed from, as used.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PlanAssumptions {
    /// Replacement cost per element by function where the inventory gives none.
    pub default_costs: Vec<FunctionCost>,
    /// Per operator: elements per quarter and budget per quarter (absent: unbounded).
    pub capacities: Vec<Capacity>,
    /// The vendors allowed to replace each role (dossier ids) and their price factors.
    pub replacements: Vec<ReplacementOption>,
    /// No vendor may hold more than this share of an operator's domain after replacement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_vendor_share_percent: Option<f64>,
}

/// A default replacement cost.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FunctionCost {
    pub function: NetworkFunction,
    pub cost: f64,
}

/// An operator's capacity per quarter.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Capacity {
    pub operator: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub elements_per_quarter: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget_per_quarter: Option<f64>,
}

/// A vendor allowed to replace a role, and the factor on the element's cost its price is.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ReplacementOption {
    pub role: Role,
    pub vendor: String,
    pub price_factor: f64,
}

/// Percentage with one decimal; 0 for an empty total.
pub fn percent(part: u64, total: u64) -> f64 {
    if total == 0 {
        return 0.0;
    }
    ((part as f64) * 1000.0 / (total as f64)).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quarters_parse_print_and_step() {
        let q: Quarter = "2026-Q4".parse().expect("valid");
        assert_eq!(q.to_string(), "2026-Q4");
        assert_eq!(q.next().to_string(), "2027-Q1");
        assert_eq!(q.plus(5).to_string(), "2028-Q1");
        assert_eq!(q.until("2029-Q4".parse().expect("valid")), 12);
        assert_eq!(q.last_day().to_string(), "2026-12-31");
        assert_eq!(
            Quarter::of(Date::new(2027, 4, 1).expect("date")).to_string(),
            "2027-Q2"
        );
        assert!("2026-Q5".parse::<Quarter>().is_err());
        assert!("26-Q1".parse::<Quarter>().is_err());
    }

    #[test]
    fn percentages_round_to_one_decimal() {
        assert_eq!(percent(1, 3), 33.3);
        assert_eq!(percent(0, 0), 0.0);
        assert_eq!(percent(35, 100), 35.0);
    }
}
