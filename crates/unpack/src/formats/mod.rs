//! One module per format.

pub mod squashfs;
pub mod streams;
