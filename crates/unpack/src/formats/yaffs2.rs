//! YAFFS2, the log-structured NAND filesystem of older Android devices and many routers, read
//! from raw NAND images.
//!
//! A YAFFS2 image is a sequence of chunks (NAND pages). Each chunk carries tags: the sequence
//! number of its erase block, the object it belongs to, its place in that object (0, or a flag,
//! for the object header; 1, 2, … for data) and its byte count. On NAND with a spare area
//! (OOB) the tags live there, at its start (`mkyaffs2image`) or after the two-byte bad-block
//! marker (the kernel's automatic OOB placement); without a spare area they are stored in-band,
//! in the last 16 bytes of each chunk. The layout is recognised by structure: the page and
//! spare sizes and the tag position for which the first chunks carry consistent tags and the
//! header chunks hold object headers. Byte order follows the object headers.
//!
//! Since the filesystem is a log, a later chunk (higher sequence number, or later in its block)
//! replaces an earlier one with the same object and place; objects whose parent is the
//! "unlinked" or "deleted" directory are gone. Hard links are objects naming another object;
//! every name of one file becomes a file of the same inode, which the engine lists as one file
//! and hard links to it.

use std::collections::{HashMap, HashSet};
use std::io::{self, Read};
use std::sync::Arc;

use netvet_model::{EntryKind, WarningCode};

use crate::error::{Error, Result};
use crate::format::{
    Content, Data, Format, Magic, OpenCtx, Opened, Probe, RawEntry, bytes::Endian, io_error,
};
use crate::formats::problems::Problems;
use crate::source::{Source, SourceExt, SourceRef};

const F: &str = "yaffs2";

/// An object header, as the chunk data of an object's chunk 0.
const OBJ_HEADER: usize = 512;
const TAGS: usize = 16;

const TYPE_FILE: u32 = 1;
const TYPE_SYMLINK: u32 = 2;
const TYPE_DIR: u32 = 3;
const TYPE_HARDLINK: u32 = 4;
const TYPE_SPECIAL: u32 = 5;

const ROOT: u32 = 1;
const LOST_AND_FOUND: u32 = 2;
const UNLINKED: u32 = 3;
const DELETED: u32 = 4;

/// Sequence numbers of blocks in use lie in this range; erased chunks read all ones.
const LOWEST_SEQ: u32 = 0x0000_1000;
const HIGHEST_SEQ: u32 = 0xefff_ff00;
/// Set in the tags' chunk id of a header chunk whose tags carry a summary of the header.
const EXTRA_HEADER_INFO: u32 = 0x8000_0000;
/// The object id is the low 28 bits; header chunks may keep the object type above them.
const OBJ_ID_MASK: u32 = 0x0fff_ffff;

/// Chunks examined to recognise the layout.
const LAYOUT_CHUNKS: u64 = 32;
const MAX_DIR_DEPTH: usize = 512;
/// Hard links pointing at hard links: yaffs never makes one.
const MAX_LINK_HOPS: usize = 8;
/// Bytes of bookkeeping per chunk read, for the metadata limit.
const RECORD: u64 = 32;

const S_IFMT: u32 = 0o170000;
const S_IFCHR: u32 = 0o020000;
const S_IFBLK: u32 = 0o060000;
const S_IFIFO: u32 = 0o010000;
const S_IFSOCK: u32 = 0o140000;

/// The YAFFS2 reader.
pub struct Yaffs2;

