//! JFFS2 images built by mtd-utils' mkfs.jffs2 from the reference tree, in both byte orders,
//! two erase block sizes and every compressor it has; every entry's content and metadata must
//! come out unchanged. Then damaged images, built by mutating a valid one in code.

#![allow(clippy::unwrap_used)]

mod common;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use common::{Caps, assert_matches, open, reference_tree, tool};
use netvet_model::{EntryKind, WarningCode};
use netvet_unpack::{MemSource, Options, Tree};

fn build(dir: &Path, name: &str, extra: &[&str]) -> PathBuf {
    let root = dir.join("root");
    if !root.exists() {
        reference_tree(&root);
    }
    let img = dir.join(name);
    let mut args: Vec<&OsStr> = vec![
        OsStr::new("-r"),
        root.as_os_str(),
        OsStr::new("-o"),
        img.as_os_str(),
    ];
    args.extend(extra.iter().map(OsStr::new));
    tool("mkfs.jffs2", "mtd-utils", &args);
    img
}

/// mkfs.jffs2 keeps everything the reference tree has: owners, times, modes, devices, hard
/// links (two dirents for one inode) and, with `--with-xattr`, xattrs.
const WITH_XATTR: Caps = Caps::FULL;
/// Without `--with-xattr` mkfs.jffs2 writes no xattr nodes.
const NO_XATTR: Caps = Caps {
    xattrs: false,
    ..Caps::FULL
};

fn check(extra: &[&str], caps: Caps) -> Tree {
    let dir = tempfile::tempdir().unwrap();
    let img = build(dir.path(), "img.jffs2", extra);
    let tree = open(&img);
    let report = tree.report();
    assert_eq!(report.layers.len(), 1, "{:#?}", report.layers);
    assert_eq!(report.layers[0].format, "jffs2");
    assert!(
        report.layers[0].warnings.is_empty(),
        "{:?}",
        report.layers[0].warnings
    );
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    assert_matches(&tree, "img.jffs2!/", &dir.path().join("root"), caps);
    tree
}

#[test]
fn little_endian_zlib() {
    let tree = check(&["-l", "--with-xattr"], WITH_XATTR);
    let d = &tree.report().layers[0].description;
    assert!(d.contains("little-endian") && d.contains("zlib"), "{d}");
}

#[test]
fn big_endian_zlib() {
    let tree = check(&["-b", "--with-xattr"], WITH_XATTR);
    let d = &tree.report().layers[0].description;
    assert!(d.contains("big-endian"), "{d}");
}

#[test]
fn erase_block_128k_both_byte_orders() {
    let tree = check(&["-l", "-e", "128KiB", "--with-xattr"], WITH_XATTR);
    let d = &tree.report().layers[0].description;
    assert!(d.contains("erase block 128 KiB"), "{d}");
    check(&["-b", "-e", "128KiB"], NO_XATTR);
}

#[test]
fn erase_block_64k_padded() {
    let tree = check(&["-l", "-e", "64KiB", "-p"], NO_XATTR);
    let layer = &tree.report().layers[0];
    assert_eq!(layer.length % 65536, 0, "{layer:?}");
}

#[test]
fn no_compression() {
    let tree = check(&["-l", "-m", "none", "--with-xattr"], WITH_XATTR);
    let d = &tree.report().layers[0].description;
    assert!(d.contains("data: none"), "{d}");
}

#[test]
fn rtime_only() {
    let tree = check(&["-b", "-x", "zlib", "-x", "lzo"], NO_XATTR);
    let d = &tree.report().layers[0].description;
    assert!(d.contains("rtime") && !d.contains("zlib"), "{d}");
}

#[test]
fn lzo_only() {
    let tree = check(
        &[
            "-l",
            "-X",
            "lzo",
            "-x",
            "zlib",
            "-x",
            "rtime",
            "--with-xattr",
        ],
        WITH_XATTR,
    );
    let d = &tree.report().layers[0].description;
    assert!(d.contains("lzo") && !d.contains("zlib"), "{d}");
}

#[test]
fn without_cleanmarkers() {
    check(&["-l", "-n"], NO_XATTR);
}

