//! Summaries of the data netvet decides with: the requirements catalogues (`netvet catalogue
//! list|check|test`) and the vendor dossiers (`netvet dossier check`).

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::assessment::CatalogueRef;
use crate::catalogue::{Consequence, Licence};
use crate::date::Date;
use crate::dossier::SourceStatus;

/// Schema identifier of [`CatalogueList`].
pub const CATALOGUE_LIST_SCHEMA: &str = "netvet.catalogues/1";
/// Schema identifier of [`CatalogueCheck`].
pub const CATALOGUE_CHECK_SCHEMA: &str = "netvet.catalogue/1";
/// Schema identifier of [`CatalogueTests`].
pub const CATALOGUE_TESTS_SCHEMA: &str = "netvet.catalogue-tests/1";
/// Schema identifier of [`DossierCheck`].
pub const DOSSIER_CHECK_SCHEMA: &str = "netvet.dossier-check/1";

/// The built-in catalogues.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CatalogueList {
    /// Always [`CATALOGUE_LIST_SCHEMA`].
    #[schemars(extend("const" = CATALOGUE_LIST_SCHEMA))]
    pub schema: String,
    pub catalogues: Vec<CatalogueSummary>,
}

/// A catalogue that was validated, with its requirements.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CatalogueCheck {
    /// Always [`CATALOGUE_CHECK_SCHEMA`].
    #[schemars(extend("const" = CATALOGUE_CHECK_SCHEMA))]
    pub schema: String,
    #[serde(flatten)]
    pub summary: CatalogueSummary,
}

/// A catalogue and its requirements.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CatalogueSummary {
    pub reference: CatalogueRef,
    pub legal_basis: Vec<String>,
    /// The licences whose conditions the catalogue encodes, when it has any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub licences: Vec<Licence>,
    pub requirements: Vec<RequirementSummary>,
}

/// One requirement of a catalogue.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RequirementSummary {
    pub id: String,
    pub title: String,
    pub consequence: Consequence,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<Date>,
    /// The catalogue layer that defines it.
    pub layer: String,
    pub file: String,
    /// `vendor` when the requirement's rules read only the vendor's side of the input (it is
    /// decided once per vendor), else `product`.
    pub decided_per: String,
    /// What its rules can read of the input; absent when they may read any of it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_reads: Option<Vec<String>>,
    /// The licences whose conditions it is (a licence condition applies only where the
    /// product is used under one of them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub licences: Vec<String>,
}

/// The Rego tests of a catalogue and of each catalogue it extends.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CatalogueTests {
    /// Always [`CATALOGUE_TESTS_SCHEMA`].
    #[schemars(extend("const" = CATALOGUE_TESTS_SCHEMA))]
    pub schema: String,
    pub catalogues: Vec<LayerTests>,
    /// True when every test of every layer passed.
    pub passed: bool,
}

/// The tests of one catalogue layer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LayerTests {
    pub catalogue: String,
    pub tests: Vec<TestResult>,
    /// Requirements without a test file.
    pub untested_requirements: Vec<String>,
}

/// One Rego test.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TestResult {
    pub rule: String,
    pub file: String,
    pub line: usize,
    pub passed: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
}

/// Validated dossiers: how well each vendor's facts are sourced.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DossierCheck {
    /// Always [`DOSSIER_CHECK_SCHEMA`].
    #[schemars(extend("const" = DOSSIER_CHECK_SCHEMA))]
    pub schema: String,
    /// The dossier directory (or `built-in`).
    pub root: String,
    pub vendors: Vec<VendorSummary>,
    pub jurisdictions: Vec<String>,
}

/// One vendor's dossier.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct VendorSummary {
    pub id: String,
    pub name: String,
    pub jurisdiction: String,
    pub fictional: bool,
    pub facts: usize,
    /// Facts per status (SOURCED, SOURCED-2, UNVERIFIED, NOTE).
    pub by_status: BTreeMap<SourceStatus, usize>,
    pub file: String,
}
