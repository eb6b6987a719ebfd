//! A squashfs 4.0 writer: little-endian (as mksquashfs), big-endian, and AVM's variant
//! (big-endian structures, little-endian metadata block headers). Data blocks and metadata are
//! zlib-compressed when that makes them smaller; no fragments, no xattrs, no export table.

use std::collections::BTreeMap;
use std::io::Write;

use crate::tree::{FsTree, NodeKind};

/// Byte order variants.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    LittleEndian,
    BigEndian,
    /// AVM Fritz!OS: big-endian, but metadata block headers little-endian.
    Avm,
}

/// Writer options.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    pub kind: Kind,
    pub block_size: u32,
    /// Compress data and metadata with zlib (squashfs "gzip"); off stores everything raw.
    pub compress: bool,
    pub mtime: u32,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            kind: Kind::LittleEndian,
            block_size: 128 * 1024,
            compress: true,
            mtime: 0,
        }
    }
}

struct Endian {
    big: bool,
}

impl Endian {
    fn u16(&self, out: &mut Vec<u8>, v: u16) {
        out.extend(if self.big {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        });
    }
    fn u32(&self, out: &mut Vec<u8>, v: u32) {
        out.extend(if self.big {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        });
    }
    fn u64(&self, out: &mut Vec<u8>, v: u64) {
        out.extend(if self.big {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        });
    }
}

fn zlib(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).expect("writing to a Vec cannot fail");
    e.finish().expect("writing to a Vec cannot fail")
}

/// Accumulates metadata (inodes or directory listings) in 8 KiB blocks.
struct Meta {
    /// Finished, encoded blocks.
    out: Vec<u8>,
    /// Current uncompressed block.
    cur: Vec<u8>,
    compress: bool,
    header_big: bool,
}

impl Meta {
    fn new(compress: bool, header_big: bool) -> Meta {
        Meta {
            out: Vec::new(),
            cur: Vec::new(),
            compress,
            header_big,
        }
    }

    /// Reference of the next byte: (offset of its block in the table, offset in the block).
    fn position(&self) -> (u64, u16) {
        (self.out.len() as u64, self.cur.len() as u16)
    }

    fn write(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            let room = 8192 - self.cur.len();
            let n = room.min(bytes.len());
            self.cur.extend_from_slice(&bytes[..n]);
            bytes = &bytes[n..];
            if self.cur.len() == 8192 {
                self.flush();
            }
        }
    }

    fn flush(&mut self) {
        if self.cur.is_empty() {
            return;
        }
        let packed = self
            .compress
            .then(|| zlib(&self.cur))
            .filter(|p| p.len() < self.cur.len());
        let (header, body) = match packed {
            Some(p) => (p.len() as u16, p),
            None => (self.cur.len() as u16 | 0x8000, self.cur.clone()),
        };
        self.out.extend(if self.header_big {
            header.to_be_bytes()
        } else {
            header.to_le_bytes()
        });
        self.out.extend(body);
        self.cur.clear();
    }

    fn finish(mut self) -> Vec<u8> {
        self.flush();
        self.out
    }
}

struct Built {
    /// Inode reference (block << 16 | offset).
    reference: u64,
    number: u32,
    /// squashfs basic type of the directory entry (1 dir, 2 file, 3 symlink, 4 blk, 5 chr, 6 fifo).
    kind: u16,
}

