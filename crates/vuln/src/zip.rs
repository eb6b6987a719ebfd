//! A small, bounded reader for the ZIP archives OSV publishes (`<ecosystem>/all.zip`: one JSON
//! record per member, stored or deflated, ZIP64 when an ecosystem has more than 65,535
//! records). It reads the central directory, then each member through its local header,
//! checking sizes and CRC-32. `netvet-unpack`'s reader serves firmware trees (carving,
//! nesting, partial results on hostile input); a feed wants all members or an error, so this
//! reader refuses anything it does not fully understand: encryption, other methods, sizes
//! past the bounds, a CRC or size that does not match.

use std::io::{Read, Seek, SeekFrom};

const CENTRAL: u32 = 0x0201_4b50;
const LOCAL: u32 = 0x0403_4b50;
const EOCD: u32 = 0x0605_4b50;
const EOCD64_LOCATOR: u32 = 0x0706_4b50;
const EOCD64: u32 = 0x0606_4b50;
/// Largest central directory read.
const MAX_CENTRAL: u64 = 256 << 20;

/// Limits on one archive.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits {
    /// Most members.
    pub members: usize,
    /// Largest member, uncompressed.
    pub member_bytes: u64,
    /// Most bytes of all members together, uncompressed.
    pub total_bytes: u64,
}

/// One member as the central directory describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Member {
    pub name: String,
    method: u16,
    crc: u32,
    compressed: u64,
    size: u64,
    local: u64,
}

/// A problem, with the archive offset it was found at.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct ZipError {
    pub offset: u64,
    pub message: String,
}

type Result<T> = std::result::Result<T, ZipError>;

