//! cpio archives: "new" ASCII (`070701`), its CRC variant (`070702`, checksums verified) and
//! the portable ASCII "odc" format (`070707`). Initramfs images are newc cpio.

use std::collections::HashMap;

use netvet_model::{EntryKind, WarningCode};

use crate::error::{Error, Result};
use crate::format::{Data, Format, Magic, OpenCtx, Opened, Probe, RawEntry};
use crate::source::{Source, SourceExt, SourceRef, slice};

const F: &str = "cpio";
const NEWC_HEADER: usize = 110;
const ODC_HEADER: usize = 76;
const TRAILER: &[u8] = b"TRAILER!!!";
/// Names longer than this are hostile.
const MAX_NAME: usize = 64 * 1024;

/// The cpio reader.
pub struct Cpio;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Variant {
    Newc,
    Crc,
    Odc,
}

struct Header {
    ino: u64,
    mode: u32,
    uid: u32,
    gid: u32,
    nlink: u32,
    mtime: i64,
    size: u64,
    dev: (u32, u32),
    rdev: (u32, u32),
    name_len: usize,
    check: u32,
    /// Header plus name, padded as the variant requires.
    data_offset: u64,
    /// Offset of the next header.
    next: u64,
}

fn hex(field: &[u8]) -> Option<u64> {
    let s = std::str::from_utf8(field).ok()?;
    u64::from_str_radix(s, 16).ok()
}

fn oct(field: &[u8]) -> Option<u64> {
    let s = std::str::from_utf8(field).ok()?;
    u64::from_str_radix(s, 8).ok()
}

fn pad4(n: u64) -> u64 {
    n.div_ceil(4) * 4
}

fn variant(magic: &[u8]) -> Option<Variant> {
    match magic {
        b"070701" => Some(Variant::Newc),
        b"070702" => Some(Variant::Crc),
        b"070707" => Some(Variant::Odc),
        _ => None,
    }
}

fn parse_header(src: &dyn Source, at: u64) -> Result<(Variant, Header)> {
    let magic = src.read_vec(at, 6).map_err(|e| Error::read(F, at, e))?;
    let v = variant(&magic).ok_or_else(|| Error::corrupt(F, at, "bad header magic"))?;
    let bad = |what: &str| Error::corrupt(F, at, format!("header field {what} is not a number"));
    let h = match v {
        Variant::Newc | Variant::Crc => {
            let b = src
                .read_vec(at, NEWC_HEADER)
                .map_err(|e| Error::read(F, at, e))?;
            let f = |i: usize| hex(&b[6 + i * 8..14 + i * 8]);
            let field = |i: usize, name: &str| f(i).ok_or_else(|| bad(name));
            let name_len = field(11, "namesize")? as usize;
            let size = field(6, "filesize")?;
            let data_offset = pad4(at + NEWC_HEADER as u64 + name_len as u64);
            Header {
                ino: field(0, "ino")?,
                mode: field(1, "mode")? as u32,
                uid: field(2, "uid")? as u32,
                gid: field(3, "gid")? as u32,
                nlink: field(4, "nlink")? as u32,
                mtime: field(5, "mtime")? as i64,
                size,
                dev: (field(7, "devmajor")? as u32, field(8, "devminor")? as u32),
                rdev: (
                    field(9, "rdevmajor")? as u32,
                    field(10, "rdevminor")? as u32,
                ),
                name_len,
                check: field(12, "check")? as u32,
                data_offset,
                next: pad4(data_offset.saturating_add(size)),
            }
        }
        Variant::Odc => {
            let b = src
                .read_vec(at, ODC_HEADER)
                .map_err(|e| Error::read(F, at, e))?;
            let o = |r: std::ops::Range<usize>, name: &str| oct(&b[r]).ok_or_else(|| bad(name));
            let dev = o(6..12, "dev")? as u32;
            let rdev = o(42..48, "rdev")? as u32;
            let name_len = o(59..65, "namesize")? as usize;
            let size = o(65..76, "filesize")?;
            let data_offset = at + ODC_HEADER as u64 + name_len as u64;
            Header {
                ino: o(12..18, "ino")?,
                mode: o(18..24, "mode")? as u32,
                uid: o(24..30, "uid")? as u32,
                gid: o(30..36, "gid")? as u32,
                nlink: o(36..42, "nlink")? as u32,
                mtime: o(48..59, "mtime")? as i64,
                size,
                // odc packs device numbers into 16 bits (8 major, 8 minor).
                dev: (dev >> 8, dev & 0xff),
                rdev: (rdev >> 8, rdev & 0xff),
                name_len,
                check: 0,
                data_offset,
                next: data_offset.saturating_add(size),
            }
        }
    };
    Ok((v, h))
}

