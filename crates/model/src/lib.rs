//! The nouns netvet's pipeline stages exchange, with stable, versioned JSON forms.
//!
//! This crate has no I/O and no heavy dependencies, so every stage (and a server or batch
//! worker) can depend on it. Each top-level document carries a `schema` string; the number
//! after the slash changes whenever a field is removed or changes meaning.

/// Serde as the name: `as_str()` out, `FromStr` in (errors name the accepted values).
macro_rules! string_serde {
    ($t:ty) => {
        impl serde::Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
        impl<'de> serde::Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

/// JSON Schema of a type serialised by [`string_serde`]: a string, one of the names of `$all`.
macro_rules! names_schema {
    ($t:ty, $all:expr) => {
        impl schemars::JsonSchema for $t {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($t).into()
            }
            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                let names: Vec<&str> = $all.iter().map(|v| v.as_str()).collect();
                schemars::json_schema!({ "type": "string", "enum": names })
            }
        }
    };
}

pub mod assessment;
pub mod catalogue;
pub mod date;
pub mod diff;
pub mod dossier;
pub mod explain;
pub mod exposure;
pub mod finding;
pub mod image;
pub mod impact;
pub mod inventory;
pub mod json;
pub mod layers;
pub mod network;
pub mod product;
pub mod scan;
pub mod software;
pub mod summaries;

pub use assessment::{
    Assessment, AssessmentReport, CatalogueRef, Condition, Decision, Ground, ProductRef, Reason,
    RequirementResult, Status, Verdict, VerdictCounts,
};
pub use catalogue::{
    CatalogueInfo, Consequence, Criticality, CriticalityScope, EvidenceKind, Licence, Requirement,
    RolePattern, Scope, SourceRef,
};
pub use date::{Date, FactDate};
pub use dossier::{Dossier, Fact, FactKind, Jurisdiction, JurisdictionFile, SourceStatus, Vendor};
pub use explain::{ExplainedResult, Explanation, RuleFile};
pub use exposure::{
    Capacity, ClassVerdict, Dimension, Exposure, FunctionCost, InventoryRead, NetworkReport,
    OperatorExposure, Plan, PlanAssumptions, PlanStep, Quarter, QuarterLoad, ReplacementOption,
    ShareRule, Shortfall, Slice, VendorShare,
};
pub use finding::{Category, Finding, Location, Severity, Suppression, finding_id, fingerprint};
pub use image::{
    Coverage, EntryKind, ImageReport, Layer, Region, RegionClass, Totals, Warning, WarningCode,
};
pub use impact::{
    AffectedGroup, ClassCounts, Exclusion, ImpactReport, ImpactSummary, InventoryImpact,
    OperatorImpact, UnmatchedClass, VerdictChange,
};
pub use inventory::{DeploymentClass, InventoryElement};
pub use layers::{
    EntryRecord, IdentifiedImage, IdentifyDocument, NotWritten, UnpackDocument, Written,
};
pub use network::{Domain, NetworkFunction, Role};
pub use product::{Certification, DeclaredService, Firmware, Product, RecordSource};
pub use scan::{
    AdvisoryData, Component, ComponentEvidence, ComponentType, FeedAge, MatchEvidence, Port,
    Protocol, ScanReport, ScanSet, Service, Vulnerability,
};
pub use software::SbomReport;
pub use summaries::{
    CatalogueCheck, CatalogueList, CatalogueSummary, CatalogueTests, DossierCheck, LayerTests,
    RequirementSummary, TestResult, VendorSummary,
};
