//! ext2, ext3 and ext4, read natively and read-only.
//!
//! Block groups with 32- and 64-byte descriptors (and `meta_bg`), inodes of any size, file
//! data through extent trees or classic direct/indirect block maps (holes and uninitialised
//! extents read as zeros), inline data, fast and slow symlinks, linear and hashed (htree)
//! directories, device nodes, hard links, 32-bit owners, extended attributes in the inode,
//! in an xattr block and in EA inodes (POSIX ACLs are converted to the form `getfattr`
//! shows). With `metadata_csum` the superblock, group descriptor, inode, directory block and
//! xattr block checksums are verified (a mismatch is a warning; the data is still listed);
//! with `uninit_bg` the group descriptor CRC16s are. Extent block and htree node checksums
//! are not checked.
//!
//! The journal is not replayed: a filesystem that was not unmounted cleanly is listed as its
//! main structures stand. Encrypted (fscrypt) files and directories are listed with their
//! ciphertext names and content, and e2compr compression is not decoded; both are warned
//! about.
//!
//! Nothing but directories and inodes is read while listing; file content is mapped and read
//! block by block when it is opened, so files can be read in parallel.

use std::collections::{HashMap, HashSet};
use std::io::{self, Read};
use std::sync::Arc;

use netvet_model::{EntryKind, WarningCode};

use crate::error::{Error, Result};
use crate::format::{
    Content, Data, Format, Magic, OpenCtx, Opened, Probe, RawEntry,
    bytes::{le16, le32},
    io_error,
};
use crate::names::{escape_bytes, fs_component};
use crate::source::{MemSource, Source, SourceExt, SourceRef, slice};

const F: &str = "ext";
/// The superblock is 1024 bytes at byte 1024 of the filesystem, whatever the block size.
const SB_AT: u64 = 1024;
const SB_LEN: usize = 1024;
const MAGIC: u16 = 0xef53;
const ROOT_INO: u32 = 2;
/// Directory nesting deeper than this is treated as hostile.
const MAX_DIR_DEPTH: usize = 512;
/// The kernel never builds extent trees deeper than this.
const MAX_EXTENT_DEPTH: u16 = 5;
/// `i_block`: 60 bytes at 0x28 of the inode.
const I_BLOCK: usize = 0x28;
const I_BLOCK_LEN: usize = 60;
/// Warnings kept per image; more are counted and summarised.
const MAX_WARNINGS: usize = 500;
/// Largest symlink target or xattr value read into memory.
const MAX_SMALL_READ: u64 = 1 << 20;

mod feature {
    pub const COMPAT_HAS_JOURNAL: u32 = 0x4;
    pub const COMPAT_SPARSE_SUPER2: u32 = 0x200;

    pub const INCOMPAT_COMPRESSION: u32 = 0x1;
    pub const INCOMPAT_FILETYPE: u32 = 0x2;
    pub const INCOMPAT_RECOVER: u32 = 0x4;
    pub const INCOMPAT_JOURNAL_DEV: u32 = 0x8;
    pub const INCOMPAT_META_BG: u32 = 0x10;
    pub const INCOMPAT_EXTENTS: u32 = 0x40;
    pub const INCOMPAT_64BIT: u32 = 0x80;
    pub const INCOMPAT_MMP: u32 = 0x100;
    pub const INCOMPAT_FLEX_BG: u32 = 0x200;
    pub const INCOMPAT_EA_INODE: u32 = 0x400;
    pub const INCOMPAT_DIRDATA: u32 = 0x1000;
    pub const INCOMPAT_CSUM_SEED: u32 = 0x2000;
    pub const INCOMPAT_LARGEDIR: u32 = 0x4000;
    pub const INCOMPAT_INLINE_DATA: u32 = 0x8000;
    pub const INCOMPAT_ENCRYPT: u32 = 0x10000;
    pub const INCOMPAT_CASEFOLD: u32 = 0x20000;
    /// Everything this reader understands (or knows to be harmless for reading).
    pub const INCOMPAT_KNOWN: u32 = INCOMPAT_COMPRESSION
        | INCOMPAT_FILETYPE
        | INCOMPAT_RECOVER
        | INCOMPAT_JOURNAL_DEV
        | INCOMPAT_META_BG
        | INCOMPAT_EXTENTS
        | INCOMPAT_64BIT
        | INCOMPAT_MMP
        | INCOMPAT_FLEX_BG
        | INCOMPAT_EA_INODE
        | INCOMPAT_DIRDATA
        | INCOMPAT_CSUM_SEED
        | INCOMPAT_LARGEDIR
        | INCOMPAT_INLINE_DATA
        | INCOMPAT_ENCRYPT
        | INCOMPAT_CASEFOLD;

    pub const RO_SPARSE_SUPER: u32 = 0x1;
    pub const RO_HUGE_FILE: u32 = 0x8;
    pub const RO_GDT_CSUM: u32 = 0x10;
    pub const RO_DIR_NLINK: u32 = 0x20;
    pub const RO_EXTRA_ISIZE: u32 = 0x40;
    pub const RO_BIGALLOC: u32 = 0x200;
    pub const RO_METADATA_CSUM: u32 = 0x400;
}

mod iflag {
    pub const COMPR: u32 = 0x4;
    pub const ENCRYPT: u32 = 0x800;
    pub const EXTENTS: u32 = 0x80000;
    pub const EA_INODE: u32 = 0x200000;
    pub const INLINE_DATA: u32 = 0x1000_0000;
}

/// The ext2/3/4 reader.
pub struct Ext;

/// The superblock fields this reader uses, validated.
#[derive(Clone, Debug)]
struct Superblock {
    inodes_count: u32,
    blocks_count: u64,
    first_data_block: u32,
    log_block_size: u32,
    blocks_per_group: u32,
    inodes_per_group: u32,
    inode_size: u16,
    compat: u32,
    incompat: u32,
    ro_compat: u32,
    uuid: [u8; 16],
    volume_name: Vec<u8>,
    desc_size: u16,
    first_meta_bg: u32,
    backup_bgs: [u32; 2],
    checksum_type: u8,
    checksum_seed: u32,
    checksum: u32,
    groups: u64,
}

impl Superblock {
    fn block_size(&self) -> u64 {
        1024 << self.log_block_size
    }

    fn has_incompat(&self, f: u32) -> bool {
        self.incompat & f != 0
    }

    fn has_ro(&self, f: u32) -> bool {
        self.ro_compat & f != 0
    }

    fn metadata_csum(&self) -> bool {
        self.has_ro(feature::RO_METADATA_CSUM)
    }

    /// Bytes the filesystem occupies.
    fn length(&self) -> u64 {
        // Cannot overflow: parse() checked it.
        self.blocks_count.saturating_mul(self.block_size())
    }
}

/// Parses and validates the 1024-byte superblock; on failure returns the offset of the bad
/// field (relative to the superblock) and why.
fn parse_superblock(b: &[u8]) -> std::result::Result<Superblock, (u64, String)> {
    if b.len() < SB_LEN {
        return Err((0, "superblock truncated".into()));
    }
    if le16(b, 0x38) != MAGIC {
        return Err((0x38, "bad magic".into()));
    }
    let log_block_size = le32(b, 0x18);
    if log_block_size > 6 {
        return Err((0x18, format!("block size 2^(10+{log_block_size})")));
    }
    let bs = 1024u64 << log_block_size;
    let rev_level = le32(b, 0x4c);
    if rev_level > 1 {
        return Err((0x4c, format!("revision {rev_level}")));
    }
    let (inode_size, compat, incompat, ro_compat) = if rev_level == 0 {
        (128, 0, 0, 0)
    } else {
        (le16(b, 0x58), le32(b, 0x5c), le32(b, 0x60), le32(b, 0x64))
    };
    if inode_size < 128 || !inode_size.is_power_of_two() || inode_size as u64 > bs {
        return Err((0x58, format!("inode size {inode_size}")));
    }
    let is_64 = incompat & feature::INCOMPAT_64BIT != 0;
    let blocks_count = le32(b, 0x4) as u64
        | if is_64 {
            (le32(b, 0x150) as u64) << 32
        } else {
            0
        };
    let first_data_block = le32(b, 0x14);
    if first_data_block > 1 || first_data_block as u64 >= blocks_count {
        return Err((0x14, format!("first data block {first_data_block}")));
    }
    if blocks_count.checked_mul(bs).is_none_or(|l| l >= 1 << 60) {
        return Err((0x4, format!("{blocks_count} blocks")));
    }
    let blocks_per_group = le32(b, 0x20);
    let clusters_per_group = le32(b, 0x24);
    let log_cluster_size = le32(b, 0x1c);
    if ro_compat & feature::RO_BIGALLOC != 0 {
        if log_cluster_size < log_block_size
            || log_cluster_size > log_block_size + 16
            || clusters_per_group == 0
            || clusters_per_group as u64 > 8 * bs
            || (clusters_per_group as u64) << (log_cluster_size - log_block_size)
                != blocks_per_group as u64
        {
            return Err((0x1c, "inconsistent cluster geometry".into()));
        }
    } else if blocks_per_group == 0 || blocks_per_group as u64 > 8 * bs {
        return Err((0x20, format!("{blocks_per_group} blocks per group")));
    }
    let inodes_per_group = le32(b, 0x28);
    if inodes_per_group < (bs / inode_size as u64) as u32 || inodes_per_group as u64 > 8 * bs {
        return Err((0x28, format!("{inodes_per_group} inodes per group")));
    }
    let groups = (blocks_count - first_data_block as u64).div_ceil(blocks_per_group as u64);
    let inodes_count = le32(b, 0x0);
    if groups.checked_mul(inodes_per_group as u64) != Some(inodes_count as u64) {
        return Err((
            0x0,
            format!("{inodes_count} inodes do not fill {groups} groups of {inodes_per_group}"),
        ));
    }
    let desc_size = if is_64 {
        let d = le16(b, 0xfe);
        if !(64..=1024).contains(&d) || !d.is_power_of_two() {
            return Err((0xfe, format!("group descriptor size {d}")));
        }
        d
    } else {
        32
    };
    let mut uuid = [0u8; 16];
    uuid.copy_from_slice(&b[0x68..0x78]);
    Ok(Superblock {
        inodes_count,
        blocks_count,
        first_data_block,
        log_block_size,
        blocks_per_group,
        inodes_per_group,
        inode_size,
        compat,
        incompat,
        ro_compat,
        uuid,
        volume_name: crate::format::bytes::cstr(&b[0x78..0x88]).to_vec(),
        desc_size,
        first_meta_bg: le32(b, 0x104),
        backup_bgs: [le32(b, 0x24c), le32(b, 0x250)],
        checksum_type: b[0x175],
        checksum_seed: le32(b, 0x270),
        checksum: le32(b, 0x3fc),
        groups,
    })
}

