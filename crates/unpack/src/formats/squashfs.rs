//! SquashFS 4.0: little- and big-endian, gzip, lzma, lzo, xz, lz4 and zstd, fragments,
//! sparse blocks, hard links, device nodes and xattrs, plus AVM's variant (big-endian
//! structures with little-endian metadata block headers).
//!
//! The inode and directory tables are decoded once into memory (bounded by the metadata
//! limit); file content is decoded block by block on demand, so files can be read in parallel
//! without holding the image in memory. Directory cycles and out-of-range references are
//! errors, not loops.

use std::collections::{HashSet, VecDeque};
use std::io::{self, Read};
use std::sync::{Arc, Mutex};

use netvet_model::{EntryKind, WarningCode};

use crate::codec::Codec;
use crate::error::{Error, Result};
use crate::format::{
    Content, Data, Format, Magic, OpenCtx, Opened, Probe, RawEntry, bytes::Endian, io_error,
};
use crate::source::{Source, SourceExt, SourceRef, slice};

const F: &str = "squashfs";
const SUPERBLOCK: usize = 96;
const META_MAX: usize = 8192;
const NO_FRAGMENT: u32 = 0xffff_ffff;
const UNCOMPRESSED_BLOCK: u32 = 1 << 24;
/// Directory nesting deeper than this is treated as hostile.
const MAX_DIR_DEPTH: usize = 512;
/// Decoded fragment blocks kept for small files read one after another.
const FRAGMENT_CACHE: usize = 32;

/// The squashfs reader.
pub struct Squashfs;

#[derive(Clone, Copy, Debug)]
struct Superblock {
    /// Endianness of the structures.
    e: Endian,
    /// Endianness of metadata block headers (differs in AVM's variant).
    meta_e: Endian,
    inode_count: u32,
    block_size: u32,
    fragment_count: u32,
    compression: u16,
    flags: u16,
    id_count: u16,
    major: u16,
    minor: u16,
    root_inode: u64,
    bytes_used: u64,
    id_table: u64,
    xattr_id_table: u64,
    inode_table: u64,
    directory_table: u64,
    fragment_table: u64,
    export_table: u64,
    mtime: u32,
}

fn parse_superblock(b: &[u8]) -> Option<Superblock> {
    let e = match &b[0..4] {
        b"hsqs" => Endian::Little,
        b"sqsh" => Endian::Big,
        _ => return None,
    };
    Some(Superblock {
        e,
        meta_e: e,
        inode_count: e.u32(b, 4),
        mtime: e.u32(b, 8),
        block_size: e.u32(b, 12),
        fragment_count: e.u32(b, 16),
        compression: e.u16(b, 20),
        flags: e.u16(b, 24),
        id_count: e.u16(b, 26),
        major: e.u16(b, 28),
        minor: e.u16(b, 30),
        root_inode: e.u64(b, 32),
        bytes_used: e.u64(b, 40),
        id_table: e.u64(b, 48),
        xattr_id_table: e.u64(b, 56),
        inode_table: e.u64(b, 64),
        directory_table: e.u64(b, 72),
        fragment_table: e.u64(b, 80),
        export_table: e.u64(b, 88),
    })
}

fn codec_of(id: u16) -> Option<Codec> {
    Some(match id {
        1 => Codec::Zlib,
        2 => Codec::LzmaAlone,
        3 => Codec::Lzo,
        4 => Codec::Xz,
        5 => Codec::Lz4Block,
        6 => Codec::Zstd,
        _ => return None,
    })
}

fn codec_name(id: u16) -> String {
    match id {
        1 => "gzip".into(),
        2 => "lzma".into(),
        3 => "lzo".into(),
        4 => "xz".into(),
        5 => "lz4".into(),
        6 => "zstd".into(),
        n => format!("unknown compression {n}"),
    }
}

