//! Partition tables as containers: GPT and the DOS master boot record (MBR) with extended
//! partitions. Each partition is a payload named as Linux numbers it: `p1`, `p2`... in table
//! order (a GPT's empty slots keep their numbers), logical partitions of an MBR from `p5`.
//! Names stay this short and fixed whatever the table holds, so a path such as
//! `vm.qcow2!/disk!/p2!/etc/passwd` matches `/dev/vda2` in the guest's fstab; a GPT
//! partition's own name and type are shown in the layer description, never in a path.
//!
//! GPT: the header at LBA 1 (512- or 4096-byte sectors, told apart by where "EFI PART" is),
//! its CRC and the CRC of the partition entry array (a mismatch is a warning; when the
//! primary header's CRC fails and the backup header's holds, the backup is used). The entry
//! count and size are bounded; entries are kept inside the disk (clipped, with a warning,
//! when the image is cut short) and overlaps are reported.
//!
//! MBR: the 0x55AA signature is weak (every FAT and NTFS boot sector ends in it), so the MBR
//! is tried only at the start of a file or of a payload, and only accepted when its four
//! entries are a plausible table: status 0x00 or 0x80, a type, a start past sector 0, no two
//! partitions overlapping, at least one starting inside the image, and no BIOS parameter
//! block of a FAT or NTFS volume in the sector. A protective MBR (type 0xEE) belongs to the
//! GPT reader. Extended partitions (0x05, 0x0F, 0x85) are followed through their chain of
//! extended boot records, with a hop limit and loop detection. Sectors are 512 bytes.

use std::collections::HashSet;
use std::fmt::Write as _;

use netvet_model::WarningCode;

use super::problems::Problems;

use crate::error::{Error, Result};
use crate::format::{
    Format, Magic, OpenCtx, Opened, Payload, Probe,
    bytes::{le16, le32, le64},
};
use crate::names::escape_bytes;
use crate::source::{Source, SourceExt, SourceRef, slice};

/// Partitions described one by one in a layer description; more are counted.
const DESCRIBED: usize = 16;

/// A partition found in a table.
struct Part {
    /// The number Linux gives it (`p{number}`).
    number: u32,
    /// First byte and length in bytes, as the table says.
    start: u64,
    len: u64,
    /// Where its table entry is, for messages.
    entry_at: u64,
    /// What the description says about it: type, and a GPT name.
    what: String,
}

/// Turns partitions into payloads: those starting past the end are reported and dropped,
/// those running past it are clipped, overlaps are reported, and once the partitions cover
/// the image twice over the rest are reported and dropped.
fn payloads(
    format: &'static str,
    src: &SourceRef,
    parts: &mut [Part],
    ctx: &mut OpenCtx<'_>,
) -> Vec<Payload> {
    let len = src.len();
    let mut order: Vec<usize> = (0..parts.len()).collect();
    order.sort_by_key(|&i| (parts[i].start, parts[i].number));
    // Each partition against the one reaching furthest among those starting before it.
    let mut overlaps = Problems::default();
    let mut reach: Option<usize> = None;
    for &i in &order {
        if let Some(r) = reach {
            let (a, b) = (&parts[r], &parts[i]);
            if a.start.saturating_add(a.len) > b.start {
                overlaps.report(
                    ctx,
                    WarningCode::Corrupt,
                    b.entry_at,
                    format!(
                        "{format}: partition p{} (bytes {:#x}..{:#x}) overlaps p{} (from {:#x})",
                        a.number,
                        a.start,
                        a.start.saturating_add(a.len),
                        b.number,
                        b.start
                    ),
                );
            }
        }
        let end = |k: usize| parts[k].start.saturating_add(parts[k].len);
        if reach.is_none_or(|r| end(i) > end(r)) {
            reach = Some(i);
        }
    }
    overlaps.flush(ctx);
    let mut problems = Problems::default();
    let mut out = Vec::new();
    let mut exposed = 0u64;
    for p in parts.iter_mut() {
        if p.start >= len {
            ctx.warn(
                WarningCode::Truncated,
                p.entry_at,
                format!(
                    "{format}: partition p{} starts at byte {:#x}, past the end of the image \
                     ({len} bytes); not read",
                    p.number, p.start
                ),
            );
            p.what.push_str(", missing");
            continue;
        }
        if p.start.saturating_add(p.len) > len {
            ctx.warn(
                WarningCode::Truncated,
                p.entry_at,
                format!(
                    "{format}: partition p{} of {} bytes at {:#x} runs past the end of the image; \
                     {} bytes present",
                    p.number,
                    p.len,
                    p.start,
                    len - p.start
                ),
            );
            p.what.push_str(", cut short");
        }
        let present = p.len.min(len - p.start);
        // Overlapping entries could expose the same bytes many times over (4096 GPT entries
        // spanning the whole disk); real tables cover each byte at most once.
        if exposed.saturating_add(present) > len.saturating_mul(2) {
            problems.report(
                ctx,
                WarningCode::Corrupt,
                p.entry_at,
                format!(
                    "{format}: partition p{} not read: the partitions before it already cover the image twice over",
                    p.number
                ),
            );
            p.what.push_str(", not read");
            continue;
        }
        exposed += present;
        out.push(Payload {
            name: format!("p{}", p.number),
            source: slice(src, p.start, p.len),
            offset: p.start,
            hint: None,
            carve: true,
        });
    }
    problems.flush(ctx);
    out
}

