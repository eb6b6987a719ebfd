//! One module per format.

pub mod container;
pub mod cpio;
pub mod cramfs;
pub mod ext;
pub mod fit;
pub mod jffs2;
pub mod partitions;
mod problems;
pub mod qcow2;
pub mod romfs;
pub mod sevenz;
pub mod squashfs;
pub mod squashfs3;
pub mod streams;
pub mod tar;
pub mod trx;
pub mod ubi;
pub mod ubifs;
pub mod uimage;
mod vdisk;
pub mod vmdk;
pub mod yaffs2;
pub mod zip;
