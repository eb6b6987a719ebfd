//! UBIFS, inside a UBI volume or as a bare image from `mkfs.ubifs -o` (a sequence of LEBs).
//!
//! The superblock (LEB 0) gives the geometry; the newest valid master node (LEBs 1 and 2)
//! gives the root of the index, a B+tree whose leaves are inode, directory-entry, xattr-entry
//! and data nodes. The reader walks the whole index once (bounded depth, every index node
//! visited once, so branches pointing back are reported, not followed), keeps inodes and
//! entries, and only the positions of data nodes: file content is read and decompressed node
//! by node on demand. The journal is not replayed: images made by `mkfs.ubifs` have an empty
//! one, and a warning says when the log refers to nodes newer than the index.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{self, Read};
use std::sync::Arc;

use netvet_model::{EntryKind, WarningCode};

use crate::codec::Codec;
use crate::error::{Error, Result};
use crate::format::{
    Content, Data, Format, Magic, OpenCtx, Opened, Probe, RawEntry,
    bytes::{le16, le32, le64},
    io_error,
};
use crate::names::{escape_bytes, fs_component};
use crate::source::{Source, SourceExt, SourceRef};

const F: &str = "ubifs";
const MAGIC: [u8; 4] = 0x0610_1831u32.to_le_bytes();

/// Common header and node sizes (ubifs-media.h).
const CH: usize = 24;
const SB_NODE: usize = 4096;
const MST_NODE: usize = 512;
const INO_NODE: usize = 160;
const DENT_NODE: usize = 56;
const DATA_NODE: usize = 48;
const IDX_NODE: usize = 28;
const CS_NODE: usize = 32;
const REF_NODE: usize = 64;
const PAD_NODE: usize = 28;
/// Bytes of data in one data node, and attached to one inode at most.
const BLOCK: usize = 4096;
const MAX_DATA_NODE: usize = DATA_NODE + BLOCK;
const MAX_INO_NODE: usize = INO_NODE + BLOCK;
const MAX_DENT_NODE: usize = DENT_NODE + 256;
/// Branch without a hash: lnum, offs, len and an 8-byte key.
const BRANCH: usize = 20;
/// A branch with the largest hash an authenticated filesystem adds.
const MAX_BRANCH: usize = BRANCH + 64;
const MIN_FANOUT: u32 = 3;

const INO: u8 = 0;
const DATA: u8 = 1;
const DENT: u8 = 2;
const XENT: u8 = 3;
const PAD: u8 = 5;
const SB: u8 = 6;
const MST: u8 = 7;
const REF: u8 = 8;
const IDX: u8 = 9;
const CS: u8 = 10;

const FLG_ENCRYPTION: u32 = 0x10;
const FLG_AUTHENTICATION: u32 = 0x20;

const MIN_LEB: u32 = 15 * 1024;
const MAX_LEB: u32 = 16 << 20;
/// The superblock, two master LEBs and the log at least. (`mkfs.ubifs` records only the LEBs
/// it used; the kernel grows the count to the volume's size when it mounts.)
const MIN_LEB_CNT: u32 = 4;
const LOG_LNUM: u32 = 3;
/// Index trees deeper than this are treated as hostile (a real one is a handful of levels).
const MAX_LEVELS: u16 = 64;
const MAX_DIR_DEPTH: usize = 512;
const ROOT_INO: u64 = 1;
const MAX_FILE_SIZE: u64 = i64::MAX as u64;
/// Per-node warnings shown before the rest are only counted.
const MAX_NODE_WARNINGS: usize = 64;

/// The UBIFS reader.
pub struct Ubifs;

/// UBIFS's CRC-32: initial value all ones, no final inversion, over the node after byte 8.
/// Fuzzing builds accept any CRC so that the fuzzer reaches the structures behind them.
fn node_crc_ok(node: &[u8]) -> bool {
    node.len() >= CH && (cfg!(feature = "fuzzing") || !crc32fast::hash(&node[8..]) == le32(node, 4))
}

/// A node's common header.
#[derive(Clone, Copy, Debug)]
struct Header {
    sqnum: u64,
    len: u32,
    node_type: u8,
}

fn header(b: &[u8]) -> Option<Header> {
    let h = b.get(..CH)?;
    (h[..4] == MAGIC).then(|| Header {
        sqnum: le64(h, 8),
        len: le32(h, 16),
        node_type: h[20],
    })
}

#[derive(Clone, Copy, Debug)]
struct Superblock {
    flags: u32,
    min_io: u32,
    leb_size: u32,
    leb_cnt: u32,
    log_lebs: u32,
    fanout: u32,
    fmt_version: u32,
    ro_compat: u32,
    default_compr: u16,
    key_fmt: u8,
}

