//! The read-only virtual filesystem over an unpacked image.
//!
//! Paths are virtual: `update.tar.gz!/rootfs.squashfs!/etc/shadow` names `/etc/shadow` inside
//! the squashfs stored in the tar inside the gzip. Content is read lazily from the image (or
//! from spooled decoded data); nothing is written to disk.

use std::io::{self, Read};
use std::sync::Arc;

use netvet_model::{EntryKind, ImageReport};

use crate::error::{Error, Result};
use crate::format::{Data, from_io};
use crate::limits::{Budget, Metered};
use crate::source::{SourceReader, SourceRef};
use crate::spool::Spooler;

/// How an entry came to be in the tree.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Origin {
    /// A member of an archive or filesystem.
    Member,
    /// A region carved out of a raw blob (a copy of bytes of its parent file).
    Carved,
    /// A part of a container (uImage, FIT, TRX, UBI volume).
    Payload,
    /// The decoded output of a compressed stream. `from_member` is true when the stream was
    /// itself an archive member (a `.gz` file in a filesystem) rather than carved or a payload.
    Decoded { from_member: bool },
}

/// One entry of the tree.
#[derive(Clone)]
pub struct Entry {
    /// Full virtual path.
    pub path: String,
    pub kind: EntryKind,
    /// Permission bits including setuid, setgid and sticky.
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub mtime: i64,
    pub size: u64,
    /// Symlink target as stored (escaped like names), or the full virtual path of a hard
    /// link's target.
    pub link_target: Option<String>,
    pub device: Option<(u32, u32)>,
    pub xattrs: Vec<(String, Vec<u8>)>,
    /// Layer this entry belongs to (index into the report's layers).
    pub layer: u32,
    /// Layer opened from this entry's content, when it is an image itself.
    pub nested: Option<u32>,
    pub origin: Origin,
    pub(crate) data: Data,
}

impl Entry {
    /// True for regular files and hard links to them.
    pub fn is_file(&self) -> bool {
        matches!(self.kind, EntryKind::File | EntryKind::HardLink)
    }

    /// The last path component.
    pub fn name(&self) -> &str {
        let p = self.path.rsplit_once("!/").map_or(&*self.path, |(_, r)| r);
        p.rsplit_once('/').map_or(p, |(_, n)| n)
    }

    /// The path of the image this entry lives in (everything before the last `!/`).
    pub fn image_root(&self) -> &str {
        image_root(&self.path)
    }
}

impl std::fmt::Debug for Entry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Entry")
            .field("path", &self.path)
            .field("kind", &self.kind)
            .field("mode", &format_args!("{:o}", self.mode))
            .field("uid", &self.uid)
            .field("gid", &self.gid)
            .field("size", &self.size)
            .field("link_target", &self.link_target)
            .field("layer", &self.layer)
            .field("nested", &self.nested)
            .field("origin", &self.origin)
            .finish()
    }
}

/// The part of a virtual path before its last `!/`.
pub fn image_root(path: &str) -> &str {
    path.rsplit_once("!/").map_or("", |(root, _)| root)
}

/// An unpacked image: its entries (sorted by path) and its layer report.
pub struct Tree {
    pub(crate) entries: Vec<Entry>,
    pub(crate) report: ImageReport,
    pub(crate) budget: Arc<Budget>,
    pub(crate) spooler: Spooler,
}

impl Tree {
    /// The layer report.
    pub fn report(&self) -> &ImageReport {
        &self.report
    }

    /// All entries, sorted by path.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The entry at exactly this virtual path (no links followed).
    pub fn get(&self, path: &str) -> Option<&Entry> {
        self.entries
            .binary_search_by(|e| e.path.as_str().cmp(path))
            .ok()
            .map(|i| &self.entries[i])
    }