/// The first object header of an image written by `mkyaffs2image` or the kernel: a type,
/// parent 1 (the root directory), and the unused checksum field left all ones.
static MAGICS: [Magic; 10] = {
    const fn m(bytes: &'static [u8]) -> Magic {
        Magic {
            at: 0,
            bytes,
            align: 512,
        }
    }
    [
        m(b"\x01\0\0\0\x01\0\0\0\xff\xff"),
        m(b"\x02\0\0\0\x01\0\0\0\xff\xff"),
        m(b"\x03\0\0\0\x01\0\0\0\xff\xff"),
        m(b"\x04\0\0\0\x01\0\0\0\xff\xff"),
        m(b"\x05\0\0\0\x01\0\0\0\xff\xff"),
        m(b"\0\0\0\x01\0\0\0\x01\xff\xff"),
        m(b"\0\0\0\x02\0\0\0\x01\xff\xff"),
        m(b"\0\0\0\x03\0\0\0\x01\xff\xff"),
        m(b"\0\0\0\x04\0\0\0\x01\xff\xff"),
        m(b"\0\0\0\x05\0\0\0\x01\xff\xff"),
    ]
};

/// Where chunks and their tags are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Layout {
    /// Bytes of the NAND page.
    page: u64,
    /// Bytes of spare area after each page (0 with in-band tags).
    spare: u64,
    /// Offset of the tags in the spare area, or `None` for in-band tags at the end of the page.
    tags_at: Option<u64>,
    e: Endian,
}

impl Layout {
    fn stride(&self) -> u64 {
        self.page + self.spare
    }

    /// Bytes of file data a chunk holds.
    fn data_bytes(&self) -> u64 {
        match self.tags_at {
            Some(_) => self.page,
            None => self.page - TAGS as u64,
        }
    }

    fn tags_offset(&self) -> u64 {
        match self.tags_at {
            Some(t) => self.page + t,
            None => self.page - TAGS as u64,
        }
    }

    fn describe(&self) -> String {
        let endian = match self.e {
            Endian::Little => "little-endian",
            Endian::Big => "big-endian",
        };
        match self.tags_at {
            Some(0) => format!(
                "YAFFS2, {endian}, {}-byte pages with {}-byte spare area",
                self.page, self.spare
            ),
            Some(t) => format!(
                "YAFFS2, {endian}, {}-byte pages with {}-byte spare area (tags at spare offset {t})",
                self.page, self.spare
            ),
            None => format!(
                "YAFFS2, {endian}, {}-byte chunks with in-band tags",
                self.page
            ),
        }
    }
}

/// The layouts tried, most common first.
fn candidates(e: Endian) -> Vec<Layout> {
    let mut v = Vec::new();
    for (page, spare) in [
        (2048, 64),
        (4096, 128),
        (4096, 224),
        (8192, 256),
        (16384, 512),
    ] {
        for tags_at in [Some(0), Some(2)] {
            v.push(Layout {
                page,
                spare,
                tags_at,
                e,
            });
        }
    }
    for page in [2048, 4096, 8192, 16384] {
        v.push(Layout {
            page,
            spare: 0,
            tags_at: None,
            e,
        });
    }
    v
}

/// The tags of one chunk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Tags {
    seq: u32,
    obj: u32,
    chunk: u32,
    n_bytes: u32,
}

impl Tags {
    fn parse(e: Endian, b: &[u8]) -> Tags {
        Tags {
            seq: e.u32(b, 0),
            obj: e.u32(b, 4) & OBJ_ID_MASK,
            chunk: e.u32(b, 8),
            n_bytes: e.u32(b, 12),
        }
    }

    fn is_header(&self) -> bool {
        self.chunk == 0 || self.chunk & EXTRA_HEADER_INFO != 0
    }

    /// Plausible tags of a chunk in use.
    fn valid(&self, data_bytes: u64) -> bool {
        (LOWEST_SEQ..=HIGHEST_SEQ).contains(&self.seq)
            && self.obj != 0
            && (self.is_header() || self.n_bytes as u64 <= data_bytes)
    }
}

fn erased(b: &[u8]) -> bool {
    b.iter().all(|&x| x == 0xff)
}

/// An object header.
#[derive(Clone, Debug)]
struct ObjHeader {
    kind: u32,
    parent: u32,
    name: Vec<u8>,
    mode: u32,
    uid: u32,
    gid: u32,
    mtime: u32,
    size: u64,
    equiv: u32,
    alias: Vec<u8>,
    rdev: u32,
}

