//! What one image holds, in the form the comparisons need: every entry by logical path with
//! its metadata and content digest; for ELF binaries their sections, symbols, build id and
//! printable strings; accounts; keys and certificates; layers and their unclaimed regions.
//!
//! [`Collector::file`] sees each file's content once during the pipeline's single pass (in
//! parallel); [`Collector::finish`] adds what only the whole tree gives. Memory is bounded:
//! strings are kept up to a budget, and only digests of everything else.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use netvet_model::diff::{Account, Material};
use netvet_model::{EntryKind, ImageReport, RegionClass};
use netvet_unpack::{Entry, Tree};
use sha2::{Digest, Sha256};

use crate::logical::Namer;

/// A SHA-256 digest.
pub type Hash = [u8; 32];

/// What to collect.
#[derive(Clone, Debug)]
pub struct CollectOptions {
    /// Keep ELF binaries' printable strings (for `diff`; `equivalence` needs digests only).
    pub strings: bool,
    /// Bytes of strings kept over the whole image; past it, strings are no longer kept and a
    /// note says so.
    pub strings_budget: u64,
    /// Collect accounts, keys and certificates (for `diff`; `equivalence` compares contents).
    pub inventory: bool,
}

impl Default for CollectOptions {
    fn default() -> CollectOptions {
        CollectOptions {
            strings: true,
            strings_budget: 256 << 20,
            inventory: true,
        }
    }
}

/// Strings of one binary at most, and their length at most.
const MAX_STRINGS: usize = 50_000;
const MAX_STRING_LEN: usize = 200;
const MIN_STRING_LEN: usize = 6;
/// Text files larger than this are not searched for keys, accounts or timestamps.
const MAX_TEXT: usize = 4 << 20;
/// Text files up to this size are kept whole, to show the first line that differs.
const MAX_KEPT_TEXT: usize = 64 << 10;

/// One section of an ELF file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Section {
    pub name: String,
    /// Loaded into memory (`SHF_ALLOC`): what the program runs with.
    pub alloc: bool,
    pub size: u64,
    pub digest: Hash,
}

/// What an ELF binary is made of.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ElfPrint {
    pub sections: Vec<Section>,
    pub imports: BTreeSet<String>,
    pub exports: BTreeSet<String>,
    /// Printable strings, sorted; `None` when not kept (budget, option, or unchanged file).
    pub strings: Option<Vec<String>>,
    pub build_id: Option<Vec<u8>>,
    /// Digest of what is loaded and run: the allocated sections other than the build-id
    /// note, with their names, addresses and contents; the ELF header's machine and entry.
    pub loaded: Hash,
    /// Digest of the sections that are not loaded (symbols, debug information, comments).
    pub unloaded: Hash,
    /// Bytes after the end of the ELF structures (an appended module signature).
    pub trailer: Option<Trailer>,
}

/// Data appended after an ELF file's last section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trailer {
    pub length: u64,
    /// The kernel's `~Module signature appended~` marker ends it.
    pub module_signature: bool,
    pub digest: Hash,
}

/// A file's content, as the comparisons need it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Content {
    pub digest: Hash,
    /// The whole file was read (else the digest covers its first bytes only).
    pub complete: bool,
    pub elf: Option<ElfPrint>,
    /// Digest of the content with build timestamps masked, for text files that have any.
    pub timestamps_masked: Option<Hash>,
    /// Digest of a compiled Python file without its header's source timestamp and size.
    pub pyc_body: Option<Hash>,
    /// The text of a small text file (at most 64 KiB), to show the first line that differs.
    pub text: Option<Vec<u8>>,
}

/// One entry of the tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntryPrint {
    /// The entry's virtual path in its image (to read it again).
    pub vpath: String,
    pub kind: EntryKind,
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub size: u64,
    pub mtime: i64,
    /// Symlink target as stored; a hard link's target as a logical path.
    pub link_target: Option<String>,
    pub device: Option<(u32, u32)>,
    /// The entry is an image itself (opened as a layer): its content is compared through its
    /// layer and entries, not as bytes.
    pub container: bool,
    pub content: Option<Content>,
}

