//! The rpm scheme: `[epoch:]version[-release]`, compared as rpm itself compares them
//! (`rpmVersionCompare` over `rpmvercmp`, rpm's `lib/rpmvercmp.c`). Red Hat, Rocky Linux,
//! AlmaLinux, openEuler, openSUSE and SUSE package versions and their OSV advisories use it.
//!
//! Comparison:
//! - the epoch first, numerically; a version without one has epoch 0 (rpm's rule: `1.0-1` and
//!   `0:1.0-1` are the same version);
//! - then the version, then the release, each with `rpmvercmp`; the release is compared only
//!   when both sides have one (rpm's `rpmdsCompareEVR`), so an advisory bound `1.2.3` covers
//!   every release of 1.2.3.
//!
//! `rpmvercmp` splits a string into segments of ASCII digits or ASCII letters; every other
//! byte only separates segments (`2.0` = `2_0`, `a+` = `a_`). Segments compare left to right:
//! numbers numerically (leading zeros ignored: `10.0001` = `10.1`), letters byte-wise, and a
//! number is newer than letters (`6.0.rc1 > 6.0`, `2 > xyz.4`). When one string runs out, the
//! other is newer (`2.0.1 > 2.0`), with two exceptions:
//! - `~` sorts before everything, even the end of the string: `1.0~rc1 < 1.0`,
//!   `1.0~rc1~git123 < 1.0~rc1`;
//! - `^` sorts after the end of the string but before any further segment: `1.0 < 1.0^git1 <
//!   1.0.1` and `1.0^git1 < 1.01`.
//!
//! What this scheme refuses (so a match is never guessed from it): empty strings, whitespace
//! and control characters, an epoch that is not a number below 2^32 (`x:1.0`), an empty version
//! (`1:`, `-1`) or release (`1.0-`), and strings longer than 256 bytes.

use std::cmp::Ordering;

/// A parsed rpm version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RpmVersion {
    epoch: u32,
    version: String,
    release: Option<String>,
}

/// Longest version string accepted.
const MAX_LEN: usize = 256;

/// Parses `[epoch:]version[-release]`, or `None` (see the module docs for what is refused).
pub fn parse(v: &str) -> Option<RpmVersion> {
    if v.is_empty() || v.len() > MAX_LEN || v.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return None;
    }
    let (epoch, rest) = match v.split_once(':') {
        Some((e, rest)) => {
            if e.is_empty() || !e.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            (e.parse::<u32>().ok()?, rest)
        }
        None => (0, v),
    };
    // A version never contains '-' (rpm refuses it in spec files): the last one separates
    // the release.
    let (version, release) = match rest.rsplit_once('-') {
        Some((ver, rel)) => (ver, Some(rel)),
        None => (rest, None),
    };
    if version.is_empty() || release.is_some_and(str::is_empty) || version.contains(':') {
        return None;
    }
    Some(RpmVersion {
        epoch,
        version: version.to_string(),
        release: release.map(str::to_string),
    })
}

impl Ord for RpmVersion {
    fn cmp(&self, o: &Self) -> Ordering {
        self.epoch
            .cmp(&o.epoch)
            .then_with(|| rpmvercmp(&self.version, &o.version))
            .then_with(|| match (&self.release, &o.release) {
                (Some(a), Some(b)) => rpmvercmp(a, b),
                _ => Ordering::Equal,
            })
    }
}

