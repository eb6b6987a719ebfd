//! VMware virtual disks: hosted sparse extents (the `KDMV` header) of the `monolithicSparse`
//! and `streamOptimized` kinds (the latter is what OVA appliances carry), as a container with
//! one payload: the virtual disk, named `disk`.
//!
//! The disk is read through the grain directory and grain tables without being copied
//! (see [`super::vdisk`]): unallocated grains read as zeros, stored grains straight from the
//! file, compressed grains (deflate in zlib framing, behind a grain marker that repeats the
//! grain's sector) are decoded one at a time into a small cache. A stream-optimized extent
//! whose header says the grain directory is at the end (`GD_AT_END`) is read through the
//! copy of the header in its footer.
//!
//! The grain directory and every grain table are read and checked when the extent is opened:
//! a table or grain outside the file is a warning naming the offset of its entry, a grain two
//! table entries share is one naming the grain's offset, and those grains read as zeros.
//!
//! A descriptor-only VMDK (text, `createType` `monolithicFlat`, `twoGbMaxExtentFlat`,
//! `twoGbMaxExtentSparse`, `vmfs`...) is identified and reported as unsupported, naming the
//! extent files that hold the data; the ESX `COWD` sparse format and the seSparse and
//! vsanSparse kinds are not read. A delta disk's parent is named in a warning, never opened:
//! grains this extent does not hold read as zeros.

use std::collections::HashMap;

use netvet_model::WarningCode;

use super::problems::Problems;
use super::vdisk::{self, Cluster, Disk, Layout};
use crate::error::{Error, Result};
use crate::format::{
    Format, Magic, OpenCtx, Opened, Payload, Probe,
    bytes::{le16, le32, le64},
};
use crate::names::escape_bytes;
use crate::source::{Source, SourceExt, SourceRef};

const F: &str = "vmdk";
const MAGIC: &[u8; 4] = b"KDMV";
const DESCRIPTOR_MAGIC: &[u8] = b"# Disk DescriptorFile";
const SECTOR: u64 = 512;
const GD_AT_END: u64 = u64::MAX;
/// Largest grain read: 2 MiB (as QCOW2's largest cluster).
const MAX_GRAIN_BITS: u32 = 21;
/// Largest grain table (VMware always writes 512 entries).
const MAX_GTES: u32 = 4096;
/// The part of a descriptor that is read.
const MAX_DESCRIPTOR: u64 = 64 << 10;
/// A grain marker: the grain's first sector (u64) and the compressed size (u32).
const MARKER: u64 = 12;

mod flag {
    pub const ZEROED_GTE: u32 = 1 << 2;
    pub const COMPRESSED: u32 = 1 << 16;
    pub const MARKERS: u32 = 1 << 17;
}

/// The VMDK reader.
pub struct Vmdk;

/// A sparse extent header.
#[derive(Clone, Debug)]
struct Header {
    version: u32,
    flags: u32,
    capacity: u64,
    grain_sectors: u64,
    descriptor_offset: u64,
    descriptor_size: u64,
    gtes_per_gt: u32,
    gd_offset: u64,
    compress_algorithm: u16,
}

fn parse(b: &[u8]) -> Option<Header> {
    if b.len() < 512 || &b[..4] != MAGIC {
        return None;
    }
    Some(Header {
        version: le32(b, 4),
        flags: le32(b, 8),
        capacity: le64(b, 12),
        grain_sectors: le64(b, 20),
        descriptor_offset: le64(b, 28),
        descriptor_size: le64(b, 36),
        gtes_per_gt: le32(b, 44),
        gd_offset: le64(b, 56),
        compress_algorithm: le16(b, 77),
    })
}