fn parse_superblock(b: &[u8]) -> Option<Superblock> {
    let h = header(b)?;
    if h.node_type != SB || h.len as usize != SB_NODE || b.len() < SB_NODE {
        return None;
    }
    Some(Superblock {
        key_fmt: b[27],
        flags: le32(b, 28),
        min_io: le32(b, 32),
        leb_size: le32(b, 36),
        leb_cnt: le32(b, 40),
        log_lebs: le32(b, 56),
        fanout: le32(b, 72),
        fmt_version: le32(b, 80),
        default_compr: le16(b, 84),
        ro_compat: le32(b, 124),
    })
}

impl Superblock {
    /// Why the geometry cannot be a real filesystem's, if it cannot.
    fn implausible(&self) -> Option<String> {
        let bad = if !(MIN_LEB..=MAX_LEB).contains(&self.leb_size)
            || !self.leb_size.is_multiple_of(8)
        {
            format!("LEB size {}", self.leb_size)
        } else if self.min_io == 0 || !self.min_io.is_power_of_two() || self.min_io > self.leb_size
        {
            format!("minimum I/O size {}", self.min_io)
        } else if self.fanout < MIN_FANOUT {
            format!("index fanout {}", self.fanout)
        } else if self.leb_cnt < MIN_LEB_CNT {
            format!("{} LEBs", self.leb_cnt)
        } else if !(1..=5).contains(&self.fmt_version) {
            format!("format version {}", self.fmt_version)
        } else if self.key_fmt != 0 {
            format!("key format {}", self.key_fmt)
        } else {
            return None;
        };
        Some(bad)
    }
}

fn codec_of(compr: u16) -> Option<Codec> {
    match compr {
        1 => Some(Codec::Lzo),
        2 => Some(Codec::RawDeflate),
        3 => Some(Codec::Zstd),
        _ => None,
    }
}

fn compr_name(compr: u16) -> String {
    match compr {
        0 => "no compression".into(),
        1 => "lzo".into(),
        2 => "zlib".into(),
        3 => "zstd".into(),
        n => format!("unknown compression {n}"),
    }
}

impl Format for Ubifs {
    fn id(&self) -> &'static str {
        F
    }

    fn magics(&self) -> &'static [Magic] {
        // Every node starts with this magic; an image starts on an eraseblock boundary.
        const {
            &[Magic {
                at: 0,
                bytes: &MAGIC,
                align: 2048,
            }]
        }
    }

    fn probe(&self, src: &dyn Source, offset: u64) -> Option<Probe> {
        let h = src.read_vec(offset, CH).ok()?;
        if header(&h)?.node_type != SB {
            return None;
        }
        let b = src.read_vec(offset, SB_NODE).ok()?;
        let sb = parse_superblock(&b)?;
        if !node_crc_ok(&b) || sb.implausible().is_some() {
            return None;
        }
        Some(Probe {
            length: Some(sb.leb_cnt as u64 * sb.leb_size as u64),
            description: describe(&sb, None),
        })
    }

    fn open(&self, src: SourceRef, ctx: &mut OpenCtx<'_>) -> Result<Opened> {
        let b = src.read_vec(0, SB_NODE).map_err(|e| Error::read(F, 0, e))?;
        let sb = parse_superblock(&b)
            .ok_or_else(|| Error::corrupt(F, 0, "no superblock node at the start"))?;
        if !node_crc_ok(&b) {
            return Err(Error::Checksum {
                format: F,
                offset: 4,
                what: "superblock node".into(),
            });
        }
        if let Some(why) = sb.implausible() {
            return Err(Error::corrupt(F, 32, format!("superblock: {why}")));
        }
        if sb.flags & FLG_ENCRYPTION != 0 {
            ctx.warn(
                WarningCode::Unsupported,
                28,
                "filesystem has encrypted files: their names and contents come out as stored",
            );
        }
        let declared = sb.leb_cnt as u64 * sb.leb_size as u64;
        // Inside a UBI volume unmapped LEBs at the end are simply absent; a source that ends
        // inside a LEB was cut short.
        let leb_size = sb.leb_size as u64;
        if declared > src.len() && !src.len().is_multiple_of(leb_size) {
            ctx.warn(
                WarningCode::Truncated,
                src.len(),
                format!(
                    "image ends inside LEB {} ({} of {leb_size} bytes present)",
                    src.len() / leb_size,
                    src.len() % leb_size
                ),
            );
        }
        let length = declared.min(src.len());
        let max_idx = (sb.fanout as usize)
            .saturating_mul(MAX_BRANCH)
            .saturating_add(IDX_NODE)
            .min(sb.leb_size as usize);
        let fs = Arc::new(Fs {
            src,
            leb_size: sb.leb_size as u64,
            leb_cnt: sb.leb_cnt,
            max_idx,
        });
        let mst = master(&fs, &sb, ctx)?;
        check_journal(&fs, &sb, &mst, ctx)?;
        let mut walker = Walker {
            fs: &fs,
            ctx,
            index: Index::default(),
            node_warnings: 0,
            meta_bytes: 0,
        };
        let root_level = walker.walk(mst.root)?;
        let Walker {
            index,
            node_warnings,
            ..
        } = walker;
        if node_warnings > MAX_NODE_WARNINGS {
            ctx.warn(
                WarningCode::Corrupt,
                0,
                format!(
                    "{} more bad nodes not listed one by one",
                    node_warnings - MAX_NODE_WARNINGS
                ),
            );
        }
        let entries = build_entries(&fs, index, ctx)?;
        Ok(Opened::Archive {
            description: describe(&sb, Some((&mst, root_level))),
            length,
            entries,
        })
    }
}

