//! Layers applied in order as the OCI image spec and Docker define it, giving the root
//! filesystem a container runs with.
//!
//! - A layer's whiteouts hide what lower layers hold, never what the same layer holds: they are
//!   applied first, then the layer's entries, so the order inside a layer does not matter.
//! - `dir/.wh.NAME` deletes `dir/NAME` (and everything under it); `dir/.wh..wh..opq` deletes
//!   everything under `dir` that lower layers put there. Neither is shown. Other `.wh..wh.`
//!   names are aufs bookkeeping and are dropped.
//! - An entry replaces a lower one of the same path. A directory over a directory keeps the
//!   lower content and takes the new metadata; any other replacement also removes whatever was
//!   under the old path (a directory turned into a symlink loses its subtree).
//! - A hard link takes the data and inode of its target as the view holds it when the link is
//!   applied; a later layer replacing the target does not change the link.
//! - Names are normalised like the tar reader's (`.`, empty components and a leading `/`
//!   dropped, `..` resolved without leaving the root). A whiteout whose `..` would leave the
//!   root deletes nothing (Docker refuses such a layer).

use std::collections::{BTreeMap, HashMap};

use netvet_model::{EntryKind, WarningCode};

use crate::format::{Data, RawEntry};
use crate::names::escape_bytes;
use crate::source::SourceRef;

use super::vtar::Member;

const WHITEOUT: &[u8] = b".wh.";
const OPAQUE: &[u8] = b".wh..wh..opq";
const AUFS_META: &[u8] = b".wh..wh.";

/// A name made relative to the root, in raw bytes.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Clean {
    pub path: Vec<u8>,
    /// The name started with `/`.
    pub absolute: bool,
    /// The name had a `..` component.
    pub dotdot: bool,
    /// A `..` went above the root.
    pub escapes: bool,
}

/// Normalises a raw entry name (see the module docs).
pub(crate) fn clean(raw: &[u8]) -> Clean {
    let mut parts: Vec<&[u8]> = Vec::new();
    let (mut dotdot, mut escapes) = (false, false);
    for comp in raw.split(|&b| b == b'/') {
        match comp {
            b"" | b"." => {}
            b".." => {
                dotdot = true;
                escapes |= parts.pop().is_none();
            }
            _ => parts.push(comp),
        }
    }
    Clean {
        path: parts.join(&b'/'),
        absolute: raw.first() == Some(&b'/'),
        dotdot,
        escapes,
    }
}

/// The directory part and the last component of a clean path.
fn split_last(path: &[u8]) -> (&[u8], &[u8]) {
    match path.iter().rposition(|&b| b == b'/') {
        Some(i) => (&path[..i], &path[i + 1..]),
        None => (&[], path),
    }
}

fn join(dir: &[u8], name: &[u8]) -> Vec<u8> {
    if dir.is_empty() {
        name.to_vec()
    } else {
        [dir, b"/", name].concat()
    }
}

#[derive(Clone)]
struct Node {
    kind: EntryKind,
    mode: u32,
    uid: u32,
    gid: u32,
    mtime: i64,
    link: Option<Vec<u8>>,
    device: Option<(u32, u32)>,
    xattrs: Vec<(String, Vec<u8>)>,
    data: Option<SourceRef>,
    /// Files with the same inode are hard links of each other.
    inode: u64,
}

impl Node {
    fn implied_dir() -> Node {
        Node {
            kind: EntryKind::Dir,
            mode: 0o755,
            uid: 0,
            gid: 0,
            mtime: 0,
            link: None,
            device: None,
            xattrs: Vec::new(),
            data: None,
            inode: 0,
        }
    }
}

/// A problem met while applying a layer: code, offset in the layer's tar, message.
pub(crate) type Problem = (WarningCode, u64, String);

/// The merged view. Invariant: the parent of every path in `nodes` is a directory in `nodes`
/// (or the root).
pub(crate) struct Rootfs {
    nodes: BTreeMap<Vec<u8>, Node>,
    next_inode: u64,
    max_nodes: usize,
    /// Entries were left out because the view reached `max_nodes`.
    pub full: bool,
}

impl Rootfs {
    /// An empty root that holds at most `max_nodes` paths.
    pub fn new(max_nodes: usize) -> Rootfs {
        Rootfs {
            nodes: BTreeMap::new(),
            next_inode: 1,
            max_nodes,
            full: false,
        }
    }

