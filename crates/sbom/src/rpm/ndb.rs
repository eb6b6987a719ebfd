//! rpm's NDB package database, `Packages.db` (SUSE since 2021, rpm's `lib/backend/ndb/rpmpkg.c`),
//! read-only. All integers little-endian; the file is made of 16-byte blocks:
//!
//! - a 32-byte header: `RpmP`, version 0, generation, the number of 4 KiB slot pages, the next
//!   package index;
//! - the slot pages (the header takes the first two slots): 16-byte slots `Slot`, package
//!   index, first block, block count; a slot whose first block is 0 is free;
//! - each package a blob starting on its first block: a 16-byte head (`BlbS`, package index,
//!   time stamp, length), the header blob, zero padding, and a 12-byte tail (Adler-32 of
//!   everything before it, length, `BlbE`) ending the slot's last block.
//!
//! Every slot is checked as rpm checks it (blocks inside the file and after the slot pages,
//! block count matching the length), and each blob's head, tail and checksum; a bad slot or
//! blob is a problem and reading goes on. rpm's optional LZO-compressed blobs (a build option
//! no distribution enables) are not read: their checksum and header fail and are reported.

use std::collections::HashSet;
use std::ops::ControlFlow;

use super::{MAX_PROBLEMS, Malformed};

const BLOCK: usize = 16;
const SLOT_PAGE: usize = 4096;
const HEADER: usize = 32;
const BLOB_HEAD: usize = 16;
const BLOB_TAIL: usize = 12;
/// Most slot pages read (2,048 pages hold 524,286 slots, more packages than any system has).
pub const MAX_SLOT_PAGES: u32 = 2048;

fn le32(b: &[u8], at: usize) -> u32 {
    b.get(at..at + 4)
        .map_or(0, |x| u32::from_le_bytes([x[0], x[1], x[2], x[3]]))
}

fn bad(offset: u64, message: impl Into<String>) -> Malformed {
    Malformed {
        offset: Some(offset),
        message: message.into(),
    }
}

/// Adler-32 (RFC 1950), as rpm checks blobs.
pub fn adler32(data: &[u8]) -> u32 {
    const MOD: u32 = 65521;
    let (mut a, mut b) = (1u32, 0u32);
    for chunk in data.chunks(5552) {
        for &x in chunk {
            a += x as u32;
            b += a;
        }
        a %= MOD;
        b %= MOD;
    }
    (b << 16) | a
}

/// Calls `visit` with (package index, file offset of the blob, header blob) for every
/// package; returns the problems met on the way, or the reason the file cannot be read.
pub fn for_each<'a>(
    data: &'a [u8],
    mut visit: impl FnMut(u32, u64, &'a [u8]) -> ControlFlow<()>,
) -> Result<Vec<Malformed>, Malformed> {
    if data.len() < HEADER || &data[..4] != b"RpmP" {
        return Err(bad(0, "no NDB header (RpmP)"));
    }
    let version = le32(data, 4);
    if version != 0 {
        return Err(bad(4, format!("NDB version {version} (0 is read)")));
    }
    let slot_pages = le32(data, 12);
    if slot_pages == 0 || slot_pages > MAX_SLOT_PAGES {
        return Err(bad(
            12,
            format!("{slot_pages} slot pages (1 to {MAX_SLOT_PAGES} are read)"),
        ));
    }
    let slots_end = slot_pages as usize * SLOT_PAGE;
    if slots_end > data.len() {
        return Err(bad(
            12,
            format!(
                "{slot_pages} slot pages need {slots_end} bytes; the file has {}",
                data.len()
            ),
        ));
    }
    let mut problems = Vec::new();
    if !data.len().is_multiple_of(BLOCK) {
        problems.push(bad(
            data.len() as u64,
            format!("{} bytes, not a whole number of 16-byte blocks", data.len()),
        ));
    }
    let blocks = data.len() / BLOCK;
    let first_data_block = slots_end / BLOCK;
    let mut seen = HashSet::new();
    for at in (HEADER..slots_end).step_by(BLOCK) {
        if problems.len() >= MAX_PROBLEMS {
            problems.push(bad(
                at as u64,
                format!("more than {MAX_PROBLEMS} problems; the rest of the file not read"),
            ));
            break;
        }
        let slot = &data[at..at + BLOCK];
        if &slot[..4] != b"Slot" {
            problems.push(bad(at as u64, "slot without its Slot magic"));
            continue;
        }
        let (index, start, count) = (
            le32(slot, 4),
            le32(slot, 8) as usize,
            le32(slot, 12) as usize,
        );
        if start == 0 {
            continue;
        }
        if index == 0 || count == 0 || start < first_data_block || start + count > blocks {
            problems.push(bad(
                at as u64,
                format!(
                    "slot of package {index}: blocks {start}+{count} are not inside the data area (blocks {first_data_block} to {blocks})"
                ),
            ));
            continue;
        }
        if !seen.insert(index) {
            problems.push(bad(at as u64, format!("package {index} has a second slot")));
            continue;
        }
        match blob(data, index, start * BLOCK, count * BLOCK) {
            Ok(b) => {
                if visit(index, (start * BLOCK + BLOB_HEAD) as u64, b).is_break() {
                    break;
                }
            }
            Err(e) => problems.push(e),
        }
    }
    Ok(problems)
}

