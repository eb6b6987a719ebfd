//! The document of a vulnerability match (`netvet vulns`): what was matched, against which
//! index, and what was found.

use netvet_model::{Component, Date, Finding, Vulnerability};
use serde::Serialize;

use crate::matcher::NotComparable;
use crate::vex::Suppressed;

/// Schema identifier of [`VulnsReport`].
pub const VULNS_SCHEMA: &str = "netvet.vulns/1";

/// The index a match ran against.
#[derive(Clone, Debug, Serialize)]
pub struct IndexSummary {
    pub path: String,
    pub schema_version: u32,
    pub built: String,
    pub advisories: u64,
}

/// What `netvet vulns` reports (schema `netvet.vulns/1`).
#[derive(Debug, Serialize)]
pub struct VulnsReport {
    /// Always [`VULNS_SCHEMA`].
    pub schema: &'static str,
    /// The image or SBOM matched.
    pub target: String,
    pub as_of: Date,
    pub index: IndexSummary,
    pub components: Vec<Component>,
    pub vulnerabilities: Vec<Vulnerability>,
    /// Components whose version no scheme can order (listed, never guessed).
    pub not_comparable: Vec<NotComparable>,
    /// Matches a VEX statement marked not affected.
    pub suppressed: Vec<Suppressed>,
    /// Matches dropped because an AND configuration's platform is not in the image.
    pub dropped_platform: u64,
    /// Advisory ranges whose bounds could not be parsed.
    pub bad_ranges: u64,
    pub findings: Vec<Finding>,
    /// What could not be read (parts of the image, entries of the SBOM).
    pub problems: Vec<String>,
    /// The advisory data matched against: its feeds, their age, and warnings (samples only,
    /// stale data).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub advisory_data: Option<netvet_model::AdvisoryData>,
    /// Things the user should know about the index (not part of the document).
    #[serde(skip)]
    pub notes: Vec<String>,
}
