//! SquashFS 3.x, the version in most router firmware from 2006 to about 2010, and its
//! predecessor 2.x: little- and big-endian, zlib, and the vendors' LZMA builds (the
//! `shsq`/`qshs` magics, or the standard magic with LZMA blocks), told apart per block by their
//! first bytes.
//!
//! Versions 2 and 3 differ from 4.0 throughout: the superblock, inodes, directory headers and
//! entries are packed bitfield structures whose fields run from the least significant bit on
//! little-endian images and from the most significant on big-endian ones; owners are indices
//! into separate uid and gid arrays; metadata block headers may be followed by a marker byte
//! (the "check" flag). Data blocks, fragments and the fragment table are as in 4.0. Version 2
//! has 32-bit table offsets, smaller inodes (no inode numbers; times only on files and
//! directories, the others take the image's), 24-bit directory block references and 8-byte
//! fragment entries behind 32-bit index pointers.
//!
//! The inode and directory tables are decoded once into memory (bounded by the metadata
//! limit); file content is decoded block by block on demand. Directory cycles and
//! out-of-range references are warnings, not loops.

use std::collections::HashSet;
use std::io::{self, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use netvet_model::{EntryKind, WarningCode};

use crate::codec::Codec;
use crate::error::{Error, Result};
use crate::format::{
    Content, Data, Format, Magic, OpenCtx, Opened, Probe, RawEntry, bytes::Endian, io_error,
};
use crate::formats::problems::Problems;
use crate::source::{Source, SourceExt, SourceRef, slice};

const F: &str = "squashfs3";

/// The packed superblock: 952 bits.
const SUPERBLOCK: usize = 119;
const META_MAX: usize = 8192;
const META_UNCOMPRESSED: u16 = 0x8000;
const BLOCK_UNCOMPRESSED: u32 = 1 << 24;
const NO_FRAGMENT: u32 = 0xffff_ffff;
/// A guid index meaning "the same as the uid".
const GUID_IS_UID: u64 = 255;
const FLAG_CHECK: u64 = 1 << 2;
const FLAG_NO_FRAGMENTS: u64 = 1 << 4;
const MAX_DIR_DEPTH: usize = 512;
/// Symlink targets longer than PATH_MAX are hostile.
const MAX_TARGET: usize = 4096;

const DIR: u64 = 1;
const REG: u64 = 2;
const SYMLINK: u64 = 3;
const BLKDEV: u64 = 4;
const CHRDEV: u64 = 5;
const FIFO: u64 = 6;
const SOCKET: u64 = 7;
const LDIR: u64 = 8;
const LREG: u64 = 9;

/// The SquashFS 3.x reader.
pub struct Squashfs3;

/// A bitfield of `n` bits starting `pos` bits into `b`, laid out as the compiler for a
/// machine of byte order `e` packs bitfields. `None` when `b` is too short.
fn bits(b: &[u8], e: Endian, pos: usize, n: usize) -> Option<u64> {
    if (pos + n).div_ceil(8) > b.len() || n > 64 {
        return None;
    }
    let mut v = 0u64;
    for i in 0..n {
        let p = pos + i;
        let byte = b[p / 8];
        match e {
            Endian::Little => v |= (((byte >> (p % 8)) & 1) as u64) << i,
            Endian::Big => v = v << 1 | ((byte >> (7 - p % 8)) & 1) as u64,
        }
    }
    Some(v)
}

/// How the blocks are compressed, as far as the superblock says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Compression {
    /// The standard magic: zlib, unless a block starts like LZMA.
    Standard,
    /// The LZMA magic of vendor builds.
    Lzma,
}

#[derive(Clone, Copy, Debug)]
struct Superblock {
    e: Endian,
    compression: Compression,
    inodes: u64,
    major: u64,
    minor: u64,
    block_size: u64,
    flags: u64,
    no_uids: u64,
    no_guids: u64,
    mtime: u64,
    root_inode: u64,
    fragments: u64,
    bytes_used: u64,
    uid_start: u64,
    guid_start: u64,
    inode_table: u64,
    directory_table: u64,
    fragment_table: u64,
}

