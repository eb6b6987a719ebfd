//! Limits on the work one image may cause, passed in as one value, and the shared budget that
//! enforces them while many threads unpack the same image.

use std::io::{self, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::error::{Error, LimitError, LimitKind, Result};

/// Bounds on the work that unpacking one input image may do. Hitting one yields a warning and
/// a partial tree, never a crash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Deepest nesting of images inside images (the input is depth 1).
    pub max_depth: u32,
    /// Bytes decompressed or extracted in total, over all nested images.
    pub max_total_bytes: u64,
    /// Entries in the tree, over all nested images.
    pub max_entries: u64,
    /// Largest ratio of decompressed to compressed bytes a stream may reach (after the first
    /// MiB), which stops decompression bombs early.
    pub max_ratio: u64,
    /// Wall-clock time for one input image, nested images included.
    pub max_time: Duration,
    /// Largest single file that is read or written.
    pub max_file_size: u64,
    /// Largest metadata structure (inode tables, directory tables, indexes) held in memory.
    pub max_metadata: u64,
}

impl Default for Limits {
    /// Defaults for a 2-core, 24 GiB machine: generous for real firmware (a few GiB unpacked,
    /// a few hundred thousand files), small enough that a hostile image cannot exhaust it.
    fn default() -> Limits {
        Limits {
            max_depth: 8,
            max_total_bytes: 16 << 30,
            max_entries: 2_000_000,
            max_ratio: 1_000,
            max_time: Duration::from_secs(600),
            max_file_size: 4 << 30,
            max_metadata: 256 << 20,
        }
    }
}

/// The running totals of one image, shared by every thread working on it.
#[derive(Debug)]
pub struct Budget {
    limits: Limits,
    bytes: AtomicU64,
    entries: AtomicU64,
    deadline: Instant,
    time_hit: AtomicBool,
}

impl Budget {
    /// A fresh budget whose clock starts now.
    pub fn new(limits: Limits) -> Arc<Budget> {
        let deadline = Instant::now() + limits.max_time;
        Arc::new(Budget {
            limits,
            bytes: AtomicU64::new(0),
            entries: AtomicU64::new(0),
            deadline,
            time_hit: AtomicBool::new(false),
        })
    }

    /// The limits this budget enforces.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Fails once the time for the image has run out.
    pub fn check_time(&self) -> Result<()> {
        if self.time_hit.load(Ordering::Relaxed) || Instant::now() >= self.deadline {
            self.time_hit.store(true, Ordering::Relaxed);
            return Err(Error::limit(
                LimitKind::Time,
                format!("{} s", self.limits.max_time.as_secs()),
            ));
        }
        Ok(())
    }

    /// True once the time limit was hit (by any thread).
    pub fn out_of_time(&self) -> bool {
        self.check_time().is_err()
    }

    /// Accounts `n` more extracted bytes; fails when the total would exceed the limit.
    pub fn take_bytes(&self, n: u64) -> Result<()> {
        let before = self.bytes.fetch_add(n, Ordering::Relaxed);
        if before.saturating_add(n) > self.limits.max_total_bytes {
            return Err(Error::limit(
                LimitKind::Bytes,
                format!("{} bytes", self.limits.max_total_bytes),
            ));
        }
        Ok(())
    }

    /// Accounts `n` more entries; fails when the total would exceed the limit.
    pub fn take_entries(&self, n: u64) -> Result<()> {
        let before = self.entries.fetch_add(n, Ordering::Relaxed);
        if before.saturating_add(n) > self.limits.max_entries {
            return Err(Error::limit(
                LimitKind::Entries,
                format!("{} entries", self.limits.max_entries),
            ));
        }
        Ok(())
    }

    /// Accounts up to `n` entries and returns how many fit under the limit.
    pub fn grant_entries(&self, n: u64) -> u64 {
        let mut cur = self.entries.load(Ordering::Relaxed);
        loop {
            let grant = n.min(self.limits.max_entries.saturating_sub(cur));
            match self.entries.compare_exchange_weak(
                cur,
                cur + grant,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => return grant,
                Err(actual) => cur = actual,
            }
        }
    }

    /// Fails when a metadata structure of `n` bytes may not be held in memory.
    pub fn check_metadata(&self, n: u64, what: &str) -> Result<()> {
        if n > self.limits.max_metadata {
            return Err(Error::limit(
                LimitKind::Metadata,
                format!("{what} of {n} bytes exceeds {}", self.limits.max_metadata),
            ));
        }
        Ok(())
    }

    /// Bytes accounted so far.
    pub fn bytes_used(&self) -> u64 {
        self.bytes.load(Ordering::Relaxed)
    }

