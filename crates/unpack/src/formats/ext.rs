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
//! Nothing but directories, inodes and attributes is read while listing (group descriptors
//! only as inodes need them); file content is mapped and read block by block when it is
//! opened, so files can be read in parallel. Hostile images are bounded: extent nodes must
//! be exactly one level shallower than their parent (so a node pointing back up is refused),
//! directories are followed once per inode (a second reference is a cycle warning), all
//! directory data read together may not exceed the image, and names, link targets and
//! attribute values held by the listing count against the metadata limit.
//!
//! `map` resolves content, `ondisk` parses small records and checksums, `walk` lists.

mod map;
mod ondisk;
mod walk;

use std::sync::Arc;

use netvet_model::WarningCode;

use crate::error::{Error, Result};
use crate::format::{
    Format, Magic, OpenCtx, Opened, Probe,
    bytes::{le16, le32},
};
use crate::names::escape_bytes;
use crate::source::{Source, SourceExt, SourceRef, slice};
use ondisk::crc32c;
use walk::Walker;

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
        let mut walker = Walker::new(&fs, &sb, csum_seed, ctx);
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

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

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
