//! JFFS2, the log-structured flash filesystem of NOR-flash routers: little- and big-endian
//! images, zlib, rtime, lzo and zero-filled data nodes, extended attributes (including POSIX
//! ACLs, turned back into their generic form), hard links.
//!
//! JFFS2 has no index: the image is a sequence of nodes, each with a header CRC, written in
//! log order. The reader scans every node once (4-byte aligned, skipping erased space and
//! resynchronising on the next valid header after corruption), keeps for each inode the
//! metadata of its latest version and the position of every data node, and for each
//! (directory, name) the latest directory entry. File content is assembled on demand from the
//! data nodes, later versions overwriting earlier ranges, as the kernel builds its fragment
//! tree; nothing but node positions is held in memory.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{self, Read};
use std::sync::Arc;

use netvet_model::{EntryKind, WarningCode};

use crate::codec::Codec;
use crate::error::{Error, Result};
use crate::format::{
    Content, Data, Format, Magic, OpenCtx, Opened, Probe, RawEntry, bytes::Endian, io_error,
};
use crate::formats::problems::Problems;
use crate::source::{Source, SourceExt, SourceRef};

const F: &str = "jffs2";

const HEADER: usize = 12;
const NODE_ACCURATE: u16 = 0x2000;
const COMPAT_MASK: u16 = 0xc000;
const FEATURE_INCOMPAT: u16 = 0xc000;
const DIRENT: u16 = 0xe001;
const INODE: u16 = 0xe002;
const CLEANMARKER: u16 = 0x2003;
const PADDING: u16 = 0x2004;
const SUMMARY: u16 = 0x2006;
const XATTR: u16 = 0xe008;
const XREF: u16 = 0xe009;

/// Fixed parts of the node types read here (`struct jffs2_raw_*`).
const INODE_SIZE: usize = 68;
const DIRENT_SIZE: usize = 40;
const XATTR_SIZE: usize = 32;
const XREF_SIZE: usize = 28;
/// (bytes covered, offset where stored) of each node type's node CRC.
const INODE_CRC: (usize, usize) = (60, 64);
const DIRENT_CRC: (usize, usize) = (32, 32);
const XATTR_CRC: (usize, usize) = (28, 28);
const XREF_CRC: (usize, usize) = (24, 24);

const COMPR_NONE: u8 = 0;
const COMPR_ZERO: u8 = 1;
const COMPR_RTIME: u8 = 2;
const COMPR_RUBINMIPS: u8 = 3;
const COMPR_COPY: u8 = 4;
const COMPR_DYNRUBIN: u8 = 5;
const COMPR_ZLIB: u8 = 6;
const COMPR_LZO: u8 = 7;

/// No node is larger than an erase block; the largest erase blocks are a few MiB.
const MAX_NODE: u32 = 4 << 20;
/// Data nodes hold at most a page (4-64 KiB); more is hostile. Zero-filled nodes are exempt:
/// the kernel writes one node for a whole hole.
const MAX_DSIZE: u32 = 1 << 20;
/// Bytes read from the image at a time while scanning.
const CHUNK: usize = 1 << 20;
/// A run of unrecognised data this long means the filesystem has ended.
const MAX_GARBAGE_RUN: u64 = 16 << 20;
/// Symlink targets longer than this are hostile (PATH_MAX is 4096).
const MAX_TARGET: u64 = 4096;
/// Directory nesting deeper than this is treated as hostile.
const MAX_DIR_DEPTH: usize = 512;

/// The JFFS2 reader.
pub struct Jffs2;

/// Magic and node type of the common node types, in both byte orders, so a JFFS2 image is
/// found wherever it starts (a dump often begins with a cleanmarker, a carved one with any
/// node).
static MAGICS: [Magic; 14] = {
    const fn m(bytes: &'static [u8]) -> Magic {
        Magic {
            at: 0,
            bytes,
            align: 4,
        }
    }
    [
        m(&[0x85, 0x19, 0x03, 0x20]),
        m(&[0x85, 0x19, 0x01, 0xe0]),
        m(&[0x85, 0x19, 0x02, 0xe0]),
        m(&[0x85, 0x19, 0x04, 0x20]),
        m(&[0x85, 0x19, 0x06, 0x20]),
        m(&[0x85, 0x19, 0x08, 0xe0]),
        m(&[0x85, 0x19, 0x09, 0xe0]),
        m(&[0x19, 0x85, 0x20, 0x03]),
        m(&[0x19, 0x85, 0xe0, 0x01]),
        m(&[0x19, 0x85, 0xe0, 0x02]),
        m(&[0x19, 0x85, 0x20, 0x04]),
        m(&[0x19, 0x85, 0x20, 0x06]),
        m(&[0x19, 0x85, 0xe0, 0x08]),
        m(&[0x19, 0x85, 0xe0, 0x09]),
    ]
};

/// JFFS2's CRC is the kernel's `crc32(0, ...)`: the reflected CRC-32 register started at 0
/// and not inverted at the end. crc32fast computes the standard CRC (register started at
/// !0, result inverted) and takes a previous *result* as its initial value, which it inverts
/// into the register; so starting it from `!0` gives a register of 0, and inverting its result
/// undoes the final inversion.
pub(crate) fn crc(data: &[u8]) -> u32 {
    let mut h = crc32fast::Hasher::new_with_initial(0xffff_ffff);
    h.update(data);
    !h.finalize()
}

/// A node header that passed its CRC.
#[derive(Clone, Copy, Debug)]
struct Header {
    e: Endian,
    nodetype: u16,
    totlen: u32,
}

/// Parses and checks a 12-byte node header. The CRC covers the node type with the
/// "accurate" bit set, so nodes the kernel later marked obsolete (by clearing that bit in
/// place) still verify.
fn parse_header(b: &[u8]) -> Option<Header> {
    let h = b.get(..HEADER)?;
    let e = match (h[0], h[1]) {
        (0x85, 0x19) => Endian::Little,
        (0x19, 0x85) => Endian::Big,
        _ => return None,
    };
    let nodetype = e.u16(h, 2);
    let mut copy = [0u8; 8];
    copy.copy_from_slice(&h[..8]);
    let accurate = (nodetype | NODE_ACCURATE).to_le_bytes();
    match e {
        Endian::Little => copy[2..4].copy_from_slice(&accurate),
        Endian::Big => copy[2..4].copy_from_slice(&[accurate[1], accurate[0]]),
    }
    if crc(&copy) != e.u32(h, 8) {
        return None;
    }
    Some(Header {
        e,
        nodetype,
        totlen: e.u32(h, 4),
    })
}

