//! Block decompressors shared by the filesystem readers. Each decodes one self-contained block
//! into a buffer and refuses to produce more than the caller's maximum, so a hostile block
//! cannot grow beyond the size its format allows.

pub mod lzo;
pub mod rtime;

use std::io::Read;

/// A block compression method.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Codec {
    /// zlib-wrapped deflate (squashfs gzip, cramfs, JFFS2 zlib).
    Zlib,
    /// Deflate without a wrapper (UBIFS).
    RawDeflate,
    /// LZMA with the 13-byte "lzma alone" header.
    LzmaAlone,
    /// An xz stream.
    Xz,
    /// LZO1X.
    Lzo,
    /// An LZ4 block (no frame).
    Lz4Block,
    /// A zstd frame.
    Zstd,
    /// JFFS2's rtime.
    Rtime,
}

impl Codec {
    /// Short name for messages.
    pub fn name(self) -> &'static str {
        match self {
            Codec::Zlib => "zlib",
            Codec::RawDeflate => "deflate",
            Codec::LzmaAlone => "lzma",
            Codec::Xz => "xz",
            Codec::Lzo => "lzo",
            Codec::Lz4Block => "lz4",
            Codec::Zstd => "zstd",
            Codec::Rtime => "rtime",
        }
    }

    /// Decodes `input` into `out` (cleared first), producing at most `max` bytes.
    /// `expected` is the exact output size when the format records it (needed by rtime).
    pub fn decompress(
        self,
        input: &[u8],
        out: &mut Vec<u8>,
        max: usize,
        expected: Option<usize>,
    ) -> Result<(), String> {
        out.clear();
        match self {
            Codec::Zlib => read_capped(flate2::read::ZlibDecoder::new(input), out, max),
            Codec::RawDeflate => read_capped(flate2::read::DeflateDecoder::new(input), out, max),
            Codec::LzmaAlone => {
                let stream = liblzma::stream::Stream::new_lzma_decoder(128 << 20)
                    .map_err(|e| e.to_string())?;
                read_capped(
                    liblzma::read::XzDecoder::new_stream(input, stream),
                    out,
                    max,
                )
            }
            Codec::Xz => {
                let stream = liblzma::stream::Stream::new_stream_decoder(128 << 20, 0)
                    .map_err(|e| e.to_string())?;
                read_capped(
                    liblzma::read::XzDecoder::new_stream(input, stream),
                    out,
                    max,
                )
            }
            Codec::Lzo => lzo::decompress(input, out, max),
            Codec::Lz4Block => {
                out.resize(max, 0);
                match lz4_flex::block::decompress_into(input, out) {
                    Ok(n) => {
                        out.truncate(n);
                        Ok(())
                    }
                    Err(e) => Err(e.to_string()),
                }
            }
            Codec::Zstd => {
                let mut d = zstd::stream::read::Decoder::with_buffer(input)
                    .map_err(|e| e.to_string())?
                    .single_frame();
                d.window_log_max(27).map_err(|e| e.to_string())?;
                read_capped(d, out, max)
            }
            Codec::Rtime => rtime::decompress(input, out, expected.unwrap_or(max).min(max)),
        }
    }
}

fn read_capped<R: Read>(r: R, out: &mut Vec<u8>, max: usize) -> Result<(), String> {
    let mut limited = r.take(max as u64 + 1);
    limited.read_to_end(out).map_err(|e| e.to_string())?;
    if out.len() > max {
        out.truncate(max);
        return Err(format!("block decodes to more than {max} bytes"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn zlib_block_bomb_is_capped() {
        let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        e.write_all(&vec![0u8; 1 << 20]).unwrap();
        let bomb = e.finish().unwrap();
        let mut out = Vec::new();
        let err = Codec::Zlib
            .decompress(&bomb, &mut out, 4096, None)
            .unwrap_err();
        assert!(err.contains("more than 4096"), "{err}");
        assert_eq!(out.len(), 4096);
    }

    #[test]
    fn xz_round_trip() {
        let data = b"netvet squashfs block".repeat(100);
        let mut e = liblzma::write::XzEncoder::new(Vec::new(), 6);
        e.write_all(&data).unwrap();
        let packed = e.finish().unwrap();
        let mut out = Vec::new();
        Codec::Xz
            .decompress(&packed, &mut out, data.len(), None)
            .unwrap();
        assert_eq!(out, data);
    }

    #[test]
    fn lz4_and_zstd_round_trip() {
        let data = b"0123456789abcdef".repeat(500);
        let packed = lz4_flex::block::compress(&data);
        let mut out = Vec::new();
        Codec::Lz4Block
            .decompress(&packed, &mut out, data.len(), None)
            .unwrap();
        assert_eq!(out, data);
        let packed = zstd::bulk::compress(&data, 3).unwrap();
        Codec::Zstd
            .decompress(&packed, &mut out, data.len(), None)
            .unwrap();
        assert_eq!(out, data);
    }
}
