//! `netvet equivalence`: is the deployed image the build that was tested?
//!
//! Both images are unpacked and their trees compared by logical path. Differences that cannot
//! change what the device runs are *explained*, each by a named normalisation; every other
//! difference is *material*. The images are equivalent when nothing material is left and
//! both were read completely.

use std::collections::BTreeMap;

use netvet_model::diff::{
    Difference, DifferenceClass, EQUIVALENCE_SCHEMA, EquivalenceCounts, EquivalenceReport,
    EquivalenceVerdict, Normalisation, Side,
};
use netvet_model::{EntryKind, RegionClass};
use serde_json::{Value, json};

use crate::collect::{Content, EntryPrint, Fingerprints, LayerPrint, Unclaimed};
use crate::compare::metadata_changes;

/// Unclaimed data at the very end of the input at most this long, that is not padding, is
/// taken for a signature block.
pub const MAX_SIGNATURE: u64 = 4096;

/// Every normalisation: id and what it allows.
pub const NORMALISATIONS: [(&str, &str); 9] = [
    (
        "file-timestamps",
        "modification times of files, directories and links are ignored",
    ),
    (
        "container-encoding",
        "a filesystem, archive or container of the same format may differ in its own bytes \
         (compression, block size, header timestamps and checksums, entry order) when every \
         entry inside it is compared",
    ),
    (
        "padding",
        "unclaimed regions of one repeated byte (erased flash, zero fill) may differ in length",
    ),
    (
        "trailing-signature",
        "unclaimed data of at most 4 KiB at the very end of the image, after everything that \
         was read, is taken for a signature block; its content is not compared",
    ),
    (
        "elf-build-id",
        "ELF binaries may differ in their GNU build-id note when every loaded section is the \
         same",
    ),
    (
        "elf-unloaded-sections",
        "ELF binaries may differ in sections that are not loaded (symbol tables, debug \
         information, compiler comments) when every loaded section is the same",
    ),
    (
        "module-signature",
        "kernel modules may differ in the signature appended after the ELF data",
    ),
    (
        "build-timestamp",
        "text files may differ in dates and times on build-stamp lines (build, built, \
         compiled, generated, timestamp, kernel banners)",
    ),
    (
        "pyc-header",
        "compiled Python files may differ in the source timestamp and size in their header",
    ),
];

struct Acc {
    differences: Vec<Difference>,
    applied: BTreeMap<&'static str, u64>,
}

impl Acc {
    fn material(&mut self, path: &str, aspect: &str, detail: String) {
        self.differences.push(Difference {
            class: DifferenceClass::Material,
            path: path.to_string(),
            aspect: aspect.to_string(),
            detail,
            normalisation: None,
        });
    }

    fn explained(&mut self, path: &str, aspect: &str, detail: String, by: &'static str) {
        *self.applied.entry(by).or_default() += 1;
        self.differences.push(Difference {
            class: DifferenceClass::Explained,
            path: path.to_string(),
            aspect: aspect.to_string(),
            detail,
            normalisation: Some(by.to_string()),
        });
    }
}

