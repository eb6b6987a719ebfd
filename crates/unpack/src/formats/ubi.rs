//! UBI images (`ubinize` output and raw NAND dumps): physical eraseblocks (PEBs) carrying an
//! erase-counter header and a volume-identifier header, mapped back to the logical eraseblocks
//! (LEBs) of each volume.
//!
//! Each volume becomes a payload whose source maps volume offsets to PEB data areas on the fly
//! (unmapped LEBs read as 0xff), so no volume is ever copied. When several PEBs claim one LEB
//! the newest (highest sequence number) whose data checks out wins, as in the kernel's attach.
//! The PEB size is not stored anywhere; it is the distance to the next header of the same
//! image, tried at power-of-two sizes.

use std::collections::{BTreeMap, HashSet};
use std::io;
use std::sync::Arc;

use netvet_model::WarningCode;

use crate::error::{Error, Result};
use crate::format::{
    Format, Magic, OpenCtx, Opened, Payload, Probe,
    bytes::{be32, be64},
};
use crate::names::{escape_component, fs_component};
use crate::source::{Source, SourceExt, SourceRef};

const F: &str = "ubi";
const EC_MAGIC: &[u8; 4] = b"UBI#";
const VID_MAGIC: &[u8; 4] = b"UBI!";
/// Both headers are 64 bytes, the last 4 a CRC of the rest.
const HDR: usize = 64;
const HDR_CRC: usize = 60;
/// The internal volume that holds the volume table.
const LAYOUT_VOLUME: u32 = 0x7fff_efff;
/// Fastmap's anchor and data volumes: a cache of what attaching finds by scanning, which is
/// what this reader does, so they are skipped.
const FASTMAP_VOLUMES: [u32; 2] = [0x7fff_f000, 0x7fff_f001];
/// User volumes have ids below this.
const MAX_VOLUMES: u32 = 128;
const VTBL_RECORD: usize = 172;
const VTBL_CRC: usize = 168;
const VOL_NAME_MAX: usize = 127;
const MIN_PEB: u64 = 16 << 10;
const MAX_PEB: u64 = 2 << 20;
/// PEBs without a header of this image tolerated between two that have one (bad blocks in a
/// NAND dump) before the image is taken to have ended.
const MAX_GAP: u64 = 64;
const VOL_DYNAMIC: u8 = 1;
const VOL_STATIC: u8 = 2;
const UBIFS_MAGIC: [u8; 4] = 0x0610_1831u32.to_le_bytes();

/// The UBI reader.
pub struct Ubi;

/// UBI's CRC-32: the standard polynomial, initial value all ones, no final inversion.
fn crc(b: &[u8]) -> u32 {
    !crc32fast::hash(b)
}

/// True when `b`'s CRC is `stored`. Fuzzing builds accept any CRC so that the fuzzer reaches
/// the structures behind them (a hostile image can always carry correct CRCs).
fn crc_matches(b: &[u8], stored: u32) -> bool {
    cfg!(feature = "fuzzing") || crc(b) == stored
}

/// An erase-counter header.
#[derive(Clone, Copy, Debug)]
struct EcHeader {
    version: u8,
    vid_offset: u64,
    data_offset: u64,
    image_seq: u32,
    crc_ok: bool,
}

fn parse_ec(b: &[u8]) -> Option<EcHeader> {
    let h = b.get(..HDR)?;
    if &h[..4] != EC_MAGIC {
        return None;
    }
    Some(EcHeader {
        version: h[4],
        vid_offset: be32(h, 16) as u64,
        data_offset: be32(h, 20) as u64,
        image_seq: be32(h, 24),
        crc_ok: crc_matches(&h[..HDR_CRC], be32(h, HDR_CRC)),
    })
}

impl EcHeader {
    /// Offsets a real image can have: the VID header after the EC header, data after both.
    fn plausible(&self) -> bool {
        self.vid_offset >= HDR as u64
            && self.data_offset >= self.vid_offset + HDR as u64
            && self.data_offset < MAX_PEB
    }