/// Data of a layer no reader claimed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unclaimed {
    pub class: RegionClass,
    /// Offset and length of the data without its leading and trailing fill.
    pub offset: u64,
    pub length: u64,
    /// Where the region (with its fill) ends in the container.
    pub end: u64,
    /// Digest of the data without fill; `None` for padding or data that could not be read.
    pub digest: Option<Hash>,
}

/// A layer of the image.
#[derive(Clone, Debug, PartialEq)]
pub struct LayerPrint {
    pub format: String,
    pub description: String,
    pub digest: String,
    /// Unclaimed regions, in order: class, offset, length and digest. For regions that are
    /// not padding, offset, length and digest are of the data without the fill (runs of 0x00
    /// or 0xff) at its start and end; the digest is `None` when it could not be read.
    pub unclaimed: Vec<Unclaimed>,
    /// The layer is the input itself.
    pub top: bool,
    /// Length of the container the layer is in.
    pub container_length: u64,
}

/// Everything collected from one image.
pub struct Fingerprints {
    /// The image's layer report.
    pub image: ImageReport,
    /// Every entry, by logical path.
    pub entries: BTreeMap<String, EntryPrint>,
    /// Every layer, by logical path.
    pub layers: BTreeMap<String, LayerPrint>,
    pub accounts: Vec<Account>,
    pub keys: Vec<Material>,
    pub certificates: Vec<Material>,
    pub notes: Vec<String>,
}

/// A root filesystem's passwd and shadow files.
type PasswdPair = (Option<Vec<u8>>, Option<Vec<u8>>);

struct Raw {
    vpath: String,
    content: Content,
    passwd: Option<Vec<u8>>,
    shadow: Option<Vec<u8>>,
    keys: Vec<Material>,
    certificates: Vec<Material>,
}

/// Collects fingerprints during a pass.
pub struct Collector {
    opts: CollectOptions,
    files: Mutex<Vec<Raw>>,
    strings_used: AtomicU64,
    strings_dropped: AtomicU64,
}

impl Collector {
    /// A collector for one image.
    pub fn new(opts: CollectOptions) -> Collector {
        Collector {
            opts,
            files: Mutex::new(Vec::new()),
            strings_used: AtomicU64::new(0),
            strings_dropped: AtomicU64::new(0),
        }
    }

