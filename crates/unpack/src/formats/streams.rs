//! Compressed streams: gzip, xz, zstd, bzip2, lz4 (frame), legacy lzma ("lzma alone"), and
//! Arcadyan's obfuscated lzma (routers' images whose lzma header is scrambled).
//!
//! Each probe checks the header and decodes a few KiB, so random bytes that happen to start
//! with a magic are rejected. Decoders read from a `BufRead` and consume exactly the bytes of
//! one stream, which gives the stream's compressed length for carving.

use std::io::{BufRead, Read};

use crate::error::{Error, Result};
use crate::format::{Format, Magic, OpenCtx, Opened, Probe, bytes::le32, bytes::le64};
use crate::source::{Source, SourceExt, SourceReader, SourceRef};

/// Output bytes a probe decodes to accept a candidate.
const PROBE_OUT: usize = 4096;
/// Input bytes a probe may consume.
const PROBE_IN: u64 = 256 * 1024;

/// Decodes a little of a stream to validate it: accepts when `PROBE_OUT` bytes (or the whole,
/// shorter stream) decode without error.
fn trial_decode(fmt: &dyn Format, src: &dyn Source, offset: u64, window: u64) -> bool {
    let Ok(head) = src.read_upto(offset, window as usize) else {
        return false;
    };
    let complete = head.len() as u64 == src.len() - offset;
    let mem: SourceRef = std::sync::Arc::new(crate::source::MemSource::new(head));
    let mut input = SourceReader::new(mem);
    let Ok(dec) = fmt.decoder(&mut input) else {
        return false;
    };
    let mut out = Vec::with_capacity(PROBE_OUT);
    match dec.take(PROBE_OUT as u64).read_to_end(&mut out) {
        Ok(n) => n > 0 || complete,
        // A stream cut short by the probe window is fine if something decoded.
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => !out.is_empty() && !complete,
        Err(_) => false,
    }
}

fn stream_probe(fmt: &dyn Format, src: &dyn Source, offset: u64, what: &str) -> Option<Probe> {
    // An LZ4 frame's first block may be 4 MiB; it decodes only once complete.
    let window = if fmt.id() == "lz4" {
        (4 << 20) + 64
    } else {
        PROBE_IN
    };
    trial_decode(fmt, src, offset, window).then(|| Probe {
        length: None,
        description: what.to_string(),
    })
}

/// gzip (RFC 1952), one member.
pub struct Gzip;

const GZ_FTEXT_RESERVED: u8 = 0xe0;

fn gzip_header_name(h: &[u8]) -> Option<Vec<u8>> {
    let flags = *h.get(3)?;
    let mut at = 10usize;
    if flags & 4 != 0 {
        let xlen = u16::from_le_bytes([*h.get(at)?, *h.get(at + 1)?]) as usize;
        at += 2 + xlen;
    }
    if flags & 8 != 0 {
        let rest = h.get(at..)?;
        let end = memchr::memchr(0, rest)?;
        return Some(rest[..end].to_vec());
    }
    None
}

impl Format for Gzip {
    fn id(&self) -> &'static str {
        "gzip"
    }
    fn extension(&self) -> &'static str {
        "gz"
    }
    fn magics(&self) -> &'static [Magic] {
        const { &[Magic::start(b"\x1f\x8b\x08")] }
    }
    fn probe(&self, src: &dyn Source, offset: u64) -> Option<Probe> {
        let h = src.read_vec(offset, 10).ok()?;
        if h[3] & GZ_FTEXT_RESERVED != 0 || !matches!(h[8], 0 | 2 | 4) {
            return None;
        }
        stream_probe(self, src, offset, "gzip stream")
    }
    fn open(&self, src: SourceRef, _ctx: &mut OpenCtx<'_>) -> Result<Opened> {
        let h = src
            .read_upto(0, 4096)
            .map_err(|e| Error::read("gzip", 0, e))?;
        let mtime = h.get(4..8).map(|b| le32(b, 0)).unwrap_or(0);
        let name = gzip_header_name(&h);
        let mut description = "gzip stream".to_string();
        if let Some(n) = &name {
            description.push_str(&format!(", name {:?}", crate::names::escape_bytes(n)));
        }
        if mtime != 0 {
            description.push_str(&format!(", mtime {mtime}"));
        }
        Ok(Opened::Stream { description, name })
    }
    fn decoder<'a>(&self, input: &'a mut SourceReader) -> Result<Box<dyn Read + 'a>> {
        Ok(Box::new(flate2::bufread::GzDecoder::new(input)))
    }
}

