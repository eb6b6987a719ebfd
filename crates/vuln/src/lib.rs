//! Offline vulnerability matching for firmware components.
//!
//! - [`store::Index`]: the advisory index (SQLite), built by importing OSV JSON, NVD CVE JSON
//!   2.0 and the CISA KEV catalogue ([`advisory`]), with a schema version and build date.
//!   [`store::Index::builtin`] holds the real advisories of the repository's `advisories/`.
//! - [`version`]: one comparator per scheme (dpkg, apk, semver, generic).
//! - [`matcher::Matcher`]: components → [`netvet_model::Vulnerability`]s, recording what was
//!   searched and what matched; versions no scheme parses are reported.
//! - [`vex`]: CycloneDX VEX and OpenVEX statements mark matches not affected.
//! - [`eos`]: end-of-support data and findings; [`findings`]: vulnerabilities as findings.

pub mod advisory;
pub mod builtin;
pub mod cpe;
pub mod cvss;
pub mod eos;
pub mod error;
pub mod findings;
pub mod matcher;
pub mod store;
pub mod version;
pub mod vex;

pub use error::{Error, Result};
pub use matcher::{MatchReport, Matcher};
pub use store::Index;
