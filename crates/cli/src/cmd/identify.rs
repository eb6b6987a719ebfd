//! `netvet identify IMAGE...`: the layer report of each image.

use std::path::PathBuf;

use netvet_pipeline::images;

use super::limits::LimitArgs;
use crate::output::{self, Format};
use crate::progress::with_progress;

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

pub fn run(args: Args) -> anyhow::Result<u8> {
    let opts = args.limits.options();
    let mut identified = Vec::new();
    for path in &args.images {
        let name = path.display().to_string();
        let image = output::about(
            with_progress(&name, |p| images::identify(path, &opts, args.entries, p)),
            "identify",
            &name,
        )?;
        identified.push(image);
    }
    match output::choose(args.format, None, Format::Table, Format::Json) {
        Format::Json => output::emit_json(&images::identify_document(identified), None)?,
        Format::Table => {
            let style = output::style(None);
            let text: String = identified
                .iter()
                .map(|i| netvet_report::terminal::identify::identify(i, &style))
                .collect();
            output::emit_table(&text, None)?;
        }
    }
    Ok(crate::EXIT_OK)
}
