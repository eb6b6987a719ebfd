//! One module per subcommand.

pub mod demo;
pub mod identify;
pub mod limits;
pub mod scan;
pub mod unpack;
