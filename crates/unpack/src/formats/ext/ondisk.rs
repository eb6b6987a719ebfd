//! Small on-disk records: times, device numbers, extended attributes, POSIX ACLs,
//! directory entries, and the checksums ext4 chains.

use crate::format::bytes::{le16, le32};
use crate::names::escape_bytes;

/// Seconds since the epoch from a 32-bit time and its `_extra` word (whose low two bits
/// extend the range past 2038).
pub(super) fn decode_time(secs: u32, extra: Option<u32>) -> i64 {
    let base = secs as i32 as i64;
    match extra {
        Some(x) => base + (((x & 3) as i64) << 32),
        None => base,
    }
}

/// Major and minor numbers from `i_block`: the old 16-bit encoding in the first word, or
/// the new 32-bit one in the second.
pub(super) fn decode_device(i_block: &[u8]) -> (u32, u32) {
    let old = le32(i_block, 0);
    if old != 0 {
        ((old >> 8) & 0xff, old & 0xff)
    } else {
        let new = le32(i_block, 4);
        ((new & 0xfff00) >> 8, (new & 0xff) | ((new >> 12) & 0xfff00))
    }
}

/// One extended attribute as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct RawXattr {
    pub(super) index: u8,
    pub(super) name: Vec<u8>,
    pub(super) value: XattrValue,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum XattrValue {
    Bytes(Vec<u8>),
    /// Stored in an EA inode: (inode, size).
    Inode(u32, u32),
}

/// Parses xattr entries starting at `entries` in `region`; value offsets are relative to
/// `values`. Stops at the end marker; returns the entries and a problem, if one stopped it.
pub(super) fn parse_xattrs(
    region: &[u8],
    entries: usize,
    values: usize,
) -> (Vec<RawXattr>, Option<(usize, String)>) {
    let mut out = Vec::new();
    let mut pos = entries;
    loop {
        let Some(h) = region.get(pos..pos + 16) else {
            // Running into the end of the region without a marker is tolerated for the
            // in-inode area, which may end exactly after its last entry.
            return (out, None);
        };
        if le32(h, 0) == 0 {
            return (out, None);
        }
        let name_len = h[0] as usize;
        let index = h[1];
        let value_offs = le16(h, 2) as usize;
        let value_inum = le32(h, 4);
        let value_size = le32(h, 8);
        let Some(name) = region.get(pos + 16..pos + 16 + name_len) else {
            return (out, Some((pos, "xattr name runs past its area".into())));
        };
        let value = if value_inum != 0 {
            XattrValue::Inode(value_inum, value_size)
        } else {
            let start = values + value_offs;
            match region.get(start..start + value_size as usize) {
                Some(v) => XattrValue::Bytes(v.to_vec()),
                None => {
                    return (
                        out,
                        Some((
                            pos,
                            format!("xattr value of {value_size} bytes outside its area"),
                        )),
                    );
                }
            }
        };
        out.push(RawXattr {
            index,
            name: name.to_vec(),
            value,
        });
        pos += (16 + name_len + 3) & !3;
    }
}

/// The full attribute name of an entry, as `getfattr` shows it.
pub(super) fn xattr_name(index: u8, name: &[u8]) -> Option<String> {
    let prefix = match index {
        1 => "user.",
        2 => "system.posix_acl_access",
        3 => "system.posix_acl_default",
        4 => "trusted.",
        6 => "security.",
        7 => "system.",
        8 => "system.richacl",
        _ => return None,
    };
    Some(format!("{prefix}{}", escape_bytes(name)))
}

/// Converts a POSIX ACL from ext4's on-disk form (version 1, short entries for the owner,
/// group, mask and other) to the form the xattr interface gives (version 2, 8-byte entries).
pub(super) fn acl_to_xattr(v: &[u8]) -> Option<Vec<u8>> {
    if v.len() < 4 || le32(v, 0) != 1 {
        return None;
    }
    let mut out = 2u32.to_le_bytes().to_vec();
    let mut pos = 4;
    while pos < v.len() {
        let e = v.get(pos..pos + 4)?;
        let tag = le16(e, 0);
        let (id, len) = match tag {
            0x02 | 0x08 => (le32(v.get(pos..pos + 8)?, 4), 8),
            0x01 | 0x04 | 0x10 | 0x20 => (u32::MAX, 4),
            _ => return None,
        };
        out.extend_from_slice(&e[..4]);
        out.extend_from_slice(&id.to_le_bytes());
        pos += len;
    }
    Some(out)
}