impl Format for Squashfs {
    fn id(&self) -> &'static str {
        F
    }

    fn magics(&self) -> &'static [Magic] {
        const { &[Magic::start(b"hsqs"), Magic::start(b"sqsh")] }
    }

    fn probe(&self, src: &dyn Source, offset: u64) -> Option<Probe> {
        let b = src.read_vec(offset, SUPERBLOCK).ok()?;
        let sb = parse_superblock(&b)?;
        let bs = sb.block_size;
        let plausible = bs.is_power_of_two()
            && (4096..=1 << 20).contains(&bs)
            && sb.bytes_used >= SUPERBLOCK as u64
            && sb.inode_table < sb.bytes_used
            && sb.directory_table < sb.bytes_used
            && sb.inode_table <= sb.directory_table;
        // Versions 2 and 3 have their own reader (`squashfs3`).
        if sb.major != 4 || !plausible || 1u32.checked_shl(sb.e.u16(&b, 22) as u32) != Some(bs) {
            return None;
        }
        let length = (sb.major == 4).then_some(sb.bytes_used);
        Some(Probe {
            length,
            description: describe(&sb),
        })
    }

    fn open(&self, src: SourceRef, ctx: &mut OpenCtx<'_>) -> Result<Opened> {
        let b = src
            .read_vec(0, SUPERBLOCK)
            .map_err(|e| Error::read(F, 0, e))?;
        let mut sb = parse_superblock(&b).ok_or_else(|| Error::corrupt(F, 0, "bad magic"))?;
        if sb.major != 4 {
            return Err(Error::unsupported(
                F,
                0,
                format!("version {}.{} (only 4.0 is read)", sb.major, sb.minor),
            ));
        }
        let codec = codec_of(sb.compression)
            .ok_or_else(|| Error::unsupported(F, 20, codec_name(sb.compression)))?;
        if !sb.block_size.is_power_of_two() || !(4096..=1 << 20).contains(&sb.block_size) {
            return Err(Error::corrupt(
                F,
                12,
                format!("block size {}", sb.block_size),
            ));
        }
        if sb.bytes_used > src.len() {
            ctx.warn(
                WarningCode::Truncated,
                40,
                format!(
                    "superblock says {} bytes, only {} present",
                    sb.bytes_used,
                    src.len()
                ),
            );
        }
        let src = slice(&src, 0, sb.bytes_used);
        if sb.e == Endian::Big {
            sb.meta_e = detect_meta_endian(&src, &sb);
        }
        let mut fs = Fs {
            src: src.clone(),
            sb,
            codec,
            frags: Vec::new(),
            frag_cache: Mutex::new(VecDeque::new()),
        };
        let budget = ctx.budget;
        budget.check_metadata(
            sb.directory_table.saturating_sub(sb.inode_table),
            "inode table",
        )?;
        let inodes = fs.read_table(sb.inode_table, sb.directory_table, budget)?;
        let dir_end = directory_table_end(&fs, &sb);
        budget.check_metadata(
            dir_end.saturating_sub(sb.directory_table),
            "directory table",
        )?;
        let dirs = match fs.read_table(sb.directory_table, dir_end, budget) {
            Ok(t) => t,
            Err(e) => {
                ctx.warn(WarningCode::Corrupt, sb.directory_table, e.to_string());
                Table::default()
            }
        };
        let ids = fs.read_u32_table(sb.id_table, sb.id_count as u64, budget)?;
        if sb.fragment_count > 0 && sb.flags & 0x10 == 0 {
            match fs.read_fragment_table(budget) {
                Ok(f) => fs.frags = f,
                Err(e) => ctx.warn(WarningCode::Corrupt, sb.fragment_table, e.to_string()),
            }
        }
        let xattrs = if sb.xattr_id_table != u64::MAX && sb.flags & 0x200 == 0 {
            match Xattrs::load(&fs, budget) {
                Ok(x) => Some(x),
                Err(e) => {
                    ctx.warn(WarningCode::Corrupt, sb.xattr_id_table, e.to_string());
                    None
                }
            }
        } else {
            None
        };
        let fs = Arc::new(fs);
        let walker = Walker {
            fs: &fs,
            inodes: &inodes,
            dirs: &dirs,
            ids: &ids,
            xattrs: xattrs.as_ref(),
        };
        let entries = walker.walk(ctx)?;
        Ok(Opened::Archive {
            description: describe(&sb),
            length: sb.bytes_used,
            entries,
        })
    }
}

