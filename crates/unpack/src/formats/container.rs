//! Container images: `docker save` archives (docker-archive, both the classic layout with
//! `<id>/layer.tar` and the OCI-style `blobs/sha256/…` of newer Docker) and OCI image layouts
//! in a tar (`oci-archive`). Cloud-native network functions (AMF, SMF, UPF) ship as these.
//!
//! An image opens as a container of two parts:
//! - `rootfs.tar`: the root filesystem the container runs with — the layers applied in order
//!   with their whiteouts ([`merge`]) — as a tar stream generated on demand ([`vtar`]) whose
//!   file data is read from the decoded layers, never copied. The engine opens it with the
//!   tar reader, so paths read `cnf.tar!/rootfs.tar!/etc/passwd` and the SBOM sees one image
//!   root without the deleted files or superseded package databases of lower layers.
//! - `config.json`: the image config (environment, entrypoint, history: where secrets hide).
//!
//! Each layer's blob digest is checked against the manifest and its uncompressed content
//! against the config's diff_id; a missing, unsupported or undecodable layer is a warning
//! naming it, the other layers still apply, and the description says the view is incomplete.
//!
//! The format is a tar, so it shares tar's magic: it is tried before `tar`, at offset 0 of a
//! file only, and its probe walks a bounded number of tar headers (seeking over contents)
//! looking for `manifest.json` or `oci-layout` + `index.json`, then confirms them.

mod layer;
mod manifest;
mod merge;
mod vtar;

use std::collections::HashMap;
use std::sync::Arc;

use netvet_model::{EntryKind, WarningCode};
use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::format::{Data, Format, Magic, OpenCtx, Opened, Payload, Probe, RawEntry, bytes::cstr};
use crate::formats::problems::Problems;
use crate::formats::tar::{self, checksum_ok, number, parse_pax};
use crate::source::{MemSource, Source, SourceExt, SourceRef};

use manifest::{BlobRef, Digest, Image};

const F: &str = "container";
const BLOCK: u64 = 512;
/// Layers an image may declare (Docker's overlay2 stops at 128).
const MAX_LAYERS: usize = 512;
/// Largest manifest, index or config read.
const MAX_JSON: u64 = 8 << 20;
/// Members of the outer archive listed.
const MAX_MEMBERS: usize = 100_000;
/// Tar headers the probe looks at before giving up.
const MAX_PROBE_HEADERS: usize = 4096;
/// Largest extended header (pax, GNU long name) the probe reads.
const MAX_PROBE_EXTENDED: u64 = 64 << 10;
/// Bytes of a manifest the probe reads to confirm it.
const PROBE_JSON: u64 = 64 << 10;
/// Decoded layers held in memory at once, over all layers of an image (the rest of each
/// layer's spool goes to a temporary file).
const LAYERS_IN_MEMORY: usize = 256 << 20;
/// Symlinks followed to find a member (docker-archive's `<id>/layer.tar` links).
const MAX_LINK_HOPS: usize = 8;

/// The container image reader.
pub struct ContainerImage;

/// A member of the outer archive: its content and where it lies.
pub(crate) struct Blob {
    pub source: SourceRef,
    /// Offset of its data in the archive.
    pub offset: u64,
}

/// The outer archive's members by normalised name (later entries replace earlier ones).
pub(crate) struct Archive {
    entries: Vec<RawEntry>,
    by_name: HashMap<Vec<u8>, usize>,
}

impl Archive {
    fn new(entries: Vec<RawEntry>) -> Archive {
        let by_name = entries
            .iter()
            .enumerate()
            .map(|(i, e)| (merge::clean(&e.name).path, i))
            .collect();
        Archive { entries, by_name }
    }

    fn has(&self, name: &[u8]) -> bool {
        self.by_name.contains_key(name)
    }

    /// The file at `name`, following symlinks and hard links inside the archive.
    pub fn get(&self, name: &[u8]) -> Option<Blob> {
        let mut name = merge::clean(name).path;
        for _ in 0..=MAX_LINK_HOPS {
            let e = &self.entries[*self.by_name.get(&name)?];
            match e.kind {
                EntryKind::File => {
                    let source = match &e.data {
                        Data::Stored(s) => s.clone(),
                        _ => Arc::new(MemSource::new(Vec::new())),
                    };
                    return Some(Blob {
                        source,
                        offset: e.offset + BLOCK,
                    });
                }
                EntryKind::Symlink => {
                    let target = e.link_target.as_deref()?;
                    let dir = match name.iter().rposition(|&b| b == b'/') {
                        Some(i) if !target.starts_with(b"/") => &name[..=i],
                        _ => &b""[..],
                    };
                    name = merge::clean(&[dir, target].concat()).path;
                }
                EntryKind::HardLink => name = merge::clean(e.link_target.as_deref()?).path,
                _ => return None,
            }
        }
        None
    }

