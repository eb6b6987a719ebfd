//! Writing a tree to disk without ever writing outside the destination.
//!
//! Virtual paths map to disk paths under the destination: the input's own `name!/` prefix is
//! dropped and every further nested image `X!/` becomes a directory `X.extracted/`. Names are
//! already normalised (no `..`, no absolute paths, control bytes escaped). On disk:
//! - files are created with `O_CREAT|O_EXCL`, so nothing pre-existing is ever followed;
//! - every parent directory is checked with `lstat` and must be a real directory;
//! - symlinks are created last, verbatim, and never followed by anything here;
//! - device nodes, fifos and sockets are listed, not created;
//! - permission bits are applied without setuid, setgid and sticky; owners are not applied.

use std::collections::{BTreeMap, HashSet};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, UNIX_EPOCH};

use netvet_model::EntryKind;

use crate::error::{Error, Result};
use crate::names::unescape;
use crate::tree::{Entry, Origin, Tree};

/// Longest file name component written; longer ones are shortened with a hash suffix.
const MAX_COMPONENT: usize = 255;

/// What to write.
#[derive(Clone, Copy, Debug, Default)]
pub struct WriteOptions {
    /// Write into a destination that is not empty (existing regular files are replaced;
    /// existing symlinks are never written through).
    pub force: bool,
    /// Also write carved regions (copies of bytes of their parent file).
    pub carved: bool,
}

/// Something that was not written, and why.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Skipped {
    pub path: String,
    pub kind: EntryKind,
    pub reason: String,
}

/// Counts of what was written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub files: u64,
    pub dirs: u64,
    pub symlinks: u64,
    pub hard_links: u64,
    pub bytes: u64,
    /// Files whose setuid, setgid or sticky bits were not applied.
    pub special_bits_dropped: u64,
    /// Device nodes, fifos and sockets: listed, never created.
    pub not_created: Vec<Skipped>,
    /// Entries that could not be written.
    pub skipped: Vec<Skipped>,
}

/// Writes the files of a tree as they are read (from a visitor), then the rest.
pub struct Writer {
    root: PathBuf,
    opts: WriteOptions,
    /// Directories known to be real directories under the root.
    dirs: Mutex<HashSet<PathBuf>>,
    state: Mutex<Summary>,
}

impl Writer {
    /// Prepares `out`: creates it if missing; refuses a non-empty one unless `force`.
    pub fn new(out: &Path, opts: WriteOptions) -> Result<Writer> {
        let fail = |what: String| Error::Output {
            path: out.display().to_string(),
            what,
        };
        match fs::symlink_metadata(out) {
            Ok(m) if m.file_type().is_symlink() => {
                return Err(fail("is a symlink; refusing to write through it".into()));
            }
            Ok(m) if !m.is_dir() => return Err(fail("exists and is not a directory".into())),
            Ok(_) => {
                let non_empty = fs::read_dir(out)
                    .map_err(|e| fail(e.to_string()))?
                    .next()
                    .is_some();
                if non_empty && !opts.force {
                    return Err(fail(
                        "directory is not empty (use --force to write into it)".into(),
                    ));
                }
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                fs::create_dir_all(out).map_err(|e| fail(e.to_string()))?;
            }
            Err(e) => return Err(fail(e.to_string())),
        }
        let root = out.to_path_buf();
        let mut dirs = HashSet::new();
        dirs.insert(root.clone());
        Ok(Writer {
            root,
            opts,
            dirs: Mutex::new(dirs),
            state: Mutex::new(Summary::default()),
        })
    }

    fn state(&self) -> std::sync::MutexGuard<'_, Summary> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// True when the visitor should write this file's content as it is read.
    pub fn wants(&self, entry: &Entry) -> bool {
        entry.kind == EntryKind::File
            && entry.path.contains("!/")
            && match entry.origin {
                Origin::Member | Origin::Payload => true,
                Origin::Decoded { from_member } => !from_member,
                Origin::Carved => false,
            }
    }

