//! 7-Zip archives (`.7z`), read natively: the signature header, the (possibly LZMA-encoded)
//! header with its streams and files, and folders decoded with LZMA, LZMA2, the branch filters
//! (x86, ARM, ARM Thumb, ARM64, PowerPC, SPARC, IA-64, RISC-V) and Delta through liblzma's raw
//! decoder, or stored, Deflate and BZip2. A solid folder is decoded once, on first use, into a
//! spool its files are sliced from; every CRC the archive records is checked while reading.
//! Encrypted folders (7zAES), BCJ2 and other multi-stream coders are reported unsupported.

use std::io::{self, Read};
use std::sync::atomic::Ordering;
use std::sync::{Arc, OnceLock};

use netvet_model::{EntryKind, WarningCode};

use crate::error::{Error, Result};
use crate::format::{
    Content, Data, Format, Magic, OpenCtx, Opened, Probe, RawEntry, bytes::le32, bytes::le64,
    from_io, io_error,
};
use crate::limits::{Budget, Metered};
use crate::source::{Source, SourceExt, SourceReader, SourceRef, slice};
use crate::spool::Spooler;

const F: &str = "7z";
const MAGIC: &[u8] = b"7z\xBC\xAF\x27\x1C";
/// The signature header's size; pack positions count from its end.
const START: u64 = 32;
/// Headers nest (an encoded header decodes to a header, which may again be encoded); real
/// archives use one level.
const MAX_HEADER_LEVELS: usize = 4;
/// Coders, folders, files and substreams a header may declare before it is refused as hostile.
const MAX_ITEMS: u64 = 1 << 22;

// Property ids of the header.
const K_END: u8 = 0x00;
const K_HEADER: u8 = 0x01;
const K_ARCHIVE_PROPERTIES: u8 = 0x02;
const K_ADDITIONAL_STREAMS: u8 = 0x03;
const K_MAIN_STREAMS: u8 = 0x04;
const K_FILES_INFO: u8 = 0x05;
const K_PACK_INFO: u8 = 0x06;
const K_UNPACK_INFO: u8 = 0x07;
const K_SUBSTREAMS_INFO: u8 = 0x08;
const K_SIZE: u8 = 0x09;
const K_CRC: u8 = 0x0A;
const K_FOLDER: u8 = 0x0B;
const K_CODERS_UNPACK_SIZE: u8 = 0x0C;
const K_NUM_UNPACK_STREAM: u8 = 0x0D;
const K_EMPTY_STREAM: u8 = 0x0E;
const K_EMPTY_FILE: u8 = 0x0F;
const K_NAME: u8 = 0x11;
const K_MTIME: u8 = 0x14;
const K_WIN_ATTRIBUTES: u8 = 0x15;
const K_ENCODED_HEADER: u8 = 0x17;

/// The 7-Zip reader.
pub struct SevenZip;

impl Format for SevenZip {
    fn id(&self) -> &'static str {
        F
    }

    fn magics(&self) -> &'static [Magic] {
        const MAGICS: &[Magic] = &[Magic::start(MAGIC)];
        MAGICS
    }

    fn probe(&self, src: &dyn Source, offset: u64) -> Option<Probe> {
        let h = start_header(src, offset).ok()?;
        Some(Probe {
            length: Some(h.length),
            description: format!("7-Zip archive, format 0.{}", h.minor),
        })
    }

    fn open(&self, src: SourceRef, ctx: &mut OpenCtx<'_>) -> Result<Opened> {
        let h = start_header(&*src, 0)?;
        if h.length > src.len() {
            ctx.warn(
                WarningCode::Truncated,
                12,
                format!(
                    "the archive declares {} bytes, only {} present",
                    h.length,
                    src.len()
                ),
            );
        }
        let max = ctx.budget.limits().max_metadata;
        if h.next_size > max {
            return Err(Error::limit(
                crate::error::LimitKind::Metadata,
                format!("7z header of {} bytes", h.next_size),
            ));
        }
        let at = START + h.next_offset;
        let mut header = src
            .read_vec(at, h.next_size as usize)
            .map_err(|e| Error::read(F, at, e))?;
        if crc32fast::hash(&header) != h.next_crc {
            return Err(Error::Checksum {
                format: F,
                offset: at,
                what: "header CRC does not match".into(),
            });
        }
        let archive = Archive {
            src: src.clone(),
            budget: ctx.budget.clone(),
            spooler: ctx.spooler.clone(),
        };
        let mut level = 0;
        let (streams, files) = loop {
            let mut r = Bytes::new(&header, at);
            match r.byte()? {
                K_HEADER => break parse_header(&mut r)?,
                K_ENCODED_HEADER => {
                    level += 1;
                    if level > MAX_HEADER_LEVELS {
                        return Err(Error::corrupt(F, at, "headers encoded too deeply"));
                    }
                    let info = parse_streams_info(&mut r)?;
                    let folders = archive.folders(&info, at)?;
                    let folder = folders
                        .first()
                        .ok_or_else(|| Error::corrupt(F, at, "encoded header without a folder"))?;
                    if folder.unpack_size > max {
                        return Err(Error::limit(
                            crate::error::LimitKind::Metadata,
                            format!("7z header of {} bytes", folder.unpack_size),
                        ));
                    }
                    let mut out = Vec::new();
                    folder
                        .decoder()?
                        .read_to_end(&mut out)
                        .map_err(|e| from_io(F, at, e))?;
                    if let Some(crc) = folder.crc
                        && crc32fast::hash(&out) != crc
                    {
                        return Err(Error::Checksum {
                            format: F,
                            offset: at,
                            what: "encoded header CRC does not match".into(),
                        });
                    }
                    header = out;
                }
                other => {
                    return Err(Error::corrupt(
                        F,
                        at,
                        format!("header starts with property {other:#04x}"),
                    ));
                }
            }
        };
        let entries = archive.entries(streams.as_ref(), files, at, ctx)?;
        Ok(Opened::Archive {
            description: format!("7-Zip archive, format 0.{}", h.minor),
            length: h.length.min(src.len()),
            entries,
        })
    }
}

