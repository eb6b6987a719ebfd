//! The listing: group descriptors, inodes, directories and attributes, walked from the root
//! with cycle detection, checksums verified as warnings.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use netvet_model::{EntryKind, WarningCode};

use super::map::{ExtFile, FileReader, InlineFile, Layout, Mapper, Node, parse_node};
use super::ondisk::{
    RawXattr, XattrValue, acl_to_xattr, crc16, crc32c, decode_device, decode_time, parse_dirents,
    parse_xattrs, xattr_name,
};
use super::{
    F, Fs, I_BLOCK, I_BLOCK_LEN, MAX_DIR_DEPTH, MAX_SMALL_READ, MAX_WARNINGS, ROOT_INO, SB_AT,
    Superblock, feature, iflag,
};
use crate::error::{Error, Result};
use crate::format::{
    Data, OpenCtx, RawEntry,
    bytes::{le16, le32},
};
use crate::names::{escape_bytes, fs_component};
use crate::source::{MemSource, SourceExt, slice};

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

/// What the walk needs from a group descriptor.
#[derive(Clone, Copy)]
struct Group {
    inode_table: u64,
    /// Inodes from this index on are not initialised.
    usable: u32,
}

/// Lists a filesystem from its root directory.
pub(super) struct Walker<'a, 'c> {
    fs: &'a Arc<Fs>,
    sb: &'a Superblock,
    csum_seed: Option<u32>,
    ctx: &'a mut OpenCtx<'c>,
    /// Group descriptors read so far (`None`: unreadable, already warned).
    groups: HashMap<u32, Option<Group>>,
    xattr_blocks: HashMap<u64, Arc<Vec<RawXattr>>>,
    /// Directory bytes read so far; more than the image holds means blocks are reused.
    dir_bytes: u64,
    /// Bytes of names, link targets and xattrs held by the listing so far.
    held: u64,
    warned: usize,
    suppressed: usize,
    encrypted: u64,
    compressed: u64,
}

impl<'a, 'c> Walker<'a, 'c> {
    pub(super) fn new(
        fs: &'a Arc<Fs>,
        sb: &'a Superblock,
        csum_seed: Option<u32>,
        ctx: &'a mut OpenCtx<'c>,
    ) -> Walker<'a, 'c> {
        Walker {
            fs,
            sb,
            csum_seed,
            ctx,
            groups: HashMap::new(),
            xattr_blocks: HashMap::new(),
            dir_bytes: 0,
            held: 0,
            warned: 0,
            suppressed: 0,
            encrypted: 0,
            compressed: 0,
        }
    }

    fn warn(&mut self, code: WarningCode, at: u64, msg: impl Into<String>) {
        if self.warned < MAX_WARNINGS {
            self.warned += 1;
            self.ctx.warn(code, at, msg);
        } else {
            self.suppressed += 1;
        }
    }

    pub(super) fn finish(&mut self) {
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

    pub(super) fn walk(&mut self) -> Result<Vec<RawEntry>> {
        let root = self.inode(ROOT_INO, SB_AT)?;
        if root.file_type() != 0x4000 {
            return Err(Error::corrupt(F, root.at, "root inode is not a directory"));
        }
        let limit = self.ctx.budget.limits().max_entries as usize;
        let mut entries = Vec::new();
        let mut visited: HashSet<u32> = HashSet::new();
        let mut stack: Vec<(Vec<u8>, Inode, usize)> = vec![(Vec::new(), root, 0)];
        while let Some((path, dir, depth)) = stack.pop() {
            if let Err(e) = self.ctx.budget.check_time() {
                // Keep what was listed; the rest of the tree is missing.
                self.ctx.warn(
                    WarningCode::LimitTime,
                    dir.at,
                    format!("listing stopped: {e}"),
                );
                return Ok(entries);
            }
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
                if self.ctx.budget.out_of_time() {
                    self.ctx.warn(
                        WarningCode::LimitTime,
                        at,
                        "listing stopped: time per image",
                    );
                    return Ok(entries);
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
                // Names, targets and attributes stay in memory: a hostile image can make
                // each large and share them among many entries.
                self.held += (entry.name.len()
                    + entry.link_target.as_ref().map_or(0, Vec::len)
                    + entry
                        .xattrs
                        .iter()
                        .map(|(k, v)| k.len() + v.len())
                        .sum::<usize>()) as u64;
                if let Err(e) = self
                    .ctx
                    .budget
                    .check_metadata(self.held, "names, link targets and xattrs")
                {
                    self.ctx.warn(
                        WarningCode::LimitBytes,
                        inode.at,
                        format!("listing stopped: {e}"),
                    );
                    return Ok(entries);
                }
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
        // Check the root of the map now, so a broken one is reported while listing; the file
        // is still listed (reading it gives the error).
        if let Err(e) = Mapper::new(self.fs, &layout, inode.at) {
            self.warn(
                WarningCode::Corrupt,
                inode.at,
                format!("inode {}: {e}", inode.ino),
            );
        }
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
                let limit = self.ctx.budget.limits().max_metadata;
                if self.held.saturating_add(size as u64) > limit {
                    self.warn(
                        WarningCode::LimitBytes,
                        inode.at,
                        format!("inode {}: xattr value in inode {ea} not read", inode.ino),
                    );
                    continue;
                }
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
                if out.len() as u64 > self.ctx.budget.limits().max_entries {
                    return out; // the walk stops at the entry limit and reports it
                }
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