fn parse_header(e: Endian, b: &[u8]) -> Option<ObjHeader> {
    let b = b.get(..OBJ_HEADER)?;
    let kind = e.u32(b, 0);
    if !(TYPE_FILE..=TYPE_SPECIAL).contains(&kind) {
        return None;
    }
    let parent = e.u32(b, 4);
    let name_field = &b[10..266];
    let name = crate::format::bytes::cstr(name_field);
    let alias_field = &b[300..460];
    let alias = crate::format::bytes::cstr(alias_field);
    if parent == 0 || name.len() == name_field.len() || alias.len() == alias_field.len() {
        return None;
    }
    let low = e.u32(b, 292) as u64;
    let high = e.u32(b, 496);
    // Older writers leave the high word all ones.
    let size = if high == u32::MAX {
        low
    } else {
        (high as u64) << 32 | low
    };
    Some(ObjHeader {
        kind,
        parent,
        name: name.to_vec(),
        mode: e.u32(b, 268),
        uid: e.u32(b, 272),
        gid: e.u32(b, 276),
        mtime: e.u32(b, 284),
        size,
        equiv: e.u32(b, 296),
        alias: alias.to_vec(),
        rdev: e.u32(b, 460),
    })
}

/// Checks the first chunks at `offset` under `layout`: consistent tags, and header chunks
/// holding object headers. The first chunk must be a header.
fn fits(src: &dyn Source, offset: u64, layout: &Layout) -> bool {
    let avail = src.len().saturating_sub(offset);
    let chunks = (avail / layout.stride()).min(LAYOUT_CHUNKS);
    if chunks == 0 {
        return false;
    }
    let mut seen = 0;
    for i in 0..chunks {
        let at = offset + i * layout.stride();
        let Ok(tb) = src.read_vec(at + layout.tags_offset(), TAGS) else {
            return false;
        };
        if erased(&tb) {
            if i == 0 {
                return false;
            }
            continue;
        }
        let tags = Tags::parse(layout.e, &tb);
        if !tags.valid(layout.data_bytes()) {
            // The filesystem may end here (another partition follows); a layout that fits
            // only one or two chunks is not evidence enough.
            return seen >= 3;
        }
        if tags.is_header() {
            let Ok(hb) = src.read_vec(at, OBJ_HEADER) else {
                return false;
            };
            if parse_header(layout.e, &hb).is_none() {
                return false;
            }
        } else if i == 0 {
            return false;
        }
        seen += 1;
    }
    seen > 0
}

/// The layout of the image at `offset`, if it is one.
fn detect(src: &dyn Source, offset: u64) -> Option<Layout> {
    let head = src.read_vec(offset, 16).ok()?;
    let e = if Endian::Little.u32(&head, 0) <= TYPE_SPECIAL {
        Endian::Little
    } else {
        Endian::Big
    };
    parse_header(e, &src.read_vec(offset, OBJ_HEADER).ok()?)?;
    candidates(e).into_iter().find(|l| fits(src, offset, l))
}

impl Format for Yaffs2 {
    fn id(&self) -> &'static str {
        F
    }

    fn extension(&self) -> &'static str {
        "yaffs2"
    }

    fn magics(&self) -> &'static [Magic] {
        &MAGICS
    }

    fn probe(&self, src: &dyn Source, offset: u64) -> Option<Probe> {
        let layout = detect(src, offset)?;
        Some(Probe {
            length: None,
            description: layout.describe(),
        })
    }

    fn open(&self, src: SourceRef, ctx: &mut OpenCtx<'_>) -> Result<Opened> {
        let layout = detect(&*src, 0)
            .ok_or_else(|| Error::corrupt(F, 0, "no YAFFS2 chunk layout fits the first chunks"))?;
        let mut scan = Scan::default();
        let length = scan.run(&src, &layout, ctx)?;
        let fs = Arc::new(Fs { src, layout });
        let mut builder = Builder {
            fs: &fs,
            scan: &scan,
            headers: HashMap::new(),
            paths: HashMap::new(),
            problems: Problems::default(),
        };
        let entries = builder.entries(ctx)?;
        builder.problems.flush(ctx);
        Ok(Opened::Archive {
            description: layout.describe(),
            length,
            entries,
        })
    }
}