    /// True when `b` starts with an EC header of the same image (CRC not required, so a PEB
    /// whose header is damaged still counts for the geometry).
    fn same_image(&self, b: &[u8]) -> bool {
        parse_ec(b).is_some_and(|o| {
            o.vid_offset == self.vid_offset
                && o.data_offset == self.data_offset
                && o.image_seq == self.image_seq
        })
    }
}

/// A volume-identifier header.
#[derive(Clone, Copy, Debug)]
struct VidHeader {
    vol_type: u8,
    copy_flag: u8,
    vol_id: u32,
    lnum: u32,
    data_size: u32,
    used_ebs: u32,
    data_pad: u32,
    data_crc: u32,
    sqnum: u64,
}

fn parse_vid(h: &[u8]) -> VidHeader {
    VidHeader {
        vol_type: h[5],
        copy_flag: h[6],
        vol_id: be32(h, 8),
        lnum: be32(h, 12),
        data_size: be32(h, 20),
        used_ebs: be32(h, 24),
        data_pad: be32(h, 28),
        data_crc: be32(h, 32),
        sqnum: be64(h, 40),
    }
}

/// The layout every PEB of the image shares.
#[derive(Clone, Copy, Debug)]
struct Geometry {
    peb: u64,
    vid_offset: u64,
    data_offset: u64,
    /// PEBs that belong to the image (the last may be cut short by the end of the source).
    count: u64,
}

/// Reads the first header and works out the geometry of the image at `offset`.
fn geometry(src: &dyn Source, offset: u64) -> Option<(EcHeader, Geometry)> {
    let b = src.read_vec(offset, HDR).ok()?;
    let first = parse_ec(&b)?;
    if !first.crc_ok || first.version != 1 || !first.plausible() {
        return None;
    }
    let peb = peb_size(src, offset, &first).unwrap_or_else(|| {
        // A single PEB: its size is what is left, as a power of two.
        let rest = src.len().saturating_sub(offset);
        rest.next_power_of_two()
            .clamp(MIN_PEB, MAX_PEB)
            .max((first.data_offset + 1).next_power_of_two())
    });
    if peb <= first.data_offset {
        return None;
    }
    let count = count_pebs(src, offset, &first, peb);
    Some((
        first,
        Geometry {
            peb,
            vid_offset: first.vid_offset,
            data_offset: first.data_offset,
            count,
        },
    ))
}

/// The smallest power-of-two distance at which another header of the same image starts.
fn peb_size(src: &dyn Source, offset: u64, first: &EcHeader) -> Option<u64> {
    let mut size = MIN_PEB;
    while size <= MAX_PEB {
        if size > first.data_offset {
            match src.read_vec(offset + size, HDR) {
                Ok(b) if first.same_image(&b) => return Some(size),
                Ok(_) => {}
                Err(_) => return None,
            }
        }
        size *= 2;
    }
    None
}

/// PEBs from `offset` up to the last one with a header of this image, allowing short gaps.
fn count_pebs(src: &dyn Source, offset: u64, first: &EcHeader, peb: u64) -> u64 {
    let avail = src.len().saturating_sub(offset);
    let max = avail.div_ceil(peb);
    let mut last = 0;
    let mut i = 1;
    while i < max && i - last <= MAX_GAP {
        match src.read_vec(offset + i * peb, HDR) {
            Ok(b) if first.same_image(&b) => last = i,
            Ok(_) => {}
            Err(_) => break,
        }
        i += 1;
    }
    last + 1
}

/// One PEB's claim to hold a LEB of a volume.
#[derive(Clone, Copy, Debug)]
struct Claim {
    /// Index of the PEB in the image.
    peb: u64,
    vid: VidHeader,
}

/// A record of the volume table.
#[derive(Clone, Debug)]
struct Record {
    reserved_pebs: u32,
    data_pad: u32,
    vol_type: u8,
    upd_marker: u8,
    name: Vec<u8>,
}