fn describe(sb: &Superblock) -> String {
    let ext4_incompat = feature::INCOMPAT_EXTENTS
        | feature::INCOMPAT_64BIT
        | feature::INCOMPAT_FLEX_BG
        | feature::INCOMPAT_INLINE_DATA
        | feature::INCOMPAT_EA_INODE
        | feature::INCOMPAT_LARGEDIR
        | feature::INCOMPAT_ENCRYPT
        | feature::INCOMPAT_CASEFOLD
        | feature::INCOMPAT_CSUM_SEED
        | feature::INCOMPAT_MMP;
    let ext4_ro = feature::RO_HUGE_FILE
        | feature::RO_GDT_CSUM
        | feature::RO_DIR_NLINK
        | feature::RO_EXTRA_ISIZE
        | feature::RO_BIGALLOC
        | feature::RO_METADATA_CSUM;
    let journal = sb.compat & feature::COMPAT_HAS_JOURNAL != 0;
    let kind = if sb.incompat & ext4_incompat != 0 || sb.ro_compat & ext4_ro != 0 {
        "ext4"
    } else if journal {
        "ext3"
    } else {
        "ext2"
    };
    let mut s = format!(
        "{kind} filesystem, {}-byte blocks, {} blocks in {} groups, {} inodes of {} bytes",
        sb.block_size(),
        sb.blocks_count,
        sb.groups,
        sb.inodes_count,
        sb.inode_size
    );
    if !sb.volume_name.is_empty() {
        s.push_str(&format!(", label {:?}", escape_bytes(&sb.volume_name)));
    }
    let mut feats = Vec::new();
    for (on, name) in [
        (sb.has_incompat(feature::INCOMPAT_EXTENTS), "extents"),
        (sb.has_incompat(feature::INCOMPAT_64BIT), "64bit"),
        (
            sb.has_incompat(feature::INCOMPAT_INLINE_DATA),
            "inline_data",
        ),
        (sb.has_incompat(feature::INCOMPAT_META_BG), "meta_bg"),
        (sb.has_incompat(feature::INCOMPAT_EA_INODE), "ea_inode"),
        (sb.has_incompat(feature::INCOMPAT_ENCRYPT), "encrypt"),
        (sb.has_incompat(feature::INCOMPAT_CASEFOLD), "casefold"),
        (sb.has_ro(feature::RO_BIGALLOC), "bigalloc"),
        (sb.metadata_csum(), "metadata_csum"),
    ] {
        if on {
            feats.push(name);
        }
    }
    if !feats.is_empty() {
        s.push_str(&format!(" ({})", feats.join(", ")));
    }
    if journal {
        s.push_str("; journal not replayed");
    }
    s
}

impl Format for Ext {
    fn id(&self) -> &'static str {
        F
    }

    fn extension(&self) -> &'static str {
        "img"
    }

    fn magics(&self) -> &'static [Magic] {
        // Two bytes are weak: only filesystems starting on a sector boundary are carved.
        const {
            &[Magic {
                at: SB_AT + 0x38,
                bytes: &[0x53, 0xef],
                align: 512,
            }]
        }
    }

    fn probe(&self, src: &dyn Source, offset: u64) -> Option<Probe> {
        let b = src.read_vec(offset.checked_add(SB_AT)?, SB_LEN).ok()?;
        let sb = parse_superblock(&b).ok()?;
        Some(Probe {
            length: Some(sb.length()),
            description: describe(&sb),
        })
    }

    fn open(&self, src: SourceRef, ctx: &mut OpenCtx<'_>) -> Result<Opened> {
        let b = src
            .read_vec(SB_AT, SB_LEN)
            .map_err(|e| Error::read(F, SB_AT, e))?;
        let sb = parse_superblock(&b).map_err(|(at, why)| Error::corrupt(F, SB_AT + at, why))?;
        if sb.has_incompat(feature::INCOMPAT_JOURNAL_DEV) {
            return Err(Error::unsupported(
                F,
                SB_AT + 0x60,
                "external journal device (holds no files)",
            ));
        }
        check_features(&sb, &b, ctx);
        let length = sb.length();
        if length > src.len() {
            ctx.warn(
                WarningCode::Truncated,
                SB_AT + 0x4,
                format!("superblock says {length} bytes, only {} present", src.len()),
            );
        }
        let fs = Arc::new(Fs {
            src: slice(&src, 0, length),
            bs: sb.block_size(),
            blocks: sb.blocks_count,
        });
        let csum_seed = sb.metadata_csum().then(|| {
            if sb.has_incompat(feature::INCOMPAT_CSUM_SEED) {
                sb.checksum_seed
            } else {
                crc32c(!0, &sb.uuid)
            }
        });
        let description = describe(&sb);
        let mut walker = Walker {
            fs: &fs,
            sb: &sb,
            csum_seed,
            ctx,
            groups: HashMap::new(),
            xattr_blocks: HashMap::new(),
            dir_bytes: 0,
            warned: 0,
            suppressed: 0,
            encrypted: 0,
            compressed: 0,
        };
        let entries = walker.walk()?;
        walker.finish();
        Ok(Opened::Archive {
            description,
            length,
            entries,
        })
    }
}

/// Warns about features that change what the listing means.
fn check_features(sb: &Superblock, raw: &[u8], ctx: &mut OpenCtx<'_>) {
    let unknown = sb.incompat & !feature::INCOMPAT_KNOWN;
    if unknown != 0 {
        ctx.warn(
            WarningCode::Unsupported,
            SB_AT + 0x60,
            format!("unknown incompatible features {unknown:#x}; the listing may be wrong"),
        );
    }
    if sb.has_incompat(feature::INCOMPAT_RECOVER) {
        ctx.warn(
            WarningCode::Unsupported,
            SB_AT + 0x60,
            "the journal needs recovery and is not replayed; recent changes may be missing",
        );
    }
    if sb.has_incompat(feature::INCOMPAT_ENCRYPT) {
        ctx.warn(
            WarningCode::Unsupported,
            SB_AT + 0x60,
            "filesystem supports encryption; encrypted names and content are listed as ciphertext",
        );
    }
    if sb.has_incompat(feature::INCOMPAT_COMPRESSION) {
        ctx.warn(
            WarningCode::Unsupported,
            SB_AT + 0x60,
            "e2compr compression is not decoded; compressed files are listed raw",
        );
    }
    if sb.has_incompat(feature::INCOMPAT_DIRDATA) {
        ctx.warn(
            WarningCode::Unsupported,
            SB_AT + 0x60,
            "Lustre dirdata: extra directory entry data is ignored",
        );
    }
    if sb.metadata_csum() {
        if sb.checksum_type != 1 {
            ctx.warn(
                WarningCode::Unsupported,
                SB_AT + 0x175,
                format!("checksum type {}; checksums not verified", sb.checksum_type),
            );
        } else {
            let want = crc32c(!0, &raw[..0x3fc]);
            if want != sb.checksum {
                ctx.warn(
                    WarningCode::BadChecksum,
                    SB_AT + 0x3fc,
                    format!(
                        "superblock checksum {:#010x}, computed {want:#010x}",
                        sb.checksum
                    ),
                );
            }
        }
    }
}

/// What content readers need: the image and its geometry.
struct Fs {
    src: SourceRef,
    bs: u64,
    blocks: u64,
}

impl Fs {
    /// Byte offset of a block that must lie inside the filesystem.
    fn block_offset(&self, block: u64, at: u64) -> Result<u64> {
        if block >= self.blocks {
            return Err(Error::corrupt(
                F,
                at,
                format!(
                    "block {block} beyond the filesystem's {} blocks",
                    self.blocks
                ),
            ));
        }
        Ok(block * self.bs)
    }

