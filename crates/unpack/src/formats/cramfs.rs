//! cramfs, the compressed ROM filesystem of older routers: little- and big-endian images
//! (`mkfs.cramfs -N big`), zlib blocks of one page, holes, the block-pointer extensions of
//! newer kernels (uncompressed and directly addressed blocks), and images padded by 512 bytes
//! for boot code.
//!
//! The format is small: a superblock with the root inode, then directories as runs of 12-byte
//! inodes each followed by its name, then file data as a table of block pointers followed by
//! the blocks. cramfs stores no times and no link counts, keeps 16 bits of uid and 8 bits of
//! gid, and has no hard links (mkfs.cramfs makes identical files share their data instead), so
//! entries carry mtime 0 and truncated owners.

use std::collections::{HashMap, HashSet};
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

const F: &str = "cramfs";

const MAGIC_LE: [u8; 4] = [0x45, 0x3d, 0xcd, 0x28];
const MAGIC_BE: [u8; 4] = [0x28, 0xcd, 0x3d, 0x45];
const SIGNATURE: &[u8; 16] = b"Compressed ROMFS";
const SUPER: usize = 76;
const INODE: usize = 12;
/// Boot-code padding some images start with (`mkfs.cramfs -p`); the kernel looks there too.
const PAD: u64 = 512;
/// The block size is the page size of the machine the image is for (`mkfs.cramfs -b`); the
/// superblock does not record it, so it is worked out from the first file of several blocks.
const PAGE: u64 = 4096;
const PAGE_SIZES: [u64; 5] = [4096, 8192, 16384, 32768, 65536];

const FLAG_FSID_VERSION_2: u32 = 0x1;
const FLAG_SHIFTED_ROOT_OFFSET: u32 = 0x400;
const SUPPORTED_FLAGS: u32 = 0xff | 0x100 | 0x200 | 0x400 | 0x800;

const BLK_UNCOMPRESSED: u32 = 1 << 31;
const BLK_DIRECT: u32 = 1 << 30;
const BLK_FLAGS: u32 = BLK_UNCOMPRESSED | BLK_DIRECT;

/// Inode offsets are 26 bits of 4-byte units: no image is larger.
const MAX_IMAGE: u64 = 1 << 28;
/// Older images without a size field: the kernel assumes this much.
const MAX_LISTING: u64 = 1 << 24;
/// Symlink targets longer than PATH_MAX are hostile.
const MAX_TARGET: u64 = 4096;
const MAX_DIR_DEPTH: usize = 512;

const S_IFMT: u32 = 0o170000;
const S_IFDIR: u32 = 0o040000;
const S_IFREG: u32 = 0o100000;
const S_IFLNK: u32 = 0o120000;
const S_IFCHR: u32 = 0o020000;
const S_IFBLK: u32 = 0o060000;
const S_IFIFO: u32 = 0o010000;
const S_IFSOCK: u32 = 0o140000;

/// The cramfs reader.
pub struct Cramfs;

static MAGICS: [Magic; 4] = [
    Magic::start(&MAGIC_LE),
    Magic::start(&MAGIC_BE),
    Magic {
        at: PAD,
        bytes: &MAGIC_LE,
        align: 1,
    },
    Magic {
        at: PAD,
        bytes: &MAGIC_BE,
        align: 1,
    },
];

/// One 12-byte inode, its bitfields unpacked. Compilers lay bitfields out from the least
/// significant bit on little-endian machines and from the most significant on big-endian
/// ones, so each byte order has its own layout of the three words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Inode {
    mode: u32,
    uid: u32,
    /// File size, or the device number of a device node.
    size: u32,
    gid: u32,
    /// Name length in bytes (a multiple of 4, NUL-padded).
    namelen: usize,
    /// Byte offset of the data (files, symlinks) or first child (directories).
    offset: u64,
}