fn align4(v: u64) -> u64 {
    v.saturating_add(3) & !3
}

impl Format for Jffs2 {
    fn id(&self) -> &'static str {
        F
    }

    fn magics(&self) -> &'static [Magic] {
        &MAGICS
    }

    fn probe(&self, src: &dyn Source, offset: u64) -> Option<Probe> {
        let b = src.read_vec(offset, HEADER).ok()?;
        let h = parse_header(&b)?;
        if h.totlen < HEADER as u32 || h.totlen > MAX_NODE {
            return None;
        }
        // Inodes and dirents, the nodes a filesystem starts with when it has no cleanmarker,
        // carry a second CRC over their fixed part: check it too.
        let (fixed, (covered, at)) = match h.nodetype {
            INODE => (INODE_SIZE, INODE_CRC),
            DIRENT => (DIRENT_SIZE, DIRENT_CRC),
            _ => (HEADER, (0, 0)),
        };
        if fixed > HEADER {
            let b = src.read_vec(offset, fixed).ok()?;
            if crc(&b[..covered]) != h.e.u32(&b, at) {
                return None;
            }
        }
        Some(Probe {
            length: None,
            description: format!("jffs2 filesystem, {}", endian_name(h.e)),
        })
    }

    fn open(&self, src: SourceRef, ctx: &mut OpenCtx<'_>) -> Result<Opened> {
        let mut scan = Scan::new(&*src);
        scan.run(ctx)?;
        let Some(e) = scan.endian else {
            return Err(Error::corrupt(F, 0, "no valid JFFS2 node"));
        };
        let length = scan.image_length()?;
        let description = scan.describe(e, length);
        scan.problems.flush(ctx);
        let fs = Arc::new(Fs {
            src: src.clone(),
            nodes: std::mem::take(&mut scan.data_nodes),
        });
        let entries = Builder {
            fs: &fs,
            scan: &scan,
            e,
        }
        .build(ctx)?;
        Ok(Opened::Archive {
            description,
            length,
            entries,
        })
    }
}

fn endian_name(e: Endian) -> &'static str {
    match e {
        Endian::Little => "little-endian",
        Endian::Big => "big-endian",
    }
}

fn compr_name(c: u8) -> String {
    match c {
        COMPR_NONE => "none".into(),
        COMPR_ZERO => "zero".into(),
        COMPR_RTIME => "rtime".into(),
        COMPR_RUBINMIPS => "rubinmips".into(),
        COMPR_COPY => "copy".into(),
        COMPR_DYNRUBIN => "dynrubin".into(),
        COMPR_ZLIB => "zlib".into(),
        COMPR_LZO => "lzo".into(),
        n => format!("compressor {n}"),
    }
}

/// The latest metadata of an inode.
#[derive(Clone, Copy, Debug)]
struct Meta {
    version: u32,
    pos: u64,
    mode: u32,
    uid: u16,
    gid: u16,
    isize: u32,
    mtime: u32,
}

/// Where one data node's bytes are.
#[derive(Clone, Copy, Debug)]
struct DataNode {
    ino: u32,
    version: u32,
    /// Offset of the node in the image.
    pos: u64,
    /// Offset of its data in the file.
    offset: u32,
    dsize: u32,
    csize: u32,
    compr: u8,
}

#[derive(Clone, Debug)]
struct Dirent {
    version: u32,
    pos: u64,
    ino: u32,
}

#[derive(Clone, Debug)]
struct Xdatum {
    version: u32,
    prefix: u8,
    name: Vec<u8>,
    value: Vec<u8>,
}

/// Bytes of the image, read a chunk at a time while scanning.
struct Window<'a> {
    src: &'a dyn Source,
    start: u64,
    buf: Vec<u8>,
}

impl Window<'_> {
    /// The bytes `[at, at + len)`, or `None` when they run past the end of the image.
    fn get(&mut self, at: u64, len: usize) -> Result<Option<&[u8]>> {
        let Some(end) = at.checked_add(len as u64) else {
            return Ok(None);
        };
        if end > self.src.len() {
            return Ok(None);
        }
        let have = self.start + self.buf.len() as u64;
        if at < self.start || end > have {
            let want = (len.max(CHUNK) as u64).min(self.src.len() - at) as usize;
            self.buf.resize(want, 0);
            self.src
                .read_exact_at(at, &mut self.buf)
                .map_err(|e| Error::read(F, at, e))?;
            self.start = at;
        }
        let off = (at - self.start) as usize;
        Ok(self.buf.get(off..off + len))
    }

    /// The first 4-byte aligned position at or after `pos` that is not erased (0xffffffff),
    /// or the end of the image.
    fn skip_erased(&mut self, mut pos: u64) -> Result<u64> {
        let len = self.src.len();
        while pos + 4 <= len {
            let n = ((len - pos).min(CHUNK as u64) as usize) & !3;
            let Some(b) = self.get(pos, n)? else {
                break;
            };
            match b.chunks_exact(4).position(|w| w != [0xff; 4]) {
                Some(i) => return Ok(pos + 4 * i as u64),
                None => pos += n as u64,
            }
        }
        Ok(len)
    }
}

/// Everything one pass over the nodes learns.
struct Scan<'a> {
    win: Window<'a>,
    endian: Option<Endian>,
    problems: Problems,
    meta: HashMap<u32, Meta>,
    data_nodes: Vec<DataNode>,
    dirents: HashMap<(u32, Vec<u8>), Dirent>,
    xattrs: HashMap<u32, Xdatum>,
    /// (ino, xid) -> (xseqno, live)
    xrefs: HashMap<(u32, u32), (u32, bool)>,
    /// Greatest common divisor of the cleanmarker offsets (one starts each erase block).
    cleanmarker_gcd: u64,
    /// End of the last valid node.
    end: u64,
    valid_nodes: u64,
    obsolete_nodes: u64,
    /// Compressors met, for the description.
    compressors: Vec<u8>,
    /// Bytes of structures held in memory, for the metadata limit.
    held: u64,
}