fn describe(sb: &Superblock) -> String {
    let endian = match (sb.e, sb.meta_e) {
        (Endian::Little, _) => "little-endian",
        (Endian::Big, Endian::Big) => "big-endian",
        (Endian::Big, Endian::Little) => "big-endian (AVM variant)",
    };
    format!(
        "squashfs {}.{}, {endian}, {}, block size {}, {} inodes, {} bytes, created {}",
        sb.major,
        sb.minor,
        codec_name(sb.compression),
        sb.block_size,
        sb.inode_count,
        sb.bytes_used,
        netvet_model::Date::from_unix_days(i64::from(sb.mtime) / 86_400)
    )
}

/// AVM's big-endian images keep metadata block headers little-endian. The right reading is
/// the one whose chain of block headers through the inode table lands exactly on the
/// directory table.
fn detect_meta_endian(src: &SourceRef, sb: &Superblock) -> Endian {
    let chain_fits = |e: Endian| {
        let mut pos = sb.inode_table;
        for _ in 0..(1 << 20) {
            if pos == sb.directory_table {
                return true;
            }
            let Ok(h) = src.read_vec(pos, 2) else {
                return false;
            };
            let size = (e.u16(&h, 0) & 0x7fff) as u64;
            if size == 0 || size > META_MAX as u64 || pos > sb.directory_table {
                return false;
            }
            pos += 2 + size;
        }
        false
    };
    if !chain_fits(Endian::Big) && chain_fits(Endian::Little) {
        Endian::Little
    } else {
        Endian::Big
    }
}

/// Where the directory table ends: the nearest table start after it.
fn directory_table_end(fs: &Fs, sb: &Superblock) -> u64 {
    let mut ends = vec![sb.bytes_used];
    let mut consider = |v: u64| {
        if v > sb.directory_table && v < sb.bytes_used {
            ends.push(v);
        }
    };
    for t in [
        sb.fragment_table,
        sb.export_table,
        sb.id_table,
        sb.xattr_id_table,
    ] {
        if t != u64::MAX {
            consider(t);
            // The first metadata block of each table precedes its index.
            if let Ok(b) = fs.src.read_vec(t, 8) {
                consider(sb.e.u64(&b, 0));
            }
        }
    }
    if sb.xattr_id_table != u64::MAX
        && let Ok(b) = fs.src.read_vec(sb.xattr_id_table, 8)
    {
        consider(sb.e.u64(&b, 0));
    }
    ends.into_iter().min().unwrap_or(sb.bytes_used)
}

/// A decoded metadata table: the bytes of all its blocks, and where each block starts.
#[derive(Default)]
struct Table {
    data: Vec<u8>,
    /// (offset of the block's header relative to the table start, offset in `data`).
    blocks: Vec<(u64, usize)>,
}

impl Table {
    /// The position in `data` of a reference (block offset relative to the table start,
    /// offset within the decoded block).
    fn locate(&self, block: u64, offset: usize) -> Option<usize> {
        let i = self.blocks.binary_search_by_key(&block, |b| b.0).ok()?;
        let pos = self.blocks[i].1 + offset;
        (pos <= self.data.len()).then_some(pos)
    }
}

struct Fs {
    src: SourceRef,
    sb: Superblock,
    codec: Codec,
    /// Fragment table: (start, size word).
    frags: Vec<(u64, u32)>,
    frag_cache: Mutex<VecDeque<(u32, Arc<Vec<u8>>)>>,
}