fn describe(sb: &Superblock, opened: Option<(&Master, u16)>) -> String {
    let mut s = format!(
        "UBIFS format {} (r/o compatibility {}), {} LEBs of {} bytes, minimum I/O {}, default {}",
        sb.fmt_version,
        sb.ro_compat,
        sb.leb_cnt,
        sb.leb_size,
        sb.min_io,
        compr_name(sb.default_compr)
    );
    if sb.flags & FLG_AUTHENTICATION != 0 {
        s.push_str(", authenticated (HMACs not checked)");
    }
    if let Some((m, level)) = opened {
        s.push_str(&format!(
            ", index root at LEB {}:{} (level {level}), commit {}; the journal was not replayed",
            m.root.lnum, m.root.offs, m.cmt_no
        ));
    }
    s
}

/// A reference to a node: LEB, offset and length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Branch {
    lnum: u32,
    offs: u32,
    len: u32,
}

/// The filesystem's LEBs over the source.
struct Fs {
    src: SourceRef,
    leb_size: u64,
    leb_cnt: u32,
    /// Largest index node the fanout allows.
    max_idx: usize,
}

impl Fs {
    fn pos(&self, lnum: u32, offs: u32) -> u64 {
        lnum as u64 * self.leb_size + offs as u64
    }

    /// Reads the node a branch points to, checking its place, length, magic and CRC.
    fn node(&self, br: Branch, max: usize) -> Result<Vec<u8>> {
        let at = self.pos(br.lnum, br.offs);
        if br.lnum >= self.leb_cnt
            || !br.offs.is_multiple_of(8)
            || br.offs as u64 + br.len as u64 > self.leb_size
        {
            return Err(Error::corrupt(
                F,
                at,
                format!(
                    "node reference LEB {}:{} ({} bytes) lies outside the filesystem",
                    br.lnum, br.offs, br.len
                ),
            ));
        }
        if (br.len as usize) < CH || br.len as usize > max {
            return Err(Error::corrupt(
                F,
                at,
                format!("node at LEB {}:{} of {} bytes", br.lnum, br.offs, br.len),
            ));
        }
        let b = self
            .src
            .read_vec(at, br.len as usize)
            .map_err(|e| Error::read(F, at, e))?;
        let h = header(&b).ok_or_else(|| {
            Error::corrupt(
                F,
                at,
                format!("no node at LEB {}:{} (bad magic)", br.lnum, br.offs),
            )
        })?;
        if h.len != br.len {
            return Err(Error::corrupt(
                F,
                at,
                format!(
                    "node at LEB {}:{} says it has {} bytes, its reference says {}",
                    br.lnum, br.offs, h.len, br.len
                ),
            ));
        }
        if !node_crc_ok(&b) {
            return Err(Error::Checksum {
                format: F,
                offset: at + 4,
                what: format!("node at LEB {}:{}", br.lnum, br.offs),
            });
        }
        Ok(b)
    }

    /// One whole LEB, for scanning the master and log areas.
    fn leb(&self, lnum: u32) -> Result<Vec<u8>> {
        let at = self.pos(lnum, 0);
        self.src
            .read_vec(at, self.leb_size as usize)
            .map_err(|e| Error::read(F, at, e))
    }
}

/// The fields of the master node this reader uses.
#[derive(Clone, Copy, Debug)]
struct Master {
    sqnum: u64,
    cmt_no: u64,
    root: Branch,
}

fn warning_code(e: &Error) -> WarningCode {
    match e {
        Error::Checksum { .. } => WarningCode::BadChecksum,
        Error::Truncated { .. } => WarningCode::Truncated,
        Error::Cycle { .. } => WarningCode::Cycle,
        Error::Unsupported { .. } => WarningCode::Unsupported,
        _ => WarningCode::Corrupt,
    }
}

