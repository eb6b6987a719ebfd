//! QEMU copy-on-write disk images, versions 2 and 3 (`qemu-img create -f qcow2`), as a
//! container with one payload: the virtual disk, named `disk`.
//!
//! The disk is read through the two-level cluster map (the L1 table, then one L2 table per
//! L1 entry) without being copied: unallocated and zero clusters read as zeros, stored
//! clusters straight from the file, compressed ones (deflate, or zstd when the v3 header says
//! so) are decoded one cluster at a time into a small cache (see [`super::vdisk`]). Extended
//! L2 entries (32 subclusters per cluster) are understood.
//!
//! The L1 table and every L2 table are read and checked when the image is opened: a table or
//! cluster offset that is unaligned, inside the header cluster or past the end of the file,
//! is a warning naming the offset of its table entry, and that cluster reads as zeros; so is
//! a host cluster mapped a second time (how a small file would pose as a huge disk), named by
//! its host offset. Repeated problems are counted after the first few. The tables held count
//! against the metadata limit.
//!
//! Encrypted images (AES or LUKS) and images whose data lives in an external file are
//! refused as unsupported. A backing file is named in a warning but never opened: clusters
//! this image does not allocate read as zeros, not as the backing file's data. Internal
//! snapshots are listed, not exposed; the disk is the current state. Refcounts are not read
//! (they matter only for writing).

use std::collections::HashMap;

use netvet_model::WarningCode;

use super::problems::Problems;
use super::vdisk::{self, Cluster, Disk, Layout};
use crate::error::{Error, Result};
use crate::format::{
    Format, Magic, OpenCtx, Opened, Payload, Probe,
    bytes::{be32, be64},
};
use crate::names::escape_bytes;
use crate::source::{Source, SourceExt, SourceRef};

const F: &str = "qcow2";
const MAGIC: &[u8; 4] = b"QFI\xfb";
const V2_HEADER: usize = 72;
const V3_MIN_HEADER: u32 = 104;
const MIN_CLUSTER_BITS: u32 = 9;
const MAX_CLUSTER_BITS: u32 = 21;
/// QEMU's own bound on the L1 table (`QCOW_MAX_L1_SIZE`).
const MAX_L1_BYTES: u64 = 32 << 20;
/// QEMU's bound on the backing file name.
const MAX_BACKING_NAME: u32 = 1023;
/// Header extensions read at most.
const MAX_EXTENSIONS: usize = 64;

const L1E_OFFSET_MASK: u64 = 0x00ff_ffff_ffff_fe00;
const L1E_RESERVED_MASK: u64 = 0x7f00_0000_0000_01ff;
const L2E_OFFSET_MASK: u64 = 0x00ff_ffff_ffff_fe00;
const L2E_STD_RESERVED_MASK: u64 = 0x3f00_0000_0000_01fe;
const OFLAG_COMPRESSED: u64 = 1 << 62;
const OFLAG_ZERO: u64 = 1;

mod incompat {
    pub const DIRTY: u64 = 1 << 0;
    pub const CORRUPT: u64 = 1 << 1;
    pub const DATA_FILE: u64 = 1 << 2;
    pub const COMPRESSION: u64 = 1 << 3;
    pub const EXTL2: u64 = 1 << 4;
    pub const KNOWN: u64 = DIRTY | CORRUPT | DATA_FILE | COMPRESSION | EXTL2;
}

mod hdr_ext {
    pub const END: u32 = 0;
    pub const BACKING_FORMAT: u32 = 0xe279_2aca;
    pub const FEATURE_NAMES: u32 = 0x6803_f857;
    pub const DATA_FILE: u32 = 0x4441_5441;
}

/// The QCOW2 reader.
pub struct Qcow2;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Codec {
    Deflate,
    Zstd,
}

/// The header fields this reader uses.
#[derive(Clone, Debug)]
struct Header {
    version: u32,
    backing_offset: u64,
    backing_size: u32,
    cluster_bits: u32,
    size: u64,
    crypt_method: u32,
    l1_size: u32,
    l1_offset: u64,
    snapshots: u32,
    incompat: u64,
    header_length: u32,
    compression_type: u8,
}