fn describe_parts(head: String, parts: &[Part]) -> String {
    let mut s = head;
    let _ = write!(
        s,
        ", {} partition{}",
        parts.len(),
        if parts.len() == 1 { "" } else { "s" }
    );
    for (i, p) in parts.iter().enumerate() {
        if i == DESCRIBED {
            let _ = write!(s, "; {} more", parts.len() - DESCRIBED);
            break;
        }
        let _ = write!(
            s,
            "{} p{}: {}, {} bytes at {:#x}",
            if i == 0 { ":" } else { ";" },
            p.number,
            p.what,
            p.len,
            p.start
        );
    }
    s
}

// ---------------------------------------------------------------------------------------- GPT

const GPT: &str = "gpt";
const GPT_SIGNATURE: &[u8; 8] = b"EFI PART";
const GPT_HEADER_MIN: u32 = 92;
/// Entries and array bytes read at most (the specification's minimum array is 128 entries
/// of 128 bytes; tools never write more than a few hundred).
const GPT_MAX_ENTRIES: u32 = 4096;
const GPT_MAX_ENTRY_SIZE: u32 = 4096;
const GPT_MAX_ARRAY: u64 = 1 << 20;

/// The GPT reader.
pub struct Gpt;

/// A GPT header, as read at `sector` bytes per sector.
#[derive(Clone, Debug)]
struct GptHeader {
    sector: u64,
    /// Where the header is, in bytes.
    at: u64,
    crc_ok: bool,
    my_lba: u64,
    alternate_lba: u64,
    first_usable: u64,
    last_usable: u64,
    disk_guid: [u8; 16],
    entries_lba: u64,
    entries: u32,
    entry_size: u32,
    entries_crc: u32,
}

/// CRC-32 of `b` compared with `stored`. Fuzzing builds accept any CRC so that the fuzzer
/// reaches the structures behind them (a hostile image can always carry correct CRCs).
fn crc_matches(b: &[u8], stored: u32) -> bool {
    cfg!(feature = "fuzzing") || crc32fast::hash(b) == stored
}

/// Parses and checks the header at byte `at`; `None` when it is no plausible GPT header.
fn gpt_header(src: &dyn Source, at: u64, sector: u64) -> Option<GptHeader> {
    let b = src.read_vec(at, sector as usize).ok()?;
    if &b[..8] != GPT_SIGNATURE {
        return None;
    }
    let size = le32(&b, 12);
    if size < GPT_HEADER_MIN || size as u64 > sector {
        return None;
    }
    let mut copy = b[..size as usize].to_vec();
    copy[16..20].fill(0);
    let h = GptHeader {
        sector,
        at,
        crc_ok: crc_matches(&copy, le32(&b, 16)),
        my_lba: le64(&b, 24),
        alternate_lba: le64(&b, 32),
        first_usable: le64(&b, 40),
        last_usable: le64(&b, 48),
        disk_guid: b[56..72].try_into().ok()?,
        entries_lba: le64(&b, 72),
        entries: le32(&b, 80),
        entry_size: le32(&b, 84),
        entries_crc: le32(&b, 88),
    };
    let sane = h.entry_size >= 128
        && h.entry_size.is_multiple_of(8)
        && h.entry_size <= GPT_MAX_ENTRY_SIZE
        && h.first_usable <= h.last_usable.saturating_add(1)
        && h.entries_lba >= 2;
    sane.then_some(h)
}

