//! cramfs images built by util-linux's mkfs.cramfs from the reference tree, in both byte
//! orders; every entry's content and metadata must come out as cramfs can store it. Then
//! damaged images, built by mutating a valid one in code.

#![allow(clippy::unwrap_used)]

mod common;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use common::{Caps, assert_matches, open, reference_tree, tool};
use netvet_model::{EntryKind, WarningCode};
use netvet_unpack::{MemSource, Options, Tree};

/// What cramfs stores of the reference tree.
const CRAMFS: Caps = Caps {
    // The inode has no time field at all.
    mtime: false,
    // No xattrs in the format.
    xattrs: false,
    // No link counts: mkfs.cramfs writes a hard link as a second file sharing the data.
    hard_links: false,
    // uid is a 16-bit field, gid an 8-bit one.
    uid_bits: 16,
    gid_bits: 8,
    ..Caps::FULL
};

fn build(dir: &Path, name: &str, extra: &[&str]) -> PathBuf {
    let root = dir.join("root");
    if !root.exists() {
        reference_tree(&root);
    }
    let img = dir.join(name);
    let mut args: Vec<&OsStr> = extra.iter().map(OsStr::new).collect();
    args.extend([root.as_os_str(), img.as_os_str()]);
    tool("mkfs.cramfs", "util-linux", &args);
    img
}

fn check(extra: &[&str]) -> Tree {
    let dir = tempfile::tempdir().unwrap();
    let img = build(dir.path(), "img.cramfs", extra);
    let tree = open(&img);
    let report = tree.report();
    assert_eq!(report.layers.len(), 1, "{:#?}", report.layers);
    assert_eq!(report.layers[0].format, "cramfs");
    assert!(
        report.layers[0].warnings.is_empty(),
        "{:?}",
        report.layers[0].warnings
    );
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    assert_matches(&tree, "img.cramfs!/", &dir.path().join("root"), CRAMFS);
    tree
}

#[test]
fn little_endian() {
    let tree = check(&["-N", "little"]);
    let d = &tree.report().layers[0].description;
    assert!(d.contains("little-endian"), "{d}");
}

#[test]
fn big_endian() {
    let tree = check(&["-N", "big"]);
    let d = &tree.report().layers[0].description;
    assert!(d.contains("big-endian"), "{d}");
}

#[test]
fn block_size_16k_big_endian() {
    // For machines with 16 KiB pages; the superblock does not say, the reader works it out.
    let tree = check(&["-N", "big", "-b", "16384"]);
    let d = &tree.report().layers[0].description;
    assert!(d.contains("16 KiB blocks"), "{d}");
}

#[test]
fn block_size_64k() {
    let tree = check(&["-b", "65536"]);
    let d = &tree.report().layers[0].description;
    assert!(d.contains("64 KiB blocks"), "{d}");
}

#[test]
fn explicit_holes() {
    check(&["-z"]);
}

#[test]
fn padded_for_boot_code() {
    let tree = check(&["-p"]);
    let d = &tree.report().layers[0].description;
    assert!(d.contains("512 bytes of boot-code padding"), "{d}");
}

#[test]
fn owners_are_truncated_as_stored() {
    let tree = check(&[]);
    // gid 1000 keeps its low 8 bits.
    let e = tree.get("img.cramfs!/var/many/file0001").unwrap();
    assert_eq!((e.uid, e.gid), (1000, 1000 & 0xff));
    // The hard link is a second file with the same content.
    let hard = tree.get("img.cramfs!/etc/passwd.hard").unwrap();
    assert_eq!(hard.kind, EntryKind::File);
    assert_eq!(
        tree.get("img.cramfs!/dev/sda").unwrap().device,
        Some((8, 0))
    );
}

// ---- Damaged images --------------------------------------------------------------------

fn small_image(extra: &[&str]) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    std::fs::create_dir_all(root.join("dir/sub")).unwrap();
    std::fs::write(root.join("dir/a.txt"), b"alpha alpha alpha\n".repeat(50)).unwrap();
    std::fs::write(root.join("dir/sub/b.bin"), common::noise(9000, 3)).unwrap();
    std::fs::write(root.join("top"), b"top\n").unwrap();
    let img = dir.path().join("small.cramfs");
    let mut args: Vec<&OsStr> = extra.iter().map(OsStr::new).collect();
    args.extend([root.as_os_str(), img.as_os_str()]);
    tool("mkfs.cramfs", "util-linux", &args);
    std::fs::read(img).unwrap()
}

fn open_bytes(bytes: Vec<u8>) -> Tree {
    netvet_unpack::open_forced(
        "img.cramfs",
        Arc::new(MemSource::new(bytes)),
        &Options::default(),
        "cramfs",
    )
}

fn warnings(tree: &Tree) -> Vec<(WarningCode, String, Option<u64>)> {
    let r = tree.report();
    r.layers
        .iter()
        .flat_map(|l| l.warnings.iter())
        .chain(r.warnings.iter())
        .map(|w| (w.code, w.message.clone(), w.offset))
        .collect()
}

fn get32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
}

