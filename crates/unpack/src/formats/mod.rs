//! One module per format.

pub mod ext;
pub mod squashfs;
pub mod streams;