impl GptHeader {
    /// Bytes the disk occupies according to this header.
    fn disk_len(&self) -> u64 {
        self.alternate_lba
            .max(self.my_lba)
            .max(self.last_usable)
            .saturating_add(1)
            .saturating_mul(self.sector)
    }
}

/// Finds the primary header: at byte 512 for 512-byte sectors, at 4096 for 4 KiB ones.
fn primary(src: &dyn Source, offset: u64) -> Option<GptHeader> {
    [512u64, 4096].into_iter().find_map(|sector| {
        let h = gpt_header(src, offset + sector, sector)?;
        (h.my_lba == 1).then_some(h)
    })
}

/// Formats a GUID as its text form (the first three fields are little-endian).
fn guid(b: &[u8; 16]) -> String {
    format!(
        "{:08X}-{:04X}-{:04X}-{:02X}{:02X}-{}",
        le32(b, 0),
        le16(b, 4),
        le16(b, 6),
        b[8],
        b[9],
        b[10..]
            .iter()
            .map(|x| format!("{x:02X}"))
            .collect::<String>()
    )
}

/// Names of common partition types.
fn gpt_type_name(g: &str) -> Option<&'static str> {
    Some(match g {
        "C12A7328-F81F-11D2-BA4B-00A0C93EC93B" => "EFI system",
        "21686148-6449-6E6F-744E-656564454649" => "BIOS boot",
        "0FC63DAF-8483-4772-8E79-3D69D8477DE4" => "Linux filesystem",
        "0657FD6D-A4AB-43C4-84E5-0933C84B4F4F" => "Linux swap",
        "E6D6D379-F507-44C2-A23C-238F2A3DF928" => "Linux LVM",
        "A19D880F-05FC-4D3B-A006-743F0F84911E" => "Linux RAID",
        "4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709" => "Linux root (x86-64)",
        "B921B045-1DF0-41C3-AF44-4C6F280D3FAE" => "Linux root (ARM64)",
        "BC13C2FF-59E6-4262-A352-B275FD6F7172" => "Linux extended boot",
        "933AC7E1-2EB4-4F13-B844-0E14E2AEF915" => "Linux home",
        "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7" => "Microsoft basic data",
        "E3C9E316-0B5C-4DB8-817D-F92DF00215AE" => "Microsoft reserved",
        "DE94BBA4-06D1-4D40-A16A-BFD50179D6AC" => "Windows recovery",
        _ => return None,
    })
}

/// A GPT partition name: UTF-16LE up to the first NUL, made printable.
fn gpt_name(b: &[u8]) -> String {
    let units: Vec<u16> = b
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .take_while(|&u| u != 0)
        .collect();
    let s: String = char::decode_utf16(units)
        .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect();
    escape_bytes(s.as_bytes())
}

