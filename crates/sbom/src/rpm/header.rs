//! The rpm header blob, as every rpm database stores one per installed package (rpm's
//! `headerExport`, `lib/header.c`): two big-endian 32-bit counts, `il` index entries and `dl`
//! bytes of data, then `il` entries of 16 bytes (tag, type, offset into the data, count), then
//! the data store. Nothing is read outside the blob: every entry's offset, count and strings
//! are checked against the store when the entry is read, counts are bounded by the bytes they
//! need, and the header itself is bounded as rpm bounds it (at most 65,535 entries and 256 MiB
//! of data).

use std::borrow::Cow;

use super::Malformed;

/// Most index entries rpm accepts in a header (`hdrchkTags`).
pub const MAX_ENTRIES: u32 = 0xffff;
/// Most data bytes rpm accepts in a header (`hdrchkData`).
pub const MAX_DATA: u32 = 0x0fff_ffff;
/// Most strings read from one array entry: a package with the most files of any
/// distribution has a few hundred thousand; this bounds what a hostile count of one-byte
/// strings can make us allocate.
pub const MAX_STRINGS: u32 = 1_000_000;

/// Tags read here (rpm's `rpmtag.h`).
pub mod tag {
    pub const NAME: u32 = 1000;
    pub const VERSION: u32 = 1001;
    pub const RELEASE: u32 = 1002;
    pub const EPOCH: u32 = 1003;
    pub const VENDOR: u32 = 1011;
    pub const LICENSE: u32 = 1014;
    pub const ARCH: u32 = 1022;
    /// Absolute paths, before rpm 4 compressed them into the three tags below.
    pub const OLDFILENAMES: u32 = 1027;
    pub const SOURCERPM: u32 = 1044;
    pub const DIRINDEXES: u32 = 1116;
    pub const BASENAMES: u32 = 1117;
    pub const DIRNAMES: u32 = 1118;
    pub const MODULARITYLABEL: u32 = 5096;
}

/// Data types of index entries (rpm's `rpmTagType`).
mod kind {
    pub const INT32: u32 = 4;
    pub const STRING: u32 = 6;
    pub const STRING_ARRAY: u32 = 8;
    pub const I18NSTRING: u32 = 9;
}

fn bad(offset: usize, message: impl Into<String>) -> Malformed {
    Malformed {
        offset: Some(offset as u64),
        message: message.into(),
    }
}

#[derive(Clone, Copy, Debug)]
struct Entry {
    tag: u32,
    kind: u32,
    offset: u32,
    count: u32,
    /// Where the entry itself is in the blob (for messages).
    at: usize,
}

/// A parsed header: its index, and the data store the index points into.
#[derive(Debug)]
pub struct Header<'a> {
    entries: Vec<Entry>,
    store: &'a [u8],
    /// Offset of the store in the blob (for messages).
    store_at: usize,
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    let x = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes([x[0], x[1], x[2], x[3]]))
}

