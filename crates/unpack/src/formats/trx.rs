//! Broadcom TRX firmware containers (v1 and v2): a little-endian header with a CRC over the
//! rest of the image and up to three (v1) or four (v2) partition offsets.

use netvet_model::WarningCode;

use crate::error::{Error, Result};
use crate::format::{Format, Magic, OpenCtx, Opened, Payload, Probe, bytes::le32};
use crate::source::{Source, SourceExt, SourceRef, slice};

const F: &str = "trx";
/// Header of v1 (magic, length, crc, flags+version, 3 offsets); v2 adds a fourth offset.
const HEADER_V1: u64 = 28;
const HEADER_V2: u64 = 32;

/// The TRX reader.
pub struct Trx;

fn header(b: &[u8]) -> Option<(u32, u32, u16, u16, Vec<u32>)> {
    if &b[0..4] != b"HDR0" {
        return None;
    }
    let len = le32(b, 4);
    let crc = le32(b, 8);
    let flags = u16::from_le_bytes([b[12], b[13]]);
    let version = u16::from_le_bytes([b[14], b[15]]);
    let n = match version {
        1 => 3,
        2 => 4,
        _ => return None,
    };
    let offsets = (0..n).map(|i| le32(b, 16 + 4 * i)).collect();
    Some((len, crc, flags, version, offsets))
}

impl Format for Trx {
    fn id(&self) -> &'static str {
        F
    }

    fn magics(&self) -> &'static [Magic] {
        const { &[Magic::start(b"HDR0")] }
    }

    fn probe(&self, src: &dyn Source, offset: u64) -> Option<Probe> {
        let b = src.read_vec(offset, HEADER_V2 as usize).ok()?;
        let (len, _, _, version, offsets) = header(&b)?;
        let hdr = if version == 1 { HEADER_V1 } else { HEADER_V2 };
        // Offsets must lie inside the image and ascend; the first usually follows the header.
        let mut last = 0;
        for &o in offsets.iter().filter(|&&o| o != 0) {
            if (o as u64) < hdr || o > len || o < last {
                return None;
            }
            last = o;
        }
        (len as u64 >= hdr).then(|| Probe {
            length: Some(len as u64),
            description: format!("TRX v{version}, {len} bytes"),
        })
    }

    fn open(&self, src: SourceRef, ctx: &mut OpenCtx<'_>) -> Result<Opened> {
        let b = src
            .read_vec(0, HEADER_V2 as usize)
            .map_err(|e| Error::read(F, 0, e))?;
        let (len, crc, flags, version, offsets) =
            header(&b).ok_or_else(|| Error::corrupt(F, 0, "bad magic or version"))?;
        let len = len as u64;
        if len > src.len() {
            ctx.warn(
                WarningCode::Truncated,
                4,
                format!("header declares {len} bytes, {} present", src.len()),
            );
        }
        let image = slice(&src, 0, len);
        // The CRC covers everything from the flags field to the end; TRX stores the raw
        // register (no final inversion), some tools the standard value: accept either.
        let covered = slice(&image, 12, image.len().saturating_sub(12));
        let actual = crate::source::crc32_of(&*covered).map_err(|e| Error::read(F, 12, e))?;
        if len <= src.len() && actual != crc && !actual != crc {
            ctx.warn(
                WarningCode::BadChecksum,
                8,
                format!("CRC {actual:08x} does not match the header's {crc:08x}"),
            );
        }
        let bounds: Vec<u64> = offsets
            .iter()
            .filter(|&&o| o != 0)
            .map(|&o| o as u64)
            .collect();
        let mut payloads = Vec::new();
        for (i, &start) in bounds.iter().enumerate() {
            let end = bounds.get(i + 1).copied().unwrap_or(len).min(image.len());
            if start >= end {
                continue;
            }
            payloads.push(Payload {
                name: format!("part{i}"),
                source: slice(&image, start, end - start),
                offset: start,
                hint: None,
                carve: true,
            });
        }
        Ok(Opened::Container {
            description: format!(
                "TRX v{version}, {len} bytes, flags {flags:#06x}, {} partitions",
                payloads.len()
            ),
            length: image.len(),
            payloads,
        })
    }
}
