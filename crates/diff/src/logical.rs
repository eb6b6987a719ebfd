//! Logical paths: a virtual path without the input's own name, and with carved layers named by
//! format and rank instead of by offset, so that the same file in two releases has the same
//! name even when the root filesystem moved inside the flash image.

use std::collections::BTreeMap;

use netvet_model::ImageReport;

/// Maps the virtual paths of one image to logical paths.
pub struct Namer {
    /// Virtual path of each layer → its logical path; longest first for prefix search.
    layers: Vec<(String, String)>,
}

/// True for the name the unpacker gives a carved region: `0x<hex offset>.<extension>`.
fn carved(segment: &str) -> Option<&str> {
    let rest = segment.strip_prefix("0x")?;
    let (hex, ext) = rest.split_once('.')?;
    (!hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit()) && !ext.is_empty())
        .then_some(ext)
}

impl Namer {
    /// Names the layers of `report`.
    pub fn new(report: &ImageReport) -> Namer {
        let mut named: Vec<(String, String)> = Vec::new();
        // Parents before children: a layer's path extends its container's.
        let mut order: Vec<usize> = (0..report.layers.len()).collect();
        order.sort_by(|&a, &b| {
            let (la, lb) = (&report.layers[a], &report.layers[b]);
            la.path
                .len()
                .cmp(&lb.path.len())
                .then(la.container.cmp(&lb.container))
                .then(la.offset.cmp(&lb.offset))
        });
        // Carved layers of one container, by extension: how many were named so far.
        let mut ranks: BTreeMap<(String, String), u32> = BTreeMap::new();
        for i in order {
            let layer = &report.layers[i];
            if layer.parent.is_none() {
                named.push((layer.path.clone(), String::new()));
                continue;
            }
            let namer = Namer {
                layers: sorted(named.clone()),
            };
            let logical = match layer.path.rsplit_once("!/") {
                Some((container, segment)) => match carved(segment) {
                    Some(ext) => {
                        let parent = namer.name(container);
                        let rank = ranks.entry((parent.clone(), ext.to_string())).or_insert(0);
                        *rank += 1;
                        let seg = if *rank == 1 {
                            format!("[{ext}]")
                        } else {
                            format!("[{ext}#{rank}]")
                        };
                        join(&parent, &seg)
                    }
                    None => namer.name(&layer.path),
                },
                None => namer.name(&layer.path),
            };
            named.push((layer.path.clone(), logical));
        }
        Namer {
            layers: sorted(named),
        }
    }

    /// The logical path of a virtual path of this image.
    pub fn name(&self, vpath: &str) -> String {
        for (layer, logical) in &self.layers {
            if vpath == layer {
                return logical.clone();
            }
            if let Some(rest) = vpath.strip_prefix(layer.as_str())
                && let Some(rest) = rest.strip_prefix("!/")
            {
                return join(logical, rest);
            }
        }
        vpath.to_string()
    }
}

fn sorted(mut v: Vec<(String, String)>) -> Vec<(String, String)> {
    v.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(&b.0)));
    v
}

fn join(parent: &str, rest: &str) -> String {
    if parent.is_empty() {
        rest.to_string()
    } else {
        format!("{parent}!/{rest}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use netvet_model::image::{Layer, Totals};

    fn layer(id: u32, parent: Option<u32>, container: &str, path: &str, offset: u64) -> Layer {
        Layer {
            id,
            parent,
            container: container.into(),
            path: path.into(),
            format: "x".into(),
            offset,
            length: 1,
            sha256: String::new(),
            description: String::new(),
            entries: 0,
            children: Vec::new(),
            warnings: Vec::new(),
            unclaimed: Vec::new(),
        }
    }

    #[test]
    fn carved_layers_are_named_by_format_and_rank() {
        let report = ImageReport {
            schema: String::new(),
            image: "fw-1.bin".into(),
            size: 0,
            sha256: String::new(),
            layers: vec![
                layer(0, None, "fw-1.bin", "fw-1.bin", 0),
                layer(1, Some(0), "fw-1.bin", "fw-1.bin!/0x0.uimage", 0),
                layer(
                    2,
                    Some(0),
                    "fw-1.bin",
                    "fw-1.bin!/0x300000.squashfs",
                    0x300000,
                ),
                layer(
                    3,
                    Some(0),
                    "fw-1.bin",
                    "fw-1.bin!/0x100000.squashfs",
                    0x100000,
                ),
                layer(
                    4,
                    Some(1),
                    "fw-1.bin!/0x0.uimage",
                    "fw-1.bin!/0x0.uimage!/kernel.gz",
                    0,
                ),
            ],
            totals: Totals::default(),
            warnings: Vec::new(),
        };
        let n = Namer::new(&report);
        assert_eq!(
            n.name("fw-1.bin!/0x100000.squashfs!/etc/passwd"),
            "[squashfs]!/etc/passwd"
        );
        assert_eq!(
            n.name("fw-1.bin!/0x300000.squashfs!/bin/sh"),
            "[squashfs#2]!/bin/sh"
        );
        assert_eq!(
            n.name("fw-1.bin!/0x0.uimage!/kernel.gz!/kernel"),
            "[uimage]!/kernel.gz!/kernel"
        );
        assert_eq!(n.name("fw-1.bin"), "");
        // A name that only looks carved inside a filesystem stays as it is.
        assert_eq!(
            n.name("fw-1.bin!/0x100000.squashfs!/0x10.bin"),
            "[squashfs]!/0x10.bin"
        );
    }
}
