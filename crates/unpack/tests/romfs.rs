//! romfs images built by Debian's genromfs from the reference tree; every entry's content and
//! metadata must come out as romfs can store it. Then damaged images, built by mutating a
//! valid one in code.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::sync::Arc;

use common::{Caps, assert_matches, open, reference_tree, tool};
use netvet_model::{EntryKind, WarningCode};
use netvet_unpack::{MemSource, Options, Tree};

/// What romfs stores of the reference tree.
const ROMFS: Caps = Caps {
    // No owners, no times, no xattrs in the format.
    owners: false,
    mtime: false,
    xattrs: false,
    // Of the mode, only "executable".
    exec_bit_only: true,
    ..Caps::FULL
};

/// Runs genromfs on `root` with `extra` options and returns the image bytes.
fn genromfs(dir: &Path, root: &Path, extra: &[&str]) -> Vec<u8> {
    let img = dir.join("img.romfs");
    let mut args = vec!["-d", root.to_str().unwrap(), "-f", img.to_str().unwrap()];
    args.extend(extra);
    let args: Vec<&std::ffi::OsStr> = args.iter().map(std::ffi::OsStr::new).collect();
    tool("genromfs", "genromfs", &args);
    std::fs::read(img).unwrap()
}

fn check(extra: &[&str]) -> Tree {
    let dir = tempfile::tempdir().unwrap();
    let root = reference_tree(&dir.path().join("root"));
    genromfs(dir.path(), &root, extra);
    let tree = open(&dir.path().join("img.romfs"));
    let report = tree.report();
    assert_eq!(report.layers.len(), 1, "{:#?}", report.layers);
    assert_eq!(report.layers[0].format, "romfs");
    assert!(
        report.layers[0].warnings.is_empty(),
        "{:?}",
        report.layers[0].warnings
    );
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    assert_matches(&tree, "img.romfs!/", &root, ROMFS);
    tree
}

#[test]
fn reference_tree_entry_by_entry() {
    let tree = check(&["-V", "rootfs"]);
    let d = &tree.report().layers[0].description;
    assert!(
        d.starts_with("romfs, ") && d.ends_with("volume \"rootfs\""),
        "{d}"
    );
    // The hard link is one file and a link to it; modes are what the kernel shows.
    let hard = tree.get("img.romfs!/etc/passwd.hard").unwrap();
    assert_eq!(hard.kind, EntryKind::HardLink);
    assert_eq!(hard.link_target.as_deref(), Some("img.romfs!/etc/passwd"));
    assert_eq!(tree.get("img.romfs!/bin/su").unwrap().mode, 0o755);
    assert_eq!(tree.get("img.romfs!/etc/shadow").unwrap().mode, 0o644);
}

#[test]
fn file_data_aligned_to_4k() {
    // `-a` pads before headers so data starts on the boundary (for execute-in-place).
    check(&["-a", "4096"]);
}

#[test]
fn carved_from_flash_after_a_bootloader() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    std::fs::create_dir_all(root.join("etc")).unwrap();
    std::fs::write(root.join("etc/motd"), b"hello\n").unwrap();
    let img = genromfs(dir.path(), &root, &[]);
    let mut flash = common::noise(0x3000, 5);
    flash.extend(&img);
    flash.resize(flash.len() + 0x2000, 0xff);
    let tree = netvet_unpack::open_source(
        "flash.bin",
        Arc::new(MemSource::new(flash)),
        &Options::default(),
        None,
    );
    let r = tree.report();
    let romfs: Vec<_> = r
        .layers
        .iter()
        .filter(|l| l.format == "romfs")
        .map(|l| (l.offset, l.length, l.path.as_str()))
        .collect();
    let size = u32::from_be_bytes(img[8..12].try_into().unwrap()) as u64;
    assert_eq!(romfs, [(0x3000, size, "flash.bin!/0x3000.romfs")]);
    let motd = tree.get("flash.bin!/0x3000.romfs!/etc/motd").unwrap();
    assert_eq!(tree.read(motd).unwrap(), b"hello\n");
}

