//! One module per subcommand.

pub mod assess;
pub mod catalogue;
pub mod dossier;
pub mod identify;
pub mod impact;
pub mod limits;
pub mod policy_inputs;
pub mod unpack;
