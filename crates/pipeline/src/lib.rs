//! The jobs that join netvet's stages. The CLI, the service and the workers call these
//! functions and nothing else, so the three cannot disagree.
//!
//! | job | function | result |
//! |---|---|---|
//! | analyse an image (unpack, checks, SBOM, vulnerabilities) | [`Analyser::analyse`] | `netvet.scan/1` |
//! | the software inventory of an image | [`sbom::sbom`] | `netvet.sbom/1` |
//! | vulnerabilities of an image or SBOM | [`vulns::vulns`] | `netvet.vulns/1` |
//! | products against a catalogue | [`assess::assess`], [`assess::explain`] | `netvet.assessment/2`, `netvet.explanation/1` |
//! | a catalogue change | [`assess::impact`] | `netvet.impact/1` |
//! | an operator network | [`assess::network`] | `netvet.network/1` |
//! | what changed between two releases | [`diff::diff`] | `netvet.diff/1` |
//! | is the deployed image the tested build | [`diff::equivalence`] | `netvet.equivalence/1` |
//!
//! Images are read in one pass ([`pass`]): unpacked once, each file read once and given in
//! parallel to every stage that joins the pass (the checks of `netvet-inspect`, the
//! catalogers of `netvet-sbom`); the tree-level checks, catalogers and the matcher run after
//! it. A check, cataloger or stage that panics on hostile bytes becomes an error in the
//! report naming it, and the rest of the image is still analysed; format readers are
//! contained the same way inside `netvet-unpack`.
//!
//! Long jobs report their progress through a [`Progress`] callback.

pub mod analyse;
pub mod assess;
pub mod catalogues;
pub mod diff;
pub mod error;
pub mod group;
pub mod images;
pub mod index;
pub mod inputs;
pub mod pass;
pub mod progress;
pub mod rematch;
pub mod sbom;
pub mod software;
pub mod suppress;
pub mod vulns;

pub use analyse::{AnalyseOptions, Analyser, Baseline, write_evidence};
pub use error::{Error, Result};
pub use inputs::{DataSources, Inventory, PolicyData, today};
pub use netvet_network::InventoryFormat;
pub use progress::{Progress, ProgressRef};
pub use suppress::Suppressions;
