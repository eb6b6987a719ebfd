//! Building firmware images in code.
//!
//! netvet's tests, fuzz seeds and demo need firmware images whose every byte is known, without
//! shipping third-party firmware. This crate holds a file tree in memory ([`FsTree`]) and
//! writes it as the formats network equipment uses: squashfs 4.0 (little-endian, big-endian
//! and AVM's variant, which mksquashfs cannot produce), newc cpio, ustar tar, gzip, legacy
//! LZMA, uImage, stored ZIP (Java archives), and flash layouts that put a kernel and a root filesystem at fixed offsets.
//! It never reads untrusted input.

pub mod cpio;
pub mod recipe;
pub mod squashfs;
pub mod tar;
pub mod tree;
pub mod uimage;
pub mod zip;

pub use tree::{FsNode, FsTree, NodeKind};

use std::io::Write;

/// gzip-compresses `data` (deterministic: no name, zero mtime).
pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::GzBuilder::new()
        .mtime(0)
        .write(Vec::new(), flate2::Compression::default());
    e.write_all(data).expect("writing to a Vec cannot fail");
    e.finish().expect("writing to a Vec cannot fail")
}

/// Compresses `data` as a legacy `.lzma` stream ("lzma alone", as kernels in uImages are).
pub fn lzma(data: &[u8]) -> Vec<u8> {
    let opts = liblzma::stream::LzmaOptions::new_preset(6).expect("preset 6 exists");
    let stream = liblzma::stream::Stream::new_lzma_encoder(&opts).expect("lzma encoder");
    let mut e = liblzma::write::XzEncoder::new_stream(Vec::new(), stream);
    e.write_all(data).expect("writing to a Vec cannot fail");
    e.finish().expect("writing to a Vec cannot fail")
}

/// Pads `data` with `fill` up to `len` bytes (no-op when already longer).
pub fn pad_to(data: &mut Vec<u8>, len: usize, fill: u8) {
    if data.len() < len {
        data.resize(len, fill);
    }
}