impl Fs {
    /// Reads one metadata block at `pos`; returns its decoded bytes and the next block's
    /// position.
    fn read_meta_block(&self, pos: u64) -> Result<(Vec<u8>, u64)> {
        let h = self
            .src
            .read_vec(pos, 2)
            .map_err(|e| Error::read(F, pos, e))?;
        let v = self.sb.meta_e.u16(&h, 0);
        let size = (v & 0x7fff) as usize;
        if size == 0 || size > META_MAX {
            return Err(Error::corrupt(
                F,
                pos,
                format!("metadata block of {size} bytes"),
            ));
        }
        let raw = self
            .src
            .read_vec(pos + 2, size)
            .map_err(|e| Error::read(F, pos + 2, e))?;
        let data = if v & 0x8000 != 0 {
            raw
        } else {
            let mut out = Vec::with_capacity(META_MAX);
            self.codec
                .decompress(&raw, &mut out, META_MAX, None)
                .map_err(|e| Error::corrupt(F, pos, format!("metadata block: {e}")))?;
            out
        };
        Ok((data, pos + 2 + size as u64))
    }

    /// Decodes consecutive metadata blocks in `[start, end)`.
    fn read_table(&self, start: u64, end: u64, budget: &crate::limits::Budget) -> Result<Table> {
        let mut t = Table::default();
        let mut pos = start;
        while pos < end {
            let (data, next) = self.read_meta_block(pos)?;
            t.blocks.push((pos - start, t.data.len()));
            t.data.extend_from_slice(&data);
            budget.check_metadata(t.data.len() as u64, "metadata table")?;
            pos = next;
        }
        Ok(t)
    }

    /// Reads `count` bytes from the metadata blocks listed in an index of u64 pointers at
    /// `index` (the layout of the id, fragment and xattr id tables).
    fn read_indexed(
        &self,
        index: u64,
        count: u64,
        budget: &crate::limits::Budget,
    ) -> Result<Vec<u8>> {
        budget.check_metadata(count, "lookup table")?;
        let blocks = count.div_ceil(META_MAX as u64);
        let ptrs = self
            .src
            .read_vec(index, (blocks * 8) as usize)
            .map_err(|e| Error::read(F, index, e))?;
        let mut out = Vec::with_capacity(count as usize);
        for i in 0..blocks as usize {
            let p = self.sb.e.u64(&ptrs, i * 8);
            let (data, _) = self.read_meta_block(p)?;
            out.extend_from_slice(&data);
            if out.len() as u64 >= count {
                break;
            }
        }
        if (out.len() as u64) < count {
            return Err(Error::truncated(
                F,
                index,
                "lookup table shorter than its count",
            ));
        }
        out.truncate(count as usize);
        Ok(out)
    }

    fn read_u32_table(
        &self,
        index: u64,
        n: u64,
        budget: &crate::limits::Budget,
    ) -> Result<Vec<u32>> {
        let b = self.read_indexed(index, n * 4, budget)?;
        Ok(b.chunks_exact(4).map(|c| self.sb.e.u32(c, 0)).collect())
    }

    fn read_fragment_table(&self, budget: &crate::limits::Budget) -> Result<Vec<(u64, u32)>> {
        let n = self.sb.fragment_count as u64;
        let b = self.read_indexed(self.sb.fragment_table, n * 16, budget)?;
        Ok(b.chunks_exact(16)
            .map(|c| (self.sb.e.u64(c, 0), self.sb.e.u32(c, 8)))
            .collect())
    }

    /// Reads and decodes a data block of `size_word` at `pos` into `out`; `max` is the
    /// decoded size expected (block size, or less for the last block).
    fn read_block(&self, pos: u64, size_word: u32, out: &mut Vec<u8>, max: usize) -> Result<()> {
        let size = (size_word & !UNCOMPRESSED_BLOCK) as usize;
        if size > self.sb.block_size as usize {
            return Err(Error::corrupt(
                F,
                pos,
                format!("data block of {size} bytes"),
            ));
        }
        if size_word & UNCOMPRESSED_BLOCK != 0 {
            out.resize(size.min(max), 0);
            self.src
                .read_exact_at(pos, out)
                .map_err(|e| Error::read(F, pos, e))?;
            return Ok(());
        }
        let raw = self
            .src
            .read_vec(pos, size)
            .map_err(|e| Error::read(F, pos, e))?;
        self.codec
            .decompress(&raw, out, self.sb.block_size as usize, None)
            .map_err(|e| Error::corrupt(F, pos, format!("data block: {e}")))
    }

