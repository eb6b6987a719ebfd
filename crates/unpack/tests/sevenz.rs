//! 7z archives built by 7-Zip (Debian's `p7zip-full`) from the reference tree, with every
//! coder 7-Zip offers for firmware-sized data (LZMA2, LZMA, the x86 and ARM branch filters,
//! Copy, Deflate, BZip2), solid and not, with the header compressed and plain; every entry's
//! content and metadata must come out as 7z stores them. Then encrypted archives, an archive
//! carved from flash, and damaged copies.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};

use common::{Caps, assert_matches, open, reference_tree, tool_in};
use netvet_model::WarningCode;
use netvet_unpack::Tree;

/// What 7z stores of the reference tree: Unix modes (in the attributes' high half) and
/// modification times, no owners, no extended attributes, no device nodes; a hard link is
/// a second copy of the file.
const SEVENZ: Caps = Caps {
    owners: false,
    xattrs: false,
    devices: false,
    hard_links: false,
    ..Caps::FULL
};

/// The reference tree without its device nodes and fifo (7-Zip would block reading the fifo).
fn tree_root(dir: &Path) -> PathBuf {
    let root = reference_tree(&dir.join("root"));
    std::fs::remove_dir_all(root.join("dev")).unwrap();
    root
}

/// Runs `7z a` in `root` with `extra` switches; returns the archive's path.
fn sevenz(dir: &Path, root: &Path, name: &str, extra: &[&str]) -> PathBuf {
    let out = dir.join(name);
    let mut args: Vec<String> = vec!["a".into(), "-t7z".into(), "-snl".into(), "-bd".into()];
    args.extend(extra.iter().map(|s| s.to_string()));
    args.push(out.display().to_string());
    args.push(".".into());
    tool_in(Some(root), "7z", "p7zip-full", &args);
    out
}

fn check(name: &str, extra: &[&str]) -> Tree {
    let dir = tempfile::tempdir().unwrap();
    let root = tree_root(dir.path());
    let path = sevenz(dir.path(), &root, name, extra);
    let tree = open(&path);
    let report = tree.report();
    assert_eq!(report.layers[0].format, "7z", "{:#?}", report.layers);
    assert!(
        report.layers[0].warnings.is_empty(),
        "{name}: {:?}",
        report.layers[0].warnings
    );
    assert!(report.warnings.is_empty(), "{name}: {:?}", report.warnings);
    assert_matches(&tree, &format!("{name}!/"), &root, SEVENZ);
    tree
}

#[test]
fn lzma2_solid_with_compressed_header() {
    // 7-Zip's defaults: LZMA2, one solid block, the header itself LZMA-encoded.
    let tree = check("default.7z", &[]);
    let d = &tree.report().layers[0].description;
    assert!(d.starts_with("7-Zip archive, format 0."), "{d}");
}

#[test]
fn lzma_not_solid() {
    check("lzma.7z", &["-m0=LZMA", "-ms=off"]);
}

#[test]
fn branch_filters_before_lzma() {
    check("bcj.7z", &["-m0=BCJ", "-m1=LZMA"]);
    check("arm.7z", &["-m0=ARM", "-m1=LZMA2"]);
}

#[test]
fn stored_with_a_plain_header() {
    check("copy.7z", &["-m0=Copy", "-mhc=off"]);
}

#[test]
fn deflate_and_bzip2() {
    check("deflate.7z", &["-m0=Deflate"]);
    check("bzip2.7z", &["-m0=BZip2"]);
}

