//! Bare UBIFS images built by Debian's mkfs.ubifs from the reference tree, one per compressor
//! and geometry; every entry's content and metadata must come out unchanged. Then hostile
//! images made by editing nodes of a valid one.
//!
//! mkfs.ubifs from Debian (mtd-utils 2.1.5) is built without xattr support and stores none, so
//! the plain builds compare without xattrs; `xattrs_come_from_xattr_entries` adds the
//! reference tree's xattrs to an image the way the kernel stores them and compares everything.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use common::{Caps, assert_matches, open, reference_tree, tool};
use netvet_model::{EntryKind, WarningCode};
use netvet_unpack::{Limits, MemSource, Options, Tree};

const LEB: usize = 126976;

/// What mkfs.ubifs stores: everything but xattrs (see the module comment).
const CAPS: Caps = Caps {
    xattrs: false,
    ..Caps::FULL
};

fn build(dir: &Path, extra: &[&str]) -> PathBuf {
    let root = dir.join("root");
    if !root.exists() {
        reference_tree(&root);
    }
    let img = dir.join("img.ubifs");
    let mut args: Vec<&OsStr> = vec![OsStr::new("-r"), root.as_os_str()];
    args.extend(["-m", "2048", "-e", "126976", "-c", "200"].map(OsStr::new));
    args.extend(extra.iter().map(OsStr::new));
    args.extend([OsStr::new("-o"), img.as_os_str()]);
    tool("mkfs.ubifs", "mtd-utils", &args);
    img
}

fn assert_clean(tree: &Tree) {
    let report = tree.report();
    assert_eq!(report.layers.len(), 1, "{:#?}", report.layers);
    assert_eq!(report.layers[0].format, "ubifs");
    assert!(
        report.layers[0].warnings.is_empty(),
        "{:?}",
        report.layers[0].warnings
    );
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    assert!(
        report.layers[0]
            .description
            .contains("the journal was not replayed"),
        "{}",
        report.layers[0].description
    );
}

fn check(extra: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let img = build(dir.path(), extra);
    let tree = open(&img);
    assert_clean(&tree);
    assert_matches(&tree, "img.ubifs!/", &dir.path().join("root"), CAPS);
}

#[test]
fn lzo() {
    check(&["-x", "lzo"]);
}

#[test]
fn zlib() {
    check(&["-x", "zlib"]);
}

#[test]
fn zstd() {
    check(&["-x", "zstd"]);
}

#[test]
fn uncompressed() {
    check(&["-x", "none"]);
}

#[test]
fn favor_lzo_mixes_lzo_and_zlib_nodes() {
    check(&["-x", "favor_lzo", "-X", "5"]);
}

#[test]
fn minimum_fanout_gives_a_deep_index() {
    check(&["-x", "zlib", "-f", "3"]);
}

#[test]
fn space_fixup_flag() {
    check(&["-x", "lzo", "-F"]);
}

#[test]
fn nor_geometry_small_lebs_and_8_byte_io() {
    let dir = tempfile::tempdir().unwrap();
    let root = reference_tree(&dir.path().join("root"));
    let img = dir.path().join("img.ubifs");
    let mut args: Vec<&OsStr> = vec![OsStr::new("-r"), root.as_os_str()];
    args.extend(["-m", "8", "-e", "65408", "-c", "400", "-x", "zlib"].map(OsStr::new));
    args.extend([OsStr::new("-o"), img.as_os_str()]);
    tool("mkfs.ubifs", "mtd-utils", &args);
    let tree = open(&img);
    assert_clean(&tree);
    assert_matches(&tree, "img.ubifs!/", &root, CAPS);
}

// ---------------------------------------------------------------------------------------
// A small toolkit for editing UBIFS nodes in test images.

const MAGIC: [u8; 4] = 0x0610_1831u32.to_le_bytes();

fn le32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
}

fn le64(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().unwrap())
}