    fn fragment(&self, index: u32) -> Result<Arc<Vec<u8>>> {
        {
            let cache = self.frag_cache.lock().unwrap_or_else(|p| p.into_inner());
            if let Some((_, b)) = cache.iter().find(|(i, _)| *i == index) {
                return Ok(b.clone());
            }
        }
        let &(start, size) = self
            .frags
            .get(index as usize)
            .ok_or_else(|| Error::corrupt(F, 0, format!("fragment {index} does not exist")))?;
        let mut out = Vec::with_capacity(self.sb.block_size as usize);
        self.read_block(start, size, &mut out, self.sb.block_size as usize)?;
        let block = Arc::new(out);
        let mut cache = self.frag_cache.lock().unwrap_or_else(|p| p.into_inner());
        if cache.len() >= FRAGMENT_CACHE {
            cache.pop_front();
        }
        cache.push_back((index, block.clone()));
        Ok(block)
    }
}

/// A regular file's layout.
struct File {
    fs: Arc<Fs>,
    blocks_start: u64,
    block_sizes: Vec<u32>,
    fragment: Option<(u32, u32)>,
    size: u64,
}

impl Content for File {
    fn open(&self) -> Result<Box<dyn Read + Send + '_>> {
        Ok(Box::new(FileReader {
            file: self,
            next_block: 0,
            block_pos: self.blocks_start,
            buf: Vec::new(),
            buf_pos: 0,
            produced: 0,
            fragment_done: false,
        }))
    }
}

struct FileReader<'a> {
    file: &'a File,
    next_block: usize,
    block_pos: u64,
    buf: Vec<u8>,
    buf_pos: usize,
    produced: u64,
    fragment_done: bool,
}