/// The signature header.
struct StartHeader {
    minor: u8,
    next_offset: u64,
    next_size: u64,
    next_crc: u32,
    /// Bytes the archive occupies (through the end of the next header).
    length: u64,
}

fn start_header(src: &dyn Source, offset: u64) -> Result<StartHeader> {
    let mut b = [0u8; START as usize];
    src.read_exact_at(offset, &mut b)
        .map_err(|e| Error::read(F, offset, e))?;
    if &b[..6] != MAGIC {
        return Err(Error::corrupt(F, offset, "no 7z signature"));
    }
    if b[6] != 0 {
        return Err(Error::unsupported(
            F,
            offset + 6,
            format!("format version {}.{}", b[6], b[7]),
        ));
    }
    if crc32fast::hash(&b[12..32]) != le32(&b, 8) {
        return Err(Error::Checksum {
            format: F,
            offset,
            what: "start header CRC does not match".into(),
        });
    }
    let next_offset = le64(&b, 12);
    let next_size = le64(&b, 20);
    let length = START
        .checked_add(next_offset)
        .and_then(|n| n.checked_add(next_size))
        .ok_or_else(|| Error::corrupt(F, offset + 12, "next header lies beyond 2^64"))?;
    if next_size == 0 {
        return Err(Error::corrupt(F, offset + 20, "empty header"));
    }
    Ok(StartHeader {
        minor: b[7],
        next_offset,
        next_size,
        next_crc: le32(&b, 28),
        length,
    })
}

/// A cursor over a header, with its offset in the archive for messages.
struct Bytes<'a> {
    b: &'a [u8],
    pos: usize,
    base: u64,
}