    /// Applies one layer's entries (as the tar reader lists them), reporting problems.
    pub fn apply(&mut self, entries: Vec<RawEntry>, problem: &mut dyn FnMut(Problem)) {
        let mut adds = Vec::with_capacity(entries.len());
        for e in entries {
            let c = clean(&e.name);
            if c.absolute || c.dotdot {
                let reason = if c.dotdot {
                    "`..` component resolved inside the root"
                } else {
                    "absolute path made relative"
                };
                problem((
                    WarningCode::UnsafeName,
                    e.offset,
                    format!("name {:?}: {reason}", escape_bytes(&e.name)),
                ));
            }
            let (dir, base) = split_last(&c.path);
            if !base.starts_with(WHITEOUT) {
                adds.push((c.path, e));
                continue;
            }
            if c.escapes {
                problem((
                    WarningCode::UnsafeName,
                    e.offset,
                    format!(
                        "whiteout {:?} leaves the root; nothing deleted",
                        escape_bytes(&e.name)
                    ),
                ));
            } else if base == OPAQUE {
                self.remove_under(dir);
            } else if base.starts_with(AUFS_META) {
                // aufs' own bookkeeping (.wh..wh.plnk, .wh..wh.aufs): not content.
            } else {
                let target = &base[WHITEOUT.len()..];
                if target.is_empty() || target == b"." || target == b".." {
                    problem((
                        WarningCode::Corrupt,
                        e.offset,
                        format!("whiteout {:?} names nothing", escape_bytes(&e.name)),
                    ));
                } else {
                    let path = join(dir, target);
                    self.remove_under(&path);
                    self.nodes.remove(&path);
                }
            }
        }
        for (path, e) in adds {
            self.add(path, e, problem);
        }
    }

    fn add(&mut self, path: Vec<u8>, e: RawEntry, problem: &mut dyn FnMut(Problem)) {
        if path.is_empty() {
            return; // the root directory itself
        }
        let node = match e.kind {
            EntryKind::HardLink => {
                let target = clean(e.link_target.as_deref().unwrap_or_default()).path;
                match self.nodes.get(&target) {
                    Some(t) if t.kind != EntryKind::Dir => t.clone(),
                    _ => {
                        problem((
                            WarningCode::Corrupt,
                            e.offset,
                            format!(
                                "hard link {:?} to {:?}, which the layers so far do not hold as a file; left out",
                                escape_bytes(&path),
                                escape_bytes(&target)
                            ),
                        ));
                        return;
                    }
                }
            }
            EntryKind::Socket => return, // not representable in tar; tar never yields one
            kind => {
                let data = match e.data {
                    Data::Stored(s) if kind == EntryKind::File && !s.is_empty() => Some(s),
                    Data::Coded(_) => {
                        problem((
                            WarningCode::Unsupported,
                            e.offset,
                            "coded content in a layer entry".into(),
                        ));
                        None
                    }
                    _ => None,
                };
                let inode = self.next_inode;
                self.next_inode += 1;
                Node {
                    kind,
                    mode: e.mode & 0o7777,
                    uid: e.uid,
                    gid: e.gid,
                    mtime: e.mtime,
                    link: if kind == EntryKind::Symlink {
                        e.link_target
                    } else {
                        None
                    },
                    device: e.device,
                    xattrs: e.xattrs,
                    data,
                    inode,
                }
            }
        };
        let existing = self.nodes.get(&path).map(|n| n.kind);
        if existing.is_none() && self.nodes.len() >= self.max_nodes {
            self.full = true;
            return;
        }
        self.ensure_parent(&path);
        match existing {
            Some(EntryKind::Dir) if node.kind == EntryKind::Dir => {}
            Some(EntryKind::Dir) => self.remove_under(&path),
            _ => {}
        }
        self.nodes.insert(path, node);
    }

    /// Makes every ancestor of `path` a directory: missing ones are implied, non-directories
    /// in the way are replaced (an upper directory hides a lower file of the same name).
    fn ensure_parent(&mut self, path: &[u8]) {
        let mut dir = split_last(path).0;
        while !dir.is_empty() {
            match self.nodes.get(dir) {
                Some(n) if n.kind == EntryKind::Dir => break,
                _ => {
                    self.nodes.insert(dir.to_vec(), Node::implied_dir());
                }
            }
            dir = split_last(dir).0;
        }
    }