impl Header {
    /// Checks the fields the grain map depends on; the offset of the bad field and why.
    fn check(&self) -> std::result::Result<(), (u64, String)> {
        if !(1..=3).contains(&self.version) {
            return Err((4, format!("version {}", self.version)));
        }
        let g = self.grain_sectors;
        if !g.is_power_of_two() || g.trailing_zeros() + 9 > MAX_GRAIN_BITS {
            return Err((20, format!("grain size of {g} sectors")));
        }
        if self.gtes_per_gt == 0 || self.gtes_per_gt > MAX_GTES {
            return Err((44, format!("{} entries per grain table", self.gtes_per_gt)));
        }
        if self.capacity > u64::MAX / SECTOR {
            return Err((12, format!("capacity of {} sectors", self.capacity)));
        }
        Ok(())
    }

    fn grain_bits(&self) -> u32 {
        self.grain_sectors.trailing_zeros() + 9
    }

    fn compressed(&self) -> bool {
        self.flags & flag::COMPRESSED != 0
    }

    /// Grain tables the capacity needs.
    fn tables(&self) -> u64 {
        self.capacity
            .div_ceil(self.grain_sectors.saturating_mul(self.gtes_per_gt as u64))
    }
}

impl Format for Vmdk {
    fn id(&self) -> &'static str {
        F
    }

    fn magics(&self) -> &'static [Magic] {
        const { &[Magic::start(MAGIC), Magic::start(DESCRIPTOR_MAGIC)] }
    }

    fn probe(&self, src: &dyn Source, offset: u64) -> Option<Probe> {
        let b = src.read_upto(offset, 512).ok()?;
        if b.starts_with(DESCRIPTOR_MAGIC) {
            let text = src.read_upto(offset, 4096).ok()?;
            let d = Descriptor::parse(&text);
            return d.create_type.is_some().then(|| Probe {
                length: None,
                description: d.describe(),
            });
        }
        // The magic and a version this reader knows: everything else is reported by `open`.
        let h = parse(&b)?;
        (1..=3).contains(&h.version).then(|| Probe {
            length: None,
            description: format!(
                "VMDK sparse extent v{}, capacity {} bytes",
                h.version,
                h.capacity.saturating_mul(SECTOR)
            ),
        })
    }

    fn open(&self, src: SourceRef, ctx: &mut OpenCtx<'_>) -> Result<Opened> {
        let b = src.read_upto(0, 512).map_err(|e| Error::read(F, 0, e))?;
        if b.starts_with(DESCRIPTOR_MAGIC) {
            return descriptor_only(&src, ctx);
        }
        let first = parse(&b).ok_or_else(|| Error::truncated(F, 0, "header cut short"))?;
        let (h, footer_at) = if first.gd_offset == GD_AT_END {
            let at = footer(&src)?;
            let fb = src.read_vec(at, 512).map_err(|e| Error::read(F, at, e))?;
            let h = parse(&fb).ok_or_else(|| {
                Error::corrupt(F, at, "the footer does not hold a copy of the header")
            })?;
            (h, at)
        } else {
            (first, 0)
        };
        h.check()
            .map_err(|(at, what)| Error::corrupt(F, footer_at + at, what))?;
        if h.compressed() && h.compress_algorithm != 1 {
            return Err(Error::unsupported(
                F,
                footer_at + 77,
                format!("compression algorithm {}", h.compress_algorithm),
            ));
        }
        if h.gd_offset == GD_AT_END {
            return Err(Error::corrupt(
                F,
                footer_at + 56,
                "the footer's header also puts the grain directory at the end",
            ));
        }
        let descriptor = embedded_descriptor(&src, &h);
        let mut description = format!(
            "VMDK sparse extent v{}, capacity {} bytes, {}-byte grains",
            h.version,
            h.capacity * SECTOR,
            1u64 << h.grain_bits()
        );
        if let Some(d) = &descriptor {
            if let Some(t) = &d.create_type {
                description.push_str(&format!(", createType {:?}", escape_bytes(t)));
            }
            if let Some(parent) = d.parent() {
                description.push_str(&format!(", delta of {parent}"));
                ctx.warn(
                    WarningCode::Unsupported,
                    h.descriptor_offset * SECTOR,
                    format!(
                        "parent disk {parent} is not opened: grains this extent does not hold \
                         read as zeros, not as the parent's data"
                    ),
                );
            }
        }
        if h.compressed() {
            description.push_str(", compressed grains");
        }
        let map = grain_map(&src, &h, ctx)?;
        let disk = Disk::new(
            src.clone(),
            map,
            h.capacity * SECTOR,
            ctx.budget.clone(),
            Some(ctx.spooler.clone()),
        );
        Ok(Opened::Container {
            description,
            length: src.len(),
            payloads: vec![Payload {
                name: "disk".into(),
                source: std::sync::Arc::new(disk),
                offset: 0,
                hint: None,
                carve: true,
            }],
        })
    }
}

