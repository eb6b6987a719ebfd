//! Flattened device trees: U-Boot FIT images (`/images/*` with embedded or external data,
//! compression and hashes, which are verified for crc32 and sha256) and plain device-tree
//! blobs (identified and described; they hold no payloads).

use netvet_model::WarningCode;
use sha2::Digest;

use crate::error::{Error, Result};
use crate::format::{Format, Magic, OpenCtx, Opened, Payload, Probe, bytes::be32, bytes::cstr};
use crate::source::{Source, SourceExt, SourceRef, slice};

const F: &str = "fit";
const HEADER: usize = 40;
const MAX_DEPTH: usize = 64;
const MAX_NODES: usize = 100_000;
/// Structure blocks larger than this are not parsed (FIT metadata is small).
const MAX_STRUCT: u64 = 16 << 20;

/// The FIT / device-tree reader.
pub struct Fit;

struct Node {
    name: String,
    /// Property name, offset of the value in the blob, length.
    props: Vec<(String, u64, usize)>,
    children: Vec<Node>,
}

impl Node {
    fn prop(&self, name: &str) -> Option<(u64, usize)> {
        self.props
            .iter()
            .find(|(n, _, _)| n == name)
            .map(|(_, o, l)| (*o, *l))
    }

    fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }
}

struct Blob {
    total: u64,
    root: Node,
}

fn parse(src: &dyn Source, ctx_warn: &mut dyn FnMut(u64, String)) -> Result<Blob> {
    let h = src.read_vec(0, HEADER).map_err(|e| Error::read(F, 0, e))?;
    if be32(&h, 0) != 0xd00d_feed {
        return Err(Error::corrupt(F, 0, "bad magic"));
    }
    let total = be32(&h, 4) as u64;
    let off_struct = be32(&h, 8) as u64;
    let off_strings = be32(&h, 12) as u64;
    let version = be32(&h, 20);
    let size_strings = be32(&h, 32) as u64;
    let size_struct = if version >= 17 {
        be32(&h, 36) as u64
    } else {
        total.saturating_sub(off_struct)
    };
    if off_struct >= total || off_strings > total || size_struct > MAX_STRUCT {
        return Err(Error::corrupt(F, 8, "structure block outside the blob"));
    }
    let st = src
        .read_vec(off_struct, size_struct.min(total - off_struct) as usize)
        .map_err(|e| Error::read(F, off_struct, e))?;
    let strings = src
        .read_vec(
            off_strings,
            size_strings.min(total - off_strings).min(MAX_STRUCT) as usize,
        )
        .map_err(|e| Error::read(F, off_strings, e))?;
    let mut pos = 0usize;
    let mut stack: Vec<Node> = Vec::new();
    let mut root = None;
    let mut nodes = 0usize;
    let bad = |at: usize, what: &str| Error::corrupt(F, off_struct + at as u64, what.to_string());
    loop {
        let tok = st
            .get(pos..pos + 4)
            .map(|b| be32(b, 0))
            .ok_or_else(|| bad(pos, "structure ends without FDT_END"))?;
        pos += 4;
        match tok {
            1 => {
                let rest = st.get(pos..).ok_or_else(|| bad(pos, "node name"))?;
                let name = cstr(rest);
                pos += (name.len() + 1).div_ceil(4) * 4;
                nodes += 1;
                if stack.len() >= MAX_DEPTH || nodes > MAX_NODES {
                    return Err(bad(pos, "nodes nested too deeply or too many"));
                }
                stack.push(Node {
                    name: crate::names::escape_component(name),
                    props: Vec::new(),
                    children: Vec::new(),
                });
            }
            2 => {
                let node = stack
                    .pop()
                    .ok_or_else(|| bad(pos, "unbalanced end of node"))?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(node),
                    None => root = Some(node),
                }
            }
            3 => {
                let hdr = st
                    .get(pos..pos + 8)
                    .ok_or_else(|| bad(pos, "property header"))?;
                let len = be32(hdr, 0) as usize;
                let nameoff = be32(hdr, 4) as usize;
                pos += 8;
                if pos + len > st.len() {
                    return Err(bad(pos, "property value runs past the structure block"));
                }
                let name = strings
                    .get(nameoff..)
                    .map(|s| String::from_utf8_lossy(cstr(s)).into_owned())
                    .unwrap_or_default();
                if let Some(node) = stack.last_mut() {
                    node.props.push((name, off_struct + pos as u64, len));
                } else {
                    ctx_warn(off_struct + pos as u64, "property outside any node".into());
                }
                pos += len.div_ceil(4) * 4;
            }
            4 => {}
            9 => break,
            other => return Err(bad(pos - 4, &format!("unknown token {other:#x}"))),
        }
    }
    let root = root.ok_or_else(|| Error::corrupt(F, off_struct, "no root node"))?;
    Ok(Blob { total, root })
}