/// The newest master node with a valid CRC in LEBs 1 and 2.
fn master(fs: &Fs, sb: &Superblock, ctx: &mut OpenCtx<'_>) -> Result<Master> {
    let step = (MST_NODE as u64).next_multiple_of(sb.min_io.max(8) as u64) as usize;
    let mut best: Option<Master> = None;
    for lnum in [1, 2] {
        let leb = match fs.leb(lnum) {
            Ok(l) => l,
            Err(e) => {
                ctx.warn(
                    warning_code(&e),
                    fs.pos(lnum, 0),
                    format!("master LEB: {e}"),
                );
                continue;
            }
        };
        let mut offs = 0;
        while let Some(node) = leb.get(offs..offs + MST_NODE) {
            let at = fs.pos(lnum, offs as u32);
            let Some(h) = header(node) else { break };
            if h.node_type != MST || h.len as usize != MST_NODE {
                ctx.warn(
                    WarningCode::Corrupt,
                    at,
                    format!(
                        "LEB {lnum}:{offs}: node type {} in the master area",
                        h.node_type
                    ),
                );
                break;
            }
            if !node_crc_ok(node) {
                ctx.warn(
                    WarningCode::BadChecksum,
                    at + 4,
                    format!("master node at LEB {lnum}:{offs}: bad CRC; ignored"),
                );
            } else if best.is_none_or(|b| h.sqnum > b.sqnum) {
                best = Some(Master {
                    sqnum: h.sqnum,
                    cmt_no: le64(node, 32),
                    root: Branch {
                        lnum: le32(node, 48),
                        offs: le32(node, 52),
                        len: le32(node, 56),
                    },
                });
            }
            offs += step;
        }
    }
    best.ok_or_else(|| {
        Error::corrupt(
            F,
            fs.pos(1, 0),
            "no master node with a valid CRC in LEBs 1 and 2",
        )
    })
}

/// Warns when the log refers to journal nodes written after the last commit: those changes
/// are not in the index, and this reader does not replay the journal.
fn check_journal(fs: &Fs, sb: &Superblock, mst: &Master, ctx: &mut OpenCtx<'_>) -> Result<()> {
    let align = sb.min_io.max(8) as usize;
    let last = LOG_LNUM
        .saturating_add(sb.log_lebs.min(1024))
        .min(sb.leb_cnt);
    let mut cs_sqnum: Option<u64> = None;
    let mut refs: Vec<(u64, Branch, u64)> = Vec::new();
    for lnum in LOG_LNUM..last {
        ctx.budget.check_time()?;
        let Ok(leb) = fs.leb(lnum) else { break };
        let mut offs = 0usize;
        while offs + CH <= leb.len() {
            let h = match header(&leb[offs..]) {
                Some(h) if h.len as usize >= CH && offs + h.len as usize <= leb.len() => h,
                _ => {
                    // Padding bytes or free space up to the next I/O unit.
                    offs = (offs + 1).next_multiple_of(align);
                    continue;
                }
            };
            let node = &leb[offs..offs + h.len as usize];
            let at = fs.pos(lnum, offs as u32);
            let mut next = offs + (h.len as usize).next_multiple_of(8);
            if node_crc_ok(node) {
                match h.node_type {
                    CS if node.len() >= CS_NODE && le64(node, 24) == mst.cmt_no => {
                        cs_sqnum = cs_sqnum.max(Some(h.sqnum));
                    }
                    REF if node.len() >= REF_NODE => {
                        let bud = Branch {
                            lnum: le32(node, 24),
                            offs: le32(node, 28),
                            len: 0,
                        };
                        refs.push((h.sqnum, bud, at));
                    }
                    PAD if node.len() >= PAD_NODE => {
                        // Padding up to the next I/O unit: the node, then `pad_len` bytes.
                        next = (offs + node.len()).saturating_add(le32(node, 24) as usize);
                    }
                    _ => {}
                }
            }
            offs = next;
        }
    }
    let mut newer = 0;
    let mut first_at = None;
    for (sqnum, bud, at) in refs {
        if cs_sqnum.is_some_and(|cs| sqnum < cs) || bud.lnum >= fs.leb_cnt {
            continue;
        }
        let pos = fs.pos(bud.lnum, bud.offs);
        let Ok(h) = fs.src.read_vec(pos, CH) else {
            continue;
        };
        let Some(h) = header(&h) else { continue };
        let fresh = (h.len as usize) <= MAX_INO_NODE
            && h.sqnum > mst.sqnum
            && fs
                .src
                .read_vec(pos, h.len as usize)
                .is_ok_and(|n| node_crc_ok(&n));
        if fresh {
            newer += 1;
            first_at.get_or_insert(at);
        }
    }
    if let Some(at) = first_at {
        ctx.warn(
            WarningCode::Unsupported,
            at,
            format!(
                "the log refers to {newer} journal buds with nodes newer than the index; \
                 the journal was not replayed, so the latest changes are missing"
            ),
        );
    }
    Ok(())
}

#[derive(Clone, Debug)]
struct Inode {
    sqnum: u64,
    size: u64,
    mtime: i64,
    nlink: u32,
    uid: u32,
    gid: u32,
    mode: u32,
    data: Vec<u8>,
    at: u64,
}

/// A directory or xattr entry: `parent` is the directory (or the inode owning the xattr).
#[derive(Clone, Debug)]
struct Dirent {
    parent: u64,
    inum: u64,
    name: Vec<u8>,
    at: u64,
}

