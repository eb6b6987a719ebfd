//! What each command prints on a terminal: tables and summaries for people. The JSON
//! documents are the contract; these are views of them and may change between releases.

pub mod assess;
pub mod catalogue;
pub mod db;
pub mod identify;
pub mod impact;
pub mod network;
pub mod sbom;
pub mod scan;
pub mod style;
pub mod vulns;

pub use style::{Style, counted};