impl<'a> Bytes<'a> {
    fn new(b: &'a [u8], base: u64) -> Bytes<'a> {
        Bytes { b, pos: 0, base }
    }

    fn at(&self) -> u64 {
        self.base + self.pos as u64
    }

    fn short(&self) -> Error {
        Error::truncated(F, self.at(), "header ends inside a structure")
    }

    fn byte(&mut self) -> Result<u8> {
        let v = *self.b.get(self.pos).ok_or_else(|| self.short())?;
        self.pos += 1;
        Ok(v)
    }

    fn take(&mut self, n: u64) -> Result<&'a [u8]> {
        let end = usize::try_from(n)
            .ok()
            .and_then(|n| self.pos.checked_add(n))
            .filter(|&e| e <= self.b.len())
            .ok_or_else(|| self.short())?;
        let s = &self.b[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    fn u32(&mut self) -> Result<u32> {
        Ok(le32(self.take(4)?, 0))
    }

    fn u64(&mut self) -> Result<u64> {
        Ok(le64(self.take(8)?, 0))
    }

    /// 7z's variable-length number: the leading one bits of the first byte say how many
    /// bytes follow; the first byte's remaining bits are the most significant.
    fn number(&mut self) -> Result<u64> {
        let first = self.byte()?;
        let mut mask = 0x80u8;
        let mut value = 0u64;
        for i in 0..8 {
            if first & mask == 0 {
                let high = u64::from(first & mask.wrapping_sub(1));
                return Ok(value | (high << (8 * i)));
            }
            value |= u64::from(self.byte()?) << (8 * i);
            mask >>= 1;
        }
        Ok(value)
    }

    /// A count of items, bounded.
    fn count(&mut self, what: &str) -> Result<usize> {
        let at = self.at();
        let n = self.number()?;
        if n > MAX_ITEMS {
            return Err(Error::corrupt(F, at, format!("{n} {what}")));
        }
        Ok(n as usize)
    }

    fn bits(&mut self, n: usize) -> Result<Vec<bool>> {
        let bytes = self.take(n.div_ceil(8) as u64)?;
        Ok((0..n)
            .map(|i| bytes[i / 8] & (0x80 >> (i % 8)) != 0)
            .collect())
    }

    /// An "all defined" byte, then a bit vector when it is zero.
    fn defined(&mut self, n: usize) -> Result<Vec<bool>> {
        if self.byte()? != 0 {
            Ok(vec![true; n])
        } else {
            self.bits(n)
        }
    }

    /// Which of `n` files a property defines, then the "external" byte: the values must
    /// follow in the header (`what` names them for the error).
    fn defined_inline(&mut self, n: usize, what: &str) -> Result<Vec<bool>> {
        let defined = self.defined(n)?;
        if self.byte()? != 0 {
            return Err(Error::unsupported(
                F,
                self.at(),
                format!("{what} stored outside the header"),
            ));
        }
        Ok(defined)
    }

    fn digests(&mut self, n: usize) -> Result<Vec<Option<u32>>> {
        let defined = self.defined(n)?;
        defined
            .into_iter()
            .map(|d| if d { self.u32().map(Some) } else { Ok(None) })
            .collect()
    }

    /// Skips a property's data (its size comes first).
    fn skip_property(&mut self) -> Result<()> {
        let n = self.number()?;
        self.take(n).map(|_| ())
    }

    fn expect(&mut self, id: u8) -> Result<()> {
        let at = self.at();
        let got = self.byte()?;
        if got != id {
            return Err(Error::corrupt(
                F,
                at,
                format!("property {got:#04x} where {id:#04x} belongs"),
            ));
        }
        Ok(())
    }
}

/// One coder of a folder.
#[derive(Clone, Debug)]
struct Coder {
    method: Vec<u8>,
    num_in: usize,
    num_out: usize,
    props: Vec<u8>,
}

/// A folder as the header describes it.
#[derive(Clone, Debug, Default)]
struct FolderInfo {
    coders: Vec<Coder>,
    /// (in stream, out stream) pairs joining coders.
    binds: Vec<(usize, usize)>,
    /// In streams fed from packed streams, in pack order.
    packed: Vec<usize>,
    /// Size of every out stream.
    unpack_sizes: Vec<u64>,
    crc: Option<u32>,
}

impl FolderInfo {
    /// The out stream no coder consumes: the folder's output.
    fn main_out(&self) -> Option<usize> {
        let total: usize = self.coders.iter().map(|c| c.num_out).sum();
        (0..total).find(|o| !self.binds.iter().any(|&(_, out)| out == *o))
    }

    fn unpack_size(&self) -> u64 {
        self.main_out()
            .and_then(|o| self.unpack_sizes.get(o).copied())
            .unwrap_or(0)
    }
}

#[derive(Debug, Default)]
struct StreamsInfo {
    pack_pos: u64,
    pack_sizes: Vec<u64>,
    folders: Vec<FolderInfo>,
    /// Per folder, the sizes of its substreams (files), and each substream's CRC.
    substreams: Vec<Vec<(u64, Option<u32>)>>,
}

/// A file as the header lists it.
#[derive(Debug, Default, Clone)]
struct FileInfo {
    name: Vec<u8>,
    has_stream: bool,
    is_dir: bool,
    mtime: Option<u64>,
    attrib: Option<u32>,
}

fn parse_header(r: &mut Bytes<'_>) -> Result<(Option<StreamsInfo>, Vec<FileInfo>)> {
    let mut id = r.byte()?;
    if id == K_ARCHIVE_PROPERTIES {
        loop {
            let t = r.byte()?;
            if t == K_END {
                break;
            }
            r.skip_property()?;
        }
        id = r.byte()?;
    }
    if id == K_ADDITIONAL_STREAMS {
        // Not used by 7-Zip; read so the rest can be.
        parse_streams_info(r)?;
        id = r.byte()?;
    }
    let mut streams = None;
    if id == K_MAIN_STREAMS {
        streams = Some(parse_streams_info(r)?);
        id = r.byte()?;
    }
    let mut files = Vec::new();
    if id == K_FILES_INFO {
        files = parse_files(r)?;
        id = r.byte()?;
    }
    if id != K_END {
        return Err(Error::corrupt(
            F,
            r.at().saturating_sub(1),
            format!("unexpected property {id:#04x} in the header"),
        ));
    }
    Ok((streams, files))
}

fn parse_streams_info(r: &mut Bytes<'_>) -> Result<StreamsInfo> {
    let mut s = StreamsInfo::default();
    let mut id = r.byte()?;
    if id == K_PACK_INFO {
        s.pack_pos = r.number()?;
        let n = r.count("packed streams")?;
        loop {
            match r.byte()? {
                K_END => break,
                K_SIZE => {
                    s.pack_sizes = (0..n).map(|_| r.number()).collect::<Result<_>>()?;
                }
                K_CRC => {
                    r.digests(n)?;
                }
                _ => r.skip_property()?,
            }
        }
        if s.pack_sizes.len() != n {
            return Err(Error::corrupt(F, r.at(), "pack info without sizes"));
        }
        id = r.byte()?;
    }
    if id == K_UNPACK_INFO {
        r.expect(K_FOLDER)?;
        let n = r.count("folders")?;
        if r.byte()? != 0 {
            return Err(Error::unsupported(
                F,
                r.at(),
                "folders stored outside the header",
            ));
        }
        for _ in 0..n {
            s.folders.push(parse_folder(r)?);
        }
        r.expect(K_CODERS_UNPACK_SIZE)?;
        for f in &mut s.folders {
            let outs: usize = f.coders.iter().map(|c| c.num_out).sum();
            f.unpack_sizes = (0..outs).map(|_| r.number()).collect::<Result<_>>()?;
        }
        loop {
            match r.byte()? {
                K_END => break,
                K_CRC => {
                    let crcs = r.digests(n)?;
                    for (f, c) in s.folders.iter_mut().zip(crcs) {
                        f.crc = c;
                    }
                }
                _ => r.skip_property()?,
            }
        }
        id = r.byte()?;
    }
    // Without substream info every folder holds one stream.
    s.substreams = s
        .folders
        .iter()
        .map(|f| vec![(f.unpack_size(), f.crc)])
        .collect();
    if id == K_SUBSTREAMS_INFO {
        parse_substreams(r, &mut s)?;
        id = r.byte()?;
    }
    if id != K_END {
        return Err(Error::corrupt(
            F,
            r.at().saturating_sub(1),
            format!("unexpected property {id:#04x} in the streams info"),
        ));
    }
    Ok(s)
}

fn parse_folder(r: &mut Bytes<'_>) -> Result<FolderInfo> {
    let at = r.at();
    let n = r.count("coders")?;
    if n == 0 || n > 64 {
        return Err(Error::corrupt(F, at, format!("a folder of {n} coders")));
    }
    let mut f = FolderInfo::default();
    for _ in 0..n {
        let flags = r.byte()?;
        if flags & 0x80 != 0 {
            return Err(Error::unsupported(F, r.at(), "alternative coder methods"));
        }
        let method = r.take(u64::from(flags & 0x0F))?.to_vec();
        let (num_in, num_out) = if flags & 0x10 != 0 {
            (r.count("coder streams")?, r.count("coder streams")?)
        } else {
            (1, 1)
        };
        if num_in > 32 || num_out != 1 {
            return Err(Error::unsupported(
                F,
                r.at(),
                format!("a coder with {num_in} inputs and {num_out} outputs"),
            ));
        }
        let props = if flags & 0x20 != 0 {
            let len = r.number()?;
            r.take(len)?.to_vec()
        } else {
            Vec::new()
        };
        f.coders.push(Coder {
            method,
            num_in,
            num_out,
            props,
        });
    }
    let total_in: usize = f.coders.iter().map(|c| c.num_in).sum();
    let total_out: usize = f.coders.iter().map(|c| c.num_out).sum();
    for _ in 0..total_out.saturating_sub(1) {
        let i = r.number()? as usize;
        let o = r.number()? as usize;
        if i >= total_in || o >= total_out {
            return Err(Error::corrupt(F, r.at(), "bind pair names no stream"));
        }
        f.binds.push((i, o));
    }
    let num_packed = total_in
        .checked_sub(f.binds.len())
        .filter(|&n| n >= 1)
        .ok_or_else(|| Error::corrupt(F, r.at(), "a folder without packed streams"))?;
    if num_packed == 1 {
        let free = (0..total_in)
            .find(|i| !f.binds.iter().any(|&(bi, _)| bi == *i))
            .ok_or_else(|| Error::corrupt(F, r.at(), "every in stream is bound"))?;
        f.packed.push(free);
    } else {
        for _ in 0..num_packed {
            let i = r.number()? as usize;
            if i >= total_in {
                return Err(Error::corrupt(
                    F,
                    r.at(),
                    "packed stream names no in stream",
                ));
            }
            f.packed.push(i);
        }
    }
    Ok(f)
}

fn parse_substreams(r: &mut Bytes<'_>, s: &mut StreamsInfo) -> Result<()> {
    let mut counts = vec![1usize; s.folders.len()];
    let mut id = r.byte()?;
    if id == K_NUM_UNPACK_STREAM {
        for c in &mut counts {
            *c = r.count("substreams")?;
        }
        id = r.byte()?;
    }
    let total: usize = counts.iter().sum();
    if total as u64 > MAX_ITEMS {
        return Err(Error::corrupt(F, r.at(), format!("{total} substreams")));
    }
    let mut sizes: Vec<Vec<u64>> = Vec::with_capacity(counts.len());
    let has_sizes = id == K_SIZE;
    for (f, &n) in s.folders.iter().zip(&counts) {
        let mut v = Vec::with_capacity(n);
        if n == 0 {
            sizes.push(v);
            continue;
        }
        let mut sum = 0u64;
        if has_sizes {
            for _ in 1..n {
                let x = r.number()?;
                sum = sum
                    .checked_add(x)
                    .ok_or_else(|| Error::corrupt(F, r.at(), "substream sizes overflow"))?;
                v.push(x);
            }
        }
        let last = f
            .unpack_size()
            .checked_sub(sum)
            .ok_or_else(|| Error::corrupt(F, r.at(), "substreams larger than their folder"))?;
        v.push(last);
        sizes.push(v);
    }
    if has_sizes {
        id = r.byte()?;
    }
    // CRCs: a folder with one substream and a folder CRC has it already; the rest are listed.
    let mut crcs: Vec<Vec<Option<u32>>> = s
        .folders
        .iter()
        .zip(&counts)
        .map(|(f, &n)| {
            if n == 1 && f.crc.is_some() {
                vec![f.crc]
            } else {
                vec![None; n]
            }
        })
        .collect();
    loop {
        match id {
            K_END => break,
            K_CRC => {
                let missing: usize = s
                    .folders
                    .iter()
                    .zip(&counts)
                    .map(|(f, &n)| if n == 1 && f.crc.is_some() { 0 } else { n })
                    .sum();
                let mut digests = r.digests(missing)?.into_iter();
                for (i, (f, &n)) in s.folders.iter().zip(&counts).enumerate() {
                    if n == 1 && f.crc.is_some() {
                        continue;
                    }
                    for slot in crcs[i].iter_mut() {
                        *slot = digests.next().flatten();
                    }
                }
            }
            _ => r.skip_property()?,
        }
        id = r.byte()?;
    }
    s.substreams = sizes
        .into_iter()
        .zip(crcs)
        .map(|(sz, c)| sz.into_iter().zip(c).collect())
        .collect();
    Ok(())
}

fn parse_files(r: &mut Bytes<'_>) -> Result<Vec<FileInfo>> {
    let n = r.count("files")?;
    let mut files = vec![FileInfo::default(); n];
    let mut empty_stream = vec![false; n];
    let mut empty_file: Vec<bool> = Vec::new();
    loop {
        let t = r.byte()?;
        if t == K_END {
            break;
        }
        let size = r.number()?;
        let data = r.take(size)?;
        let mut p = Bytes::new(data, r.at() - size);
        match t {
            K_EMPTY_STREAM => empty_stream = p.bits(n)?,
            K_EMPTY_FILE => {
                let empties = empty_stream.iter().filter(|&&e| e).count();
                empty_file = p.bits(empties)?;
            }
            K_NAME => {
                if p.byte()? != 0 {
                    return Err(Error::unsupported(
                        F,
                        p.at(),
                        "names stored outside the header",
                    ));
                }
                let raw = p.take(data.len() as u64 - 1)?;
                let units: Vec<u16> = raw
                    .chunks_exact(2)
                    .map(|c| u16::from_le_bytes([c[0], c[1]]))
                    .collect();
                let mut names = units.split(|&u| u == 0);
                for f in &mut files {
                    let name = names
                        .next()
                        .ok_or_else(|| Error::corrupt(F, p.at(), "fewer names than files"))?;
                    f.name = String::from_utf16_lossy(name)
                        .replace('\\', "/")
                        .into_bytes();
                }
            }
            K_MTIME => {
                for (f, d) in files.iter_mut().zip(p.defined_inline(n, "times")?) {
                    if d {
                        f.mtime = Some(p.u64()?);
                    }
                }
            }
            K_WIN_ATTRIBUTES => {
                for (f, d) in files.iter_mut().zip(p.defined_inline(n, "attributes")?) {
                    if d {
                        f.attrib = Some(p.u32()?);
                    }
                }
            }
            // Creation and access times, anti-items, start positions, padding (K_DUMMY): not
            // needed.
            _ => {}
        }
    }
    let mut empty_index = 0;
    for (i, f) in files.iter_mut().enumerate() {
        f.has_stream = !empty_stream.get(i).copied().unwrap_or(false);
        let dir_attr = f.attrib.is_some_and(|a| a & 0x10 != 0);
        f.is_dir = if f.has_stream {
            false
        } else {
            let is_empty_file = empty_file.get(empty_index).copied().unwrap_or(false);
            empty_index += 1;
            dir_attr || !is_empty_file
        };
    }
    Ok(files)
}

/// What opening needs to decode folders.
struct Archive {
    src: SourceRef,
    budget: Arc<Budget>,
    spooler: Spooler,
}

/// A folder ready to decode: its coder chain over its packed stream.
struct Folder {
    src: SourceRef,
    /// Offset and size of the packed stream in the archive.
    pack_offset: u64,
    pack_size: u64,
    /// Coders from the one producing the folder's output to the one reading the packed stream,
    /// or why this reader cannot decode them.
    chain: std::result::Result<Vec<Link>, String>,
    unpack_size: u64,
    crc: Option<u32>,
    budget: Arc<Budget>,
    spooler: Spooler,
    /// The decoded folder, spooled on first use and shared by its files.
    decoded: OnceLock<std::result::Result<SourceRef, String>>,
}

impl Archive {
    /// Each folder with the offset of its packed stream and its coder chain. A folder this
    /// reader cannot decode (several packed streams, unknown coders) still gets its place, so
    /// files map to the right substreams; decoding it fails with the reason.
    fn folders(&self, s: &StreamsInfo, at: u64) -> Result<Vec<Arc<Folder>>> {
        let mut offset = START
            .checked_add(s.pack_pos)
            .ok_or_else(|| Error::corrupt(F, at, "pack position beyond 2^64"))?;
        let mut pack_offsets = Vec::with_capacity(s.pack_sizes.len());
        for &size in &s.pack_sizes {
            pack_offsets.push((offset, size));
            offset = offset
                .checked_add(size)
                .ok_or_else(|| Error::corrupt(F, at, "pack sizes beyond 2^64"))?;
        }
        let mut next_pack = 0usize;
        let mut out = Vec::with_capacity(s.folders.len());
        for f in &s.folders {
            let first = next_pack;
            next_pack += f.packed.len();
            let (pack_offset, pack_size) = pack_offsets.get(first).copied().unwrap_or((0, 0));
            let chain = if first < pack_offsets.len() {
                chain(f)
            } else {
                Err("no packed stream".into())
            };
            out.push(Arc::new(Folder {
                src: self.src.clone(),
                pack_offset,
                pack_size,
                chain,
                unpack_size: f.unpack_size(),
                crc: f.crc,
                budget: self.budget.clone(),
                spooler: self.spooler.clone(),
                decoded: OnceLock::new(),
            }));
        }
        Ok(out)
    }

    fn entries(
        &self,
        streams: Option<&StreamsInfo>,
        files: Vec<FileInfo>,
        at: u64,
        ctx: &mut OpenCtx<'_>,
    ) -> Result<Vec<RawEntry>> {
        let empty = StreamsInfo::default();
        let s = streams.unwrap_or(&empty);
        let folders = self.folders(s, at)?;
        // The substreams in order: (folder, offset in the folder, size, CRC).
        let mut subs = Vec::new();
        for (fi, list) in s.substreams.iter().enumerate() {
            let mut off = 0u64;
            for &(size, crc) in list {
                subs.push((fi, off, size, crc));
                off = off.saturating_add(size);
            }
        }
        let mut subs = subs.into_iter();
        ctx.budget.take_entries(files.len() as u64)?;
        let mut entries = Vec::with_capacity(files.len());
        // Folders this reader cannot decode: why, the first file in them, how many files.
        let mut unsupported: Vec<(String, String, usize)> = Vec::new();
        for f in files {
            let unix = f.attrib.filter(|a| a & 0x8000 != 0).map(|a| a >> 16);
            let mut kind = if f.is_dir {
                EntryKind::Dir
            } else {
                EntryKind::File
            };
            if let Some(mode) = unix {
                match mode & 0o170000 {
                    0o040000 => kind = EntryKind::Dir,
                    0o120000 if f.has_stream => kind = EntryKind::Symlink,
                    _ => {}
                }
            }
            let mut e = RawEntry::new(f.name, kind);
            if let Some(mode) = unix {
                e.mode = mode & 0o7777;
            }
            e.offset = at;
            if let Some(t) = f.mtime {
                // FILETIME: 100 ns units since 1601-01-01.
                e.mtime = (t / 10_000_000) as i64 - 11_644_473_600;
            }
            if f.has_stream {
                let Some((fi, off, size, crc)) = subs.next() else {
                    return Err(Error::corrupt(
                        F,
                        at,
                        "more files with data than substreams",
                    ));
                };
                let folder = folders[fi].clone();
                if let Err(why) = &folder.chain {
                    match unsupported.iter_mut().find(|(w, _, _)| w == why) {
                        Some(u) => u.2 += 1,
                        None => unsupported.push((
                            why.clone(),
                            String::from_utf8_lossy(&e.name).into_owned(),
                            1,
                        )),
                    }
                }
                e.size = size;
                let sub = Sub {
                    folder,
                    offset: off,
                    size,
                    crc,
                };
                if kind == EntryKind::Symlink {
                    match sub.read_small(4096) {
                        Ok(target) => e.link_target = Some(target),
                        Err(err) => {
                            ctx.warn(
                                WarningCode::Corrupt,
                                at,
                                format!("symlink {}: {err}", String::from_utf8_lossy(&e.name)),
                            );
                            continue;
                        }
                    }
                    e.size = 0;
                } else if size > 0 {
                    e.data = Data::Coded(Arc::new(sub));
                }
            }
            entries.push(e);
        }
        for (why, first, n) in unsupported {
            ctx.warn(
                WarningCode::Unsupported,
                at,
                format!("{n} files (first {first}) in folders this reader cannot decode: {why}"),
            );
        }
        Ok(entries)
    }
}

/// One coder of a folder's chain and the size of what it produces.
#[derive(Clone, Debug)]
struct Link {
    coder: Coder,
    out_size: u64,
}

/// The coders from the folder's output to its packed stream, when they form a simple chain
/// (one in and one out stream each) of methods this reader decodes; else why not.
fn chain(f: &FolderInfo) -> std::result::Result<Vec<Link>, String> {
    if f.packed.len() != 1 {
        return Err(format!("{} packed streams (BCJ2?)", f.packed.len()));
    }
    let mut out: Vec<Link> = Vec::new();
    let mut stream = f.main_out().ok_or("no output stream")?;
    loop {
        // Coders have one out stream each (checked when parsed): out stream i is coder i's.
        let coder = f.coders.get(stream).ok_or("a bind pair names no coder")?;
        if coder.num_in != 1 {
            return Err(format!(
                "coder {} with {} inputs",
                method_name(&coder.method),
                coder.num_in
            ));
        }
        if out.len() >= f.coders.len() {
            return Err("the coders form a cycle".into());
        }
        out.push(Link {
            coder: coder.clone(),
            out_size: f.unpack_sizes.get(stream).copied().unwrap_or(0),
        });
        let in_index: usize = f.coders[..stream].iter().map(|c| c.num_in).sum();
        match f.binds.iter().find(|&&(i, _)| i == in_index) {
            Some(&(_, next_out)) => stream = next_out,
            None if f.packed.first() == Some(&in_index) => break,
            None => return Err("a coder reads a stream nothing writes".into()),
        }
    }
    // A coder of a kind this reader does not decode is the reason (7zAES: encrypted).
    if let Some(l) = out
        .iter()
        .find(|l| !is_compressor(&l.coder.method) && filter_kind(&l.coder.method).is_none())
    {
        return Err(format!("coder {}", method_name(&l.coder.method)));
    }
    // Filters first, one compressor (or Copy) last.
    for (i, l) in out.iter().enumerate() {
        let m = l.coder.method.as_slice();
        let ok = if i + 1 == out.len() {
            is_compressor(m)
        } else {
            filter_kind(m).is_some()
        };
        if !ok {
            let names: Vec<String> = out.iter().map(|l| method_name(&l.coder.method)).collect();
            return Err(format!(
                "coders in an order this reader does not decode: {}",
                names.join(", ")
            ));
        }
    }
    Ok(out)
}

fn is_compressor(m: &[u8]) -> bool {
    matches!(
        m,
        [0x00] | [0x03, 0x01, 0x01] | [0x21] | [0x04, 0x01, 0x08] | [0x04, 0x02, 0x02]
    )
}

/// The branch and delta filters liblzma applies.
#[derive(Clone, Copy)]
enum FilterKind {
    X86,
    PowerPc,
    Ia64,
    Arm,
    ArmThumb,
    Sparc,
    Arm64,
    RiscV,
    Delta,
}

fn filter_kind(m: &[u8]) -> Option<FilterKind> {
    Some(match m {
        [0x03, 0x03, 0x01, 0x03] => FilterKind::X86,
        [0x03, 0x03, 0x02, 0x05] => FilterKind::PowerPc,
        [0x03, 0x03, 0x04, 0x01] => FilterKind::Ia64,
        [0x03, 0x03, 0x05, 0x01] => FilterKind::Arm,
        [0x03, 0x03, 0x07, 0x01] => FilterKind::ArmThumb,
        [0x03, 0x03, 0x08, 0x05] => FilterKind::Sparc,
        [0x0A] => FilterKind::Arm64,
        [0x0B] => FilterKind::RiscV,
        [0x03] => FilterKind::Delta,
        _ => return None,
    })
}

/// The name of a coder method, for messages.
fn method_name(m: &[u8]) -> String {
    match m {
        [0x00] => "Copy".into(),
        [0x03, 0x01, 0x01] => "LZMA".into(),
        [0x21] => "LZMA2".into(),
        [0x06, 0xF1, 0x07, 0x01] => "7zAES (encrypted)".into(),
        [0x03, 0x03, 0x01, 0x1B] => "BCJ2".into(),
        [0x04, 0x01, 0x08] => "Deflate".into(),
        [0x04, 0x02, 0x02] => "BZip2".into(),
        other => other.iter().map(|b| format!("{b:02x}")).collect(),
    }
}

impl Folder {
    /// A reader over the folder's decoded output, bounded by its declared size.
    fn decoder(&self) -> Result<Box<dyn Read + Send + '_>> {
        let at = self.pack_offset;
        let chain = self
            .chain
            .as_ref()
            .map_err(|why| Error::unsupported(F, at, format!("a folder of {why}")))?;
        let input = SourceReader::with_range(
            self.src.clone(),
            self.pack_offset,
            self.pack_offset.saturating_add(self.pack_size),
        );
        let fetched = input.fetched();
        let (filters, last) = chain.split_at(chain.len() - 1);
        let last = &last[0];
        let raw: Box<dyn Read + Send> = match (last.coder.method.as_slice(), filters.is_empty()) {
            // LZMA2 ends with its own marker: liblzma applies the filters above it directly.
            ([0x21], _) => {
                let mut f = liblzma_filters(filters, at)?;
                f.lzma2_properties(&last.coder.props)
                    .map_err(|e| bad_props(&last.coder, at, e))?;
                raw_decoder(input, &f, at)?
            }
            (m, no_filters) => {
                // The compressor's output, exactly as long as the folder says (LZMA1 has no end
                // marker, so liblzma cannot tell where its output ends).
                let inner: Box<dyn Read + Send> = match m {
                    [0x00] => Box::new(input),
                    [0x04, 0x01, 0x08] => Box::new(flate2::bufread::DeflateDecoder::new(input)),
                    [0x04, 0x02, 0x02] => Box::new(bzip2::bufread::BzDecoder::new(input)),
                    _ => {
                        let mut f = liblzma::stream::Filters::new();
                        f.lzma1_properties(&last.coder.props)
                            .map_err(|e| bad_props(&last.coder, at, e))?;
                        raw_decoder(input, &f, at)?
                    }
                };
                let exact = inner.take(last.out_size);
                if no_filters {
                    Box::new(exact)
                } else {
                    // Filters on top: fed to liblzma as stored LZMA2 chunks, whose end marker
                    // flushes the filters' last bytes.
                    let mut f = liblzma_filters(filters, at)?;
                    f.lzma2_properties(&[0])
                        .map_err(|e| bad_props(&last.coder, at, e))?;
                    raw_decoder(StoredLzma2::new(exact), &f, at)?
                }
            }
        };
        let metered = Metered::with_ratio(raw, self.budget.clone(), move || {
            fetched.load(Ordering::Relaxed)
        });
        Ok(Box::new(Exact {
            inner: metered.take(self.unpack_size),
            want: self.unpack_size,
            produced: 0,
            at,
        }))
    }

    /// The decoded folder, spooled once.
    fn decoded(&self) -> Result<SourceRef> {
        let r = self.decoded.get_or_init(|| {
            let mut reader = self.decoder().map_err(|e| e.to_string())?;
            let mut hashing = Hashing {
                inner: &mut reader,
                hasher: crc32fast::Hasher::new(),
            };
            let src = self
                .spooler
                .spool(&mut hashing)
                .map_err(|e| from_io(F, self.pack_offset, e).to_string())?;
            if let Some(crc) = self.crc {
                let got = hashing.hasher.finalize();
                if got != crc {
                    return Err(format!(
                        "folder CRC {got:08x}, expected {crc:08x} (at offset {:#x})",
                        self.pack_offset
                    ));
                }
            }
            Ok(src)
        });
        r.clone()
            .map_err(|what| Error::corrupt(F, self.pack_offset, what))
    }
}

/// liblzma filters for the chain's filters, in decoding order (the output's first).
fn liblzma_filters(filters: &[Link], at: u64) -> Result<liblzma::stream::Filters> {
    let mut f = liblzma::stream::Filters::new();
    for l in filters {
        let props = l.coder.props.as_slice();
        let kind = filter_kind(&l.coder.method).ok_or_else(|| {
            Error::unsupported(F, at, format!("coder {}", method_name(&l.coder.method)))
        })?;
        let added = match kind {
            FilterKind::X86 => f.x86_properties(props),
            FilterKind::PowerPc => f.powerpc_properties(props),
            FilterKind::Ia64 => f.ia64_properties(props),
            FilterKind::Arm => f.arm_properties(props),
            FilterKind::ArmThumb => f.arm_thumb_properties(props),
            FilterKind::Sparc => f.sparc_properties(props),
            FilterKind::Arm64 => f.arm64_properties(props),
            FilterKind::RiscV => f.riscv_properties(props),
            FilterKind::Delta => f.delta_properties(props),
        };
        added.map_err(|e| bad_props(&l.coder, at, e))?;
    }
    Ok(f)
}

fn bad_props(c: &Coder, at: u64, e: liblzma::stream::Error) -> Error {
    Error::corrupt(
        F,
        at,
        format!("coder {} has bad properties: {e}", method_name(&c.method)),
    )
}

fn raw_decoder<R: io::BufRead + Send + 'static>(
    input: R,
    filters: &liblzma::stream::Filters,
    at: u64,
) -> Result<Box<dyn Read + Send>> {
    let stream = liblzma::stream::Stream::new_raw_decoder(filters)
        .map_err(|e| Error::unsupported(F, at, format!("liblzma refuses the coder chain: {e}")))?;
    Ok(Box::new(liblzma::bufread::XzDecoder::new_stream(
        input, stream,
    )))
}