fn parse_superblock(b: &[u8]) -> Option<Superblock> {
    let (e, compression) = match b.get(..4)? {
        b"hsqs" => (Endian::Little, Compression::Standard),
        b"sqsh" => (Endian::Big, Compression::Standard),
        b"qshs" => (Endian::Little, Compression::Lzma),
        b"shsq" => (Endian::Big, Compression::Lzma),
        _ => return None,
    };
    let f = |pos, n| bits(b, e, pos, n);
    let sb = Superblock {
        e,
        compression,
        inodes: f(32, 32)?,
        major: f(224, 16)?,
        minor: f(240, 16)?,
        flags: f(288, 8)?,
        no_uids: f(296, 8)?,
        no_guids: f(304, 8)?,
        mtime: f(312, 32)?,
        root_inode: f(344, 64)?,
        block_size: f(408, 32)?,
        fragments: f(440, 32)?,
        bytes_used: f(504, 64)?,
        uid_start: f(568, 64)?,
        guid_start: f(632, 64)?,
        inode_table: f(696, 64)?,
        directory_table: f(760, 64)?,
        fragment_table: f(824, 64)?,
    };
    let block_log = f(272, 16)?;
    let v2 = sb.major == 2;
    let sb = if v2 {
        Superblock {
            bytes_used: f(64, 32)?,
            uid_start: f(96, 32)?,
            guid_start: f(128, 32)?,
            inode_table: f(160, 32)?,
            directory_table: f(192, 32)?,
            fragment_table: f(472, 32)?,
            ..sb
        }
    } else {
        sb
    };
    let plausible = (2..=3).contains(&sb.major)
        && sb.block_size.is_power_of_two()
        && (4096..=1 << 20).contains(&sb.block_size)
        && 1u64.checked_shl(block_log as u32) == Some(sb.block_size)
        && sb.bytes_used >= SUPERBLOCK as u64
        && sb.inode_table < sb.directory_table
        && sb.directory_table < sb.bytes_used
        && sb.uid_start < sb.bytes_used;
    plausible.then_some(sb)
}