    /// Reads one whole block.
    fn read_block(&self, block: u64, at: u64) -> Result<Vec<u8>> {
        let off = self.block_offset(block, at)?;
        self.src
            .read_vec(off, self.bs as usize)
            .map_err(|e| Error::read(F, off, e))
    }
}

/// How an inode maps its logical blocks: the 60 bytes of `i_block`.
#[derive(Clone)]
enum Layout {
    Extents([u8; I_BLOCK_LEN]),
    Blocks([u32; 15]),
}

impl Layout {
    fn of(i_block: &[u8], flags: u32) -> Layout {
        let mut raw = [0u8; I_BLOCK_LEN];
        raw.copy_from_slice(&i_block[..I_BLOCK_LEN]);
        if flags & iflag::EXTENTS != 0 {
            Layout::Extents(raw)
        } else {
            let mut p = [0u32; 15];
            for (i, v) in p.iter_mut().enumerate() {
                *v = le32(&raw, i * 4);
            }
            Layout::Blocks(p)
        }
    }
}

/// A stretch of logical blocks that is either stored contiguously or a hole.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Run {
    /// First logical block.
    start: u64,
    /// Number of blocks (at least 1).
    len: u64,
    /// Physical block of `start`, or `None` for a hole or an uninitialised extent.
    phys: Option<u64>,
}

impl Run {
    fn contains(&self, lblk: u64) -> bool {
        lblk >= self.start && lblk - self.start < self.len
    }
}

/// One node of an extent tree, parsed.
enum Node {
    /// (first logical block, child node block).
    Index(Vec<(u32, u64)>),
    /// (first logical block, length, initialised, first physical block).
    Leaf(Vec<(u32, u32, bool, u64)>),
}

/// Parses an extent node; `want_depth` is the depth its parent implies.
fn parse_node(b: &[u8], want_depth: Option<u16>, at: u64) -> Result<(u16, Node)> {
    if b.len() < 12 || le16(b, 0) != 0xf30a {
        return Err(Error::corrupt(F, at, "extent node without its magic"));
    }
    let entries = le16(b, 2) as usize;
    let max = le16(b, 4) as usize;
    let depth = le16(b, 6);
    if entries > max || 12 + max * 12 > b.len() {
        return Err(Error::corrupt(
            F,
            at,
            format!("extent node with {entries} of {max} entries"),
        ));
    }
    if depth > MAX_EXTENT_DEPTH {
        return Err(Error::corrupt(F, at, format!("extent tree depth {depth}")));
    }
    if let Some(want) = want_depth
        && depth != want
    {
        return Err(Error::Cycle {
            format: F,
            offset: at,
            what: format!("extent node has depth {depth} where its parent implies {want}"),
        });
    }
    let items = b[12..12 + entries * 12].chunks_exact(12);
    let node = if depth == 0 {
        Node::Leaf(
            items
                .map(|e| {
                    let len = le16(e, 4) as u32;
                    let (len, init) = if len > 32768 {
                        (len - 32768, false)
                    } else {
                        (len, true)
                    };
                    let start = (le16(e, 6) as u64) << 32 | le32(e, 8) as u64;
                    (le32(e, 0), len, init, start)
                })
                .collect(),
        )
    } else {
        Node::Index(
            items
                .map(|e| (le32(e, 0), (le16(e, 8) as u64) << 32 | le32(e, 4) as u64))
                .collect(),
        )
    };
    Ok((depth, node))
}

/// Resolves logical blocks of one inode to runs, reading tree nodes and indirect blocks as
/// needed (a few recent ones are cached).
struct Mapper<'a> {
    fs: &'a Fs,
    root: MapRoot,
    /// Where the inode is, for messages.
    at: u64,
    nodes: Vec<((u64, u16), Arc<Node>)>,
    pointers: Vec<(u64, Arc<Vec<u32>>)>,
}

enum MapRoot {
    Extents(u16, Arc<Node>),
    Blocks([u32; 15]),
}

const CACHE_SLOTS: usize = 8;

impl<'a> Mapper<'a> {
    fn new(fs: &'a Fs, layout: &Layout, at: u64) -> Result<Mapper<'a>> {
        let root = match layout {
            Layout::Extents(raw) => {
                let (depth, node) = parse_node(raw, None, at + I_BLOCK as u64)?;
                MapRoot::Extents(depth, Arc::new(node))
            }
            Layout::Blocks(p) => MapRoot::Blocks(*p),
        };
        Ok(Mapper {
            fs,
            root,
            at,
            nodes: Vec::new(),
            pointers: Vec::new(),
        })
    }

    /// The run that contains logical block `lblk`.
    fn run_at(&mut self, lblk: u64) -> Result<Run> {
        match &self.root {
            MapRoot::Extents(depth, node) => {
                let (depth, node) = (*depth, node.clone());
                self.extent_run(lblk, depth, node)
            }
            MapRoot::Blocks(p) => {
                let p = *p;
                self.block_run(lblk, &p)
            }
        }
    }

    fn extent_run(&mut self, lblk: u64, mut depth: u16, mut node: Arc<Node>) -> Result<Run> {
        let mut bound = u64::MAX;
        // Depth strictly decreases, so this visits at most MAX_EXTENT_DEPTH + 1 nodes.
        loop {
            match &*node {
                Node::Leaf(extents) => {
                    let mut next = bound;
                    for &(first, len, init, start) in extents {
                        let first = first as u64;
                        let end = first + len as u64;
                        if first <= lblk && lblk < end {
                            let phys = init.then(|| start.saturating_add(lblk - first));
                            return Ok(Run {
                                start: lblk,
                                len: end - lblk,
                                phys,
                            });
                        }
                        if first > lblk {
                            next = next.min(first);
                        }
                    }
                    return Ok(hole(lblk, next));
                }
                Node::Index(children) => {
                    let mut best: Option<(u32, u64)> = None;
                    let mut next = bound;
                    for &(first, child) in children {
                        if first as u64 <= lblk {
                            if best.is_none_or(|(b, _)| first >= b) {
                                best = Some((first, child));
                            }
                        } else {
                            next = next.min(first as u64);
                        }
                    }
                    let Some((_, child)) = best else {
                        return Ok(hole(lblk, next));
                    };
                    if depth == 0 {
                        return Err(Error::corrupt(F, self.at, "extent index at depth 0"));
                    }
                    bound = next;
                    depth -= 1;
                    node = self.node(child, depth)?;
                }
            }
        }
    }

    fn node(&mut self, block: u64, depth: u16) -> Result<Arc<Node>> {
        // Keyed by depth too, so a node met again at another depth is parsed (and refused).
        if let Some((_, n)) = self.nodes.iter().find(|(k, _)| *k == (block, depth)) {
            return Ok(n.clone());
        }
        let raw = self.fs.read_block(block, self.at)?;
        let at = block * self.fs.bs;
        let (_, node) = parse_node(&raw, Some(depth), at)?;
        let node = Arc::new(node);
        if self.nodes.len() >= CACHE_SLOTS {
            self.nodes.remove(0);
        }
        self.nodes.push(((block, depth), node.clone()));
        Ok(node)
    }

    fn pointer_block(&mut self, block: u64) -> Result<Arc<Vec<u32>>> {
        if let Some((_, p)) = self.pointers.iter().find(|(b, _)| *b == block) {
            return Ok(p.clone());
        }
        let raw = self.fs.read_block(block, self.at)?;
        let ptrs = Arc::new(raw.chunks_exact(4).map(|c| le32(c, 0)).collect::<Vec<_>>());
        if self.pointers.len() >= CACHE_SLOTS {
            self.pointers.remove(0);
        }
        self.pointers.push((block, ptrs.clone()));
        Ok(ptrs)
    }

    fn block_run(&mut self, lblk: u64, root: &[u32; 15]) -> Result<Run> {
        if lblk < 12 {
            return Ok(run_in(&root[..12], lblk as usize, lblk));
        }
        let p = self.fs.bs / 4;
        let mut rem = lblk - 12;
        let mut level = 1u32;
        let mut span = p; // logical blocks under the top pointer at this level
        while rem >= span {
            rem -= span;
            level += 1;
            if level > 3 {
                return Err(Error::corrupt(
                    F,
                    self.at,
                    format!("logical block {lblk} beyond the triple-indirect range"),
                ));
            }
            span = span.saturating_mul(p);
        }
        let mut block = root[11 + level as usize] as u64;
        loop {
            if block == 0 {
                return Ok(hole(lblk, lblk.saturating_add(span - rem)));
            }
            let ptrs = self.pointer_block(block)?;
            span /= p;
            let idx = (rem / span) as usize;
            rem %= span;
            if level == 1 {
                return Ok(run_in(&ptrs, idx, lblk));
            }
            block = ptrs.get(idx).copied().unwrap_or(0) as u64;
            level -= 1;
        }
    }
}

/// A hole from `lblk` up to (not including) `end`, at least one block long.
fn hole(lblk: u64, end: u64) -> Run {
    Run {
        start: lblk,
        len: end.saturating_sub(lblk).max(1),
        phys: None,
    }
}

/// The run of contiguous (or all-zero) pointers starting at `ptrs[idx]`.
fn run_in(ptrs: &[u32], idx: usize, lblk: u64) -> Run {
    let Some(&base) = ptrs.get(idx) else {
        return hole(lblk, lblk + 1);
    };
    let len = ptrs[idx..]
        .iter()
        .enumerate()
        .take_while(|&(k, &v)| {
            if base == 0 {
                v == 0
            } else {
                v as u64 == base as u64 + k as u64
            }
        })
        .count() as u64;
    Run {
        start: lblk,
        len: len.max(1),
        phys: (base != 0).then_some(base as u64),
    }
}

/// A reader over an inode's content.
struct FileReader<'a> {
    mapper: Mapper<'a>,
    size: u64,
    pos: u64,
    run: Option<Run>,
}

