//! Semantic Versioning 2.0.0 comparison (pre-releases before the release, build metadata
//! ignored).

use std::cmp::Ordering;

/// A parsed semantic version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SemVer {
    core: [u64; 3],
    pre: Vec<String>,
}

/// Parses `MAJOR.MINOR.PATCH[-pre][+build]` (a leading `v` is accepted).
pub fn parse(v: &str) -> Option<SemVer> {
    let v = v.trim().trim_start_matches('v');
    let v = v.split('+').next()?;
    let (core, pre) = match v.split_once('-') {
        Some((c, p)) => (c, p.split('.').map(str::to_string).collect()),
        None => (v, Vec::new()),
    };
    let mut it = core.split('.');
    let mut nums = [0u64; 3];
    for n in &mut nums {
        let s = it.next()?;
        if s.is_empty() || (s.len() > 1 && s.starts_with('0')) {
            return None;
        }
        *n = s.parse().ok()?;
    }
    if it.next().is_some() {
        return None;
    }
    Some(SemVer { core: nums, pre })
}

impl Ord for SemVer {
    fn cmp(&self, o: &Self) -> Ordering {
        self.core
            .cmp(&o.core)
            .then_with(|| match (self.pre.is_empty(), o.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => {
                    for (a, b) in self.pre.iter().zip(&o.pre) {
                        let c = match (a.parse::<u64>(), b.parse::<u64>()) {
                            (Ok(x), Ok(y)) => x.cmp(&y),
                            (Ok(_), Err(_)) => Ordering::Less,
                            (Err(_), Ok(_)) => Ordering::Greater,
                            _ => a.cmp(b),
                        };
                        if c != Ordering::Equal {
                            return c;
                        }
                    }
                    self.pre.len().cmp(&o.pre.len())
                }
            })
    }
}

impl PartialOrd for SemVer {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_pre_releases_first() {
        let v = |s| parse(s).unwrap();
        assert!(v("1.0.0-alpha") < v("1.0.0-alpha.1"));
        assert!(v("1.0.0-alpha.beta") < v("1.0.0-beta"));
        assert!(v("1.0.0-rc.1") < v("1.0.0"));
        assert!(v("v2.1.0") > v("2.0.9"));
        assert_eq!(v("1.0.0+build.5"), v("1.0.0"));
        assert!(parse("1.0").is_none());
        assert!(parse("01.0.0").is_none());
    }
}
