//! Checks over an unpacked firmware tree.
//!
//! A scan unpacks an image with [`netvet_unpack::walk_path`], which hands every file's content
//! to the checks exactly once, in parallel ("file" stage); checks that need several files
//! (passwd with shadow, init scripts with the binaries they start) run after the pass by
//! querying the tree ("tree" stage). Every check has a stable id, tags, severity, CWE, the
//! requirement clauses it bears on, and a remediation; findings carry their evidence with
//! secrets redacted. Checks see only the tree, never the extractor.
//!
//! The pass itself, and the other stages that join it (the SBOM and vulnerability matching),
//! belong to `netvet-pipeline`; this crate provides the checks ([`CheckSet`]).

pub mod check;
pub mod checks;
pub mod content;
pub mod credentials;
pub mod error;
#[cfg(feature = "yara")]
pub mod rules;
pub mod scan;

pub use check::{CheckInfo, Sink};
pub use content::{ContentKind, FileCtx};
pub use error::Error;
pub use scan::{CheckOptions, CheckResults, CheckRun, CheckSet, known_tags};