/// Decides whether `deployed` is the build `tested` is.
pub fn equivalence(
    tested: (&Side, &Fingerprints),
    deployed: (&Side, &Fingerprints),
) -> EquivalenceReport {
    let (t, d) = (tested.1, deployed.1);
    let mut acc = Acc {
        differences: Vec::new(),
        applied: BTreeMap::new(),
    };
    let mut counts = EquivalenceCounts::default();
    layers(t, d, &mut acc);
    let mut mtimes: BTreeMap<String, u64> = BTreeMap::new();
    for (path, te) in &t.entries {
        counts.entries += 1;
        let Some(de) = d.entries.get(path) else {
            acc.material(
                path,
                "removed",
                format!("{} missing from the deployed image", te.kind.as_str()),
            );
            continue;
        };
        let before = acc.differences.len();
        entry(path, te, de, &mut acc);
        if te.mtime != de.mtime {
            *mtimes.entry(layer_of(path)).or_default() += 1;
        }
        if acc.differences.len() == before && te.mtime == de.mtime {
            counts.identical += 1;
        }
    }
    for (path, de) in &d.entries {
        if !t.entries.contains_key(path) {
            counts.entries += 1;
            acc.material(
                path,
                "added",
                format!(
                    "{} only in the deployed image{}",
                    de.kind.as_str(),
                    de.content
                        .as_ref()
                        .map(|c| format!(" (sha256 {})", hex::encode(c.digest)))
                        .unwrap_or_default()
                ),
            );
        }
    }
    for (layer, n) in mtimes {
        acc.explained(
            &layer,
            "metadata",
            format!("{n} entries have other modification times"),
            "file-timestamps",
        );
    }
    for (name, side) in [("tested", tested.0), ("deployed", deployed.0)] {
        if side.coverage != "complete" {
            acc.differences.push(Difference {
                class: DifferenceClass::Material,
                path: String::new(),
                aspect: "unread".into(),
                detail: format!(
                    "the {name} image was not read completely ({}): equality cannot be shown \
                     for what was not read",
                    side.coverage
                ),
                normalisation: None,
            });
        }
    }
    acc.differences.sort();
    acc.differences.dedup();
    let unread = acc.differences.iter().any(|d| d.aspect == "unread");
    for d in acc.differences.iter().filter(|d| d.aspect != "unread") {
        match d.class {
            DifferenceClass::Material => counts.material += 1,
            DifferenceClass::Explained => counts.explained += 1,
        }
    }
    let verdict = if counts.material > 0 {
        EquivalenceVerdict::NotEquivalent
    } else if unread {
        EquivalenceVerdict::Undetermined
    } else {
        EquivalenceVerdict::Equivalent
    };
    EquivalenceReport {
        schema: EQUIVALENCE_SCHEMA.to_string(),
        tested: tested.0.clone(),
        deployed: deployed.0.clone(),
        verdict,
        counts,
        normalisations: NORMALISATIONS
            .iter()
            .map(|(id, description)| Normalisation {
                id: id.to_string(),
                description: description.to_string(),
                applied: acc.applied.get(id).copied().unwrap_or(0),
            })
            .collect(),
        differences: acc.differences,
    }
}

/// The logical path of the layer an entry is in.
fn layer_of(path: &str) -> String {
    path.rsplit_once("!/")
        .map_or(String::new(), |(l, _)| l.to_string())
}

fn layers(t: &Fingerprints, d: &Fingerprints, acc: &mut Acc) {
    for (path, tl) in &t.layers {
        let Some(dl) = d.layers.get(path) else {
            acc.material(
                path,
                "layer",
                format!("{} layer missing from the deployed image", tl.format),
            );
            continue;
        };
        if tl.format != dl.format {
            acc.material(
                path,
                "layer",
                format!("format {} → {}", tl.format, dl.format),
            );
            continue;
        }
        if tl.digest != dl.digest && !tl.top {
            acc.explained(
                path,
                "layer",
                format!(
                    "{} re-encoded: {} → {}",
                    tl.format, tl.description, dl.description
                ),
                "container-encoding",
            );
        }
        unclaimed(path, tl, dl, acc);
    }
    for (path, dl) in &d.layers {
        if !t.layers.contains_key(path) {
            acc.material(
                path,
                "layer",
                format!("{} layer only in the deployed image", dl.format),
            );
        }
    }
}

/// A region is a trailing signature when it is unclaimed data of the input itself that reaches
/// its end (after fill at most), is short and is not padding.
fn is_signature(l: &LayerPrint, r: &Unclaimed) -> bool {
    l.top
        && r.class != RegionClass::Padding
        && r.length <= MAX_SIGNATURE
        && r.end == l.container_length
}

