//! Arcadyan's obfuscated lzma images, built here the way the vendor's tool scrambles them:
//! an lzma-alone stream behind a 4-byte prefix, its first 32 bytes nibble- and pair-swapped
//! and exchanged with the 32 bytes at offset 0x68. binwalk's sample (`tests/inputs/
//! arcadyan.bin`, MIT) decodes too; it is not committed (734 KB of third-party firmware).

#![allow(clippy::unwrap_used)]

mod common;

use std::io::Write;

use netvet_forge::tree::FsTree;

/// An lzma-alone stream of `data`.
fn lzma_alone(data: &[u8]) -> Vec<u8> {
    let opts = liblzma::stream::LzmaOptions::new_preset(6).unwrap();
    let stream = liblzma::stream::Stream::new_lzma_encoder(&opts).unwrap();
    let mut enc = liblzma::write::XzEncoder::new_stream(Vec::new(), stream);
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

/// Scrambles `prefix ++ lzma` as Arcadyan's images are.
fn scramble(prefix: [u8; 4], lzma: &[u8]) -> Vec<u8> {
    let mut img = prefix.to_vec();
    img.extend_from_slice(lzma);
    assert!(img.len() > 0x88, "stream long enough to scramble");
    for b in &mut img[4..36] {
        *b = b.rotate_left(4);
    }
    for pair in img[4..36].chunks_exact_mut(2) {
        pair.swap(0, 1);
    }
    let mut block1 = [0u8; 32];
    block1.copy_from_slice(&img[4..36]);
    img.copy_within(0x68..0x88, 4);
    img[0x68..0x88].copy_from_slice(&block1);
    img
}

fn rootfs() -> Vec<u8> {
    let mut t = FsTree::new();
    t.dir("etc", 0o755);
    t.file("etc/shadow", 0o600, b"root::19000:0:99999:7:::\n".to_vec());
    t.file(
        "etc/init.d/rcS",
        0o755,
        b"#!/bin/sh\ntelnetd -l /bin/sh\n".to_vec(),
    );
    netvet_forge::tar::write(&t)
}

#[test]
fn an_obfuscated_image_is_unscrambled_and_its_payload_opened() {
    let tar = rootfs();
    let img = scramble(*b"\x30\x05\x11\x20", &lzma_alone(&tar));
    // The scrambled lzma header is where the vendor's images have it.
    assert_eq!(&img[0x68..0x6c], b"\x00\xd5\x08\x00");
    let tree = common::open_bytes("fw.bin", img.clone());
    let r = tree.report();
    let formats: Vec<&str> = r.layers.iter().map(|l| l.format.as_str()).collect();
    assert_eq!(formats, ["arcadyan", "tar"], "{:#?}", r.layers);
    assert_eq!(r.layers[0].length, img.len() as u64);
    assert!(
        r.layers[0]
            .description
            .starts_with("Arcadyan obfuscated lzma stream"),
        "{}",
        r.layers[0].description
    );
    let shadow = tree
        .entries()
        .iter()
        .find(|e| e.path.ends_with("etc/shadow"))
        .expect("shadow");
    assert_eq!(tree.read(shadow).unwrap(), b"root::19000:0:99999:7:::\n");
}

#[test]
fn carved_after_a_bootloader() {
    let img = scramble(*b"\x30\x05\x11\x20", &lzma_alone(&rootfs()));
    let mut flash = vec![0xffu8; 0x4000];
    flash.extend_from_slice(&img);
    flash.resize(flash.len() + 0x1000, 0xff);
    let tree = common::open_bytes("flash.bin", flash);
    let r = tree.report();
    let layer = r
        .layers
        .iter()
        .find(|l| l.format == "arcadyan")
        .unwrap_or_else(|| panic!("{:#?}", r.layers));
    assert_eq!(layer.offset, 0x4000);
    assert!(
        tree.entries()
            .iter()
            .any(|e| e.path.ends_with("etc/init.d/rcS"))
    );
}

#[test]
fn a_plain_lzma_stream_or_noise_with_the_magic_is_not_taken_for_one() {
    // The magic at 0x68 over noise: the unscrambled header is no lzma header.
    let mut noise: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    noise[0x68..0x6c].copy_from_slice(b"\x00\xd5\x08\x00");
    let tree = common::open_bytes("noise.bin", noise);
    assert!(
        tree.report().layers.iter().all(|l| l.format != "arcadyan"),
        "{:#?}",
        tree.report().layers
    );
}
