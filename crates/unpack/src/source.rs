//! Random-access byte sources: the input file, slices of it, and spooled decompressed data.
//!
//! Every reader works on a [`Source`] through positioned reads, so no format needs the whole
//! image in memory and many threads can read one source at once without a lock.

use std::fs::File;
use std::io::{self, BufRead, Read, Seek, SeekFrom};
use std::os::unix::fs::FileExt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Bytes that can be read at any offset, from any thread.
pub trait Source: Send + Sync {
    /// Length in bytes.
    fn len(&self) -> u64;

    /// Reads up to `buf.len()` bytes at `offset`; returns 0 at or past the end.
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize>;

    /// True when the source has no bytes.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The whole content when it is already in memory (lets slices avoid copies).
    fn as_bytes(&self) -> Option<&[u8]> {
        None
    }
}

/// A shared source.
pub type SourceRef = Arc<dyn Source>;

/// Helpers over any [`Source`].
pub trait SourceExt {
    /// Fills `buf` from `offset` or fails with `UnexpectedEof`.
    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()>;
    /// Reads `len` bytes at `offset` into a new vector, failing past the end.
    fn read_vec(&self, offset: u64, len: usize) -> io::Result<Vec<u8>>;
    /// Reads up to `len` bytes at `offset` (fewer at the end of the source).
    fn read_upto(&self, offset: u64, len: usize) -> io::Result<Vec<u8>>;
    /// Feeds the whole source to `f` in chunks of up to 1 MiB (for hashes and checksums).
    fn for_each_chunk(&self, f: &mut dyn FnMut(&[u8])) -> io::Result<()>;
}

impl<S: Source + ?Sized> SourceExt for S {
    fn read_exact_at(&self, mut offset: u64, mut buf: &mut [u8]) -> io::Result<()> {
        while !buf.is_empty() {
            let n = self.read_at(offset, buf)?;
            if n == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!("read past end at offset {offset:#x}"),
                ));
            }
            offset += n as u64;
            buf = &mut buf[n..];
        }
        Ok(())
    }

    fn read_vec(&self, offset: u64, len: usize) -> io::Result<Vec<u8>> {
        let end = offset.checked_add(len as u64);
        if end.is_none_or(|end| end > self.len()) {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!(
                    "{len} bytes at offset {offset:#x} exceed the source ({} bytes)",
                    self.len()
                ),
            ));
        }
        let mut v = vec![0; len];
        self.read_exact_at(offset, &mut v)?;
        Ok(v)
    }

    fn read_upto(&self, offset: u64, len: usize) -> io::Result<Vec<u8>> {
        let avail = self.len().saturating_sub(offset).min(len as u64) as usize;
        self.read_vec(offset, avail)
    }

    fn for_each_chunk(&self, f: &mut dyn FnMut(&[u8])) -> io::Result<()> {
        if let Some(bytes) = self.as_bytes() {
            f(bytes);
            return Ok(());
        }
        let mut buf = vec![0u8; (1 << 20).min(self.len() as usize)];
        let mut pos = 0;
        while pos < self.len() {
            let n = (self.len() - pos).min(buf.len() as u64) as usize;
            self.read_exact_at(pos, &mut buf[..n])?;
            f(&buf[..n]);
            pos += n as u64;
        }
        Ok(())
    }
}

/// CRC-32 (IEEE) of a whole source.
pub fn crc32_of(src: &dyn Source) -> io::Result<u32> {
    let mut h = crc32fast::Hasher::new();
    src.for_each_chunk(&mut |b| h.update(b))?;
    Ok(h.finalize())
}

/// A borrowed source seen from `offset` on (for probes, which get a source and an offset).
pub struct At<'a>(pub &'a dyn Source, pub u64);

impl Source for At<'_> {
    fn len(&self) -> u64 {
        self.0.len().saturating_sub(self.1)
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        match self.1.checked_add(offset) {
            Some(o) => self.0.read_at(o, buf),
            None => Ok(0),
        }
    }
}

/// A file on disk, read with `pread`.
pub struct FileSource {
    file: File,
    len: u64,
}

impl FileSource {
    /// Wraps an open file; its length is taken now.
    pub fn new(file: File) -> io::Result<FileSource> {
        let len = file.metadata()?.len();
        Ok(FileSource { file, len })
    }
}

impl Source for FileSource {
    fn len(&self) -> u64 {
        self.len
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        if offset >= self.len {
            return Ok(0);
        }
        let max = (self.len - offset).min(buf.len() as u64) as usize;
        loop {
            match self.file.read_at(&mut buf[..max], offset) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                r => return r,
            }
        }
    }
}

/// Bytes in memory.
pub struct MemSource(Vec<u8>);

impl MemSource {
    pub fn new(bytes: Vec<u8>) -> MemSource {
        MemSource(bytes)
    }
}

impl Source for MemSource {
    fn len(&self) -> u64 {
        self.0.len() as u64
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        let Ok(start) = usize::try_from(offset) else {
            return Ok(0);
        };
        if start >= self.0.len() {
            return Ok(0);
        }
        let n = buf.len().min(self.0.len() - start);
        buf[..n].copy_from_slice(&self.0[start..start + n]);
        Ok(n)
    }

    fn as_bytes(&self) -> Option<&[u8]> {
        Some(&self.0)
    }
}

/// A window `[offset, offset + len)` of another source.
pub struct SliceSource {
    inner: SourceRef,
    offset: u64,
    len: u64,
}