/// xz (one stream).
pub struct Xz;

impl Format for Xz {
    fn id(&self) -> &'static str {
        "xz"
    }
    fn magics(&self) -> &'static [Magic] {
        const { &[Magic::start(b"\xfd7zXZ\x00")] }
    }
    fn probe(&self, src: &dyn Source, offset: u64) -> Option<Probe> {
        let h = src.read_vec(offset, 12).ok()?;
        // Stream header: flags (2 bytes) protected by a CRC32.
        if crc32fast::hash(&h[6..8]) != le32(&h, 8) || h[6] != 0 || h[7] > 0x0f {
            return None;
        }
        stream_probe(self, src, offset, "xz stream")
    }
    fn open(&self, _src: SourceRef, _ctx: &mut OpenCtx<'_>) -> Result<Opened> {
        Ok(Opened::Stream {
            description: "xz stream".into(),
            name: None,
        })
    }
    fn decoder<'a>(&self, input: &'a mut SourceReader) -> Result<Box<dyn Read + 'a>> {
        Ok(Box::new(liblzma::bufread::XzDecoder::new(input)))
    }
}

/// Legacy LZMA ("lzma alone", as in `.lzma` files, uImage and many kernels). Its header has
/// no real magic, so it is only tried at the start of a file or when a container names it.
pub struct Lzma;

/// Dictionary sizes LZMA encoders write: 2^n or 2^n + 2^(n-1).
fn plausible_dict(d: u32) -> bool {
    (4096..=(1 << 30)).contains(&d) && {
        let t = d >> d.trailing_zeros();
        t == 1 || t == 3
    }
}

impl Format for Lzma {
    fn id(&self) -> &'static str {
        "lzma"
    }
    fn magics(&self) -> &'static [Magic] {
        const { &[Magic::start(b"\x5d\x00\x00")] }
    }
    fn weak(&self) -> bool {
        true
    }
    fn probe(&self, src: &dyn Source, offset: u64) -> Option<Probe> {
        let h = src.read_vec(offset, 13).ok()?;
        let size = le64(&h, 5);
        if h[0] >= 225 || !plausible_dict(le32(&h, 1)) || (size != u64::MAX && size > 1 << 36) {
            return None;
        }
        stream_probe(self, src, offset, "lzma stream")
    }
    fn open(&self, src: SourceRef, _ctx: &mut OpenCtx<'_>) -> Result<Opened> {
        let h = src.read_vec(0, 13).map_err(|e| Error::read("lzma", 0, e))?;
        let size = le64(&h, 5);
        let described = if size == u64::MAX {
            "size unknown".to_string()
        } else {
            format!("{size} bytes declared")
        };
        Ok(Opened::Stream {
            description: format!(
                "lzma stream, dictionary {} KiB, {described}",
                le32(&h, 1) / 1024
            ),
            name: None,
        })
    }
    fn decoder<'a>(&self, input: &'a mut SourceReader) -> Result<Box<dyn Read + 'a>> {
        let stream = liblzma::stream::Stream::new_lzma_decoder(1 << 30)
            .map_err(|e| Error::corrupt("lzma", 0, e.to_string()))?;
        Ok(Box::new(liblzma::bufread::XzDecoder::new_stream(
            input, stream,
        )))
    }
}

/// Arcadyan's obfuscated lzma: a 4-byte prefix, then an lzma-alone stream whose bytes 0–31
/// (image offsets 4–35) were swapped with image offsets 0x68–0x87 after each byte's nibbles
/// and each pair of bytes were swapped. The scrambled lzma header (`5d 00 00 80` reads
/// `00 d5 08 00`) sits at offset 0x68 of the image.
pub struct Arcadyan;

/// Where the two 32-byte blocks of an Arcadyan image lie.
const ARC_BLOCK1: usize = 4;
const ARC_BLOCK2: usize = 0x68;
const ARC_BLOCK: usize = 32;
/// The header the transformation touches: through the end of the second block.
pub(crate) const ARC_HEADER: usize = ARC_BLOCK2 + ARC_BLOCK;