impl<'a> FileReader<'a> {
    fn new(fs: &'a Fs, layout: &Layout, size: u64, at: u64) -> Result<FileReader<'a>> {
        Ok(FileReader {
            mapper: Mapper::new(fs, layout, at)?,
            size,
            pos: 0,
            run: None,
        })
    }

    fn read_some(&mut self, out: &mut [u8]) -> Result<usize> {
        if self.pos >= self.size || out.is_empty() {
            return Ok(0);
        }
        let fs = self.mapper.fs;
        let lblk = self.pos / fs.bs;
        let run = match self.run {
            Some(r) if r.contains(lblk) => r,
            _ => {
                let r = self.mapper.run_at(lblk)?;
                if !r.contains(lblk) {
                    return Err(Error::corrupt(
                        F,
                        self.mapper.at,
                        "block map does not advance",
                    ));
                }
                self.run = Some(r);
                r
            }
        };
        let run_end = run.start.saturating_add(run.len).saturating_mul(fs.bs);
        let n = (run_end.min(self.size) - self.pos).min(out.len() as u64) as usize;
        let out = &mut out[..n];
        match run.phys {
            None => out.fill(0),
            Some(phys) => {
                let first = phys.saturating_add(lblk - run.start);
                let last = first.saturating_add((n as u64 - 1 + self.pos % fs.bs) / fs.bs);
                fs.block_offset(last, self.mapper.at)?;
                let off = fs.block_offset(first, self.mapper.at)? + self.pos % fs.bs;
                fs.src
                    .read_exact_at(off, out)
                    .map_err(|e| Error::read(F, off, e))?;
            }
        }
        self.pos += n as u64;
        Ok(n)
    }

    /// Reads the whole content into memory (for small things: symlinks, xattr values).
    fn read_all(mut self, max: u64) -> Result<Vec<u8>> {
        if self.size > max {
            return Err(Error::corrupt(
                F,
                self.mapper.at,
                format!("{} bytes where at most {max} are expected", self.size),
            ));
        }
        let mut out = vec![0u8; self.size as usize];
        let mut done = 0;
        while done < out.len() {
            let n = self.read_some(&mut out[done..])?;
            if n == 0 {
                break;
            }
            done += n;
        }
        Ok(out)
    }
}

impl Read for FileReader<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let cap = out.len().min(1 << 20);
        self.read_some(&mut out[..cap]).map_err(io_error)
    }
}

/// The content of a regular file, mapped when opened.
struct ExtFile {
    fs: Arc<Fs>,
    layout: Layout,
    size: u64,
    at: u64,
}

impl Content for ExtFile {
    fn open(&self) -> Result<Box<dyn Read + Send + '_>> {
        Ok(Box::new(FileReader::new(
            &self.fs,
            &self.layout,
            self.size,
            self.at,
        )?))
    }
}

/// Inline content shorter than the file: the rest is zeros.
struct InlineFile {
    bytes: Vec<u8>,
    size: u64,
}

impl Content for InlineFile {
    fn open(&self) -> Result<Box<dyn Read + Send + '_>> {
        let zeros = self.size.saturating_sub(self.bytes.len() as u64);
        Ok(Box::new(Read::chain(
            &self.bytes[..],
            io::repeat(0).take(zeros),
        )))
    }
}

/// An inode as read from the inode table.
struct Inode {
    ino: u32,
    /// Byte offset of the inode in the image.
    at: u64,
    raw: Vec<u8>,
    mode: u16,
    uid: u32,
    gid: u32,
    size: u64,
    links: u16,
    flags: u32,
    file_acl: u64,
    mtime: i64,
    /// Bytes of the extra fields after the first 128 (0 when absent or invalid).
    extra_isize: usize,
}

impl Inode {
    fn i_block(&self) -> &[u8] {
        &self.raw[I_BLOCK..I_BLOCK + I_BLOCK_LEN]
    }

    fn layout(&self) -> Layout {
        Layout::of(self.i_block(), self.flags)
    }

    fn file_type(&self) -> u16 {
        self.mode & 0xf000
    }
}

/// Seconds since the epoch from a 32-bit time and its `_extra` word (whose low two bits
/// extend the range past 2038).
fn decode_time(secs: u32, extra: Option<u32>) -> i64 {
    let base = secs as i32 as i64;
    match extra {
        Some(x) => base + (((x & 3) as i64) << 32),
        None => base,
    }
}

/// Major and minor numbers from `i_block`: the old 16-bit encoding in the first word, or
/// the new 32-bit one in the second.
fn decode_device(i_block: &[u8]) -> (u32, u32) {
    let old = le32(i_block, 0);
    if old != 0 {
        ((old >> 8) & 0xff, old & 0xff)
    } else {
        let new = le32(i_block, 4);
        ((new & 0xfff00) >> 8, (new & 0xff) | ((new >> 12) & 0xfff00))
    }
}

/// One extended attribute as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
struct RawXattr {
    index: u8,
    name: Vec<u8>,
    value: XattrValue,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum XattrValue {
    Bytes(Vec<u8>),
    /// Stored in an EA inode: (inode, size).
    Inode(u32, u32),
}

/// Parses xattr entries starting at `entries` in `region`; value offsets are relative to
/// `values`. Stops at the end marker; returns the entries and a problem, if one stopped it.
fn parse_xattrs(
    region: &[u8],
    entries: usize,
    values: usize,
) -> (Vec<RawXattr>, Option<(usize, String)>) {
    let mut out = Vec::new();
    let mut pos = entries;
    loop {
        let Some(h) = region.get(pos..pos + 16) else {
            // Running into the end of the region without a marker is tolerated for the
            // in-inode area, which may end exactly after its last entry.
            return (out, None);
        };
        if le32(h, 0) == 0 {
            return (out, None);
        }
        let name_len = h[0] as usize;
        let index = h[1];
        let value_offs = le16(h, 2) as usize;
        let value_inum = le32(h, 4);
        let value_size = le32(h, 8);
        let Some(name) = region.get(pos + 16..pos + 16 + name_len) else {
            return (out, Some((pos, "xattr name runs past its area".into())));
        };
        let value = if value_inum != 0 {
            XattrValue::Inode(value_inum, value_size)
        } else {
            let start = values + value_offs;
            match region.get(start..start + value_size as usize) {
                Some(v) => XattrValue::Bytes(v.to_vec()),
                None => {
                    return (
                        out,
                        Some((
                            pos,
                            format!("xattr value of {value_size} bytes outside its area"),
                        )),
                    );
                }
            }
        };
        out.push(RawXattr {
            index,
            name: name.to_vec(),
            value,
        });
        pos += (16 + name_len + 3) & !3;
    }
}

/// The full attribute name of an entry, as `getfattr` shows it.
fn xattr_name(index: u8, name: &[u8]) -> Option<String> {
    let prefix = match index {
        1 => "user.",
        2 => "system.posix_acl_access",
        3 => "system.posix_acl_default",
        4 => "trusted.",
        6 => "security.",
        7 => "system.",
        8 => "system.richacl",
        _ => return None,
    };
    Some(format!("{prefix}{}", escape_bytes(name)))
}

/// Converts a POSIX ACL from ext4's on-disk form (version 1, short entries for the owner,
/// group, mask and other) to the form the xattr interface gives (version 2, 8-byte entries).
fn acl_to_xattr(v: &[u8]) -> Option<Vec<u8>> {
    if v.len() < 4 || le32(v, 0) != 1 {
        return None;
    }
    let mut out = 2u32.to_le_bytes().to_vec();
    let mut pos = 4;
    while pos < v.len() {
        let e = v.get(pos..pos + 4)?;
        let tag = le16(e, 0);
        let (id, len) = match tag {
            0x02 | 0x08 => (le32(v.get(pos..pos + 8)?, 4), 8),
            0x01 | 0x04 | 0x10 | 0x20 => (u32::MAX, 4),
            _ => return None,
        };
        out.extend_from_slice(&e[..4]);
        out.extend_from_slice(&id.to_le_bytes());
        pos += len;
    }
    Some(out)
}

/// A directory entry as stored.
#[derive(Debug, PartialEq, Eq)]
struct Dirent<'b> {
    ino: u32,
    name: &'b [u8],
    /// Offset of the entry in the parsed region.
    at: usize,
}