#[test]
fn summary_nodes_from_sumtool() {
    // sumtool rewrites an image with a summary node at the end of every erase block.
    let dir = tempfile::tempdir().unwrap();
    let plain = build(
        dir.path(),
        "plain.jffs2",
        &["-l", "-e", "64KiB", "--with-xattr"],
    );
    let img = dir.path().join("img.jffs2");
    tool(
        "sumtool",
        "mtd-utils",
        &[
            OsStr::new("-i"),
            plain.as_os_str(),
            OsStr::new("-o"),
            img.as_os_str(),
            OsStr::new("-e"),
            OsStr::new("64KiB"),
            OsStr::new("-l"),
        ],
    );
    std::fs::remove_file(&plain).unwrap();
    let bytes = std::fs::read(&img).unwrap();
    assert!(
        bytes.windows(4).any(|w| w == [0x85, 0x19, 0x06, 0x20]),
        "no summary node written"
    );
    let tree = open(&img);
    let report = tree.report();
    assert_eq!(report.layers.len(), 1, "{:#?}", report.layers);
    assert!(
        report.layers[0].warnings.is_empty(),
        "{:?}",
        report.layers[0].warnings
    );
    assert_matches(&tree, "img.jffs2!/", &dir.path().join("root"), WITH_XATTR);
}

#[test]
fn reference_tree_has_what_the_comparison_must_see() {
    let tree = check(&["-l", "--with-xattr"], WITH_XATTR);
    let busybox = tree.get("img.jffs2!/bin/busybox").unwrap();
    assert!(
        busybox
            .xattrs
            .iter()
            .any(|(k, _)| k == "security.capability"),
        "{:?}",
        busybox.xattrs
    );
    assert_eq!(
        tree.get("img.jffs2!/etc/passwd.hard").unwrap().kind,
        EntryKind::HardLink
    );
    assert_eq!(tree.get("img.jffs2!/dev/sda").unwrap().device, Some((8, 0)));
}

// ---- Damaged images --------------------------------------------------------------------

/// A small little-endian image with a few files, for mutation.
fn small_image(extra: &[&str]) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    std::fs::create_dir_all(root.join("dir/sub")).unwrap();
    std::fs::write(root.join("dir/a.txt"), b"alpha alpha alpha\n".repeat(50)).unwrap();
    std::fs::write(root.join("dir/sub/b.bin"), common::noise(9000, 3)).unwrap();
    std::fs::write(root.join("top"), b"top\n").unwrap();
    let img = dir.path().join("small.jffs2");
    let mut args: Vec<&OsStr> = vec![
        OsStr::new("-r"),
        root.as_os_str(),
        OsStr::new("-o"),
        img.as_os_str(),
    ];
    args.extend(extra.iter().map(OsStr::new));
    tool("mkfs.jffs2", "mtd-utils", &args);
    std::fs::read(img).unwrap()
}

