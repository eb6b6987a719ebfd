//! Shared by the variant tests: an image built from files, scanned with some checks.

#![allow(clippy::unwrap_used, dead_code)]

use netvet_forge::tree::FsTree;
use netvet_inspect::{CheckOptions, CheckSet};
use netvet_model::Finding;

/// Findings and errors of the checks tagged `tag` on a tar image holding `files` (with
/// `/etc`, `/bin` and `/usr`, so the image is a system root), every file handed to the checks
/// as the single pass does. `now` is the time certificates are judged against.
pub fn scan(tag: &str, files: &[(&str, Vec<u8>)], now: Option<i64>) -> (Vec<Finding>, Vec<String>) {
    scan_opts(tag, files, now, false)
}

/// [`scan`] with netvet's built-in YARA rule packs compiled in when `builtin_rules`.
pub fn scan_opts(
    tag: &str,
    files: &[(&str, Vec<u8>)],
    now: Option<i64>,
    builtin_rules: bool,
) -> (Vec<Finding>, Vec<String>) {
    let mut t = FsTree::new();
    for d in ["etc", "bin", "usr"] {
        t.dir(d, 0o755);
    }
    for (path, data) in files {
        if let Some((dir, _)) = path.rsplit_once('/') {
            t.dir(dir, 0o755);
        }
        t.file(path, 0o755, data.clone());
    }
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("fw.tar");
    std::fs::write(&p, netvet_forge::tar::write(&t)).unwrap();
    let image = netvet_unpack::open_path(&p, &netvet_unpack::Options::default()).unwrap();
    let mut opts = CheckOptions {
        tags: Some(vec![tag.into()]),
        builtin_rules,
        ..CheckOptions::default()
    };
    if let Some(now) = now {
        opts.now = now;
    }
    let set = CheckSet::new(opts).unwrap();
    let run = set.start();
    for e in image.entries() {
        if e.is_file() {
            let data = image.read(e).unwrap();
            run.file(e, &data);
        }
    }
    let r = run.finish(&image);
    (r.findings, r.errors)
}

/// [`scan`] of text files.
pub fn scan_text(tag: &str, files: &[(&str, String)]) -> (Vec<Finding>, Vec<String>) {
    let bytes: Vec<(&str, Vec<u8>)> = files
        .iter()
        .map(|(p, t)| (*p, t.clone().into_bytes()))
        .collect();
    scan(tag, &bytes, None)
}

/// One variant: its files, and the (check, path end, line, detail value) it must be found as;
/// `key` names the detail (`account`, `kind`).
pub struct Variant {
    pub name: &'static str,
    pub files: Vec<(&'static str, String)>,
    pub want: (&'static str, &'static str, u32, &'static str),
}

/// Scans every variant with the checks tagged `tag` and asserts each is found.
pub fn check_all(tag: &str, key: &str, variants: Vec<Variant>) {
    assert!(variants.len() >= 5, "at least five variants per class");
    for v in variants {
        let (findings, errors) = scan_text(tag, &v.files);
        let (check, path, line, value) = v.want;
        let f = findings
            .iter()
            .find(|f| {
                f.check == check
                    && f.location.path.ends_with(path)
                    && f.details.get(key).and_then(|a| a.as_str()) == Some(value)
            })
            .unwrap_or_else(|| {
                panic!(
                    "{}: no {check} ({key} {value}) in {path}; found {:#?}; errors {errors:?}",
                    v.name,
                    findings
                        .iter()
                        .map(|f| (&f.check, &f.location.path, f.location.line, &f.details))
                        .collect::<Vec<_>>()
                )
            });
        assert_eq!(f.location.line, Some(line), "{}: line", v.name);
    }
}