fn put32(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

/// Rewrites the superblock CRC so only the intended damage is seen.
fn fix_crc(img: &mut [u8]) {
    put32(img, 32, 0);
    let size = get32(img, 4) as usize;
    let c = crc32fast::hash(&img[..size.min(img.len())]);
    put32(img, 32, c);
}

/// Position of the inode whose name is `name` (little-endian image).
fn inode_of(img: &[u8], name: &[u8]) -> usize {
    let padded = name.len().div_ceil(4) * 4;
    (76..img.len() - 12)
        .step_by(4)
        .find(|&at| {
            let namelen = (get32(img, at + 8) & 0x3f) as usize * 4;
            namelen == padded && &img[at + 12..at + 12 + name.len()] == name
        })
        .unwrap()
}

#[test]
fn reads_the_small_image_cleanly() {
    let tree = open_bytes(small_image(&[]));
    assert!(warnings(&tree).is_empty(), "{:?}", warnings(&tree));
    let b = tree.get("img.cramfs!/dir/sub/b.bin").unwrap();
    assert_eq!(tree.read(b).unwrap(), common::noise(9000, 3));
}

#[test]
fn bad_crc_is_a_warning() {
    let mut img = small_image(&[]);
    let last = img.len() - 100;
    img[last] ^= 0x55;
    let tree = open_bytes(img);
    let w = warnings(&tree);
    assert!(
        w.iter()
            .any(|(c, m, o)| *c == WarningCode::BadChecksum && m.contains("CRC") && *o == Some(32)),
        "{w:?}"
    );
    // The listing is still there.
    assert!(tree.get("img.cramfs!/dir/a.txt").is_some());
}

#[test]
fn rejects_directory_pointing_at_itself() {
    let mut img = small_image(&[]);
    let sub = inode_of(&img, b"sub");
    let w2 = get32(&img, sub + 8);
    // offset (26 bits, in 4-byte units) := the inode's own position.
    put32(&mut img, sub + 8, (w2 & 0x3f) | ((sub as u32 / 4) << 6));
    fix_crc(&mut img);
    let tree = open_bytes(img);
    let w = warnings(&tree);
    assert!(
        w.iter().any(|(c, m, o)| *c == WarningCode::Cycle
            && m.contains("dir/sub")
            && *o == Some(sub as u64)),
        "{w:?}"
    );
    assert!(tree.get("img.cramfs!/dir/a.txt").is_some());
}

#[test]
fn rejects_directory_pointing_back_at_an_ancestor() {
    let mut img = small_image(&[]);
    let sub = inode_of(&img, b"sub");
    let w2 = get32(&img, sub + 8);
    // `sub` lists the root directory's entries again.
    put32(&mut img, sub + 8, (w2 & 0x3f) | ((76 / 4) << 6));
    fix_crc(&mut img);
    let tree = open_bytes(img);
    let w = warnings(&tree);
    assert!(
        w.iter()
            .any(|(c, _, o)| *c == WarningCode::Cycle && *o == Some(76)),
        "{w:?}"
    );
}

#[test]
fn rejects_block_pointers_outside_the_image() {
    let mut img = small_image(&[]);
    let b = inode_of(&img, b"b.bin");
    let table = ((get32(&img, b + 8) >> 6) * 4) as usize;
    put32(&mut img, table + 4, 0x00ff_fff0);
    fix_crc(&mut img);
    let tree = open_bytes(img);
    let w = warnings(&tree);
    assert!(
        w.iter().any(|(c, m, o)| *c == WarningCode::Corrupt
            && m.contains("outside the image")
            && *o == Some(table as u64 + 4)),
        "{w:?}"
    );
    assert!(tree.get("img.cramfs!/dir/sub/b.bin").is_none());
    assert!(tree.get("img.cramfs!/dir/a.txt").is_some());
}

#[test]
fn rejects_absurd_listing_sizes() {
    let mut img = small_image(&[]);
    let dir = inode_of(&img, b"dir");
    // size := 16 MiB - 1 (24 bits all set).
    let w1 = get32(&img, dir + 4);
    put32(&mut img, dir + 4, (w1 & 0xff00_0000) | 0x00ff_ffff);
    fix_crc(&mut img);
    let tree = open_bytes(img);
    let w = warnings(&tree);
    assert!(
        w.iter()
            .any(|(c, m, _)| *c == WarningCode::Corrupt && m.contains("outside the image")),
        "{w:?}"
    );
}

#[test]
fn truncated_images_warn() {
    let img = small_image(&[]);
    for cut in [10, 76, 100, 200, img.len() / 2, img.len() - 1] {
        let tree = open_bytes(img[..cut].to_vec());
        let w = warnings(&tree);
        assert!(
            w.iter()
                .any(|(c, m, _)| *c == WarningCode::Truncated || m.contains("cramfs")),
            "cut at {cut}: {w:?}"
        );
        for e in tree.entries() {
            if e.is_file() {
                let _ = tree.read(e);
            }
        }
    }
}

#[test]
fn names_with_slash_and_nul_stay_inside() {
    let mut img = small_image(&[]);
    let top = inode_of(&img, b"top");
    img[top + 12..top + 15].copy_from_slice(b"../");
    let a = inode_of(&img, b"a.txt");
    img[a + 12..a + 17].copy_from_slice(b"a/\0/x");
    fix_crc(&mut img);
    let tree = open_bytes(img);
    let paths: Vec<&str> = tree.entries().iter().map(|e| e.path.as_str()).collect();
    assert!(paths.contains(&"img.cramfs!/..\\x00"), "{paths:?}");
    assert!(paths.contains(&"img.cramfs!/dir/a\\x00"), "{paths:?}");
    let w = warnings(&tree);
    assert!(
        w.iter().any(|(c, _, _)| *c == WarningCode::UnsafeName),
        "{w:?}"
    );
}

#[test]
fn found_inside_a_blob() {
    let img = small_image(&["-N", "big"]);
    let mut blob = vec![0x5au8; 1000];
    blob.extend(vec![0u8; 24]);
    blob.extend(&img);
    blob.extend(b"trailer".repeat(100));
    let tree = netvet_unpack::open_source(
        "blob.bin",
        Arc::new(MemSource::new(blob)),
        &Options::default(),
        None,
    );
    let b = tree.get("blob.bin!/0x400.cramfs!/dir/sub/b.bin").unwrap();
    assert_eq!(tree.read(b).unwrap(), common::noise(9000, 3));
}