fn parse_inode(e: Endian, b: &[u8]) -> Inode {
    let (w0, w1, w2) = (e.u32(b, 0), e.u32(b, 4), e.u32(b, 8));
    let (mode, uid, size, gid, namelen, offset) = match e {
        Endian::Little => (
            w0 & 0xffff,
            w0 >> 16,
            w1 & 0xff_ffff,
            w1 >> 24,
            w2 & 0x3f,
            w2 >> 6,
        ),
        Endian::Big => (
            w0 >> 16,
            w0 & 0xffff,
            w1 >> 8,
            w1 & 0xff,
            w2 >> 26,
            w2 & 0x3ff_ffff,
        ),
    };
    Inode {
        mode,
        uid,
        size,
        gid,
        namelen: namelen as usize * 4,
        offset: offset as u64 * 4,
    }
}

#[derive(Clone, Copy, Debug)]
struct Super {
    e: Endian,
    /// Where the superblock is (0, or 512 after boot-code padding).
    base: u64,
    size: u32,
    flags: u32,
    crc: u32,
    files: u32,
    root: Inode,
}

/// Parses the superblock found `base` bytes into `b` (which holds at least `base + SUPER`).
fn parse_super(b: &[u8], base: usize) -> Option<Super> {
    let s = b.get(base..base + SUPER)?;
    let e = if s[..4] == MAGIC_LE {
        Endian::Little
    } else if s[..4] == MAGIC_BE {
        Endian::Big
    } else {
        return None;
    };
    if &s[16..32] != SIGNATURE {
        return None;
    }
    let sb = Super {
        e,
        base: base as u64,
        size: e.u32(s, 4),
        flags: e.u32(s, 8),
        crc: e.u32(s, 32),
        files: e.u32(s, 44),
        root: parse_inode(e, &s[64..76]),
    };
    if sb.flags & !SUPPORTED_FLAGS != 0 || sb.root.mode & S_IFMT != S_IFDIR {
        return None;
    }
    // The root listing starts right after the superblock unless the image says it moved
    // (an empty filesystem has none).
    let root = sb.root.offset;
    let expected = sb.base + SUPER as u64;
    if root != 0 && sb.flags & FLAG_SHIFTED_ROOT_OFFSET == 0 && root != expected {
        return None;
    }
    if sb.flags & FLAG_FSID_VERSION_2 != 0
        && ((sb.size as u64) < expected || sb.size as u64 > MAX_IMAGE)
    {
        return None;
    }
    Some(sb)
}

/// Finds the superblock at `offset` of `src` or 512 bytes after it.
fn find_super(src: &dyn Source, offset: u64) -> Option<Super> {
    let b = src.read_upto(offset, PAD as usize + SUPER).ok()?;
    parse_super(&b, 0).or_else(|| parse_super(&b, PAD as usize))
}

impl Format for Cramfs {
    fn id(&self) -> &'static str {
        F
    }

    fn magics(&self) -> &'static [Magic] {
        &MAGICS
    }

    fn probe(&self, src: &dyn Source, offset: u64) -> Option<Probe> {
        let sb = find_super(src, offset)?;
        Some(Probe {
            length: length_of(&sb),
            description: describe(&sb),
        })
    }

    fn open(&self, src: SourceRef, ctx: &mut OpenCtx<'_>) -> Result<Opened> {
        let sb = find_super(&*src, 0).ok_or_else(|| Error::corrupt(F, 0, "no valid superblock"))?;
        let length = length_of(&sb).unwrap_or_else(|| src.len().min(MAX_IMAGE));
        if length > src.len() {
            ctx.warn(
                WarningCode::Truncated,
                sb.base + 4,
                format!("superblock says {length} bytes, only {} present", src.len()),
            );
        } else if sb.flags & FLAG_FSID_VERSION_2 != 0 {
            check_crc(&*src, &sb, ctx)?;
        }
        let fs = Arc::new(Fs {
            src: crate::source::slice(&src, 0, length),
            e: sb.e,
        });
        let (entries, page) = Walker {
            fs: &fs,
            visited: HashSet::new(),
            entries: Vec::new(),
            problems: Problems::default(),
            tables: HashMap::new(),
            table_bytes: 0,
            target_bytes: 0,
            page: None,
            page_tries: 0,
        }
        .walk(&sb, ctx)?;
        let mut description = describe(&sb);
        if let Some(page) = page.filter(|&p| p != PAGE) {
            description.push_str(&format!(", {} KiB blocks", page / 1024));
        }
        Ok(Opened::Archive {
            description,
            length,
            entries,
        })
    }
}