/// Where each object's newest header and data chunks are.
#[derive(Default)]
struct Scan {
    /// Object id → (sequence number, chunk index) of its newest header.
    headers: HashMap<u32, (u32, u64)>,
    /// (object id, chunk id) → (sequence number, chunk index, bytes), while scanning.
    data: HashMap<(u32, u32), (u32, u64, u32)>,
    /// Object id → its newest data chunks as (chunk id, chunk index, bytes), sorted.
    by_obj: HashMap<u32, Vec<(u32, u64, u32)>>,
}

impl Scan {
    /// Reads every chunk's tags; returns the bytes the filesystem occupies.
    fn run(&mut self, src: &SourceRef, layout: &Layout, ctx: &mut OpenCtx<'_>) -> Result<u64> {
        let stride = layout.stride();
        let chunks = src.len() / stride;
        let max_records = ctx.budget.limits().max_metadata / RECORD;
        let mut end = 0;
        let mut ended = false;
        for i in 0..chunks {
            if i % 4096 == 0 {
                ctx.budget.check_time()?;
            }
            let at = i * stride;
            let tb = src
                .read_vec(at + layout.tags_offset(), TAGS)
                .map_err(|e| Error::read(F, at + layout.tags_offset(), e))?;
            if erased(&tb) {
                continue;
            }
            let tags = Tags::parse(layout.e, &tb);
            if !tags.valid(layout.data_bytes()) {
                // Past the filesystem: another partition, or data that is not YAFFS2.
                ctx.warn(
                    WarningCode::TrailingData,
                    at,
                    format!("chunk {i} has no YAFFS2 tags; the filesystem ends before it"),
                );
                ended = true;
                break;
            }
            if (self.headers.len() + self.data.len()) as u64 >= max_records {
                return Err(Error::limit(
                    crate::error::LimitKind::Metadata,
                    format!("more than {max_records} YAFFS2 chunks in use"),
                ));
            }
            end = at + stride;
            let newer = |old: Option<u32>| old.is_none_or(|s| tags.seq >= s);
            if tags.is_header() {
                if newer(self.headers.get(&tags.obj).map(|h| h.0)) {
                    self.headers.insert(tags.obj, (tags.seq, i));
                }
            } else {
                let key = (tags.obj, tags.chunk);
                if newer(self.data.get(&key).map(|d| d.0)) {
                    self.data.insert(key, (tags.seq, i, tags.n_bytes));
                }
            }
        }
        if !ended && !src.len().is_multiple_of(stride) {
            ctx.warn(
                WarningCode::Truncated,
                chunks * stride,
                format!(
                    "image ends {} bytes into a {stride}-byte chunk",
                    src.len() % stride
                ),
            );
        }
        for ((obj, chunk), (_, i, n)) in self.data.drain() {
            self.by_obj.entry(obj).or_default().push((chunk, i, n));
        }
        for v in self.by_obj.values_mut() {
            v.sort_unstable();
        }
        // Erased chunks at the end belong to the filesystem too.
        Ok(if ended || end == 0 {
            end
        } else {
            chunks * stride
        })
    }
}

/// The image and its layout, shared by the files read from it.
struct Fs {
    src: SourceRef,
    layout: Layout,
}