    /// Sees one file's content (at most the pass's read limit).
    pub fn file(&self, entry: &Entry, data: &[u8]) {
        if entry.nested.is_some() {
            // Compared as a layer.
            return;
        }
        let digest: Hash = Sha256::digest(data).into();
        let complete = data.len() as u64 == entry.size;
        let mut elf = if data.starts_with(b"\x7fELF") {
            elf_print(data)
        } else {
            None
        };
        if let Some(e) = &mut elf
            && self.opts.strings
        {
            let strings = printable_strings(data);
            let bytes: u64 = strings.iter().map(|s| s.len() as u64 + 24).sum();
            let used = self.strings_used.fetch_add(bytes, Ordering::Relaxed) + bytes;
            if used <= self.opts.strings_budget {
                e.strings = Some(strings);
            } else {
                self.strings_dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
        let is_text = elf.is_none() && data.len() <= MAX_TEXT && looks_like_text(data);
        let text = (is_text && data.len() <= MAX_KEPT_TEXT).then(|| data.to_vec());
        let timestamps_masked = if is_text { mask_timestamps(data) } else { None };
        let pyc_body = pyc_body(entry.name(), data);
        let name = entry.path.rsplit('/').next().unwrap_or("");
        let (mut keys, mut certificates) = (Vec::new(), Vec::new());
        let (mut passwd, mut shadow) = (None, None);
        if self.opts.inventory && is_text {
            pem_blocks(data, &mut keys, &mut certificates);
            if name.starts_with("authorized_keys") {
                ssh_public_keys(data, &mut keys);
            }
            let under_etc = |file: &str| {
                entry.path.ends_with(&format!("!/etc/{file}"))
                    || entry.path.ends_with(&format!("/etc/{file}"))
            };
            if under_etc("passwd") {
                passwd = Some(data.to_vec());
            }
            if under_etc("shadow") {
                shadow = Some(data.to_vec());
            }
        }
        let raw = Raw {
            vpath: entry.path.clone(),
            content: Content {
                digest,
                complete,
                elf,
                timestamps_masked,
                pyc_body,
                text,
            },
            passwd,
            shadow,
            keys,
            certificates,
        };
        self.files
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(raw);
    }

    /// Adds the tree's entries, layers and unclaimed regions. `input` is the image file (its
    /// own unclaimed regions are read from it).
    pub fn finish(&self, tree: &Tree, input: &Path) -> Fingerprints {
        let report = tree.report().clone();
        let namer = Namer::new(&report);
        let files = std::mem::take(&mut *self.files.lock().unwrap_or_else(|p| p.into_inner()));
        let mut notes = Vec::new();
        let dropped = self.strings_dropped.load(Ordering::Relaxed);
        if dropped > 0 {
            notes.push(format!(
                "strings of {dropped} binaries were not kept (over the {} MiB budget); their \
                 sections and symbols are still compared",
                self.opts.strings_budget >> 20
            ));
        }
        let mut contents: BTreeMap<String, Content> = BTreeMap::new();
        let mut passwd: BTreeMap<String, PasswdPair> = BTreeMap::new();
        let (mut keys, mut certificates) = (Vec::new(), Vec::new());
        for f in files {
            let logical = namer.name(&f.vpath);
            let dir = logical
                .rsplit_once("/etc/")
                .map_or(String::new(), |(d, _)| d.to_string());
            if let Some(p) = f.passwd {
                passwd.entry(dir.clone()).or_default().0 = Some(p);
            }
            if let Some(s) = f.shadow {
                passwd.entry(dir).or_default().1 = Some(s);
            }
            for mut k in f.keys {
                k.path = logical.clone();
                keys.push(k);
            }
            for mut c in f.certificates {
                c.path = logical.clone();
                certificates.push(c);
            }
            contents.insert(logical, f.content);
        }
        let mut entries = BTreeMap::new();
        for e in tree.entries() {
            let logical = namer.name(&e.path);
            let link_target = match e.kind {
                EntryKind::HardLink => e.link_target.as_deref().map(|t| namer.name(t)),
                _ => e.link_target.clone(),
            };
            let content = contents.remove(&logical);
            entries.insert(
                logical,
                EntryPrint {
                    vpath: e.path.clone(),
                    kind: e.kind,
                    mode: e.mode,
                    uid: e.uid,
                    gid: e.gid,
                    size: e.size,
                    mtime: e.mtime,
                    link_target,
                    device: e.device,
                    container: e.nested.is_some(),
                    content,
                },
            );
        }
        let mut accounts = Vec::new();
        for (dir, (p, s)) in passwd {
            if let Some(p) = p {
                accounts.extend(parse_accounts(
                    &format!("{dir}/etc/passwd"),
                    &p,
                    s.as_deref(),
                ));
            }
        }
        let mut layers = BTreeMap::new();
        for l in &report.layers {
            let container_source = if l.parent.is_none() || l.container == report.image {
                std::fs::File::open(input)
                    .ok()
                    .and_then(|f| netvet_unpack::FileSource::new(f).ok())
                    .map(|s| std::sync::Arc::new(s) as netvet_unpack::SourceRef)
            } else {
                tree.get(&l.container).and_then(|e| tree.source(e).ok())
            };
            let container_length = container_source
                .as_ref()
                .map_or(0, |s| netvet_unpack::Source::len(s.as_ref()));
            let unclaimed = l
                .unclaimed
                .iter()
                .map(|r| {
                    let end = r.offset.saturating_add(r.length);
                    let whole = Unclaimed {
                        class: r.class,
                        offset: r.offset,
                        length: r.length,
                        end,
                        digest: None,
                    };
                    match (&container_source, r.class) {
                        (_, RegionClass::Padding) | (None, _) => whole,
                        (Some(src), _) => match region_core(src, r.offset, r.length) {
                            Some((offset, length, d)) => Unclaimed {
                                offset,
                                length,
                                digest: Some(d),
                                ..whole
                            },
                            // All fill: padding after all.
                            None => Unclaimed {
                                class: RegionClass::Padding,
                                ..whole
                            },
                        },
                    }
                })
                .collect();
            layers.insert(
                namer.name(&l.path),
                LayerPrint {
                    format: l.format.clone(),
                    description: l.description.clone(),
                    digest: l.sha256.clone(),
                    unclaimed,
                    top: l.parent.is_none(),
                    container_length,
                },
            );
        }
        keys.sort();
        keys.dedup();
        certificates.sort();
        certificates.dedup();
        Fingerprints {
            image: report,
            entries,
            layers,
            accounts,
            keys,
            certificates,
            notes,
        }
    }
}

/// The data of an unclaimed region without the fill (0x00 or 0xff runs) at its start and
/// end: its offset, length and digest. `None` when it is all fill or cannot be read.
/// Reads the strings of one release's binaries that changed, from its tree, once the other
/// release is known: both were collected without strings, and only binaries whose content
/// differs need them. Returns notes on what could not be read or was over the budget.
pub fn fill_strings(
    old: &mut Fingerprints,
    new: &Fingerprints,
    tree: &Tree,
    budget: u64,
) -> Vec<String> {
    let mut notes = Vec::new();
    let mut used = 0u64;
    let mut dropped = 0u64;
    for (path, oe) in old.entries.iter_mut() {
        let Some(ne) = new.entries.get(path) else {
            continue;
        };
        let (Some(oc), Some(nc)) = (oe.content.as_mut(), ne.content.as_ref()) else {
            continue;
        };
        if oc.digest == nc.digest || nc.elf.is_none() {
            continue;
        }
        let Some(elf) = oc.elf.as_mut() else {
            continue;
        };
        let Some(entry) = tree.get(&oe.vpath) else {
            continue;
        };
        match tree.read(entry) {
            Ok(data) => {
                let strings = printable_strings(&data);
                let bytes: u64 = strings.iter().map(|s| s.len() as u64 + 24).sum();
                used += bytes;
                if used <= budget {
                    elf.strings = Some(strings);
                } else {
                    dropped += 1;
                }
            }
            Err(e) => notes.push(format!("{path}: strings not compared: {e}")),
        }
    }
    if dropped > 0 {
        notes.push(format!(
            "strings of {dropped} binaries were not kept (over the {} MiB budget); their \
             sections and symbols are still compared",
            budget >> 20
        ));
    }
    old.notes.extend(notes.iter().cloned());
    notes
}

fn region_core(
    src: &netvet_unpack::SourceRef,
    offset: u64,
    length: u64,
) -> Option<(u64, u64, Hash)> {
    let end = offset.saturating_add(length);
    let reader = || netvet_unpack::source::SourceReader::with_range(src.clone(), offset, end);
    let mut buf = vec![0u8; 1 << 20];
    // First pass: where the data that is not fill starts and ends.
    let (mut first, mut last) = (None, None);
    let mut pos = offset;
    let mut r = reader();
    let fill = |b: u8| b == 0 || b == 0xff;
    loop {
        let n = r.read(&mut buf).ok()?;
        if n == 0 {
            break;
        }
        if first.is_none() {
            first = buf[..n]
                .iter()
                .position(|&b| !fill(b))
                .map(|i| pos + i as u64);
        }
        if let Some(i) = buf[..n].iter().rposition(|&b| !fill(b)) {
            last = Some(pos + i as u64 + 1);
        }
        pos += n as u64;
    }
    let (first, last) = (first?, last?);
    let mut r = netvet_unpack::source::SourceReader::with_range(src.clone(), first, last);
    let mut h = Sha256::new();
    loop {
        match r.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => h.update(&buf[..n]),
            Err(_) => return None,
        }
    }
    Some((first, last - first, h.finalize().into()))
}

/// Sections, symbols, build id and the digests of what is loaded and what is not.
fn elf_print(data: &[u8]) -> Option<ElfPrint> {
    let elf = goblin::elf::Elf::parse(data).ok()?;
    let mut out = ElfPrint::default();
    let mut loaded = Sha256::new();
    let mut unloaded = Sha256::new();
    loaded.update(elf.header.e_machine.to_le_bytes());
    loaded.update(elf.header.e_entry.to_le_bytes());
    loaded.update(elf.header.e_type.to_le_bytes());
    let mut end = elf
        .header
        .e_shoff
        .saturating_add(u64::from(elf.header.e_shnum) * u64::from(elf.header.e_shentsize));
    for ph in &elf.program_headers {
        end = end.max(ph.p_offset.saturating_add(ph.p_filesz));
    }
    for sh in &elf.section_headers {
        let name = elf.shdr_strtab.get_at(sh.sh_name).unwrap_or("").to_string();
        let nobits = sh.sh_type == goblin::elf::section_header::SHT_NOBITS;
        let bytes: &[u8] = if nobits {
            &[]
        } else {
            let start = usize::try_from(sh.sh_offset).unwrap_or(usize::MAX);
            let len = usize::try_from(sh.sh_size).unwrap_or(usize::MAX);
            data.get(start..start.saturating_add(len)).unwrap_or(&[])
        };
        if !nobits {
            end = end.max(sh.sh_offset.saturating_add(sh.sh_size));
        }
        let alloc = sh.sh_flags & u64::from(goblin::elf::section_header::SHF_ALLOC) != 0;
        let digest: Hash = Sha256::digest(bytes).into();
        if name == ".note.gnu.build-id" {
            // The note's descriptor follows a 12-byte header and the name "GNU\0".
            out.build_id = bytes.get(16..).map(<[u8]>::to_vec);
        } else if alloc {
            loaded.update(name.as_bytes());
            loaded.update(sh.sh_addr.to_le_bytes());
            loaded.update(sh.sh_size.to_le_bytes());
            loaded.update(digest);
        } else {
            unloaded.update(name.as_bytes());
            unloaded.update(digest);
        }
        out.sections.push(Section {
            name,
            alloc,
            size: sh.sh_size,
            digest,
        });
    }
    let syms = elf.dynsyms.iter().map(|s| (s, &elf.dynstrtab));
    let use_symtab = elf.dynsyms.is_empty();
    let symtab = elf
        .syms
        .iter()
        .filter(|_| use_symtab)
        .map(|s| (s, &elf.strtab));
    for (sym, strtab) in syms.chain(symtab) {
        let Some(name) = strtab.get_at(sym.st_name) else {
            continue;
        };
        if name.is_empty() || sym.st_bind() == goblin::elf::sym::STB_LOCAL {
            continue;
        }
        if sym.st_shndx == 0 {
            out.imports.insert(name.to_string());
        } else {
            out.exports.insert(name.to_string());
        }
    }
    out.loaded = loaded.finalize().into();
    out.unloaded = unloaded.finalize().into();
    let len = data.len() as u64;
    if end < len {
        let tail = &data[usize::try_from(end).unwrap_or(data.len()).min(data.len())..];
        out.trailer = Some(Trailer {
            length: len - end,
            module_signature: tail.ends_with(b"~Module signature appended~\n"),
            digest: Sha256::digest(tail).into(),
        });
    }
    Some(out)
}

/// Printable ASCII runs of at least six characters, sorted and unique, bounded.
pub fn printable_strings(data: &[u8]) -> Vec<String> {
    let mut set = BTreeSet::new();
    let mut start = None;
    let printable = |b: u8| (0x20..0x7f).contains(&b) || b == b'\t';
    for (i, &b) in data.iter().chain(std::iter::once(&0u8)).enumerate() {
        if printable(b) {
            start.get_or_insert(i);
            continue;
        }
        if let Some(s) = start.take()
            && i - s >= MIN_STRING_LEN
        {
            let end = i.min(s + MAX_STRING_LEN);
            set.insert(String::from_utf8_lossy(&data[s..end]).into_owned());
            if set.len() >= MAX_STRINGS {
                break;
            }
        }
    }
    set.into_iter().collect()
}

fn looks_like_text(data: &[u8]) -> bool {
    let head = &data[..data.len().min(8192)];
    !head.is_empty()
        && !head.contains(&0)
        && head
            .iter()
            .filter(|&&b| b < 0x20 && !matches!(b, b'\n' | b'\r' | b'\t' | 0x0c | 0x1b))
            .count()
            * 100
            <= head.len()
}

/// Words that make a line a build stamp: a date on such a line records when the image was
/// built, not how it behaves.
const STAMP_WORDS: [&str; 8] = [
    "build",
    "built",
    "compiled",
    "generated",
    "timestamp",
    "release date",
    "date:",
    " smp ",
];

/// The digest of a text with the dates and times on build-stamp lines masked, when it has
/// any; `None` when nothing was masked.
pub fn mask_timestamps(text: &[u8]) -> Option<Hash> {
    // Most texts have no build stamp: look for the words in the whole text first.
    let lower = text.to_ascii_lowercase();
    if !STAMP_WORDS
        .iter()
        .any(|w| memfind(&lower, w.as_bytes()).is_some())
    {
        return None;
    }
    let mut h = Sha256::new();
    let mut masked_any = false;
    let mut start = 0;
    for line in text.split_inclusive(|&b| b == b'\n') {
        let low = &lower[start..start + line.len()];
        start += line.len();
        let stamp = STAMP_WORDS
            .iter()
            .any(|w| memfind(low, w.as_bytes()).is_some());
        if stamp {
            let (m, changed) = mask_line(line);
            masked_any |= changed;
            h.update(&m);
        } else {
            h.update(line);
        }
    }
    masked_any.then(|| h.finalize().into())
}

fn memfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(hay, needle)
}

