//! tar archives: POSIX ustar, GNU (long names and links, base-256 numbers) and pax
//! (extended headers, including xattrs). Header checksums are verified.

use std::collections::BTreeMap;

use netvet_model::{EntryKind, WarningCode};

use crate::error::{Error, Result};
use crate::format::{Data, Format, Magic, OpenCtx, Opened, Probe, RawEntry, bytes::cstr};
use crate::source::{Source, SourceExt, SourceRef, slice};

const F: &str = "tar";
const BLOCK: u64 = 512;
/// Extended headers (pax, GNU long names) larger than this are hostile.
const MAX_EXTENDED: u64 = 1 << 20;

/// The tar reader.
pub struct Tar;

/// Parses an octal or GNU base-256 number field.
pub(crate) fn number(field: &[u8]) -> Option<u64> {
    if let Some(&first) = field.first()
        && first & 0x80 != 0
    {
        // Base-256: big-endian, the top bit of the first byte is the marker.
        if first & 0x40 != 0 {
            return None; // negative
        }
        let mut v: u64 = (first & 0x3f) as u64;
        for &b in &field[1..] {
            v = v.checked_mul(256)?.checked_add(b as u64)?;
        }
        return Some(v);
    }
    let s = std::str::from_utf8(cstr(field))
        .ok()?
        .trim_matches(|c| c == ' ' || c == '\0');
    if s.is_empty() {
        return Some(0);
    }
    u64::from_str_radix(s, 8).ok()
}

pub(crate) fn checksum_ok(h: &[u8]) -> bool {
    let Some(stored) = number(&h[148..156]) else {
        return false;
    };
    let unsigned: u64 = h
        .iter()
        .enumerate()
        .map(|(i, &b)| {
            if (148..156).contains(&i) {
                32
            } else {
                b as u64
            }
        })
        .sum();
    let signed: i64 = h
        .iter()
        .enumerate()
        .map(|(i, &b)| {
            if (148..156).contains(&i) {
                32
            } else {
                b as i8 as i64
            }
        })
        .sum();
    stored == unsigned || stored as i64 == signed
}

fn is_zero_block(h: &[u8]) -> bool {
    h.iter().all(|&b| b == 0)
}

/// Pax records: `"<len> <key>=<value>\n"`.
pub(crate) fn parse_pax(data: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        let Some(sp) = memchr::memchr(b' ', rest) else {
            break;
        };
        let Some(len) = std::str::from_utf8(&rest[..sp])
            .ok()
            .and_then(|s| s.parse::<usize>().ok())
        else {
            break;
        };
        if len <= sp + 1 || len > rest.len() {
            break;
        }
        let record = &rest[sp + 1..len];
        let record = record.strip_suffix(b"\n").unwrap_or(record);
        if let Some(eq) = memchr::memchr(b'=', record) {
            let key = String::from_utf8_lossy(&record[..eq]).into_owned();
            out.push((key, record[eq + 1..].to_vec()));
        }
        rest = &rest[len..];
    }
    out
}

fn pax_number(v: &[u8]) -> Option<i64> {
    let s = std::str::from_utf8(v).ok()?;
    let int = s.split('.').next()?;
    int.parse().ok()
}

/// Decodes base64 (pax SCHILY/LIBARCHIVE xattr values are raw or base64).
fn base64(s: &[u8]) -> Option<Vec<u8>> {
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let s: Vec<u8> = s.iter().copied().filter(|&c| c != b'=').collect();
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    for chunk in s.chunks(4) {
        let mut n = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            n |= val(c)? << (18 - 6 * i);
        }
        let bytes = n.to_be_bytes();
        out.extend_from_slice(&bytes[1..chunk.len()]);
    }
    Some(out)
}

#[derive(Default)]
struct Pending {
    long_name: Option<Vec<u8>>,
    long_link: Option<Vec<u8>>,
    pax: Vec<(String, Vec<u8>)>,
}

impl Format for Tar {
    fn id(&self) -> &'static str {
        F
    }

    fn magics(&self) -> &'static [Magic] {
        const {
            &[Magic {
                at: 257,
                bytes: b"ustar",
                align: 1,
            }]
        }
    }

    fn probe(&self, src: &dyn Source, offset: u64) -> Option<Probe> {
        let h = src.read_vec(offset, BLOCK as usize).ok()?;
        if !checksum_ok(&h) {
            return None;
        }
        let gnu = &h[257..265] == b"ustar  \0";
        Some(Probe {
            length: None,
            description: if gnu {
                "tar archive (GNU)"
            } else {
                "tar archive (ustar/pax)"
            }
            .into(),
        })
    }

    fn open(&self, src: SourceRef, ctx: &mut OpenCtx<'_>) -> Result<Opened> {
        let listing = list(&src, ctx, usize::MAX)?;
        if listing.unterminated {
            ctx.warn(
                WarningCode::Truncated,
                listing.end,
                "archive ends without end-of-archive blocks",
            );
        }
        Ok(Opened::Archive {
            description: format!(
                "tar archive ({}), {} entries",
                if listing.gnu { "GNU" } else { "ustar/pax" },
                listing.entries.len()
            ),
            length: listing.end,
            entries: listing.entries,
        })
    }
}