impl<'a> Scan<'a> {
    fn new(src: &'a dyn Source) -> Scan<'a> {
        Scan {
            win: Window {
                src,
                start: 0,
                buf: Vec::new(),
            },
            endian: None,
            problems: Problems::default(),
            meta: HashMap::new(),
            data_nodes: Vec::new(),
            dirents: HashMap::new(),
            xattrs: HashMap::new(),
            xrefs: HashMap::new(),
            cleanmarker_gcd: 0,
            end: 0,
            valid_nodes: 0,
            obsolete_nodes: 0,
            compressors: Vec::new(),
            held: 0,
        }
    }

    fn len(&self) -> u64 {
        self.win.src.len()
    }

    fn hold(&mut self, bytes: usize, ctx: &OpenCtx<'_>) -> Result<()> {
        self.held = self.held.saturating_add(bytes as u64 + 32);
        ctx.budget.check_metadata(self.held, "jffs2 node index")
    }

    /// Walks every node of the image.
    fn run(&mut self, ctx: &mut OpenCtx<'_>) -> Result<()> {
        let len = self.len();
        let mut pos = 0u64;
        // Start of the unrecognised bytes being skipped, if any, and earlier runs of them
        // not yet known to lie inside the filesystem (they do once a valid node follows).
        let mut garbage: Option<u64> = None;
        let mut pending: Vec<(u64, u64)> = Vec::new();
        let mut steps = 0u32;
        while pos + HEADER as u64 <= len {
            steps = steps.wrapping_add(1);
            if steps.is_multiple_of(4096) {
                ctx.budget.check_time()?;
            }
            let Some(b) = self.win.get(pos, HEADER)? else {
                break;
            };
            if b[..4] == [0xff; 4] {
                if let Some(start) = garbage.take() {
                    // Bounded: past a few runs, later ones extend the last.
                    if pending.len() >= 16 {
                        if let Some(last) = pending.last_mut() {
                            last.1 = pos;
                        }
                    } else {
                        pending.push((start, pos));
                    }
                }
                pos = self.win.skip_erased(pos)?;
                continue;
            }
            let header = parse_header(b).filter(|h| self.endian.is_none_or(|e| e == h.e));
            let Some(h) = header else {
                let start = *garbage.get_or_insert(pos);
                if pos - start >= MAX_GARBAGE_RUN {
                    // Whatever follows is not this filesystem; the engine reports it as
                    // trailing data.
                    break;
                }
                pos += 4;
                continue;
            };
            if h.totlen < HEADER as u32 || h.totlen > MAX_NODE {
                self.problems.report(
                    ctx,
                    WarningCode::Corrupt,
                    pos,
                    format!("node of {} bytes skipped", h.totlen),
                );
                garbage.get_or_insert(pos);
                pos += 4;
                continue;
            }
            let node_end = pos + h.totlen as u64;
            if node_end > len {
                self.problems.report(
                    ctx,
                    WarningCode::Truncated,
                    pos,
                    format!(
                        "node of {} bytes runs past the end of the image ({len} bytes)",
                        h.totlen
                    ),
                );
                garbage.get_or_insert(pos);
                pos += 4;
                continue;
            }
            // Unrecognised bytes before a valid node are damage inside the filesystem.
            pending.extend(garbage.take().map(|start| (start, pos)));
            for (start, end) in pending.drain(..) {
                self.problems.report(
                    ctx,
                    WarningCode::Corrupt,
                    start,
                    format!("{} bytes that are not JFFS2 nodes skipped", end - start),
                );
            }
            self.endian = Some(h.e);
            self.end = node_end;
            self.valid_nodes += 1;
            if h.nodetype & NODE_ACCURATE == 0 {
                self.obsolete_nodes += 1;
            } else {
                self.node(pos, h, ctx)?;
            }
            pos = align4(node_end);
        }
        // Unrecognised bytes after the last node are trailing data, reported by the engine.
        Ok(())
    }

    /// Reads one valid, non-obsolete node.
    fn node(&mut self, pos: u64, h: Header, ctx: &mut OpenCtx<'_>) -> Result<()> {
        let e = h.e;
        let totlen = h.totlen as usize;
        match h.nodetype {
            INODE => self.inode_node(pos, e, totlen, ctx),
            DIRENT => self.dirent_node(pos, e, totlen, ctx),
            XATTR => self.xattr_node(pos, e, totlen, ctx),
            XREF => {
                let Some(b) = self.fixed(pos, totlen, XREF_SIZE, ctx)? else {
                    return Ok(());
                };
                let b = &b[..];
                let (ino, xid, seq) = (e.u32(b, 12), e.u32(b, 16), e.u32(b, 20));
                if !self.node_crc(b, XREF_CRC, e, pos, ctx) {
                    return Ok(());
                }
                let slot = self.xrefs.entry((ino, xid)).or_insert((0, false));
                if seq >= slot.0 {
                    // The low bit marks a deleted reference.
                    *slot = (seq, seq & 1 == 0);
                }
                self.hold(8, ctx)
            }
            CLEANMARKER => {
                self.cleanmarker_gcd = gcd(self.cleanmarker_gcd, pos);
                Ok(())
            }
            PADDING | SUMMARY => Ok(()),
            other => {
                if other & COMPAT_MASK == FEATURE_INCOMPAT {
                    self.problems.report(
                        ctx,
                        WarningCode::Unsupported,
                        pos,
                        format!("node type {other:#06x} the kernel would refuse; skipped"),
                    );
                }
                Ok(())
            }
        }
    }

    /// The fixed part of a node, or `None` (with a warning) when the node is too short.
    fn fixed(
        &mut self,
        pos: u64,
        totlen: usize,
        size: usize,
        ctx: &mut OpenCtx<'_>,
    ) -> Result<Option<Vec<u8>>> {
        if totlen < size {
            self.problems.report(
                ctx,
                WarningCode::Corrupt,
                pos,
                format!("node of {totlen} bytes shorter than its {size}-byte header; skipped"),
            );
            return Ok(None);
        }
        Ok(self.win.get(pos, size)?.map(<[u8]>::to_vec))
    }

    /// Checks a node CRC: `(covered, at)` says which bytes it covers and where it is.
    fn node_crc(
        &mut self,
        b: &[u8],
        (covered, at): (usize, usize),
        e: Endian,
        pos: u64,
        ctx: &mut OpenCtx,
    ) -> bool {
        if crc(&b[..covered]) == e.u32(b, at) {
            return true;
        }
        self.problems.report(
            ctx,
            WarningCode::BadChecksum,
            pos,
            "node CRC mismatch; node skipped",
        );
        false
    }

    fn data_crc(
        &mut self,
        at: u64,
        len: usize,
        want: u32,
        pos: u64,
        ctx: &mut OpenCtx,
    ) -> Result<bool> {
        let Some(d) = self.win.get(at, len)? else {
            return Ok(false);
        };
        if crc(d) == want {
            return Ok(true);
        }
        self.problems.report(
            ctx,
            WarningCode::BadChecksum,
            pos,
            "data CRC mismatch; node skipped",
        );
        Ok(false)
    }

    fn inode_node(&mut self, pos: u64, e: Endian, totlen: usize, ctx: &mut OpenCtx) -> Result<()> {
        let Some(b) = self.fixed(pos, totlen, INODE_SIZE, ctx)? else {
            return Ok(());
        };
        let b = &b[..];
        let ino = e.u32(b, 12);
        let version = e.u32(b, 16);
        let meta = Meta {
            version,
            pos,
            mode: e.u32(b, 20),
            uid: e.u16(b, 24),
            gid: e.u16(b, 26),
            isize: e.u32(b, 28),
            mtime: e.u32(b, 36),
        };
        let offset = e.u32(b, 44);
        let csize = e.u32(b, 48);
        let dsize = e.u32(b, 52);
        let compr = b[56];
        let data_crc = e.u32(b, 60);
        if !self.node_crc(b, INODE_CRC, e, pos, ctx) {
            return Ok(());
        }
        let bad = |what: String| (WarningCode::Corrupt, pos, format!("{what}; node skipped"));
        let problem = if ino == 0 {
            Some(bad("inode node for inode 0".into()))
        } else if csize as u64 > (totlen - INODE_SIZE) as u64 {
            Some(bad(format!(
                "inode {ino}: {csize} bytes of data in a node of {totlen}"
            )))
        } else if compr != COMPR_ZERO && dsize > MAX_DSIZE {
            Some(bad(format!("inode {ino}: data node of {dsize} bytes")))
        } else if matches!(compr, COMPR_NONE | COMPR_COPY) && csize != dsize {
            Some(bad(format!(
                "inode {ino}: uncompressed node with {csize} bytes stored for {dsize}"
            )))
        } else if offset as u64 + dsize as u64 > u32::MAX as u64 {
            Some(bad(format!(
                "inode {ino}: data at offset {offset} of {dsize} bytes lies past 4 GiB"
            )))
        } else {
            None
        };
        if let Some((code, at, msg)) = problem {
            self.problems.report(ctx, code, at, msg);
            return Ok(());
        }
        if !self.data_crc(pos + INODE_SIZE as u64, csize as usize, data_crc, pos, ctx)? {
            return Ok(());
        }
        let slot = self.meta.entry(ino).or_insert(meta);
        if version >= slot.version {
            *slot = meta;
        }
        if dsize > 0 {
            if matches!(compr, COMPR_RUBINMIPS | COMPR_DYNRUBIN) || compr > COMPR_LZO {
                self.problems.report(
                    ctx,
                    WarningCode::Unsupported,
                    pos,
                    format!(
                        "inode {ino}: data compressed with {}, which is not supported",
                        compr_name(compr)
                    ),
                );
            }
            if !self.compressors.contains(&compr) {
                self.compressors.push(compr);
            }
            self.data_nodes.push(DataNode {
                ino,
                version,
                pos,
                offset,
                dsize,
                csize,
                compr,
            });
        }
        self.hold(std::mem::size_of::<DataNode>(), ctx)
    }

    fn dirent_node(&mut self, pos: u64, e: Endian, totlen: usize, ctx: &mut OpenCtx) -> Result<()> {
        let Some(b) = self.fixed(pos, totlen, DIRENT_SIZE, ctx)? else {
            return Ok(());
        };
        let b = &b[..];
        let pino = e.u32(b, 12);
        let version = e.u32(b, 16);
        let ino = e.u32(b, 20);
        let nsize = b[28] as usize;
        let name_crc = e.u32(b, 36);
        if !self.node_crc(b, DIRENT_CRC, e, pos, ctx) {
            return Ok(());
        }
        if DIRENT_SIZE + nsize > totlen {
            self.problems.report(
                ctx,
                WarningCode::Corrupt,
                pos,
                format!("dirent name of {nsize} bytes runs past its node; skipped"),
            );
            return Ok(());
        }
        let Some(name) = self.win.get(pos + DIRENT_SIZE as u64, nsize)? else {
            return Ok(());
        };
        if crc(name) != name_crc {
            self.problems.report(
                ctx,
                WarningCode::BadChecksum,
                pos,
                "dirent name CRC mismatch; node skipped",
            );
            return Ok(());
        }
        let key = (pino, name.to_vec());
        self.hold(nsize + 24, ctx)?;
        let d = Dirent { version, pos, ino };
        match self.dirents.get_mut(&key) {
            Some(old) => {
                if version >= old.version {
                    *old = d;
                }
            }
            None => {
                self.dirents.insert(key, d);
            }
        }
        Ok(())
    }

    fn xattr_node(&mut self, pos: u64, e: Endian, totlen: usize, ctx: &mut OpenCtx) -> Result<()> {
        let Some(b) = self.fixed(pos, totlen, XATTR_SIZE, ctx)? else {
            return Ok(());
        };
        let b = &b[..];
        let xid = e.u32(b, 12);
        let version = e.u32(b, 16);
        let prefix = b[20];
        let name_len = b[21] as usize;
        let value_len = e.u16(b, 22) as usize;
        let data_crc = e.u32(b, 24);
        if !self.node_crc(b, XATTR_CRC, e, pos, ctx) {
            return Ok(());
        }
        // The name is NUL-terminated, the value follows.
        let len = name_len + 1 + value_len;
        if XATTR_SIZE + len > totlen {
            self.problems.report(
                ctx,
                WarningCode::Corrupt,
                pos,
                format!("xattr of {len} bytes runs past its node; skipped"),
            );
            return Ok(());
        }
        let at = pos + XATTR_SIZE as u64;
        if !self.data_crc(at, len, data_crc, pos, ctx)? {
            return Ok(());
        }
        if self.xattrs.get(&xid).is_some_and(|x| x.version > version) {
            return Ok(());
        }
        let d = self.win.get(at, len)?.unwrap_or_default();
        let x = Xdatum {
            version,
            prefix,
            name: d.get(..name_len).unwrap_or_default().to_vec(),
            value: d.get(name_len + 1..).unwrap_or_default().to_vec(),
        };
        self.hold(len, ctx)?;
        self.xattrs.insert(xid, x);
        Ok(())
    }

    /// The erase block size, from the spacing of cleanmarkers (one starts each block).
    fn erase_size(&self) -> Option<u64> {
        let g = self.cleanmarker_gcd;
        (g.is_power_of_two() && (4096..=MAX_NODE as u64).contains(&g)).then_some(g)
    }

    /// The end of the last valid node, rounded up to the end of its erase block when the
    /// rest of that block is erased.
    fn image_length(&mut self) -> Result<u64> {
        let end = self.end;
        let Some(eb) = self.erase_size() else {
            return Ok(end);
        };
        let rounded = end.div_ceil(eb).saturating_mul(eb).min(self.len());
        if rounded <= end {
            return Ok(end);
        }
        let erased = self.win.skip_erased(align4(end))?;
        Ok(if erased >= rounded { rounded } else { end })
    }

    fn describe(&self, e: Endian, length: u64) -> String {
        let mut s = format!(
            "jffs2 filesystem, {}, {} nodes ({} obsolete), {} inodes, {length} bytes",
            endian_name(e),
            self.valid_nodes,
            self.obsolete_nodes,
            self.meta.len()
        );
        if let Some(eb) = self.erase_size() {
            s.push_str(&format!(", erase block {} KiB", eb / 1024));
        }
        let mut c: Vec<String> = self
            .compressors
            .iter()
            .filter(|&&c| c != COMPR_ZERO)
            .map(|&c| compr_name(c))
            .collect();
        c.sort();
        if !c.is_empty() {
            s.push_str(&format!(", data: {}", c.join(", ")));
        }
        s
    }
}

fn gcd(a: u64, b: u64) -> u64 {
    let (mut a, mut b) = (a, b);
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// The image and every data node in it, shared by the files read from it.
struct Fs {
    src: SourceRef,
    nodes: Vec<DataNode>,
}

impl Fs {
    /// Decodes one data node into `out` (exactly `dsize` bytes).
    fn decode(&self, n: &DataNode, out: &mut Vec<u8>) -> Result<()> {
        let dsize = n.dsize as usize;
        let at = n.pos + INODE_SIZE as u64;
        if n.compr == COMPR_ZERO {
            out.clear();
            out.resize(dsize, 0);
            return Ok(());
        }
        let raw = self
            .src
            .read_vec(at, n.csize as usize)
            .map_err(|e| Error::read(F, at, e))?;
        let codec = match n.compr {
            COMPR_NONE | COMPR_COPY => {
                out.clear();
                out.extend_from_slice(&raw);
                return Ok(());
            }
            COMPR_RTIME => Codec::Rtime,
            COMPR_ZLIB => Codec::Zlib,
            COMPR_LZO => Codec::Lzo,
            other => {
                return Err(Error::unsupported(
                    F,
                    n.pos,
                    format!("data compressed with {}", compr_name(other)),
                ));
            }
        };
        codec
            .decompress(&raw, out, dsize, Some(dsize))
            .map_err(|e| Error::corrupt(F, n.pos, format!("data node: {e}")))?;
        if out.len() != dsize {
            return Err(Error::corrupt(
                F,
                n.pos,
                format!("data node decodes to {} bytes, not {dsize}", out.len()),
            ));
        }
        Ok(())
    }
}

/// A range of a file and the data node that supplies it.
#[derive(Clone, Copy, Debug)]
struct Frag {
    start: u64,
    end: u64,
    /// Index into [`Fs::nodes`].
    node: usize,
}

/// Applies data nodes in version order, later ones overwriting the ranges of earlier ones,
/// and cuts the result at the file size: the kernel's fragment tree.
fn fragments(nodes: &[DataNode], mut order: Vec<usize>, size: u64) -> Vec<Frag> {
    order.sort_by_key(|&i| (nodes[i].version, nodes[i].pos));
    let mut map: BTreeMap<u64, Frag> = BTreeMap::new();
    for i in order {
        let n = &nodes[i];
        let start = n.offset as u64;
        let end = (start + n.dsize as u64).min(size);
        if start >= end {
            continue;
        }
        // Every fragment overlapping [start, end) is cut back to what lies outside it.
        let overlapping: Vec<Frag> = map
            .range(..end)
            .rev()
            .take_while(|(_, f)| f.end > start)
            .map(|(_, f)| *f)
            .collect();
        for f in overlapping {
            map.remove(&f.start);
            if f.start < start {
                map.insert(f.start, Frag { end: start, ..f });
            }
            if f.end > end {
                map.insert(end, Frag { start: end, ..f });
            }
        }
        map.insert(
            start,
            Frag {
                start,
                end,
                node: i,
            },
        );
    }
    map.into_values().collect()
}

/// One file's content: fragments of data nodes, holes between them read as zeros.
struct File {
    fs: Arc<Fs>,
    size: u64,
    frags: Vec<Frag>,
}

impl Content for File {
    fn open(&self) -> Result<Box<dyn Read + Send + '_>> {
        Ok(Box::new(FileReader {
            file: self,
            pos: 0,
            frag: 0,
            slots: Default::default(),
            recent: 0,
        }))
    }
}

struct FileReader<'a> {
    file: &'a File,
    /// Position in the file.
    pos: u64,
    /// First fragment that may still be ahead.
    frag: usize,
    /// Two decoded nodes (index, bytes): a file patched in place alternates between an
    /// old node and the small ones written over parts of it.
    slots: [(Option<usize>, Vec<u8>); 2],
    /// The slot used last.
    recent: usize,
}