    /// Writes one file's content (called in parallel from the unpacking visitor).
    pub fn write_file(&self, entry: &Entry, content: &mut dyn Read) -> io::Result<()> {
        if !self.wants(entry) {
            return Ok(());
        }
        let result = self.write_content(entry, content);
        if let Err(e) = &result {
            self.skip(entry, format!("not written: {e}"));
        }
        result.map(|_| ())
    }

    fn write_content(&self, entry: &Entry, content: &mut dyn Read) -> io::Result<u64> {
        let path = disk_path(&self.root, &entry.path).ok_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidInput, "path outside the destination")
        })?;
        self.ensure_parent(&path)?;
        let mut file = self.create(&path)?;
        // Whole squashfs blocks at a time, not io::copy's 8 KiB.
        let mut buf = vec![0u8; 256 * 1024];
        let mut n = 0u64;
        loop {
            let k = match content.read(&mut buf) {
                Ok(0) => break,
                Ok(k) => k,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            write_sparse(&mut file, &buf[..k])?;
            n += k as u64;
        }
        // Holes at the end are made by the length.
        file.set_len(n)?;
        file.flush()?;
        if entry.mtime > 0 {
            let _ = file.set_modified(UNIX_EPOCH + Duration::from_secs(entry.mtime as u64));
        }
        if entry.mode & 0o7000 != 0 {
            self.state().special_bits_dropped += 1;
        }
        file.set_permissions(fs::Permissions::from_mode(file_mode(entry)))?;
        let mut st = self.state();
        st.files += 1;
        st.bytes += n;
        Ok(n)
    }

    /// Creates a new regular file at `path`, never through an existing symlink.
    fn create(&self, path: &Path) -> io::Result<File> {
        let open = || {
            OpenOptions::new()
                .write(true)
                // O_CREAT|O_EXCL fails on any existing path, symlinks included.
                .create_new(true)
                .mode(0o600)
                .open(path)
        };
        match open() {
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && self.opts.force => {
                let m = fs::symlink_metadata(path)?;
                if !m.is_file() {
                    return Err(io::Error::new(
                        io::ErrorKind::AlreadyExists,
                        "exists and is not a regular file",
                    ));
                }
                fs::remove_file(path)?;
                open()
            }
            r => r,
        }
    }

    /// Makes sure every directory from the root to `path`'s parent exists and is a real
    /// directory (not a symlink).
    fn ensure_parent(&self, path: &Path) -> io::Result<()> {
        let parent = path.parent().unwrap_or(&self.root);
        if self
            .dirs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains(parent)
        {
            return Ok(());
        }
        let rel = parent
            .strip_prefix(&self.root)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "outside the destination"))?;
        let mut cur = self.root.clone();
        for comp in rel.components() {
            cur.push(comp);
            if self
                .dirs
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .contains(&cur)
            {
                continue;
            }
            match fs::symlink_metadata(&cur) {
                Ok(m) if m.is_dir() => {}
                Ok(m) if m.file_type().is_symlink() => {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidInput,
                        format!("{} is a symlink; not writing through it", cur.display()),
                    ));
                }
                Ok(_) => {
                    return Err(io::Error::new(
                        io::ErrorKind::AlreadyExists,
                        format!("{} exists and is not a directory", cur.display()),
                    ));
                }
                Err(e) if e.kind() == io::ErrorKind::NotFound => match fs::create_dir(&cur) {
                    Ok(()) => {}
                    Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                        if !fs::symlink_metadata(&cur)?.is_dir() {
                            return Err(e);
                        }
                    }
                    Err(e) => return Err(e),
                },
                Err(e) => return Err(e),
            }
            self.dirs
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(cur.clone());
        }
        Ok(())
    }

    fn skip(&self, entry: &Entry, reason: String) {
        self.state().skipped.push(Skipped {
            path: entry.path.clone(),
            kind: entry.kind,
            reason,
        });
    }

    /// Writes what the visitor did not: directories, decoded or carved files that turned out
    /// to matter, hard links and symlinks (last), then directory modes and times.
    pub fn finish(self, tree: &Tree) -> Summary {
        let mut dir_meta: BTreeMap<PathBuf, (u32, i64)> = BTreeMap::new();
        let mut links = Vec::new();
        let mut symlinks = Vec::new();
        for e in tree.entries() {
            if !e.path.contains("!/") {
                continue;
            }
            let Some(path) = disk_path(&self.root, &e.path) else {
                self.skip(e, "path outside the destination".into());
                continue;
            };
            match e.kind {
                EntryKind::Dir => {
                    if let Err(err) = self.ensure_parent(&path.join("x")) {
                        self.skip(e, err.to_string());
                    } else {
                        self.state().dirs += 1;
                        dir_meta.insert(path, (e.mode, e.mtime));
                    }
                }
                EntryKind::File => {
                    let late = match e.origin {
                        Origin::Decoded { from_member: true } => e.nested.is_some(),
                        Origin::Carved => self.opts.carved,
                        _ => false,
                    };
                    if late {
                        match tree.open(e) {
                            Ok(mut r) => {
                                if let Err(err) = self.write_content(e, &mut r) {
                                    self.skip(e, format!("not written: {err}"));
                                }
                            }
                            Err(err) => self.skip(e, err.to_string()),
                        }
                    }
                }
                EntryKind::HardLink => links.push((e, path)),
                EntryKind::Symlink => symlinks.push((e, path)),
                EntryKind::CharDevice
                | EntryKind::BlockDevice
                | EntryKind::Fifo
                | EntryKind::Socket => {
                    let dev = e
                        .device
                        .map(|(ma, mi)| format!(" {ma},{mi}"))
                        .unwrap_or_default();
                    self.state().not_created.push(Skipped {
                        path: e.path.clone(),
                        kind: e.kind,
                        reason: format!("{}{dev}, mode {:04o}", e.kind.as_str(), e.mode),
                    });
                }
            }
        }
        for (e, path) in links {
            let target = e
                .link_target
                .as_deref()
                .and_then(|t| disk_path(&self.root, t));
            let linked = target.as_ref().is_some_and(|t| {
                fs::symlink_metadata(t).is_ok_and(|m| m.is_file())
                    && self.ensure_parent(&path).is_ok()
                    && fs::hard_link(t, &path).is_ok()
            });
            if linked {
                self.state().hard_links += 1;
                continue;
            }
            // Target not written (or on another path): write the content as a file.
            match tree.open(e) {
                Ok(mut r) => {
                    if let Err(err) = self.write_content(e, &mut r) {
                        self.skip(e, format!("not written: {err}"));
                    }
                }
                Err(err) => self.skip(e, err.to_string()),
            }
        }
        for (e, path) in symlinks {
            let target = unescape(e.link_target.as_deref().unwrap_or(""));
            let made = self.ensure_parent(&path).and_then(|_| {
                if target.contains(&0) {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidInput,
                        "target contains NUL",
                    ));
                }
                std::os::unix::fs::symlink(std::ffi::OsStr::from_bytes(&target), &path)
            });
            match made {
                Ok(()) => self.state().symlinks += 1,
                Err(err) => self.skip(e, format!("symlink not created: {err}")),
            }
        }
        // Deepest first, so a read-only parent is restricted after its children.
        for (path, (mode, mtime)) in dir_meta.iter().rev() {
            if let Ok(dir) = File::open(path) {
                if *mtime > 0 {
                    let _ = dir.set_modified(UNIX_EPOCH + Duration::from_secs(*mtime as u64));
                }
                // Keep the owner able to enter and read what was written.
                let _ = dir.set_permissions(fs::Permissions::from_mode((mode & 0o777) | 0o700));
            }
        }
        let mut st = self.state.into_inner().unwrap_or_else(|p| p.into_inner());
        st.skipped.sort();
        st.not_created.sort();
        st
    }
}

