//! newc cpio writer (the initramfs format).

use crate::tree::{FsTree, NodeKind};

fn field(out: &mut Vec<u8>, v: u64) {
    out.extend(format!("{:08x}", v as u32).as_bytes());
}

fn entry(
    out: &mut Vec<u8>,
    ino: u64,
    mode: u32,
    node: (u32, u32, u32),
    nlink: u32,
    name: &str,
    data: &[u8],
    rdev: (u32, u32),
) {
    let (uid, gid, mtime) = node;
    out.extend(b"070701");
    for v in [
        ino,
        mode as u64,
        uid as u64,
        gid as u64,
        nlink as u64,
        mtime as u64,
        data.len() as u64,
        0,
        0,
        rdev.0 as u64,
        rdev.1 as u64,
        name.len() as u64 + 1,
        0,
    ] {
        field(out, v);
    }
    out.extend(name.as_bytes());
    out.push(0);
    while out.len() % 4 != 0 {
        out.push(0);
    }
    out.extend(data);
    while out.len() % 4 != 0 {
        out.push(0);
    }
}

/// Writes `tree` as a newc cpio archive. Hard links are written as separate copies.
pub fn write(tree: &FsTree) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, (path, node)) in tree.nodes().enumerate() {
        let ino = i as u64 + 1;
        let meta = (node.uid, node.gid, node.mtime);
        let perm = node.mode & 0o7777;
        match &node.kind {
            NodeKind::File(data) => {
                entry(&mut out, ino, 0o100000 | perm, meta, 1, path, data, (0, 0))
            }
            NodeKind::HardLink(target) => {
                let data = match tree.get(target).map(|n| &n.kind) {
                    Some(NodeKind::File(d)) => d.as_slice(),
                    _ => &[],
                };
                entry(&mut out, ino, 0o100000 | perm, meta, 1, path, data, (0, 0))
            }
            NodeKind::Dir => entry(&mut out, ino, 0o040000 | perm, meta, 2, path, &[], (0, 0)),
            NodeKind::Symlink(t) => {
                entry(&mut out, ino, 0o120777, meta, 1, path, t.as_bytes(), (0, 0))
            }
            NodeKind::CharDevice(ma, mi) => entry(
                &mut out,
                ino,
                0o020000 | perm,
                meta,
                1,
                path,
                &[],
                (*ma, *mi),
            ),
            NodeKind::BlockDevice(ma, mi) => entry(
                &mut out,
                ino,
                0o060000 | perm,
                meta,
                1,
                path,
                &[],
                (*ma, *mi),
            ),
            NodeKind::Fifo => entry(&mut out, ino, 0o010000 | perm, meta, 1, path, &[], (0, 0)),
        }
    }
    entry(&mut out, 0, 0, (0, 0, 0), 1, "TRAILER!!!", &[], (0, 0));
    while out.len() % 512 != 0 {
        out.push(0);
    }
    out
}