const FULL_NAMES: [&str; 19] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

/// Replaces digit runs that form dates (`2026-12-06`, `2026/12/06`, `20261206`), times
/// (`20:17:23`) and epoch-like numbers (10 digits), and month and weekday names, with `#`.
fn mask_line(line: &[u8]) -> (Vec<u8>, bool) {
    const NAMES: [&str; 19] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec", "mon",
        "tue", "wed", "thu", "fri", "sat", "sun",
    ];
    let mut out = Vec::with_capacity(line.len());
    let mut changed = false;
    // The last word was a month or weekday name (white space since): a day of the month
    // follows (`Dec  6`).
    let mut after_name = false;
    let mut i = 0;
    while i < line.len() {
        let b = line[i];
        if b.is_ascii_digit() {
            // A run of digits and date/time separators.
            let mut j = i;
            while j < line.len()
                && (line[j].is_ascii_digit() || matches!(line[j], b'-' | b'/' | b':' | b'.'))
            {
                j += 1;
            }
            let run = &line[i..j];
            let digits = run.iter().filter(|c| c.is_ascii_digit()).count();
            let seps = run.len() - digits;
            let date_like = (digits >= 6 && seps >= 2)
                || (seps == 0 && (digits == 8 || digits == 10 || digits == 14))
                || (digits >= 4 && run.iter().filter(|&&c| c == b':').count() >= 1)
                || (after_name && seps == 0 && digits <= 2);
            after_name = false;
            if date_like {
                out.push(b'#');
                changed = true;
            } else {
                out.extend_from_slice(run);
            }
            i = j.max(i + 1);
            continue;
        }
        if b.is_ascii_alphabetic() {
            let mut j = i;
            while j < line.len() && line[j].is_ascii_alphabetic() {
                j += 1;
            }
            let word = line[i..j].to_ascii_lowercase();
            let is_name = (word.len() == 3 && NAMES.iter().any(|n| n.as_bytes() == word))
                || FULL_NAMES.iter().any(|n| n.as_bytes() == word);
            if is_name {
                out.push(b'#');
                changed = true;
            } else {
                out.extend_from_slice(&line[i..j]);
            }
            after_name = is_name;
            i = j;
            continue;
        }
        if !b.is_ascii_whitespace() {
            after_name = false;
        }
        out.push(b);
        i += 1;
    }
    (out, changed)
}