/// Where one data node is: the file block it holds and its place.
#[derive(Clone, Copy, Debug)]
struct DataRef {
    block: u32,
    node: Branch,
}

#[derive(Default)]
struct Index {
    inodes: HashMap<u64, Inode>,
    dents: Vec<Dirent>,
    xents: Vec<Dirent>,
    data: HashMap<u64, Vec<DataRef>>,
}

struct Walker<'a, 'c> {
    fs: &'a Fs,
    ctx: &'a mut OpenCtx<'c>,
    index: Index,
    node_warnings: usize,
    meta_bytes: u64,
}

impl Walker<'_, '_> {
    fn node_warning(&mut self, code: WarningCode, at: u64, msg: String) {
        self.node_warnings += 1;
        if self.node_warnings <= MAX_NODE_WARNINGS {
            self.ctx.warn(code, at, msg);
        }
    }

    /// Walks the index from its root; returns the root's level.
    fn walk(&mut self, root: Branch) -> Result<u16> {
        let mut visited: HashSet<(u32, u32)> = HashSet::new();
        let mut leaves: HashSet<(u32, u32)> = HashSet::new();
        // (branch, level its parent says it has)
        let mut stack: Vec<(Branch, Option<u16>)> = vec![(root, None)];
        let mut root_level = None;
        let mut steps = 0u64;
        while let Some((br, want_level)) = stack.pop() {
            steps += 1;
            if steps.is_multiple_of(1024) {
                self.ctx.budget.check_time()?;
                self.ctx
                    .budget
                    .check_metadata(self.meta_bytes, "UBIFS index")?;
            }
            let at = self.fs.pos(br.lnum, br.offs);
            if !visited.insert((br.lnum, br.offs)) {
                self.ctx.warn(
                    WarningCode::Cycle,
                    at,
                    format!(
                        "index node at LEB {}:{} is referenced again; not followed",
                        br.lnum, br.offs
                    ),
                );
                continue;
            }
            let node = match self.fs.node(br, self.fs.max_idx) {
                Ok(n) => n,
                Err(e) => {
                    let msg = format!("index node skipped: {e}");
                    if root_level.is_none() {
                        return Err(e);
                    }
                    self.node_warning(warning_code(&e), at, msg);
                    continue;
                }
            };
            let h = header(&node).map_or(0xff, |h| h.node_type);
            if h != IDX || node.len() < IDX_NODE {
                let e = Error::corrupt(
                    F,
                    at,
                    format!(
                        "LEB {}:{} should hold an index node, holds type {h}",
                        br.lnum, br.offs
                    ),
                );
                if root_level.is_none() {
                    return Err(e);
                }
                self.node_warning(WarningCode::Corrupt, at, e.to_string());
                continue;
            }
            let child_cnt = le16(&node, 24) as usize;
            let level = le16(&node, 26);
            match want_level {
                None if level > MAX_LEVELS => {
                    return Err(Error::corrupt(
                        F,
                        at + 26,
                        format!("index root at level {level}"),
                    ));
                }
                None => root_level = Some(level),
                Some(parent) if level >= parent => {
                    self.ctx.warn(
                        WarningCode::Cycle,
                        at + 26,
                        format!(
                            "index node at LEB {}:{} has level {level}, not below its parent's {parent}; not followed",
                            br.lnum, br.offs
                        ),
                    );
                    continue;
                }
                Some(_) => {}
            }
            let room = node.len() - IDX_NODE;
            let bsz = room.checked_div(child_cnt).unwrap_or(0);
            if bsz < BRANCH || !room.is_multiple_of(child_cnt) {
                self.node_warning(
                    WarningCode::Corrupt,
                    at,
                    format!(
                        "index node at LEB {}:{}: {child_cnt} branches in {} bytes",
                        br.lnum,
                        br.offs,
                        node.len()
                    ),
                );
                continue;
            }
            self.meta_bytes += (child_cnt * 16) as u64;
            for b in node[IDX_NODE..].chunks_exact(bsz) {
                let child = Branch {
                    lnum: le32(b, 0),
                    offs: le32(b, 4),
                    len: le32(b, 8),
                };
                let key = [le32(b, 12), le32(b, 16)];
                if level > 0 {
                    stack.push((child, Some(level)));
                } else if leaves.insert((child.lnum, child.offs)) {
                    self.leaf(child, key)?;
                }
            }
        }
        Ok(root_level.unwrap_or(0))
    }