#[test]
fn encrypted_content_is_listed_and_reported_unsupported() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    std::fs::create_dir_all(root.join("etc")).unwrap();
    std::fs::write(root.join("etc/shadow"), b"root:$1$x$y:19000::::::\n").unwrap();
    let path = sevenz(dir.path(), &root, "enc.7z", &["-psecret", "-mhe=off"]);
    let tree = open(&path);
    let report = tree.report();
    let layer = &report.layers[0];
    assert_eq!(layer.format, "7z");
    let e = tree.get("enc.7z!/etc/shadow").expect("listed");
    assert_eq!(e.size, 24);
    assert!(
        layer
            .warnings
            .iter()
            .any(|w| w.code == WarningCode::Unsupported && w.message.contains("encrypted")),
        "{:?}",
        layer.warnings
    );
    let err = tree.read(e).expect_err("encrypted");
    assert!(err.to_string().contains("7z"), "{err}");

    // With the header encrypted too, nothing can be listed: one clear error, no panic.
    let path = sevenz(dir.path(), &root, "enc-header.7z", &["-psecret", "-mhe=on"]);
    let tree = open(&path);
    let r = tree.report();
    let all: Vec<String> = r
        .warnings
        .iter()
        .chain(r.layers.iter().flat_map(|l| l.warnings.iter()))
        .map(|w| w.message.clone())
        .collect();
    assert!(
        all.iter().any(|m| m.contains("7zAES")),
        "the encrypted header is named: {all:?}"
    );
}

#[test]
fn carved_from_flash() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    std::fs::create_dir_all(root.join("etc")).unwrap();
    std::fs::write(root.join("etc/motd"), b"hello from a 7z in flash\n").unwrap();
    let img = std::fs::read(sevenz(dir.path(), &root, "x.7z", &[])).unwrap();
    let mut flash = common::noise(0x5000, 3);
    flash.extend(&img);
    flash.resize(flash.len() + 0x3000, 0xff);
    let tree = common::open_bytes("flash.bin", flash);
    let r = tree.report();
    let layer = r
        .layers
        .iter()
        .find(|l| l.format == "7z")
        .unwrap_or_else(|| panic!("no 7z layer: {:#?}", r.layers));
    assert_eq!(layer.offset, 0x5000);
    assert_eq!(layer.length, img.len() as u64);
    let motd = tree
        .entries()
        .iter()
        .find(|e| e.path.ends_with("/etc/motd"))
        .expect("motd");
    assert_eq!(tree.read(motd).unwrap(), b"hello from a 7z in flash\n");
}

#[test]
fn a_damaged_file_fails_its_crc_and_the_others_still_read() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    std::fs::create_dir_all(root.join("etc")).unwrap();
    std::fs::write(root.join("etc/a"), vec![b'a'; 5000]).unwrap();
    std::fs::write(root.join("etc/b"), vec![b'b'; 5000]).unwrap();
    // Stored, not solid, plain header: each file's bytes sit in the archive as they are.
    let mut img = std::fs::read(sevenz(
        dir.path(),
        &root,
        "s.7z",
        &["-m0=Copy", "-ms=off", "-mhc=off"],
    ))
    .unwrap();
    let at = img.windows(64).position(|w| w == [b'b'; 64]).unwrap();
    img[at + 10] = b'X';
    let tree = common::open_bytes("s.7z", img);
    let a = tree.get("s.7z!/etc/a").unwrap();
    assert_eq!(tree.read(a).unwrap(), vec![b'a'; 5000]);
    let b = tree.get("s.7z!/etc/b").unwrap();
    let err = tree.read(b).expect_err("bad CRC");
    assert!(err.to_string().contains("CRC"), "{err}");
}

#[test]
fn damaged_archives_never_panic() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    std::fs::create_dir_all(root.join("etc/init.d")).unwrap();
    std::fs::write(root.join("etc/passwd"), b"root:x:0:0::/root:/bin/sh\n").unwrap();
    std::fs::write(
        root.join("etc/init.d/rcS"),
        b"#!/bin/sh\ntelnetd -l /bin/sh\n",
    )
    .unwrap();
    std::fs::write(root.join("etc/big"), common::mixed(40_000, 5)).unwrap();
    std::os::unix::fs::symlink("passwd", root.join("etc/link")).unwrap();
    for (name, extra) in [
        ("d.7z", &[][..]),
        ("p.7z", &["-mhc=off", "-m0=LZMA"][..]),
        ("c.7z", &["-m0=Copy", "-mhc=off"][..]),
    ] {
        let img = std::fs::read(sevenz(dir.path(), &root, name, extra)).unwrap();
        common::mutate_and_open(&img, "7z", 300);
    }
}