/// A compiled Python file's body: the 16-byte header of Python 3.7+ carries the source's
/// modification time and size when its flags are 0.
fn pyc_body(name: &str, data: &[u8]) -> Option<Hash> {
    if !name.ends_with(".pyc") || data.len() < 16 || data[2..4] != [0x0d, 0x0a] {
        return None;
    }
    let flags = u32::from_le_bytes([data[4], data[5], data[6], data[7]]);
    if flags != 0 {
        return None;
    }
    let mut h = Sha256::new();
    h.update(&data[..8]);
    h.update(&data[16..]);
    Some(h.finalize().into())
}

/// The first 16 hex digits of the SHA-256 of `h`: a short fingerprint of key material.
pub(crate) fn short(h: &[u8]) -> String {
    hex::encode(&Sha256::digest(h)[..8])
}

/// PEM blocks: private keys go to `keys`, certificates to `certificates`.
fn pem_blocks(text: &[u8], keys: &mut Vec<Material>, certificates: &mut Vec<Material>) {
    let mut rest = text;
    let mut found = 0;
    while let Some(at) = memfind(rest, b"-----BEGIN ") {
        found += 1;
        if found > 1000 {
            break;
        }
        let after = &rest[at + 11..];
        let Some(close) = memfind(after, b"-----") else {
            break;
        };
        let label = String::from_utf8_lossy(&after[..close.min(64)]).into_owned();
        let body_start = &after[close + 5..];
        let end = memfind(body_start, b"-----END ").unwrap_or(body_start.len());
        let body: Vec<u8> = body_start[..end]
            .iter()
            .copied()
            .filter(|b| !b.is_ascii_whitespace())
            .collect();
        let m = Material {
            path: String::new(),
            kind: label.clone(),
            fingerprint: short(&body),
        };
        if label.contains("PRIVATE KEY") {
            keys.push(m);
        } else if label == "CERTIFICATE" || label == "TRUSTED CERTIFICATE" {
            certificates.push(m);
        }
        rest = &body_start[end.min(body_start.len())..];
        if rest.len() >= 9 {
            rest = &rest[9..];
        } else {
            break;
        }
    }
}

