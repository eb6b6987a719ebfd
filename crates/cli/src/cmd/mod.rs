//! One module per subcommand.

pub mod db;
pub mod demo;
pub mod identify;
pub mod limits;
pub mod pipeline;
pub mod sbom;
pub mod scan;
pub mod unpack;
pub mod vulns;