    /// Entries accounted so far.
    pub fn entries_used(&self) -> u64 {
        self.entries.load(Ordering::Relaxed)
    }
}

/// A reader that charges every byte to the budget, enforces the per-file size limit and the
/// ratio limit against the compressed bytes consumed, and checks the clock now and then.
pub struct Metered<R, F: Fn() -> u64> {
    inner: R,
    budget: Arc<Budget>,
    produced: u64,
    /// Compressed bytes consumed so far (for the ratio check), when known.
    consumed: Option<F>,
    max: u64,
    since_clock: u64,
}

impl<R: Read> Metered<R, fn() -> u64> {
    /// Meters a reader that has no compressed input to compare against.
    pub fn new(inner: R, budget: Arc<Budget>) -> Self {
        let max = budget.limits.max_file_size;
        Metered {
            inner,
            budget,
            produced: 0,
            consumed: None,
            max,
            since_clock: 0,
        }
    }
}

impl<R: Read, F: Fn() -> u64> Metered<R, F> {
    /// Meters a decoder whose compressed input position `consumed` reports.
    pub fn with_ratio(inner: R, budget: Arc<Budget>, consumed: F) -> Self {
        let max = budget.limits.max_file_size;
        Metered {
            inner,
            budget,
            produced: 0,
            consumed: Some(consumed),
            max,
            since_clock: 0,
        }
    }

    /// Bytes produced so far.
    pub fn produced(&self) -> u64 {
        self.produced
    }

    /// The wrapped reader.
    pub fn into_inner(self) -> R {
        self.inner
    }
}

impl<R: Read, F: Fn() -> u64> Read for Metered<R, F> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.produced >= self.max {
            // One byte more tells a file that is exactly at the limit from a larger one.
            let mut probe = [0u8; 1];
            return match self.inner.read(&mut probe)? {
                0 => Ok(0),
                _ => Err(LimitError::into_io(
                    LimitKind::FileSize,
                    format!("{} bytes", self.max),
                )),
            };
        }
        let room = (self.max - self.produced).min(buf.len() as u64) as usize;
        let n = self.inner.read(&mut buf[..room])?;
        self.produced += n as u64;
        self.since_clock += n as u64;
        if self.since_clock >= 4 << 20 {
            self.since_clock = 0;
            if self.budget.out_of_time() {
                return Err(LimitError::into_io(LimitKind::Time, "while decoding"));
            }
        }
        if let Some(consumed) = &self.consumed
            && self.produced > 1 << 20
        {
            let c = consumed().max(1);
            if self.produced / c > self.budget.limits.max_ratio {
                return Err(LimitError::into_io(
                    LimitKind::Ratio,
                    format!(
                        "{} bytes from {c} compressed exceeds {}:1",
                        self.produced, self.budget.limits.max_ratio
                    ),
                ));
            }
        }
        if n > 0
            && let Err(e) = self.budget.take_bytes(n as u64)
        {
            return Err(LimitError::into_io(LimitKind::Bytes, e.to_string()));
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_size_limit_stops_reads() {
        let budget = Budget::new(Limits {
            max_file_size: 10,
            ..Limits::default()
        });
        let data = [7u8; 100];
        let mut r = Metered::new(&data[..], budget);
        let mut out = Vec::new();
        let e = r.read_to_end(&mut out).unwrap_err();
        assert_eq!(out.len(), 10);
        assert!(e.to_string().contains("single file size"), "{e}");
    }

    #[test]
    fn exact_size_at_limit_is_fine() {
        let budget = Budget::new(Limits {
            max_file_size: 10,
            ..Limits::default()
        });
        let data = [7u8; 10];
        let mut out = Vec::new();
        Metered::new(&data[..], budget)
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out.len(), 10);
    }

    #[test]
    fn total_bytes_are_shared_across_readers() {
        let budget = Budget::new(Limits {
            max_total_bytes: 15,
            ..Limits::default()
        });
        let data = [1u8; 10];
        let mut out = Vec::new();
        Metered::new(&data[..], budget.clone())
            .read_to_end(&mut out)
            .unwrap();
        let e = Metered::new(&data[..], budget)
            .read_to_end(&mut out)
            .unwrap_err();
        assert!(e.to_string().contains("total extracted bytes"), "{e}");
    }

    #[test]
    fn ratio_limit_trips_on_a_bomb() {
        let budget = Budget::new(Limits {
            max_ratio: 100,
            ..Limits::default()
        });
        let zeros = std::io::repeat(0).take(8 << 20);
        let mut r = Metered::with_ratio(zeros, budget, || 1000);
        let e = std::io::copy(&mut r, &mut std::io::sink()).unwrap_err();
        assert!(e.to_string().contains("compression ratio"), "{e}");
    }
}