impl Format for Squashfs3 {
    fn id(&self) -> &'static str {
        F
    }

    fn extension(&self) -> &'static str {
        "squashfs"
    }

    fn magics(&self) -> &'static [Magic] {
        const {
            &[
                Magic::start(b"hsqs"),
                Magic::start(b"sqsh"),
                Magic::start(b"qshs"),
                Magic::start(b"shsq"),
            ]
        }
    }

    fn probe(&self, src: &dyn Source, offset: u64) -> Option<Probe> {
        let b = src.read_vec(offset, SUPERBLOCK).ok()?;
        let sb = parse_superblock(&b)?;
        Some(Probe {
            length: Some(sb.bytes_used),
            description: describe(&sb, None),
        })
    }

    fn open(&self, src: SourceRef, ctx: &mut OpenCtx<'_>) -> Result<Opened> {
        let b = src
            .read_vec(0, SUPERBLOCK)
            .map_err(|e| Error::read(F, 0, e))?;
        let sb = parse_superblock(&b)
            .ok_or_else(|| Error::corrupt(F, 0, "not a SquashFS 2.x or 3.x superblock"))?;
        if sb.bytes_used > src.len() {
            ctx.warn(
                WarningCode::Truncated,
                if sb.major == 2 { 8 } else { 63 },
                format!(
                    "superblock says {} bytes, only {} present",
                    sb.bytes_used,
                    src.len()
                ),
            );
        }
        let mut fs = Fs {
            src: slice(&src, 0, sb.bytes_used),
            sb,
            frags: Vec::new(),
            lzma_seen: AtomicBool::new(false),
        };
        let budget = ctx.budget;
        budget.check_metadata(sb.directory_table - sb.inode_table, "inode table")?;
        let inodes = fs.read_table(sb.inode_table, sb.directory_table, budget)?;
        // The directory table ends where the next structure starts: the fragment table's
        // first metadata block (before its index), the index, or the owner arrays.
        let first_fragment_block = (sb.fragments > 0)
            .then(|| fs.src.read_vec(sb.fragment_table, 8).ok())
            .flatten()
            .map_or(sb.bytes_used, |b| {
                if sb.major == 2 {
                    sb.e.u32(&b, 0) as u64
                } else {
                    sb.e.u64(&b, 0)
                }
            });
        let dir_end = [
            first_fragment_block,
            sb.fragment_table,
            sb.uid_start,
            sb.guid_start,
            sb.bytes_used,
        ]
        .into_iter()
        .filter(|&t| t > sb.directory_table)
        .min()
        .unwrap_or(sb.bytes_used);
        budget.check_metadata(dir_end - sb.directory_table, "directory table")?;
        let dirs = match fs.read_table(sb.directory_table, dir_end, budget) {
            Ok(t) => t,
            Err(e) => {
                ctx.warn(WarningCode::Corrupt, sb.directory_table, e.to_string());
                Table::default()
            }
        };
        let mut ids = |at: u64, n: u64, what: &str| match fs.read_ids(at, n) {
            Ok(v) => v,
            Err(e) => {
                // Owners are lost, not the files: show them as 0 and say so.
                ctx.warn(
                    WarningCode::Truncated,
                    at,
                    format!("{what} table unreadable ({e}); owners shown as 0"),
                );
                vec![0; n as usize]
            }
        };
        let uids = ids(sb.uid_start, sb.no_uids, "uid");
        let guids = ids(sb.guid_start, sb.no_guids, "gid");
        if sb.fragments > 0 && sb.flags & FLAG_NO_FRAGMENTS == 0 {
            match fs.read_fragment_table(budget) {
                Ok(f) => fs.frags = f,
                Err(e) => ctx.warn(WarningCode::Corrupt, sb.fragment_table, e.to_string()),
            }
        }
        let fs = Arc::new(fs);
        let mut walker = Walker {
            fs: &fs,
            inodes: &inodes,
            dirs: &dirs,
            uids: &uids,
            guids: &guids,
            problems: Problems::default(),
        };
        let entries = walker.walk(ctx)?;
        walker.problems.flush(ctx);
        let codec = fs.seen_lzma();
        Ok(Opened::Archive {
            description: describe(&sb, Some(codec)),
            length: sb.bytes_used,
            entries,
        })
    }
}

fn describe(sb: &Superblock, lzma_seen: Option<bool>) -> String {
    let endian = match sb.e {
        Endian::Little => "little-endian",
        Endian::Big => "big-endian",
    };
    let codec = match (sb.compression, lzma_seen) {
        (Compression::Lzma, _) => "lzma (vendor magic)",
        (Compression::Standard, Some(true)) => "lzma (vendor build, standard magic)",
        (Compression::Standard, _) => "gzip",
    };
    format!(
        "squashfs {}.{}, {endian}, {codec}, block size {}, {} inodes, {} bytes, created {}",
        sb.major,
        sb.minor,
        sb.block_size,
        sb.inodes,
        sb.bytes_used,
        netvet_model::Date::from_unix_days(i64::try_from(sb.mtime / 86_400).unwrap_or(0))
    )
}

/// A decoded metadata table: the bytes of all its blocks, and where each block starts.
#[derive(Default)]
struct Table {
    data: Vec<u8>,
    /// (offset of the block's header relative to the table start, offset in `data`).
    blocks: Vec<(u64, usize)>,
}

impl Table {
    /// The bytes from a reference (block offset relative to the table start, offset within
    /// the decoded block) to the end of the table.
    fn at(&self, block: u64, offset: usize) -> Option<&[u8]> {
        let i = self.blocks.binary_search_by_key(&block, |b| b.0).ok()?;
        self.data.get(self.blocks[i].1 + offset..)
    }
}

struct Fs {
    src: SourceRef,
    sb: Superblock,
    /// Fragment table: (start, size word).
    frags: Vec<(u64, u32)>,
    /// Set once a block decoded as LZMA under the standard magic, for the description.
    lzma_seen: AtomicBool,
}