fn put32(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

fn put64(b: &mut [u8], at: usize, v: u64) {
    b[at..at + 8].copy_from_slice(&v.to_le_bytes());
}

/// Recomputes the CRC of the node at `at` (UBIFS: over the node after byte 8, no final xor).
fn fix_crc(img: &mut [u8], at: usize) {
    let len = le32(img, at + 16) as usize;
    let c = !crc32fast::hash(&img[at + 8..at + len]);
    put32(img, at + 4, c);
}

#[derive(Clone, Copy, Debug)]
struct Node {
    at: usize,
    len: usize,
    ty: u8,
}

/// Every node of the image, found by scanning each LEB.
fn nodes(img: &[u8]) -> Vec<Node> {
    let mut out = Vec::new();
    for leb in 0..img.len() / LEB {
        let base = leb * LEB;
        let mut off = 0;
        while off + 24 <= LEB {
            let at = base + off;
            if img[at..at + 4] == MAGIC {
                let len = le32(img, at + 16) as usize;
                if len >= 24 && off + len <= LEB {
                    out.push(Node {
                        at,
                        len,
                        ty: img[at + 20],
                    });
                    off += len.next_multiple_of(8);
                    continue;
                }
            }
            off += 8;
        }
    }
    out
}

/// The directory-entry node named `name` (which must be unique in the image).
fn dent(img: &[u8], name: &[u8]) -> Node {
    let found: Vec<Node> = nodes(img)
        .into_iter()
        .filter(|n| {
            n.ty == 2 && img[n.at + 56..n.at + 56 + name.len() + 1] == [name, b"\0"].concat()
        })
        .collect();
    assert_eq!(found.len(), 1, "entries named {name:?}");
    found[0]
}

/// The inode number a directory entry points to.
fn dent_inum(img: &[u8], name: &[u8]) -> u64 {
    le64(img, dent(img, name).at + 40)
}

/// The node with key (inum, type).
fn keyed(img: &[u8], inum: u64, ty: u8) -> Vec<Node> {
    nodes(img)
        .into_iter()
        .filter(|n| n.ty == ty && le32(img, n.at + 24) as u64 == inum)
        .collect()
}

/// Position of the index root, from the master node in LEB 1.
fn root_index(img: &[u8]) -> Node {
    let m = LEB;
    let at = le32(img, m + 48) as usize * LEB + le32(img, m + 52) as usize;
    Node {
        at,
        len: le32(img, m + 56) as usize,
        ty: 9,
    }
}

fn options(max_file_size: u64) -> Options {
    Options {
        limits: Limits {
            max_file_size,
            ..Limits::default()
        },
        ..Options::default()
    }
}

fn forced(img: Vec<u8>) -> Tree {
    netvet_unpack::open_forced(
        "img.ubifs",
        Arc::new(MemSource::new(img)),
        &Options::default(),
        "ubifs",
    )
}

fn fixture(extra: &[&str]) -> (tempfile::TempDir, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    let img = build(dir.path(), extra);
    let bytes = std::fs::read(img).unwrap();
    (dir, bytes)
}

fn ubifs_warnings(tree: &Tree) -> Vec<netvet_model::Warning> {
    let mut all: Vec<_> = tree.report().warnings.clone();
    for l in &tree.report().layers {
        if l.format == "ubifs" {
            all.extend(l.warnings.iter().cloned());
        }
    }
    all
}

// ---------------------------------------------------------------------------------------

/// Xattrs of every path under `root`, by path relative to it.
fn reference_xattrs(root: &Path) -> BTreeMap<String, Vec<(String, Vec<u8>)>> {
    let out = Command::new("getfattr")
        .args(["-R", "-h", "-d", "-m", "-", "-e", "hex", "--absolute-names"])
        .arg(root)
        .output()
        .unwrap();
    let mut map: BTreeMap<String, Vec<(String, Vec<u8>)>> = BTreeMap::new();
    let mut current = String::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        if let Some(p) = line.strip_prefix("# file: ") {
            current = Path::new(p)
                .strip_prefix(root)
                .unwrap()
                .to_str()
                .unwrap()
                .to_string();
        } else if let Some((k, v)) = line.split_once('=') {
            let hex = v.trim_start_matches("0x");
            let bytes = (0..hex.len() / 2)
                .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap())
                .collect();
            map.entry(current.clone())
                .or_default()
                .push((k.to_string(), bytes));
        }
    }
    map
}

