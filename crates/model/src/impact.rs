//! The impact of moving from one catalogue to another: which verdicts change, which vendors
//! become excluded from which roles, and — with an inventory — how many network elements of
//! which operators are affected.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::assessment::{CatalogueRef, Decision, ProductRef, VerdictCounts};
use crate::date::Date;
use crate::network::{NetworkFunction, Role};

/// Schema identifier of [`ImpactReport`].
pub const IMPACT_SCHEMA: &str = "netvet.impact/1";

/// A product whose verdict in a role differs between the two catalogues.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct VerdictChange {
    pub product: ProductRef,
    pub role: Role,
    pub from: Decision,
    pub to: Decision,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_deadline: Option<Date>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_deadline: Option<Date>,
    /// Requirements that ground the new verdict and did not ground the old one.
    pub requirements: Vec<String>,
}

/// A vendor whose products become prohibited in a role.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Exclusion {
    pub vendor: String,
    pub vendor_name: String,
    pub role: Role,
    /// The vendor's products newly prohibited in the role.
    pub products: Vec<String>,
    /// The earliest date the prohibition applies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<Date>,
    pub requirements: Vec<String>,
}

/// Totals over every product × role assessed under both catalogues.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ImpactSummary {
    pub assessed: u64,
    pub changed: u64,
    pub newly_prohibited: u64,
    pub no_longer_prohibited: u64,
    pub from: VerdictCounts,
    pub to: VerdictCounts,
}

/// An inventory class (vendor, product, version, function) no product record matched.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
pub struct UnmatchedClass {
    pub vendor: String,
    pub product: String,
    pub version: String,
    pub function: NetworkFunction,
    pub elements: u64,
}

/// Inventory elements counted per class (vendor, product, version, function).
pub type ClassCounts = std::collections::BTreeMap<(String, String, String, NetworkFunction), u64>;

impl UnmatchedClass {
    /// One row per counted class, in the map's (sorted) order.
    pub fn from_counts(counts: ClassCounts) -> Vec<UnmatchedClass> {
        counts
            .into_iter()
            .map(
                |((vendor, product, version, function), elements)| UnmatchedClass {
                    vendor,
                    product,
                    version,
                    function,
                    elements,
                },
            )
            .collect()
    }
}

/// Elements of one operator whose vendor, product and role are affected.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AffectedGroup {
    pub vendor: String,
    pub product: String,
    pub role: Role,
    pub from: Decision,
    pub to: Decision,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<Date>,
    pub elements: u64,
    /// Sum of the replacement costs given for these elements.
    pub replacement_cost: f64,
    /// Elements without a replacement cost.
    pub elements_without_cost: u64,
}

/// What the change means for one operator.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct OperatorImpact {
    pub operator: String,
    /// Elements of the operator in the inventory (valid rows).
    pub elements: u64,
    /// Elements whose verdict changes.
    pub changed: u64,
    /// Elements prohibited under the new catalogue and not under the old one.
    pub newly_prohibited: u64,
    /// Elements matching no product record (not assessed).
    pub unassessed: u64,
    pub groups: Vec<AffectedGroup>,
}

/// The inventory side of an impact report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct InventoryImpact {
    pub file: String,
    pub rows: u64,
    pub rejected_rows: u64,
    /// Distinct (vendor, product, version, function) classes evaluated.
    pub classes: u64,
    pub operators: Vec<OperatorImpact>,
    pub unmatched: Vec<UnmatchedClass>,
}

/// `netvet impact` output.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ImpactReport {
    /// Always [`IMPACT_SCHEMA`].
    #[schemars(extend("const" = IMPACT_SCHEMA))]
    pub schema: String,
    pub from: CatalogueRef,
    pub to: CatalogueRef,
    pub as_of: Date,
    pub summary: ImpactSummary,
    /// Sorted by product, then role.
    pub changes: Vec<VerdictChange>,
    /// Sorted by vendor, then role.
    pub exclusions: Vec<Exclusion>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inventory: Option<InventoryImpact>,
    pub warnings: Vec<String>,
}