impl Source for SliceSource {
    fn len(&self) -> u64 {
        self.len
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        if offset >= self.len {
            return Ok(0);
        }
        let max = (self.len - offset).min(buf.len() as u64) as usize;
        self.inner.read_at(self.offset + offset, &mut buf[..max])
    }

    fn as_bytes(&self) -> Option<&[u8]> {
        let all = self.inner.as_bytes()?;
        all.get(self.offset as usize..(self.offset + self.len) as usize)
    }
}

/// A window of `src`, clamped to its end. Slices of slices point at the original source.
pub fn slice(src: &SourceRef, offset: u64, len: u64) -> SourceRef {
    let offset = offset.min(src.len());
    let len = len.min(src.len() - offset);
    if offset == 0 && len == src.len() {
        return src.clone();
    }
    Arc::new(SliceSource {
        inner: src.clone(),
        offset,
        len,
    })
}

/// A `Read + Seek + BufRead` cursor over a region of a source, which tracks how many bytes
/// were consumed (so a stream decoder's compressed length is known exactly).
pub struct SourceReader {
    src: SourceRef,
    pos: u64,
    end: u64,
    buf: Box<[u8]>,
    buf_start: usize,
    buf_end: usize,
    fetched: Arc<AtomicU64>,
}

impl SourceReader {
    /// A reader over the whole source.
    pub fn new(src: SourceRef) -> SourceReader {
        let end = src.len();
        SourceReader::with_range(src, 0, end)
    }

    /// A reader over `[start, end)` of `src`.
    pub fn with_range(src: SourceRef, start: u64, end: u64) -> SourceReader {
        let end = end.min(src.len());
        SourceReader {
            src,
            pos: start.min(end),
            end,
            buf: vec![0; 256 * 1024].into_boxed_slice(),
            buf_start: 0,
            buf_end: 0,
            fetched: Arc::new(AtomicU64::new(0)),
        }
    }

    /// A counter of the bytes fetched from the source so far, readable while a decoder holds
    /// this reader (for compression-ratio checks).
    pub fn fetched(&self) -> Arc<AtomicU64> {
        self.fetched.clone()
    }

    /// Offset of the next byte that `read` or `fill_buf` will return.
    pub fn position(&self) -> u64 {
        self.pos - (self.buf_end - self.buf_start) as u64
    }
}

impl Read for SourceReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.buf_start == self.buf_end && out.len() >= self.buf.len() {
            // Large reads bypass the buffer.
            let max = (self.end - self.pos).min(out.len() as u64) as usize;
            let n = self.src.read_at(self.pos, &mut out[..max])?;
            self.pos += n as u64;
            self.fetched.fetch_add(n as u64, Ordering::Relaxed);
            return Ok(n);
        }
        let avail = self.fill_buf()?;
        let n = avail.len().min(out.len());
        out[..n].copy_from_slice(&avail[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for SourceReader {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.buf_start == self.buf_end {
            let max = (self.end - self.pos).min(self.buf.len() as u64) as usize;
            let n = if max == 0 {
                0
            } else {
                self.src.read_at(self.pos, &mut self.buf[..max])?
            };
            self.pos += n as u64;
            self.fetched.fetch_add(n as u64, Ordering::Relaxed);
            self.buf_start = 0;
            self.buf_end = n;
        }
        Ok(&self.buf[self.buf_start..self.buf_end])
    }

    fn consume(&mut self, amt: usize) {
        self.buf_start = (self.buf_start + amt).min(self.buf_end);
    }
}

impl Seek for SourceReader {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let cur = self.position() as i128;
        let target = match to {
            SeekFrom::Start(o) => o as i128,
            SeekFrom::End(d) => self.end as i128 + d as i128,
            SeekFrom::Current(d) => cur + d as i128,
        };
        if target < 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "seek before start",
            ));
        }
        self.pos = (target as u64).min(self.end);
        self.buf_start = 0;
        self.buf_end = 0;
        Ok(self.pos)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mem(bytes: &[u8]) -> SourceRef {
        Arc::new(MemSource::new(bytes.to_vec()))
    }

    #[test]
    fn slices_clamp_and_flatten() {
        let src = mem(b"0123456789");
        let s = slice(&src, 2, 5);
        assert_eq!(s.read_vec(0, 5).unwrap(), b"23456");
        let s2 = slice(&s, 1, 100);
        assert_eq!(s2.len(), 4);
        assert_eq!(s2.read_vec(0, 4).unwrap(), b"3456");
        assert!(s2.read_vec(2, 3).is_err());
        assert_eq!(s2.as_bytes(), Some(&b"3456"[..]));
    }

    #[test]
    fn read_vec_rejects_absurd_lengths_without_allocating() {
        let src = mem(b"abc");
        let e = src.read_vec(1, usize::MAX).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::UnexpectedEof);
        let e = src.read_vec(u64::MAX, 1).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::UnexpectedEof);
    }

    #[test]
    fn reader_tracks_consumed_position() {
        let src = mem(b"hello world");
        let mut r = SourceReader::with_range(src, 6, 11);
        let got = r.fill_buf().unwrap().to_vec();
        assert_eq!(got, b"world");
        r.consume(2);
        assert_eq!(r.position(), 8);
        let mut rest = String::new();
        r.read_to_string(&mut rest).unwrap();
        assert_eq!(rest, "rld");
        assert_eq!(r.position(), 11);
    }
}
