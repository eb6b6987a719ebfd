//! What changed between two firmware releases, and whether a deployed image is the build that
//! was tested.
//!
//! - [`collect`]: what one image holds, gathered during the pipeline's single pass (digests,
//!   ELF sections, symbols and strings, accounts, keys, layers).
//! - [`compare::diff`]: two releases → `netvet.diff/1` (layers, files, binaries, services,
//!   listeners, accounts, keys, certificates, components, vulnerabilities, findings, hardening).
//! - [`equivalence::equivalence`]: two images → `netvet.equivalence/1`, every difference
//!   classified as explained (by a named normalisation) or material; [`equivalence::attestation`]
//!   gives it as an in-toto statement.
//!
//! The pipeline's `diff` job runs the passes; this crate holds no I/O beyond reading unclaimed
//! regions of the input.

pub mod collect;
pub mod compare;
pub mod equivalence;
pub mod logical;

pub use collect::{CollectOptions, Collector, Fingerprints};
pub use compare::{Gate, Release, diff, tripped};
pub use equivalence::{attestation, equivalence};