    /// Offset of a member's data, for messages (0 when absent).
    pub fn offset_of(&self, name: &[u8]) -> u64 {
        self.get(name).map_or(0, |b| b.offset)
    }

    /// Reads a JSON blob named by a descriptor, warning when its digest does not match.
    pub fn verified_json(
        &self,
        blob: &BlobRef,
        what: &str,
        ctx: &mut OpenCtx<'_>,
    ) -> Result<serde_json::Value> {
        let label = format!("{what} {}", blob.label());
        let value = manifest::read_json(self, &blob.path, &label, ctx)?;
        if let Some(b) = self.get(&blob.path) {
            let mut problems = Vec::new();
            layer::verify(blob, &*b.source, &label, &mut problems);
            for (code, msg) in problems {
                ctx.warn(code, b.offset, msg);
            }
        }
        Ok(value)
    }
}

/// A header the probe walked: normalised name, type flag, data offset and size.
struct Seen {
    name: Vec<u8>,
    typeflag: u8,
    data_at: u64,
    size: u64,
}

/// What a probe could read: the bytes, or that it may not see that far (a probe of an
/// archive member sees only the member's head; a truncated archive just ends).
enum Peek {
    Bytes(Vec<u8>),
    Hidden,
}

/// Reads up to `len` bytes at `at`, fewer at the end of the data.
fn peek(src: &dyn Source, at: u64, len: u64) -> Peek {
    if at >= src.len() {
        return Peek::Bytes(Vec::new());
    }
    let len = len.min(src.len() - at);
    match src.read_vec(at, len as usize) {
        Ok(v) => Peek::Bytes(v),
        Err(_) => Peek::Hidden,
    }
}

/// Walks at most [`MAX_PROBE_HEADERS`] tar headers from `offset`, seeking over contents.
/// Returns the root-level members `wanted` names and whether the walk saw the whole archive
/// (false when it could not read on).
fn walk_headers(src: &dyn Source, offset: u64, wanted: &[&[u8]]) -> Option<(Vec<Seen>, bool)> {
    let mut found = Vec::new();
    let mut at = offset;
    let mut long_name: Option<Vec<u8>> = None;
    let mut pax_path: Option<Vec<u8>> = None;
    for n in 0..MAX_PROBE_HEADERS {
        let h = match peek(src, at, BLOCK) {
            Peek::Bytes(h) if h.len() == BLOCK as usize => h,
            Peek::Bytes(_) => return Some((found, true)), // the data ends
            Peek::Hidden => return Some((found, false)),
        };
        if h.iter().all(|&b| b == 0) {
            return Some((found, true));
        }
        if !checksum_ok(&h) {
            return (n > 0).then_some((found, true));
        }
        let size = number(&h[124..136])?;
        let data_at = at + BLOCK;
        let next = data_at.checked_add(size.div_ceil(BLOCK) * BLOCK)?;
        let typeflag = h[156];
        if matches!(typeflag, b'L' | b'x') {
            if size > MAX_PROBE_EXTENDED {
                return None;
            }
            let data = match peek(src, data_at, size) {
                Peek::Bytes(d) => d,
                Peek::Hidden => return Some((found, false)),
            };
            if typeflag == b'L' {
                long_name = Some(cstr(&data).to_vec());
            } else {
                pax_path = parse_pax(&data)
                    .into_iter()
                    .rfind(|(k, _)| k == "path")
                    .map(|(_, v)| v);
            }
        } else if !matches!(typeflag, b'K' | b'g' | b'V') {
            let stored = match &h[257..263] {
                b"ustar\0" if h[345] != 0 => [cstr(&h[345..500]), b"/", cstr(&h[0..100])].concat(),
                _ => cstr(&h[0..100]).to_vec(),
            };
            let raw = pax_path.take().or(long_name.take()).unwrap_or(stored);
            let name = merge::clean(&raw).path;
            if wanted.contains(&name.as_slice()) {
                found.push(Seen {
                    name,
                    typeflag,
                    data_at,
                    size,
                });
            }
        }
        at = next;
    }
    Some((found, true))
}

