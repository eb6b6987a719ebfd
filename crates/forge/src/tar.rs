//! ustar writer; names that do not fit the name and prefix fields use GNU long names.

use crate::tree::{FsNode, FsTree, NodeKind};

fn octal(field: &mut [u8], v: u64) {
    let s = format!("{:0width$o}\0", v, width = field.len() - 1);
    field.copy_from_slice(&s.as_bytes()[s.len() - field.len()..]);
}

fn copy(field: &mut [u8], s: &str) {
    let n = s.len().min(field.len());
    field[..n].copy_from_slice(&s.as_bytes()[..n]);
}

fn header(name: &str, n: &FsNode, size: u64, typeflag: u8, link: &str, dev: (u32, u32)) -> Vec<u8> {
    let mut h = vec![0u8; 512];
    let (prefix, base) = match name[..name.len().min(156)].rfind('/') {
        Some(split) if name.len() > 100 => (&name[..split], &name[split + 1..]),
        _ => ("", name),
    };
    copy(&mut h[..100], base);
    octal(&mut h[100..108], n.mode as u64);
    octal(&mut h[108..116], n.uid as u64);
    octal(&mut h[116..124], n.gid as u64);
    octal(&mut h[124..136], size);
    octal(&mut h[136..148], n.mtime as u64);
    h[156] = typeflag;
    copy(&mut h[157..257], link);
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    octal(&mut h[329..337], dev.0 as u64);
    octal(&mut h[337..345], dev.1 as u64);
    copy(&mut h[345..500], prefix);
    h[148..156].copy_from_slice(b"        ");
    let sum: u64 = h.iter().map(|&b| b as u64).sum();
    octal(&mut h[148..155], sum);
    h[155] = b' ';
    h
}

/// Writes `tree` as a ustar archive.
pub fn write(tree: &FsTree) -> Vec<u8> {
    let mut out = Vec::new();
    for (path, n) in tree.nodes() {
        let (flag, data, link, dev): (u8, &[u8], &str, (u32, u32)) = match &n.kind {
            NodeKind::File(d) => (b'0', d, "", (0, 0)),
            NodeKind::Dir => (b'5', &[], "", (0, 0)),
            NodeKind::Symlink(t) => (b'2', &[], t, (0, 0)),
            NodeKind::HardLink(t) => (b'1', &[], t, (0, 0)),
            NodeKind::CharDevice(a, b) => (b'3', &[], "", (*a, *b)),
            NodeKind::BlockDevice(a, b) => (b'4', &[], "", (*a, *b)),
            NodeKind::Fifo => (b'6', &[], "", (0, 0)),
        };
        let name = if n.kind == NodeKind::Dir {
            format!("{path}/")
        } else {
            path.to_string()
        };
        let (_, base) = name[..name.len().min(156)]
            .rfind('/')
            .map_or(("", name.as_str()), |i| (&name[..i], &name[i + 1..]));
        if name.len() > 100 && (base.len() > 100 || name.len() > 255) {
            // GNU long name: a pseudo-entry whose data is the full name.
            let mut long = name.as_bytes().to_vec();
            long.push(0);
            out.extend(header(
                "././@LongLink",
                n,
                long.len() as u64,
                b'L',
                "",
                (0, 0),
            ));
            out.extend(&long);
            while !out.len().is_multiple_of(512) {
                out.push(0);
            }
        }
        out.extend(header(&name, n, data.len() as u64, flag, link, dev));
        out.extend(data);
        while !out.len().is_multiple_of(512) {
            out.push(0);
        }
    }
    out.extend([0u8; 1024]);
    out
}
