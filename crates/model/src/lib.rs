//! The nouns netvet's pipeline stages exchange, with stable, versioned JSON forms.
//!
//! This crate has no I/O and no heavy dependencies, so every stage (and a server or batch
//! worker) can depend on it. Each top-level document carries a `schema` string; the number
//! after the slash changes whenever a field is removed or changes meaning.

pub mod finding;
pub mod image;
pub mod json;
pub mod scan;

pub use finding::{Category, Finding, Location, Severity, fingerprint};
pub use image::{EntryKind, ImageReport, Layer, Region, RegionClass, Totals, Warning, WarningCode};
pub use scan::{
    Component, ComponentEvidence, ComponentType, MatchEvidence, Port, Protocol, ScanReport,
    Service, Vulnerability,
};