fn file_mode(entry: &Entry) -> u32 {
    // The owner keeps read and write so the extraction can be inspected and removed.
    (entry.mode & 0o777) | 0o600
}

/// The disk path of a virtual path under `root`, or None when it is the input itself.
pub fn disk_path(root: &Path, vpath: &str) -> Option<PathBuf> {
    let (_, rest) = vpath.split_once("!/")?;
    let mut out = root.to_path_buf();
    let levels: Vec<&str> = rest.split("!/").collect();
    for (i, level) in levels.iter().enumerate() {
        let comps: Vec<&str> = level.split('/').collect();
        for (j, comp) in comps.iter().enumerate() {
            if comp.is_empty() || *comp == "." || *comp == ".." {
                return None;
            }
            let last_of_level = j + 1 == comps.len() && i + 1 < levels.len();
            let name = if last_of_level {
                format!("{comp}.extracted")
            } else {
                (*comp).to_string()
            };
            out.push(shorten(&name));
        }
    }
    Some(out)
}

/// Keeps a component within the filesystem's name limit, keeping it unique by a hash.
fn shorten(name: &str) -> String {
    if name.len() <= MAX_COMPONENT {
        return name.to_string();
    }
    use sha2::Digest;
    let h = hex::encode(&sha2::Sha256::digest(name.as_bytes())[..8]);
    let mut cut = 200;
    while !name.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}~{h}", &name[..cut])
}