/// Parses the directory entries of one block (or inline area). Entries with inode 0 (unused
/// space, htree internal nodes, checksum tails) are skipped. A malformed record ends the
/// block; its offset and the reason are returned.
fn parse_dirents(
    b: &[u8],
    filetype: bool,
    block_size: u64,
) -> (Vec<Dirent<'_>>, Option<(usize, String)>) {
    let mut out = Vec::new();
    let mut pos = 0usize;
    while pos + 8 <= b.len() {
        let ino = le32(b, pos);
        let raw_len = le16(b, pos + 4) as usize;
        // 64 KiB blocks store a whole-block record length as 0 or 65535.
        let rec_len = if block_size >= 65536 && (raw_len == 0 || raw_len == 65535) {
            65536
        } else if block_size >= 65536 {
            (raw_len & 65532) | ((raw_len & 3) << 16)
        } else {
            raw_len
        };
        let name_len = if filetype {
            b[pos + 6] as usize
        } else {
            le16(b, pos + 6) as usize
        };
        if rec_len < 8 || !rec_len.is_multiple_of(4) || pos + rec_len > b.len() {
            return (
                out,
                Some((pos, format!("directory record length {raw_len}"))),
            );
        }
        if ino != 0 {
            if 8 + name_len > rec_len {
                return (
                    out,
                    Some((
                        pos,
                        format!("name of {name_len} bytes in a {rec_len}-byte record"),
                    )),
                );
            }
            out.push(Dirent {
                ino,
                name: &b[pos + 8..pos + 8 + name_len],
                at: pos,
            });
        }
        pos += rec_len;
    }
    (out, None)
}

/// CRC-32C (Castagnoli) without the final inversion, as ext4 chains it.
fn crc32c(mut crc: u32, data: &[u8]) -> u32 {
    const TABLE: [u32; 256] = {
        let mut t = [0u32; 256];
        let mut i = 0;
        while i < 256 {
            let mut c = i as u32;
            let mut k = 0;
            while k < 8 {
                c = if c & 1 != 0 {
                    (c >> 1) ^ 0x82f6_3b78
                } else {
                    c >> 1
                };
                k += 1;
            }
            t[i] = c;
            i += 1;
        }
        t
    };
    for &b in data {
        crc = (crc >> 8) ^ TABLE[((crc ^ b as u32) & 0xff) as usize];
    }
    crc
}

/// CRC-16 (ANSI, reflected), as the `uninit_bg` group descriptor checksum uses it.
fn crc16(mut crc: u16, data: &[u8]) -> u16 {
    for &b in data {
        crc ^= b as u16;
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xa001
            } else {
                crc >> 1
            };
        }
    }
    crc
}

/// What the walk needs from a group descriptor.
#[derive(Clone, Copy)]
struct Group {
    inode_table: u64,
    /// Inodes from this index on are not initialised.
    usable: u32,
}

struct Walker<'a, 'c> {
    fs: &'a Arc<Fs>,
    sb: &'a Superblock,
    csum_seed: Option<u32>,
    ctx: &'a mut OpenCtx<'c>,
    /// Group descriptors read so far (`None`: unreadable, already warned).
    groups: HashMap<u32, Option<Group>>,
    xattr_blocks: HashMap<u64, Arc<Vec<RawXattr>>>,
    /// Directory bytes read so far; more than the image holds means blocks are reused.
    dir_bytes: u64,
    warned: usize,
    suppressed: usize,
    encrypted: u64,
    compressed: u64,
}

impl Walker<'_, '_> {
    fn warn(&mut self, code: WarningCode, at: u64, msg: impl Into<String>) {
        if self.warned < MAX_WARNINGS {
            self.warned += 1;
            self.ctx.warn(code, at, msg);
        } else {
            self.suppressed += 1;
        }
    }

    fn finish(&mut self) {
        if self.encrypted > 0 {
            self.ctx.warn(
                WarningCode::Unsupported,
                SB_AT,
                format!(
                    "{} encrypted inodes: their names and content are ciphertext",
                    self.encrypted
                ),
            );
        }
        if self.compressed > 0 {
            self.ctx.warn(
                WarningCode::Unsupported,
                SB_AT,
                format!(
                    "{} e2compr-compressed inodes listed undecoded",
                    self.compressed
                ),
            );
        }
        if self.suppressed > 0 {
            self.ctx.warn(
                WarningCode::Corrupt,
                SB_AT,
                format!("{} more problems not listed", self.suppressed),
            );
        }
    }

    fn walk(&mut self) -> Result<Vec<RawEntry>> {
        let root = self.inode(ROOT_INO, SB_AT)?;
        if root.file_type() != 0x4000 {
            return Err(Error::corrupt(F, root.at, "root inode is not a directory"));
        }
        let limit = self.ctx.budget.limits().max_entries as usize;
        let mut entries = Vec::new();
        let mut visited: HashSet<u32> = HashSet::new();
        let mut stack: Vec<(Vec<u8>, Inode, usize)> = vec![(Vec::new(), root, 0)];
        while let Some((path, dir, depth)) = stack.pop() {
            self.ctx.budget.check_time()?;
            if !visited.insert(dir.ino) {
                self.warn(
                    WarningCode::Cycle,
                    dir.at,
                    format!(
                        "directory {:?} (inode {}) is already listed elsewhere; not followed",
                        escape_bytes(&path),
                        dir.ino
                    ),
                );
                continue;
            }
            if depth > MAX_DIR_DEPTH {
                self.warn(
                    WarningCode::Corrupt,
                    dir.at,
                    "directories nested too deeply",
                );
                continue;
            }
            // A linear directory starts with one `.` and one `..`; an inline one has neither.
            let mut dots = if dir.flags & iflag::INLINE_DATA != 0 {
                [0, 0]
            } else {
                [1, 1]
            };
            for (name, ino, at) in self.list(&dir) {
                if name == b"." || name == b".." {
                    let left = &mut dots[name.len() - 1];
                    if *left > 0 {
                        *left -= 1;
                    } else {
                        self.warn(
                            WarningCode::UnsafeName,
                            at,
                            format!(
                                "extra entry named `{}` in {:?} skipped",
                                escape_bytes(&name),
                                escape_bytes(&path)
                            ),
                        );
                    }
                    continue;
                }
                if name.is_empty() {
                    self.warn(
                        WarningCode::UnsafeName,
                        at,
                        "directory entry without a name",
                    );
                    continue;
                }
                let mut child = path.clone();
                if !child.is_empty() {
                    child.push(b'/');
                }
                child.extend(fs_component(&name));
                let inode = match self.inode(ino, at) {
                    Ok(i) => i,
                    Err(e) => {
                        self.warn(
                            WarningCode::Corrupt,
                            at,
                            format!("{}: {e}", escape_bytes(&child)),
                        );
                        continue;
                    }
                };
                let entry = match self.entry(&inode, child.clone()) {
                    Ok(e) => e,
                    Err(e) => {
                        self.warn(
                            WarningCode::Corrupt,
                            inode.at,
                            format!("{}: {e}", escape_bytes(&child)),
                        );
                        continue;
                    }
                };
                let is_dir = entry.kind == EntryKind::Dir;
                entries.push(entry);
                if entries.len() > limit {
                    return Ok(entries);
                }
                if is_dir {
                    stack.push((child, inode, depth + 1));
                }
            }
        }
        Ok(entries)
    }

    /// The group descriptor of `group`, read and checked once.
    fn group(&mut self, group: u32) -> Option<Group> {
        if let Some(g) = self.groups.get(&group) {
            return *g;
        }
        let g = match self.read_group(group) {
            Ok(g) => Some(g),
            Err(e) => {
                self.warn(WarningCode::Corrupt, SB_AT, e.to_string());
                None
            }
        };
        self.groups.insert(group, g);
        g
    }

    fn read_group(&mut self, group: u32) -> Result<Group> {
        let sb = self.sb;
        let bs = sb.block_size();
        let ds = sb.desc_size as u64;
        let per_block = bs / ds;
        let g = group as u64;
        let meta_bg = sb.has_incompat(feature::INCOMPAT_META_BG);
        let block = if !meta_bg || g / per_block < sb.first_meta_bg as u64 {
            (SB_AT / bs) + 1 + g / per_block
        } else {
            // meta_bg: each run of `per_block` groups keeps its descriptors in its first group.
            let first = g / per_block * per_block;
            let mut b = self.group_first_block(first) + self.has_super(first) as u64;
            if bs == 1024 && first == 0 && sb.first_data_block == 0 {
                b += 1;
            }
            b
        };
        let at = block
            .checked_mul(bs)
            .and_then(|o| o.checked_add(g % per_block * ds))
            .ok_or_else(|| Error::corrupt(F, SB_AT, "group descriptor beyond any image"))?;
        let d = self
            .fs
            .src
            .read_vec(at, ds as usize)
            .map_err(|e| Error::read(F, at, e))?;
        self.check_group_csum(group, &d, at);
        let hi = |off: usize| if ds >= 64 { le32(&d, off) as u64 } else { 0 };
        let inode_table = le32(&d, 0x8) as u64 | hi(0x28) << 32;
        let flags = le16(&d, 0x12);
        let unused = le16(&d, 0x1c) as u32
            | if ds >= 64 {
                (le16(&d, 0x32) as u32) << 16
            } else {
                0
            };
        let csummed = sb.metadata_csum() || sb.has_ro(feature::RO_GDT_CSUM);
        let usable = if !csummed {
            sb.inodes_per_group
        } else if flags & 1 != 0 {
            0 // INODE_UNINIT: the inode table was never written
        } else {
            sb.inodes_per_group.saturating_sub(unused)
        };
        Ok(Group {
            inode_table,
            usable,
        })
    }