/// True when `bytes` (the first bytes of `manifest.json`, `complete` when all of it) look like
/// a docker-archive manifest: a list of images with `Config` and `Layers`.
fn docker_manifest_shape(bytes: &[u8], complete: bool) -> bool {
    if complete {
        let Ok(v) = serde_json::from_slice::<serde_json::Value>(bytes) else {
            return false;
        };
        return v.as_array().and_then(|a| a.first()).is_some_and(|first| {
            first.get("Layers").is_some_and(|l| l.is_array())
                && first.get("Config").is_some_and(|c| c.is_string())
        });
    }
    let text = String::from_utf8_lossy(bytes);
    let t = text.trim_start();
    t.starts_with('[') && t[1..].trim_start().starts_with('{') && t.contains("\"Layers\"")
}

impl Format for ContainerImage {
    fn id(&self) -> &'static str {
        F
    }

    fn extension(&self) -> &'static str {
        "tar"
    }

    fn magics(&self) -> &'static [Magic] {
        const {
            &[Magic {
                at: 257,
                bytes: b"ustar",
                align: 1,
            }]
        }
    }

    /// A tar: only tried at the start of a file, never carved.
    fn weak(&self) -> bool {
        true
    }

    fn probe(&self, src: &dyn Source, offset: u64) -> Option<Probe> {
        let wanted: &[&[u8]] = &[b"manifest.json", b"index.json", b"oci-layout"];
        let (found, whole) = walk_headers(src, offset, wanted)?;
        let get = |n: &[u8]| {
            found
                .iter()
                .rfind(|s| s.name == n && matches!(s.typeflag, b'0' | 0 | b'7'))
        };
        let yes = |what: &str| {
            Some(Probe {
                length: None,
                description: what.to_string(),
            })
        };
        if let (Some(layout), Some(_)) = (get(b"oci-layout"), get(b"index.json")) {
            return match peek(src, layout.data_at, layout.size.min(4096)) {
                Peek::Bytes(t) if memchr::memmem::find(&t, b"imageLayoutVersion").is_some() => {
                    yes("OCI image layout (tar)")
                }
                Peek::Bytes(_) => None,
                // Beyond what the probe may see: the full open decides.
                Peek::Hidden => yes("OCI image layout (tar)"),
            };
        }
        if let Some(m) = get(b"manifest.json") {
            return match peek(src, m.data_at, m.size.min(PROBE_JSON)) {
                Peek::Bytes(b) => {
                    let complete = b.len() as u64 == m.size;
                    docker_manifest_shape(&b, complete).then(|| Probe {
                        length: None,
                        description: "docker-archive".into(),
                    })
                }
                Peek::Hidden => yes("docker-archive"),
            };
        }
        // A probe that sees only the head of a tar member cannot tell yet; the engine probes
        // again with the whole member before opening it.
        if whole {
            None
        } else {
            yes("tar archive, possibly a container image")
        }
    }

    fn open(&self, src: SourceRef, ctx: &mut OpenCtx<'_>) -> Result<Opened> {
        let listing = tar::list(&src, ctx, MAX_MEMBERS)?;
        let end = listing.end;
        let archive = Archive::new(listing.entries);
        let image = if archive.has(b"oci-layout") && archive.has(b"index.json") {
            manifest::oci(&archive, ctx)?
        } else if archive.has(b"manifest.json") {
            manifest::docker(&archive, ctx)?
        } else {
            return Err(Error::corrupt(
                F,
                0,
                "neither manifest.json nor oci-layout and index.json in the archive",
            ));
        };
        let config = read_config(&archive, &image, ctx);
        let rootfs = build_rootfs(&archive, &image, config.as_ref(), ctx);

        let mut about = image.about.clone();
        if let Some(c) = &config
            && let Some(p) = &c.platform
            && !about.iter().any(|a| a.contains(p.as_str()))
        {
            about.push(p.clone());
        }
        let mut description = format!(
            "{}{}, {} layers, root filesystem of {} entries",
            image.kind,
            if about.is_empty() {
                String::new()
            } else {
                format!(" ({})", about.join("; "))
            },
            image.layers.len(),
            rootfs.count()
        );
        if rootfs.missing > 0 {
            description.push_str(&format!(
                "; INCOMPLETE: {} of {} layers not applied in full",
                rootfs.missing,
                image.layers.len()
            ));
        }
        let mut payloads = vec![Payload {
            name: "rootfs.tar".into(),
            source: rootfs.tar,
            offset: 0,
            hint: Some("tar"),
            carve: false,
        }];
        if let Some(c) = config {
            payloads.push(Payload {
                name: "config.json".into(),
                source: c.blob.source,
                offset: c.blob.offset,
                hint: None,
                carve: false,
            });
        }
        Ok(Opened::Container {
            description,
            length: end,
            payloads,
        })
    }
}