/// Writes `tree` as a squashfs image.
pub fn write(tree: &FsTree, opts: Options) -> Vec<u8> {
    let e = Endian {
        big: opts.kind != Kind::LittleEndian,
    };
    let meta_big = opts.kind == Kind::BigEndian;
    let bs = opts.block_size as usize;
    let mut image = vec![0u8; 96];
    let mut inodes = Meta::new(opts.compress, meta_big);
    let mut dirs = Meta::new(opts.compress, meta_big);
    let mut ids: Vec<u32> = Vec::new();

    // Inode numbers: every node gets one in path order; hard links share their target's.
    let mut numbers: BTreeMap<String, u32> = BTreeMap::new();
    let mut links: BTreeMap<String, u32> = BTreeMap::new();
    for (path, node) in tree.nodes() {
        if let NodeKind::HardLink(target) = &node.kind {
            *links.entry(target.clone()).or_insert(1) += 1;
            continue;
        }
        let n = numbers.len() as u32 + 1;
        numbers.insert(path.to_string(), n);
    }
    let root_number = numbers.len() as u32 + 1;
    let inode_count = root_number;

    // File data first, in path order.
    let mut data_pos: BTreeMap<String, (u64, Vec<u32>)> = BTreeMap::new();
    for (path, node) in tree.nodes() {
        if let NodeKind::File(content) = &node.kind {
            let start = image.len() as u64;
            let mut sizes = Vec::new();
            for chunk in content.chunks(bs) {
                let packed = if opts.compress {
                    zlib(chunk)
                } else {
                    Vec::new()
                };
                if opts.compress && packed.len() < chunk.len() {
                    sizes.push(packed.len() as u32);
                    image.extend(packed);
                } else {
                    sizes.push(chunk.len() as u32 | 1 << 24);
                    image.extend_from_slice(chunk);
                }
            }
            data_pos.insert(path.to_string(), (start, sizes));
        }
    }

    // Inodes and listings, children before parents.
    let mut built: BTreeMap<String, Built> = BTreeMap::new();
    let mut dir_paths: Vec<&str> = tree
        .nodes()
        .filter(|(_, n)| n.kind == NodeKind::Dir)
        .map(|(p, _)| p)
        .collect();
    dir_paths.push("");
    dir_paths.sort_by_key(|p| {
        std::cmp::Reverse(if p.is_empty() {
            0
        } else {
            p.matches('/').count() + 1
        })
    });
    for dir in dir_paths {
        let children = tree.children(dir);
        for (name, node) in &children {
            let path = if dir.is_empty() {
                name.to_string()
            } else {
                format!("{dir}/{name}")
            };
            if node.kind == NodeKind::Dir || matches!(node.kind, NodeKind::HardLink(_)) {
                continue; // directories are built with their own listing; links reuse targets
            }
            let number = numbers[&path];
            let (block, offset) = inodes.position();
            let mut b = Vec::new();
            let kind = match &node.kind {
                NodeKind::File(content) => {
                    let (start, sizes) = &data_pos[&path];
                    let nlink = links.get(&path).copied().unwrap_or(1);
                    if nlink > 1 || *start > u32::MAX as u64 {
                        header(&e, &mut b, 9, node, number, &mut ids);
                        e.u64(&mut b, *start);
                        e.u64(&mut b, content.len() as u64);
                        e.u64(&mut b, 0);
                        e.u32(&mut b, nlink);
                        e.u32(&mut b, 0xffff_ffff);
                        e.u32(&mut b, 0);
                        e.u32(&mut b, 0xffff_ffff);
                    } else {
                        header(&e, &mut b, 2, node, number, &mut ids);
                        e.u32(&mut b, *start as u32);
                        e.u32(&mut b, 0xffff_ffff);
                        e.u32(&mut b, 0);
                        e.u32(&mut b, content.len() as u32);
                    }
                    for s in sizes {
                        e.u32(&mut b, *s);
                    }
                    2
                }
                NodeKind::Symlink(target) => {
                    header(&e, &mut b, 3, node, number, &mut ids);
                    e.u32(&mut b, 1);
                    e.u32(&mut b, target.len() as u32);
                    b.extend(target.as_bytes());
                    3
                }
                NodeKind::BlockDevice(ma, mi) | NodeKind::CharDevice(ma, mi) => {
                    let t = if matches!(node.kind, NodeKind::BlockDevice(..)) {
                        4
                    } else {
                        5
                    };
                    header(&e, &mut b, t, node, number, &mut ids);
                    e.u32(&mut b, 1);
                    e.u32(&mut b, (ma & 0xfff) << 8 | (mi & 0xff) | (mi & !0xff) << 12);
                    t
                }
                NodeKind::Fifo => {
                    header(&e, &mut b, 6, node, number, &mut ids);
                    e.u32(&mut b, 1);
                    6
                }
                NodeKind::Dir | NodeKind::HardLink(_) => unreachable!("skipped above"),
            };
            inodes.write(&b);
            built.insert(
                path,
                Built {
                    reference: block << 16 | offset as u64,
                    number,
                    kind,
                },
            );
        }
        // The listing of this directory.
        let (lblock, loffset) = dirs.position();
        let mut listing = Vec::new();
        let mut entries: Vec<(&str, &Built)> = Vec::new();
        for (name, node) in &children {
            let path = if dir.is_empty() {
                name.to_string()
            } else {
                format!("{dir}/{name}")
            };
            let target = match &node.kind {
                NodeKind::HardLink(t) => t.clone(),
                _ => path,
            };
            entries.push((name, &built[&target]));
        }
        let mut i = 0;
        while i < entries.len() {
            let start_block = entries[i].1.reference >> 16;
            let base = entries[i].1.number;
            let run: Vec<_> = entries[i..]
                .iter()
                .take(256)
                .take_while(|(_, b)| {
                    b.reference >> 16 == start_block
                        && (b.number as i64 - base as i64).abs() < 32767
                })
                .collect();
            e.u32(&mut listing, run.len() as u32 - 1);
            e.u32(&mut listing, start_block as u32);
            e.u32(&mut listing, base);
            for (name, b) in &run {
                e.u16(&mut listing, (b.reference & 0xffff) as u16);
                e.u16(&mut listing, (b.number as i64 - base as i64) as i16 as u16);
                e.u16(&mut listing, b.kind);
                e.u16(&mut listing, name.len() as u16 - 1);
                listing.extend(name.as_bytes());
            }
            i += run.len();
        }
        dirs.write(&listing);
        // The directory's own inode.
        let node = tree.get(dir).cloned().unwrap_or(crate::tree::FsNode {
            kind: NodeKind::Dir,
            mode: 0o755,
            uid: 0,
            gid: 0,
            mtime: opts.mtime,
        });
        let number = if dir.is_empty() {
            root_number
        } else {
            numbers[dir]
        };
        let parent = if dir.is_empty() {
            root_number + 1
        } else {
            match dir.rsplit_once('/') {
                Some((p, _)) => numbers[p],
                None => root_number,
            }
        };
        let subdirs = children
            .iter()
            .filter(|(_, n)| n.kind == NodeKind::Dir)
            .count() as u32;
        let (block, offset) = inodes.position();
        let mut b = Vec::new();
        header(&e, &mut b, 1, &node, number, &mut ids);
        e.u32(&mut b, lblock as u32);
        e.u32(&mut b, 2 + subdirs);
        e.u16(&mut b, (listing.len() + 3) as u16);
        e.u16(&mut b, loffset);
        e.u32(&mut b, parent);
        inodes.write(&b);
        built.insert(
            dir.to_string(),
            Built {
                reference: block << 16 | offset as u64,
                number,
                kind: 1,
            },
        );
    }
    let root_ref = built[""].reference;
    let inode_table = image.len() as u64;
    image.extend(inodes.finish());
    let directory_table = image.len() as u64;
    image.extend(dirs.finish());
    // Id table: one metadata block (enough for 2048 ids), then its index.
    let mut id_meta = Meta::new(opts.compress, meta_big);
    let mut idb = Vec::new();
    for id in &ids {
        e.u32(&mut idb, *id);
    }
    id_meta.write(&idb);
    let id_block = image.len() as u64;
    image.extend(id_meta.finish());
    let id_table = image.len() as u64;
    e.u64(&mut image, id_block);
    let bytes_used = image.len() as u64;

    let mut sb = Vec::new();
    sb.extend(if e.big { b"sqsh" } else { b"hsqs" });
    e.u32(&mut sb, inode_count);
    e.u32(&mut sb, opts.mtime);
    e.u32(&mut sb, opts.block_size);
    e.u32(&mut sb, 0); // fragments
    e.u16(&mut sb, 1); // gzip
    e.u16(&mut sb, opts.block_size.trailing_zeros() as u16);
    let mut flags = 0x10 | 0x200; // no fragments, no xattrs
    if !opts.compress {
        flags |= 0x1 | 0x2 | 0x8 | 0x800;
    }
    e.u16(&mut sb, flags);
    e.u16(&mut sb, ids.len() as u16);
    e.u16(&mut sb, 4);
    e.u16(&mut sb, 0);
    e.u64(&mut sb, root_ref);
    e.u64(&mut sb, bytes_used);
    e.u64(&mut sb, id_table);
    e.u64(&mut sb, u64::MAX); // xattr id table
    e.u64(&mut sb, inode_table);
    e.u64(&mut sb, directory_table);
    e.u64(&mut sb, u64::MAX); // fragment table
    e.u64(&mut sb, u64::MAX); // export table
    image[..96].copy_from_slice(&sb);
    crate::pad_to(&mut image, (bytes_used as usize).div_ceil(4096) * 4096, 0);
    image
}

fn header(
    e: &Endian,
    b: &mut Vec<u8>,
    kind: u16,
    node: &crate::tree::FsNode,
    number: u32,
    ids: &mut Vec<u32>,
) {
    e.u16(b, kind);
    e.u16(b, node.mode as u16 & 0o7777);
    let uid = id_index(node.uid, ids);
    let gid = id_index(node.gid, ids);
    e.u16(b, uid);
    e.u16(b, gid);
    e.u32(b, node.mtime);
    e.u32(b, number);
}

/// Index of `v` in the id table, adding it when new.
fn id_index(v: u32, ids: &mut Vec<u32>) -> u16 {
    match ids.iter().position(|&x| x == v) {
        Some(i) => i as u16,
        None => {
            ids.push(v);
            (ids.len() - 1) as u16
        }
    }
}
