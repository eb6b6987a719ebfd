//! One module per format.

pub mod container;
pub mod cpio;
pub mod cramfs;
pub mod ext;
pub mod fit;
pub mod jffs2;
mod problems;
pub mod squashfs;
pub mod streams;
pub mod tar;
pub mod trx;
pub mod ubi;
pub mod ubifs;
pub mod uimage;
pub mod zip;
