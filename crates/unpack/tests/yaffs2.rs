//! YAFFS2 NAND images built in code (Debian has no tool that writes YAFFS2; `unyaffs` reads
//! it, and checks that the images built here are what a YAFFS2 reader expects). The writer
//! lays objects out as `mkyaffs2image` does: for each object a header chunk, then its data
//! chunks, tags in the spare area (at its start, or after the bad-block marker) or in-band,
//! header chunks tagged as Android's mkyaffs2image or as the kernel tags them.
//! Every entry of the reference tree must come back; then the log semantics (newest chunk
//! wins, deleted objects vanish) and damaged images.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::HashMap;
use std::sync::Arc;

use common::{Caps, assert_matches, reference_tree};
use netvet_forge::{FsTree, NodeKind};
use netvet_model::{EntryKind, WarningCode};
use netvet_unpack::{MemSource, Options, Tree};

/// What YAFFS2 stores of the reference tree: all but xattrs (kept in the header's spare
/// fields only by some kernels; mkyaffs2image writes none).
const YAFFS2: Caps = Caps {
    xattrs: false,
    ..Caps::FULL
};

const CHUNKS_PER_BLOCK: u32 = 64;

/// Where the writer puts tags.
#[derive(Clone, Copy)]
enum Tags {
    /// In the spare area of `spare` bytes, at byte `at` of it.
    Oob { spare: usize, at: usize },
    /// In the last 16 bytes of each chunk, no spare area.
    InBand,
}

/// A YAFFS2 image writer.
struct Writer {
    page: usize,
    tags: Tags,
    big: bool,
    /// Header chunks tagged as Android's mkyaffs2image does (chunk 0, byte count 0xffff)
    /// rather than as the kernel does (parent, type and size in the tags).
    android: bool,
    seq: u32,
    in_block: u32,
    out: Vec<u8>,
}

impl Writer {
    fn new(page: usize, tags: Tags, big: bool) -> Writer {
        Writer {
            page,
            tags,
            big,
            android: false,
            seq: 0x1000,
            in_block: 0,
            out: Vec::new(),
        }
    }