impl FileReader<'_> {
    fn refill(&mut self) -> Result<bool> {
        let f = self.file;
        let bs = f.fs.sb.block_size as u64;
        let remaining = f.size - self.produced;
        if remaining == 0 {
            return Ok(false);
        }
        self.buf_pos = 0;
        if let Some(&word) = f.block_sizes.get(self.next_block) {
            let want = remaining.min(bs) as usize;
            if word & !UNCOMPRESSED_BLOCK == 0 {
                // Sparse block: zeros.
                self.buf.clear();
                self.buf.resize(want, 0);
            } else {
                f.fs.read_block(self.block_pos, word, &mut self.buf, want)?;
                self.block_pos += (word & !UNCOMPRESSED_BLOCK) as u64;
                if self.buf.len() < want {
                    return Err(Error::corrupt(
                        F,
                        self.block_pos,
                        format!("block decodes to {} bytes, expected {want}", self.buf.len()),
                    ));
                }
                self.buf.truncate(want);
            }
            self.next_block += 1;
            return Ok(true);
        }
        match f.fragment {
            Some((index, offset)) if !self.fragment_done => {
                let block = f.fs.fragment(index)?;
                let start = offset as usize;
                let end = start + remaining as usize;
                let bytes = block.get(start..end).ok_or_else(|| {
                    Error::corrupt(F, 0, format!("file tail outside fragment {index}"))
                })?;
                self.buf.clear();
                self.buf.extend_from_slice(bytes);
                self.fragment_done = true;
                Ok(true)
            }
            _ => Err(Error::truncated(
                F,
                self.block_pos,
                format!("file has {remaining} bytes more than its blocks hold"),
            )),
        }
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

/// The extended attributes of the image, looked up by xattr id.
struct Xattrs {
    /// Per id: (reference into the key/value table, count).
    ids: Vec<(u64, u32)>,
    table: Table,
}

impl Xattrs {
    fn load(fs: &Fs, budget: &crate::limits::Budget) -> Result<Xattrs> {
        let at = fs.sb.xattr_id_table;
        let h = fs.src.read_vec(at, 16).map_err(|e| Error::read(F, at, e))?;
        let table_start = fs.sb.e.u64(&h, 0);
        let count = fs.sb.e.u32(&h, 8) as u64;
        let raw = fs.read_indexed(at + 16, count * 16, budget)?;
        let ids = raw
            .chunks_exact(16)
            .map(|c| (fs.sb.e.u64(c, 0), fs.sb.e.u32(c, 8)))
            .collect();
        budget.check_metadata(at.saturating_sub(table_start), "xattr table")?;
        let table = fs.read_table(table_start, at, budget)?;
        Ok(Xattrs { ids, table })
    }

    fn get(&self, e: Endian, id: u32) -> Result<Vec<(String, Vec<u8>)>> {
        let &(r, count) = self
            .ids
            .get(id as usize)
            .ok_or_else(|| Error::corrupt(F, 0, format!("xattr id {id} out of range")))?;
        let mut pos = self
            .table
            .locate(r >> 16, (r & 0xffff) as usize)
            .ok_or_else(|| Error::corrupt(F, 0, "xattr reference outside the table"))?;
        let d = &self.table.data;
        let bad = || Error::corrupt(F, 0, "xattr entry runs past the table");
        let mut out = Vec::new();
        for _ in 0..count.min(1024) {
            let hdr = d.get(pos..pos + 4).ok_or_else(bad)?;
            let kind = e.u16(hdr, 0);
            let name_len = e.u16(hdr, 2) as usize;
            let name = d.get(pos + 4..pos + 4 + name_len).ok_or_else(bad)?;
            pos += 4 + name_len;
            let vsize = e.u32(d.get(pos..pos + 4).ok_or_else(bad)?, 0) as usize;
            let mut value = d.get(pos + 4..pos + 4 + vsize).ok_or_else(bad)?.to_vec();
            pos += 4 + vsize;
            if kind & 0x100 != 0 && value.len() == 8 {
                // Out-of-line value: a reference to where the value is stored.
                let vr = e.u64(&value, 0);
                let vp = self
                    .table
                    .locate(vr >> 16, (vr & 0xffff) as usize)
                    .ok_or_else(bad)?;
                let n = e.u32(d.get(vp..vp + 4).ok_or_else(bad)?, 0) as usize;
                value = d.get(vp + 4..vp + 4 + n).ok_or_else(bad)?.to_vec();
            }
            let prefix = match kind & 0xff {
                0 => "user.",
                1 => "trusted.",
                2 => "security.",
                _ => "unknown.",
            };
            out.push((
                format!("{prefix}{}", crate::names::escape_bytes(name)),
                value,
            ));
        }
        Ok(out)
    }
}

struct Walker<'a> {
    fs: &'a Arc<Fs>,
    inodes: &'a Table,
    dirs: &'a Table,
    ids: &'a [u32],
    xattrs: Option<&'a Xattrs>,
}

/// What the walk needs from a directory inode.
struct DirInfo {
    block: u64,
    offset: usize,
    size: usize,
}

struct Inode {
    entry: RawEntry,
    dir: Option<DirInfo>,
}