impl Format for Gpt {
    fn id(&self) -> &'static str {
        GPT
    }

    fn extension(&self) -> &'static str {
        "gpt"
    }

    fn magics(&self) -> &'static [Magic] {
        const {
            &[
                Magic {
                    at: 512,
                    bytes: GPT_SIGNATURE,
                    align: 512,
                },
                Magic {
                    at: 4096,
                    bytes: GPT_SIGNATURE,
                    align: 4096,
                },
            ]
        }
    }

    fn probe(&self, src: &dyn Source, offset: u64) -> Option<Probe> {
        let h = primary(src, offset)?;
        Some(Probe {
            length: Some(h.disk_len()),
            description: format!("GPT partition table, {}-byte sectors", h.sector),
        })
    }

    fn open(&self, src: SourceRef, ctx: &mut OpenCtx<'_>) -> Result<Opened> {
        let mut h = primary(&*src, 0)
            .ok_or_else(|| Error::corrupt(GPT, 512, "no valid GPT header at LBA 1"))?;
        let sector = h.sector;
        if !h.crc_ok {
            let backup = h
                .alternate_lba
                .checked_mul(sector)
                .and_then(|at| gpt_header(&*src, at, sector))
                .filter(|b| b.crc_ok && b.my_lba == h.alternate_lba);
            match backup {
                Some(b) => {
                    ctx.warn(
                        WarningCode::BadChecksum,
                        sector + 16,
                        format!(
                            "{GPT}: primary header CRC does not match; using the backup header \
                             at LBA {}",
                            b.my_lba
                        ),
                    );
                    h = b;
                }
                None => ctx.warn(
                    WarningCode::BadChecksum,
                    sector + 16,
                    format!("{GPT}: header CRC does not match (and no valid backup header)"),
                ),
            }
        }
        let disk_len = h.disk_len();
        if disk_len > src.len() {
            ctx.warn(
                WarningCode::Truncated,
                h.at + 32,
                format!(
                    "{GPT}: the disk has {disk_len} bytes (backup header at LBA {}), {} present",
                    h.alternate_lba,
                    src.len()
                ),
            );
        }
        if h.entries > GPT_MAX_ENTRIES || h.entries as u64 * h.entry_size as u64 > GPT_MAX_ARRAY {
            return Err(Error::corrupt(
                GPT,
                h.at + 80,
                format!(
                    "{} partition entries of {} bytes (at most {GPT_MAX_ENTRIES} entries and \
                     {GPT_MAX_ARRAY} bytes are read)",
                    h.entries, h.entry_size
                ),
            ));
        }
        let array_at = h
            .entries_lba
            .checked_mul(sector)
            .filter(|&a| a < src.len())
            .ok_or_else(|| {
                Error::truncated(
                    GPT,
                    h.at + 72,
                    format!(
                        "partition entries at LBA {} are past the end",
                        h.entries_lba
                    ),
                )
            })?;
        let array_len = h.entries as usize * h.entry_size as usize;
        let array = src
            .read_vec(array_at, array_len)
            .map_err(|e| Error::read(GPT, array_at, e))?;
        if !crc_matches(&array, h.entries_crc) {
            ctx.warn(
                WarningCode::BadChecksum,
                h.at + 88,
                format!("{GPT}: partition entry array CRC does not match"),
            );
        }
        let mut parts = Vec::new();
        let mut problems = Problems::default();
        for (i, e) in array.chunks_exact(h.entry_size as usize).enumerate() {
            let at = array_at + (i * h.entry_size as usize) as u64;
            let Ok(type_guid) = <[u8; 16]>::try_from(&e[..16]) else {
                continue;
            };
            if type_guid == [0; 16] {
                continue;
            }
            let (first, last) = (le64(e, 32), le64(e, 40));
            if first > last {
                problems.report(
                    ctx,
                    WarningCode::Corrupt,
                    at + 32,
                    format!(
                        "{GPT}: entry {} ends (LBA {last}) before it starts (LBA {first}); skipped",
                        i + 1
                    ),
                );
                continue;
            }
            if first < h.first_usable || last > h.last_usable {
                problems.report(
                    ctx,
                    WarningCode::Corrupt,
                    at + 32,
                    format!(
                        "{GPT}: entry {} (LBA {first}..={last}) lies outside the usable LBAs \
                         {}..={}",
                        i + 1,
                        h.first_usable,
                        h.last_usable
                    ),
                );
            }
            let t = guid(&type_guid);
            let name = gpt_name(&e[56..128.min(e.len())]);
            let mut what = match gpt_type_name(&t) {
                Some(n) => format!("{n} ({t})"),
                None => format!("type {t}"),
            };
            if !name.is_empty() {
                let _ = write!(what, ", name {name:?}");
            }
            parts.push(Part {
                number: i as u32 + 1,
                start: first.saturating_mul(sector),
                len: (last - first).saturating_add(1).saturating_mul(sector),
                entry_at: at,
                what,
            });
        }
        problems.flush(ctx);
        let payloads = payloads(GPT, &src, &mut parts, ctx);
        let description = describe_parts(
            format!(
                "GPT partition table, {sector}-byte sectors, disk {}",
                guid(&h.disk_guid)
            ),
            &parts,
        );
        Ok(Opened::Container {
            description,
            length: disk_len.min(src.len()),
            payloads,
        })
    }
}

