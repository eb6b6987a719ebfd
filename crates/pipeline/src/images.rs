//! Identify an image's layers, and extract an image safely into a directory.

use std::path::Path;

use netvet_model::layers::{IDENTIFY_SCHEMA, UNPACK_SCHEMA};
use netvet_model::{
    EntryRecord, IdentifiedImage, IdentifyDocument, NotWritten, UnpackDocument, Written,
};
use netvet_unpack::Entry;
use netvet_unpack::materialize::{Skipped, WriteOptions, Writer};

use crate::progress::{ProgressRef, stage, unpack_options};

/// Opens the image at `path` and expands every nested image; with `entries`, lists the tree.
pub fn identify(
    path: &Path,
    unpack: &netvet_unpack::Options,
    entries: bool,
    progress: &ProgressRef,
) -> crate::Result<IdentifiedImage> {
    stage(progress, "identifying");
    let tree = netvet_unpack::open_path(path, &unpack_options(unpack, progress))?;
    Ok(IdentifiedImage {
        report: tree.report().clone(),
        entries: entries.then(|| tree.entries().iter().map(entry_record).collect()),
    })
}

/// The `identify` document of several images.
pub fn identify_document(images: Vec<IdentifiedImage>) -> IdentifyDocument {
    IdentifyDocument {
        schema: IDENTIFY_SCHEMA.to_string(),
        images,
    }
}

/// An entry as `identify --entries` lists it.
pub fn entry_record(e: &Entry) -> EntryRecord {
    EntryRecord {
        path: e.path.clone(),
        kind: e.kind,
        mode: format!("{:04o}", e.mode),
        uid: e.uid,
        gid: e.gid,
        size: e.size,
        mtime: e.mtime,
        link_target: e.link_target.clone(),
        device: e.device.map(|(a, b)| [a, b]),
        xattrs: e
            .xattrs
            .iter()
            .map(|(k, v)| format!("{k}={}", hex_short(v)))
            .collect(),
        layer: e.layer,
        nested: e.nested,
    }
}

fn hex_short(v: &[u8]) -> String {
    let mut s: String = v.iter().take(64).map(|b| format!("{b:02x}")).collect();
    if v.len() > 64 {
        s.push('…');
    }
    s
}

/// Extracts the image at `path` into `out` (see `netvet_unpack::materialize` for what is and
/// is not written).
pub fn unpack(
    path: &Path,
    out: &Path,
    write: WriteOptions,
    unpack: &netvet_unpack::Options,
    progress: &ProgressRef,
) -> crate::Result<UnpackDocument> {
    let writer = Writer::new(out, write)?;
    stage(progress, "unpacking");
    let visit = |entry: &Entry, r: &mut dyn std::io::Read| writer.write_file(entry, r);
    let tree = netvet_unpack::walk_path(path, &unpack_options(unpack, progress), &visit)?;
    let s = writer.finish(&tree);
    let not_written = |v: &[Skipped]| -> Vec<NotWritten> {
        v.iter()
            .map(|s| NotWritten {
                path: s.path.clone(),
                kind: s.kind,
                reason: s.reason.clone(),
            })
            .collect()
    };
    Ok(UnpackDocument {
        schema: UNPACK_SCHEMA.to_string(),
        out: out.display().to_string(),
        report: tree.report().clone(),
        written: Written {
            files: s.files,
            dirs: s.dirs,
            symlinks: s.symlinks,
            hard_links: s.hard_links,
            bytes: s.bytes,
            special_bits_dropped: s.special_bits_dropped,
        },
        not_created: not_written(&s.not_created),
        skipped: not_written(&s.skipped),
    })
}
