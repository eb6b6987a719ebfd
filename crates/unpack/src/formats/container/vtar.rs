//! The merged root filesystem as a tar stream made on demand: each entry's headers are built
//! when they are read, file data is read from the decoded layers where it lies. Nothing is
//! copied; the stream is a [`Source`] like any other, which the tar reader then opens.

use std::io;

use netvet_model::EntryKind;

use crate::source::{Source, SourceRef};

const BLOCK: u64 = 512;
/// ustar's name and link name fields.
const NAME_FIELD: usize = 100;

/// One entry of the stream.
pub(crate) struct Member {
    /// Path relative to the root in raw bytes, without leading or trailing `/`.
    pub name: Vec<u8>,
    /// File, hard link, symlink, directory, device or fifo.
    pub kind: EntryKind,
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub mtime: i64,
    /// Symlink target, or the name of the member a hard link shares its data with.
    pub link: Option<Vec<u8>>,
    pub device: Option<(u32, u32)>,
    pub xattrs: Vec<(String, Vec<u8>)>,
    /// Content of a file.
    pub data: Option<SourceRef>,
}

impl Member {
    /// A member owned by root, mode 0644, without link, device, xattrs or content.
    #[cfg(test)]
    pub(crate) fn plain(name: &[u8], kind: EntryKind) -> Member {
        Member {
            name: name.to_vec(),
            kind,
            mode: 0o644,
            uid: 0,
            gid: 0,
            mtime: 0,
            link: None,
            device: None,
            xattrs: Vec::new(),
            data: None,
        }
    }

    fn data_len(&self) -> u64 {
        match (&self.data, self.kind) {
            (Some(d), EntryKind::File) => d.len(),
            _ => 0,
        }
    }
}

/// A tar archive of `members`, generated as it is read.
pub(crate) struct VirtualTar {
    members: Vec<Member>,
    /// Start of each member's headers; the last element is where the end-of-archive blocks
    /// start.
    starts: Vec<u64>,
    header_lens: Vec<u32>,
    len: u64,
}

impl VirtualTar {
    /// The stream of `members`, in the order given.
    pub fn new(members: Vec<Member>) -> VirtualTar {
        let mut starts = Vec::with_capacity(members.len() + 1);
        let mut header_lens = Vec::with_capacity(members.len());
        let mut at = 0u64;
        for m in &members {
            starts.push(at);
            let h = headers(m).len() as u64;
            header_lens.push(h as u32);
            at += h + m.data_len().div_ceil(BLOCK) * BLOCK;
        }
        starts.push(at);
        VirtualTar {
            members,
            starts,
            header_lens,
            len: at + 2 * BLOCK,
        }
    }

    /// Number of members.
    pub fn count(&self) -> usize {
        self.members.len()
    }
}

impl Source for VirtualTar {
    fn len(&self) -> u64 {
        self.len
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        if offset >= self.len {
            return Ok(0);
        }
        let want = (self.len - offset).min(buf.len() as u64) as usize;
        let mut done = 0usize;
        while done < want {
            let pos = offset + done as u64;
            let out = &mut buf[done..want];
            // starts[0] is 0, so at least one start is <= pos.
            let i = self.starts.partition_point(|&s| s <= pos) - 1;
            let Some(m) = self.members.get(i) else {
                out.fill(0); // end-of-archive blocks
                done = want;
                break;
            };
            let rel = pos - self.starts[i];
            let header_len = self.header_lens[i] as u64;
            let data_len = m.data_len();
            let n = if rel < header_len {
                let h = headers(m);
                let n = out.len().min((header_len - rel) as usize);
                out[..n].copy_from_slice(&h[rel as usize..rel as usize + n]);
                n
            } else if rel - header_len < data_len {
                let at = rel - header_len;
                let n = out.len().min((data_len - at) as usize);
                let src = m.data.as_ref().map(|d| d.read_at(at, &mut out[..n]));
                match src {
                    Some(Ok(0)) | None => {
                        return Err(io::Error::new(
                            io::ErrorKind::UnexpectedEof,
                            "layer data shorter than its entry",
                        ));
                    }
                    Some(r) => r?,
                }
            } else {
                let end = self.starts[i + 1] - self.starts[i];
                let n = out.len().min((end - rel) as usize);
                out[..n].fill(0);
                n
            };
            done += n;
        }
        Ok(done)
    }
}