/// Bytes wrapped as stored (uncompressed) LZMA2 chunks with an end marker.
struct StoredLzma2<R> {
    inner: R,
    /// The chunk being read from `inner`, reused for every chunk.
    chunk: Box<[u8]>,
    buf: Vec<u8>,
    pos: usize,
    first: bool,
    done: bool,
}

impl<R: Read> StoredLzma2<R> {
    fn new(inner: R) -> io::BufReader<StoredLzma2<R>> {
        io::BufReader::new(StoredLzma2 {
            inner,
            chunk: vec![0u8; 1 << 16].into_boxed_slice(),
            buf: Vec::with_capacity(3 + (1 << 16)),
            pos: 0,
            first: true,
            done: false,
        })
    }

    fn refill(&mut self) -> io::Result<()> {
        self.buf.clear();
        self.pos = 0;
        let mut n = 0;
        while n < self.chunk.len() {
            match self.inner.read(&mut self.chunk[n..])? {
                0 => break,
                k => n += k,
            }
        }
        if n == 0 {
            self.buf.push(0x00);
            self.done = true;
            return Ok(());
        }
        // 1: stored chunk with a dictionary reset; 2: stored chunk continuing.
        self.buf.push(if self.first { 0x01 } else { 0x02 });
        self.first = false;
        self.buf.extend_from_slice(&((n - 1) as u16).to_be_bytes());
        self.buf.extend_from_slice(&self.chunk[..n]);
        Ok(())
    }
}