    /// Records a leaf: data nodes by position only, the others parsed now.
    fn leaf(&mut self, br: Branch, key: [u32; 2]) -> Result<()> {
        let at = self.fs.pos(br.lnum, br.offs);
        let inum = key[0] as u64;
        let kind = (key[1] >> 29) as u8;
        let (max, want) = match kind {
            DATA => {
                if !(DATA_NODE..=MAX_DATA_NODE).contains(&(br.len as usize)) {
                    self.node_warning(
                        WarningCode::Corrupt,
                        at,
                        format!(
                            "data node at LEB {}:{} of {} bytes; block read as a hole",
                            br.lnum, br.offs, br.len
                        ),
                    );
                    return Ok(());
                }
                self.meta_bytes += 24;
                self.index.data.entry(inum).or_default().push(DataRef {
                    block: key[1] & 0x1fff_ffff,
                    node: br,
                });
                return Ok(());
            }
            INO => (MAX_INO_NODE, INO),
            DENT => (MAX_DENT_NODE, DENT),
            XENT => (MAX_DENT_NODE, XENT),
            other => {
                self.node_warning(
                    WarningCode::Corrupt,
                    at,
                    format!(
                        "index leaf at LEB {}:{} with key type {other}",
                        br.lnum, br.offs
                    ),
                );
                return Ok(());
            }
        };
        let node = match self.fs.node(br, max) {
            Ok(n) => n,
            Err(e) => {
                self.node_warning(warning_code(&e), at, format!("node skipped: {e}"));
                return Ok(());
            }
        };
        let h = header(&node).map_or(0xff, |h| h.node_type);
        let min = if want == INO { INO_NODE } else { DENT_NODE };
        if h != want || node.len() < min || le32(&node, 24) != key[0] {
            self.node_warning(
                WarningCode::Corrupt,
                at,
                format!(
                    "node at LEB {}:{} (type {h}) does not match its index key",
                    br.lnum, br.offs
                ),
            );
            return Ok(());
        }
        let sqnum = le64(&node, 8);
        self.meta_bytes += node.len() as u64;
        if want == INO {
            let data_len = le32(&node, 112) as usize;
            let data = node
                .get(INO_NODE..INO_NODE.saturating_add(data_len))
                .map(<[u8]>::to_vec);
            let Some(data) = data else {
                self.node_warning(
                    WarningCode::Corrupt,
                    at,
                    format!("inode {inum}: {data_len} bytes of data do not fit its node"),
                );
                return Ok(());
            };
            let ino = Inode {
                sqnum,
                size: le64(&node, 48),
                mtime: le64(&node, 72) as i64,
                nlink: le32(&node, 92),
                uid: le32(&node, 96),
                gid: le32(&node, 100),
                mode: le32(&node, 104),
                data,
                at,
            };
            match self.index.inodes.get(&inum) {
                Some(old) if old.sqnum >= sqnum => {}
                _ => {
                    self.index.inodes.insert(inum, ino);
                }
            }
            return Ok(());
        }
        let target = le64(&node, 40);
        let nlen = le16(&node, 50) as usize;
        let Some(name) = node.get(DENT_NODE..DENT_NODE + nlen) else {
            self.node_warning(
                WarningCode::Corrupt,
                at,
                format!(
                    "entry at LEB {}:{}: name runs past its node",
                    br.lnum, br.offs
                ),
            );
            return Ok(());
        };
        if target == 0 {
            return Ok(()); // a deletion entry
        }
        let d = Dirent {
            parent: inum,
            inum: target,
            name: name.to_vec(),
            at,
        };
        if want == DENT {
            self.index.dents.push(d);
        } else {
            self.index.xents.push(d);
        }
        Ok(())
    }
}

const S_IFMT: u32 = 0o170000;

fn kind_of(mode: u32) -> Option<EntryKind> {
    Some(match mode & S_IFMT {
        0o040000 => EntryKind::Dir,
        0o100000 => EntryKind::File,
        0o120000 => EntryKind::Symlink,
        0o020000 => EntryKind::CharDevice,
        0o060000 => EntryKind::BlockDevice,
        0o010000 => EntryKind::Fifo,
        0o140000 => EntryKind::Socket,
        _ => return None,
    })
}

/// Linux's "new" (and "huge") device encoding.
fn decode_dev(data: &[u8]) -> Option<(u32, u32)> {
    let dev = match data.len() {
        4 => le32(data, 0),
        8 => le64(data, 0) as u32,
        _ => return None,
    };
    Some(((dev & 0xfff00) >> 8, (dev & 0xff) | ((dev >> 12) & 0xfff00)))
}