// ---- Damaged images --------------------------------------------------------------------

/// A small image: a directory, a nested directory, files and a symlink.
fn small_image() -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    std::fs::create_dir_all(root.join("dir/sub")).unwrap();
    std::fs::write(root.join("dir/a.txt"), b"alpha\n".repeat(50)).unwrap();
    std::fs::write(root.join("dir/sub/b.bin"), common::noise(9000, 3)).unwrap();
    std::fs::write(root.join("top"), b"top\n").unwrap();
    std::os::unix::fs::symlink("dir/a.txt", root.join("link")).unwrap();
    genromfs(dir.path(), &root, &[])
}

fn open_bytes(bytes: Vec<u8>) -> Tree {
    netvet_unpack::open_forced(
        "img.romfs",
        Arc::new(MemSource::new(bytes)),
        &Options::default(),
        "romfs",
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
    u32::from_be_bytes(b[at..at + 4].try_into().unwrap())
}

fn put32(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_be_bytes());
}

fn sum(b: &[u8]) -> u32 {
    b.chunks(4).fold(0u32, |s, c| s.wrapping_add(get32(c, 0)))
}

/// The header whose name is `name` (genromfs pads names with NULs to 16 bytes).
fn header_of(img: &[u8], name: &[u8]) -> usize {
    let padded = (name.len() + 1).div_ceil(16) * 16;
    (32..img.len() - 16 - padded)
        .step_by(16)
        .find(|&at| {
            let n = &img[at + 16..at + 16 + padded];
            n.starts_with(name)
                && n[name.len()..].iter().all(|&b| b == 0)
                && sum(&img[at..at + 16 + padded]) == 0
        })
        .unwrap()
}

/// Makes the header at `at` (name `name`) sum to zero again after an edit.
fn fix_header(img: &mut [u8], at: usize, name: &[u8]) {
    let padded = (name.len() + 1).div_ceil(16) * 16;
    put32(img, at + 12, 0);
    let s = sum(&img[at..at + 16 + padded]);
    put32(img, at + 12, s.wrapping_neg());
}

#[test]
fn reads_the_small_image_cleanly() {
    let tree = open_bytes(small_image());
    assert!(warnings(&tree).is_empty(), "{:?}", warnings(&tree));
    let b = tree.get("img.romfs!/dir/sub/b.bin").unwrap();
    assert_eq!(tree.read(b).unwrap(), common::noise(9000, 3));
    let link = tree.get("img.romfs!/link").unwrap();
    assert_eq!(link.kind, EntryKind::Symlink);
    assert_eq!(link.link_target.as_deref(), Some("dir/a.txt"));
}

#[test]
fn bad_superblock_checksum_is_a_warning_and_not_carved() {
    let mut img = small_image();
    img[20] ^= 0x40; // inside the volume name, covered by the checksum
    let tree = open_bytes(img.clone());
    let w = warnings(&tree);
    assert!(
        w.iter().any(|(c, m, o)| *c == WarningCode::BadChecksum
            && m.contains("superblock")
            && *o == Some(12)),
        "{w:?}"
    );
    assert!(tree.get("img.romfs!/dir/a.txt").is_some());
    // Identification needs the checksum.
    let mut blob = vec![0u8; 4096];
    blob.extend(&img);
    let tree = netvet_unpack::open_source(
        "blob",
        Arc::new(MemSource::new(blob)),
        &Options::default(),
        None,
    );
    assert!(tree.report().layers.iter().all(|l| l.format != "romfs"));
}

