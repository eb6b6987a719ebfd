//! `netvet unpack IMAGE --out DIR`: writes an image's tree to disk, safely.

use std::path::PathBuf;

use netvet_pipeline::images;
use netvet_unpack::materialize::WriteOptions;

use super::limits::LimitArgs;
use crate::output::{self, Format};
use crate::progress::with_progress;

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

pub fn run(args: Args) -> anyhow::Result<u8> {
    let write = WriteOptions {
        force: args.force,
        carved: args.carved,
    };
    let opts = args.limits.options();
    let name = args.image.display().to_string();
    let doc = output::about(
        with_progress(&name, |p| {
            images::unpack(&args.image, &args.out, write, &opts, p)
        }),
        "unpack",
        &name,
    )?;
    match output::choose(args.format, None, Format::Table, Format::Json) {
        Format::Json => output::emit_json(&doc, None)?,
        Format::Table => {
            output::emit_table(&netvet_report::terminal::identify::unpack(&doc), None)?
        }
    }
    Ok(crate::EXIT_OK)
}