impl Read for FileReader<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let f = self.file;
        if self.pos >= f.size || out.is_empty() {
            return Ok(0);
        }
        while f.frags.get(self.frag).is_some_and(|fr| fr.end <= self.pos) {
            self.frag += 1;
        }
        let room = out.len() as u64;
        match f.frags.get(self.frag) {
            Some(fr) if fr.start <= self.pos => {
                let node =
                    f.fs.nodes
                        .get(fr.node)
                        .ok_or_else(|| io_error(Error::corrupt(F, 0, "fragment without a node")))?;
                let n = (fr.end - self.pos).min(room) as usize;
                if node.compr == COMPR_ZERO {
                    out[..n].fill(0);
                } else {
                    let slot = match self.slots.iter().position(|s| s.0 == Some(fr.node)) {
                        Some(i) => i,
                        None => {
                            let i = 1 - self.recent;
                            let s = &mut self.slots[i];
                            s.0 = None;
                            f.fs.decode(node, &mut s.1).map_err(io_error)?;
                            s.0 = Some(fr.node);
                            i
                        }
                    };
                    self.recent = slot;
                    let at = (self.pos - node.offset as u64) as usize;
                    let src = self.slots[slot].1.get(at..at + n).ok_or_else(|| {
                        io_error(Error::corrupt(F, node.pos, "fragment outside its node"))
                    })?;
                    out[..n].copy_from_slice(src);
                }
                self.pos += n as u64;
                Ok(n)
            }
            next => {
                // A hole: zeros up to the next fragment or the end of the file.
                let until = next.map_or(f.size, |fr| fr.start).min(f.size);
                let n = (until - self.pos).min(room) as usize;
                out[..n].fill(0);
                self.pos += n as u64;
                Ok(n)
            }
        }
    }
}