/// A node with a common header: magic, sqnum, type, and `body` after the header.
fn make_node(ty: u8, sqnum: u64, body: &[u8]) -> Vec<u8> {
    let mut n = vec![0u8; 24];
    n[..4].copy_from_slice(&MAGIC);
    put64(&mut n, 8, sqnum);
    put32(&mut n, 16, (24 + body.len()) as u32);
    n[20] = ty;
    n.extend_from_slice(body);
    let c = !crc32fast::hash(&n[8..]);
    put32(&mut n, 4, c);
    n
}

fn key(inum: u64, ty: u32, value: u32) -> [u8; 16] {
    let mut k = [0u8; 16];
    put32(&mut k, 0, inum as u32);
    put32(&mut k, 4, ty << 29 | value);
    k
}

/// Adds xattrs the way the kernel stores them: an xattr entry under the owning inode's key,
/// naming a hidden inode whose data is the value. The new nodes go into a new LEB, together
/// with a copy of one bottom-level index node extended with branches to them; its parent is
/// pointed at the copy.
fn add_xattrs(img: &mut Vec<u8>, xattrs: &[(u64, &str, &[u8])]) {
    let lnum = img.len() / LEB;
    img.resize(img.len() + LEB, 0xff);
    let sb_leb_cnt = le32(img, 40);
    put32(img, 40, sb_leb_cnt + 1);
    fix_crc(img, 0);
    let highest_inum = le64(img, LEB + 24);
    let mut new_leb: Vec<u8> = Vec::new();
    let mut branches: Vec<(u32, u32, u32, [u8; 16])> = Vec::new();
    let mut place = |node: Vec<u8>, k: [u8; 16], new_leb: &mut Vec<u8>| {
        let offs = new_leb.len();
        let len = node.len();
        new_leb.extend_from_slice(&node);
        new_leb.resize(new_leb.len().next_multiple_of(8), 0);
        branches.push((lnum as u32, offs as u32, len as u32, k));
    };
    for (i, (host, name, value)) in xattrs.iter().enumerate() {
        let xinum = highest_inum + 1 + i as u64;
        // Xattr entry: key (host, XENT, hash), inum, type, name length, name, NUL.
        let k = key(*host, 3, 0x1000 + i as u32);
        let mut body = k.to_vec();
        body.extend_from_slice(&xinum.to_le_bytes());
        body.extend_from_slice(&[0, 0]);
        body.extend_from_slice(&(name.len() as u16).to_le_bytes());
        body.extend_from_slice(&[0; 4]);
        body.extend_from_slice(name.as_bytes());
        body.push(0);
        place(make_node(3, 1000 + i as u64, &body), k, &mut new_leb);
        // Xattr inode: regular file flagged as xattr, value as inode data.
        let k = key(xinum, 0, 0);
        let mut body = vec![0u8; 136];
        body[..16].copy_from_slice(&k);
        put64(&mut body, 24, value.len() as u64); // size
        put32(&mut body, 68, 1); // nlink
        put32(&mut body, 80, 0o100777); // mode
        put32(&mut body, 84, 0x20); // UBIFS_XATTR_FL
        put32(&mut body, 88, value.len() as u32); // data_len
        body.extend_from_slice(value);
        place(make_node(0, 2000 + i as u64, &body), k, &mut new_leb);
    }
    // Descend to a bottom-level index node and its parent.
    let mut parent = root_index(img);
    assert!(
        le32(img, parent.at + 24) >> 16 >= 1,
        "root must be above level 0"
    );
    loop {
        let level = u16::from_le_bytes([img[parent.at + 26], img[parent.at + 27]]);
        if level == 1 {
            break;
        }
        let b = parent.at + 28;
        parent = Node {
            at: le32(img, b) as usize * LEB + le32(img, b + 4) as usize,
            len: le32(img, b + 8) as usize,
            ty: 9,
        };
    }
    let b = parent.at + 28;
    let child_at = le32(img, b) as usize * LEB + le32(img, b + 4) as usize;
    let child_len = le32(img, b + 8) as usize;
    let old = img[child_at..child_at + child_len].to_vec();
    let old_cnt = u16::from_le_bytes([old[24], old[25]]) as usize;
    let mut body = Vec::new();
    body.extend_from_slice(&((old_cnt + branches.len()) as u16).to_le_bytes());
    body.extend_from_slice(&[0, 0]); // level 0
    body.extend_from_slice(&old[28..]);
    for (l, o, n, k) in &branches {
        body.extend_from_slice(&l.to_le_bytes());
        body.extend_from_slice(&o.to_le_bytes());
        body.extend_from_slice(&n.to_le_bytes());
        body.extend_from_slice(&k[..8]);
    }
    let idx = make_node(9, 3000, &body);
    let idx_offs = new_leb.len();
    new_leb.extend_from_slice(&idx);
    assert!(new_leb.len() <= LEB);
    img[lnum * LEB..lnum * LEB + new_leb.len()].copy_from_slice(&new_leb);
    put32(img, b, lnum as u32);
    put32(img, b + 4, idx_offs as u32);
    put32(img, b + 8, idx.len() as u32);
    fix_crc(img, parent.at);
}