/// Where the footer's copy of the header is: the sector before the end-of-stream marker,
/// after a footer marker.
fn footer(src: &SourceRef) -> Result<u64> {
    let len = src.len();
    let cut = || {
        Error::truncated(
            F,
            len,
            "stream-optimized extent without its footer (the stream was cut short?)",
        )
    };
    if len < 4 * SECTOR || !len.is_multiple_of(SECTOR) {
        return Err(cut());
    }
    let tail = src
        .read_vec(len - 3 * SECTOR, 3 * SECTOR as usize)
        .map_err(|e| Error::read(F, len - 3 * SECTOR, e))?;
    let (marker, header, eos) = (&tail[..512], &tail[512..1024], &tail[1024..]);
    // Footer marker: a sector count, size 0, type 3. End of stream: all zeros.
    if le32(marker, 8) != 0 || le32(marker, 12) != 3 || &header[..4] != MAGIC {
        return Err(cut());
    }
    if eos.iter().any(|&b| b != 0) {
        return Err(Error::corrupt(
            F,
            len - SECTOR,
            "the last sector is not an end-of-stream marker",
        ));
    }
    Ok(len - 2 * SECTOR)
}

/// The grain map, with every entry checked.
struct Map {
    grain_bits: u32,
    gtes_per_gt: u64,
    compressed: bool,
    markers: bool,
    zeroed_gte: bool,
    /// Per grain directory entry, the index of its table in `gts` (`NONE` when absent).
    gd: Vec<u32>,
    /// The grain tables read, one after another (sector offsets of grains).
    gts: Vec<u32>,
    file_len: u64,
}

const NONE: u32 = u32::MAX;