/// The image config and what the reader uses of it.
struct Config {
    blob: Blob,
    diff_ids: Option<Vec<Option<Digest>>>,
    platform: Option<String>,
}

fn read_config(archive: &Archive, image: &Image, ctx: &mut OpenCtx<'_>) -> Option<Config> {
    let desc = image.config.as_ref()?;
    let Some(blob) = archive.get(&desc.path) else {
        ctx.warn(
            WarningCode::Corrupt,
            0,
            format!(
                "image config {} is not in the archive; diff_ids not checked",
                desc.label()
            ),
        );
        return None;
    };
    let value = match archive.verified_json(desc, "image config", ctx) {
        Ok(v) => Some(v),
        Err(e) => {
            let code = if e.limit_kind().is_some() {
                WarningCode::LimitBytes
            } else {
                WarningCode::Corrupt
            };
            ctx.warn(code, blob.offset, format!("{e}; diff_ids not checked"));
            None
        }
    };
    let diff_ids = value
        .as_ref()
        .and_then(|v| v.get("rootfs")?.get("diff_ids")?.as_array())
        .map(|ids| {
            ids.iter()
                .map(|d| d.as_str().and_then(Digest::parse))
                .collect::<Vec<_>>()
        });
    let diff_ids = match diff_ids {
        Some(ids) if ids.len() != image.layers.len() => {
            ctx.warn(
                WarningCode::Corrupt,
                blob.offset,
                format!(
                    "image config lists {} diff_ids for {} layers; not checked",
                    ids.len(),
                    image.layers.len()
                ),
            );
            None
        }
        other => other,
    };
    let platform = value.as_ref().and_then(|v| {
        let os = v.get("os")?.as_str()?;
        let arch = v.get("architecture")?.as_str()?;
        Some(manifest::shown(
            &match v.get("variant").and_then(|x| x.as_str()) {
                Some(var) => format!("{os}/{arch}/{var}"),
                None => format!("{os}/{arch}"),
            },
        ))
    });
    Some(Config {
        blob,
        diff_ids,
        platform,
    })
}

struct Rootfs {
    tar: SourceRef,
    entries: usize,
    /// Layers not applied, or not in full.
    missing: usize,
}

impl Rootfs {
    fn count(&self) -> usize {
        self.entries
    }
}