#[test]
fn xattrs_come_from_xattr_entries() {
    let (dir, mut img) = fixture(&["-x", "lzo"]);
    let root = dir.path().join("root");
    let wanted = reference_xattrs(&root);
    assert!(
        wanted.contains_key("bin/busybox") && wanted.contains_key("etc/passwd"),
        "the fixture must have xattrs: {wanted:?}"
    );
    let mut xattrs = Vec::new();
    for (path, list) in &wanted {
        if path == "etc/passwd.hard" {
            continue; // the same inode as etc/passwd
        }
        let name = Path::new(path).file_name().unwrap().as_encoded_bytes();
        let host = dent_inum(&img, name);
        for (k, v) in list {
            xattrs.push((host, k.as_str(), v.as_slice()));
        }
    }
    add_xattrs(&mut img, &xattrs);
    let path = dir.path().join("img.ubifs");
    std::fs::write(&path, &img).unwrap();
    let tree = open(&path);
    assert_clean(&tree);
    assert_matches(&tree, "img.ubifs!/", &root, Caps::FULL);
}

#[test]
fn rejects_index_branch_pointing_to_its_own_node() {
    let (_dir, mut img) = fixture(&["-x", "lzo"]);
    let root = root_index(&img);
    let cnt = u16::from_le_bytes([img[root.at + 24], img[root.at + 25]]) as usize;
    assert!(cnt >= 2);
    // The last branch of the root points at the root itself.
    let bsz = (root.len - 28) / cnt;
    let b = root.at + 28 + (cnt - 1) * bsz;
    put32(&mut img, b, (root.at / LEB) as u32);
    put32(&mut img, b + 4, (root.at % LEB) as u32);
    put32(&mut img, b + 8, root.len as u32);
    fix_crc(&mut img, root.at);
    let tree = forced(img);
    let w = ubifs_warnings(&tree);
    assert!(
        w.iter()
            .any(|w| w.code == WarningCode::Cycle && w.offset == Some(root.at as u64)),
        "{w:?}"
    );
    // What the other branches hold is still listed (which names those are depends on the
    // key hashes, so only the count is checked).
    let n = tree.entries().len();
    assert!(n > 10, "{n} entries");
}

#[test]
fn rejects_directory_cycle() {
    let (_dir, mut img) = fixture(&["-x", "lzo"]);
    // a/b/c/d/e/f/g/h becomes the directory a again.
    let a = dent_inum(&img, b"a");
    let h = dent(&img, b"h");
    put64(&mut img, h.at + 40, a);
    fix_crc(&mut img, h.at);
    let tree = forced(img);
    let w = ubifs_warnings(&tree);
    assert!(
        w.iter()
            .any(|w| w.code == WarningCode::Cycle && w.offset == Some(h.at as u64)),
        "{w:?}"
    );
    assert!(tree.get("img.ubifs!/a/b/c/d/e/f/g").is_some());
    assert!(tree.get("img.ubifs!/a/b/c/d/e/f/g/h").is_none());
}

