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

    /// The file's text, when it is text (invalid UTF-8 replaced).
    pub fn text(&self) -> Option<std::borrow::Cow<'a, str>> {
        (self.kind == ContentKind::Text).then(|| String::from_utf8_lossy(self.data))
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
pub fn strings(data: &[u8], min: usize) -> impl Iterator<Item = (usize, &str)> {
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < data.len() {
            let start = i;
            while i < data.len() && (0x20..0x7f).contains(&data[i]) {
                i += 1;
            }
            let end = i;
            i += 1;
            if end - start >= min {
                // Printable ASCII is valid UTF-8.
                return std::str::from_utf8(&data[start..end])
                    .ok()
                    .map(|s| (start, s));
            }
        }
        None
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