impl<'a> Header<'a> {
    /// Reads the index of a header blob; entries are checked when they are read.
    pub fn parse(blob: &'a [u8]) -> Result<Header<'a>, Malformed> {
        let (Some(il), Some(dl)) = (be32(blob, 0), be32(blob, 4)) else {
            return Err(bad(
                0,
                format!("{} bytes, too short for a header", blob.len()),
            ));
        };
        if il == 0 || il > MAX_ENTRIES {
            return Err(bad(
                0,
                format!("{il} index entries (1 to {MAX_ENTRIES} allowed)"),
            ));
        }
        if dl > MAX_DATA {
            return Err(bad(
                4,
                format!("{dl} data bytes (at most {MAX_DATA} allowed)"),
            ));
        }
        let store_at = 8 + 16 * il as usize;
        let end = store_at + dl as usize;
        if end > blob.len() {
            return Err(bad(
                0,
                format!(
                    "truncated: {il} entries and {dl} data bytes need {end} bytes, the blob has {}",
                    blob.len()
                ),
            ));
        }
        let entries = (0..il as usize)
            .map(|i| {
                let at = 8 + 16 * i;
                let f = |k: usize| be32(blob, at + 4 * k).unwrap_or(0);
                Entry {
                    tag: f(0),
                    kind: f(1),
                    offset: f(2),
                    count: f(3),
                    at,
                }
            })
            .collect();
        Ok(Header {
            entries,
            store: &blob[store_at..end],
            store_at,
        })
    }

    /// Number of index entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the index is empty (never, for a parsed header).
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn entry(&self, tag: u32) -> Option<&Entry> {
        self.entries.iter().find(|e| e.tag == tag)
    }

    /// The entry's data from its offset to the end of the store.
    fn data(&self, e: &Entry) -> Result<&'a [u8], Malformed> {
        let off = e.offset as usize;
        if e.offset > i32::MAX as u32 || off >= self.store.len() {
            return Err(bad(
                e.at + 8,
                format!(
                    "tag {} points at data offset {}, past the {}-byte data store",
                    e.tag,
                    e.offset as i32,
                    self.store.len()
                ),
            ));
        }
        Ok(&self.store[off..])
    }

    /// Strings of a STRING, STRING_ARRAY or I18NSTRING entry (at most `count`, each up to its
    /// NUL; each needs at least one byte, so a count larger than the store fails on the
    /// store's end, not in an allocation).
    fn string_list(&self, e: &Entry) -> Result<Vec<Cow<'a, str>>, Malformed> {
        let count = match e.kind {
            kind::STRING => 1,
            kind::STRING_ARRAY | kind::I18NSTRING => e.count,
            other => {
                return Err(bad(
                    e.at + 4,
                    format!("tag {} has type {other}, not a string", e.tag),
                ));
            }
        };
        let mut rest = self.data(e)?;
        if count > MAX_STRINGS || count as usize > rest.len() {
            return Err(bad(
                e.at + 12,
                format!(
                    "tag {} holds {count} strings; {} bytes remain past its data offset (at most {MAX_STRINGS} strings read)",
                    e.tag,
                    rest.len()
                ),
            ));
        }
        let mut out = Vec::new();
        for i in 0..count {
            let Some(nul) = rest.iter().position(|&b| b == 0) else {
                return Err(bad(
                    self.store_at + self.store.len(),
                    format!(
                        "string {i} of {count} of tag {} runs past the end of the data store",
                        e.tag
                    ),
                ));
            };
            out.push(String::from_utf8_lossy(&rest[..nul]));
            rest = &rest[nul + 1..];
        }
        Ok(out)
    }

    /// A string tag (the first string of an array or I18N string); `None` when absent.
    pub fn string(&self, tag: u32) -> Result<Option<Cow<'a, str>>, Malformed> {
        let Some(e) = self.entry(tag) else {
            return Ok(None);
        };
        let first = Entry {
            kind: if e.kind == kind::STRING_ARRAY || e.kind == kind::I18NSTRING {
                kind::STRING
            } else {
                e.kind
            },
            ..*e
        };
        Ok(self.string_list(&first)?.into_iter().next())
    }

    /// A string array tag; `None` when absent.
    pub fn strings(&self, tag: u32) -> Result<Option<Vec<Cow<'a, str>>>, Malformed> {
        self.entry(tag).map(|e| self.string_list(e)).transpose()
    }

    /// An INT32 tag's values; `None` when absent.
    pub fn u32s(&self, tag: u32) -> Result<Option<Vec<u32>>, Malformed> {
        let Some(e) = self.entry(tag) else {
            return Ok(None);
        };
        if e.kind != kind::INT32 {
            return Err(bad(
                e.at + 4,
                format!("tag {} has type {}, not INT32", e.tag, e.kind),
            ));
        }
        let data = self.data(e)?;
        let need = e.count as usize * 4;
        if need > data.len() {
            return Err(bad(
                e.at + 12,
                format!(
                    "tag {} holds {} INT32 values, {} bytes past data offset {}; {} remain",
                    e.tag,
                    e.count,
                    need,
                    e.offset,
                    data.len()
                ),
            ));
        }
        Ok(Some(
            data[..need]
                .chunks_exact(4)
                .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
                .collect(),
        ))
    }
}

