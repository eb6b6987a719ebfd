//! The read path shared by virtual disks whose clusters are mapped by tables (qcow2, VMDK
//! sparse extents).
//!
//! A [`Disk`] is a [`Source`] of the disk's virtual size. A read maps each cluster through the
//! format's [`Layout`] to zeros, bytes stored in the image file, or a compressed cluster, which
//! is decoded whole into a small in-memory cache. Nothing is decoded ahead, so a disk of any
//! virtual size costs the memory of its tables and of the cache.
//!
//! A disk is read several times over (the visitor reads it, then each partition, the
//! filesystems read their files, and every layer is hashed), so each decoded cluster is also
//! written once to an unnamed temporary file of the spooler, as decompressed streams are, and
//! read back from there instead of being decoded again.
//!
//! Decoding is accounted like the stream readers account theirs: every decoded cluster is
//! charged to the [`Budget`] (total bytes, and the clock), and the ratio of bytes decoded to
//! compressed bytes read may not exceed the compression-ratio limit once a MiB was decoded.
//! Errors travel inside `io::Error` (see [`io_error`]) and name the format and the offset in
//! the image file.

use std::collections::HashMap;
use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use crate::error::{Error, LimitError, LimitKind, Result};
use crate::format::io_error;
use crate::limits::Budget;
use crate::source::{Source, SourceRef};
use crate::spool::Spooler;

/// Where one cluster of the virtual disk is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Cluster {
    /// Unallocated or explicitly zero: reads as zeros.
    Zero,
    /// Stored uncompressed at this offset of the image file. A cluster cut short by the end
    /// of the file reads as zeros past it.
    Stored(u64),
    /// 32 equal subclusters (qcow2 extended L2 entries): subcluster `i` is stored at
    /// `host + i * size / 32` when bit `i` of `alloc` is set, and reads as zeros otherwise.
    Split { host: u64, alloc: u32 },
    /// Compressed data starting at `offset` of the image file, at most `len` bytes long.
    Compressed { offset: u64, len: u64 },
}

/// A format's cluster map.
pub(crate) trait Layout: Send + Sync + 'static {
    /// The format id, for messages.
    fn format(&self) -> &'static str;

    /// log2 of the cluster size (9..=21).
    fn cluster_bits(&self) -> u32;

    /// Where virtual cluster `index` is.
    fn cluster(&self, index: u64) -> Cluster;

    /// Decodes compressed cluster `index`, whose data starts at `offset` of `src` and is at
    /// most `len` bytes long, into `out`. `out` is one byte longer than a cluster, so that a
    /// cluster decoding to more than its size is told apart; returns the bytes written to
    /// `out` and the compressed bytes read.
    fn decode(
        &self,
        src: &dyn Source,
        index: u64,
        offset: u64,
        len: u64,
        out: &mut [u8],
    ) -> Result<(usize, u64)>;
}

/// Decoded clusters kept per disk, by bytes and by count.
const CACHE_BYTES: u64 = 16 << 20;
const CACHE_MAX_ENTRIES: u64 = 256;
const CACHE_MIN_ENTRIES: u64 = 4;
/// Bytes decoded before the ratio limit applies (as in `Metered`).
const RATIO_GRACE: u64 = 1 << 20;
/// Decoded clusters written to the temporary file at most (the index costs memory).
const SPILL_MAX_ENTRIES: usize = 1 << 20;

/// A virtual disk read through its cluster map.
pub(crate) struct Disk<L: Layout> {
    src: SourceRef,
    layout: L,
    len: u64,
    budget: Arc<Budget>,
    cache: Mutex<Cache>,
    spill: Mutex<Spill>,
    /// Bytes decoded and compressed bytes read for them, over all decodes.
    decoded: AtomicU64,
    consumed: AtomicU64,
}

#[derive(Default)]
struct Cache {
    map: HashMap<u64, (Arc<[u8]>, u64)>,
    tick: u64,
    capacity: usize,
}

impl Cache {
    fn get(&mut self, key: u64) -> Option<Arc<[u8]>> {
        self.tick += 1;
        let tick = self.tick;
        self.map.get_mut(&key).map(|(data, used)| {
            *used = tick;
            data.clone()
        })
    }

    fn put(&mut self, key: u64, data: Arc<[u8]>) {
        if self.map.len() >= self.capacity
            && let Some(oldest) = self
                .map
                .iter()
                .min_by_key(|(_, (_, t))| *t)
                .map(|(k, _)| *k)
        {
            self.map.remove(&oldest);
        }
        self.tick += 1;
        self.map.insert(key, (data, self.tick));
    }
}

/// Decoded clusters written to a temporary file, by the offset of their compressed data.
struct Spill {
    spooler: Option<Spooler>,
    file: Option<Arc<File>>,
    index: HashMap<u64, u64>,
    end: u64,
}

