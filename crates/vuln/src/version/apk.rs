//! Alpine (apk) version comparison: `1.2.3[a][_suffix[N]]...[-rN]`, suffixes ordered
//! `_alpha < _beta < _pre < _rc < (none) < _cvs < _svn < _git < _hg < _p`.

use std::cmp::Ordering;

/// A parsed apk version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApkVersion {
    numbers: Vec<u64>,
    letter: Option<u8>,
    suffixes: Vec<(i8, u64)>,
    revision: u64,
}

fn suffix_rank(s: &str) -> Option<i8> {
    Some(match s {
        "alpha" => -4,
        "beta" => -3,
        "pre" => -2,
        "rc" => -1,
        "cvs" => 1,
        "svn" => 2,
        "git" => 3,
        "hg" => 4,
        "p" => 5,
        _ => return None,
    })
}

/// Parses an apk version; `None` when it does not follow the format.
pub fn parse(v: &str) -> Option<ApkVersion> {
    let v = v.trim();
    let (main, revision) = match v.rsplit_once("-r") {
        Some((m, r)) => (m, r.parse().ok()?),
        None => (v, 0),
    };
    let mut parts = main.split('_');
    let head = parts.next()?;
    let (nums, letter) = match head.as_bytes().last() {
        Some(c) if c.is_ascii_lowercase() => (&head[..head.len() - 1], Some(*c)),
        _ => (head, None),
    };
    let numbers = nums
        .split('.')
        .map(|n| n.parse::<u64>().ok())
        .collect::<Option<Vec<_>>>()?;
    let mut suffixes = Vec::new();
    for s in parts {
        let split = s.find(|c: char| c.is_ascii_digit()).unwrap_or(s.len());
        let rank = suffix_rank(&s[..split])?;
        let n = if split == s.len() {
            0
        } else {
            s[split..].parse().ok()?
        };
        suffixes.push((rank, n));
    }
    Some(ApkVersion {
        numbers,
        letter,
        suffixes,
        revision,
    })
}

impl Ord for ApkVersion {
    fn cmp(&self, o: &Self) -> Ordering {
        let n = self.numbers.len().max(o.numbers.len());
        for i in 0..n {
            match (self.numbers.get(i), o.numbers.get(i)) {
                (Some(a), Some(b)) if a != b => return a.cmp(b),
                (Some(_), None) => return Ordering::Greater,
                (None, Some(_)) => return Ordering::Less,
                _ => {}
            }
        }
        let letter = self.letter.cmp(&o.letter);
        if letter != Ordering::Equal {
            return letter;
        }
        let n = self.suffixes.len().max(o.suffixes.len());
        for i in 0..n {
            let a = self.suffixes.get(i).copied().unwrap_or((0, 0));
            let b = o.suffixes.get(i).copied().unwrap_or((0, 0));
            if a != b {
                return a.cmp(&b);
            }
        }
        self.revision.cmp(&o.revision)
    }
}

impl PartialOrd for ApkVersion {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(a: &str, b: &str) -> Ordering {
        parse(a).unwrap().cmp(&parse(b).unwrap())
    }

    #[test]
    fn compares_like_apk() {
        assert_eq!(cmp("1.36.1-r5", "1.36.1-r15"), Ordering::Less);
        assert_eq!(cmp("3.1.4-r1", "3.1.4-r1"), Ordering::Equal);
        assert_eq!(cmp("1.0_rc1", "1.0"), Ordering::Less);
        assert_eq!(cmp("1.0_p1", "1.0"), Ordering::Greater);
        assert_eq!(cmp("1.1.1w-r0", "1.1.1v-r0"), Ordering::Greater);
        assert_eq!(cmp("1.2", "1.10"), Ordering::Less);
        assert_eq!(cmp("2.0_alpha2", "2.0_beta1"), Ordering::Less);
    }

    #[test]
    fn rejects_non_apk_versions() {
        assert!(parse("1.0-1").is_none());
        assert!(parse("1.0_foo").is_none());
        assert!(parse("v1").is_none());
    }
}