fn string_prop(src: &dyn Source, node: &Node, name: &str) -> Option<String> {
    let (off, len) = node.prop(name)?;
    let v = src.read_vec(off, len.min(4096)).ok()?;
    Some(crate::names::escape_bytes(cstr(&v)))
}

fn u32_prop(src: &dyn Source, node: &Node, name: &str) -> Option<u64> {
    let (off, len) = node.prop(name)?;
    (len == 4).then(|| src.read_vec(off, 4).ok().map(|v| be32(&v, 0) as u64))?
}

/// Where an image node's data is: embedded (`data`) or external (`data-position`, or
/// `data-offset` counted from the 4-byte-aligned end of the tree), with its size.
fn data_location(src: &dyn Source, blob: &Blob, img: &Node) -> Option<(u64, u64)> {
    if let Some((off, len)) = img.prop("data") {
        return Some((off, len as u64));
    }
    let size = u32_prop(src, img, "data-size")?;
    let start = match (
        u32_prop(src, img, "data-position"),
        u32_prop(src, img, "data-offset"),
    ) {
        (Some(p), _) => p,
        (None, Some(o)) => blob.total.div_ceil(4) * 4 + o,
        (None, None) => return None,
    };
    Some((start, size))
}

/// The end of the last image's data that lies within the source.
fn external_end(src: &dyn Source, blob: &Blob, images: &Node) -> u64 {
    images
        .children
        .iter()
        .filter_map(|img| data_location(src, blob, img))
        .map(|(start, len)| start.saturating_add(len))
        .filter(|&end| end <= src.len())
        .max()
        .unwrap_or(0)
}