fn length_of(sb: &Super) -> Option<u64> {
    (sb.flags & FLAG_FSID_VERSION_2 != 0).then_some(sb.size as u64)
}

fn describe(sb: &Super) -> String {
    let endian = match sb.e {
        Endian::Little => "little-endian",
        Endian::Big => "big-endian",
    };
    let mut s = format!("cramfs, {endian}");
    if let Some(l) = length_of(sb) {
        s.push_str(&format!(", {l} bytes, {} files", sb.files));
    }
    if sb.base > 0 {
        s.push_str(", after 512 bytes of boot-code padding");
    }
    s
}

/// Checks the CRC-32 of the image (from the superblock to the end, with the CRC field
/// zeroed), as cramfsck does.
fn check_crc(src: &dyn Source, sb: &Super, ctx: &mut OpenCtx<'_>) -> Result<()> {
    let end = sb.size as u64;
    let crc_at = sb.base + 32;
    let mut h = crc32fast::Hasher::new();
    let mut pos = sb.base;
    let mut buf = vec![0u8; end.saturating_sub(pos).min(1 << 20) as usize];
    while pos < end {
        ctx.budget.check_time()?;
        let n = (end - pos).min(buf.len() as u64) as usize;
        let chunk = &mut buf[..n];
        src.read_exact_at(pos, chunk)
            .map_err(|e| Error::read(F, pos, e))?;
        if (pos..pos + n as u64).contains(&crc_at) {
            let i = (crc_at - pos) as usize;
            if let Some(field) = chunk.get_mut(i..i + 4) {
                field.fill(0);
            }
        }
        h.update(chunk);
        pos += n as u64;
    }
    let got = h.finalize();
    if got != sb.crc {
        ctx.warn(
            WarningCode::BadChecksum,
            crc_at,
            format!("image CRC is {got:#010x}, superblock says {:#010x}", sb.crc),
        );
    }
    Ok(())
}

/// The image, shared by the files read from it.
struct Fs {
    src: SourceRef,
    e: Endian,
}

impl Fs {
    fn u16_at(&self, at: u64) -> Result<u16> {
        let b = self
            .src
            .read_vec(at, 2)
            .map_err(|e| Error::read(F, at, e))?;
        Ok(self.e.u16(&b, 0))
    }
}

/// A file's (or symlink's) blocks: the pointer table at `table`, one pointer per page.
struct File {
    fs: Arc<Fs>,
    size: u64,
    /// Bytes per block.
    page: u64,
    table: u64,
    ptrs: Arc<[u32]>,
}

impl File {
    /// Where block `i` starts and how many bytes it has, as the kernel works it out: a plain
    /// pointer is the end of its block (which starts where the previous one ended); a direct
    /// pointer is the block's own start, shifted by 2, and a compressed direct block begins
    /// with its 16-bit length.
    fn locate(&self, i: usize) -> Result<(u64, u64, bool)> {
        let bad = |what: String| Error::corrupt(F, self.table + 4 * i as u64, what);
        let ptr = *self
            .ptrs
            .get(i)
            .ok_or_else(|| bad(format!("block {i} has no pointer")))?;
        let uncompressed = ptr & BLK_UNCOMPRESSED != 0;
        let p = (ptr & !BLK_FLAGS) as u64;
        let blocks = self.ptrs.len() as u64;
        if ptr & BLK_DIRECT != 0 {
            let start = p << 2;
            if uncompressed {
                let tail = self.size % self.page;
                let len = if i as u64 + 1 == blocks && tail != 0 {
                    tail
                } else {
                    self.page
                };
                return Ok((start, len, true));
            }
            let len = self.fs.u16_at(start)? as u64;
            return Ok((start + 2, len, false));
        }
        let start = match i.checked_sub(1).and_then(|j| self.ptrs.get(j)) {
            None => self.table + 4 * blocks,
            Some(&prev) if prev & BLK_DIRECT != 0 => {
                let prev_start = ((prev & !BLK_FLAGS) as u64) << 2;
                if prev & BLK_UNCOMPRESSED != 0 {
                    prev_start + self.page
                } else {
                    prev_start + 2 + self.fs.u16_at(prev_start)? as u64
                }
            }
            Some(&prev) => (prev & !BLK_FLAGS) as u64,
        };
        let len = p.checked_sub(start).ok_or_else(|| {
            bad(format!(
                "block {i} ends at {p:#x}, before it starts at {start:#x}"
            ))
        })?;
        Ok((start, len, uncompressed))
    }

