//! romfs, the Linux ROM filesystem of small boot images and older embedded systems (written by
//! `genromfs`).
//!
//! Everything is big-endian and 16-byte aligned. A 16-byte superblock (`-rom1fs-`, the image
//! size, a checksum) is followed by the volume name, then file headers: the offset of the
//! next header in the same directory (its low four bits hold the type and an executable
//! flag), a type-specific word (a directory's first child, a hard link's target, a device
//! number), the size, a checksum over the header and name, the name, then the data.
//!
//! romfs stores no owners and no times, and of the mode only the executable flag: entries get
//! the modes the kernel shows (0644 plus execute when flagged; devices 0600; symlinks 0777).
//! Hard links are headers naming another header; the kernel resolves them, and so does this
//! reader: every name of one file becomes a file of the same inode, which the engine lists as
//! one file and hard links to it.

use std::collections::HashSet;

use netvet_model::{EntryKind, WarningCode};

use crate::error::{Error, Result};
use crate::format::{Data, Format, Magic, OpenCtx, Opened, Probe, RawEntry, bytes::be32};
use crate::formats::problems::Problems;
use crate::source::{Source, SourceExt, SourceRef, slice};

const F: &str = "romfs";

const MAGIC: &[u8; 8] = b"-rom1fs-";
/// The superblock checksum covers the first 512 bytes (or the whole image when smaller).
const CHECKED: u64 = 512;
const HEADER: u64 = 16;
/// Longest name read: the kernel's own limit is 128 bytes, but genromfs writes what the host
/// filesystem holds; past this a name is hostile.
const MAX_NAME: usize = 1024;
/// Symlink targets longer than PATH_MAX are hostile.
const MAX_TARGET: u64 = 4096;
const MAX_DIR_DEPTH: usize = 512;
/// Hard links pointing at hard links: the kernel follows the chain; genromfs never makes one.
const MAX_LINK_HOPS: usize = 8;

const TYPE_MASK: u32 = 7;
const EXEC: u32 = 8;
const HARD_LINK: u32 = 0;
const DIR: u32 = 1;
const REG: u32 = 2;
const SYMLINK: u32 = 3;
const BLOCK: u32 = 4;
const CHAR: u32 = 5;
const SOCKET: u32 = 6;
const FIFO: u32 = 7;

/// The romfs reader.
pub struct Romfs;

/// One file header and its name.
#[derive(Clone, Debug)]
struct Header {
    /// Where the header is.
    at: u64,
    /// The next header in the same directory (0 ends the list).
    next: u64,
    kind: u32,
    exec: bool,
    spec: u32,
    size: u32,
    name: Vec<u8>,
    /// Where the data starts: after the name, padded to 16 bytes.
    data: u64,
    checksum_ok: bool,
}

/// The superblock: image size and where the first header (the root directory) is.
struct Super {
    size: u64,
    volume: Vec<u8>,
    first: u64,
}

fn sum_be32(b: &[u8]) -> u32 {
    b.chunks(4).fold(0u32, |s, c| {
        let mut w = [0u8; 4];
        w[..c.len()].copy_from_slice(c);
        s.wrapping_add(u32::from_be_bytes(w))
    })
}

/// Reads the superblock at `offset`; `checked` says whether its checksum held.
fn parse_super(src: &dyn Source, offset: u64) -> Option<(Super, bool)> {
    let b = src.read_upto(offset, CHECKED as usize).ok()?;
    if b.get(..8)? != MAGIC {
        return None;
    }
    let size = be32(&b, 8) as u64;
    let name = crate::format::bytes::cstr(b.get(16..)?);
    // The volume name must end inside the checked area, and the first header lie inside the
    // image.
    if name.len() + 17 > b.len() {
        return None;
    }
    let first = HEADER + (name.len() as u64 + 1).next_multiple_of(16);
    if size < first + HEADER {
        return None;
    }
    let covered = size.min(CHECKED) as usize;
    let sum_ok = b.len() >= covered && sum_be32(&b[..covered]) == 0;
    Some((
        Super {
            size,
            volume: name.to_vec(),
            first,
        },
        sum_ok,
    ))
}