fn unclaimed(path: &str, t: &LayerPrint, d: &LayerPrint, acc: &mut Acc) {
    let data = |l: &LayerPrint| -> Vec<Unclaimed> {
        l.unclaimed
            .iter()
            .copied()
            .filter(|r| r.class != RegionClass::Padding && !is_signature(l, r))
            .collect()
    };
    let (td, dd) = (data(t), data(d));
    let pad = |l: &LayerPrint| -> u64 {
        l.unclaimed
            .iter()
            .filter(|r| r.class == RegionClass::Padding)
            .map(|r| r.length)
            .sum()
    };
    if pad(t) != pad(d) {
        acc.explained(
            path,
            "layer",
            format!("padding {} → {} bytes", pad(t), pad(d)),
            "padding",
        );
    }
    let sig = |l: &LayerPrint| l.unclaimed.iter().find(|r| is_signature(l, r)).copied();
    match (sig(t), sig(d)) {
        (Some(a), Some(b)) if a.digest != b.digest || a.length != b.length => acc.explained(
            path,
            "layer",
            format!(
                "trailing block of {} → {} bytes differs",
                a.length, b.length
            ),
            "trailing-signature",
        ),
        (None, Some(b)) => acc.explained(
            path,
            "layer",
            format!(
                "trailing block of {} bytes only in the deployed image",
                b.length
            ),
            "trailing-signature",
        ),
        (Some(a), None) => acc.explained(
            path,
            "layer",
            format!(
                "trailing block of {} bytes only in the tested image",
                a.length
            ),
            "trailing-signature",
        ),
        _ => {}
    }
    if td.len() != dd.len() {
        acc.material(
            path,
            "layer",
            format!(
                "{} → {} regions of data no reader opened",
                td.len(),
                dd.len()
            ),
        );
        return;
    }
    for (a, b) in td.iter().zip(&dd) {
        if a.length != b.length || a.digest != b.digest || a.digest.is_none() {
            acc.material(
                path,
                "layer",
                format!(
                    "data no reader opened differs: {} bytes at {:#x} → {} bytes at {:#x}",
                    a.length, a.offset, b.length, b.offset
                ),
            );
        }
    }
}

fn entry(path: &str, t: &EntryPrint, d: &EntryPrint, acc: &mut Acc) {
    let meta = metadata_changes(t, d);
    if !meta.is_empty() {
        acc.material(path, "metadata", meta.join(", "));
    }
    if t.container && d.container {
        return;
    }
    if t.kind != d.kind {
        return;
    }
    match (&t.content, &d.content) {
        (Some(a), Some(b)) if a.digest != b.digest => content(path, a, b, acc),
        (Some(a), Some(b)) if !(a.complete && b.complete) => acc.material(
            path,
            "content",
            "only the first part of the file was read on one side; the rest is not compared".into(),
        ),
        (Some(_), None) | (None, Some(_)) if t.kind == EntryKind::File => acc.material(
            path,
            "content",
            "the content could be read on one side only".into(),
        ),
        _ => {}
    }
}

