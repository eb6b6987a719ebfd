//! One module per subcommand.

pub mod identify;
pub mod limits;
pub mod unpack;