impl Fs {
    fn seen_lzma(&self) -> bool {
        self.sb.compression == Compression::Lzma || self.lzma_seen.load(Ordering::Relaxed)
    }

    /// Decodes a compressed block: zlib, or LZMA (with the 13-byte header) when the image
    /// says so or the block starts with LZMA properties instead of a zlib header.
    fn decompress(
        &self,
        raw: &[u8],
        out: &mut Vec<u8>,
        max: usize,
    ) -> std::result::Result<(), String> {
        let zlib = raw.len() >= 2
            && raw[0] & 0x0f == 8
            && u16::from_be_bytes([raw[0], raw[1]]).is_multiple_of(31);
        if self.sb.compression == Compression::Standard && zlib {
            return Codec::Zlib.decompress(raw, out, max, None);
        }
        if self.sb.compression == Compression::Standard {
            self.lzma_seen.store(true, Ordering::Relaxed);
        }
        Codec::LzmaAlone.decompress(raw, out, max, None)
    }

    /// Reads one metadata block at `pos`; returns its decoded bytes and the next block's
    /// position.
    fn read_meta_block(&self, pos: u64) -> Result<(Vec<u8>, u64)> {
        let h = self
            .src
            .read_vec(pos, 2)
            .map_err(|e| Error::read(F, pos, e))?;
        let v = self.sb.e.u16(&h, 0);
        let size = (v & !META_UNCOMPRESSED) as usize;
        if size == 0 || size > META_MAX {
            return Err(Error::corrupt(
                F,
                pos,
                format!("metadata block of {size} bytes"),
            ));
        }
        // With the check flag, a marker byte follows the header.
        let body = pos + 2 + u64::from(self.sb.flags & FLAG_CHECK != 0);
        let raw = self
            .src
            .read_vec(body, size)
            .map_err(|e| Error::read(F, body, e))?;
        let data = if v & META_UNCOMPRESSED != 0 {
            raw
        } else {
            let mut out = Vec::with_capacity(META_MAX);
            self.decompress(&raw, &mut out, META_MAX)
                .map_err(|e| Error::corrupt(F, pos, format!("metadata block: {e}")))?;
            out
        };
        Ok((data, body + size as u64))
    }

    /// Decodes consecutive metadata blocks in `[start, end)`.
    fn read_table(&self, start: u64, end: u64, budget: &crate::limits::Budget) -> Result<Table> {
        let mut t = Table::default();
        let mut pos = start;
        while pos < end {
            budget.check_time()?;
            let (data, next) = self.read_meta_block(pos)?;
            t.blocks.push((pos - start, t.data.len()));
            t.data.extend_from_slice(&data);
            budget.check_metadata(t.data.len() as u64, "metadata table")?;
            pos = next;
        }
        Ok(t)
    }

    /// An array of `n` 32-bit owner ids, stored plainly (not in metadata blocks).
    fn read_ids(&self, at: u64, n: u64) -> Result<Vec<u32>> {
        let b = self
            .src
            .read_vec(at, (n * 4) as usize)
            .map_err(|e| Error::read(F, at, e))?;
        Ok(b.chunks_exact(4).map(|c| self.sb.e.u32(c, 0)).collect())
    }

    fn read_fragment_table(&self, budget: &crate::limits::Budget) -> Result<Vec<(u64, u32)>> {
        let n = self.sb.fragments;
        let v2 = self.sb.major == 2;
        // Entries and index pointers: 16 and 8 bytes in version 3, 8 and 4 in version 2.
        let (entry, ptr) = if v2 { (8, 4) } else { (16, 8) };
        let bytes = n * entry;
        budget.check_metadata(bytes, "fragment table")?;
        let blocks = bytes.div_ceil(META_MAX as u64);
        let index = self.sb.fragment_table;
        let ptrs = self
            .src
            .read_vec(index, (blocks * ptr) as usize)
            .map_err(|e| Error::read(F, index, e))?;
        let mut raw = Vec::with_capacity(bytes as usize);
        for i in 0..blocks as usize {
            let p = if v2 {
                self.sb.e.u32(&ptrs, i * 4) as u64
            } else {
                self.sb.e.u64(&ptrs, i * 8)
            };
            let (data, _) = self.read_meta_block(p)?;
            raw.extend_from_slice(&data);
        }
        if (raw.len() as u64) < bytes {
            return Err(Error::truncated(
                F,
                index,
                "fragment table shorter than its count",
            ));
        }
        let e = self.sb.e;
        let start_bits = if v2 { 32 } else { 64 };
        Ok(raw[..bytes as usize]
            .chunks_exact(entry as usize)
            .map(|c| {
                (
                    bits(c, e, 0, start_bits).unwrap_or(0),
                    bits(c, e, start_bits, 32).unwrap_or(0) as u32,
                )
            })
            .collect())
    }

