//! Binary classifiers: a table (TOML, see `docs/classifiers.md`) of programs recognised from
//! their bytes. Each entry gives an id, file-name globs, an evidence regex over the content
//! (Unicode off, so `\x00` and `.` work on raw bytes) with a `version` capture, a PURL
//! template and NVD CPE vendor:product pairs. Matching is by content, so renamed binaries are
//! found; a file-name match only raises the confidence. A shared library's SONAME (read from
//! its ELF dynamic section) counts as its name, so a library installed under another file
//! name is still identified by it.
//!
//! The table is validated when loaded: ids unique, regexes compile, templates well formed,
//! and every sample (a real version string with its source) classifies to its version.

use std::collections::HashSet;
use std::sync::LazyLock;

use regex::bytes::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};
use serde::Deserialize;

use crate::error::Error;
use crate::identity;

/// The built-in table, embedded in the binary.
pub const BUILTIN_TOML: &str = include_str!("../data/classifiers.toml");

/// Largest compiled regex (bytes of automaton) a classifier may have.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

static BUILTIN: LazyLock<Result<Classifiers, String>> = LazyLock::new(|| {
    Classifiers::parse("classifiers.toml", BUILTIN_TOML).map_err(|e| e.to_string())
});

/// The built-in classifiers (validated once).
pub fn builtin() -> Result<&'static Classifiers, Error> {
    BUILTIN.as_ref().map_err(|e| Error::Data {
        file: "classifiers.toml (built in)".to_string(),
        message: e.clone(),
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TableFile {
    schema: u32,
    #[serde(rename = "classifier")]
    classifiers: Vec<Entry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    id: String,
    name: String,
    #[serde(default = "default_kind")]
    kind: String,
    #[serde(default)]
    files: Vec<String>,
    evidence: String,
    #[serde(default)]
    file_version: Option<String>,
    #[serde(default)]
    corroborate: Option<String>,
    purl: String,
    #[serde(default)]
    cpe: Vec<String>,
    #[serde(default)]
    packages: Vec<String>,
    #[serde(default = "yes")]
    content: bool,
    #[serde(default)]
    versionless: bool,
    #[serde(default, rename = "sample")]
    samples: Vec<Sample>,
}

fn default_kind() -> String {
    "binary".to_string()
}
fn yes() -> bool {
    true
}

/// A real version string a classifier must recognise, with where it was taken from.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sample {
    /// The bytes (TOML escapes such as `\u0000` give NULs).
    pub bytes: String,
    /// File name to classify the sample under (default: the first glob with `*` removed).
    #[serde(default)]
    pub file: Option<String>,
    /// The version the classifier must report (empty for a versionless classifier).
    pub version: String,
    /// Where the string comes from (package and version, or source file).
    pub source: String,
}

/// One classifier.
#[derive(Clone, Debug)]
pub struct Classifier {
    /// Stable id, `<program>-binary` or `<lib>-library`.
    pub id: String,
    /// Component name.
    pub name: String,
    /// `binary`, `library`, `kernel` or `firmware`.
    pub kind: String,
    /// File-name globs (`*`, `?`), matched on the last path component.
    pub files: Vec<String>,
    names: Vec<Regex>,
    evidence: Regex,
    file_version: Option<Regex>,
    /// Second evidence a content-only match (file name not matching) must also have.
    corroborate: Option<Regex>,
    purl: String,
    /// `vendor:product` pairs as NVD names them (optionally `part:vendor:product`).
    pub cpe: Vec<String>,
    /// Package names (dpkg, opkg, apk) that install this program.
    pub packages: Vec<String>,
    /// Whether a content match alone (file name not matching) is enough.
    pub content: bool,
    pub samples: Vec<Sample>,
}

/// What a classifier found in one file.
#[derive(Clone, Debug, PartialEq)]
pub struct Hit {
    pub classifier: String,
    pub name: String,
    pub version: Option<String>,
    pub purl: String,
    pub cpes: Vec<String>,
    pub confidence: f64,
    /// True when the file name matched one of the classifier's globs.
    pub by_name: bool,
    /// What the `release` capture group held (a kernel's local version such as `-acme`).
    pub release: Option<String>,
}

/// A validated classifier table.
#[derive(Clone, Debug)]
pub struct Classifiers {
    list: Vec<Classifier>,
    set: RegexSet,
}

impl Classifiers {
    /// Parses and validates a table; `file` names it in errors.
    pub fn parse(file: &str, text: &str) -> Result<Classifiers, Error> {
        let err = |message: String| Error::Data {
            file: file.to_string(),
            message,
        };
        let table: TableFile = toml::from_str(text).map_err(|e| err(e.to_string()))?;
        if table.schema != 1 {
            return Err(err(format!("schema {} is not supported (1)", table.schema)));
        }
        let mut ids = HashSet::new();
        let mut list = Vec::new();
        for e in table.classifiers {
            let at = |m: String| err(format!("classifier {:?}: {m}", e.id));
            if !ids.insert(e.id.clone()) {
                return Err(at("duplicate id".to_string()));
            }
            if e.id.is_empty()
                || !e
                    .id
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            {
                return Err(at(
                    "id must be lowercase letters, digits and '-'".to_string()
                ));
            }
            if !matches!(
                e.kind.as_str(),
                "binary" | "library" | "kernel" | "firmware"
            ) {
                return Err(at(format!(
                    "kind {:?} is not binary, library, kernel or firmware",
                    e.kind
                )));
            }
            let evidence = compile(&e.evidence).map_err(&at)?;
            let has_version = evidence
                .capture_names()
                .flatten()
                .any(|n| n.starts_with("version") || n == "major");
            let file_version = e
                .file_version
                .as_deref()
                .map(compile)
                .transpose()
                .map_err(&at)?;
            let corroborate = e
                .corroborate
                .as_deref()
                .map(compile)
                .transpose()
                .map_err(&at)?;
            let fv_version = file_version.as_ref().is_some_and(|r| {
                r.capture_names()
                    .flatten()
                    .any(|n| n.starts_with("version"))
            });
            if !has_version && !fv_version && !e.versionless {
                return Err(at(
                    "evidence has no (?P<version>...) group (set versionless = true if intended)"
                        .to_string(),
                ));
            }
            if !e.purl.starts_with("pkg:")
                || identity::parse_purl(&e.purl.replace("{version}", "0")).is_none()
            {
                return Err(at(format!("purl {:?} is not a PURL template", e.purl)));
            }
            for c in &e.cpe {
                let parts: Vec<&str> = c.split(':').collect();
                let ok = matches!(parts.len(), 2 | 3)
                    && parts.iter().all(|p| {
                        !p.is_empty()
                            && p.bytes()
                                .all(|b| b.is_ascii_alphanumeric() || b"_-.".contains(&b))
                    })
                    && (parts.len() == 2 || matches!(parts[0], "a" | "o" | "h"));
                if !ok {
                    return Err(at(format!("cpe {c:?} is not vendor:product")));
                }
            }
            if !e.content && e.files.is_empty() {
                return Err(at("content = false needs file globs".to_string()));
            }
            let names = e
                .files
                .iter()
                .map(|g| glob_regex(g).map_err(&at))
                .collect::<Result<Vec<_>, _>>()?;
            list.push(Classifier {
                id: e.id,
                name: e.name,
                kind: e.kind,
                files: e.files,
                names,
                evidence,
                file_version,
                corroborate,
                purl: e.purl,
                cpe: e.cpe,
                packages: e.packages,
                content: e.content,
                samples: e.samples,
            });
        }
        let set = RegexSetBuilder::new(list.iter().map(|c| c.evidence.as_str()))
            .unicode(false)
            .size_limit(REGEX_SIZE_LIMIT * 64)
            .build()
            .map_err(|e| err(format!("regex set: {e}")))?;
        let this = Classifiers { list, set };
        for c in &this.list {
            for s in &c.samples {
                let name = s.file.clone().unwrap_or_else(|| sample_name(c));
                let hits = this.classify(&name, s.bytes.as_bytes());
                let hit = hits.iter().find(|h| h.classifier == c.id);
                match hit {
                    Some(h) if h.version.as_deref().unwrap_or("") == s.version => {}
                    Some(h) => {
                        return Err(err(format!(
                            "classifier {:?}: sample from {} gives version {:?}, expected {:?}",
                            c.id, s.source, h.version, s.version
                        )));
                    }
                    None => {
                        return Err(err(format!(
                            "classifier {:?}: sample from {} does not match",
                            c.id, s.source
                        )));
                    }
                }
            }
        }
        Ok(this)
    }

    /// The classifiers in table order.
    pub fn list(&self) -> &[Classifier] {
        &self.list
    }

    /// The classifier with this id.
    pub fn get(&self, id: &str) -> Option<&Classifier> {
        self.list.iter().find(|c| c.id == id)
    }

    /// The classifier whose `packages` lists this package name.
    pub fn for_package(&self, package: &str) -> Option<&Classifier> {
        self.list
            .iter()
            .find(|c| c.packages.iter().any(|p| p == package))
    }

    /// Classifies one file's content. `file_name` is the last path component.
    pub fn classify(&self, file_name: &str, content: &[u8]) -> Vec<Hit> {
        let mut hits = Vec::new();
        let mut soname: Option<Option<&[u8]>> = None;
        for i in self.set.matches(content).iter() {
            let c = &self.list[i];
            let by_name = c.names.iter().any(|r| r.is_match(file_name.as_bytes())) || {
                let so = *soname.get_or_insert_with(|| elf_soname(content));
                so.is_some_and(|so| c.names.iter().any(|r| r.is_match(so)))
            };
            if !by_name && !c.content {
                continue;
            }
            // A program that only quotes a library's version (built against it, linked
            // dynamically) is not the library: unnamed files must show its code too.
            if !by_name && c.corroborate.as_ref().is_some_and(|r| !r.is_match(content)) {
                continue;
            }
            let caps = c.evidence.captures(content);
            let text =
                |m: regex::bytes::Match<'_>| String::from_utf8_lossy(m.as_bytes()).into_owned();
            let mut version = caps.as_ref().and_then(|caps| {
                c.evidence
                    .capture_names()
                    .flatten()
                    .filter(|n| n.starts_with("version"))
                    .find_map(|n| caps.name(n))
                    .map(text)
            });
            if version.is_none()
                && let Some(caps) = &caps
                && let Some(major) = caps.name("major")
            {
                // Integer-coded versions (libxml2's "20914"): numbers without leading zeros.
                let num = |n: &str| {
                    caps.name(n)
                        .and_then(|m| std::str::from_utf8(m.as_bytes()).ok()?.parse::<u64>().ok())
                        .map(|v| v.to_string())
                };
                let parts: Vec<String> = [
                    num("major").or_else(|| Some(text(major))),
                    num("minor"),
                    num("patch"),
                ]
                .into_iter()
                .flatten()
                .collect();
                version = Some(parts.join("."));
            }
            let release = caps
                .as_ref()
                .and_then(|caps| caps.name("release"))
                .map(text);
            if version.is_none()
                && let Some(fv) = &c.file_version
            {
                version = fv.captures(file_name.as_bytes()).and_then(|caps| {
                    caps.name("version")
                        .map(|m| String::from_utf8_lossy(m.as_bytes()).into_owned())
                });
            }
            let mut hit = c.hit(version, by_name);
            hit.release = release;
            hits.push(hit);
        }
        hits
    }
}

impl Classifier {
    fn hit(&self, version: Option<String>, by_name: bool) -> Hit {
        Hit {
            classifier: self.id.clone(),
            name: self.name.clone(),
            purl: self.purl_for(version.as_deref()),
            cpes: self.cpes_for(version.as_deref()),
            version,
            confidence: if by_name { 0.9 } else { 0.7 },
            by_name,
            release: None,
        }
    }

    /// The PURL for a version (the `@{version}` part dropped when unknown).
    pub fn purl_for(&self, version: Option<&str>) -> String {
        match version {
            Some(v) => self.purl.replace("{version}", &identity::purl_encode(v)),
            None => self.purl.replace("@{version}", "").replace("{version}", ""),
        }
    }

    /// CPE 2.3 names for a version.
    pub fn cpes_for(&self, version: Option<&str>) -> Vec<String> {
        self.cpe
            .iter()
            .map(|c| {
                let parts: Vec<&str> = c.split(':').collect();
                let (part, vendor, product) = match parts.as_slice() {
                    [p, v, n] => (p.chars().next().unwrap_or('a'), *v, *n),
                    [v, n] => ('a', *v, *n),
                    _ => ('a', "", ""),
                };
                identity::cpe(part, vendor, product, version)
            })
            .collect()
    }
}

/// The SONAME of an ELF shared library (`DT_SONAME` through `DT_STRTAB`, mapped to a file
/// offset through the `PT_LOAD` segments), or `None` when the file has none or is malformed.
/// Reads at most 64 program headers and 4096 dynamic entries.
pub fn elf_soname(data: &[u8]) -> Option<&[u8]> {
    if data.get(..4)? != b"\x7fELF" {
        return None;
    }
    let wide = match data.get(4)? {
        1 => false,
        2 => true,
        _ => return None,
    };
    let le = match data.get(5)? {
        1 => true,
        2 => false,
        _ => return None,
    };
    let word = |at: usize, n: usize| -> Option<u64> {
        let b = data.get(at..at.checked_add(n)?)?;
        let mut v = 0u64;
        for i in 0..n {
            let byte = if le { b[n - 1 - i] } else { b[i] };
            v = v << 8 | byte as u64;
        }
        Some(v)
    };
    let addr = if wide { 8 } else { 4 };
    let (phoff, phentsize, phnum) = if wide {
        (word(0x20, 8)?, word(0x36, 2)?, word(0x38, 2)?)
    } else {
        (word(0x1c, 4)?, word(0x2a, 2)?, word(0x2c, 2)?)
    };
    let mut loads = Vec::new();
    let mut dynamic = None;
    for i in 0..phnum.min(64) {
        let ph = usize::try_from(phoff.checked_add(i * phentsize)?).ok()?;
        let p_type = word(ph, 4)?;
        // (offset, vaddr, filesz)
        let seg = if wide {
            (word(ph + 8, 8)?, word(ph + 16, 8)?, word(ph + 32, 8)?)
        } else {
            (word(ph + 4, 4)?, word(ph + 8, 4)?, word(ph + 16, 4)?)
        };
        match p_type {
            1 => loads.push(seg),
            2 => dynamic = Some(seg),
            _ => {}
        }
    }
    let (dyn_off, _, dyn_size) = dynamic?;
    let (mut strtab, mut soname) = (None, None);
    let entry = 2 * addr;
    for i in 0..(dyn_size / entry as u64).min(4096) {
        let at = usize::try_from(dyn_off.checked_add(i * entry as u64)?).ok()?;
        let (tag, val) = (word(at, addr)?, word(at + addr, addr)?);
        match tag {
            0 => break,
            5 => strtab = Some(val),
            14 => soname = Some(val),
            _ => {}
        }
    }
    let (strtab, soname) = (strtab?, soname?);
    let (off, vaddr, _) = loads
        .iter()
        .find(|(_, v, size)| strtab >= *v && strtab - v < *size)?;
    let at = usize::try_from(off.checked_add(strtab - vaddr)?.checked_add(soname)?).ok()?;
    let tail = data.get(at..)?;
    let tail = &tail[..tail.len().min(256)];
    let end = tail.iter().position(|&b| b == 0)?;
    (end > 0).then(|| &tail[..end])
}

fn compile(pattern: &str) -> Result<Regex, String> {
    RegexBuilder::new(pattern)
        .unicode(false)
        .size_limit(REGEX_SIZE_LIMIT)
        .build()
        .map_err(|e| format!("regex {pattern:?}: {e}"))
}

/// A file-name glob (`*` any run, `?` one character, everything else literal) as a regex.
fn glob_regex(glob: &str) -> Result<Regex, String> {
    if glob.is_empty() || glob.contains('/') {
        return Err(format!(
            "file glob {glob:?} must be a non-empty file name pattern"
        ));
    }
    let mut re = String::from("^");
    for c in glob.chars() {
        match c {
            '*' => re.push_str(".*"),
            '?' => re.push('.'),
            c => re.push_str(&regex::escape(&c.to_string())),
        }
    }
    re.push('$');
    compile(&re)
}

fn sample_name(c: &Classifier) -> String {
    c.files
        .first()
        .map(|g| g.replace(['*', '?'], ""))
        .unwrap_or_else(|| "sample".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONE: &str = r#"
schema = 1
[[classifier]]
id = "dnsmasq-binary"
name = "dnsmasq"
files = ["dnsmasq"]
evidence = 'dnsmasq-(?P<version>[0-9]+\.[0-9]+)\x00'
purl = "pkg:generic/dnsmasq@{version}"
cpe = ["thekelleys:dnsmasq"]
[[classifier.sample]]
bytes = "dnsmasq-2.80\u0000"
version = "2.80"
source = "test"
"#;

    #[test]
    fn classifies_by_content_even_when_renamed() {
        let c = Classifiers::parse("t", ONE).unwrap();
        let hits = c.classify("dns-daemon", b"\x7fELF....dnsmasq-2.85\x00tail");
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].version.as_deref(), Some("2.85"));
        assert!(!hits[0].by_name);
        assert_eq!(
            hits[0].cpes,
            ["cpe:2.3:a:thekelleys:dnsmasq:2.85:*:*:*:*:*:*:*"]
        );
        assert_eq!(hits[0].purl, "pkg:generic/dnsmasq@2.85");
        let named = c.classify("dnsmasq", b"dnsmasq-2.85\x00");
        assert!(named[0].by_name && named[0].confidence > hits[0].confidence);
    }

    #[test]
    fn rejects_bad_tables() {
        let dup = ONE.to_string() + &ONE[ONE.find("[[classifier]]").unwrap()..];
        assert!(
            Classifiers::parse("t", &dup)
                .unwrap_err()
                .to_string()
                .contains("duplicate id")
        );
        let no_version = ONE.replace("(?P<version>[0-9]+\\.[0-9]+)", "[0-9.]+");
        assert!(
            Classifiers::parse("t", &no_version)
                .unwrap_err()
                .to_string()
                .contains("version")
        );
        let bad_regex = ONE.replace("dnsmasq-(?P", "dnsmasq-((?P");
        assert!(Classifiers::parse("t", &bad_regex).is_err());
        let bad_sample = ONE.replace("version = \"2.80\"", "version = \"2.81\"");
        assert!(
            Classifiers::parse("t", &bad_sample)
                .unwrap_err()
                .to_string()
                .contains("2.81")
        );
        let bad_cpe = ONE.replace("thekelleys:dnsmasq", "thekelleys dnsmasq");
        assert!(Classifiers::parse("t", &bad_cpe).is_err());
        assert!(Classifiers::parse("t", "schema = 2\nclassifier = []").is_err());
    }

    #[test]
    fn every_builtin_classifier_has_a_real_sample_it_matches() {
        // Parsing checks each sample; here: the table covers enough programs, each with a
        // sample, a source and NVD CPE names.
        let table = builtin().unwrap();
        let programs: HashSet<&str> = table.list().iter().map(|c| c.name.as_str()).collect();
        assert!(programs.len() >= 40, "{} programs", programs.len());
        for c in table.list() {
            assert!(!c.samples.is_empty(), "{} has no sample", c.id);
            assert!(c.samples.iter().all(|s| !s.source.is_empty()), "{}", c.id);
            assert!(!c.cpe.is_empty(), "{} has no CPE", c.id);
        }
    }

    #[test]
    fn quoting_a_library_version_is_not_containing_the_library() {
        let table = builtin().unwrap();
        let ids = |name: &str, bytes: &[u8]| -> Vec<String> {
            table
                .classify(name, bytes)
                .into_iter()
                .map(|h| h.classifier)
                .collect()
        };
        // hostapd on Debian 12 quotes the OpenSSL it was built against and links libcrypto.
        assert!(ids("hostapd", b"\0OpenSSL 3.0.16 11 Feb 2025\0").is_empty());
        // A statically linked copy carries OpenSSL's code (its source file names) as well.
        assert_eq!(
            ids(
                "hostapd",
                b"\0OpenSSL 1.0.2k  26 Jan 2017\0crypto/bn/bn_lib.c\0"
            ),
            ["openssl-library"]
        );
        // The library itself, by name, needs no second evidence.
        assert_eq!(
            ids("libcrypto.so.1.0.0", b"\0OpenSSL 1.0.1e 11 Feb 2013\0"),
            ["openssl-library"]
        );
    }

    #[test]
    fn a_renamed_library_is_named_by_its_soname() {
        let table = builtin().unwrap();
        // This test binary is an ELF without a SONAME.
        let exe = std::fs::read(std::env::current_exe().unwrap()).unwrap();
        assert_eq!(elf_soname(&exe), None);
        let lib = tiny_shared_object(b"libzstd.so.1");
        assert_eq!(elf_soname(&lib), Some(&b"libzstd.so.1"[..]));
        let mut content = lib.clone();
        content.extend(b"\x85w\xca\xeb\x851.5.4\x00\x00");
        let hits = table.classify("libvendorz.so", &content);
        assert_eq!(
            hits.iter()
                .map(|h| (h.classifier.as_str(), h.version.as_deref(), h.by_name))
                .collect::<Vec<_>>(),
            [("zstd-library", Some("1.5.4"), true)]
        );
        // Without the SONAME the bare version string says nothing.
        let mut plain = vec![0u8; lib.len()];
        plain.extend(b"\x85w\xca\xeb\x851.5.4\x00\x00");
        assert!(table.classify("libvendorz.so", &plain).is_empty());
        // Truncated and garbled headers: no SONAME, no panic.
        for n in [0, 4, 20, 64, 100, lib.len() - 1] {
            let _ = elf_soname(&lib[..n]);
        }
        let mut bad = lib.clone();
        bad[0x20..0x28].copy_from_slice(&u64::MAX.to_le_bytes());
        assert_eq!(elf_soname(&bad), None);
    }

    /// A minimal 64-bit little-endian shared object: one PT_LOAD over the file, a PT_DYNAMIC
    /// with DT_STRTAB and DT_SONAME, and the string table.
    fn tiny_shared_object(soname: &[u8]) -> Vec<u8> {
        let mut f = vec![0u8; 0x200];
        f[..4].copy_from_slice(b"\x7fELF");
        f[4] = 2;
        f[5] = 1;
        f[6] = 1;
        f[0x10..0x12].copy_from_slice(&3u16.to_le_bytes()); // ET_DYN
        f[0x20..0x28].copy_from_slice(&0x40u64.to_le_bytes()); // e_phoff
        f[0x36..0x38].copy_from_slice(&56u16.to_le_bytes());
        f[0x38..0x3a].copy_from_slice(&2u16.to_le_bytes());
        let ph = |f: &mut Vec<u8>, at: usize, kind: u32, off: u64, vaddr: u64, size: u64| {
            f[at..at + 4].copy_from_slice(&kind.to_le_bytes());
            f[at + 8..at + 16].copy_from_slice(&off.to_le_bytes());
            f[at + 16..at + 24].copy_from_slice(&vaddr.to_le_bytes());
            f[at + 32..at + 40].copy_from_slice(&size.to_le_bytes());
        };
        ph(&mut f, 0x40, 1, 0, 0x1000, 0x200);
        ph(&mut f, 0x78, 2, 0x100, 0x1100, 0x30);
        let dyns: [(u64, u64); 3] = [(5, 0x1180), (14, 1), (0, 0)];
        for (i, (t, v)) in dyns.iter().enumerate() {
            f[0x100 + i * 16..0x108 + i * 16].copy_from_slice(&t.to_le_bytes());
            f[0x108 + i * 16..0x110 + i * 16].copy_from_slice(&v.to_le_bytes());
        }
        f[0x181..0x181 + soname.len()].copy_from_slice(soname);
        f
    }

    #[test]
    fn globs_match_whole_names() {
        let r = glob_regex("libssl.so*").unwrap();
        assert!(r.is_match(b"libssl.so.1.0.0"));
        assert!(!r.is_match(b"xlibssl.so"));
        assert!(glob_regex("a/b").is_err());
    }
}