/// Parses the volume table in one copy of the layout volume: `None` for empty slots, and
/// the slots whose CRC failed.
fn parse_vtbl(data: &[u8]) -> (Vec<Option<Record>>, Vec<usize>) {
    let mut out = Vec::new();
    let mut bad = Vec::new();
    for (i, r) in data
        .chunks_exact(VTBL_RECORD)
        .take(MAX_VOLUMES as usize)
        .enumerate()
    {
        if !crc_matches(&r[..VTBL_CRC], be32(r, VTBL_CRC)) {
            bad.push(i);
            out.push(None);
            continue;
        }
        let reserved_pebs = be32(r, 0);
        let name_len = u16::from_be_bytes([r[14], r[15]]) as usize;
        if reserved_pebs == 0 || name_len > VOL_NAME_MAX {
            out.push(None);
            continue;
        }
        out.push(Some(Record {
            reserved_pebs,
            data_pad: be32(r, 8),
            vol_type: r[12],
            upd_marker: r[13],
            name: r[16..16 + name_len].to_vec(),
        }));
    }
    (out, bad)
}

impl Format for Ubi {
    fn id(&self) -> &'static str {
        F
    }

    fn magics(&self) -> &'static [Magic] {
        const { &[Magic::start(EC_MAGIC)] }
    }

    fn probe(&self, src: &dyn Source, offset: u64) -> Option<Probe> {
        let (first, g) = geometry(src, offset)?;
        Some(Probe {
            length: Some(g.count.saturating_mul(g.peb)),
            description: describe(&first, &g, None),
        })
    }

    fn open(&self, src: SourceRef, ctx: &mut OpenCtx<'_>) -> Result<Opened> {
        let b = src.read_vec(0, HDR).map_err(|e| Error::read(F, 0, e))?;
        let first =
            parse_ec(&b).ok_or_else(|| Error::corrupt(F, 0, "no erase-counter header (UBI#)"))?;
        if !first.crc_ok {
            return Err(Error::Checksum {
                format: F,
                offset: HDR_CRC as u64,
                what: "first erase-counter header".into(),
            });
        }
        if first.version != 1 {
            return Err(Error::unsupported(
                F,
                4,
                format!("UBI version {}", first.version),
            ));
        }
        let (_, g) = geometry(&*src, 0).ok_or_else(|| {
            Error::corrupt(
                F,
                16,
                format!(
                    "implausible header offsets (VID header at {}, data at {})",
                    first.vid_offset, first.data_offset
                ),
            )
        })?;
        if g.count.saturating_mul(g.peb) > src.len() {
            ctx.warn(
                WarningCode::Truncated,
                src.len(),
                format!(
                    "image ends inside PEB {} ({} bytes of {} present)",
                    g.count - 1,
                    src.len() - (g.count - 1) * g.peb,
                    g.peb
                ),
            );
        }
        ctx.budget
            .check_metadata(g.count.saturating_mul(64), "UBI PEB table")?;
        let (claims, layout) = scan_pebs(&src, &g, ctx)?;
        let vtbl = volume_table(&src, &g, &layout, ctx);
        let volumes = build_volumes(&src, &g, &claims, vtbl.as_deref(), ctx);
        let mut payloads = Vec::with_capacity(volumes.len());
        let mut names = HashSet::new();
        for v in volumes {
            let hint = v
                .source
                .read_vec(0, 4)
                .ok()
                .filter(|m| m[..] == UBIFS_MAGIC)
                .map(|_| "ubifs");
            let mut name = v.name;
            if !names.insert(name.clone()) {
                name = format!("{name}-vol{}", v.id);
                names.insert(name.clone());
            }
            payloads.push(Payload {
                name,
                source: v.source,
                offset: v.offset,
                hint,
                carve: true,
            });
        }
        Ok(Opened::Container {
            description: describe(&first, &g, Some(payloads.len())),
            length: g.count.saturating_mul(g.peb),
            payloads,
        })
    }
}

fn describe(first: &EcHeader, g: &Geometry, volumes: Option<usize>) -> String {
    let mut s = format!(
        "UBI image, {} PEBs of {} bytes, VID header at {}, data at {}, image sequence {:#x}",
        g.count, g.peb, g.vid_offset, g.data_offset, first.image_seq
    );
    if let Some(n) = volumes {
        s.push_str(&format!(", {n} volumes"));
    }
    s
}