fn content(path: &str, a: &Content, b: &Content, acc: &mut Acc) {
    if let (Some(x), Some(y)) = (&a.elf, &b.elf) {
        if x.loaded != y.loaded {
            let changed: Vec<String> = x
                .sections
                .iter()
                .filter(|s| s.alloc)
                .filter(|s| {
                    y.sections
                        .iter()
                        .find(|t| t.name == s.name)
                        .is_none_or(|t| t.digest != s.digest || t.size != s.size)
                })
                .map(|s| s.name.clone())
                .chain(
                    y.sections
                        .iter()
                        .filter(|s| s.alloc && !x.sections.iter().any(|t| t.name == s.name))
                        .map(|s| format!("{} (new)", s.name)),
                )
                .collect();
            acc.material(
                path,
                "section",
                if changed.is_empty() {
                    "the loaded image differs (layout, entry point or machine)".into()
                } else {
                    format!("loaded sections differ: {}", changed.join(", "))
                },
            );
            return;
        }
        if x.build_id != y.build_id {
            acc.explained(
                path,
                "section",
                format!(
                    "build id {} → {}",
                    x.build_id.as_deref().map(hex::encode).unwrap_or("-".into()),
                    y.build_id.as_deref().map(hex::encode).unwrap_or("-".into())
                ),
                "elf-build-id",
            );
        }
        if x.unloaded != y.unloaded {
            acc.explained(
                path,
                "section",
                "sections that are not loaded differ".into(),
                "elf-unloaded-sections",
            );
        }
        match (&x.trailer, &y.trailer) {
            (None, None) => {}
            (Some(p), Some(q)) if p == q => {}
            (p, q) => {
                let sig = |t: &Option<crate::collect::Trailer>| {
                    t.as_ref().is_none_or(|t| t.module_signature)
                };
                if sig(p) && sig(q) {
                    acc.explained(
                        path,
                        "content",
                        "appended module signature differs".into(),
                        "module-signature",
                    );
                } else {
                    acc.material(
                        path,
                        "content",
                        format!(
                            "data after the ELF structures differs ({} → {} bytes)",
                            p.as_ref().map_or(0, |t| t.length),
                            q.as_ref().map_or(0, |t| t.length)
                        ),
                    );
                }
            }
        }
        return;
    }
    if let (Some(x), Some(y)) = (a.pyc_body, b.pyc_body)
        && x == y
    {
        acc.explained(
            path,
            "content",
            "compiled Python header (source timestamp, size) differs".into(),
            "pyc-header",
        );
        return;
    }
    if let (Some(x), Some(y)) = (a.timestamps_masked, b.timestamps_masked)
        && x == y
    {
        acc.explained(
            path,
            "content",
            "dates and times on build-stamp lines differ".into(),
            "build-timestamp",
        );
        return;
    }
    acc.material(path, "content", first_difference(a, b));
}

/// Where two contents first differ: a line of text, or a byte offset.
fn first_difference(a: &Content, b: &Content) -> String {
    if let (Some(x), Some(y)) = (&a.text, &b.text) {
        let (xs, ys): (Vec<&[u8]>, Vec<&[u8]>) = (
            x.split(|&c| c == b'\n').collect(),
            y.split(|&c| c == b'\n').collect(),
        );
        let clip = |l: &[u8]| {
            let s = String::from_utf8_lossy(l);
            let s: String = s.chars().take(120).collect();
            s
        };
        for i in 0..xs.len().max(ys.len()) {
            let (l, r) = (xs.get(i), ys.get(i));
            if l != r {
                return format!(
                    "line {}: {:?} → {:?}",
                    i + 1,
                    l.map(|l| clip(l)).unwrap_or_default(),
                    r.map(|r| clip(r)).unwrap_or_default()
                );
            }
        }
    }
    format!(
        "content differs (sha256 {} → {})",
        hex::encode(&a.digest[..8]),
        hex::encode(&b.digest[..8])
    )
}

/// An in-toto Statement (v1) a lab can sign and give to an operator: both images as subjects,
/// the verdict and the counts as the predicate.
pub fn attestation(r: &EquivalenceReport, tool_version: &str) -> Value {
    let material: Vec<&Difference> = r
        .differences
        .iter()
        .filter(|d| d.class == DifferenceClass::Material)
        .collect();
    json!({
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [
            { "name": r.tested.input, "digest": { "sha256": r.tested.sha256 },
              "annotations": { "role": "tested" } },
            { "name": r.deployed.input, "digest": { "sha256": r.deployed.sha256 },
              "annotations": { "role": "deployed" } },
        ],
        "predicateType": "urn:netvet:predicate:equivalence:v1",
        "predicate": {
            "verdict": r.verdict.as_str(),
            "tool": { "name": "netvet", "version": tool_version },
            "counts": r.counts,
            "normalisations": r.normalisations.iter().filter(|n| n.applied > 0)
                .map(|n| json!({ "id": n.id, "applied": n.applied })).collect::<Vec<_>>(),
            "material_differences": material,
        }
    })
}
