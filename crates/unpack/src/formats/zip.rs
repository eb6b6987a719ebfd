//! ZIP archives (with ZIP64), read from the central directory. Stored and deflated members are
//! decoded natively (also bzip2, lzma-in-zip is reported unsupported); CRCs are checked while
//! reading. Overlapping members (the construction of non-recursive zip bombs) are refused.

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
        let end = find_end(&*src, ctx.budget)?;
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
            // Extra fields: ZIP64 sizes, Info-ZIP UTC mtime ("UT") and unix owners ("ux").
            let mut utc_mtime = None;
            let mut owner = None;
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
                    take(&mut usize_);
                    take(&mut csize);
                    take(&mut local);
                } else if id == 0x5455 && body.len() >= 5 && body[0] & 1 != 0 {
                    utc_mtime = Some(le32(body, 1) as i32 as i64);
                } else if id == 0x7875 && body.len() >= 3 && body[0] == 1 {
                    let un = body[1] as usize;
                    let gn = body.get(2 + un).copied().unwrap_or(0) as usize;
                    let num = |b: &[u8]| b.iter().rev().fold(0u64, |v, &x| v << 8 | x as u64);
                    if let (Some(u), Some(g)) = (body.get(2..2 + un), body.get(3 + un..3 + un + gn))
                        && un <= 8
                        && gn <= 8
                    {
                        owner = Some((num(u) as u32, num(g) as u32));
                    }
                }
                x += 4 + n;
            }
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