impl Walker<'_> {
    fn walk(&self, ctx: &mut OpenCtx<'_>) -> Result<Vec<RawEntry>> {
        let root = self.inode(self.fs.sb.root_inode, Vec::new())?;
        let mut entries = Vec::new();
        // Directories are identified by their inode: empty directories legitimately share
        // one (empty) listing, but a directory inode reached twice is a cycle.
        let mut visited: HashSet<u64> = HashSet::new();
        let mut stack: Vec<(Vec<u8>, DirInfo, usize, u64)> = Vec::new();
        if let Some(d) = root.dir {
            stack.push((Vec::new(), d, 0, self.fs.sb.root_inode));
        } else {
            return Err(Error::corrupt(F, 32, "root inode is not a directory"));
        }
        let limit = ctx.budget.limits().max_entries as usize;
        while let Some((path, dir, depth, inode_ref)) = stack.pop() {
            if !visited.insert(inode_ref) {
                ctx.warn(
                    WarningCode::Cycle,
                    self.fs.sb.directory_table + dir.block,
                    format!(
                        "directory {:?} lists a directory already visited; not followed",
                        crate::names::escape_bytes(&path)
                    ),
                );
                continue;
            }
            if depth > MAX_DIR_DEPTH {
                ctx.warn(WarningCode::Corrupt, 0, "directories nested too deeply");
                continue;
            }
            let listing = match self.list(&dir) {
                Ok(l) => l,
                Err(e) => {
                    ctx.warn(
                        WarningCode::Corrupt,
                        self.fs.sb.directory_table,
                        e.to_string(),
                    );
                    continue;
                }
            };
            for (name, inode_ref) in listing {
                if name.is_empty() || name == b"." || name == b".." {
                    ctx.warn(
                        WarningCode::UnsafeName,
                        0,
                        "directory entry named `.`, `..` or nothing skipped",
                    );
                    continue;
                }
                let mut child = path.clone();
                if !child.is_empty() {
                    child.push(b'/');
                }
                child.extend(crate::names::fs_component(&name));
                match self.inode(inode_ref, child.clone()) {
                    Ok(inode) => {
                        if let Some(d) = inode.dir {
                            stack.push((child, d, depth + 1, inode_ref));
                        }
                        entries.push(inode.entry);
                        if entries.len() > limit {
                            return Ok(entries);
                        }
                    }
                    Err(e) => ctx.warn(
                        WarningCode::Corrupt,
                        0,
                        format!("{}: {e}", crate::names::escape_bytes(&child)),
                    ),
                }
            }
        }
        Ok(entries)
    }

    /// The (name, inode reference) pairs of a directory.
    fn list(&self, dir: &DirInfo) -> Result<Vec<(Vec<u8>, u64)>> {
        let e = self.fs.sb.e;
        let start = self
            .dirs
            .locate(dir.block, dir.offset)
            .ok_or_else(|| Error::corrupt(F, 0, "directory reference outside the table"))?;
        let end = start + dir.size.saturating_sub(3);
        let d = self
            .dirs
            .data
            .get(start..end)
            .ok_or_else(|| Error::corrupt(F, 0, "directory listing runs past the table"))?;
        let bad = || Error::corrupt(F, 0, "directory listing is malformed");
        let mut out = Vec::new();
        let mut pos = 0;
        while pos + 12 <= d.len() {
            let count = e.u32(d, pos) as usize + 1;
            let start_block = e.u32(d, pos + 4) as u64;
            pos += 12;
            if count > 256 {
                return Err(Error::corrupt(
                    F,
                    0,
                    format!("directory header with {count} entries"),
                ));
            }
            for _ in 0..count {
                let h = d.get(pos..pos + 8).ok_or_else(bad)?;
                let offset = e.u16(h, 0) as u64;
                let name_len = e.u16(h, 6) as usize + 1;
                let name = d.get(pos + 8..pos + 8 + name_len).ok_or_else(bad)?;
                out.push((name.to_vec(), start_block << 16 | offset));
                pos += 8 + name_len;
            }
        }
        Ok(out)
    }

    fn id(&self, idx: u16) -> u32 {
        self.ids.get(idx as usize).copied().unwrap_or(0)
    }

    fn inode(&self, r: u64, name: Vec<u8>) -> Result<Inode> {
        let e = self.fs.sb.e;
        let block = r >> 16;
        let off = (r & 0xffff) as usize;
        let pos = self.inodes.locate(block, off).ok_or_else(|| {
            Error::corrupt(F, 0, format!("inode reference {r:#x} outside the table"))
        })?;
        let disk = self.fs.sb.inode_table + block;
        let d = &self.inodes.data[pos..];
        let bad = || Error::truncated(F, disk, "inode runs past the table");
        let h = d.get(..16).ok_or_else(bad)?;
        let kind = e.u16(h, 0);
        let mut entry = RawEntry::new(name, EntryKind::File);
        entry.mode = (e.u16(h, 2) & 0o7777) as u32;
        entry.uid = self.id(e.u16(h, 4));
        entry.gid = self.id(e.u16(h, 6));
        entry.mtime = e.u32(h, 8) as i64;
        let number = e.u32(h, 12) as u64;
        entry.offset = disk;
        let b = &d[16..];
        let field = |at: usize, n: usize| b.get(at..at + n).ok_or_else(bad);
        let mut dir = None;
        let mut xattr = NO_FRAGMENT;
        match kind {
            1 | 8 => {
                entry.kind = EntryKind::Dir;
                dir = Some(if kind == 1 {
                    let f = field(0, 16)?;
                    DirInfo {
                        block: e.u32(f, 0) as u64,
                        size: e.u16(f, 8) as usize,
                        offset: e.u16(f, 10) as usize,
                    }
                } else {
                    let f = field(0, 24)?;
                    xattr = e.u32(f, 20);
                    DirInfo {
                        size: e.u32(f, 4) as usize,
                        block: e.u32(f, 8) as u64,
                        offset: e.u16(f, 18) as usize,
                    }
                });
            }
            2 | 9 => {
                let (blocks_start, frag, frag_off, size, nlink, rest) = if kind == 2 {
                    let f = field(0, 16)?;
                    (
                        e.u32(f, 0) as u64,
                        e.u32(f, 4),
                        e.u32(f, 8),
                        e.u32(f, 12) as u64,
                        1,
                        16,
                    )
                } else {
                    let f = field(0, 40)?;
                    xattr = e.u32(f, 36);
                    (
                        e.u64(f, 0),
                        e.u32(f, 28),
                        e.u32(f, 32),
                        e.u64(f, 8),
                        e.u32(f, 24),
                        40,
                    )
                };
                let bs = self.fs.sb.block_size as u64;
                let n = if frag == NO_FRAGMENT {
                    size.div_ceil(bs)
                } else {
                    size / bs
                };
                if n > (b.len() / 4) as u64 {
                    return Err(Error::corrupt(
                        F,
                        disk,
                        format!("file of {size} bytes needs {n} block sizes, table too short"),
                    ));
                }
                let sizes = field(rest, n as usize * 4)?;
                let block_sizes: Vec<u32> = sizes.chunks_exact(4).map(|c| e.u32(c, 0)).collect();
                entry.size = size;
                if nlink > 1 {
                    entry.inode = Some(number);
                }
                if size > 0 {
                    entry.data = Data::Coded(Arc::new(File {
                        fs: self.fs.clone(),
                        blocks_start,
                        block_sizes,
                        fragment: (frag != NO_FRAGMENT).then_some((frag, frag_off)),
                        size,
                    }));
                }
            }
            3 | 10 => {
                entry.kind = EntryKind::Symlink;
                let f = field(0, 8)?;
                let len = e.u32(f, 4) as usize;
                if len > 65536 {
                    return Err(Error::corrupt(
                        F,
                        disk,
                        format!("symlink target of {len} bytes"),
                    ));
                }
                let target = field(8, len)?.to_vec();
                if kind == 10 {
                    xattr = e.u32(field(8 + len, 4)?, 0);
                }
                entry.size = target.len() as u64;
                entry.link_target = Some(target);
            }
            4 | 5 | 11 | 12 => {
                entry.kind = if kind == 4 || kind == 11 {
                    EntryKind::BlockDevice
                } else {
                    EntryKind::CharDevice
                };
                let f = field(0, 8)?;
                let dev = e.u32(f, 4);
                entry.device = Some(((dev >> 8) & 0xfff, (dev & 0xff) | ((dev >> 12) & 0xfff00)));
                if kind > 10 {
                    xattr = e.u32(field(8, 4)?, 0);
                }
            }
            6 | 7 | 13 | 14 => {
                entry.kind = if kind == 6 || kind == 13 {
                    EntryKind::Fifo
                } else {
                    EntryKind::Socket
                };
                if kind > 10 {
                    xattr = e.u32(field(4, 4)?, 0);
                }
            }
            other => {
                return Err(Error::corrupt(
                    F,
                    disk,
                    format!("unknown inode type {other}"),
                ));
            }
        }
        if xattr != NO_FRAGMENT
            && let Some(x) = self.xattrs
        {
            entry.xattrs = x.get(e, xattr)?;
        }
        Ok(Inode { entry, dir })
    }
}
