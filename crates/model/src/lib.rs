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

pub mod assessment;
pub mod catalogue;
pub mod date;
pub mod dossier;
pub mod exposure;
pub mod finding;
pub mod image;
pub mod impact;
pub mod inventory;
pub mod json;
pub mod network;
pub mod product;
pub mod scan;

pub use assessment::{
    Assessment, AssessmentReport, CatalogueRef, Condition, Decision, Ground, ProductRef, Reason,
    RequirementResult, Status, Verdict, VerdictCounts,
};
pub use catalogue::{
    CatalogueInfo, Consequence, Criticality, CriticalityScope, EvidenceKind, Requirement,
    RolePattern, Scope, SourceRef,
};
pub use date::{Date, FactDate};
pub use dossier::{Dossier, Fact, FactKind, Jurisdiction, JurisdictionFile, SourceStatus, Vendor};
pub use exposure::{
    Capacity, ClassVerdict, Dimension, Exposure, FunctionCost, InventoryRead, NetworkReport,
    OperatorExposure, Plan, PlanAssumptions, PlanStep, Quarter, QuarterLoad, ReplacementOption,
    ShareRule, Shortfall, Slice, VendorShare,
};
pub use finding::{Category, Finding, Location, Severity, fingerprint};
pub use image::{EntryKind, ImageReport, Layer, Region, RegionClass, Totals, Warning, WarningCode};
pub use impact::{
    AffectedGroup, ClassCounts, Exclusion, ImpactReport, ImpactSummary, InventoryImpact,
    OperatorImpact, UnmatchedClass, VerdictChange,
};
pub use inventory::InventoryElement;
pub use network::{Domain, NetworkFunction, Role};
pub use product::{Certification, DeclaredService, Firmware, Product, RecordSource};
pub use scan::{
    AdvisoryCoverage, Component, ComponentEvidence, ComponentType, MatchEvidence, Port, Protocol,
    ScanReport, Service, Vulnerability,
};