struct Builder<'a> {
    fs: &'a Arc<Fs>,
    scan: &'a Scan,
    headers: HashMap<u32, Option<ObjHeader>>,
    /// Object id → path, for directories resolved so far (`None`: not placeable).
    paths: HashMap<u32, Option<Vec<u8>>>,
    problems: Problems,
}

impl Builder<'_> {
    /// The object header of `obj`, read once.
    fn header(&mut self, obj: u32, ctx: &mut OpenCtx<'_>) -> Option<ObjHeader> {
        if let Some(h) = self.headers.get(&obj) {
            return h.clone();
        }
        let h = self.scan.headers.get(&obj).and_then(|&(_, i)| {
            let at = i * self.fs.layout.stride();
            let parsed = self
                .fs
                .src
                .read_vec(at, OBJ_HEADER)
                .ok()
                .and_then(|b| parse_header(self.fs.layout.e, &b));
            if parsed.is_none() {
                self.problems.report(
                    ctx,
                    WarningCode::Corrupt,
                    at,
                    format!("object {obj}: header chunk does not hold an object header"),
                );
            }
            parsed
        });
        self.headers.insert(obj, h.clone());
        h
    }

    /// The path of directory `dir`, or `None` when it has none (gone, missing, a loop).
    fn dir_path(&mut self, dir: u32, ctx: &mut OpenCtx<'_>) -> Option<Vec<u8>> {
        if let Some(p) = self.paths.get(&dir) {
            return p.clone();
        }
        // Walk up to a directory whose path is known, then fill in the way down.
        let mut chain = Vec::new();
        let mut seen = HashSet::new();
        let mut cur = dir;
        let base = loop {
            match cur {
                ROOT => break Some(Vec::new()),
                LOST_AND_FOUND => break Some(b"lost+found".to_vec()),
                UNLINKED | DELETED => break None,
                _ => {}
            }
            if let Some(p) = self.paths.get(&cur) {
                break p.clone();
            }
            if !seen.insert(cur) || chain.len() > MAX_DIR_DEPTH {
                let at = self.chunk_offset(cur);
                self.problems.report(
                    ctx,
                    WarningCode::Cycle,
                    at,
                    format!("object {cur}: directory is its own ancestor; not listed"),
                );
                break None;
            }
            match self.header(cur, ctx) {
                Some(h) if h.kind == TYPE_DIR => {
                    chain.push((cur, h.name.clone()));
                    cur = h.parent;
                }
                Some(_) => {
                    let at = self.chunk_offset(cur);
                    self.problems.report(
                        ctx,
                        WarningCode::Corrupt,
                        at,
                        format!("object {cur} is a parent but not a directory"),
                    );
                    break None;
                }
                None => {
                    self.problems.report(
                        ctx,
                        WarningCode::Corrupt,
                        0,
                        format!("directory object {cur} has no header; its contents not listed"),
                    );
                    break None;
                }
            }
        };
        let mut path = base;
        for (obj, name) in chain.into_iter().rev() {
            path = path.map(|mut p| {
                if !p.is_empty() {
                    p.push(b'/');
                }
                p.extend(crate::names::fs_component(&name));
                p
            });
            self.paths.insert(obj, path.clone());
        }
        self.paths.insert(dir, path.clone());
        path
    }

    fn chunk_offset(&self, obj: u32) -> u64 {
        self.scan
            .headers
            .get(&obj)
            .map_or(0, |&(_, i)| i * self.fs.layout.stride())
    }

    fn entries(&mut self, ctx: &mut OpenCtx<'_>) -> Result<Vec<RawEntry>> {
        let limit = ctx.budget.limits().max_entries as usize;
        let mut ids: Vec<u32> = self.scan.headers.keys().copied().collect();
        ids.sort_unstable();
        let mut out = Vec::new();
        for (n, obj) in ids.into_iter().enumerate() {
            if n % 1024 == 0 {
                ctx.budget.check_time()?;
            }
            if out.len() > limit {
                break;
            }
            // The fake directories (root, lost+found, unlinked, deleted) are not entries.
            if obj <= DELETED {
                continue;
            }
            let at = self.chunk_offset(obj);
            let Some(h) = self.header(obj, ctx) else {
                continue;
            };
            let Some(dir) = self.dir_path(h.parent, ctx) else {
                continue;
            };
            if h.name.is_empty() || h.name == b"." || h.name == b".." {
                self.problems.report(
                    ctx,
                    WarningCode::UnsafeName,
                    at + 10,
                    format!("object {obj}: named `.`, `..` or nothing; skipped"),
                );
                continue;
            }
            let mut path = dir;
            if !path.is_empty() {
                path.push(b'/');
            }
            path.extend(crate::names::fs_component(&h.name));
            match self.entry(path.clone(), obj, &h, at, ctx) {
                Ok(Some(e)) => out.push(e),
                Ok(None) => {}
                Err(e) => self.problems.report(
                    ctx,
                    WarningCode::Corrupt,
                    at,
                    format!("{}: {e}", crate::names::escape_bytes(&path)),
                ),
            }
        }
        Ok(out)
    }

    fn entry(
        &mut self,
        name: Vec<u8>,
        obj: u32,
        h: &ObjHeader,
        at: u64,
        ctx: &mut OpenCtx<'_>,
    ) -> Result<Option<RawEntry>> {
        // A hard link takes everything but its name from the object it names.
        let (id, t) = if h.kind == TYPE_HARDLINK {
            let mut id = h.equiv;
            let mut hops = 0;
            loop {
                let t = self.header(id, ctx).ok_or_else(|| {
                    Error::corrupt(
                        F,
                        at,
                        format!("hard link to object {id}, which has no header"),
                    )
                })?;
                if t.kind != TYPE_HARDLINK {
                    break (id, t);
                }
                hops += 1;
                if hops > MAX_LINK_HOPS {
                    return Err(Error::corrupt(F, at, "hard link chain too long"));
                }
                id = t.equiv;
            }
        } else {
            (obj, h.clone())
        };
        let kind = match t.kind {
            TYPE_FILE => EntryKind::File,
            TYPE_SYMLINK => EntryKind::Symlink,
            TYPE_DIR if h.kind == TYPE_HARDLINK => {
                self.problems.report(
                    ctx,
                    WarningCode::Cycle,
                    at,
                    format!(
                        "{}: hard link to directory object {id} not followed",
                        crate::names::escape_bytes(&name)
                    ),
                );
                return Ok(None);
            }
            TYPE_DIR => EntryKind::Dir,
            _ => match t.mode & S_IFMT {
                S_IFCHR => EntryKind::CharDevice,
                S_IFBLK => EntryKind::BlockDevice,
                S_IFIFO => EntryKind::Fifo,
                S_IFSOCK => EntryKind::Socket,
                _ => {
                    return Err(Error::corrupt(
                        F,
                        at,
                        format!("special object with mode {:o}", t.mode),
                    ));
                }
            },
        };
        let mut e = RawEntry::new(name, kind);
        e.offset = at;
        e.mode = t.mode & 0o7777;
        e.uid = t.uid;
        e.gid = t.gid;
        e.mtime = t.mtime as i64;
        match kind {
            EntryKind::File => {
                e.size = t.size;
                e.inode = Some(id as u64);
                let file = self.file(id, t.size, ctx);
                if t.size > 0 {
                    e.data = Data::Coded(Arc::new(file));
                }
            }
            EntryKind::Symlink => {
                e.size = t.alias.len() as u64;
                e.link_target = Some(t.alias.clone());
            }
            EntryKind::CharDevice | EntryKind::BlockDevice => {
                let r = t.rdev;
                e.device = Some(((r >> 8) & 0xfff, (r & 0xff) | ((r >> 12) & 0xfff00)));
            }
            _ => {}
        }
        Ok(Some(e))
    }

    /// The data chunks of file `obj` of `size` bytes, in order; warns about missing ones.
    fn file(&mut self, obj: u32, size: u64, ctx: &mut OpenCtx<'_>) -> File {
        let per = self.fs.layout.data_bytes();
        let wanted = size.div_ceil(per);
        let stride = self.fs.layout.stride();
        let chunks: Vec<(u32, u64, u32)> = self
            .scan
            .by_obj
            .get(&obj)
            .map(|v| {
                v.iter()
                    .take_while(|&&(c, _, _)| c as u64 <= wanted)
                    .map(|&(c, i, n)| (c, i * stride, n))
                    .collect()
            })
            .unwrap_or_default();
        if (chunks.len() as u64) < wanted {
            self.problems.report(
                ctx,
                WarningCode::Corrupt,
                self.chunk_offset(obj),
                format!(
                    "object {obj}: {} of its {wanted} data chunks are missing; read as zeros",
                    wanted - chunks.len() as u64
                ),
            );
        }
        File {
            fs: self.fs.clone(),
            size,
            chunks: chunks.into(),
        }
    }
}