    /// Removes everything below `dir` (not `dir` itself).
    fn remove_under(&mut self, dir: &[u8]) {
        let doomed: Vec<Vec<u8>> = if dir.is_empty() {
            self.nodes.keys().cloned().collect()
        } else {
            let lo = [dir, b"/"].concat();
            let hi = [dir, b"0"].concat(); // '0' follows '/'
            self.nodes.range(lo..hi).map(|(k, _)| k.clone()).collect()
        };
        for k in doomed {
            self.nodes.remove(&k);
        }
    }

    /// The view as tar members in path order; of several names of one inode, the first is the
    /// file and the others hard links to it.
    pub fn into_members(self) -> Vec<Member> {
        let mut first_name: HashMap<u64, Vec<u8>> = HashMap::new();
        self.nodes
            .into_iter()
            .map(|(name, n)| {
                let mut kind = n.kind;
                let mut link = n.link;
                let mut data = n.data;
                if kind == EntryKind::File {
                    match first_name.get(&n.inode) {
                        Some(first) => {
                            kind = EntryKind::HardLink;
                            link = Some(first.clone());
                            data = None;
                        }
                        None => {
                            first_name.insert(n.inode, name.clone());
                        }
                    }
                }
                Member {
                    name,
                    kind,
                    mode: n.mode,
                    uid: n.uid,
                    gid: n.gid,
                    mtime: n.mtime,
                    link,
                    device: n.device,
                    xattrs: n.xattrs,
                    data,
                }
            })
            .collect()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::source::MemSource;

    fn file(name: &str, content: &str) -> RawEntry {
        let mut e = RawEntry::new(name.as_bytes().to_vec(), EntryKind::File);
        e.size = content.len() as u64;
        e.data = Data::Stored(Arc::new(MemSource::new(content.as_bytes().to_vec())));
        e
    }

    fn dir(name: &str) -> RawEntry {
        RawEntry::new(name.as_bytes().to_vec(), EntryKind::Dir)
    }

    fn symlink(name: &str, target: &str) -> RawEntry {
        let mut e = RawEntry::new(name.as_bytes().to_vec(), EntryKind::Symlink);
        e.link_target = Some(target.as_bytes().to_vec());
        e
    }

    fn hard(name: &str, target: &str) -> RawEntry {
        let mut e = RawEntry::new(name.as_bytes().to_vec(), EntryKind::HardLink);
        e.link_target = Some(target.as_bytes().to_vec());
        e
    }

    fn marker(name: &str) -> RawEntry {
        RawEntry::new(name.as_bytes().to_vec(), EntryKind::File)
    }

    /// Paths with a kind letter and, for files, content; hard links name their target.
    fn view(fs: Rootfs) -> Vec<String> {
        fs.into_members()
            .into_iter()
            .map(|m| {
                let name = String::from_utf8(m.name).unwrap();
                match m.kind {
                    EntryKind::Dir => format!("d {name}"),
                    EntryKind::Symlink => {
                        format!(
                            "l {name} -> {}",
                            String::from_utf8(m.link.unwrap()).unwrap()
                        )
                    }
                    EntryKind::HardLink => {
                        format!(
                            "h {name} => {}",
                            String::from_utf8(m.link.unwrap()).unwrap()
                        )
                    }
                    _ => {
                        let bytes = m
                            .data
                            .map(|d| {
                                let mut b = vec![0; d.len() as usize];
                                d.read_at(0, &mut b).unwrap();
                                b
                            })
                            .unwrap_or_default();
                        format!("f {name} = {}", String::from_utf8(bytes).unwrap())
                    }
                }
            })
            .collect()
    }

    fn apply(fs: &mut Rootfs, entries: Vec<RawEntry>) -> Vec<Problem> {
        let mut problems = Vec::new();
        fs.apply(entries, &mut |p| problems.push(p));
        problems
    }

    #[test]
    fn whiteouts_delete_lower_entries_and_are_not_shown() {
        let mut fs = Rootfs::new(100);
        apply(
            &mut fs,
            vec![
                dir("etc"),
                file("etc/a", "a"),
                file("etc/b", "b"),
                dir("etc/sub"),
                file("etc/sub/x", "x"),
            ],
        );
        let p = apply(
            &mut fs,
            vec![
                marker("etc/.wh.a"),
                marker("etc/.wh.sub"),
                file("etc/b", "B2"),
                marker("etc/.wh..wh.plnk"),
            ],
        );
        assert!(p.is_empty(), "{p:?}");
        assert_eq!(view(fs), ["d etc", "f etc/b = B2"]);
    }

    #[test]
    fn opaque_directories_hide_only_lower_content() {
        let mut fs = Rootfs::new(100);
        apply(
            &mut fs,
            vec![
                file("opt/old", "1"),
                file("opt/deep/er", "2"),
                file("opt-x", "3"),
            ],
        );
        // The marker comes after the layer's own content: order inside a layer is irrelevant.
        apply(
            &mut fs,
            vec![dir("opt"), file("opt/new", "4"), marker("opt/.wh..wh..opq")],
        );
        assert_eq!(view(fs), ["d opt", "f opt-x = 3", "f opt/new = 4"]);
    }

    #[test]
    fn a_whiteout_never_hides_its_own_layer() {
        let mut fs = Rootfs::new(100);
        apply(&mut fs, vec![file("a", "lower")]);
        apply(&mut fs, vec![file("a", "upper"), marker(".wh.a")]);
        assert_eq!(view(fs), ["f a = upper"]);
    }

    #[test]
    fn type_changes_replace_subtrees() {
        let mut fs = Rootfs::new(100);
        apply(
            &mut fs,
            vec![file("lib/x", "x"), file("bin", "file"), symlink("s", "t")],
        );
        apply(
            &mut fs,
            vec![
                symlink("lib", "usr/lib"),
                file("bin/sh", "dir now"),
                dir("s"),
            ],
        );
        assert_eq!(
            view(fs),
            ["d bin", "f bin/sh = dir now", "l lib -> usr/lib", "d s"]
        );
    }

    #[test]
    fn hard_links_keep_the_data_they_were_made_with() {
        let mut fs = Rootfs::new(100);
        apply(
            &mut fs,
            vec![file("a", "one"), hard("b", "a"), hard("c", "a")],
        );
        apply(&mut fs, vec![file("a", "two"), hard("d", "./b")]);
        assert_eq!(view(fs), ["f a = two", "f b = one", "h c => b", "h d => b"]);
        let mut fs = Rootfs::new(100);
        let p = apply(&mut fs, vec![hard("x", "nowhere")]);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].0, WarningCode::Corrupt);
        assert!(view(fs).is_empty());
    }

    #[test]
    fn hostile_names_stay_inside_and_escaping_whiteouts_delete_nothing() {
        let mut fs = Rootfs::new(100);
        apply(&mut fs, vec![file("etc/passwd", "root"), file("keep", "k")]);
        let p = apply(
            &mut fs,
            vec![
                marker("../../etc/.wh.passwd"),
                marker("/.wh.keep"),
                file("../../../escaped", "e"),
                marker("etc/.wh.."),
            ],
        );
        let codes: Vec<_> = p.iter().map(|p| p.0).collect();
        assert_eq!(
            codes,
            [
                WarningCode::UnsafeName,
                WarningCode::UnsafeName,
                WarningCode::UnsafeName,
                WarningCode::UnsafeName,
                WarningCode::Corrupt
            ]
        );
        assert!(p[1].2.contains("nothing deleted"), "{p:?}");
        // The absolute whiteout applies inside the root, as Docker applies it.
        assert_eq!(view(fs), ["f escaped = e", "d etc", "f etc/passwd = root"]);
    }

    #[test]
    fn the_view_is_bounded() {
        let mut fs = Rootfs::new(3);
        apply(
            &mut fs,
            vec![
                file("a", "1"),
                file("b", "2"),
                file("c", "3"),
                file("d", "4"),
            ],
        );
        assert!(fs.full);
        apply(&mut fs, vec![file("a", "replaced")]);
        assert_eq!(view(fs), ["f a = replaced", "f b = 2", "f c = 3"]);
    }

    #[test]
    fn clean_names() {
        assert_eq!(clean(b"./a//b/").path, b"a/b");
        assert!(clean(b"/a").absolute);
        let c = clean(b"a/../../b");
        assert_eq!(
            (c.path.as_slice(), c.dotdot, c.escapes),
            (&b"b"[..], true, true)
        );
        let c = clean(b"a/../b");
        assert_eq!((c.path.as_slice(), c.escapes), (&b"b"[..], false));
    }
}
