//! SquashFS images built by Debian's mksquashfs from the reference tree, one per compressor
//! and layout option; every entry's content and metadata must come out unchanged.

#![allow(clippy::unwrap_used)]

mod common;

use std::ffi::OsStr;
use std::path::Path;

use common::{Caps, assert_matches, open, reference_tree, tool};

fn build(dir: &Path, name: &str, extra: &[&str]) -> std::path::PathBuf {
    let root = dir.join("root");
    if !root.exists() {
        reference_tree(&root);
    }
    let img = dir.join(name);
    let mut args: Vec<&OsStr> = vec![root.as_os_str(), img.as_os_str()];
    args.extend(["-noappend", "-quiet", "-no-progress"].map(OsStr::new));
    args.extend(extra.iter().map(OsStr::new));
    tool("mksquashfs", "squashfs-tools", &args);
    img
}

fn check(extra: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let img = build(dir.path(), "img.sqfs", extra);
    let tree = open(&img);
    let report = tree.report();
    assert_eq!(report.layers.len(), 1, "{:#?}", report.layers);
    assert_eq!(report.layers[0].format, "squashfs");
    assert!(
        report.layers[0].warnings.is_empty(),
        "{:?}",
        report.layers[0].warnings
    );
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    assert_matches(&tree, "img.sqfs!/", &dir.path().join("root"), Caps::FULL);
}

#[test]
fn gzip() {
    check(&["-comp", "gzip"]);
}

#[test]
fn xz_with_bcj_filter() {
    check(&["-comp", "xz", "-Xbcj", "x86"]);
}

#[test]
fn lzma() {
    check(&["-comp", "lzma"]);
}

#[test]
fn lzo() {
    check(&["-comp", "lzo"]);
}

#[test]
fn lz4() {
    check(&["-comp", "lz4"]);
}

#[test]
fn zstd() {
    check(&["-comp", "zstd"]);
}

#[test]
fn small_blocks_no_fragments() {
    check(&["-comp", "gzip", "-b", "4096", "-no-fragments"]);
}

#[test]
fn always_fragments_uncompressed_data() {
    check(&["-comp", "xz", "-always-use-fragments", "-noD"]);
}

#[test]
fn uncompressed_metadata_and_exportable() {
    check(&["-comp", "gzip", "-noI", "-noX", "-exports"]);
}

#[test]
fn reference_tree_has_what_the_comparison_must_see() {
    // Guards the fixture itself: if setcap or mknod silently stop working, the format tests
    // would check less than they claim.
    let dir = tempfile::tempdir().unwrap();
    let img = build(dir.path(), "img.sqfs", &["-comp", "gzip"]);
    let tree = open(&img);
    let caps = tree.get("img.sqfs!/bin/busybox").unwrap();
    assert!(
        caps.xattrs.iter().any(|(k, _)| k == "security.capability"),
        "{:?}",
        caps.xattrs
    );
    assert_eq!(
        tree.get("img.sqfs!/dev/console").unwrap().kind,
        netvet_model::EntryKind::CharDevice
    );
    assert_eq!(
        tree.get("img.sqfs!/etc/passwd.hard").unwrap().kind,
        netvet_model::EntryKind::HardLink
    );
    assert_eq!(tree.get("img.sqfs!/bin/su").unwrap().mode, 0o4755);
}

/// Big-endian and AVM images, which mksquashfs cannot make, written by netvet-forge from the
/// reference tree.
fn check_forged(kind: netvet_forge::squashfs::Kind, compress: bool) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    reference_tree(&root);
    let fs = netvet_forge::FsTree::from_dir(&root).unwrap();
    let img = netvet_forge::squashfs::write(
        &fs,
        netvet_forge::squashfs::Options {
            kind,
            block_size: 65536,
            compress,
            mtime: 0,
        },
    );
    let path = dir.path().join("img.sqfs");
    std::fs::write(&path, img).unwrap();
    let tree = open(&path);
    let r = tree.report();
    assert_eq!(r.layers.len(), 1, "{:#?}", r.layers);
    assert!(
        r.all_warnings().next().is_none(),
        "{:?}",
        r.all_warnings().collect::<Vec<_>>()
    );
    let endian = match kind {
        netvet_forge::squashfs::Kind::LittleEndian => "little-endian,",
        netvet_forge::squashfs::Kind::BigEndian => "big-endian,",
        netvet_forge::squashfs::Kind::Avm => "big-endian (AVM variant)",
    };
    assert!(
        r.layers[0].description.contains(endian),
        "{}",
        r.layers[0].description
    );
    // The forge writes no xattrs and no directory metadata beyond what FsTree holds.
    let caps = Caps {
        xattrs: false,
        ..Caps::FULL
    };
    assert_matches(&tree, "img.sqfs!/", &root, caps);
}

#[test]
fn big_endian() {
    check_forged(netvet_forge::squashfs::Kind::BigEndian, true);
}

#[test]
fn avm_big_endian_with_little_endian_metadata_headers() {
    check_forged(netvet_forge::squashfs::Kind::Avm, true);
}

#[test]
fn forged_little_endian_uncompressed() {
    check_forged(netvet_forge::squashfs::Kind::LittleEndian, false);
}

#[test]
fn empty_directories_sharing_a_listing_are_not_cycles() {
    // mksquashfs points every empty directory at the same (empty) listing.
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    for d in ["a", "b", "c/d", "e"] {
        std::fs::create_dir_all(root.join(d)).unwrap();
    }
    std::fs::write(root.join("c/file"), b"x").unwrap();
    let img = dir.path().join("img.sqfs");
    tool(
        "mksquashfs",
        "squashfs-tools",
        &[
            root.as_os_str(),
            img.as_os_str(),
            OsStr::new("-noappend"),
            OsStr::new("-quiet"),
            OsStr::new("-no-progress"),
        ],
    );
    let tree = open(&img);
    assert!(
        tree.report().all_warnings().next().is_none(),
        "{:?}",
        tree.report().all_warnings().collect::<Vec<_>>()
    );
    assert_eq!(tree.entries().len(), 6);
}
