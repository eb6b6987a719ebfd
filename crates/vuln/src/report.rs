//! The documents of a vulnerability match (`netvet vulns`: what was matched, against which
//! index, and what was found) and of the advisory index (`netvet db import|update|status`).

use netvet_model::{AdvisoryData, Component, Date, Finding, Vulnerability};
use schemars::JsonSchema;
use serde::ser::SerializeSeq;
use serde::{Serialize, Serializer};

use crate::matcher::NotComparable;
use crate::store::{ImportStats, Status};
use crate::update::FeedReport;
use crate::vex::Suppressed;

/// Schema identifier of [`VulnsReport`].
pub const VULNS_SCHEMA: &str = "netvet.vulns/1";

/// The index a match ran against.
#[derive(Clone, Debug, Serialize, JsonSchema)]
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

// The document as written, borrowing the report, and what its JSON Schema is generated from.
// Fields are declared in sorted order, so the canonical writer writes it in one pass.
/// What `netvet vulns` reports (schema `netvet.vulns/1`).
#[derive(Serialize, JsonSchema)]
#[schemars(rename = "VulnsReport")]
struct Document<'a> {
    /// The advisory data matched against: its feeds, their age, and warnings (samples only,
    /// stale data).
    #[serde(skip_serializing_if = "Option::is_none")]
    advisory_data: Option<&'a AdvisoryData>,
    as_of: Date,
    /// Advisory ranges whose bounds could not be parsed.
    bad_ranges: u64,
    components: &'a [Component],
    /// Matches dropped because an AND configuration's platform is not in the image.
    dropped_platform: u64,
    /// One per vulnerability, then the end-of-support findings.
    #[schemars(with = "Vec<Finding>")]
    findings: Findings<'a>,
    index: &'a IndexSummary,
    /// Components whose version no scheme can order (listed, never guessed).
    not_comparable: &'a [NotComparable],
    /// What could not be read (parts of the image, entries of the SBOM).
    problems: &'a [String],
    /// Always `netvet.vulns/1`.
    #[schemars(extend("const" = VULNS_SCHEMA))]
    schema: &'a str,
    /// Matches a VEX statement marked not affected.
    suppressed: &'a [Suppressed],
    /// The image or SBOM matched.
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

impl JsonSchema for VulnsReport {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        Document::schema_name()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        Document::json_schema(generator)
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

/// Schema identifier of [`DbImportReport`].
pub const DB_IMPORT_SCHEMA: &str = "netvet.db-import/1";
/// Schema identifier of [`DbUpdateReport`].
pub const DB_UPDATE_SCHEMA: &str = "netvet.db-update/1";
/// Schema identifier of [`DbStatusReport`].
pub const DB_STATUS_SCHEMA: &str = "netvet.db-status/1";

/// What `netvet db import` reports (schema `netvet.db-import/1`): each file imported, and the
/// index afterwards.
#[derive(Debug, Serialize, JsonSchema)]
pub struct DbImportReport<'a> {
    /// Always [`DB_IMPORT_SCHEMA`].
    #[schemars(extend("const" = DB_IMPORT_SCHEMA))]
    pub schema: &'static str,
    /// In import order.
    pub imported: Vec<ImportedFile<'a>>,
    pub status: &'a Status,
    /// How old each feed's data is, and the warnings to show with it.
    pub data_age: &'a AdvisoryData,
}

/// One file (or `built-in`) imported, and what it gave.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ImportedFile<'a> {
    pub file: &'a str,
    pub result: &'a ImportStats,
}

impl<'a> DbImportReport<'a> {
    /// The report of an import that gave `imported` (file and result, in order) and left the
    /// index at `status`.
    pub fn new(
        imported: &'a [(String, ImportStats)],
        status: &'a Status,
        data_age: &'a AdvisoryData,
    ) -> DbImportReport<'a> {
        DbImportReport {
            schema: DB_IMPORT_SCHEMA,
            imported: imported
                .iter()
                .map(|(file, result)| ImportedFile { file, result })
                .collect(),
            status,
            data_age,
        }
    }
}

/// What `netvet db update` reports (schema `netvet.db-update/1`): each feed downloaded, and
/// the index afterwards.
#[derive(Debug, Serialize, JsonSchema)]
pub struct DbUpdateReport<'a> {
    /// Always [`DB_UPDATE_SCHEMA`].
    #[schemars(extend("const" = DB_UPDATE_SCHEMA))]
    pub schema: &'static str,
    pub feeds: &'a [FeedReport],
    pub status: &'a Status,
    /// How old each feed's data is, and the warnings to show with it.
    pub data_age: &'a AdvisoryData,
}

impl<'a> DbUpdateReport<'a> {
    /// The report of an update that fetched `feeds` and left the index at `status`.
    pub fn new(
        feeds: &'a [FeedReport],
        status: &'a Status,
        data_age: &'a AdvisoryData,
    ) -> DbUpdateReport<'a> {
        DbUpdateReport {
            schema: DB_UPDATE_SCHEMA,
            feeds,
            status,
            data_age,
        }
    }
}

/// What `netvet db status` reports (schema `netvet.db-status/1`).
#[derive(Debug, Serialize, JsonSchema)]
pub struct DbStatusReport<'a> {
    /// Always [`DB_STATUS_SCHEMA`].
    #[schemars(extend("const" = DB_STATUS_SCHEMA))]
    pub schema: &'static str,
    pub status: &'a Status,
    /// How old each feed's data is, and the warnings to show with it.
    pub data_age: &'a AdvisoryData,
}

impl<'a> DbStatusReport<'a> {
    /// The report of an index at `status`.
    pub fn new(status: &'a Status, data_age: &'a AdvisoryData) -> DbStatusReport<'a> {
        DbStatusReport {
            schema: DB_STATUS_SCHEMA,
            status,
            data_age,
        }
    }
}