/// The header blocks of a member: a pax extended header when a value does not fit ustar's
/// fields (long or NUL-bearing names, negative times, xattrs), then the ustar header.
fn headers(m: &Member) -> Vec<u8> {
    let mut name = m.name.clone();
    if m.kind == EntryKind::Dir {
        name.push(b'/');
    }
    let link = m.link.as_deref().unwrap_or_default();
    let mut pax = Vec::new();
    if name.len() > NAME_FIELD || name.contains(&0) {
        record(&mut pax, b"path", &name);
    }
    if link.len() > NAME_FIELD || link.contains(&0) {
        record(&mut pax, b"linkpath", link);
    }
    if m.mtime < 0 {
        record(&mut pax, b"mtime", m.mtime.to_string().as_bytes());
    }
    for (k, v) in &m.xattrs {
        record(&mut pax, format!("SCHILY.xattr.{k}").as_bytes(), v);
    }
    let mut out = Vec::with_capacity(2 * BLOCK as usize + pax.len());
    if !pax.is_empty() {
        let h = Ustar {
            name: b"././@PaxHeader",
            typeflag: b'x',
            mode: 0o644,
            uid: 0,
            gid: 0,
            size: pax.len() as u64,
            mtime: 0,
            link: b"",
            device: None,
        };
        out.extend_from_slice(&h.block());
        out.extend_from_slice(&pax);
        out.resize(out.len().div_ceil(BLOCK as usize) * BLOCK as usize, 0);
    }
    let typeflag = match m.kind {
        EntryKind::File => b'0',
        EntryKind::HardLink => b'1',
        EntryKind::Symlink => b'2',
        EntryKind::CharDevice => b'3',
        EntryKind::BlockDevice => b'4',
        EntryKind::Dir => b'5',
        EntryKind::Fifo | EntryKind::Socket => b'6',
    };
    let h = Ustar {
        name: &name[..name.len().min(NAME_FIELD)],
        typeflag,
        mode: m.mode & 0o7777,
        uid: m.uid,
        gid: m.gid,
        size: m.data_len(),
        mtime: m.mtime.max(0) as u64,
        link: &link[..link.len().min(NAME_FIELD)],
        device: m.device,
    };
    out.extend_from_slice(&h.block());
    out
}

/// A pax record: `"<len> <key>=<value>\n"`, where `<len>` counts the whole record.
fn record(out: &mut Vec<u8>, key: &[u8], value: &[u8]) {
    let body = key.len() + value.len() + 3; // space, '=', newline
    let mut len = body + 1;
    while len != body + len.to_string().len() {
        len = body + len.to_string().len();
    }
    out.extend_from_slice(len.to_string().as_bytes());
    out.push(b' ');
    out.extend_from_slice(key);
    out.push(b'=');
    out.extend_from_slice(value);
    out.push(b'\n');
}

struct Ustar<'a> {
    name: &'a [u8],
    typeflag: u8,
    mode: u32,
    uid: u32,
    gid: u32,
    size: u64,
    mtime: u64,
    link: &'a [u8],
    device: Option<(u32, u32)>,
}

