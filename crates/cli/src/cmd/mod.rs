//! One module per subcommand: parse the arguments, call the pipeline, render, exit code.

pub mod analyse_child;
pub mod assess;
pub mod catalogue;
pub mod db;
pub mod demo;
pub mod diff;
pub mod dossier;
pub mod identify;
pub mod impact;
pub mod limits;
pub mod network;
pub mod policy_inputs;
pub mod product;
pub mod sbom;
pub mod scan;
pub mod serve;
pub mod unpack;
pub mod vulns;

/// `--as-of YYYY-MM-DD`: a real calendar day (`2026-02-31` is refused).
pub fn parse_date(s: &str) -> Result<netvet_model::Date, String> {
    s.parse()
}
