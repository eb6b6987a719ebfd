//! Suppression files (`netvet scan --suppress FILE`): findings a team has reviewed and accepts,
//! each with the reason and, if it should be looked at again, an expiry date. A suppressed
//! finding is not dropped: it is marked (`Finding::suppressed`) so that JSON and SARIF keep
//! it, and the table counts it. An expired entry suppresses nothing and is reported.
//!
//! ```toml
//! [[suppress]]
//! id = "3f2a9c0d1b7e4a5f6c8d"          # a finding's id, from the JSON or SARIF
//! reason = "test key, never shipped"
//!
//! [[suppress]]
//! check = "nv-net-url"
//! path = "/usr/share/doc/**"            # the path inside the image; * ? and ** as usual
//! reason = "documentation links"
//! expires = "2027-06-30"
//! ```

use std::path::Path;

use netvet_model::{Date, ScanReport, Suppression};
use serde::Deserialize;

use crate::error::{Error, Result};

/// The largest suppression file read, and the most entries it may hold.
const MAX_BYTES: u64 = 4 << 20;
const MAX_ENTRIES: usize = 100_000;
/// The longest glob accepted (matching is quadratic in its length and the path's).
const MAX_GLOB: usize = 1024;

/// A loaded suppression file: its entries in force on the day given to [`Suppressions::load`].
#[derive(Debug, Clone)]
pub struct Suppressions {
    entries: Vec<Entry>,
    /// One sentence per expired entry (file, line, what it matched, when it expired).
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone)]
struct Entry {
    what: Matcher,
    suppression: Suppression,
}