/// Parses the fixed header; on failure, the offset of the bad field and why.
fn parse(b: &[u8]) -> std::result::Result<Header, (u64, String)> {
    if b.len() < V2_HEADER || &b[..4] != MAGIC {
        return Err((0, "no QCOW2 magic".into()));
    }
    let version = be32(b, 4);
    if version != 2 && version != 3 {
        return Err((4, format!("version {version} (2 and 3 are read)")));
    }
    let cluster_bits = be32(b, 20);
    if !(MIN_CLUSTER_BITS..=MAX_CLUSTER_BITS).contains(&cluster_bits) {
        return Err((20, format!("cluster_bits {cluster_bits} (must be 9..=21)")));
    }
    let mut h = Header {
        version,
        backing_offset: be64(b, 8),
        backing_size: be32(b, 16),
        cluster_bits,
        size: be64(b, 24),
        crypt_method: be32(b, 32),
        l1_size: be32(b, 36),
        l1_offset: be64(b, 40),
        snapshots: be32(b, 60),
        incompat: 0,
        header_length: V2_HEADER as u32,
        compression_type: 0,
    };
    if version == 3 {
        if b.len() < V3_MIN_HEADER as usize {
            return Err((72, "version 3 header cut short".into()));
        }
        h.incompat = be64(b, 72);
        h.header_length = be32(b, 100);
        if h.header_length < V3_MIN_HEADER
            || !h.header_length.is_multiple_of(8)
            || h.header_length as u64 > 1 << cluster_bits
        {
            return Err((100, format!("header length {}", h.header_length)));
        }
        if h.header_length > V3_MIN_HEADER {
            h.compression_type = b.get(104).copied().unwrap_or(0);
        }
    }
    Ok(h)
}

impl Header {
    fn cluster_size(&self) -> u64 {
        1 << self.cluster_bits
    }

    fn extended_l2(&self) -> bool {
        self.incompat & incompat::EXTL2 != 0
    }

    /// log2 of the entries in one L2 table (16-byte entries when extended).
    fn l2_bits(&self) -> u32 {
        self.cluster_bits - if self.extended_l2() { 4 } else { 3 }
    }

    /// L1 entries the virtual size needs.
    fn l1_needed(&self) -> u64 {
        self.size
            .div_ceil(1u64 << (self.cluster_bits + self.l2_bits()))
    }
}

