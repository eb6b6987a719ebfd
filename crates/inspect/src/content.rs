//! A file as the file-stage checks see it: its entry, its bytes and what kind of content it is.

use netvet_unpack::Entry;

/// What a file's bytes look like.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContentKind {
    Empty,
    Elf,
    /// Mostly printable: scripts, configuration, keys, web pages.
    Text,
    /// Anything else.
    Binary,
}

/// Files larger than this are not classified as text even if they look like it (logs and
/// databases are not configuration).
const MAX_TEXT: usize = 4 << 20;

impl ContentKind {
    /// Classifies content by its first bytes.
    pub fn of(data: &[u8]) -> ContentKind {
        if data.is_empty() {
            return ContentKind::Empty;
        }
        if data.starts_with(b"\x7fELF") {
            return ContentKind::Elf;
        }
        let sample = &data[..data.len().min(8192)];
        let printable = sample
            .iter()
            .filter(|&&b| {
                b == b'\n' || b == b'\r' || b == b'\t' || (0x20..0x7f).contains(&b) || b >= 0x80
            })
            .count();
        let nul = memchr::memchr(0, sample).is_some();
        if !nul && printable * 100 >= sample.len() * 97 && data.len() <= MAX_TEXT {
            ContentKind::Text
        } else {
            ContentKind::Binary
        }
    }
}

/// A file handed to a check during the scan's single pass.
pub struct FileCtx<'a> {
    pub entry: &'a Entry,
    /// The file's content (up to the scan's size cap).
    pub data: &'a [u8],
    pub kind: ContentKind,
    /// Whether `data` is the whole file.
    pub complete: bool,
    /// `data` as text, made once for every check that reads it (see [`FileCtx::lossy`]).
    pub lossy: std::cell::OnceCell<std::borrow::Cow<'a, str>>,
}

impl<'a> FileCtx<'a> {
    /// The path inside its filesystem, from `/` (`/etc/shadow`). For the decoded content of a
    /// compressed member (`/usr/share/man/man8/x.8.gz!/x.8`) it is the member's path, so checks
    /// judge it by where it lives.
    pub fn fs_path(&self) -> &str {
        if matches!(
            self.entry.origin,
            netvet_unpack::Origin::Decoded { from_member: true }
        ) {
            return fs_path(netvet_unpack::tree::image_root(&self.entry.path));
        }
        fs_path(&self.entry.path)
    }

    /// The file's content as text, invalid UTF-8 replaced (checked and converted once per
    /// file, whichever check asks first).
    pub fn lossy(&self) -> &str {
        self.lossy
            .get_or_init(|| String::from_utf8_lossy(self.data))
    }
}

/// The part of a virtual path inside its innermost image, as an absolute path.
pub fn fs_path(vpath: &str) -> &str {
    match vpath.rfind("!/") {
        Some(i) => &vpath[i + 1..],
        None => vpath,
    }
}

/// Printable ASCII runs of at least `min` bytes in binary data, with their offsets.
///
/// A run of `min` bytes or more that starts at or after `i` holds byte `i + min - 1` when it
/// starts no later than that, so where that byte is not printable the search skips `min`
/// bytes at once: in code and compressed data most bytes are looked at once or not at all.
pub fn strings(data: &[u8], min: usize) -> impl Iterator<Item = (usize, &str)> {
    let min = min.max(1);
    let printable = |b: u8| (0x20..0x7f).contains(&b);
    // `i` is 0 or follows a byte that is not printable.
    let mut i: usize = 0;
    std::iter::from_fn(move || {
        loop {
            let j = i.checked_add(min - 1).filter(|&j| j < data.len())?;
            if !printable(data[j]) {
                i = j + 1;
                continue;
            }
            let mut start = j;
            while start > i && printable(data[start - 1]) {
                start -= 1;
            }
            let mut end = j + 1;
            while end < data.len() && printable(data[end]) {
                end += 1;
            }
            i = end + 1;
            if end - start >= min {
                // Printable ASCII is valid UTF-8.
                if let Ok(s) = std::str::from_utf8(&data[start..end]) {
                    return Some((start, s));
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_content() {
        assert_eq!(ContentKind::of(b""), ContentKind::Empty);
        assert_eq!(ContentKind::of(b"\x7fELF\x02\x01"), ContentKind::Elf);
        assert_eq!(
            ContentKind::of(b"root:x:0:0::/root:/bin/sh\n"),
            ContentKind::Text
        );
        assert_eq!(ContentKind::of(b"ab\0cd"), ContentKind::Binary);
    }

    /// Every maximal printable run of `min` bytes or more, one byte at a time.
    fn strings_naive(data: &[u8], min: usize) -> Vec<(usize, String)> {
        let mut out = Vec::new();
        let mut start = 0;
        for i in 0..=data.len() {
            if i == data.len() || !(0x20..0x7f).contains(&data[i]) {
                if i - start >= min.max(1) {
                    out.push((start, String::from_utf8(data[start..i].to_vec()).unwrap()));
                }
                start = i + 1;
            }
        }
        out
    }

    #[test]
    fn skipping_search_finds_what_a_byte_by_byte_one_does() {
        // A small deterministic generator: runs of every length among binary bytes.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for round in 0..200 {
            let len = (next() % 600) as usize;
            let data: Vec<u8> = (0..len)
                .map(|_| match next() % 4 {
                    0 => (next() % 256) as u8,
                    _ => 0x20 + (next() % 0x5f) as u8,
                })
                .collect();
            for min in [0, 1, 2, 4, 7, 16, 40] {
                let fast: Vec<(usize, String)> = strings(&data, min)
                    .map(|(o, s)| (o, s.to_string()))
                    .collect();
                assert_eq!(fast, strings_naive(&data, min), "round {round} min {min}");
            }
        }
        assert_eq!(strings(b"", 4).count(), 0);
        assert_eq!(strings(b"abc", 4).count(), 0);
        assert_eq!(strings(b"abcd", 4).collect::<Vec<_>>(), [(0, "abcd")]);
    }

    #[test]
    fn strings_are_found_with_offsets() {
        let data = b"\x01\x02hello world\x00ab\x00longer string here\xff";
        let s: Vec<_> = strings(data, 5).collect();
        assert_eq!(s, [(2, "hello world"), (17, "longer string here")]);
    }

    #[test]
    fn fs_paths() {
        assert_eq!(fs_path("fw.bin!/0x100.squashfs!/etc/shadow"), "/etc/shadow");
        assert_eq!(fs_path("plain"), "plain");
    }
}