/// How many file-list entries, and bytes of their joined paths, may still be made. File paths
/// are a directory name joined to a base name through an index, so a hostile header can name
/// one long directory millions of times in a few bytes each; the budget is charged before
/// any path is made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    pub entries: usize,
    pub bytes: usize,
}

/// What the cataloger reads from a header.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Package {
    pub name: String,
    /// `None` when the package has no epoch (rpm compares it as 0).
    pub epoch: Option<u32>,
    pub version: String,
    pub release: String,
    /// `x86_64`, `noarch`; absent from `gpg-pubkey` pseudo-packages.
    pub arch: Option<String>,
    /// `openssl-3.0.7-27.el9.src.rpm`.
    pub source_rpm: Option<String>,
    pub license: Option<String>,
    pub vendor: Option<String>,
    /// Module stream of a modular RHEL 8 package (`nodejs:18:8080020230607133023:...`).
    pub modularity_label: Option<String>,
    /// Absolute paths of the files, directories and links the package installed (empty when
    /// they did not fit in the [`Budget`]).
    pub files: Vec<String>,
    /// The file list was not read: it did not fit in the budget.
    pub files_over_budget: bool,
}

impl Package {
    /// `[epoch:]version-release`, as rpm and syft write a package's version.
    pub fn evr(&self) -> String {
        match self.epoch {
            Some(e) => format!("{e}:{}-{}", self.version, self.release),
            None => format!("{}-{}", self.version, self.release),
        }
    }

    /// The source package's name: `openssl` of `openssl-3.0.7-27.el9.src.rpm`.
    pub fn source_name(&self) -> Option<&str> {
        let s = self.source_rpm.as_deref()?;
        let s = s
            .strip_suffix(".src.rpm")
            .or_else(|| s.strip_suffix(".nosrc.rpm"))?;
        let (nv, _release) = s.rsplit_once('-')?;
        let (n, _version) = nv.rsplit_once('-')?;
        (!n.is_empty()).then_some(n)
    }
}

/// Reads a package from a header blob (problems carry offsets in the blob), its file list if it
/// fits in `budget` (which it then uses up). A header without NAME, VERSION or RELEASE is
/// malformed; other tags are optional.
pub fn package(blob: &[u8], budget: &mut Budget) -> Result<Package, Malformed> {
    let h = Header::parse(blob)?;
    let required = |t: u32, what: &str| -> Result<String, Malformed> {
        h.string(t)?
            .map(Cow::into_owned)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| bad(0, format!("no {what} (tag {t})")))
    };
    let optional = |t: u32| -> Result<Option<String>, Malformed> {
        Ok(h.string(t)?.map(Cow::into_owned).filter(|s| !s.is_empty()))
    };
    let (files, files_over_budget) = match files(&h, budget)? {
        Some(f) => (f, false),
        None => (Vec::new(), true),
    };
    Ok(Package {
        name: required(tag::NAME, "NAME")?,
        version: required(tag::VERSION, "VERSION")?,
        release: required(tag::RELEASE, "RELEASE")?,
        epoch: h.u32s(tag::EPOCH)?.and_then(|v| v.first().copied()),
        arch: optional(tag::ARCH)?,
        source_rpm: optional(tag::SOURCERPM)?,
        license: optional(tag::LICENSE)?,
        vendor: optional(tag::VENDOR)?,
        modularity_label: optional(tag::MODULARITYLABEL)?,
        files,
        files_over_budget,
    })
}

