//! One requirement explained: its sources, scope and rule, and its result for every product
//! and role (`netvet assess --explain`).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::assessment::{CatalogueRef, Reason, Status};
use crate::catalogue::Requirement;
use crate::date::Date;
use crate::network::Role;

/// Schema identifier of [`Explanation`].
pub const EXPLANATION_SCHEMA: &str = "netvet.explanation/1";

/// A requirement, the Rego that decides it, and what it decided.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Explanation {
    /// Always [`EXPLANATION_SCHEMA`].
    #[schemars(extend("const" = EXPLANATION_SCHEMA))]
    pub schema: String,
    pub catalogue: CatalogueRef,
    pub as_of: Date,
    pub requirement: Requirement,
    /// The file that defines the requirement.
    pub defined_in: String,
    /// The catalogue layer that defines it.
    pub layer: String,
    /// The Rego modules of the requirement's package.
    pub rule: Vec<RuleFile>,
    /// Its result for every product and role assessed.
    pub results: Vec<ExplainedResult>,
}

/// One Rego module of a requirement.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RuleFile {
    pub file: String,
    pub package: String,
    pub text: String,
}

/// A requirement's result for one product in one role.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ExplainedResult {
    pub product: String,
    pub vendor: String,
    pub role: Role,
    pub critical: bool,
    pub status: Status,
    pub reasons: Vec<Reason>,
}