fn kind_of(mode: u32) -> Option<EntryKind> {
    Some(match mode & 0o170000 {
        0o100000 => EntryKind::File,
        0o040000 => EntryKind::Dir,
        0o120000 => EntryKind::Symlink,
        0o020000 => EntryKind::CharDevice,
        0o060000 => EntryKind::BlockDevice,
        0o010000 => EntryKind::Fifo,
        0o140000 => EntryKind::Socket,
        _ => return None,
    })
}

impl Format for Cpio {
    fn id(&self) -> &'static str {
        F
    }

    fn magics(&self) -> &'static [Magic] {
        const {
            &[
                Magic::start(b"070701"),
                Magic::start(b"070702"),
                Magic::start(b"070707"),
            ]
        }
    }

    fn probe(&self, src: &dyn Source, offset: u64) -> Option<Probe> {
        let (v, h) = parse_header(src, offset).ok()?;
        if h.name_len == 0 || h.name_len > MAX_NAME || kind_of(h.mode).is_none() && h.mode != 0 {
            return None;
        }
        let name = src.read_vec(offset + header_len(v), h.name_len).ok()?;
        // The name is NUL-terminated; anything else is not cpio.
        (name.last() == Some(&0)).then(|| Probe {
            length: None,
            description: format!("cpio archive ({})", variant_name(v)),
        })
    }

    fn open(&self, src: SourceRef, ctx: &mut OpenCtx<'_>) -> Result<Opened> {
        let mut entries: Vec<RawEntry> = Vec::new();
        // newc stores a hard-linked file's data with its last name only.
        let mut link_groups: HashMap<(u32, u32, u64), Vec<usize>> = HashMap::new();
        let mut at = 0u64;
        let mut first = None;
        let mut bad_crc = 0usize;
        let len = src.len();
        let end = loop {
            if at >= len {
                ctx.warn(
                    WarningCode::Truncated,
                    at,
                    "archive ends without a TRAILER!!! entry",
                );
                break len;
            }
            if entries.len().is_multiple_of(4096) {
                ctx.budget.check_time()?;
            }
            let (v, h) = match parse_header(&*src, at) {
                Ok(x) => x,
                Err(e) => {
                    if entries.is_empty() {
                        return Err(e);
                    }
                    ctx.warn(WarningCode::Corrupt, at, e.to_string());
                    break at;
                }
            };
            first.get_or_insert(v);
            if h.name_len == 0 || h.name_len > MAX_NAME {
                ctx.warn(
                    WarningCode::Corrupt,
                    at,
                    format!("name of {} bytes", h.name_len),
                );
                break at;
            }
            let name = match src.read_vec(at + header_len(v), h.name_len) {
                Ok(n) => n,
                Err(e) => {
                    ctx.warn(WarningCode::Truncated, at, e.to_string());
                    break len;
                }
            };
            let name = crate::format::bytes::cstr(&name).to_vec();
            if name == TRAILER {
                break h.next.min(len);
            }
            if h.data_offset.saturating_add(h.size) > len {
                ctx.warn(
                    WarningCode::Truncated,
                    at,
                    format!(
                        "{:?}: {} bytes of data declared, archive ends first",
                        crate::names::escape_bytes(&name),
                        h.size
                    ),
                );
                break len;
            }
            let Some(kind) = kind_of(h.mode) else {
                ctx.warn(
                    WarningCode::Corrupt,
                    at,
                    format!("unknown file type in mode {:o}", h.mode),
                );
                at = h.next;
                continue;
            };
            let data = slice(&src, h.data_offset, h.size);
            let mut e = RawEntry::new(name, kind);
            e.mode = h.mode & 0o7777;
            e.uid = h.uid;
            e.gid = h.gid;
            e.mtime = h.mtime;
            e.offset = at;
            match kind {
                EntryKind::File => {
                    e.size = h.size;
                    if v == Variant::Crc && h.size > 0 {
                        match checksum(&*data) {
                            Ok(sum) if sum != h.check => bad_crc += 1,
                            Ok(_) => {}
                            Err(err) => ctx.warn(WarningCode::Truncated, at, err.to_string()),
                        }
                    }
                    if h.size > 0 {
                        e.data = Data::Stored(data);
                    }
                    if h.nlink > 1 {
                        link_groups
                            .entry((h.dev.0, h.dev.1, h.ino))
                            .or_default()
                            .push(entries.len());
                        e.inode = Some(h.ino ^ ((h.dev.0 as u64) << 48) ^ ((h.dev.1 as u64) << 32));
                    }
                }
                EntryKind::Symlink => {
                    if h.size > 4096 {
                        ctx.warn(
                            WarningCode::Corrupt,
                            at,
                            format!("symlink target of {} bytes", h.size),
                        );
                    } else {
                        match data.read_vec(0, h.size as usize) {
                            Ok(t) => {
                                e.size = t.len() as u64;
                                e.link_target = Some(t);
                            }
                            Err(err) => ctx.warn(WarningCode::Truncated, at, err.to_string()),
                        }
                    }
                }
                EntryKind::CharDevice | EntryKind::BlockDevice => e.device = Some(h.rdev),
                _ => {}
            }
            entries.push(e);
            at = h.next;
        };
        if bad_crc > 0 {
            ctx.warn(
                WarningCode::BadChecksum,
                0,
                format!("{bad_crc} files do not match their cpio crc checksum"),
            );
        }
        // Give every name of a hard-linked file the data stored with one of them.
        for members in link_groups.values() {
            let donor = members
                .iter()
                .rev()
                .find(|&&i| !matches!(entries[i].data, Data::Empty))
                .map(|&i| (entries[i].data.clone(), entries[i].size));
            if let Some((data, size)) = donor {
                for &i in members {
                    entries[i].data = data.clone();
                    entries[i].size = size;
                }
            }
        }
        let v = first.unwrap_or(Variant::Newc);
        Ok(Opened::Archive {
            description: format!(
                "cpio archive ({}), {} entries",
                variant_name(v),
                entries.len()
            ),
            length: end,
            entries,
        })
    }
}