/// BASENAMES joined to DIRNAMES through DIRINDEXES, or the old FILENAMES; `None` when they do
/// not fit in the budget.
fn files(h: &Header<'_>, budget: &mut Budget) -> Result<Option<Vec<String>>, Malformed> {
    let Some(base) = h.strings(tag::BASENAMES)? else {
        let old = h.strings(tag::OLDFILENAMES)?.unwrap_or_default();
        let bytes = old.iter().map(|f| f.len()).sum();
        if !budget.charge(old.len(), bytes) {
            return Ok(None);
        }
        return Ok(Some(old.into_iter().map(Cow::into_owned).collect()));
    };
    let dirs = h.strings(tag::DIRNAMES)?.unwrap_or_default();
    let index = h.u32s(tag::DIRINDEXES)?.unwrap_or_default();
    let at = h.entry(tag::DIRINDEXES).map_or(0, |e| e.at);
    if index.len() != base.len() {
        return Err(bad(
            at,
            format!(
                "{} base names but {} directory indexes",
                base.len(),
                index.len()
            ),
        ));
    }
    let mut bytes = 0usize;
    for (b, &i) in base.iter().zip(&index) {
        let d = dirs.get(i as usize).ok_or_else(|| {
            bad(
                at,
                format!(
                    "directory index {i} of {b:?} past the {} directory names",
                    dirs.len()
                ),
            )
        })?;
        bytes = bytes.saturating_add(d.len() + b.len());
    }
    if !budget.charge(base.len(), bytes) {
        return Ok(None);
    }
    Ok(Some(
        base.iter()
            .zip(&index)
            .map(|(b, &i)| format!("{}{b}", dirs[i as usize]))
            .collect(),
    ))
}