fn bad<T>(offset: u64, message: impl Into<String>) -> Result<T> {
    Err(ZipError {
        offset,
        message: message.into(),
    })
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    b.get(at..at + 2)
        .map_or(0, |s| u16::from_le_bytes([s[0], s[1]]))
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    b.get(at..at + 4)
        .map_or(0, |s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    b.get(at..at + 8).map_or(0, |s| {
        let mut a = [0u8; 8];
        a.copy_from_slice(s);
        u64::from_le_bytes(a)
    })
}

fn read_at<R: Read + Seek>(r: &mut R, at: u64, len: usize) -> Result<Vec<u8>> {
    let io = |e: std::io::Error| ZipError {
        offset: at,
        message: format!("cannot read {len} bytes: {e}"),
    };
    r.seek(SeekFrom::Start(at)).map_err(io)?;
    let mut buf = vec![0u8; len];
    r.read_exact(&mut buf).map_err(io)?;
    Ok(buf)
}

/// The members of the archive, in central-directory order.
pub(crate) fn members<R: Read + Seek>(r: &mut R, limits: &Limits) -> Result<Vec<Member>> {
    let len = r.seek(SeekFrom::End(0)).map_err(|e| ZipError {
        offset: 0,
        message: format!("cannot seek: {e}"),
    })?;
    if len < 22 {
        return bad(0, "too short for a ZIP archive");
    }
    // The end record is 22 bytes plus a comment of at most 65,535.
    let tail_len = len.min(22 + 65_535);
    let tail_at = len - tail_len;
    let tail = read_at(r, tail_at, tail_len as usize)?;
    let Some(pos) = (0..=tail.len() - 22).rev().find(|&i| {
        u32_at(&tail, i) == EOCD && i + 22 + u16_at(&tail, i + 20) as usize == tail.len()
    }) else {
        return bad(tail_at, "no end-of-central-directory record");
    };
    let eocd_at = tail_at + pos as u64;
    let mut count = u64::from(u16_at(&tail, pos + 10));
    let mut cd_size = u64::from(u32_at(&tail, pos + 12));
    let mut cd_at = u64::from(u32_at(&tail, pos + 16));
    if count == 0xFFFF || cd_size == 0xFFFF_FFFF || cd_at == 0xFFFF_FFFF {
        let Some(loc_at) = eocd_at.checked_sub(20) else {
            return bad(eocd_at, "ZIP64 sizes without a ZIP64 locator");
        };
        let loc = read_at(r, loc_at, 20)?;
        if u32_at(&loc, 0) != EOCD64_LOCATOR {
            return bad(loc_at, "ZIP64 sizes without a ZIP64 locator");
        }
        let end64_at = u64_at(&loc, 8);
        if end64_at >= loc_at {
            return bad(loc_at, "ZIP64 end record after its locator");
        }
        let end64 = read_at(r, end64_at, 56)?;
        if u32_at(&end64, 0) != EOCD64 {
            return bad(end64_at, "no ZIP64 end-of-central-directory record");
        }
        count = u64_at(&end64, 32);
        cd_size = u64_at(&end64, 40);
        cd_at = u64_at(&end64, 48);
    }
    if count > limits.members as u64 {
        return bad(
            eocd_at,
            format!("{count} members, more than {}", limits.members),
        );
    }
    if cd_size > MAX_CENTRAL || cd_at.checked_add(cd_size).is_none_or(|end| end > eocd_at) {
        return bad(eocd_at, "central directory out of bounds");
    }
    let cd = read_at(r, cd_at, cd_size as usize)?;
    let mut out = Vec::with_capacity(count as usize);
    let mut p = 0usize;
    for _ in 0..count {
        let at = cd_at + p as u64;
        if u32_at(&cd, p) != CENTRAL || p + 46 > cd.len() {
            return bad(at, "bad central directory entry");
        }
        let flags = u16_at(&cd, p + 8);
        let method = u16_at(&cd, p + 10);
        let crc = u32_at(&cd, p + 16);
        let mut compressed = u64::from(u32_at(&cd, p + 20));
        let mut size = u64::from(u32_at(&cd, p + 24));
        let name_len = u16_at(&cd, p + 28) as usize;
        let extra_len = u16_at(&cd, p + 30) as usize;
        let comment_len = u16_at(&cd, p + 32) as usize;
        let mut local = u64::from(u32_at(&cd, p + 42));
        let name_at = p + 46;
        let extra_at = name_at + name_len;
        let next = extra_at + extra_len + comment_len;
        if next > cd.len() {
            return bad(at, "central directory entry runs past the directory");
        }
        let name = String::from_utf8_lossy(&cd[name_at..extra_at]).into_owned();
        // The ZIP64 extra field holds, in this order, the fields that are all ones above.
        let mut e = extra_at;
        while e + 4 <= extra_at + extra_len {
            let id = u16_at(&cd, e);
            let len = u16_at(&cd, e + 2) as usize;
            let body = e + 4;
            if body + len > extra_at + extra_len {
                return bad(at, "extra field runs past its entry");
            }
            if id == 1 {
                let mut q = body;
                for field in [&mut size, &mut compressed, &mut local] {
                    if *field == 0xFFFF_FFFF {
                        if q + 8 > body + len {
                            return bad(at, "short ZIP64 extra field");
                        }
                        *field = u64_at(&cd, q);
                        q += 8;
                    }
                }
            }
            e = body + len;
        }
        if flags & 1 != 0 {
            return bad(at, format!("{name}: encrypted"));
        }
        if method != 0 && method != 8 {
            return bad(
                at,
                format!("{name}: compression method {method} unsupported"),
            );
        }
        if size > limits.member_bytes {
            return bad(
                at,
                format!("{name}: {size} bytes, more than {}", limits.member_bytes),
            );
        }
        out.push(Member {
            name,
            method,
            crc,
            compressed,
            size,
            local,
        });
        p = next;
    }
    let total: u64 = out.iter().map(|m| m.size).fold(0, u64::saturating_add);
    if total > limits.total_bytes {
        return bad(
            eocd_at,
            format!(
                "members total {total} bytes, more than {}",
                limits.total_bytes
            ),
        );
    }
    Ok(out)
}

/// The content of one member, decompressed and checked against its size and CRC-32.
pub(crate) fn read<R: Read + Seek>(r: &mut R, m: &Member) -> Result<Vec<u8>> {
    let head = read_at(r, m.local, 30)?;
    if u32_at(&head, 0) != LOCAL {
        return bad(m.local, format!("{}: no local header", m.name));
    }
    let data_at = m.local + 30 + u64::from(u16_at(&head, 26)) + u64::from(u16_at(&head, 28));
    r.seek(SeekFrom::Start(data_at)).map_err(|e| ZipError {
        offset: data_at,
        message: format!("{}: cannot seek: {e}", m.name),
    })?;
    let raw = r.by_ref().take(m.compressed);
    let mut out = Vec::with_capacity(m.size.min(1 << 20) as usize);
    // One byte past the size shows a member that inflates to more than it declares.
    let result = if m.method == 8 {
        flate2::read::DeflateDecoder::new(raw)
            .take(m.size + 1)
            .read_to_end(&mut out)
    } else {
        raw.take(m.size + 1).read_to_end(&mut out)
    };
    result.map_err(|e| ZipError {
        offset: data_at,
        message: format!("{}: {e}", m.name),
    })?;
    if out.len() as u64 != m.size {
        return bad(
            data_at,
            format!(
                "{}: {} bytes, the directory says {}",
                m.name,
                out.len(),
                m.size
            ),
        );
    }
    if crc32fast::hash(&out) != m.crc {
        return bad(data_at, format!("{}: CRC-32 mismatch", m.name));
    }
    Ok(out)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A ZIP archive of `(name, content)` members, deflated, written as the tests need it.
    pub(crate) fn build(members: &[(&str, &[u8])]) -> Vec<u8> {
        use std::io::Write;
        let mut out = Vec::new();
        let mut central = Vec::new();
        for (name, content) in members {
            let mut enc =
                flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
            enc.write_all(content).unwrap();
            let data = enc.finish().unwrap();
            let crc = crc32fast::hash(content);
            let local = out.len() as u32;
            out.extend(LOCAL.to_le_bytes());
            out.extend([20, 0, 0, 0, 8, 0, 0, 0, 0, 0]);
            out.extend(crc.to_le_bytes());
            out.extend((data.len() as u32).to_le_bytes());
            out.extend((content.len() as u32).to_le_bytes());
            out.extend((name.len() as u16).to_le_bytes());
            out.extend([0, 0]);
            out.extend(name.as_bytes());
            out.extend(&data);
            central.extend(CENTRAL.to_le_bytes());
            central.extend([20, 0, 20, 0, 0, 0, 8, 0, 0, 0, 0, 0]);
            central.extend(crc.to_le_bytes());
            central.extend((data.len() as u32).to_le_bytes());
            central.extend((content.len() as u32).to_le_bytes());
            central.extend((name.len() as u16).to_le_bytes());
            central.extend([0; 12]);
            central.extend(local.to_le_bytes());
            central.extend(name.as_bytes());
        }
        let cd_at = out.len() as u32;
        out.extend(&central);
        out.extend(EOCD.to_le_bytes());
        out.extend([0, 0, 0, 0]);
        out.extend((members.len() as u16).to_le_bytes());
        out.extend((members.len() as u16).to_le_bytes());
        out.extend((central.len() as u32).to_le_bytes());
        out.extend(cd_at.to_le_bytes());
        out.extend([0, 0]);
        out
    }

    const LIMITS: Limits = Limits {
        members: 10,
        member_bytes: 1000,
        total_bytes: 2000,
    };

    #[test]
    fn reads_members_and_checks_their_crc() {
        let zip = build(&[("a.json", b"{\"id\":\"A\"}"), ("b.json", b"[]")]);
        let mut r = std::io::Cursor::new(zip.clone());
        let ms = members(&mut r, &LIMITS).unwrap();
        assert_eq!(
            ms.iter().map(|m| m.name.as_str()).collect::<Vec<_>>(),
            ["a.json", "b.json"]
        );
        assert_eq!(read(&mut r, &ms[0]).unwrap(), b"{\"id\":\"A\"}");
        assert_eq!(read(&mut r, &ms[1]).unwrap(), b"[]");

        let mut bad_crc = ms[0].clone();
        bad_crc.crc ^= 1;
        let e = read(&mut r, &bad_crc).unwrap_err();
        assert_eq!(e.message, "a.json: CRC-32 mismatch");
    }

    #[test]
    fn refuses_archives_past_the_limits_and_damaged_ones() {
        let zip = build(&[("a", &[b'x'; 600]), ("b", &[b'y'; 600])]);
        let tight = Limits {
            total_bytes: 1000,
            ..LIMITS
        };
        let e = members(&mut std::io::Cursor::new(zip.clone()), &tight).unwrap_err();
        assert_eq!(e.message, "members total 1200 bytes, more than 1000");
        let few = Limits {
            members: 1,
            ..LIMITS
        };
        let e = members(&mut std::io::Cursor::new(zip.clone()), &few).unwrap_err();
        assert_eq!(e.message, "2 members, more than 1");

        let cut = &zip[..zip.len() - 5];
        let e = members(&mut std::io::Cursor::new(cut.to_vec()), &LIMITS).unwrap_err();
        assert_eq!(e.message, "no end-of-central-directory record");
        let e = members(&mut std::io::Cursor::new(b"PK".to_vec()), &LIMITS).unwrap_err();
        assert_eq!(e.message, "too short for a ZIP archive");
    }
}