/// Builds the entries from the root directory down.
fn build_entries(fs: &Arc<Fs>, index: Index, ctx: &mut OpenCtx<'_>) -> Result<Vec<RawEntry>> {
    let Index {
        inodes,
        dents,
        xents,
        mut data,
    } = index;
    let root = inodes
        .get(&ROOT_INO)
        .ok_or_else(|| Error::corrupt(F, 0, "root inode (1) is not in the index"))?;
    if kind_of(root.mode) != Some(EntryKind::Dir) {
        return Err(Error::corrupt(
            F,
            root.at,
            "root inode (1) is not a directory",
        ));
    }
    let mut xattrs: HashMap<u64, Vec<(String, Vec<u8>)>> = HashMap::new();
    for x in &xents {
        match inodes.get(&x.inum) {
            Some(ino) => xattrs
                .entry(x.parent)
                .or_default()
                .push((escape_bytes(&x.name), ino.data.clone())),
            None => ctx.warn(
                WarningCode::Corrupt,
                x.at,
                format!(
                    "xattr {:?} of inode {}: value inode {} is not in the index",
                    escape_bytes(&x.name),
                    x.parent,
                    x.inum
                ),
            ),
        }
    }
    for list in xattrs.values_mut() {
        list.sort();
    }
    let mut children: BTreeMap<u64, Vec<&Dirent>> = BTreeMap::new();
    for d in &dents {
        children.entry(d.parent).or_default().push(d);
    }
    for list in children.values_mut() {
        list.sort_by(|a, b| a.name.cmp(&b.name));
    }
    let limit = ctx.budget.limits().max_entries as usize;
    let mut entries = Vec::new();
    let mut files: HashMap<u64, Arc<FileData>> = HashMap::new();
    let mut visited: HashSet<u64> = HashSet::from([ROOT_INO]);
    let mut stack: Vec<(u64, Vec<u8>, usize)> = vec![(ROOT_INO, Vec::new(), 0)];
    while let Some((dir, path, depth)) = stack.pop() {
        if depth > MAX_DIR_DEPTH {
            ctx.warn(WarningCode::Corrupt, 0, "directories nested too deeply");
            continue;
        }
        for d in children.get(&dir).map(Vec::as_slice).unwrap_or_default() {
            if d.name.is_empty() || d.name == b"." || d.name == b".." {
                ctx.warn(
                    WarningCode::UnsafeName,
                    d.at,
                    "directory entry named `.`, `..` or nothing skipped",
                );
                continue;
            }
            let mut child = path.clone();
            if !child.is_empty() {
                child.push(b'/');
            }
            child.extend(fs_component(&d.name));
            let Some(ino) = inodes.get(&d.inum) else {
                ctx.warn(
                    WarningCode::Corrupt,
                    d.at,
                    format!(
                        "{}: inode {} is not in the index",
                        escape_bytes(&child),
                        d.inum
                    ),
                );
                continue;
            };
            let Some(kind) = kind_of(ino.mode) else {
                ctx.warn(
                    WarningCode::Corrupt,
                    ino.at,
                    format!("{}: file type {:o}", escape_bytes(&child), ino.mode),
                );
                continue;
            };
            let mut e = RawEntry::new(child.clone(), kind);
            e.mode = ino.mode & 0o7777;
            e.uid = ino.uid;
            e.gid = ino.gid;
            e.mtime = ino.mtime;
            e.offset = ino.at;
            e.xattrs = xattrs.get(&d.inum).cloned().unwrap_or_default();
            match kind {
                EntryKind::Dir => {
                    if !visited.insert(d.inum) {
                        ctx.warn(
                            WarningCode::Cycle,
                            d.at,
                            format!(
                                "{}: directory inode {} is already listed elsewhere; not followed",
                                escape_bytes(&child),
                                d.inum
                            ),
                        );
                        continue;
                    }
                    stack.push((d.inum, child, depth + 1));
                }
                EntryKind::File => {
                    if ino.size > MAX_FILE_SIZE {
                        // Linux file sizes are signed 64-bit; beyond that the inode is junk.
                        ctx.warn(
                            WarningCode::Corrupt,
                            ino.at + 48,
                            format!("{}: size {} bytes", escape_bytes(&child), ino.size),
                        );
                        continue;
                    }
                    e.size = ino.size;
                    if ino.nlink > 1 {
                        e.inode = Some(d.inum);
                    }
                    if ino.size > 0 {
                        // Every name of a hard-linked inode shares one block list.
                        let file = files.entry(d.inum).or_insert_with(|| {
                            let mut blocks = data.remove(&d.inum).unwrap_or_default();
                            blocks.sort_by_key(|b| b.block);
                            blocks.dedup_by_key(|b| b.block);
                            Arc::new(FileData {
                                fs: fs.clone(),
                                inum: d.inum,
                                size: ino.size,
                                blocks,
                            })
                        });
                        e.data = Data::Coded(file.clone());
                    }
                }
                EntryKind::Symlink => {
                    e.size = ino.data.len() as u64;
                    e.link_target = Some(ino.data.clone());
                }
                EntryKind::CharDevice | EntryKind::BlockDevice => match decode_dev(&ino.data) {
                    Some(dev) => e.device = Some(dev),
                    None => ctx.warn(
                        WarningCode::Corrupt,
                        ino.at,
                        format!(
                            "{}: device number of {} bytes",
                            escape_bytes(&child),
                            ino.data.len()
                        ),
                    ),
                },
                _ => {}
            }
            entries.push(e);
            if entries.len() > limit {
                return Ok(entries);
            }
        }
    }
    Ok(entries)
}

/// A regular file's data nodes.
struct FileData {
    fs: Arc<Fs>,
    inum: u64,
    size: u64,
    /// Sorted by block, one per block; blocks not listed are holes.
    blocks: Vec<DataRef>,
}

