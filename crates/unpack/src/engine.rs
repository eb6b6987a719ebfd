//! The unpacking engine: identifies an image, opens its layers recursively, carves embedded
//! images out of raw blobs, and reads every file once (handing it to an optional visitor)
//! while looking for nested images. Work is parallel per file and per nested image.

use std::collections::{HashMap, HashSet};
use std::io::{self, Read};
use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, MutexGuard};

use netvet_model::image::IMAGE_REPORT_SCHEMA;
use netvet_model::{EntryKind, ImageReport, Layer, Totals, Warning, WarningCode};
use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::entropy;
use crate::error::{Error, LimitKind, Result};
use crate::format::{Data, Format, OpenCtx, Opened, Probe, RawEntry, from_io, registry};
use crate::limits::{Budget, Limits, Metered};
use crate::names::{escape_bytes, escape_component, inside, normalize};
use crate::scan::Matcher;
use crate::source::{FileSource, Source, SourceExt, SourceReader, SourceRef, slice};
use crate::spool::Spooler;
use crate::tree::{Entry, Origin, Tree, data_source, open_data};

/// Bytes read from the start of each file to identify it.
const HEAD: usize = 64 * 1024;
/// Archive members smaller than this are not searched for embedded images at other offsets.
const MIN_CARVE_MEMBER: u64 = 64 * 1024;
/// Nor members larger than this (searching needs them spooled; the input itself and
/// container parts are always searched).
const MAX_CARVE_MEMBER: u64 = 1 << 30;

/// Receives progress while an image is unpacked.
pub trait Progress: Send + Sync {
    /// A file's content was read (visited or identified); `bytes` is its size.
    fn file_done(&self, bytes: u64);
    /// A layer was opened.
    fn layer_opened(&self, path: &str, format: &str);
}

/// Called once for each file's content, in parallel; the reader yields the file's bytes.
pub type Visitor<'a> = dyn Fn(&Entry, &mut dyn Read) -> io::Result<()> + Sync + 'a;

/// How to unpack.
#[derive(Clone)]
pub struct Options {
    pub limits: Limits,
    pub spooler: Spooler,
    /// Search archive members that look like raw blobs (not text, not ELF, at least 64 KiB)
    /// for images embedded at any offset. The input and container parts are always searched.
    pub carve_members: bool,
    pub progress: Option<Arc<dyn Progress>>,
    /// Readers of one's own, tried before the built-in ones (see [`crate::format::Format`]).
    pub extra_formats: Vec<&'static dyn Format>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            limits: Limits::default(),
            spooler: Spooler::default(),
            carve_members: true,
            progress: None,
            extra_formats: Vec::new(),
        }
    }
}

/// Opens the image at `path` and expands it fully (every nested image), without a visitor.
pub fn open_path(path: &Path, opts: &Options) -> Result<Tree> {
    let (name, src) = open_input(path)?;
    Ok(open_source(&name, src, opts, None))
}

/// Opens the image at `path`, handing every file's content to `visit` exactly once.
pub fn walk_path(path: &Path, opts: &Options, visit: &Visitor<'_>) -> Result<Tree> {
    let (name, src) = open_input(path)?;
    Ok(open_source(&name, src, opts, Some(visit)))
}

fn open_input(path: &Path) -> Result<(String, SourceRef)> {
    let err = |error| Error::Input {
        path: path.display().to_string(),
        error,
    };
    let file = std::fs::File::open(path).map_err(err)?;
    let meta = file.metadata().map_err(err)?;
    if !meta.is_file() {
        return Err(err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a regular file",
        )));
    }
    let name = path
        .file_name()
        .map(|n| escape_component(n.as_encoded_bytes()))
        .unwrap_or_else(|| "image".to_string());
    Ok((name, Arc::new(FileSource::new(file).map_err(err)?)))
}

/// Unpacks `src`, named `name`, into a tree. Never fails: problems become warnings.
pub fn open_source(
    name: &str,
    src: SourceRef,
    opts: &Options,
    visit: Option<&Visitor<'_>>,
) -> Tree {
    let input_hash = hash_in_background(&src);
    let engine = Engine::new(opts, visit);
    let how = How {
        carved: false,
        hint: None,
        carve: true,
        from_member: false,
    };
    engine.expand(src.clone(), name, None, 1, how, &[]);
    if engine.state().entries.is_empty() {
        // Nothing inside: the input is a single file, still visited.
        let entry = Entry {
            path: name.to_string(),
            kind: EntryKind::File,
            mode: 0o644,
            uid: 0,
            gid: 0,
            mtime: 0,
            size: src.len(),
            link_target: None,
            device: None,
            xattrs: Vec::new(),
            layer: 0,
            nested: None,
            origin: Origin::Member,
            data: Data::Stored(src.clone()),
        };
        if let Some(visit) = visit {
            let mut r = Metered::new(SourceReader::new(src.clone()), engine.budget.clone());
            if let Err(e) = visit(&entry, &mut r) {
                engine.note(None, Some(name), None, from_io("input", 0, e));
            }
        }
        engine.state().entries.push(entry);
    }
    engine.finish(name, src, input_hash)
}

/// Opens `src` as format `format_id` directly, without identification (for fuzzing and for
/// users who know the format), then expands nested images as usual. Unknown ids give a tree
/// with one warning.
pub fn open_forced(name: &str, src: SourceRef, opts: &Options, format_id: &str) -> Tree {
    let input_hash = hash_in_background(&src);
    let engine = Engine::new(opts, None);
    match engine.formats.iter().find(|f| f.id() == format_id) {
        Some(&fmt) => {
            let how = How {
                carved: false,
                hint: Some(fmt.id()),
                carve: false,
                from_member: false,
            };
            let lineage = [ancestor_of(&*src)];
            engine.open_image(fmt, src.clone(), name, 0, name, None, 1, how, &lineage);
        }
        None => engine.state().warnings.push(Warning {
            code: WarningCode::Unsupported,
            message: format!("no reader for format {format_id:?}"),
            offset: None,
            path: None,
        }),
    }
    engine.finish(name, src, input_hash)
}