/// Reads every PEB's headers: the claims of user volumes and of the layout volume.
fn scan_pebs(
    src: &SourceRef,
    g: &Geometry,
    ctx: &mut OpenCtx<'_>,
) -> Result<(Vec<Claim>, Vec<Claim>)> {
    let mut claims = Vec::new();
    let mut layout = Vec::new();
    for i in 0..g.count {
        if i.is_multiple_of(1024) {
            ctx.budget.check_time()?;
        }
        let pos = i * g.peb;
        let Ok(ec) = src.read_vec(pos, HDR) else {
            ctx.warn(
                WarningCode::Truncated,
                pos,
                format!("PEB {i}: header cut short"),
            );
            break;
        };
        match parse_ec(&ec) {
            None => {
                ctx.warn(
                    WarningCode::Corrupt,
                    pos,
                    format!("PEB {i} has no erase-counter header (bad block?); skipped"),
                );
                continue;
            }
            Some(h) if !h.crc_ok => ctx.warn(
                WarningCode::BadChecksum,
                pos + HDR_CRC as u64,
                format!("PEB {i}: bad erase-counter header CRC"),
            ),
            Some(_) => {}
        }
        let at = pos + g.vid_offset;
        let Ok(vh) = src.read_vec(at, HDR) else {
            ctx.warn(
                WarningCode::Truncated,
                at,
                format!("PEB {i}: VID header cut short"),
            );
            continue;
        };
        if vh.iter().all(|&b| b == 0xff) {
            continue; // erased: no LEB mapped here
        }
        if &vh[..4] != VID_MAGIC {
            ctx.warn(
                WarningCode::Corrupt,
                at,
                format!("PEB {i}: no volume-identifier header (UBI!); skipped"),
            );
            continue;
        }
        if !crc_matches(&vh[..HDR_CRC], be32(&vh, HDR_CRC)) {
            ctx.warn(
                WarningCode::BadChecksum,
                at + HDR_CRC as u64,
                format!("PEB {i}: bad volume-identifier header CRC; skipped"),
            );
            continue;
        }
        let vid = parse_vid(&vh);
        if vid.vol_type != VOL_DYNAMIC && vid.vol_type != VOL_STATIC {
            ctx.warn(
                WarningCode::Corrupt,
                at + 5,
                format!("PEB {i}: volume type {}; skipped", vid.vol_type),
            );
            continue;
        }
        let claim = Claim { peb: i, vid };
        if vid.vol_id == LAYOUT_VOLUME {
            layout.push(claim);
        } else if FASTMAP_VOLUMES.contains(&vid.vol_id) {
            continue;
        } else if vid.vol_id >= MAX_VOLUMES {
            ctx.warn(
                WarningCode::Unsupported,
                at + 8,
                format!("PEB {i}: internal volume {:#x} ignored", vid.vol_id),
            );
        } else {
            claims.push(claim);
        }
    }
    Ok((claims, layout))
}

/// The volume table, from the newest good copy in the layout volume's two LEBs.
fn volume_table(
    src: &SourceRef,
    g: &Geometry,
    layout: &[Claim],
    ctx: &mut OpenCtx<'_>,
) -> Option<Vec<Option<Record>>> {
    let size = (g.peb - g.data_offset).min((MAX_VOLUMES as usize * VTBL_RECORD) as u64);
    let mut copies = Vec::new();
    for lnum in 0..2 {
        let Some(c) = layout
            .iter()
            .filter(|c| c.vid.lnum == lnum)
            .max_by_key(|c| (c.vid.sqnum, std::cmp::Reverse(c.peb)))
        else {
            continue;
        };
        let at = c.peb * g.peb + g.data_offset;
        match src.read_vec(at, size as usize) {
            Ok(data) => {
                let (records, bad) = parse_vtbl(&data);
                copies.push((at, records, bad));
            }
            Err(e) => ctx.warn(
                WarningCode::Truncated,
                at,
                format!("volume table copy {lnum}: {e}"),
            ),
        }
    }
    if copies.is_empty() {
        ctx.warn(
            WarningCode::Corrupt,
            0,
            "no volume table (layout volume missing); volumes are named by id",
        );
        return None;
    }
    // The first copy without bad records, else the one with fewest.
    copies.sort_by_key(|(_, _, bad)| bad.len());
    let (at, records, bad) = copies.swap_remove(0);
    for i in bad {
        ctx.warn(
            WarningCode::BadChecksum,
            at + (i * VTBL_RECORD + VTBL_CRC) as u64,
            format!("volume table record {i}: bad CRC; ignored"),
        );
    }
    Some(records)
}