fn grain_map(src: &SourceRef, h: &Header, ctx: &mut OpenCtx<'_>) -> Result<Map> {
    let file_len = src.len();
    let tables = h.tables();
    let gd_at = h.gd_offset.saturating_mul(SECTOR);
    ctx.budget
        .check_metadata(tables.saturating_mul(4), "VMDK grain directory")?;
    if gd_at.saturating_add(tables * 4) > file_len || (tables > 0 && gd_at == 0) {
        return Err(Error::truncated(
            F,
            56,
            format!(
                "grain directory at {gd_at:#x} ({} bytes) is not inside the file ({file_len} bytes)",
                tables * 4
            ),
        ));
    }
    let raw = src
        .read_vec(gd_at, (tables * 4) as usize)
        .map_err(|e| Error::read(F, gd_at, e))?;
    let gt_bytes = h.gtes_per_gt as u64 * 4;
    let mut problems = Problems::default();
    let mut gd = Vec::with_capacity(tables as usize);
    let mut seen: HashMap<u64, usize> = HashMap::new();
    let mut at_list: Vec<(u64, u64)> = Vec::new();
    for (i, e) in raw.chunks_exact(4).enumerate() {
        let at = gd_at + 4 * i as u64;
        let off = le32(e, 0) as u64 * SECTOR;
        gd.push(NONE);
        if off == 0 {
            continue;
        }
        if off + gt_bytes > file_len {
            problems.report(
                ctx,
                WarningCode::Truncated,
                at,
                format!("grain directory entry {i}: grain table at {off:#x} is past the end of the file; read as zeros"),
            );
            continue;
        }
        if let Some(&first) = seen.get(&off) {
            problems.report(
                ctx,
                WarningCode::Corrupt,
                at,
                format!("grain directory entry {i}: grain table at {off:#x} is also entry {first}'s; read as zeros"),
            );
            continue;
        }
        seen.insert(off, i);
        gd[i] = at_list.len() as u32;
        at_list.push((off, i as u64));
    }
    ctx.budget.check_metadata(
        (at_list.len() as u64).saturating_mul(gt_bytes),
        "VMDK grain tables",
    )?;
    let mut gts: Vec<u32> = Vec::with_capacity(at_list.len() * h.gtes_per_gt as usize);
    for (n, &(off, _)) in at_list.iter().enumerate() {
        if n % 1024 == 0 {
            ctx.budget.check_time()?;
        }
        let t = src
            .read_vec(off, gt_bytes as usize)
            .map_err(|e| Error::read(F, off, e))?;
        gts.extend(t.chunks_exact(4).map(|w| le32(w, 0)));
    }
    let mut map = Map {
        grain_bits: h.grain_bits(),
        gtes_per_gt: h.gtes_per_gt as u64,
        compressed: h.compressed(),
        markers: h.flags & flag::MARKERS != 0,
        zeroed_gte: h.flags & flag::ZEROED_GTE != 0,
        gd,
        gts,
        file_len,
    };
    // Every grain inside the file, and no grain used twice.
    let grain = 1u64 << map.grain_bits;
    let mut hosts: Vec<(u64, usize)> = Vec::new();
    for (t, &(table_at, gd_index)) in at_list.iter().enumerate() {
        for j in 0..map.gtes_per_gt as usize {
            let slot = t * map.gtes_per_gt as usize + j;
            let e = map.gts[slot];
            if e == 0 || (e == 1 && map.zeroed_gte) {
                continue;
            }
            let off = e as u64 * SECTOR;
            let index = gd_index * map.gtes_per_gt + j as u64;
            let need = if map.compressed { MARKER } else { 1 };
            if off + need > file_len || (!map.compressed && off + grain > file_len + grain) {
                problems.report(
                    ctx,
                    WarningCode::Truncated,
                    table_at + 4 * j as u64,
                    format!("grain {index} at {off:#x} is past the end of the file; read as zeros"),
                );
                map.gts[slot] = 0;
                continue;
            }
            hosts.push((off, slot));
        }
    }
    ctx.budget
        .check_metadata((hosts.len() as u64).saturating_mul(16), "VMDK grain index")?;
    hosts.sort_unstable();
    for pair in hosts.windows(2) {
        let ((h0, s0), (h1, s1)) = (pair[0], pair[1]);
        if h0 == h1 {
            let again = s0.max(s1);
            problems.report(
                ctx,
                WarningCode::Corrupt,
                h1,
                format!(
                    "grain at {h1:#x} is used by two grain table entries; the second reads as zeros"
                ),
            );
            map.gts[again] = 0;
        }
    }
    problems.flush(ctx);
    Ok(map)
}

