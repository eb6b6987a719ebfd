//! ZIP archives (with ZIP64), read from the central directory. Stored and deflated members are
//! decoded natively (also bzip2, lzma-in-zip is reported unsupported); CRCs are checked while
//! reading. Overlapping members (the construction of non-recursive zip bombs) are refused.
//! Archives whose central directory is missing or cut (a download cut short, an archive carved
//! out of flash) are recovered from their local headers, with a warning saying so.

use std::io::{self, Read};
use std::sync::Arc;

use netvet_model::{EntryKind, WarningCode};

use crate::error::{Error, Result};
use crate::format::{
    Content, Data, Format, Magic, OpenCtx, Opened, Probe, RawEntry, bytes::le16, bytes::le32,
    bytes::le64, io_error,
};
use crate::source::{Source, SourceExt, SourceReader, SourceRef, slice};

const F: &str = "zip";
const LOCAL: &[u8] = b"PK\x03\x04";
const CENTRAL: &[u8] = b"PK\x01\x02";
const EOCD: &[u8] = b"PK\x05\x06";
const EOCD64_LOCATOR: &[u8] = b"PK\x06\x07";
const EOCD64: &[u8] = b"PK\x06\x06";
/// Central directories larger than this are hostile.
const MAX_CENTRAL: u64 = 256 << 20;

/// The ZIP reader.
pub struct Zip;

struct End {
    /// Offset of the EOCD record relative to the archive start.
    at: u64,
    entries: u64,
    cd_size: u64,
    cd_offset: u64,
    comment_len: u64,
}

/// Finds the end-of-central-directory record whose central directory lies just before it,
/// searching forward from the archive start (so an archive embedded in a blob is found too).
fn find_end(src: &dyn Source, budget: &crate::limits::Budget) -> Result<End> {
    let finder = memchr::memmem::Finder::new(EOCD);
    let chunk = 4u64 << 20;
    let mut pos = 0u64;
    while pos < src.len() {
        budget.check_time()?;
        let buf = src
            .read_upto(pos, (chunk + 21) as usize)
            .map_err(|e| Error::read(F, pos, e))?;
        for i in finder.find_iter(&buf) {
            let at = pos + i as u64;
            let Ok(r) = src.read_vec(at, 22) else {
                continue;
            };
            let mut end = End {
                at,
                entries: le16(&r, 10) as u64,
                cd_size: le32(&r, 12) as u64,
                cd_offset: le32(&r, 16) as u64,
                comment_len: le16(&r, 20) as u64,
            };
            let zip64 =
                end.entries == 0xffff || end.cd_size == 0xffff_ffff || end.cd_offset == 0xffff_ffff;
            if zip64 && let Some(e64) = read_zip64_end(src, at) {
                end.entries = e64.0;
                end.cd_size = e64.1;
                end.cd_offset = e64.2;
                if end
                    .cd_offset
                    .checked_add(end.cd_size)
                    .is_some_and(|x| x <= at)
                {
                    return Ok(end);
                }
                continue;
            }
            if end.cd_offset + end.cd_size == at {
                return Ok(end);
            }
        }
        if buf.len() < (chunk + 21) as usize {
            break;
        }
        pos += chunk;
    }
    Err(Error::corrupt(F, 0, "no end of central directory record"))
}

fn read_zip64_end(src: &dyn Source, eocd: u64) -> Option<(u64, u64, u64)> {
    let loc = src.read_vec(eocd.checked_sub(20)?, 20).ok()?;
    if &loc[..4] != EOCD64_LOCATOR {
        return None;
    }
    let rec_at = le64(&loc, 8);
    let rec = src.read_vec(rec_at, 56).ok()?;
    if &rec[..4] != EOCD64 {
        return None;
    }
    Some((le64(&rec, 32), le64(&rec, 40), le64(&rec, 48)))
}