/// A volume as built for its payload.
struct BuiltVolume {
    id: u32,
    name: String,
    offset: u64,
    source: SourceRef,
}

/// Maps every volume's LEBs to PEBs and makes one source per volume.
fn build_volumes(
    src: &SourceRef,
    g: &Geometry,
    claims: &[Claim],
    vtbl: Option<&[Option<Record>]>,
    ctx: &mut OpenCtx<'_>,
) -> Vec<BuiltVolume> {
    let mut by_vol: BTreeMap<u32, Vec<Claim>> = BTreeMap::new();
    for c in claims {
        by_vol.entry(c.vid.vol_id).or_default().push(*c);
    }
    if let Some(t) = vtbl {
        for (id, r) in t.iter().enumerate() {
            if r.is_some() {
                by_vol.entry(id as u32).or_default();
            }
        }
    }
    // Volumes cannot map more LEBs than the image has PEBs; a little slack for dumps cut short.
    let mut leb_budget = g.count.saturating_mul(2).saturating_add(2);
    let mut out = Vec::new();
    for (id, cs) in by_vol {
        let rec = vtbl
            .and_then(|t| t.get(id as usize))
            .and_then(|r| r.as_ref());
        if rec.is_none() && vtbl.is_some() {
            ctx.warn(
                WarningCode::Corrupt,
                cs.first().map_or(0, |c| c.peb * g.peb + g.vid_offset),
                format!(
                    "volume {id} has {} PEBs but no record in the volume table",
                    cs.len()
                ),
            );
        }
        if let Some(r) = rec
            && r.upd_marker != 0
        {
            ctx.warn(
                WarningCode::Corrupt,
                0,
                format!("volume {id}: update marker set (an update was interrupted)"),
            );
        }
        let vol_type = rec
            .map(|r| r.vol_type)
            .or_else(|| cs.first().map(|c| c.vid.vol_type))
            .unwrap_or(VOL_DYNAMIC);
        let data_pad = rec
            .map(|r| r.data_pad)
            .or_else(|| cs.first().map(|c| c.vid.data_pad))
            .unwrap_or(0) as u64;
        let area = g.peb - g.data_offset;
        if data_pad >= area {
            ctx.warn(
                WarningCode::Corrupt,
                0,
                format!("volume {id}: data padding {data_pad} leaves no room for data"),
            );
            continue;
        }
        let leb_size = area - data_pad;
        let stat = vol_type == VOL_STATIC;
        let name_bytes = rec.map(|r| r.name.clone()).unwrap_or_default();
        let mut name = escape_component(&fs_component(&name_bytes));
        if name.is_empty() || name == "." || name == ".." {
            name = format!("vol-{id}");
        }
        if cs.is_empty() && stat {
            ctx.warn(
                WarningCode::Truncated,
                0,
                format!("static volume {id} ({name}) has no PEBs in the image"),
            );
        }
        let reserved = rec.map_or(g.count, |r| r.reserved_pebs as u64);
        // Static volumes say how many LEBs they use; the newest header is believed.
        let used_ebs = cs
            .iter()
            .max_by_key(|c| c.vid.sqnum)
            .map_or(0, |c| c.vid.used_ebs as u64);
        let limit = if stat {
            if used_ebs > reserved {
                ctx.warn(
                    WarningCode::Corrupt,
                    0,
                    format!(
                        "static volume {id} says it uses {used_ebs} LEBs of {reserved} reserved"
                    ),
                );
            }
            used_ebs.min(reserved)
        } else {
            reserved
        };
        let mut by_leb: BTreeMap<u32, Vec<Claim>> = BTreeMap::new();
        for c in cs {
            if c.vid.lnum as u64 >= limit {
                ctx.warn(
                    WarningCode::Corrupt,
                    c.peb * g.peb + g.vid_offset + 12,
                    format!(
                        "PEB {} claims LEB {} of volume {id}, which has only {limit}; ignored",
                        c.peb, c.vid.lnum
                    ),
                );
                continue;
            }
            by_leb.entry(c.vid.lnum).or_default().push(c);
        }
        let mut extent = if stat {
            limit
        } else {
            by_leb.keys().next_back().map_or(0, |&l| l as u64 + 1)
        };
        if extent > leb_budget {
            ctx.warn(
                WarningCode::Corrupt,
                0,
                format!(
                    "volume {id} maps LEBs up to {extent}, more than the image holds; cut to {leb_budget}"
                ),
            );
            extent = leb_budget;
        }
        leb_budget -= extent;
        let mut lebs: Vec<Option<Leb>> = vec![None; extent as usize];
        let mut offset = None;
        for (lnum, mut cands) in by_leb {
            let Some(slot) = lebs.get_mut(lnum as usize) else {
                continue;
            };
            let chosen = choose(src, g, id, lnum, leb_size, stat, &mut cands, ctx);
            let pos = chosen.peb * g.peb + g.data_offset;
            let size = if stat || chosen.vid.copy_flag != 0 && chosen.vid.data_size > 0 {
                (chosen.vid.data_size as u64).min(leb_size)
            } else {
                leb_size
            };
            offset.get_or_insert(chosen.peb * g.peb);
            *slot = Some(Leb { pos, size });
        }
        let len = if stat {
            let missing = lebs.iter().filter(|l| l.is_none()).count();
            if missing > 0 {
                ctx.warn(
                    WarningCode::Truncated,
                    0,
                    format!("static volume {id}: {missing} of its {extent} LEBs are missing; read as 0xff"),
                );
            }
            match lebs.last() {
                Some(Some(l)) => (extent - 1) * leb_size + l.size,
                Some(None) => extent * leb_size,
                None => 0,
            }
        } else {
            extent * leb_size
        };
        out.push(BuiltVolume {
            id,
            name,
            offset: offset.unwrap_or(0),
            source: Arc::new(Volume {
                src: src.clone(),
                leb_size,
                len,
                lebs,
            }),
        });
    }
    out
}