/// `authorized_keys` lines: each public key that may log in.
fn ssh_public_keys(text: &[u8], keys: &mut Vec<Material>) {
    for line in String::from_utf8_lossy(text).lines().take(10_000) {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if let Some(i) = fields
            .iter()
            .position(|f| f.starts_with("ssh-") || f.starts_with("ecdsa-"))
            && let Some(blob) = fields.get(i + 1)
        {
            keys.push(Material {
                path: String::new(),
                kind: format!("authorized {}", fields[i]),
                fingerprint: short(blob.as_bytes()),
            });
        }
    }
}

/// Accounts of a passwd file, with password state from the shadow file beside it.
pub fn parse_accounts(file: &str, passwd: &[u8], shadow: Option<&[u8]>) -> Vec<Account> {
    let shadow: BTreeMap<String, String> = shadow
        .map(|s| {
            String::from_utf8_lossy(s)
                .lines()
                .take(100_000)
                .filter_map(|l| {
                    let mut f = l.split(':');
                    Some((f.next()?.to_string(), f.next()?.to_string()))
                })
                .collect()
        })
        .unwrap_or_default();
    let state = |p: &str| -> String {
        if p.is_empty() {
            "empty"
        } else if p.starts_with('!') || p.starts_with('*') {
            "locked"
        } else {
            "set"
        }
        .to_string()
    };
    let mut out = Vec::new();
    for line in String::from_utf8_lossy(passwd).lines().take(100_000) {
        let f: Vec<&str> = line.split(':').collect();
        if f.len() < 7 || f[0].is_empty() || f[0].starts_with('#') {
            continue;
        }
        let (Ok(uid), Ok(gid)) = (f[2].parse(), f[3].parse()) else {
            continue;
        };
        let password = match f[1] {
            "x" => shadow
                .get(f[0])
                .map_or_else(|| "unknown".to_string(), |p| state(p)),
            p => state(p),
        };
        out.push(Account {
            file: file.to_string(),
            name: f[0].to_string(),
            uid,
            gid,
            shell: f[6].to_string(),
            password,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_stamps_are_masked_and_values_are_not() {
        let a = b"BUILD_DATE=2026-12-01 10:11:12\nport=8080\n";
        let b = b"BUILD_DATE=2026-12-05 23:01:02\nport=8080\n";
        let c = b"BUILD_DATE=2026-12-05 23:01:02\nport=8081\n";
        assert_eq!(mask_timestamps(a), mask_timestamps(b));
        assert_ne!(mask_timestamps(b), mask_timestamps(c));
        // A date on a line that is not a build stamp is a value.
        assert_eq!(mask_timestamps(b"expires=2026-12-01\n"), None);
        let banner1 = b"Linux version 5.10 (b@h) #1 SMP PREEMPT Mon Dec 1 10:00:00 UTC 2026\n";
        let banner2 = b"Linux version 5.10 (b@h) #1 SMP PREEMPT Fri Dec 5 11:22:33 UTC 2026\n";
        assert_eq!(mask_timestamps(banner1), mask_timestamps(banner2));
    }

    #[test]
    fn strings_are_bounded_and_sorted() {
        let data = b"\x00short\x00a longer string\x00another one!\x01x";
        assert_eq!(
            printable_strings(data),
            vec!["a longer string".to_string(), "another one!".to_string()]
        );
        let long = vec![b'a'; 10_000];
        assert_eq!(printable_strings(&long)[0].len(), MAX_STRING_LEN);
    }

    #[test]
    fn accounts_take_password_state_from_shadow() {
        let p = b"root:x:0:0:root:/root:/bin/sh\nsvc:x:0:0::/:/bin/sh\nbad line\nnobody:x:65534:65534::/:/bin/false\n";
        let s = b"root:!:1::::::\nsvc::1::::::\n";
        let a = parse_accounts("/etc/passwd", p, Some(s));
        let got: Vec<(&str, &str)> = a
            .iter()
            .map(|a| (a.name.as_str(), a.password.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![("root", "locked"), ("svc", "empty"), ("nobody", "unknown")]
        );
    }

    #[test]
    fn pem_keys_and_certificates_are_told_apart() {
        let t = b"-----BEGIN RSA PRIVATE KEY-----\nAAAA\nBBBB\n-----END RSA PRIVATE KEY-----\n\
-----BEGIN CERTIFICATE-----\nCCCC\n-----END CERTIFICATE-----\n";
        let (mut k, mut c) = (Vec::new(), Vec::new());
        pem_blocks(t, &mut k, &mut c);
        assert_eq!(k.len(), 1);
        assert_eq!(k[0].kind, "RSA PRIVATE KEY");
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].kind, "CERTIFICATE");
        assert_ne!(k[0].fingerprint, c[0].fingerprint);
    }
}
