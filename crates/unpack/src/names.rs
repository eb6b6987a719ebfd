//! Entry names from hostile images made into safe virtual paths.
//!
//! A virtual path is UTF-8, relative, has no empty, `.` or `..` components, and no control
//! bytes. Bytes that cannot be shown as they are (invalid UTF-8, control characters, the
//! backslash itself) are written as `\xNN`, so the mapping is reversible and nothing is lost.
//! A component ending in `!` gets its `!` escaped, because `!/` separates nested images.

/// A name made safe, with the reason it had to be rewritten, if it did.
#[derive(Debug, PartialEq, Eq)]
pub struct SafeName {
    /// Relative, normalised path; empty for the archive root.
    pub path: String,
    /// Why the raw name was unsafe, when it was.
    pub unsafe_reason: Option<&'static str>,
}

/// Normalises a raw archive entry name.
pub fn normalize(raw: &[u8]) -> SafeName {
    let mut reason = None;
    if raw.first() == Some(&b'/') {
        reason = Some("absolute path made relative");
    }
    let mut parts: Vec<String> = Vec::new();
    for comp in raw.split(|&b| b == b'/') {
        match comp {
            b"" | b"." => {}
            b".." => {
                reason = Some("`..` component removed");
                parts.pop();
            }
            _ => {
                if comp.iter().any(|&b| b < 0x20 || b == 0x7f) {
                    reason = Some("control or NUL byte escaped");
                }
                parts.push(escape_component(comp));
            }
        }
    }
    SafeName {
        path: parts.join("/"),
        unsafe_reason: reason,
    }
}

/// Escapes one path component (which contains no `/`).
pub fn escape_component(comp: &[u8]) -> String {
    let mut out = escape_bytes(comp);
    if out.ends_with('!') {
        out.pop();
        out.push_str("\\x21");
    }
    out
}

/// Escapes bytes into a printable string: invalid UTF-8, control characters and `\` become
/// `\xNN`.
pub fn escape_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            if c.is_control() || c == '\\' {
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    push_hex(&mut out, b);
                }
            } else {
                out.push(c);
            }
        }
        for &b in chunk.invalid() {
            push_hex(&mut out, b);
        }
    }
    out
}

fn push_hex(out: &mut String, b: u8) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('\\');
    out.push('x');
    out.push(HEX[(b >> 4) as usize] as char);
    out.push(HEX[(b & 15) as usize] as char);
}

/// Undoes [`escape_bytes`]: `\xNN` back to the byte.
pub fn unescape(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\'
            && i + 3 < b.len()
            && b[i + 1] == b'x'
            && let (Some(h), Some(l)) = (hex_val(b[i + 2]), hex_val(b[i + 3]))
        {
            out.push(h << 4 | l);
            i += 4;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

fn hex_val(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// A directory entry name from a filesystem, made into one path component: a `/` inside it
/// (impossible in a genuine filesystem) becomes NUL, which [`normalize`] escapes and reports,
/// so the name cannot add path levels.
pub fn fs_component(name: &[u8]) -> Vec<u8> {
    name.iter()
        .map(|&b| if b == b'/' { 0 } else { b })
        .collect()
}

/// Joins a normalised name under a parent virtual path.
pub fn join(parent: &str, name: &str) -> String {
    if parent.is_empty() {
        name.to_string()
    } else if name.is_empty() {
        parent.to_string()
    } else {
        format!("{parent}/{name}")
    }
}

/// The virtual path of content inside the image at `image_path`.
pub fn inside(image_path: &str, name: &str) -> String {
    format!("{image_path}!/{name}")
}

/// A path inside an image as messages show it: `/` for the root, else escaped.
pub(crate) fn shown(path: &[u8]) -> String {
    if path.is_empty() {
        "/".into()
    } else {
        escape_bytes(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_names_pass_through() {
        assert_eq!(
            normalize(b"./etc//init.d/rcS"),
            SafeName {
                path: "etc/init.d/rcS".into(),
                unsafe_reason: None
            }
        );
        assert_eq!(normalize(b"./").path, "");
    }

    #[test]
    fn dot_dot_never_escapes_the_root() {
        let n = normalize(b"../../etc/passwd");
        assert_eq!(n.path, "etc/passwd");
        assert!(n.unsafe_reason.is_some());
        assert_eq!(normalize(b"a/b/../../../c").path, "c");
    }

    #[test]
    fn absolute_names_become_relative() {
        let n = normalize(b"/etc/shadow");
        assert_eq!(n.path, "etc/shadow");
        assert_eq!(n.unsafe_reason, Some("absolute path made relative"));
    }

    #[test]
    fn nul_control_and_invalid_bytes_are_escaped_reversibly() {
        let raw = b"bin/ev\0il\n\xff\\x";
        let n = normalize(raw);
        assert_eq!(n.path, "bin/ev\\x00il\\x0a\\xff\\x5cx");
        assert!(n.unsafe_reason.is_some());
        assert_eq!(unescape(&n.path), raw.to_vec());
    }

    #[test]
    fn trailing_bang_cannot_forge_a_nesting_separator() {
        assert_eq!(normalize(b"fake!/etc/shadow").path, "fake\\x21/etc/shadow");
    }

    #[test]
    fn utf8_names_are_kept() {
        assert_eq!(normalize("über/日本".as_bytes()).path, "über/日本");
    }
}