impl Format for Romfs {
    fn id(&self) -> &'static str {
        F
    }

    fn magics(&self) -> &'static [Magic] {
        const { &[Magic::start(MAGIC)] }
    }

    fn probe(&self, src: &dyn Source, offset: u64) -> Option<Probe> {
        let (sb, sum_ok) = parse_super(src, offset)?;
        // Carving needs the checksum: eight bytes of magic alone are too little.
        if !sum_ok && !cfg!(feature = "fuzzing") {
            return None;
        }
        Some(Probe {
            length: Some(sb.size),
            description: describe(&sb),
        })
    }

    fn open(&self, src: SourceRef, ctx: &mut OpenCtx<'_>) -> Result<Opened> {
        let (sb, sum_ok) =
            parse_super(&*src, 0).ok_or_else(|| Error::corrupt(F, 0, "no valid superblock"))?;
        if sb.size > src.len() {
            ctx.warn(
                WarningCode::Truncated,
                8,
                format!(
                    "superblock says {} bytes, only {} present",
                    sb.size,
                    src.len()
                ),
            );
        } else if !sum_ok {
            ctx.warn(
                WarningCode::BadChecksum,
                12,
                format!(
                    "superblock checksum: the first {} bytes do not sum to zero",
                    sb.size.min(CHECKED)
                ),
            );
        }
        let image = slice(&src, 0, sb.size);
        let mut walker = Walker {
            src: &image,
            visited: HashSet::new(),
            entries: Vec::new(),
            problems: Problems::default(),
            target_bytes: 0,
        };
        walker.walk(sb.first, ctx)?;
        walker.problems.flush(ctx);
        Ok(Opened::Archive {
            description: describe(&sb),
            length: sb.size,
            entries: walker.entries,
        })
    }
}

fn describe(sb: &Super) -> String {
    let mut s = format!("romfs, {} bytes", sb.size);
    if !sb.volume.is_empty() {
        s.push_str(&format!(
            ", volume \"{}\"",
            crate::names::escape_bytes(&sb.volume)
        ));
    }
    s
}

struct Walker<'a> {
    src: &'a SourceRef,
    /// Headers already met in some directory list: each belongs to exactly one, so meeting
    /// one twice means a list runs into itself or another directory's.
    visited: HashSet<u64>,
    entries: Vec<RawEntry>,
    problems: Problems,
    target_bytes: u64,
}