impl Format for Fit {
    fn id(&self) -> &'static str {
        F
    }

    fn extension(&self) -> &'static str {
        "dtb"
    }

    fn magics(&self) -> &'static [Magic] {
        const { &[Magic::start(b"\xd0\x0d\xfe\xed")] }
    }

    fn probe(&self, src: &dyn Source, offset: u64) -> Option<Probe> {
        let h = src.read_vec(offset, HEADER).ok()?;
        let total = be32(&h, 4) as u64;
        let off_struct = be32(&h, 8) as u64;
        let off_strings = be32(&h, 12) as u64;
        let off_rsv = be32(&h, 16) as u64;
        let version = be32(&h, 20);
        let last_comp = be32(&h, 24);
        let plausible = (HEADER as u64..=256 << 20).contains(&total)
            && off_struct < total
            && off_strings <= total
            && off_rsv < total
            && (1..=17).contains(&last_comp)
            && (16..=20).contains(&version);
        if !plausible {
            return None;
        }
        // FIT images may keep their data after the tree ("external data"); the image extends
        // to the end of the last such part.
        let at = crate::source::At(src, offset);
        let length = match parse(&at, &mut |_, _| {}) {
            Ok(blob) => blob
                .root
                .child("images")
                .map_or(total, |images| external_end(&at, &blob, images).max(total)),
            // A valid header over a broken tree is still a device tree; `open` says what
            // is wrong with it.
            Err(_) => total,
        };
        Some(Probe {
            length: Some(length),
            description: format!("flattened device tree v{version}, {total} bytes"),
        })
    }

    fn open(&self, src: SourceRef, ctx: &mut OpenCtx<'_>) -> Result<Opened> {
        let blob = parse(&*src, &mut |off, msg| {
            ctx.warn(WarningCode::Corrupt, off, msg)
        })?;
        let total = blob.total.min(src.len());
        let Some(images) = blob.root.child("images") else {
            let model = string_prop(&*src, &blob.root, "model").unwrap_or_default();
            let compatible = string_prop(&*src, &blob.root, "compatible").unwrap_or_default();
            return Ok(Opened::Container {
                description: format!(
                    "device tree blob, model {model:?}, compatible {compatible:?}"
                ),
                length: total,
                payloads: Vec::new(),
            });
        };
        let mut end = total;
        let mut payloads = Vec::new();
        for img in &images.children {
            let kind = string_prop(&*src, img, "type").unwrap_or_default();
            let comp = string_prop(&*src, img, "compression").unwrap_or_else(|| "none".into());
            let Some((start, len)) = data_location(&*src, &blob, img) else {
                ctx.warn(
                    WarningCode::Corrupt,
                    0,
                    format!("image {} has no data", img.name),
                );
                continue;
            };
            if start.saturating_add(len) > src.len() {
                ctx.warn(
                    WarningCode::Truncated,
                    start,
                    format!("image {} ({len} bytes) runs past the end", img.name),
                );
                continue;
            }
            end = end.max(start + len);
            let data = slice(&src, start, len);
            for h in img.children.iter().filter(|c| c.name.starts_with("hash")) {
                verify_hash(&*src, &*data, img, h, ctx);
            }
            let (ext, hint) = match comp.as_str() {
                "gzip" => ("gz", Some("gzip")),
                "bzip2" => ("bz2", Some("bzip2")),
                "lzma" => ("lzma", Some("lzma")),
                "lz4" => ("lz4", Some("lz4")),
                "zstd" => ("zst", Some("zstd")),
                "lzo" => ("lzo", None),
                _ if kind == "flat_dt" => ("dtb", None),
                _ => ("bin", None),
            };
            payloads.push(Payload {
                name: format!("{}.{ext}", img.name),
                source: data,
                offset: start,
                hint,
                carve: true,
            });
        }
        let desc = string_prop(&*src, &blob.root, "description").unwrap_or_default();
        Ok(Opened::Container {
            description: format!("FIT image {desc:?}, {} images", payloads.len()),
            length: end,
            payloads,
        })
    }
}

fn verify_hash(src: &dyn Source, data: &dyn Source, img: &Node, h: &Node, ctx: &mut OpenCtx<'_>) {
    let algo = string_prop(src, h, "algo").unwrap_or_default();
    let Some((off, len)) = h.prop("value") else {
        return;
    };
    let Ok(want) = src.read_vec(off, len.min(64)) else {
        return;
    };
    let got: Vec<u8> = match algo.as_str() {
        "crc32" => match crate::source::crc32_of(data) {
            Ok(c) => c.to_be_bytes().to_vec(),
            Err(_) => return,
        },
        "sha256" => {
            let mut h = sha2::Sha256::new();
            if data.for_each_chunk(&mut |b| h.update(b)).is_err() {
                return;
            }
            h.finalize().to_vec()
        }
        // sha1 and md5 are not verified (no implementation here); say so.
        other => {
            ctx.warn(
                WarningCode::Unsupported,
                off,
                format!("image {}: {other} hash not verified", img.name),
            );
            return;
        }
    };
    if got != want {
        ctx.warn(
            WarningCode::BadChecksum,
            off,
            format!("image {}: {algo} hash does not match", img.name),
        );
    }
}