/// Undoes (and, being an involution with the same block swap, also applies) Arcadyan's
/// scrambling of an image's first [`ARC_HEADER`] bytes.
pub(crate) fn arcadyan_unscramble(h: &mut [u8; ARC_HEADER]) {
    let mut b1 = [0u8; ARC_BLOCK];
    b1.copy_from_slice(&h[ARC_BLOCK1..ARC_BLOCK1 + ARC_BLOCK]);
    h.copy_within(ARC_BLOCK2..ARC_BLOCK2 + ARC_BLOCK, ARC_BLOCK1);
    h[ARC_BLOCK2..ARC_BLOCK2 + ARC_BLOCK].copy_from_slice(&b1);
    let block = &mut h[ARC_BLOCK1..ARC_BLOCK1 + ARC_BLOCK];
    for b in block.iter_mut() {
        *b = b.rotate_left(4);
    }
    for pair in block.chunks_exact_mut(2) {
        pair.swap(0, 1);
    }
}

impl Format for Arcadyan {
    fn id(&self) -> &'static str {
        "arcadyan"
    }
    fn extension(&self) -> &'static str {
        "bin"
    }
    fn magics(&self) -> &'static [Magic] {
        const {
            &[Magic {
                at: ARC_BLOCK2 as u64,
                bytes: b"\x00\xd5\x08\x00",
                align: 1,
            }]
        }
    }
    fn probe(&self, src: &dyn Source, offset: u64) -> Option<Probe> {
        let mut h = [0u8; ARC_HEADER];
        src.read_exact_at(offset, &mut h).ok()?;
        arcadyan_unscramble(&mut h);
        let l = &h[ARC_BLOCK1..];
        let size = le64(l, 5);
        if l[0] >= 225 || !plausible_dict(le32(l, 1)) || (size != u64::MAX && size > 1 << 36) {
            return None;
        }
        stream_probe(self, src, offset, "Arcadyan obfuscated lzma stream")
    }
    fn open(&self, src: SourceRef, _ctx: &mut OpenCtx<'_>) -> Result<Opened> {
        let mut h = [0u8; ARC_HEADER];
        src.read_exact_at(0, &mut h)
            .map_err(|e| Error::read("arcadyan", 0, e))?;
        arcadyan_unscramble(&mut h);
        Ok(Opened::Stream {
            description: format!(
                "Arcadyan obfuscated lzma stream, dictionary {} KiB",
                le32(&h[ARC_BLOCK1..], 1) / 1024
            ),
            name: None,
        })
    }
    fn decoder<'a>(&self, input: &'a mut SourceReader) -> Result<Box<dyn Read + 'a>> {
        let mut h = [0u8; ARC_HEADER];
        input
            .read_exact(&mut h)
            .map_err(|e| Error::read("arcadyan", 0, e))?;
        arcadyan_unscramble(&mut h);
        let head = std::io::Cursor::new(h[ARC_BLOCK1..].to_vec());
        let stream = liblzma::stream::Stream::new_lzma_decoder(1 << 30)
            .map_err(|e| Error::corrupt("arcadyan", 0, e.to_string()))?;
        Ok(Box::new(liblzma::bufread::XzDecoder::new_stream(
            head.chain(input),
            stream,
        )))
    }
}

/// Zstandard (one frame).
pub struct Zstd;

impl Format for Zstd {
    fn id(&self) -> &'static str {
        "zstd"
    }
    fn extension(&self) -> &'static str {
        "zst"
    }
    fn magics(&self) -> &'static [Magic] {
        const { &[Magic::start(b"\x28\xb5\x2f\xfd")] }
    }
    fn probe(&self, src: &dyn Source, offset: u64) -> Option<Probe> {
        let h = src.read_vec(offset, 5).ok()?;
        // Frame header descriptor: bit 3 is reserved and must be zero.
        if h[4] & 0x08 != 0 {
            return None;
        }
        stream_probe(self, src, offset, "zstd frame")
    }
    fn open(&self, _src: SourceRef, _ctx: &mut OpenCtx<'_>) -> Result<Opened> {
        Ok(Opened::Stream {
            description: "zstd frame".into(),
            name: None,
        })
    }
    fn decoder<'a>(&self, input: &'a mut SourceReader) -> Result<Box<dyn Read + 'a>> {
        let d = zstd::stream::read::Decoder::with_buffer(input)
            .map_err(|e| Error::corrupt("zstd", 0, e.to_string()))?
            .single_frame();
        Ok(Box::new(d))
    }
}