    /// Decodes block `i` (`want` bytes) into `out`.
    fn block(&self, i: usize, want: usize, out: &mut Vec<u8>) -> Result<()> {
        let (start, len, uncompressed) = self.locate(i)?;
        out.clear();
        if len == 0 {
            out.resize(want, 0); // a hole
            return Ok(());
        }
        if len > 2 * self.page || (uncompressed && len > self.page) {
            return Err(Error::corrupt(
                F,
                start,
                format!("block {i} of {len} bytes"),
            ));
        }
        let raw = self
            .fs
            .src
            .read_vec(start, len as usize)
            .map_err(|e| Error::read(F, start, e))?;
        if uncompressed {
            *out = raw;
        } else {
            Codec::Zlib
                .decompress(&raw, out, self.page as usize, None)
                .map_err(|e| Error::corrupt(F, start, format!("block {i}: {e}")))?;
        }
        if out.len() < want {
            return Err(Error::corrupt(
                F,
                start,
                format!("block {i} holds {} bytes, not {want}", out.len()),
            ));
        }
        out.truncate(want);
        Ok(())
    }
}

impl Content for File {
    fn open(&self) -> Result<Box<dyn Read + Send + '_>> {
        Ok(Box::new(FileReader {
            file: self,
            next: 0,
            buf: Vec::new(),
            at: 0,
        }))
    }
}

struct FileReader<'a> {
    file: &'a File,
    next: usize,
    buf: Vec<u8>,
    at: usize,
}