impl FileData {
    /// Decodes the data node of one block into `out` (at most [`BLOCK`] bytes).
    fn decode(&self, r: DataRef, out: &mut Vec<u8>) -> Result<()> {
        let node = self.fs.node(r.node, MAX_DATA_NODE)?;
        let at = self.fs.pos(r.node.lnum, r.node.offs);
        let h = header(&node).map_or(0xff, |h| h.node_type);
        if h != DATA
            || node.len() < DATA_NODE
            || le32(&node, 24) as u64 != self.inum
            || le32(&node, 28) & 0x1fff_ffff != r.block
        {
            return Err(Error::corrupt(
                F,
                at,
                format!(
                    "node at LEB {}:{} is not data block {} of inode {}",
                    r.node.lnum, r.node.offs, r.block, self.inum
                ),
            ));
        }
        let size = le32(&node, 40) as usize;
        let compr = le16(&node, 44);
        if size > BLOCK {
            return Err(Error::corrupt(
                F,
                at + 40,
                format!("data node says it holds {size} bytes"),
            ));
        }
        let payload = &node[DATA_NODE..];
        if compr == 0 {
            let raw = payload.get(..size).ok_or_else(|| {
                Error::corrupt(
                    F,
                    at,
                    format!("data node holds {} bytes, says {size}", payload.len()),
                )
            })?;
            out.clear();
            out.extend_from_slice(raw);
            return Ok(());
        }
        let codec =
            codec_of(compr).ok_or_else(|| Error::unsupported(F, at + 44, compr_name(compr)))?;
        codec
            .decompress(payload, out, BLOCK, Some(size))
            .map_err(|e| Error::corrupt(F, at, format!("data node ({}): {e}", codec.name())))?;
        if out.len() != size {
            return Err(Error::corrupt(
                F,
                at,
                format!("data node decodes to {} bytes, says {size}", out.len()),
            ));
        }
        Ok(())
    }
}

impl Content for FileData {
    fn open(&self) -> Result<Box<dyn Read + Send + '_>> {
        Ok(Box::new(FileReader {
            file: self,
            next: 0,
            buf: Vec::with_capacity(BLOCK),
            buf_pos: 0,
            produced: 0,
        }))
    }
}

struct FileReader<'a> {
    file: &'a FileData,
    /// Index of the next data node in `file.blocks`.
    next: usize,
    buf: Vec<u8>,
    buf_pos: usize,
    produced: u64,
}

impl FileReader<'_> {
    fn refill(&mut self) -> Result<bool> {
        let f = self.file;
        let remaining = f.size - self.produced;
        if remaining == 0 {
            return Ok(false);
        }
        let block = self.produced / BLOCK as u64;
        let want = remaining.min(BLOCK as u64) as usize;
        while f
            .blocks
            .get(self.next)
            .is_some_and(|b| (b.block as u64) < block)
        {
            self.next += 1;
        }
        self.buf_pos = 0;
        match f.blocks.get(self.next) {
            Some(&r) if r.block as u64 == block => {
                f.decode(r, &mut self.buf)?;
                self.next += 1;
                // A short block is followed by zeros up to the block size.
                self.buf.resize(want, 0);
            }
            _ => {
                self.buf.clear();
                self.buf.resize(want, 0);
            }
        }
        Ok(true)
    }
}

impl Read for FileReader<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.buf_pos >= self.buf.len() && !self.refill().map_err(io_error)? {
            return Ok(0);
        }
        let n = out.len().min(self.buf.len() - self.buf_pos);
        out[..n].copy_from_slice(&self.buf[self.buf_pos..self.buf_pos + n]);
        self.buf_pos += n;
        self.produced += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_numbers_use_the_new_encoding() {
        // major 8, minor 0x12345: minor's high bits above the major.
        let dev: u32 = 0x45 | (8 << 8) | (0x123 << 20);
        assert_eq!(decode_dev(&dev.to_le_bytes()), Some((8, 0x12345)));
        assert_eq!(decode_dev(&(dev as u64).to_le_bytes()), Some((8, 0x12345)));
        assert_eq!(decode_dev(&[1, 2, 3]), None);
    }

    #[test]
    fn file_types_come_from_the_mode() {
        assert_eq!(kind_of(0o100644), Some(EntryKind::File));
        assert_eq!(kind_of(0o120777), Some(EntryKind::Symlink));
        assert_eq!(kind_of(0o060660), Some(EntryKind::BlockDevice));
        assert_eq!(kind_of(0o644), None);
    }

    #[test]
    fn node_crc_skips_magic_and_crc_fields() {
        let mut n = vec![0u8; 32];
        n[..4].copy_from_slice(&MAGIC);
        let c = !crc32fast::hash(&n[8..]);
        n[4..8].copy_from_slice(&c.to_le_bytes());
        assert!(node_crc_ok(&n));
        n[20] ^= 1;
        assert!(!node_crc_ok(&n));
    }
}