/// The entries of a tar archive and where it ends.
pub(crate) struct Listing {
    pub entries: Vec<RawEntry>,
    /// Offset after the end-of-archive blocks (or where reading stopped).
    pub end: u64,
    /// GNU headers were seen.
    pub gnu: bool,
    /// The data ended right after an entry, without end-of-archive blocks (nothing is lost;
    /// Go's writers of image layers do this).
    pub unterminated: bool,
}

/// Lists the archive at the start of `src`: at most `max_entries` entries (the rest are left
/// out with a warning), each file's data a slice of `src`.
pub(crate) fn list(src: &SourceRef, ctx: &mut OpenCtx<'_>, max_entries: usize) -> Result<Listing> {
    let len = src.len();
    let mut entries = Vec::new();
    let mut at = 0u64;
    let mut pending = Pending::default();
    let mut global: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let mut gnu = false;
    let mut unterminated = false;
    let end = loop {
        if at + BLOCK > len {
            if at < len {
                ctx.warn(WarningCode::Truncated, at, "archive ends inside a header");
            } else {
                unterminated = true;
            }
            break len;
        }
        if entries.len() % 4096 == 0 {
            ctx.budget.check_time()?;
        }
        if entries.len() >= max_entries {
            ctx.warn(
                WarningCode::LimitEntries,
                at,
                format!("more than {max_entries} entries; the rest are not listed"),
            );
            break at;
        }
        let h = src
            .read_vec(at, BLOCK as usize)
            .map_err(|e| Error::read(F, at, e))?;
        if is_zero_block(&h) {
            // End of archive: two zero blocks (one is tolerated).
            break (at + 2 * BLOCK).min(len);
        }
        if !checksum_ok(&h) {
            if entries.is_empty() && at == 0 {
                return Err(Error::Checksum {
                    format: F,
                    offset: at,
                    what: "first header".into(),
                });
            }
            ctx.warn(
                WarningCode::BadChecksum,
                at,
                "header checksum mismatch; archive ends here",
            );
            break at;
        }
        gnu |= &h[257..265] == b"ustar  \0";
        let size = number(&h[124..136]).ok_or_else(|| Error::corrupt(F, at + 124, "size field"))?;
        let data_at = at + BLOCK;
        let next = data_at
            .checked_add(size.div_ceil(BLOCK) * BLOCK)
            .ok_or_else(|| Error::corrupt(F, at + 124, "size overflows"))?;
        let typeflag = h[156];
        let read_ext = |what: &str| -> Result<Vec<u8>> {
            if size > MAX_EXTENDED {
                return Err(Error::corrupt(F, at, format!("{what} of {size} bytes")));
            }
            src.read_vec(data_at, size as usize)
                .map_err(|e| Error::read(F, data_at, e))
        };
        match typeflag {
            b'L' => {
                pending.long_name = Some(cstr(&read_ext("GNU long name")?).to_vec());
                at = next;
                continue;
            }
            b'K' => {
                pending.long_link = Some(cstr(&read_ext("GNU long link")?).to_vec());
                at = next;
                continue;
            }
            b'x' => {
                pending.pax.extend(parse_pax(&read_ext("pax header")?));
                at = next;
                continue;
            }
            b'g' => {
                global.extend(parse_pax(&read_ext("pax global header")?));
                at = next;
                continue;
            }
            b'V' => {
                at = next;
                continue;
            }
            _ => {}
        }
        let pax: BTreeMap<String, Vec<u8>> = global
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .chain(std::mem::take(&mut pending.pax))
            .collect();
        let mut name = match pending.long_name.take() {
            Some(n) => n,
            None => {
                let base = cstr(&h[0..100]);
                let prefix = cstr(&h[345..500]);
                if &h[257..263] == b"ustar\0" && !prefix.is_empty() {
                    [prefix, b"/", base].concat()
                } else {
                    base.to_vec()
                }
            }
        };
        let mut link = pending
            .long_link
            .take()
            .unwrap_or_else(|| cstr(&h[157..257]).to_vec());
        if let Some(p) = pax.get("path") {
            name = p.clone();
        }
        if let Some(l) = pax.get("linkpath") {
            link = l.clone();
        }
        let size = pax
            .get("size")
            .and_then(|v| pax_number(v))
            .map_or(size, |s| s.max(0) as u64);
        let kind = match typeflag {
            b'0' | 0 | b'7' => EntryKind::File,
            b'1' => EntryKind::HardLink,
            b'2' => EntryKind::Symlink,
            b'3' => EntryKind::CharDevice,
            b'4' => EntryKind::BlockDevice,
            b'5' | b'D' => EntryKind::Dir,
            b'6' => EntryKind::Fifo,
            b'S' => {
                ctx.warn(
                    WarningCode::Unsupported,
                    at,
                    "GNU sparse file: content not reconstructed",
                );
                EntryKind::File
            }
            other => {
                ctx.warn(
                    WarningCode::Unsupported,
                    at,
                    format!("entry type {:?} skipped", other as char),
                );
                at = next;
                continue;
            }
        };
        if pax.keys().any(|k| k.starts_with("GNU.sparse")) {
            ctx.warn(
                WarningCode::Unsupported,
                at,
                "pax sparse file: content not reconstructed",
            );
        }
        let mut e = RawEntry::new(name, kind);
        e.offset = at;
        e.mode = number(&h[100..108]).unwrap_or(0) as u32 & 0o7777;
        e.uid = pax
            .get("uid")
            .and_then(|v| pax_number(v))
            .map_or_else(|| number(&h[108..116]).unwrap_or(0) as u32, |v| v as u32);
        e.gid = pax
            .get("gid")
            .and_then(|v| pax_number(v))
            .map_or_else(|| number(&h[116..124]).unwrap_or(0) as u32, |v| v as u32);
        e.mtime = pax
            .get("mtime")
            .and_then(|v| pax_number(v))
            .unwrap_or_else(|| number(&h[136..148]).unwrap_or(0) as i64);
        for (k, v) in &pax {
            if let Some(name) = k
                .strip_prefix("SCHILY.xattr.")
                .or_else(|| k.strip_prefix("LIBARCHIVE.xattr."))
            {
                let value = if k.starts_with("LIBARCHIVE") {
                    base64(v).unwrap_or_else(|| v.clone())
                } else {
                    v.clone()
                };
                e.xattrs.push((name.to_string(), value));
            }
        }
        match kind {
            EntryKind::File => {
                if data_at.saturating_add(size) > len {
                    ctx.warn(
                        WarningCode::Truncated,
                        at,
                        format!("{size} bytes declared, archive ends first"),
                    );
                    e.size = len.saturating_sub(data_at);
                    e.data = Data::Stored(slice(src, data_at, e.size));
                    entries.push(e);
                    break len;
                }
                e.size = size;
                if size > 0 {
                    e.data = Data::Stored(slice(src, data_at, size));
                }
            }
            EntryKind::HardLink | EntryKind::Symlink => {
                e.size = link.len() as u64;
                e.link_target = Some(link);
            }
            EntryKind::CharDevice | EntryKind::BlockDevice => {
                e.device = Some((
                    number(&h[329..337]).unwrap_or(0) as u32,
                    number(&h[337..345]).unwrap_or(0) as u32,
                ));
            }
            _ => {}
        }
        entries.push(e);
        // Whatever the type, `size` bytes of data follow the header (as tar reads it).
        at = next;
    };
    Ok(Listing {
        entries,
        end,
        gnu,
        unterminated,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_octal_and_base256() {
        assert_eq!(number(b"0000644\0"), Some(0o644));
        assert_eq!(number(b"     17 "), Some(0o17));
        assert_eq!(number(&[0x80, 0, 0, 0, 0, 0, 1, 0]), Some(256));
        assert_eq!(number(b"9"), None);
    }

    #[test]
    fn pax_records_and_base64() {
        let recs = parse_pax(b"29 path=a/very/long/name.txt\n20 SCHILY.xattr.a=b\n");
        assert_eq!(
            recs[0],
            ("path".to_string(), b"a/very/long/name.txt".to_vec())
        );
        assert_eq!(recs[1], ("SCHILY.xattr.a".to_string(), b"b".to_vec()));
        assert_eq!(base64(b"aGVsbG8="), Some(b"hello".to_vec()));
        // A record whose length overruns stops parsing instead of panicking.
        assert!(parse_pax(b"999 path=x\n").is_empty());
    }
}
