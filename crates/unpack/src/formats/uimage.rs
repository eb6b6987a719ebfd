//! U-Boot legacy images (`mkimage -A .. -T ..`): a 64-byte big-endian header with a header CRC
//! and a data CRC, holding one image or, for type "multi", several.

use netvet_model::WarningCode;

use crate::error::{Error, Result};
use crate::format::{Format, Magic, OpenCtx, Opened, Payload, Probe, bytes::be32, bytes::cstr};
use crate::source::{Source, SourceExt, SourceRef, slice};

const F: &str = "uimage";
const HEADER: u64 = 64;
const TYPE_MULTI: u8 = 4;

/// The uImage reader.
pub struct UImage;

struct Header {
    hcrc_ok: bool,
    time: u32,
    size: u32,
    load: u32,
    entry: u32,
    dcrc: u32,
    os: u8,
    arch: u8,
    kind: u8,
    comp: u8,
    name: Vec<u8>,
}

fn parse(b: &[u8]) -> Option<Header> {
    if be32(b, 0) != 0x2705_1956 {
        return None;
    }
    let mut zeroed = b[..64].to_vec();
    zeroed[4..8].fill(0);
    Some(Header {
        hcrc_ok: crc32fast::hash(&zeroed) == be32(b, 4),
        time: be32(b, 8),
        size: be32(b, 12),
        load: be32(b, 16),
        entry: be32(b, 20),
        dcrc: be32(b, 24),
        os: b[28],
        arch: b[29],
        kind: b[30],
        comp: b[31],
        name: cstr(&b[32..64]).to_vec(),
    })
}

fn os_name(v: u8) -> &'static str {
    match v {
        1 => "OpenBSD",
        2 => "NetBSD",
        3 => "FreeBSD",
        5 => "Linux",
        9 => "VxWorks",
        12 => "QNX",
        13 => "U-Boot",
        17 => "RTEMS",
        _ => "other OS",
    }
}

fn arch_name(v: u8) -> &'static str {
    match v {
        1 => "Alpha",
        2 => "ARM",
        3 => "x86",
        4 => "IA64",
        5 => "MIPS",
        6 => "MIPS64",
        7 => "PowerPC",
        8 => "S390",
        9 => "SuperH",
        10 => "SPARC",
        11 => "SPARC64",
        15 => "NIOS2",
        17 => "AVR32",
        20 => "Blackfin",
        22 => "ARM64",
        24 => "x86-64",
        26 => "RISC-V",
        _ => "other architecture",
    }
}

/// Role name and the file name stem used for a payload of this image type.
fn type_name(v: u8) -> &'static str {
    match v {
        1 => "standalone",
        2 => "kernel",
        3 => "ramdisk",
        4 => "multi",
        5 => "firmware",
        6 => "script",
        7 => "filesystem",
        8 => "flat_dt",
        _ => "image",
    }
}

/// Extension and the stream format that decodes a payload of this compression.
fn compression(v: u8) -> (&'static str, Option<&'static str>, &'static str) {
    match v {
        0 => ("bin", None, "uncompressed"),
        1 => ("gz", Some("gzip"), "gzip"),
        2 => ("bz2", Some("bzip2"), "bzip2"),
        3 => ("lzma", Some("lzma"), "lzma"),
        4 => ("lzo", None, "lzo"),
        5 => ("lz4", Some("lz4"), "lz4"),
        6 => ("zst", Some("zstd"), "zstd"),
        _ => ("bin", None, "unknown compression"),
    }
}

impl Format for UImage {
    fn id(&self) -> &'static str {
        F
    }

    fn magics(&self) -> &'static [Magic] {
        const { &[Magic::start(b"\x27\x05\x19\x56")] }
    }

    fn probe(&self, src: &dyn Source, offset: u64) -> Option<Probe> {
        let b = src.read_vec(offset, HEADER as usize).ok()?;
        let h = parse(&b)?;
        // A wrong header CRC is accepted only when every field is plausible.
        if !h.hcrc_ok && (h.kind > 30 || h.comp > 6 || h.os > 30 || h.arch > 30) {
            return None;
        }
        Some(Probe {
            length: Some(HEADER + h.size as u64),
            description: describe(&h),
        })
    }

    fn open(&self, src: SourceRef, ctx: &mut OpenCtx<'_>) -> Result<Opened> {
        let b = src
            .read_vec(0, HEADER as usize)
            .map_err(|e| Error::read(F, 0, e))?;
        let h = parse(&b).ok_or_else(|| Error::corrupt(F, 0, "bad magic"))?;
        if !h.hcrc_ok {
            ctx.warn(WarningCode::BadChecksum, 4, "header CRC does not match");
        }
        let avail = src.len() - HEADER;
        let size = h.size as u64;
        if size > avail {
            ctx.warn(
                WarningCode::Truncated,
                12,
                format!("header declares {size} data bytes, {avail} present"),
            );
        }
        let data = slice(&src, HEADER, size.min(avail));
        if size <= avail {
            let crc = crate::source::crc32_of(&*data).map_err(|e| Error::read(F, HEADER, e))?;
            if crc != h.dcrc {
                ctx.warn(
                    WarningCode::BadChecksum,
                    24,
                    format!(
                        "data CRC {crc:08x} does not match the header's {:08x}",
                        h.dcrc
                    ),
                );
            }
        }
        let (ext, hint, _) = compression(h.comp);
        let mut payloads = Vec::new();
        if h.kind == TYPE_MULTI {
            // A zero-terminated list of sizes, then the images, each padded to 4 bytes.
            let mut sizes = Vec::new();
            let mut pos = 0u64;
            loop {
                let Ok(w) = data.read_vec(pos, 4) else {
                    ctx.warn(
                        WarningCode::Truncated,
                        HEADER + pos,
                        "multi-image size list runs past the data",
                    );
                    break;
                };
                pos += 4;
                let n = be32(&w, 0) as u64;
                if n == 0 || sizes.len() >= 256 {
                    break;
                }
                sizes.push(n);
            }
            for (i, n) in sizes.into_iter().enumerate() {
                if pos + n > data.len() {
                    ctx.warn(
                        WarningCode::Truncated,
                        HEADER + pos,
                        format!("image {i} of {n} bytes runs past the data"),
                    );
                    break;
                }
                payloads.push(Payload {
                    name: format!("image-{i}.{ext}"),
                    source: slice(&data, pos, n),
                    offset: HEADER + pos,
                    hint,
                    carve: true,
                });
                pos += n.div_ceil(4) * 4;
            }
        } else {
            payloads.push(Payload {
                name: format!("{}.{ext}", type_name(h.kind)),
                source: data,
                offset: HEADER,
                hint,
                carve: true,
            });
        }
        Ok(Opened::Container {
            description: describe(&h),
            length: HEADER + size.min(avail),
            payloads,
        })
    }
}

fn describe(h: &Header) -> String {
    format!(
        "uImage {:?}: {} {} {}, {}, {} bytes, load {:#x}, entry {:#x}, created {}{}",
        crate::names::escape_bytes(&h.name),
        os_name(h.os),
        arch_name(h.arch),
        type_name(h.kind),
        compression(h.comp).2,
        h.size,
        h.load,
        h.entry,
        netvet_model::Date::from_unix_days(i64::from(h.time) / 86_400),
        if h.hcrc_ok { "" } else { ", header CRC wrong" }
    )
}
