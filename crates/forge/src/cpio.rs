//! newc cpio writer (the initramfs format).

use crate::tree::{FsTree, NodeKind};

/// One archive member.
struct Member<'a> {
    ino: u64,
    mode: u32,
    uid: u32,
    gid: u32,
    mtime: u32,
    nlink: u32,
    name: &'a str,
    data: &'a [u8],
    rdev: (u32, u32),
}

fn pad4(out: &mut Vec<u8>) {
    while !out.len().is_multiple_of(4) {
        out.push(0);
    }
}

fn entry(out: &mut Vec<u8>, m: &Member<'_>) {
    out.extend(b"070701");
    let fields = [
        m.ino,
        m.mode as u64,
        m.uid as u64,
        m.gid as u64,
        m.nlink as u64,
        m.mtime as u64,
        m.data.len() as u64,
        0,
        0,
        m.rdev.0 as u64,
        m.rdev.1 as u64,
        m.name.len() as u64 + 1,
        0,
    ];
    for v in fields {
        out.extend(format!("{:08x}", v as u32).as_bytes());
    }
    out.extend(m.name.as_bytes());
    out.push(0);
    pad4(out);
    out.extend(m.data);
    pad4(out);
}

/// Writes `tree` as a newc cpio archive. Hard links are written as separate copies.
pub fn write(tree: &FsTree) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, (path, node)) in tree.nodes().enumerate() {
        let perm = node.mode & 0o7777;
        let (mode, data, rdev, nlink): (u32, &[u8], (u32, u32), u32) = match &node.kind {
            NodeKind::File(data) => (0o100000 | perm, data, (0, 0), 1),
            NodeKind::HardLink(target) => match tree.get(target).map(|n| &n.kind) {
                Some(NodeKind::File(d)) => (0o100000 | perm, d, (0, 0), 1),
                _ => (0o100000 | perm, &[], (0, 0), 1),
            },
            NodeKind::Dir => (0o040000 | perm, &[], (0, 0), 2),
            NodeKind::Symlink(t) => (0o120777, t.as_bytes(), (0, 0), 1),
            NodeKind::CharDevice(ma, mi) => (0o020000 | perm, &[], (*ma, *mi), 1),
            NodeKind::BlockDevice(ma, mi) => (0o060000 | perm, &[], (*ma, *mi), 1),
            NodeKind::Fifo => (0o010000 | perm, &[], (0, 0), 1),
        };
        entry(
            &mut out,
            &Member {
                ino: i as u64 + 1,
                mode,
                uid: node.uid,
                gid: node.gid,
                mtime: node.mtime,
                nlink,
                name: path,
                data,
                rdev,
            },
        );
    }
    let trailer = Member {
        ino: 0,
        mode: 0,
        uid: 0,
        gid: 0,
        mtime: 0,
        nlink: 1,
        name: "TRAILER!!!",
        data: &[],
        rdev: (0, 0),
    };
    entry(&mut out, &trailer);
    while !out.len().is_multiple_of(512) {
        out.push(0);
    }
    out
}