/// The input's SHA-256, computed on its own thread while the engine works.
type InputHash = std::thread::JoinHandle<io::Result<String>>;

fn hash_in_background(src: &SourceRef) -> InputHash {
    let src = src.clone();
    std::thread::spawn(move || sha256(&*src))
}

#[derive(Clone, Copy)]
struct How {
    /// The image was carved out of a larger blob at some offset.
    carved: bool,
    /// Format a container says its part has.
    hint: Option<&'static str>,
    /// Search at every offset when nothing is found at offset 0.
    carve: bool,
    /// The content is an archive member (affects what `unpack --out` writes).
    from_member: bool,
}

/// Identity of an enclosing image, to stop quines: length and hash of its first bytes.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Ancestor {
    len: u64,
    head: [u8; 32],
}

fn ancestor_of(src: &dyn Source) -> Ancestor {
    let head = src.read_upto(0, HEAD).unwrap_or_default();
    Ancestor {
        len: src.len(),
        head: Sha256::digest(&head).into(),
    }
}

struct LayerBuild {
    layer: Layer,
    /// The bytes the layer occupies, hashed at the end.
    region: SourceRef,
}

#[derive(Default)]
struct State {
    entries: Vec<Entry>,
    layers: Vec<LayerBuild>,
    warnings: Vec<Warning>,
    limits_hit: HashSet<&'static str>,
    /// Readers whose probe failed with an internal error (reported once each).
    failed_probes: HashSet<&'static str>,
}

struct Engine<'a> {
    opts: &'a Options,
    formats: Vec<&'static dyn Format>,
    matcher: Matcher,
    budget: Arc<Budget>,
    visit: Option<&'a Visitor<'a>>,
    state: Mutex<State>,
}