/// Decodes the layers (in parallel), then applies them in order.
fn build_rootfs(
    archive: &Archive,
    image: &Image,
    config: Option<&Config>,
    ctx: &mut OpenCtx<'_>,
) -> Rootfs {
    let count = image.layers.len();
    let budget = ctx.budget.clone();
    // Every layer's spool lives until the merge: share the memory between them.
    let mut spooler = ctx.spooler.clone();
    spooler.memory_threshold = spooler
        .memory_threshold
        .min(LAYERS_IN_MEMORY / count.max(1));
    let decoded: Vec<layer::Decoded> = image
        .layers
        .par_iter()
        .enumerate()
        .map(|(i, blob)| {
            let diff_id = config
                .and_then(|c| c.diff_ids.as_ref())
                .and_then(|ids| ids.get(i).cloned().flatten());
            layer::decode(
                archive,
                blob,
                diff_id.as_ref(),
                i + 1,
                count,
                &budget,
                &spooler,
            )
        })
        .collect();

    let max_entries = usize::try_from(budget.limits().max_entries).unwrap_or(usize::MAX);
    let mut merged = merge::Rootfs::new(max_entries);
    // Entries read over all layers: upper layers rewrite some of the lower ones' paths.
    let mut listed_budget = max_entries.saturating_mul(4);
    let mut missing = 0;
    let mut problems = Problems::default();
    for (i, (blob, d)) in image.layers.iter().zip(decoded).enumerate() {
        let what = format!("layer {} of {count} ({})", i + 1, blob.label());
        for (code, msg) in d.problems {
            problems.report(ctx, code, d.offset, msg);
        }
        if !d.complete {
            missing += 1;
        }
        let Some(tar_src) = d.tar else { continue };
        if budget.check_time().is_err() || listed_budget == 0 {
            let why = if listed_budget == 0 {
                format!(
                    "more than {} entries read over the layers",
                    max_entries.saturating_mul(4)
                )
            } else {
                "time limit reached".to_string()
            };
            ctx.warn(
                if listed_budget == 0 {
                    WarningCode::LimitEntries
                } else {
                    WarningCode::LimitTime
                },
                d.offset,
                format!("{what} and the layers above it not applied: {why}; the root filesystem shown is incomplete"),
            );
            missing += count - i - usize::from(!d.complete);
            break;
        }
        let mut sub = OpenCtx {
            budget: ctx.budget,
            spooler: ctx.spooler,
            warnings: Vec::new(),
        };
        let cap = listed_budget.min(max_entries);
        let listing = tar::list(&tar_src, &mut sub, cap);
        for w in sub.warnings {
            let at = w.offset.unwrap_or(0);
            problems.report(
                ctx,
                w.code,
                d.offset,
                format!("{what}, offset {at:#x} of its tar: {}", w.message),
            );
        }
        match listing {
            Ok(l) => {
                if l.entries.len() >= cap && d.complete {
                    missing += 1; // the listing stopped at the cap (warned above)
                }
                listed_budget = listed_budget.saturating_sub(l.entries.len());
                merged.apply(l.entries, &mut |(code, at, msg)| {
                    problems.report(
                        ctx,
                        code,
                        d.offset,
                        format!("{what}, offset {at:#x} of its tar: {msg}"),
                    );
                });
            }
            Err(e) => {
                if d.complete {
                    missing += 1;
                }
                problems.report(
                    ctx,
                    WarningCode::Corrupt,
                    d.offset,
                    format!("{what}: not a readable tar: {e}; not applied, the root filesystem shown is incomplete"),
                );
            }
        }
    }
    problems.flush(ctx);
    if merged.full {
        ctx.warn(
            WarningCode::LimitEntries,
            0,
            format!("the root filesystem reached {max_entries} entries; later entries left out"),
        );
    }
    let members = merged.into_members();
    let tar = vtar::VirtualTar::new(members);
    let entries = tar.count();
    Rootfs {
        tar: Arc::new(tar),
        entries,
        missing,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use vtar::{Member, VirtualTar};

    fn file(name: &str, data: Vec<u8>) -> Member {
        Member {
            data: Some(Arc::new(MemSource::new(data))),
            ..Member::plain(name.as_bytes(), EntryKind::File)
        }
    }

    /// The first bytes of a longer source, as the engine lets probes see archive members.
    struct Head(Vec<u8>, u64);

    impl Source for Head {
        fn len(&self) -> u64 {
            self.1
        }
        fn read_at(&self, offset: u64, buf: &mut [u8]) -> std::io::Result<usize> {
            let Some(rest) = self.0.get(offset as usize..).filter(|r| !r.is_empty()) else {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            };
            let n = rest.len().min(buf.len());
            buf[..n].copy_from_slice(&rest[..n]);
            Ok(n)
        }
    }

    #[test]
    fn probe_walks_headers_and_defers_when_it_sees_only_a_head() {
        let manifest = br#"[{"Config":"c.json","RepoTags":["a:1"],"Layers":["l.tar"]}]"#;
        let image = VirtualTar::new(vec![
            file("blob", vec![7; 100_000]),
            file("manifest.json", manifest.to_vec()),
        ]);
        let bytes = image.read_vec(0, image.len() as usize).unwrap();
        let probe = ContainerImage
            .probe(&MemSource::new(bytes.clone()), 0)
            .unwrap();
        assert_eq!(probe.description, "docker-archive");
        let head = Head(bytes[..65536].to_vec(), bytes.len() as u64);
        let probe = ContainerImage.probe(&head, 0).unwrap();
        assert_eq!(probe.description, "tar archive, possibly a container image");
        // Cut inside the blob: the archive ends, it holds no manifest.
        assert!(
            ContainerImage
                .probe(&MemSource::new(bytes[..65536].to_vec()), 0)
                .is_none()
        );
        let plain = VirtualTar::new(vec![file("etc/passwd", b"root".to_vec())]);
        let plain = plain.read_vec(0, plain.len() as usize).unwrap();
        assert!(ContainerImage.probe(&MemSource::new(plain), 0).is_none());
    }

    #[test]
    fn manifest_shapes() {
        assert!(docker_manifest_shape(
            br#"[{"Config":"c.json","RepoTags":[],"Layers":["a/layer.tar"]}]"#,
            true
        ));
        assert!(!docker_manifest_shape(br#"{"files":["a"]}"#, true));
        assert!(!docker_manifest_shape(br#"[{"Layers":"x"}]"#, true));
        assert!(docker_manifest_shape(
            b" [ {\"Config\": \"x\", \"Layers\": [",
            false
        ));
    }
}