/// Picks the PEB that holds the current copy of a LEB: the newest whose data checks out when
/// it has to (static volumes, and copies made by wear-levelling).
#[allow(clippy::too_many_arguments)]
fn choose(
    src: &SourceRef,
    g: &Geometry,
    vol: u32,
    lnum: u32,
    leb_size: u64,
    stat: bool,
    cands: &mut [Claim],
    ctx: &mut OpenCtx<'_>,
) -> Claim {
    cands.sort_by_key(|c| (std::cmp::Reverse(c.vid.sqnum), c.peb));
    if let [newest, older, ..] = &*cands {
        ctx.warn(
            WarningCode::Duplicate,
            newest.peb * g.peb + g.vid_offset,
            format!(
                "LEB {lnum} of volume {vol} is in PEB {} (sqnum {}) and PEB {} (sqnum {}){}",
                newest.peb,
                newest.vid.sqnum,
                older.peb,
                older.vid.sqnum,
                if cands.len() > 2 { " and others" } else { "" }
            ),
        );
    }
    for c in cands.iter() {
        if !(stat || c.vid.copy_flag != 0) {
            return *c;
        }
        let at = c.peb * g.peb + g.data_offset;
        let size = c.vid.data_size as u64;
        let ok = size <= leb_size
            && src
                .read_vec(at, size as usize)
                .is_ok_and(|d| crc_matches(&d, c.vid.data_crc));
        if ok {
            return *c;
        }
        ctx.warn(
            WarningCode::BadChecksum,
            at,
            format!(
                "LEB {lnum} of volume {vol} in PEB {}: data CRC does not match ({size} bytes)",
                c.peb
            ),
        );
    }
    cands[0]
}