fn open_bytes(bytes: Vec<u8>) -> Tree {
    netvet_unpack::open_forced(
        "img.jffs2",
        Arc::new(MemSource::new(bytes)),
        &Options::default(),
        "jffs2",
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

/// Node offsets of the little-endian image (magic 0x1985, type, totlen), in log order.
fn nodes(img: &[u8]) -> Vec<(usize, u16, usize)> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos + 12 <= img.len() {
        if img[pos..pos + 2] == [0x85, 0x19] {
            let t = u16::from_le_bytes([img[pos + 2], img[pos + 3]]);
            let len = u32::from_le_bytes(img[pos + 4..pos + 8].try_into().unwrap()) as usize;
            out.push((pos, t, len));
            pos += (len + 3) & !3;
        } else {
            pos += 4;
        }
    }
    out
}

/// The JFFS2 CRC (kernel `crc32(0, ..)`), for writing valid nodes in tests.
fn jcrc(b: &[u8]) -> u32 {
    let mut h = crc32fast::Hasher::new_with_initial(0xffff_ffff);
    h.update(b);
    !h.finalize()
}

fn put32(img: &mut [u8], at: usize, v: u32) {
    img[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

fn get32(img: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(img[at..at + 4].try_into().unwrap())
}

/// Recomputes the CRCs of the inode node at `at` after its fields were changed.
fn fix_inode_crcs(img: &mut [u8], at: usize) {
    let csize = get32(img, at + 48) as usize;
    let d = jcrc(&img[at + 68..at + 68 + csize]);
    put32(img, at + 60, d);
    let n = jcrc(&img[at..at + 60]);
    put32(img, at + 64, n);
}

/// Sets a node's length and header CRC (the node CRC covers both, so this comes first).
fn seal_header(node: &mut [u8], len: usize) {
    put32(node, 4, len as u32);
    let c = jcrc(&node[..8]);
    put32(node, 8, c);
}

/// Appends a node to a little-endian image, 4-byte aligned.
fn append(img: &mut Vec<u8>, node: Vec<u8>) -> usize {
    while !img.len().is_multiple_of(4) {
        img.push(0xff);
    }
    let at = img.len();
    img.extend(node);
    at
}

/// An uncompressed inode node carrying `data` at `offset`.
fn inode_node(ino: u32, version: u32, mode: u32, isize: u32, offset: u32, data: &[u8]) -> Vec<u8> {
    let mut n = vec![0u8; 68];
    n[..4].copy_from_slice(&[0x85, 0x19, 0x02, 0xe0]);
    put32(&mut n, 12, ino);
    put32(&mut n, 16, version);
    put32(&mut n, 20, mode);
    put32(&mut n, 28, isize);
    put32(&mut n, 36, 1_700_000_000);
    put32(&mut n, 44, offset);
    put32(&mut n, 48, data.len() as u32);
    put32(&mut n, 52, data.len() as u32);
    put32(&mut n, 60, jcrc(data));
    seal_header(&mut n, 68 + data.len());
    let c = jcrc(&n[..60]);
    put32(&mut n, 64, c);
    n.extend(data);
    n
}

fn dirent_node(pino: u32, version: u32, ino: u32, name: &[u8]) -> Vec<u8> {
    let mut n = vec![0u8; 40];
    n[..4].copy_from_slice(&[0x85, 0x19, 0x01, 0xe0]);
    put32(&mut n, 12, pino);
    put32(&mut n, 16, version);
    put32(&mut n, 20, ino);
    n[28] = name.len() as u8;
    n[29] = 8;
    seal_header(&mut n, 40 + name.len());
    let c = jcrc(&n[..32]);
    put32(&mut n, 32, c);
    put32(&mut n, 36, jcrc(name));
    n.extend(name);
    n
}

/// The inode number a dirent named `name` points at.
fn ino_of(img: &[u8], name: &[u8]) -> u32 {
    let (at, _, _) = *nodes(img)
        .iter()
        .find(|&&(at, t, _)| {
            t == 0xe001
                && img[at + 28] as usize == name.len()
                && &img[at + 40..][..name.len()] == name
        })
        .unwrap();
    get32(img, at + 20)
}

#[test]
fn later_versions_win_for_data_metadata_and_names() {
    let mut img = small_image(&["-l", "-n"]);
    let a = ino_of(&img, b"a.txt");
    let top = ino_of(&img, b"top");
    let dir = ino_of(&img, b"dir");
    // a.txt: bytes 2..6 overwritten, then the file truncated to 10 bytes and given mode 0600,
    // then extended to 14 bytes with a hole at 10..12.
    append(&mut img, inode_node(a, 100, 0o100600, 900, 2, b"BETA"));
    append(&mut img, inode_node(a, 101, 0o100600, 10, 0, b""));
    // As the kernel does, the gap is written as a zero node before the data beyond it.
    let mut hole = inode_node(a, 102, 0o100600, 12, 10, b"");
    hole[56] = 1; // JFFS2_COMPR_ZERO
    put32(&mut hole, 52, 2);
    let c = jcrc(&hole[..60]);
    put32(&mut hole, 64, c);
    append(&mut img, hole);
    append(&mut img, inode_node(a, 103, 0o100600, 14, 12, b"ZZ"));
    // top deleted (a dirent to inode 0), then a new name for it in `dir`.
    append(&mut img, dirent_node(1, 100, 0, b"top"));
    append(&mut img, dirent_node(dir, 101, top, b"moved"));
    let tree = open_bytes(img);
    assert!(warnings(&tree).is_empty(), "{:?}", warnings(&tree));
    let e = tree.get("img.jffs2!/dir/a.txt").unwrap();
    assert_eq!(e.mode, 0o600);
    assert_eq!(e.mtime, 1_700_000_000);
    assert_eq!(tree.read(e).unwrap(), b"alBETAalph\0\0ZZ");
    assert!(tree.get("img.jffs2!/top").is_none());
    let moved = tree.get("img.jffs2!/dir/moved").unwrap();
    assert_eq!(tree.read(moved).unwrap(), b"top\n");
}

#[test]
fn reads_the_small_image_cleanly() {
    let tree = open_bytes(small_image(&["-l"]));
    assert!(warnings(&tree).is_empty(), "{:?}", warnings(&tree));
    let a = tree.get("img.jffs2!/dir/a.txt").unwrap();
    assert_eq!(tree.read(a).unwrap(), b"alpha alpha alpha\n".repeat(50));
    let b = tree.get("img.jffs2!/dir/sub/b.bin").unwrap();
    assert_eq!(tree.read(b).unwrap(), common::noise(9000, 3));
}

#[test]
fn skips_nodes_with_bad_crcs_and_counts_them() {
    let mut img = small_image(&["-l"]);
    let list = nodes(&img);
    // Corrupt the data of every data node of b.bin (the 9000-byte file: 3 nodes).
    let mut hit = 0;
    for &(at, t, _) in &list {
        if t == 0xe002 && get32(&img, at + 28) == 9000 && get32(&img, at + 48) > 0 {
            img[at + 70] ^= 0xff;
            hit += 1;
        }
    }
    assert!(hit >= 3, "{hit}");
    // And the node CRC of the dirent of top.
    let (top, _, _) = *list
        .iter()
        .find(|&&(at, t, _)| t == 0xe001 && &img[at + 40..at + 43] == b"top")
        .unwrap();
    img[top + 32] ^= 1;
    let tree = open_bytes(img);
    let w = warnings(&tree);
    let bad: Vec<_> = w
        .iter()
        .filter(|(c, _, _)| *c == WarningCode::BadChecksum)
        .collect();
    assert!(
        bad.iter()
            .any(|(_, m, o)| m.contains("data CRC") && o.is_some()),
        "{w:?}"
    );
    assert!(bad.iter().any(|(_, m, _)| m.contains("node CRC")), "{w:?}");
    // a.txt is intact; top lost its only name.
    let a = tree.get("img.jffs2!/dir/a.txt").unwrap();
    assert_eq!(tree.read(a).unwrap(), b"alpha alpha alpha\n".repeat(50));
    assert!(tree.get("img.jffs2!/top").is_none());
}

#[test]
fn thousands_of_bad_nodes_give_a_handful_of_warnings() {
    // 4000 copies of one inode node, each with a broken data CRC.
    let img = small_image(&["-l", "-n"]);
    let (at, _, len) = *nodes(&img)
        .iter()
        .find(|&&(at, t, _)| t == 0xe002 && get32(&img, at + 48) > 0)
        .unwrap();
    let mut node = img[at..at + len].to_vec();
    node[len - 1] ^= 0xff;
    while !node.len().is_multiple_of(4) {
        node.push(0xff);
    }
    let mut big = img.clone();
    for _ in 0..4000 {
        big.extend(&node);
    }
    let tree = open_bytes(big);
    let w = warnings(&tree);
    assert!(w.len() < 20, "{}: {w:?}", w.len());
    assert!(
        w.iter()
            .any(|(c, m, _)| *c == WarningCode::BadChecksum && m.contains("3995 more")),
        "{w:?}"
    );
}

#[test]
fn resynchronises_after_garbage() {
    let img = small_image(&["-l", "-n"]);
    let list = nodes(&img);
    // Insert 1000 bytes of garbage between two nodes.
    let (cut, _, _) = list[list.len() / 2];
    let mut bad = img[..cut].to_vec();
    bad.extend(common::noise(1000, 5).iter().map(|b| b | 1)); // never 0xff words by chance
    bad.extend(&img[cut..]);
    let tree = open_bytes(bad);
    let w = warnings(&tree);
    assert!(
        w.iter().any(|(c, m, o)| *c == WarningCode::Corrupt
            && m.contains("1000 bytes")
            && *o == Some(cut as u64)),
        "{w:?}"
    );
    let b = tree.get("img.jffs2!/dir/sub/b.bin").unwrap();
    assert_eq!(tree.read(b).unwrap(), common::noise(9000, 3));
}

#[test]
fn rejects_directory_cycle() {
    // A dirent in `dir/sub` naming `dir` again: `dir` would be its own ancestor.
    let img = small_image(&["-l", "-n"]);
    let list = nodes(&img);
    let find = |name: &[u8]| {
        *list
            .iter()
            .find(|&&(at, t, _)| {
                t == 0xe001
                    && img[at + 28] as usize == name.len()
                    && &img[at + 40..][..name.len()] == name
            })
            .unwrap()
    };
    let (dir_at, _, _) = find(b"dir");
    let (sub_at, _, _) = find(b"sub");
    let dir_ino = get32(&img, dir_at + 20);
    let sub_ino = get32(&img, sub_at + 20);
    let mut node = img[sub_at..sub_at + 43].to_vec();
    put32(&mut node, 12, sub_ino); // parent: sub
    put32(&mut node, 16, 1000); // version
    put32(&mut node, 20, dir_ino); // target: dir
    node[40..43].copy_from_slice(b"up!");
    let c = jcrc(&node[..32]);
    put32(&mut node, 32, c);
    let c = jcrc(&node[40..43]);
    put32(&mut node, 36, c);
    let mut bad = img.clone();
    while !bad.len().is_multiple_of(4) {
        bad.push(0xff);
    }
    let at = bad.len();
    bad.extend(&node);
    let tree = open_bytes(bad);
    let w = warnings(&tree);
    assert!(
        w.iter().any(|(c, m, o)| *c == WarningCode::Cycle
            && m.contains("dir/sub/up!")
            && *o == Some(at as u64)),
        "{w:?}"
    );
    assert!(tree.get("img.jffs2!/dir/sub/b.bin").is_some());
}

#[test]
fn obsolete_nodes_are_ignored() {
    // The kernel obsoletes a node in place by clearing the "accurate" bit of its type.
    let mut img = small_image(&["-l", "-n"]);
    let a = ino_of(&img, b"a.txt");
    let at = append(&mut img, inode_node(a, 500, 0o100644, 4, 0, b"XXXX"));
    img[at + 3] &= !0x20;
    let tree = open_bytes(img);
    assert!(warnings(&tree).is_empty(), "{:?}", warnings(&tree));
    let e = tree.get("img.jffs2!/dir/a.txt").unwrap();
    assert_eq!(tree.read(e).unwrap(), b"alpha alpha alpha\n".repeat(50));
    assert!(
        tree.report().layers[0].description.contains("(1 obsolete)"),
        "{}",
        tree.report().layers[0].description
    );
}

#[test]
fn reports_orphaned_inodes() {
    let mut img = small_image(&["-l", "-n"]);
    let at = append(&mut img, inode_node(5000, 1, 0o100644, 5, 0, b"lost\n"));
    // And a name in a directory nobody reaches.
    append(&mut img, dirent_node(6000, 1, 5000, b"ghost"));
    let tree = open_bytes(img);
    let w = warnings(&tree);
    assert!(
        w.iter().any(|(c, m, o)| *c == WarningCode::Corrupt
            && m.contains("1 inodes are not reachable")
            && *o == Some(at as u64)),
        "{w:?}"
    );
    assert!(
        w.iter()
            .any(|(_, m, _)| m.contains("directories not reachable from the root")),
        "{w:?}"
    );
}

#[test]
fn rejects_data_node_with_absurd_offset_and_length() {
    let mut img = small_image(&["-l", "-n"]);
    let (at, _, _) = *nodes(&img)
        .iter()
        .find(|&&(at, t, _)| {
            t == 0xe002 && get32(&img, at + 28) == 9000 && get32(&img, at + 48) > 0
        })
        .unwrap();
    put32(&mut img, at + 44, 0xffff_f000); // offset
    put32(&mut img, at + 52, 0x7fff_ffff); // dsize
    fix_inode_crcs(&mut img, at);
    let tree = open_bytes(img);
    let w = warnings(&tree);
    assert!(
        w.iter().any(|(c, m, o)| *c == WarningCode::Corrupt
            && m.contains("data node of")
            && *o == Some(at as u64)),
        "{w:?}"
    );
}

#[test]
fn huge_zero_node_is_a_hole_not_an_allocation() {
    // A zero-compressed node may cover a whole hole; the file reads as zeros, lazily.
    let mut img = small_image(&["-l", "-n"]);
    let (at, _, _) = *nodes(&img)
        .iter()
        .find(|&&(at, t, _)| {
            t == 0xe002 && img[at..at + 2] == [0x85, 0x19] && get32(&img, at + 28) == 4
        })
        .unwrap();
    // `top`: make its only node a 64 MiB zero node and the file 64 MiB.
    put32(&mut img, at + 28, 64 << 20);
    put32(&mut img, at + 52, 64 << 20);
    put32(&mut img, at + 48, 0);
    img[at + 56] = 1;
    fix_inode_crcs(&mut img, at);
    let tree = open_bytes(img);
    let top = tree.get("img.jffs2!/top").unwrap();
    assert_eq!(top.size, 64 << 20);
    let data = tree.read(top).unwrap();
    assert_eq!(data.len(), 64 << 20);
    assert!(data.iter().all(|&b| b == 0));
}

#[test]
fn truncated_images_warn_and_keep_what_precedes() {
    let img = small_image(&["-l", "-n"]);
    for cut in [5, 13, 100, img.len() / 3, img.len() / 2, img.len() - 3] {
        let tree = open_bytes(img[..cut].to_vec());
        let w = warnings(&tree);
        // Either nothing at all was valid (an error that names the format) or the partial
        // listing comes with a truncation warning naming the offset.
        assert!(
            w.iter()
                .any(|(c, m, o)| (*c == WarningCode::Truncated && o.is_some())
                    || m.contains("jffs2")),
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
fn names_with_slash_and_dot_dot_stay_inside() {
    let img = small_image(&["-l", "-n"]);
    let list = nodes(&img);
    let (top_at, _, _) = *list
        .iter()
        .find(|&&(at, t, _)| t == 0xe001 && img[at + 28] == 3 && &img[at + 40..at + 43] == b"top")
        .unwrap();
    let mut bad = img.clone();
    for (i, name) in [&b"../x"[..], b"a/b", b"..", b"n\0l"].iter().enumerate() {
        let mut node = img[top_at..top_at + 40].to_vec();
        node[28] = name.len() as u8;
        put32(&mut node, 16, 100 + i as u32);
        put32(&mut node, 4, 40 + name.len() as u32);
        let c = jcrc(&node[..8]);
        put32(&mut node, 8, c);
        let c = jcrc(&node[..32]);
        put32(&mut node, 32, c);
        let c = jcrc(name);
        put32(&mut node, 36, c);
        node.extend(*name);
        while !bad.len().is_multiple_of(4) {
            bad.push(0xff);
        }
        bad.extend(&node);
    }
    let tree = open_bytes(bad);
    let paths: Vec<&str> = tree.entries().iter().map(|e| e.path.as_str()).collect();
    assert!(
        paths.iter().all(|p| p.starts_with("img.jffs2!/")),
        "{paths:?}"
    );
    assert!(paths.contains(&"img.jffs2!/..\\x00x"), "{paths:?}");
    assert!(paths.contains(&"img.jffs2!/a\\x00b"), "{paths:?}");
    assert!(paths.contains(&"img.jffs2!/n\\x00l"), "{paths:?}");
    let w = warnings(&tree);
    assert!(
        w.iter().any(|(c, _, _)| *c == WarningCode::UnsafeName),
        "{w:?}"
    );
}

#[test]
fn found_inside_a_blob() {
    // A big-endian image after a header and padding, in a blob: carved and opened.
    let img = small_image(&["-b"]);
    let mut blob = vec![0x5au8; 1000];
    blob.extend(vec![0u8; 24]);
    blob.extend(&img);
    blob.extend(vec![0xffu8; 70000]);
    blob.extend(b"trailer that is not jffs2".repeat(100));
    let tree = netvet_unpack::open_source(
        "blob.bin",
        Arc::new(MemSource::new(blob)),
        &Options::default(),
        None,
    );
    let b = tree.get("blob.bin!/0x400.jffs2!/dir/sub/b.bin").unwrap();
    assert_eq!(tree.read(b).unwrap(), common::noise(9000, 3));
    // The bytes after the image are the blob's business, not damage inside the filesystem.
    let layer = tree
        .report()
        .layers
        .iter()
        .find(|l| l.format == "jffs2")
        .cloned()
        .unwrap();
    assert!(
        layer
            .warnings
            .iter()
            .all(|w| w.code == WarningCode::TrailingData),
        "{:?}",
        layer.warnings
    );
    assert_eq!(layer.offset, 0x400);
}