/// The header blob of package `index` in the `len` bytes at `at`, head, tail and checksum
/// checked.
fn blob(data: &[u8], index: u32, at: usize, len: usize) -> Result<&[u8], Malformed> {
    let area = &data[at..at + len];
    if len < BLOB_HEAD + BLOB_TAIL || &area[..4] != b"BlbS" {
        return Err(bad(
            at as u64,
            format!("package {index}: no blob head (BlbS)"),
        ));
    }
    if le32(area, 4) != index {
        return Err(bad(
            at as u64 + 4,
            format!(
                "slot of package {index} points at the blob of package {}",
                le32(area, 4)
            ),
        ));
    }
    let blob_len = le32(area, 12) as usize;
    let need = (BLOB_HEAD + blob_len + BLOB_TAIL).div_ceil(BLOCK) * BLOCK;
    if need != len {
        return Err(bad(
            at as u64 + 12,
            format!("package {index}: a blob of {blob_len} bytes in a slot of {len} bytes"),
        ));
    }
    let tail = len - BLOB_TAIL;
    if &area[tail + 8..] != b"BlbE" || le32(area, tail + 4) as usize != blob_len {
        return Err(bad(
            (at + tail) as u64,
            format!("package {index}: blob tail (BlbE) missing or of another length"),
        ));
    }
    let sum = adler32(&area[..tail]);
    if sum != le32(area, tail) {
        return Err(bad(
            (at + tail) as u64,
            format!(
                "package {index}: Adler-32 {sum:08x}, the blob says {:08x}",
                le32(area, tail)
            ),
        ));
    }
    Ok(&area[BLOB_HEAD..BLOB_HEAD + blob_len])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_are_capped_and_reading_stops() {
        // Eight slot pages of slots without their magic: 2,046 bad slots.
        let mut data = vec![0u8; 8 * SLOT_PAGE];
        data[..4].copy_from_slice(b"RpmP");
        data[12..16].copy_from_slice(&8u32.to_le_bytes());
        let problems = for_each(&data, |_, _, _| ControlFlow::Continue(())).unwrap();
        assert_eq!(problems.len(), MAX_PROBLEMS + 1);
        assert!(
            problems[MAX_PROBLEMS]
                .message
                .contains("the rest of the file not read")
        );
    }

    #[test]
    fn adler32_matches_rfc1950() {
        assert_eq!(adler32(b""), 1);
        assert_eq!(adler32(b"Wikipedia"), 0x11e6_0398);
        let big = vec![0xffu8; 100_000];
        // zlib.adler32 of 100,000 0xff bytes (Python), past the 5,552-byte reduction interval.
        assert_eq!(adler32(&big), 0x149a_302c);
    }
}
