//! Debian version comparison (`[epoch:]upstream[-revision]`, deb-version(7)); opkg uses the
//! same algorithm.

use std::cmp::Ordering;

/// A parsed Debian version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DpkgVersion {
    epoch: u64,
    upstream: String,
    revision: String,
}

/// Parses a Debian version; `None` when it is not one (empty, bad epoch, no leading digit,
/// characters outside the allowed set).
pub fn parse(v: &str) -> Option<DpkgVersion> {
    let v = v.trim();
    let (epoch, rest) = match v.split_once(':') {
        Some((e, r)) => (e.parse::<u64>().ok()?, r),
        None => (0, v),
    };
    let (upstream, revision) = match rest.rfind('-') {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (rest, ""),
    };
    if !upstream.starts_with(|c: char| c.is_ascii_digit())
        || !upstream
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".+-~:".contains(c))
        || !revision
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".+~".contains(c))
    {
        return None;
    }
    Some(DpkgVersion {
        epoch,
        upstream: upstream.to_string(),
        revision: revision.to_string(),
    })
}

impl Ord for DpkgVersion {
    fn cmp(&self, o: &Self) -> Ordering {
        self.epoch
            .cmp(&o.epoch)
            .then_with(|| verrevcmp(&self.upstream, &o.upstream))
            .then_with(|| verrevcmp(&self.revision, &o.revision))
    }
}

impl PartialOrd for DpkgVersion {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

/// `~` sorts before everything, even the end; letters before non-letters.
fn order(c: Option<u8>) -> i32 {
    match c {
        None => 0,
        Some(b'~') => -1,
        Some(c) if c.is_ascii_digit() => 0,
        Some(c) if c.is_ascii_alphabetic() => c as i32,
        Some(c) => c as i32 + 256,
    }
}

/// dpkg's `verrevcmp`.
fn verrevcmp(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        let mut first_diff = 0i32;
        while (i < a.len() && !a[i].is_ascii_digit()) || (j < b.len() && !b[j].is_ascii_digit()) {
            let ac = order(a.get(i).copied().filter(|c| !c.is_ascii_digit()));
            let bc = order(b.get(j).copied().filter(|c| !c.is_ascii_digit()));
            if ac != bc {
                return ac.cmp(&bc);
            }
            i += 1;
            j += 1;
        }
        while i < a.len() && a[i] == b'0' {
            i += 1;
        }
        while j < b.len() && b[j] == b'0' {
            j += 1;
        }
        while i < a.len() && a[i].is_ascii_digit() && j < b.len() && b[j].is_ascii_digit() {
            if first_diff == 0 {
                first_diff = a[i] as i32 - b[j] as i32;
            }
            i += 1;
            j += 1;
        }
        if i < a.len() && a[i].is_ascii_digit() {
            return Ordering::Greater;
        }
        if j < b.len() && b[j].is_ascii_digit() {
            return Ordering::Less;
        }
        if first_diff != 0 {
            return first_diff.cmp(&0);
        }
    }
    Ordering::Equal
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(a: &str, b: &str) -> Ordering {
        parse(a).unwrap().cmp(&parse(b).unwrap())
    }

    #[test]
    fn compares_like_dpkg() {
        assert_eq!(cmp("1.0", "1.0"), Ordering::Equal);
        assert_eq!(cmp("1.0~rc1", "1.0"), Ordering::Less);
        assert_eq!(cmp("1:1.0", "2.0"), Ordering::Greater);
        assert_eq!(cmp("3.0.11-1~deb12u2", "3.0.11-1"), Ordering::Less);
        assert_eq!(
            cmp("3.0.13-1~deb12u1", "3.0.11-1~deb12u2"),
            Ordering::Greater
        );
        assert_eq!(cmp("1.2.13.dfsg-1", "1.2.13-1"), Ordering::Greater);
        assert_eq!(cmp("2.10", "2.9"), Ordering::Greater);
        assert_eq!(cmp("1.0a", "1.0"), Ordering::Greater);
        assert_eq!(cmp("1.0+b1", "1.0"), Ordering::Greater);
        assert_eq!(
            cmp("7.88.1-10+deb12u5", "7.88.1-10+deb12u12"),
            Ordering::Less
        );
    }

    #[test]
    fn rejects_what_is_not_a_debian_version() {
        assert!(parse("").is_none());
        assert!(parse("x:1.0").is_none());
        assert!(parse("abc").is_none());
        assert!(parse("1.0 beta").is_none());
    }
}
