//! SquashFS 3.x and 2.x images built in code from the format's definition (no Debian tool
//! writes them any more): the reference tree in both byte orders, with zlib and with the
//! vendors' LZMA (under its own magic and under the standard one). Every entry must come back
//! as SquashFS 3 stores it; then damaged images.
//!
//! The writer lays the image out as mksquashfs 3 does: data blocks and fragment blocks after
//! the superblock, then the inode table (directories after their children, so every
//! reference is known when written), the directory table, the fragment table and its index,
//! and the uid and gid arrays.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::sync::Arc;

use common::{Caps, assert_matches, reference_tree};
use netvet_forge::{FsNode, FsTree, NodeKind};
use netvet_model::WarningCode;
use netvet_unpack::{MemSource, Options, Tree};

/// What SquashFS 3 stores of the reference tree: everything but xattrs.
const SQUASHFS3: Caps = Caps {
    xattrs: false,
    ..Caps::FULL
};

const BLOCK: usize = 65536;
/// The image's creation time, which version 2 gives inodes without a time of their own.
const MKFS_TIME: u64 = 1_234_567_890;
const META: usize = 8192;

#[derive(Clone, Copy, PartialEq)]
enum Comp {
    Zlib,
    /// LZMA blocks; `true`: under the vendor magic (`qshs`/`shsq`).
    Lzma(bool),
}

/// Appends bitfields as a compiler for a machine of the given byte order packs them.
struct Bits {
    big: bool,
    buf: Vec<u8>,
    pos: usize,
}

impl Bits {
    fn new(big: bool) -> Bits {
        Bits {
            big,
            buf: Vec::new(),
            pos: 0,
        }
    }

    fn put(&mut self, v: u64, n: usize) -> &mut Bits {
        for i in 0..n {
            let bit = if self.big {
                (v >> (n - 1 - i)) & 1
            } else {
                (v >> i) & 1
            } as u8;
            let p = self.pos + i;
            if self.buf.len() <= p / 8 {
                self.buf.push(0);
            }
            let shift = if self.big { 7 - p % 8 } else { p % 8 };
            self.buf[p / 8] |= bit << shift;
        }
        self.pos += n;
        self
    }

    fn bytes(&mut self, b: &[u8]) -> &mut Bits {
        assert_eq!(self.pos % 8, 0);
        self.buf.extend(b);
        self.pos += 8 * b.len();
        self
    }
}

struct Writer {
    big: bool,
    comp: Comp,
    out: Vec<u8>,
}

impl Writer {
    fn compress(&self, data: &[u8]) -> Vec<u8> {
        match self.comp {
            Comp::Zlib => {
                let mut e =
                    flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
                e.write_all(data).unwrap();
                e.finish().unwrap()
            }
            Comp::Lzma(_) => {
                let opts = liblzma::stream::LzmaOptions::new_preset(6).unwrap();
                let stream = liblzma::stream::Stream::new_lzma_encoder(&opts).unwrap();
                let mut e = liblzma::write::XzEncoder::new_stream(Vec::new(), stream);
                e.write_all(data).unwrap();
                e.finish().unwrap()
            }
        }
    }