/// bzip2 (one stream).
pub struct Bzip2;

impl Format for Bzip2 {
    fn id(&self) -> &'static str {
        "bzip2"
    }
    fn extension(&self) -> &'static str {
        "bz2"
    }
    fn magics(&self) -> &'static [Magic] {
        const { &[Magic::start(b"BZh")] }
    }
    fn probe(&self, src: &dyn Source, offset: u64) -> Option<Probe> {
        let h = src.read_vec(offset, 10).ok()?;
        // Block size digit, then the first block's magic (pi) or the end-of-stream magic.
        if !(b'1'..=b'9').contains(&h[3])
            || (h[4..10] != *b"\x31\x41\x59\x26\x53\x59"
                && h[4..10] != *b"\x17\x72\x45\x38\x50\x90")
        {
            return None;
        }
        // A bzip2 block cannot be decoded before it is complete (up to 900 KB), so the 48-bit
        // block magic is the validation.
        Some(Probe {
            length: None,
            description: "bzip2 stream".into(),
        })
    }
    fn open(&self, _src: SourceRef, _ctx: &mut OpenCtx<'_>) -> Result<Opened> {
        Ok(Opened::Stream {
            description: "bzip2 stream".into(),
            name: None,
        })
    }
    fn decoder<'a>(&self, input: &'a mut SourceReader) -> Result<Box<dyn Read + 'a>> {
        Ok(Box::new(bzip2::bufread::BzDecoder::new(input)))
    }
}

/// LZ4 frame format.
pub struct Lz4;

impl Format for Lz4 {
    fn id(&self) -> &'static str {
        "lz4"
    }
    fn magics(&self) -> &'static [Magic] {
        const { &[Magic::start(b"\x04\x22\x4d\x18")] }
    }
    fn probe(&self, src: &dyn Source, offset: u64) -> Option<Probe> {
        let h = src.read_vec(offset, 7).ok()?;
        // FLG: version 01 in the top bits, reserved bit 1 clear; BD: only bits 4-6 used.
        if h[4] >> 6 != 1 || h[4] & 0x02 != 0 || h[5] & 0x8f != 0 {
            return None;
        }
        stream_probe(self, src, offset, "lz4 frame")
    }
    fn open(&self, _src: SourceRef, _ctx: &mut OpenCtx<'_>) -> Result<Opened> {
        Ok(Opened::Stream {
            description: "lz4 frame".into(),
            name: None,
        })
    }
    fn decoder<'a>(&self, input: &'a mut SourceReader) -> Result<Box<dyn Read + 'a>> {
        Ok(Box::new(lz4_flex::frame::FrameDecoder::new(OneFrame {
            inner: input,
        })))
    }
}

/// Passes bytes through; exists so the lz4 decoder reads through `BufRead` like the others.
struct OneFrame<'a> {
    inner: &'a mut SourceReader,
}

impl Read for OneFrame<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let avail = self.inner.fill_buf()?;
        let n = avail.len().min(buf.len());
        buf[..n].copy_from_slice(&avail[..n]);
        self.inner.consume(n);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::MemSource;
    use std::io::Write;
    use std::sync::Arc;

    fn gz(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn gzip_probe_accepts_real_streams_and_rejects_lookalikes() {
        let real = gz(b"hello firmware");
        assert!(Gzip.probe(&MemSource::new(real.clone()), 0).is_some());
        let mut fake = vec![0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 3];
        fake.extend([0xffu8; 64]);
        assert!(Gzip.probe(&MemSource::new(fake), 0).is_none());
    }

    #[test]
    fn decoders_consume_exactly_one_stream() {
        let mut data = gz(b"first");
        let len = data.len() as u64;
        data.extend(b"TRAILING GARBAGE");
        let src: SourceRef = Arc::new(MemSource::new(data));
        let mut input = SourceReader::new(src);
        let mut out = String::new();
        Gzip.decoder(&mut input)
            .unwrap()
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out, "first");
        assert_eq!(input.position(), len);
    }

    #[test]
    fn lzma_dictionary_sizes() {
        assert!(plausible_dict(1 << 23));
        assert!(plausible_dict(3 << 20));
        assert!(!plausible_dict(12345));
        assert!(!plausible_dict(0));
    }
}