impl PartialOrd for RpmVersion {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

/// rpm's `rpmvercmp` on one version or release string.
pub fn rpmvercmp(a: &str, b: &str) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    let separator = |c: u8| !c.is_ascii_alphanumeric() && c != b'~' && c != b'^';
    while i < a.len() || j < b.len() {
        while i < a.len() && separator(a[i]) {
            i += 1;
        }
        while j < b.len() && separator(b[j]) {
            j += 1;
        }
        let (ca, cb) = (a.get(i).copied(), b.get(j).copied());
        // '~' sorts before everything, the end of the string included.
        if ca == Some(b'~') || cb == Some(b'~') {
            if ca != Some(b'~') {
                return Ordering::Greater;
            }
            if cb != Some(b'~') {
                return Ordering::Less;
            }
            i += 1;
            j += 1;
            continue;
        }
        // '^' sorts after the end of the string but before anything else.
        if ca == Some(b'^') || cb == Some(b'^') {
            if ca.is_none() {
                return Ordering::Less;
            }
            if cb.is_none() {
                return Ordering::Greater;
            }
            if ca != Some(b'^') {
                return Ordering::Greater;
            }
            if cb != Some(b'^') {
                return Ordering::Less;
            }
            i += 1;
            j += 1;
            continue;
        }
        if ca.is_none() || cb.is_none() {
            break;
        }
        let numeric = a[i].is_ascii_digit();
        let class = |c: u8| {
            if numeric {
                c.is_ascii_digit()
            } else {
                c.is_ascii_alphabetic()
            }
        };
        let (si, sj) = (i, j);
        while i < a.len() && class(a[i]) {
            i += 1;
        }
        while j < b.len() && class(b[j]) {
            j += 1;
        }
        let (mut sa, mut sb) = (&a[si..i], &b[sj..j]);
        // Segments of different kinds: a number is newer than letters.
        if sb.is_empty() {
            return if numeric {
                Ordering::Greater
            } else {
                Ordering::Less
            };
        }
        if numeric {
            while sa.first() == Some(&b'0') {
                sa = &sa[1..];
            }
            while sb.first() == Some(&b'0') {
                sb = &sb[1..];
            }
            match sa.len().cmp(&sb.len()) {
                Ordering::Equal => {}
                longer => return longer,
            }
        }
        match sa.cmp(sb) {
            Ordering::Equal => {}
            other => return other,
        }
    }
    match (i >= a.len(), j >= b.len()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        _ => Ordering::Greater,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// rpm's own test cases (`tests/rpmvercmp.at`, rpm-software-management/rpm), including
    /// the caret and tilde cases; `(a, b, rpm.vercmp(a, b))`.
    const RPMVERCMP_AT: &[(&str, &str, i32)] = &[
        ("1.0", "1.0", 0),
        ("1.0", "2.0", -1),
        ("2.0", "1.0", 1),
        ("2.0.1", "2.0.1", 0),
        ("2.0", "2.0.1", -1),
        ("2.0.1", "2.0", 1),
        ("2.0.1a", "2.0.1a", 0),
        ("2.0.1a", "2.0.1", 1),
        ("2.0.1", "2.0.1a", -1),
        ("5.5p1", "5.5p1", 0),
        ("5.5p1", "5.5p2", -1),
        ("5.5p2", "5.5p1", 1),
        ("5.5p10", "5.5p10", 0),
        ("5.5p1", "5.5p10", -1),
        ("5.5p10", "5.5p1", 1),
        ("10xyz", "10.1xyz", -1),
        ("10.1xyz", "10xyz", 1),
        ("xyz10", "xyz10", 0),
        ("xyz10", "xyz10.1", -1),
        ("xyz10.1", "xyz10", 1),
        ("xyz.4", "xyz.4", 0),
        ("xyz.4", "8", -1),
        ("8", "xyz.4", 1),
        ("xyz.4", "2", -1),
        ("2", "xyz.4", 1),
        ("5.5p2", "5.6p1", -1),
        ("5.6p1", "5.5p2", 1),
        ("5.6p1", "6.5p1", -1),
        ("6.5p1", "5.6p1", 1),
        ("6.0.rc1", "6.0", 1),
        ("6.0", "6.0.rc1", -1),
        ("10b2", "10a1", 1),
        ("10a2", "10b2", -1),
        ("1.0aa", "1.0aa", 0),
        ("1.0a", "1.0aa", -1),
        ("1.0aa", "1.0a", 1),
        ("10.0001", "10.0001", 0),
        ("10.0001", "10.1", 0),
        ("10.1", "10.0001", 0),
        ("10.0001", "10.0039", -1),
        ("10.0039", "10.0001", 1),
        ("4.999.9", "5.0", -1),
        ("5.0", "4.999.9", 1),
        ("20101121", "20101121", 0),
        ("20101121", "20101122", -1),
        ("20101122", "20101121", 1),
        ("2_0", "2_0", 0),
        ("2.0", "2_0", 0),
        ("2_0", "2.0", 0),
        ("a", "a", 0),
        ("a+", "a+", 0),
        ("a+", "a_", 0),
        ("a_", "a+", 0),
        ("+a", "+a", 0),
        ("+a", "_a", 0),
        ("_a", "+a", 0),
        ("+_", "+_", 0),
        ("_+", "+_", 0),
        ("_+", "_+", 0),
        ("+", "_", 0),
        ("_", "+", 0),
        ("1.0~rc1", "1.0~rc1", 0),
        ("1.0~rc1", "1.0", -1),
        ("1.0", "1.0~rc1", 1),
        ("1.0~rc1", "1.0~rc2", -1),
        ("1.0~rc2", "1.0~rc1", 1),
        ("1.0~rc1~git123", "1.0~rc1~git123", 0),
        ("1.0~rc1~git123", "1.0~rc1", -1),
        ("1.0~rc1", "1.0~rc1~git123", 1),
        ("1.0^", "1.0^", 0),
        ("1.0^", "1.0", 1),
        ("1.0", "1.0^", -1),
        ("1.0^git1", "1.0^git1", 0),
        ("1.0^git1", "1.0", 1),
        ("1.0", "1.0^git1", -1),
        ("1.0^git1", "1.0^git2", -1),
        ("1.0^git2", "1.0^git1", 1),
        ("1.0^git1", "1.01", -1),
        ("1.01", "1.0^git1", 1),
        ("1.0^20160101", "1.0^20160101", 0),
        ("1.0^20160101", "1.0.1", -1),
        ("1.0.1", "1.0^20160101", 1),
        ("1.0^20160101^git1", "1.0^20160101^git1", 0),
        ("1.0^20160102", "1.0^20160101^git1", 1),
        ("1.0^20160101^git1", "1.0^20160102", -1),
        ("1.0~rc1^git1", "1.0~rc1^git1", 0),
        ("1.0~rc1^git1", "1.0~rc1", 1),
        ("1.0~rc1", "1.0~rc1^git1", -1),
        ("1.0^git1~pre", "1.0^git1~pre", 0),
        ("1.0^git1", "1.0^git1~pre", 1),
        ("1.0^git1~pre", "1.0^git1", -1),
    ];

    fn ord(i: i32) -> Ordering {
        i.cmp(&0)
    }

    #[test]
    fn rpmvercmp_agrees_with_rpms_test_suite() {
        for &(a, b, want) in RPMVERCMP_AT {
            assert_eq!(rpmvercmp(a, b), ord(want), "rpmvercmp({a:?}, {b:?})");
        }
    }

    fn v(s: &str) -> RpmVersion {
        parse(s).unwrap_or_else(|| panic!("{s} should parse"))
    }

    #[test]
    fn epochs_come_first_and_default_to_zero() {
        assert!(v("1:1.0-1") > v("9.9-9"));
        assert!(v("1:3.2.2-5.el9_5") < v("1:3.2.2-6.el9_5"));
        assert_eq!(v("0:1.0-1").cmp(&v("1.0-1")), Ordering::Equal);
        assert!(v("2:0.1-1") > v("1:9.9-9"));
        assert!(v("10:1.0") > v("9:1.0"));
    }

    #[test]
    fn releases_compare_only_when_both_are_given() {
        assert!(v("2.34-125.el9_5.1") < v("2.34-125.el9_5.8.alma.1"));
        assert!(v("2.34-100.el9") < v("2.34-125.el9_5.8.alma.1"));
        assert!(v("1.1.1k-12.el8_9") > v("1.1.1k-9.el8_7"));
        assert_eq!(v("1.2.3-4").cmp(&v("1.2.3")), Ordering::Equal);
        assert!(v("1.2.3-4") < v("1.2.4"));
        // The release is rpmvercmp'd as a whole: el9_2 is older than el9_10.
        assert!(v("1.0-1.el9_2") < v("1.0-1.el9_10"));
        assert!(v("1.0~rc1-1") < v("1.0-0"));
    }

    #[test]
    fn refuses_what_is_not_an_rpm_version() {
        for bad in [
            "", " ", "1.0 1", "x:1.0", ":1.0", "1:", "-1", "1.0-", "1:2:3", "1.0\u{0}",
        ] {
            assert!(parse(bad).is_none(), "{bad:?} should not parse");
        }
        assert!(parse(&"1".repeat(300)).is_none());
        assert!(parse("99999999999:1.0").is_none());
    }
}