    fn group_first_block(&self, g: u64) -> u64 {
        self.sb.first_data_block as u64 + g * self.sb.blocks_per_group as u64
    }

    /// Whether group `g` holds a superblock backup.
    fn has_super(&self, g: u64) -> bool {
        if g == 0 {
            return true;
        }
        if self.sb.compat & feature::COMPAT_SPARSE_SUPER2 != 0 {
            return self.sb.backup_bgs.iter().any(|&b| b as u64 == g);
        }
        if g <= 1 || !self.sb.has_ro(feature::RO_SPARSE_SUPER) {
            return true;
        }
        [3u64, 5, 7].iter().any(|&base| {
            let mut p = base;
            while p < g {
                p *= base;
            }
            p == g
        })
    }

    fn check_group_csum(&mut self, group: u32, d: &[u8], at: u64) {
        let stored = le16(d, 0x1e);
        let computed = if let Some(seed) = self.csum_seed {
            let mut c = crc32c(seed, &group.to_le_bytes());
            c = crc32c(c, &d[..0x1e]);
            c = crc32c(c, &[0, 0]);
            c = crc32c(c, &d[0x20..]);
            (c & 0xffff) as u16
        } else if self.sb.has_ro(feature::RO_GDT_CSUM) {
            let mut c = crc16(!0, &self.sb.uuid);
            c = crc16(c, &group.to_le_bytes());
            c = crc16(c, &d[..0x1e]);
            if d.len() > 0x20 {
                c = crc16(c, &d[0x20..]);
            }
            c
        } else {
            return;
        };
        if stored != computed {
            self.warn(
                WarningCode::BadChecksum,
                at + 0x1e,
                format!(
                    "group {group} descriptor checksum {stored:#06x}, computed {computed:#06x}"
                ),
            );
        }
    }

    /// Reads inode `ino`; `at` is where the reference to it was found, for messages.
    fn inode(&mut self, ino: u32, at: u64) -> Result<Inode> {
        let sb = self.sb;
        if ino == 0 || ino > sb.inodes_count {
            return Err(Error::corrupt(
                F,
                at,
                format!("inode {ino} outside 1..={}", sb.inodes_count),
            ));
        }
        let group = (ino - 1) / sb.inodes_per_group;
        let index = (ino - 1) % sb.inodes_per_group;
        let g = self.group(group).ok_or_else(|| {
            Error::corrupt(F, at, format!("inode {ino}: group {group} unreadable"))
        })?;
        if index >= g.usable {
            return Err(Error::corrupt(
                F,
                at,
                format!("inode {ino} lies in the uninitialised part of group {group}"),
            ));
        }
        let isz = sb.inode_size as u64;
        let pos = g
            .inode_table
            .checked_mul(sb.block_size())
            .and_then(|o| o.checked_add(index as u64 * isz))
            .filter(|&o| o.saturating_add(isz) <= sb.length())
            .ok_or_else(|| {
                Error::corrupt(
                    F,
                    at,
                    format!(
                        "inode {ino}: inode table block {} beyond the filesystem",
                        g.inode_table
                    ),
                )
            })?;
        let raw = self
            .fs
            .src
            .read_vec(pos, isz as usize)
            .map_err(|e| Error::read(F, pos, e))?;
        let mut extra_isize = 0;
        if raw.len() > 128 {
            let e = le16(&raw, 0x80) as usize;
            if 128 + e > raw.len() || !e.is_multiple_of(4) {
                self.warn(
                    WarningCode::Corrupt,
                    pos + 0x80,
                    format!("inode {ino}: extra inode size {e}"),
                );
            } else {
                extra_isize = e;
            }
        }
        self.check_inode_csum(ino, &raw, extra_isize, pos);
        let extra = |off: usize| (extra_isize >= off + 4 - 128).then(|| le32(&raw, off));
        let mtime = decode_time(le32(&raw, 0x10), extra(0x88));
        Ok(Inode {
            ino,
            at: pos,
            mode: le16(&raw, 0),
            uid: le16(&raw, 0x2) as u32 | (le16(&raw, 0x78) as u32) << 16,
            gid: le16(&raw, 0x18) as u32 | (le16(&raw, 0x7a) as u32) << 16,
            size: le32(&raw, 0x4) as u64 | (le32(&raw, 0x6c) as u64) << 32,
            links: le16(&raw, 0x1a),
            flags: le32(&raw, 0x20),
            file_acl: le32(&raw, 0x68) as u64 | (le16(&raw, 0x76) as u64) << 32,
            mtime,
            extra_isize,
            raw,
        })
    }

    /// The per-inode checksum seed (metadata_csum).
    fn inode_seed(&self, ino: u32, generation: u32) -> Option<u32> {
        let seed = self.csum_seed?;
        Some(crc32c(
            crc32c(seed, &ino.to_le_bytes()),
            &generation.to_le_bytes(),
        ))
    }

    fn check_inode_csum(&mut self, ino: u32, raw: &[u8], extra_isize: usize, at: u64) {
        let Some(seed) = self.inode_seed(ino, le32(raw, 0x64)) else {
            return;
        };
        let has_hi = raw.len() > 128 && extra_isize >= 4;
        let mut copy = raw.to_vec();
        copy[0x7c..0x7e].fill(0);
        if has_hi {
            copy[0x82..0x84].fill(0);
        }
        let computed = crc32c(seed, &copy);
        let (stored, computed) = if has_hi {
            (
                le16(raw, 0x7c) as u32 | (le16(raw, 0x82) as u32) << 16,
                computed,
            )
        } else {
            (le16(raw, 0x7c) as u32, computed & 0xffff)
        };
        if stored != computed {
            self.warn(
                WarningCode::BadChecksum,
                at + 0x7c,
                format!("inode {ino} checksum {stored:#010x}, computed {computed:#010x}"),
            );
        }
    }

    /// The RawEntry for an inode found under `name`.
    fn entry(&mut self, inode: &Inode, name: Vec<u8>) -> Result<RawEntry> {
        let kind = match inode.file_type() {
            0x1000 => EntryKind::Fifo,
            0x2000 => EntryKind::CharDevice,
            0x4000 => EntryKind::Dir,
            0x6000 => EntryKind::BlockDevice,
            0x8000 => EntryKind::File,
            0xa000 => EntryKind::Symlink,
            0xc000 => EntryKind::Socket,
            other => {
                return Err(Error::corrupt(
                    F,
                    inode.at,
                    format!("inode {} has unknown type {other:#o}", inode.ino),
                ));
            }
        };
        if inode.flags & iflag::ENCRYPT != 0 {
            self.encrypted += 1;
        }
        if inode.flags & iflag::COMPR != 0 {
            self.compressed += 1;
        }
        let mut entry = RawEntry::new(name, kind);
        entry.mode = (inode.mode & 0o7777) as u32;
        entry.uid = inode.uid;
        entry.gid = inode.gid;
        entry.mtime = inode.mtime;
        entry.offset = inode.at;
        let xattrs = self.xattrs(inode);
        match kind {
            EntryKind::File => {
                entry.size = inode.size;
                if inode.links > 1 {
                    entry.inode = Some(inode.ino as u64);
                }
                entry.data = self.file_data(inode, &xattrs)?;
                if let Data::Stored(s) = &entry.data {
                    entry.size = s.len();
                }
            }
            EntryKind::Symlink => {
                let target = self.symlink(inode, &xattrs)?;
                entry.size = target.len() as u64;
                entry.link_target = Some(target);
            }
            EntryKind::CharDevice | EntryKind::BlockDevice => {
                entry.device = Some(decode_device(inode.i_block()));
            }
            _ => {}
        }
        for x in xattrs {
            if x.index == 7 && x.name == b"data" {
                continue; // inline data, not an attribute
            }
            let Some(name) = xattr_name(x.index, &x.name) else {
                self.warn(
                    WarningCode::Unsupported,
                    inode.at,
                    format!(
                        "inode {}: xattr with unknown name index {} skipped",
                        inode.ino, x.index
                    ),
                );
                continue;
            };
            let value = match x.value {
                XattrValue::Bytes(v) => v,
                XattrValue::Inode(..) => continue, // resolved by xattrs() or warned there
            };
            let value = if matches!(x.index, 2 | 3) {
                acl_to_xattr(&value).unwrap_or_else(|| {
                    self.warn(
                        WarningCode::Corrupt,
                        inode.at,
                        format!("inode {}: malformed POSIX ACL kept as stored", inode.ino),
                    );
                    value
                })
            } else {
                value
            };
            entry.xattrs.push((name, value));
        }
        Ok(entry)
    }

    /// Inline content: the 60 bytes of `i_block` followed by the `system.data` attribute.
    fn inline_bytes(&mut self, inode: &Inode, xattrs: &[RawXattr]) -> Vec<u8> {
        let mut bytes = inode.i_block().to_vec();
        if let Some(XattrValue::Bytes(v)) = xattrs
            .iter()
            .find(|x| x.index == 7 && x.name == b"data")
            .map(|x| &x.value)
        {
            bytes.extend_from_slice(v);
        }
        bytes
    }

