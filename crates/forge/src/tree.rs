//! An in-memory file tree: what the writers write.

use std::collections::BTreeMap;

/// What a node is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NodeKind {
    File(Vec<u8>),
    Dir,
    Symlink(String),
    /// A second name of the file at this path (absolute within the tree, e.g. `etc/passwd`).
    HardLink(String),
    CharDevice(u32, u32),
    BlockDevice(u32, u32),
    Fifo,
}

/// One node with its metadata.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FsNode {
    pub kind: NodeKind,
    /// Permission bits (0o7777).
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub mtime: u32,
}

/// A tree of nodes keyed by relative path (`etc/passwd`), sorted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FsTree {
    nodes: BTreeMap<String, FsNode>,
    /// Time given to nodes added without one.
    pub default_mtime: u32,
}

impl FsTree {
    /// An empty tree.
    pub fn new() -> FsTree {
        FsTree::default()
    }

    /// Adds or replaces a node, creating missing parent directories (mode 0755).
    pub fn insert(&mut self, path: &str, node: FsNode) {
        let path = path.trim_matches('/').to_string();
        let mut parent = path.as_str();
        while let Some((p, _)) = parent.rsplit_once('/') {
            self.nodes.entry(p.to_string()).or_insert(FsNode {
                kind: NodeKind::Dir,
                mode: 0o755,
                uid: 0,
                gid: 0,
                mtime: self.default_mtime,
            });
            parent = p;
        }
        self.nodes.insert(path, node);
    }

    /// Adds a regular file owned by root.
    pub fn file(&mut self, path: &str, mode: u32, data: impl Into<Vec<u8>>) -> &mut FsTree {
        let mtime = self.default_mtime;
        self.insert(
            path,
            FsNode {
                kind: NodeKind::File(data.into()),
                mode,
                uid: 0,
                gid: 0,
                mtime,
            },
        );
        self
    }

    /// Adds a directory owned by root.
    pub fn dir(&mut self, path: &str, mode: u32) -> &mut FsTree {
        let mtime = self.default_mtime;
        self.insert(
            path,
            FsNode {
                kind: NodeKind::Dir,
                mode,
                uid: 0,
                gid: 0,
                mtime,
            },
        );
        self
    }

    /// Adds a symlink.
    pub fn symlink(&mut self, path: &str, target: &str) -> &mut FsTree {
        let mtime = self.default_mtime;
        self.insert(
            path,
            FsNode {
                kind: NodeKind::Symlink(target.to_string()),
                mode: 0o777,
                uid: 0,
                gid: 0,
                mtime,
            },
        );
        self
    }

    /// All nodes in path order.
    pub fn nodes(&self) -> impl Iterator<Item = (&str, &FsNode)> {
        self.nodes.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// The node at `path`.
    pub fn get(&self, path: &str) -> Option<&FsNode> {
        self.nodes.get(path.trim_matches('/'))
    }

    /// Names directly inside directory `dir` ("" for the root), sorted.
    pub fn children(&self, dir: &str) -> Vec<(&str, &FsNode)> {
        let prefix = if dir.is_empty() {
            String::new()
        } else {
            format!("{dir}/")
        };
        self.nodes
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
            .filter(|(k, _)| !k[prefix.len()..].contains('/'))
            .map(|(k, v)| (&k[prefix.len()..], v))
            .collect()
    }

    /// Writes the tree into directory `dir` (created), for tools that pack directories:
    /// files, directories and symlinks with their modes. Devices, FIFOs and hard links are
    /// refused (creating them needs privileges or breaks the tree's order).
    pub fn materialize(&self, dir: &std::path::Path) -> std::io::Result<()> {
        use std::os::unix::fs::PermissionsExt;
        std::fs::create_dir_all(dir)?;
        for (path, node) in &self.nodes {
            let target = dir.join(path);
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent)?;
            }
            match &node.kind {
                NodeKind::File(data) => std::fs::write(&target, data)?,
                NodeKind::Dir => std::fs::create_dir_all(&target)?,
                NodeKind::Symlink(to) => std::os::unix::fs::symlink(to, &target)?,
                other => {
                    return Err(std::io::Error::other(format!(
                        "{path}: cannot materialize {other:?}"
                    )));
                }
            }
            if !matches!(node.kind, NodeKind::Symlink(_)) {
                std::fs::set_permissions(&target, std::fs::Permissions::from_mode(node.mode))?;
            }
        }
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755))
    }

    /// Reads a directory on disk into a tree (for tests comparing a tool's image with ours).
    pub fn from_dir(root: &std::path::Path) -> std::io::Result<FsTree> {
        use std::os::unix::fs::{FileTypeExt, MetadataExt};
        let mut tree = FsTree::new();
        let mut inodes: BTreeMap<(u64, u64), String> = BTreeMap::new();
        let mut stack = vec![root.to_path_buf()];
        let mut all = Vec::new();
        while let Some(dir) = stack.pop() {
            for e in std::fs::read_dir(&dir)? {
                let p = e?.path();
                let m = std::fs::symlink_metadata(&p)?;
                if m.is_dir() {
                    stack.push(p.clone());
                }
                all.push((p, m));
            }
        }
        all.sort_by(|a, b| a.0.cmp(&b.0));
        for (p, m) in all {
            let rel = p
                .strip_prefix(root)
                .map_err(std::io::Error::other)?
                .to_string_lossy()
                .into_owned();
            let ft = m.file_type();
            let rdev = m.rdev();
            let (major, minor) = (
                ((rdev >> 8) & 0xfff) as u32,
                ((rdev & 0xff) | ((rdev >> 12) & 0xfff00)) as u32,
            );
            let kind = if ft.is_dir() {
                NodeKind::Dir
            } else if ft.is_symlink() {
                NodeKind::Symlink(std::fs::read_link(&p)?.to_string_lossy().into_owned())
            } else if ft.is_char_device() {
                NodeKind::CharDevice(major, minor)
            } else if ft.is_block_device() {
                NodeKind::BlockDevice(major, minor)
            } else if ft.is_fifo() {
                NodeKind::Fifo
            } else if ft.is_file() {
                match inodes.get(&(m.dev(), m.ino())) {
                    Some(first) if m.nlink() > 1 => NodeKind::HardLink(first.clone()),
                    _ => {
                        inodes.insert((m.dev(), m.ino()), rel.clone());
                        NodeKind::File(std::fs::read(&p)?)
                    }
                }
            } else {
                continue;
            };
            tree.insert(
                &rel,
                FsNode {
                    kind,
                    mode: m.mode() & 0o7777,
                    uid: m.uid(),
                    gid: m.gid(),
                    mtime: m.mtime().max(0) as u32,
                },
            );
        }
        Ok(tree)
    }
}