/// DOS date and time to seconds since the epoch (UTC, as zip has no zone).
fn dos_time(date: u16, time: u16) -> i64 {
    let year = 1980 + (date >> 9) as i64;
    let month = ((date >> 5) & 0xf).clamp(1, 12) as i64;
    let day = (date & 0x1f).max(1) as i64;
    // Days from civil (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146097 + doe - 719468;
    days * 86400
        + ((time >> 11) as i64) * 3600
        + (((time >> 5) & 0x3f) as i64) * 60
        + ((time & 0x1f) as i64) * 2
}

/// What the extra fields of a header add: ZIP64 sizes (written into the values passed),
/// Info-ZIP's UTC mtime ("UT") and unix owners ("ux").
struct Extra {
    utc_mtime: Option<i64>,
    owner: Option<(u32, u32)>,
}

fn parse_extra(extra: &[u8], usize_: &mut u64, csize: &mut u64, local: Option<&mut u64>) -> Extra {
    let mut out = Extra {
        utc_mtime: None,
        owner: None,
    };
    let mut local = local;
    let mut x = 0;
    while x + 4 <= extra.len() {
        let id = le16(extra, x);
        let n = le16(extra, x + 2) as usize;
        let body = extra.get(x + 4..x + 4 + n).unwrap_or_default();
        if id == 1 {
            let mut k = 0;
            let mut take = |v: &mut u64| {
                if *v == 0xffff_ffff && k + 8 <= body.len() {
                    *v = le64(body, k);
                    k += 8;
                }
            };
            take(usize_);
            take(csize);
            if let Some(l) = local.as_deref_mut() {
                take(l);
            }
        } else if id == 0x5455 && body.len() >= 5 && body[0] & 1 != 0 {
            out.utc_mtime = Some(le32(body, 1) as i32 as i64);
        } else if id == 0x7875 && body.len() >= 3 && body[0] == 1 {
            let un = body[1] as usize;
            let gn = body.get(2 + un).copied().unwrap_or(0) as usize;
            let num = |b: &[u8]| b.iter().rev().fold(0u64, |v, &x| v << 8 | x as u64);
            if let (Some(u), Some(g)) = (body.get(2..2 + un), body.get(3 + un..3 + un + gn))
                && un <= 8
                && gn <= 8
            {
                out.owner = Some((num(u) as u32, num(g) as u32));
            }
        }
        x += 4 + n;
    }
    out
}