#[test]
fn skips_nodes_with_bad_crc() {
    let (_dir, mut img) = fixture(&["-x", "lzo"]);
    let inum = dent_inum(&img, b"deep.txt");
    let ino = keyed(&img, inum, 0);
    assert_eq!(ino.len(), 1);
    img[ino[0].at + 72] ^= 0x55; // mtime, CRC left stale
    let tree = forced(img);
    let w = ubifs_warnings(&tree);
    assert!(
        w.iter().any(|w| w.code == WarningCode::BadChecksum
            && w.offset == Some(ino[0].at as u64)
            && w.message.contains("ubifs at offset")),
        "{w:?}"
    );
    assert!(tree.get("img.ubifs!/a/b/c/d/e/f/g/h/deep.txt").is_none());
    let passwd = tree.get("img.ubifs!/etc/passwd").unwrap();
    assert!(tree.read(passwd).unwrap().starts_with(b"root:x:0:0"));
}

#[test]
fn rejects_data_node_claiming_a_gigabyte() {
    let (_dir, mut img) = fixture(&["-x", "lzo"]);
    let busybox = dent_inum(&img, b"busybox");
    let data = keyed(&img, busybox, 1);
    assert!(data.len() > 10);
    // One node's header claims 1 GiB; another's index branch does.
    let first = data[0];
    put32(&mut img, first.at + 16, 1 << 30);
    let second = data[5];
    let idx: Vec<Node> = nodes(&img).into_iter().filter(|n| n.ty == 9).collect();
    let mut patched = false;
    for n in idx {
        let cnt = u16::from_le_bytes([img[n.at + 24], img[n.at + 25]]) as usize;
        let bsz = (n.len - 28) / cnt;
        for i in 0..cnt {
            let b = n.at + 28 + i * bsz;
            if le32(&img, b) as usize == second.at / LEB
                && le32(&img, b + 4) as usize == second.at % LEB
            {
                put32(&mut img, b + 8, 1 << 30);
                fix_crc(&mut img, n.at);
                patched = true;
            }
        }
    }
    assert!(patched);
    let tree = netvet_unpack::open_source(
        "img.ubifs",
        Arc::new(MemSource::new(img)),
        &options(64 << 20),
        None,
    );
    let w = ubifs_warnings(&tree);
    assert!(
        w.iter()
            .any(|w| w.offset == Some(second.at as u64) && w.message.contains("1073741824 bytes")),
        "{w:?}"
    );
    let e = tree.get("img.ubifs!/bin/busybox").unwrap();
    let err = tree.read(e).unwrap_err().to_string();
    assert!(
        err.contains(&format!("ubifs at offset {:#x}", first.at)) && err.contains("1073741824"),
        "{err}"
    );
}

#[test]
fn absurd_file_size_stops_at_the_file_size_limit() {
    let (_dir, mut img) = fixture(&["-x", "lzo"]);
    let inum = dent_inum(&img, b"empty");
    let ino = keyed(&img, inum, 0)[0];
    put64(&mut img, ino.at + 48, 1 << 50);
    fix_crc(&mut img, ino.at);
    let tree = netvet_unpack::open_source(
        "img.ubifs",
        Arc::new(MemSource::new(img)),
        &options(1 << 20),
        None,
    );
    let e = tree.get("img.ubifs!/etc/empty").unwrap();
    assert_eq!(e.size, 1 << 50);
    let err = tree.read(e).unwrap_err().to_string();
    assert!(err.contains("single file size"), "{err}");
}

#[test]
fn hostile_names_are_skipped_or_escaped() {
    let (_dir, mut img) = fixture(&["-x", "lzo"]);
    for (old, new) in [
        (&b"su"[..], &b".."[..]),
        (b"rcS", b"x/y"),
        (b"shadow", b"sh\0dow"),
    ] {
        let n = dent(&img, old);
        img[n.at + 56..n.at + 56 + new.len()].copy_from_slice(new);
        fix_crc(&mut img, n.at);
    }
    let tree = forced(img);
    assert!(tree.get("img.ubifs!/bin/su").is_none());
    assert!(tree.get("img.ubifs!/etc/init.d/x\\x00y").is_some());
    assert!(tree.get("img.ubifs!/etc/sh\\x00dow").is_some());
    assert!(tree.entries().iter().all(|e| !e.path.contains("/../")));
    let w = ubifs_warnings(&tree);
    assert!(w.iter().any(|w| w.code == WarningCode::UnsafeName), "{w:?}");
}