/// A file's data: present chunks as (place, offset, bytes), sorted by place.
struct File {
    fs: Arc<Fs>,
    size: u64,
    chunks: Arc<[(u32, u64, u32)]>,
}

impl Content for File {
    fn open(&self) -> Result<Box<dyn Read + Send + '_>> {
        Ok(Box::new(FileReader {
            file: self,
            pos: 0,
            next: 0,
            buf: Vec::new(),
            at: 0,
        }))
    }
}

struct FileReader<'a> {
    file: &'a File,
    /// Bytes of the file produced or buffered so far.
    pos: u64,
    /// Index into `file.chunks` of the next present chunk.
    next: usize,
    buf: Vec<u8>,
    at: usize,
}

impl FileReader<'_> {
    /// Fills `buf` with the next chunk's worth of the file.
    fn fill(&mut self) -> Result<()> {
        let per = self.file.fs.layout.data_bytes();
        let place = (self.pos / per + 1) as u32;
        let want = (self.file.size - self.pos).min(per) as usize;
        self.buf.clear();
        self.buf.resize(want, 0);
        self.at = 0;
        if let Some(&(c, off, n)) = self.file.chunks.get(self.next)
            && c == place
        {
            self.next += 1;
            let n = (n as usize).min(want);
            self.file
                .fs
                .src
                .read_exact_at(off, &mut self.buf[..n])
                .map_err(|e| Error::read(F, off, e))?;
        }
        self.pos += want as u64;
        Ok(())
    }
}