/// Turns the scan into entries: paths from the root inode, metadata, content.
struct Builder<'a> {
    fs: &'a Arc<Fs>,
    scan: &'a Scan<'a>,
    e: Endian,
}

const S_IFMT: u32 = 0o170000;
const S_IFDIR: u32 = 0o040000;
const S_IFREG: u32 = 0o100000;
const S_IFLNK: u32 = 0o120000;
const S_IFCHR: u32 = 0o020000;
const S_IFBLK: u32 = 0o060000;
const S_IFIFO: u32 = 0o010000;
const S_IFSOCK: u32 = 0o140000;

impl Builder<'_> {
    fn build(&self, ctx: &mut OpenCtx<'_>) -> Result<Vec<RawEntry>> {
        let scan = self.scan;
        // Data nodes per inode.
        let mut by_ino: HashMap<u32, Vec<usize>> = HashMap::new();
        for (i, n) in self.fs.nodes.iter().enumerate() {
            by_ino.entry(n.ino).or_default().push(i);
        }
        // Live directory entries per parent, sorted by name for a stable order.
        let mut children: HashMap<u32, Vec<(&[u8], &Dirent)>> = HashMap::new();
        for ((pino, name), d) in &scan.dirents {
            if d.ino != 0 {
                children.entry(*pino).or_default().push((name, d));
            }
        }
        for list in children.values_mut() {
            list.sort_by(|a, b| a.0.cmp(b.0));
        }
        let xattrs = self.xattrs_by_ino();

        let mut entries = Vec::new();
        let mut reached: HashSet<u32> = HashSet::from([1]);
        let mut visited_dirs: HashSet<u32> = HashSet::from([1]);
        let mut stack: Vec<(u32, Vec<u8>, usize)> = vec![(1, Vec::new(), 0)];
        let limit = ctx.budget.limits().max_entries as usize;
        let mut problems = Problems::default();
        let mut made: HashMap<u32, std::result::Result<RawEntry, String>> = HashMap::new();
        let mut xattr_bytes = 0usize;
        while let Some((dir, path, depth)) = stack.pop() {
            ctx.budget.check_time()?;
            if depth > MAX_DIR_DEPTH {
                problems.report(
                    ctx,
                    WarningCode::Corrupt,
                    scan.meta.get(&dir).map_or(0, |m| m.pos),
                    "directories nested too deeply; the deepest not listed",
                );
                continue;
            }
            for &(name, d) in children.get(&dir).map(Vec::as_slice).unwrap_or_default() {
                if name.is_empty() || name == b"." || name == b".." {
                    problems.report(
                        ctx,
                        WarningCode::UnsafeName,
                        d.pos,
                        "directory entry named `.`, `..` or nothing skipped",
                    );
                    continue;
                }
                let mut child = path.clone();
                if !child.is_empty() {
                    child.push(b'/');
                }
                child.extend(crate::names::fs_component(name));
                let Some(meta) = scan.meta.get(&d.ino) else {
                    problems.report(
                        ctx,
                        WarningCode::Corrupt,
                        d.pos,
                        format!(
                            "{}: entry for inode {}, which has no inode node; skipped",
                            crate::names::escape_bytes(&child),
                            d.ino
                        ),
                    );
                    continue;
                };
                reached.insert(d.ino);
                let is_dir = meta.mode & S_IFMT == S_IFDIR;
                if is_dir && !visited_dirs.insert(d.ino) {
                    problems.report(
                        ctx,
                        WarningCode::Cycle,
                        d.pos,
                        format!(
                            "{}: directory inode {} is already listed (its own ancestor or a \
                             second link to a directory); not followed",
                            crate::names::escape_bytes(&child),
                            d.ino
                        ),
                    );
                    continue;
                }
                // One entry per inode, renamed for each further name (hard links), so a
                // thousand names of one file cost one assembly of its content.
                let made = made.entry(d.ino).or_insert_with(|| {
                    let nodes = by_ino.get(&d.ino).map(Vec::as_slice).unwrap_or_default();
                    self.entry(d.ino, meta, nodes).map_err(|e| e.to_string())
                });
                match made {
                    Ok(template) => {
                        let mut entry = template.clone();
                        entry.name = child.clone();
                        if let Some(x) = xattrs.get(&d.ino) {
                            xattr_bytes += x.iter().map(|(k, v)| k.len() + v.len()).sum::<usize>();
                            if ctx
                                .budget
                                .check_metadata(xattr_bytes as u64, "xattrs")
                                .is_ok()
                            {
                                entry.xattrs = x.clone();
                            } else {
                                problems.report(
                                    ctx,
                                    WarningCode::LimitBytes,
                                    meta.pos,
                                    "too many xattr bytes in total; xattrs dropped",
                                );
                            }
                        }
                        entries.push(entry);
                    }
                    Err(e) => {
                        problems.report(
                            ctx,
                            WarningCode::Corrupt,
                            meta.pos,
                            format!("{}: {e}", crate::names::escape_bytes(&child)),
                        );
                        continue;
                    }
                }
                if is_dir {
                    stack.push((d.ino, child, depth + 1));
                }
                if entries.len() > limit {
                    problems.flush(ctx);
                    return Ok(entries);
                }
            }
        }
        problems.flush(ctx);
        self.mark_hard_links(&mut entries);
        let orphans: Vec<u32> = scan
            .meta
            .keys()
            .copied()
            .filter(|i| !reached.contains(i))
            .collect();
        if let Some(first) = orphans
            .iter()
            .filter_map(|i| scan.meta.get(i))
            .map(|m| m.pos)
            .min()
        {
            ctx.warn(
                WarningCode::Corrupt,
                first,
                format!(
                    "{} inodes are not reachable from the root directory (deleted or orphaned); \
                     not listed",
                    orphans.len()
                ),
            );
        }
        let unreached = scan
            .dirents
            .iter()
            .filter(|((pino, _), d)| d.ino != 0 && !reached.contains(pino))
            .map(|(_, d)| d.pos)
            .min();
        if let Some(first) = unreached {
            ctx.warn(
                WarningCode::Corrupt,
                first,
                "directory entries in directories not reachable from the root; not listed",
            );
        }
        Ok(entries)
    }

    /// Files reached under several names keep their inode number, so the engine lists the
    /// later names as hard links (JFFS2 stores no link count; the dirents are the links).
    fn mark_hard_links(&self, entries: &mut [RawEntry]) {
        let mut count: HashMap<u64, u32> = HashMap::new();
        for e in entries.iter() {
            if let Some(i) = e.inode {
                *count.entry(i).or_default() += 1;
            }
        }
        for e in entries.iter_mut() {
            if e.inode
                .is_some_and(|i| count.get(&i).copied().unwrap_or(0) < 2)
            {
                e.inode = None;
            }
        }
    }

    /// Live extended attributes per inode, in name order.
    fn xattrs_by_ino(&self) -> HashMap<u32, Vec<(String, Vec<u8>)>> {
        let mut out: HashMap<u32, Vec<(String, Vec<u8>)>> = HashMap::new();
        for (&(ino, xid), &(_, live)) in &self.scan.xrefs {
            if !live {
                continue;
            }
            // A datum whose version is all ones was deleted.
            let Some(x) = self.scan.xattrs.get(&xid).filter(|x| x.version != u32::MAX) else {
                continue;
            };
            if let Some(attr) = xattr(self.e, x) {
                out.entry(ino).or_default().push(attr);
            }
        }
        for list in out.values_mut() {
            list.sort();
            list.dedup_by(|a, b| a.0 == b.0);
        }
        out
    }

    /// The entry of inode `ino`, without name or xattrs.
    fn entry(&self, ino: u32, meta: &Meta, nodes: &[usize]) -> Result<RawEntry> {
        let kind = match meta.mode & S_IFMT {
            S_IFDIR => EntryKind::Dir,
            S_IFREG => EntryKind::File,
            S_IFLNK => EntryKind::Symlink,
            S_IFCHR => EntryKind::CharDevice,
            S_IFBLK => EntryKind::BlockDevice,
            S_IFIFO => EntryKind::Fifo,
            S_IFSOCK => EntryKind::Socket,
            other => {
                return Err(Error::corrupt(
                    F,
                    meta.pos,
                    format!("inode {ino} has unknown file type {other:#o}"),
                ));
            }
        };
        let mut entry = RawEntry::new(Vec::new(), kind);
        entry.mode = meta.mode & 0o7777;
        entry.uid = meta.uid as u32;
        entry.gid = meta.gid as u32;
        entry.mtime = meta.mtime as i64;
        entry.offset = meta.pos;
        if kind == EntryKind::Dir {
            return Ok(entry);
        }
        let size = meta.isize as u64;
        let file = || File {
            fs: self.fs.clone(),
            size,
            frags: fragments(&self.fs.nodes, nodes.to_vec(), size),
        };
        match kind {
            EntryKind::File => {
                entry.size = size;
                entry.inode = Some(ino as u64);
                if size > 0 {
                    entry.data = Data::Coded(Arc::new(file()));
                }
            }
            EntryKind::Symlink => {
                if size > MAX_TARGET {
                    return Err(Error::corrupt(
                        F,
                        meta.pos,
                        format!("symlink target of {size} bytes"),
                    ));
                }
                let target = read_all(&file())?;
                entry.size = target.len() as u64;
                entry.link_target = Some(target);
            }
            EntryKind::CharDevice | EntryKind::BlockDevice => {
                // The device number is the data of the latest node (the file size is 0);
                // the kernel stores the old 16-bit or the new 32-bit encoding.
                let latest = nodes
                    .iter()
                    .filter_map(|&i| self.fs.nodes.get(i))
                    .max_by_key(|n| (n.version, n.pos))
                    .filter(|n| n.dsize <= 8)
                    .ok_or_else(|| Error::corrupt(F, meta.pos, "device without its number"))?;
                let mut d = Vec::new();
                self.fs.decode(latest, &mut d)?;
                entry.device = Some(match d.len() {
                    2 => {
                        let v = self.e.u16(&d, 0) as u32;
                        (v >> 8, v & 0xff)
                    }
                    4 => {
                        let v = self.e.u32(&d, 0);
                        ((v >> 8) & 0xfff, (v & 0xff) | ((v >> 12) & 0xfff00))
                    }
                    n => {
                        return Err(Error::corrupt(
                            F,
                            meta.pos,
                            format!("device number of {n} bytes"),
                        ));
                    }
                });
            }
            _ => {}
        }
        Ok(entry)
    }
}