impl Ustar<'_> {
    fn block(&self) -> [u8; BLOCK as usize] {
        let mut h = [0u8; BLOCK as usize];
        h[..self.name.len()].copy_from_slice(self.name);
        number(&mut h[100..108], self.mode as u64);
        number(&mut h[108..116], self.uid as u64);
        number(&mut h[116..124], self.gid as u64);
        number(&mut h[124..136], self.size);
        number(&mut h[136..148], self.mtime);
        h[156] = self.typeflag;
        h[157..157 + self.link.len()].copy_from_slice(self.link);
        h[257..263].copy_from_slice(b"ustar\0");
        h[263..265].copy_from_slice(b"00");
        if let Some((major, minor)) = self.device {
            number(&mut h[329..337], major as u64);
            number(&mut h[337..345], minor as u64);
        }
        h[148..156].fill(b' ');
        let sum: u32 = h.iter().map(|&b| b as u32).sum();
        h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
        h
    }
}

/// Writes `v` as zero-padded octal with a terminating NUL, or as GNU base-256 when it does
/// not fit (the tar reader takes both).
fn number(field: &mut [u8], v: u64) {
    let digits = field.len() - 1;
    if digits * 3 >= 64 || v < 1u64 << (3 * digits) {
        let s = format!("{v:0digits$o}");
        field[..digits].copy_from_slice(s.as_bytes());
        field[digits] = 0;
    } else {
        field.fill(0);
        field[0] = 0x80;
        let be = v.to_be_bytes();
        let n = be.len().min(field.len() - 1);
        let at = field.len() - n;
        field[at..].copy_from_slice(&be[be.len() - n..]);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::formats::tar::{number as parse_number, parse_pax};
    use crate::source::{MemSource, SourceExt};

    fn member(name: &[u8], kind: EntryKind) -> Member {
        Member::plain(name, kind)
    }

    #[test]
    fn numbers_fall_back_to_base256() {
        let mut f = [0u8; 8];
        number(&mut f, 0o644);
        assert_eq!(&f, b"0000644\0");
        assert_eq!(parse_number(&f), Some(0o644));
        number(&mut f, u32::MAX as u64);
        assert_eq!(f[0], 0x80);
        assert_eq!(parse_number(&f), Some(u32::MAX as u64));
        let mut size = [0u8; 12];
        number(&mut size, 10 << 33);
        assert_eq!(parse_number(&size), Some(10 << 33));
    }

    #[test]
    fn pax_records_count_their_own_length() {
        let mut out = Vec::new();
        record(&mut out, b"path", &[b'n'; 93]); // 93 + 7 = 100 with a 3-digit length: 103
        record(&mut out, b"a", b"b");
        let parsed = parse_pax(&out);
        assert_eq!(parsed.len(), 2);
        assert_eq!(parsed[0].1, vec![b'n'; 93]);
        assert_eq!(parsed[1], ("a".to_string(), b"b".to_vec()));
    }

    #[test]
    fn reads_span_members_and_match_one_big_read() {
        let data: SourceRef = Arc::new(MemSource::new(b"hello world".to_vec()));
        let mut long = member(&[b'x'; 150], EntryKind::File);
        long.data = Some(data.clone());
        long.xattrs.push(("user.a".into(), b"1".to_vec()));
        let mut link = member(b"sym", EntryKind::Symlink);
        link.link = Some(b"target".to_vec());
        let vt = VirtualTar::new(vec![member(b"dir", EntryKind::Dir), long, link]);
        assert_eq!(vt.len() % BLOCK, 0);
        let whole = vt.read_vec(0, vt.len() as usize).unwrap();
        for step in [1usize, 7, 511, 513, 4096] {
            let mut pieced = Vec::new();
            let mut at = 0u64;
            while at < vt.len() {
                let mut buf = vec![0u8; step];
                let n = vt.read_at(at, &mut buf).unwrap();
                assert!(n > 0);
                pieced.extend_from_slice(&buf[..n]);
                at += n as u64;
            }
            assert_eq!(pieced, whole, "reads of {step} bytes");
        }
        assert!(whole.windows(11).any(|w| w == b"hello world"));
        assert!(whole[whole.len() - 1024..].iter().all(|&b| b == 0));
    }
}