impl Format for Zip {
    fn id(&self) -> &'static str {
        F
    }

    fn magics(&self) -> &'static [Magic] {
        const { &[Magic::start(b"PK\x03\x04")] }
    }

    fn probe(&self, src: &dyn Source, offset: u64) -> Option<Probe> {
        let h = src.read_vec(offset, 30).ok()?;
        let method = le16(&h, 8);
        let name_len = le16(&h, 26);
        let version = le16(&h, 4);
        (h[..4] == *LOCAL
            && name_len > 0
            && version < 100
            && matches!(method, 0 | 8 | 9 | 12 | 14 | 93 | 95 | 98 | 99))
        .then(|| Probe {
            length: None,
            description: "zip archive".into(),
        })
    }

    fn open(&self, src: SourceRef, ctx: &mut OpenCtx<'_>) -> Result<Opened> {
        let end = match find_end(&*src, ctx.budget) {
            Ok(end) => end,
            Err(e) if e.limit_kind().is_some() => return Err(e),
            // No central directory: a download cut short, or a carved archive cut by the
            // next image. The members are still there, one local header after another.
            Err(_) => return recover(&src, ctx),
        };
        if end.cd_size > MAX_CENTRAL {
            return Err(Error::corrupt(
                F,
                end.at,
                format!("central directory of {} bytes", end.cd_size),
            ));
        }
        let cd = src
            .read_vec(end.cd_offset, end.cd_size as usize)
            .map_err(|e| Error::read(F, end.cd_offset, e))?;
        let mut entries = Vec::new();
        let mut spans: Vec<(u64, u64, usize)> = Vec::new();
        let mut pos = 0usize;
        let mut encrypted = 0;
        for _ in 0..end.entries.min(cd.len() as u64 / 46 + 1) {
            let at = end.cd_offset + pos as u64;
            let Some(h) = cd.get(pos..pos + 46) else {
                ctx.warn(WarningCode::Truncated, at, "central directory ends early");
                break;
            };
            if h[..4] != *CENTRAL {
                ctx.warn(WarningCode::Corrupt, at, "bad central directory header");
                break;
            }
            let made_by = le16(h, 4) >> 8;
            let flags = le16(h, 8);
            let method = le16(h, 10);
            let mtime = dos_time(le16(h, 14), le16(h, 12));
            let crc = le32(h, 16);
            let mut csize = le32(h, 20) as u64;
            let mut usize_ = le32(h, 24) as u64;
            let name_len = le16(h, 28) as usize;
            let extra_len = le16(h, 30) as usize;
            let comment_len = le16(h, 32) as usize;
            let external = le32(h, 38);
            let mut local = le32(h, 42) as u64;
            let name = cd
                .get(pos + 46..pos + 46 + name_len)
                .unwrap_or_default()
                .to_vec();
            let extra = cd
                .get(pos + 46 + name_len..pos + 46 + name_len + extra_len)
                .unwrap_or_default();
            let x = parse_extra(extra, &mut usize_, &mut csize, Some(&mut local));
            let (utc_mtime, owner) = (x.utc_mtime, x.owner);
            pos += 46 + name_len + extra_len + comment_len;
            let is_dir = name.ends_with(b"/");
            let unix_mode = if made_by == 3 { external >> 16 } else { 0 };
            let kind = match unix_mode & 0o170000 {
                0o120000 => EntryKind::Symlink,
                0o040000 => EntryKind::Dir,
                _ if is_dir => EntryKind::Dir,
                _ => EntryKind::File,
            };
            let mut e = RawEntry::new(name, kind);
            e.offset = at;
            e.mtime = utc_mtime.unwrap_or(mtime);
            if let Some((uid, gid)) = owner {
                e.uid = uid;
                e.gid = gid;
            }
            if unix_mode & 0o7777 != 0 {
                e.mode = unix_mode & 0o7777;
            }
            if kind == EntryKind::Dir {
                entries.push(e);
                continue;
            }
            // Data starts after the local header, whose name and extra lengths may differ.
            let Ok(lh) = src.read_vec(local, 30) else {
                ctx.warn(
                    WarningCode::Truncated,
                    local,
                    "local header outside the archive",
                );
                continue;
            };
            if lh[..4] != *LOCAL {
                ctx.warn(WarningCode::Corrupt, local, "bad local header");
                continue;
            }
            let data_at = local + 30 + le16(&lh, 26) as u64 + le16(&lh, 28) as u64;
            if data_at.saturating_add(csize) > src.len() {
                ctx.warn(
                    WarningCode::Truncated,
                    local,
                    format!("{csize} compressed bytes run past the archive"),
                );
                continue;
            }
            spans.push((local, data_at + csize, entries.len()));
            if flags & 1 != 0 {
                encrypted += 1;
                e.size = usize_;
                entries.push(e);
                continue;
            }
            let data = slice(&src, data_at, csize);
            e.size = usize_;
            if kind == EntryKind::Symlink {
                if method == 0 && csize <= 4096 {
                    e.link_target = data.read_vec(0, csize as usize).ok();
                    e.size = csize;
                } else {
                    ctx.warn(WarningCode::Unsupported, at, "compressed symlink target");
                }
                entries.push(e);
                continue;
            }
            if usize_ > 0 {
                e.data = match method {
                    0 => Data::Stored(data),
                    8 | 12 => Data::Coded(Arc::new(Member {
                        data,
                        method,
                        size: usize_,
                        crc,
                        offset: data_at,
                    })),
                    other => {
                        ctx.warn(
                            WarningCode::Unsupported,
                            at,
                            format!("compression method {other}"),
                        );
                        Data::Empty
                    }
                };
            }
            entries.push(e);
        }
        if encrypted > 0 {
            ctx.warn(
                WarningCode::Unsupported,
                0,
                format!("{encrypted} encrypted members not decrypted"),
            );
        }
        // Members whose data overlaps another's are the signature of a zip bomb.
        spans.sort_unstable();
        let mut overlapping = Vec::new();
        for w in spans.windows(2) {
            if w[1].0 < w[0].1 {
                overlapping.push(w[1].2);
            }
        }
        if !overlapping.is_empty() {
            ctx.warn(
                WarningCode::Corrupt,
                0,
                format!("{} members overlap other members' data (zip bomb construction); their content is not read", overlapping.len()),
            );
            for i in overlapping {
                entries[i].data = Data::Empty;
            }
        }
        Ok(Opened::Archive {
            description: format!("zip archive, {} entries", entries.len()),
            length: end.at + 22 + end.comment_len,
            entries,
        })
    }
}