impl Budget {
    /// Takes `entries` and `bytes` from the budget if both fit; otherwise takes nothing.
    fn charge(&mut self, entries: usize, bytes: usize) -> bool {
        if entries > self.entries || bytes > self.bytes {
            return false;
        }
        self.entries -= entries;
        self.bytes -= bytes;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn package(blob: &[u8]) -> Result<Package, Malformed> {
        super::package(
            blob,
            &mut Budget {
                entries: 1 << 20,
                bytes: 1 << 30,
            },
        )
    }

    /// A header blob from (tag, type, count, data) entries, data laid out in order.
    pub(crate) fn blob(entries: &[(u32, u32, u32, Vec<u8>)]) -> Vec<u8> {
        let mut index = Vec::new();
        let mut store = Vec::new();
        for (t, k, c, d) in entries {
            if *k == kind::INT32 {
                while store.len() % 4 != 0 {
                    store.push(0);
                }
            }
            for x in [*t, *k, store.len() as u32, *c] {
                index.extend_from_slice(&x.to_be_bytes());
            }
            store.extend_from_slice(d);
        }
        let mut out = (entries.len() as u32).to_be_bytes().to_vec();
        out.extend_from_slice(&(store.len() as u32).to_be_bytes());
        out.extend(index);
        out.extend(store);
        out
    }

    fn s(t: u32, v: &str) -> (u32, u32, u32, Vec<u8>) {
        let mut d = v.as_bytes().to_vec();
        d.push(0);
        (t, kind::STRING, 1, d)
    }

    fn arr(t: u32, v: &[&str]) -> (u32, u32, u32, Vec<u8>) {
        let mut d = Vec::new();
        for x in v {
            d.extend_from_slice(x.as_bytes());
            d.push(0);
        }
        (t, kind::STRING_ARRAY, v.len() as u32, d)
    }

    fn ints(t: u32, v: &[u32]) -> (u32, u32, u32, Vec<u8>) {
        (
            t,
            kind::INT32,
            v.len() as u32,
            v.iter().flat_map(|x| x.to_be_bytes()).collect(),
        )
    }

    fn openssl() -> Vec<(u32, u32, u32, Vec<u8>)> {
        vec![
            s(tag::NAME, "openssl-libs"),
            s(tag::VERSION, "3.0.7"),
            s(tag::RELEASE, "27.el9"),
            ints(tag::EPOCH, &[1]),
            s(tag::ARCH, "x86_64"),
            s(tag::SOURCERPM, "openssl-3.0.7-27.el9.src.rpm"),
            s(tag::LICENSE, "ASL 2.0"),
            arr(
                tag::BASENAMES,
                &["libssl.so.3", "libcrypto.so.3", "openssl"],
            ),
            arr(tag::DIRNAMES, &["/usr/lib64/", "/usr/bin/"]),
            ints(tag::DIRINDEXES, &[0, 0, 1]),
        ]
    }

    #[test]
    fn reads_a_package_and_its_files() {
        let p = package(&blob(&openssl())).unwrap();
        assert_eq!(p.name, "openssl-libs");
        assert_eq!(p.evr(), "1:3.0.7-27.el9");
        assert_eq!(p.arch.as_deref(), Some("x86_64"));
        assert_eq!(p.source_name(), Some("openssl"));
        assert_eq!(p.license.as_deref(), Some("ASL 2.0"));
        assert_eq!(
            p.files,
            [
                "/usr/lib64/libssl.so.3",
                "/usr/lib64/libcrypto.so.3",
                "/usr/bin/openssl"
            ]
        );
        let old = package(&blob(&[
            s(tag::NAME, "bash"),
            s(tag::VERSION, "3.2"),
            s(tag::RELEASE, "33.el5"),
            arr(tag::OLDFILENAMES, &["/bin/bash", "/bin/sh"]),
        ]))
        .unwrap();
        assert_eq!(old.evr(), "3.2-33.el5");
        assert_eq!(old.files, ["/bin/bash", "/bin/sh"]);
        assert_eq!(old.source_name(), None);
    }

    #[test]
    fn source_names_drop_version_and_release() {
        let p = |s: &str| Package {
            source_rpm: Some(s.into()),
            ..Package::default()
        };
        assert_eq!(
            p("glibc-2.34-125.el9_5.8.alma.1.src.rpm").source_name(),
            Some("glibc")
        );
        assert_eq!(
            p("python3.11-3.11.7-1.el9.src.rpm").source_name(),
            Some("python3.11")
        );
        assert_eq!(p("kernel-5.14.0-1.nosrc.rpm").source_name(), Some("kernel"));
        assert_eq!(p("nonsense").source_name(), None);
        assert_eq!(p("-1-2.src.rpm").source_name(), None);
    }

    #[test]
    fn refuses_truncated_and_oversized_headers() {
        let b = blob(&openssl());
        for cut in [0, 3, 7, 8, 20, b.len() - 1] {
            let e = package(&b[..cut]).unwrap_err();
            assert!(
                e.message.contains("too short") || e.message.contains("truncated"),
                "{cut}: {e}"
            );
        }
        let mut many = b.clone();
        many[..4].copy_from_slice(&0x0001_0000u32.to_be_bytes());
        assert!(
            package(&many)
                .unwrap_err()
                .message
                .contains("index entries")
        );
        let mut zero = b.clone();
        zero[..4].copy_from_slice(&0u32.to_be_bytes());
        assert!(package(&zero).is_err());
        let mut huge = b.clone();
        huge[4..8].copy_from_slice(&0x4000_0000u32.to_be_bytes());
        let e = package(&huge).unwrap_err();
        assert_eq!(e.offset, Some(4));
        assert!(e.message.contains("data bytes"), "{e}");
    }

    /// Patches field `k` (0 tag, 1 type, 2 offset, 3 count) of entry `i`.
    fn patch(b: &mut [u8], i: usize, k: usize, v: u32) {
        let at = 8 + 16 * i + 4 * k;
        b[at..at + 4].copy_from_slice(&v.to_be_bytes());
    }

    #[test]
    fn refuses_entries_pointing_outside_the_store() {
        let good = blob(&openssl());
        // NAME's offset past the store.
        let mut b = good.clone();
        patch(&mut b, 0, 2, 0x00ff_ffff);
        let e = package(&b).unwrap_err();
        assert!(e.message.contains("past the"), "{e}");
        assert_eq!(e.offset, Some(8 + 8));
        // A negative offset.
        let mut b = good.clone();
        patch(&mut b, 0, 2, 0xffff_fff0);
        assert!(package(&b).unwrap_err().message.contains("-16"));
        // Four billion base names in a few hundred bytes, or just more than remain.
        let mut b = good.clone();
        patch(&mut b, 7, 3, u32::MAX);
        assert!(package(&b).unwrap_err().message.contains("strings;"));
        let mut b = good.clone();
        patch(&mut b, 7, 3, 40);
        assert!(
            package(&b)
                .unwrap_err()
                .message
                .contains("runs past the end")
        );
        // More directory indexes than bytes.
        let mut b = good.clone();
        patch(&mut b, 9, 3, 0x1000_0000);
        assert!(package(&b).unwrap_err().message.contains("INT32 values"));
        // A directory index past the directory names.
        let mut entries = openssl();
        entries[9] = ints(tag::DIRINDEXES, &[0, 0, 7]);
        assert!(
            package(&blob(&entries))
                .unwrap_err()
                .message
                .contains("directory index 7")
        );
        // Mismatched counts.
        entries[9] = ints(tag::DIRINDEXES, &[0]);
        assert!(
            package(&blob(&entries))
                .unwrap_err()
                .message
                .contains("3 base names but 1")
        );
        // A string without its NUL at the end of the store.
        let mut b = blob(&[
            s(tag::NAME, "x"),
            s(tag::VERSION, "1"),
            s(tag::RELEASE, "1"),
        ]);
        b.pop();
        let len = b.len() as u32;
        b[4..8].copy_from_slice(&(len - 8 - 48).to_be_bytes());
        assert!(
            package(&b)
                .unwrap_err()
                .message
                .contains("runs past the end")
        );
        // NAME of the wrong type.
        let mut b = good.clone();
        patch(&mut b, 0, 1, kind::INT32);
        assert!(package(&b).unwrap_err().message.contains("not a string"));
    }

    #[test]
    fn file_lists_are_charged_to_the_budget_before_they_are_made() {
        // One 200-byte directory named by 1,000 one-byte base names: 201,000 bytes of paths
        // from about 6 KB of header.
        let long = format!("/{}/", "d".repeat(198));
        let names: Vec<String> = (0..1000)
            .map(|i| ((b'a' + (i % 26) as u8) as char).to_string())
            .collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let b = blob(&[
            s(tag::NAME, "bomb"),
            s(tag::VERSION, "1"),
            s(tag::RELEASE, "1"),
            arr(tag::BASENAMES, &refs),
            arr(tag::DIRNAMES, &[long.as_str()]),
            ints(tag::DIRINDEXES, &vec![0; 1000]),
        ]);
        let mut budget = Budget {
            entries: 10_000,
            bytes: 100_000,
        };
        let p = super::package(&b, &mut budget).unwrap();
        assert!(p.files.is_empty() && p.files_over_budget);
        assert_eq!(budget.bytes, 100_000, "nothing taken");
        let mut budget = Budget {
            entries: 1000,
            bytes: 201_000,
        };
        let p = super::package(&b, &mut budget).unwrap();
        assert_eq!(p.files.len(), 1000);
        assert!(!p.files_over_budget);
        assert_eq!(
            budget,
            Budget {
                entries: 0,
                bytes: 0
            }
        );
    }

    #[test]
    fn requires_name_version_and_release() {
        let e = package(&blob(&[s(tag::NAME, "x"), s(tag::RELEASE, "1")])).unwrap_err();
        assert!(e.message.contains("VERSION"), "{e}");
        let e = package(&blob(&[
            s(tag::NAME, ""),
            s(tag::VERSION, "1"),
            s(tag::RELEASE, "1"),
        ]))
        .unwrap_err();
        assert!(e.message.contains("NAME"), "{e}");
    }
}