impl Spill {
    /// Where the cluster whose data is at `key` was written, when it was.
    fn find(&self, key: u64) -> Option<(Arc<File>, u64)> {
        Some((self.file.clone()?, *self.index.get(&key)?))
    }

    /// Writes a decoded cluster; on any failure, stops spilling (clusters are then decoded
    /// again when needed).
    fn keep(&mut self, key: u64, data: &[u8]) {
        if self.index.len() >= SPILL_MAX_ENTRIES {
            return;
        }
        if self.file.is_none() {
            let Some(spooler) = self.spooler.take() else {
                return;
            };
            match spooler.temp_file() {
                Ok(f) => self.file = Some(Arc::new(f)),
                Err(_) => return,
            }
        }
        let Some(file) = &self.file else {
            return;
        };
        if file.write_all_at(data, self.end).is_err() {
            self.file = None;
            return;
        }
        self.index.insert(key, self.end);
        self.end += data.len() as u64;
    }
}

impl<L: Layout> Disk<L> {
    /// A disk of `len` bytes over the image file `src`; decoded clusters are kept in a
    /// temporary file of `spooler`, when one is given.
    pub(crate) fn new(
        src: SourceRef,
        layout: L,
        len: u64,
        budget: Arc<Budget>,
        spooler: Option<Spooler>,
    ) -> Disk<L> {
        let size = 1u64 << layout.cluster_bits();
        let capacity = (CACHE_BYTES / size).clamp(CACHE_MIN_ENTRIES, CACHE_MAX_ENTRIES) as usize;
        Disk {
            src,
            layout,
            len,
            budget,
            cache: Mutex::new(Cache {
                capacity,
                ..Cache::default()
            }),
            spill: Mutex::new(Spill {
                spooler,
                file: None,
                index: HashMap::new(),
                end: 0,
            }),
            decoded: AtomicU64::new(0),
            consumed: AtomicU64::new(0),
        }
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, Cache> {
        self.cache.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn spill(&self) -> std::sync::MutexGuard<'_, Spill> {
        self.spill.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The decoded content of compressed cluster `index`, from the cache or decoded now.
    fn compressed(&self, index: u64, offset: u64, len: u64) -> io::Result<Arc<[u8]>> {
        if let Some(hit) = self.cache().get(offset) {
            return Ok(hit);
        }
        let format = self.layout.format();
        let size = 1usize << self.layout.cluster_bits();
        let mut out = vec![0u8; size + 1];
        let spilled = self.spill().find(offset);
        if let Some((file, at)) = spilled {
            if file.read_exact_at(&mut out[..size], at).is_ok() {
                out.truncate(size);
                let data: Arc<[u8]> = out.into();
                self.cache().put(offset, data.clone());
                return Ok(data);
            }
            out.fill(0);
        }
        let (n, used) = self
            .layout
            .decode(&*self.src, index, offset, len, &mut out)
            .map_err(io_error)?;
        if n > size {
            return Err(io_error(Error::corrupt(
                format,
                offset,
                format!(
                    "compressed cluster {index} inflates beyond the cluster size ({size} bytes)"
                ),
            )));
        }
        out.truncate(size);
        // The last cluster of a disk whose size is not a multiple of the cluster size may
        // decode short; anything else must fill its cluster.
        let needed = (self.len - (index << self.layout.cluster_bits())).min(size as u64) as usize;
        if n < needed {
            return Err(io_error(Error::corrupt(
                format,
                offset,
                format!("compressed cluster {index} decodes to {n} bytes, not {needed}"),
            )));
        }
        self.account(size as u64, used)?;
        self.spill().keep(offset, &out);
        let data: Arc<[u8]> = out.into();
        self.cache().put(offset, data.clone());
        Ok(data)
    }

    /// Decodes in parallel the compressed clusters of `[offset, offset + n)` that are
    /// neither cached nor spilled, when there are several (hashing and visitors read a MiB at
    /// a time). Errors are left for the read itself to meet and report.
    fn prefetch(&self, offset: u64, n: usize) {
        use rayon::prelude::*;
        let bits = self.layout.cluster_bits();
        let (first, last) = (offset >> bits, (offset + n as u64 - 1) >> bits);
        if first == last {
            return;
        }
        let missing: Vec<(u64, u64, u64)> = {
            let mut cache = self.cache();
            let spill = self.spill();
            (first..=last)
                .filter_map(|i| match self.layout.cluster(i) {
                    Cluster::Compressed { offset, len }
                        if cache.get(offset).is_none() && spill.find(offset).is_none() =>
                    {
                        Some((i, offset, len))
                    }
                    _ => None,
                })
                .collect()
        };
        // Only what the cache holds at once, or the first decoded would be evicted again.
        let room = self.cache().capacity;
        if missing.len() > 1 && missing.len() <= room {
            missing.par_iter().for_each(|&(i, at, len)| {
                let _ = self.compressed(i, at, len);
            });
        }
    }

    /// Charges a decoded cluster to the budget and checks the ratio limit.
    fn account(&self, decoded: u64, used: u64) -> io::Result<()> {
        if let Err(e) = self.budget.take_bytes(decoded) {
            return Err(LimitError::into_io(LimitKind::Bytes, e.to_string()));
        }
        let total = self.decoded.fetch_add(decoded, Ordering::Relaxed) + decoded;
        let read = self.consumed.fetch_add(used, Ordering::Relaxed) + used;
        let max = self.budget.limits().max_ratio;
        if total > RATIO_GRACE && total / read.max(1) > max {
            return Err(LimitError::into_io(
                LimitKind::Ratio,
                format!(
                    "{} virtual disk: {total} bytes decoded from {read} compressed exceeds {max}:1",
                    self.layout.format()
                ),
            ));
        }
        Ok(())
    }

    /// Fills `out` from the image file at `host`; bytes past the end of the file are zeros.
    fn stored(&self, host: u64, out: &mut [u8]) -> io::Result<()> {
        let mut done = 0;
        while done < out.len() {
            let at = host + done as u64;
            let n = self
                .src
                .read_at(at, &mut out[done..])
                .map_err(|e| io_error(Error::read(self.layout.format(), at, e)))?;
            if n == 0 {
                out[done..].fill(0);
                break;
            }
            done += n;
        }
        Ok(())
    }
}

impl<L: Layout> Source for Disk<L> {
    fn len(&self) -> u64 {
        self.len
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        if offset >= self.len || buf.is_empty() {
            return Ok(0);
        }
        // The disk may be far larger than the file: its readers (carving, hashing) are
        // bounded by the clock.
        if self.budget.out_of_time() {
            return Err(LimitError::into_io(
                LimitKind::Time,
                format!("while reading a {} virtual disk", self.layout.format()),
            ));
        }
        let bits = self.layout.cluster_bits();
        let size = 1u64 << bits;
        let n = (self.len - offset).min(buf.len() as u64) as usize;
        self.prefetch(offset, n);
        let mut done = 0usize;
        while done < n {
            let pos = offset + done as u64;
            let index = pos >> bits;
            let within = pos & (size - 1);
            let take = ((size - within) as usize).min(n - done);
            let out = &mut buf[done..done + take];
            match self.layout.cluster(index) {
                Cluster::Zero => out.fill(0),
                Cluster::Stored(host) => self.stored(host + within, out)?,
                Cluster::Split { host, alloc } => {
                    let part = size / 32;
                    let mut at = 0usize;
                    while at < take {
                        let w = within + at as u64;
                        let i = w / part;
                        let len = ((part - w % part) as usize).min(take - at);
                        let piece = &mut out[at..at + len];
                        if alloc & (1 << i) != 0 {
                            self.stored(host + w, piece)?;
                        } else {
                            piece.fill(0);
                        }
                        at += len;
                    }
                }
                Cluster::Compressed { offset: at, len } => {
                    let data = self.compressed(index, at, len)?;
                    out.copy_from_slice(&data[within as usize..within as usize + take]);
                }
            }
            done += take;
        }
        Ok(n)
    }
}

/// Raw deflate (RFC 1951) of one cluster into `out`: returns bytes written and read. Data after
/// the end of the deflate stream (sector padding) is ignored.
pub(crate) fn inflate(input: &[u8], out: &mut [u8], zlib_header: bool) -> io::Result<(usize, u64)> {
    use flate2::{Decompress, FlushDecompress, Status};
    let mut d = Decompress::new(zlib_header);
    loop {
        let (i, o) = (d.total_in() as usize, d.total_out() as usize);
        let status = d
            .decompress(&input[i..], &mut out[o..], FlushDecompress::Finish)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
        let progress = d.total_in() as usize != i || d.total_out() as usize != o;
        if status == Status::StreamEnd || !progress || d.total_out() as usize == out.len() {
            break;
        }
    }
    Ok((d.total_out() as usize, d.total_in()))
}

/// One zstd frame of one cluster into `out`: returns bytes written and read.
pub(crate) fn unzstd(input: &[u8], out: &mut [u8]) -> io::Result<(usize, u64)> {
    use zstd::stream::raw::{DParameter, Decoder, Operation};
    let mut d = Decoder::new()?;
    // A cluster is at most 2 MiB: a frame asking for a larger window is not one of ours, and
    // must not make the decoder allocate it.
    d.set_parameter(DParameter::WindowLogMax(23))?;
    let (mut read, mut written) = (0usize, 0usize);
    loop {
        let s = d.run_on_buffers(&input[read..], &mut out[written..])?;
        read += s.bytes_read;
        written += s.bytes_written;
        if s.remaining == 0 || written == out.len() || s.bytes_read + s.bytes_written == 0 {
            break;
        }
    }
    Ok((written, read as u64))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::Limits;
    use crate::source::{MemSource, SourceExt};

    /// Clusters of 512 bytes: 0 zero, 1 stored at 512, 2 compressed at 1024, 3 split.
    struct Toy(u64);

    impl Layout for Toy {
        fn format(&self) -> &'static str {
            "toy"
        }
        fn cluster_bits(&self) -> u32 {
            9
        }
        fn cluster(&self, index: u64) -> Cluster {
            match index {
                1 => Cluster::Stored(512),
                2 => Cluster::Compressed {
                    offset: 1024,
                    len: self.0,
                },
                3 => Cluster::Split {
                    host: 512,
                    alloc: 0b10,
                },
                _ => Cluster::Zero,
            }
        }
        fn decode(
            &self,
            src: &dyn Source,
            _index: u64,
            offset: u64,
            len: u64,
            out: &mut [u8],
        ) -> Result<(usize, u64)> {
            let data = src
                .read_upto(offset, len as usize)
                .map_err(|e| Error::read("toy", offset, e))?;
            inflate(&data, out, false).map_err(|e| Error::read("toy", offset, e))
        }
    }

    fn deflate(data: &[u8]) -> Vec<u8> {
        use std::io::Write;
        let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn image(compressed: &[u8]) -> SourceRef {
        let mut img = vec![0u8; 512];
        img.extend((0..512u32).map(|i| (i % 251) as u8));
        img.extend(compressed);
        Arc::new(MemSource::new(img))
    }

    #[test]
    fn maps_zero_stored_compressed_and_split_clusters() {
        let plain: Vec<u8> = (0..512u32).map(|i| (i % 7) as u8).collect();
        let z = deflate(&plain);
        let disk = Disk::new(
            image(&z),
            Toy(z.len() as u64),
            4 * 512,
            Budget::new(Limits::default()),
            None,
        );
        let all = disk.read_vec(0, 2048).unwrap();
        assert!(all[..512].iter().all(|&b| b == 0));
        assert_eq!(all[512], 0);
        assert_eq!(all[600], 88);
        assert_eq!(&all[1024..1536], &plain[..]);
        // Split: subcluster 1 (bytes 16..32) stored at 512 + 16.
        assert!(all[1536..1552].iter().all(|&b| b == 0));
        assert_eq!(all[1552], 16);
        assert!(all[1568..].iter().all(|&b| b == 0));
    }

    #[test]
    fn decoded_clusters_are_spilled_and_not_decoded_again() {
        let plain: Vec<u8> = (0..512u32).map(|i| (i % 13) as u8).collect();
        let z = deflate(&plain);
        let disk = Disk::new(
            image(&z),
            Toy(z.len() as u64),
            4 * 512,
            Budget::new(Limits::default()),
            Some(crate::spool::Spooler::default()),
        );
        for _ in 0..3 {
            disk.cache().map.clear();
            assert_eq!(disk.read_vec(1024, 512).unwrap(), plain);
        }
        assert_eq!(disk.decoded.load(Ordering::Relaxed), 512);
        assert_eq!(disk.spill().index.len(), 1);
    }

    #[test]
    fn a_cluster_inflating_beyond_its_size_is_an_error() {
        let z = deflate(&[1u8; 600]);
        let disk = Disk::new(
            image(&z),
            Toy(z.len() as u64),
            4 * 512,
            Budget::new(Limits::default()),
            None,
        );
        let e = disk.read_vec(1024, 10).unwrap_err();
        let e = crate::format::from_io("toy", 0, e);
        assert!(
            e.to_string().contains("inflates beyond the cluster size"),
            "{e}"
        );
    }

    #[test]
    fn decoding_is_held_to_the_ratio_limit() {
        let z = deflate(&[0u8; 512]);
        let budget = Budget::new(Limits {
            max_ratio: 2,
            ..Limits::default()
        });
        let disk = Disk::new(image(&z), Toy(z.len() as u64), 4 * 512, budget, None);
        // One cluster is below the grace amount; decode it enough times to pass it.
        let mut last = Ok(());
        for _ in 0..3000 {
            disk.cache().map.clear();
            last = disk.read_vec(1024, 512).map(|_| ());
            if last.is_err() {
                break;
            }
        }
        let e = crate::format::from_io("toy", 0, last.unwrap_err());
        assert_eq!(e.limit_kind(), Some(LimitKind::Ratio), "{e}");
    }
}