/// Lists the members of an archive without a central directory from their local headers, in
/// order from the start, until something other than a local header follows. Local headers
/// have no unix modes or file types: members come out as files and directories (by the `/`
/// at the end of the name) with default modes. Members written with a data descriptor (sizes
/// after the data, as `zip` writes to a pipe) are measured by decoding them, or for stored
/// ones by finding the descriptor that names their size.
fn recover(src: &SourceRef, ctx: &mut OpenCtx<'_>) -> Result<Opened> {
    let mut entries = Vec::new();
    let mut pos = 0u64;
    let mut encrypted = 0;
    let max_entries = ctx.budget.limits().max_entries as usize;
    // Whether what follows the last member is the archive's own cut remainder.
    let mut cut = false;
    let why = loop {
        ctx.budget.check_time()?;
        if entries.len() > max_entries {
            break "entry limit reached".to_string();
        }
        let Ok(h) = src.read_vec(pos, 30) else {
            break "the archive ends".to_string();
        };
        if h[..4] != *LOCAL {
            break if h[..4] == *CENTRAL {
                cut = true;
                "the central directory starts and is cut".to_string()
            } else {
                "no local header follows".to_string()
            };
        }
        let flags = le16(&h, 6);
        let method = le16(&h, 8);
        let mut crc = le32(&h, 14);
        let mut csize = le32(&h, 18) as u64;
        let mut usize_ = le32(&h, 22) as u64;
        let name_len = le16(&h, 26) as usize;
        let extra_len = le16(&h, 28) as usize;
        let Ok(var) = src.read_vec(pos + 30, name_len + extra_len) else {
            break "the archive ends inside a local header".to_string();
        };
        let (name, extra) = var.split_at(name_len);
        let x = parse_extra(extra, &mut usize_, &mut csize, None);
        let data_at = pos + 30 + (name_len + extra_len) as u64;
        let mut next = data_at + csize;
        if flags & 8 != 0 && flags & 1 == 0 {
            match streamed_member(src, data_at, method, ctx)? {
                Some(m) => {
                    csize = m.csize;
                    usize_ = m.usize;
                    crc = m.crc;
                    next = m.next;
                }
                None => {
                    break format!(
                        "the member at {pos:#x} has its sizes after its data and its end \
                         cannot be found"
                    );
                }
            }
        } else if flags & 8 != 0 {
            break format!("the encrypted member at {pos:#x} has its sizes after its data");
        }
        if next > src.len() {
            cut = true;
            break format!("the member at {pos:#x} is cut ({csize} compressed bytes declared)");
        }
        let kind = if name.ends_with(b"/") {
            EntryKind::Dir
        } else {
            EntryKind::File
        };
        let mut e = RawEntry::new(name.to_vec(), kind);
        e.offset = pos;
        e.mtime = x.utc_mtime.unwrap_or(dos_time(le16(&h, 12), le16(&h, 10)));
        if let Some((uid, gid)) = x.owner {
            e.uid = uid;
            e.gid = gid;
        }
        if kind == EntryKind::File {
            e.size = usize_;
            if flags & 1 != 0 {
                encrypted += 1;
            } else if usize_ > 0 {
                e.data = member_data(src, data_at, csize, usize_, method, crc, pos, ctx);
            }
        }
        entries.push(e);
        pos = next;
    };
    if entries.is_empty() {
        return Err(Error::corrupt(
            F,
            0,
            format!("no end of central directory record, and no member before {why}"),
        ));
    }
    ctx.warn(
        WarningCode::Truncated,
        pos,
        format!(
            "no central directory (missing or cut): {} members recovered from local headers; \
             stopped here because {why}",
            entries.len()
        ),
    );
    if encrypted > 0 {
        ctx.warn(
            WarningCode::Unsupported,
            0,
            format!("{encrypted} encrypted members not decrypted"),
        );
    }
    Ok(Opened::Archive {
        description: format!(
            "zip archive, {} entries recovered from local headers",
            entries.len()
        ),
        // A cut central directory or member belongs to the archive, not after it.
        length: if cut { src.len() } else { pos },
        entries,
    })
}