    /// Reads and decodes a data block of `size_word` at `pos` into `out`, expecting `want`
    /// bytes (the block size, or less for the last block).
    fn read_block(&self, pos: u64, size_word: u32, out: &mut Vec<u8>, want: usize) -> Result<()> {
        let size = (size_word & !BLOCK_UNCOMPRESSED) as usize;
        let bs = self.sb.block_size as usize;
        if size > bs {
            return Err(Error::corrupt(
                F,
                pos,
                format!("data block of {size} bytes"),
            ));
        }
        if size == 0 {
            out.clear();
            out.resize(want, 0); // a sparse block
            return Ok(());
        }
        let raw = self
            .src
            .read_vec(pos, size)
            .map_err(|e| Error::read(F, pos, e))?;
        if size_word & BLOCK_UNCOMPRESSED != 0 {
            *out = raw;
        } else {
            self.decompress(&raw, out, bs)
                .map_err(|e| Error::corrupt(F, pos, format!("data block: {e}")))?;
        }
        Ok(())
    }
}

/// A regular file's layout.
struct File {
    fs: Arc<Fs>,
    blocks_start: u64,
    block_sizes: Vec<u32>,
    /// (fragment index, offset in the fragment block) of the tail.
    fragment: Option<(u32, u32)>,
    size: u64,
}

impl Content for File {
    fn open(&self) -> Result<Box<dyn Read + Send + '_>> {
        Ok(Box::new(FileReader {
            file: self,
            next: 0,
            pos: self.blocks_start,
            done: 0,
            buf: Vec::new(),
            at: 0,
        }))
    }
}

struct FileReader<'a> {
    file: &'a File,
    /// Next block index (`block_sizes.len()` means the fragment).
    next: usize,
    /// Where the next block starts.
    pos: u64,
    /// File bytes produced into `buf` so far.
    done: u64,
    buf: Vec<u8>,
    at: usize,
}

impl FileReader<'_> {
    fn refill(&mut self) -> Result<()> {
        let f = self.file;
        let bs = f.fs.sb.block_size;
        let want = (f.size - self.done).min(bs) as usize;
        if let Some(&word) = f.block_sizes.get(self.next) {
            f.fs.read_block(self.pos, word, &mut self.buf, want)?;
            self.pos += (word & !BLOCK_UNCOMPRESSED) as u64;
        } else if let Some((index, offset)) = f.fragment {
            let &(start, word) =
                f.fs.frags.get(index as usize).ok_or_else(|| {
                    Error::corrupt(F, 0, format!("fragment {index} does not exist"))
                })?;
            let mut block = Vec::new();
            f.fs.read_block(start, word, &mut block, bs as usize)?;
            let tail = block
                .get(offset as usize..offset as usize + want)
                .ok_or_else(|| {
                    Error::corrupt(
                        F,
                        start,
                        format!("fragment {index} holds no {want} bytes at {offset}"),
                    )
                })?;
            self.buf = tail.to_vec();
        } else {
            return Err(Error::corrupt(
                F,
                self.pos,
                "file has more bytes than blocks",
            ));
        }
        if self.buf.len() < want {
            return Err(Error::corrupt(
                F,
                self.pos,
                format!(
                    "block {} holds {} bytes, not {want}",
                    self.next,
                    self.buf.len()
                ),
            ));
        }
        self.buf.truncate(want);
        self.next += 1;
        self.done += want as u64;
        self.at = 0;
        Ok(())
    }
}