fn header_len(v: Variant) -> u64 {
    match v {
        Variant::Newc | Variant::Crc => NEWC_HEADER as u64,
        Variant::Odc => ODC_HEADER as u64,
    }
}

fn variant_name(v: Variant) -> &'static str {
    match v {
        Variant::Newc => "newc",
        Variant::Crc => "newc with crc",
        Variant::Odc => "odc",
    }
}

/// The "crc" of the 070702 format: the sum of all data bytes, modulo 2^32.
fn checksum(src: &dyn Source) -> std::io::Result<u32> {
    let mut sum = 0u32;
    let mut buf = vec![0u8; 64 * 1024];
    let mut pos = 0;
    while pos < src.len() {
        let n = (src.len() - pos).min(buf.len() as u64) as usize;
        src.read_exact_at(pos, &mut buf[..n])?;
        sum = buf[..n].iter().fold(sum, |s, &b| s.wrapping_add(b as u32));
        pos += n as u64;
    }
    Ok(sum)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padding_and_numbers() {
        assert_eq!(pad4(110 + 5), 116);
        assert_eq!(hex(b"0000001f"), Some(31));
        assert_eq!(hex(b"zz"), None);
        assert_eq!(oct(b"000755"), Some(0o755));
        assert_eq!(kind_of(0o120777), Some(EntryKind::Symlink));
        assert_eq!(kind_of(0o170000), None);
    }
}
