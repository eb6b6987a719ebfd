//! The documents of a vulnerability match (`netvet vulns`: what was matched, against which
//! index, and what was found) and of the advisory index (`netvet db import|update|status`).

use netvet_model::{AdvisoryData, Component, Date, Finding, Vulnerability};
use schemars::JsonSchema;
use serde::Serialize;

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
#[derive(Debug, Serialize, JsonSchema)]
pub struct VulnsReport {
    /// Always [`VULNS_SCHEMA`].
    #[schemars(extend("const" = VULNS_SCHEMA))]
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