    fn word(&self, v: u32) -> [u8; 4] {
        if self.big {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    }

    fn data_bytes(&self) -> usize {
        match self.tags {
            Tags::Oob { .. } => self.page,
            Tags::InBand => self.page - 16,
        }
    }

    /// Writes one chunk; a new erase block (with the next sequence number) every 64 chunks.
    fn chunk(&mut self, data: &[u8], obj: u32, chunk: u32, n_bytes: u32) {
        if self.in_block == CHUNKS_PER_BLOCK {
            self.in_block = 0;
            self.seq += 1;
        }
        self.in_block += 1;
        let mut tags = Vec::new();
        for w in [self.seq, obj, chunk, n_bytes] {
            tags.extend(self.word(w));
        }
        let mut page = data.to_vec();
        page.resize(self.data_bytes(), 0xff);
        match self.tags {
            Tags::Oob { spare, at } => {
                self.out.extend(&page);
                let mut s = vec![0xffu8; spare];
                s[at..at + 16].copy_from_slice(&tags);
                self.out.extend(s);
            }
            Tags::InBand => {
                self.out.extend(&page);
                self.out.extend(tags);
            }
        }
    }

    /// Skips to the next erase block, as a writer does after garbage collection.
    fn next_block(&mut self) {
        while self.in_block != 0 && self.in_block < CHUNKS_PER_BLOCK {
            let stride = self.page + self.spare();
            self.out.resize(self.out.len() + stride, 0xff);
            self.in_block += 1;
        }
    }

    fn spare(&self) -> usize {
        match self.tags {
            Tags::Oob { spare, .. } => spare,
            Tags::InBand => 0,
        }
    }

    /// Writes an object header chunk and, for files, the data chunks.
    fn object(&mut self, obj: u32, parent: u32, name: &str, node: &Header, data: Option<&[u8]>) {
        let mut h = vec![0xffu8; 512];
        h[0..4].copy_from_slice(&self.word(node.kind));
        h[4..8].copy_from_slice(&self.word(parent));
        let mut field = [0u8; 256];
        field[..name.len()].copy_from_slice(name.as_bytes());
        h[10..266].copy_from_slice(&field);
        for (at, v) in [
            (268, node.mode),
            (272, node.uid),
            (276, node.gid),
            (280, node.mtime),
            (284, node.mtime),
            (288, node.mtime),
            (292, node.size as u32),
            (296, node.equiv),
            (460, node.rdev),
        ] {
            h[at..at + 4].copy_from_slice(&self.word(v));
        }
        let mut alias = [0u8; 160];
        alias[..node.alias.len()].copy_from_slice(node.alias.as_bytes());
        h[300..460].copy_from_slice(&alias);
        if node.size_high {
            h[496..500].copy_from_slice(&self.word((node.size >> 32) as u32));
        }
        let extra = match node.kind {
            1 => node.size as u32,
            4 => node.equiv,
            _ => 0,
        };
        if self.android {
            self.chunk(&h, obj, 0, 0xffff);
        } else {
            self.chunk(&h, obj | node.kind << 28, 0x8000_0000 | parent, extra);
        }
        if let Some(data) = data {
            for (i, part) in data.chunks(self.data_bytes()).enumerate() {
                self.chunk(part, obj, i as u32 + 1, part.len() as u32);
            }
        }
    }
}

/// The fields of an object header the writer fills.
#[derive(Default, Clone)]
struct Header {
    kind: u32,
    mode: u32,
    uid: u32,
    gid: u32,
    mtime: u32,
    size: u64,
    /// Write the high word of the size (newer writers) rather than leaving it all ones.
    size_high: bool,
    equiv: u32,
    alias: String,
    rdev: u32,
}

/// Writes `tree` as mkyaffs2image does: objects from 257 in path order (parents first).
fn write_tree(w: &mut Writer, tree: &FsTree) {
    let mut ids: HashMap<String, u32> = HashMap::new();
    for (id, (path, node)) in (257..).zip(tree.nodes()) {
        let (parent, name) = match path.rsplit_once('/') {
            Some((p, n)) => (ids[p], n),
            None => (1, path),
        };
        ids.insert(path.to_string(), id);
        let mut h = Header {
            mode: node.mode,
            uid: node.uid,
            gid: node.gid,
            mtime: node.mtime,
            size_high: true,
            ..Header::default()
        };
        let mut data = None;
        match &node.kind {
            NodeKind::File(d) => {
                h.kind = 1;
                h.mode |= 0o100000;
                h.size = d.len() as u64;
                data = Some(d.as_slice());
            }
            NodeKind::Dir => {
                h.kind = 3;
                h.mode |= 0o040000;
            }
            NodeKind::Symlink(t) => {
                h.kind = 2;
                h.mode |= 0o120000;
                h.alias = t.clone();
            }
            NodeKind::HardLink(first) => {
                h.kind = 4;
                h.equiv = ids[first.as_str()];
            }
            NodeKind::CharDevice(ma, mi) | NodeKind::BlockDevice(ma, mi) => {
                h.kind = 5;
                h.mode |= if matches!(node.kind, NodeKind::CharDevice(..)) {
                    0o020000
                } else {
                    0o060000
                };
                h.rdev = ma << 8 | mi;
            }
            NodeKind::Fifo => {
                h.kind = 5;
                h.mode |= 0o010000;
            }
        }
        w.object(id, parent, name, &h, data);
    }
}

fn open_bytes(name: &str, bytes: Vec<u8>) -> Tree {
    netvet_unpack::open_source(
        name,
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

/// Writes the reference tree with `w`, opens it, and compares entry by entry.
fn check(mut w: Writer, description: &str) -> (Tree, Vec<u8>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let root = reference_tree(&dir.path().join("root"));
    let fs = FsTree::from_dir(&root).unwrap();
    write_tree(&mut w, &fs);
    let img = w.out.clone();
    let tree = open_bytes("img.yaffs2", img.clone());
    let report = tree.report();
    assert_eq!(report.layers.len(), 1, "{:#?}", report.layers);
    assert_eq!(report.layers[0].format, "yaffs2");
    assert_eq!(report.layers[0].description, description);
    assert_eq!(report.layers[0].length, img.len() as u64);
    assert!(warnings(&tree).is_empty(), "{:?}", warnings(&tree));
    assert_matches(&tree, "img.yaffs2!/", &root, YAFFS2);
    (tree, img, dir)
}

#[test]
fn pages_2k_with_64_byte_spare() {
    let w = Writer {
        android: true,
        ..Writer::new(2048, Tags::Oob { spare: 64, at: 0 }, false)
    };
    let (tree, img, dir) = check(
        w,
        "YAFFS2, little-endian, 2048-byte pages with 64-byte spare area",
    );
    let hard = tree.get("img.yaffs2!/etc/passwd.hard").unwrap();
    assert_eq!(hard.kind, EntryKind::HardLink);
    // The image is what Debian's unyaffs reads too.
    let file = dir.path().join("img.yaffs2");
    std::fs::write(&file, &img).unwrap();
    let out = dir.path().join("unyaffs");
    common::tool("unyaffs", "unyaffs", &[file.as_os_str(), out.as_os_str()]);
    for path in [
        "etc/passwd",
        "bin/busybox",
        "usr/lib/libbig.so.1",
        "var/many/file0599",
    ] {
        assert_eq!(
            std::fs::read(out.join(path)).unwrap(),
            std::fs::read(dir.path().join("root").join(path)).unwrap(),
            "{path}"
        );
    }
}

#[test]
fn pages_4k_with_128_byte_spare_after_bad_block_marker_big_endian() {
    check(
        Writer::new(4096, Tags::Oob { spare: 128, at: 2 }, true),
        "YAFFS2, big-endian, 4096-byte pages with 128-byte spare area (tags at spare offset 2)",
    );
}

#[test]
fn in_band_tags_without_spare_area() {
    check(
        Writer::new(2048, Tags::InBand, false),
        "YAFFS2, little-endian, 2048-byte chunks with in-band tags",
    );
}

fn file_header(size: u64, mode: u32) -> Header {
    Header {
        kind: 1,
        mode: 0o100000 | mode,
        size,
        ..Header::default()
    }
}

fn dir_header() -> Header {
    Header {
        kind: 3,
        mode: 0o040755,
        ..Header::default()
    }
}

#[test]
fn newest_chunks_win_and_deleted_objects_vanish() {
    let mut w = Writer::new(2048, Tags::Oob { spare: 64, at: 0 }, false);
    w.object(257, 1, "etc", &dir_header(), None);
    let old = vec![b'o'; 3000];
    w.object(258, 257, "config", &file_header(3000, 0o644), Some(&old));
    w.object(259, 257, "gone", &file_header(4, 0o644), Some(b"gone"));
    // Header with size in the low word only, the high word left all ones (older writers).
    let legacy = Header {
        size_high: false,
        ..file_header(5, 0o600)
    };
    w.object(260, 1, "legacy", &legacy, Some(b"12345"));
    w.next_block();
    // Later block: `config` rewritten (second chunk replaced, size shrunk), `gone` deleted.
    let mut new = old.clone();
    new.truncate(2500);
    new[2048..].fill(b'n');
    w.object(258, 257, "config", &file_header(2500, 0o640), None);
    w.chunk(&new[2048..], 258, 2, 452);
    w.object(259, 4, "gone", &file_header(0, 0o644), None);
    let tree = open_bytes("img.yaffs2", w.out);
    assert!(warnings(&tree).is_empty(), "{:?}", warnings(&tree));
    let config = tree.get("img.yaffs2!/etc/config").unwrap();
    assert_eq!((config.size, config.mode), (2500, 0o640));
    assert_eq!(tree.read(config).unwrap(), new);
    assert!(tree.get("img.yaffs2!/etc/gone").is_none());
    assert_eq!(
        tree.read(tree.get("img.yaffs2!/legacy").unwrap()).unwrap(),
        b"12345"
    );
}

#[test]
fn carved_from_flash_at_an_erase_block() {
    let mut w = Writer::new(2048, Tags::Oob { spare: 64, at: 0 }, false);
    w.object(257, 1, "etc", &dir_header(), None);
    w.object(258, 257, "motd", &file_header(6, 0o644), Some(b"hello\n"));
    let fs_len = w.out.len() as u64;
    let mut flash = common::noise(0x21000, 9);
    flash.extend(&w.out);
    let tree = open_bytes("flash.bin", flash);
    let layers: Vec<_> = tree
        .report()
        .layers
        .iter()
        .filter(|l| l.format == "yaffs2")
        .map(|l| (l.offset, l.length))
        .collect();
    assert_eq!(layers, [(0x21000, fs_len)]);
    let motd = tree.get("flash.bin!/0x21000.yaffs2!/etc/motd").unwrap();
    assert_eq!(tree.read(motd).unwrap(), b"hello\n");
}

#[test]
fn directory_inside_itself_is_a_cycle_warning() {
    let mut w = Writer::new(2048, Tags::Oob { spare: 64, at: 0 }, false);
    w.object(257, 1, "ok", &file_header(2, 0o644), Some(b"ok"));
    w.object(258, 259, "a", &dir_header(), None);
    w.object(259, 258, "b", &dir_header(), None);
    w.object(260, 259, "lost", &file_header(1, 0o644), Some(b"x"));
    let tree = open_bytes("img.yaffs2", w.out);
    let w = warnings(&tree);
    assert!(
        w.iter()
            .any(|(c, m, _)| *c == WarningCode::Cycle && m.contains("its own ancestor")),
        "{w:?}"
    );
    assert!(tree.get("img.yaffs2!/ok").is_some());
    assert!(
        tree.entries()
            .iter()
            .all(|e| !e.path.contains("lost") && !e.path.ends_with("/a")),
        "{:?}",
        tree.entries().iter().map(|e| &e.path).collect::<Vec<_>>()
    );
}

#[test]
fn missing_data_chunks_read_as_zeros_with_a_warning() {
    let mut w = Writer::new(2048, Tags::Oob { spare: 64, at: 0 }, false);
    let data = common::noise(5000, 4);
    w.object(257, 1, "holey", &file_header(5000, 0o644), None);
    w.chunk(&data[..2048], 257, 1, 2048);
    // Chunk 2 never written.
    w.chunk(&data[4096..], 257, 3, 904);
    let tree = open_bytes("img.yaffs2", w.out);
    assert_eq!(
        warnings(&tree),
        [(
            WarningCode::Corrupt,
            "object 257: 1 of its 3 data chunks are missing; read as zeros".to_string(),
            Some(0)
        )]
    );
    let mut want = data.clone();
    want[2048..4096].fill(0);
    assert_eq!(
        tree.read(tree.get("img.yaffs2!/holey").unwrap()).unwrap(),
        want
    );
}

#[test]
fn truncated_image_and_foreign_chunks_are_reported() {
    let mut w = Writer::new(2048, Tags::Oob { spare: 64, at: 0 }, false);
    w.object(257, 1, "a", &file_header(3, 0o644), Some(b"abc"));
    w.object(258, 1, "b", &file_header(3, 0o644), Some(b"def"));
    let stride = 2048 + 64;
    // Chunk 4 is not YAFFS2: the filesystem ends before it.
    let mut img = w.out.clone();
    img.extend(common::noise(stride, 3));
    let tree = open_bytes("img.yaffs2", img);
    assert!(
        warnings(&tree)
            .iter()
            .any(|(c, m, o)| *c == WarningCode::TrailingData
                && m.contains("chunk 4")
                && *o == Some(4 * stride as u64)),
        "{:?}",
        warnings(&tree)
    );
    assert_eq!(
        tree.read(tree.get("img.yaffs2!/b").unwrap()).unwrap(),
        b"def"
    );
    // Cut inside the last chunk.
    let cut = w.out[..w.out.len() - 100].to_vec();
    let tree = netvet_unpack::open_forced(
        "img.yaffs2",
        Arc::new(MemSource::new(cut)),
        &Options::default(),
        "yaffs2",
    );
    assert!(
        warnings(&tree)
            .iter()
            .any(|(c, _, o)| *c == WarningCode::Truncated && *o == Some(3 * stride as u64)),
        "{:?}",
        warnings(&tree)
    );
    assert!(tree.get("img.yaffs2!/a").is_some());
}

#[test]
fn damaged_images_never_panic() {
    for (page, tags) in [(2048, Tags::Oob { spare: 64, at: 0 }), (2048, Tags::InBand)] {
        let mut w = Writer::new(page, tags, false);
        w.object(257, 1, "etc", &dir_header(), None);
        w.object(
            258,
            257,
            "f",
            &file_header(5000, 0o644),
            Some(&common::noise(5000, 8)),
        );
        let link = Header {
            kind: 2,
            mode: 0o120777,
            alias: "f".into(),
            ..Header::default()
        };
        w.object(259, 257, "l", &link, None);
        let hard = Header {
            kind: 4,
            equiv: 258,
            ..Header::default()
        };
        w.object(260, 1, "h", &hard, None);
        common::mutate_and_open(&w.out, "yaffs2", 400);
    }
}