fn read_all(file: &File) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    file.open()?
        .read_to_end(&mut out)
        .map_err(|e| crate::format::from_io(F, 0, e))?;
    Ok(out)
}

/// The generic name and value of a JFFS2 extended attribute.
fn xattr(e: Endian, x: &Xdatum) -> Option<(String, Vec<u8>)> {
    let name = crate::names::escape_bytes(&x.name);
    Some(match x.prefix {
        1 => (format!("user.{name}"), x.value.clone()),
        2 => (format!("security.{name}"), x.value.clone()),
        3 => ("system.posix_acl_access".into(), acl_to_xattr(e, &x.value)?),
        4 => (
            "system.posix_acl_default".into(),
            acl_to_xattr(e, &x.value)?,
        ),
        5 => (format!("trusted.{name}"), x.value.clone()),
        _ => return None,
    })
}

/// Converts a JFFS2 ACL (its own compact format, in the filesystem's byte order) into the
/// `posix_acl_xattr` form getxattr returns (version 2, little-endian, 8 bytes per entry).
fn acl_to_xattr(e: Endian, b: &[u8]) -> Option<Vec<u8>> {
    const USER: u16 = 0x02;
    const GROUP: u16 = 0x08;
    if b.len() < 4 || e.u32(b, 0) != 1 {
        return None;
    }
    let mut out = 2u32.to_le_bytes().to_vec();
    let mut pos = 4;
    while pos < b.len() {
        let h = b.get(pos..pos + 4)?;
        let tag = e.u16(h, 0);
        let perm = e.u16(h, 2);
        let id = if tag == USER || tag == GROUP {
            let id = e.u32(b.get(pos..pos + 8)?, 4);
            pos += 8;
            id
        } else {
            pos += 4;
            u32::MAX
        };
        out.extend_from_slice(&tag.to_le_bytes());
        out.extend_from_slice(&perm.to_le_bytes());
        out.extend_from_slice(&id.to_le_bytes());
    }
    Some(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn crc_matches_a_cleanmarker_written_by_mkfs_jffs2() {
        // The first node of `mkfs.jffs2 -l`: a little-endian cleanmarker whose header CRC
        // is 0xe41eb0b1.
        let node = [0x85, 0x19, 0x03, 0x20, 0x0c, 0x00, 0x00, 0x00];
        assert_eq!(crc(&node), 0xe41e_b0b1);
        let h = parse_header(&[
            0x85, 0x19, 0x03, 0x20, 0x0c, 0, 0, 0, 0xb1, 0xb0, 0x1e, 0xe4,
        ])
        .unwrap();
        assert_eq!((h.nodetype, h.totlen), (CLEANMARKER, 12));
        assert_eq!(crc(b""), 0);
    }

    #[test]
    fn obsolete_nodes_still_pass_the_header_crc() {
        let mut h = [
            0x85, 0x19, 0x03, 0x20, 0x0c, 0, 0, 0, 0xb1, 0xb0, 0x1e, 0xe4,
        ];
        h[3] &= !0x20;
        let p = parse_header(&h).unwrap();
        assert_eq!(p.nodetype & NODE_ACCURATE, 0);
        h[4] = 0x10;
        assert!(parse_header(&h).is_none());
    }

    fn node(version: u32, offset: u32, dsize: u32) -> DataNode {
        DataNode {
            ino: 2,
            version,
            pos: version as u64 * 100,
            offset,
            dsize,
            csize: dsize,
            compr: COMPR_NONE,
        }
    }

    #[test]
    fn later_versions_overwrite_earlier_ranges() {
        // Written out of version order on purpose: the log order must not matter.
        let nodes = vec![node(3, 2, 4), node(1, 0, 10), node(2, 8, 10)];
        let f = fragments(&nodes, vec![0, 1, 2], 16);
        let got: Vec<(u64, u64, usize)> = f.iter().map(|f| (f.start, f.end, f.node)).collect();
        assert_eq!(got, vec![(0, 2, 1), (2, 6, 0), (6, 8, 1), (8, 16, 2)]);
    }

    #[test]
    fn fragments_are_cut_at_the_file_size() {
        let nodes = vec![node(1, 0, 10), node(2, 20, 10)];
        let f = fragments(&nodes, vec![0, 1], 5);
        assert_eq!(f.len(), 1);
        assert_eq!((f[0].start, f[0].end), (0, 5));
    }

    #[test]
    fn acl_becomes_the_generic_xattr_form() {
        // user::rw-, user:1000:r--, group::r--, mask::r--, other::---, big-endian.
        let mut b = 1u32.to_be_bytes().to_vec();
        for (tag, perm, id) in [
            (1u16, 6u16, None),
            (2, 4, Some(1000u32)),
            (4, 4, None),
            (0x10, 4, None),
            (0x20, 0, None),
        ] {
            b.extend(tag.to_be_bytes());
            b.extend(perm.to_be_bytes());
            if let Some(id) = id {
                b.extend(id.to_be_bytes());
            }
        }
        let x = acl_to_xattr(Endian::Big, &b).unwrap();
        assert_eq!(x.len(), 4 + 5 * 8);
        assert_eq!(&x[..4], &[2, 0, 0, 0]);
        assert_eq!(&x[12..20], &[2, 0, 4, 0, 0xe8, 0x03, 0, 0]);
        assert_eq!(&x[20..28], &[4, 0, 4, 0, 0xff, 0xff, 0xff, 0xff]);
        assert!(acl_to_xattr(Endian::Big, &b[..b.len() - 1]).is_none());
    }
}