impl Format for Qcow2 {
    fn id(&self) -> &'static str {
        F
    }

    fn magics(&self) -> &'static [Magic] {
        const { &[Magic::start(MAGIC)] }
    }

    fn probe(&self, src: &dyn Source, offset: u64) -> Option<Probe> {
        // Magic and version suffice (8 bytes of signature): every other inconsistency is
        // reported by `open`, naming its offset, rather than hiding the image.
        let b = src.read_upto(offset, V3_MIN_HEADER as usize).ok()?;
        if b.len() < 8 || &b[..4] != MAGIC || !(1..=3).contains(&be32(&b, 4)) {
            return None;
        }
        let description = match parse(&b) {
            Ok(h) => format!(
                "QCOW2 v{} disk image, virtual size {} bytes, {}-byte clusters",
                h.version,
                h.size,
                h.cluster_size()
            ),
            Err(_) => format!("QCOW v{} disk image", be32(&b, 4)),
        };
        Some(Probe {
            length: None,
            description,
        })
    }

    fn open(&self, src: SourceRef, ctx: &mut OpenCtx<'_>) -> Result<Opened> {
        let b = src.read_upto(0, 112).map_err(|e| Error::read(F, 0, e))?;
        if b.len() >= 8 && be32(&b, 4) == 1 {
            return Err(Error::unsupported(
                F,
                4,
                "QCOW version 1 images are not read",
            ));
        }
        let h = parse(&b).map_err(|(at, what)| {
            if b.len() < V2_HEADER {
                Error::truncated(F, 0, "header cut short")
            } else {
                Error::corrupt(F, at, what)
            }
        })?;
        let cs = h.cluster_size();
        let file_len = src.len();
        let exts = extensions(&src, &h, ctx);
        match h.crypt_method {
            0 => {}
            m => {
                let how = match m {
                    1 => "AES-CBC",
                    2 => "LUKS",
                    _ => "an unknown method",
                };
                return Err(Error::unsupported(
                    F,
                    32,
                    format!("encrypted image ({how}); netvet does not decrypt disk images"),
                ));
            }
        }
        let unknown = h.incompat & !incompat::KNOWN;
        if unknown != 0 {
            let names = feature_names(&exts.feature_names, unknown);
            return Err(Error::unsupported(
                F,
                72,
                format!("incompatible features {unknown:#x}{names}"),
            ));
        }
        if h.incompat & incompat::DATA_FILE != 0 {
            let name = exts
                .data_file
                .as_deref()
                .map(|n| format!(" {:?}", escape_bytes(n)))
                .unwrap_or_default();
            return Err(Error::unsupported(
                F,
                72,
                format!(
                    "the disk's data is in an external data file{name}, which netvet does not open"
                ),
            ));
        }
        let codec = match h.compression_type {
            0 => Codec::Deflate,
            1 if h.incompat & incompat::COMPRESSION != 0 => Codec::Zstd,
            1 => {
                return Err(Error::corrupt(
                    F,
                    104,
                    "compression type zstd without the compression-type feature bit",
                ));
            }
            t => return Err(Error::unsupported(F, 104, format!("compression type {t}"))),
        };
        if h.incompat & incompat::CORRUPT != 0 {
            ctx.warn(
                WarningCode::Corrupt,
                72,
                "the image is marked corrupt (QEMU found an inconsistency in its metadata)",
            );
        }
        let mut description = format!(
            "QCOW2 v{} disk image, virtual size {} bytes, {cs}-byte clusters",
            h.version, h.size
        );
        if codec == Codec::Zstd {
            description.push_str(", zstd compression");
        }
        if h.extended_l2() {
            description.push_str(", extended L2 entries");
        }
        if h.incompat & incompat::DIRTY != 0 {
            description.push_str(", dirty (refcounts not flushed)");
        }
        if h.backing_offset != 0 {
            let name = backing_name(&src, &h)?;
            let format = exts
                .backing_format
                .as_deref()
                .map(|f| format!(" (format {:?})", escape_bytes(f)))
                .unwrap_or_default();
            description.push_str(&format!(", backing file {:?}", escape_bytes(&name)));
            ctx.warn(
                WarningCode::Unsupported,
                8,
                format!(
                    "backing file {:?}{format} is not opened: clusters this image does not \
                     allocate read as zeros, not as the backing file's data",
                    escape_bytes(&name)
                ),
            );
        }
        if h.snapshots > 0 {
            description.push_str(&format!(", {} internal snapshots", h.snapshots));
            ctx.warn(
                WarningCode::Unsupported,
                60,
                format!(
                    "{} internal snapshots are not exposed; the disk shows the current state",
                    h.snapshots
                ),
            );
        }

        // The L1 table: only the entries the virtual size needs are read.
        let needed = h.l1_needed();
        if needed > h.l1_size as u64 {
            return Err(Error::corrupt(
                F,
                36,
                format!(
                    "L1 table of {} entries is too small for the virtual size of {} bytes \
                     ({needed} needed)",
                    h.l1_size, h.size
                ),
            ));
        }
        if needed.saturating_mul(8) > MAX_L1_BYTES {
            return Err(Error::corrupt(
                F,
                24,
                format!(
                    "virtual size of {} bytes needs an L1 table over 32 MiB",
                    h.size
                ),
            ));
        }
        if !h.l1_offset.is_multiple_of(cs) || (needed > 0 && h.l1_offset < cs) {
            return Err(Error::corrupt(
                F,
                40,
                format!(
                    "L1 table offset {:#x} is not a cluster past the header",
                    h.l1_offset
                ),
            ));
        }
        if h.l1_offset.saturating_add(needed * 8) > file_len {
            return Err(Error::truncated(
                F,
                40,
                format!(
                    "L1 table at {:#x} ({} bytes) runs past the end of the file ({file_len} bytes)",
                    h.l1_offset,
                    needed * 8
                ),
            ));
        }
        ctx.budget.check_metadata(needed * 8, "QCOW2 L1 table")?;
        let l1_raw = src
            .read_vec(h.l1_offset, (needed * 8) as usize)
            .map_err(|e| Error::read(F, h.l1_offset, e))?;
        let layout = tables(&src, &h, codec, &l1_raw, ctx)?;
        let disk = Disk::new(
            src.clone(),
            layout,
            h.size,
            ctx.budget.clone(),
            Some(ctx.spooler.clone()),
        );
        Ok(Opened::Container {
            description,
            length: file_len,
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

/// What the header extensions say.
#[derive(Default)]
struct Extensions {
    backing_format: Option<Vec<u8>>,
    data_file: Option<Vec<u8>>,
    /// (type, bit, name) from the feature name table.
    feature_names: Vec<(u8, u8, Vec<u8>)>,
}

/// Reads the header extensions, which lie between the header and the end of the first
/// cluster. A malformed one ends the list with a warning.
fn extensions(src: &SourceRef, h: &Header, ctx: &mut OpenCtx<'_>) -> Extensions {
    let mut out = Extensions::default();
    let end = h.cluster_size().min(src.len());
    let mut pos = h.header_length as u64;
    for _ in 0..MAX_EXTENSIONS {
        let Ok(b) = src.read_vec(pos, 8) else {
            break;
        };
        let (kind, len) = (be32(&b, 0), be32(&b, 4) as u64);
        if kind == hdr_ext::END {
            break;
        }
        if pos + 8 + len > end {
            ctx.warn(
                WarningCode::Corrupt,
                pos,
                format!("header extension {kind:#x} of {len} bytes runs past the first cluster"),
            );
            break;
        }
        let data = src.read_vec(pos + 8, len as usize).unwrap_or_default();
        match kind {
            hdr_ext::BACKING_FORMAT => out.backing_format = Some(data),
            hdr_ext::DATA_FILE => out.data_file = Some(data),
            hdr_ext::FEATURE_NAMES => {
                for rec in data.chunks_exact(48) {
                    let name = crate::format::bytes::cstr(&rec[2..]).to_vec();
                    out.feature_names.push((rec[0], rec[1], name));
                }
            }
            _ => {}
        }
        pos += 8 + len.div_ceil(8) * 8;
    }
    out
}

/// ` (name, name)` for the incompatible feature bits in `bits`, when the image names them.
fn feature_names(table: &[(u8, u8, Vec<u8>)], bits: u64) -> String {
    let names: Vec<String> = (0..64u8)
        .filter(|b| bits & (1 << b) != 0)
        .filter_map(|b| {
            table
                .iter()
                .find(|(t, bit, _)| *t == 0 && *bit == b)
                .map(|(_, _, n)| escape_bytes(n))
        })
        .collect();
    if names.is_empty() {
        String::new()
    } else {
        format!(" ({})", names.join(", "))
    }
}

fn backing_name(src: &SourceRef, h: &Header) -> Result<Vec<u8>> {
    if h.backing_size > MAX_BACKING_NAME || h.backing_offset >= h.cluster_size() {
        return Err(Error::corrupt(
            F,
            8,
            format!(
                "backing file name of {} bytes at {:#x} is outside the first cluster or too long",
                h.backing_size, h.backing_offset
            ),
        ));
    }
    src.read_vec(h.backing_offset, h.backing_size as usize)
        .map_err(|e| Error::read(F, h.backing_offset, e))
}

/// The cluster map, with every entry checked.
struct Map {
    version: u32,
    cluster_bits: u32,
    l2_bits: u32,
    extended: bool,
    codec: Codec,
    /// Per L1 entry, the index of its L2 table in `l2` (`NONE` when unallocated).
    l1: Vec<u32>,
    /// The L2 tables read, one after another, each `1 << l2_bits` entries (two words each
    /// when extended).
    l2: Vec<u64>,
    /// The L1 index of each table in `l2`, for messages.
    table_l1: Vec<u64>,
}

const NONE: u32 = u32::MAX;

/// Reads and checks the L2 tables the L1 table points to.
fn tables(
    src: &SourceRef,
    h: &Header,
    codec: Codec,
    l1_raw: &[u8],
    ctx: &mut OpenCtx<'_>,
) -> Result<Map> {
    let cs = h.cluster_size();
    let file_len = src.len();
    let mut problems = Problems::default();
    let mut l1 = Vec::with_capacity(l1_raw.len() / 8);
    let mut seen: HashMap<u64, usize> = HashMap::new();
    // (offset, L1 index) of each L2 table to read.
    let mut offsets: Vec<(u64, u64)> = Vec::new();
    for (i, e) in l1_raw.chunks_exact(8).enumerate() {
        let at = h.l1_offset + 8 * i as u64;
        let raw = be64(e, 0);
        let off = raw & L1E_OFFSET_MASK;
        l1.push(NONE);
        if raw & L1E_RESERVED_MASK != 0 {
            problems.report(
                ctx,
                WarningCode::Corrupt,
                at,
                format!("L1 entry {i}: reserved bits set ({raw:#x}); read as zeros"),
            );
            continue;
        }
        if off == 0 {
            continue;
        }
        if !off.is_multiple_of(cs) || off < cs {
            problems.report(
                ctx,
                WarningCode::Corrupt,
                at,
                format!("L1 entry {i}: L2 table offset {off:#x} is not a cluster past the header; read as zeros"),
            );
            continue;
        }
        if off + cs > file_len {
            problems.report(
                ctx,
                WarningCode::Truncated,
                at,
                format!(
                    "L1 entry {i}: L2 table at {off:#x} is past the end of the file; read as zeros"
                ),
            );
            continue;
        }
        if let Some(&first) = seen.get(&off) {
            problems.report(
                ctx,
                WarningCode::Corrupt,
                at,
                format!(
                    "L1 entry {i}: L2 table at {off:#x} is also L1 entry {first}'s; read as zeros"
                ),
            );
            continue;
        }
        seen.insert(off, i);
        l1[i] = offsets.len() as u32;
        offsets.push((off, i as u64));
    }
    let table_bytes = (offsets.len() as u64).saturating_mul(cs);
    ctx.budget.check_metadata(table_bytes, "QCOW2 L2 tables")?;
    let mut l2 = Vec::with_capacity(offsets.len() * (cs / 8) as usize);
    let mut buf = vec![0u8; cs as usize];
    for (n, &(off, _)) in offsets.iter().enumerate() {
        if n % 256 == 0 {
            ctx.budget.check_time()?;
        }
        src.read_exact_at(off, &mut buf)
            .map_err(|e| Error::read(F, off, e))?;
        l2.extend(buf.chunks_exact(8).map(|w| be64(w, 0)));
    }
    let mut map = Map {
        version: h.version,
        cluster_bits: h.cluster_bits,
        l2_bits: h.l2_bits(),
        extended: h.extended_l2(),
        codec,
        l1,
        l2,
        table_l1: offsets.iter().map(|&(_, i)| i).collect(),
    };
    let table_at: Vec<u64> = offsets.iter().map(|&(off, _)| off).collect();
    check_entries(&mut map, &table_at, file_len, ctx, &mut problems)?;
    problems.flush(ctx);
    Ok(map)
}

/// Checks every L2 entry against the file, clearing (to read as zeros) those that point
/// outside it, and host clusters that a second virtual cluster maps again.
fn check_entries(
    map: &mut Map,
    offsets: &[u64],
    file_len: u64,
    ctx: &mut OpenCtx<'_>,
    problems: &mut Problems,
) -> Result<()> {
    let cs = 1u64 << map.cluster_bits;
    let step = if map.extended { 2 } else { 1 };
    let per_table = 1usize << map.l2_bits;
    // (host offset, slot in `l2`), for finding clusters mapped twice.
    let mut hosts: Vec<(u64, usize)> = Vec::new();
    for (t, &table_at) in offsets.iter().enumerate() {
        for j in 0..per_table {
            let slot = (t * per_table + j) * step;
            let e = map.l2[slot];
            let at = table_at + (j * step * 8) as u64;
            let bad = |what: String| (at, what);
            let verdict: Option<(u64, String)> = if e & OFLAG_COMPRESSED != 0 {
                let (off, _) = map.compressed(e);
                if off < cs || off >= file_len {
                    Some(bad(format!(
                        "compressed cluster at {off:#x} is outside the file's data"
                    )))
                } else {
                    hosts.push((off | 1 << 63, slot));
                    None
                }
            } else {
                let host = e & L2E_OFFSET_MASK;
                let bitmap = if map.extended { map.l2[slot + 1] } else { 0 };
                let (alloc, zero) = (bitmap as u32, (bitmap >> 32) as u32);
                if map.extended && alloc & zero != 0 {
                    Some(bad(format!(
                        "subclusters {:#x} are both allocated and zero",
                        alloc & zero
                    )))
                } else if map.extended && e & OFLAG_ZERO != 0 {
                    Some(bad("zero flag set in an extended L2 entry".into()))
                } else if !map.extended && e & OFLAG_ZERO != 0 && map.version < 3 {
                    Some(bad("zero flag set in a version 2 image".into()))
                } else if e & L2E_STD_RESERVED_MASK != 0 {
                    Some(bad(format!("reserved bits set ({e:#x})")))
                } else if host == 0 {
                    if map.extended && alloc != 0 {
                        Some(bad("subclusters allocated at host offset 0".into()))
                    } else {
                        None
                    }
                } else if !map.extended && e & OFLAG_ZERO != 0 {
                    None // preallocated zero cluster: reads as zeros, its host unused
                } else if !host.is_multiple_of(cs) || host < cs {
                    Some(bad(format!(
                        "cluster offset {host:#x} is not a cluster past the header"
                    )))
                } else if host >= file_len {
                    Some(bad(format!(
                        "cluster at {host:#x} is past the end of the file ({file_len} bytes)"
                    )))
                } else if map.extended && alloc == 0 {
                    None
                } else {
                    hosts.push((host, slot));
                    None
                }
            };
            if let Some((at, what)) = verdict {
                let code = if what.contains("past the end") {
                    WarningCode::Truncated
                } else {
                    WarningCode::Corrupt
                };
                let index = (map.table_l1[t] << map.l2_bits) + j as u64;
                problems.report(
                    ctx,
                    code,
                    at,
                    format!("L2 entry for virtual cluster {index}: {what}; read as zeros"),
                );
                map.clear(slot);
            }
        }
    }
    ctx.budget.check_metadata(
        (hosts.len() as u64).saturating_mul(16),
        "QCOW2 cluster index",
    )?;
    hosts.sort_unstable();
    for pair in hosts.windows(2) {
        let ((h0, s0), (h1, s1)) = (pair[0], pair[1]);
        if h0 == h1 {
            let (first, again) = (s0.min(s1), s0.max(s1));
            problems.report(
                ctx,
                WarningCode::Corrupt,
                h1 & !(1 << 63),
                format!(
                    "host cluster {:#x} is mapped by virtual clusters {} and {}; the second reads as zeros",
                    h1 & !(1 << 63),
                    map.virtual_index(first),
                    map.virtual_index(again)
                ),
            );
            map.clear(again);
        }
    }
    Ok(())
}

impl Map {
    /// Host offset and length of a compressed cluster's data.
    fn compressed(&self, e: u64) -> (u64, u64) {
        let shift = 62 - (self.cluster_bits - 8);
        let offset = e & ((1u64 << shift) - 1);
        let sectors = ((e >> shift) & ((1u64 << (self.cluster_bits - 8)) - 1)) + 1;
        (offset, sectors * 512 - (offset & 511))
    }

    fn clear(&mut self, slot: usize) {
        self.l2[slot] = 0;
        if self.extended {
            self.l2[slot + 1] = 0;
        }
    }

    /// The virtual cluster an `l2` slot maps.
    fn virtual_index(&self, slot: usize) -> u64 {
        let step = if self.extended { 2 } else { 1 };
        let entry = slot / step;
        let t = entry >> self.l2_bits;
        (self.table_l1[t] << self.l2_bits) + (entry as u64 & ((1 << self.l2_bits) - 1))
    }
}

impl Layout for Map {
    fn format(&self) -> &'static str {
        F
    }

    fn cluster_bits(&self) -> u32 {
        self.cluster_bits
    }

    fn cluster(&self, index: u64) -> Cluster {
        let Some(&t) = self.l1.get((index >> self.l2_bits) as usize) else {
            return Cluster::Zero;
        };
        if t == NONE {
            return Cluster::Zero;
        }
        let step = if self.extended { 2 } else { 1 };
        let entry = ((t as usize) << self.l2_bits) + (index & ((1 << self.l2_bits) - 1)) as usize;
        let e = self.l2[entry * step];
        if e & OFLAG_COMPRESSED != 0 {
            let (offset, len) = self.compressed(e);
            return Cluster::Compressed { offset, len };
        }
        let host = e & L2E_OFFSET_MASK;
        if self.extended {
            let bitmap = self.l2[entry * step + 1];
            let alloc = bitmap as u32 & !((bitmap >> 32) as u32);
            return if host == 0 || alloc == 0 {
                Cluster::Zero
            } else {
                Cluster::Split { host, alloc }
            };
        }
        if host == 0 || e & OFLAG_ZERO != 0 {
            Cluster::Zero
        } else {
            Cluster::Stored(host)
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
        // The last compressed cluster may end in the middle of its last sector.
        let data = src
            .read_upto(offset, len as usize)
            .map_err(|e| Error::read(F, offset, e))?;
        let r = match self.codec {
            Codec::Deflate => vdisk::inflate(&data, out, false),
            Codec::Zstd => vdisk::unzstd(&data, out),
        };
        r.map_err(|e| {
            Error::corrupt(
                F,
                offset,
                format!("compressed cluster {index} does not decode: {e}"),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compressed_descriptor_splits_offset_and_sectors() {
        let map = Map {
            version: 3,
            cluster_bits: 16,
            l2_bits: 13,
            extended: false,
            codec: Codec::Deflate,
            l1: Vec::new(),
            l2: Vec::new(),
            table_l1: Vec::new(),
        };
        // x = 62 - (16 - 8) = 54: offset in bits 0..54, additional sectors above.
        let e = OFLAG_COMPRESSED | (3u64 << 54) | 0x1_0234;
        assert_eq!(map.compressed(e), (0x1_0234, 4 * 512 - 0x34));
    }

    #[test]
    fn rejects_cluster_bits_out_of_range() {
        let mut b = vec![0u8; 104];
        b[..4].copy_from_slice(MAGIC);
        b[4..8].copy_from_slice(&3u32.to_be_bytes());
        b[100..104].copy_from_slice(&104u32.to_be_bytes());
        for bits in [0u32, 8, 22, 63] {
            b[20..24].copy_from_slice(&bits.to_be_bytes());
            assert_eq!(parse(&b).unwrap_err().0, 20, "{bits}");
        }
        b[20..24].copy_from_slice(&16u32.to_be_bytes());
        assert!(parse(&b).is_ok());
    }
}