impl<R: Read> Read for StoredLzma2<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.pos == self.buf.len() {
            if self.done {
                return Ok(0);
            }
            self.refill()?;
        }
        let n = (self.buf.len() - self.pos).min(out.len());
        out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// Reads exactly `want` bytes, else reports the folder truncated.
struct Exact<R> {
    inner: R,
    want: u64,
    produced: u64,
    at: u64,
}

impl<R: Read> Read for Exact<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.produced += n as u64;
        if n == 0 && !buf.is_empty() && self.produced < self.want {
            return Err(io_error(Error::truncated(
                F,
                self.at,
                format!(
                    "folder decodes to {} bytes, {} declared",
                    self.produced, self.want
                ),
            )));
        }
        Ok(n)
    }
}

struct Hashing<'a, R> {
    inner: &'a mut R,
    hasher: crc32fast::Hasher,
}

impl<R: Read> Read for Hashing<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}

/// One file: a slice of a decoded folder.
struct Sub {
    folder: Arc<Folder>,
    offset: u64,
    size: u64,
    crc: Option<u32>,
}

impl Sub {
    fn read_small(&self, max: u64) -> Result<Vec<u8>> {
        if self.size > max {
            return Err(Error::corrupt(
                F,
                self.folder.pack_offset,
                format!("{} bytes where at most {max} belong", self.size),
            ));
        }
        let mut out = Vec::new();
        self.open()?
            .read_to_end(&mut out)
            .map_err(|e| from_io(F, self.folder.pack_offset, e))?;
        Ok(out)
    }
}

