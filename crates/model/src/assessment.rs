//! Assessments: for each product in each deployment role, every requirement's status with
//! reasons and evidence, and the verdict — allow, allow with conditions, prohibit — with its
//! legal basis and deadline.

use std::fmt;
use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::catalogue::Consequence;
use crate::date::Date;
use crate::network::Role;

mod document;

/// Schema identifier of [`AssessmentReport`]. Version 2 writes each distinct product,
/// requirement result and verdict once and refers to them from each assessment.
pub const ASSESSMENT_SCHEMA: &str = "netvet.assessment/2";

/// The outcome of one requirement for one product in one role.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Pass,
    Fail,
    /// The requirement does not apply to this product in this role.
    NotApplicable,
    /// The evidence needed to decide is missing. Never counted as a pass.
    Unknown,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::NotApplicable => "not-applicable",
            Status::Unknown => "unknown",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a catalogue says about using a product in a role.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Decision {
    Allow,
    AllowWithConditions,
    Prohibit,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Allow => "allow",
            Decision::AllowWithConditions => "allow-with-conditions",
            Decision::Prohibit => "prohibit",
        }
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a requirement has its status, and the evidence that says so (`scan:<sha256>:finding:<id>`,
/// `dossier:huawei:H14`, `product:acme-gnb:certification:0`).
#[derive(
    Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(deny_unknown_fields)]
pub struct Reason {
    pub message: String,
    #[serde(default)]
    pub evidence: Vec<String>,
}

/// One requirement's result.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RequirementResult {
    pub id: String,
    pub status: Status,
    pub consequence: Consequence,
    pub reasons: Vec<Reason>,
}

/// A requirement that gives the verdict its decision.
#[derive(
    Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(deny_unknown_fields)]
pub struct Ground {
    pub requirement: String,
    pub status: Status,
    pub legal_basis: String,
    /// When it bites (the requirement's deadline, else the catalogue's effective date).
    pub effective: Date,
    /// The licences whose conditions the requirement is (a requirement scoped to licences):
    /// a failed one is a breach of those licences' conditions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub licences: Vec<String>,
}

/// Something that must hold for the product to be used in the role.
#[derive(
    Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    pub requirement: String,
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<Date>,
}

/// The verdict for a product in a role, as composed by the catalogue's verdict policy.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Verdict {
    pub decision: Decision,
    /// For a prohibition: the earliest date from which it applies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<Date>,
    /// The provisions the decision rests on.
    pub legal_basis: Vec<String>,
    /// The requirements that gave the decision.
    pub grounds: Vec<Ground>,
    /// Conditions the law imposes on use (what to do): failed requirements whose consequence
    /// is a condition.
    pub conditions: Vec<Condition>,
    /// Evidence to supply before use (what to supply): requirements that could bar or
    /// condition use and are unknown for lack of evidence.
    #[serde(default)]
    pub evidence_needed: Vec<Condition>,
    /// Failed advisory requirements.
    pub advisories: Vec<String>,
}

/// The product an assessment is about.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
pub struct ProductRef {
    pub id: String,
    pub vendor: String,
    pub vendor_name: String,
    pub name: String,
    pub version: String,
    pub fictional: bool,
}

/// One product in one role.
///
/// The product, the verdict and the requirement results are shared (`Arc`): a product's roles
/// with the same applicable requirements get the same results and verdict, and an assessment
/// of 5,000 products in 30 roles would otherwise copy them 150,000 times. Alone, an
/// assessment serializes as the values it holds; in an [`AssessmentReport`] it refers to them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Assessment {
    pub product: Arc<ProductRef>,
    pub role: Role,
    /// The licences the product was assessed as used under (sorted; see
    /// [`crate::catalogue::Licence`]): requirements scoped to a licence apply only under it.
    /// Empty when the catalogue declares none or the deployment is under none of them.
    #[serde(default, skip_serializing_if = "<[String]>::is_empty")]
    pub licences: Arc<[String]>,
    /// Whether the catalogue counts the role as critical.
    pub critical: bool,
    pub verdict: Arc<Verdict>,
    pub requirements: Arc<[RequirementResult]>,
}

/// Which catalogue an assessment used.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CatalogueRef {
    pub id: String,
    pub version: String,
    pub title: String,
    pub jurisdiction: String,
    pub effective: Date,
    /// The catalogue and those it extends, base first.
    pub layers: Vec<String>,
}

/// Verdict counts.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct VerdictCounts {
    pub allow: u64,
    pub allow_with_conditions: u64,
    pub prohibit: u64,
}

impl VerdictCounts {
    pub fn add(&mut self, d: Decision) {
        match d {
            Decision::Allow => self.allow += 1,
            Decision::AllowWithConditions => self.allow_with_conditions += 1,
            Decision::Prohibit => self.prohibit += 1,
        }
    }
}

/// `netvet assess` output. Its JSON form (schema 2) writes each distinct product, requirement
/// result and verdict once, in tables the assessments refer to.
#[derive(Clone, Debug, PartialEq)]
pub struct AssessmentReport {
    /// Always [`ASSESSMENT_SCHEMA`].
    pub schema: String,
    pub catalogue: CatalogueRef,
    /// The date certificates and deadlines were judged against.
    pub as_of: Date,
    /// Sorted by product id, then role.
    pub assessments: Vec<Assessment>,
    pub summary: VerdictCounts,
    /// Inputs that were read but not used (scan reports matching no product…).
    pub warnings: Vec<String>,
}
