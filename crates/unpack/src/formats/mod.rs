//! One module per format.

pub mod squashfs;
pub mod streams;
pub mod ubi;
pub mod ubifs;