/// A member's content, by compression method.
#[allow(clippy::too_many_arguments)]
fn member_data(
    src: &SourceRef,
    data_at: u64,
    csize: u64,
    usize_: u64,
    method: u16,
    crc: u32,
    at: u64,
    ctx: &mut OpenCtx<'_>,
) -> Data {
    let data = slice(src, data_at, csize);
    match method {
        0 => Data::Stored(data),
        8 | 12 => Data::Coded(Arc::new(Member {
            data,
            method,
            size: usize_,
            crc,
            offset: data_at,
        })),
        other => {
            ctx.warn(
                WarningCode::Unsupported,
                at,
                format!("compression method {other}"),
            );
            Data::Empty
        }
    }
}

/// Where a member written with a data descriptor ends.
struct Streamed {
    csize: u64,
    usize: u64,
    crc: u32,
    /// Offset after the data descriptor.
    next: u64,
}

/// Measures a member whose sizes follow its data: a compressed one by decoding it (deflate
/// and bzip2 streams mark their own end), a stored one by finding the data descriptor whose
/// compressed size is its distance from the data. `None` when neither works.
fn streamed_member(
    src: &SourceRef,
    data_at: u64,
    method: u16,
    ctx: &mut OpenCtx<'_>,
) -> Result<Option<Streamed>> {
    let max = ctx.budget.limits().max_file_size;
    let (csize, decoded) = match method {
        8 | 12 => {
            let mut raw =
                SourceReader::new(slice(src, data_at, src.len() - data_at.min(src.len())));
            let fetched = raw.fetched();
            let ratio = ctx.budget.limits().max_ratio;
            let (usize_, crc) = {
                let mut dec: Box<dyn Read> = if method == 8 {
                    Box::new(flate2::bufread::DeflateDecoder::new(&mut raw))
                } else {
                    Box::new(bzip2::bufread::BzDecoder::new(&mut raw))
                };
                let mut h = crc32fast::Hasher::new();
                let mut buf = vec![0u8; 64 << 10];
                let mut n_total = 0u64;
                loop {
                    let n = match dec.read(&mut buf) {
                        Ok(0) => break,
                        Ok(n) => n,
                        Err(_) => return Ok(None),
                    };
                    h.update(&buf[..n]);
                    n_total += n as u64;
                    // The engine's bomb check, for decoding done while opening.
                    let read = fetched.load(std::sync::atomic::Ordering::Relaxed).max(1);
                    if n_total > 1 << 20 && n_total / read > ratio {
                        return Err(Error::limit(
                            crate::error::LimitKind::Ratio,
                            format!("zip member at {data_at:#x} expands more than {ratio} times"),
                        ));
                    }
                    if n_total > max {
                        return Err(Error::limit(
                            crate::error::LimitKind::FileSize,
                            format!("zip member at {data_at:#x} decodes to more than {max} bytes"),
                        ));
                    }
                    ctx.budget.check_time()?;
                }
                (n_total, h.finalize())
            };
            (raw.position(), Some((usize_, crc)))
        }
        0 => match find_descriptor(src, data_at, max, ctx)? {
            Some(c) => (c, None),
            None => return Ok(None),
        },
        _ => return Ok(None),
    };
    let desc = descriptor(src, data_at + csize, csize);
    let (usize_, crc) = match (decoded, desc) {
        (Some((u, c)), _) => (u, desc.map_or(c, |d| d.1)),
        (None, Some((u, c, _))) => (u, c),
        (None, None) => return Ok(None),
    };
    Ok(Some(Streamed {
        csize,
        usize: usize_,
        crc,
        next: data_at + csize + desc.map_or(0, |d| d.2),
    }))
}