impl Layout for Map {
    fn format(&self) -> &'static str {
        F
    }

    fn cluster_bits(&self) -> u32 {
        self.grain_bits
    }

    fn cluster(&self, index: u64) -> Cluster {
        let Some(&t) = self.gd.get((index / self.gtes_per_gt) as usize) else {
            return Cluster::Zero;
        };
        if t == NONE {
            return Cluster::Zero;
        }
        let slot = t as usize * self.gtes_per_gt as usize + (index % self.gtes_per_gt) as usize;
        let e = self.gts.get(slot).copied().unwrap_or(0);
        if e == 0 || (e == 1 && self.zeroed_gte) {
            return Cluster::Zero;
        }
        let offset = e as u64 * SECTOR;
        if self.compressed {
            // Bounded like QEMU: a compressed grain is at most twice the grain size.
            let len = (2u64 << self.grain_bits).min(self.file_len - offset);
            Cluster::Compressed { offset, len }
        } else {
            Cluster::Stored(offset)
        }
    }

    fn decode(
        &self,
        src: &dyn Source,
        index: u64,
        offset: u64,
        len: u64,
        out: &mut [u8],
    ) -> Result<(usize, u64)> {
        let (data_at, data_len) = if self.markers {
            let m = src
                .read_vec(offset, MARKER as usize)
                .map_err(|e| Error::read(F, offset, e))?;
            let (lba, size) = (le64(&m, 0), le32(&m, 8) as u64);
            let want = index << (self.grain_bits - 9);
            if lba != want {
                return Err(Error::corrupt(
                    F,
                    offset,
                    format!("grain marker says sector {lba}, the grain table sector {want}"),
                ));
            }
            if size == 0 || size > len.saturating_sub(MARKER) {
                return Err(Error::corrupt(
                    F,
                    offset + 8,
                    format!("grain of {size} compressed bytes"),
                ));
            }
            (offset + MARKER, size)
        } else {
            (offset, len)
        };
        let data = src
            .read_vec(data_at, data_len as usize)
            .map_err(|e| Error::read(F, data_at, e))?;
        let (n, used) = vdisk::inflate(&data, out, true).map_err(|e| {
            Error::corrupt(F, data_at, format!("grain {index} does not decode: {e}"))
        })?;
        Ok((n, used + (data_at - offset)))
    }
}

/// The fields of a descriptor this reader reports.
#[derive(Default)]
struct Descriptor {
    create_type: Option<Vec<u8>>,
    parent_cid: Option<Vec<u8>>,
    parent_hint: Option<Vec<u8>>,
    /// (access, sectors, kind, file name, line offset) of each extent line.
    extents: Vec<(String, String, String, Vec<u8>, u64)>,
}

/// Extent lines reported at most.
const MAX_EXTENTS: usize = 64;

impl Descriptor {
    fn parse(text: &[u8]) -> Descriptor {
        let mut d = Descriptor::default();
        let mut pos = 0u64;
        for line in text.split(|&b| b == b'\n') {
            let at = pos;
            pos += line.len() as u64 + 1;
            let line = line.trim_ascii();
            if line.starts_with(b"#") || line.is_empty() {
                continue;
            }
            if let Some(eq) = line.iter().position(|&b| b == b'=') {
                let key = line[..eq].trim_ascii();
                let value = unquote(line[eq + 1..].trim_ascii());
                match key {
                    b"createType" => d.create_type = Some(value.to_vec()),
                    b"parentCID" => d.parent_cid = Some(value.to_vec()),
                    b"parentFileNameHint" => d.parent_hint = Some(value.to_vec()),
                    _ => {}
                }
                continue;
            }
            // ACCESS SECTORS KIND "FILE" [OFFSET]
            let Some(q0) = line.iter().position(|&b| b == b'"') else {
                continue;
            };
            let head: Vec<&[u8]> = line[..q0]
                .split(|b| b.is_ascii_whitespace())
                .filter(|w| !w.is_empty())
                .collect();
            let rest = &line[q0 + 1..];
            let file = match rest.iter().position(|&b| b == b'"') {
                Some(q1) => &rest[..q1],
                None => rest,
            };
            if let [access, sectors, kind] = head[..]
                && matches!(access, b"RW" | b"RDONLY" | b"NOACCESS")
                && d.extents.len() < MAX_EXTENTS
            {
                d.extents.push((
                    escape_bytes(access),
                    escape_bytes(sectors),
                    escape_bytes(kind),
                    file.to_vec(),
                    at,
                ));
            }
        }
        d
    }