    /// Entries directly inside directory `dir` (a virtual path, or `image!/` for an image's
    /// root).
    pub fn children<'a>(&'a self, dir: &str) -> impl Iterator<Item = &'a Entry> + 'a {
        let prefix = if dir.ends_with("!/") || dir.is_empty() {
            dir.to_string()
        } else {
            format!("{dir}/")
        };
        let start = self
            .entries
            .partition_point(|e| e.path.as_str() < prefix.as_str());
        let n = prefix.len();
        self.entries[start..]
            .iter()
            .take_while(move |e| e.path.starts_with(prefix.as_str()))
            .filter({
                move |e| {
                    let rest = &e.path[n..];
                    !rest.is_empty() && !rest.contains('/')
                }
            })
    }

    /// Follows symlinks and hard links (up to 40 hops, never leaving the image the path is in)
    /// to the entry a program inside the image would reach at `path`.
    pub fn resolve(&self, path: &str) -> Option<&Entry> {
        let root = image_root(path);
        let rel = path.get(root.len() + 2..)?;
        let mut pending: Vec<String> = rel.split('/').rev().map(str::to_string).collect();
        let mut done: Vec<String> = Vec::new();
        let mut hops = 0;
        while let Some(comp) = pending.pop() {
            match comp.as_str() {
                "" | "." => continue,
                ".." => {
                    done.pop();
                    continue;
                }
                _ => {}
            }
            done.push(comp);
            let here = format!("{root}!/{}", done.join("/"));
            let entry = self.get(&here)?;
            let target = match (entry.kind, &entry.link_target) {
                (EntryKind::Symlink, Some(t)) => t.clone(),
                (EntryKind::HardLink, Some(t)) if pending.is_empty() => {
                    return self.get(t);
                }
                _ => continue,
            };
            hops += 1;
            if hops > 40 {
                return None;
            }
            done.pop();
            if target.starts_with('/') {
                done.clear();
            }
            pending.extend(target.split('/').rev().map(str::to_string));
        }
        if done.is_empty() {
            return None;
        }
        self.get(&format!("{root}!/{}", done.join("/")))
    }

    /// A reader over the content of a file entry (or hard link), metered by the limits.
    pub fn open<'e>(&self, entry: &'e Entry) -> Result<Box<dyn Read + Send + 'e>> {
        let raw = open_data(&entry.data)?;
        Ok(Box::new(Metered::new(raw, self.budget.clone())))
    }

    /// Up to `max` bytes from the start of a file.
    pub fn read_head(&self, entry: &Entry, max: usize) -> Result<Vec<u8>> {
        let mut out = Vec::with_capacity(max.min(entry.size as usize));
        open_data(&entry.data)?
            .take(max as u64)
            .read_to_end(&mut out)
            .map_err(|e| from_io("content", 0, e))?;
        Ok(out)
    }

    /// The whole content of a file, subject to the single-file size limit.
    pub fn read(&self, entry: &Entry) -> Result<Vec<u8>> {
        let mut out = Vec::with_capacity(entry.size.min(64 << 20) as usize);
        self.open(entry)?
            .read_to_end(&mut out)
            .map_err(|e| from_io("content", 0, e))?;
        Ok(out)
    }

    /// A random-access source over a file's content (spooled if it is compressed).
    pub fn source(&self, entry: &Entry) -> Result<SourceRef> {
        data_source(&entry.data, &self.budget, &self.spooler)
    }
}

/// A plain reader over an entry's data.
pub(crate) fn open_data(data: &Data) -> Result<Box<dyn Read + Send + '_>> {
    match data {
        Data::Empty => Ok(Box::new(io::empty())),
        Data::Stored(src) => Ok(Box::new(SourceReader::new(src.clone()))),
        Data::Coded(content) => {
            let r = crate::contain::call("content", 0, || content.open())?;
            Ok(Box::new(crate::contain::Contained::new(r, "content")))
        }
    }
}

/// A random-access source for data, spooling coded content through the budget.
pub(crate) fn data_source(
    data: &Data,
    budget: &Arc<Budget>,
    spooler: &Spooler,
) -> Result<SourceRef> {
    match data {
        Data::Empty => Ok(Arc::new(crate::source::MemSource::new(Vec::new()))),
        Data::Stored(src) => Ok(src.clone()),
        Data::Coded(content) => {
            let r = crate::contain::call("content", 0, || content.open())?;
            let mut r = Metered::new(crate::contain::Contained::new(r, "content"), budget.clone());
            spooler.spool(&mut r).map_err(|e| from_io("spool", 0, e))
        }
    }
}

impl From<Error> for io::Error {
    fn from(e: Error) -> io::Error {
        crate::format::io_error(e)
    }
}