/// The data descriptor at `at` whose compressed size is `csize`: (size, CRC, descriptor
/// length). It may start with a signature and hold 32- or 64-bit sizes.
fn descriptor(src: &SourceRef, at: u64, csize: u64) -> Option<(u64, u32, u64)> {
    let b = src.read_upto(at, 24).ok()?;
    let skip = if b.starts_with(b"PK\x07\x08") { 4 } else { 0 };
    let f = b.get(skip..)?;
    if f.len() >= 12 && le32(f, 4) as u64 == csize {
        return Some((le32(f, 8) as u64, le32(f, 0), skip as u64 + 12));
    }
    if f.len() >= 20 && le64(f, 4) == csize {
        return Some((le64(f, 12), le32(f, 0), skip as u64 + 20));
    }
    None
}

/// The size of a stored member with a data descriptor: the distance to the first descriptor
/// signature that names it, searched up to `max` bytes.
fn find_descriptor(
    src: &SourceRef,
    data_at: u64,
    max: u64,
    ctx: &mut OpenCtx<'_>,
) -> Result<Option<u64>> {
    let finder = memchr::memmem::Finder::new(b"PK\x07\x08");
    let chunk = 1u64 << 20;
    let mut pos = data_at;
    let end = src.len().min(data_at.saturating_add(max));
    while pos < end {
        ctx.budget.check_time()?;
        let buf = src
            .read_upto(pos, (chunk + 3) as usize)
            .map_err(|e| Error::read(F, pos, e))?;
        for i in finder.find_iter(&buf) {
            let at = pos + i as u64;
            if descriptor(src, at, at - data_at).is_some_and(|d| d.2 >= 16 && d.0 == at - data_at) {
                return Ok(Some(at - data_at));
            }
        }
        if (buf.len() as u64) < chunk + 3 {
            break;
        }
        pos += chunk;
    }
    Ok(None)
}

/// A compressed zip member.
struct Member {
    data: SourceRef,
    method: u16,
    size: u64,
    crc: u32,
    offset: u64,
}

impl Content for Member {
    fn open(&self) -> Result<Box<dyn Read + Send + '_>> {
        let raw = SourceReader::new(self.data.clone());
        let inner: Box<dyn Read + Send> = match self.method {
            8 => Box::new(flate2::bufread::DeflateDecoder::new(raw)),
            _ => Box::new(bzip2::bufread::BzDecoder::new(raw)),
        };
        Ok(Box::new(Checked {
            inner: inner.take(self.size),
            hasher: crc32fast::Hasher::new(),
            member: self,
            produced: 0,
        }))
    }
}

/// Verifies the CRC and size when the member has been read to the end.
struct Checked<'a, R> {
    inner: R,
    hasher: crc32fast::Hasher,
    member: &'a Member,
    produced: u64,
}

impl<R: Read> Read for Checked<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.produced += n as u64;
        if n == 0 && !buf.is_empty() {
            let m = self.member;
            if self.produced != m.size {
                return Err(io_error(Error::truncated(
                    F,
                    m.offset,
                    format!(
                        "member decodes to {} bytes, {} declared",
                        self.produced, m.size
                    ),
                )));
            }
            let crc = self.hasher.clone().finalize();
            if crc != m.crc {
                return Err(io_error(Error::Checksum {
                    format: F,
                    offset: m.offset,
                    what: format!("member CRC {crc:08x}, expected {:08x}", m.crc),
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
    fn dos_times_convert() {
        // 2020-01-02 03:04:06
        let date = ((2020 - 1980) << 9) | (1 << 5) | 2;
        let time = (3 << 11) | (4 << 5) | 3;
        assert_eq!(dos_time(date, time), 1_577_934_246);
    }
}