// ---------------------------------------------------------------------------------------- MBR

const MBR: &str = "mbr";
const SECTOR: u64 = 512;
const TABLE: usize = 446;
/// Extended boot records followed at most (Linux stops near this many partitions too).
const MAX_EBR: usize = 128;

/// The DOS partition table reader.
pub struct Mbr;

#[derive(Clone, Copy, Debug)]
struct MbrEntry {
    status: u8,
    kind: u8,
    start: u32,
    count: u32,
}

fn mbr_entries(b: &[u8]) -> [MbrEntry; 4] {
    std::array::from_fn(|i| {
        let e = &b[TABLE + 16 * i..TABLE + 16 * (i + 1)];
        MbrEntry {
            status: e[0],
            kind: e[4],
            start: le32(e, 8),
            count: le32(e, 12),
        }
    })
}

fn is_extended(kind: u8) -> bool {
    matches!(kind, 0x05 | 0x0f | 0x85)
}

fn mbr_type_name(kind: u8) -> &'static str {
    match kind {
        0x01 => "FAT12",
        0x04 | 0x06 | 0x0e => "FAT16",
        0x07 => "NTFS/exFAT",
        0x0b | 0x0c => "FAT32",
        0x05 | 0x0f | 0x85 => "extended",
        0x82 => "Linux swap",
        0x83 => "Linux",
        0x8e => "Linux LVM",
        0xa5 => "FreeBSD",
        0xa6 => "OpenBSD",
        0xa9 => "NetBSD",
        0xef => "EFI system",
        0xfd => "Linux RAID",
        _ => "other",
    }
}

/// True for the boot sector of a FAT or NTFS volume: a jump instruction followed by a BIOS
/// parameter block (or the file system's name where those volumes keep it).
fn has_bpb(b: &[u8]) -> bool {
    let jump = (b[0] == 0xeb && b[2] == 0x90) || b[0] == 0xe9;
    let bytes_per_sector = le16(b, 11);
    let per_cluster = b[13];
    let bpb = matches!(bytes_per_sector, 512 | 1024 | 2048 | 4096)
        && per_cluster.is_power_of_two()
        && le16(b, 14) >= 1
        && (1..=4).contains(&b[16]);
    let named = matches!(&b[3..11], b"NTFS    " | b"EXFAT   ")
        || b[54..57] == *b"FAT"
        || b[82..87] == *b"FAT32";
    jump && (bpb || named)
}

/// The four primary entries when the sector is a plausible MBR (see the module docs).
fn plausible_mbr(b: &[u8], sectors: u64) -> Option<[MbrEntry; 4]> {
    if b.len() < 512 || b[510..512] != [0x55, 0xaa] || has_bpb(b) {
        return None;
    }
    let entries = mbr_entries(b);
    let mut used: Vec<(u64, u64)> = Vec::new();
    let mut inside = false;
    for e in &entries {
        if e.status != 0 && e.status != 0x80 {
            return None;
        }
        if e.kind == 0xee {
            return None; // protective MBR: a GPT disk
        }
        if e.kind == 0 || e.count == 0 {
            continue;
        }
        if e.start == 0 {
            return None;
        }
        let (s, end) = (e.start as u64, e.start as u64 + e.count as u64);
        if used.iter().any(|&(a, z)| s < z && a < end) {
            return None;
        }
        inside |= s < sectors;
        used.push((s, end));
    }
    inside.then_some(entries)
}