    /// The parent of a delta disk, when this is one.
    fn parent(&self) -> Option<String> {
        let cid = self.parent_cid.as_deref()?;
        if cid.eq_ignore_ascii_case(b"ffffffff") {
            return None;
        }
        Some(match &self.parent_hint {
            Some(h) => format!("{:?}", escape_bytes(h)),
            None => format!("with CID {}", escape_bytes(cid)),
        })
    }

    fn describe(&self) -> String {
        let kind = self
            .create_type
            .as_deref()
            .map(|t| format!(" (createType {:?})", escape_bytes(t)))
            .unwrap_or_default();
        format!(
            "VMDK descriptor{kind}, {} extent{}",
            self.extents.len(),
            if self.extents.len() == 1 { "" } else { "s" }
        )
    }
}

fn unquote(v: &[u8]) -> &[u8] {
    v.strip_prefix(b"\"")
        .and_then(|v| v.strip_suffix(b"\""))
        .unwrap_or(v)
}

/// The descriptor embedded in a sparse extent, when it has one.
fn embedded_descriptor(src: &SourceRef, h: &Header) -> Option<Descriptor> {
    if h.descriptor_offset == 0 || h.descriptor_size == 0 {
        return None;
    }
    let at = h.descriptor_offset.checked_mul(SECTOR)?;
    let len = h.descriptor_size.saturating_mul(SECTOR).min(MAX_DESCRIPTOR);
    let text = src.read_upto(at, len as usize).ok()?;
    Some(Descriptor::parse(crate::format::bytes::cstr(&text)))
}

/// A descriptor without data: identified, described, and reported as unsupported.
fn descriptor_only(src: &SourceRef, ctx: &mut OpenCtx<'_>) -> Result<Opened> {
    let text = src
        .read_upto(0, MAX_DESCRIPTOR as usize)
        .map_err(|e| Error::read(F, 0, e))?;
    let d = Descriptor::parse(crate::format::bytes::cstr(&text));
    let files: Vec<String> = d
        .extents
        .iter()
        .map(|(_, sectors, kind, file, _)| {
            format!("{:?} ({kind}, {sectors} sectors)", escape_bytes(file))
        })
        .collect();
    let kind = d
        .create_type
        .as_deref()
        .map(|t| format!(" (createType {:?})", escape_bytes(t)))
        .unwrap_or_default();
    let at = d.extents.first().map_or(0, |e| e.4);
    ctx.warn(
        WarningCode::Unsupported,
        at,
        if files.is_empty() {
            format!("descriptor-only VMDK{kind} names no extent files; it holds no disk data")
        } else {
            format!(
                "descriptor-only VMDK{kind}: the disk's data is in other files, which netvet \
                 does not open from here: {}; open those extent files themselves (a flat \
                 extent is a raw disk)",
                files.join(", ")
            )
        },
    );
    Ok(Opened::Container {
        description: d.describe(),
        length: src.len(),
        payloads: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptor_lists_extents_and_parent() {
        let text = b"# Disk DescriptorFile\nversion=1\nCID=12345678\nparentCID=abcdef01\n\
createType=\"monolithicFlat\"\nparentFileNameHint=\"base.vmdk\"\n\n# Extent description\n\
RW 2048 FLAT \"disk-flat.vmdk\" 0\nRDONLY 10 SPARSE \"x\x01y.vmdk\"\n";
        let d = Descriptor::parse(text);
        assert_eq!(d.create_type.as_deref(), Some(&b"monolithicFlat"[..]));
        assert_eq!(d.parent().as_deref(), Some("\"base.vmdk\""));
        assert_eq!(d.extents.len(), 2);
        assert_eq!(d.extents[0].2, "FLAT");
        assert_eq!(d.extents[0].3, b"disk-flat.vmdk");
        assert_eq!(escape_bytes(&d.extents[1].3), "x\\x01y.vmdk");
    }
}