impl Read for FileReader<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.at >= self.buf.len() {
            let page = self.file.page;
            let done = self.next as u64 * page;
            if done >= self.file.size {
                return Ok(0);
            }
            let want = (self.file.size - done).min(page) as usize;
            self.file
                .block(self.next, want, &mut self.buf)
                .map_err(io_error)?;
            self.next += 1;
            self.at = 0;
        }
        let n = out.len().min(self.buf.len() - self.at);
        out[..n].copy_from_slice(&self.buf[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

struct Walker<'a> {
    fs: &'a Arc<Fs>,
    /// Inode positions already read: cramfs never shares an inode between directories, so
    /// meeting one twice means a listing points back into itself or an ancestor.
    visited: HashSet<u64>,
    entries: Vec<RawEntry>,
    problems: Problems,
    /// Block tables read, by offset: files with identical content share one.
    tables: HashMap<u64, Arc<[u32]>>,
    /// Bytes of distinct block tables; genuine tables never overlap, so more than the image
    /// means a hostile one.
    table_bytes: u64,
    /// Bytes of symlink targets decoded.
    target_bytes: u64,
    /// Block size, once a file of several blocks has shown it.
    page: Option<u64>,
    page_tries: u32,
}

impl Walker<'_> {
    /// The entries, and the block size if a file showed it.
    fn walk(mut self, sb: &Super, ctx: &mut OpenCtx<'_>) -> Result<(Vec<RawEntry>, Option<u64>)> {
        let image = self.fs.src.len();
        let limit = ctx.budget.limits().max_entries as usize;
        // (listing start, listing size, path, depth)
        let mut stack = vec![(sb.root.offset, sb.root.size as u64, Vec::new(), 0usize)];
        while let Some((start, size, path, depth)) = stack.pop() {
            ctx.budget.check_time()?;
            if depth > MAX_DIR_DEPTH {
                self.problems.report(
                    ctx,
                    WarningCode::Corrupt,
                    start,
                    "directories nested too deeply",
                );
                continue;
            }
            if size == 0 {
                continue;
            }
            let end = start.saturating_add(size);
            if start == 0 || !start.is_multiple_of(4) || end > image || size > MAX_LISTING {
                self.problems.report(
                    ctx,
                    WarningCode::Corrupt,
                    start,
                    format!(
                        "{}: directory listing of {size} bytes at {start:#x} lies outside the \
                         image ({image} bytes); not read",
                        crate::names::shown(&path)
                    ),
                );
                continue;
            }
            let mut pos = start;
            while pos < end {
                if self.entries.len() > limit {
                    self.problems.flush(ctx);
                    return Ok((self.entries, self.page));
                }
                if !self.visited.insert(pos) {
                    self.problems.report(
                        ctx,
                        WarningCode::Cycle,
                        pos,
                        format!(
                            "{}: directory listing points back at an inode already read (a \
                             directory inside itself or an ancestor); not followed",
                            crate::names::shown(&path)
                        ),
                    );
                    break;
                }
                let Some(b) = self
                    .fs
                    .src
                    .read_vec(pos, INODE)
                    .ok()
                    .filter(|_| pos + INODE as u64 <= end)
                else {
                    self.problems.report(
                        ctx,
                        WarningCode::Corrupt,
                        pos,
                        format!(
                            "{}: inode runs past its directory listing",
                            crate::names::shown(&path)
                        ),
                    );
                    break;
                };
                let inode = parse_inode(self.fs.e, &b);
                let name_at = pos + INODE as u64;
                let next = name_at + inode.namelen as u64;
                if inode.namelen == 0 || next > end {
                    self.problems.report(
                        ctx,
                        WarningCode::Corrupt,
                        pos,
                        format!(
                            "{}: entry with a name of {} bytes in a listing ending at {end:#x}",
                            crate::names::shown(&path),
                            inode.namelen
                        ),
                    );
                    break;
                }
                let raw = self
                    .fs
                    .src
                    .read_vec(name_at, inode.namelen)
                    .map_err(|e| Error::read(F, name_at, e))?;
                let name = crate::format::bytes::cstr(&raw);
                pos = next;
                if name.is_empty() || name == b"." || name == b".." {
                    self.problems.report(
                        ctx,
                        WarningCode::UnsafeName,
                        name_at,
                        "directory entry named `.`, `..` or nothing skipped",
                    );
                    continue;
                }
                let mut child = path.clone();
                if !child.is_empty() {
                    child.push(b'/');
                }
                child.extend(crate::names::fs_component(name));
                let at = name_at - INODE as u64;
                if inode.mode & S_IFMT == S_IFDIR {
                    stack.push((inode.offset, inode.size as u64, child.clone(), depth + 1));
                }
                match self.entry(child, &inode, at, ctx) {
                    Ok(e) => self.entries.push(e),
                    Err(e) => self.problems.report(
                        ctx,
                        WarningCode::Corrupt,
                        e.structure_offset().unwrap_or(at),
                        e.to_string(),
                    ),
                }
            }
        }
        self.problems.flush(ctx);
        Ok((self.entries, self.page))
    }

    fn entry(
        &mut self,
        name: Vec<u8>,
        inode: &Inode,
        at: u64,
        ctx: &OpenCtx<'_>,
    ) -> Result<RawEntry> {
        let kind = match inode.mode & S_IFMT {
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
                    at,
                    format!(
                        "{}: unknown file type {other:#o}",
                        crate::names::shown(&name)
                    ),
                ));
            }
        };
        let mut entry = RawEntry::new(name, kind);
        entry.mode = inode.mode & 0o7777;
        // cramfs keeps only the low 16 bits of the uid and 8 bits of the gid, and no times.
        entry.uid = inode.uid;
        entry.gid = inode.gid;
        entry.offset = at;
        match kind {
            EntryKind::File | EntryKind::Symlink => {
                let size = inode.size as u64;
                if size == 0 {
                    if kind == EntryKind::Symlink {
                        entry.link_target = Some(Vec::new());
                    }
                    return Ok(entry);
                }
                let file = self.file(inode, at)?;
                if kind == EntryKind::File {
                    entry.size = size;
                    entry.data = Data::Coded(Arc::new(file));
                } else {
                    if size > MAX_TARGET {
                        return Err(Error::corrupt(
                            F,
                            at,
                            format!("symlink target of {size} bytes"),
                        ));
                    }
                    self.target_bytes += size;
                    ctx.budget
                        .check_metadata(self.target_bytes, "cramfs symlink targets")?;
                    let mut target = Vec::new();
                    file.open()?
                        .read_to_end(&mut target)
                        .map_err(|e| crate::format::from_io(F, at, e))?;
                    entry.size = target.len() as u64;
                    entry.link_target = Some(target);
                }
            }
            EntryKind::CharDevice | EntryKind::BlockDevice => {
                // The size field holds the device number, 24 bits of the old encoding.
                entry.device = Some((inode.size >> 8, inode.size & 0xff));
            }
            _ => {}
        }
        Ok(entry)
    }

    /// Reads and checks a file's block pointer table.
    fn file(&mut self, inode: &Inode, at: u64) -> Result<File> {
        let size = inode.size as u64;
        let table = inode.offset;
        let image = self.fs.src.len();
        if self.page.is_none() && size > PAGE {
            self.page = self.detect_page(size, table);
            // A few damaged tables may hide it; past that, assume the common page size.
            self.page_tries += 1;
            if self.page_tries >= 8 {
                self.page.get_or_insert(PAGE);
            }
        }
        let page = self.page.unwrap_or(PAGE);
        let blocks = size.div_ceil(page);
        let table_end = table + 4 * blocks;
        if table == 0 || table_end > image {
            return Err(Error::corrupt(
                F,
                at,
                format!(
                    "block table of {blocks} pointers at {table:#x} lies outside the image \
                     ({image} bytes)"
                ),
            ));
        }
        if let Some(ptrs) = self.tables.get(&table).filter(|p| p.len() as u64 == blocks) {
            return Ok(File {
                fs: self.fs.clone(),
                size,
                page,
                table,
                ptrs: ptrs.clone(),
            });
        }
        self.table_bytes += 4 * blocks;
        if self.table_bytes > image {
            return Err(Error::corrupt(
                F,
                table,
                "block tables overlap (more table bytes than the image holds); file not read",
            ));
        }
        let raw = self
            .fs
            .src
            .read_vec(table, 4 * blocks as usize)
            .map_err(|e| Error::read(F, table, e))?;
        let ptrs: Arc<[u32]> = raw.chunks_exact(4).map(|c| self.fs.e.u32(c, 0)).collect();
        for (i, &p) in ptrs.iter().enumerate() {
            let v = (p & !BLK_FLAGS) as u64;
            let end = if p & BLK_DIRECT != 0 { v << 2 } else { v };
            if end > image {
                return Err(Error::corrupt(
                    F,
                    table + 4 * i as u64,
                    format!("block pointer {end:#x} lies outside the image ({image} bytes)"),
                ));
            }
        }
        self.tables.insert(table, ptrs.clone());
        Ok(File {
            fs: self.fs.clone(),
            size,
            page,
            table,
            ptrs,
        })
    }

    /// The block size for which the table of a `size`-byte file at `table` is consistent:
    /// plain pointers inside the image and never decreasing, the first block right after the
    /// table and starting like a zlib stream (or empty). Smallest first, since a too-small
    /// size reads compressed data as pointers, which fails these checks.
    fn detect_page(&self, size: u64, table: u64) -> Option<u64> {
        let image = self.fs.src.len();
        PAGE_SIZES.into_iter().find(|&page| {
            let blocks = size.div_ceil(page);
            let first = table + 4 * blocks;
            let Ok(raw) = self.fs.src.read_vec(table, 4 * blocks as usize) else {
                return false;
            };
            let ptrs: Vec<u32> = raw.chunks_exact(4).map(|c| self.fs.e.u32(c, 0)).collect();
            if ptrs.iter().any(|p| p & BLK_FLAGS != 0) {
                // Extended pointers carry their own starts; only their range can be checked.
                return ptrs
                    .iter()
                    .all(|&p| ((p & !BLK_FLAGS) as u64) << 2 <= image);
            }
            let ordered = ptrs.windows(2).all(|w| w[0] <= w[1]);
            let in_image = ptrs.iter().all(|&p| (first..=image).contains(&(p as u64)));
            let starts_like_zlib = match ptrs.first() {
                Some(&p) if p as u64 > first => self
                    .fs
                    .src
                    .read_vec(first, 1)
                    .is_ok_and(|b| b[0] & 0x0f == 8),
                _ => true,
            };
            ordered && in_image && starts_like_zlib
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn inode_bitfields_in_both_byte_orders() {
        // The entry of a file `f` (mode 0100644, uid 1000, gid 42, 6 bytes, data at 0x8c)
        // written by mkfs.cramfs in each byte order.
        let le = [
            0xa4, 0x81, 0xe8, 0x03, 0x06, 0x00, 0x00, 0x2a, 0xc1, 0x08, 0x00, 0x00,
        ];
        let be = [
            0x81, 0xa4, 0x03, 0xe8, 0x00, 0x00, 0x06, 0x2a, 0x04, 0x00, 0x00, 0x23,
        ];
        let want = Inode {
            mode: 0o100644,
            uid: 1000,
            size: 6,
            gid: 42,
            namelen: 4,
            offset: 0x8c,
        };
        assert_eq!(parse_inode(Endian::Little, &le), want);
        assert_eq!(parse_inode(Endian::Big, &be), want);
    }

    fn fs(bytes: Vec<u8>) -> Arc<Fs> {
        Arc::new(Fs {
            src: Arc::new(crate::source::MemSource::new(bytes)),
            e: Endian::Little,
        })
    }

    #[test]
    fn extended_block_pointers_are_followed() {
        // A 3-page file: page 0 stored uncompressed and addressed directly, page 1 a
        // compressed direct block with its length in front, page 2 a plain pointer (whose
        // start follows the previous direct block) holding the 100-byte tail.
        let pages: Vec<Vec<u8>> = (0..3u8).map(|i| vec![b'a' + i; 4096]).collect();
        let mut img = vec![0u8; 16];
        let table = img.len() as u64;
        img.extend([0u8; 12]);
        while !img.len().is_multiple_of(4) {
            img.push(0);
        }
        let p0 = img.len() as u64;
        img.extend(&pages[0]);
        let p1 = img.len() as u64;
        let z1 = {
            use std::io::Write;
            let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
            e.write_all(&pages[1]).unwrap();
            e.finish().unwrap()
        };
        img.extend((z1.len() as u16).to_le_bytes());
        img.extend(&z1);
        let z2 = {
            use std::io::Write;
            let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
            e.write_all(&pages[2][..100]).unwrap();
            e.finish().unwrap()
        };
        img.extend(&z2);
        let end2 = img.len() as u32;
        let ptrs = [
            (p0 >> 2) as u32 | BLK_DIRECT | BLK_UNCOMPRESSED,
            (p1 >> 2) as u32 | BLK_DIRECT,
            end2,
        ];
        for (i, p) in ptrs.iter().enumerate() {
            let at = table as usize + 4 * i;
            img[at..at + 4].copy_from_slice(&p.to_le_bytes());
        }
        let file = File {
            fs: fs(img),
            size: 2 * 4096 + 100,
            page: PAGE,
            table,
            ptrs: ptrs.to_vec().into(),
        };
        let mut out = Vec::new();
        file.open().unwrap().read_to_end(&mut out).unwrap();
        let mut want = pages[0].clone();
        want.extend(&pages[1]);
        want.extend(&pages[2][..100]);
        assert_eq!(out, want);
    }

    #[test]
    fn holes_read_as_zeros_and_backward_pointers_fail() {
        let mut img = vec![0u8; 8];
        let z = {
            use std::io::Write;
            let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
            e.write_all(b"tail").unwrap();
            e.finish().unwrap()
        };
        img.extend(&z);
        let end = img.len() as u32;
        let file = File {
            fs: fs(img),
            size: 4096 + 4,
            page: PAGE,
            table: 0,
            ptrs: vec![8, end].into(),
        };
        let mut out = Vec::new();
        file.open().unwrap().read_to_end(&mut out).unwrap();
        assert_eq!(out.len(), 4100);
        assert!(out[..4096].iter().all(|&b| b == 0));
        assert_eq!(&out[4096..], b"tail");

        let backwards = File {
            ptrs: vec![8, 4].into(),
            ..file
        };
        let e = read_err(&backwards);
        assert!(e.contains("before it starts"), "{e}");
    }

    fn read_err(f: &File) -> String {
        let mut out = Vec::new();
        f.open()
            .unwrap()
            .read_to_end(&mut out)
            .unwrap_err()
            .to_string()
    }
}
