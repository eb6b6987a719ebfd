//! The document of a vulnerability match (`netvet vulns`): what was matched, against which
//! index, and what was found.

use netvet_model::{AdvisoryData, Component, Date, Finding, Vulnerability};
use serde::ser::SerializeSeq;
use serde::{Serialize, Serializer};

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
///
/// The document's `findings` are one per vulnerability followed by the end-of-support
/// findings; the vulnerabilities' findings are made one at a time as the document is written
/// ([`VulnsReport::findings`]), not held: 10,000 components can match 180,000 times.
#[derive(Debug)]
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
    /// Components past their end of support, as findings.
    pub end_of_support: Vec<Finding>,
    /// What could not be read (parts of the image, entries of the SBOM).
    pub problems: Vec<String>,
    /// The advisory data matched against: its feeds, their age, and warnings (samples only,
    /// stale data).
    pub advisory_data: Option<AdvisoryData>,
    /// Things the user should know about the index (not part of the document).
    pub notes: Vec<String>,
}

impl VulnsReport {
    /// Every finding: one per vulnerability, then those of end of support.
    pub fn findings(&self) -> impl Iterator<Item = Finding> + '_ {
        let paths = crate::findings::Paths::new(&self.components);
        self.vulnerabilities
            .iter()
            .map(move |v| crate::findings::finding(v, paths.of(v)))
            .chain(self.end_of_support.iter().cloned())
    }
}

/// The document as written, borrowing the report. Fields are declared in sorted order, so the
/// canonical writer writes it in one pass.
#[derive(Serialize)]
struct Document<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    advisory_data: Option<&'a AdvisoryData>,
    as_of: Date,
    bad_ranges: u64,
    components: &'a [Component],
    dropped_platform: u64,
    findings: Findings<'a>,
    index: &'a IndexSummary,
    not_comparable: &'a [NotComparable],
    problems: &'a [String],
    schema: &'a str,
    suppressed: &'a [Suppressed],
    target: &'a str,
    vulnerabilities: &'a [Vulnerability],
}

/// The findings of a report, made as they are written.
struct Findings<'a>(&'a VulnsReport);

impl Serialize for Findings<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let r = self.0;
        let mut seq = s.serialize_seq(Some(r.vulnerabilities.len() + r.end_of_support.len()))?;
        for f in r.findings() {
            seq.serialize_element(&f)?;
        }
        seq.end()
    }
}

impl Serialize for VulnsReport {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        Document {
            advisory_data: self.advisory_data.as_ref(),
            as_of: self.as_of,
            bad_ranges: self.bad_ranges,
            components: &self.components,
            dropped_platform: self.dropped_platform,
            findings: Findings(self),
            index: &self.index,
            not_comparable: &self.not_comparable,
            problems: &self.problems,
            schema: self.schema,
            suppressed: &self.suppressed,
            target: &self.target,
            vulnerabilities: &self.vulnerabilities,
        }
        .serialize(s)
    }
}