/// Writes `data` at the file's position, seeking over whole 4 KiB blocks of zeros so that
/// they become holes: virtual disks and flash dumps are mostly zeros or padding.
fn write_sparse(file: &mut File, data: &[u8]) -> io::Result<()> {
    use std::io::{Seek, SeekFrom};
    const BLOCK: usize = 4096;
    let mut at = 0;
    while at < data.len() {
        let end = (at + BLOCK).min(data.len());
        let zero_run = data[at..]
            .chunks(BLOCK)
            .take_while(|c| c.len() == BLOCK && c.iter().all(|&b| b == 0))
            .count()
            * BLOCK;
        if zero_run > 0 {
            file.seek(SeekFrom::Current(zero_run as i64))?;
            at += zero_run;
            continue;
        }
        // Everything up to the next zero block is written at once.
        let mut stop = end;
        while stop < data.len() {
            let next = (stop + BLOCK).min(data.len());
            if next - stop == BLOCK && data[stop..next].iter().all(|&b| b == 0) {
                break;
            }
            stop = next;
        }
        file.write_all(&data[at..stop])?;
        at = stop;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_blocks_become_holes_and_content_is_kept() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        let mut data = vec![0u8; 4 << 20];
        data[5000] = 1; // one non-zero block at the start
        data[(3 << 20) + 7] = 2;
        let mut f = File::create(&path).unwrap();
        for chunk in data.chunks(100_000) {
            write_sparse(&mut f, chunk).unwrap();
        }
        f.set_len(data.len() as u64).unwrap();
        drop(f);
        assert_eq!(fs::read(&path).unwrap(), data);
        // Far fewer than the 8192 512-byte blocks of a dense file.
        assert!(fs::metadata(&path).unwrap().blocks() < 1024);
    }

    #[test]
    fn nested_images_map_to_extracted_directories() {
        let root = Path::new("/out");
        assert_eq!(
            disk_path(root, "fw.bin!/etc/shadow").unwrap(),
            Path::new("/out/etc/shadow")
        );
        assert_eq!(
            disk_path(root, "u.tar.gz!/rootfs.squashfs!/etc/shadow").unwrap(),
            Path::new("/out/rootfs.squashfs.extracted/etc/shadow")
        );
        assert!(disk_path(root, "fw.bin").is_none());
        assert!(disk_path(root, "fw.bin!/../x").is_none());
    }

    #[test]
    fn long_names_are_shortened_uniquely() {
        let a = shorten(&"a".repeat(300));
        let b = shorten(&format!("{}b", "a".repeat(299)));
        assert!(a.len() <= MAX_COMPONENT && b.len() <= MAX_COMPONENT);
        assert_ne!(a, b);
    }
}
