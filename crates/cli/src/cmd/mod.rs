//! One module per subcommand.

pub mod assess;
pub mod catalogue;
pub mod db;
pub mod demo;
pub mod dossier;
pub mod identify;
pub mod impact;
pub mod limits;
pub mod network;
pub mod pipeline;
pub mod policy_inputs;
pub mod sbom;
pub mod scan;
pub mod unpack;
pub mod vulns;