impl Read for FileReader<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.at >= self.buf.len() {
            if self.done >= self.file.size {
                return Ok(0);
            }
            self.refill().map_err(io_error)?;
        }
        let n = out.len().min(self.buf.len() - self.at);
        out[..n].copy_from_slice(&self.buf[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

struct Walker<'a> {
    fs: &'a Arc<Fs>,
    inodes: &'a Table,
    dirs: &'a Table,
    uids: &'a [u32],
    guids: &'a [u32],
    problems: Problems,
}

/// Where a directory's listing is.
struct DirInfo {
    block: u64,
    offset: usize,
    size: usize,
}

impl Walker<'_> {
    fn walk(&mut self, ctx: &mut OpenCtx<'_>) -> Result<Vec<RawEntry>> {
        let root_ref = self.fs.sb.root_inode;
        let (_, root) = self.inode(root_ref, Vec::new())?;
        let Some(root) = root else {
            return Err(Error::corrupt(F, 43, "root inode is not a directory"));
        };
        let mut entries = Vec::new();
        let mut visited: HashSet<u64> = HashSet::new();
        let mut stack = vec![(Vec::new(), root, 0usize, root_ref)];
        let limit = ctx.budget.limits().max_entries as usize;
        while let Some((path, dir, depth, inode_ref)) = stack.pop() {
            ctx.budget.check_time()?;
            let table_at = self.fs.sb.directory_table + dir.block;
            if !visited.insert(inode_ref) {
                self.problems.report(
                    ctx,
                    WarningCode::Cycle,
                    table_at,
                    format!(
                        "directory {:?} lists a directory already visited; not followed",
                        crate::names::escape_bytes(&path)
                    ),
                );
                continue;
            }
            if depth > MAX_DIR_DEPTH {
                self.problems.report(
                    ctx,
                    WarningCode::Corrupt,
                    table_at,
                    "directories nested too deeply",
                );
                continue;
            }
            let listing = match self.list(&dir) {
                Ok(l) => l,
                Err(e) => {
                    self.problems.report(
                        ctx,
                        WarningCode::Corrupt,
                        table_at,
                        format!("{}: {e}", crate::names::shown(&path)),
                    );
                    continue;
                }
            };
            for (name, child_ref) in listing {
                if name.is_empty() || name == b"." || name == b".." {
                    self.problems.report(
                        ctx,
                        WarningCode::UnsafeName,
                        table_at,
                        "directory entry named `.`, `..` or nothing skipped",
                    );
                    continue;
                }
                let mut child = path.clone();
                if !child.is_empty() {
                    child.push(b'/');
                }
                child.extend(crate::names::fs_component(&name));
                match self.inode(child_ref, child.clone()) {
                    Ok((entry, d)) => {
                        if let Some(d) = d {
                            stack.push((child, d, depth + 1, child_ref));
                        }
                        entries.push(entry);
                        if entries.len() > limit {
                            return Ok(entries);
                        }
                    }
                    Err(e) => self.problems.report(
                        ctx,
                        WarningCode::Corrupt,
                        self.fs.sb.inode_table + (child_ref >> 16),
                        format!("{}: {e}", crate::names::shown(&child)),
                    ),
                }
            }
        }
        Ok(entries)
    }

    /// The (name, inode reference) pairs of a directory.
    fn list(&self, dir: &DirInfo) -> Result<Vec<(Vec<u8>, u64)>> {
        let e = self.fs.sb.e;
        let bad = || {
            Error::corrupt(
                F,
                self.fs.sb.directory_table + dir.block,
                "malformed listing",
            )
        };
        // The size counts 3 bytes more than the listing holds, as in 4.0.
        let d = self
            .dirs
            .at(dir.block, dir.offset)
            .and_then(|d| d.get(..dir.size.saturating_sub(3)))
            .ok_or_else(|| {
                Error::corrupt(
                    F,
                    self.fs.sb.directory_table + dir.block,
                    "directory listing lies outside the directory table",
                )
            })?;
        // Header and entry sizes: 9 and 5 bytes in version 3 (with inode numbers), 4 and 3 in
        // version 2 (and a 24-bit block reference).
        let (header, entry, block_bits) = if self.fs.sb.major == 2 {
            (4, 3, 24)
        } else {
            (9, 5, 32)
        };
        let mut out = Vec::new();
        let mut pos = 0;
        while pos + header <= d.len() {
            let h = &d[pos..pos + header];
            let count = bits(h, e, 0, 8).ok_or_else(bad)? + 1;
            let start_block = bits(h, e, 8, block_bits).ok_or_else(bad)?;
            pos += header;
            for _ in 0..count {
                let h = d.get(pos..pos + entry).ok_or_else(bad)?;
                let offset = bits(h, e, 0, 13).ok_or_else(bad)?;
                let name_len = bits(h, e, 16, 8).ok_or_else(bad)? as usize + 1;
                let name = d.get(pos + entry..pos + entry + name_len).ok_or_else(bad)?;
                out.push((name.to_vec(), start_block << 16 | offset));
                pos += entry + name_len;
            }
        }
        Ok(out)
    }

    /// The entry for the inode at reference `r` named `name`, and where its listing is when
    /// it is a directory.
    fn inode(&self, r: u64, name: Vec<u8>) -> Result<(RawEntry, Option<DirInfo>)> {
        let e = self.fs.sb.e;
        let block = r >> 16;
        let disk = self.fs.sb.inode_table + block;
        let b = self
            .inodes
            .at(block, (r & 0xffff) as usize)
            .ok_or_else(|| {
                Error::corrupt(F, disk, format!("inode reference {r:#x} outside the table"))
            })?;
        let short = || {
            Error::corrupt(
                F,
                disk,
                format!("inode at {r:#x} runs past the inode table"),
            )
        };
        let f = |pos, n| bits(b, e, pos, n).ok_or_else(short);
        let kind_no = f(0, 4)?;
        let kind = match kind_no {
            DIR | LDIR => EntryKind::Dir,
            REG | LREG => EntryKind::File,
            SYMLINK => EntryKind::Symlink,
            BLKDEV => EntryKind::BlockDevice,
            CHRDEV => EntryKind::CharDevice,
            FIFO => EntryKind::Fifo,
            SOCKET => EntryKind::Socket,
            other => {
                return Err(Error::corrupt(F, disk, format!("inode type {other}")));
            }
        };
        let mut entry = RawEntry::new(name, kind);
        entry.offset = disk;
        entry.mode = f(4, 12)? as u32;
        let uid_index = f(16, 8)?;
        let guid_index = f(24, 8)?;
        entry.uid = *self.uids.get(uid_index as usize).ok_or_else(|| {
            Error::corrupt(
                F,
                disk,
                format!("uid index {uid_index} outside the uid table"),
            )
        })?;
        entry.gid = if guid_index == GUID_IS_UID {
            entry.uid
        } else {
            *self.guids.get(guid_index as usize).ok_or_else(|| {
                Error::corrupt(
                    F,
                    disk,
                    format!("gid index {guid_index} outside the gid table"),
                )
            })?
        };
        let v2 = self.fs.sb.major == 2;
        // Version 2 keeps times only in files and directories (at their own places); the
        // other inodes take the image's.
        entry.mtime = match (v2, kind_no) {
            (false, _) => f(32, 32)?,
            (true, REG) => f(32, 32)?,
            (true, DIR) => f(64, 32)?,
            (true, LDIR) => f(72, 32)?,
            (true, _) => self.fs.sb.mtime,
        } as i64;
        let mut dir = None;
        match kind_no {
            DIR => {
                dir = Some(if v2 {
                    DirInfo {
                        size: f(32, 19)? as usize,
                        offset: f(51, 13)? as usize,
                        block: f(96, 24)?,
                    }
                } else {
                    DirInfo {
                        size: f(128, 19)? as usize,
                        offset: f(147, 13)? as usize,
                        block: f(160, 32)?,
                    }
                });
            }
            LDIR => {
                dir = Some(if v2 {
                    DirInfo {
                        size: f(32, 27)? as usize,
                        offset: f(59, 13)? as usize,
                        block: f(104, 24)?,
                    }
                } else {
                    DirInfo {
                        size: f(128, 27)? as usize,
                        offset: f(155, 13)? as usize,
                        block: f(168, 32)?,
                    }
                });
            }
            LREG if v2 => {
                return Err(Error::corrupt(F, disk, "inode type 9 in a version 2 image"));
            }
            REG | LREG => {
                let (start, frag, frag_offset, size, header) = match (v2, kind_no) {
                    (true, _) => (f(64, 32)?, f(96, 32)?, f(128, 32)?, f(160, 32)?, 24),
                    (false, REG) => (f(96, 64)?, f(160, 32)?, f(192, 32)?, f(224, 32)?, 32),
                    _ => (f(128, 64)?, f(192, 32)?, f(224, 32)?, f(256, 64)?, 40),
                };
                let bs = self.fs.sb.block_size;
                let frag = frag as u32;
                let blocks = if frag == NO_FRAGMENT {
                    size.div_ceil(bs)
                } else {
                    size / bs
                };
                let list = b
                    .get(header..)
                    .and_then(|l| l.get(..(blocks as usize).checked_mul(4)?))
                    .ok_or_else(|| {
                        Error::corrupt(
                            F,
                            disk,
                            format!("block list of {blocks} blocks runs past the inode table"),
                        )
                    })?;
                let block_sizes: Vec<u32> = list.chunks_exact(4).map(|c| e.u32(c, 0)).collect();
                let stored: u64 = block_sizes
                    .iter()
                    .map(|w| (w & !BLOCK_UNCOMPRESSED) as u64)
                    .sum();
                if start.saturating_add(stored) > self.fs.src.len() {
                    return Err(Error::corrupt(
                        F,
                        disk,
                        format!("data blocks at {start:#x} run past the image"),
                    ));
                }
                entry.size = size;
                // Hard links are several names of one inode.
                entry.inode = Some(r);
                if size > 0 {
                    entry.data = Data::Coded(Arc::new(File {
                        fs: self.fs.clone(),
                        blocks_start: start,
                        block_sizes,
                        fragment: (frag != NO_FRAGMENT).then_some((frag, frag_offset as u32)),
                        size,
                    }));
                }
            }
            SYMLINK => {
                let (len, at) = if v2 {
                    (f(32, 16)? as usize, 6)
                } else {
                    (f(128, 16)? as usize, 18)
                };
                if len > MAX_TARGET {
                    return Err(Error::corrupt(
                        F,
                        disk,
                        format!("symlink target of {len} bytes"),
                    ));
                }
                let target = b.get(at..at + len).ok_or_else(short)?;
                entry.size = len as u64;
                entry.link_target = Some(target.to_vec());
            }
            BLKDEV | CHRDEV => {
                let rdev = f(if v2 { 32 } else { 128 }, 16)? as u32;
                entry.device = Some((rdev >> 8, rdev & 0xff));
            }
            _ => {}
        }
        Ok((entry, dir))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bitfields_in_both_byte_orders() {
        // A base inode header of a regular file (type 2, mode 0755, uid index 1, guid 255):
        // little-endian packs from bit 0 of the first byte, big-endian from bit 7.
        let le = [0xd2, 0x1e, 0x01, 0xff];
        let be = [0x21, 0xed, 0x01, 0xff];
        for (b, e) in [(le, Endian::Little), (be, Endian::Big)] {
            assert_eq!(bits(&b, e, 0, 4), Some(2));
            assert_eq!(bits(&b, e, 4, 12), Some(0o755));
            assert_eq!(bits(&b, e, 16, 8), Some(1));
            assert_eq!(bits(&b, e, 24, 8), Some(255));
        }
        assert_eq!(bits(&le, Endian::Little, 24, 16), None);
    }
}
