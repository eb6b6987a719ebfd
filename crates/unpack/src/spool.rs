//! Spooling: decoded data that must be read at random (a tar inside a gzip, a squashfs stored
//! compressed in another filesystem) is written once to memory, or to an unlinked temporary
//! file when large, and read back as a [`Source`].

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::PathBuf;
use std::sync::Arc;

use crate::source::{FileSource, MemSource, SourceRef};

/// Where spools go, and when they leave memory.
#[derive(Clone, Debug)]
pub struct Spooler {
    /// Directory for temporary files; the system's temporary directory when `None`.
    pub tmp_dir: Option<PathBuf>,
    /// Spools up to this many bytes stay in memory.
    pub memory_threshold: usize,
}

impl Default for Spooler {
    fn default() -> Spooler {
        Spooler {
            tmp_dir: None,
            memory_threshold: 32 << 20,
        }
    }
}

impl Spooler {
    /// Copies `reader` to the end into a new source. The caller meters the reader.
    pub fn spool(&self, reader: &mut dyn Read) -> io::Result<SourceRef> {
        match self.spool_partial(reader)? {
            (src, None) => Ok(src),
            (_, Some(e)) => Err(e),
        }
    }

    /// Like [`Spooler::spool`], but when reading fails midway the bytes read so far are kept
    /// and returned with the error (a truncated stream still yields its readable part).
    /// The outer error is for failures of the spool itself (temporary file I/O).
    pub fn spool_partial(
        &self,
        reader: &mut dyn Read,
    ) -> io::Result<(SourceRef, Option<io::Error>)> {
        let mut mem = Vec::new();
        let mut chunk = vec![0u8; 256 * 1024];
        loop {
            let n = match reader.read(&mut chunk) {
                Ok(0) => return Ok((Arc::new(MemSource::new(mem)), None)),
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Ok((Arc::new(MemSource::new(mem)), Some(e))),
            };
            mem.extend_from_slice(&chunk[..n]);
            if mem.len() > self.memory_threshold {
                break;
            }
        }
        let mut file = self.temp_file()?;
        file.write_all(&mem)?;
        drop(mem);
        let mut failure = None;
        loop {
            let n = match reader.read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    failure = Some(e);
                    break;
                }
            };
            file.write_all(&chunk[..n])?;
        }
        file.flush()?;
        Ok((Arc::new(FileSource::new(file)?), failure))
    }

    /// A new unnamed temporary file in the spool directory.
    pub(crate) fn temp_file(&self) -> io::Result<File> {
        match &self.tmp_dir {
            Some(dir) => tempfile::tempfile_in(dir),
            None => tempfile::tempfile(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceExt;

    #[test]
    fn large_spools_go_to_a_file_and_read_back() {
        let spooler = Spooler {
            tmp_dir: None,
            memory_threshold: 1000,
        };
        let data: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
        let src = spooler.spool(&mut &data[..]).unwrap();
        assert!(src.as_bytes().is_none(), "expected a file-backed spool");
        assert_eq!(src.len(), data.len() as u64);
        assert_eq!(src.read_vec(123_456, 10).unwrap(), data[123_456..123_466]);
    }

    #[test]
    fn small_spools_stay_in_memory() {
        let src = Spooler::default().spool(&mut &b"abc"[..]).unwrap();
        assert_eq!(src.as_bytes(), Some(&b"abc"[..]));
    }
}