#[test]
fn bad_header_checksum_is_a_warning_naming_the_entry() {
    let mut img = small_image();
    let top = header_of(&img, b"top");
    img[top + 12] ^= 1;
    let tree = open_bytes(img);
    let mut w = warnings(&tree);
    w.sort_by_key(|w| w.2);
    // The header is inside the first 512 bytes, which the superblock checksum covers too.
    assert_eq!(
        w,
        [
            (
                WarningCode::BadChecksum,
                "superblock checksum: the first 512 bytes do not sum to zero".to_string(),
                Some(12)
            ),
            (
                WarningCode::BadChecksum,
                "/: header checksum of \"top\" does not hold".to_string(),
                Some(top as u64 + 12)
            )
        ]
    );
    assert_eq!(
        tree.read(tree.get("img.romfs!/top").unwrap()).unwrap(),
        b"top\n"
    );
}

#[test]
fn rejects_directory_listing_an_ancestor() {
    let mut img = small_image();
    let sub = header_of(&img, b"sub");
    // `sub`'s first child := the root's list, which holds `dir` and so `sub` again.
    let volume = img[16..].iter().position(|&b| b == 0).unwrap();
    let first = 16 + (volume + 1).div_ceil(16) * 16;
    let root_list = get32(&img, first + 4) as usize;
    put32(&mut img, sub + 4, root_list as u32);
    fix_header(&mut img, sub, b"sub");
    let tree = open_bytes(img);
    let w = warnings(&tree);
    assert!(
        w.iter().any(|(c, m, o)| *c == WarningCode::Cycle
            && m.starts_with("dir/sub:")
            && *o == Some(root_list as u64)),
        "{w:?}"
    );
    assert!(tree.get("img.romfs!/dir/a.txt").is_some());
    assert!(tree.get("img.romfs!/dir/sub/top").is_none());
}

#[test]
fn rejects_file_data_past_the_image() {
    let mut img = small_image();
    let a = header_of(&img, b"a.txt");
    put32(&mut img, a + 8, 0x7fff_0000);
    fix_header(&mut img, a, b"a.txt");
    let tree = open_bytes(img);
    let w = warnings(&tree);
    assert!(
        w.iter().any(|(c, m, o)| *c == WarningCode::Corrupt
            && m.starts_with("dir/a.txt:")
            && m.contains("run past the image")
            && *o == Some(a as u64 + 8)),
        "{w:?}"
    );
    assert!(tree.get("img.romfs!/dir/a.txt").is_none());
    assert!(tree.get("img.romfs!/dir/sub/b.bin").is_some());
}

#[test]
fn rejects_hard_link_to_a_directory() {
    let mut img = small_image();
    let top = header_of(&img, b"top");
    let dir = header_of(&img, b"dir");
    // `top` becomes a hard link (type 0) to `dir`.
    let next = get32(&img, top) & !15;
    put32(&mut img, top, next);
    put32(&mut img, top + 4, dir as u32);
    fix_header(&mut img, top, b"top");
    let tree = open_bytes(img);
    let w = warnings(&tree);
    assert!(
        w.iter().any(|(c, m, o)| *c == WarningCode::Cycle
            && m.contains("hard link to the directory")
            && *o == Some(top as u64)),
        "{w:?}"
    );
    assert!(tree.get("img.romfs!/top").is_none());
    assert!(tree.get("img.romfs!/dir/a.txt").is_some());
}

#[test]
fn truncated_image_keeps_what_is_there() {
    let img = small_image();
    let b = header_of(&img, b"b.bin");
    let cut = img[..b + 100].to_vec();
    let tree = open_bytes(cut);
    let w = warnings(&tree);
    assert!(
        w.iter()
            .any(|(c, _, o)| *c == WarningCode::Truncated && *o == Some(8)),
        "{w:?}"
    );
    // genromfs writes a subdirectory's contents right after its header, before the siblings
    // that follow it: `dir/a.txt` comes after `dir/sub/b.bin` and is cut off with it.
    assert!(tree.get("img.romfs!/dir/sub/b.bin").is_none());
    assert!(tree.get("img.romfs!/dir/a.txt").is_none());
    assert_eq!(
        tree.read(tree.get("img.romfs!/top").unwrap()).unwrap(),
        b"top\n"
    );
}

#[test]
fn damaged_images_never_panic() {
    common::mutate_and_open(&small_image(), "romfs", 600);
}