impl Read for FileReader<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.at >= self.buf.len() {
            if self.pos >= self.file.size {
                return Ok(0);
            }
            self.fill().map_err(io_error)?;
        }
        let n = out.len().min(self.buf.len() - self.at);
        out[..n].copy_from_slice(&self.buf[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn header_chunk_tags_with_extra_info() {
        // mkyaffs2image's tags of a file header: object 257 with its type in the top bits,
        // the parent in the chunk id under the extra-info flag, the file size in n_bytes.
        let mut b = Vec::new();
        for w in [0x1000u32, 0x1000_0101, 0x8000_0001, 6] {
            b.extend(w.to_le_bytes());
        }
        let t = Tags::parse(Endian::Little, &b);
        assert_eq!(
            t,
            Tags {
                seq: 0x1000,
                obj: 257,
                chunk: 0x8000_0001,
                n_bytes: 6
            }
        );
        assert!(t.is_header() && t.valid(2048));
    }

    #[test]
    fn data_chunk_with_more_bytes_than_a_page_is_invalid() {
        let t = Tags {
            seq: 0x1000,
            obj: 300,
            chunk: 1,
            n_bytes: 2049,
        };
        assert!(!t.valid(2048));
        assert!(Tags { n_bytes: 2048, ..t }.valid(2048));
    }
}