impl Walker<'_> {
    /// Reads the header at `at`, checking that it lies inside the image.
    fn header(&self, at: u64) -> Result<Header> {
        let image = self.src.len();
        if !at.is_multiple_of(16) || at + HEADER > image {
            return Err(Error::corrupt(
                F,
                at,
                format!(
                    "file header at {at:#x} lies outside the image ({image} bytes) or is misaligned"
                ),
            ));
        }
        let want = (HEADER as usize + MAX_NAME + 1).min((image - at) as usize);
        let b = self
            .src
            .read_vec(at, want)
            .map_err(|e| Error::read(F, at, e))?;
        let name_area = b.get(HEADER as usize..).unwrap_or_default();
        let name = crate::format::bytes::cstr(name_area);
        if name.len() == name_area.len() {
            return Err(Error::corrupt(
                F,
                at + HEADER,
                "file name has no end inside the image or is longer than 1024 bytes",
            ));
        }
        let padded = (name.len() + 1).next_multiple_of(16);
        let covered = (HEADER as usize + padded).min(b.len());
        let next = be32(&b, 0);
        Ok(Header {
            at,
            next: (next & !15) as u64,
            kind: next & TYPE_MASK,
            exec: next & EXEC != 0,
            spec: be32(&b, 4),
            size: be32(&b, 8),
            name: name.to_vec(),
            data: at + HEADER + padded as u64,
            checksum_ok: sum_be32(&b[..covered]) == 0,
        })
    }

    /// Follows hard links to the header they name.
    fn resolve(&self, h: &Header) -> Result<Header> {
        let mut cur = h.clone();
        for _ in 0..MAX_LINK_HOPS {
            if cur.kind != HARD_LINK {
                return Ok(cur);
            }
            cur = self.header(cur.spec as u64)?;
        }
        Err(Error::corrupt(
            F,
            h.at,
            format!("hard link chain longer than {MAX_LINK_HOPS} links"),
        ))
    }

    fn walk(&mut self, first: u64, ctx: &mut OpenCtx<'_>) -> Result<()> {
        let root = self.header(first)?;
        let root = self.resolve(&root)?;
        if root.kind != DIR {
            return Err(Error::corrupt(
                F,
                first,
                "the first file header is not a directory",
            ));
        }
        let limit = ctx.budget.limits().max_entries as usize;
        // (first header of the list, path, depth)
        let mut stack = vec![(root.spec as u64, Vec::<u8>::new(), 0usize)];
        while let Some((start, path, depth)) = stack.pop() {
            ctx.budget.check_time()?;
            if depth > MAX_DIR_DEPTH {
                self.problems.report(
                    ctx,
                    WarningCode::Corrupt,
                    start,
                    "directories nested too deeply",
                );
                continue;
            }
            let mut at = start;
            while at != 0 {
                if self.entries.len() > limit {
                    return Ok(());
                }
                if !self.visited.insert(at) {
                    self.problems.report(
                        ctx,
                        WarningCode::Cycle,
                        at,
                        format!(
                            "{}: directory list runs into a header already read (a directory \
                             inside itself or another's list); not followed",
                            crate::names::shown(&path)
                        ),
                    );
                    break;
                }
                let h = match self.header(at) {
                    Ok(h) => h,
                    Err(e) => {
                        self.problems.report(
                            ctx,
                            WarningCode::Corrupt,
                            at,
                            format!("{}: {e}", crate::names::shown(&path)),
                        );
                        break;
                    }
                };
                at = h.next;
                if !h.checksum_ok && !cfg!(feature = "fuzzing") {
                    self.problems.report(
                        ctx,
                        WarningCode::BadChecksum,
                        h.at + 12,
                        format!(
                            "{}: header checksum of {:?} does not hold",
                            crate::names::shown(&path),
                            crate::names::escape_bytes(&h.name)
                        ),
                    );
                }
                if h.name.is_empty() || h.name == b"." || h.name == b".." {
                    if h.name.is_empty() {
                        self.problems.report(
                            ctx,
                            WarningCode::UnsafeName,
                            h.at + HEADER,
                            "directory entry with an empty name skipped",
                        );
                    }
                    continue;
                }
                let mut child = path.clone();
                if !child.is_empty() {
                    child.push(b'/');
                }
                child.extend(crate::names::fs_component(&h.name));
                match self.entry(&child, &h, ctx) {
                    Ok(Some((entry, list))) => {
                        if let Some(list) = list {
                            stack.push((list, child, depth + 1));
                        }
                        self.entries.push(entry);
                    }
                    Ok(None) => {}
                    Err(e) => self.problems.report(
                        ctx,
                        WarningCode::Corrupt,
                        e.structure_offset().unwrap_or(h.at),
                        format!("{}: {e}", crate::names::shown(&child)),
                    ),
                }
            }
        }
        Ok(())
    }

    /// The entry for header `h` named `name`, and for a directory the start of its list.
    fn entry(
        &mut self,
        name: &[u8],
        h: &Header,
        ctx: &mut OpenCtx<'_>,
    ) -> Result<Option<(RawEntry, Option<u64>)>> {
        let target = self.resolve(h)?;
        if h.kind == HARD_LINK && target.kind == DIR {
            // genromfs links only `.` and `..` to directories; anything else would make the
            // tree a graph.
            self.problems.report(
                ctx,
                WarningCode::Cycle,
                h.at,
                format!(
                    "{}: hard link to the directory at {:#x} not followed",
                    crate::names::shown(name),
                    target.at
                ),
            );
            return Ok(None);
        }
        let kind = match target.kind {
            DIR => EntryKind::Dir,
            REG => EntryKind::File,
            SYMLINK => EntryKind::Symlink,
            BLOCK => EntryKind::BlockDevice,
            CHAR => EntryKind::CharDevice,
            SOCKET => EntryKind::Socket,
            FIFO => EntryKind::Fifo,
            _ => {
                return Err(Error::corrupt(
                    F,
                    h.at,
                    "hard link resolves to another hard link",
                ));
            }
        };
        let mut e = RawEntry::new(name.to_vec(), kind);
        e.offset = h.at;
        let exec = if target.exec { 0o111 } else { 0 };
        e.mode = match kind {
            EntryKind::Symlink => 0o777,
            EntryKind::BlockDevice | EntryKind::CharDevice => 0o600,
            EntryKind::Dir | EntryKind::File => 0o644 | exec,
            _ => 0o644,
        };
        let image = self.src.len();
        let data_end = target.data + target.size as u64;
        let mut list = None;
        match kind {
            EntryKind::Dir => list = Some(target.spec as u64),
            EntryKind::File => {
                if data_end > image {
                    return Err(Error::corrupt(
                        F,
                        target.at + 8,
                        format!(
                            "{} bytes of data at {:#x} run past the image ({image} bytes)",
                            target.size, target.data
                        ),
                    ));
                }
                e.size = target.size as u64;
                if e.size > 0 {
                    e.data = Data::Stored(slice(self.src, target.data, e.size));
                }
                // Every name of one file carries the file's header as its inode.
                e.inode = Some(target.at);
            }
            EntryKind::Symlink => {
                let len = target.size as u64;
                if len > MAX_TARGET || data_end > image {
                    return Err(Error::corrupt(
                        F,
                        target.at + 8,
                        format!("symlink target of {len} bytes at {:#x}", target.data),
                    ));
                }
                self.target_bytes += len;
                if self.target_bytes > image {
                    return Err(Error::corrupt(
                        F,
                        target.at,
                        "symlink targets hold more bytes than the image; not read",
                    ));
                }
                let t = self
                    .src
                    .read_vec(target.data, len as usize)
                    .map_err(|err| Error::read(F, target.data, err))?;
                e.size = len;
                e.link_target = Some(t);
            }
            EntryKind::BlockDevice | EntryKind::CharDevice => {
                e.device = Some((target.spec >> 16, target.spec & 0xffff));
            }
            _ => {}
        }
        Ok(Some((e, list)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_sums_big_endian_words_with_zero_padding() {
        assert_eq!(sum_be32(&[0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff]), 0);
        assert_eq!(sum_be32(&[0, 0, 1]), 0x100);
    }
}