impl Format for Mbr {
    fn id(&self) -> &'static str {
        MBR
    }

    fn magics(&self) -> &'static [Magic] {
        const {
            &[Magic {
                at: 510,
                bytes: &[0x55, 0xaa],
                align: 512,
            }]
        }
    }

    fn weak(&self) -> bool {
        true
    }

    fn probe(&self, src: &dyn Source, offset: u64) -> Option<Probe> {
        let b = src.read_vec(offset, 512).ok()?;
        let sectors = src.len().saturating_sub(offset) / SECTOR;
        let entries = plausible_mbr(&b, sectors)?;
        let n = entries
            .iter()
            .filter(|e| e.kind != 0 && e.count != 0)
            .count();
        Some(Probe {
            length: None,
            description: format!("DOS/MBR partition table, {n} primary entries"),
        })
    }

    fn open(&self, src: SourceRef, ctx: &mut OpenCtx<'_>) -> Result<Opened> {
        let b = src.read_vec(0, 512).map_err(|e| Error::read(MBR, 0, e))?;
        let sectors = src.len() / SECTOR;
        let entries = plausible_mbr(&b, sectors).ok_or_else(|| {
            Error::corrupt(MBR, TABLE as u64, "not a plausible DOS partition table")
        })?;
        let mut parts = Vec::new();
        let mut extended = Vec::new();
        for (i, e) in entries.iter().enumerate() {
            if e.kind == 0 || e.count == 0 {
                continue;
            }
            let entry_at = (TABLE + 16 * i) as u64;
            if is_extended(e.kind) {
                extended.push((e.start as u64, e.count as u64, entry_at));
                continue;
            }
            parts.push(Part {
                number: i as u32 + 1,
                start: e.start as u64 * SECTOR,
                len: e.count as u64 * SECTOR,
                entry_at,
                what: format!(
                    "{} ({:#04x}){}",
                    mbr_type_name(e.kind),
                    e.kind,
                    if e.status == 0x80 { ", active" } else { "" }
                ),
            });
        }
        let mut next = 5;
        let mut hops = 0;
        for (start, count, entry_at) in extended {
            logical(
                &src, start, count, entry_at, &mut next, &mut hops, &mut parts, ctx,
            );
        }
        let payloads = payloads(MBR, &src, &mut parts, ctx);
        let description = describe_parts(
            format!(
                "DOS/MBR partition table, disk signature {:#010x}",
                le32(&b, 440)
            ),
            &parts,
        );
        Ok(Opened::Container {
            description,
            length: src.len(),
            payloads,
        })
    }
}