#[test]
fn truncated_images_give_warnings_not_panics() {
    let (_dir, img) = fixture(&["-x", "zlib"]);
    for cut in [
        100,
        4096,
        LEB + 300,
        3 * LEB,
        img.len() / 2,
        img.len() - 5000,
    ] {
        let tree = forced(img[..cut].to_vec());
        let report = tree.report();
        let all: Vec<_> = report
            .warnings
            .iter()
            .chain(report.layers.iter().flat_map(|l| l.warnings.iter()))
            .collect();
        assert!(
            all.iter().any(|w| w.message.contains("ubifs")
                || matches!(w.code, WarningCode::Truncated | WarningCode::Corrupt)),
            "cut at {cut}: {all:?}"
        );
        for e in tree.entries() {
            if e.kind == EntryKind::File {
                let _ = tree.read(e);
            }
        }
    }
}

#[test]
fn bad_superblock_crc_is_not_identified() {
    let (_dir, mut img) = fixture(&["-x", "lzo"]);
    img[40] ^= 1;
    let tree = netvet_unpack::open_source(
        "img.ubifs",
        Arc::new(MemSource::new(img.clone())),
        &Options::default(),
        None,
    );
    assert!(tree.report().layers.iter().all(|l| l.format != "ubifs"));
    let tree = forced(img);
    let w = &tree.report().warnings;
    assert!(
        w.iter().any(|w| w.message.contains("ubifs at offset 0x4")),
        "{w:?}"
    );
}

#[test]
fn newer_journal_nodes_are_reported() {
    let (_dir, mut img) = fixture(&["-x", "lzo"]);
    // A reference node in the log (LEB 3, after the commit-start node) naming a bud in a free
    // LEB, which holds a node newer than the master node.
    let log = nodes(&img)
        .into_iter()
        .filter(|n| n.at / LEB == 3)
        .map(|n| n.at + n.len)
        .max()
        .unwrap()
        .next_multiple_of(2048);
    let bud_lnum = img.len() / LEB;
    img.resize(img.len() + LEB, 0xff);
    put32(&mut img, 40, bud_lnum as u32 + 1);
    fix_crc(&mut img, 0);
    let mut r = vec![0u8; 40];
    put32(&mut r, 0, bud_lnum as u32);
    put32(&mut r, 8, 2);
    let r = make_node(8, 1 << 40, &r);
    img[log..log + r.len()].copy_from_slice(&r);
    let mut body = key(64, 0, 0).to_vec();
    body.resize(136, 0);
    let ino = make_node(0, (1 << 40) + 1, &body);
    img[bud_lnum * LEB..bud_lnum * LEB + ino.len()].copy_from_slice(&ino);
    let tree = forced(img);
    let w = ubifs_warnings(&tree);
    assert!(
        w.iter().any(|w| w.offset == Some(log as u64)
            && w.message.contains("journal was not replayed")),
        "{w:?}"
    );
}

/// Found by fuzzing: two files of 2^63 bytes overflowed the report's byte total.
#[test]
fn huge_inode_sizes_do_not_overflow_totals() {
    let (_dir, mut img) = fixture(&["-x", "lzo"]);
    let mut at = Vec::new();
    for (name, size) in [
        (&b"empty"[..], i64::MAX as u64),
        (b"shadow", i64::MAX as u64),
        (b"rcS", u64::MAX),
    ] {
        let ino = keyed(&img, dent_inum(&img, name), 0)[0];
        put64(&mut img, ino.at + 48, size);
        fix_crc(&mut img, ino.at);
        at.push(ino.at);
    }
    // Small file-size limit: the engine reads the start of each file, and reads of these
    // (all holes) stop there.
    let tree = netvet_unpack::open_forced(
        "img.ubifs",
        Arc::new(MemSource::new(img)),
        &options(1 << 20),
        "ubifs",
    );
    assert_eq!(tree.report().totals.file_bytes, u64::MAX);
    assert_eq!(
        tree.get("img.ubifs!/etc/empty").unwrap().size,
        i64::MAX as u64
    );
    assert!(tree.get("img.ubifs!/etc/init.d/rcS").is_none());
    let w = ubifs_warnings(&tree);
    assert!(
        w.iter().any(|w| w.code == WarningCode::Corrupt
            && w.offset == Some(at[2] as u64 + 48)
            && w.message.contains("18446744073709551615")),
        "{w:?}"
    );
}