/// Where one LEB's data lies in the image.
#[derive(Clone, Copy, Debug)]
struct Leb {
    pos: u64,
    /// Bytes of data (the LEB size, or what a static LEB holds).
    size: u64,
}

/// A volume read through its LEB-to-PEB map.
struct Volume {
    src: SourceRef,
    leb_size: u64,
    len: u64,
    lebs: Vec<Option<Leb>>,
}

impl Source for Volume {
    fn len(&self) -> u64 {
        self.len
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        if offset >= self.len || buf.is_empty() {
            return Ok(0);
        }
        let lnum = offset / self.leb_size;
        let within = offset % self.leb_size;
        let n = (self.leb_size - within)
            .min(self.len - offset)
            .min(buf.len() as u64) as usize;
        let out = &mut buf[..n];
        match self.lebs.get(lnum as usize).copied().flatten() {
            Some(leb) if within < leb.size => {
                let m = ((leb.size - within) as usize).min(n);
                self.src.read_exact_at(leb.pos + within, &mut out[..m])?;
                out[m..].fill(0xff);
            }
            _ => out.fill(0xff),
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::MemSource;

    fn ec(vid: u32, data: u32, seq: u32) -> Vec<u8> {
        let mut h = vec![0u8; HDR];
        h[..4].copy_from_slice(EC_MAGIC);
        h[4] = 1;
        h[16..20].copy_from_slice(&vid.to_be_bytes());
        h[20..24].copy_from_slice(&data.to_be_bytes());
        h[24..28].copy_from_slice(&seq.to_be_bytes());
        let c = crc(&h[..HDR_CRC]);
        h[HDR_CRC..].copy_from_slice(&c.to_be_bytes());
        h
    }

    #[test]
    fn crc_matches_the_kernel_convention() {
        // crc32(0xffffffff, "123456789") without the final inversion.
        assert_eq!(crc(b"123456789"), !0xcbf4_3926);
    }

    #[test]
    fn peb_size_is_the_distance_to_the_next_header() {
        let peb = 64 << 10;
        let mut img = vec![0xffu8; peb * 3];
        for i in 0..3 {
            img[i * peb..i * peb + HDR].copy_from_slice(&ec(2048, 4096, 7));
        }
        let src = MemSource::new(img);
        let (_, g) = geometry(&src, 0).expect("a UBI image");
        assert_eq!(g.peb, peb as u64);
        assert_eq!(g.count, 3);
    }

    #[test]
    fn headers_of_another_image_end_this_one() {
        let peb = 16 << 10;
        let mut img = vec![0xffu8; peb * 3];
        img[..HDR].copy_from_slice(&ec(512, 2048, 1));
        img[peb..peb + HDR].copy_from_slice(&ec(512, 2048, 1));
        img[2 * peb..2 * peb + HDR].copy_from_slice(&ec(512, 2048, 2));
        let src = MemSource::new(img);
        assert_eq!(geometry(&src, 0).expect("a UBI image").1.count, 2);
    }

    #[test]
    fn unmapped_lebs_read_as_erased_flash() {
        let src: SourceRef = Arc::new(MemSource::new((0..=255u8).collect()));
        let v = Volume {
            src,
            leb_size: 16,
            len: 48,
            lebs: vec![
                Some(Leb { pos: 100, size: 16 }),
                None,
                Some(Leb { pos: 0, size: 4 }),
            ],
        };
        let got = v.read_vec(10, 38).expect("inside the volume");
        assert_eq!(&got[..6], &[110, 111, 112, 113, 114, 115]);
        assert!(got[6..22].iter().all(|&b| b == 0xff));
        assert_eq!(&got[22..26], &[0, 1, 2, 3]);
        assert!(got[26..].iter().all(|&b| b == 0xff));
    }
}