/// Follows the chain of extended boot records of the extended partition at sector `base`
/// (`count` sectors), adding its logical partitions numbered from `next`.
#[allow(clippy::too_many_arguments)]
fn logical(
    src: &SourceRef,
    base: u64,
    count: u64,
    entry_at: u64,
    next: &mut u32,
    hops: &mut usize,
    parts: &mut Vec<Part>,
    ctx: &mut OpenCtx<'_>,
) {
    let end = base + count;
    let mut visited = HashSet::new();
    let mut this = base;
    let mut from = entry_at;
    loop {
        let at = this * SECTOR;
        if *hops >= MAX_EBR {
            ctx.warn(
                WarningCode::Corrupt,
                at,
                format!(
                    "{MBR}: chain of extended boot records longer than {MAX_EBR}; the rest is not read"
                ),
            );
            return;
        }
        *hops += 1;
        if !visited.insert(this) {
            ctx.warn(
                WarningCode::Cycle,
                from,
                format!("{MBR}: extended boot record chain loops back to sector {this}"),
            );
            return;
        }
        let b = match src.read_vec(at, 512) {
            Ok(b) => b,
            Err(_) => {
                ctx.warn(
                    WarningCode::Truncated,
                    from,
                    format!(
                        "{MBR}: extended boot record at sector {this} is past the end of the image"
                    ),
                );
                return;
            }
        };
        if b[510..512] != [0x55, 0xaa] {
            ctx.warn(
                WarningCode::Corrupt,
                at + 510,
                format!(
                    "{MBR}: extended boot record at sector {this} has no boot signature; chain ends"
                ),
            );
            return;
        }
        let mut link = None;
        for (k, e) in mbr_entries(&b).iter().enumerate() {
            let e_at = at + (TABLE + 16 * k) as u64;
            if e.kind == 0 || e.count == 0 {
                continue;
            }
            if is_extended(e.kind) {
                if link.is_none() {
                    link = Some((base + e.start as u64, e_at));
                }
                continue;
            }
            let s = this + e.start as u64;
            if e.start == 0 || s < base || s + e.count as u64 > end {
                ctx.warn(
                    WarningCode::Corrupt,
                    e_at,
                    format!(
                        "{MBR}: logical partition at sector {s} ({} sectors) is not inside the \
                         extended partition (sectors {base}..{end}); skipped",
                        e.count
                    ),
                );
                continue;
            }
            parts.push(Part {
                number: *next,
                start: s * SECTOR,
                len: e.count as u64 * SECTOR,
                entry_at: e_at,
                what: format!("{} ({:#04x}), logical", mbr_type_name(e.kind), e.kind),
            });
            *next += 1;
        }
        let Some((n, n_at)) = link else {
            return;
        };
        // A link back to the first record (at `base`) is a loop, reported as one below.
        if n < base || n >= end {
            ctx.warn(
                WarningCode::Corrupt,
                n_at,
                format!(
                    "{MBR}: next extended boot record at sector {n} is not inside the extended \
                     partition (sectors {base}..{end}); chain ends"
                ),
            );
            return;
        }
        this = n;
        from = n_at;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(b: &mut [u8], i: usize, status: u8, kind: u8, start: u32, count: u32) {
        let e = &mut b[TABLE + 16 * i..TABLE + 16 * (i + 1)];
        e[0] = status;
        e[4] = kind;
        e[8..12].copy_from_slice(&start.to_le_bytes());
        e[12..16].copy_from_slice(&count.to_le_bytes());
    }

    fn sector() -> Vec<u8> {
        let mut b = vec![0u8; 512];
        b[510] = 0x55;
        b[511] = 0xaa;
        b
    }

    #[test]
    fn mbr_needs_a_plausible_table() {
        let mut b = sector();
        assert!(plausible_mbr(&b, 1 << 20).is_none(), "no partitions");
        entry(&mut b, 0, 0x80, 0x83, 2048, 4096);
        assert!(plausible_mbr(&b, 1 << 20).is_some());
        assert!(plausible_mbr(&b, 1000).is_none(), "starts past the image");
        let mut bad = b.clone();
        bad[TABLE] = 0x12;
        assert!(plausible_mbr(&bad, 1 << 20).is_none(), "status byte");
        let mut overlap = b.clone();
        entry(&mut overlap, 1, 0, 0x83, 4000, 10);
        assert!(plausible_mbr(&overlap, 1 << 20).is_none(), "overlap");
        let mut gpt = b.clone();
        entry(&mut gpt, 1, 0, 0xee, 1, 100);
        assert!(plausible_mbr(&gpt, 1 << 20).is_none(), "protective");
    }

    #[test]
    fn fat_boot_sector_is_not_an_mbr() {
        let mut b = sector();
        // A FAT16 BPB: jump, OEM name, 512 bytes per sector, 4 per cluster, 1 reserved, 2 FATs.
        b[..3].copy_from_slice(&[0xeb, 0x3c, 0x90]);
        b[3..11].copy_from_slice(b"mkfs.fat");
        b[11..13].copy_from_slice(&512u16.to_le_bytes());
        b[13] = 4;
        b[14..16].copy_from_slice(&1u16.to_le_bytes());
        b[16] = 2;
        // Boot code bytes that happen to look like one partition entry.
        entry(&mut b, 0, 0, 0x83, 63, 1000);
        assert!(plausible_mbr(&b, 1 << 20).is_none());
    }

    #[test]
    fn guid_text_form_is_mixed_endian() {
        let b: [u8; 16] = [
            0x28, 0x73, 0x2a, 0xc1, 0x1f, 0xf8, 0xd2, 0x11, 0xba, 0x4b, 0x00, 0xa0, 0xc9, 0x3e,
            0xc9, 0x3b,
        ];
        assert_eq!(guid(&b), "C12A7328-F81F-11D2-BA4B-00A0C93EC93B");
    }

    #[test]
    fn gpt_names_are_decoded_and_escaped() {
        let mut raw = Vec::new();
        for u in "root\u{7}ü".encode_utf16() {
            raw.extend(u.to_le_bytes());
        }
        raw.extend([0, 0, b'x', 0]);
        assert_eq!(gpt_name(&raw), "root\\x07ü");
    }
}
