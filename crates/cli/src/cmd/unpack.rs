//! `netvet unpack IMAGE --out DIR`: writes an image's tree to disk, safely.

use std::path::PathBuf;

use anyhow::Context;
use netvet_model::ImageReport;
use netvet_unpack::materialize::{Skipped, Summary, WriteOptions, Writer};
use serde::Serialize;

use super::limits::LimitArgs;
use crate::output::{self, Format, human_size};
use crate::progress::Spinner;

/// Extract a firmware image into a directory: nested images go to `NAME.extracted/`
/// directories; nothing is written outside DIR; symlinks are created, never followed; device
/// nodes are listed, not created.
#[derive(clap::Args)]
pub struct Args {
    /// Firmware image to extract.
    #[arg(value_name = "IMAGE")]
    image: PathBuf,
    /// Destination directory (created if missing; must be empty unless --force).
    #[arg(long, short, value_name = "DIR")]
    out: PathBuf,
    /// Write into a non-empty destination, replacing regular files.
    #[arg(long)]
    force: bool,
    /// Also write carved regions (copies of the bytes each embedded image occupies).
    #[arg(long)]
    carved: bool,
    /// Output format of the summary (table on a terminal, else JSON).
    #[arg(long, value_enum)]
    format: Option<Format>,
    #[command(flatten)]
    limits: LimitArgs,
}

#[derive(Serialize)]
struct Document<'a> {
    schema: &'static str,
    out: String,
    report: &'a ImageReport,
    written: Written,
    not_created: Vec<SkipDoc>,
    skipped: Vec<SkipDoc>,
}

#[derive(Serialize)]
struct Written {
    files: u64,
    dirs: u64,
    symlinks: u64,
    hard_links: u64,
    bytes: u64,
    special_bits_dropped: u64,
}

#[derive(Serialize)]
struct SkipDoc {
    path: String,
    kind: netvet_model::EntryKind,
    reason: String,
}

fn skip_docs(v: &[Skipped]) -> Vec<SkipDoc> {
    v.iter()
        .map(|s| SkipDoc {
            path: s.path.clone(),
            kind: s.kind,
            reason: s.reason.clone(),
        })
        .collect()
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let format = args
        .format
        .unwrap_or(if std::io::IsTerminal::is_terminal(&std::io::stdout()) {
            Format::Table
        } else {
            Format::Json
        });
    let writer = Writer::new(
        &args.out,
        WriteOptions {
            force: args.force,
            carved: args.carved,
        },
    )?;
    let mut opts = args.limits.options();
    let spinner = Spinner::start("unpacking", &args.image.display().to_string());
    if let Some(s) = &spinner {
        opts.progress = Some(s.clone());
    }
    let visit =
        |entry: &netvet_unpack::Entry, r: &mut dyn std::io::Read| writer.write_file(entry, r);
    let tree = netvet_unpack::walk_path(&args.image, &opts, &visit)
        .with_context(|| format!("cannot unpack {}", args.image.display()))?;
    let summary = writer.finish(&tree);
    if let Some(s) = spinner {
        s.finish();
    }
    match format {
        Format::Json => output::print_json(&Document {
            schema: "netvet.unpack/1",
            out: args.out.display().to_string(),
            report: tree.report(),
            written: written(&summary),
            not_created: skip_docs(&summary.not_created),
            skipped: skip_docs(&summary.skipped),
        })?,
        Format::Table => print_summary(&args, tree.report(), &summary),
    }
    Ok(crate::EXIT_OK)
}

fn written(s: &Summary) -> Written {
    Written {
        files: s.files,
        dirs: s.dirs,
        symlinks: s.symlinks,
        hard_links: s.hard_links,
        bytes: s.bytes,
        special_bits_dropped: s.special_bits_dropped,
    }
}

fn print_summary(args: &Args, report: &ImageReport, s: &Summary) {
    println!(
        "{} → {}: {} files ({}), {} dirs, {} symlinks, {} hard links; {} layers",
        report.image,
        args.out.display(),
        s.files,
        human_size(s.bytes),
        s.dirs,
        s.symlinks,
        s.hard_links,
        report.layers.len()
    );
    for l in &report.layers {
        println!("  {:<10} {:#12x}  {}", l.format, l.offset, l.path);
    }
    if s.special_bits_dropped > 0 {
        println!(
            "  {} files had setuid/setgid/sticky bits, not applied on disk (see `netvet identify --entries`)",
            s.special_bits_dropped
        );
    }
    if !s.not_created.is_empty() {
        println!("  not created ({}):", s.not_created.len());
        for n in &s.not_created {
            println!("    {}  {}", n.path, n.reason);
        }
    }
    if !s.skipped.is_empty() {
        println!("  skipped ({}):", s.skipped.len());
        for n in &s.skipped {
            println!("    {}  {}", n.path, n.reason);
        }
    }
    let warnings = report.all_warnings().count();
    if warnings > 0 {
        println!("  {warnings} warnings (see `netvet identify`)");
    }
}