#[derive(Debug, Clone)]
enum Matcher {
    Id(String),
    CheckAt { check: String, glob: Vec<char> },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileDoc {
    #[serde(default)]
    suppress: Vec<toml::Spanned<EntryDoc>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EntryDoc {
    id: Option<String>,
    check: Option<String>,
    path: Option<String>,
    reason: String,
    expires: Option<String>,
}

impl Suppressions {
    /// Reads and validates `path`; entries that expired before `today` are left out and
    /// named in `warnings`. Every error names the file and the line.
    pub fn load(path: &Path, today: Date) -> Result<Suppressions> {
        let file = path.display().to_string();
        let meta = std::fs::metadata(path).map_err(|e| Error::io("read", path, e))?;
        if meta.len() > MAX_BYTES {
            return Err(Error::Input {
                file,
                message: format!(
                    "a suppression file of {} bytes is larger than the {MAX_BYTES} accepted",
                    meta.len()
                ),
            });
        }
        let text = std::fs::read_to_string(path).map_err(|e| Error::io("read", path, e))?;
        Suppressions::parse(&file, &text, today)
    }

    /// [`Suppressions::load`] on text already read; `file` names it in errors.
    pub fn parse(file: &str, text: &str, today: Date) -> Result<Suppressions> {
        let bad = |line: usize, message: String| Error::Input {
            file: format!("{file}:{line}"),
            message,
        };
        let doc: FileDoc = toml::from_str(text).map_err(|e| {
            let line = e.span().map_or(1, |s| line_of(text, s.start));
            bad(line, e.message().to_string())
        })?;
        if doc.suppress.len() > MAX_ENTRIES {
            return Err(bad(
                1,
                format!("more than {MAX_ENTRIES} [[suppress]] entries"),
            ));
        }
        let mut entries = Vec::new();
        let mut warnings = Vec::new();
        for spanned in doc.suppress {
            let line = line_of(text, spanned.span().start);
            let e = spanned.into_inner();
            if e.reason.trim().is_empty() {
                return Err(bad(line, "the entry's reason is empty".into()));
            }
            let what = match (e.id, e.check, e.path) {
                (Some(id), None, None) if !id.trim().is_empty() => Matcher::Id(id.trim().into()),
                (None, Some(check), Some(glob)) if !check.trim().is_empty() => {
                    if glob.chars().count() > MAX_GLOB || glob.is_empty() {
                        return Err(bad(
                            line,
                            format!("the path glob must have 1 to {MAX_GLOB} characters"),
                        ));
                    }
                    Matcher::CheckAt {
                        check: check.trim().into(),
                        glob: glob.chars().collect(),
                    }
                }
                _ => {
                    return Err(bad(
                        line,
                        "an entry names either a finding `id`, or a `check` and a `path` glob"
                            .into(),
                    ));
                }
            };
            let expires = match &e.expires {
                Some(d) => Some(d.parse::<Date>().map_err(|m| {
                    bad(
                        line,
                        format!("expires {d:?} is not a date (YYYY-MM-DD): {m}"),
                    )
                })?),
                None => None,
            };
            if let Some(day) = expires.filter(|d| *d < today) {
                warnings.push(format!(
                    "{file}:{line}: the suppression of {} expired on {day} and no longer applies",
                    match &what {
                        Matcher::Id(id) => format!("finding {id}"),
                        Matcher::CheckAt { check, glob } => {
                            format!("{check} at {}", glob.iter().collect::<String>())
                        }
                    }
                ));
                continue;
            }
            entries.push(Entry {
                what,
                suppression: Suppression {
                    reason: e.reason.trim().to_string(),
                    source: format!("{file}:{line}"),
                    expires: expires.map(|d| d.to_string()),
                },
            });
        }
        Ok(Suppressions { entries, warnings })
    }

    /// Marks each finding of `report` that an entry matches (the first entry in the file
    /// wins); returns how many were marked.
    pub fn apply(&self, report: &mut ScanReport) -> usize {
        let mut n = 0;
        for f in report
            .findings
            .iter_mut()
            .filter(|f| f.suppressed.is_none())
        {
            let inside = inner_path(&f.location.path);
            let hit = self.entries.iter().find(|e| match &e.what {
                Matcher::Id(id) => *id == f.id,
                Matcher::CheckAt { check, glob } => {
                    *check == f.check
                        && (glob_match(glob, inside) || glob_match(glob, &f.location.path))
                }
            });
            if let Some(e) = hit {
                f.suppressed = Some(e.suppression.clone());
                n += 1;
            }
        }
        n
    }
}

/// The path inside the innermost image (`fw.bin!/rootfs!/etc/passwd` → `/etc/passwd`).
fn inner_path(vpath: &str) -> &str {
    match vpath.rfind("!/") {
        Some(i) => &vpath[i + 1..],
        None => vpath,
    }
}

/// The 1-based line of the byte `offset` in `text`.
fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()
        .iter()
        .take(offset)
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Whether `path` matches the glob: `?` is one character but `/`, `*` any run without `/`,
/// `**` any run at all (so `/usr/**` matches everything under `/usr`). Dynamic programming
/// over (glob, path): time and memory bounded by their lengths' product.
fn glob_match(glob: &[char], path: &str) -> bool {
    #[derive(Clone, Copy)]
    enum Tok {
        Char(char),
        /// `?`
        Any,
        /// `*`
        Star,
        /// `**` not followed by `/`
        Globstar,
        /// `**/`: nothing, or any run ending in `/`
        Dirs,
    }
    let mut toks = Vec::with_capacity(glob.len());
    let mut i = 0;
    while i < glob.len() {
        let (tok, len) = match (glob[i], glob.get(i + 1), glob.get(i + 2)) {
            ('*', Some('*'), Some('/')) => (Tok::Dirs, 3),
            ('*', Some('*'), _) => (Tok::Globstar, 2),
            ('*', ..) => (Tok::Star, 1),
            ('?', ..) => (Tok::Any, 1),
            (c, ..) => (Tok::Char(c), 1),
        };
        toks.push(tok);
        i += len;
    }
    let text: Vec<char> = path.chars().collect();
    let m = text.len();
    // reach[j]: the tokens seen so far can match text[..j].
    let mut reach = vec![false; m + 1];
    reach[0] = true;
    for tok in toks {
        let mut next = vec![false; m + 1];
        match tok {
            Tok::Globstar | Tok::Dirs => {
                let mut any = false;
                for j in 0..=m {
                    any |= reach[j];
                    let ends_dir = j > 0 && text[j - 1] == '/';
                    next[j] = match tok {
                        Tok::Dirs => reach[j] || (any && ends_dir),
                        _ => any,
                    };
                }
            }
            Tok::Star => {
                let mut run = false;
                for j in 0..=m {
                    if reach[j] {
                        run = true;
                    } else if j > 0 && text[j - 1] == '/' {
                        run = false;
                    }
                    next[j] = run;
                }
            }
            Tok::Any => {
                for j in 1..=m {
                    next[j] = reach[j - 1] && text[j - 1] != '/';
                }
            }
            Tok::Char(c) => {
                for j in 1..=m {
                    next[j] = reach[j - 1] && text[j - 1] == c;
                }
            }
        }
        reach = next;
    }
    reach[m]
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn g(glob: &str, path: &str) -> bool {
        glob_match(&glob.chars().collect::<Vec<_>>(), path)
    }

    #[test]
    fn globs_match_like_shells_with_globstar() {
        assert!(g("/etc/shadow", "/etc/shadow"));
        assert!(!g("/etc/shadow", "/etc/shadow-"));
        assert!(g("/etc/*", "/etc/shadow"));
        assert!(!g("/etc/*", "/etc/init.d/rcS"));
        assert!(g("/etc/**", "/etc/init.d/rcS"));
        assert!(g("**/doc/**", "/usr/share/doc/busybox/README"));
        assert!(g("/usr/**/README", "/usr/README"));
        assert!(g("/usr/**/README", "/usr/share/doc/README"));
        assert!(!g("/usr/**/README", "/opt/README"));
        assert!(g("/www/*.c?i", "/www/shell.cgi"));
        assert!(!g("/www/?", "/www/ab"));
        assert!(g("*.html", "index.html"));
        assert!(!g("*.html", "/www/index.html"));
    }

    fn day(s: &str) -> Date {
        s.parse().unwrap()
    }

    #[test]
    fn bad_entries_name_file_and_line() {
        let err = |text: &str| {
            Suppressions::parse("s.toml", text, day("2026-12-01"))
                .unwrap_err()
                .to_string()
        };
        let e = err(
            "[[suppress]]\nid = \"abc\"\nreason = \"r\"\n[[suppress]]\ncheck = \"x\"\nreason = \"r\"\n",
        );
        assert!(e.starts_with("s.toml:4: "), "{e}");
        assert!(e.contains("either a finding `id`"), "{e}");
        let e = err("[[suppress]]\nid = \"abc\"\n");
        assert!(e.starts_with("s.toml:1: ") && e.contains("reason"), "{e}");
        let e = err("[[suppress]]\nid = \"abc\"\nreason = \"r\"\nexpires = \"soon\"\n");
        assert!(
            e.starts_with("s.toml:1: ") && e.contains("not a date"),
            "{e}"
        );
        let e = err("[[suppress]]\nid = \"abc\"\nreason = \"r\"\ncolour = 1\n");
        assert!(e.starts_with("s.toml:4: ") && e.contains("colour"), "{e}");
        let e = err("[[suppress]]\nid = \"abc\"\nreason = \"  \"\n");
        assert!(e.contains("reason is empty"), "{e}");
    }

    #[test]
    fn expired_entries_warn_and_do_not_count() {
        let s = Suppressions::parse(
            "s.toml",
            "[[suppress]]\nid = \"a\"\nreason = \"r\"\nexpires = \"2026-11-30\"\n\n\
             [[suppress]]\nid = \"b\"\nreason = \"r\"\nexpires = \"2026-12-01\"\n",
            day("2026-12-01"),
        )
        .unwrap();
        assert_eq!(s.entries.len(), 1);
        assert_eq!(
            s.warnings,
            vec![
                "s.toml:1: the suppression of finding a expired on 2026-11-30 and no longer applies"
            ]
        );
    }
}