/// A directory entry as stored.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Dirent<'b> {
    pub(super) ino: u32,
    pub(super) name: &'b [u8],
    /// Offset of the entry in the parsed region.
    pub(super) at: usize,
}

/// Parses the directory entries of one block (or inline area). Entries with inode 0 (unused
/// space, htree internal nodes, checksum tails) are skipped. A malformed record ends the
/// block; its offset and the reason are returned.
pub(super) fn parse_dirents(
    b: &[u8],
    filetype: bool,
    block_size: u64,
) -> (Vec<Dirent<'_>>, Option<(usize, String)>) {
    let mut out = Vec::new();
    let mut pos = 0usize;
    while pos + 8 <= b.len() {
        let ino = le32(b, pos);
        let raw_len = le16(b, pos + 4) as usize;
        // 64 KiB blocks store a whole-block record length as 0 or 65535.
        let rec_len = if block_size >= 65536 && (raw_len == 0 || raw_len == 65535) {
            65536
        } else if block_size >= 65536 {
            (raw_len & 65532) | ((raw_len & 3) << 16)
        } else {
            raw_len
        };
        let name_len = if filetype {
            b[pos + 6] as usize
        } else {
            le16(b, pos + 6) as usize
        };
        if rec_len < 8 || !rec_len.is_multiple_of(4) || pos + rec_len > b.len() {
            return (
                out,
                Some((pos, format!("directory record length {raw_len}"))),
            );
        }
        if ino != 0 {
            if 8 + name_len > rec_len {
                return (
                    out,
                    Some((
                        pos,
                        format!("name of {name_len} bytes in a {rec_len}-byte record"),
                    )),
                );
            }
            out.push(Dirent {
                ino,
                name: &b[pos + 8..pos + 8 + name_len],
                at: pos,
            });
        }
        pos += rec_len;
    }
    (out, None)
}

/// CRC-32C (Castagnoli) without the final inversion, as ext4 chains it.
pub(super) fn crc32c(mut crc: u32, data: &[u8]) -> u32 {
    const TABLE: [u32; 256] = {
        let mut t = [0u32; 256];
        let mut i = 0;
        while i < 256 {
            let mut c = i as u32;
            let mut k = 0;
            while k < 8 {
                c = if c & 1 != 0 {
                    (c >> 1) ^ 0x82f6_3b78
                } else {
                    c >> 1
                };
                k += 1;
            }
            t[i] = c;
            i += 1;
        }
        t
    };
    for &b in data {
        crc = (crc >> 8) ^ TABLE[((crc ^ b as u32) & 0xff) as usize];
    }
    crc
}

