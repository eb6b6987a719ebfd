//! `netvet dossier check [DIR]`: validates vendor dossiers and jurisdiction files.

use std::path::PathBuf;

use netvet_pipeline::catalogues;
use netvet_policy::Limits;

use crate::output::{self, Format};

/// Work with vendor dossiers.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand)]
enum Command {
    /// Validate dossiers (unknown fields, duplicate vendors, dates, sources, statuses) and
    /// summarise how well each vendor's facts are sourced.
    Check(CheckArgs),
}

#[derive(clap::Args)]
struct CheckArgs {
    /// Dossier directory (default: the built-in dossiers).
    #[arg(value_name = "DIR")]
    dir: Option<PathBuf>,
    /// Output format (table on a terminal, else JSON).
    #[arg(long, value_enum)]
    format: Option<Format>,
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let Command::Check(a) = args.command;
    let summary = catalogues::check_dossiers(a.dir.as_deref(), &Limits::default())?;
    match output::choose(a.format, None, Format::Table, Format::Json) {
        Format::Json => output::emit_json(&summary, None)?,
        Format::Table => output::emit_table(
            &netvet_report::terminal::catalogue::dossiers(&summary, &output::style(None)),
            None,
        )?,
    }
    Ok(crate::EXIT_OK)
}