impl<'a> Engine<'a> {
    fn new(opts: &'a Options, visit: Option<&'a Visitor<'a>>) -> Engine<'a> {
        let mut formats = opts.extra_formats.clone();
        formats.extend(registry());
        let matcher = Matcher::new(&formats);
        Engine {
            opts,
            formats,
            matcher,
            budget: Budget::new(opts.limits.clone()),
            visit,
            state: Mutex::new(State::default()),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic in a visitor must not make the tree unreadable.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records an error as a warning on `layer` (or the image), limits once per kind.
    fn note(&self, layer: Option<u32>, path: Option<&str>, offset: Option<u64>, e: Error) {
        let (code, key) = match &e {
            Error::Limit { kind, .. } => {
                let code = match kind {
                    LimitKind::Depth => WarningCode::LimitDepth,
                    LimitKind::Bytes => WarningCode::LimitBytes,
                    LimitKind::Entries => WarningCode::LimitEntries,
                    LimitKind::Ratio => WarningCode::LimitRatio,
                    LimitKind::Time => WarningCode::LimitTime,
                    LimitKind::FileSize => WarningCode::LimitFileSize,
                    LimitKind::Metadata => WarningCode::LimitBytes,
                };
                (code, Some(limit_key(*kind)))
            }
            Error::Truncated { .. } => (WarningCode::Truncated, None),
            Error::Checksum { .. } => (WarningCode::BadChecksum, None),
            Error::Unsupported { .. } => (WarningCode::Unsupported, None),
            Error::Cycle { .. } => (WarningCode::Cycle, None),
            _ => (WarningCode::Corrupt, None),
        };
        let w = Warning {
            code,
            message: e.to_string(),
            offset,
            path: path.map(str::to_string),
        };
        let mut st = self.state();
        if let Some(key) = key {
            // Per-file limits (ratio, size) may recur; each is reported where it happened.
            // Global limits (bytes, entries, time, depth) are reported once, on the image.
            let global = matches!(
                code,
                WarningCode::LimitBytes
                    | WarningCode::LimitEntries
                    | WarningCode::LimitTime
                    | WarningCode::LimitDepth
            );
            if global {
                if st.limits_hit.insert(key) {
                    st.warnings.push(w);
                }
                return;
            }
        }
        match layer.and_then(|l| st.layers.get_mut(l as usize)) {
            Some(lb) => lb.layer.warnings.push(w),
            None => st.warnings.push(w),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn new_layer(
        &self,
        parent: Option<u32>,
        container: &str,
        path: &str,
        format: &str,
        offset: u64,
        region: SourceRef,
        description: String,
        warnings: Vec<Warning>,
    ) -> u32 {
        if let Some(p) = &self.opts.progress {
            p.layer_opened(path, format);
        }
        let mut st = self.state();
        let id = st.layers.len() as u32;
        st.layers.push(LayerBuild {
            layer: Layer {
                id,
                parent,
                container: container.to_string(),
                path: path.to_string(),
                format: format.to_string(),
                offset,
                length: region.len(),
                sha256: String::new(),
                description,
                entries: 0,
                children: Vec::new(),
                warnings,
                unclaimed: Vec::new(),
            },
            region,
        });
        if let Some(p) = parent.and_then(|p| st.layers.get_mut(p as usize)) {
            p.layer.children.push(id);
        }
        id
    }

    /// Identifies the image at offset 0 of `src` (using `head`, its first bytes).
    fn detect(
        &self,
        src: &dyn Source,
        head: &[u8],
        hint: Option<&'static str>,
    ) -> Option<(&'static dyn Format, Probe)> {
        if let Some(f) = hint.and_then(|h| self.formats.iter().find(|f| f.id() == h))
            && let Some(p) = self.probe(*f, src, 0)
        {
            return Some((*f, p));
        }
        for f in &self.formats {
            let hit = f.magics().iter().any(|m| {
                head.get(m.at as usize..)
                    .is_some_and(|rest| rest.starts_with(m.bytes))
            });
            if hit && let Some(p) = self.probe(*f, src, 0) {
                return Some((*f, p));
            }
        }
        None
    }

    /// A reader's probe, with a panic contained: reported once per reader, and the candidate
    /// is taken as not that format.
    fn probe(&self, f: &'static dyn Format, src: &dyn Source, offset: u64) -> Option<Probe> {
        match crate::contain::probe(f, src, offset) {
            Ok(p) => p,
            Err(e) => {
                let mut st = self.state();
                if st.failed_probes.insert(f.id()) {
                    st.warnings.push(Warning {
                        code: WarningCode::ReaderFailed,
                        message: format!("{e} (probe; this reader's candidates are skipped)"),
                        offset: Some(offset),
                        path: None,
                    });
                }
                None
            }
        }
    }

    /// Expands the content `src` of the file at `vpath`: opens it if it is an image, else
    /// carves embedded images out of it when `how.carve`. Returns the layer it became.
    fn expand(
        &self,
        src: SourceRef,
        vpath: &str,
        parent: Option<u32>,
        depth: u32,
        how: How,
        ancestors: &[Ancestor],
    ) -> Option<u32> {
        if src.is_empty() {
            return None;
        }
        if depth > self.budget.limits().max_depth {
            self.note(
                parent,
                Some(vpath),
                None,
                Error::limit(LimitKind::Depth, format!("{vpath} not expanded")),
            );
            return None;
        }
        if let Err(e) = self.budget.check_time() {
            self.note(parent, Some(vpath), None, e);
            return None;
        }
        let me = ancestor_of(&*src);
        if ancestors.contains(&me) {
            let mut st = self.state();
            let w = Warning {
                code: WarningCode::Recursive,
                message: "image identical to an enclosing image; not expanded again".into(),
                offset: None,
                path: Some(vpath.to_string()),
            };
            match parent.and_then(|p| st.layers.get_mut(p as usize)) {
                Some(l) => l.layer.warnings.push(w),
                None => st.warnings.push(w),
            }
            return None;
        }
        let mut lineage = ancestors.to_vec();
        lineage.push(me);

        let head = match src.read_upto(0, HEAD) {
            Ok(h) => h,
            Err(e) => {
                self.note(parent, Some(vpath), Some(0), from_io("input", 0, e));
                return None;
            }
        };
        let len = src.len();
        if let Some((fmt, probe)) = self.detect(&*src, &head, how.hint) {
            let whole = match probe.length {
                None => true,
                Some(l) if l >= len => true,
                Some(l) => entropy::is_padding(&*src, l, len).unwrap_or(false),
            };
            if whole {
                return self
                    .open_image(
                        fmt,
                        src.clone(),
                        vpath,
                        0,
                        vpath,
                        parent,
                        depth,
                        how,
                        &lineage,
                    )
                    .map(|(layer, _)| layer);
            }
        } else if !how.carve {
            return None;
        }
        Some(self.carve(src, vpath, parent, depth, &lineage))
    }

    /// Searches a raw blob for images at every offset. Creates a `raw` layer for the blob.
    fn carve(
        &self,
        src: SourceRef,
        vpath: &str,
        parent: Option<u32>,
        depth: u32,
        lineage: &[Ancestor],
    ) -> u32 {
        let len = src.len();
        let raw = self.new_layer(
            parent,
            vpath,
            vpath,
            "raw",
            0,
            src.clone(),
            format!("raw data, {len} bytes, searched for embedded images"),
            Vec::new(),
        );
        let mut claimed: Vec<(u64, u64)> = Vec::new();
        let mut pos = 0u64;
        let mut window = 0u64;
        let mut truncated = false;
        'windows: while window < len {
            let w_end = (window + Matcher::window()).min(len);
            if pos < w_end {
                let cands =
                    match self
                        .matcher
                        .candidates(&*src, pos.max(window), w_end, &mut truncated)
                    {
                        Ok(c) => c,
                        Err(e) => {
                            self.note(
                                Some(raw),
                                Some(vpath),
                                Some(window),
                                from_io("raw", window, e),
                            );
                            break;
                        }
                    };
                for c in cands {
                    if c.start < pos {
                        continue;
                    }
                    if let Err(e) = self.budget.check_time() {
                        self.note(Some(raw), Some(vpath), Some(c.start), e);
                        break 'windows;
                    }
                    let fmt = self.formats[c.format];
                    let Some(probe) = self.probe(fmt, &*src, c.start) else {
                        continue;
                    };
                    let avail = len - c.start;
                    let region = slice(&src, c.start, probe.length.unwrap_or(avail).min(avail));
                    let name = format!("{:#x}.{}", c.start, fmt.extension());
                    let path = inside(vpath, &name);
                    let how = How {
                        carved: true,
                        hint: Some(fmt.id()),
                        carve: true,
                        from_member: false,
                    };
                    if let Some((layer, length)) = self.open_image(
                        fmt,
                        region,
                        vpath,
                        c.start,
                        &path,
                        Some(raw),
                        depth + 1,
                        how,
                        lineage,
                    ) {
                        let length = length.max(1);
                        self.state().entries.push(Entry {
                            path,
                            kind: EntryKind::File,
                            mode: 0o644,
                            uid: 0,
                            gid: 0,
                            mtime: 0,
                            size: length,
                            link_target: None,
                            device: None,
                            xattrs: Vec::new(),
                            layer: raw,
                            nested: Some(layer),
                            origin: Origin::Carved,
                            data: Data::Stored(slice(&src, c.start, length)),
                        });
                        claimed.push((c.start, c.start + length));
                        pos = c.start + length;
                    }
                }
            }
            window = w_end;
        }
        if truncated {
            self.note(
                Some(raw),
                Some(vpath),
                None,
                Error::corrupt(
                    "raw",
                    0,
                    "too many signature candidates; some offsets were not examined",
                ),
            );
        }
        // What nothing claimed, classified.
        let mut gaps = Vec::new();
        let mut at = 0;
        for &(s, e) in &claimed {
            if s > at {
                gaps.push((at, s));
            }
            at = at.max(e);
        }
        if at < len {
            gaps.push((at, len));
        }
        let mut regions = Vec::new();
        for (s, e) in gaps {
            match entropy::regions(&*src, s, e) {
                Ok(r) => regions.extend(r),
                Err(e) => self.note(Some(raw), Some(vpath), Some(s), from_io("raw", s, e)),
            }
        }
        if let Some(l) = self.state().layers.get_mut(raw as usize) {
            l.layer.unclaimed = regions;
        }
        raw
    }

    /// Opens the image of format `fmt` at the start of `src` (which is `offset` bytes into the
    /// file `container`). Its content appears under `layer_path!/`. Returns the layer and the
    /// bytes it occupies.
    #[allow(clippy::too_many_arguments)]
    fn open_image(
        &self,
        fmt: &'static dyn Format,
        src: SourceRef,
        container: &str,
        offset: u64,
        layer_path: &str,
        parent: Option<u32>,
        depth: u32,
        how: How,
        lineage: &[Ancestor],
    ) -> Option<(u32, u64)> {
        // Data after a carved image is searched by the carver, not reported as trailing.
        let whole_file = !how.carved;
        let mut ctx = OpenCtx {
            budget: &self.budget,
            spooler: &self.opts.spooler,
            warnings: Vec::new(),
        };
        let opened =
            match crate::contain::call(fmt.id(), offset, || fmt.open(src.clone(), &mut ctx)) {
                Ok(o) => o,
                Err(e) => {
                    let msg = format!(
                        "{} at offset {offset:#x} could not be opened: {e}",
                        fmt.id()
                    );
                    if e.limit_kind().is_some() {
                        self.note(parent, Some(layer_path), Some(offset), e);
                    } else {
                        let code = if matches!(e, Error::ReaderFailed { .. }) {
                            WarningCode::ReaderFailed
                        } else {
                            WarningCode::OpenFailed
                        };
                        let mut st = self.state();
                        let w = Warning {
                            code,
                            message: msg,
                            offset: Some(offset),
                            path: Some(container.to_string()),
                        };
                        match parent.and_then(|p| st.layers.get_mut(p as usize)) {
                            Some(l) => l.layer.warnings.push(w),
                            None => st.warnings.push(w),
                        }
                    }
                    return None;
                }
            };
        let warnings = ctx.warnings;
        tracing::debug!(
            format = fmt.id(),
            offset,
            path = layer_path,
            warnings = warnings.len(),
            "image opened"
        );
        match opened {
            Opened::Archive {
                description,
                length,
                entries,
            } => {
                let region = slice(&src, 0, length);
                let length = region.len();
                let layer = self.new_layer(
                    parent,
                    container,
                    layer_path,
                    fmt.id(),
                    offset,
                    region,
                    description,
                    warnings,
                );
                if whole_file {
                    self.trailing(&src, length, layer, layer_path, offset);
                }
                self.add_entries(layer, layer_path, entries, depth, lineage);
                Some((layer, length))
            }
            Opened::Container {
                description,
                length,
                payloads,
            } => {
                let region = slice(&src, 0, length);
                let length = region.len();
                let layer = self.new_layer(
                    parent,
                    container,
                    layer_path,
                    fmt.id(),
                    offset,
                    region,
                    description,
                    warnings,
                );
                if whole_file {
                    self.trailing(&src, length, layer, layer_path, offset);
                }
                let indices: Vec<(usize, Option<&'static str>, bool)> = {
                    let mut st = self.state();
                    let mut seen = HashSet::new();
                    payloads
                        .into_iter()
                        .filter(|p| seen.insert(p.name.clone()))
                        .map(|p| {
                            st.entries.push(Entry {
                                path: inside(layer_path, &p.name),
                                kind: EntryKind::File,
                                mode: 0o644,
                                uid: 0,
                                gid: 0,
                                mtime: 0,
                                size: p.source.len(),
                                link_target: None,
                                device: None,
                                xattrs: Vec::new(),
                                layer,
                                nested: None,
                                origin: Origin::Payload,
                                data: Data::Stored(p.source),
                            });
                            (st.entries.len() - 1, p.hint, p.carve)
                        })
                        .collect()
                };
                if let Some(l) = self.state().layers.get_mut(layer as usize) {
                    l.layer.entries = indices.len() as u64;
                }
                indices.into_par_iter().for_each(|(i, hint, carve)| {
                    let how = How {
                        carved: false,
                        hint,
                        carve,
                        from_member: false,
                    };
                    self.process_file(i, depth, how, lineage);
                });
                Some((layer, length))
            }
            Opened::Stream { description, name } => self.decode_stream(
                fmt,
                src,
                container,
                offset,
                layer_path,
                parent,
                depth,
                how,
                lineage,
                description,
                name,
                warnings,
            ),
        }
    }

    /// Notes data after the end of a layer that is not padding.
    fn trailing(&self, src: &SourceRef, length: u64, layer: u32, layer_path: &str, offset: u64) {
        let len = src.len();
        if length >= len || entropy::is_padding(&**src, length, len).unwrap_or(true) {
            return;
        }
        let regions = entropy::regions(&**src, length, len).unwrap_or_default();
        let mut st = self.state();
        if let Some(l) = st.layers.get_mut(layer as usize) {
            l.layer.warnings.push(Warning {
                code: WarningCode::TrailingData,
                message: format!(
                    "{} bytes after the end of the {}",
                    len - length,
                    l.layer.format
                ),
                offset: Some(offset + length),
                path: Some(layer_path.to_string()),
            });
            l.layer.unclaimed = regions
                .into_iter()
                .map(|mut r| {
                    r.offset += offset;
                    r
                })
                .collect();
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn decode_stream(
        &self,
        fmt: &'static dyn Format,
        src: SourceRef,
        container: &str,
        offset: u64,
        layer_path: &str,
        parent: Option<u32>,
        depth: u32,
        how: How,
        lineage: &[Ancestor],
        description: String,
        name: Option<Vec<u8>>,
        mut warnings: Vec<Warning>,
    ) -> Option<(u32, u64)> {
        let mut input = SourceReader::new(src.clone());
        let fetched = input.fetched();
        let (payload, failure) = {
            let decoder = match crate::contain::call(fmt.id(), offset, || fmt.decoder(&mut input)) {
                Ok(d) => crate::contain::Contained::new(d, fmt.id()),
                Err(e) => {
                    self.note(parent, Some(layer_path), Some(offset), e);
                    return None;
                }
            };
            let mut metered = Metered::with_ratio(decoder, self.budget.clone(), move || {
                fetched.load(Ordering::Relaxed)
            });
            match self.opts.spooler.spool_partial(&mut metered) {
                Ok(r) => r,
                Err(e) => {
                    self.note(
                        parent,
                        Some(layer_path),
                        Some(offset),
                        from_io("spool", 0, e),
                    );
                    return None;
                }
            }
        };
        let length = input.position().max(1).min(src.len());
        if let Some(e) = failure {
            let e = from_io(fmt.id(), offset, e);
            if e.limit_kind().is_some() {
                self.note(parent, Some(layer_path), Some(offset), e);
            } else {
                warnings.push(Warning {
                    code: WarningCode::Truncated,
                    message: format!(
                        "{e}; kept the {} bytes decoded before the error",
                        payload.len()
                    ),
                    offset: Some(offset),
                    path: Some(layer_path.to_string()),
                });
            }
        }
        if payload.is_empty() && failure_is_total(&warnings) {
            return None;
        }
        let layer = self.new_layer(
            parent,
            container,
            layer_path,
            fmt.id(),
            offset,
            slice(&src, 0, length),
            format!("{description}, {} bytes decoded", payload.len()),
            warnings,
        );
        if !how.carved {
            self.trailing(&src, length, layer, layer_path, offset);
        }
        let head = payload.read_upto(0, HEAD).unwrap_or_default();
        // A stream holding an archive is transparent: `x.tar.gz!/etc/passwd`.
        if let Some((inner, probe)) = self.detect(&*payload, &head, None)
            && is_archive(inner)
            && probe.length.is_none_or(|l| {
                l >= payload.len()
                    || entropy::is_padding(&*payload, l, payload.len()).unwrap_or(false)
            })
            && depth < self.budget.limits().max_depth
            && self
                .open_image(
                    inner,
                    payload.clone(),
                    layer_path,
                    0,
                    layer_path,
                    Some(layer),
                    depth + 1,
                    How {
                        carved: false,
                        ..how
                    },
                    lineage,
                )
                .is_some()
        {
            return Some((layer, length));
        }
        let file_name = payload_name(name.as_deref(), layer_path);
        let index = {
            let mut st = self.state();
            st.entries.push(Entry {
                path: inside(layer_path, &file_name),
                kind: EntryKind::File,
                mode: 0o644,
                uid: 0,
                gid: 0,
                mtime: 0,
                size: payload.len(),
                link_target: None,
                device: None,
                xattrs: Vec::new(),
                layer,
                nested: None,
                origin: Origin::Decoded {
                    from_member: how.from_member,
                },
                data: Data::Stored(payload),
            });
            if let Some(l) = st.layers.get_mut(layer as usize) {
                l.layer.entries = 1;
            }
            st.entries.len() - 1
        };
        let how = How {
            carved: false,
            hint: None,
            carve: !how.from_member,
            from_member: how.from_member,
        };
        self.process_file(index, depth, how, lineage);
        Some((layer, length))
    }

    /// Normalises an archive's entries, adds them to the tree, then reads every file once.
    fn add_entries(
        &self,
        layer: u32,
        layer_path: &str,
        mut raw: Vec<RawEntry>,
        depth: u32,
        lineage: &[Ancestor],
    ) {
        let granted = self.budget.grant_entries(raw.len() as u64) as usize;
        if granted < raw.len() {
            self.note(
                Some(layer),
                Some(layer_path),
                None,
                Error::limit(
                    LimitKind::Entries,
                    format!("{} entries of {layer_path} not listed", raw.len() - granted),
                ),
            );
            raw.truncate(granted);
        }
        let mut warnings = Vec::new();
        let mut out: Vec<Entry> = Vec::with_capacity(raw.len());
        let mut by_path: HashMap<String, usize> = HashMap::with_capacity(raw.len());
        let mut inodes: Vec<Option<u64>> = Vec::with_capacity(raw.len());
        for r in raw {
            let name = normalize(&r.name);
            if let Some(reason) = name.unsafe_reason {
                warnings.push(Warning {
                    code: WarningCode::UnsafeName,
                    message: format!("name {:?}: {reason}", escape_bytes(&r.name)),
                    offset: Some(r.offset),
                    path: Some(inside(layer_path, &name.path)),
                });
            }
            if name.path.is_empty() {
                continue; // the archive's root directory
            }
            let path = inside(layer_path, &name.path);
            let link_target = match (r.kind, &r.link_target) {
                (EntryKind::HardLink, Some(t)) => Some(inside(layer_path, &normalize(t).path)),
                (_, Some(t)) => Some(escape_bytes(t)),
                _ => None,
            };
            let entry = Entry {
                path: path.clone(),
                kind: r.kind,
                mode: r.mode & 0o7777,
                uid: r.uid,
                gid: r.gid,
                mtime: r.mtime,
                size: r.size,
                link_target,
                device: r.device,
                xattrs: r.xattrs,
                layer,
                nested: None,
                origin: Origin::Member,
                data: r.data,
            };
            if let Some(&i) = by_path.get(&path) {
                warnings.push(Warning {
                    code: WarningCode::Duplicate,
                    message: "a later entry with the same path replaces this one".into(),
                    offset: Some(r.offset),
                    path: Some(path),
                });
                out[i] = entry;
                inodes[i] = r.inode;
            } else {
                by_path.insert(path, out.len());
                out.push(entry);
                inodes.push(r.inode);
            }
        }
        link_inodes(&mut out, &inodes);
        resolve_hard_links(&mut out, &by_path, &mut warnings);
        // Directories implied by paths but not stored.
        let mut implied = Vec::new();
        for e in &out {
            let mut p = e.path.as_str();
            while let Some((parent, _)) = p.rsplit_once('/') {
                if parent.len() <= layer_path.len() + 1 || by_path.contains_key(parent) {
                    break;
                }
                by_path.insert(parent.to_string(), usize::MAX);
                implied.push(parent.to_string());
                p = parent;
            }
        }
        for path in implied {
            out.push(Entry {
                path,
                kind: EntryKind::Dir,
                mode: 0o755,
                uid: 0,
                gid: 0,
                mtime: 0,
                size: 0,
                link_target: None,
                device: None,
                xattrs: Vec::new(),
                layer,
                nested: None,
                origin: Origin::Member,
                data: Data::Empty,
            });
        }
        let files: Vec<usize> = {
            let mut st = self.state();
            let base = st.entries.len();
            let files = out
                .iter()
                .enumerate()
                .filter(|(_, e)| e.kind == EntryKind::File)
                .map(|(i, _)| base + i)
                .collect();
            if let Some(l) = st.layers.get_mut(layer as usize) {
                l.layer.entries = out.len() as u64;
                l.layer.warnings.extend(warnings);
            }
            st.entries.extend(out);
            files
        };
        files.into_par_iter().for_each(|i| {
            let how = How {
                carved: false,
                hint: None,
                carve: false,
                from_member: true,
            };
            self.process_file(i, depth, how, lineage);
        });
    }

    /// Reads the file at `index` once (through the visitor, if any) and expands it if it is
    /// an image.
    fn process_file(&self, index: usize, depth: u32, how: How, lineage: &[Ancestor]) {
        if self.budget.out_of_time() {
            self.note(
                None,
                None,
                None,
                Error::limit(LimitKind::Time, "files left unread"),
            );
            return;
        }
        let entry = self.state().entries[index].clone();
        let head = match self.read_once(&entry) {
            Ok(h) => h,
            // Too large to be read whole as one file, but it may still be an image whose
            // entries are each within the limit (a VM's virtual disk, a big partition).
            Err(e) if e.limit_kind() == Some(LimitKind::FileSize) => {
                self.note(Some(entry.layer), Some(&entry.path), None, e);
                match read_head(&entry.data) {
                    Ok(h) => h,
                    Err(e) => {
                        self.note(Some(entry.layer), Some(&entry.path), None, e);
                        return;
                    }
                }
            }
            Err(e) => {
                self.note(Some(entry.layer), Some(&entry.path), None, e);
                return;
            }
        };
        if let Some(p) = &self.opts.progress {
            p.file_done(entry.size);
        }
        let probe_src = HeadSource {
            head: &head,
            len: entry.size,
        };
        let found = self.detect(&probe_src, &head, how.hint).is_some();
        let carve = how.carve
            || (self.opts.carve_members
                && (MIN_CARVE_MEMBER..=MAX_CARVE_MEMBER).contains(&entry.size)
                && blob_like(&head));
        if !found && !carve {
            return;
        }
        let src = match data_source(&entry.data, &self.budget, &self.opts.spooler) {
            Ok(s) => s,
            Err(e) => {
                self.note(Some(entry.layer), Some(&entry.path), None, e);
                return;
            }
        };
        let how = How {
            carve,
            carved: false,
            ..how
        };
        let nested = self.expand(src, &entry.path, Some(entry.layer), depth + 1, how, lineage);
        // A raw layer with nothing carved out of it adds nothing: drop it from view.
        if let Some(layer) = nested {
            let mut st = self.state();
            let empty_raw = st
                .layers
                .get(layer as usize)
                .is_some_and(|l| l.layer.format == "raw" && l.layer.children.is_empty());
            if empty_raw && how.from_member {
                st.layers[layer as usize].layer.format = String::new(); // pruned in finish()
            } else {
                st.entries[index].nested = Some(layer);
            }
        }
    }

    /// Reads a file's content once: through the visitor when there is one (capturing the
    /// head), else just the head.
    fn read_once(&self, entry: &Entry) -> Result<Vec<u8>> {
        let Some(visit) = self.visit.filter(|_| entry.origin != Origin::Carved) else {
            return read_head(&entry.data);
        };
        let reader = open_data(&entry.data)?;
        let mut cap = HeadCapture {
            inner: Metered::new(reader, self.budget.clone()),
            head: Vec::new(),
        };
        visit(entry, &mut cap).map_err(|e| from_io("content", 0, e))?;
        let want = (entry.size as usize).min(HEAD);
        if cap.head.len() < want {
            return read_head(&entry.data);
        }
        Ok(cap.head)
    }

    /// Orders layers canonically, hashes them, sorts entries and builds the report.
    fn finish(self, name: &str, src: SourceRef, input_hash: InputHash) -> Tree {
        let budget = self.budget.clone();
        let spooler = self.opts.spooler.clone();
        let mut st = self.state.into_inner().unwrap_or_else(|p| p.into_inner());

        // Drop pruned raw layers (members searched in vain).
        let keep: Vec<bool> = st
            .layers
            .iter()
            .map(|l| !l.layer.format.is_empty())
            .collect();

        // Canonical order: depth-first from the roots, children by offset then path.
        let key = |l: &Layer| (l.offset, l.path.clone(), l.format.clone());
        let mut roots: Vec<u32> = st
            .layers
            .iter()
            .filter(|l| l.layer.parent.is_none() && keep[l.layer.id as usize])
            .map(|l| l.layer.id)
            .collect();
        roots.sort_by_key(|&i| key(&st.layers[i as usize].layer));
        let mut order = Vec::with_capacity(st.layers.len());
        let mut stack: Vec<u32> = roots.into_iter().rev().collect();
        while let Some(id) = stack.pop() {
            order.push(id);
            let mut kids: Vec<u32> = st.layers[id as usize]
                .layer
                .children
                .iter()
                .copied()
                .filter(|&c| keep[c as usize])
                .collect();
            kids.sort_by_key(|&c| key(&st.layers[c as usize].layer));
            stack.extend(kids.into_iter().rev());
        }
        let mut new_id = vec![u32::MAX; st.layers.len()];
        for (n, &old) in order.iter().enumerate() {
            new_id[old as usize] = n as u32;
        }
        let remap = |id: u32| new_id.get(id as usize).copied().filter(|&n| n != u32::MAX);

        let mut builds: Vec<Option<LayerBuild>> = st.layers.drain(..).map(Some).collect();
        let mut layers: Vec<(Layer, SourceRef)> = order
            .iter()
            .filter_map(|&old| builds[old as usize].take())
            .map(|mut b| {
                b.layer.id = remap(b.layer.id).unwrap_or(u32::MAX);
                b.layer.parent = b.layer.parent.and_then(remap);
                b.layer.children = b.layer.children.iter().filter_map(|&c| remap(c)).collect();
                b.layer.children.sort_unstable();
                b.layer.warnings.sort();
                (b.layer, b.region)
            })
            .collect();

        // Hash the input and every layer in parallel; a layer that is the whole input reuses
        // the input's hash.
        let image_sha = input_hash
            .join()
            .ok()
            .and_then(|r| r.ok())
            .unwrap_or_default();
        layers.par_iter_mut().for_each(|(layer, region)| {
            layer.sha256 = if Arc::ptr_eq(region, &src) {
                image_sha.clone()
            } else {
                sha256(&**region).unwrap_or_default()
            };
        });

        let mut entries = std::mem::take(&mut st.entries);
        for e in &mut entries {
            e.layer = remap(e.layer).unwrap_or(u32::MAX);
            e.nested = e.nested.and_then(remap);
        }
        entries.par_sort_unstable_by(|a, b| a.path.cmp(&b.path));
        entries.dedup_by(|b, a| a.path == b.path);

        let mut totals = Totals::default();
        for e in &entries {
            totals.entries += 1;
            match e.kind {
                EntryKind::File => {
                    totals.files += 1;
                    totals.file_bytes = totals.file_bytes.saturating_add(e.size);
                }
                EntryKind::Dir => totals.dirs += 1,
                EntryKind::Symlink => totals.symlinks += 1,
                EntryKind::HardLink => totals.hard_links += 1,
                EntryKind::CharDevice | EntryKind::BlockDevice => totals.devices += 1,
                EntryKind::Fifo | EntryKind::Socket => totals.other += 1,
            }
        }
        st.warnings.sort();
        let report = ImageReport {
            schema: IMAGE_REPORT_SCHEMA.to_string(),
            image: name.to_string(),
            size: src.len(),
            sha256: image_sha,
            layers: layers.into_iter().map(|(l, _)| l).collect(),
            totals,
            warnings: st.warnings,
        };
        Tree {
            entries,
            report,
            budget,
            spooler,
        }
    }
}

fn limit_key(kind: LimitKind) -> &'static str {
    match kind {
        LimitKind::Depth => "depth",
        LimitKind::Bytes => "bytes",
        LimitKind::Entries => "entries",
        LimitKind::Ratio => "ratio",
        LimitKind::Time => "time",
        LimitKind::FileSize => "file-size",
        LimitKind::Metadata => "metadata",
    }
}

fn failure_is_total(warnings: &[Warning]) -> bool {
    warnings.iter().any(|w| w.code == WarningCode::Truncated)
}

/// True for formats whose content is named entries (so a stream holding one is transparent).
fn is_archive(f: &dyn Format) -> bool {
    matches!(
        f.id(),
        "squashfs" | "ext" | "ubifs" | "jffs2" | "cramfs" | "cpio" | "tar" | "zip" | "7z"
    )
}

/// The name of a decoded stream's output: the name stored in its header, else the container
/// name without its compression extension.
fn payload_name(stored: Option<&[u8]>, layer_path: &str) -> String {
    if let Some(n) = stored {
        let safe = normalize(n);
        if let Some(last) = safe.path.rsplit('/').next().filter(|s| !s.is_empty()) {
            return last.to_string();
        }
    }
    let base = layer_path
        .rsplit_once("!/")
        .map_or(layer_path, |(_, r)| r)
        .rsplit('/')
        .next()
        .unwrap_or("data");
    for ext in [
        ".gz", ".tgz", ".xz", ".txz", ".zst", ".bz2", ".tbz2", ".lz4", ".lzma", ".gzip", ".zstd",
        ".bzip2",
    ] {
        if let Some(stem) = base.strip_suffix(ext)
            && !stem.is_empty()
        {
            return if ext.starts_with(".t") && ext.len() == 4 || ext == ".tbz2" {
                format!("{stem}.tar")
            } else {
                stem.to_string()
            };
        }
    }
    format!("{base}.out")
}

/// Marks later names of a multiply-linked inode as hard links to the first (in path order).
fn link_inodes(out: &mut [Entry], inodes: &[Option<u64>]) {
    let mut groups: HashMap<u64, Vec<usize>> = HashMap::new();
    for (i, ino) in inodes.iter().enumerate() {
        if let Some(ino) = ino
            && out[i].kind == EntryKind::File
        {
            groups.entry(*ino).or_default().push(i);
        }
    }
    for mut members in groups.into_values().filter(|m| m.len() > 1) {
        members.sort_by(|&a, &b| out[a].path.cmp(&out[b].path));
        let first = out[members[0]].path.clone();
        for &m in &members[1..] {
            out[m].kind = EntryKind::HardLink;
            out[m].link_target = Some(first.clone());
        }
    }
}

/// Gives named hard links (tar, cpio) their target's content, warns about dangling ones, and
/// makes the form canonical whatever the archive order: the first name in path order is the
/// file, the others are hard links to it.
fn resolve_hard_links(
    out: &mut [Entry],
    by_path: &HashMap<String, usize>,
    warnings: &mut Vec<Warning>,
) {
    let mut groups: HashMap<usize, Vec<usize>> = HashMap::new();
    for i in 0..out.len() {
        if out[i].kind != EntryKind::HardLink || !matches!(out[i].data, Data::Empty) {
            continue;
        }
        let target = out[i].link_target.clone().unwrap_or_default();
        match by_path.get(&target).copied() {
            Some(t) if out[t].kind == EntryKind::File => {
                out[i].data = out[t].data.clone();
                out[i].size = out[t].size;
                groups.entry(t).or_default().push(i);
            }
            _ => warnings.push(Warning {
                code: WarningCode::Corrupt,
                message: format!("hard link to {target:?}, which is not a file of this archive"),
                offset: None,
                path: Some(out[i].path.clone()),
            }),
        }
    }
    for (target, mut members) in groups {
        // Link entries may carry less metadata (tar stores no xattrs for them): the file keeps
        // the metadata of the entry that held the data.
        let file = out[target].clone();
        members.push(target);
        members.sort_by(|&a, &b| out[a].path.cmp(&out[b].path));
        let first = out[members[0]].path.clone();
        for (n, &m) in members.iter().enumerate() {
            if n == 0 {
                out[m] = Entry {
                    path: first.clone(),
                    ..file.clone()
                };
            } else {
                out[m].kind = EntryKind::HardLink;
                out[m].link_target = Some(first.clone());
            }
        }
    }
}

/// The first bytes of a file, as a source that knows the file's full length (so probes can
/// check declared sizes) but has only the head to read.
struct HeadSource<'h> {
    head: &'h [u8],
    len: u64,
}

impl Source for HeadSource<'_> {
    fn len(&self) -> u64 {
        self.len
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        if offset >= self.len {
            return Ok(0);
        }
        let start = offset as usize;
        if start >= self.head.len() {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "beyond the head",
            ));
        }
        let n = buf.len().min(self.head.len() - start);
        buf[..n].copy_from_slice(&self.head[start..start + n]);
        Ok(n)
    }
}

/// Passes reads through while keeping the first [`HEAD`] bytes.
struct HeadCapture<R> {
    inner: R,
    head: Vec<u8>,
}

impl<R: Read> Read for HeadCapture<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if self.head.len() < HEAD {
            let take = n.min(HEAD - self.head.len());
            self.head.extend_from_slice(&buf[..take]);
        }
        Ok(n)
    }
}