    fn file_data(&mut self, inode: &Inode, xattrs: &[RawXattr]) -> Result<Data> {
        if inode.size == 0 {
            return Ok(Data::Empty);
        }
        if inode.flags & iflag::INLINE_DATA != 0 {
            let mut bytes = self.inline_bytes(inode, xattrs);
            if (bytes.len() as u64) >= inode.size {
                bytes.truncate(inode.size as usize);
                return Ok(Data::Stored(Arc::new(MemSource::new(bytes))));
            }
            // Past the inline bytes the file reads as zeros, as in the kernel (mke2fs -d
            // makes such files from sparse ones).
            return Ok(Data::Coded(Arc::new(InlineFile {
                bytes,
                size: inode.size,
            })));
        }
        let layout = inode.layout();
        // A file stored in one extent of the inode reads straight from the image.
        if let Layout::Extents(raw) = &layout
            && let Ok((0, Node::Leaf(ext))) = parse_node(raw, None, inode.at)
            && let [(0, len, true, start)] = ext[..]
        {
            let bs = self.fs.bs;
            if (len as u64) * bs >= inode.size
                && start.saturating_add(len as u64) <= self.fs.blocks
                && let Some(off) = start.checked_mul(bs)
                && off.saturating_add(inode.size) <= self.fs.src.len()
            {
                return Ok(Data::Stored(slice(&self.fs.src, off, inode.size)));
            }
        }
        // Check the root of the map now, so a broken one is reported while listing.
        Mapper::new(self.fs, &layout, inode.at)?;
        Ok(Data::Coded(Arc::new(ExtFile {
            fs: self.fs.clone(),
            layout,
            size: inode.size,
            at: inode.at,
        })))
    }

    fn symlink(&mut self, inode: &Inode, xattrs: &[RawXattr]) -> Result<Vec<u8>> {
        let size = inode.size;
        if inode.flags & iflag::INLINE_DATA != 0 {
            let mut b = self.inline_bytes(inode, xattrs);
            b.truncate(size as usize);
            return Ok(b);
        }
        // Fast symlinks keep the target in i_block and own no blocks (the kernel's test);
        // e2fsprogs goes by size alone, which agrees for every image it writes.
        let blocks = le32(&inode.raw, 0x1c) as u64 | (le16(&inode.raw, 0x74) as u64) << 32;
        let ea_blocks = if inode.file_acl != 0 {
            self.fs.bs / 512
        } else {
            0
        };
        if size < I_BLOCK_LEN as u64
            && (inode.flags & iflag::EXTENTS == 0 || blocks.saturating_sub(ea_blocks) == 0)
        {
            return Ok(inode.i_block()[..size as usize].to_vec());
        }
        if size > 65536 {
            return Err(Error::corrupt(
                F,
                inode.at,
                format!("symlink target of {size} bytes"),
            ));
        }
        FileReader::new(self.fs, &inode.layout(), size, inode.at)?.read_all(65536)
    }

    /// All extended attributes of an inode: in the inode, then in its xattr block. Values in
    /// EA inodes are read here.
    fn xattrs(&mut self, inode: &Inode) -> Vec<RawXattr> {
        let mut out = Vec::new();
        let start = 128 + inode.extra_isize;
        if inode.extra_isize > 0
            && inode.raw.len() >= start + 4
            && le32(&inode.raw, start) == 0xea02_0000
        {
            let region = &inode.raw[start + 4..];
            let (found, problem) = parse_xattrs(region, 0, 0);
            out.extend(found);
            if let Some((pos, why)) = problem {
                self.warn(
                    WarningCode::Corrupt,
                    inode.at + (start + 4 + pos) as u64,
                    format!("inode {}: {why}", inode.ino),
                );
            }
        }
        if inode.file_acl != 0 {
            match self.xattr_block(inode.file_acl, inode.at) {
                Ok(found) => out.extend(found.iter().cloned()),
                Err(e) => self.warn(
                    WarningCode::Corrupt,
                    inode.at + 0x68,
                    format!("inode {}: xattr block: {e}", inode.ino),
                ),
            }
        }
        for x in &mut out {
            if let XattrValue::Inode(ea, size) = x.value {
                match self.ea_inode_value(ea, size, inode.at) {
                    Ok(v) => x.value = XattrValue::Bytes(v),
                    Err(e) => self.warn(
                        WarningCode::Corrupt,
                        inode.at,
                        format!("inode {}: xattr value in inode {ea}: {e}", inode.ino),
                    ),
                }
            }
        }
        out
    }

    fn xattr_block(&mut self, block: u64, at: u64) -> Result<Arc<Vec<RawXattr>>> {
        if let Some(x) = self.xattr_blocks.get(&block) {
            return Ok(x.clone());
        }
        let raw = self.fs.read_block(block, at + 0x68)?;
        let pos = block * self.fs.bs;
        if le32(&raw, 0) != 0xea02_0000 {
            return Err(Error::corrupt(F, pos, "xattr block without its magic"));
        }
        if le32(&raw, 8) != 1 {
            return Err(Error::unsupported(
                F,
                pos + 8,
                format!("xattr block spanning {} blocks", le32(&raw, 8)),
            ));
        }
        if let Some(seed) = self.csum_seed {
            let mut c = crc32c(seed, &block.to_le_bytes());
            c = crc32c(c, &raw[..0x10]);
            c = crc32c(c, &[0; 4]);
            c = crc32c(c, &raw[0x14..]);
            let stored = le32(&raw, 0x10);
            if c != stored {
                self.warn(
                    WarningCode::BadChecksum,
                    pos + 0x10,
                    format!("xattr block checksum {stored:#010x}, computed {c:#010x}"),
                );
            }
        }
        let (found, problem) = parse_xattrs(&raw, 32, 0);
        if let Some((p, why)) = problem {
            self.warn(WarningCode::Corrupt, pos + p as u64, why);
        }
        let found = Arc::new(found);
        self.ctx
            .budget
            .check_metadata(self.xattr_blocks.len() as u64 * self.fs.bs, "xattr blocks")?;
        self.xattr_blocks.insert(block, found.clone());
        Ok(found)
    }

    fn ea_inode_value(&mut self, ea: u32, size: u32, at: u64) -> Result<Vec<u8>> {
        let inode = self.inode(ea, at)?;
        if inode.flags & iflag::EA_INODE == 0 {
            return Err(Error::corrupt(
                F,
                inode.at,
                format!("inode {ea} is not marked as holding an xattr value"),
            ));
        }
        if inode.flags & iflag::INLINE_DATA != 0 {
            return Err(Error::unsupported(F, inode.at, "inline xattr value inode"));
        }
        let len = inode.size.min(size as u64);
        FileReader::new(self.fs, &inode.layout(), len, inode.at)?.read_all(MAX_SMALL_READ)
    }

    /// The (name, inode, offset) entries of a directory; problems become warnings.
    fn list(&mut self, dir: &Inode) -> Vec<(Vec<u8>, u32, u64)> {
        let filetype = self.sb.has_incompat(feature::INCOMPAT_FILETYPE);
        let bs = self.fs.bs;
        let mut out = Vec::new();
        if dir.flags & iflag::INLINE_DATA != 0 {
            let xattrs = self.xattrs(dir);
            let bytes = self.inline_bytes(dir, &xattrs);
            // The parent's inode number comes first, then entries to the end of i_block,
            // then entries filling the system.data value.
            let regions = [(4usize, I_BLOCK_LEN), (I_BLOCK_LEN, bytes.len())];
            for (from, to) in regions {
                let Some(region) = bytes.get(from..to) else {
                    continue;
                };
                let at = dir.at + I_BLOCK as u64 + from as u64;
                self.collect(region, filetype, at, &mut out);
            }
            return out;
        }
        let nblocks = dir.size.div_ceil(bs);
        let mut mapper = match Mapper::new(self.fs, &dir.layout(), dir.at) {
            Ok(m) => m,
            Err(e) => {
                self.warn(WarningCode::Corrupt, dir.at, format!("directory: {e}"));
                return out;
            }
        };
        let seed = self.inode_seed(dir.ino, le32(&dir.raw, 0x64));
        let mut lblk = 0u64;
        while lblk < nblocks {
            let run = match mapper.run_at(lblk) {
                Ok(r) if r.contains(lblk) => r,
                Ok(_) => break,
                Err(e) => {
                    self.warn(WarningCode::Corrupt, dir.at, format!("directory: {e}"));
                    break;
                }
            };
            let end = run.start.saturating_add(run.len).min(nblocks);
            let Some(phys) = run.phys else {
                lblk = end;
                continue;
            };
            while lblk < end {
                if self.ctx.budget.out_of_time() {
                    return out;
                }
                self.dir_bytes += bs;
                if self.dir_bytes > self.fs.src.len() {
                    self.warn(
                        WarningCode::Corrupt,
                        dir.at,
                        "directories hold more blocks than the image; blocks are reused",
                    );
                    return out;
                }
                let block = phys.saturating_add(lblk - run.start);
                let raw = match self.fs.read_block(block, dir.at) {
                    Ok(r) => r,
                    Err(e) => {
                        self.warn(WarningCode::Corrupt, dir.at, format!("directory: {e}"));
                        return out;
                    }
                };
                let at = block * bs;
                let body = match seed {
                    Some(seed) => self.check_dir_tail(&raw, seed, at),
                    None => &raw[..],
                };
                self.collect(body, filetype, at, &mut out);
                lblk += 1;
            }
        }
        out
    }

