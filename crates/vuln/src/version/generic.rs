//! The generic scheme for upstream versions (what binaries print and NVD ranges use):
//! `1.35.0`, `1.1.1w`, `2016.74`, `9.2p1`, `4.2.8p15`, `2.0.0-rc1`, `0.94.14rc21`.
//!
//! A version is a sequence of numbers separated by `.`, optionally followed by qualifiers.
//! Comparison: numbers numerically, left to right, a missing number counting as 0
//! (`1.2` = `1.2.0`). Then the qualifier: pre-releases (`dev`, `alpha`, `beta`, `pre`, `rc`,
//! with a number) come before the release; a single letter is a later release (OpenSSL's
//! `1.1.1a`), never an alpha; anything else after the numbers
//! (`1.1.1w`, `9.2p1`, `4.2.8p15`, `1.0.2-fips`) comes after it, letters compared in order,
//! then the number after them. So `1.1.1 < 1.1.1a < 1.1.1w < 1.1.2` and
//! `2.0.0-rc1 < 2.0.0 < 2.0.0p1`.
//!
//! What this scheme refuses (so a match is never guessed from it): strings that do not start
//! with a digit (`unknown`, `*`, `v`), empty strings, whitespace, more than 16 numbers, and
//! snapshot versions carrying a commit hash (`2022-08-13-4c7b720b`), which no release range
//! can order.

use std::cmp::Ordering;

/// A parsed generic version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GenericVersion {
    numbers: Vec<u64>,
    /// -1 pre-release, 0 none, 1 post-release qualifier.
    kind: i8,
    /// Pre-release rank (alpha < beta < pre < rc) or the post-release letters.
    label: String,
    number: u64,
}

fn pre_rank(label: &str) -> Option<&'static str> {
    Some(match label {
        "dev" => "0dev",
        "alpha" => "1alpha",
        "beta" => "2beta",
        "pre" => "3pre",
        "rc" | "cr" => "4rc",
        _ => return None,
    })
}

/// Parses a generic version, or `None` (see the module docs for what is refused).
pub fn parse(v: &str) -> Option<GenericVersion> {
    let v = v.trim();
    if v.is_empty() || v.len() > 64 || !v.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    if v.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return None;
    }
    // Commit-hash snapshots: a run of 7+ hex characters with a letter in it.
    if v.split(|c: char| !c.is_ascii_alphanumeric()).any(|t| {
        t.len() >= 7
            && t.chars().all(|c| c.is_ascii_hexdigit())
            && t.chars().any(|c| c.is_ascii_alphabetic())
    }) {
        return None;
    }
    let b = v.as_bytes();
    let mut numbers = Vec::new();
    let mut i = 0;
    loop {
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if start == i {
            return None;
        }
        numbers.push(v[start..i].parse::<u64>().ok()?);
        if numbers.len() > 16 {
            return None;
        }
        if i + 1 < b.len() && b[i] == b'.' && b[i + 1].is_ascii_digit() {
            i += 1;
            continue;
        }
        break;
    }
    let rest = v[i..].trim_start_matches(['.', '-', '_', '+', '~']);
    let letters: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect();
    let after = &rest[letters.len()..];
    let digits: String = after
        .trim_start_matches(['.', '-', '_'])
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    let number = if digits.is_empty() {
        0
    } else {
        digits.parse().ok()?
    };
    let lower = letters.to_ascii_lowercase();
    let (kind, label) = if rest.is_empty() {
        (0, String::new())
    } else if let Some(r) = pre_rank(&lower) {
        (-1, r.to_string())
    } else {
        (1, lower)
    };
    Some(GenericVersion {
        numbers,
        kind,
        label,
        number,
    })
}

impl Ord for GenericVersion {
    fn cmp(&self, o: &Self) -> Ordering {
        let n = self.numbers.len().max(o.numbers.len());
        for i in 0..n {
            let a = self.numbers.get(i).copied().unwrap_or(0);
            let b = o.numbers.get(i).copied().unwrap_or(0);
            if a != b {
                return a.cmp(&b);
            }
        }
        self.kind
            .cmp(&o.kind)
            .then_with(|| self.label.cmp(&o.label))
            .then_with(|| self.number.cmp(&o.number))
    }
}

impl PartialOrd for GenericVersion {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> GenericVersion {
        parse(s).unwrap_or_else(|| panic!("{s} should parse"))
    }

    #[test]
    fn orders_upstream_versions() {
        assert!(v("1.1.1") < v("1.1.1a"));
        assert!(v("1.1.1a") < v("1.1.1w"));
        assert!(v("1.1.1w") < v("1.1.2"));
        assert!(v("1.0.1e") < v("1.0.1g"));
        assert!(v("1.0.1") < v("1.0.1e"));
        assert!(v("2.0.0-rc1") < v("2.0.0"));
        assert!(v("2.0.0") < v("2.0.0p1"));
        assert!(v("9.2p1") < v("9.3p2"));
        assert!(v("4.2.8p15") > v("4.2.8p9"));
        assert!(v("2016.74") < v("2017.75"));
        assert!(v("1.35.0") > v("1.9.9"));
        assert_eq!(v("1.2").cmp(&v("1.2.0")), Ordering::Equal);
        assert!(v("0.94.14rc21") < v("0.94.14"));
        assert!(v("1.0.0-alpha1") < v("1.0.0-beta1"));
        assert!(v("4.4.3-P1") > v("4.4.3"));
    }

    #[test]
    fn refuses_what_it_cannot_order() {
        for bad in [
            "",
            "unknown",
            "*",
            "-",
            "v1.2",
            "1.2 beta",
            "2022-08-13-4c7b720b",
            "1.0\u{0}",
        ] {
            assert!(parse(bad).is_none(), "{bad:?} should not parse");
        }
    }
}