impl Content for Sub {
    fn open(&self) -> Result<Box<dyn Read + Send + '_>> {
        let decoded = self.folder.decoded()?;
        let end = self.offset.saturating_add(self.size);
        if end > decoded.len() {
            return Err(Error::truncated(
                F,
                self.folder.pack_offset,
                format!("file ends at {end} of a folder of {} bytes", decoded.len()),
            ));
        }
        let data = slice(&decoded, self.offset, self.size);
        Ok(Box::new(CrcChecked {
            inner: SourceReader::new(data),
            hasher: crc32fast::Hasher::new(),
            want: self.crc,
            at: self.folder.pack_offset,
        }))
    }
}

/// Checks a file's CRC when it has been read to the end.
struct CrcChecked<R> {
    inner: R,
    hasher: crc32fast::Hasher,
    want: Option<u32>,
    at: u64,
}

impl<R: Read> Read for CrcChecked<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        if n == 0
            && !buf.is_empty()
            && let Some(want) = self.want
        {
            let got = self.hasher.clone().finalize();
            if got != want {
                return Err(io_error(Error::Checksum {
                    format: F,
                    offset: self.at,
                    what: format!("file CRC {got:08x}, expected {want:08x}"),
                }));
            }
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_decode_as_7zip_writes_them() {
        let cases: &[(&[u8], u64)] = &[
            (&[0x00], 0),
            (&[0x7F], 0x7F),
            (&[0x80, 0x80], 0x80),
            (&[0xBF, 0xFF], 0x3FFF),
            (&[0xC0, 0x00, 0x40], 0x4000),
            (&[0xFF, 1, 2, 3, 4, 5, 6, 7, 8], 0x0807_0605_0403_0201),
        ];
        for (bytes, want) in cases {
            let mut r = Bytes::new(bytes, 0);
            assert_eq!(r.number().expect("number"), *want, "{bytes:02x?}");
            assert_eq!(r.pos, bytes.len());
        }
        let mut r = Bytes::new(&[0xC0, 0x00], 0);
        assert!(r.number().is_err(), "truncated number");
    }

    #[test]
    fn hostile_counts_are_refused_before_allocating() {
        let mut r = Bytes::new(&[0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F], 0);
        let e = r.count("files").expect_err("refused");
        assert!(e.to_string().contains("files"), "{e}");
    }
}
