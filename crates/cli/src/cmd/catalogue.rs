//! `netvet catalogue list|check|test`: the built-in catalogues, validating a catalogue (and the
//! ones it extends), and running its Rego tests.

use netvet_pipeline::catalogues;
use netvet_policy::Limits;
use netvet_report::terminal;

use crate::output::{self, Format};

/// Work with requirements catalogues.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand)]
enum Command {
    /// List the built-in catalogues.
    List(FormatArgs),
    /// Validate a catalogue and the catalogues it extends, and list its requirements.
    Check(CatalogueArgs),
    /// Run the Rego tests of a catalogue and of each catalogue it extends.
    Test(CatalogueArgs),
}

#[derive(clap::Args)]
struct FormatArgs {
    /// Output format (table on a terminal, else JSON).
    #[arg(long, value_enum)]
    format: Option<Format>,
}

#[derive(clap::Args)]
struct CatalogueArgs {
    /// A built-in catalogue id or a catalogue directory.
    #[arg(value_name = "ID|DIR")]
    catalogue: String,
    #[command(flatten)]
    format: FormatArgs,
}

fn format_of(f: &FormatArgs) -> Format {
    output::choose(f.format, None, Format::Table, Format::Json)
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let limits = Limits::default();
    match args.command {
        Command::List(f) => {
            let list = catalogues::list(&limits)?;
            match format_of(&f) {
                Format::Json => output::emit_json(&list, None)?,
                Format::Table => output::emit_table(
                    &terminal::catalogue::list(&list, &output::style(None)),
                    None,
                )?,
            }
            Ok(crate::EXIT_OK)
        }
        Command::Check(a) => {
            let check = catalogues::check(&a.catalogue, &limits)?;
            match format_of(&a.format) {
                Format::Json => output::emit_json(&check, None)?,
                Format::Table => output::emit_table(
                    &terminal::catalogue::check(&check, &output::style(None)),
                    None,
                )?,
            }
            Ok(crate::EXIT_OK)
        }
        Command::Test(a) => {
            let doc = catalogues::test(&a.catalogue, &limits)?;
            match format_of(&a.format) {
                Format::Json => output::emit_json(&doc, None)?,
                Format::Table => output::emit_table(&terminal::catalogue::tests(&doc), None)?,
            }
            Ok(if doc.passed {
                crate::EXIT_OK
            } else {
                crate::EXIT_FINDINGS
            })
        }
    }
}