/// CRC-16 (ANSI, reflected), as the `uninit_bg` group descriptor checksum uses it.
pub(super) fn crc16(mut crc: u16, data: &[u8]) -> u16 {
    for &b in data {
        crc ^= b as u16;
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xa001
            } else {
                crc >> 1
            };
        }
    }
    crc
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    #[test]
    fn crc32c_matches_the_standard_check_value() {
        // The standard CRC-32C of "123456789" is 0xe3069283 (with both inversions).
        assert_eq!(!crc32c(!0, b"123456789"), 0xe306_9283);
    }

    #[test]
    fn crc16_matches_the_standard_check_value() {
        // CRC-16/ARC of "123456789".
        assert_eq!(crc16(0, b"123456789"), 0xbb3d);
    }

    #[test]
    fn devices_decode_in_both_encodings() {
        let mut b = [0u8; 60];
        b[0..4].copy_from_slice(&0x0501u32.to_le_bytes());
        assert_eq!(decode_device(&b), (5, 1));
        let mut b = [0u8; 60];
        // major 259, minor 300000: new encoding (minor low byte, major, minor high bits).
        let (major, minor) = (259u32, 300_000u32);
        let new = (minor & 0xff) | (major << 8) | ((minor & !0xff) << 12);
        b[4..8].copy_from_slice(&new.to_le_bytes());
        assert_eq!(decode_device(&b), (major, minor));
    }

    #[test]
    fn times_use_the_epoch_bits_of_the_extra_word() {
        assert_eq!(decode_time(0x8000_0000, None), -(1i64 << 31));
        assert_eq!(decode_time(0x8000_0000, Some(1)), (1i64 << 32) - (1 << 31));
        assert_eq!(decode_time(1_600_000_000, Some(0)), 1_600_000_000);
    }

    fn dirent(ino: u32, rec_len: u16, name: &[u8]) -> Vec<u8> {
        let mut v = ino.to_le_bytes().to_vec();
        v.extend_from_slice(&rec_len.to_le_bytes());
        v.push(name.len() as u8);
        v.push(1);
        v.extend_from_slice(name);
        v.resize(rec_len as usize, 0);
        v
    }

    #[test]
    fn dirents_skip_unused_records_and_stop_at_a_zero_length() {
        let mut b = dirent(12, 16, b"passwd");
        b.extend(dirent(0, 16, b"gone"));
        b.extend(dirent(13, 12, b"sh"));
        b.extend([0u8; 8]); // rec_len 0
        b.resize(64, 0);
        let (found, problem) = parse_dirents(&b, true, 1024);
        assert_eq!(
            found,
            vec![
                Dirent {
                    ino: 12,
                    name: b"passwd",
                    at: 0
                },
                Dirent {
                    ino: 13,
                    name: b"sh",
                    at: 32
                }
            ]
        );
        assert_eq!(problem, Some((44, "directory record length 0".into())));
    }

    #[test]
    fn dirents_reject_names_longer_than_their_record() {
        let mut b = dirent(12, 12, b"abcd");
        b[6] = 200;
        let (found, problem) = parse_dirents(&b, true, 1024);
        assert!(found.is_empty());
        assert!(problem.is_some());
    }

    #[test]
    fn xattr_entries_parse_with_values_and_stop_at_the_marker() {
        let mut r = vec![0u8; 64];
        // entry: name_len 4, index 1 ("user."), value at 48, 3 bytes, name "test"
        r[0] = 4;
        r[1] = 1;
        r[2..4].copy_from_slice(&48u16.to_le_bytes());
        r[8..12].copy_from_slice(&3u32.to_le_bytes());
        r[16..20].copy_from_slice(b"test");
        r[48..51].copy_from_slice(b"abc");
        let (x, problem) = parse_xattrs(&r, 0, 0);
        assert_eq!(problem, None);
        assert_eq!(
            x,
            vec![RawXattr {
                index: 1,
                name: b"test".to_vec(),
                value: XattrValue::Bytes(b"abc".to_vec())
            }]
        );
        assert_eq!(xattr_name(1, b"test").as_deref(), Some("user.test"));
        r[8..12].copy_from_slice(&100u32.to_le_bytes());
        assert!(parse_xattrs(&r, 0, 0).1.is_some());
    }

    #[test]
    fn acls_convert_to_the_xattr_form() {
        let mut disk = 1u32.to_le_bytes().to_vec();
        disk.extend([1, 0, 6, 0]); // USER_OBJ rw-
        disk.extend([2, 0, 4, 0, 0xe8, 3, 0, 0]); // USER 1000 r--
        disk.extend([4, 0, 4, 0, 0x10, 0, 4, 0, 0x20, 0, 0, 0]); // GROUP_OBJ, MASK, OTHER
        let x = acl_to_xattr(&disk).unwrap();
        assert_eq!(le32(&x, 0), 2);
        assert_eq!(x.len(), 4 + 5 * 8);
        assert_eq!(&x[4..12], &[1, 0, 6, 0, 0xff, 0xff, 0xff, 0xff]);
        assert_eq!(&x[12..20], &[2, 0, 4, 0, 0xe8, 3, 0, 0]);
        assert_eq!(acl_to_xattr(&[2, 0, 0, 0]), None);
    }
}