fn read_head(data: &Data) -> Result<Vec<u8>> {
    let mut head = Vec::new();
    open_data(data)?
        .take(HEAD as u64)
        .read_to_end(&mut head)
        .map_err(|e| from_io("content", 0, e))?;
    Ok(head)
}

/// True for content worth searching for embedded images: not ELF, not text, not media.
fn blob_like(head: &[u8]) -> bool {
    const SKIP: &[&[u8]] = &[
        b"\x7fELF",
        b"\x89PNG",
        b"\xff\xd8\xff",
        b"GIF8",
        b"RIFF",
        b"MZ",
        b"\0asm",
        b"SQLite format 3",
    ];
    if SKIP.iter().any(|m| head.starts_with(m)) {
        return false;
    }
    let sample = &head[..head.len().min(4096)];
    // Text is not a container; a head of zeros or 0xff is a sparse or erased file, whose
    // search would cost a full read for nothing.
    !sample.is_empty()
        && !matches!(
            entropy::classify(sample).0,
            netvet_model::RegionClass::Text | netvet_model::RegionClass::Padding
        )
}

fn sha256(src: &dyn Source) -> io::Result<String> {
    let mut h = Sha256::new();
    src.for_each_chunk(&mut |b| h.update(b))?;
    Ok(hex::encode(h.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_names_drop_the_compression_extension() {
        assert_eq!(payload_name(None, "fw.bin!/vmlinux.gz"), "vmlinux");
        assert_eq!(payload_name(None, "a!/b.tgz"), "b.tar");
        assert_eq!(payload_name(None, "fw.bin!/0x40.xz"), "0x40");
        assert_eq!(payload_name(None, "blob"), "blob.out");
        assert_eq!(payload_name(Some(b"../../etc/evil"), "x.gz"), "evil");
    }

    #[test]
    fn blobs_are_not_text_or_elf() {
        assert!(!blob_like(b"\x7fELF\x01\x01"));
        assert!(!blob_like(b"#!/bin/sh\necho hello\n"));
        assert!(blob_like(&[0u8, 1, 2, 3, 0xfe, 0x80, 0x10, 0x27]));
    }
}
