//! SHA-256 digests as object keys.
//!
//! A digest given by a caller is the only part of an object key that comes from outside, so it
//! is checked here, once, before any key is formed: exactly 64 characters of `0-9a-f`. Nothing
//! else can reach a key, so no caller can make a path or key that leaves `sha256/`.

use object_store::path::Path;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// The prefix under which every artifact is stored.
pub(crate) const OBJECTS: &str = "sha256";

/// Checks that `value` is a SHA-256 digest written as 64 lowercase hex digits.
pub fn validate_sha256(value: &str) -> Result<()> {
    let ok = value.len() == 64
        && value
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidSha256 {
            shown: shown(value),
        })
    }
}

/// The object key of an artifact: `sha256/ab/abcdef…` (the first two hex digits fan the
/// objects out over 256 directories, which keeps local directories small).
pub fn object_key(sha256: &str) -> Result<Path> {
    validate_sha256(sha256)?;
    let fan = sha256.get(..2).unwrap_or_default();
    Ok(Path::from_iter([OBJECTS, fan, sha256]))
}

/// A running SHA-256 over the bytes of one artifact, with their count.
#[derive(Default)]
pub(crate) struct Hashing {
    hasher: Sha256,
    pub(crate) size: u64,
}

impl Hashing {
    pub(crate) fn update(&mut self, bytes: &[u8]) {
        self.hasher.update(bytes);
        // usize → u64 never truncates on supported targets.
        self.size = self.size.saturating_add(bytes.len() as u64);
    }

    /// The digest as 64 lowercase hex digits.
    pub(crate) fn finish(self) -> String {
        hex::encode(self.hasher.finalize())
    }
}

/// A rejected value as it may appear in a message: escaped, at most 80 characters.
fn shown(value: &str) -> String {
    const MAX: usize = 80;
    let mut out: String = value
        .chars()
        .take(MAX)
        .flat_map(char::escape_debug)
        .collect();
    if value.chars().nth(MAX).is_some() {
        out.push('…');
    }
    format!("\"{out}\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    const ABC: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    #[test]
    fn key_fans_out_by_first_byte() {
        assert_eq!(
            object_key(ABC).unwrap().as_ref(),
            format!("sha256/ba/{ABC}")
        );
    }

    #[test]
    fn hashing_matches_known_digest() {
        let mut h = Hashing::default();
        h.update(b"a");
        h.update(b"bc");
        assert_eq!(h.size, 3);
        assert_eq!(h.finish(), ABC);
    }

    #[test]
    fn rejects_everything_but_64_lowercase_hex() {
        let upper = ABC.to_uppercase();
        let traversal = format!("../../{}", &ABC[6..]);
        let slash = format!("{}/{}", &ABC[..31], &ABC[32..]);
        let short = &ABC[..63];
        let long = format!("{ABC}0");
        let non_ascii = format!("{}é", &ABC[..62]);
        for bad in [
            &upper, &traversal, &slash, short, &long, &non_ascii, "", "..",
        ] {
            assert!(
                matches!(validate_sha256(bad), Err(Error::InvalidSha256 { .. })),
                "{bad:?} accepted"
            );
            assert!(object_key(bad).is_err(), "{bad:?} made a key");
        }
    }

    #[test]
    fn rejected_value_is_escaped_and_cut() {
        let hostile = format!("\n{}", "x".repeat(500));
        let Err(Error::InvalidSha256 { shown }) = validate_sha256(&hostile) else {
            panic!("accepted")
        };
        assert!(shown.starts_with("\"\\nxxx"), "{shown}");
        assert!(shown.ends_with("…\""), "{shown}");
        // Quotes, the escaped newline, 79 of the x's and the ellipsis.
        assert_eq!(shown.chars().count(), 2 + 2 + 79 + 1);
    }
}
