//! `netvet dossier check [DIR]`: validates vendor dossiers and jurisdiction files.

use std::collections::BTreeMap;
use std::path::PathBuf;

use netvet_model::SourceStatus;
use netvet_policy::{DossierSet, Limits};
use serde::Serialize;

use crate::output::{self, Format, columns};

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

#[derive(Serialize)]
struct Summary {
    schema: &'static str,
    root: String,
    vendors: Vec<VendorSummary>,
    jurisdictions: Vec<String>,
}

#[derive(Serialize)]
struct VendorSummary {
    id: String,
    name: String,
    jurisdiction: String,
    fictional: bool,
    facts: usize,
    /// Facts per status (SOURCED, SOURCED-2, UNVERIFIED, NOTE).
    by_status: BTreeMap<SourceStatus, usize>,
    file: String,
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let Command::Check(a) = args.command;
    let set = DossierSet::load(a.dir.as_deref(), &Limits::default())?;
    let summary = Summary {
        schema: "netvet.dossier-check/1",
        root: set.root.clone(),
        vendors: set
            .vendors
            .values()
            .map(|d| {
                let mut by_status = BTreeMap::new();
                for f in &d.dossier.facts {
                    *by_status.entry(f.status).or_insert(0) += 1;
                }
                let v = &d.dossier.vendor;
                VendorSummary {
                    id: v.id.clone(),
                    name: v.name.clone(),
                    jurisdiction: v.jurisdiction.clone(),
                    fictional: v.fictional,
                    facts: d.dossier.facts.len(),
                    by_status,
                    file: d.file.clone(),
                }
            })
            .collect(),
        jurisdictions: set.jurisdictions.keys().cloned().collect(),
    };
    match Format::or_default(a.format) {
        Format::Json => output::print_json(&summary)?,
        Format::Table => {
            let mut rows = vec![
                [
                    "VENDOR",
                    "JURISDICTION",
                    "FACTS",
                    "SOURCED",
                    "SOURCED-2",
                    "UNVERIFIED",
                    "NOTE",
                    "NAME",
                ]
                .map(String::from)
                .to_vec(),
            ];
            for v in &summary.vendors {
                let n = |s| v.by_status.get(&s).copied().unwrap_or(0).to_string();
                rows.push(vec![
                    v.id.clone(),
                    v.jurisdiction.clone(),
                    v.facts.to_string(),
                    n(SourceStatus::Sourced),
                    n(SourceStatus::Sourced2),
                    n(SourceStatus::Unverified),
                    n(SourceStatus::Note),
                    format!("{}", v.name),
                ]);
            }
            let mut text = columns(&rows);
            text.push_str(&format!(
                "\n{}: {} vendors, jurisdictions {}: valid\n",
                summary.root,
                summary.vendors.len(),
                summary.jurisdictions.join(", ")
            ));
            output::print_text(&text)?;
        }
    }
    Ok(crate::EXIT_OK)
}