    /// Verifies a leaf block's checksum tail when it has one; returns the entries' part.
    fn check_dir_tail<'b>(&mut self, raw: &'b [u8], seed: u32, at: u64) -> &'b [u8] {
        let t = raw.len() - 12;
        let is_tail =
            le32(raw, t) == 0 && le16(raw, t + 4) == 12 && raw[t + 6] == 0 && raw[t + 7] == 0xde;
        if !is_tail {
            return raw; // an htree node, or no tail
        }
        let stored = le32(raw, t + 8);
        let computed = crc32c(seed, &raw[..t]);
        if stored != computed {
            self.warn(
                WarningCode::BadChecksum,
                at + t as u64 + 8,
                format!("directory block checksum {stored:#010x}, computed {computed:#010x}"),
            );
        }
        &raw[..t]
    }

    fn collect(
        &mut self,
        region: &[u8],
        filetype: bool,
        at: u64,
        out: &mut Vec<(Vec<u8>, u32, u64)>,
    ) {
        let (found, problem) = parse_dirents(region, filetype, self.fs.bs);
        for d in found {
            out.push((d.name.to_vec(), d.ino, at + d.at as u64));
        }
        if let Some((pos, why)) = problem {
            self.warn(
                WarningCode::Corrupt,
                at + pos as u64,
                format!("{why}; rest of the directory block skipped"),
            );
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    #[test]
    fn crc32c_matches_the_standard_check_value() {
        // The standard CRC-32C of "123456789" is 0xe3069283 (with both inversions).
        assert_eq!(!crc32c(!0, b"123456789"), 0xe306_9283);
    }

    #[test]
    fn crc16_matches_the_standard_check_value() {
        // CRC-16/ARC of "123456789".
        assert_eq!(crc16(0, b"123456789"), 0xbb3d);
    }

    #[test]
    fn devices_decode_in_both_encodings() {
        let mut b = [0u8; 60];
        b[0..4].copy_from_slice(&0x0501u32.to_le_bytes());
        assert_eq!(decode_device(&b), (5, 1));
        let mut b = [0u8; 60];
        // major 259, minor 300000: new encoding (minor low byte, major, minor high bits).
        let (major, minor) = (259u32, 300_000u32);
        let new = (minor & 0xff) | (major << 8) | ((minor & !0xff) << 12);
        b[4..8].copy_from_slice(&new.to_le_bytes());
        assert_eq!(decode_device(&b), (major, minor));
    }

    #[test]
    fn times_use_the_epoch_bits_of_the_extra_word() {
        assert_eq!(decode_time(0x8000_0000, None), -(1i64 << 31));
        assert_eq!(decode_time(0x8000_0000, Some(1)), (1i64 << 32) - (1 << 31));
        assert_eq!(decode_time(1_600_000_000, Some(0)), 1_600_000_000);
    }

    fn dirent(ino: u32, rec_len: u16, name: &[u8]) -> Vec<u8> {
        let mut v = ino.to_le_bytes().to_vec();
        v.extend_from_slice(&rec_len.to_le_bytes());
        v.push(name.len() as u8);
        v.push(1);
        v.extend_from_slice(name);
        v.resize(rec_len as usize, 0);
        v
    }

    #[test]
    fn dirents_skip_unused_records_and_stop_at_a_zero_length() {
        let mut b = dirent(12, 16, b"passwd");
        b.extend(dirent(0, 16, b"gone"));
        b.extend(dirent(13, 12, b"sh"));
        b.extend([0u8; 8]); // rec_len 0
        b.resize(64, 0);
        let (found, problem) = parse_dirents(&b, true, 1024);
        assert_eq!(
            found,
            vec![
                Dirent {
                    ino: 12,
                    name: b"passwd",
                    at: 0
                },
                Dirent {
                    ino: 13,
                    name: b"sh",
                    at: 32
                }
            ]
        );
        assert_eq!(problem, Some((44, "directory record length 0".into())));
    }

    #[test]
    fn dirents_reject_names_longer_than_their_record() {
        let mut b = dirent(12, 12, b"abcd");
        b[6] = 200;
        let (found, problem) = parse_dirents(&b, true, 1024);
        assert!(found.is_empty());
        assert!(problem.is_some());
    }

    #[test]
    fn xattr_entries_parse_with_values_and_stop_at_the_marker() {
        let mut r = vec![0u8; 64];
        // entry: name_len 4, index 1 ("user."), value at 48, 3 bytes, name "test"
        r[0] = 4;
        r[1] = 1;
        r[2..4].copy_from_slice(&48u16.to_le_bytes());
        r[8..12].copy_from_slice(&3u32.to_le_bytes());
        r[16..20].copy_from_slice(b"test");
        r[48..51].copy_from_slice(b"abc");
        let (x, problem) = parse_xattrs(&r, 0, 0);
        assert_eq!(problem, None);
        assert_eq!(
            x,
            vec![RawXattr {
                index: 1,
                name: b"test".to_vec(),
                value: XattrValue::Bytes(b"abc".to_vec())
            }]
        );
        assert_eq!(xattr_name(1, b"test").as_deref(), Some("user.test"));
        r[8..12].copy_from_slice(&100u32.to_le_bytes());
        assert!(parse_xattrs(&r, 0, 0).1.is_some());
    }

    #[test]
    fn acls_convert_to_the_xattr_form() {
        let mut disk = 1u32.to_le_bytes().to_vec();
        disk.extend([1, 0, 6, 0]); // USER_OBJ rw-
        disk.extend([2, 0, 4, 0, 0xe8, 3, 0, 0]); // USER 1000 r--
        disk.extend([4, 0, 4, 0, 0x10, 0, 4, 0, 0x20, 0, 0, 0]); // GROUP_OBJ, MASK, OTHER
        let x = acl_to_xattr(&disk).unwrap();
        assert_eq!(le32(&x, 0), 2);
        assert_eq!(x.len(), 4 + 5 * 8);
        assert_eq!(&x[4..12], &[1, 0, 6, 0, 0xff, 0xff, 0xff, 0xff]);
        assert_eq!(&x[12..20], &[2, 0, 4, 0, 0xe8, 3, 0, 0]);
        assert_eq!(acl_to_xattr(&[2, 0, 0, 0]), None);
    }

    #[test]
    fn extent_nodes_check_magic_counts_and_depth() {
        let mut n = vec![0u8; 60];
        n[0..2].copy_from_slice(&0xf30au16.to_le_bytes());
        n[2..4].copy_from_slice(&1u16.to_le_bytes());
        n[4..6].copy_from_slice(&4u16.to_le_bytes());
        n[12..16].copy_from_slice(&0u32.to_le_bytes());
        n[16..18].copy_from_slice(&(32768u16 + 5).to_le_bytes()); // uninitialised, 5 blocks
        n[20..24].copy_from_slice(&100u32.to_le_bytes());
        match parse_node(&n, None, 0).unwrap() {
            (0, Node::Leaf(l)) => assert_eq!(l, vec![(0, 5, false, 100)]),
            _ => panic!("leaf expected"),
        }
        assert!(matches!(
            parse_node(&n, Some(1), 0),
            Err(Error::Cycle { .. })
        ));
        n[2..4].copy_from_slice(&5u16.to_le_bytes());
        assert!(parse_node(&n, None, 0).is_err());
    }

    #[test]
    fn pointer_runs_coalesce_contiguous_blocks_and_holes() {
        let p = [10, 11, 12, 20, 0, 0, 7];
        assert_eq!(
            run_in(&p, 0, 0),
            Run {
                start: 0,
                len: 3,
                phys: Some(10)
            }
        );
        assert_eq!(
            run_in(&p, 4, 4),
            Run {
                start: 4,
                len: 2,
                phys: None
            }
        );
    }

    #[test]
    fn superblock_validation_rejects_inconsistent_counts() {
        let mut b = vec![0u8; SB_LEN];
        b[0x38..0x3a].copy_from_slice(&MAGIC.to_le_bytes());
        b[0x4c] = 1; // revision 1
        b[0x58..0x5a].copy_from_slice(&256u16.to_le_bytes());
        b[0x4..0x8].copy_from_slice(&8192u32.to_le_bytes());
        b[0x14] = 1;
        b[0x20..0x24].copy_from_slice(&8192u32.to_le_bytes());
        b[0x24..0x28].copy_from_slice(&8192u32.to_le_bytes());
        b[0x28..0x2c].copy_from_slice(&2048u32.to_le_bytes());
        b[0x0..0x4].copy_from_slice(&2048u32.to_le_bytes());
        let sb = parse_superblock(&b).unwrap();
        assert_eq!(sb.groups, 1);
        assert_eq!(sb.length(), 8192 * 1024);
        b[0x0..0x4].copy_from_slice(&4096u32.to_le_bytes());
        assert_eq!(parse_superblock(&b).unwrap_err().0, 0);
        b[0x0..0x4].copy_from_slice(&2048u32.to_le_bytes());
        b[0x18] = 9;
        assert_eq!(parse_superblock(&b).unwrap_err().0, 0x18);
    }
}