    fn u16(&self, v: u16) -> [u8; 2] {
        if self.big {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    }

    fn u32(&self, v: u32) -> [u8; 4] {
        if self.big {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    }

    /// Writes a data block; returns its size word.
    fn block(&mut self, data: &[u8]) -> u32 {
        let c = self.compress(data);
        if c.len() < data.len() {
            self.out.extend(&c);
            c.len() as u32
        } else {
            self.out.extend(data);
            data.len() as u32 | 1 << 24
        }
    }
}

/// A metadata stream: 8 KiB blocks, each compressed behind a 2-byte header.
struct Meta {
    out: Vec<u8>,
    buf: Vec<u8>,
}

impl Meta {
    fn new() -> Meta {
        Meta {
            out: Vec::new(),
            buf: Vec::new(),
        }
    }

    /// The reference of the next byte: block start << 16 | offset in the block.
    fn here(&self) -> u64 {
        (self.out.len() as u64) << 16 | self.buf.len() as u64
    }

    fn push(&mut self, w: &Writer, b: &[u8]) {
        self.buf.extend(b);
        while self.buf.len() >= META {
            let rest = self.buf.split_off(META);
            self.flush(w);
            self.buf = rest;
        }
    }

    fn flush(&mut self, w: &Writer) {
        if self.buf.is_empty() {
            return;
        }
        let c = w.compress(&self.buf);
        if c.len() < self.buf.len() {
            self.out.extend(w.u16(c.len() as u16));
            self.out.extend(c);
        } else {
            self.out.extend(w.u16(self.buf.len() as u16 | 0x8000));
            self.out.extend(&self.buf);
        }
        self.buf.clear();
    }
}

/// Where a file's data went.
struct Placed {
    start: u64,
    sizes: Vec<u32>,
    /// (fragment index, offset) of the tail.
    fragment: Option<(u32, u32)>,
}

struct Image {
    w: Writer,
    inodes: Meta,
    dirs: Meta,
    uids: Vec<u32>,
    gids: Vec<u32>,
    /// Inode references of files written, by path (hard links reuse them).
    refs: HashMap<String, u64>,
    placed: HashMap<String, Placed>,
    inode_number: u64,
    tree: FsTree,
    /// A directory whose listing also names itself (a hostile image).
    self_loop: Option<String>,
    /// Write version 2.0 rather than 3.1.
    v2: bool,
}

impl Image {
    fn owner(&mut self, node: &FsNode) -> (u64, u64) {
        let index = |list: &mut Vec<u32>, id: u32| match list.iter().position(|&x| x == id) {
            Some(i) => i as u64,
            None => {
                list.push(id);
                list.len() as u64 - 1
            }
        };
        let uid = index(&mut self.uids, node.uid);
        // 255: "the gid is the uid", which mksquashfs writes when they are equal.
        let gid = if node.gid == node.uid {
            255
        } else {
            index(&mut self.gids, node.gid)
        };
        (uid, gid)
    }

    fn base(&mut self, kind: u64, node: &FsNode) -> Bits {
        let (uid, gid) = self.owner(node);
        self.inode_number += 1;
        let mut b = Bits::new(self.w.big);
        b.put(kind, 4)
            .put(node.mode as u64, 12)
            .put(uid, 8)
            .put(gid, 8);
        // Version 2 has neither time nor inode number in the common header.
        if !self.v2 {
            b.put(node.mtime as u64, 32).put(self.inode_number, 32);
        }
        b
    }

    /// Writes the inode of a non-directory; returns its reference.
    fn leaf(&mut self, path: &str) -> u64 {
        if let Some(&r) = self.refs.get(path) {
            return r;
        }
        let node = self.tree.get(path).unwrap().clone();
        let links = self
            .tree
            .nodes()
            .filter(|(_, n)| n.kind == NodeKind::HardLink(path.to_string()))
            .count() as u64;
        let r = self.inodes.here();
        let b = match &node.kind {
            NodeKind::HardLink(first) => {
                let first = first.clone();
                let r = self.leaf(&first);
                self.refs.insert(path.to_string(), r);
                return r;
            }
            NodeKind::File(data) => {
                let p = &self.placed[path];
                let (start, sizes, fragment) = (p.start, p.sizes.clone(), p.fragment);
                let (frag, offset) = fragment.unwrap_or((u32::MAX, 0));
                let mut b;
                if self.v2 {
                    // No extended file inode in version 2: hard links share this one.
                    b = self.base(2, &node);
                    b.put(node.mtime as u64, 32)
                        .put(start, 32)
                        .put(frag as u64, 32)
                        .put(offset as u64, 32)
                        .put(data.len() as u64, 32);
                } else if links > 0 {
                    b = self.base(9, &node);
                    b.put(links + 1, 32)
                        .put(start, 64)
                        .put(frag as u64, 32)
                        .put(offset as u64, 32)
                        .put(data.len() as u64, 64);
                } else {
                    b = self.base(2, &node);
                    b.put(start, 64)
                        .put(frag as u64, 32)
                        .put(offset as u64, 32)
                        .put(data.len() as u64, 32);
                }
                for s in sizes {
                    let word = self.w.u32(s);
                    b.bytes(&word);
                }
                b
            }
            NodeKind::Symlink(t) => {
                let mut b = self.base(3, &node);
                if !self.v2 {
                    b.put(1, 32);
                }
                b.put(t.len() as u64, 16).bytes(t.as_bytes());
                b
            }
            NodeKind::CharDevice(ma, mi) | NodeKind::BlockDevice(ma, mi) => {
                let kind = if matches!(node.kind, NodeKind::BlockDevice(..)) {
                    4
                } else {
                    5
                };
                let rdev = (*ma as u64) << 8 | *mi as u64;
                let mut b = self.base(kind, &node);
                if !self.v2 {
                    b.put(1, 32);
                }
                b.put(rdev, 16);
                b
            }
            NodeKind::Fifo => {
                let mut b = self.base(6, &node);
                if !self.v2 {
                    b.put(1, 32);
                }
                b
            }
            NodeKind::Dir => unreachable!("directories are written by `dir`"),
        };
        self.inodes.push(&self.w, &b.buf);
        self.refs.insert(path.to_string(), r);
        r
    }

    /// Writes a directory's children, its listing and its inode; returns its reference.
    fn dir(&mut self, path: &str, node: &FsNode) -> u64 {
        let prefix = if path.is_empty() {
            String::new()
        } else {
            format!("{path}/")
        };
        let children: Vec<(String, FsNode)> = self
            .tree
            .nodes()
            .filter(|(p, _)| {
                p.strip_prefix(prefix.as_str())
                    .is_some_and(|rest| !rest.is_empty() && !rest.contains('/'))
            })
            .map(|(p, n)| (p.to_string(), n.clone()))
            .collect();
        let mut listed: BTreeMap<Vec<u8>, (u64, u64)> = BTreeMap::new();
        for (p, n) in &children {
            let name = p.as_bytes()[prefix.len()..].to_vec();
            let (r, kind) = match &n.kind {
                NodeKind::Dir => (self.dir(p, n), 1),
                NodeKind::File(_) | NodeKind::HardLink(_) => (self.leaf(p), 2),
                NodeKind::Symlink(_) => (self.leaf(p), 3),
                NodeKind::BlockDevice(..) => (self.leaf(p), 4),
                NodeKind::CharDevice(..) => (self.leaf(p), 5),
                NodeKind::Fifo => (self.leaf(p), 6),
            };
            listed.insert(name, (r, kind));
        }
        // The directory inode goes where the inode table stands now (the listing goes to the
        // directory table), so a hostile entry can name it.
        let r = self.inodes.here();
        if self.self_loop.as_deref() == Some(path) {
            listed.insert(b"again".to_vec(), (r, 1));
        }
        // Runs of entries whose inodes share a metadata block, at most 256 per header.
        let mut listing = Bits::new(self.w.big);
        let entries: Vec<_> = listed.into_iter().collect();
        let mut i = 0;
        while i < entries.len() {
            let block = entries[i].1.0 >> 16;
            let run = entries[i..]
                .iter()
                .take(256)
                .take_while(|(_, (r, _))| r >> 16 == block)
                .count();
            if self.v2 {
                listing.put(run as u64 - 1, 8).put(block, 24);
            } else {
                listing.put(run as u64 - 1, 8).put(block, 32).put(0, 32);
            }
            for (name, (r, kind)) in &entries[i..i + run] {
                listing
                    .put(r & 0xffff, 13)
                    .put(*kind, 3)
                    .put(name.len() as u64 - 1, 8);
                if !self.v2 {
                    listing.put(0, 16);
                }
                listing.bytes(name);
            }
            i += run;
        }
        let at = self.dirs.here();
        self.dirs.push(&self.w, &listing.buf);
        let size = listing.buf.len() as u64 + 3;
        let subdirs = children
            .iter()
            .filter(|(_, n)| n.kind == NodeKind::Dir)
            .count() as u64;
        // Large directories get the extended inode (with an empty index).
        let b = if self.v2 {
            let large = entries.len() > 256;
            let mut b = self.base(if large { 8 } else { 1 }, node);
            b.put(size, if large { 27 } else { 19 })
                .put(at & 0xffff, 13)
                .put(node.mtime as u64, 32)
                .put(at >> 16, 24);
            if large {
                b.put(0, 16);
            }
            b
        } else if entries.len() > 256 {
            let mut b = self.base(8, node);
            b.put(subdirs + 2, 32)
                .put(size, 27)
                .put(at & 0xffff, 13)
                .put(at >> 16, 32)
                .put(0, 16)
                .put(0, 32);
            b
        } else {
            let mut b = self.base(1, node);
            b.put(subdirs + 2, 32)
                .put(size, 19)
                .put(at & 0xffff, 13)
                .put(at >> 16, 32)
                .put(0, 32);
            b
        };
        self.inodes.push(&self.w, &b.buf);
        r
    }
}

/// Writes `tree` as a SquashFS 3.1 image.
fn write(tree: &FsTree, big: bool, comp: Comp) -> Vec<u8> {
    write_with_loop(tree, big, comp, None)
}

/// Writes `tree` as a SquashFS 2.0 image.
fn write_v2(tree: &FsTree, big: bool) -> Vec<u8> {
    write_version(tree, big, Comp::Zlib, None, true)
}

/// [`write`], with the directory `self_loop` listing itself as `again`.
fn write_with_loop(tree: &FsTree, big: bool, comp: Comp, self_loop: Option<&str>) -> Vec<u8> {
    write_version(tree, big, comp, self_loop, false)
}

fn write_version(
    tree: &FsTree,
    big: bool,
    comp: Comp,
    self_loop: Option<&str>,
    v2: bool,
) -> Vec<u8> {
    let mut w = Writer {
        big,
        comp,
        out: vec![0; 119],
    };
    // Data: whole blocks, then tails packed into fragment blocks.
    let mut placed = HashMap::new();
    let mut frag_buf: Vec<u8> = Vec::new();
    let mut frags: Vec<(u64, u32)> = Vec::new();
    for (path, node) in tree.nodes() {
        let NodeKind::File(data) = &node.kind else {
            continue;
        };
        let start = w.out.len() as u64;
        let whole = data.len() / BLOCK * BLOCK;
        let sizes = data[..whole].chunks(BLOCK).map(|b| w.block(b)).collect();
        let tail = &data[whole..];
        let fragment = (!tail.is_empty()).then(|| {
            if frag_buf.len() + tail.len() > BLOCK {
                let at = w.out.len() as u64;
                let word = w.block(&frag_buf);
                frags.push((at, word));
                frag_buf.clear();
            }
            let offset = frag_buf.len() as u32;
            frag_buf.extend(tail);
            (frags.len() as u32, offset)
        });
        placed.insert(
            path.to_string(),
            Placed {
                start,
                sizes,
                fragment,
            },
        );
    }
    if !frag_buf.is_empty() {
        let at = w.out.len() as u64;
        let word = w.block(&frag_buf);
        frags.push((at, word));
    }
    let mut img = Image {
        w,
        inodes: Meta::new(),
        dirs: Meta::new(),
        uids: Vec::new(),
        gids: Vec::new(),
        refs: HashMap::new(),
        placed,
        inode_number: 0,
        tree: tree.clone(),
        self_loop: self_loop.map(str::to_string),
        v2,
    };
    let root = FsNode {
        kind: NodeKind::Dir,
        mode: 0o755,
        uid: 0,
        gid: 0,
        mtime: 1_500_000_000,
    };
    let root_ref = img.dir("", &root);
    img.inodes.flush(&img.w);
    img.dirs.flush(&img.w);
    let mut w = img.w;
    let inode_table = w.out.len() as u64;
    w.out.extend(&img.inodes.out);
    let directory_table = w.out.len() as u64;
    w.out.extend(&img.dirs.out);
    // Fragment table: entries in metadata blocks, then the index of their positions.
    let mut fmeta = Meta::new();
    let mut entries = Bits::new(big);
    for &(at, word) in &frags {
        if v2 {
            entries.put(at, 32).put(word as u64, 32);
        } else {
            entries.put(at, 64).put(word as u64, 32).put(0, 32);
        }
    }
    fmeta.push(&w, &entries.buf);
    fmeta.flush(&w);
    let fmeta_at = w.out.len() as u64;
    w.out.extend(&fmeta.out);
    let fragment_table = w.out.len() as u64;
    // Index pointers: 64-bit in version 3, 32-bit in version 2.
    let mut index = Bits::new(big);
    index.put(fmeta_at, if v2 { 32 } else { 64 });
    w.out.extend(&index.buf);
    let uid_start = w.out.len() as u64;
    for &u in &img.uids {
        let b = w.u32(u);
        w.out.extend(b);
    }
    let guid_start = w.out.len() as u64;
    for &g in &img.gids {
        let b = w.u32(g);
        w.out.extend(b);
    }
    let bytes_used = w.out.len() as u64;
    let magic: &[u8; 4] = match (big, comp) {
        (false, Comp::Lzma(true)) => b"qshs",
        (true, Comp::Lzma(true)) => b"shsq",
        (false, _) => b"hsqs",
        (true, _) => b"sqsh",
    };
    let mut sb = Bits::new(big);
    sb.bytes(magic)
        .put(img.inode_number, 32)
        .put(bytes_used & 0xffff_ffff, 32)
        .put(uid_start & 0xffff_ffff, 32)
        .put(guid_start & 0xffff_ffff, 32)
        .put(inode_table & 0xffff_ffff, 32)
        .put(directory_table & 0xffff_ffff, 32)
        .put(if v2 { 2 } else { 3 }, 16)
        .put(if v2 { 0 } else { 1 }, 16)
        .put(0, 16)
        .put(16, 16)
        .put(0, 8)
        .put(img.uids.len() as u64, 8)
        .put(img.gids.len() as u64, 8)
        .put(MKFS_TIME, 32)
        .put(root_ref, 64)
        .put(BLOCK as u64, 32)
        .put(frags.len() as u64, 32)
        .put(fragment_table & 0xffff_ffff, 32)
        .put(bytes_used, 64)
        .put(uid_start, 64)
        .put(guid_start, 64)
        .put(inode_table, 64)
        .put(directory_table, 64)
        .put(fragment_table, 64)
        .put(u64::MAX, 64);
    assert_eq!(sb.buf.len(), 119);
    w.out[..119].copy_from_slice(&sb.buf);
    // mksquashfs pads the image to 4 KiB.
    let padded = w.out.len().div_ceil(4096) * 4096;
    w.out.resize(padded, 0);
    w.out
}

fn open_bytes(bytes: Vec<u8>) -> Tree {
    netvet_unpack::open_source(
        "img.sqfs",
        Arc::new(MemSource::new(bytes)),
        &Options::default(),
        None,
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

fn check(big: bool, comp: Comp, codec: &str) {
    let dir = tempfile::tempdir().unwrap();
    let root = reference_tree(&dir.path().join("root"));
    let fs = FsTree::from_dir(&root).unwrap();
    let img = write(&fs, big, comp);
    let tree = open_bytes(img);
    let r = tree.report();
    assert_eq!(r.layers.len(), 1, "{:#?}", r.layers);
    assert_eq!(r.layers[0].format, "squashfs3");
    let endian = if big { "big-endian" } else { "little-endian" };
    let d = &r.layers[0].description;
    assert!(
        d.starts_with(&format!(
            "squashfs 3.1, {endian}, {codec}, block size 65536, "
        )),
        "{d}"
    );
    assert!(warnings(&tree).is_empty(), "{:?}", warnings(&tree));
    assert_matches(&tree, "img.sqfs!/", &root, SQUASHFS3);
}

#[test]
fn little_endian_zlib() {
    check(false, Comp::Zlib, "gzip");
}

#[test]
fn big_endian_zlib() {
    check(true, Comp::Zlib, "gzip");
}

#[test]
fn big_endian_lzma_under_the_vendor_magic() {
    check(true, Comp::Lzma(true), "lzma (vendor magic)");
}

#[test]
fn little_endian_lzma_under_the_standard_magic() {
    check(
        false,
        Comp::Lzma(false),
        "lzma (vendor build, standard magic)",
    );
}

/// Version 2.0 in both byte orders. Its devices and symlinks carry no time of their own.
#[test]
fn version_2_in_both_byte_orders() {
    for big in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let root = reference_tree(&dir.path().join("root"));
        let fs = FsTree::from_dir(&root).unwrap();
        let tree = open_bytes(write_v2(&fs, big));
        let r = tree.report();
        assert_eq!(r.layers.len(), 1, "{:#?}", r.layers);
        let d = &r.layers[0].description;
        let endian = if big { "big-endian" } else { "little-endian" };
        assert!(
            d.starts_with(&format!("squashfs 2.0, {endian}, gzip, ")),
            "{d}"
        );
        assert!(warnings(&tree).is_empty(), "{:?}", warnings(&tree));
        let caps = Caps {
            mtime: false,
            ..SQUASHFS3
        };
        assert_matches(&tree, "img.sqfs!/", &root, caps);
        let passwd = tree.get("img.sqfs!/etc/passwd").unwrap();
        let want = std::fs::metadata(root.join("etc/passwd")).unwrap();
        assert_eq!(passwd.mtime, std::os::unix::fs::MetadataExt::mtime(&want));
        if let Some(console) = tree.get("img.sqfs!/dev/console") {
            assert_eq!(console.mtime, MKFS_TIME as i64);
        }
    }
}

// ---- Damaged images --------------------------------------------------------------------

fn small_tree() -> FsTree {
    let mut t = FsTree::new();
    t.dir("dir", 0o755)
        .file("dir/a.txt", 0o644, b"alpha\n".repeat(30_000))
        .dir("dir/sub", 0o700)
        .file("dir/sub/b.bin", 0o600, common::noise(9000, 3))
        .file("top", 0o644, b"top\n".to_vec());
    t
}

/// The superblock's directory table start, for finding listings to damage.
fn u64_at(img: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(img[at..at + 8].try_into().unwrap())
}

#[test]
fn reads_the_small_image_cleanly() {
    let img = write(&small_tree(), false, Comp::Zlib);
    let tree = open_bytes(img);
    assert!(warnings(&tree).is_empty(), "{:?}", warnings(&tree));
    let b = tree.get("img.sqfs!/dir/sub/b.bin").unwrap();
    assert_eq!((b.mode, b.size), (0o600, 9000));
    assert_eq!(tree.read(b).unwrap(), common::noise(9000, 3));
    let a = tree.get("img.sqfs!/dir/a.txt").unwrap();
    assert_eq!(tree.read(a).unwrap(), b"alpha\n".repeat(30_000));
}

#[test]
fn truncated_image_is_reported() {
    let mut img = write(&small_tree(), false, Comp::Zlib);
    // The uid array (one id: everything belongs to root) is the last thing in the image.
    let used = u64_at(&img, 63) as usize;
    img.truncate(used - 3);
    let tree = netvet_unpack::open_forced(
        "img.sqfs",
        Arc::new(MemSource::new(img)),
        &Options::default(),
        "squashfs3",
    );
    let w = warnings(&tree);
    assert!(
        w.iter().any(|(c, m, o)| *c == WarningCode::Truncated
            && m.contains("superblock says")
            && *o == Some(63)),
        "{w:?}"
    );
    // The uid table at the end is cut: owners are lost, the files are not.
    assert!(
        w.iter()
            .any(|(c, m, _)| *c == WarningCode::Truncated && m.starts_with("uid table unreadable")),
        "{w:?}"
    );
    let b = tree.get("img.sqfs!/dir/sub/b.bin").unwrap();
    assert_eq!(tree.read(b).unwrap(), common::noise(9000, 3));
}

#[test]
fn directory_inside_itself_is_a_cycle_warning() {
    let mut t = FsTree::new();
    t.dir("loop", 0o755).file("loop/f", 0o644, b"f\n".to_vec());
    let img = write_with_loop(&t, false, Comp::Zlib, Some("loop"));
    let tree = open_bytes(img);
    let w = warnings(&tree);
    assert!(
        w.iter().any(|(c, m, _)| *c == WarningCode::Cycle
            && m.contains("\"loop/again\" lists a directory already visited")),
        "{w:?}"
    );
    assert_eq!(
        tree.read(tree.get("img.sqfs!/loop/f").unwrap()).unwrap(),
        b"f\n"
    );
}

#[test]
fn damaged_images_never_panic() {
    let mut t = FsTree::new();
    t.dir("d", 0o755)
        .file("d/a", 0o644, b"alpha\n".repeat(20))
        .file("d/b", 0o600, common::noise(3000, 3))
        .symlink("d/l", "a");
    for (big, comp) in [(false, Comp::Zlib), (true, Comp::Lzma(true))] {
        let img = write(&t, big, comp);
        let used = u64::from_le_bytes(img[63..71].try_into().unwrap());
        let used = if big {
            u64::from_be_bytes(img[63..71].try_into().unwrap())
        } else {
            used
        };
        common::mutate_and_open(&img[..used as usize], "squashfs3", 400);
    }
    let v2 = write_v2(&t, false);
    let used = u32::from_le_bytes(v2[8..12].try_into().unwrap()) as usize;
    common::mutate_and_open(&v2[..used], "squashfs3", 400);
}
