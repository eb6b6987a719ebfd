//! `netvet identify IMAGE...`: the layer report of each image.

use std::path::PathBuf;

use netvet_model::{ImageReport, Layer};
use netvet_unpack::{Entry, Tree};
use serde::Serialize;

use super::limits::LimitArgs;
use crate::output::{self, Format, human_size};
use crate::progress::Spinner;

/// Identify the layers of firmware images: formats, offsets, hashes, warnings and what no
/// extractor claimed.
#[derive(clap::Args)]
pub struct Args {
    /// Firmware images to identify.
    #[arg(required = true, value_name = "IMAGE")]
    images: Vec<PathBuf>,
    /// Output format (table on a terminal, else JSON).
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Also list every entry of the tree.
    #[arg(long)]
    entries: bool,
    #[command(flatten)]
    limits: LimitArgs,
}

/// The JSON document of `identify`.
#[derive(Serialize)]
struct Document<'a> {
    schema: &'static str,
    images: Vec<ImageDoc<'a>>,
}

#[derive(Serialize)]
struct ImageDoc<'a> {
    #[serde(flatten)]
    report: &'a ImageReport,
    #[serde(skip_serializing_if = "Option::is_none")]
    entries: Option<Vec<EntryDoc>>,
}

/// One tree entry in JSON.
#[derive(Serialize)]
pub struct EntryDoc {
    pub path: String,
    pub kind: netvet_model::EntryKind,
    pub mode: String,
    pub uid: u32,
    pub gid: u32,
    pub size: u64,
    pub mtime: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link_target: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device: Option<[u32; 2]>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub xattrs: Vec<String>,
    pub layer: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nested: Option<u32>,
}

impl EntryDoc {
    pub fn from(e: &Entry) -> EntryDoc {
        EntryDoc {
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
}

fn hex_short(v: &[u8]) -> String {
    let mut s: String = v.iter().take(64).map(|b| format!("{b:02x}")).collect();
    if v.len() > 64 {
        s.push('…');
    }
    s
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let format = args
        .format
        .unwrap_or(if std::io::IsTerminal::is_terminal(&std::io::stdout()) {
            Format::Table
        } else {
            Format::Json
        });
    let mut trees = Vec::new();
    for path in &args.images {
        let mut opts = args.limits.options();
        let name = path.display().to_string();
        let spinner = Spinner::start("identifying", &name);
        if let Some(s) = &spinner {
            opts.progress = Some(s.clone());
        }
        let tree = netvet_unpack::open_path(path, &opts);
        if let Some(s) = spinner {
            s.finish();
        }
        trees.push(tree?);
    }
    match format {
        Format::Json => {
            let doc = Document {
                schema: "netvet.identify/1",
                images: trees
                    .iter()
                    .map(|t| ImageDoc {
                        report: t.report(),
                        entries: args
                            .entries
                            .then(|| t.entries().iter().map(EntryDoc::from).collect()),
                    })
                    .collect(),
            };
            output::print_json(&doc)?;
        }
        Format::Table => {
            for t in &trees {
                print_table(t, args.entries);
            }
        }
    }
    Ok(crate::EXIT_OK)
}

fn print_table(tree: &Tree, entries: bool) {
    let r = tree.report();
    println!("{}  {}  sha256:{}", r.image, human_size(r.size), r.sha256);
    let depth_of = |l: &Layer| {
        let mut d = 0;
        let mut p = l.parent;
        while let Some(id) = p {
            d += 1;
            p = r.layers.get(id as usize).and_then(|l| l.parent);
        }
        d
    };
    println!(
        "  {:>4}  {:<12} {:>12} {:>10}  path — description",
        "id", "format", "offset", "length"
    );
    for l in &r.layers {
        let indent = "  ".repeat(depth_of(l));
        println!(
            "  {:>4}  {:<12} {:>12} {:>10}  {indent}{} — {}",
            l.id,
            l.format,
            format!("{:#x}", l.offset),
            human_size(l.length),
            l.path,
            l.description
        );
        for u in &l.unclaimed {
            println!(
                "  {:>4}  {:<12} {:>12} {:>10}  {indent}  unclaimed {} (entropy {:.2})",
                "",
                "",
                format!("{:#x}", u.offset),
                human_size(u.length),
                serde_json::to_value(u.class)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
                u.entropy
            );
        }
    }
    let t = &r.totals;
    println!(
        "  entries: {} ({} files, {} dirs, {} symlinks, {} hard links, {} devices, {} other), {} in files",
        t.entries,
        t.files,
        t.dirs,
        t.symlinks,
        t.hard_links,
        t.devices,
        t.other,
        human_size(t.file_bytes)
    );
    let warnings: Vec<_> = r.all_warnings().collect();
    if !warnings.is_empty() {
        println!("  warnings ({}):", warnings.len());
        for (layer, w) in warnings {
            let at = match layer {
                Some(l) => format!("layer {l}"),
                None => "image".to_string(),
            };
            let code = serde_json::to_value(w.code)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            println!("    [{code}] {at}: {}", w.message);
        }
    }
    if entries {
        for e in tree.entries() {
            let target = e
                .link_target
                .as_deref()
                .map(|t| format!(" -> {t}"))
                .unwrap_or_default();
            println!(
                "  {:<11} {:04o} {:>5}/{:<5} {:>10}  {}{target}",
                e.kind.as_str(),
                e.mode,
                e.uid,
                e.gid,
                e.size,
                e.path
            );
        }
    }
    println!();
}
